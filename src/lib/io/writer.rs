//! NDJSON output: compact, one object per line, stdout locked once and buffered.

use std::io::{self, BufWriter, StdoutLock};

use serde::Serialize;

const BUFFER: usize = 256 * 1024;

/// Standard output, locked and buffered. Flush it before exiting.
pub fn stdout() -> BufWriter<StdoutLock<'static>> {
    BufWriter::with_capacity(BUFFER, io::stdout().lock())
}

/// Appends `value` as one compact JSON line to `buf`.
pub fn push_json_line<T: Serialize>(buf: &mut Vec<u8>, value: &T) -> serde_json::Result<()> {
    super::json::write(buf, value)?;
    buf.push(b'\n');
    Ok(())
}

/// `value` as one compact JSON line.
pub fn json_line<T: Serialize>(value: &T) -> serde_json::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(256);
    push_json_line(&mut buf, value)?;
    Ok(buf)
}

/// Whether an error (anywhere in its chain) is a closed pipe, which ends a filter quietly and successfully.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}
