//! Continue.dev: `~/.continue/sessions/<sessionId>.json` (one session each) beside an index
//! `sessions.json` that is used only for the creation date; the files are listed, not the index. Model titles
//! map to model ids through `config.yaml` / `config.json` (only the mapping is read: those files hold keys).

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::vscode::{
    add_ref, attach, files_ending, finish, image_attachment, path_of, unwrap_json_string,
};
use super::{Agent, Env, Problem, Sink, Source};
use crate::schema::{Message, Meta, Role, Session, ToolCall, Usage};
use crate::time;

pub struct Continue;

pub static CONTINUE: Continue = Continue;

const NAME: &str = "continue";

impl Agent for Continue {
    fn name(&self) -> &'static str {
        NAME
    }

    fn aliases(&self) -> &'static [&'static str] {
        &["continue-dev"]
    }

    fn roots(&self, env: &Env) -> Vec<PathBuf> {
        let mut out = Vec::new();
        if let Some(d) = env
            .var("CONTINUE_GLOBAL_DIR")
            .map(PathBuf::from)
            .filter(|p| p.starts_with(&env.home))
        {
            out.push(d);
        }
        out.push(env.home_join(".continue"));
        out.dedup();
        out
    }

    fn sources(&self, env: &Env) -> Vec<Source> {
        self.roots(env)
            .iter()
            .flat_map(|r| files_ending(&r.join("sessions"), ".json"))
            .filter(|p| p.file_name().is_some_and(|n| n != "sessions.json"))
            .map(Source::at)
            .collect()
    }

    fn extract(&self, source: &Source, _env: &Env, sink: &mut dyn Sink) -> std::io::Result<()> {
        let dir = source.path.parent().unwrap_or(Path::new("."));
        let text = fs::read(&source.path)?;
        let v: Value = match serde_json::from_slice(&text) {
            Ok(v) => v,
            Err(e) => {
                sink.problem(Problem {
                    path: source.path.clone(),
                    line: None,
                    message: format!("invalid JSON: {e}"),
                });
                return Ok(());
            }
        };
        let index = read_index(&dir.join("sessions.json"));
        let models = model_map(dir.parent().unwrap_or(Path::new(".")));
        let stem = source
            .path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mtime = source
            .modified
            .and_then(|m| m.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_secs() as i64);
        if let Some(s) = session(&v, &stem, &index, &models, mtime) {
            sink.session(s);
        }
        Ok(())
    }
}

/// `sessionId` → (dateCreated seconds, title) from the index, skipping pre-2024 snake_case entries.
fn read_index(path: &Path) -> HashMap<String, (Option<i64>, Option<String>)> {
    let Ok(text) = fs::read(path) else {
        return HashMap::new();
    };
    let Ok(Value::Array(items)) = serde_json::from_slice::<Value>(&text) else {
        return HashMap::new();
    };
    items
        .iter()
        .filter_map(|i| {
            let id = i.get("sessionId")?.as_str()?.to_string();
            let created = i.get("dateCreated").and_then(time::from_value);
            let title = i.get("title").and_then(Value::as_str).map(str::to_string);
            Some((id, (created, title)))
        })
        .collect()
}

/// Model title → model id from `config.yaml` (`models: - name: … model: …`) or `config.json`
/// (`models[].title` → `model`). Nothing else is read from them.
fn model_map(dir: &Path) -> HashMap<String, String> {
    let mut out = HashMap::new();
    if let Ok(text) = fs::read_to_string(dir.join("config.yaml")) {
        out.extend(yaml_models(&text));
    }
    if let Ok(text) = fs::read_to_string(dir.join("config.json")) {
        if let Ok(v) = serde_json::from_str::<Value>(&text) {
            for m in v
                .get("models")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let (Some(t), Some(id)) = (
                    m.get("title").and_then(Value::as_str),
                    m.get("model").and_then(Value::as_str),
                ) {
                    out.entry(t.to_string()).or_insert_with(|| id.to_string());
                }
            }
        }
    }
    out
}

/// The `name`/`model` pairs of the top-level `models:` list of a Continue `config.yaml`; a small reader for
/// this one shape, which needs no YAML library.
fn yaml_models(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut in_models = false;
    let (mut name, mut model): (Option<String>, Option<String>) = (None, None);
    let mut flush = |name: &mut Option<String>, model: &mut Option<String>| {
        if let (Some(n), Some(m)) = (name.take(), model.take()) {
            out.push((n, m));
        }
    };
    for line in text.lines() {
        let indent = line.len() - line.trim_start().len();
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        if indent == 0 {
            flush(&mut name, &mut model);
            in_models = t == "models:";
            continue;
        }
        if !in_models {
            continue;
        }
        let item = t.strip_prefix("- ");
        if item.is_some() && line.trim_start().starts_with("- ") && indent <= 2 {
            flush(&mut name, &mut model);
        }
        let kv = item.unwrap_or(t);
        if let Some((k, v)) = kv.split_once(':') {
            let v = v.trim().trim_matches(|c| c == '"' || c == '\'').to_string();
            match k.trim() {
                "name" => name = Some(v),
                "model" => model = Some(v),
                _ => {}
            }
        }
    }
    flush(&mut name, &mut model);
    out
}

fn session(
    v: &Value,
    stem: &str,
    index: &HashMap<String, (Option<i64>, Option<String>)>,
    models: &HashMap<String, String>,
    mtime: Option<i64>,
) -> Option<Session> {
    let id = v
        .get("sessionId")
        .and_then(Value::as_str)
        .unwrap_or(stem)
        .to_string();
    let (created, index_title) = index.get(&id).cloned().unwrap_or((None, None));
    let mut meta = Meta::new(NAME, id);
    meta.title = v
        .get("title")
        .and_then(Value::as_str)
        .map(str::to_string)
        .or(index_title)
        .filter(|t| !t.trim().is_empty() && t != "New Session");
    meta.project_path = v.get("workspaceDirectory").and_then(path_of);
    let title = v.get("chatModelTitle").and_then(Value::as_str);
    if let Some(m) = v.get("mode").and_then(Value::as_str) {
        meta.extra.insert("continue_mode".into(), Value::from(m));
    }
    if let Some(u) = v.get("usage") {
        let n = |p: &str| u.pointer(p).and_then(Value::as_u64);
        let usage = Usage {
            input_tokens: n("/promptTokens"),
            output_tokens: n("/completionTokens"),
            cache_read_tokens: n("/promptTokensDetails/cachedTokens"),
            cache_write_tokens: n("/promptTokensDetails/cacheWriteTokens"),
            reasoning_tokens: n("/completionTokensDetails/reasoningTokens"),
            extra: u
                .get("totalCost")
                .map(|c| [("cost_usd".to_string(), c.clone())].into_iter().collect())
                .unwrap_or_default(),
        };
        if usage != Usage::default() {
            meta.usage = Some(usage);
        }
    }
    let mut s = Session::new(meta);
    let mut pending_thinking: Vec<String> = Vec::new();
    let mut last_model: Option<String> = None;
    for item in v
        .get("history")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(msg) = item.get("message") else {
            continue;
        };
        let item_model = item
            .pointer("/promptLogs/0/completionOptions/model")
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| {
                let t = item
                    .pointer("/promptLogs/0/modelTitle")
                    .and_then(Value::as_str)?;
                Some(models.get(t).cloned().unwrap_or_else(|| t.to_string()))
            });
        if item_model.is_some() {
            last_model = item_model.clone();
        }
        match msg.get("role").and_then(Value::as_str) {
            Some("user") => {
                let mut m = Message::new(0, Role::User, String::new());
                content_into(msg.get("content"), &mut m);
                for c in item
                    .get("contextItems")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if let Some(p) = c.pointer("/uri/value").and_then(path_of) {
                        add_ref(&mut m.annotations.file_refs, p);
                    }
                }
                if let Some(ctx) = item
                    .get("contextItems")
                    .filter(|c| c.as_array().is_some_and(|a| !a.is_empty()))
                {
                    m.extra.insert("context_items".into(), ctx.clone());
                }
                s.messages.push(m);
            }
            Some("system") => {
                let mut m = Message::new(0, Role::System, String::new());
                content_into(msg.get("content"), &mut m);
                s.messages.push(m);
            }
            Some("thinking") => {
                let t = msg.get("content").and_then(Value::as_str).unwrap_or("");
                let t = if t.is_empty() {
                    item.pointer("/reasoning/text")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                } else {
                    t
                };
                if !t.is_empty() {
                    pending_thinking.push(t.to_string());
                }
            }
            Some("assistant") => {
                let mut m = Message::new(0, Role::Assistant, String::new());
                content_into(msg.get("content"), &mut m);
                if !pending_thinking.is_empty() {
                    m.annotations.thinking = Some(pending_thinking.join("\n\n"));
                    pending_thinking.clear();
                }
                m.model = item_model;
                assistant_tools(msg, item, &mut m);
                if let Some(u) = msg.get("usage") {
                    m.extra.insert("usage".into(), u.clone());
                }
                s.messages.push(m);
            }
            Some("tool") => {
                let id = msg.get("toolCallId").and_then(Value::as_str);
                let text = msg
                    .get("content")
                    .map(super::vscode::as_text)
                    .unwrap_or_default();
                fold_tool_result(&mut s, id, text);
            }
            _ => {}
        }
    }
    if !pending_thinking.is_empty() {
        let mut m = Message::new(0, Role::Assistant, String::new());
        m.annotations.thinking = Some(pending_thinking.join("\n\n"));
        s.messages.push(m);
    }
    if s.messages.is_empty() {
        return None;
    }
    s.meta.model = last_model
        .or_else(|| title.map(|t| models.get(t).cloned().unwrap_or_else(|| t.to_string())));
    for m in s
        .messages
        .iter_mut()
        .filter(|m| m.role == Role::Assistant && m.model.is_none())
    {
        m.model = s.meta.model.clone();
    }
    if s.meta.title.is_none() {
        s.meta.title = s
            .messages
            .iter()
            .find(|m| m.role == Role::User)
            .and_then(|m| super::vscode::title_from(&m.content));
    }
    // No per-message times exist: the session's own creation date (index, else file time) is all there is.
    finish(&mut s, created.or(mtime), None);
    Some(s)
}

/// Message content: a string or parts (`text`, `imageUrl` with a data URL).
fn content_into(c: Option<&Value>, m: &mut Message) {
    match c {
        Some(Value::String(s)) => m.content.push_str(s),
        Some(Value::Array(parts)) => {
            for p in parts {
                match p.get("type").and_then(Value::as_str) {
                    Some("text") => m
                        .content
                        .push_str(p.get("text").and_then(Value::as_str).unwrap_or("")),
                    Some("imageUrl") => {
                        let url = p
                            .pointer("/imageUrl/url")
                            .and_then(Value::as_str)
                            .unwrap_or("");
                        attach(m, image_attachment(None, url));
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
}

/// Tool calls from `toolCalls`, completed by `toolCallStates` (status, output).
fn assistant_tools(msg: &Value, item: &Value, m: &mut Message) {
    let states: Vec<&Value> = item
        .get("toolCallStates")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .collect();
    let mut calls: Vec<Value> = msg
        .get("toolCalls")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if calls.is_empty() {
        calls = states
            .iter()
            .filter_map(|s| s.get("toolCall").cloned())
            .collect();
    }
    for tc in calls {
        let id = tc.get("id").and_then(Value::as_str).map(str::to_string);
        let name = tc
            .pointer("/function/name")
            .and_then(Value::as_str)
            .unwrap_or("unknown");
        let state = states
            .iter()
            .find(|s| s.get("toolCallId").and_then(Value::as_str) == id.as_deref());
        let args = state
            .and_then(|s| s.get("parsedArgs").filter(|a| !a.is_null()).cloned())
            .or_else(|| tc.pointer("/function/arguments").map(unwrap_json_string))
            .unwrap_or(Value::Null);
        let mut call = ToolCall::new(name, args);
        call.id = id;
        if let Some(st) = state {
            let status = st.get("status").and_then(Value::as_str);
            if let Some(status) = status {
                call.extra.insert("status".into(), Value::from(status));
            }
            call.is_error = match status {
                Some("errored") | Some("canceled") => Some(true),
                Some("done") => Some(false),
                _ => None,
            };
            if let Some(out) = st
                .get("output")
                .and_then(Value::as_array)
                .filter(|o| !o.is_empty())
            {
                let text: Vec<&str> = out
                    .iter()
                    .filter_map(|o| o.get("content").and_then(Value::as_str))
                    .collect();
                call.result = Some(text.join("\n"));
                for o in out {
                    if let Some(p) = o.pointer("/uri/value").and_then(path_of) {
                        add_ref(&mut m.annotations.file_refs, p);
                    }
                }
            }
        }
        m.annotations.tool_calls.push(call);
    }
}

/// A `tool` message's content becomes the result of the matching call (by id, else the last call without one).
fn fold_tool_result(s: &mut Session, id: Option<&str>, text: String) {
    let calls = s
        .messages
        .iter_mut()
        .rev()
        .flat_map(|m| m.annotations.tool_calls.iter_mut());
    let mut target = None;
    for c in calls {
        if id.is_some() && c.id.as_deref() == id {
            target = Some(c);
            break;
        }
        if id.is_none() && c.result.is_none() {
            target = Some(c);
            break;
        }
    }
    if let Some(c) = target {
        // The tool message is what the model saw: it wins over the UI's copy.
        c.result = Some(text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_model_list_only() {
        let y = "name: x\nmodels:\n  - name: GPT-4o\n    provider: openai\n    model: gpt-4o\n    apiKey: k\n  - name: \"C\"\n    model: c-1\ncontext:\n  - provider: code\n";
        assert_eq!(
            yaml_models(y),
            vec![
                ("GPT-4o".into(), "gpt-4o".into()),
                ("C".into(), "c-1".into())
            ]
        );
    }
}
