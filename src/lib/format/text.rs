//! Plain text: a `=== agent session-id` header, then one `ROLE: text` block per message, thinking as
//! `(thinking) ...`, tool calls as `[tool NAME] ARGS` followed by `[result] ...`. Sessions end with a blank line.

use std::fmt::Write;

use super::View;

pub(super) fn render(view: &View, out: &mut Vec<u8>) -> usize {
    let meta = &view.session.meta;
    let mut s = String::new();
    let _ = write!(s, "=== {} {}", meta.source_agent, meta.session_id);
    if let Some(t) = &meta.title {
        let _ = write!(s, " {t}");
    }
    s.push('\n');
    for m in &view.messages {
        let _ = writeln!(s, "\n{}:", m.role.as_str().to_uppercase());
        if let Some(t) = view.thinking(m) {
            let _ = writeln!(s, "(thinking) {}", t.trim());
        }
        if !m.content.trim().is_empty() {
            let _ = writeln!(s, "{}", m.content.trim_end());
        }
        for call in view.tool_calls(m) {
            let _ = writeln!(s, "[tool {}] {}", call.name, call.args);
            if let Some(r) = &call.result {
                let _ = writeln!(s, "[result] {}", r.trim_end());
            }
        }
    }
    s.push('\n');
    out.extend_from_slice(s.as_bytes());
    1
}
