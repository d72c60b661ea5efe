//! Amp (Sourcegraph): `~/.local/share/amp/threads/T-<uuid>.json`, one JSON document per thread, rewritten
//! as it changes. Closed source; the shape is inferred (see `formats/cli-agents.md` §6.2).

use std::io;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::assemble::{self, str_of, Calls};
use super::{walk, Agent, Env, Problem, Sink, Source};
use crate::schema::{Message, Meta, Role, Session, ToolCall, Usage};
use crate::time;

pub struct Amp;

impl Agent for Amp {
    fn name(&self) -> &'static str {
        "amp"
    }
    fn aliases(&self) -> &'static [&'static str] {
        &["ampcode", "sourcegraph-amp"]
    }

    fn roots(&self, env: &Env) -> Vec<PathBuf> {
        let base = env
            .var("AMP_DATA_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| env.xdg_data().join("amp"));
        vec![base.join("threads")]
    }

    fn sources(&self, env: &Env) -> Vec<Source> {
        self.roots(env)
            .iter()
            .flat_map(|r| {
                walk::files(r, 0, &|p: &Path| {
                    walk::name(p).starts_with("T-") && p.extension().is_some_and(|e| e == "json")
                })
            })
            .map(Source::at)
            .collect()
    }

    fn extract(&self, source: &Source, _env: &Env, sink: &mut dyn Sink) -> io::Result<()> {
        let bytes = std::fs::read(&source.path)?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(v) => {
                if let Some(s) = build(&source.path, &v) {
                    sink.session(s);
                }
            }
            Err(e) => sink.problem(Problem::new(&source.path, None, format!("not JSON: {e}"))),
        }
        Ok(())
    }
}

fn build(path: &Path, v: &Value) -> Option<Session> {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let mut meta = Meta::new("amp", str_of(v, "id").unwrap_or(stem));
    meta.title = str_of(v, "title").map(str::to_string);
    meta.start_time = v.get("created").and_then(time::from_value);
    let tree = v.pointer("/env/initial/trees/0");
    meta.project_path = tree
        .and_then(|t| str_of(t, "uri"))
        .map(|u| u.strip_prefix("file://").unwrap_or(u).to_string());
    if let Some(r) = tree
        .and_then(|t| t.pointer("/repository/ref"))
        .and_then(Value::as_str)
    {
        meta.git_branch = Some(r.strip_prefix("refs/heads/").unwrap_or(r).to_string());
    }
    if let Some(n) = v.get("v") {
        meta.extra.insert("format_version".into(), n.clone());
    }
    let mut messages: Vec<Message> = Vec::new();
    let mut calls = Calls::default();
    let mut usage = Usage::default();
    for m in v
        .get("messages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let role = match str_of(m, "role") {
            Some("user") => Role::User,
            Some("assistant") => Role::Assistant,
            _ => continue,
        };
        let mut msg = Message::new(0, role, "");
        let u = m.get("usage");
        msg.timestamp = u
            .and_then(|u| u.get("timestamp"))
            .or_else(|| m.pointer("/meta/sentAt"))
            .and_then(time::from_value);
        msg.model = u.and_then(|u| str_of(u, "model")).map(str::to_string);
        if let Some(u) = u {
            let g = |k| assemble::as_u64(u.get(k));
            assemble::add_usage(
                &mut usage,
                &Usage {
                    input_tokens: g("inputTokens"),
                    output_tokens: g("outputTokens"),
                    cache_read_tokens: g("cacheReadInputTokens"),
                    cache_write_tokens: g("cacheCreationInputTokens"),
                    ..Usage::default()
                },
            );
        }
        let mut pending = Vec::new();
        let mut only_results = true;
        for b in m
            .get("content")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            match str_of(b, "type").unwrap_or("") {
                "text" => {
                    only_results = false;
                    assemble::push_para(&mut msg.content, str_of(b, "text").unwrap_or(""));
                }
                "thinking" => {
                    only_results = false;
                    assemble::push_opt_para(
                        &mut msg.annotations.thinking,
                        str_of(b, "thinking").unwrap_or(""),
                    );
                }
                "tool_use" => {
                    only_results = false;
                    let mut c = ToolCall::new(
                        str_of(b, "name").unwrap_or("unknown"),
                        b.get("input").cloned().unwrap_or(Value::Null),
                    );
                    c.id = str_of(b, "id").map(str::to_string);
                    pending.push(c);
                }
                "tool_result" => {
                    let id = str_of(b, "toolUseID")
                        .or_else(|| str_of(b, "tool_use_id"))
                        .unwrap_or("");
                    let run = b.get("run").cloned().unwrap_or(Value::Null);
                    let status = str_of(&run, "status");
                    let result = run.get("result").cloned().unwrap_or(Value::Null);
                    let mut text = match &result {
                        Value::Object(o) => o
                            .get("output")
                            .or_else(|| o.get("content"))
                            .map(assemble::text_of)
                            .unwrap_or_else(|| result.to_string()),
                        other => assemble::text_of(other),
                    };
                    if let Some(e) = run.pointer("/error/message").and_then(Value::as_str) {
                        assemble::push_para(&mut text, e);
                    }
                    let exit = result.get("exitCode").and_then(Value::as_i64);
                    let failed = matches!(status, Some("error" | "cancelled" | "rejected-by-user"))
                        || exit.is_some_and(|c| c != 0);
                    calls.fold(&mut messages, id, None, text, Some(failed));
                }
                "image" => {
                    only_results = false;
                    let src = b.get("source");
                    let a = assemble::base64_attachment(
                        "image",
                        src.and_then(|s| {
                            str_of(s, "mediaType").or_else(|| str_of(s, "media_type"))
                        }),
                        src.and_then(|s| str_of(s, "data")).unwrap_or(""),
                    );
                    assemble::attach(&mut msg, a);
                }
                _ => {}
            }
        }
        if role == Role::User && only_results {
            continue; // tool results only: folded into their calls
        }
        if let Some(st) = m
            .pointer("/state/type")
            .and_then(Value::as_str)
            .filter(|s| *s != "complete")
        {
            msg.extra.insert("state".into(), Value::from(st));
        }
        messages.push(msg);
        let idx = messages.len() - 1;
        for c in pending {
            calls.add(&mut messages, idx, c);
        }
    }
    if messages.is_empty() {
        return None;
    }
    meta.usage = Some(usage);
    let mut s = Session::new(meta);
    s.messages = messages;
    assemble::finish(&mut s);
    Some(s)
}
