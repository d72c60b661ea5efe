//! ShareGPT as LLaMA-Factory reads it: `{"conversations": [{"from", "value"}], "system"}`.
//!
//! Roles: `human` (user), `gpt` (assistant text), `function_call` (an assistant message's tool calls: one
//! `{"name", "arguments"}` object, or a list of them), `observation` (their results, a string or a list). The
//! format allows only strict alternation of a prompt side (human, observation) and an answer side (gpt,
//! function_call), so: assistant text (and thinking) that accompanies tool calls has no place and is dropped,
//! consecutive turns of one side are merged (of two kinds, the later wins), leading answers and trailing
//! prompts are dropped. Thinking is written as a `<think>` block at the start of a `gpt` value.

use serde_json::{json, Value};

use super::{call_json, View};
use crate::schema::Role;

#[derive(Clone, Copy, PartialEq, Eq)]
enum From {
    Human,
    Gpt,
    FunctionCall,
    Observation,
}

impl From {
    fn name(self) -> &'static str {
        match self {
            From::Human => "human",
            From::Gpt => "gpt",
            From::FunctionCall => "function_call",
            From::Observation => "observation",
        }
    }

    fn is_prompt(self) -> bool {
        matches!(self, From::Human | From::Observation)
    }
}

/// One turn's value before it is written: text, or a list of JSON items (calls, results).
enum Turn {
    Text(String),
    Items(Vec<Value>),
}

pub(super) fn render(view: &View, out: &mut Vec<u8>) -> usize {
    let mut turns: Vec<(From, Turn)> = Vec::new();
    for m in &view.messages {
        match m.role {
            Role::System => {}
            Role::User => push(&mut turns, From::Human, Turn::Text(m.content.clone())),
            Role::Assistant => {
                let calls = view.tool_calls(m);
                let mut text = String::new();
                if let Some(t) = view.thinking(m) {
                    text.push_str("<think>\n");
                    text.push_str(t.trim());
                    text.push_str("\n</think>\n\n");
                }
                text.push_str(&m.content);
                if calls.is_empty() {
                    push(&mut turns, From::Gpt, Turn::Text(text));
                    continue;
                }
                push(
                    &mut turns,
                    From::FunctionCall,
                    Turn::Items(calls.iter().map(call_json).collect()),
                );
                let results: Vec<Value> = calls
                    .iter()
                    .map(|c| Value::String(c.result.clone().unwrap_or_default()))
                    .collect();
                push(&mut turns, From::Observation, Turn::Items(results));
            }
        }
    }
    while turns.first().is_some_and(|(f, _)| !f.is_prompt()) {
        turns.remove(0);
    }
    while turns.last().is_some_and(|(f, _)| f.is_prompt()) {
        turns.pop();
    }
    if turns.is_empty() {
        return 0;
    }
    let conversations: Vec<Value> = turns
        .into_iter()
        .map(|(from, turn)| json!({ "from": from.name(), "value": value(turn) }))
        .collect();
    let mut row = json!({ "conversations": conversations });
    if let Some(system) = view.system_prompt() {
        row["system"] = Value::String(system.to_string());
    }
    crate::io::writer::push_json_line(out, &row).expect("JSON values serialize");
    1
}

/// Appends a turn, merging it into the previous one when both stand on the same side.
fn push(turns: &mut Vec<(From, Turn)>, from: From, turn: Turn) {
    if let Some((last_from, last)) = turns.last_mut() {
        if last_from.is_prompt() == from.is_prompt() {
            match (last, turn) {
                (Turn::Text(a), Turn::Text(b)) => {
                    if !b.is_empty() {
                        if !a.is_empty() {
                            a.push_str("\n\n");
                        }
                        a.push_str(&b);
                    }
                }
                (Turn::Items(a), Turn::Items(b)) if *last_from == from => a.extend(b),
                (_, turn) => {
                    // Different kinds on one side: the later one wins (observation then human: the human
                    // prompt; gpt text then a call: the call).
                    *last_from = from;
                    turns.last_mut().expect("checked above").1 = turn;
                }
            }
            return;
        }
    }
    turns.push((from, turn));
}

fn value(turn: Turn) -> String {
    match turn {
        Turn::Text(s) => s,
        Turn::Items(mut items) if items.len() == 1 => match items.pop().expect("one item") {
            Value::String(s) => s,
            v => v.to_string(),
        },
        Turn::Items(items) => Value::Array(items).to_string(),
    }
}
