//! A session turned into index documents: one per message chunk plus one for the session itself.
//!
//! A message's text is split by meaning into BM25F fields (prose by role, thinking, fenced code, tool
//! names and arguments, tool output, file paths, defined symbols), then packed into chunks of about
//! [`CHUNK_CHARS`], so a long message is several documents and a session ranks by its best one.

use serde_json::Value;

use crate::code::{fence, lang, CodeFacts};
use crate::schema::{Message, Role, Session};

use super::schema::{scored_index, SCORED, SESSION_DOC};

pub const CHUNK_CHARS: usize = 2000;
/// Of a long tool output only the head and the tail are indexed: file dumps and logs repeat what the
/// conversation says and would dominate the index, while what people search for (the command's
/// complaint, the file's header) sits at either end.
pub const OUTPUT_HEAD_BYTES: usize = 3 * 1024;
pub const OUTPUT_TAIL_BYTES: usize = 1024;
/// How much of thinking, tool arguments and output a chunk keeps for snippets.
const STORED_AUX_CHARS: usize = 200;
/// How much text a chunk keeps for snippets in all: stored text is the largest part of an index, and
/// a snippet needs a window, not the chunk.
pub const STORED_CHARS: usize = 800;

#[derive(Debug, Default, Clone, PartialEq)]
pub struct Doc {
    pub msg: u64,
    pub role: Option<Role>,
    pub ts: Option<i64>,
    /// Text per scored field, in [`SCORED`] order; several texts of one field are separate entries.
    pub fields: Vec<Vec<String>>,
    pub langs: Vec<String>,
    pub tools: Vec<String>,
    pub defs: Vec<String>,
    pub calls: Vec<String>,
    pub imports: Vec<String>,
    /// What snippets are cut from.
    pub text: String,
}

impl Doc {
    fn new(msg: u64, role: Option<Role>, ts: Option<i64>) -> Doc {
        Doc {
            msg,
            role,
            ts,
            fields: vec![Vec::new(); SCORED.len()],
            ..Doc::default()
        }
    }
    fn size(&self) -> usize {
        self.fields.iter().flatten().map(String::len).sum()
    }
}

/// One piece of a message bound for one field, with what its code names.
struct Part {
    field: usize,
    text: String,
    lang: Option<String>,
    facts: Option<std::sync::Arc<crate::code::Facts>>,
    tool: Option<String>,
}

fn field(name: &str) -> usize {
    scored_index(name).expect("field in SCORED")
}

fn cap(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

const PATH_KEYS: &[&str] = &[
    "file_path",
    "filepath",
    "path",
    "filename",
    "file",
    "notebook_path",
    "target_file",
    "target_path",
    "dir",
    "directory",
    "cwd",
];
const CODE_KEYS: &[&str] = &[
    "content",
    "contents",
    "new_string",
    "old_string",
    "new_str",
    "old_str",
    "code",
    "file_text",
    "new_source",
    "source",
    "patch",
    "diff",
    "input",
];
const COMMAND_KEYS: &[&str] = &["command", "cmd", "script"];

fn code_part(code: &str, tag: Option<&str>, path: Option<&str>, facts: &CodeFacts) -> Part {
    let l = lang::guess(tag, path, code);
    let f = l.as_deref().and_then(|l| facts.facts(l, code));
    Part {
        field: field("code"),
        text: code.to_string(),
        lang: l,
        facts: f,
        tool: None,
    }
}

fn tool_parts(name: &str, args: &Value, facts: &CodeFacts, out: &mut Vec<Part>) {
    out.push(Part {
        field: field("tool"),
        text: name.to_string(),
        lang: None,
        facts: None,
        tool: Some(name.to_lowercase()),
    });
    let Value::Object(map) = args else {
        if let Some(s) = args.as_str() {
            out.push(Part {
                field: field("tool"),
                text: cap(s, 4096).to_string(),
                lang: None,
                facts: None,
                tool: None,
            });
        }
        return;
    };
    let path_hint = map
        .iter()
        .find(|(k, _)| PATH_KEYS.contains(&k.to_ascii_lowercase().as_str()))
        .and_then(|(_, v)| v.as_str());
    for (k, v) in map {
        let key = k.to_ascii_lowercase();
        let text = match v {
            Value::String(s) => s.clone(),
            Value::Array(a) if a.iter().all(Value::is_string) => a
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(" "),
            Value::Null | Value::Bool(_) => continue,
            other => other.to_string(),
        };
        if PATH_KEYS.contains(&key.as_str()) {
            out.push(Part {
                field: field("path"),
                text,
                lang: None,
                facts: None,
                tool: None,
            });
        } else if COMMAND_KEYS.contains(&key.as_str()) {
            out.push(code_part(cap(&text, 16 * 1024), Some("bash"), None, facts));
        } else if CODE_KEYS.contains(&key.as_str()) && text.len() > 20 {
            let tag = (key == "patch" || key == "diff").then_some("diff");
            out.push(code_part(cap(&text, 256 * 1024), tag, path_hint, facts));
        } else {
            out.push(Part {
                field: field("tool"),
                text: cap(&text, 4096).to_string(),
                lang: None,
                facts: None,
                tool: None,
            });
        }
    }
}

fn message_parts(m: &Message, facts: &CodeFacts) -> Vec<Part> {
    let mut parts = Vec::new();
    let prose_field = match (m.role, m.kind.as_deref()) {
        (_, Some("injected_context" | "notice")) => field("output"),
        (Role::User, _) => field("user"),
        _ => field("assistant"),
    };
    let fences = fence::fences(&m.content);
    let prose = if fences.is_empty() {
        m.content.clone()
    } else {
        fence::prose(&m.content, &fences)
    };
    if !prose.trim().is_empty() {
        parts.push(Part {
            field: prose_field,
            text: prose,
            lang: None,
            facts: None,
            tool: None,
        });
    }
    for f in &fences {
        parts.push(code_part(f.code, f.tag, None, facts));
    }
    if let Some(t) = m
        .annotations
        .thinking
        .as_deref()
        .filter(|t| !t.trim().is_empty())
    {
        parts.push(Part {
            field: field("thinking"),
            text: t.to_string(),
            lang: None,
            facts: None,
            tool: None,
        });
    }
    for call in &m.annotations.tool_calls {
        tool_parts(&call.name, &call.args, facts, &mut parts);
        if let Some(r) = call.result.as_deref().filter(|r| !r.trim().is_empty()) {
            parts.push(Part {
                field: field("output"),
                text: head_and_tail(r),
                lang: None,
                facts: None,
                tool: None,
            });
        }
    }
    if !m.annotations.file_refs.is_empty() {
        parts.push(Part {
            field: field("path"),
            text: m.annotations.file_refs.join("\n"),
            lang: None,
            facts: None,
            tool: None,
        });
    }
    parts
}

fn head_and_tail(s: &str) -> String {
    if s.len() <= OUTPUT_HEAD_BYTES + OUTPUT_TAIL_BYTES {
        return s.to_string();
    }
    let mut tail = s.len() - OUTPUT_TAIL_BYTES;
    while !s.is_char_boundary(tail) {
        tail += 1;
    }
    format!("{}\n…\n{}", cap(s, OUTPUT_HEAD_BYTES), &s[tail..])
}

/// Splits `s` into pieces of at most about `max` bytes, at whitespace where there is some.
fn pieces(s: &str, max: usize) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = s;
    while rest.len() > max {
        let head = cap(rest, max);
        let cut = head
            .rfind(char::is_whitespace)
            .filter(|&i| i > max / 2)
            .unwrap_or(head.len());
        out.push(&rest[..cut]);
        rest = &rest[cut..];
    }
    if !rest.is_empty() {
        out.push(rest);
    }
    out
}

fn add_part(doc: &mut Doc, part: &Part, text: &str, first_piece: bool) {
    doc.fields[part.field].push(text.to_string());
    let aux = SCORED[part.field].0;
    let shown = if matches!(aux, "thinking" | "tool" | "output" | "path") {
        cap(text, STORED_AUX_CHARS)
    } else {
        text
    };
    let room = STORED_CHARS.saturating_sub(doc.text.len() + 1);
    if room > 0 {
        if !doc.text.is_empty() {
            doc.text.push('\n');
        }
        doc.text.push_str(cap(shown, room));
    }
    if first_piece {
        if let Some(l) = &part.lang {
            if !doc.langs.contains(l) {
                doc.langs.push(l.clone());
            }
        }
        if let Some(t) = &part.tool {
            doc.tools.push(t.clone());
        }
        if let Some(f) = &part.facts {
            doc.defs.extend(f.defs.iter().cloned());
            doc.calls.extend(f.calls.iter().cloned());
            doc.imports.extend(f.imports.iter().cloned());
            doc.fields[field("symbol")].extend(f.defs.iter().cloned());
        }
    }
}

/// The documents for one session, title first.
pub fn session_docs(s: &Session, facts: &CodeFacts) -> Vec<Doc> {
    let mut head = Doc::new(SESSION_DOC, None, s.meta.start_time);
    if let Some(title) = s.meta.title.as_deref().filter(|t| !t.trim().is_empty()) {
        head.fields[field("title")].push(title.to_string());
        head.text = cap(title, STORED_CHARS).to_string();
    }
    let mut docs = vec![head];
    for m in &s.messages {
        let ts = m.timestamp.or(s.meta.start_time);
        let mut doc = Doc::new(m.index, Some(m.role), ts);
        for part in message_parts(m, facts) {
            for (i, piece) in pieces(&part.text, CHUNK_CHARS).into_iter().enumerate() {
                if doc.size() > 0 && doc.size() + piece.len() > CHUNK_CHARS {
                    docs.push(std::mem::replace(
                        &mut doc,
                        Doc::new(m.index, Some(m.role), ts),
                    ));
                }
                add_part(&mut doc, &part, piece, i == 0);
            }
        }
        if doc.size() > 0 {
            docs.push(doc);
        }
    }
    docs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Meta, ToolCall};
    use serde_json::json;

    #[test]
    fn fields_chunks_and_facts() {
        let mut s = Session::new(Meta::new("codex", "s1"));
        s.meta.title = Some("Fix login".into());
        let mut m = Message::new(
            0,
            Role::Assistant,
            "Here:\n```python\ndef parse_config(p):\n    return p\n```\n",
        );
        m.annotations.tool_calls.push(ToolCall::new(
            "Write",
            json!({"file_path": "src/lib.rs", "content": "pub fn load_user() -> u8 { 1 }\n"}),
        ));
        s.messages.push(m);
        s.messages
            .push(Message::new(1, Role::User, "word ".repeat(1000)));
        let docs = session_docs(&s, &CodeFacts::default());
        assert_eq!(docs[0].msg, SESSION_DOC);
        assert_eq!(docs[1].fields[field("path")], ["src/lib.rs"]);
        assert_eq!(docs[1].tools, ["write"]);
        assert!(
            docs[1].langs.contains(&"python".to_string())
                && docs[1].langs.contains(&"rust".to_string())
        );
        #[cfg(feature = "ast")]
        assert_eq!(docs[1].defs, ["parse_config", "load_user"]);
        assert_eq!(
            docs.iter().filter(|d| d.msg == 1).count(),
            3,
            "5000 chars make 3 chunks"
        );
    }
}
