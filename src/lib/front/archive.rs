//! `codercrucible archive DIR`: a copy of every agent's raw logs that their cleanup cannot reach.
//!
//! Files are stored once by content (`DIR/objects/ab/cdef…`, SHA-256) and mirrored under `DIR/home/` at
//! their path relative to the home, so `cc-extract --home DIR/home` reads the archive like a home. A file an
//! agent later deletes stays in the mirror; a file that changed gets a new object and the mirror points at it
//! (older objects are kept). Unchanged files (same size and mtime as last time) are not even read again. The
//! originals are only ever opened for reading.

use std::collections::HashMap;
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::agents::{Agent, Env};

#[derive(Debug, Default)]
pub struct Outcome {
    pub files: u64,
    pub new_objects: u64,
    pub unchanged: u64,
    pub bytes_added: u64,
    pub outside_home: Vec<PathBuf>,
    pub errors: Vec<String>,
}

/// What the archive knew about each mirrored file last time: enough to skip unchanged ones.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Index {
    files: HashMap<String, Entry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Entry {
    bytes: u64,
    mtime_ns: u128,
    sha256: String,
}

/// The files to archive for one agent: its whole log directories, or, where a root holds far more than the
/// agent's logs (the home, a scan directory, an editor's whole `User` directory with every extension's
/// storage), just its sources with their SQLite write-ahead logs and workspace descriptions.
pub fn files_of(agent: &dyn Agent, env: &Env) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let broad = |r: &Path| {
        env.home.starts_with(r)
            || env
                .scan
                .iter()
                .any(|s| s.starts_with(r) || r.starts_with(s))
            || r.file_name().is_some_and(|n| n == "User")
    };
    let mut narrow = false;
    for root in agent.roots(env) {
        if root.file_name().is_some_and(|n| n == "User") && root.is_dir() {
            editor_chat_files(&root, &mut out);
        }
        if broad(&root) {
            narrow = true;
        } else if root.is_dir() {
            walk_files(&root, &mut out);
        } else if root.is_file() {
            out.push(root);
        }
    }
    if narrow {
        for s in agent.sources(env) {
            for extra in ["-wal", "-journal"] {
                let mut p = s.path.as_os_str().to_owned();
                p.push(extra);
                let p = PathBuf::from(p);
                if p.is_file() {
                    out.push(p);
                }
            }
            if let Some(ws) = s.path.parent().map(|d| d.join("workspace.json")) {
                if ws.is_file() {
                    out.push(ws);
                }
            }
            out.push(s.path);
        }
    }
    out.sort();
    out.dedup();
    out
}

/// What a VS Code-family profile keeps of its chats: every workspace's storage, the global database, and
/// the chats of windows without a workspace; not the file history, settings or other extensions' storage.
fn editor_chat_files(user: &Path, out: &mut Vec<PathBuf>) {
    walk_files(&user.join("workspaceStorage"), out);
    walk_files(&user.join("globalStorage/emptyWindowChatSessions"), out);
    if let Ok(rd) = fs::read_dir(user.join("globalStorage")) {
        for e in rd.flatten() {
            if e.file_type().is_ok_and(|t| t.is_file()) {
                out.push(e.path());
            }
        }
    }
}

fn walk_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            walk_files(&e.path(), out);
        } else if ft.is_file() {
            out.push(e.path());
        }
    }
}

pub fn archive(agents: &[&'static dyn Agent], env: &Env, dir: &Path) -> anyhow::Result<Outcome> {
    fs::create_dir_all(dir.join("objects"))
        .with_context(|| format!("cannot create {}", dir.display()))?;
    let index_path = dir.join("index.json");
    let mut index: Index = if index_path.exists() {
        super::record::read_json(&index_path)?
    } else {
        Index::default()
    };
    let dir_abs = std::path::absolute(dir)?;
    let mut out = Outcome::default();
    for agent in agents {
        for file in files_of(*agent, env) {
            if file.starts_with(&dir_abs) {
                continue; // an archive inside the home is not archived into itself
            }
            let Ok(rel) = file.strip_prefix(&env.home) else {
                out.outside_home.push(file);
                continue;
            };
            let key = rel.to_string_lossy().replace('\\', "/");
            out.files += 1;
            match archive_one(&file, &key, &dir_abs, &mut index, &mut out) {
                Ok(()) => {}
                Err(e) => out.errors.push(format!("{}: {e:#}", file.display())),
            }
        }
    }
    super::record::write_json(&index_path, &index)?;
    Ok(out)
}

fn archive_one(
    file: &Path,
    key: &str,
    dir: &Path,
    index: &mut Index,
    out: &mut Outcome,
) -> anyhow::Result<()> {
    let md = fs::metadata(file)?;
    let mtime_ns = md
        .modified()
        .ok()
        .and_then(|m| m.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    let mirror = dir.join("home").join(key);
    if let Some(e) = index.files.get(key) {
        if e.bytes == md.len() && e.mtime_ns == mtime_ns && mirror.exists() {
            out.unchanged += 1;
            return Ok(());
        }
    }
    // Copy to a temporary file while hashing, so a file being appended to is archived as one consistent read.
    let objects = dir.join("objects");
    let mut tmp = tempfile::NamedTempFile::new_in(&objects)?;
    let mut src = fs::File::open(file)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut n_total = 0u64;
    loop {
        let n = src.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        tmp.write_all(&buf[..n])?;
        n_total += n as u64;
    }
    let sha = super::hex(&h.finalize());
    let object = objects.join(&sha[..2]).join(&sha[2..]);
    if !object.exists() {
        fs::create_dir_all(object.parent().expect("has a parent"))?;
        tmp.persist(&object)?;
        out.new_objects += 1;
        out.bytes_added += n_total;
    }
    if let Some(p) = mirror.parent() {
        fs::create_dir_all(p)?;
    }
    let _ = fs::remove_file(&mirror);
    if fs::hard_link(&object, &mirror).is_err() {
        fs::copy(&object, &mirror)?;
    }
    index.files.insert(
        key.to_string(),
        Entry {
            bytes: n_total,
            mtime_ns,
            sha256: sha,
        },
    );
    Ok(())
}
