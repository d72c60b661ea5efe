//! Crush (Charm): a SQLite database per project, `<project>/.crush/crush.db`, found by a bounded walk of the
//! home and any `--scan DIR`. Tool results are `tool`-role messages folded into their calls. Times are
//! milliseconds except where a trigger wrote seconds; both are read by magnitude. See `formats/cli-agents.md`
//! §6.4.

use std::io;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::assemble::{self, str_of, Calls};
use super::sqlite::Snapshot;
use super::sqlrows::{self, json_col};
use super::{walk, Agent, Env, Sink, Source};
use crate::schema::{kind, Message, Meta, Role, Session, ToolCall, Usage};
use crate::time;

pub struct Crush;

const HOME_DEPTH: usize = 6;
const SCAN_DEPTH: usize = 12;

impl Agent for Crush {
    fn name(&self) -> &'static str {
        "crush"
    }

    fn roots(&self, env: &Env) -> Vec<PathBuf> {
        let mut r = vec![env.home.clone()];
        r.extend(env.scan.iter().cloned());
        r
    }

    fn sources(&self, env: &Env) -> Vec<Source> {
        let is_db = |p: &Path| {
            walk::name(p) == "crush.db" && p.parent().is_some_and(|d| walk::name(d) == ".crush")
        };
        // Hidden directories are skipped, except the `.crush` data directory itself.
        let enter = |d: &Path| {
            let n = walk::name(d);
            walk::enter_project_dir(d) && (!n.starts_with('.') || n == ".crush")
        };
        let mut found = walk::files_where(&env.home, HOME_DEPTH, &enter, &is_db);
        for dir in &env.scan {
            found.extend(walk::files_where(
                dir,
                SCAN_DEPTH,
                &walk::enter_project_dir,
                &is_db,
            ));
        }
        let mut seen = std::collections::HashSet::new();
        found.retain(|p| seen.insert(std::fs::canonicalize(p).unwrap_or_else(|_| p.clone())));
        found.into_iter().map(Source::at).collect()
    }

    fn extract(&self, source: &Source, _env: &Env, sink: &mut dyn Sink) -> io::Result<()> {
        let snap = Snapshot::open(&source.path)?;
        let conn = snap.conn();
        // <project>/.crush/crush.db
        let project = source
            .path
            .parent()
            .and_then(Path::parent)
            .map(|p| p.display().to_string());
        for s in sqlrows::rows(conn, "SELECT * FROM sessions ORDER BY created_at, id", [])? {
            let id = str_of(&Value::Object(s.clone()), "id")
                .unwrap_or("")
                .to_string();
            let sv = Value::Object(s);
            let mut meta = Meta::new("crush", id.as_str());
            meta.title = str_of(&sv, "title").map(str::to_string);
            meta.parent_session_id = str_of(&sv, "parent_session_id").map(str::to_string);
            meta.project_path = project.clone();
            meta.start_time = sv.get("created_at").and_then(time::from_value);
            meta.end_time = sv.get("updated_at").and_then(time::from_value);
            meta.usage = Some(Usage {
                input_tokens: assemble::as_u64(sv.get("prompt_tokens")),
                output_tokens: assemble::as_u64(sv.get("completion_tokens")),
                ..Usage::default()
            });
            let mut messages: Vec<Message> = Vec::new();
            let mut calls = Calls::default();
            let rows = sqlrows::rows(
                conn,
                "SELECT * FROM messages WHERE session_id = ?1 ORDER BY created_at, rowid",
                [&id],
            )?;
            for row in rows {
                let rv = Value::Object(row.clone());
                let parts = json_col(&row, "parts");
                let role = match str_of(&rv, "role") {
                    Some("user") => Role::User,
                    Some("assistant") => Role::Assistant,
                    Some("system") => Role::System,
                    Some("tool") => {
                        for p in parts.as_array().into_iter().flatten() {
                            if str_of(p, "type") != Some("tool_result") {
                                continue;
                            }
                            let d = p.get("data").cloned().unwrap_or(Value::Null);
                            let text = assemble::text_of(d.get("content").unwrap_or(&Value::Null));
                            let err = d.get("is_error").and_then(Value::as_bool);
                            calls.fold(
                                &mut messages,
                                str_of(&d, "tool_call_id").unwrap_or(""),
                                str_of(&d, "name"),
                                text,
                                err,
                            );
                        }
                        continue;
                    }
                    _ => continue,
                };
                let mut m = Message::new(0, role, "");
                m.timestamp = rv.get("created_at").and_then(time::from_value);
                m.model = str_of(&rv, "model").map(str::to_string);
                if rv
                    .get("is_summary_message")
                    .and_then(Value::as_i64)
                    .unwrap_or(0)
                    != 0
                {
                    m.kind = Some(kind::COMPACTION_SUMMARY.into());
                }
                let mut pending = Vec::new();
                for p in parts.as_array().into_iter().flatten() {
                    let d = p.get("data").cloned().unwrap_or(Value::Null);
                    match str_of(p, "type").unwrap_or("") {
                        "text" => {
                            assemble::push_para(&mut m.content, str_of(&d, "text").unwrap_or(""))
                        }
                        "reasoning" => assemble::push_opt_para(
                            &mut m.annotations.thinking,
                            str_of(&d, "thinking").unwrap_or(""),
                        ),
                        "tool_call" => {
                            let input = match d.get("input") {
                                Some(Value::String(s)) => serde_json::from_str(s)
                                    .unwrap_or_else(|_| Value::from(s.as_str())),
                                Some(v) => v.clone(),
                                None => Value::Null,
                            };
                            let mut c =
                                ToolCall::new(str_of(&d, "name").unwrap_or("unknown"), input);
                            c.id = str_of(&d, "id").map(str::to_string);
                            pending.push(c);
                        }
                        "binary" => {
                            let a = assemble::base64_attachment(
                                "file",
                                str_of(&d, "mime_type"),
                                str_of(&d, "data").unwrap_or(""),
                            );
                            assemble::attach(&mut m, a);
                        }
                        "image_url" => {
                            let url = str_of(&d, "url").unwrap_or("");
                            let a = assemble::base64_attachment("image", None, url);
                            assemble::attach(&mut m, a);
                        }
                        "shell_command" => {
                            let mut c = ToolCall::new(
                                "shell",
                                serde_json::json!({"command": str_of(&d, "command")}),
                            );
                            c.result = str_of(&d, "output").map(str::to_string);
                            c.is_error = d.get("exit_code").and_then(Value::as_i64).map(|e| e != 0);
                            pending.push(c);
                        }
                        _ => {} // finish
                    }
                }
                messages.push(m);
                let idx = messages.len() - 1;
                for c in pending {
                    calls.add(&mut messages, idx, c);
                }
            }
            if messages.is_empty() {
                continue;
            }
            let mut session = Session::new(meta);
            session.messages = messages;
            assemble::finish(&mut session);
            sink.session(session);
        }
        Ok(())
    }
}
