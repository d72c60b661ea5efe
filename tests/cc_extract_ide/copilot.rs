use codercrucible::schema::Role;
use rusqlite::Connection;
use serde_json::json;

use crate::common::*;

const S1: &str = "6d0f3c8a-41e2-4b7d-9c15-2a8e7f3b1d44";
const S2: &str = "c2b9e1d4-7a3f-4e6c-8b20-5d1f9a4e3c55";
const S3: &str = "f1e2d3c4-b5a6-4978-8a9b-0c1d2e3f4a66";
const PROJ: &str = "/home/alice/projects/inventory-service";

#[test]
fn fixture_matches_expected() {
    let all = extract("copilot");
    assert_eq!(
        all.len(),
        3,
        "index, memento and editing sessions are not sessions"
    );
    use Role::{Assistant as A, User as U};

    let s1 = session(&all, S1);
    assert_eq!(
        s1.meta.title.as_deref(),
        Some("Negative stock in reserve()")
    );
    assert_eq!(s1.meta.project_path.as_deref(), Some(PROJ));
    assert_eq!(s1.meta.project_hash.as_deref(), Some(hash(PROJ).as_str()));
    assert_eq!(s1.meta.start_time, Some(1757498400));
    assert_eq!(
        s1.meta.model.as_deref(),
        Some("gpt-4o-2024-08-06"),
        "resolved model, not the picker id"
    );
    assert_eq!(roles(s1), vec![U, A, U, A]);
    assert_eq!(s1.messages[0].timestamp, Some(1757498415));
    assert!(s1.messages[0]
        .annotations
        .file_refs
        .contains(&format!("{PROJ}/app/models.py")));
    let a = &s1.messages[1];
    assert!(a
        .annotations
        .thinking
        .as_deref()
        .unwrap()
        .contains("Read models.py"));
    assert_eq!(tool_names(s1), ["copilot_readFile", "run_in_terminal"]);
    let read = &a.annotations.tool_calls[0];
    assert_eq!(read.id.as_deref(), Some("call_Rd7xQm2LkP9s"));
    assert_eq!(
        read.args["filePath"],
        json!(format!("{PROJ}/app/models.py"))
    );
    assert!(read.result.as_deref().unwrap().contains("class Stock"));
    let run = &a.annotations.tool_calls[1];
    assert_eq!(run.id.as_deref(), Some("call_Tm4yWn8ZqR1c"));
    assert_eq!(run.args["command"], json!("pytest -q tests/test_stock.py"));
    assert_eq!(run.is_error, Some(true), "exit code 1");
    assert!(has_fence(a, "python") && has_fence(a, "bash"));
    assert_eq!(a.extra["usage"]["input_tokens"], 12840);
    assert_eq!(a.extra["usage"]["output_tokens"], 402);
    assert_eq!(a.extra["response_state"], "complete");
    assert_eq!(s1.messages[2].timestamp, Some(1757498529));
    assert!(has_fence(&s1.messages[3], "typescript"));
    assert_eq!(s1.messages[3].extra["usage"]["input_tokens"], 13420);
    assert_eq!(s1.messages[3].extra["usage"]["output_tokens"], 118);
    let u = s1.meta.usage.as_ref().unwrap();
    assert_eq!(
        (u.input_tokens, u.output_tokens),
        (Some(12840 + 13420), Some(402 + 118))
    );

    let s2 = session(&all, S2);
    assert_eq!(s2.meta.title.as_deref(), Some("Push from CI without a PAT"));
    assert_eq!(s2.meta.project_path.as_deref(), Some(PROJ));
    assert_eq!(s2.meta.start_time, Some(1769940000));
    assert_eq!(s2.meta.model.as_deref(), Some("claude-3-5-sonnet-20241022"));
    assert_eq!(roles(s2), vec![U, A, U, A]);
    assert_eq!(s2.messages[0].timestamp, Some(1769940012));
    assert!(s2.messages[0]
        .content
        .contains("ghp_FAKEfake0123456789abcdefABCDEF012345"));
    let a1 = &s2.messages[1];
    assert_eq!(
        a1.content.matches("Never embed a personal token").count(),
        1,
        "truncate, not duplicate"
    );
    assert!(has_fence(a1, "yaml"));
    assert_eq!(
        (
            a1.extra["usage"]["input_tokens"].as_u64(),
            a1.extra["usage"]["output_tokens"].as_u64()
        ),
        (Some(2210), Some(96))
    );
    assert_eq!(s2.messages[2].timestamp, Some(1769940090));
    assert!(s2.messages[2].content.contains("alice.liddell@example.com"));
    assert!(has_fence(&s2.messages[3], "bash"));
    assert_eq!(s2.messages[3].extra["usage"]["input_tokens"], 2460);
    assert_eq!(s2.messages[3].extra["usage"]["output_tokens"], 71);
    assert!(s2
        .messages
        .iter()
        .filter(|m| m.role == A)
        .all(|m| m.extra["response_state"] == "complete"));

    let s3 = session(&all, S3);
    assert_eq!(
        s3.meta.title.as_deref(),
        Some("boto3 InvalidClientTokenId"),
        "index title"
    );
    assert_eq!(s3.meta.project_path, None);
    assert_eq!(s3.meta.project_hash, None);
    assert_eq!(s3.meta.start_time, Some(1746093600));
    assert_eq!(s3.meta.model.as_deref(), Some("gpt-4o-2024-08-06"));
    assert_eq!(roles(s3), vec![U, A]);
    assert_eq!(s3.messages[0].timestamp, Some(1746093620));
    assert!(s3.messages[0].content.contains("AKIAQZ7WN3FAKE5X2PLM"));
    assert!(has_fence(&s3.messages[1], "python"));
    assert_eq!(s3.messages[1].extra["usage"]["input_tokens"], 1830);
    assert_eq!(s3.messages[1].extra["usage"]["output_tokens"], 88);
    for s in &all {
        assert!(
            !all_text(s).contains("alice-liddell"),
            "requesterUsername is not copied"
        );
    }
}

/// A stale `.json` twin loses to its `.jsonl`; a torn last line is ignored; the old `interactive.sessions`
/// key in a WAL-mode database comes out (skipping ids that have files); an Insiders build on macOS is found.
#[test]
fn log_wins_torn_line_and_legacy_key_in_wal() {
    let dir = tempfile::tempdir().unwrap();
    let ud = dir
        .path()
        .join("Library/Application Support/Code - Insiders/User");
    let ws = ud.join("workspaceStorage/ffff");
    std::fs::create_dir_all(ws.join("chatSessions")).unwrap();
    std::fs::write(
        ws.join("workspace.json"),
        r#"{"folder":"file:///Users/b/%E2%9C%93%20app"}"#,
    )
    .unwrap();
    let req = |t: &str| json!({"requestId": "r", "message": {"text": t}, "response": [{"value": format!("re: {t}")}]});
    std::fs::write(
        ws.join("chatSessions/s.json"),
        json!({"sessionId": "s", "requests": [req("stale")]}).to_string(),
    )
    .unwrap();
    let log = [
        json!({"kind": 0, "v": {"sessionId": "s", "creationDate": 1760000000000u64, "requests": []}}).to_string(),
        json!({"kind": 2, "k": ["requests"], "v": [req("fresh")]}).to_string(),
        "{\"kind\":1,\"k\":[\"customTi".to_string(),
    ];
    std::fs::write(ws.join("chatSessions/s.jsonl"), log.join("\n")).unwrap();
    let c = Connection::open(ws.join("state.vscdb")).unwrap();
    c.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0;
        CREATE TABLE ItemTable (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB);",
    )
    .unwrap();
    let legacy = json!([{"sessionId": "old", "requests": [{"message": "v1 question", "response": "v1 answer"}]},
                        {"sessionId": "s", "requests": [req("dup")]},
                        {"sessionId": "none", "requests": []}]);
    c.execute(
        "INSERT INTO ItemTable VALUES ('interactive.sessions', ?1)",
        [legacy.to_string()],
    )
    .unwrap();

    let mut env = env_at(dir.path());
    env.os = codercrucible::agents::Os::MacOs;
    let agent = codercrucible::agents::find("copilot").unwrap();
    let before = snapshot(dir.path());
    let mut out = Collect::default();
    for src in agent.sources(&env) {
        agent.extract(&src, &env, &mut out).unwrap();
    }
    assert_eq!(before, snapshot(dir.path()));
    drop(c);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let ids: Vec<_> = out
        .sessions
        .iter()
        .map(|s| s.meta.session_id.as_str())
        .collect();
    assert_eq!(ids, ["s", "old"]);
    let s = &out.sessions[0];
    assert_eq!(s.messages[0].content, "fresh");
    assert_eq!(s.meta.project_path.as_deref(), Some("/Users/b/✓ app"));
    assert_eq!(out.sessions[1].messages[1].content, "v1 answer");
}
