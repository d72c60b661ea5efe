//! The audit log: one NDJSON record per replacement, naming the session by pseudonym, the field by JSON
//! pointer, the rule, the offsets and a keyed hash of what was replaced. Never the original value.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::walk::SessionReport;

#[derive(Serialize)]
struct Record<'a> {
    session: &'a str,
    source: &'a str,
    line: u64,
    pointer: &'a str,
    rule: &'a str,
    kind: &'a str,
    /// Code points in the text the rule saw (after invisible characters were removed).
    start: usize,
    end: usize,
    hash: &'a str,
    placeholder: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    decoded: Option<&'a str>,
}

/// Appends the records of one session's report to `buf`.
pub fn push_records(
    buf: &mut Vec<u8>,
    session: &str,
    source: &str,
    line: u64,
    report: &SessionReport,
) {
    for l in &report.located {
        let r = Record {
            session,
            source,
            line,
            pointer: &l.pointer,
            rule: l.finding.rule,
            kind: l.finding.kind.as_str(),
            start: l.start,
            end: l.end,
            hash: &l.hash,
            placeholder: &l.finding.replacement,
            decoded: l.finding.note.as_deref(),
        };
        if serde_json::to_writer(&mut *buf, &r).is_ok() {
            buf.push(b'\n');
        }
    }
}

/// `$XDG_STATE_HOME/codercrucible/audit/scrub-<UTC time>-<pid>.ndjson`.
pub fn default_path() -> Option<PathBuf> {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let now = chrono::DateTime::from_timestamp(secs, 0)
        .unwrap_or_default()
        .format("%Y%m%dT%H%M%SZ");
    super::options::state_dir().map(|d| {
        d.join("audit")
            .join(format!("scrub-{now}-{}.ndjson", std::process::id()))
    })
}

/// Opens (appending, private to the user) the audit log, creating its directory.
pub fn open(path: &Path) -> io::Result<BufWriter<File>> {
    Ok(BufWriter::with_capacity(256 * 1024, open_file(path)?))
}

/// [`open`] unbuffered, for copying whole files in (the kernel copies file to file).
pub fn open_file(path: &Path) -> io::Result<File> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir)?;
    }
    let mut o = OpenOptions::new();
    o.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path)
}

/// Writes a batch of records.
pub fn write(out: &mut impl Write, bytes: &[u8]) -> io::Result<()> {
    out.write_all(bytes)
}
