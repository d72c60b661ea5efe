//! NDJSON input: files or standard input, one JSON value per line, every line numbered.
//!
//! Any JSON spacing inside a line is the parser's business; here we take care of what lies between values:
//! a UTF-8 byte-order mark, CRLF endings, blank lines, a missing final newline and lines of any size.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

const BOM: &[u8] = b"\xEF\xBB\xBF";
const BUFFER: usize = 256 * 1024;

/// One non-blank input line without its line ending.
#[derive(Debug, Clone)]
pub struct Line {
    /// The file it came from (`<stdin>` for standard input).
    pub source: Arc<str>,
    /// 1-based line number within `source`.
    pub number: u64,
    pub bytes: Vec<u8>,
}

impl Line {
    /// `SOURCE:LINE`, as every diagnostic names it.
    pub fn location(&self) -> String {
        format!("{}:{}", self.source, self.number)
    }
}

/// A file that could not be opened or read; the reader goes on with the next one.
#[derive(Debug, thiserror::Error)]
#[error("{source_name}: {error}")]
pub struct InputError {
    pub source_name: Arc<str>,
    #[source]
    pub error: io::Error,
}

/// The name standard input goes by in diagnostics.
pub const STDIN_NAME: &str = "<stdin>";

/// Reads the lines of several inputs in order. `-` (or no input at all) is standard input.
pub struct LineReader {
    pending: VecDeque<PathBuf>,
    current: Option<Open>,
}

struct Open {
    reader: Box<dyn BufRead + Send>,
    name: Arc<str>,
    number: u64,
}

impl LineReader {
    pub fn new(files: &[PathBuf]) -> LineReader {
        let pending = if files.is_empty() {
            VecDeque::from([PathBuf::from("-")])
        } else {
            files.iter().cloned().collect()
        };
        LineReader {
            pending,
            current: None,
        }
    }

    /// A reader over something already open (tests, in-process pipelines).
    pub fn from_reader(name: &str, reader: impl Read + Send + 'static) -> LineReader {
        LineReader {
            pending: VecDeque::new(),
            current: Some(Open {
                reader: Box::new(BufReader::with_capacity(BUFFER, reader)),
                name: name.into(),
                number: 0,
            }),
        }
    }

    fn open(path: &Path) -> Result<Open, InputError> {
        if path.as_os_str() == "-" {
            return Ok(Open {
                reader: Box::new(BufReader::with_capacity(BUFFER, io::stdin())),
                name: STDIN_NAME.into(),
                number: 0,
            });
        }
        let name: Arc<str> = path.display().to_string().into();
        match File::open(path) {
            Ok(f) => Ok(Open {
                reader: Box::new(BufReader::with_capacity(BUFFER, f)),
                name,
                number: 0,
            }),
            Err(error) => Err(InputError {
                source_name: name,
                error,
            }),
        }
    }
}

impl Iterator for LineReader {
    type Item = Result<Line, InputError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let open = match &mut self.current {
                Some(open) => open,
                None => {
                    let path = self.pending.pop_front()?;
                    match LineReader::open(&path) {
                        Ok(open) => self.current.insert(open),
                        Err(e) => return Some(Err(e)),
                    }
                }
            };
            let mut bytes = Vec::new();
            match open.reader.read_until(b'\n', &mut bytes) {
                Ok(0) => {
                    self.current = None;
                }
                Ok(_) => {
                    open.number += 1;
                    if open.number == 1 && bytes.starts_with(BOM) {
                        bytes.drain(..BOM.len());
                    }
                    trim_line_end(&mut bytes);
                    if bytes.iter().all(u8::is_ascii_whitespace) {
                        continue;
                    }
                    return Some(Ok(Line {
                        source: open.name.clone(),
                        number: open.number,
                        bytes,
                    }));
                }
                Err(error) => {
                    let source_name = open.name.clone();
                    self.current = None;
                    return Some(Err(InputError { source_name, error }));
                }
            }
        }
    }
}

fn trim_line_end(bytes: &mut Vec<u8>) {
    if bytes.last() == Some(&b'\n') {
        bytes.pop();
        if bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &'static [u8]) -> Vec<(u64, String)> {
        LineReader::from_reader("t", input)
            .map(|l| {
                let l = l.unwrap();
                (l.number, String::from_utf8(l.bytes).unwrap())
            })
            .collect()
    }

    #[test]
    fn bom_crlf_blank_lines_and_missing_final_newline() {
        let got = lines(b"\xEF\xBB\xBF{\"a\":1}\r\n\r\n   \n{ \"b\" : 2 }\n{\"c\":3}");
        assert_eq!(
            got,
            vec![
                (1, "{\"a\":1}".to_string()),
                (4, "{ \"b\" : 2 }".to_string()),
                (5, "{\"c\":3}".to_string())
            ]
        );
    }

    #[test]
    fn a_line_larger_than_the_buffer_arrives_whole() {
        let big = format!("{{\"x\":\"{}\"}}\n", "y".repeat(3 * BUFFER));
        let leaked: &'static [u8] = Box::leak(big.into_bytes().into_boxed_slice());
        let got = lines(leaked);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].1.len(), 3 * BUFFER + 8);
    }

    #[test]
    fn a_missing_file_is_reported_and_the_next_one_read() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("good.ndjson");
        std::fs::write(&good, "{}\n").unwrap();
        let mut r = LineReader::new(&[dir.path().join("missing.ndjson"), good]);
        let err = r.next().unwrap().unwrap_err();
        assert!(err.to_string().contains("missing.ndjson"), "{err}");
        let line = r.next().unwrap().unwrap();
        assert!(line.location().ends_with("good.ndjson:1"));
        assert!(r.next().is_none());
    }
}
