//! A readable Markdown transcript: a heading per session, a section per message, thinking folded in a
//! `<details>` block, each tool call with its arguments and result in fenced blocks. Sessions are separated by
//! a horizontal rule.

use std::fmt::Write;

use super::View;
use crate::schema::Role;

pub(super) fn render(view: &View, out: &mut Vec<u8>) -> usize {
    let meta = &view.session.meta;
    let mut s = String::new();
    let title = meta.title.as_deref().unwrap_or(&meta.session_id);
    let _ = writeln!(s, "# {}\n", one_line(title));
    let _ = write!(s, "_{} · {}", meta.source_agent, meta.session_id);
    if let Some(t) = meta.start_time {
        let _ = write!(s, " · {}", crate::time::to_rfc3339(t));
    }
    if let Some(m) = &meta.model {
        let _ = write!(s, " · {m}");
    }
    s.push_str("_\n\n");
    for m in &view.messages {
        let heading = match m.role {
            Role::System => "System",
            Role::User => "User",
            Role::Assistant => "Assistant",
        };
        let _ = writeln!(s, "## {heading}\n");
        if let Some(t) = view.thinking(m) {
            let _ = writeln!(
                s,
                "<details><summary>Thinking</summary>\n\n{}\n\n</details>\n",
                t.trim()
            );
        }
        if !m.content.trim().is_empty() {
            let _ = writeln!(s, "{}\n", m.content.trim_end());
        }
        for call in view.tool_calls(m) {
            let args = serde_json::to_string_pretty(&call.args).unwrap_or_default();
            let _ = writeln!(s, "**Tool: `{}`**\n", one_line(&call.name));
            let _ = writeln!(s, "{}\n", fenced("json", &args));
            if let Some(r) = &call.result {
                let label = if call.is_error == Some(true) {
                    "Error"
                } else {
                    "Result"
                };
                let _ = writeln!(s, "{label}:\n\n{}\n", fenced("", r));
            }
        }
    }
    s.push_str("---\n\n");
    out.extend_from_slice(s.as_bytes());
    1
}

/// A fenced block whose fence is longer than any backtick run inside, so content cannot close it early.
fn fenced(lang: &str, body: &str) -> String {
    let longest = body.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    format!("{fence}{lang}\n{}\n{fence}", body.trim_end_matches('\n'))
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_fence_outgrows_the_backticks_inside() {
        assert_eq!(super::fenced("", "a ```` b"), "`````\na ```` b\n`````");
        assert_eq!(super::fenced("json", "{}"), "```json\n{}\n```");
    }
}
