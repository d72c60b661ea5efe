//! GitHub Copilot Chat, i.e. VS Code's chat session store, in every VS Code-family product:
//! `workspaceStorage/<id>/chatSessions/<sessionId>.json` (flat JSON) or `.jsonl` (mutation log, which wins over
//! a stale `.json` twin), `globalStorage/emptyWindowChatSessions/` for windows without a folder, and the older
//! `interactive.sessions` key of `state.vscdb`. Titles fall back to the store's index.

use std::collections::HashMap;
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::sqlite::Snapshot;
use super::vscode::{self, add_ref, attach, finish, kv_get, path_of, subdirs, unwrap_json_string};
use super::{Agent, Env, Problem, Sink, Source};
use crate::schema::{Attachment, Message, Meta, Role, Session, ToolCall, Usage};
use crate::time;

pub struct Copilot;

pub static COPILOT: Copilot = Copilot;

const NAME: &str = "copilot";
const LEGACY_KEY: &str = "interactive.sessions";
const INDEX_KEY: &str = "chat.ChatSessionStore.index";
/// Databases larger than this are not opened just to look up a title in the index.
const INDEX_DB_MAX: u64 = 64 << 20;

impl Agent for Copilot {
    fn name(&self) -> &'static str {
        NAME
    }

    fn aliases(&self) -> &'static [&'static str] {
        &["copilot-chat", "vscode-chat"]
    }

    fn roots(&self, env: &Env) -> Vec<PathBuf> {
        vscode::user_dirs(env, vscode::ALL_PRODUCTS)
    }

    fn sources(&self, env: &Env) -> Vec<Source> {
        let mut out = Vec::new();
        for ud in self.roots(env) {
            let mut dirs: Vec<PathBuf> = subdirs(&ud.join("workspaceStorage"))
                .iter()
                .map(|w| w.join("chatSessions"))
                .collect();
            let mut dbs: Vec<PathBuf> = subdirs(&ud.join("workspaceStorage"))
                .iter()
                .map(|w| w.join("state.vscdb"))
                .collect();
            for prof in vscode::with_profiles(&ud) {
                dirs.push(prof.join("globalStorage/emptyWindowChatSessions"));
                dbs.push(prof.join("globalStorage/state.vscdb"));
            }
            for dir in dirs {
                out.extend(session_files(&dir).into_iter().map(Source::at));
            }
            // Only databases that mention the old key are sources (a cheap byte scan, no copy).
            out.extend(
                dbs.into_iter()
                    .filter(|db| db.is_file() && vscode::file_mentions(db, LEGACY_KEY.as_bytes()))
                    .map(|db| vscode::db_source(&db)),
            );
        }
        out
    }

    fn extract(&self, source: &Source, _env: &Env, sink: &mut dyn Sink) -> std::io::Result<()> {
        let path = &source.path;
        let ctx = Context::of(path);
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.ends_with(".vscdb") {
            return extract_legacy(path, &ctx, sink);
        }
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let data = if name.ends_with(".jsonl") {
            replay(path, sink)?
        } else {
            match serde_json::from_slice::<Value>(&fs::read(path)?) {
                Ok(v) => Some(v),
                Err(e) => {
                    sink.problem(Problem {
                        path: path.clone(),
                        line: None,
                        message: format!("invalid JSON: {e}"),
                    });
                    None
                }
            }
        };
        if let Some(s) = data.and_then(|d| chat_session(&d, &stem, &ctx)) {
            sink.session(s);
        }
        Ok(())
    }
}

/// `<id>.jsonl` and `<id>.json` files of a chat-session folder; the log wins when both exist.
fn session_files(dir: &Path) -> Vec<PathBuf> {
    let logs = vscode::files_ending(dir, ".jsonl");
    let mut out = logs.clone();
    for j in vscode::files_ending(dir, ".json") {
        if !logs.contains(&j.with_extension("jsonl")) {
            out.push(j);
        }
    }
    out.sort();
    out
}

/// Where a session file or database sits: its workspace folder and the database holding the index.
struct Context {
    folder: Option<String>,
    index_db: Option<PathBuf>,
    /// The folder session files of this database's sessions would be in (they win over the old key).
    files_dir: Option<PathBuf>,
}

impl Context {
    fn of(path: &Path) -> Context {
        let parent = path.parent().unwrap_or(Path::new("."));
        let in_dir = parent.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if in_dir == "chatSessions" {
            let ws = parent.parent().unwrap_or(Path::new("."));
            return Context {
                folder: vscode::workspace_folder(&ws.join("workspace.json")),
                index_db: Some(ws.join("state.vscdb")),
                files_dir: None,
            };
        }
        if in_dir == "emptyWindowChatSessions" {
            return Context {
                folder: None,
                index_db: Some(parent.parent().unwrap_or(parent).join("state.vscdb")),
                files_dir: None,
            };
        }
        // A state.vscdb: workspace (has workspace.json beside it) or global.
        let is_global = in_dir == "globalStorage";
        Context {
            folder: (!is_global)
                .then(|| vscode::workspace_folder(&parent.join("workspace.json")))
                .flatten(),
            index_db: Some(path.to_path_buf()),
            files_dir: Some(if is_global {
                parent.join("emptyWindowChatSessions")
            } else {
                parent.join("chatSessions")
            }),
        }
    }

    /// The index title of a session, when the index can be read cheaply.
    fn index_title(&self, id: &str) -> Option<String> {
        let db = self.index_db.as_ref().filter(|d| d.is_file())?;
        if fs::metadata(db).ok()?.len() > INDEX_DB_MAX {
            return None;
        }
        let snap = Snapshot::open(db).ok()?;
        let idx = kv_get(snap.conn(), "ItemTable", INDEX_KEY).ok()??;
        idx.pointer(&format!(
            "/entries/{}",
            id.replace('~', "~0").replace('/', "~1")
        ))?
        .get("title")?
        .as_str()
        .filter(|t| !t.trim().is_empty())
        .map(str::to_string)
    }
}

/// Sessions kept under the old `interactive.sessions` key (an array, or an object keyed by id).
fn extract_legacy(db: &Path, ctx: &Context, sink: &mut dyn Sink) -> std::io::Result<()> {
    let snap = Snapshot::open(db)?;
    if !snap.has_table("ItemTable") {
        return Ok(());
    }
    let v = match kv_get(snap.conn(), "ItemTable", LEGACY_KEY) {
        Ok(Some(v)) => v,
        Ok(None) => return Ok(()),
        Err(e) => {
            sink.problem(Problem {
                path: db.to_path_buf(),
                line: None,
                message: format!("{LEGACY_KEY}: {e}"),
            });
            return Ok(());
        }
    };
    let items: Vec<Value> = match v {
        Value::Array(a) => a,
        Value::Object(o) => o.into_iter().map(|(_, v)| v).collect(),
        _ => Vec::new(),
    };
    for item in items {
        let id = item.get("sessionId").and_then(Value::as_str).unwrap_or("");
        let has_file = ctx.files_dir.as_ref().is_some_and(|d| {
            !id.is_empty()
                && (d.join(format!("{id}.json")).is_file()
                    || d.join(format!("{id}.jsonl")).is_file())
        });
        if has_file {
            continue;
        }
        if let Some(s) = chat_session(&item, id, ctx) {
            sink.session(s);
        }
    }
    Ok(())
}

/// Replays a `.jsonl` mutation log into the session object. A torn last line (a crash mid-append) is
/// ignored; a bad line elsewhere is reported and skipped.
fn replay(path: &Path, sink: &mut dyn Sink) -> std::io::Result<Option<Value>> {
    let reader = BufReader::new(fs::File::open(path)?);
    let mut state: Option<Value> = None;
    let mut pending_error: Option<(u64, String)> = None;
    for (n, line) in reader.split(b'\n').enumerate() {
        let line = line?;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        if let Some((ln, msg)) = pending_error.take() {
            sink.problem(Problem {
                path: path.to_path_buf(),
                line: Some(ln),
                message: msg,
            });
        }
        let entry: Value = match serde_json::from_slice(&line) {
            Ok(v) => v,
            Err(e) => {
                pending_error = Some((n as u64 + 1, format!("invalid JSON: {e}")));
                continue;
            }
        };
        apply(&mut state, &entry);
    }
    Ok(state)
}

/// One log entry: 0 = initial state, 1 = set at path, 2 = push (after truncating to `i`), 3 = delete.
fn apply(state: &mut Option<Value>, e: &Value) {
    let kind = e.get("kind").and_then(Value::as_u64);
    if kind == Some(0) {
        *state = e.get("v").cloned();
        return;
    }
    let Some(root) = state.as_mut() else { return };
    let path: Vec<Value> = e
        .get("k")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    match kind {
        Some(1) => {
            let v = e.get("v").cloned().unwrap_or(Value::Null);
            if path.is_empty() {
                *root = v;
            } else if let Some(parent) = walk(root, &path[..path.len() - 1]) {
                put(parent, &path[path.len() - 1], v);
            }
        }
        Some(2) => {
            let Some(target) = walk(root, &path) else {
                return;
            };
            if !target.is_array() {
                *target = Value::Array(Vec::new());
            }
            let arr = target.as_array_mut().expect("just made an array");
            if let Some(i) = e.get("i").and_then(Value::as_u64) {
                arr.truncate(i as usize);
            }
            if let Some(Value::Array(items)) = e.get("v") {
                arr.extend(items.iter().cloned());
            }
        }
        Some(3) => {
            if let (Some(last), Some(parent)) = (
                path.last(),
                walk(root, &path[..path.len().saturating_sub(1)]),
            ) {
                match (parent, last) {
                    (Value::Object(o), Value::String(k)) => {
                        o.remove(k);
                    }
                    (Value::Array(a), Value::Number(i)) => {
                        if let Some(x) = i.as_u64().and_then(|i| a.get_mut(i as usize)) {
                            *x = Value::Null;
                        }
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
}

/// The value at `path`, creating objects for missing keys.
fn walk<'a>(mut cur: &'a mut Value, path: &[Value]) -> Option<&'a mut Value> {
    for p in path {
        cur = match (cur, p) {
            (Value::Object(o), Value::String(k)) => o.entry(k.clone()).or_insert(Value::Null),
            (Value::Array(a), Value::Number(i)) => a.get_mut(i.as_u64()? as usize)?,
            (v @ Value::Null, Value::String(k)) => {
                *v = Value::Object(Default::default());
                v.as_object_mut()?.entry(k.clone()).or_insert(Value::Null)
            }
            _ => return None,
        };
    }
    Some(cur)
}

fn put(parent: &mut Value, key: &Value, v: Value) {
    match (parent, key) {
        (Value::Object(o), Value::String(k)) => {
            o.insert(k.clone(), v);
        }
        (Value::Array(a), Value::Number(i)) => {
            if let Some(i) = i.as_u64().map(|i| i as usize) {
                if i < a.len() {
                    a[i] = v;
                } else if i == a.len() {
                    a.push(v);
                }
            }
        }
        (p @ Value::Null, Value::String(k)) => {
            let mut o = serde_json::Map::new();
            o.insert(k.clone(), v);
            *p = Value::Object(o);
        }
        _ => {}
    }
}

/// A serialized chat session (`ISerializableChatData`, versions 1–3) as a session.
fn chat_session(d: &Value, fallback_id: &str, ctx: &Context) -> Option<Session> {
    let id = d
        .get("sessionId")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .unwrap_or(fallback_id);
    if id.is_empty() {
        return None;
    }
    let requests = d
        .get("requests")
        .and_then(Value::as_array)
        .filter(|r| !r.is_empty())?;
    let mut meta = Meta::new(NAME, id);
    meta.project_path = ctx.folder.clone();
    let mut s = Session::new(meta);
    let mut usage = Usage::default();
    let mut last_model: Option<String> = None;
    for req in requests {
        if req
            .get("shouldBeRemovedOnSend")
            .is_some_and(|v| !v.is_null() && v != &Value::Bool(false))
            || req.get("isHidden").and_then(Value::as_bool) == Some(true)
        {
            continue;
        }
        s.messages.push(user_message(req));
        let model = req
            .pointer("/result/metadata/resolvedModel")
            .and_then(Value::as_str)
            .or_else(|| req.get("modelId").and_then(Value::as_str))
            .map(str::to_string);
        if model.is_some() {
            last_model = model.clone();
        }
        if let Some(mut m) = assistant_message(req) {
            m.model = model;
            let md = req.pointer("/result/metadata");
            let n = |k: &str| md.and_then(|m| m.get(k)).and_then(Value::as_u64);
            if let Some(p) = n("promptTokens") {
                usage.input_tokens = Some(usage.input_tokens.unwrap_or(0) + p);
            }
            if let Some(o) = n("outputTokens") {
                usage.output_tokens = Some(usage.output_tokens.unwrap_or(0) + o);
            }
            if n("promptTokens").is_some() || n("outputTokens").is_some() {
                m.extra.insert(
                    "usage".into(),
                    serde_json::json!({"input_tokens": n("promptTokens"), "output_tokens": n("outputTokens")}),
                );
            }
            s.messages.push(m);
        }
    }
    if s.messages.is_empty() {
        return None;
    }
    s.meta.model = last_model;
    if usage != Usage::default() {
        s.meta.usage = Some(usage);
    }
    s.meta.title = ["customTitle", "computedTitle"]
        .iter()
        .find_map(|k| {
            d.get(*k)
                .and_then(Value::as_str)
                .filter(|t| !t.trim().is_empty())
        })
        .map(str::to_string)
        .or_else(|| ctx.index_title(id))
        .or_else(|| {
            s.messages
                .first()
                .and_then(|m| vscode::title_from(&m.content))
        });
    let created = d.get("creationDate").and_then(time::from_value);
    let updated = d.get("lastMessageDate").and_then(time::from_value);
    finish(&mut s, created, updated);
    Some(s)
}

fn user_message(req: &Value) -> Message {
    let text = match req.get("message") {
        Some(Value::String(s)) => s.clone(),
        Some(m) => m
            .get("text")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        None => String::new(),
    };
    let mut m = Message::new(0, Role::User, text);
    m.timestamp = req.get("timestamp").and_then(time::from_value);
    if let Some(cmd) = req.pointer("/slashCommand/name").and_then(Value::as_str) {
        m.extra.insert("slash_command".into(), Value::from(cmd));
    }
    for var in req
        .pointer("/variableData/variables")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let kind = var.get("kind").and_then(Value::as_str).unwrap_or("");
        let value = var.get("value");
        if kind == "image" || var.get("isImage").and_then(Value::as_bool) == Some(true) {
            attach(&mut m, image(var));
            continue;
        }
        let path = value.and_then(|v| v.get("uri").and_then(path_of).or_else(|| path_of(v)));
        if let Some(p) = path.filter(|p| !p.is_empty()) {
            if matches!(kind, "file" | "directory" | "")
                || var.get("isFile").and_then(Value::as_bool) == Some(true)
            {
                add_ref(&mut m.annotations.file_refs, p);
            }
        }
    }
    m
}

/// An image variable: its bytes (a byte array or base64) are measured and hashed, never kept.
fn image(var: &Value) -> Attachment {
    let name = var.get("name").and_then(Value::as_str).map(str::to_string);
    let bytes: Option<Vec<u8>> = match var.get("value") {
        Some(Value::Array(a)) => a.iter().map(|b| b.as_u64().map(|b| b as u8)).collect(),
        Some(Value::Object(o)) if o.values().all(Value::is_u64) && !o.is_empty() => {
            let mut v: Vec<(usize, u8)> = o
                .iter()
                .filter_map(|(k, b)| Some((k.parse().ok()?, b.as_u64()? as u8)))
                .collect();
            v.sort();
            Some(v.into_iter().map(|(_, b)| b).collect())
        }
        Some(Value::String(s)) => {
            let a = vscode::image_attachment(var.get("mimeType").and_then(Value::as_str), s);
            return Attachment { name, ..a };
        }
        _ => None,
    };
    Attachment {
        kind: "image".into(),
        media_type: var
            .get("mimeType")
            .and_then(Value::as_str)
            .map(str::to_string),
        name,
        bytes: bytes.as_ref().map(|b| b.len() as u64),
        sha256: bytes.as_deref().map(vscode::sha256_hex),
        extra: Default::default(),
    }
}

/// The assistant's answer to one request: markdown parts as text, thinking, and tool invocations paired with
/// their arguments and results from the participant's metadata.
fn assistant_message(req: &Value) -> Option<Message> {
    let mut m = Message::new(0, Role::Assistant, String::new());
    let md = req.pointer("/result/metadata");
    let mut args_by_id: HashMap<&str, Value> = HashMap::new();
    for round in md
        .and_then(|m| m.get("toolCallRounds"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        for tc in round
            .get("toolCalls")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(id) = tc.get("id").and_then(Value::as_str) {
                args_by_id.insert(
                    id,
                    tc.get("arguments")
                        .map(unwrap_json_string)
                        .unwrap_or(Value::Null),
                );
            }
        }
    }
    let results = md
        .and_then(|m| m.get("toolCallResults"))
        .and_then(Value::as_object);
    let mut thinking: Vec<String> = Vec::new();
    let parts: Vec<Value> = match req.get("response") {
        Some(Value::Array(a)) => a.clone(),
        Some(Value::String(s)) => vec![serde_json::json!({"value": s})],
        _ => Vec::new(),
    };
    for part in &parts {
        match part.get("kind").and_then(Value::as_str) {
            None | Some("markdownContent") | Some("markdownVuln") => {
                let v = part.get("value").or_else(|| part.pointer("/content/value"));
                if let Some(t) = v.and_then(Value::as_str) {
                    m.content.push_str(t);
                }
            }
            Some("thinking") => match part.get("value") {
                Some(Value::String(t)) if !t.is_empty() => thinking.push(t.clone()),
                Some(Value::Array(a)) => {
                    thinking.extend(a.iter().filter_map(Value::as_str).map(str::to_string))
                }
                _ => {}
            },
            Some("toolInvocationSerialized") | Some("toolInvocation") => {
                let call = tool_call(part, &args_by_id, results);
                m.annotations.tool_calls.push(call);
            }
            Some("inlineReference") => {
                let r = part.get("inlineReference");
                if let Some(p) =
                    r.and_then(|r| r.get("uri").and_then(path_of).or_else(|| path_of(r)))
                {
                    add_ref(&mut m.annotations.file_refs, p);
                }
            }
            Some("codeblockUri") | Some("textEditGroup") | Some("notebookEditGroup") => {
                if let Some(p) = part.get("uri").and_then(path_of) {
                    add_ref(&mut m.annotations.file_refs, p);
                }
            }
            _ => {}
        }
    }
    if !thinking.is_empty() {
        m.annotations.thinking = Some(thinking.join("\n\n"));
    }
    if let Some(err) = req
        .pointer("/result/errorDetails")
        .filter(|e| e.is_object())
    {
        m.extra.insert("error".into(), err.clone());
        if m.content.is_empty() {
            m.content = err
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            m.kind = Some(crate::schema::kind::NOTICE.into());
        }
    }
    let state = req.pointer("/modelState/value").and_then(Value::as_u64);
    if let Some(st) = state {
        let name = match st {
            0 => "pending",
            1 => "complete",
            2 => "cancelled",
            3 => "failed",
            4 => "needs_input",
            _ => "unknown",
        };
        m.extra.insert("response_state".into(), Value::from(name));
    } else if req.get("isCanceled").and_then(Value::as_bool) == Some(true) {
        m.extra
            .insert("response_state".into(), Value::from("cancelled"));
    }
    m.timestamp = req
        .pointer("/modelState/completedAt")
        .and_then(time::from_value);
    let empty = m.content.trim().is_empty()
        && m.annotations.tool_calls.is_empty()
        && m.annotations.thinking.is_none();
    (!empty).then_some(m)
}

fn tool_call(
    part: &Value,
    args_by_id: &HashMap<&str, Value>,
    results: Option<&serde_json::Map<String, Value>>,
) -> ToolCall {
    let id = part.get("toolCallId").and_then(Value::as_str);
    let name = part
        .get("toolId")
        .and_then(Value::as_str)
        .unwrap_or("unknown");
    let tsd = part.get("toolSpecificData");
    let args = id
        .and_then(|i| args_by_id.get(i).cloned())
        .or_else(|| tsd.and_then(|t| t.get("rawInput")).cloned())
        .or_else(|| {
            tsd.and_then(|t| t.pointer("/commandLine/original"))
                .map(|c| serde_json::json!({"command": c}))
        })
        .or_else(|| {
            let msg = part.get("invocationMessage")?;
            Some(serde_json::json!({"description": msg.get("value").unwrap_or(msg)}))
        })
        .unwrap_or(Value::Null);
    let mut call = ToolCall::new(name, args);
    call.id = id.map(str::to_string);
    let from_results = id.and_then(|i| results?.get(i)).map(|r| {
        r.get("content")
            .and_then(Value::as_array)
            .map(|c| {
                c.iter()
                    .filter_map(|p| p.get("value").and_then(Value::as_str))
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .unwrap_or_else(|| vscode::as_text(r))
    });
    let details = part.get("resultDetails");
    call.result = from_results
        .or_else(|| {
            tsd.and_then(|t| t.pointer("/terminalCommandOutput/text"))
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .or_else(|| {
            let out = details?.get("output")?.as_array()?;
            Some(
                out.iter()
                    .filter_map(|o| o.get("value").and_then(Value::as_str))
                    .collect::<Vec<_>>()
                    .join("\n"),
            )
        });
    let exit = tsd
        .and_then(|t| t.pointer("/terminalCommandState/exitCode"))
        .and_then(Value::as_i64);
    let details_error = details
        .and_then(|d| d.get("isError"))
        .and_then(Value::as_bool);
    call.is_error = match (exit, details_error) {
        (Some(c), _) => Some(c != 0),
        (None, Some(e)) => Some(e),
        _ if part.get("isComplete").and_then(Value::as_bool) == Some(true) => Some(false),
        _ => None,
    };
    call
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn log_operations_set_push_truncate_delete() {
        let mut st = None;
        for e in [
            json!({"kind": 0, "v": {"requests": [], "x": 1}}),
            json!({"kind": 2, "k": ["requests"], "v": [{"response": []}]}),
            json!({"kind": 2, "k": ["requests", 0, "response"], "v": [{"value": "a"}, {"value": "b"}]}),
            json!({"kind": 2, "k": ["requests", 0, "response"], "i": 1, "v": [{"value": "c"}]}),
            json!({"kind": 1, "k": ["requests", 0, "result"], "v": {"ok": true}}),
            json!({"kind": 1, "k": ["deep", "er"], "v": 2}),
            json!({"kind": 3, "k": ["x"]}),
        ] {
            apply(&mut st, &e);
        }
        assert_eq!(
            st.unwrap(),
            json!({"requests": [{"response": [{"value": "a"}, {"value": "c"}], "result": {"ok": true}}],
                   "deep": {"er": 2}})
        );
    }

    #[test]
    fn v1_strings_and_failed_terminal() {
        let req = json!({"message": "hi", "response": "plain answer"});
        assert_eq!(user_message(&req).content, "hi");
        assert_eq!(assistant_message(&req).unwrap().content, "plain answer");
        let req = json!({"response": [{"kind": "toolInvocationSerialized", "toolId": "run_in_terminal", "toolCallId": "c",
            "toolSpecificData": {"commandLine": {"original": "ls"}, "terminalCommandState": {"exitCode": 2},
                                 "terminalCommandOutput": {"text": "boom"}}}]});
        let m = assistant_message(&req).unwrap();
        let c = &m.annotations.tool_calls[0];
        assert_eq!(
            (c.is_error, c.result.as_deref()),
            (Some(true), Some("boom"))
        );
        assert_eq!(c.args, json!({"command": "ls"}));
    }
}
