//! Cline and its forks Roo Code and Kilo Code: one task directory per session under the extension's
//! `globalStorage/<extension>/tasks/<taskId>/`, in any VS Code-family product.
//!
//! The transcript is `api_conversation_history.json`: an Anthropic-style array (tools as XML tags in the text,
//! or native `tool_use`/`tool_result` blocks) or Roo's v2 envelope `{version: 2, messages}` with AI-SDK parts.
//! `ui_messages.json` gives times and per-request usage, `task_metadata.json` the model; the task history
//! (`state/taskHistory.json`, `history_item.json`, or the extension's globalState row) is only a hint for the
//! title, folder and parent task.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde_json::Value;

use super::sqlite::Snapshot;
use super::vscode::{self, add_ref, attach, finish, image_attachment, title_from};
use super::{Agent, Env, Problem, Sink, Source};
use crate::schema::{kind, Message, Meta, Role, Session, ToolCall, Usage};
use crate::time;

/// One of the three extensions.
pub struct ClineFamily {
    name: &'static str,
    aliases: &'static [&'static str],
    /// The extension id as published (the globalState key; compared case-insensitively).
    extension: &'static str,
    /// Standalone roots relative to home (`~/.cline/data`).
    standalone: &'static [&'static str],
    /// Task history per storage folder, read once per run.
    history: Mutex<Option<HashMap<PathBuf, Arc<History>>>>,
}

pub static CLINE: ClineFamily = ClineFamily {
    name: "cline",
    aliases: &["claude-dev"],
    extension: "saoudrizwan.claude-dev",
    standalone: &[".cline/data"],
    history: Mutex::new(None),
};

pub static ROO_CODE: ClineFamily = ClineFamily {
    name: "roo-code",
    aliases: &["roo", "roo-cline"],
    extension: "RooVeterinaryInc.roo-cline",
    standalone: &[],
    history: Mutex::new(None),
};

pub static KILO_CODE: ClineFamily = ClineFamily {
    name: "kilo-code",
    aliases: &["kilo", "kilocode"],
    extension: "kilocode.Kilo-Code",
    standalone: &[],
    history: Mutex::new(None),
};

/// Databases larger than this are not copied just to read a task-history hint.
const HINT_DB_MAX: u64 = 64 << 20;

type History = HashMap<String, Value>;

impl Agent for ClineFamily {
    fn name(&self) -> &'static str {
        self.name
    }

    fn aliases(&self) -> &'static [&'static str] {
        self.aliases
    }

    fn roots(&self, env: &Env) -> Vec<PathBuf> {
        let folder = self.extension.to_lowercase();
        let mut out = Vec::new();
        if self.name == "cline" {
            for var in ["CLINE_DATA_DIR", "CLINE_DIR"] {
                if let Some(d) = env
                    .var(var)
                    .map(PathBuf::from)
                    .filter(|p| p.starts_with(&env.home))
                {
                    out.push(d);
                }
            }
        }
        out.extend(self.standalone.iter().map(|s| env.home_join(s)));
        for ud in vscode::user_dirs(env, vscode::ALL_PRODUCTS) {
            for prof in vscode::with_profiles(&ud) {
                out.push(prof.join("globalStorage").join(&folder));
            }
        }
        out
    }

    fn sources(&self, env: &Env) -> Vec<Source> {
        let mut out = Vec::new();
        for root in self.roots(env) {
            for task in vscode::subdirs(&root.join("tasks")) {
                let file = [
                    "api_conversation_history.json",
                    "ui_messages.json",
                    "claude_messages.json",
                ]
                .iter()
                .map(|f| task.join(f))
                .find(|p| p.is_file());
                out.extend(file.map(Source::at));
            }
        }
        out
    }

    fn extract(&self, source: &Source, _env: &Env, sink: &mut dyn Sink) -> std::io::Result<()> {
        let task_dir = source.path.parent().unwrap_or(Path::new("."));
        let task_id = task_dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let storage = task_dir
            .parent()
            .and_then(Path::parent)
            .unwrap_or(Path::new("."));
        let history = self.history_for(storage);
        let hint = read_json(&task_dir.join("history_item.json"))
            .ok()
            .flatten()
            .or_else(|| history.get(&task_id).cloned());
        let task = Task::read(task_dir, sink)?;
        if let Some(s) = task.session(self.name, &task_id, hint.as_ref()) {
            sink.session(s);
        }
        Ok(())
    }
}

impl ClineFamily {
    fn history_for(&self, storage: &Path) -> Arc<History> {
        let mut guard = self.history.lock().unwrap_or_else(|e| e.into_inner());
        let map = guard.get_or_insert_with(HashMap::new);
        map.entry(storage.to_path_buf())
            .or_insert_with(|| Arc::new(self.load_history(storage)))
            .clone()
    }

    /// Task history entries by id, from every place the extension has kept them (newest format wins).
    fn load_history(&self, storage: &Path) -> History {
        let mut out = History::new();
        let mut add = |items: &Value| {
            for i in items.as_array().into_iter().flatten() {
                if let Some(id) = i.get("id").and_then(Value::as_str) {
                    out.entry(id.to_string()).or_insert_with(|| i.clone());
                }
            }
        };
        if let Ok(Some(v)) = read_json(&storage.join("state/taskHistory.json")) {
            add(&v);
        }
        if let Ok(Some(v)) = read_json(&storage.join("tasks/_index.json")) {
            add(v.get("entries").unwrap_or(&Value::Null));
        }
        // The extension's globalState row in the product's global database.
        let db = storage.parent().map(|g| g.join("state.vscdb"));
        if let Some(db) =
            db.filter(|d| d.is_file() && fs::metadata(d).is_ok_and(|m| m.len() <= HINT_DB_MAX))
        {
            if let Ok(snap) = Snapshot::open(&db) {
                let row: Option<Vec<u8>> = snap
                    .conn()
                    .query_row(
                        "SELECT value FROM ItemTable WHERE lower(key) = lower(?1)",
                        [self.extension],
                        |r| {
                            Ok(match r.get_ref(0)? {
                                rusqlite::types::ValueRef::Text(b)
                                | rusqlite::types::ValueRef::Blob(b) => b.to_vec(),
                                _ => Vec::new(),
                            })
                        },
                    )
                    .ok();
                if let Some(v) = row.and_then(|b| serde_json::from_slice::<Value>(&b).ok()) {
                    add(v.get("taskHistory").unwrap_or(&Value::Null));
                }
            }
        }
        out
    }
}

/// A JSON file: `Ok(None)` when absent, `Err` with the parse error when damaged.
fn read_json(path: &Path) -> Result<Option<Value>, String> {
    match fs::read(path) {
        Ok(b) => serde_json::from_slice(&b)
            .map(Some)
            .map_err(|e| format!("invalid JSON: {e}")),
        Err(_) => Ok(None),
    }
}

/// What a task directory holds.
struct Task {
    api: Option<Value>,
    ui: Vec<Value>,
    metadata: Option<Value>,
}

impl Task {
    fn read(dir: &Path, sink: &mut dyn Sink) -> std::io::Result<Task> {
        let mut load = |name: &str| match read_json(&dir.join(name)) {
            Ok(v) => v,
            Err(e) => {
                sink.problem(Problem {
                    path: dir.join(name),
                    line: None,
                    message: e,
                });
                None
            }
        };
        let api = load("api_conversation_history.json");
        let ui = load("ui_messages.json").or_else(|| load("claude_messages.json"));
        let metadata = load("task_metadata.json");
        Ok(Task {
            api,
            ui: ui.and_then(|u| u.as_array().cloned()).unwrap_or_default(),
            metadata,
        })
    }

    fn session(&self, agent: &str, task_id: &str, hint: Option<&Value>) -> Option<Session> {
        let mut b = Builder::default();
        match &self.api {
            Some(Value::Array(msgs)) => msgs.iter().for_each(|m| b.legacy(m)),
            Some(v) if v.get("version").and_then(Value::as_u64) == Some(2) => v
                .get("messages")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .for_each(|m| b.v2(m)),
            _ => b.ui_only(&self.ui),
        }
        b.flush_thinking();
        let mut s = Session::new(Meta::new(agent, task_id));
        s.messages = b.messages;
        if s.messages.is_empty() {
            return None;
        }
        self.times_and_usage(&mut s);
        let h = |k: &str| hint.and_then(|h| h.get(k));
        s.meta.title = h("task")
            .and_then(Value::as_str)
            .and_then(title_from)
            .or_else(|| {
                s.messages
                    .iter()
                    .find(|m| m.role == Role::User)
                    .and_then(|m| title_from(&m.content))
            });
        s.meta.project_path = ["cwdOnTaskInitialization", "workspace"]
            .iter()
            .find_map(|k| {
                h(k).and_then(Value::as_str)
                    .filter(|p| !p.is_empty())
                    .map(str::to_string)
            })
            .or(b.cwd);
        s.meta.parent_session_id = h("parentTaskId")
            .and_then(Value::as_str)
            .map(str::to_string);
        if let Some(mode) = h("mode").and_then(Value::as_str) {
            s.meta.extra.insert("mode".into(), Value::from(mode));
        }
        if let Some(children) =
            h("childIds").filter(|c| c.as_array().is_some_and(|a| !a.is_empty()))
        {
            s.meta
                .extra
                .insert("child_session_ids".into(), children.clone());
        }
        let from_metadata = self
            .metadata
            .as_ref()
            .and_then(|m| m.get("model_usage"))
            .and_then(Value::as_array)
            .and_then(|u| u.last())
            .and_then(|u| u.get("model_id"))
            .and_then(Value::as_str)
            .map(str::to_string);
        let from_messages = s.messages.iter().rev().find_map(|m| m.model.clone());
        s.meta.model = from_metadata
            .or(from_messages)
            .or(b.env_model)
            .or_else(|| h("modelId").and_then(Value::as_str).map(str::to_string));
        for m in s
            .messages
            .iter_mut()
            .filter(|m| m.role == Role::Assistant && m.model.is_none())
        {
            m.model = s.meta.model.clone();
        }
        let created = self
            .ui
            .first()
            .and_then(|e| e.get("ts"))
            .and_then(time::from_value)
            .or_else(|| {
                // Cline task ids are the creation time in ms.
                task_id
                    .parse::<f64>()
                    .ok()
                    .filter(|n| *n > 1e12)
                    .and_then(time::from_epoch_number)
            });
        let updated = self
            .ui
            .last()
            .and_then(|e| e.get("ts"))
            .and_then(time::from_value);
        finish(&mut s, created, updated);
        Some(s)
    }

    /// Per-request usage from `api_req_started` events (summed into the session, and the k-th given to the k-th
    /// assistant message), and times for messages the transcript did not date.
    fn times_and_usage(&self, s: &mut Session) {
        let mut requests: Vec<(Option<i64>, Value)> = Vec::new();
        let mut feedback: Vec<Option<i64>> = Vec::new();
        let mut errors: Vec<Value> = Vec::new();
        for e in &self.ui {
            let ts = e.get("ts").and_then(time::from_value);
            let what = e
                .get("say")
                .or_else(|| e.get("ask"))
                .and_then(Value::as_str);
            if let Some(w) = what.filter(|w| UI_ERRORS.contains(w)) {
                errors.push(serde_json::json!({"timestamp": ts, "kind": w, "text": e.get("text")}));
            }
            match e.get("say").and_then(Value::as_str) {
                Some("api_req_started") => {
                    let info = e
                        .get("text")
                        .map(vscode::unwrap_json_string)
                        .unwrap_or(Value::Null);
                    requests.push((ts, info));
                }
                Some("user_feedback") => feedback.push(ts),
                _ => {}
            }
        }
        let mut total = Usage::default();
        let mut cost = 0.0;
        let mut any_cost = false;
        for (_, info) in &requests {
            let add = |t: &mut Option<u64>, k: &str| {
                if let Some(n) = info.get(k).and_then(Value::as_u64) {
                    *t = Some(t.unwrap_or(0) + n);
                }
            };
            add(&mut total.input_tokens, "tokensIn");
            add(&mut total.output_tokens, "tokensOut");
            add(&mut total.cache_write_tokens, "cacheWrites");
            add(&mut total.cache_read_tokens, "cacheReads");
            if let Some(c) = info.get("cost").and_then(Value::as_f64) {
                cost += c;
                any_cost = true;
            }
        }
        if any_cost {
            total
                .extra
                .insert("cost_usd".into(), Value::from((cost * 1e6).round() / 1e6));
        }
        if total != Usage::default() {
            s.meta.usage = Some(total);
        }
        if !errors.is_empty() {
            // The UI's error notices (failed requests, diff errors) are not in the model transcript.
            s.meta
                .extra
                .insert("ui_errors".into(), Value::Array(errors));
        }
        let first_ui = self
            .ui
            .first()
            .and_then(|e| e.get("ts"))
            .and_then(time::from_value);
        let (mut a, mut u) = (0usize, 0usize);
        for m in s.messages.iter_mut() {
            match m.role {
                Role::Assistant => {
                    if let Some((ts, info)) = requests.get(a) {
                        if m.timestamp.is_none() {
                            m.timestamp = *ts;
                        }
                        let keep: serde_json::Map<String, Value> =
                            ["tokensIn", "tokensOut", "cacheWrites", "cacheReads", "cost"]
                                .iter()
                                .filter_map(|k| info.get(*k).map(|v| (k.to_string(), v.clone())))
                                .collect();
                        if !keep.is_empty() {
                            m.extra.insert("usage".into(), Value::Object(keep));
                        }
                    }
                    a += 1;
                }
                Role::User => {
                    if m.timestamp.is_none() {
                        m.timestamp = if u == 0 {
                            first_ui
                        } else {
                            feedback.get(u - 1).copied().flatten()
                        };
                    }
                    u += 1;
                }
                Role::System => {}
            }
        }
    }
}

/// UI events that report an error to the user.
const UI_ERRORS: &[&str] = &[
    "error",
    "api_req_failed",
    "diff_error",
    "mistake_limit_reached",
    "error_retry",
];

/// Tags known to be tool calls in the XML protocol (others with an underscore at a line start also count).
const XML_TOOLS: &[&str] = &[
    "read_file",
    "write_to_file",
    "replace_in_file",
    "apply_diff",
    "insert_content",
    "search_and_replace",
    "execute_command",
    "list_files",
    "search_files",
    "list_code_definition_names",
    "codebase_search",
    "browser_action",
    "use_mcp_tool",
    "access_mcp_resource",
    "ask_followup_question",
    "attempt_completion",
    "plan_mode_respond",
    "new_task",
    "switch_mode",
    "update_todo_list",
    "fetch_instructions",
    "new_rule",
    "report_bug",
    "condense",
    "load_mcp_documentation",
    "web_fetch",
    "edit_file",
    "simple_read_file",
];

/// The argument whose text is what the user saw, for tools that talk to the user.
fn visible_arg(tool: &str) -> Option<&'static str> {
    match tool {
        "attempt_completion" => Some("result"),
        "plan_mode_respond" => Some("response"),
        "ask_followup_question" => Some("question"),
        _ => None,
    }
}

/// Tags in a tool-result message that carry the user's own words.
const USER_TAGS: &[&str] = &["user_message", "feedback", "answer"];

#[derive(Default)]
struct Builder {
    messages: Vec<Message>,
    pending_thinking: Vec<String>,
    cwd: Option<String>,
    env_model: Option<String>,
}

impl Builder {
    fn flush_thinking(&mut self) {
        if !self.pending_thinking.is_empty() {
            let mut m = Message::new(0, Role::Assistant, String::new());
            m.annotations.thinking = Some(self.pending_thinking.join("\n\n"));
            self.pending_thinking.clear();
            self.messages.push(m);
        }
    }

    /// Strips `<environment_details>` blocks, remembering the folder and model they name.
    fn strip_env(&mut self, text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(i) = rest.find("<environment_details>") {
            out.push_str(&rest[..i]);
            let after = &rest[i..];
            let end = after
                .find("</environment_details>")
                .map_or(after.len(), |e| e + "</environment_details>".len());
            let block = &after[..end];
            if let Some(m) = inner(block, "model") {
                self.env_model = Some(m.trim().to_string());
            }
            for marker in [
                "# Current Working Directory (",
                "# Current Workspace Directory (",
            ] {
                if let Some(p) = block.find(marker) {
                    let s = &block[p + marker.len()..];
                    if let Some(e) = s.find(')') {
                        self.cwd.get_or_insert_with(|| s[..e].to_string());
                    }
                }
            }
            rest = &after[end..];
        }
        out.push_str(rest);
        out.trim().to_string()
    }

    /// A user text with harness wrappers removed: `<task>`, `<feedback>`, `<answer>`, `<user_message>`.
    fn user_text(&mut self, text: &str) -> String {
        let t = self.strip_env(text);
        for tag in ["task", "feedback", "answer", "user_message"] {
            if let Some(i) = inner(&t, tag) {
                return i.trim().to_string();
            }
        }
        t
    }

    fn push_user(&mut self, m: Message) {
        if !m.content.is_empty() || !m.attachments.is_empty() {
            self.messages.push(m);
        }
    }

    /// Gives a result to the call `id`, else to the latest call without a result (XML protocol: by name first).
    fn fold_result(
        &mut self,
        id: Option<&str>,
        name: Option<&str>,
        text: String,
        is_error: Option<bool>,
    ) -> bool {
        let calls = self
            .messages
            .iter_mut()
            .rev()
            .flat_map(|m| m.annotations.tool_calls.iter_mut().rev());
        let mut fallback = None;
        for c in calls {
            let matched = match id {
                Some(id) => c.id.as_deref() == Some(id),
                None => c.result.is_none() && name.is_none_or(|n| n == c.name),
            };
            if matched {
                fallback = Some(c);
                break;
            }
        }
        match fallback {
            Some(c) => {
                let err = is_error.or_else(|| result_error(&text));
                c.result = Some(text);
                c.is_error = err;
                true
            }
            None => false,
        }
    }

    /// One message of the Anthropic-style transcript (Cline, Roo legacy, Kilo).
    fn legacy(&mut self, m: &Value) {
        let ts = m.get("ts").and_then(time::from_value);
        if m.get("role").is_none() {
            // Roo's OpenAI-Responses reasoning item: only its summary is readable.
            for s in m
                .get("summary")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(t) = s.get("text").and_then(Value::as_str) {
                    self.pending_thinking.push(t.to_string());
                }
            }
            return;
        }
        let blocks: Vec<Value> = match m.get("content") {
            Some(Value::String(s)) => vec![serde_json::json!({"type": "text", "text": s})],
            Some(Value::Array(a)) => a.clone(),
            _ => Vec::new(),
        };
        match m.get("role").and_then(Value::as_str) {
            Some("assistant") => {
                let mut msg = Message::new(0, Role::Assistant, String::new());
                msg.timestamp = ts;
                msg.model = m
                    .pointer("/modelInfo/modelId")
                    .and_then(Value::as_str)
                    .map(str::to_string);
                let mut thinking = std::mem::take(&mut self.pending_thinking);
                if let Some(r) = m
                    .get("reasoning_content")
                    .and_then(Value::as_str)
                    .filter(|r| !r.is_empty())
                {
                    thinking.push(r.to_string());
                }
                for b in &blocks {
                    match b.get("type").and_then(Value::as_str) {
                        Some("text") => {
                            let t = b.get("text").and_then(Value::as_str).unwrap_or("");
                            xml_into(t, &mut msg, &mut thinking);
                        }
                        Some("thinking") => thinking.extend(
                            b.get("thinking")
                                .and_then(Value::as_str)
                                .map(str::to_string),
                        ),
                        Some("reasoning") => thinking
                            .extend(b.get("text").and_then(Value::as_str).map(str::to_string)),
                        Some("tool_use") => msg
                            .annotations
                            .tool_calls
                            .push(native_call(b, "name", "input", "id")),
                        _ => {}
                    }
                }
                if !thinking.is_empty() {
                    msg.annotations.thinking = Some(thinking.join("\n\n"));
                }
                self.mark_kind(m, &mut msg);
                self.messages.push(msg);
            }
            Some("user") => {
                let mut msg = Message::new(0, Role::User, String::new());
                msg.timestamp = ts;
                let mut texts: Vec<String> = Vec::new();
                let mut xml_result: Option<(String, Vec<String>)> = None;
                for b in &blocks {
                    match b.get("type").and_then(Value::as_str) {
                        Some("text") => {
                            let t = b.get("text").and_then(Value::as_str).unwrap_or("");
                            if let Some(name) = result_header(t) {
                                let rest = t
                                    .split_once("] Result:")
                                    .map_or("", |(_, r)| r)
                                    .trim()
                                    .to_string();
                                xml_result = Some((
                                    name,
                                    if rest.is_empty() {
                                        Vec::new()
                                    } else {
                                        vec![rest]
                                    },
                                ));
                            } else if let Some((_, parts)) = xml_result.as_mut() {
                                parts.push(t.to_string());
                            } else {
                                texts.push(t.to_string());
                            }
                        }
                        Some("image") => {
                            let data = b
                                .pointer("/source/data")
                                .and_then(Value::as_str)
                                .unwrap_or("");
                            let mt = b.pointer("/source/media_type").and_then(Value::as_str);
                            attach(&mut msg, image_attachment(mt, data));
                        }
                        Some("document") | Some("file") => {
                            // A document given to the model: what it was, never its bytes.
                            let src = b.get("source");
                            let data = src
                                .and_then(|s| s.get("data"))
                                .and_then(Value::as_str)
                                .unwrap_or("");
                            let mt = src
                                .and_then(|s| s.get("media_type"))
                                .and_then(Value::as_str);
                            let mut a = image_attachment(mt, data);
                            a.kind = "document".into();
                            a.name = b
                                .get("title")
                                .or_else(|| b.get("name"))
                                .and_then(Value::as_str)
                                .map(str::to_string);
                            attach(&mut msg, a);
                        }
                        Some("tool_result") => {
                            let id = b.get("tool_use_id").and_then(Value::as_str);
                            let (text, user) = self.split_result(&content_text(b.get("content")));
                            let err = b.get("is_error").and_then(Value::as_bool);
                            self.fold_result(id, None, text, err);
                            texts.extend(user);
                        }
                        _ => {}
                    }
                }
                if let Some((name, parts)) = xml_result {
                    let (text, user) = self.split_result(&parts.join("\n"));
                    self.fold_result(None, Some(&name), text, None);
                    texts.extend(user);
                }
                let joined: Vec<String> = texts
                    .iter()
                    .map(|t| self.user_text(t))
                    .filter(|t| !t.is_empty())
                    .collect();
                msg.content = joined.join("\n\n");
                self.mark_kind(m, &mut msg);
                self.push_user(msg);
            }
            _ => {}
        }
    }

    /// A tool result's own text, without environment details, and the user's words found in it.
    fn split_result(&mut self, text: &str) -> (String, Vec<String>) {
        let mut t = self.strip_env(text);
        let mut user = Vec::new();
        for tag in USER_TAGS {
            while let Some((start, end, body)) = find_tag(&t, tag) {
                user.push(body.trim().to_string());
                t.replace_range(start..end, "");
            }
        }
        (t.trim().to_string(), user)
    }

    fn mark_kind(&self, m: &Value, msg: &mut Message) {
        if m.get("isSummary").and_then(Value::as_bool) == Some(true) {
            msg.kind = Some(kind::COMPACTION_SUMMARY.into());
        } else if m.get("isTruncationMarker").and_then(Value::as_bool) == Some(true) {
            msg.kind = Some(kind::NOTICE.into());
        }
    }

    /// One message of Roo's v2 envelope (AI-SDK parts; `tool` role messages carry results).
    fn v2(&mut self, m: &Value) {
        let role = m.get("role").and_then(Value::as_str);
        let parts: Vec<Value> = match m.get("content") {
            Some(Value::String(s)) => vec![serde_json::json!({"type": "text", "text": s})],
            Some(Value::Array(a)) => a.clone(),
            _ => Vec::new(),
        };
        let results: Vec<&Value> = parts
            .iter()
            .filter(|p| {
                matches!(
                    p.get("type").and_then(Value::as_str),
                    Some("tool-result") | Some("tool_result")
                )
            })
            .collect();
        for r in &results {
            let id = r
                .get("toolCallId")
                .or_else(|| r.get("tool_use_id"))
                .and_then(Value::as_str);
            let raw = r
                .get("output")
                .map(|o| o.get("value").unwrap_or(o))
                .or_else(|| r.get("content"));
            let text = content_text(raw);
            let err = r
                .pointer("/output/type")
                .and_then(Value::as_str)
                .filter(|t| t.contains("error"))
                .map(|_| true);
            let (text, _) = self.split_result(&text);
            self.fold_result(id, None, text, err);
        }
        if role == Some("tool") {
            return;
        }
        // Everything else reads like the legacy shape once parts are renamed.
        let renamed: Vec<Value> = parts
            .iter()
            .filter_map(|p| match p.get("type").and_then(Value::as_str) {
                Some("tool-call") => Some(serde_json::json!({"type": "tool_use", "id": p.get("toolCallId"),
                    "name": p.get("toolName"), "input": p.get("input")})),
                Some("tool-result") | Some("tool_result") => None,
                Some("image") => {
                    let data = p.get("image").or_else(|| p.get("data")).cloned().unwrap_or(Value::Null);
                    Some(serde_json::json!({"type": "image", "source": {"data": data, "media_type": p.get("mediaType")}}))
                }
                _ => Some(p.clone()),
            })
            .collect();
        let mut copy = m.clone();
        copy["content"] = Value::Array(renamed);
        self.legacy(&copy);
    }

    /// A transcript rebuilt from the UI log alone (task directory without its API history).
    fn ui_only(&mut self, ui: &[Value]) {
        for e in ui {
            let ts = e.get("ts").and_then(time::from_value);
            let text = e.get("text").and_then(Value::as_str).unwrap_or("");
            let say = e.get("say").and_then(Value::as_str);
            let ask = e.get("ask").and_then(Value::as_str);
            if e.get("partial").and_then(Value::as_bool) == Some(true) && text.is_empty() {
                continue;
            }
            match (say, ask) {
                (Some("task"), _) | (Some("user_feedback"), _) => {
                    let mut m = Message::new(0, Role::User, text);
                    m.timestamp = ts;
                    self.messages.push(m);
                }
                (Some("text"), _) | (Some("completion_result"), _) if !text.is_empty() => {
                    let mut m = Message::new(0, Role::Assistant, text);
                    m.timestamp = ts;
                    m.annotations.thinking = (!self.pending_thinking.is_empty())
                        .then(|| self.pending_thinking.join("\n\n"));
                    self.pending_thinking.clear();
                    self.messages.push(m);
                }
                (Some("reasoning"), _) if !text.is_empty() => {
                    self.pending_thinking.push(text.to_string())
                }
                (_, Some("command")) => {
                    let mut m = Message::new(0, Role::Assistant, String::new());
                    m.timestamp = ts;
                    m.annotations.tool_calls.push(ToolCall::new(
                        "execute_command",
                        serde_json::json!({"command": text}),
                    ));
                    self.messages.push(m);
                }
                (Some("command_output"), _) => {
                    self.fold_result(None, Some("execute_command"), text.to_string(), None);
                }
                (Some("tool"), _) | (_, Some("tool")) => {
                    let v = vscode::unwrap_json_string(&Value::from(text));
                    let name = v
                        .get("tool")
                        .and_then(Value::as_str)
                        .unwrap_or("tool")
                        .to_string();
                    let mut m = Message::new(0, Role::Assistant, String::new());
                    m.timestamp = ts;
                    if let Some(p) = v.get("path").and_then(Value::as_str) {
                        add_ref(&mut m.annotations.file_refs, p.to_string());
                    }
                    m.annotations.tool_calls.push(ToolCall::new(name, v));
                    self.messages.push(m);
                }
                _ => {}
            }
        }
    }
}

/// `[read_file for 'x'] Result:` → `read_file`.
fn result_header(t: &str) -> Option<String> {
    let first = t.trim_start().lines().next()?;
    let rest = first.strip_prefix('[')?;
    if !t.contains("] Result:") {
        return None;
    }
    let name: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    (!name.is_empty()).then_some(name)
}

/// Errors a result's text admits to.
fn result_error(text: &str) -> Option<bool> {
    let t = text.trim_start();
    let failed = t.starts_with("[ERROR]")
        || t.starts_with("<error>")
        || t.contains("The user denied this operation")
        || t.contains("Command execution was not successful")
        || exit_code(t).is_some_and(|c| c != 0);
    if failed {
        Some(true)
    } else if exit_code(t) == Some(0) {
        Some(false)
    } else {
        None
    }
}

fn exit_code(t: &str) -> Option<i64> {
    let i = t.find("Exit code: ")?;
    t[i + "Exit code: ".len()..]
        .split(|c: char| !c.is_ascii_digit() && c != '-')
        .next()?
        .parse()
        .ok()
}

/// Tool-result content: a string, or blocks whose text parts are joined (images become placeholders).
fn content_text(c: Option<&Value>) -> String {
    match c {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|b| match b.get("type").and_then(Value::as_str) {
                Some("text") => b.get("text").and_then(Value::as_str).map(str::to_string),
                Some("image") => Some("[image]".into()),
                _ => b.as_str().map(str::to_string),
            })
            .collect::<Vec<_>>()
            .join("\n"),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn native_call(b: &Value, name: &str, input: &str, id: &str) -> ToolCall {
    let mut call = ToolCall::new(
        b.get(name).and_then(Value::as_str).unwrap_or("unknown"),
        b.get(input).cloned().unwrap_or(Value::Null),
    );
    call.id = b.get(id).and_then(Value::as_str).map(str::to_string);
    call
}

/// The text between `<tag>` and `</tag>` (first occurrence).
fn inner<'a>(text: &'a str, tag: &str) -> Option<&'a str> {
    find_tag(text, tag).map(|(_, _, body)| body)
}

/// First `<tag>…</tag>`: (start, end, body).
fn find_tag<'a>(text: &'a str, tag: &str) -> Option<(usize, usize, &'a str)> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let s = text.find(&open)?;
    let body_start = s + open.len();
    let e = text[body_start..].find(&close)? + body_start;
    Some((s, e + close.len(), &text[body_start..e]))
}

/// Assistant text in the XML protocol: `<thinking>` goes to thinking, tool tags become tool calls, the rest
/// (plus what user-facing tools said) is the content.
fn xml_into(text: &str, msg: &mut Message, thinking: &mut Vec<String>) {
    let mut rest = text;
    let mut visible = String::new();
    while let Some(lt) = rest.find('<') {
        let after = &rest[lt + 1..];
        let name: String = after
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || *c == '_')
            .collect();
        let at_line_start = rest[..lt]
            .rsplit('\n')
            .next()
            .is_some_and(|l| l.trim().is_empty());
        let is_tool = XML_TOOLS.contains(&name.as_str()) || (name.contains('_') && at_line_start);
        let is_block = (name == "thinking" || is_tool) && after[name.len()..].starts_with('>');
        let close = format!("</{name}>");
        match (is_block, after.find(&close)) {
            (true, Some(c)) => {
                visible.push_str(&rest[..lt]);
                let body = &after[name.len() + 1..c];
                if name == "thinking" {
                    thinking.push(body.trim().to_string());
                } else {
                    let args = xml_args(body);
                    if let Some(k) = visible_arg(&name) {
                        if let Some(t) = args.get(k).and_then(Value::as_str) {
                            if !visible.trim().is_empty() {
                                visible.push_str("\n\n");
                            }
                            visible.push_str(t.trim());
                        }
                    }
                    for k in ["path", "file_path"] {
                        if let Some(p) = args.get(k).and_then(Value::as_str) {
                            add_ref(&mut msg.annotations.file_refs, p.to_string());
                        }
                    }
                    msg.annotations
                        .tool_calls
                        .push(ToolCall::new(name.clone(), args));
                }
                rest = &after[c + close.len()..];
            }
            _ => {
                visible.push_str(&rest[..=lt]);
                rest = after;
            }
        }
    }
    visible.push_str(rest);
    let v = visible.trim();
    if !v.is_empty() {
        if !msg.content.is_empty() {
            msg.content.push_str("\n\n");
        }
        msg.content.push_str(v);
    }
}

/// Child tags of an XML tool call as JSON: leaf text as strings, nested tags as objects, repeats as arrays.
fn xml_args(body: &str) -> Value {
    let mut obj = serde_json::Map::new();
    let mut rest = body;
    while let Some(lt) = rest.find('<') {
        let after = &rest[lt + 1..];
        let name: String = after
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .collect();
        if name.is_empty() || !after[name.len()..].starts_with('>') {
            rest = after;
            continue;
        }
        let close = format!("</{name}>");
        let Some(c) = after.find(&close) else {
            rest = after;
            continue;
        };
        let inner = &after[name.len() + 1..c];
        let nested = xml_args(inner);
        let value = if nested.as_object().is_some_and(|o| !o.is_empty())
            && inner.trim_start().starts_with('<')
        {
            nested
        } else {
            Value::from(inner.trim_matches('\n'))
        };
        match obj.get_mut(&name) {
            Some(Value::Array(a)) => a.push(value),
            Some(prev) => {
                let p = prev.take();
                *prev = Value::Array(vec![p, value]);
            }
            None => {
                obj.insert(name, value);
            }
        }
        rest = &after[c + close.len()..];
    }
    Value::Object(obj)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn xml_tools_thinking_and_nested_args() {
        let mut m = Message::new(0, Role::Assistant, "");
        let mut th = Vec::new();
        xml_into(
            "<thinking>hmm</thinking>\n\nLet me look.\n<read_file>\n<args>\n<file><path>a.rs</path></file>\n<file><path>b.rs</path></file>\n</args>\n</read_file>\nUse <div> tags.",
            &mut m,
            &mut th,
        );
        assert_eq!(th, ["hmm"]);
        assert_eq!(m.content, "Let me look.\n\nUse <div> tags.");
        let c = &m.annotations.tool_calls[0];
        assert_eq!(c.name, "read_file");
        assert_eq!(
            c.args,
            json!({"args": {"file": [{"path": "a.rs"}, {"path": "b.rs"}]}})
        );
    }

    #[test]
    fn result_headers_and_errors() {
        assert_eq!(
            result_header("[read_file for 'x'. Reading many] Result:").as_deref(),
            Some("read_file")
        );
        assert_eq!(
            result_header("[plan_mode_respond] Result:").as_deref(),
            Some("plan_mode_respond")
        );
        assert_eq!(result_header("[not a header"), None);
        assert_eq!(result_error("Exit code: 1\nOutput:"), Some(true));
        assert_eq!(result_error("Exit code: 0\nOutput:"), Some(false));
        assert_eq!(result_error("The user denied this operation."), Some(true));
        assert_eq!(result_error("fine"), None);
    }

    #[test]
    fn v2_envelope_with_tool_role() {
        let t = Task {
            api: Some(json!({"version": 2, "messages": [
                {"role": "user", "content": [{"type": "text", "text": "<task>go</task>"}]},
                {"role": "assistant", "content": [{"type": "reasoning", "text": "think"},
                    {"type": "tool-call", "toolCallId": "c1", "toolName": "read_file", "input": {"path": "x"}}]},
                {"role": "tool", "content": [{"type": "tool-result", "toolCallId": "c1", "toolName": "read_file",
                    "output": {"type": "text", "value": "[ERROR] no such file"}}]},
                {"role": "assistant", "content": "done"}]})),
            ui: vec![],
            metadata: None,
        };
        let s = t.session("roo-code", "id", None).unwrap();
        assert_eq!(s.messages.len(), 3);
        assert_eq!(s.messages[0].content, "go");
        let c = &s.messages[1].annotations.tool_calls[0];
        assert_eq!(c.result.as_deref(), Some("[ERROR] no such file"));
        assert_eq!(c.is_error, Some(true));
        assert_eq!(s.messages[1].annotations.thinking.as_deref(), Some("think"));
    }
}
