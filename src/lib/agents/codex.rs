//! OpenAI Codex CLI: `$CODEX_HOME/sessions/YYYY/MM/DD/rollout-*.jsonl` (+ `archived_sessions/`).
//!
//! Every generation is read: the wrapped `{timestamp, type, payload}` lines (Sept 2025 on), the bare JSONL
//! before it (a `{id, timestamp, instructions}` first line, then bare response items), and the TypeScript
//! CLI's single JSON file. A turn (the prompt's answer: reasoning, tool calls with their outputs, the final
//! text) becomes one assistant message. See `formats/cli-agents.md` §2.

use std::collections::HashSet;
use std::io;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::assemble::{self, str_of, Calls};
use super::jsonl::{self, Bad};
use super::{walk, Agent, Env, Problem, Sink, Source};
use crate::schema::{kind, Message, Meta, Role, Session, ToolCall, Usage};
use crate::time;

pub struct Codex;

impl Agent for Codex {
    fn name(&self) -> &'static str {
        "codex"
    }
    fn aliases(&self) -> &'static [&'static str] {
        &["codex-cli", "openai-codex"]
    }

    fn roots(&self, env: &Env) -> Vec<PathBuf> {
        let home = env
            .var("CODEX_HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| env.home_join(".codex"));
        vec![home.join("sessions"), home.join("archived_sessions")]
    }

    fn sources(&self, env: &Env) -> Vec<Source> {
        let is_rollout = |p: &Path| {
            let n = walk::name(p);
            n.starts_with("rollout-") && (n.ends_with(".jsonl") || n.ends_with(".json"))
        };
        let roots = self.roots(env);
        let active = walk::files(&roots[0], 4, &is_rollout);
        let names: HashSet<String> = active.iter().map(|p| walk::name(p).to_string()).collect();
        // An archived copy of a file still under sessions/ is the same session.
        let archived = walk::files(&roots[1], 4, &is_rollout)
            .into_iter()
            .filter(|p| !names.contains(walk::name(p)));
        active.into_iter().chain(archived).map(Source::at).collect()
    }

    fn extract(&self, source: &Source, _env: &Env, sink: &mut dyn Sink) -> io::Result<()> {
        jsonl::with_bytes(&source.path, |bytes| {
            parse_rollout(bytes, &source.path, sink)
        })
    }
}

/// The session in the bytes of one rollout file: JSONL, or the TypeScript CLI's JSON when `path` ends in
/// `.json`. `path` names the file in problems, and its name holds the session id.
pub fn parse_rollout(bytes: &[u8], path: &Path, sink: &mut dyn Sink) {
    let buf = jsonl::text(bytes);
    let mut b = Builder::new(path);
    if path.extension().is_some_and(|e| e == "json") {
        match serde_json::from_str::<Value>(&buf) {
            Ok(v) => b.ts_cli_file(&v),
            Err(e) => sink.problem(Problem::new(path, None, format!("not JSON: {e}"))),
        }
    } else {
        for line in jsonl::lines(&buf) {
            match jsonl::parse::<Value>(&line) {
                Ok(v) => b.line(&v),
                Err(Bad::Partial) => {}
                Err(Bad::Invalid(e)) => sink.problem(Problem::new(
                    path,
                    Some(line.number),
                    format!("skipped unreadable record: {e}"),
                )),
            }
        }
    }
    if let Some(s) = b.finish() {
        sink.session(s);
    }
}

/// Text that Codex injects as a `user` message but no human typed.
const INJECTED_PREFIXES: &[&str] = &[
    "<environment_context>",
    "<user_instructions>",
    "# AGENTS.md instructions",
    "<permissions instructions>",
    "<user_shell_command>",
    "<turn_aborted>",
    "<INSTRUCTIONS>",
];

struct Builder {
    meta: Meta,
    messages: Vec<Message>,
    calls: Calls,
    /// The assistant message of the turn in progress.
    turn: Option<usize>,
    /// The record's timestamp (wrapped lines only).
    now: Option<i64>,
    usage: Option<Usage>,
    models: Vec<String>,
    /// Inside history a forked rollout copied from its parent.
    inherited: bool,
    seen_meta: bool,
}

impl Builder {
    fn new(path: &Path) -> Builder {
        // rollout-YYYY-MM-DDThh-mm-ss-<uuid>.jsonl: the id is the last five dash-separated groups.
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        let parts: Vec<&str> = stem.split('-').collect();
        let id = if parts.len() >= 5 {
            parts[parts.len() - 5..].join("-")
        } else {
            stem.to_string()
        };
        Builder {
            meta: Meta::new("codex", id),
            messages: Vec::new(),
            calls: Calls::default(),
            turn: None,
            now: None,
            usage: None,
            models: Vec::new(),
            inherited: false,
            seen_meta: false,
        }
    }

    fn line(&mut self, v: &Value) {
        let ty = str_of(v, "type");
        match (ty, v.get("payload")) {
            (Some(ty), Some(payload)) => {
                self.now = v.get("timestamp").and_then(time::from_value);
                self.wrapped(ty, payload);
            }
            _ if v.get("record_type").is_some() => {}
            (None, _) if v.get("id").is_some() && !self.seen_meta => self.session_meta(v),
            (Some(_), None) => self.item(v),
            _ => {}
        }
    }

    fn ts_cli_file(&mut self, v: &Value) {
        if let Some(s) = v.get("session") {
            self.session_meta(s);
        }
        for item in v
            .get("items")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            self.item(item);
        }
    }

    fn wrapped(&mut self, ty: &str, p: &Value) {
        match ty {
            "session_meta" => {
                let id = str_of(p, "id").or_else(|| str_of(p, "session_id"));
                if !self.seen_meta {
                    self.session_meta(p);
                } else if id.is_some() && id != Some(self.meta.session_id.as_str()) {
                    // A fork copies its parent's meta and history after its own first line.
                    self.inherited = true;
                }
            }
            "turn_context" => {
                self.inherited = false;
                if let Some(m) = str_of(p, "model") {
                    if self.models.last().map(String::as_str) != Some(m) {
                        self.models.push(m.to_string());
                    }
                }
                if self.meta.project_path.is_none() {
                    self.meta.project_path = str_of(p, "cwd").map(str::to_string);
                }
            }
            "response_item" if !self.inherited => self.item(p),
            "event_msg" if !self.inherited => self.event(p),
            _ => {} // compacted (the model's new view, not new conversation), world_state, ...
        }
    }

    fn session_meta(&mut self, p: &Value) {
        self.seen_meta = true;
        if let Some(id) = str_of(p, "id").or_else(|| str_of(p, "session_id")) {
            self.meta.session_id = id.to_string();
        }
        self.meta.start_time = p.get("timestamp").and_then(time::from_value);
        self.meta.project_path = str_of(p, "cwd").map(str::to_string);
        self.meta.agent_version = str_of(p, "cli_version").map(str::to_string);
        if let Some(g) = p.get("git") {
            self.meta.git_branch = str_of(g, "branch").map(str::to_string);
        }
        if let Some(o) = str_of(p, "originator") {
            self.meta.extra.insert("originator".into(), Value::from(o));
        }
        let spawn = p.pointer("/source/subagent/thread_spawn/parent_thread_id");
        let parent = spawn
            .and_then(Value::as_str)
            .or_else(|| str_of(p, "forked_from_id"));
        self.meta.parent_session_id = parent.map(str::to_string);
        if let Some(src) = p.get("source").filter(|s| !s.is_null()) {
            self.meta.extra.insert("source".into(), src.clone());
        }
    }

    /// The assistant message of the current turn, opened on first use.
    fn assistant(&mut self) -> usize {
        if let Some(i) = self.turn {
            return i;
        }
        let mut m = Message::new(0, Role::Assistant, "");
        m.timestamp = self.now;
        m.model = self.models.last().cloned();
        self.messages.push(m);
        self.turn = Some(self.messages.len() - 1);
        self.messages.len() - 1
    }

    fn item(&mut self, p: &Value) {
        match str_of(p, "type").unwrap_or("") {
            "message" => self.message(p),
            "reasoning" => {
                let mut text = String::new();
                for key in ["summary", "content"] {
                    for part in p.get(key).and_then(Value::as_array).into_iter().flatten() {
                        assemble::push_para(&mut text, str_of(part, "text").unwrap_or(""));
                    }
                }
                if !text.is_empty() {
                    let i = self.assistant();
                    assemble::push_opt_para(&mut self.messages[i].annotations.thinking, &text);
                }
            }
            "function_call" => {
                let raw = p.get("arguments");
                let args = match raw {
                    // Arguments are a JSON string; keep the string when it does not parse.
                    Some(Value::String(s)) => {
                        serde_json::from_str(s).unwrap_or_else(|_| Value::from(s.as_str()))
                    }
                    Some(v) => v.clone(),
                    None => Value::Null,
                };
                self.call(p, str_of(p, "name").unwrap_or("unknown"), args);
            }
            "custom_tool_call" => {
                let input = str_of(p, "input").unwrap_or("");
                let i = self.assistant();
                assemble::patch_file_refs(input, &mut self.messages[i].annotations.file_refs);
                self.call(
                    p,
                    str_of(p, "name").unwrap_or("unknown"),
                    Value::from(input),
                );
            }
            "local_shell_call" => {
                let action = p.get("action").cloned().unwrap_or(Value::Null);
                self.call(p, "local_shell", action);
            }
            "web_search_call" => {
                let action = p.get("action").cloned().unwrap_or(Value::Null);
                self.call(p, "web_search", action);
            }
            "function_call_output" | "custom_tool_call_output" | "local_shell_call_output" => {
                let id = str_of(p, "call_id").unwrap_or("");
                let (text, is_error) = output_text(p.get("output").unwrap_or(&Value::Null));
                let i = self.assistant();
                let _ = i;
                self.calls
                    .fold(&mut self.messages, id, None, text, is_error);
            }
            _ => {} // ghost_snapshot, compaction, future item types
        }
    }

    fn call(&mut self, p: &Value, name: &str, args: Value) {
        let i = self.assistant();
        let mut call = ToolCall::new(name, args);
        call.id = str_of(p, "call_id")
            .or_else(|| str_of(p, "id"))
            .map(str::to_string);
        self.calls.add(&mut self.messages, i, call);
    }

    fn message(&mut self, p: &Value) {
        let role = str_of(p, "role").unwrap_or("");
        let mut text = String::new();
        let mut atts = Vec::new();
        for c in p
            .get("content")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            match str_of(c, "type").unwrap_or("") {
                "input_image" | "output_image" => {
                    let url = str_of(c, "image_url").unwrap_or("");
                    atts.push(assemble::base64_attachment("image", None, url));
                }
                _ => assemble::push_para(&mut text, str_of(c, "text").unwrap_or("")),
            }
        }
        match role {
            "assistant" => {
                let i = self.assistant();
                let m = &mut self.messages[i];
                // The agent_message event may have come first with the same text.
                if text.is_empty() || !m.content.contains(text.as_str()) {
                    assemble::push_para(&mut m.content, &text);
                }
                for a in atts {
                    assemble::attach(m, a);
                }
            }
            "user"
                if !INJECTED_PREFIXES
                    .iter()
                    .any(|p| text.trim_start().starts_with(p)) =>
            {
                self.prompt(text, atts);
            }
            _ => {
                // developer/system messages and injected user context
                if self.meta.project_path.is_none() {
                    self.meta.project_path = env_context_cwd(&text);
                }
                let mut m = Message::new(0, Role::System, text);
                m.timestamp = self.now;
                m.kind = Some(kind::INJECTED_CONTEXT.into());
                self.messages.push(m);
            }
        }
    }

    fn prompt(&mut self, text: String, atts: Vec<crate::schema::Attachment>) {
        self.turn = None;
        let mut m = Message::new(0, Role::User, text);
        m.timestamp = self.now;
        for a in atts {
            assemble::attach(&mut m, a);
        }
        self.messages.push(m);
    }

    fn event(&mut self, p: &Value) {
        match str_of(p, "type").unwrap_or("") {
            "token_count" => {
                if let Some(t) = p.pointer("/info/total_token_usage") {
                    let g = |k| assemble::as_u64(t.get(k));
                    let cached = g("cached_input_tokens");
                    self.usage = Some(Usage {
                        input_tokens: g("input_tokens"),
                        output_tokens: g("output_tokens"),
                        cache_read_tokens: cached,
                        reasoning_tokens: g("reasoning_output_tokens"),
                        ..Usage::default()
                    });
                }
            }
            // Copies of response items; used only when the item itself is missing (older builds).
            "user_message" => {
                let text = str_of(p, "message").unwrap_or("").to_string();
                let last_prompt = self.messages.iter().rev().find(|m| m.role == Role::User);
                if !text.is_empty()
                    && last_prompt.map(|m| m.content.as_str()) != Some(text.as_str())
                {
                    self.prompt(text, Vec::new());
                }
            }
            "agent_message" => {
                let text = str_of(p, "message").unwrap_or("");
                let i = self.assistant();
                if !self.messages[i].content.contains(text) {
                    assemble::push_para(&mut self.messages[i].content, text);
                }
            }
            "turn_aborted" => {
                if let Some(i) = self.turn {
                    let reason = str_of(p, "reason").unwrap_or("aborted");
                    self.messages[i]
                        .extra
                        .insert("aborted".into(), Value::from(reason));
                }
            }
            _ => {}
        }
    }

    fn finish(mut self) -> Option<Session> {
        // A session of injected context only (started, nothing typed) is not a conversation.
        if !self.messages.iter().any(|m| m.kind.is_none()) {
            return None;
        }
        self.meta.usage = self.usage.take();
        if self.models.len() > 1 {
            self.meta
                .extra
                .insert("models".into(), Value::from(self.models.clone()));
        }
        let mut s = Session::new(self.meta);
        s.messages = self.messages;
        // event_msg duplicates of a prompt that came before its response item
        s.messages.dedup_by(|b, a| {
            a.role == Role::User
                && b.role == Role::User
                && a.kind.is_none()
                && b.kind.is_none()
                && a.content == b.content
        });
        assemble::finish(&mut s);
        Some(s)
    }
}

/// The tool output as text, and whether it failed (by exit code; Codex has no error flag).
fn output_text(v: &Value) -> (String, Option<bool>) {
    let text = assemble::text_of(v);
    // 2025 shape: a JSON string {"output": "...", "metadata": {"exit_code": N}}
    if let Ok(inner) = serde_json::from_str::<Value>(&text) {
        if let Some(out) = inner.get("output").and_then(Value::as_str) {
            let code = inner.pointer("/metadata/exit_code").and_then(Value::as_i64);
            return (out.to_string(), code.map(|c| c != 0));
        }
    }
    let code = text.lines().take(4).find_map(|l| {
        l.strip_prefix("Exit code: ")
            .or_else(|| l.strip_prefix("Process exited with code "))
            .and_then(|c| c.trim().parse::<i64>().ok())
    });
    (text, code.map(|c| c != 0))
}

/// `<cwd>` inside an `<environment_context>` block (the only cwd bare-era files have).
fn env_context_cwd(text: &str) -> Option<String> {
    let start = text.find("<cwd>")? + 5;
    let end = text[start..].find("</cwd>")? + start;
    Some(text[start..end].trim().to_string()).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(lines: &[&str]) -> Session {
        let mut b = Builder::new(Path::new(
            "rollout-2025-01-01T00-00-00-11111111-2222-3333-4444-555555555555.jsonl",
        ));
        for l in lines {
            b.line(&serde_json::from_str(l).unwrap());
        }
        b.finish().unwrap()
    }

    #[test]
    fn the_typescript_cli_single_json_file() {
        let mut b = Builder::new(Path::new("rollout-2025-04-20-abc.json"));
        b.ts_cli_file(&serde_json::json!({
            "session": {"timestamp": "2025-04-20T10:00:00Z", "id": "abc", "instructions": ""},
            "items": [
                {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]},
                {"type": "function_call", "name": "shell", "arguments": "{\"command\":[\"ls\"]}", "call_id": "c1"},
                {"type": "function_call_output", "call_id": "c1", "output": "{\"output\":\"a\\n\",\"metadata\":{\"exit_code\":2}}"},
                {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "done"}]}
            ]
        }));
        let s = b.finish().unwrap();
        assert_eq!(s.meta.session_id, "abc");
        assert_eq!(s.meta.start_time, Some(1_745_143_200));
        let call = &s.messages[1].annotations.tool_calls[0];
        assert_eq!(
            (call.result.as_deref(), call.is_error),
            (Some("a\n"), Some(true))
        );
        assert_eq!(call.args["command"][0], "ls");
    }

    #[test]
    fn a_fork_drops_the_history_it_copied_from_its_parent() {
        let s = build(&[
            r#"{"timestamp":"2026-01-01T00:00:00Z","type":"session_meta","payload":{"id":"child","cwd":"/w","source":{"subagent":{"thread_spawn":{"parent_thread_id":"parent","depth":1}}}}}"#,
            r#"{"timestamp":"2026-01-01T00:00:00Z","type":"session_meta","payload":{"id":"parent","cwd":"/w"}}"#,
            r#"{"timestamp":"2026-01-01T00:00:00Z","type":"response_item","payload":{"type":"message","role":"user","content":[{"type":"input_text","text":"parent prompt"}]}}"#,
            r#"{"timestamp":"2026-01-01T00:00:01Z","type":"turn_context","payload":{"model":"gpt-5"}}"#,
            r#"{"timestamp":"2026-01-01T00:00:02Z","type":"response_item","payload":{"type":"message","role":"user","content":[{"type":"input_text","text":"child task"}]}}"#,
            r#"{"timestamp":"2026-01-01T00:00:03Z","type":"response_item","payload":{"type":"message","role":"assistant","content":[{"type":"output_text","text":"done"}]}}"#,
        ]);
        assert_eq!(s.meta.session_id, "child");
        assert_eq!(s.meta.parent_session_id.as_deref(), Some("parent"));
        let texts: Vec<_> = s.messages.iter().map(|m| m.content.as_str()).collect();
        assert_eq!(texts, ["child task", "done"]);
        assert_eq!(s.messages[1].model.as_deref(), Some("gpt-5"));
    }

    #[test]
    fn events_stand_in_for_missing_response_items_without_doubling_present_ones() {
        let s = build(&[
            r#"{"timestamp":"2025-09-01T00:00:00Z","type":"session_meta","payload":{"id":"s"}}"#,
            r#"{"timestamp":"2025-09-01T00:00:01Z","type":"event_msg","payload":{"type":"user_message","message":"hello"}}"#,
            r#"{"timestamp":"2025-09-01T00:00:01Z","type":"response_item","payload":{"type":"message","role":"user","content":[{"type":"input_text","text":"hello"}]}}"#,
            r#"{"timestamp":"2025-09-01T00:00:02Z","type":"event_msg","payload":{"type":"agent_message","message":"hi there"}}"#,
            r#"{"timestamp":"2025-09-01T00:00:02Z","type":"response_item","payload":{"type":"message","role":"assistant","content":[{"type":"output_text","text":"hi there"}]}}"#,
            r#"{"timestamp":"2025-09-01T00:00:03Z","type":"event_msg","payload":{"type":"user_message","message":"only an event"}}"#,
        ]);
        let texts: Vec<_> = s
            .messages
            .iter()
            .map(|m| (m.role, m.content.as_str()))
            .collect();
        assert_eq!(
            texts,
            [
                (Role::User, "hello"),
                (Role::Assistant, "hi there"),
                (Role::User, "only an event")
            ]
        );
    }
}
