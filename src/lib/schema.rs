//! Universal schema v1: one [`Session`] per NDJSON line.
//!
//! The seed fields (`meta.source_agent` … `meta.schema_version`, and per message `index`, `role`, `content`,
//! `timestamp`, `annotations`) are always written, `null` where unknown. Extensions are written only when they
//! carry something. Every struct keeps the fields it does not know in `extra`, so a filter built against v1
//! passes a newer producer's data through untouched. The machine-readable contract is
//! `schema/session-v1.schema.json`; SCHEMA.md describes it for people.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

mod de;

/// The `meta.schema_version` every producer writes today.
pub const SCHEMA_VERSION: &str = "1.0";

/// Unknown fields, kept verbatim for the round trip.
pub type Extra = Map<String, Value>;

/// One conversation with one agent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Session {
    pub meta: Meta,
    pub messages: Vec<Message>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Meta {
    /// Canonical agent name (`claude-code`, `codex`, `cursor`, ...).
    pub source_agent: String,
    /// The agent's own id for the session, unique within `source_agent`.
    pub session_id: String,
    /// Stable hash of the project the session belongs to (never the path itself).
    pub project_hash: Option<String>,
    /// Unix seconds of the first and last message.
    pub start_time: Option<i64>,
    pub end_time: Option<i64>,
    /// Heuristic quality in [0, 1] (see `normalize::quality`).
    pub quality_score: Option<f64>,
    pub schema_version: String,

    /// The session that spawned this one (subagents, child tasks).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_session_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The main model of the session; per-message models live on [`Message::model`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Raw working directory as the agent recorded it; `cc-scrub` pseudonymizes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub git_branch: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
    /// The scrubber's stamp (tool version, rule-set hash, counts); its shape belongs to `cc-scrub`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scrub: Option<Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Meta {
    /// A meta block with the required identity and every optional field empty.
    pub fn new(source_agent: impl Into<String>, session_id: impl Into<String>) -> Meta {
        Meta {
            source_agent: source_agent.into(),
            session_id: session_id.into(),
            project_hash: None,
            start_time: None,
            end_time: None,
            quality_score: None,
            schema_version: SCHEMA_VERSION.to_string(),
            parent_session_id: None,
            title: None,
            model: None,
            project_path: None,
            git_branch: None,
            agent_version: None,
            usage: None,
            scrub: None,
            tags: Vec::new(),
            extra: Extra::new(),
        }
    }
}

/// Token counts summed over the session.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Usage {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_tokens: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_tokens: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_read_tokens: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_write_tokens: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reasoning_tokens: Option<u64>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    User,
    Assistant,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }
}

/// What a message is, when it is not plain conversation. Written as `message.kind`.
pub mod kind {
    /// The summary an agent writes after compacting its context (not a human prompt).
    pub const COMPACTION_SUMMARY: &str = "compaction_summary";
    /// A slash command or its echo (`/clear`, `/model`, ...).
    pub const COMMAND: &str = "command";
    /// The user interrupted the assistant.
    pub const INTERRUPT: &str = "interrupt";
    /// Context the harness injected (environment, AGENTS.md, developer instructions).
    pub const INJECTED_CONTEXT: &str = "injected_context";
    /// An informational or error notice from the harness.
    pub const NOTICE: &str = "notice";
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Message {
    pub index: u64,
    pub role: Role,
    pub content: String,
    /// Unix seconds.
    pub timestamp: Option<i64>,
    pub annotations: Annotations,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// See [`kind`]; absent for ordinary conversation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Message {
    pub fn new(index: u64, role: Role, content: impl Into<String>) -> Message {
        Message {
            index,
            role,
            content: content.into(),
            timestamp: None,
            annotations: Annotations::default(),
            model: None,
            kind: None,
            attachments: Vec::new(),
            extra: Extra::new(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Annotations {
    /// Files the message read, wrote or mentioned, as the agent recorded them.
    pub file_refs: Vec<String>,
    pub tool_calls: Vec<ToolCall>,
    /// The model's reasoning, where the agent kept it in the clear.
    pub thinking: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// One tool invocation together with its result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolCall {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub name: String,
    pub args: Value,
    /// The tool's output as text; `null` when no result was recorded.
    pub result: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_error: Option<bool>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl ToolCall {
    pub fn new(name: impl Into<String>, args: Value) -> ToolCall {
        ToolCall {
            id: None,
            name: name.into(),
            args,
            result: None,
            is_error: None,
            extra: Extra::new(),
        }
    }
}

/// A non-text part of a message. The bytes never travel: only what they were.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attachment {
    /// `image`, `document`, `file`, ...
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Size of the original payload in bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    /// Hex SHA-256 of the original payload, so duplicates stay recognisable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Attachment {
    /// The placeholder text that stands in the message content where the attachment was.
    pub fn placeholder(&self) -> String {
        match (&self.media_type, self.bytes) {
            (Some(mt), Some(n)) => format!("[{}: {mt}, {n} bytes]", self.kind),
            (Some(mt), None) => format!("[{}: {mt}]", self.kind),
            (None, Some(n)) => format!("[{}: {n} bytes]", self.kind),
            (None, None) => format!("[{}]", self.kind),
        }
    }
}

impl Session {
    pub fn new(meta: Meta) -> Session {
        Session {
            meta,
            messages: Vec::new(),
            extra: Extra::new(),
        }
    }

    /// The earliest and latest message timestamps, each `None` when no message has a time.
    pub fn message_time_span(&self) -> (Option<i64>, Option<i64>) {
        let times = self.messages.iter().filter_map(|m| m.timestamp);
        (times.clone().min(), times.max())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_fields_survive_at_every_level() {
        let input = json!({
            "meta": {"source_agent": "codex", "session_id": "s1", "project_hash": null,
                     "start_time": 1, "end_time": 2, "quality_score": null, "schema_version": "1.0",
                     "future_meta": {"x": 1}},
            "messages": [{"index": 0, "role": "assistant", "content": "hi", "timestamp": 1,
                          "annotations": {"file_refs": [], "thinking": null, "future_ann": true,
                                          "tool_calls": [{"name": "Bash", "args": {"c": 1}, "result": "ok",
                                                          "future_call": [1]}]},
                          "future_msg": "kept"}],
            "future_top": 7
        });
        let session: Session = serde_json::from_value(input.clone()).unwrap();
        assert_eq!(session.extra["future_top"], 7);
        assert_eq!(serde_json::to_value(&session).unwrap(), input);
    }

    /// fuzz/regressions/ndjson-huge-integer-round-trip: a session with an integer too big for 64 bits (kept as
    /// a float) in an unknown field. Read to a float one unit off, it was written back as a number that read
    /// as another: every filter in a pipeline could change such a number again.
    #[test]
    fn fuzz_regression_a_huge_integer_reads_back_the_same() {
        let data = include_bytes!("../../fuzz/regressions/ndjson-huge-integer-round-trip");
        let lines = crate::io::LineReader::from_reader("fuzz", std::io::Cursor::new(data.to_vec()));
        let mut sessions = 0;
        for line in lines {
            let Ok(s) = crate::cli::parse_line::<Session>(&line.unwrap()) else {
                continue;
            };
            let text = serde_json::to_string(&s).unwrap();
            let back: Session = serde_json::from_str(&text).unwrap();
            assert_eq!(serde_json::to_string(&back).unwrap(), text);
            sessions += 1;
        }
        assert!(sessions > 0, "the input holds a session");
    }

    #[test]
    fn unknown_role_is_rejected() {
        let r: Result<Message, _> = serde_json::from_value(json!({"index": 0, "role": "tool"}));
        assert!(r.is_err());
    }
}
