//! Alpaca rows as LLaMA-Factory reads them: one row per assistant reply.
//!
//! A reply is everything the assistant said between two user prompts (tool calls rendered as in ChatML,
//! results as `<tool_response>` blocks, when tools are kept). Each row is
//! `{"instruction": prompt, "input": "", "output": reply, "system": first system message, "history": [[prompt,
//! reply], ...earlier turns]}`.

use serde_json::json;

use super::{call_json, View};
use crate::schema::Role;

pub(super) fn render(view: &View, out: &mut Vec<u8>) -> usize {
    let turns = turns(view);
    let system = view.system_prompt().unwrap_or("");
    let mut rows = 0;
    for (i, (prompt, reply)) in turns.iter().enumerate() {
        let history: Vec<[&str; 2]> = turns[..i]
            .iter()
            .map(|(p, r)| [p.as_str(), r.as_str()])
            .collect();
        let row = json!({
            "instruction": prompt,
            "input": "",
            "output": reply,
            "system": system,
            "history": history,
        });
        crate::io::writer::push_json_line(out, &row).expect("JSON values serialize");
        rows += 1;
    }
    rows
}

/// (prompt, reply) pairs; a prompt with no reply, or a reply with no prompt, makes no pair.
fn turns(view: &View) -> Vec<(String, String)> {
    let mut turns = Vec::new();
    let mut prompt: Option<String> = None;
    let mut reply = String::new();
    for m in &view.messages {
        match m.role {
            Role::System => {}
            Role::User => {
                if let Some(p) = prompt.take() {
                    if !reply.is_empty() {
                        turns.push((p, std::mem::take(&mut reply)));
                    } else {
                        // Two prompts in a row: they are one instruction.
                        prompt = Some(p + "\n\n" + &m.content);
                        continue;
                    }
                }
                reply.clear();
                prompt = Some(m.content.clone());
            }
            Role::Assistant => {
                if prompt.is_some() {
                    append_reply(view, m, &mut reply);
                }
            }
        }
    }
    if let Some(p) = prompt {
        if !reply.is_empty() {
            turns.push((p, reply));
        }
    }
    turns
}

fn append_reply(view: &View, m: &crate::schema::Message, reply: &mut String) {
    let mut part = String::new();
    if let Some(t) = view.thinking(m) {
        part.push_str("<think>\n");
        part.push_str(t.trim());
        part.push_str("\n</think>\n\n");
    }
    part.push_str(&m.content);
    for call in view.tool_calls(m) {
        if !part.is_empty() && !part.ends_with('\n') {
            part.push('\n');
        }
        part.push_str("<tool_call>\n");
        part.push_str(&call_json(call).to_string());
        part.push_str("\n</tool_call>");
        if let Some(r) = &call.result {
            part.push_str("\n<tool_response>\n");
            part.push_str(r);
            part.push_str("\n</tool_response>");
        }
    }
    if part.trim().is_empty() {
        return;
    }
    if !reply.is_empty() {
        reply.push_str("\n\n");
    }
    reply.push_str(&part);
}
