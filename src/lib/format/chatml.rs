//! ChatML as the Qwen chat templates write it.
//!
//! Each message is `<|im_start|>ROLE\n...<|im_end|>\n`. An assistant's reasoning opens its turn as
//! `<think>\n...\n</think>\n\n`; each tool call follows the text as `<tool_call>\n{"name": ..., "arguments":
//! ...}\n</tool_call>`; the results of one assistant message's calls come back in one `user` turn, each as
//! `<tool_response>\n...\n</tool_response>`. Sessions are separated by a blank line.

use super::{call_json, View};

pub(super) fn render(view: &View, out: &mut Vec<u8>) -> usize {
    if view.messages.is_empty() {
        return 0;
    }
    let mut s = String::new();
    for m in &view.messages {
        s.push_str("<|im_start|>");
        s.push_str(m.role.as_str());
        s.push('\n');
        if let Some(t) = view.thinking(m) {
            s.push_str("<think>\n");
            s.push_str(t.trim());
            s.push_str("\n</think>\n\n");
        }
        s.push_str(&m.content);
        let calls = view.tool_calls(m);
        for call in calls {
            if !s.ends_with('\n') {
                s.push('\n');
            }
            s.push_str("<tool_call>\n");
            s.push_str(&call_json(call).to_string());
            s.push_str("\n</tool_call>");
        }
        s.push_str("<|im_end|>\n");
        let results: Vec<&str> = calls.iter().filter_map(|c| c.result.as_deref()).collect();
        if !results.is_empty() {
            s.push_str("<|im_start|>user\n");
            for (i, r) in results.iter().enumerate() {
                if i > 0 {
                    s.push('\n');
                }
                s.push_str("<tool_response>\n");
                s.push_str(r);
                s.push_str("\n</tool_response>");
            }
            s.push_str("<|im_end|>\n");
        }
    }
    s.push('\n');
    out.extend_from_slice(s.as_bytes());
    1
}
