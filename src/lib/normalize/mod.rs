//! Validate, repair, trim, score and dedupe sessions (`cc-normalize`).

pub mod dedupe;
pub mod import;
pub mod quality;
pub mod repair;

use crate::schema::{Session, SCHEMA_VERSION};

/// Knobs for [`normalize`].
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Tool results longer than this many bytes are cut, with a visible marker.
    pub max_tool_output: Option<usize>,
}

/// What normalizing one session did, summed up on stderr at the end of a run.
#[derive(Debug, Default, Clone, Copy)]
pub struct Counts {
    pub sessions_in: u64,
    pub sessions_out: u64,
    pub empty_messages_dropped: u64,
    pub empty_sessions_dropped: u64,
    pub tool_outputs_capped: u64,
    pub duplicates_dropped: u64,
}

impl Counts {
    pub fn add(&mut self, o: &Counts) {
        self.sessions_in += o.sessions_in;
        self.sessions_out += o.sessions_out;
        self.empty_messages_dropped += o.empty_messages_dropped;
        self.empty_sessions_dropped += o.empty_sessions_dropped;
        self.tool_outputs_capped += o.tool_outputs_capped;
        self.duplicates_dropped += o.duplicates_dropped;
    }
}

/// Normalizes one session; `None` when nothing is left of it.
pub fn normalize(mut s: Session, settings: Settings, counts: &mut Counts) -> Option<Session> {
    counts.sessions_in += 1;
    s.meta.schema_version = SCHEMA_VERSION.to_string();
    let before = s.messages.len();
    s.messages.retain(|m| {
        !m.content.trim().is_empty()
            || !m.annotations.tool_calls.is_empty()
            || m.annotations
                .thinking
                .as_deref()
                .is_some_and(|t| !t.trim().is_empty())
            || !m.attachments.is_empty()
    });
    counts.empty_messages_dropped += (before - s.messages.len()) as u64;
    if s.messages.is_empty() {
        counts.empty_sessions_dropped += 1;
        return None;
    }
    for (i, m) in s.messages.iter_mut().enumerate() {
        m.index = i as u64;
    }
    if let Some(max) = settings.max_tool_output {
        for call in s
            .messages
            .iter_mut()
            .flat_map(|m| &mut m.annotations.tool_calls)
        {
            if let Some(r) = &mut call.result {
                if cap(r, max) {
                    counts.tool_outputs_capped += 1;
                }
            }
        }
    }
    fill_times(&mut s);
    s.meta.quality_score = Some(quality::score(&s));
    counts.sessions_out += 1;
    Some(s)
}

/// `start_time`/`end_time` from the messages when the producer left them out.
fn fill_times(s: &mut Session) {
    let (min, max) = s.message_time_span();
    s.meta.start_time = s.meta.start_time.or(min);
    s.meta.end_time = s.meta.end_time.or(max);
}

/// Keeps the head (three quarters) and tail (one quarter) of a text longer than `max` bytes, with a marker
/// saying how much was cut. Returns whether it cut anything. Idempotent: a capped text fits in `max` plus the
/// marker and is not cut again.
pub fn cap(text: &mut String, max: usize) -> bool {
    const SLACK: usize = 64;
    if text.len() <= max + SLACK {
        return false;
    }
    let head_end = floor_char_boundary(text, max * 3 / 4);
    let tail_start = ceil_char_boundary(text, text.len() - max / 4);
    let cut = tail_start - head_end;
    let marker = format!("\n[... {cut} bytes truncated by cc-normalize ...]\n");
    text.replace_range(head_end..tail_start, &marker);
    true
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Message, Meta, Role, ToolCall};

    #[test]
    fn capping_keeps_head_and_tail_on_char_boundaries_and_is_idempotent() {
        let mut s = "é".repeat(1000) + "END";
        assert!(cap(&mut s, 200));
        assert!(s.starts_with('é') && s.ends_with("END"));
        assert!(s.contains("bytes truncated by cc-normalize"));
        let once = s.clone();
        assert!(!cap(&mut s, 200));
        assert_eq!(s, once);
    }

    #[test]
    fn empty_messages_go_then_empty_sessions_and_times_are_filled() {
        let mut s = Session::new(Meta::new("a", "1"));
        s.messages = vec![
            Message::new(0, Role::User, "  "),
            Message::new(1, Role::User, "hi"),
            Message::new(2, Role::Assistant, ""),
        ];
        s.messages[1].timestamp = Some(50);
        s.messages[2]
            .annotations
            .tool_calls
            .push(ToolCall::new("ls", serde_json::Value::Null));
        s.messages[2].timestamp = Some(40);
        let mut counts = Counts::default();
        let out = normalize(
            s,
            Settings {
                max_tool_output: None,
            },
            &mut counts,
        )
        .unwrap();
        assert_eq!(out.messages.len(), 2);
        assert_eq!(out.messages[0].index, 0);
        assert_eq!(
            (out.meta.start_time, out.meta.end_time),
            (Some(40), Some(50))
        );
        assert_eq!(counts.empty_messages_dropped, 1);

        let mut empty = Session::new(Meta::new("a", "2"));
        empty.messages = vec![Message::new(0, Role::User, "")];
        assert!(normalize(
            empty,
            Settings {
                max_tool_output: None
            },
            &mut counts
        )
        .is_none());
        assert_eq!(counts.empty_sessions_dropped, 1);
    }
}
