//! OpenCode: `$XDG_DATA_HOME/opencode/opencode.db` (SQLite, 2026 on), the JSON storage before it
//! (`storage/session/<project>/<id>.json` + `message/` + `part/`), and the per-project storage of mid 2025
//! (`project/<dir>/storage/session/{info,message,part}`). A session in both SQLite and JSON (after OpenCode's
//! own migration) is read from SQLite. See `formats/cli-agents.md` §5.

use std::collections::HashSet;
use std::io;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::assemble::{self, str_of, Calls};
use super::sqlite::Snapshot;
use super::sqlrows::{self, json_col};
use super::{walk, Agent, Env, Problem, Sink, Source};
use crate::schema::{kind, Attachment, Message, Meta, Role, Session, ToolCall, Usage};
use crate::time;

pub struct OpenCode;

impl OpenCode {
    fn data(env: &Env) -> PathBuf {
        env.xdg_data().join("opencode")
    }
}

fn is_db(p: &Path) -> bool {
    let n = walk::name(p);
    n.starts_with("opencode") && n.ends_with(".db")
}

impl Agent for OpenCode {
    fn name(&self) -> &'static str {
        "opencode"
    }
    fn aliases(&self) -> &'static [&'static str] {
        &["open-code", "sst-opencode"]
    }

    fn roots(&self, env: &Env) -> Vec<PathBuf> {
        vec![Self::data(env)]
    }

    fn sources(&self, env: &Env) -> Vec<Source> {
        let data = Self::data(env);
        let dbs = walk::files(&data, 0, &is_db);
        let mut in_db: HashSet<String> = HashSet::new();
        for db in &dbs {
            if let Ok(snap) = Snapshot::open(db) {
                if let Ok(rows) = sqlrows::rows(snap.conn(), "SELECT id FROM session", []) {
                    in_db.extend(
                        rows.iter()
                            .filter_map(|r| r.get("id")?.as_str().map(str::to_string)),
                    );
                }
            }
        }
        let is_json = |p: &Path| p.extension().is_some_and(|e| e == "json");
        let mut out: Vec<Source> = dbs.into_iter().map(Source::at).collect();
        let mut infos = walk::files(&data.join("storage/session"), 1, &is_json);
        for project in walk::subdirs(&data.join("project")) {
            infos.extend(walk::files(
                &project.join("storage/session/info"),
                0,
                &is_json,
            ));
        }
        for p in infos {
            let stem = p.file_stem().and_then(|s| s.to_str()).unwrap_or("");
            if !in_db.contains(stem) {
                out.push(Source::at(p));
            }
        }
        out
    }

    fn extract(&self, source: &Source, _env: &Env, sink: &mut dyn Sink) -> io::Result<()> {
        if is_db(&source.path) {
            from_db(&source.path, sink)
        } else {
            from_files(&source.path, sink)
        }
    }
}

/// Message info and its parts, as OpenCode stores them.
struct Msg {
    info: Value,
    parts: Vec<Value>,
}

fn from_db(path: &Path, sink: &mut dyn Sink) -> io::Result<()> {
    let snap = Snapshot::open(path)?;
    let conn = snap.conn();
    for s in sqlrows::rows(conn, "SELECT * FROM session ORDER BY time_created, id", [])? {
        let id = s
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let mut info = Map::new();
        for (k, col) in [
            ("id", "id"),
            ("title", "title"),
            ("version", "version"),
            ("directory", "directory"),
            ("parentID", "parent_id"),
            ("slug", "slug"),
        ] {
            if let Some(v) = s.get(col).filter(|v| !v.is_null()) {
                info.insert(k.into(), v.clone());
            }
        }
        let mut t = Map::new();
        for (k, col) in [("created", "time_created"), ("updated", "time_updated")] {
            if let Some(v) = s.get(col) {
                t.insert(k.into(), v.clone());
            }
        }
        info.insert("time".into(), Value::Object(t));
        let mut msgs = Vec::new();
        let rows = sqlrows::rows(
            conn,
            "SELECT * FROM message WHERE session_id = ?1 ORDER BY time_created, id",
            [&id],
        )?;
        for m in rows {
            let mid = m
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let mut minfo = json_col(&m, "data");
            if let Some(o) = minfo.as_object_mut() {
                o.insert("id".into(), Value::from(mid.as_str()));
            }
            let parts = sqlrows::rows(
                conn,
                "SELECT * FROM part WHERE message_id = ?1 ORDER BY id",
                [&mid],
            )?
            .iter()
            .map(|p| {
                let mut d = json_col(p, "data");
                if let (Some(o), Some(pid)) = (d.as_object_mut(), p.get("id")) {
                    o.insert("id".into(), pid.clone());
                }
                d
            })
            .collect();
            msgs.push(Msg { info: minfo, parts });
        }
        if let Some(session) = build(&Value::Object(info), msgs) {
            sink.session(session);
        }
    }
    Ok(())
}

fn read_json(path: &Path, sink: &mut dyn Sink) -> Option<Value> {
    let bytes = std::fs::read(path).ok()?;
    match serde_json::from_slice(&bytes) {
        Ok(v) => Some(v),
        Err(e) => {
            sink.problem(Problem::new(
                path,
                None,
                format!("skipped unreadable file: {e}"),
            ));
            None
        }
    }
}

fn json_files(dir: &Path) -> Vec<PathBuf> {
    walk::files(dir, 0, &|p: &Path| {
        p.extension().is_some_and(|e| e == "json")
    })
}

/// A session from the JSON storage: `storage/session/<project>/<id>.json`, its `message/<id>/` and
/// `part/<messageId>/` (or the per-project layout's `session/info|message|part`).
fn from_files(info_path: &Path, sink: &mut dyn Sink) -> io::Result<()> {
    let bytes = std::fs::read(info_path)?;
    let info: Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(e) => {
            sink.problem(Problem::new(
                info_path,
                None,
                format!("skipped unreadable file: {e}"),
            ));
            return Ok(());
        }
    };
    let sid = str_of(&info, "id").map(str::to_string).unwrap_or_else(|| {
        info_path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("")
            .to_string()
    });
    let per_project = info_path.parent().is_some_and(|p| walk::name(p) == "info");
    // storage/session/<project>/<id>.json  or  storage/session/info/<id>.json
    let storage = info_path.ancestors().nth(3).unwrap_or(Path::new("."));
    let (msg_dir, part_dir) = if per_project {
        (
            storage.join("session/message").join(&sid),
            storage.join("session/part").join(&sid),
        )
    } else {
        (storage.join("message").join(&sid), storage.join("part"))
    };
    let mut msgs = Vec::new();
    for mp in json_files(&msg_dir) {
        let Some(minfo) = read_json(&mp, sink) else {
            continue;
        };
        let mid = str_of(&minfo, "id").map(str::to_string).unwrap_or_else(|| {
            mp.file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("")
                .to_string()
        });
        let mut parts: Vec<Value> = json_files(&part_dir.join(&mid))
            .iter()
            .filter_map(|p| read_json(p, sink))
            .collect();
        parts.sort_by(|a, b| str_of(a, "id").cmp(&str_of(b, "id")));
        msgs.push(Msg { info: minfo, parts });
    }
    msgs.sort_by(|a, b| {
        let t = |m: &Msg| {
            m.info
                .pointer("/time/created")
                .and_then(Value::as_i64)
                .unwrap_or(0)
        };
        t(a).cmp(&t(b))
            .then_with(|| str_of(&a.info, "id").cmp(&str_of(&b.info, "id")))
    });
    if let Some(session) = build(&info, msgs) {
        sink.session(session);
    }
    Ok(())
}

fn build(info: &Value, msgs: Vec<Msg>) -> Option<Session> {
    let mut meta = Meta::new("opencode", str_of(info, "id").unwrap_or(""));
    meta.title = str_of(info, "title").map(str::to_string);
    meta.agent_version = str_of(info, "version").map(str::to_string);
    meta.project_path = str_of(info, "directory").map(str::to_string);
    meta.parent_session_id = str_of(info, "parentID").map(str::to_string);
    meta.start_time = info.pointer("/time/created").and_then(time::from_value);
    meta.end_time = info.pointer("/time/updated").and_then(time::from_value);
    if let Some(slug) = str_of(info, "slug") {
        meta.extra.insert("slug".into(), Value::from(slug));
    }
    let mut messages: Vec<Message> = Vec::new();
    let mut calls = Calls::default();
    let mut usage = Usage::default();
    for Msg { info: mi, parts } in msgs {
        let role = match str_of(&mi, "role") {
            Some("user") => Role::User,
            Some("assistant") => Role::Assistant,
            Some("system") => Role::System,
            _ => continue,
        };
        let mut m = Message::new(0, role, "");
        m.timestamp = mi.pointer("/time/created").and_then(time::from_value);
        if role == Role::Assistant {
            let model = str_of(&mi, "modelID")
                .or_else(|| mi.pointer("/model/modelID").and_then(Value::as_str));
            let provider = str_of(&mi, "providerID")
                .or_else(|| mi.pointer("/model/providerID").and_then(Value::as_str));
            m.model = match (provider, model) {
                (Some(p), Some(m)) => Some(format!("{p}/{m}")),
                (None, Some(m)) => Some(m.to_string()),
                _ => None,
            };
            if mi.get("summary").and_then(Value::as_bool) == Some(true) {
                m.kind = Some(kind::COMPACTION_SUMMARY.into());
            }
            if let Some(e) = mi.get("error").filter(|e| !e.is_null()) {
                m.extra.insert("error".into(), e.clone());
            }
            if let Some(t) = mi.get("tokens") {
                let g = |p: &str| assemble::as_u64(t.pointer(p));
                assemble::add_usage(
                    &mut usage,
                    &Usage {
                        input_tokens: g("/input"),
                        output_tokens: g("/output"),
                        reasoning_tokens: g("/reasoning"),
                        cache_read_tokens: g("/cache/read"),
                        cache_write_tokens: g("/cache/write"),
                        ..Usage::default()
                    },
                );
            }
        }
        let mut injected: Vec<Value> = Vec::new();
        let mut pending: Vec<ToolCall> = Vec::new();
        for p in &parts {
            match str_of(p, "type").unwrap_or("") {
                "text" => {
                    let t = str_of(p, "text").unwrap_or("");
                    if p.get("synthetic").and_then(Value::as_bool) == Some(true) {
                        injected.push(Value::from(t));
                    } else if p.get("ignored").and_then(Value::as_bool) != Some(true) {
                        assemble::push_para(&mut m.content, t);
                    }
                }
                "reasoning" => assemble::push_opt_para(
                    &mut m.annotations.thinking,
                    str_of(p, "text").unwrap_or(""),
                ),
                "tool" => pending.push(tool_call(p)),
                "file" => {
                    let a = file_attachment(p);
                    if let Some(path) = p.pointer("/source/path").and_then(Value::as_str) {
                        if !m.annotations.file_refs.iter().any(|f| f == path) {
                            m.annotations.file_refs.push(path.to_string());
                        }
                    }
                    assemble::attach(&mut m, a);
                }
                "compaction" => m.kind = Some(kind::COMMAND.into()),
                "patch" => {
                    for f in p
                        .get("files")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        if let Some(f) = f.as_str() {
                            if !m.annotations.file_refs.iter().any(|x| x == f) {
                                m.annotations.file_refs.push(f.to_string());
                            }
                        }
                    }
                }
                _ => {} // step-start, step-finish, snapshot, agent, subtask, retry
            }
        }
        if !injected.is_empty() {
            if role == Role::User && m.content.is_empty() && m.attachments.is_empty() {
                m.kind = Some(kind::INJECTED_CONTEXT.into());
                m.content = injected
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join("\n\n");
            } else {
                m.extra
                    .insert("injected_context".into(), Value::Array(injected));
            }
        }
        messages.push(m);
        let idx = messages.len() - 1;
        for c in pending {
            calls.add(&mut messages, idx, c);
        }
    }
    if messages.is_empty() {
        return None;
    }
    meta.usage = Some(usage);
    let mut s = Session::new(meta);
    s.messages = messages;
    assemble::finish(&mut s);
    Some(s)
}

/// A `tool` part: the call and its result live in the same part (`state`).
fn tool_call(p: &Value) -> ToolCall {
    let state = p.get("state").cloned().unwrap_or(Value::Null);
    let mut c = ToolCall::new(
        str_of(p, "tool").unwrap_or("unknown"),
        state.get("input").cloned().unwrap_or(Value::Null),
    );
    c.id = str_of(p, "callID").map(str::to_string);
    let status = str_of(&state, "status");
    match status {
        Some("completed") => {
            c.result = Some(assemble::text_of(
                state.get("output").unwrap_or(&Value::Null),
            ));
            let exit = state.pointer("/metadata/exit").and_then(Value::as_i64);
            c.is_error = Some(exit.is_some_and(|e| e != 0));
        }
        Some("error") => {
            c.result = Some(assemble::text_of(
                state.get("error").unwrap_or(&Value::Null),
            ));
            c.is_error = Some(true);
        }
        _ => {}
    }
    if let Some(s) = status {
        c.extra.insert("status".into(), Value::from(s));
    }
    if let Some(child) = state.pointer("/metadata/sessionId").and_then(Value::as_str) {
        c.extra
            .insert("child_session_id".into(), Value::from(child));
    }
    c
}

fn file_attachment(p: &Value) -> Attachment {
    let mime = str_of(p, "mime");
    let url = str_of(p, "url").unwrap_or("");
    let mut a = if url.starts_with("data:") {
        assemble::base64_attachment(
            if mime.is_some_and(|m| m.starts_with("image/")) {
                "image"
            } else {
                "file"
            },
            mime,
            url,
        )
    } else {
        Attachment {
            kind: "file".into(),
            media_type: mime.map(str::to_string),
            name: None,
            bytes: None,
            sha256: None,
            extra: Default::default(),
        }
    };
    a.name = str_of(p, "filename").map(str::to_string);
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::agents::Collect;

    #[test]
    fn the_per_project_storage_of_mid_2025_is_found_and_read() {
        let home = tempfile::tempdir().unwrap();
        let storage = home
            .path()
            .join(".local/share/opencode/project/home-alice-shop/storage/session");
        let write = |rel: &str, v: serde_json::Value| {
            let p = storage.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, v.to_string()).unwrap();
        };
        write(
            "info/ses_a.json",
            serde_json::json!({"id": "ses_a", "title": "Old layout", "time": {"created": 1750000000000u64}}),
        );
        write(
            "message/ses_a/msg_1.json",
            serde_json::json!({"id": "msg_1", "role": "user", "time": {"created": 1750000001000u64}}),
        );
        write(
            "part/ses_a/msg_1/prt_1.json",
            serde_json::json!({"id": "prt_1", "type": "text", "text": "hello"}),
        );
        write(
            "message/ses_a/msg_2.json",
            serde_json::json!({"id": "msg_2", "role": "assistant", "modelID": "m", "providerID": "p", "time": {"created": 1750000002000u64}}),
        );
        write(
            "part/ses_a/msg_2/prt_2.json",
            serde_json::json!({"id": "prt_2", "type": "text", "text": "hi"}),
        );
        let mut env = Env::with_home(home.path());
        env.vars.remove("XDG_DATA_HOME");
        let sources = OpenCode.sources(&env);
        assert_eq!(sources.len(), 1);
        let mut c = Collect::default();
        OpenCode.extract(&sources[0], &env, &mut c).unwrap();
        let s = &c.0[0];
        assert_eq!(s.meta.title.as_deref(), Some("Old layout"));
        let texts: Vec<_> = s.messages.iter().map(|m| m.content.as_str()).collect();
        assert_eq!(texts, ["hello", "hi"]);
        assert_eq!(s.meta.model.as_deref(), Some("p/m"));
    }
}
