//! Cheap tests that decide whether a shape match is a real secret: entropy, placeholders, checksums.

/// Shannon entropy in bits per byte.
pub fn entropy(s: &[u8]) -> f32 {
    if s.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    let mut seen = [0u64; 4];
    for &b in s {
        counts[b as usize] += 1;
        seen[b as usize / 64] |= 1 << (b % 64);
    }
    let n = s.len() as f32;
    // Most bytes of a token share a few counts: each count's term is computed once (the same value, so
    // the sum, taken in byte order, is the same to the last bit).
    let mut terms = [None::<f32>; 16];
    let mut term = |c: u32| {
        let compute = || {
            let p = c as f32 / n;
            -p * p.log2()
        };
        match terms.get_mut(c as usize) {
            Some(t) => *t.get_or_insert_with(compute),
            None => compute(),
        }
    };
    (0..256usize)
        .step_by(64)
        .zip(seen)
        .flat_map(|(base, mut bits)| {
            std::iter::from_fn(move || {
                let b = (bits != 0).then(|| base + bits.trailing_zeros() as usize)?;
                bits &= bits - 1;
                Some(b)
            })
        })
        .map(|b| term(counts[b]))
        .sum()
}

const PLACEHOLDER_WORDS: &[&str] = &[
    "your",
    "example",
    "xxxx",
    "****",
    "....",
    "changeme",
    "change_me",
    "placeholder",
    "redacted",
    "dummy",
    "sample",
    "insert",
    "replace",
    "<",
    ">",
    "${",
    "$(",
    "{{",
    "}}",
    "process.env",
    "os.environ",
    "getenv",
    "secrets.",
    "env.",
    "abcdefghij",
];

const PLACEHOLDER_VALUES: &[&str] = &[
    "none",
    "null",
    "nil",
    "todo",
    "true",
    "false",
    "undefined",
    "password",
    "passwd",
    "pass",
    "secret",
    "token",
    "pwd",
    "mypassword",
    "yourpassword",
    "foobar",
    "string",
    "required",
    "optional",
];

/// [`PLACEHOLDER_WORDS`] in one automaton: the test runs for every candidate of every rule, and a substring
/// search per word cost more than the rule's own regex.
fn placeholder_words() -> &'static aho_corasick::AhoCorasick {
    static WORDS: std::sync::OnceLock<aho_corasick::AhoCorasick> = std::sync::OnceLock::new();
    WORDS.get_or_init(|| {
        aho_corasick::AhoCorasick::new(PLACEHOLDER_WORDS).expect("a few short literals")
    })
}

/// `b` ASCII-lowercased into `buf`, or `None` if it does not fit: for the tests that run per candidate or
/// per login, without an allocation.
pub(super) fn lowered<'a>(b: &[u8], buf: &'a mut [u8]) -> Option<&'a [u8]> {
    let l = buf.get_mut(..b.len())?;
    l.copy_from_slice(b);
    l.make_ascii_lowercase();
    Some(l)
}

/// Whether `b` ends with `suffix`, ASCII case-insensitively.
pub(super) fn ends_with_ignore_case(b: &[u8], suffix: &[u8]) -> bool {
    b.len() >= suffix.len() && b[b.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
}

/// Where the name at the end of `b` starts: the run of letters, digits, `_`, `.` and `-` that ends it (a
/// login before an `@`, a key before its `=`).
pub(super) fn name_start(b: &[u8]) -> usize {
    b.iter()
        .rposition(|c| !(c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-')))
        .map_or(0, |i| i + 1)
}

/// Whether a candidate value is a documentation placeholder rather than a secret.
pub fn is_placeholder(value: &str) -> bool {
    // Lowered on the stack: this runs for every candidate of every rule.
    let mut stack = [0u8; 128];
    let heap: Vec<u8>;
    let lower = match lowered(value.as_bytes(), &mut stack) {
        Some(l) => l,
        None => {
            heap = value.to_ascii_lowercase().into_bytes();
            &heap
        }
    };
    // Our own pseudonyms (`user_` + 8 hex) must never look like a secret on a second pass.
    // Any of its `user_`s: the first may be text, a later one a pseudonym.
    if crate::scrub::key::holds_pseudonym_bytes(lower) {
        return true;
    }
    if PLACEHOLDER_VALUES.iter().any(|v| v.as_bytes() == lower)
        || placeholder_words().is_match(lower)
    {
        return true;
    }
    if lower.starts_with(b"$")
        || lower.starts_with(b"%")
        || lower.ends_with(b"...")
        || lower.ends_with("…".as_bytes())
    {
        return true;
    }
    if lower.ends_with(b"example") || lower.ends_with(b"examplekey") {
        return true;
    }
    // One repeated character, or almost: `aaaaaaaa`, `xxxxxxxx1`.
    let distinct = {
        let mut seen = [false; 256];
        value
            .bytes()
            .filter(|&b| !std::mem::replace(&mut seen[b as usize], true))
            .count()
    };
    distinct <= 2
}

/// Placeholder test plus a minimal entropy, for the random part of a prefixed token.
pub fn looks_random(value: &str, min_entropy: f32) -> bool {
    !is_placeholder(value) && entropy(value.as_bytes()) >= min_entropy
}

/// The share of `v` in words: runs of three or more small letters (with a capital before them) of which a
/// fifth to three quarters are vowels (`length`, `attachment`), and `_`/`-` separators. Identifiers
/// (`getUserAccountSettings2`, `AllowCreateTGWVpcAttachment`) score above 0.7; random strings of 32 letters
/// of both cases and digits seldom do (their runs of small letters seldom read: `hsymjg`).
pub fn wordiness(v: &[u8]) -> f32 {
    let mut words = 0;
    let mut i = 0;
    while i < v.len() {
        let start = i;
        if v[i].is_ascii_uppercase() {
            i += 1;
        }
        let low = i;
        while i < v.len() && v[i].is_ascii_lowercase() {
            i += 1;
        }
        let run = &v[low..i];
        let vowels = run
            .iter()
            .filter(|c| matches!(c, b'a' | b'e' | b'i' | b'o' | b'u' | b'y'))
            .count();
        if run.len() >= 3 && vowels >= 1 && vowels * 5 >= run.len() && vowels * 4 <= run.len() * 3 {
            words += i - start;
        } else if i == start {
            words += matches!(v[i], b'_' | b'-') as usize;
            i += 1;
        }
    }
    words as f32 / v.len().max(1) as f32
}

/// A value after a secret-sounding key (`password=`, `"token":`) that looks like a credential rather than
/// code, a path, a word or a number.
pub fn generic_value_is_secret(value: &str) -> bool {
    let v = value.trim_end_matches(['.', ':']);
    if v.len() < 8 || v.len() > 512 || is_placeholder(v) {
        return false;
    }
    let b = v.as_bytes();
    if b.iter().all(u8::is_ascii_digit) {
        return false;
    }
    if v.starts_with('/') || v.starts_with("./") || v.starts_with("~/") || v.contains("://") {
        return false;
    }
    // `self.password`, `config.auth.token`, `req.headers`: code, not a value.
    if is_identifier_chain(v) {
        return false;
    }
    let has_digit = b.iter().any(u8::is_ascii_digit);
    let has_upper = b.iter().any(u8::is_ascii_uppercase);
    let has_lower = b.iter().any(u8::is_ascii_lowercase);
    let has_symbol = b.iter().any(|c| !c.is_ascii_alphanumeric());
    let h = entropy(b);
    if !has_digit && !has_symbol {
        // Letters only: words and identifiers (`generateToken`, `Optional`) unless very random.
        return h >= 4.0 && v.len() >= 16;
    }
    if !has_digit && has_symbol && !(has_upper && has_lower) {
        // `snake_case_words`, `kebab-case`: identifiers.
        if b.iter()
            .all(|c| c.is_ascii_lowercase() || *c == b'_' || *c == b'-')
        {
            return false;
        }
    }
    // Letters and digits mixed: a password like `hunter2hunter2` repeats itself and still counts.
    if has_digit && (has_upper || has_lower) {
        return h >= 2.5;
    }
    h >= 3.0
}

fn is_identifier_chain(v: &str) -> bool {
    v.contains('.')
        && v.split('.').all(|p| {
            let mut c = p.bytes();
            matches!(c.next(), Some(b'a'..=b'z' | b'A'..=b'Z' | b'_'))
                && c.all(|b| b.is_ascii_alphanumeric() || b == b'_')
                && !p.bytes().any(|b| b.is_ascii_digit())
        })
}

/// CRC-32 (IEEE), as GitHub and npm tokens use for their last 6 characters.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// `n` in base62 (`0-9A-Za-z`), left-padded with `0` to 6 characters.
pub fn base62_6(mut n: u32) -> String {
    const DIGITS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut out = [b'0'; 6];
    for slot in out.iter_mut().rev() {
        *slot = DIGITS[(n % 62) as usize];
        n /= 62;
    }
    String::from_utf8(out.to_vec()).unwrap_or_default()
}

/// Whether the 36-character body of a `ghp_`/`npm_`-style token carries a valid checksum.
pub fn github_checksum_ok(body: &str) -> bool {
    body.len() == 36 && body.is_ascii() && base62_6(crc32(&body.as_bytes()[..30])) == body[30..]
}

/// Luhn check over the digits of `s` (separators ignored).
pub fn luhn(s: &str) -> bool {
    let digits: Vec<u32> = s.chars().filter_map(|c| c.to_digit(10)).collect();
    if digits.len() < 13 {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                if d * 2 > 9 {
                    d * 2 - 9
                } else {
                    d * 2
                }
            } else {
                d
            }
        })
        .sum();
    sum % 10 == 0
}

/// IBAN mod-97 check (spaces ignored).
pub fn iban_ok(s: &str) -> bool {
    let compact: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if compact.len() < 15 || compact.len() > 34 {
        return false;
    }
    let rearranged = compact[4..].iter().chain(&compact[..4]);
    let mut rem: u32 = 0;
    for &c in rearranged {
        let v = match c {
            b'0'..=b'9' => (c - b'0') as u32,
            b'A'..=b'Z' => (c - b'A') as u32 + 10,
            _ => return false,
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    rem == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plain formula, summed in byte order: `entropy` must agree to the last bit, since gates compare it
    /// with floors that short repetitive values hit exactly (`abcdabcd` is 2.0).
    fn entropy_by_definition(s: &[u8]) -> f32 {
        let mut counts = [0u32; 256];
        s.iter().for_each(|&b| counts[b as usize] += 1);
        let n = s.len() as f32;
        counts
            .iter()
            .filter(|&&c| c > 0)
            .map(|&c| {
                let p = c as f32 / n;
                -p * p.log2()
            })
            .sum()
    }

    #[test]
    fn entropy_is_the_definition_to_the_bit() {
        assert_eq!(entropy(b""), 0.0);
        assert_eq!(entropy(b"abcdabcd"), 2.0);
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        for len in 1..400 {
            let alphabet = 1 + (len * 7) % 255;
            let s: Vec<u8> = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    (seed % alphabet as u64) as u8
                })
                .collect();
            assert_eq!(
                entropy(&s).to_bits(),
                entropy_by_definition(&s).to_bits(),
                "{s:?}"
            );
        }
    }

    #[test]
    fn placeholders_are_recognised() {
        for p in [
            "YOUR_API_KEY",
            "your-token-here",
            "<token>",
            "xxxxxxxxxxxx",
            "********",
            "changeme",
            "${DB_PASS}",
            "$TOKEN",
            "{{ secrets.NPM }}",
            "process.env.KEY",
            "os.environ['X']",
            "sk-...",
            "AKIAIOSFODNN7EXAMPLE",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "aaaaaaaaaaaa",
            "null",
            "TODO",
        ] {
            assert!(is_placeholder(p), "{p}");
        }
        assert!(!is_placeholder("q70l4ou9nlMjRcLUD84We7jbrKPVlse2jRtQMuM/"));
    }

    #[test]
    fn generic_values_need_to_look_like_credentials() {
        for v in [
            "hunter2hunter2",
            "S3cr3t!Passw0rd",
            "q70l4ou9nlMjRcLUD84We7jbrKPVlse2jRtQMuM/",
        ] {
            assert!(generic_value_is_secret(v), "{v}");
        }
        for v in [
            "self.password",
            "generateAccessToken",
            "created_at_desc",
            "1234567890123",
            "Optional",
            "/etc/secret/file",
            "https://auth.example.com/token",
            "request.headers.authorization",
        ] {
            assert!(!generic_value_is_secret(v), "{v}");
        }
    }

    #[test]
    fn checksums() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert!(luhn("4111 1111 1111 1111"));
        assert!(!luhn("4111 1111 1111 1112"));
        assert!(iban_ok("GB82 WEST 1234 5698 7654 32"));
        assert!(!iban_ok("GB82 WEST 1234 5698 7654 33"));
    }

    #[test]
    fn identifiers_read_as_words_and_drawn_keys_do_not() {
        for id in [
            "getUserAccountSettings2FromServer",
            "useCallbackWithDependencies2State",
            "user_profile_2024_settings_backup_v3",
            "AbstractSingletonProxyFactoryBean",
            "kMaxNumberOfConcurrentHttpConnections",
        ] {
            assert!(wordiness(id.as_bytes()) >= 0.7, "{id}");
        }
        // Letter-heavy draws whose small-letter runs do not read (`hsymjg`, `ggwrcch`).
        for key in [
            "hsymjgCumzGvmkLSoedGeUaXioEnzoJcxpd2RUfeqVk6",
            "ggWrcch2KjirHmFNYihykuLefg7U2qvGqaay4ibmWrda",
            "we2rzgxtQw92kR9Sz5FdyApZXkN3bEndQB6wswcCrX8d",
            "VGJBCB5VYM5IIAAOVLKW6WDVCLJWNIOA",
        ] {
            assert!(wordiness(key.as_bytes()) < 0.7, "{key}");
        }
        assert_eq!(wordiness(b""), 0.0);
    }
}
