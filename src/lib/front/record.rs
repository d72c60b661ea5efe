//! What one step leaves for the next, beside the export file: `FILE.export.json` (written by export: hash,
//! counts, audit log) and `FILE.confirmed.json` (written by confirm: the hash that was reviewed, which push
//! requires). The state directory remembers the last export so confirm and push need no argument.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{de::DeserializeOwned, Deserialize, Serialize};

use crate::config;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExportRecord {
    /// The export file, absolute.
    pub file: PathBuf,
    pub format: String,
    pub sha256: String,
    pub bytes: u64,
    pub sessions: u64,
    pub sessions_per_agent: BTreeMap<String, u64>,
    pub redactions: BTreeMap<String, u64>,
    /// The scrubber's rule-set hash every session was stamped with.
    pub scrub_rules: String,
    pub audit_log: Option<PathBuf>,
    pub created: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Confirmation {
    pub file: PathBuf,
    pub sha256: String,
    pub sessions: u64,
    pub scrub_rules: String,
    pub report: PathBuf,
    pub confirmed: i64,
}

pub fn export_record_path(file: &Path) -> PathBuf {
    sidecar(file, "export.json")
}

pub fn confirmation_path(file: &Path) -> PathBuf {
    sidecar(file, "confirmed.json")
}

pub fn report_path(file: &Path) -> PathBuf {
    sidecar(file, "report.html")
}

fn sidecar(file: &Path, ext: &str) -> PathBuf {
    let mut s = file.as_os_str().to_owned();
    s.push(".");
    s.push(ext);
    PathBuf::from(s)
}

pub fn write_json<T: Serialize>(path: &Path, value: &T) -> anyhow::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    if let Some(d) = dir {
        std::fs::create_dir_all(d).with_context(|| format!("cannot create {}", d.display()))?;
    }
    let mut tmp = tempfile::NamedTempFile::new_in(dir.unwrap_or(Path::new(".")))?;
    serde_json::to_writer_pretty(&mut tmp, value)?;
    std::io::Write::write_all(&mut tmp, b"\n")?;
    tmp.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

pub fn read_json<T: DeserializeOwned>(path: &Path) -> anyhow::Result<T> {
    let text = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_slice(&text).with_context(|| format!("{}: not a valid record", path.display()))
}

fn last_export_path() -> anyhow::Result<PathBuf> {
    config::state_dir()
        .map(|d| d.join("last-export"))
        .context("no state directory (set XDG_STATE_HOME or HOME)")
}

pub fn remember_last_export(file: &Path) -> anyhow::Result<()> {
    let p = last_export_path()?;
    if let Some(d) = p.parent() {
        std::fs::create_dir_all(d)?;
    }
    std::fs::write(&p, file.as_os_str().as_encoded_bytes())
        .with_context(|| format!("cannot write {}", p.display()))
}

/// The file given, else the last export.
pub fn export_file(given: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(f) = given {
        return Ok(f.to_path_buf());
    }
    let p = last_export_path()?;
    let text = std::fs::read_to_string(&p)
        .with_context(|| "no export yet: run `codercrucible export` first, or name the file")?;
    Ok(PathBuf::from(text.trim_end_matches('\n')))
}
