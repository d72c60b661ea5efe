//! The `codercrucible` front: discover, archive, export, confirm, push. Each step is a module here; the
//! command line lives in `cmd/front.rs`. Everything runs in-process over the library (no shelling out to our
//! own binaries); only `push` starts another program (the Hugging Face `hf` CLI) and only it touches the
//! network.

pub mod archive;
pub mod confirm;
pub mod demo;
pub mod discover;
pub mod export;
#[cfg(feature = "parquet")]
pub mod parquet_shard;
pub mod progress;
pub mod push;
pub mod record;
pub mod report_html;
pub mod scrub_stage;
pub mod select;

use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

/// The SHA-256 of a file, in hex.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex(&h.finalize()))
}

pub use crate::agents::assemble::hex;

/// Now, in Unix seconds.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// A byte count for people: `12.3 MB`.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1000.0 && u + 1 < UNITS.len() {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}
