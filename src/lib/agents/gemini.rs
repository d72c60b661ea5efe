//! Google Gemini CLI: `~/.gemini/tmp/<project>/chats/session-*.json` (whole-file JSON, ≤ Mar 2026) and
//! `session-*.jsonl` (an append log with `$set` and `$rewindTo` operations, ≥ Apr 2026); subagent chats in
//! `chats/<parentSessionId>/<id>.jsonl`; the per-project prompt log `logs.json`, the only trace of sessions
//! older than chat recording (Aug 2025), which become prompt-only sessions. See `formats/cli-agents.md` §3.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::assemble::{self, str_of, Calls};
use super::jsonl::{self, Bad};
use super::{walk, Agent, Env, Problem, Sink, Source};
use crate::schema::{kind, Message, Meta, Role, Session, ToolCall, Usage};
use crate::time;

pub struct Gemini;

impl Agent for Gemini {
    fn name(&self) -> &'static str {
        "gemini"
    }
    fn aliases(&self) -> &'static [&'static str] {
        &["gemini-cli"]
    }

    fn roots(&self, env: &Env) -> Vec<PathBuf> {
        let home = env
            .var("GEMINI_CLI_HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| env.home.clone());
        vec![home.join(".gemini/tmp")]
    }

    fn sources(&self, env: &Env) -> Vec<Source> {
        let mut out = Vec::new();
        for root in self.roots(env) {
            for project in walk::subdirs(&root) {
                let chats = project.join("chats");
                let mains = walk::files(&chats, 0, &|p: &Path| {
                    let n = walk::name(p);
                    n.starts_with("session-") && (n.ends_with(".json") || n.ends_with(".jsonl"))
                });
                for p in mains {
                    // A resumed legacy .json was migrated into a .jsonl of the same name: read that one.
                    if p.extension().is_some_and(|e| e == "json")
                        && p.with_extension("jsonl").is_file()
                    {
                        continue;
                    }
                    out.push(Source::at(p));
                }
                for sub in walk::subdirs(&chats) {
                    let subs = walk::files(&sub, 0, &|p: &Path| {
                        p.extension().is_some_and(|e| e == "jsonl")
                    });
                    out.extend(subs.into_iter().map(Source::at));
                }
                let prompts = project.join(PROMPT_LOG);
                if prompts.is_file() {
                    out.push(Source::at(prompts));
                }
            }
        }
        out
    }

    fn extract(&self, source: &Source, env: &Env, sink: &mut dyn Sink) -> io::Result<()> {
        jsonl::with_bytes(&source.path, |bytes| {
            parse_file(bytes, &source.path, env, sink)
        })
    }
}

/// The sessions in the bytes of one file: a whole-file JSON chat (`.json`), a JSONL chat log, or the prompt
/// log (`logs.json`), told apart by `path`, which also names the file in problems. The project is found from
/// the files around `path` and `env`'s Gemini home, when they exist.
pub fn parse_file(bytes: &[u8], path: &Path, env: &Env, sink: &mut dyn Sink) {
    let buf = jsonl::text(bytes);
    if walk::name(path) == PROMPT_LOG {
        prompt_log(path, &buf, env, sink);
        return;
    }
    let record = if path.extension().is_some_and(|e| e == "json") {
        if buf.trim().is_empty() {
            return; // an empty file from an interrupted rewrite
        }
        match serde_json::from_str::<Value>(&buf) {
            Ok(v) => v,
            Err(e) => {
                sink.problem(Problem::new(path, None, format!("not JSON: {e}")));
                return;
            }
        }
    } else {
        replay(path, &buf, sink)
    };
    if let Some(s) = build(path, &record, env) {
        sink.session(s);
    }
}

/// The per-project log of user prompts, `[{sessionId, messageId, timestamp, type: "user", message}]`.
const PROMPT_LOG: &str = "logs.json";

/// Sessions known only from the prompt log: those without a chat file (the chat has everything the log has,
/// and more). They hold the user's prompts and no replies, and are tagged `prompt-log` to say so.
fn prompt_log(path: &Path, buf: &str, env: &Env, sink: &mut dyn Sink) {
    if buf.trim().is_empty() {
        return;
    }
    let entries: Vec<Value> = match serde_json::from_str(buf) {
        Ok(Value::Array(a)) => a,
        Ok(_) => {
            sink.problem(Problem::new(path, None, "not a JSON array of prompts"));
            return;
        }
        Err(e) => {
            sink.problem(Problem::new(path, None, format!("not JSON: {e}")));
            return;
        }
    };
    let project = path.parent().unwrap_or(Path::new("."));
    let recorded = recorded_chats(&project.join("chats"));
    let mut order: Vec<&str> = Vec::new();
    let mut by_session: HashMap<&str, Vec<&Value>> = HashMap::new();
    for e in &entries {
        let Some(id) = str_of(e, "sessionId") else {
            continue;
        };
        if recorded.iter().any(|r| id.starts_with(r.as_str())) {
            continue;
        }
        by_session
            .entry(id)
            .or_insert_with(|| {
                order.push(id);
                Vec::new()
            })
            .push(e);
    }
    let gemini_home = Gemini.roots(env).remove(0);
    let gemini_home = gemini_home.parent().unwrap_or(Path::new("."));
    let project_path = project_root(project, gemini_home, None);
    for id in order {
        let mut prompts = by_session.remove(id).unwrap_or_default();
        prompts.sort_by_key(|e| e.get("messageId").and_then(Value::as_u64));
        let mut meta = Meta::new("gemini", id);
        meta.project_path = project_path.clone();
        meta.project_hash = project_path.as_deref().map(assemble::project_hash);
        meta.tags.push("prompt-log".into());
        let mut s = Session::new(meta);
        for e in prompts {
            let text = str_of(e, "message").unwrap_or("");
            if str_of(e, "type").is_some_and(|t| t != "user") || text.trim().is_empty() {
                continue;
            }
            let mut msg = Message::new(0, Role::User, text);
            msg.timestamp = e.get("timestamp").and_then(time::from_value);
            if text.trim_start().starts_with('/') {
                msg.kind = Some(kind::COMMAND.into());
            }
            s.messages.push(msg);
        }
        if s.messages.iter().any(|m| m.kind.is_none()) {
            assemble::finish(&mut s);
            sink.session(s);
        }
    }
}

/// What the chat files of a project identify: the 8-character session id prefix in `session-<time>-<id8>`
/// names, and whole ids of subagent chats and their parents' directories.
fn recorded_chats(chats: &Path) -> Vec<String> {
    let mut ids = Vec::new();
    for p in walk::files(chats, 0, &|_: &Path| true) {
        let stem = p.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        if let Some(rest) = stem.strip_prefix("session-") {
            if let Some((_, id8)) = rest.rsplit_once('-') {
                ids.push(id8.to_string());
            }
        }
    }
    for sub in walk::subdirs(chats) {
        ids.push(walk::name(&sub).to_string());
        for p in walk::files(&sub, 0, &|_: &Path| true) {
            if let Some(stem) = p.file_stem().and_then(|s| s.to_str()) {
                ids.push(stem.to_string());
            }
        }
    }
    ids.retain(|id| !id.is_empty());
    ids
}

/// Replays a JSONL log into the whole-file shape: metadata fields plus `messages`.
fn replay(path: &Path, buf: &str, sink: &mut dyn Sink) -> Value {
    let mut meta = serde_json::Map::new();
    let mut order: Vec<String> = Vec::new();
    let mut by_id: HashMap<String, Value> = HashMap::new();
    let set_messages =
        |order: &mut Vec<String>, by_id: &mut HashMap<String, Value>, msgs: &Value| {
            order.clear();
            by_id.clear();
            for (i, m) in msgs.as_array().into_iter().flatten().enumerate() {
                let id = str_of(m, "id")
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("#{i}"));
                if !by_id.contains_key(&id) {
                    order.push(id.clone());
                }
                by_id.insert(id, m.clone());
            }
        };
    for line in jsonl::lines(buf) {
        let v: Value = match jsonl::parse(&line) {
            Ok(v) => v,
            Err(Bad::Partial) => continue,
            Err(Bad::Invalid(e)) => {
                sink.problem(Problem::new(
                    path,
                    Some(line.number),
                    format!("skipped unreadable record: {e}"),
                ));
                continue;
            }
        };
        if let Some(set) = v.get("$set").and_then(Value::as_object) {
            for (k, val) in set {
                if k == "messages" {
                    set_messages(&mut order, &mut by_id, val);
                } else {
                    meta.insert(k.clone(), val.clone());
                }
            }
        } else if let Some(target) = v.get("$rewindTo") {
            let pos = target
                .as_str()
                .and_then(|t| order.iter().position(|id| id == t));
            let cut = pos.unwrap_or(0);
            for id in order.drain(cut..) {
                by_id.remove(&id);
            }
        } else if let Some(id) = str_of(&v, "id") {
            // Last version wins, at the position of the first.
            if !by_id.contains_key(id) {
                order.push(id.to_string());
            }
            by_id.insert(id.to_string(), v);
        } else if v.get("sessionId").is_some() {
            if let Some(obj) = v.as_object() {
                for (k, val) in obj {
                    if k == "messages" {
                        set_messages(&mut order, &mut by_id, val);
                    } else {
                        meta.insert(k.clone(), val.clone());
                    }
                }
            }
        }
    }
    let msgs: Vec<Value> = order.iter().filter_map(|id| by_id.remove(id)).collect();
    meta.insert("messages".into(), Value::Array(msgs));
    Value::Object(meta)
}

/// The project directory behind a `tmp/<id>` directory: `.project_root`, the slug registry, or a known path
/// whose SHA-256 is the directory name.
fn project_root(dir: &Path, gemini_home: &Path, project_hash: Option<&str>) -> Option<String> {
    if let Ok(s) = std::fs::read_to_string(dir.join(".project_root")) {
        let s = s.trim();
        if !s.is_empty() {
            return Some(s.to_string());
        }
    }
    let slug = walk::name(dir);
    let reg: Value =
        serde_json::from_slice(&std::fs::read(gemini_home.join("projects.json")).ok()?).ok()?;
    let projects = reg.get("projects").and_then(Value::as_object)?;
    projects.iter().find_map(|(path, s)| {
        let hash = assemble::hex(&Sha256::digest(path.as_bytes()));
        let hit = s.as_str() == Some(slug) || hash == slug || Some(hash.as_str()) == project_hash;
        hit.then(|| path.clone())
    })
}

fn sha_hex(p: &Path) -> String {
    assemble::hex(&Sha256::digest(p.as_os_str().as_encoded_bytes()))
}

fn build(path: &Path, rec: &Value, env: &Env) -> Option<Session> {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let id = str_of(rec, "sessionId").unwrap_or(stem);
    let mut meta = Meta::new("gemini", id);
    let chats = path.ancestors().find(|a| walk::name(a) == "chats");
    let is_sub = str_of(rec, "kind") == Some("subagent") || path.parent() != chats;
    if is_sub && path.parent() != chats {
        meta.parent_session_id = path.parent().map(|p| walk::name(p).to_string());
    }
    let hash = str_of(rec, "projectHash");
    let gemini_home = Gemini.roots(env).remove(0);
    let gemini_home = gemini_home.parent().unwrap_or(Path::new("."));
    meta.project_path = chats
        .and_then(|c| c.parent())
        .and_then(|d| project_root(d, gemini_home, hash))
        .or_else(|| {
            rec.get("directories")
                .and_then(Value::as_array)
                .and_then(|d| d.first())
                .and_then(Value::as_str)
                .map(str::to_string)
        });
    meta.project_hash = match &meta.project_path {
        Some(p) => Some(assemble::project_hash(p)),
        None => hash.map(|h| h.chars().take(16).collect()),
    };
    meta.title = str_of(rec, "summary").map(str::to_string);
    meta.start_time = rec.get("startTime").and_then(time::from_value);
    meta.end_time = rec.get("lastUpdated").and_then(time::from_value);

    let mut messages: Vec<Message> = Vec::new();
    let mut calls = Calls::default();
    let mut usage = Usage::default();
    for m in rec
        .get("messages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let ty = str_of(m, "type").unwrap_or("");
        let ts = m.get("timestamp").and_then(time::from_value);
        let content = m
            .get("displayContent")
            .filter(|v| !v.is_null())
            .or_else(|| m.get("content"));
        let mut msg = Message::new(0, Role::User, "");
        msg.timestamp = ts;
        if let Some(c) = content {
            parts_into(c, &mut msg);
        }
        match ty {
            "user" => {
                if msg.content.trim_start().starts_with('/') {
                    msg.kind = Some(kind::COMMAND.into());
                }
                messages.push(msg);
            }
            "gemini" | "model" | "assistant" => {
                msg.role = Role::Assistant;
                msg.model = str_of(m, "model").map(str::to_string);
                for t in m
                    .get("thoughts")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let text = match (str_of(t, "subject"), str_of(t, "description")) {
                        (Some(s), Some(d)) => format!("**{s}** {d}"),
                        (Some(s), None) => s.to_string(),
                        (None, Some(d)) => d.to_string(),
                        (None, None) => continue,
                    };
                    assemble::push_opt_para(&mut msg.annotations.thinking, &text);
                }
                if let Some(t) = m.get("tokens") {
                    let g = |k| assemble::as_u64(t.get(k));
                    assemble::add_usage(
                        &mut usage,
                        &Usage {
                            input_tokens: g("input"),
                            output_tokens: g("output"),
                            cache_read_tokens: g("cached"),
                            reasoning_tokens: g("thoughts"),
                            ..Usage::default()
                        },
                    );
                }
                messages.push(msg);
                let idx = messages.len() - 1;
                for tc in m
                    .get("toolCalls")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    calls.add(&mut messages, idx, tool_call(tc));
                }
            }
            "info" | "warning" | "error" => {
                msg.role = Role::System;
                msg.kind = Some(kind::NOTICE.into());
                msg.extra.insert("level".into(), Value::from(ty));
                messages.push(msg);
            }
            _ => {}
        }
    }
    if !messages.iter().any(|m| m.kind.is_none()) {
        return None;
    }
    if meta.project_path.is_none() {
        // Hash-named directories (≤ Jan 2026): the project is the ancestor of a file the tools touched whose
        // SHA-256 is the project hash.
        if let Some(h) = hash {
            meta.project_path = messages
                .iter()
                .flat_map(|m| m.annotations.file_refs.iter())
                .find_map(|f| Path::new(f).ancestors().find(|a| sha_hex(a) == h))
                .map(|p| p.display().to_string());
            if let Some(p) = &meta.project_path {
                meta.project_hash = Some(assemble::project_hash(p));
            }
        }
    }
    meta.usage = Some(usage);
    let mut s = Session::new(meta);
    s.messages = messages;
    assemble::finish(&mut s);
    Some(s)
}

/// A `PartListUnion` (a string, a part, or a list of parts) into text and attachments.
fn parts_into(v: &Value, msg: &mut Message) {
    match v {
        Value::String(s) => assemble::push_para(&mut msg.content, s),
        Value::Array(parts) => parts.iter().for_each(|p| parts_into(p, msg)),
        Value::Object(_) => {
            if let Some(t) = str_of(v, "text") {
                if v.get("thought").and_then(Value::as_bool) == Some(true) {
                    assemble::push_opt_para(&mut msg.annotations.thinking, t);
                } else {
                    assemble::push_para(&mut msg.content, t);
                }
            } else if let Some(d) = v.get("inlineData") {
                let a = assemble::base64_attachment(
                    "image",
                    str_of(d, "mimeType"),
                    str_of(d, "data").unwrap_or(""),
                );
                assemble::attach(msg, a);
            } else if let Some(d) = v.get("fileData") {
                let mut a = assemble::base64_attachment("file", str_of(d, "mimeType"), "");
                a.bytes = None;
                a.sha256 = None;
                a.name = str_of(d, "fileUri").map(str::to_string);
                assemble::attach(msg, a);
            }
        }
        _ => {}
    }
}

fn tool_call(tc: &Value) -> ToolCall {
    let mut call = ToolCall::new(
        str_of(tc, "name").unwrap_or("unknown"),
        tc.get("args").cloned().unwrap_or(Value::Null),
    );
    call.id = str_of(tc, "id").map(str::to_string);
    let status = str_of(tc, "status");
    let mut result: Option<String> = None;
    let mut failed = status == Some("error") || status == Some("cancelled");
    for part in tc
        .get("result")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(resp) = part.pointer("/functionResponse/response") else {
            continue;
        };
        let (text, err) = match (resp.get("output"), resp.get("error")) {
            (_, Some(e)) if !e.is_null() => (assemble::text_of(e), true),
            (Some(o), _) => (assemble::text_of(o), false),
            _ => (resp.to_string(), false),
        };
        failed |= err;
        assemble::push_para(result.get_or_insert_with(String::new), &text);
    }
    if result.is_none() {
        result = match tc.get("resultDisplay") {
            Some(Value::String(s)) => Some(s.clone()),
            _ => None,
        };
    }
    call.result = result;
    if status.is_some() {
        call.is_error = Some(failed);
    }
    if let Some(s) = status {
        call.extra.insert("status".into(), Value::from(s));
    }
    if let Some(a) = str_of(tc, "agentId") {
        call.extra.insert("agent_id".into(), Value::from(a));
    }
    call
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agents::Collect;

    fn prompt(session: &str, n: u64, text: &str) -> Value {
        serde_json::json!({"sessionId": session, "messageId": n, "type": "user", "message": text,
                           "timestamp": format!("2025-06-01T10:0{n}:00.000Z")})
    }

    #[test]
    fn the_prompt_log_gives_sessions_that_have_no_chat_file() {
        let home = tempfile::tempdir().unwrap();
        let project = home.path().join(".gemini/tmp/shop");
        std::fs::create_dir_all(project.join("chats")).unwrap();
        std::fs::write(project.join(".project_root"), "/home/u/shop").unwrap();
        std::fs::write(
            project.join("chats/session-2025-09-02T18-20-9d0f784a.json"),
            "{}",
        )
        .unwrap();
        let log = serde_json::json!([
            prompt("0ld5e55-1", 1, "and then?"),
            prompt("9d0f784a-a064-45ce", 0, "recorded in a chat"),
            prompt("0ld5e55-1", 0, "why does the import fail?"),
            prompt("0ld5e55-1", 2, "/stats"),
        ]);
        std::fs::write(project.join("logs.json"), log.to_string()).unwrap();

        let env = Env::with_home(home.path());
        let source = Gemini
            .sources(&env)
            .into_iter()
            .find(|s| walk::name(&s.path) == PROMPT_LOG)
            .expect("logs.json is a source");
        let mut c = Collect::default();
        Gemini.extract(&source, &env, &mut c).unwrap();
        assert!(c.1.is_empty(), "{:?}", c.1);
        assert_eq!(c.0.len(), 1, "the chat-recorded session is not repeated");
        let s = &c.0[0];
        assert_eq!(s.meta.session_id, "0ld5e55-1");
        assert_eq!(s.meta.tags, vec!["prompt-log".to_string()]);
        assert_eq!(s.meta.project_path.as_deref(), Some("/home/u/shop"));
        let texts: Vec<&str> = s.messages.iter().map(|m| m.content.as_str()).collect();
        assert_eq!(texts, ["why does the import fail?", "and then?", "/stats"]);
        assert!(s.messages.iter().all(|m| m.role == Role::User));
        assert_eq!(s.messages[2].kind.as_deref(), Some(kind::COMMAND));
        assert!(s.meta.start_time.is_some() && s.meta.start_time < s.meta.end_time);
    }

    #[test]
    fn a_broken_prompt_log_is_a_problem_not_a_failure() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(PROMPT_LOG);
        let mut c = Collect::default();
        prompt_log(
            &path,
            "[{\"sessionId\": ",
            &Env::with_home(dir.path()),
            &mut c,
        );
        assert!(c.0.is_empty());
        assert_eq!(c.1.len(), 1);
    }
}
