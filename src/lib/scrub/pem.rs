//! Private-key blocks: PEM (`-----BEGIN ... PRIVATE KEY-----`), also `\n`-escaped inside JSON strings and
//! cut off by truncation (no END line: redact to the end of the base64 run).

use memchr::memmem;

use super::finding::{Finding, Kind};

pub const PLACEHOLDER: &str = "<REDACTED PRIVATE KEY>";
/// A key block longer than this without its END line is treated as truncated.
const MAX_BLOCK: usize = 64 * 1024;

pub fn find(text: &str, out: &mut Vec<Finding>) {
    // Built once: this runs on every string, most of them short.
    static BEGIN: std::sync::LazyLock<memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memmem::Finder::new(b"-----BEGIN "));
    let bytes = text.as_bytes();
    let mut at = 0;
    while let Some(i) = BEGIN.find(&bytes[at..]) {
        let begin = at + i;
        let label_start = begin + 11;
        let Some(j) = memmem::find(
            &bytes[label_start..bytes.len().min(label_start + 64)],
            b"-----",
        ) else {
            at = label_start;
            continue;
        };
        let label = &bytes[label_start..label_start + j];
        let body = label_start + j + 5;
        if memmem::find(label, b"PRIVATE KEY").is_none() {
            at = body;
            continue;
        }
        let mut end_marker = b"-----END ".to_vec();
        end_marker.extend_from_slice(label);
        end_marker.extend_from_slice(b"-----");
        let window = &bytes[body..bytes.len().min(body + MAX_BLOCK)];
        let end = match memmem::find(window, &end_marker) {
            Some(k) => body + k + end_marker.len(),
            None => body + base64_run(&bytes[body..]),
        };
        out.push(Finding::new(
            begin,
            end,
            Kind::PrivateKey,
            "private-key-block",
            PLACEHOLDER,
        ));
        at = end.max(begin + 1);
    }
}

/// Length of the key body that follows a BEGIN line: base64, whitespace, escaped newlines, and the
/// `Proc-Type:`/`DEK-Info:` headers of encrypted keys.
fn base64_run(b: &[u8]) -> usize {
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'+'
            | b'/'
            | b'='
            | b'\n'
            | b'\r'
            | b' '
            | b'\t'
            | b':'
            | b','
            | b'-' => i += 1,
            b'\\' if matches!(b.get(i + 1), Some(b'n' | b'r')) => i += 2,
            _ => break,
        }
    }
    // Do not swallow the text after the block: stop at the last base64 character.
    loop {
        if i >= 2 && b[i - 2] == b'\\' && matches!(b[i - 1], b'n' | b'r') {
            i -= 2;
        } else if i > 0
            && !b[i - 1].is_ascii_alphanumeric()
            && !matches!(b[i - 1], b'+' | b'/' | b'=')
        {
            i -= 1;
        } else {
            return i;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redact(text: &str) -> String {
        let mut f = Vec::new();
        find(text, &mut f);
        super::super::finding::apply(text, &f)
    }

    #[test]
    fn whole_blocks_escaped_blocks_and_truncated_blocks() {
        let body = "MIIEowIBAAKCAQEAx7Q2mZ9pL1vTg4kR8sJ3nW0aYcE5fH6uD2bV9oK1lM3nP4qR5sT6uV7wX8yZ9";
        let plain = format!(
            "key:\n-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----\nafter"
        );
        assert_eq!(redact(&plain), format!("key:\n{PLACEHOLDER}\nafter"));
        let escaped = format!(
            r#"{{"private_key": "-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----\n"}}"#
        );
        assert_eq!(
            redact(&escaped),
            format!(r#"{{"private_key": "{PLACEHOLDER}\n"}}"#)
        );
        let cut =
            format!("-----BEGIN OPENSSH PRIVATE KEY-----\\nb3BlbnNzaC1rZXktdjE{body}\\n\" ...");
        assert_eq!(redact(&cut), format!("{PLACEHOLDER}\\n\" ..."));
    }

    #[test]
    fn certificates_and_public_keys_stay() {
        let cert = "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIE\n-----END CERTIFICATE-----";
        assert_eq!(redact(cert), cert);
        let public = "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A\n-----END PUBLIC KEY-----";
        assert_eq!(redact(public), public);
    }
}
