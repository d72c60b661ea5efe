//! Chat messages for fine-tuning: OpenAI's format and TRL's.
//!
//! `{"messages": [...]}` with roles `system`, `user`, `assistant` and `tool`. An assistant message's tool calls
//! go in `tool_calls: [{"id", "type": "function", "function": {"name", "arguments"}}]`, where `arguments` is a
//! JSON string for OpenAI and a JSON object for TRL; each result follows as `{"role": "tool", "tool_call_id",
//! "content"}` (TRL adds `name`). OpenAI's format has no place for reasoning, so thinking is dropped there;
//! TRL writes it as `reasoning_content`, the field the Qwen3 and DeepSeek templates read.

use serde_json::{json, Map, Value};

use super::{call_id, View};
use crate::schema::Role;

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Arguments {
    /// OpenAI: `"arguments": "{\"path\": ...}"`.
    String,
    /// TRL: `"arguments": {"path": ...}`.
    Object,
}

pub(super) fn render(view: &View, out: &mut Vec<u8>, args: Arguments) -> usize {
    let mut messages = Vec::new();
    for m in &view.messages {
        let mut msg = Map::new();
        msg.insert("role".into(), m.role.as_str().into());
        msg.insert("content".into(), m.content.clone().into());
        if m.role == Role::Assistant && args == Arguments::Object {
            if let Some(t) = view.thinking(m) {
                msg.insert("reasoning_content".into(), t.into());
            }
        }
        let calls = view.tool_calls(m);
        if !calls.is_empty() {
            let ids: Vec<String> = calls
                .iter()
                .enumerate()
                .map(|(n, c)| call_id(c, m, n))
                .collect();
            let tool_calls: Vec<Value> = calls
                .iter()
                .zip(&ids)
                .map(|(c, id)| {
                    let arguments = match args {
                        Arguments::String => Value::String(c.args.to_string()),
                        Arguments::Object => c.args.clone(),
                    };
                    json!({"id": id, "type": "function",
                           "function": {"name": c.name, "arguments": arguments}})
                })
                .collect();
            msg.insert("tool_calls".into(), tool_calls.into());
            messages.push(Value::Object(msg));
            for (c, id) in calls.iter().zip(ids) {
                let mut result = json!({"role": "tool", "tool_call_id": id,
                                        "content": c.result.clone().unwrap_or_default()});
                if args == Arguments::Object {
                    result["name"] = c.name.clone().into();
                }
                messages.push(result);
            }
        } else {
            messages.push(Value::Object(msg));
        }
    }
    if !messages.iter().any(|m| m["role"] == "assistant") {
        return 0;
    }
    crate::io::writer::push_json_line(out, &json!({ "messages": messages }))
        .expect("JSON values serialize");
    1
}
