//! Aider: `.aider.chat.history.md` inside each project (no central store), found by a bounded walk of the
//! home and any `--scan DIR`. One `# aider chat started at ...` block is one session. Prompt times come from
//! the `.aider.input.history` next to it. See `formats/cli-agents.md` §4.

use std::io;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::assemble;
use super::{walk, Agent, Env, Sink, Source};
use crate::schema::{kind, Message, Meta, Role, Session, ToolCall};
use crate::time;

pub struct Aider;

const HISTORY: &str = ".aider.chat.history.md";
const INPUT_HISTORY: &str = ".aider.input.history";
/// How deep below the home a project may sit (`~/work/clients/acme/app` is four).
const HOME_DEPTH: usize = 6;
const SCAN_DEPTH: usize = 12;
const HEADER: &str = "# aider chat started at ";

impl Agent for Aider {
    fn name(&self) -> &'static str {
        "aider"
    }

    fn roots(&self, env: &Env) -> Vec<PathBuf> {
        let mut r = vec![env.home.clone()];
        r.extend(env.scan.iter().cloned());
        if let Some(f) = env
            .var("AIDER_CHAT_HISTORY_FILE")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
        {
            r.push(f);
        }
        r
    }

    fn sources(&self, env: &Env) -> Vec<Source> {
        let is_history = |p: &Path| walk::name(p) == HISTORY;
        // Hidden directories hold tools' data, not projects; the home's own history file is still found.
        let enter = |d: &Path| walk::enter_project_dir(d) && !walk::name(d).starts_with('.');
        let mut found = walk::files_where(&env.home, HOME_DEPTH, &enter, &is_history);
        for dir in &env.scan {
            found.extend(walk::files_where(
                dir,
                SCAN_DEPTH,
                &walk::enter_project_dir,
                &is_history,
            ));
        }
        if let Some(f) = env
            .var("AIDER_CHAT_HISTORY_FILE")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
        {
            if f.is_file() {
                found.push(f);
            }
        }
        let mut seen = std::collections::HashSet::new();
        found.retain(|p| seen.insert(std::fs::canonicalize(p).unwrap_or_else(|_| p.clone())));
        found.into_iter().map(Source::at).collect()
    }

    fn extract(&self, source: &Source, _env: &Env, sink: &mut dyn Sink) -> io::Result<()> {
        let history = std::fs::read(&source.path)?;
        let dir = source.path.parent().unwrap_or(Path::new("."));
        let inputs = std::fs::read(dir.join(INPUT_HISTORY)).unwrap_or_default();
        parse_history(&history, &inputs, &source.path, sink);
        Ok(())
    }
}

/// The sessions in the bytes of a chat history file, with prompt times from the bytes of the input history
/// next to it (empty when there is none). `path` is the history file's: its directory is the project.
pub fn parse_history(history: &[u8], inputs: &[u8], path: &Path, sink: &mut dyn Sink) {
    let inputs = input_history(&String::from_utf8_lossy(inputs));
    for s in parse(path, &String::from_utf8_lossy(history), &inputs) {
        sink.session(s);
    }
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Kind {
    Tool,
    User,
    Assistant,
}

/// Classifies one line. Aider ends every tool and user line with a Markdown hard break (two spaces); model
/// output that merely starts with `> ` or `#### ` does not, and stays assistant text.
fn classify(line: &str) -> (Kind, &str) {
    let hard_break = line.ends_with("  ");
    let body = line.trim_end();
    if hard_break || body == ">" || body == "####" {
        if let Some(rest) = body
            .strip_prefix("#### ")
            .or_else(|| body.strip_prefix("####"))
        {
            return (Kind::User, rest);
        }
        if let Some(rest) = body.strip_prefix("> ").or_else(|| body.strip_prefix(">")) {
            return (Kind::Tool, rest);
        }
    }
    (Kind::Assistant, line)
}

/// `.aider.input.history`: `# <local time>` then `+line`s per entry.
fn input_history(text: &str) -> Vec<(i64, String)> {
    let mut out: Vec<(i64, String)> = Vec::new();
    let mut cur: Option<(i64, Vec<&str>)> = None;
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if let Some(ts) = line.strip_prefix("# ") {
            if let Some((t, l)) = cur.take() {
                out.push((t, l.join("\n")));
            }
            cur = time::parse_str(ts).map(|t| (t, Vec::new()));
        } else if let (Some(rest), Some((_, l))) = (line.strip_prefix('+'), cur.as_mut()) {
            l.push(rest);
        }
    }
    if let Some((t, l)) = cur {
        out.push((t, l.join("\n")));
    }
    out
}

fn parse(path: &Path, text: &str, inputs: &[(i64, String)]) -> Vec<Session> {
    let mut sessions = Vec::new();
    let mut cur: Option<Session> = None;
    let mut block: Option<(Kind, Vec<&str>)> = None;
    let mut ordinal = 0;
    let project = path.parent().map(|p| p.display().to_string());
    let mut input_cursor = 0usize;

    for raw in text.split('\n') {
        let line = raw.trim_end_matches('\r');
        if let Some(ts) = line
            .strip_prefix(HEADER)
            .filter(|_| line.len() <= HEADER.len() + 32)
        {
            if let Some(t) = time::parse_str(ts.trim()) {
                flush(&mut cur, &mut block, inputs, &mut input_cursor);
                sessions.extend(cur.take());
                ordinal += 1;
                // Made the session's id once its first message is known.
                let mut meta = Meta::new("aider", ordinal.to_string());
                meta.start_time = Some(t);
                meta.project_path = project.clone();
                cur = Some(Session::new(meta));
                continue;
            }
        }
        if cur.is_none() {
            continue; // before the first header (or a file without one)
        }
        if line.trim().is_empty() {
            // Blank lines end user and tool blocks; inside model output they are part of the text.
            match &mut block {
                Some((Kind::Assistant, lines)) => lines.push(""),
                Some(_) => flush(&mut cur, &mut block, inputs, &mut input_cursor),
                None => {}
            }
            continue;
        }
        let (k, body) = classify(line);
        match &mut block {
            Some((bk, lines)) if *bk == k => lines.push(body),
            _ => {
                flush(&mut cur, &mut block, inputs, &mut input_cursor);
                block = Some((k, vec![body]));
            }
        }
    }
    flush(&mut cur, &mut block, inputs, &mut input_cursor);
    sessions.extend(cur);
    sessions.retain(|s| s.messages.iter().any(|m| m.role != Role::System));
    for s in &mut sessions {
        s.meta.session_id = session_id(s);
        assemble::finish(s);
    }
    sessions
}

/// An id from what the session is (its start, its place among the file's sessions, its first message), not
/// from where the file lies: an archived or copied home gives the same ids, so nothing is exported twice.
fn session_id(s: &Session) -> String {
    let mut h = Sha256::new();
    h.update(s.meta.start_time.unwrap_or(0).to_le_bytes());
    h.update(s.meta.session_id.as_bytes()); // the ordinal
    h.update(b"\0");
    if let Some(m) = s.messages.first() {
        h.update(m.content.as_bytes());
    }
    assemble::hex(&h.finalize())[..32].to_string()
}

/// Ends the block in progress: it becomes a message of the session.
fn flush(
    cur: &mut Option<Session>,
    block: &mut Option<(Kind, Vec<&str>)>,
    inputs: &[(i64, String)],
    cursor: &mut usize,
) {
    let (Some(s), Some((k, mut lines))) = (cur.as_mut(), block.take()) else {
        return;
    };
    while lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
    let text = lines.join("\n");
    match k {
        Kind::User => {
            let mut m = Message::new(0, Role::User, text);
            let t = m.content.trim();
            if t.starts_with('/') || t.starts_with('!') {
                m.kind = Some(kind::COMMAND.into());
            }
            if let Some(cmd) = t
                .strip_prefix("/run ")
                .or_else(|| t.strip_prefix("/test "))
                .or_else(|| t.strip_prefix("/lint"))
                .or_else(|| t.strip_prefix('!'))
            {
                let mut c = ToolCall::new("run", json!({ "command": cmd.trim() }));
                c.extra
                    .insert("source".into(), Value::from("aider-command"));
                m.annotations.tool_calls.push(c);
            }
            // The prompt's time, from the input history (entries in order, the same text).
            let since = s.meta.start_time.unwrap_or(0);
            if let Some(off) = inputs[*cursor..]
                .iter()
                .position(|(ts, e)| *ts >= since && e.trim() == m.content.trim())
            {
                m.timestamp = Some(inputs[*cursor + off].0);
                *cursor += off + 1;
            }
            s.messages.push(m);
        }
        Kind::Assistant => {
            if text.trim().is_empty() {
                return;
            }
            let mut m = Message::new(0, Role::Assistant, text);
            m.model = s.meta.model.clone();
            s.messages.push(m);
        }
        Kind::Tool => tool_block(s, text),
    }
}

/// A run of `> ` lines: announcements, token reports, command output. It stays in the transcript as a notice,
/// and the actions it reports become tool calls of the message that caused them.
fn tool_block(s: &mut Session, text: String) {
    for line in text.lines() {
        if let Some(v) = line.strip_prefix("Aider v") {
            s.meta.agent_version = Some(v.trim().to_string());
        }
        for p in ["Main model: ", "Model: ", "Models: "] {
            if let Some(rest) = line.strip_prefix(p) {
                let model = rest.split([' ', ',']).next().unwrap_or("").trim();
                if !model.is_empty() {
                    s.meta.model = Some(model.to_string());
                }
            }
        }
        if let Some(rest) = line.strip_prefix("Weak model: ") {
            s.meta
                .extra
                .insert("weak_model".into(), Value::from(rest.trim()));
        }
    }
    // /run output closes the call the user's command opened.
    if let Some(last) = s.messages.last_mut() {
        if last.role == Role::User {
            if let Some(c) = last
                .annotations
                .tool_calls
                .last_mut()
                .filter(|c| c.result.is_none())
            {
                c.result = Some(text.clone());
            }
        }
    }
    let edits: Vec<ToolCall> = text
        .lines()
        .filter_map(|l| {
            if let Some(f) = l.strip_prefix("Applied edit to ") {
                let mut c = ToolCall::new("edit", json!({ "path": f.trim() }));
                c.result = Some(l.to_string());
                Some(c)
            } else if let Some(rest) = l.strip_prefix("Commit ") {
                let mut c = ToolCall::new(
                    "commit",
                    json!({ "message": rest.split_once(' ').map_or("", |x| x.1) }),
                );
                c.result = Some(l.to_string());
                Some(c)
            } else {
                None
            }
        })
        .collect();
    if !edits.is_empty() {
        if let Some(a) = s
            .messages
            .iter_mut()
            .rev()
            .find(|m| m.role == Role::Assistant)
        {
            for c in edits {
                assemble::file_refs(&c.args, &mut a.annotations.file_refs);
                a.annotations.tool_calls.push(c);
            }
        }
    }
    let mut m = Message::new(0, Role::System, text);
    m.kind = Some(kind::NOTICE.into());
    s.messages.push(m);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_model_output_without_hard_break_stays_assistant_text() {
        let text = "\n# aider chat started at 2025-01-02 03:04:05\n\n> Aider v0.1  \n> Model: gpt-4.1 with diff edit format  \n\n#### hi  \n\n> quoted in the answer\n#### not a prompt\nmore\n\n> Tokens: 1k sent  \n";
        let s = parse(Path::new("/p/.aider.chat.history.md"), text, &[]);
        assert_eq!(s.len(), 1);
        let roles: Vec<_> = s[0].messages.iter().map(|m| m.role).collect();
        assert_eq!(
            roles,
            [Role::System, Role::User, Role::Assistant, Role::System]
        );
        assert_eq!(
            s[0].messages[2].content,
            "> quoted in the answer\n#### not a prompt\nmore"
        );
        assert_eq!(s[0].meta.model.as_deref(), Some("gpt-4.1"));
        assert_eq!(s[0].meta.start_time, Some(1_735_787_045));
    }
}
