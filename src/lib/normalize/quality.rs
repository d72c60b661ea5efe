//! A heuristic quality score in [0, 1]: how useful a session is likely to be as training data.
//!
//! Deterministic, cheap, and explainable. The signals and their weights:
//!
//! | signal | weight | full marks when |
//! |---|---|---|
//! | turns | 0.25 | at least 4 user prompts answered by the assistant (1 turn: 0.25 of the weight) |
//! | substance | 0.20 | the assistant wrote at least 1,500 characters (text, not tool output) |
//! | code | 0.15 | a fenced code block, or a tool call that writes or edits a file |
//! | tool success | 0.20 | no tool call failed (no tools at all counts 0.75 of the weight) |
//! | ending | 0.20 | the session ends with an assistant reply, not an unanswered prompt or an interruption |
//!
//! Then 0.1 is taken off for each error loop (three or more failing calls of one tool in a row), at most 0.3.
//! A session with no assistant reply at all scores 0. The score is rounded to three decimals.

use crate::schema::{kind, Role, Session, ToolCall};

pub fn score(session: &Session) -> f64 {
    let messages = &session.messages;
    if !messages.iter().any(|m| m.role == Role::Assistant) {
        return 0.0;
    }
    let turns = answered_prompts(session) as f64;
    let assistant_chars: usize = messages
        .iter()
        .filter(|m| m.role == Role::Assistant)
        .map(|m| m.content.chars().count())
        .sum();
    let has_code = messages
        .iter()
        .any(|m| m.content.contains("```") || m.annotations.tool_calls.iter().any(writes_a_file));
    let calls: Vec<&ToolCall> = messages
        .iter()
        .flat_map(|m| &m.annotations.tool_calls)
        .collect();
    let failed = calls.iter().filter(|c| c.is_error == Some(true)).count();
    let tool_success = if calls.is_empty() {
        0.75
    } else {
        1.0 - failed as f64 / calls.len() as f64
    };
    let ending_ok = messages
        .last()
        .is_some_and(|m| m.role == Role::Assistant && m.kind.as_deref() != Some(kind::INTERRUPT));

    let mut s = 0.25 * (turns / 4.0).min(1.0)
        + 0.20 * (assistant_chars as f64 / 1500.0).min(1.0)
        + 0.15 * f64::from(u8::from(has_code))
        + 0.20 * tool_success
        + 0.20 * f64::from(u8::from(ending_ok));
    s -= (0.1 * error_loops(&calls) as f64).min(0.3);
    (s.clamp(0.0, 1.0) * 1000.0).round() / 1000.0
}

/// User prompts (not harness text) followed, sooner or later, by an assistant message.
fn answered_prompts(session: &Session) -> usize {
    let mut answered = 0;
    let mut waiting = false;
    for m in &session.messages {
        match m.role {
            Role::User if m.kind.is_none() => waiting = true,
            Role::Assistant if waiting => {
                answered += 1;
                waiting = false;
            }
            _ => {}
        }
    }
    answered
}

fn writes_a_file(call: &ToolCall) -> bool {
    let name = call.name.to_ascii_lowercase();
    ["write", "edit", "patch", "create", "replace", "insert"]
        .iter()
        .any(|w| name.contains(w))
}

/// Runs of three or more consecutive failing calls of the same tool.
fn error_loops(calls: &[&ToolCall]) -> usize {
    let mut loops = 0;
    let mut run = 0;
    let mut last: Option<&str> = None;
    for c in calls {
        if c.is_error == Some(true) && (run == 0 || last == Some(c.name.as_str())) {
            run += 1;
            if run == 3 {
                loops += 1;
            }
        } else if c.is_error == Some(true) {
            run = 1;
        } else {
            run = 0;
        }
        last = Some(c.name.as_str());
    }
    loops
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Message, Meta};
    use serde_json::json;

    fn session(messages: Vec<Message>) -> Session {
        let mut s = Session::new(Meta::new("t", "1"));
        s.messages = messages;
        s
    }

    fn failing(name: &str) -> ToolCall {
        let mut c = ToolCall::new(name, json!({}));
        c.is_error = Some(true);
        c
    }

    #[test]
    fn a_rich_finished_session_beats_an_abandoned_one() {
        let mut reply = Message::new(
            1,
            Role::Assistant,
            "x".repeat(2000) + "\n```rust\nfn a() {}\n```",
        );
        reply
            .annotations
            .tool_calls
            .push(ToolCall::new("Edit", json!({})));
        let rich = session(vec![Message::new(0, Role::User, "fix it"), reply.clone()]);
        let abandoned = session(vec![
            Message::new(0, Role::User, "fix it"),
            Message::new(1, Role::Assistant, "ok"),
            Message::new(2, Role::User, "hello?"),
        ]);
        assert!(
            score(&rich) > score(&abandoned) + 0.3,
            "{} vs {}",
            score(&rich),
            score(&abandoned)
        );
        assert!((0.0..=1.0).contains(&score(&rich)));
    }

    #[test]
    fn no_assistant_means_zero_and_error_loops_cost() {
        assert_eq!(
            score(&session(vec![Message::new(0, Role::User, "hi")])),
            0.0
        );
        let mut looping = Message::new(1, Role::Assistant, "trying");
        looping.annotations.tool_calls = vec![failing("Bash"), failing("Bash"), failing("Bash")];
        let mut once = Message::new(1, Role::Assistant, "trying");
        once.annotations.tool_calls = vec![failing("Bash"), failing("Read"), failing("Bash")];
        let a = score(&session(vec![Message::new(0, Role::User, "go"), looping]));
        let b = score(&session(vec![Message::new(0, Role::User, "go"), once]));
        assert!((b - a - 0.1).abs() < 1e-9, "{a} {b}");
    }
}
