//! Zed agent threads: `threads/threads.db`, one row per thread, `data` zstd-compressed JSON (`data_type` 'zstd')
//! or plain JSON ('json'); the current `DbThread` shape (externally tagged `User`/`Agent` messages) and the
//! legacy agent-1 shape (`role` + `segments`). Columns added later (`parent_id`, `folder_paths`, `created_at`)
//! may be missing in older databases.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::sqlite::{to_io, Snapshot};
use super::vscode::{add_ref, attach, finish, image_attachment, path_of};
use super::{Agent, Env, Os, Problem, Sink, Source};
use crate::schema::{Message, Meta, Role, Session, ToolCall, Usage};
use crate::time;

pub struct Zed;

pub static ZED: Zed = Zed;

const NAME: &str = "zed";

impl Agent for Zed {
    fn name(&self) -> &'static str {
        NAME
    }

    fn roots(&self, env: &Env) -> Vec<PathBuf> {
        let mut out = Vec::new();
        match env.os {
            Os::Linux => {
                if let Some(x) = env
                    .var("XDG_DATA_HOME")
                    .map(PathBuf::from)
                    .filter(|p| p.starts_with(&env.home))
                {
                    out.push(x.join("zed"));
                }
                out.push(env.home_join(".local/share/zed"));
                out.push(env.home_join(".var/app/dev.zed.Zed/data/zed"));
            }
            Os::MacOs => out.push(env.home_join("Library/Application Support/Zed")),
            Os::Windows => {
                if let Some(x) = env
                    .var("LOCALAPPDATA")
                    .map(PathBuf::from)
                    .filter(|p| p.starts_with(&env.home))
                {
                    out.push(x.join("Zed"));
                }
                out.push(env.home_join("AppData/Local/Zed"));
            }
        }
        out.dedup();
        out
    }

    fn sources(&self, env: &Env) -> Vec<Source> {
        self.roots(env)
            .into_iter()
            .map(|r| r.join("threads/threads.db"))
            .filter(|p| p.is_file())
            .map(|p| super::vscode::db_source(&p))
            .collect()
    }

    fn extract(&self, source: &Source, _env: &Env, sink: &mut dyn Sink) -> std::io::Result<()> {
        let snap = Snapshot::open(&source.path)?;
        if !snap.has_table("threads") {
            return Ok(());
        }
        let conn = snap.conn();
        let cols: Vec<String> = {
            let mut st = conn
                .prepare("SELECT name FROM pragma_table_info('threads')")
                .map_err(to_io)?;
            let names = st.query_map([], |r| r.get::<_, String>(0)).map_err(to_io)?;
            names.collect::<Result<_, _>>().map_err(to_io)?
        };
        let col = |c: &str| {
            if cols.iter().any(|x| x == c) {
                c.to_string()
            } else {
                format!("NULL AS {c}")
            }
        };
        let sql = format!(
            "SELECT id, summary, updated_at, data_type, data, {}, {}, {} FROM threads ORDER BY {} , id",
            col("parent_id"),
            col("folder_paths"),
            col("created_at"),
            if cols.iter().any(|x| x == "created_at") { "COALESCE(created_at, updated_at)" } else { "updated_at" }
        );
        let mut st = conn.prepare(&sql).map_err(to_io)?;
        let mut rows = st.query([]).map_err(to_io)?;
        while let Some(r) = rows.next().map_err(to_io)? {
            let row = Row {
                id: r
                    .get::<_, Option<String>>(0)
                    .ok()
                    .flatten()
                    .unwrap_or_default(),
                summary: r.get(1).ok().flatten(),
                updated_at: r.get(2).ok().flatten(),
                data_type: r.get(3).ok().flatten(),
                parent_id: r.get(5).ok().flatten(),
                folder_paths: r.get(6).ok().flatten(),
                created_at: r.get(7).ok().flatten(),
            };
            let data: Vec<u8> = match r.get_ref(4).map_err(to_io)? {
                rusqlite::types::ValueRef::Blob(b) | rusqlite::types::ValueRef::Text(b) => {
                    b.to_vec()
                }
                _ => Vec::new(),
            };
            match thread_session(&row, &data) {
                Ok(Some(s)) => sink.session(s),
                Ok(None) => {}
                Err(e) => sink.problem(problem(&source.path, format!("thread {}: {e}", row.id))),
            }
        }
        Ok(())
    }
}

fn problem(path: &Path, message: String) -> Problem {
    Problem {
        path: path.to_path_buf(),
        line: None,
        message,
    }
}

/// A `threads` row's columns but `data`.
#[derive(Debug, Clone, Default)]
pub struct Row {
    pub id: String,
    pub summary: Option<String>,
    pub updated_at: Option<String>,
    /// `zstd` or `json`.
    pub data_type: Option<String>,
    pub parent_id: Option<String>,
    pub folder_paths: Option<String>,
    pub created_at: Option<String>,
}

/// The most a thread's compressed `data` may expand to: far above any real thread, and a bound on what a
/// corrupt or hostile row (33 KB of zstd can claim a gigabyte) makes us allocate.
const MAX_THREAD_BYTES: u64 = 512 << 20;

/// Decodes a row's `data` (decompressing zstd) and builds its session; `None` for a thread with no message.
pub fn thread_session(row: &Row, data: &[u8]) -> Result<Option<Session>, String> {
    let json = match row.data_type.as_deref() {
        Some("zstd") => unzstd(data, MAX_THREAD_BYTES)?,
        _ => data.to_vec(),
    };
    let v: Value = serde_json::from_slice(&json).map_err(|e| format!("invalid JSON: {e}"))?;
    let mut meta = Meta::new(NAME, row.id.clone());
    meta.title = v
        .get("title")
        .or_else(|| v.get("summary"))
        .and_then(Value::as_str)
        .or(row.summary.as_deref())
        .filter(|t| !t.trim().is_empty())
        .map(str::to_string);
    meta.model = match (
        v.pointer("/model/provider").and_then(Value::as_str),
        v.pointer("/model/model").and_then(Value::as_str),
    ) {
        (Some(p), Some(m)) => Some(format!("{p}/{m}")),
        (None, Some(m)) => Some(m.to_string()),
        _ => None,
    };
    meta.parent_session_id = row.parent_id.clone().filter(|p| !p.is_empty()).or_else(|| {
        v.pointer("/subagent_context/parent_thread_id")
            .and_then(Value::as_str)
            .map(str::to_string)
    });
    meta.project_path = row
        .folder_paths
        .as_deref()
        .and_then(|f| f.lines().map(str::trim).find(|l| !l.is_empty()))
        .map(str::to_string)
        .or_else(|| {
            v.pointer("/initial_project_snapshot/worktree_snapshots/0/worktree_path")
                .and_then(Value::as_str)
                .map(str::to_string)
        });
    meta.git_branch = v
        .pointer("/initial_project_snapshot/worktree_snapshots/0/git_state/current_branch")
        .and_then(Value::as_str)
        .map(str::to_string);
    meta.usage = v.get("cumulative_token_usage").and_then(usage);
    if let Some(p) = v.get("profile").and_then(Value::as_str) {
        meta.extra.insert("zed_profile".into(), Value::from(p));
    }
    let mut s = Session::new(meta);
    let model = s.meta.model.clone();
    for (position, m) in v
        .get("messages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let msg = if m.get("role").is_some() {
            legacy_message(m)
        } else {
            tagged_message(m)
        };
        if let Some(mut msg) = msg {
            if msg.role == Role::Assistant {
                msg.model = model.clone();
            }
            // Per-request usage: keyed by the user message's id (current), or by position (legacy array).
            let request_usage = match v.get("request_token_usage") {
                Some(Value::Object(by_id)) => m
                    .pointer("/User/id")
                    .and_then(Value::as_str)
                    .and_then(|id| by_id.get(id)),
                Some(Value::Array(by_pos)) => by_pos.get(position),
                _ => None,
            };
            if let Some(u) = request_usage.filter(|u| u.is_object()) {
                msg.extra.insert("request_usage".into(), u.clone());
            }
            s.messages.push(msg);
        }
    }
    if s.messages.is_empty() {
        return Ok(None);
    }
    let created = row.created_at.as_deref().and_then(time::parse_str);
    let updated = row
        .updated_at
        .as_deref()
        .and_then(time::parse_str)
        .or_else(|| v.get("updated_at").and_then(time::from_value));
    finish(&mut s, created.or(updated), updated);
    Ok(Some(s))
}

fn usage(u: &Value) -> Option<Usage> {
    let n = |k: &str| u.get(k).and_then(Value::as_u64);
    let out = Usage {
        input_tokens: n("input_tokens"),
        output_tokens: n("output_tokens"),
        cache_write_tokens: n("cache_creation_input_tokens"),
        cache_read_tokens: n("cache_read_input_tokens"),
        ..Usage::default()
    };
    (out != Usage::default()).then_some(out)
}

/// Tool result content: `{"Text": s}`, a plain string, `{"type":"text","text":s}`, or an image.
fn result_text(c: &Value) -> Option<String> {
    match c {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => {
            if let Some(t) = o
                .get("Text")
                .or_else(|| o.get("text"))
                .and_then(Value::as_str)
            {
                return Some(t.to_string());
            }
            if o.contains_key("Image") {
                return Some("[image]".into());
            }
            Some(c.to_string())
        }
        Value::Array(a) => Some(
            a.iter()
                .filter_map(result_text)
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        _ => None,
    }
}

/// A current-format message: `{"User": {...}}`, `{"Agent": {...}}` or the bare `"Resume"` marker.
fn tagged_message(m: &Value) -> Option<Message> {
    if let Some(u) = m.get("User") {
        let mut msg = Message::new(0, Role::User, String::new());
        for part in u
            .get("content")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(t) = part.get("Text").and_then(Value::as_str) {
                msg.content.push_str(t);
            } else if let Some(mention) = part.get("Mention") {
                let uri = mention.get("uri");
                let path = uri
                    .and_then(|u| u.get("File").or_else(|| u.get("Directory")))
                    .and_then(|f| f.get("abs_path"))
                    .and_then(path_of)
                    .or_else(|| uri.and_then(path_of));
                if let Some(p) = &path {
                    add_ref(&mut msg.annotations.file_refs, p.clone());
                }
                // The mentioned content went to the model with the prompt; keep it beside the text.
                let mut mentions = msg
                    .extra
                    .remove("mentions")
                    .and_then(|v| v.as_array().cloned())
                    .unwrap_or_default();
                mentions.push(mention.clone());
                msg.extra.insert("mentions".into(), Value::Array(mentions));
            } else if let Some(img) = part.get("Image") {
                let data = img.get("source").and_then(Value::as_str).unwrap_or("");
                attach(&mut msg, image_attachment(Some("image/png"), data));
            }
        }
        return Some(msg);
    }
    if let Some(a) = m.get("Agent") {
        let mut msg = Message::new(0, Role::Assistant, String::new());
        let mut thinking = Vec::new();
        let results = a.get("tool_results").and_then(Value::as_object);
        for part in a
            .get("content")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(t) = part.get("Text").and_then(Value::as_str) {
                msg.content.push_str(t);
            } else if let Some(t) = part.get("Thinking") {
                if let Some(t) = t.get("text").and_then(Value::as_str) {
                    thinking.push(t.to_string());
                }
            } else if let Some(tu) = part.get("ToolUse") {
                let input = tu.get("input").cloned().unwrap_or(Value::Null);
                let mut call = ToolCall::new(
                    tu.get("name").and_then(Value::as_str).unwrap_or("unknown"),
                    input,
                );
                call.id = tu.get("id").and_then(Value::as_str).map(str::to_string);
                if let Some(r) = call.id.as_deref().and_then(|id| results?.get(id)) {
                    call.result = r.get("content").and_then(result_text);
                    call.is_error = r.get("is_error").and_then(Value::as_bool);
                }
                msg.annotations.tool_calls.push(call);
            }
        }
        if !thinking.is_empty() {
            msg.annotations.thinking = Some(thinking.join("\n\n"));
        }
        return Some(msg);
    }
    if m.as_str() == Some("Resume") {
        let mut msg = Message::new(0, Role::User, "Resume");
        msg.kind = Some(crate::schema::kind::COMMAND.into());
        return Some(msg);
    }
    None
}

/// A legacy (agent-1) message: `role`, `segments`, `tool_uses`, `tool_results`.
fn legacy_message(m: &Value) -> Option<Message> {
    let role = match m.get("role")?.as_str()? {
        "user" => Role::User,
        "assistant" => Role::Assistant,
        "system" => Role::System,
        _ => return None,
    };
    let mut msg = Message::new(0, role, String::new());
    let mut thinking = Vec::new();
    for seg in m
        .get("segments")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        match seg.get("type").and_then(Value::as_str) {
            Some("text") => msg
                .content
                .push_str(seg.get("text").and_then(Value::as_str).unwrap_or("")),
            Some("thinking") => {
                thinking.extend(seg.get("text").and_then(Value::as_str).map(str::to_string))
            }
            _ => {}
        }
    }
    if !thinking.is_empty() {
        msg.annotations.thinking = Some(thinking.join("\n\n"));
    }
    let results: Vec<&Value> = m
        .get("tool_results")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .collect();
    for tu in m
        .get("tool_uses")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let mut call = ToolCall::new(
            tu.get("name").and_then(Value::as_str).unwrap_or("unknown"),
            tu.get("input").cloned().unwrap_or(Value::Null),
        );
        call.id = tu.get("id").and_then(Value::as_str).map(str::to_string);
        if let Some(r) = results
            .iter()
            .find(|r| r.get("tool_use_id").and_then(Value::as_str) == call.id.as_deref())
        {
            call.result = r.get("content").and_then(result_text);
            call.is_error = r.get("is_error").and_then(Value::as_bool);
        }
        msg.annotations.tool_calls.push(call);
    }
    if m.get("is_hidden").and_then(Value::as_bool) == Some(true) {
        msg.kind = Some(crate::schema::kind::INJECTED_CONTEXT.into());
    }
    Some(msg)
}

/// zstd-decompresses `data`, refusing more than `limit` bytes of output.
fn unzstd(data: &[u8], limit: u64) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let decoder = zstd::stream::read::Decoder::new(data).map_err(|e| format!("zstd: {e}"))?;
    let mut out = Vec::new();
    decoder
        .take(limit + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("zstd: {e}"))?;
    if out.len() as u64 > limit {
        return Err(format!(
            "zstd: the thread expands past {} MiB; skipped",
            limit >> 20
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(data_type: &str) -> Row {
        Row {
            id: "t".into(),
            summary: Some("S".into()),
            updated_at: Some("2025-01-01T00:00:00Z".into()),
            data_type: Some(data_type.into()),
            parent_id: Some("p".into()),
            folder_paths: Some("/a\n/b".into()),
            created_at: None,
        }
    }

    #[test]
    fn zstd_rows_and_lenient_tool_results() {
        let v = json!({"messages": [{"User": {"id": "u", "content": [{"Text": "hi"}]}},
            {"Agent": {"content": [{"ToolUse": {"id": "x", "name": "grep", "input": {}}}],
                       "tool_results": {"x": {"is_error": false, "content": {"type": "text", "text": "found"}}}}},
            "Resume"]});
        let z = zstd::stream::encode_all(v.to_string().as_bytes(), 3).unwrap();
        let s = thread_session(&row("zstd"), &z).unwrap().unwrap();
        assert_eq!(s.messages.len(), 3);
        assert_eq!(
            s.messages[1].annotations.tool_calls[0].result.as_deref(),
            Some("found")
        );
        assert_eq!(s.messages[2].kind.as_deref(), Some("command"));
        assert_eq!(s.meta.parent_session_id.as_deref(), Some("p"));
        assert_eq!(s.meta.project_path.as_deref(), Some("/a"));
        assert_eq!(s.meta.title.as_deref(), Some("S"));
        assert!(thread_session(&row("zstd"), b"not zstd").is_err());
        // A small blob that claims far more than the cap is refused, not inflated.
        let bomb = zstd::stream::encode_all(&vec![b' '; 4 << 20][..], 19).unwrap();
        assert!(bomb.len() < 4096);
        assert!(unzstd(&bomb, 1 << 20)
            .unwrap_err()
            .contains("expands past 1 MiB"));
        assert_eq!(unzstd(&bomb, 4 << 20).unwrap().len(), 4 << 20);
        assert!(thread_session(&row("json"), b"{\"messages\": []}")
            .unwrap()
            .is_none());
    }
}
