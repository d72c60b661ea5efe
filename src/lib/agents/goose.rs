//! Goose (Block): `sessions.db` (SQLite, ≈ Sep 2025 on) and the legacy `<name>.jsonl` files in
//! `~/.local/share/goose/sessions/`. Tool results travel in `user`-role messages and are folded into their
//! calls. See `formats/cli-agents.md` §6.3.

use std::io;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::assemble::{self, str_of, Calls};
use super::jsonl::{self, Bad};
use super::sqlite::Snapshot;
use super::sqlrows::{self, json_col};
use super::{walk, Agent, Env, Os, Problem, Sink, Source};
use crate::schema::{Message, Meta, Role, Session, ToolCall, Usage};
use crate::time;

pub struct Goose;

impl Agent for Goose {
    fn name(&self) -> &'static str {
        "goose"
    }

    fn roots(&self, env: &Env) -> Vec<PathBuf> {
        if let Some(root) = env.var("GOOSE_PATH_ROOT") {
            return vec![PathBuf::from(root).join("data/sessions")];
        }
        let mut r = vec![env.xdg_data().join("goose/sessions")];
        match env.os {
            Os::MacOs => r.push(env.home_join("Library/Application Support/goose/sessions")),
            Os::Windows => {
                let appdata = env
                    .var("APPDATA")
                    .map(PathBuf::from)
                    .unwrap_or_else(|| env.home_join("AppData/Roaming"));
                r.push(appdata.join("Block/goose/data/sessions"));
            }
            Os::Linux => {}
        }
        r
    }

    fn sources(&self, env: &Env) -> Vec<Source> {
        self.roots(env)
            .iter()
            .flat_map(|r| {
                walk::files(r, 0, &|p: &Path| {
                    let n = walk::name(p);
                    n == "sessions.db" || n.ends_with(".jsonl")
                })
            })
            .map(Source::at)
            .collect()
    }

    fn extract(&self, source: &Source, _env: &Env, sink: &mut dyn Sink) -> io::Result<()> {
        if walk::name(&source.path) == "sessions.db" {
            return from_db(&source.path, sink);
        }
        let buf = jsonl::read(&source.path)?;
        let stem = source
            .path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("");
        let mut b = Builder::new(stem);
        for (i, line) in jsonl::lines(&buf).enumerate() {
            let v: Value = match jsonl::parse(&line) {
                Ok(v) => v,
                Err(Bad::Partial) => continue,
                Err(Bad::Invalid(e)) => {
                    sink.problem(Problem::new(
                        &source.path,
                        Some(line.number),
                        format!("skipped unreadable record: {e}"),
                    ));
                    continue;
                }
            };
            // Line 1 is the session metadata, unless it is already a message.
            if i == 0 && v.get("role").is_none() {
                b.metadata(&v);
            } else {
                b.message(&v, v.get("created"));
            }
        }
        if let Some(s) = b.finish() {
            sink.session(s);
        }
        Ok(())
    }
}

fn from_db(path: &Path, sink: &mut dyn Sink) -> io::Result<()> {
    let snap = Snapshot::open(path)?;
    let conn = snap.conn();
    let msg_cols = sqlrows::columns(conn, "messages");
    let order = if msg_cols.iter().any(|c| c == "created_timestamp") {
        "created_timestamp, rowid"
    } else {
        "rowid"
    };
    for s in sqlrows::rows(conn, "SELECT * FROM sessions ORDER BY rowid", [])? {
        let id = match s.get("id") {
            Some(Value::String(x)) => x.clone(),
            Some(v) => v.to_string(),
            None => continue,
        };
        let mut b = Builder::new(&id);
        b.metadata(&Value::Object(s.clone()));
        if let Some(m) = json_col(&s, "model_config_json")
            .get("model_name")
            .and_then(Value::as_str)
        {
            b.meta.model = Some(m.to_string());
        }
        let sql = format!("SELECT * FROM messages WHERE session_id = ?1 ORDER BY {order}");
        for m in sqlrows::rows(conn, &sql, [&id])? {
            let mut msg = Map::new();
            msg.insert("role".into(), m.get("role").cloned().unwrap_or(Value::Null));
            msg.insert("content".into(), json_col(&m, "content_json"));
            let created = m
                .get("created_timestamp")
                .or_else(|| m.get("timestamp"))
                .cloned();
            b.message(&Value::Object(msg), created.as_ref());
        }
        if let Some(session) = b.finish() {
            sink.session(session);
        }
    }
    Ok(())
}

struct Builder {
    meta: Meta,
    messages: Vec<Message>,
    calls: Calls,
}

impl Builder {
    fn new(id: &str) -> Builder {
        Builder {
            meta: Meta::new("goose", id),
            messages: Vec::new(),
            calls: Calls::default(),
        }
    }

    fn metadata(&mut self, v: &Value) {
        self.meta.project_path = str_of(v, "working_dir").map(str::to_string);
        self.meta.title = str_of(v, "description")
            .or_else(|| str_of(v, "name"))
            .map(str::to_string);
        self.meta.start_time = v.get("created_at").and_then(time::from_value);
        self.meta.end_time = v.get("updated_at").and_then(time::from_value);
        let g = |k| assemble::as_u64(v.get(k));
        let usage = Usage {
            input_tokens: g("accumulated_input_tokens").or(g("input_tokens")),
            output_tokens: g("accumulated_output_tokens").or(g("output_tokens")),
            ..Usage::default()
        };
        self.meta.usage = Some(usage);
    }

    fn message(&mut self, v: &Value, created: Option<&Value>) {
        let role = match str_of(v, "role") {
            Some("user") => Role::User,
            Some("assistant") => Role::Assistant,
            _ => return,
        };
        let mut m = Message::new(0, role, "");
        m.timestamp = created.and_then(time::from_value);
        let mut pending = Vec::new();
        let mut only_results = true;
        for c in v
            .get("content")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            match str_of(c, "type").unwrap_or("") {
                "text" => {
                    only_results = false;
                    assemble::push_para(&mut m.content, str_of(c, "text").unwrap_or(""));
                }
                "thinking" => {
                    only_results = false;
                    assemble::push_opt_para(
                        &mut m.annotations.thinking,
                        str_of(c, "thinking").unwrap_or(""),
                    );
                }
                "image" => {
                    only_results = false;
                    let a = assemble::base64_attachment(
                        "image",
                        str_of(c, "mimeType"),
                        str_of(c, "data").unwrap_or(""),
                    );
                    assemble::attach(&mut m, a);
                }
                "toolRequest" | "frontendToolRequest" => {
                    only_results = false;
                    let tc = c.get("toolCall").cloned().unwrap_or(Value::Null);
                    let value = tc.get("value").cloned().unwrap_or(Value::Null);
                    let mut call = ToolCall::new(
                        str_of(&value, "name").unwrap_or("unknown"),
                        value.get("arguments").cloned().unwrap_or(Value::Null),
                    );
                    call.id = str_of(c, "id").map(str::to_string);
                    if let Some(e) = tc.get("error") {
                        call.result = Some(assemble::text_of(e));
                        call.is_error = Some(true);
                    }
                    pending.push(call);
                }
                "toolResponse" => {
                    let id = str_of(c, "id").unwrap_or("");
                    let tr = c.get("toolResult").cloned().unwrap_or(Value::Null);
                    let failed = str_of(&tr, "status") == Some("error");
                    let text = if failed {
                        assemble::text_of(tr.get("error").unwrap_or(&Value::Null))
                    } else {
                        assemble::text_of(tr.get("value").unwrap_or(&Value::Null))
                    };
                    self.calls
                        .fold(&mut self.messages, id, None, text, Some(failed));
                }
                _ => {} // toolConfirmationRequest, contextLengthExceeded, summarizationRequested, ...
            }
        }
        if role == Role::User && only_results {
            return;
        }
        self.messages.push(m);
        let idx = self.messages.len() - 1;
        for c in pending {
            self.calls.add(&mut self.messages, idx, c);
        }
    }

    fn finish(self) -> Option<Session> {
        if self.messages.is_empty() {
            return None;
        }
        let mut s = Session::new(self.meta);
        s.messages = self.messages;
        assemble::finish(&mut s);
        Some(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::agents::Collect;

    #[test]
    fn the_sqlite_store_with_columns_chosen_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("sessions.db");
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch(
            r#"CREATE TABLE sessions (id TEXT PRIMARY KEY, name TEXT, description TEXT NOT NULL DEFAULT '',
                 working_dir TEXT NOT NULL, created_at TIMESTAMP, updated_at TIMESTAMP, extra_future TEXT,
                 accumulated_input_tokens INTEGER, accumulated_output_tokens INTEGER, model_config_json TEXT);
               CREATE TABLE messages (id INTEGER PRIMARY KEY AUTOINCREMENT, message_id TEXT, session_id TEXT NOT NULL,
                 role TEXT NOT NULL, content_json TEXT NOT NULL, created_timestamp INTEGER NOT NULL, metadata_json TEXT);
               INSERT INTO sessions VALUES ('20251001_1', 'Fix CI', '', '/w', '2025-10-01 10:00:00', '2025-10-01 10:05:00',
                 NULL, 100, 20, '{"model_name":"gpt-4.1"}');
               INSERT INTO messages (session_id, role, content_json, created_timestamp) VALUES
                 ('20251001_1', 'user', '[{"type":"text","text":"why is CI red?"}]', 1759312800),
                 ('20251001_1', 'assistant', '[{"type":"toolRequest","id":"t1","toolCall":{"status":"success","value":{"name":"developer__shell","arguments":{"command":"gh run list"}}}}]', 1759312801),
                 ('20251001_1', 'user', '[{"type":"toolResponse","id":"t1","toolResult":{"status":"error","error":"gh: not logged in"}}]', 1759312802),
                 ('20251001_1', 'assistant', '[{"type":"text","text":"Log in with gh auth login."}]', 1759312803);"#,
        )
        .unwrap();
        let mut c = Collect::default();
        from_db(&db, &mut c).unwrap();
        assert!(c.1.is_empty());
        let s = &c.0[0];
        assert_eq!(s.meta.title.as_deref(), Some("Fix CI"));
        assert_eq!(s.meta.model.as_deref(), Some("gpt-4.1"));
        assert_eq!(s.meta.project_path.as_deref(), Some("/w"));
        assert_eq!(s.meta.start_time, Some(1_759_312_800));
        assert_eq!(s.messages.len(), 3);
        let call = &s.messages[1].annotations.tool_calls[0];
        assert_eq!(
            (call.result.as_deref(), call.is_error),
            (Some("gh: not logged in"), Some(true))
        );
    }
}
