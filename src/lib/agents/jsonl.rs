//! A tolerant reader for the JSONL logs agents append to while they run.
//!
//! Whole files are read at once (a file is one session, so memory stays bounded by the largest session) and
//! split on `\n` with memchr. No line-length limit; `\r\n` endings, NUL padding and invalid UTF-8 are
//! tolerated; a last line without its newline that does not parse is the agent still writing, and is skipped
//! quietly.

use serde::Deserialize;

/// One line of a JSONL buffer.
pub struct Line<'a> {
    /// 1-based line number.
    pub number: u64,
    pub text: &'a str,
    /// The last line of the buffer with no newline after it (possibly still being written).
    pub unterminated: bool,
}

/// The non-blank lines of `buf`, with CR and NUL bytes trimmed from their ends.
pub fn lines(buf: &str) -> impl Iterator<Item = Line<'_>> {
    let mut pos = 0usize;
    let mut number = 0u64;
    std::iter::from_fn(move || loop {
        if pos >= buf.len() {
            return None;
        }
        number += 1;
        let (end, next, unterminated) = match memchr::memchr(b'\n', &buf.as_bytes()[pos..]) {
            Some(i) => (pos + i, pos + i + 1, false),
            None => (buf.len(), buf.len(), true),
        };
        let text = trim(&buf[pos..end]);
        pos = next;
        if !text.is_empty() {
            return Some(Line {
                number,
                text,
                unterminated,
            });
        }
    })
}

fn trim(s: &str) -> &str {
    let s = s.trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\0'));
    // A UTF-8 byte-order mark on the first line.
    s.strip_prefix('\u{feff}').unwrap_or(s)
}

/// What became of a line that did not parse.
pub enum Bad {
    /// The unterminated last line: the agent is still writing it. Not worth a warning.
    Partial,
    /// A real problem, with serde's message.
    Invalid(String),
}

/// Parses one line. The buffer is text already (see [`read`]), so serde need not check UTF-8 again.
pub fn parse<'a, T: Deserialize<'a>>(line: &Line<'a>) -> Result<T, Bad> {
    serde_json::from_str::<T>(line.text).map_err(|e| {
        if line.unterminated {
            Bad::Partial
        } else {
            Bad::Invalid(e.to_string())
        }
    })
}

/// Reads a whole file, replacing invalid UTF-8 (rare: crashes, foreign encodings) so every line parses as text.
pub fn read(path: &std::path::Path) -> std::io::Result<String> {
    let buf = std::fs::read(path)?;
    Ok(match String::from_utf8(buf) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

/// A file's bytes as text, invalid UTF-8 replaced (borrowed when there is none).
pub fn text(buf: &[u8]) -> std::borrow::Cow<'_, str> {
    // The strict check skips ASCII a word at a time, several times faster than the lossy decoder's scan
    // on valid files, which nearly all are.
    match std::str::from_utf8(buf) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(buf),
    }
}

thread_local! {
    /// Each worker reads file after file into the same buffer: no fresh pages to fault in per file.
    static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A larger buffer than this is released after use rather than kept for the next file.
const KEEP_BUFFER: usize = 64 << 20;

/// Calls `f` with the file's bytes, reusing a per-thread buffer.
pub fn with_bytes<T>(path: &std::path::Path, f: impl FnOnce(&[u8]) -> T) -> std::io::Result<T> {
    use std::io::Read;
    BUFFER.with(|cell| {
        let mut buf = cell.take();
        buf.clear();
        let read = std::fs::File::open(path).and_then(|mut file| {
            if let Ok(md) = file.metadata() {
                buf.reserve(md.len() as usize);
            }
            file.read_to_end(&mut buf)
        });
        let out = read.map(|_| f(&buf));
        if buf.capacity() <= KEEP_BUFFER {
            cell.replace(buf);
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn crlf_blank_nul_and_partial_last_line() {
        let buf = "\u{feff}{\"a\":1}\r\n\r\n\0\0{\"a\":2}\n{\"a\":";
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
