//! Cursor: composers in the global `cursorDiskKV` (inline `conversation` or split `bubbleId:` rows), indexed by
//! the global `composer.composerHeaders` (3.x) or each workspace's `composer.composerData`; workspace-local
//! composers (~0.40) and legacy AI-chat tabs in workspace `ItemTable`s.
//!
//! One source is one Cursor user-data directory (its global `state.vscdb`): the workspaces are read alongside
//! it, because the folder of a global composer is only known from them. Composers are read one at a time by
//! key, so memory is bounded by the largest composer, not by the database.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use rusqlite::Connection;
use serde_json::Value;

use super::sqlite::{to_io, Snapshot};
use super::vscode::{
    self, add_ref, attach, finish, kv_get, path_of, title_from, unwrap_json_string,
};
use super::{Agent, Env, Problem, Sink, Source};
use crate::schema::{Attachment, Message, Meta, Role, Session, ToolCall, Usage};
use crate::time;

pub struct Cursor;

pub static CURSOR: Cursor = Cursor;

const NAME: &str = "cursor";
const LEGACY_TABS: &str = "workbench.panel.aichat.view.aichat.chatdata";

impl Agent for Cursor {
    fn name(&self) -> &'static str {
        NAME
    }

    fn roots(&self, env: &Env) -> Vec<PathBuf> {
        vscode::user_dirs(env, &["Cursor"])
    }

    fn sources(&self, env: &Env) -> Vec<Source> {
        self.roots(env)
            .into_iter()
            .filter(|ud| {
                ud.join("globalStorage/state.vscdb").is_file()
                    || ud.join("workspaceStorage").is_dir()
            })
            .map(|ud| {
                // Workspace databases are read with the global one: the newest of them dates the source.
                let mut src = vscode::db_source(&ud.join("globalStorage/state.vscdb"));
                for ws in vscode::subdirs(&ud.join("workspaceStorage")) {
                    let w = vscode::db_source(&ws.join("state.vscdb"));
                    src.modified = src.modified.max(w.modified);
                }
                src
            })
            .collect()
    }

    fn extract(&self, source: &Source, _env: &Env, sink: &mut dyn Sink) -> std::io::Result<()> {
        let ud = source
            .path
            .parent()
            .and_then(Path::parent)
            .unwrap_or(Path::new("."))
            .to_path_buf();
        let workspaces = read_workspaces(&ud, sink);
        let mut emitted = HashSet::new();
        if source.path.is_file() {
            let snap = Snapshot::open(&source.path)?;
            extract_global(&source.path, snap.conn(), &workspaces, &mut emitted, sink)
                .map_err(to_io)?;
        }
        for ws in &workspaces {
            for c in &ws.inline {
                if emitted.insert(c.id.clone()) {
                    if let Some(s) = composer_session(
                        &c.data,
                        ws.folder.clone(),
                        &mut |_| Ok(None),
                        &ws.db,
                        sink,
                    ) {
                        sink.session(s);
                    }
                }
            }
            for tab in &ws.tabs {
                if let Some(s) = tab_session(tab, ws.folder.clone()) {
                    if emitted.insert(s.meta.session_id.clone()) {
                        sink.session(s);
                    }
                }
            }
        }
        Ok(())
    }
}

/// What one workspace DB says: composer headers (id → folder), workspace-local composers, legacy tabs.
struct WorkspaceData {
    db: PathBuf,
    folder: Option<String>,
    headers: Vec<String>,
    inline: Vec<InlineComposer>,
    tabs: Vec<Value>,
}

struct InlineComposer {
    id: String,
    data: Value,
}

fn read_workspaces(ud: &Path, sink: &mut dyn Sink) -> Vec<WorkspaceData> {
    let mut out = Vec::new();
    for ws in vscode::workspaces(ud) {
        let db = ws.db();
        let mut data = WorkspaceData {
            db: db.clone(),
            folder: ws.folder,
            headers: Vec::new(),
            inline: Vec::new(),
            tabs: Vec::new(),
        };
        if !db.is_file() {
            // Still known by id to 3.x headers.
            out.push(data);
            continue;
        }
        let snap = match Snapshot::open(&db) {
            Ok(s) => s,
            Err(e) => {
                sink.problem(problem(&db, format!("cannot read: {e}")));
                out.push(data);
                continue;
            }
        };
        if snap.has_table("ItemTable") {
            match kv_get(snap.conn(), "ItemTable", "composer.composerData") {
                Ok(Some(v)) => {
                    for c in v
                        .get("allComposers")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        let Some(id) = c.get("composerId").and_then(Value::as_str) else {
                            continue;
                        };
                        data.headers.push(id.to_string());
                        if has_messages(c) {
                            data.inline.push(InlineComposer {
                                id: id.to_string(),
                                data: c.clone(),
                            });
                        }
                    }
                }
                Ok(None) => {}
                Err(e) => sink.problem(problem(&db, format!("composer.composerData: {e}"))),
            }
            match kv_get(snap.conn(), "ItemTable", LEGACY_TABS) {
                Ok(Some(v)) => {
                    if let Some(Value::Array(tabs)) = v.get("tabs") {
                        data.tabs = tabs.clone();
                    }
                }
                Ok(None) => {}
                Err(e) => sink.problem(problem(&db, format!("{LEGACY_TABS}: {e}"))),
            }
        }
        out.push(data);
    }
    out
}

fn problem(path: &Path, message: String) -> Problem {
    Problem {
        path: path.to_path_buf(),
        line: None,
        message,
    }
}

fn has_messages(c: &Value) -> bool {
    let nonempty = |k: &str| {
        c.get(k)
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty())
    };
    nonempty("fullConversationHeadersOnly") || nonempty("conversation")
}

/// The folder of a 3.x header's `workspaceIdentifier`: its `uri`, else the workspace it names.
fn header_folder(h: &Value, by_ws_id: &HashMap<String, Option<String>>) -> Option<String> {
    let wi = h.get("workspaceIdentifier")?;
    if let Some(p) = wi.get("uri").and_then(path_of) {
        return Some(p);
    }
    by_ws_id.get(wi.get("id")?.as_str()?).cloned().flatten()
}

fn extract_global(
    db: &Path,
    conn: &Connection,
    workspaces: &[WorkspaceData],
    emitted: &mut HashSet<String>,
    sink: &mut dyn Sink,
) -> rusqlite::Result<()> {
    let mut folder_of: HashMap<String, Option<String>> = HashMap::new();
    for ws in workspaces {
        for id in &ws.headers {
            folder_of
                .entry(id.clone())
                .or_insert_with(|| ws.folder.clone());
        }
    }
    let by_ws_id: HashMap<String, Option<String>> = workspaces
        .iter()
        .filter_map(|w| {
            Some((
                w.db.parent()?.file_name()?.to_string_lossy().into_owned(),
                w.folder.clone(),
            ))
        })
        .collect();

    // Order: the 3.x header list first, then every other composer by key.
    let mut order: Vec<String> = Vec::new();
    let has_items = conn
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='ItemTable'",
            [],
            |_| Ok(()),
        )
        .is_ok();
    if has_items {
        match kv_get(conn, "ItemTable", "composer.composerHeaders") {
            Ok(Some(v)) => {
                for h in v
                    .get("allComposers")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let Some(id) = h.get("composerId").and_then(Value::as_str) else {
                        continue;
                    };
                    if let Some(f) = header_folder(h, &by_ws_id) {
                        folder_of.insert(id.to_string(), Some(f));
                    }
                    order.push(id.to_string());
                }
            }
            Ok(None) => {}
            Err(e) => sink.problem(problem(db, format!("composer.composerHeaders: {e}"))),
        }
    }
    let has_kv = conn
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='cursorDiskKV'",
            [],
            |_| Ok(()),
        )
        .is_ok();
    if !has_kv {
        return Ok(());
    }
    let listed: HashSet<String> = order.iter().cloned().collect();
    {
        // A range on the key uses its unique index (LIKE would not, being case-insensitive).
        let mut stmt = conn.prepare(
            "SELECT key FROM cursorDiskKV WHERE key >= 'composerData:' AND key < 'composerData;'",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let key: String = match r.get_ref(0)? {
                rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                _ => continue,
            };
            let id = &key["composerData:".len()..];
            if !listed.contains(id) {
                order.push(id.to_string());
            }
        }
    }

    let mut seen = HashSet::new();
    for id in order {
        if !seen.insert(id.clone()) {
            continue;
        }
        let key = format!("composerData:{id}");
        let data = match kv_get(conn, "cursorDiskKV", &key) {
            Ok(Some(v)) if v.is_object() => v,
            // Orphaned header: the index lists a composer whose data is gone.
            Ok(_) => continue,
            Err(e) => {
                sink.problem(problem(db, format!("{key}: {e}")));
                continue;
            }
        };
        let folder = folder_of.get(&id).cloned().flatten();
        let mut load =
            |bubble: &str| kv_get(conn, "cursorDiskKV", &format!("bubbleId:{id}:{bubble}"));
        if let Some(s) = composer_session(&data, folder, &mut load, db, sink) {
            emitted.insert(id.clone());
            sink.session(s);
        }
    }
    Ok(())
}

/// A composer (global or workspace-local) as a session; `None` when it holds no message. `data` is its row's
/// value as JSON ([`vscode::cell_json`]); split composers' bubbles come from `load_bubble` (a bubble id to its
/// row's value), and `db` names the database in problems.
pub fn composer_session(
    data: &Value,
    folder: Option<String>,
    load_bubble: &mut dyn FnMut(&str) -> Result<Option<Value>, String>,
    db: &Path,
    sink: &mut dyn Sink,
) -> Option<Session> {
    let id = data.get("composerId").and_then(Value::as_str)?;
    let mut bubbles: Vec<Value> = Vec::new();
    let headers = data
        .get("fullConversationHeadersOnly")
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty());
    if let Some(headers) = headers {
        let map = data.get("conversationMap").and_then(Value::as_object);
        for h in headers {
            let Some(bid) = h.get("bubbleId").and_then(Value::as_str) else {
                continue;
            };
            match load_bubble(bid) {
                Ok(Some(b)) if b.is_object() => bubbles.push(b),
                Ok(_) => {
                    // Transitional composers keep some bubbles in `conversationMap` or inline `conversation`.
                    let inline = || {
                        data.get("conversation")?
                            .as_array()?
                            .iter()
                            .find(|b| b.get("bubbleId").and_then(Value::as_str) == Some(bid))
                    };
                    if let Some(b) = map
                        .and_then(|m| m.get(bid))
                        .or_else(inline)
                        .filter(|b| b.is_object())
                    {
                        bubbles.push(b.clone());
                    }
                }
                Err(e) => sink.problem(problem(db, format!("bubbleId:{id}:{bid}: {e}"))),
            }
        }
    } else if let Some(conv) = data.get("conversation").and_then(Value::as_array) {
        bubbles.extend(conv.iter().filter(|b| b.is_object()).cloned());
    }

    let mut meta = Meta::new(NAME, id);
    meta.title = data
        .get("name")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .map(str::to_string);
    meta.model = data
        .pointer("/modelConfig/modelName")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    meta.git_branch = data
        .get("createdOnBranch")
        .and_then(Value::as_str)
        .map(str::to_string);
    meta.parent_session_id = data
        .pointer("/subagentInfo/parentComposerId")
        .and_then(Value::as_str)
        .map(str::to_string);
    for k in ["unifiedMode", "status"] {
        if let Some(v) = data.get(k).filter(|v| v.is_string()) {
            meta.extra.insert(format!("cursor_{k}"), v.clone());
        }
    }
    let mut session = Session::new(meta);
    let mut usage = Usage::default();
    let mut workspace_uri: Option<String> = None;
    let mut turn_model: Option<String> = None;
    for b in &bubbles {
        if workspace_uri.is_none() {
            workspace_uri = b.pointer("/workspaceUris/0").and_then(path_of);
        }
        if let Some(m) = b
            .pointer("/modelInfo/modelName")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
        {
            turn_model = Some(m.to_string());
        }
        if let Some(tc) = b.get("tokenCount") {
            add_tokens(&mut usage.input_tokens, tc.get("inputTokens"));
            add_tokens(&mut usage.output_tokens, tc.get("outputTokens"));
        }
        if let Some(m) = bubble_message(b, turn_model.as_deref()) {
            session.messages.push(m);
        }
    }
    if session.messages.is_empty() {
        return None;
    }
    if session.meta.model.is_none() {
        session.meta.model = turn_model;
    }
    if session.meta.title.is_none() {
        session.meta.title = first_user_title(&session);
    }
    if usage.input_tokens.is_some() || usage.output_tokens.is_some() {
        session.meta.usage = Some(usage);
    }
    session.meta.project_path = folder.or(workspace_uri);
    let created = data.get("createdAt").and_then(time::from_value);
    let updated = data.get("lastUpdatedAt").and_then(time::from_value);
    finish(&mut session, created, updated);
    Some(session)
}

fn add_tokens(total: &mut Option<u64>, v: Option<&Value>) {
    if let Some(n) = v.and_then(Value::as_u64).filter(|n| *n > 0) {
        *total = Some(total.unwrap_or(0) + n);
    }
}

fn first_user_title(s: &Session) -> Option<String> {
    s.messages
        .iter()
        .find(|m| m.role == Role::User)
        .and_then(|m| title_from(&m.content))
}

/// Bubble `type`: 1 or "user" is the user, 2 or "ai" the assistant.
fn bubble_role(b: &Value) -> Option<Role> {
    match b.get("type")? {
        Value::Number(n) if n.as_u64() == Some(1) => Some(Role::User),
        Value::Number(n) if n.as_u64() == Some(2) => Some(Role::Assistant),
        Value::String(s) if s == "user" => Some(Role::User),
        Value::String(s) if s == "ai" || s == "assistant" => Some(Role::Assistant),
        _ => None,
    }
}

fn bubble_text(b: &Value, role: Role) -> String {
    let text = b.get("text").and_then(Value::as_str).unwrap_or("");
    if !text.trim().is_empty() {
        return text.to_string();
    }
    if role == Role::Assistant {
        if let Some(t) = b.get("rawText").and_then(Value::as_str) {
            return t.to_string();
        }
        return String::new();
    }
    for k in ["richText", "initText"] {
        if let Some(v) = b.get(k) {
            let t = vscode::editor_text(v);
            if !t.is_empty() {
                return t;
            }
        }
    }
    b.pointer("/delegate/a")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

/// A bubble as a message; `None` for streaming placeholders (no text, thinking, tool call or image).
fn bubble_message(b: &Value, turn_model: Option<&str>) -> Option<Message> {
    let role = bubble_role(b)?;
    let mut m = Message::new(0, role, bubble_text(b, role));
    m.timestamp = b.get("createdAt").and_then(time::from_value).or_else(|| {
        // clientEndTime is epoch ms; clientStartTime is a performance counter and never a date.
        b.pointer("/timingInfo/clientEndTime")
            .and_then(Value::as_f64)
            .filter(|t| *t > 1e11)
            .and_then(time::from_epoch_number)
    });
    if role == Role::Assistant {
        let mut thinking: Vec<String> = Vec::new();
        if let Some(t) = b
            .pointer("/thinking/text")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
        {
            thinking.push(t.to_string());
        }
        for t in b
            .get("allThinkingBlocks")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(t) = t
                .get("text")
                .or_else(|| t.get("thinking"))
                .and_then(Value::as_str)
            {
                if !t.is_empty() && !thinking.iter().any(|x| x == t) {
                    thinking.push(t.to_string());
                }
            }
        }
        if !thinking.is_empty() {
            m.annotations.thinking = Some(thinking.join("\n\n"));
        }
        if let Some(tf) = b.get("toolFormerData").filter(|t| t.is_object()) {
            let call = tool_call(tf, &mut m.annotations.file_refs);
            m.annotations.tool_calls.push(call);
        }
        m.model = b
            .get("modelType")
            .and_then(Value::as_str)
            .or(turn_model)
            .map(str::to_string);
    } else {
        m.model = b
            .pointer("/modelInfo/modelName")
            .and_then(Value::as_str)
            .map(str::to_string);
        user_context(b, &mut m);
    }
    let empty = m.content.trim().is_empty()
        && m.annotations.thinking.is_none()
        && m.annotations.tool_calls.is_empty()
        && m.attachments.is_empty();
    (!empty).then_some(m)
}

/// Files the user attached or selected, images as attachments, selected code kept beside the text.
fn user_context(b: &Value, m: &mut Message) {
    let refs = &mut m.annotations.file_refs;
    for sel in b
        .pointer("/context/fileSelections")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(p) = sel.get("uri").and_then(path_of) {
            add_ref(refs, p);
        }
    }
    let mut selections = Vec::new();
    for key in ["selections", "/context/selections"] {
        let arr = if key.starts_with('/') {
            b.pointer(key)
        } else {
            b.get(key)
        };
        for sel in arr.and_then(Value::as_array).into_iter().flatten() {
            if let Some(p) = sel.get("uri").and_then(path_of) {
                add_ref(refs, p);
            }
            if sel.get("text").and_then(Value::as_str).is_some() {
                selections.push(sel.clone());
            }
        }
    }
    if !selections.is_empty() {
        m.extra
            .insert("selections".into(), Value::Array(selections));
    }
    let mut images: Vec<&Value> = b
        .get("images")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .collect();
    images.extend(
        b.pointer("/context/selectedImages")
            .and_then(Value::as_array)
            .into_iter()
            .flatten(),
    );
    if let Some(img) = b.get("image").filter(|i| i.is_object()) {
        images.push(img);
    }
    for img in images {
        attach(m, image(img));
    }
}

fn image(img: &Value) -> Attachment {
    for k in ["data", "base64", "url"] {
        if let Some(d) = img
            .get(k)
            .and_then(Value::as_str)
            .filter(|d| d.len() > 64 || d.starts_with("data:"))
        {
            let mt = img
                .get("mimeType")
                .or_else(|| img.get("mediaType"))
                .and_then(Value::as_str);
            return vscode::image_attachment(mt, d);
        }
    }
    let name = img
        .get("path")
        .or_else(|| img.get("uri"))
        .and_then(path_of)
        .and_then(|p| {
            Path::new(&p)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
        });
    Attachment {
        kind: "image".into(),
        media_type: None,
        name,
        bytes: None,
        sha256: None,
        extra: Default::default(),
    }
}

/// `toolFormerData` as a tool call: args from `params` (else `rawArgs`), result kept as recorded.
fn tool_call(tf: &Value, refs: &mut Vec<String>) -> ToolCall {
    let name = tf
        .get("name")
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| tf.get("tool").map(|t| format!("tool_{t}")))
        .unwrap_or_else(|| "unknown".into());
    let params = tf
        .get("params")
        .map(unwrap_json_string)
        .filter(|v| !v.is_null());
    let raw = tf
        .get("rawArgs")
        .map(unwrap_json_string)
        .filter(|v| !v.is_null());
    let args = params.or(raw).unwrap_or(Value::Null);
    let mut call = ToolCall::new(name, args);
    call.id = tf
        .get("toolCallId")
        .and_then(Value::as_str)
        .map(str::to_string);
    let result = tf.get("result").filter(|r| !r.is_null());
    call.result = result.map(vscode::as_text);
    let parsed = result.map(unwrap_json_string).unwrap_or(Value::Null);
    let status = tf.get("status").and_then(Value::as_str);
    let exit = ["exitCodeV2", "exitCode"]
        .iter()
        .find_map(|k| parsed.get(*k).and_then(Value::as_i64));
    let failed = matches!(status, Some("error"))
        || exit.is_some_and(|c| c != 0)
        || parsed.get("error").is_some_and(|e| !e.is_null());
    if failed {
        call.is_error = Some(true);
    } else if matches!(status, Some("completed")) {
        call.is_error = Some(false);
    }
    if let Some(s) = status {
        call.extra.insert("status".into(), Value::from(s));
    }
    for k in [
        "effectiveUri",
        "targetFile",
        "relativeWorkspacePath",
        "target_file",
        "path",
        "filePath",
    ] {
        if let Some(p) = call.args.get(k).and_then(path_of) {
            add_ref(refs, p);
            break;
        }
    }
    call
}

/// A legacy AI-chat tab as a session.
fn tab_session(tab: &Value, folder: Option<String>) -> Option<Session> {
    let id = tab.get("tabId").and_then(Value::as_str)?;
    let mut meta = Meta::new(NAME, id);
    meta.title = tab
        .get("chatTitle")
        .and_then(Value::as_str)
        .filter(|t| !t.trim().is_empty())
        .map(str::to_string);
    let mut s = Session::new(meta);
    for b in tab
        .get("bubbles")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(m) = bubble_message(b, None) {
            s.messages.push(m);
        }
    }
    if s.messages.is_empty() {
        return None;
    }
    s.meta.model = s.messages.iter().rev().find_map(|m| m.model.clone());
    if s.meta.title.is_none() {
        s.meta.title = first_user_title(&s);
    }
    s.meta.project_path = folder;
    let last = tab.get("lastSendTime").and_then(time::from_value);
    finish(&mut s, None, last);
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn placeholder_bubbles_are_dropped_and_tool_results_kept_with_errors() {
        assert!(bubble_message(&json!({"type": 2, "text": ""}), None).is_none());
        let b = json!({"type": 2, "text": "", "toolFormerData": {"name": "run_terminal_cmd", "toolCallId": "t1",
            "status": "completed", "params": "{\"command\":\"ls\"}", "result": "{\"output\":\"x\",\"exitCodeV2\":2}"}});
        let m = bubble_message(&b, Some("gpt")).unwrap();
        let c = &m.annotations.tool_calls[0];
        assert_eq!(c.args, json!({"command": "ls"}));
        assert_eq!(c.is_error, Some(true));
        assert_eq!(m.model.as_deref(), Some("gpt"));
    }

    #[test]
    fn perf_counter_times_are_not_dates() {
        let b = json!({"type": 2, "text": "a", "timingInfo": {"clientStartTime": 4745281.3}});
        assert_eq!(bubble_message(&b, None).unwrap().timestamp, None);
        let b = json!({"type": 2, "text": "a", "timingInfo": {"clientEndTime": 1732095019000u64}});
        assert_eq!(
            bubble_message(&b, None).unwrap().timestamp,
            Some(1732095019)
        );
    }

    #[test]
    fn empty_composer_is_not_a_session() {
        let d = json!({"composerId": "c", "fullConversationHeadersOnly": [], "name": "x"});
        let mut sink = Vec::<Problem>::new();
        struct S<'a>(&'a mut Vec<Problem>);
        impl Sink for S<'_> {
            fn session(&mut self, _: Session) {}
            fn problem(&mut self, p: Problem) {
                self.0.push(p)
            }
        }
        let got = composer_session(
            &d,
            None,
            &mut |_| Ok(None),
            Path::new("x"),
            &mut S(&mut sink),
        );
        assert!(got.is_none());
    }
}
