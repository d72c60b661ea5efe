//! A pool of byte buffers passed between workers and the writer.

use std::sync::Mutex;

/// Output buffers handed back by the writer for the next lines: a fresh buffer the size of a session costs
/// freshly zeroed pages from the kernel every time.
#[derive(Default)]
pub struct Buffers(Mutex<Vec<Vec<u8>>>);

impl Buffers {
    /// Buffers kept, and the largest kept (memory stays bounded whatever the sessions' sizes).
    const COUNT: usize = 32;
    const MAX_BYTES: usize = 4 << 20;

    /// An empty buffer, with room from an earlier use when one is free.
    pub fn take(&self) -> Vec<u8> {
        self.0
            .lock()
            .ok()
            .and_then(|mut v| v.pop())
            .unwrap_or_default()
    }

    /// Hands a buffer back for reuse (kept only while few and not too large).
    pub fn give(&self, mut buf: Vec<u8>) {
        if buf.capacity() == 0 || buf.capacity() > Self::MAX_BYTES {
            return;
        }
        buf.clear();
        if let Ok(mut v) = self.0.lock() {
            if v.len() < Self::COUNT {
                v.push(buf);
            }
        }
    }
}
