//! Foreign datasets brought into schema v1: dataclaw's export, ShareGPT, and OpenAI fine-tuning messages.

use clap::ValueEnum;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::repair::{canonical_role, text_of_parts};
use crate::schema::{Message, Meta, Role, Session, ToolCall, Usage};

/// What the input lines are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum From {
    /// Universal schema v1 (the default).
    V1,
    /// dataclaw's export JSONL (`session_id`, `messages[].tool_uses`, `project`, `source`).
    Dataclaw,
    /// ShareGPT (`conversations: [{from, value}]`), as LLaMA-Factory and most hubs write it.
    Sharegpt,
    /// OpenAI fine-tuning messages (`messages` with `tool_calls` and `tool` results).
    Openai,
}

/// Converts one foreign record. A record with no id of its own is named by a hash of its content.
pub fn import(from: From, record: Value) -> Result<Session, String> {
    let Value::Object(obj) = record else {
        return Err("not a JSON object".into());
    };
    match from {
        From::V1 => Err("v1 records are read, not imported".into()),
        From::Dataclaw => dataclaw(obj),
        From::Sharegpt => sharegpt(obj),
        From::Openai => openai(obj),
    }
}

fn dataclaw(obj: Map<String, Value>) -> Result<Session, String> {
    let source = match str_field(&obj, "source") {
        Some("claude") | None => "claude-code",
        Some(other) => other,
    };
    let id = str_field(&obj, "session_id")
        .map(str::to_string)
        .unwrap_or_else(|| record_hash(&obj));
    let mut meta = Meta::new(source, id);
    meta.model = str_field(&obj, "model").map(str::to_string);
    meta.git_branch = str_field(&obj, "git_branch").map(str::to_string);
    meta.start_time = obj.get("start_time").and_then(crate::time::from_value);
    meta.end_time = obj.get("end_time").and_then(crate::time::from_value);
    if let Some(project) = str_field(&obj, "project") {
        meta.project_hash = Some(hash16(project));
        meta.extra.insert("project".into(), project.into());
    }
    if let Some(stats) = obj.get("stats") {
        let usage = Usage {
            input_tokens: stats["input_tokens"].as_u64().filter(|&n| n > 0),
            output_tokens: stats["output_tokens"].as_u64().filter(|&n| n > 0),
            ..Usage::default()
        };
        if usage.input_tokens.is_some() || usage.output_tokens.is_some() {
            meta.usage = Some(usage);
        }
    }
    meta.tags.push("imported:dataclaw".into());
    let mut session = Session::new(meta);
    let messages = obj
        .get("messages")
        .and_then(Value::as_array)
        .ok_or("messages: missing or not an array")?;
    for (i, m) in messages.iter().enumerate() {
        let role = role_of(m.get("role"), i)?;
        let mut msg = Message::new(i as u64, role, text(m.get("content")));
        msg.timestamp = m.get("timestamp").and_then(crate::time::from_value);
        msg.annotations.thinking = str_field_v(m, "thinking").map(str::to_string);
        for tu in m
            .get("tool_uses")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let mut call = ToolCall::new(
                str_field_v(tu, "tool").unwrap_or("unknown"),
                tu.get("input").cloned().unwrap_or(Value::Null),
            );
            call.result = match tu.get("output") {
                Some(Value::Object(o)) => o.get("text").and_then(Value::as_str).map(str::to_string),
                Some(Value::String(s)) => Some(s.clone()),
                _ => None,
            };
            call.is_error = match str_field_v(tu, "status") {
                Some("error") => Some(true),
                Some("success") => Some(false),
                _ => None,
            };
            msg.annotations.tool_calls.push(call);
        }
        session.messages.push(msg);
    }
    Ok(session)
}

fn sharegpt(obj: Map<String, Value>) -> Result<Session, String> {
    let turns = obj
        .get("conversations")
        .or_else(|| obj.get("messages"))
        .and_then(Value::as_array)
        .ok_or("conversations: missing or not an array")?;
    let mut session = Session::new(Meta::new("sharegpt", record_id(&obj)));
    session.meta.tags.push("imported:sharegpt".into());
    if let Some(system) = str_field(&obj, "system").filter(|s| !s.is_empty()) {
        push_message(&mut session, Role::System, system.to_string());
    }
    for (i, t) in turns.iter().enumerate() {
        let from = str_field_v(t, "from")
            .or_else(|| str_field_v(t, "role"))
            .ok_or_else(|| format!("conversations[{i}].from: missing"))?;
        let value = t.get("value").or_else(|| t.get("content"));
        match from {
            "function_call" => {
                let calls = parse_json_text(value);
                let items = match calls {
                    Value::Array(items) => items,
                    one => vec![one],
                };
                let msg = last_assistant_or_new(&mut session);
                for c in items {
                    let name = str_field_v(&c, "name").unwrap_or("unknown").to_string();
                    let args = c.get("arguments").cloned().unwrap_or(Value::Null);
                    msg.annotations.tool_calls.push(ToolCall::new(name, args));
                }
            }
            "observation" | "tool" | "function" => {
                let results = match parse_json_text(value) {
                    Value::Array(items) => items.into_iter().map(|v| text(Some(&v))).collect(),
                    _ => vec![text(value)],
                };
                attach_results(&mut session, results);
            }
            other => {
                let role = role_of(Some(&Value::String(other.into())), i)?;
                push_message(&mut session, role, text(value));
            }
        }
    }
    Ok(session)
}

fn openai(obj: Map<String, Value>) -> Result<Session, String> {
    let messages = obj
        .get("messages")
        .and_then(Value::as_array)
        .ok_or("messages: missing or not an array")?;
    let mut session = Session::new(Meta::new("openai", record_id(&obj)));
    session.meta.tags.push("imported:openai".into());
    for (i, m) in messages.iter().enumerate() {
        let role = str_field_v(m, "role").ok_or_else(|| format!("messages[{i}].role: missing"))?;
        if role == "tool" || role == "function" {
            attach_results(&mut session, vec![text(m.get("content"))]);
            continue;
        }
        let role = role_of(m.get("role"), i)?;
        push_message(&mut session, role, text(m.get("content")));
        let msg = session.messages.last_mut().expect("just pushed");
        if let Some(t) = str_field_v(m, "reasoning_content") {
            msg.annotations.thinking = Some(t.to_string());
        }
        for c in m
            .get("tool_calls")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let f = &c["function"];
            let mut call = ToolCall::new(
                f["name"].as_str().unwrap_or("unknown"),
                match &f["arguments"] {
                    Value::String(s) => serde_json::from_str(s).unwrap_or(Value::String(s.clone())),
                    other => other.clone(),
                },
            );
            call.id = str_field_v(c, "id").map(str::to_string);
            msg.annotations.tool_calls.push(call);
        }
    }
    Ok(session)
}

/// Tool results fill, in order, the calls of the last assistant message that have none yet.
fn attach_results(session: &mut Session, results: Vec<String>) {
    let msg = last_assistant_or_new(session);
    let mut results = results.into_iter();
    for call in msg
        .annotations
        .tool_calls
        .iter_mut()
        .filter(|c| c.result.is_none())
    {
        match results.next() {
            Some(r) => call.result = Some(r),
            None => return,
        }
    }
    // Results with no call to pair with are kept as calls of their own rather than lost.
    for r in results {
        let mut call = ToolCall::new("unknown", Value::Null);
        call.result = Some(r);
        msg.annotations.tool_calls.push(call);
    }
}

fn last_assistant_or_new(session: &mut Session) -> &mut Message {
    if session
        .messages
        .last()
        .is_none_or(|m| m.role != Role::Assistant)
    {
        push_message(session, Role::Assistant, String::new());
    }
    session
        .messages
        .last_mut()
        .expect("an assistant message exists")
}

fn push_message(session: &mut Session, role: Role, content: String) {
    let index = session.messages.len() as u64;
    session.messages.push(Message::new(index, role, content));
}

fn role_of(v: Option<&Value>, i: usize) -> Result<Role, String> {
    let raw = v.and_then(Value::as_str).unwrap_or("");
    match canonical_role(raw) {
        Some("user") => Ok(Role::User),
        Some("assistant") => Ok(Role::Assistant),
        Some("system") => Ok(Role::System),
        _ => Err(format!("messages[{i}].role: unknown role {raw:?}")),
    }
}

fn text(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(parts @ Value::Array(_)) => text_of_parts(parts),
        Some(other) => other.to_string(),
    }
}

/// A value that is JSON written as a string (ShareGPT's function calls), parsed; otherwise as it is.
fn parse_json_text(v: Option<&Value>) -> Value {
    match v {
        Some(Value::String(s)) => {
            serde_json::from_str(s).unwrap_or_else(|_| Value::String(s.clone()))
        }
        Some(other) => other.clone(),
        None => Value::Null,
    }
}

fn str_field<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    obj.get(key).and_then(Value::as_str)
}

fn str_field_v<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// The record's own id, or a hash of its content so the same record always gets the same id.
fn record_id(obj: &Map<String, Value>) -> String {
    ["id", "session_id", "conversation_id"]
        .iter()
        .find_map(|k| match obj.get(*k) {
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        })
        .unwrap_or_else(|| record_hash(obj))
}

fn record_hash(obj: &Map<String, Value>) -> String {
    hash16(&serde_json::to_string(obj).unwrap_or_default())
}

/// The first 16 hex digits of SHA-256: the project hash every producer uses.
pub fn hash16(s: &str) -> String {
    let digest = Sha256::digest(s.as_bytes());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sharegpt_function_calls_and_observations_pair_up() {
        let s = import(
            From::Sharegpt,
            json!({"system": "be brief", "conversations": [
                {"from": "human", "value": "weather?"},
                {"from": "function_call", "value": "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}"},
                {"from": "observation", "value": "{\"temp\": 3}"},
                {"from": "gpt", "value": "3 degrees"}]}),
        )
        .unwrap();
        let roles: Vec<Role> = s.messages.iter().map(|m| m.role).collect();
        assert_eq!(
            roles,
            [Role::System, Role::User, Role::Assistant, Role::Assistant]
        );
        let call = &s.messages[2].annotations.tool_calls[0];
        assert_eq!(call.name, "get_weather");
        assert_eq!(call.args["city"], "Oslo");
        assert_eq!(call.result.as_deref(), Some("{\"temp\": 3}"));
        assert_eq!(s.meta.session_id.len(), 16);
    }

    #[test]
    fn openai_tool_messages_fold_into_their_calls() {
        let s = import(
            From::Openai,
            json!({"messages": [
                {"role": "user", "content": "ls"},
                {"role": "assistant", "content": null, "tool_calls": [
                    {"id": "c1", "type": "function", "function": {"name": "sh", "arguments": "{\"cmd\":\"ls\"}"}}]},
                {"role": "tool", "tool_call_id": "c1", "content": "a.txt"},
                {"role": "assistant", "content": "one file"}]}),
        )
        .unwrap();
        assert_eq!(s.messages.len(), 3);
        let call = &s.messages[1].annotations.tool_calls[0];
        assert_eq!(
            (call.id.as_deref(), call.args["cmd"].as_str()),
            (Some("c1"), Some("ls"))
        );
        assert_eq!(call.result.as_deref(), Some("a.txt"));
    }

    #[test]
    fn dataclaw_sessions_keep_tools_thinking_and_times() {
        let s = import(
            From::Dataclaw,
            json!({"session_id": "abc", "model": "claude-x", "start_time": "2025-01-01T00:00:00Z",
                   "project": "shop", "source": "claude", "stats": {"input_tokens": 10, "output_tokens": 0},
                   "messages": [{"role": "user", "content": "hi", "timestamp": "2025-01-01T00:00:00Z"},
                                {"role": "assistant", "thinking": "hmm", "tool_uses": [
                                    {"tool": "Bash", "input": {"command": "ls"},
                                     "output": {"text": "x"}, "status": "error"}]}]}),
        )
        .unwrap();
        assert_eq!(s.meta.source_agent, "claude-code");
        assert_eq!(s.meta.start_time, Some(1_735_689_600));
        assert_eq!(s.meta.usage.as_ref().unwrap().input_tokens, Some(10));
        assert_eq!(s.messages[1].annotations.thinking.as_deref(), Some("hmm"));
        let call = &s.messages[1].annotations.tool_calls[0];
        assert_eq!(
            (call.result.as_deref(), call.is_error),
            (Some("x"), Some(true))
        );
    }
}
