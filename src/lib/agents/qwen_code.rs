//! Qwen Code: `~/.qwen/projects/<sanitized-cwd>/chats/<sessionId>.jsonl`, Claude-like records (`uuid`,
//! `parentUuid`, `type` user/assistant/tool_result/system) carrying Gemini `Content` (`role`, `parts`).
//! See `formats/cli-agents.md` §6.1.

use std::io;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::assemble::{self, str_of, Calls};
use super::jsonl::{self, Bad};
use super::{walk, Agent, Env, Problem, Sink, Source};
use crate::schema::{kind, Message, Meta, Role, Session, ToolCall, Usage};
use crate::time;

pub struct QwenCode;

impl Agent for QwenCode {
    fn name(&self) -> &'static str {
        "qwen-code"
    }
    fn aliases(&self) -> &'static [&'static str] {
        &["qwen"]
    }

    fn roots(&self, env: &Env) -> Vec<PathBuf> {
        let base = env
            .var("QWEN_DATA_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| env.home_join(".qwen"));
        vec![base.join("projects")]
    }

    fn sources(&self, env: &Env) -> Vec<Source> {
        let mut out = Vec::new();
        for root in self.roots(env) {
            for project in walk::subdirs(&root) {
                let files = walk::files(&project.join("chats"), 0, &|p: &Path| {
                    p.extension().is_some_and(|e| e == "jsonl")
                });
                out.extend(files.into_iter().map(Source::at));
            }
        }
        out
    }

    fn extract(&self, source: &Source, _env: &Env, sink: &mut dyn Sink) -> io::Result<()> {
        let buf = jsonl::read(&source.path)?;
        let stem = source
            .path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("");
        let mut meta = Meta::new("qwen-code", stem);
        let mut messages: Vec<Message> = Vec::new();
        let mut calls = Calls::default();
        let mut usage = Usage::default();
        let mut seen = std::collections::HashSet::new();
        let mut have_sid = false;
        for line in jsonl::lines(&buf) {
            let r: Value = match jsonl::parse(&line) {
                Ok(v) => v,
                Err(Bad::Partial) => continue,
                Err(Bad::Invalid(e)) => {
                    sink.problem(Problem::new(
                        &source.path,
                        Some(line.number),
                        format!("skipped unreadable record: {e}"),
                    ));
                    continue;
                }
            };
            if let Some(u) = str_of(&r, "uuid") {
                if !seen.insert(u.to_string()) {
                    continue;
                }
            }
            if meta.project_path.is_none() {
                meta.project_path = str_of(&r, "cwd").map(str::to_string);
            }
            if meta.git_branch.is_none() {
                meta.git_branch = str_of(&r, "gitBranch").map(str::to_string);
            }
            if let Some(v) = str_of(&r, "version") {
                meta.agent_version = Some(v.to_string());
            }
            if let Some(sid) = str_of(&r, "sessionId").filter(|_| !have_sid) {
                meta.session_id = sid.to_string();
                have_sid = true;
            }
            if let Some(f) = r.pointer("/forkedFrom/sessionId").and_then(Value::as_str) {
                meta.parent_session_id.get_or_insert_with(|| f.to_string());
            }
            let ts = r.get("timestamp").and_then(time::from_value);
            let parts = r.pointer("/message/parts").and_then(Value::as_array);
            match str_of(&r, "type").unwrap_or("") {
                "user" => {
                    let mut m = Message::new(0, Role::User, "");
                    m.timestamp = ts;
                    parts_into(parts, &mut m, None);
                    if m.content.trim_start().starts_with('/') {
                        m.kind = Some(kind::COMMAND.into());
                    }
                    if !m.content.is_empty() || !m.attachments.is_empty() {
                        messages.push(m);
                    }
                }
                "assistant" => {
                    let mut m = Message::new(0, Role::Assistant, "");
                    m.timestamp = ts;
                    m.model = str_of(&r, "model").map(str::to_string);
                    let mut pending = Vec::new();
                    parts_into(parts, &mut m, Some(&mut pending));
                    messages.push(m);
                    let idx = messages.len() - 1;
                    for c in pending {
                        calls.add(&mut messages, idx, c);
                    }
                    if let Some(u) = r.get("usageMetadata") {
                        let g = |k| assemble::as_u64(u.get(k));
                        let prompt = g("promptTokenCount");
                        let cached = g("cachedContentTokenCount");
                        assemble::add_usage(
                            &mut usage,
                            &Usage {
                                input_tokens: prompt.map(|p| p.saturating_sub(cached.unwrap_or(0))),
                                output_tokens: g("candidatesTokenCount"),
                                cache_read_tokens: cached,
                                reasoning_tokens: g("thoughtsTokenCount"),
                                ..Usage::default()
                            },
                        );
                    }
                }
                "tool_result" => {
                    for p in parts.into_iter().flatten() {
                        let Some(fr) = p.get("functionResponse") else {
                            continue;
                        };
                        let id = str_of(fr, "id").unwrap_or("");
                        let resp = fr.get("response").cloned().unwrap_or(Value::Null);
                        let (text, err) = match (resp.get("output"), resp.get("error")) {
                            (_, Some(e)) if !e.is_null() => (assemble::text_of(e), Some(true)),
                            (Some(o), _) => (assemble::text_of(o), None),
                            _ => (resp.to_string(), None),
                        };
                        let status = r.pointer("/toolCallResult/status").and_then(Value::as_str);
                        let err = err.or(status.map(|s| s == "error"));
                        calls.fold(&mut messages, id, str_of(fr, "name"), text, err);
                    }
                }
                _ => {} // system: telemetry, compression, slash-command bookkeeping
            }
        }
        if !messages.is_empty() {
            meta.usage = Some(usage);
            let mut s = Session::new(meta);
            s.messages = messages;
            assemble::finish(&mut s);
            sink.session(s);
        }
        Ok(())
    }
}

/// Gemini parts into a message: text, thoughts, inline data, and (for the model) function calls.
fn parts_into(parts: Option<&Vec<Value>>, m: &mut Message, mut calls: Option<&mut Vec<ToolCall>>) {
    for p in parts.into_iter().flatten() {
        if let Some(t) = str_of(p, "text") {
            if p.get("thought").and_then(Value::as_bool) == Some(true) {
                assemble::push_opt_para(&mut m.annotations.thinking, t);
            } else {
                assemble::push_para(&mut m.content, t);
            }
        } else if let Some(fc) = p.get("functionCall") {
            if let Some(calls) = calls.as_deref_mut() {
                let mut c = ToolCall::new(
                    str_of(fc, "name").unwrap_or("unknown"),
                    fc.get("args").cloned().unwrap_or(Value::Null),
                );
                c.id = str_of(fc, "id").map(str::to_string);
                calls.push(c);
            }
        } else if let Some(d) = p.get("inlineData") {
            let a = assemble::base64_attachment(
                "image",
                str_of(d, "mimeType"),
                str_of(d, "data").unwrap_or(""),
            );
            assemble::attach(m, a);
        }
    }
}
