//! Windsurf (Codeium Cascade). The conversation bodies in `~/.codeium/windsurf/cascade/<id>.pb` are encrypted
//! or compressed and only the running language server reads them: they are never decoded here, only counted.
//! What is readable is the cache in the global `state.vscdb` (`ItemTable` row `codeium.windsurf`): per workspace
//! a list of trajectory summaries (title, times, model) and the most recent trajectory in full (base64
//! protobuf). Every conversation is emitted: in full when the cache holds it, otherwise as metadata only, with
//! `meta.body_unreadable: true` and no messages.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use base64::Engine;
use serde_json::Value;

use super::sqlite::Snapshot;
use super::vscode::{self, finish, kv_get};
use super::{Agent, Env, Problem, Sink, Source};
use crate::schema::{Message, Meta, Role, Session, ToolCall};

pub struct Windsurf;

pub static WINDSURF: Windsurf = Windsurf;

const NAME: &str = "windsurf";
const STATE_KEY: &str = "codeium.windsurf";
const SUMMARIES: &str = "windsurf.state.cachedTrajectorySummaries:";
const ACTIVE: &str = "windsurf.state.cachedActiveTrajectory:";

/// Products and the `~/.codeium/<dir>` that holds their cascade bodies.
const PRODUCTS: &[(&str, &str)] = &[
    ("Windsurf", ".codeium/windsurf"),
    ("Windsurf - Next", ".codeium/windsurf-next"),
];

impl Agent for Windsurf {
    fn name(&self) -> &'static str {
        NAME
    }
    fn note(&self) -> Option<&'static str> {
        Some("conversation bodies are encrypted and never decrypted: titles, times and models only, full steps where the readable cache has them")
    }

    fn aliases(&self) -> &'static [&'static str] {
        &["cascade", "codeium"]
    }

    fn roots(&self, env: &Env) -> Vec<PathBuf> {
        let mut out = vscode::user_dirs(env, &PRODUCTS.iter().map(|p| p.0).collect::<Vec<_>>());
        out.extend(PRODUCTS.iter().map(|p| env.home_join(p.1)));
        out
    }

    /// One source per product: its global database, or its cascade folder when there is no database.
    fn sources(&self, env: &Env) -> Vec<Source> {
        let mut out = Vec::new();
        for (product, dir) in PRODUCTS {
            let dbs: Vec<PathBuf> = vscode::user_dirs(env, &[product])
                .into_iter()
                .map(|ud| ud.join("globalStorage/state.vscdb"))
                .filter(|p| p.is_file())
                .collect();
            if dbs.is_empty() {
                let cascade = env.home_join(dir).join("cascade");
                if cascade.is_dir() {
                    out.push(Source::at(cascade));
                }
            } else {
                out.extend(dbs.iter().map(|db| vscode::db_source(db)));
            }
        }
        out
    }

    fn extract(&self, source: &Source, env: &Env, sink: &mut dyn Sink) -> std::io::Result<()> {
        let is_db = source.path.is_file();
        // The product this source belongs to, to find its cascade folder.
        let product_dir = PRODUCTS
            .iter()
            .find(|(p, _)| source.path.components().any(|c| c.as_os_str() == *p))
            .map_or(PRODUCTS[0].1, |p| p.1);
        let cascade = if is_db {
            env.home_join(product_dir).join("cascade")
        } else {
            source.path.clone()
        };
        let mut emitted = HashSet::new();
        if is_db {
            let ud = source
                .path
                .parent()
                .and_then(Path::parent)
                .unwrap_or(Path::new("."));
            extract_cache(&source.path, ud, &cascade, &mut emitted, sink)?;
        }
        for pb in vscode::files_ending(&cascade, ".pb") {
            let id = pb
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            if emitted.insert(id.clone()) {
                let mut s = Session::new(Meta::new(NAME, id));
                mark_unreadable(&mut s, &cascade);
                sink.session(s);
            }
        }
        Ok(())
    }
}

fn mark_unreadable(s: &mut Session, cascade: &Path) {
    s.meta
        .extra
        .insert("body_unreadable".into(), Value::Bool(true));
    let pb = cascade.join(format!("{}.pb", s.meta.session_id));
    if let Ok(md) = std::fs::metadata(pb) {
        s.meta
            .extra
            .insert("body_bytes".into(), Value::from(md.len()));
    }
}

fn extract_cache(
    db: &Path,
    ud: &Path,
    cascade: &Path,
    emitted: &mut HashSet<String>,
    sink: &mut dyn Sink,
) -> std::io::Result<()> {
    let snap = Snapshot::open(db)?;
    if !snap.has_table("ItemTable") {
        return Ok(());
    }
    let state = match kv_get(snap.conn(), "ItemTable", STATE_KEY) {
        Ok(Some(Value::Object(o))) => o,
        Ok(_) => return Ok(()),
        Err(e) => {
            sink.problem(problem(db, format!("{STATE_KEY}: {e}")));
            return Ok(());
        }
    };
    let mut workspaces: Vec<&str> = state
        .keys()
        .filter_map(|k| k.strip_prefix(SUMMARIES).or_else(|| k.strip_prefix(ACTIVE)))
        .collect();
    workspaces.sort();
    workspaces.dedup();
    for ws in workspaces {
        let folder =
            vscode::workspace_folder(&ud.join("workspaceStorage").join(ws).join("workspace.json"));
        let decode = |key: String| -> Option<Result<Vec<u8>, String>> {
            let b64 = state.get(&key)?.as_str()?;
            Some(
                base64::engine::general_purpose::STANDARD
                    .decode(b64.trim())
                    .map_err(|e| format!("{key}: base64: {e}")),
            )
        };
        let mut active: Option<Session> = match decode(format!("{ACTIVE}{ws}")) {
            Some(Ok(bytes)) => match trajectory(&bytes) {
                Some(s) => Some(s),
                None => {
                    sink.problem(problem(db, format!("{ACTIVE}{ws}: not a trajectory")));
                    None
                }
            },
            Some(Err(e)) => {
                sink.problem(problem(db, e));
                None
            }
            None => None,
        };
        let summaries = match decode(format!("{SUMMARIES}{ws}")) {
            Some(Ok(bytes)) => summaries(&bytes).unwrap_or_else(|| {
                sink.problem(problem(db, format!("{SUMMARIES}{ws}: not a summary list")));
                Vec::new()
            }),
            Some(Err(e)) => {
                sink.problem(problem(db, e));
                Vec::new()
            }
            None => Vec::new(),
        };
        for sum in summaries {
            let full = active.as_ref().is_some_and(|a| a.meta.session_id == sum.id);
            let mut s = if full {
                active.take().expect("checked")
            } else {
                Session::new(Meta::new(NAME, sum.id.clone()))
            };
            s.meta.title = sum.title.or(s.meta.title);
            s.meta.model = sum.model.or(s.meta.model);
            s.meta.project_path = sum.workspace.or_else(|| folder.clone());
            if !full {
                mark_unreadable(&mut s, cascade);
            } else if let Some(n) = sum.steps {
                s.meta.extra.insert("steps".into(), Value::from(n));
            }
            if !full {
                s.meta
                    .extra
                    .insert("steps".into(), sum.steps.map_or(Value::Null, Value::from));
            }
            finish(&mut s, sum.created, sum.modified);
            if emitted.insert(s.meta.session_id.clone()) {
                sink.session(s);
            }
        }
        if let Some(mut s) = active {
            s.meta.project_path = folder.clone();
            finish(&mut s, None, None);
            if emitted.insert(s.meta.session_id.clone()) {
                sink.session(s);
            }
        }
    }
    Ok(())
}

fn problem(path: &Path, message: String) -> Problem {
    Problem {
        path: path.to_path_buf(),
        line: None,
        message,
    }
}

/// One protobuf field as read off the wire.
#[derive(Debug, Clone, Copy)]
enum Field<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    Fixed,
}

/// The fields of a protobuf message, in order; `None` when the bytes are not a well-formed message.
fn fields(mut b: &[u8]) -> Option<Vec<(u64, Field<'_>)>> {
    let mut out = Vec::new();
    while !b.is_empty() {
        let (key, rest) = varint(b)?;
        b = rest;
        let (num, wire) = (key >> 3, key & 7);
        if num == 0 {
            return None;
        }
        let f = match wire {
            0 => {
                let (v, rest) = varint(b)?;
                b = rest;
                Field::Varint(v)
            }
            1 | 5 => {
                let n = if wire == 1 { 8 } else { 4 };
                b = b.get(n..)?;
                Field::Fixed
            }
            2 => {
                let (len, rest) = varint(b)?;
                let len = usize::try_from(len).ok()?;
                let data = rest.get(..len)?;
                b = &rest[len..];
                Field::Bytes(data)
            }
            _ => return None,
        };
        out.push((num, f));
    }
    Some(out)
}

fn varint(b: &[u8]) -> Option<(u64, &[u8])> {
    let mut v: u64 = 0;
    for (i, byte) in b.iter().enumerate().take(10) {
        v |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((v, &b[i + 1..]));
        }
    }
    None
}

fn get<'a>(fs: &[(u64, Field<'a>)], n: u64) -> Option<Field<'a>> {
    fs.iter().find(|(k, _)| *k == n).map(|(_, f)| *f)
}

fn bytes<'a>(fs: &[(u64, Field<'a>)], n: u64) -> Option<&'a [u8]> {
    match get(fs, n)? {
        Field::Bytes(b) => Some(b),
        _ => None,
    }
}

fn string(fs: &[(u64, Field<'_>)], n: u64) -> Option<String> {
    std::str::from_utf8(bytes(fs, n)?).ok().map(str::to_string)
}

fn message<'a>(fs: &[(u64, Field<'a>)], n: u64) -> Option<Vec<(u64, Field<'a>)>> {
    fields(bytes(fs, n)?)
}

/// A `google.protobuf.Timestamp` as Unix seconds.
fn timestamp(fs: &[(u64, Field<'_>)], n: u64) -> Option<i64> {
    match get(&message(fs, n)?, 1)? {
        Field::Varint(s) => i64::try_from(s).ok(),
        _ => None,
    }
}

struct Summary {
    id: String,
    title: Option<String>,
    model: Option<String>,
    workspace: Option<String>,
    created: Option<i64>,
    modified: Option<i64>,
    steps: Option<u64>,
}

/// The summary list: repeated entries {1: cascade id, 2: summary}.
fn summaries(b: &[u8]) -> Option<Vec<Summary>> {
    let mut out = Vec::new();
    for (n, f) in fields(b)? {
        let (1, Field::Bytes(entry)) = (n, f) else {
            continue;
        };
        let e = fields(entry)?;
        let Some(id) = string(&e, 1) else { continue };
        let s = message(&e, 2).unwrap_or_default();
        out.push(Summary {
            id,
            title: string(&s, 1).filter(|t| !t.trim().is_empty()),
            model: find_string(&s, &|t| t.starts_with("MODEL_")),
            workspace: find_string(&s, &|t| t.starts_with("file://"))
                .map(|u| vscode::uri_to_path(&u)),
            created: timestamp(&s, 4),
            modified: timestamp(&s, 5),
            steps: match get(&s, 3) {
                Some(Field::Varint(v)) => Some(v),
                _ => None,
            },
        });
    }
    Some(out)
}

/// The first UTF-8 string (at any depth) that satisfies `pred`: field numbers of these caches drift, the
/// shapes of a model enum name or a file URI do not.
fn find_string(fs: &[(u64, Field<'_>)], pred: &dyn Fn(&str) -> bool) -> Option<String> {
    for (_, f) in fs {
        if let Field::Bytes(b) = f {
            if let Ok(s) = std::str::from_utf8(b) {
                if pred(s) {
                    return Some(s.to_string());
                }
            }
            if let Some(inner) = fields(b) {
                if let Some(s) = find_string(&inner, pred) {
                    return Some(s);
                }
            }
        }
    }
    None
}

/// The active trajectory: {1: cascade id, 2: repeated step}. Step: 1 id, 4 type, 5 metadata {1: Timestamp},
/// 19 user input {1: text}, 20 planner response {3 thinking, 7 tool call {1 id, 2 name, 3 JSON args}, 8 text,
/// 12 model}, 28 other content {1: text} (tool output, paired with the last call by order).
fn trajectory(b: &[u8]) -> Option<Session> {
    let top = fields(b)?;
    let id = string(&top, 1)?;
    let mut s = Session::new(Meta::new(NAME, id));
    let mut model = None;
    // Field 2 is either each step or one container of repeated steps (field 1); a step's own field 1 is its
    // numeric id, so the two read apart.
    let mut steps: Vec<Vec<(u64, Field<'_>)>> = Vec::new();
    for (n, f) in &top {
        let (2, Field::Bytes(b)) = (*n, *f) else {
            continue;
        };
        let Some(fs) = fields(b) else { continue };
        let container = fs
            .iter()
            .all(|(k, f)| *k == 1 && matches!(f, Field::Bytes(_)));
        if container {
            steps.extend(fs.iter().filter_map(|(_, f)| {
                if let Field::Bytes(s) = f {
                    fields(s)
                } else {
                    None
                }
            }));
        } else {
            steps.push(fs);
        }
    }
    for st in steps {
        let ts = message(&st, 5).and_then(|m| timestamp(&m, 1));
        if let Some(text) = message(&st, 19).and_then(|u| string(&u, 1)) {
            let mut m = Message::new(0, Role::User, text);
            m.timestamp = ts;
            s.messages.push(m);
        } else if let Some(p) = message(&st, 20) {
            let mut m = Message::new(0, Role::Assistant, string(&p, 8).unwrap_or_default());
            m.timestamp = ts;
            m.annotations.thinking = string(&p, 3).filter(|t| !t.is_empty());
            m.model = string(&p, 12);
            model = m.model.clone().or(model);
            for (k, f) in &p {
                let (7, Field::Bytes(tc)) = (*k, *f) else {
                    continue;
                };
                let Some(tc) = fields(tc) else { continue };
                let args = string(&tc, 3)
                    .map(|a| serde_json::from_str(&a).unwrap_or(Value::String(a)))
                    .unwrap_or(Value::Null);
                let mut call =
                    ToolCall::new(string(&tc, 2).unwrap_or_else(|| "unknown".into()), args);
                call.id = string(&tc, 1);
                for key in ["AbsolutePath", "TargetFile", "File"] {
                    if let Some(p) = call.args.get(key).and_then(Value::as_str) {
                        vscode::add_ref(&mut m.annotations.file_refs, p.to_string());
                    }
                }
                m.annotations.tool_calls.push(call);
            }
            if !(m.content.is_empty()
                && m.annotations.thinking.is_none()
                && m.annotations.tool_calls.is_empty())
            {
                s.messages.push(m);
            }
        } else if let Some(text) = message(&st, 28).and_then(|c| string(&c, 1)) {
            let open = s
                .messages
                .iter_mut()
                .rev()
                .flat_map(|m| m.annotations.tool_calls.iter_mut())
                .find(|c| c.result.is_none());
            if let Some(c) = open {
                c.is_error = exit_code(&text).map(|code| code != 0);
                c.result = Some(text);
            }
        }
    }
    s.meta.model = model;
    (!s.messages.is_empty()).then_some(s)
}

/// The exit code a command's output reports (`exit code N`), if any.
fn exit_code(text: &str) -> Option<i64> {
    let lower = text.to_ascii_lowercase();
    let i = lower.rfind("exit code")?;
    let rest = lower[i + "exit code".len()..].trim_start_matches([':', ' ']);
    rest.split(|c: char| !c.is_ascii_digit() && c != '-')
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_bytes_are_not_messages() {
        assert!(fields(&[0xff, 0xff, 0xff]).is_none());
        assert!(trajectory(&[0x0a, 0x05, b'a']).is_none());
        assert_eq!(varint(&[0x96, 0x01]).map(|(v, _)| v), Some(150));
    }
}
