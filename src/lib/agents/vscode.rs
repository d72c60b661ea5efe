//! The VS Code family: where VS Code, Insiders, VSCodium, Cursor, Windsurf and their remote servers keep user
//! data, how a `workspaceStorage/<id>` maps back to its folder, and how `state.vscdb` key/value rows are read.
//! Also the small helpers every IDE agent shares (project hash, URI to path, text limits).

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use percent_encoding::percent_decode_str;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::{Env, Os, Source};
use crate::schema::{Attachment, Message, Session};

/// Product folder names of the VS Code family (`<config>/<Product>/User`).
pub const ALL_PRODUCTS: &[&str] = &[
    "Code",
    "Code - Insiders",
    "VSCodium",
    "Cursor",
    "Windsurf",
    "Windsurf - Next",
    "Antigravity",
    "Trae",
    "Kiro",
    "Positron",
];

/// Remote-server data folders (`~/<dir>/data/User`) per product.
const SERVERS: &[(&str, &str)] = &[
    ("Code", ".vscode-server"),
    ("Code - Insiders", ".vscode-server-insiders"),
    ("VSCodium", ".vscodium-server"),
    ("Cursor", ".cursor-server"),
    ("Windsurf", ".windsurf-server"),
];

/// Flatpak config folders per product.
const FLATPAKS: &[(&str, &str)] = &[
    ("Code", ".var/app/com.visualstudio.code/config/Code"),
    ("VSCodium", ".var/app/com.vscodium.codium/config/VSCodium"),
];

/// A directory an environment variable points at, kept only when it lies under the chosen home, so that
/// `--home` never wanders into the real one.
fn var_dir(env: &Env, name: &str) -> Option<PathBuf> {
    let p = PathBuf::from(env.var(name)?);
    p.starts_with(&env.home).then_some(p)
}

/// The per-OS configuration folders products live in, most specific first.
fn config_bases(env: &Env) -> Vec<PathBuf> {
    let mut out = Vec::new();
    match env.os {
        Os::Linux => {
            out.extend(var_dir(env, "XDG_CONFIG_HOME"));
            out.push(env.home_join(".config"));
        }
        Os::MacOs => out.push(env.home_join("Library/Application Support")),
        Os::Windows => {
            out.extend(var_dir(env, "APPDATA"));
            out.push(env.home_join("AppData/Roaming"));
        }
    }
    dedup(out)
}

/// Every `<Product>/User` directory (existing or not) for the given products, on the environment's OS,
/// including remote servers and Flatpak installs.
pub fn user_dirs(env: &Env, products: &[&str]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for base in config_bases(env) {
        for p in products {
            out.push(base.join(p).join("User"));
        }
    }
    for (p, dir) in FLATPAKS {
        if products.contains(p) {
            out.push(env.home_join(dir).join("User"));
        }
    }
    for (p, dir) in SERVERS {
        if products.contains(p) {
            out.push(env.home_join(dir).join("data/User"));
        }
    }
    dedup(out)
}

/// `<UD>` and its non-default profiles (`<UD>/profiles/<id>`), for data kept per profile.
pub fn with_profiles(ud: &Path) -> Vec<PathBuf> {
    let mut out = vec![ud.to_path_buf()];
    out.extend(subdirs(&ud.join("profiles")));
    out
}

fn dedup(v: Vec<PathBuf>) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = Vec::new();
    for p in v {
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

/// Sub-directories of `dir`, sorted by name; nothing when it cannot be read.
pub fn subdirs(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = match fs::read_dir(dir) {
        Ok(rd) => rd
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect(),
        Err(_) => Vec::new(),
    };
    v.sort();
    v
}

/// Files directly in `dir` whose name ends with `suffix`, sorted by name.
pub fn files_ending(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = match fs::read_dir(dir) {
        Ok(rd) => rd
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.is_file()
                    && p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.ends_with(suffix))
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    v.sort();
    v
}

/// One `workspaceStorage/<id>` folder.
#[derive(Debug, Clone)]
pub struct Workspace {
    pub id: String,
    pub dir: PathBuf,
    /// The folder (or `.code-workspace` file) the window had open, as a path; `None` when `workspace.json` is
    /// missing or unreadable.
    pub folder: Option<String>,
}

impl Workspace {
    pub fn at(dir: &Path) -> Workspace {
        Workspace {
            id: dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            folder: workspace_folder(&dir.join("workspace.json")),
            dir: dir.to_path_buf(),
        }
    }

    pub fn db(&self) -> PathBuf {
        self.dir.join("state.vscdb")
    }
}

/// Every workspace of a user-data directory, sorted by id.
pub fn workspaces(ud: &Path) -> Vec<Workspace> {
    subdirs(&ud.join("workspaceStorage"))
        .iter()
        .map(|d| Workspace::at(d))
        .collect()
}

/// The folder recorded in a `workspace.json` (`folder`, else `workspace`), as a path.
pub fn workspace_folder(path: &Path) -> Option<String> {
    let text = fs::read_to_string(path).ok()?;
    let v: Value = serde_json::from_str(&text).ok()?;
    let uri = v.get("folder").or_else(|| v.get("workspace"))?.as_str()?;
    Some(uri_to_path(uri))
}

/// A `file://` URI as a plain path, percent-decoded (`file:///c%3A/Users/x` → `c:/Users/x`). Other URIs
/// (remote, untitled) are percent-decoded and kept whole, since they name no local path.
pub fn uri_to_path(uri: &str) -> String {
    let decoded = percent_decode_str(uri).decode_utf8_lossy().into_owned();
    let Some(rest) = decoded.strip_prefix("file://") else {
        return decoded;
    };
    // `file://host/share` keeps its host as a UNC path; `file:///x` is the local `/x`.
    let path = if rest.starts_with('/') {
        rest.to_string()
    } else {
        format!("//{rest}")
    };
    let b = path.as_bytes();
    if b.len() >= 3 && b[0] == b'/' && b[1].is_ascii_alphabetic() && b[2] == b':' {
        return path[1..].to_string();
    }
    path
}

/// A path out of whatever an agent recorded: a plain string (path or URI) or a VS Code `UriComponents`
/// object (`{fsPath, path, external, scheme}`).
pub fn path_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if s.contains("://") => Some(uri_to_path(s)),
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Object(o) => {
            if let Some(p) = o.get("fsPath").and_then(Value::as_str) {
                return Some(p.to_string());
            }
            if let Some(e) = o.get("external").and_then(Value::as_str) {
                return Some(uri_to_path(e));
            }
            let path = o.get("path").and_then(Value::as_str)?;
            match o.get("scheme").and_then(Value::as_str) {
                None | Some("file") => Some(path.to_string()),
                Some(scheme) => Some(format!("{scheme}://{path}")),
            }
        }
        _ => None,
    }
}

/// `meta.project_hash`, computed as for every other agent.
pub use super::assemble::project_hash;

/// Hex SHA-256 of some bytes (attachments).
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A title out of a first prompt: its first non-empty line, at most 100 characters.
pub fn title_from(text: &str) -> Option<String> {
    let line = text.lines().map(str::trim).find(|l| !l.is_empty())?;
    let mut t: String = line.chars().take(100).collect();
    if line.chars().count() > 100 {
        t.push('…');
    }
    Some(t)
}

/// A `state.vscdb`-style cell as JSON: TEXT and BLOB both hold UTF-8 JSON.
pub fn cell_json(v: ValueRef<'_>) -> Result<Value, String> {
    let bytes = match v {
        ValueRef::Text(b) | ValueRef::Blob(b) => b,
        ValueRef::Null => return Ok(Value::Null),
        ValueRef::Integer(i) => return Ok(Value::from(i)),
        ValueRef::Real(f) => return Ok(Value::from(f)),
    };
    serde_json::from_slice(bytes).map_err(|e| format!("invalid JSON: {e}"))
}

/// The JSON value of `key` in `table` (`ItemTable`, `cursorDiskKV`), `None` when the key is absent.
/// A row whose value is not JSON is an `Err` naming the problem.
pub fn kv_get(conn: &Connection, table: &str, key: &str) -> Result<Option<Value>, String> {
    let sql = format!("SELECT value FROM {table} WHERE key = ?1");
    let mut stmt = conn.prepare_cached(&sql).map_err(|e| e.to_string())?;
    let raw = stmt
        .query_row([key], |r| Ok(cell_json(r.get_ref(0)?)))
        .optional()
        .map_err(|e| e.to_string())?;
    match raw {
        None => Ok(None),
        Some(r) => r.map(Some),
    }
}

/// Whether a file (or its `-wal` companion) contains `needle`: a cheap pre-filter before opening a database,
/// read in chunks so memory stays small.
pub fn file_mentions(path: &Path, needle: &[u8]) -> bool {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    [path.to_path_buf(), PathBuf::from(wal)]
        .iter()
        .any(|p| stream_contains(p, needle).unwrap_or(false))
}

fn stream_contains(path: &Path, needle: &[u8]) -> io::Result<bool> {
    let mut f = fs::File::open(path)?;
    let mut buf = vec![0u8; 1 << 20];
    let keep = needle.len().saturating_sub(1);
    let mut filled = 0;
    loop {
        let n = f.read(&mut buf[filled..])?;
        if n == 0 {
            return Ok(false);
        }
        let end = filled + n;
        if memchr::memmem::find(&buf[..end], needle).is_some() {
            return Ok(true);
        }
        let tail = end.saturating_sub(keep);
        buf.copy_within(tail..end, 0);
        filled = end - tail;
    }
}

/// A JSON value that may be JSON encoded in a string (sometimes twice): parsed as far as it goes.
pub fn unwrap_json_string(v: &Value) -> Value {
    let mut cur = v.clone();
    for _ in 0..2 {
        match &cur {
            Value::String(s) => match serde_json::from_str::<Value>(s) {
                Ok(inner) if inner.is_object() || inner.is_array() || inner.is_string() => {
                    cur = inner
                }
                _ => break,
            },
            _ => break,
        }
    }
    cur
}

/// A value as the text a tool result is kept as: strings as they are, anything else as compact JSON.
pub fn as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The plain text of a Lexical or TipTap editor state (JSON object or JSON string): every `text` leaf, with
/// paragraphs on their own lines.
pub fn editor_text(v: &Value) -> String {
    fn walk(v: &Value, out: &mut String) {
        match v {
            Value::Object(o) => {
                if let Some(Value::String(t)) = o.get("text") {
                    out.push_str(t);
                }
                for key in ["root", "children", "content"] {
                    if let Some(Value::Array(kids)) = o.get(key) {
                        for k in kids {
                            walk(k, out);
                        }
                    } else if let Some(child @ Value::Object(_)) = o.get(key) {
                        walk(child, out);
                    }
                }
                if matches!(o.get("type").and_then(Value::as_str), Some("paragraph"))
                    && !out.ends_with('\n')
                {
                    out.push('\n');
                }
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let parsed = unwrap_json_string(v);
    let mut out = String::new();
    walk(&parsed, &mut out);
    out.trim_end().to_string()
}

/// A database as a source: its size and modification time include the `-wal` file, where the newest rows
/// live until a checkpoint (a `--since` filter on the main file's time alone would skip them).
pub fn db_source(db: &Path) -> Source {
    let mut src = Source::at(db.to_path_buf());
    let mut wal = db.as_os_str().to_owned();
    wal.push("-wal");
    if let Ok(md) = fs::metadata(PathBuf::from(wal)) {
        src.bytes += md.len();
        src.modified = src.modified.max(md.modified().ok());
    }
    src
}

/// Completes a session built by an IDE agent: message indexes in order, `project_hash` from `project_path`, and
/// start/end from the messages' timestamps, else from the times the agent recorded for the session.
pub fn finish(s: &mut Session, created: Option<i64>, updated: Option<i64>) {
    for (i, m) in s.messages.iter_mut().enumerate() {
        m.index = i as u64;
    }
    let times = s.messages.iter().filter_map(|m| m.timestamp);
    let (lo, hi) = times.fold((None, None), |(lo, hi): (Option<i64>, Option<i64>), t| {
        (
            Some(lo.map_or(t, |l| l.min(t))),
            Some(hi.map_or(t, |h| h.max(t))),
        )
    });
    s.meta.start_time = match (lo, created) {
        (Some(l), Some(c)) => Some(l.min(c)),
        (l, c) => l.or(c),
    };
    s.meta.end_time = match (hi, updated) {
        (Some(h), Some(u)) => Some(h.max(u)),
        (h, u) => h.or(u),
    };
    if let Some(p) = s.meta.project_path.as_deref().filter(|p| !p.is_empty()) {
        s.meta.project_hash = Some(project_hash(p));
    }
}

/// An image given inline (base64 or data URL) as an attachment: only its type, size and hash travel.
pub fn image_attachment(media_type: Option<&str>, base64_data: &str) -> Attachment {
    use base64::Engine;
    let data = base64_data
        .split_once(";base64,")
        .map_or(base64_data, |(_, d)| d);
    let media = media_type.map(str::to_string).or_else(|| {
        base64_data
            .strip_prefix("data:")
            .and_then(|r| r.split(';').next())
            .map(str::to_string)
    });
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(data.trim())
        .ok();
    Attachment {
        kind: "image".into(),
        media_type: media,
        name: None,
        bytes: decoded.as_ref().map(|d| d.len() as u64),
        sha256: decoded.as_deref().map(sha256_hex),
        extra: Default::default(),
    }
}

/// Appends an attachment's placeholder to a message's content and records the attachment.
pub fn attach(m: &mut Message, a: Attachment) {
    if !m.content.is_empty() && !m.content.ends_with('\n') {
        m.content.push('\n');
    }
    m.content.push_str(&a.placeholder());
    m.attachments.push(a);
}

/// Adds a file reference once.
pub fn add_ref(refs: &mut Vec<String>, r: String) {
    if !r.is_empty() && !refs.contains(&r) {
        refs.push(r);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn file_uris_become_paths_with_unicode_decoded() {
        assert_eq!(
            uri_to_path("file:///home/bob/%D0%9F%D1%80%D0%BE%D0%B5%D0%BA%D1%82"),
            "/home/bob/Проект"
        );
        assert_eq!(
            uri_to_path("file:///c%3A/Users/bob/my%20app"),
            "c:/Users/bob/my app"
        );
        assert_eq!(uri_to_path("file://server/share/x"), "//server/share/x");
        assert_eq!(
            uri_to_path("vscode-remote://ssh-remote%2Bhost/home/a"),
            "vscode-remote://ssh-remote+host/home/a"
        );
    }

    #[test]
    fn workspace_json_folder_or_workspace_or_nothing() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("workspace.json");
        fs::write(&p, r#"{"workspace":"file:///home/a/x.code-workspace"}"#).unwrap();
        assert_eq!(
            workspace_folder(&p).as_deref(),
            Some("/home/a/x.code-workspace")
        );
        fs::write(&p, "{not json").unwrap();
        assert_eq!(workspace_folder(&p), None);
        assert_eq!(workspace_folder(&d.path().join("missing.json")), None);
    }

    #[test]
    fn uri_components_and_strings_give_paths() {
        let u = json!({"$mid": 1, "fsPath": "/p/a.rs", "path": "/p/a.rs", "scheme": "file"});
        assert_eq!(path_of(&u).as_deref(), Some("/p/a.rs"));
        assert_eq!(
            path_of(&json!({"path": "/q", "scheme": "file"})).as_deref(),
            Some("/q")
        );
        assert_eq!(path_of(&json!("file:///r%20s")).as_deref(), Some("/r s"));
    }

    #[test]
    fn project_hash_is_16_hex_and_stable() {
        let h = project_hash("/home/alice/p");
        assert_eq!(h.len(), 16);
        assert_eq!(h, project_hash("/home/alice/p"));
        assert_ne!(h, project_hash("/home/alice/q"));
    }

    #[test]
    fn roots_cover_every_os_layout() {
        let mut env = Env::with_home("/h");
        env.vars.clear();
        env.os = Os::MacOs;
        assert!(user_dirs(&env, &["Cursor"])
            .contains(&PathBuf::from("/h/Library/Application Support/Cursor/User")));
        env.os = Os::Windows;
        env.vars.insert("APPDATA".into(), "/h/Roam".into());
        let w = user_dirs(&env, &["Code"]);
        assert_eq!(w[0], PathBuf::from("/h/Roam/Code/User"));
        assert!(w.contains(&PathBuf::from("/h/.vscode-server/data/User")));
        env.os = Os::Linux;
        env.vars
            .insert("XDG_CONFIG_HOME".into(), "/elsewhere".into());
        assert_eq!(
            user_dirs(&env, &["Code"])[0],
            PathBuf::from("/h/.config/Code/User")
        );
    }

    #[test]
    fn editor_state_text_and_nested_json_strings() {
        let lex = json!(
            "{\"root\":{\"children\":[{\"children\":[{\"text\":\"hi\"}],\"type\":\"paragraph\"}]}}"
        );
        assert_eq!(editor_text(&lex), "hi");
        assert_eq!(
            unwrap_json_string(&json!("\"{\\\"a\\\":1}\"")),
            json!({"a": 1})
        );
    }

    #[test]
    fn mentions_are_found_across_chunk_borders() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("db");
        let mut data = vec![b'x'; (1 << 20) - 3];
        data.extend_from_slice(b"interactive.sessions");
        fs::write(&p, &data).unwrap();
        assert!(file_mentions(&p, b"interactive.sessions"));
        assert!(!file_mentions(&p, b"nope"));
    }
}
