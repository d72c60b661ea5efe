//! A tolerant reader for the JSONL logs agents append to while they run.
//!
//! Whole files are read at once (a file is one session, so memory stays bounded by the largest session) and
//! split on `\n` with memchr. No line-length limit; `\r\n` endings, NUL padding and invalid UTF-8 are
//! tolerated; a last line without its newline that does not parse is the agent still writing, and is skipped
//! quietly.

use std::borrow::Cow;

use serde::Deserialize;

/// One line of a JSONL buffer.
pub struct Line<'a> {
    /// 1-based line number.
    pub number: u64,
    pub bytes: &'a [u8],
    /// The last line of the buffer with no newline after it (possibly still being written).
    pub unterminated: bool,
}

/// The non-blank lines of `buf`, with CR and NUL bytes trimmed from their ends.
pub fn lines(buf: &[u8]) -> impl Iterator<Item = Line<'_>> {
    let mut pos = 0usize;
    let mut number = 0u64;
    std::iter::from_fn(move || loop {
        if pos >= buf.len() {
            return None;
        }
        number += 1;
        let (end, next, unterminated) = match memchr::memchr(b'\n', &buf[pos..]) {
            Some(i) => (pos + i, pos + i + 1, false),
            None => (buf.len(), buf.len(), true),
        };
        let bytes = trim(&buf[pos..end]);
        pos = next;
        if !bytes.is_empty() {
            return Some(Line {
                number,
                bytes,
                unterminated,
            });
        }
    })
}

fn trim(mut b: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = b {
        if matches!(first, b' ' | b'\t' | b'\r' | 0) {
            b = rest;
        } else {
            break;
        }
    }
    while let [rest @ .., last] = b {
        if matches!(last, b' ' | b'\t' | b'\r' | 0) {
            b = rest;
        } else {
            break;
        }
    }
    // A UTF-8 byte-order mark on the first line.
    b.strip_prefix(b"\xef\xbb\xbf").unwrap_or(b)
}

/// What became of a line that did not parse.
pub enum Bad {
    /// The unterminated last line: the agent is still writing it. Not worth a warning.
    Partial,
    /// A real problem, with serde's message.
    Invalid(String),
}

/// Parses one line (the buffer was made valid UTF-8 by [`read`]).
pub fn parse<'a, T: Deserialize<'a>>(line: &Line<'a>) -> Result<T, Bad> {
    serde_json::from_slice::<T>(line.bytes).map_err(|e| {
        if line.unterminated {
            Bad::Partial
        } else {
            Bad::Invalid(e.to_string())
        }
    })
}

/// Reads a whole file, replacing invalid UTF-8 (rare: crashes, foreign encodings) so every line parses as text.
pub fn read(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    let buf = std::fs::read(path)?;
    Ok(match String::from_utf8(buf) {
        Ok(s) => s.into_bytes(),
        Err(e) => String::from_utf8_lossy(e.as_bytes())
            .into_owned()
            .into_bytes(),
    })
}

/// Text as a borrowed or owned string, lossily decoded.
pub fn lossy(b: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn crlf_blank_nul_and_partial_last_line() {
        let buf = b"{\"a\":1}\r\n\r\n\0\0{\"a\":2}\n{\"a\":";
        let got: Vec<_> = lines(buf).collect();
        assert_eq!(got.len(), 3);
        assert_eq!(got[1].number, 3);
        let v: Value = parse(&got[1]).ok().unwrap();
        assert_eq!(v["a"], 2);
        assert!(matches!(parse::<Value>(&got[2]), Err(Bad::Partial)));
    }

    #[test]
    fn invalid_utf8_is_repaired_and_a_bad_middle_line_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.jsonl");
        std::fs::write(&p, b"{\"t\":\"caf\xe9\"}\nnot json\n{}\n").unwrap();
        let buf = read(&p).unwrap();
        let got: Vec<_> = lines(&buf).collect();
        let v: Value = parse(&got[0]).ok().unwrap();
        assert_eq!(v["t"], "caf\u{fffd}");
        assert!(matches!(parse::<Value>(&got[1]), Err(Bad::Invalid(_))));
    }
}
