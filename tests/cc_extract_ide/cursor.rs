use codercrucible::schema::Role;
use rusqlite::Connection;
use serde_json::json;

use crate::common::*;

const C1: &str = "3f9c2e1a-7b4d-4c8e-9a1f-2d6b5e8c0a11";
const C2: &str = "8a1d4f7e-2c9b-4e3a-b6d5-0f1e2a3b4c22";
const T1: &str = "b7e4c2a1-9d8f-4e6b-a5c3-1f2e3d4c5b33";
const PROJ: &str = "/home/alice/projects/payments-api";

#[test]
fn fixture_matches_expected() {
    let all = extract("cursor");
    assert_eq!(
        all.len(),
        3,
        "3 sessions; prompts/generations caches are not sessions"
    );
    for s in &all {
        assert_eq!(s.meta.source_agent, "cursor");
        assert_eq!(s.meta.project_path.as_deref(), Some(PROJ));
        assert_eq!(s.meta.project_hash.as_deref(), Some(hash(PROJ).as_str()));
    }

    let s1 = session(&all, C1);
    assert_eq!(s1.meta.title.as_deref(), Some("Fix flaky retry test"));
    assert_eq!(s1.meta.model.as_deref(), Some("claude-3-5-sonnet-20241022"));
    assert_eq!(s1.meta.git_branch.as_deref(), Some("fix/flaky-retry"));
    assert_eq!(s1.messages.len(), 9);
    use Role::{Assistant as A, User as U};
    assert_eq!(roles(s1), vec![U, A, A, A, A, A, U, A, A]);
    assert!(s1.messages[0].content.contains("alice.liddell@example.com"));
    assert!(s1.messages[0]
        .annotations
        .file_refs
        .contains(&format!("{PROJ}/tests/test_client.py")));
    assert!(s1.messages[1].content.is_empty());
    assert!(s1.messages[1]
        .annotations
        .thinking
        .as_deref()
        .unwrap()
        .contains("fake clock"));
    let calls: Vec<_> = s1
        .messages
        .iter()
        .flat_map(|m| &m.annotations.tool_calls)
        .collect();
    assert_eq!(calls.len(), 4);
    assert_eq!(
        tool_names(s1),
        [
            "read_file_v2",
            "run_terminal_command_v2",
            "edit_file_v2",
            "read_file_v2"
        ]
    );
    let ids: Vec<_> = calls.iter().map(|c| c.id.clone().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "toolu_01AbCdReadTestFile",
            "toolu_01AbCdRunPytest",
            "toolu_01AbCdEditTest",
            "toolu_01AbCdReadEnv"
        ]
    );
    assert!(calls[0]
        .result
        .as_deref()
        .unwrap()
        .contains("def test_retry_backoff"));
    assert_eq!(calls[1].is_error, Some(true), "exitCodeV2 1 is the error");
    assert!(calls[1].result.as_deref().unwrap().contains("1 failed"));
    assert_eq!(calls[0].is_error, Some(false));
    assert_eq!(
        calls[2].args["relativeWorkspacePath"],
        json!("tests/test_client.py")
    );
    assert!(calls[3]
        .result
        .as_deref()
        .unwrap()
        .contains("AKIAQZ7WN3FAKE5X2PLM"));
    assert!(has_fence(&s1.messages[5], "python") && has_fence(&s1.messages[5], "bash"));
    assert!(has_fence(&s1.messages[8], "yaml"));
    let usage = s1.meta.usage.as_ref().unwrap();
    assert_eq!(usage.input_tokens, Some(18234 + 24001));
    assert_eq!(usage.output_tokens, Some(912 + 188));
    assert_eq!(s1.messages[0].timestamp, Some(secs("2025-01-02T15:00:05Z")));
    assert_eq!(s1.messages[8].timestamp, Some(secs("2025-01-02T15:02:11Z")));
    assert_eq!(s1.meta.start_time, Some(secs("2025-01-02T15:00:00Z")));
    assert!(s1.messages.iter().all(|m| m.timestamp.is_some()));

    let s2 = session(&all, C2);
    assert_eq!(s2.meta.title.as_deref(), Some("Running total in SQL"));
    assert_eq!(s2.meta.model, None);
    assert_eq!(roles(s2), vec![U, A, U, A]);
    assert!(s2.messages[0]
        .content
        .contains("ghp_FAKEfake0123456789abcdefABCDEF012345"));
    assert!(has_fence(&s2.messages[1], "sql"));
    assert!(has_fence(&s2.messages[3], "typescript"));
    assert_eq!(s2.messages[1].timestamp, Some(1732095019));
    assert_eq!(s2.messages[3].timestamp, Some(1732095105));
    assert_eq!(s2.messages[0].timestamp, None);
    assert_eq!(s2.meta.start_time, Some(1732095000));

    let s3 = session(&all, T1);
    assert_eq!(
        s3.meta.title.as_deref(),
        Some("Explain multi-stage Dockerfile")
    );
    assert_eq!(s3.meta.model.as_deref(), Some("gpt-4o-2024-08-06"));
    assert_eq!(roles(s3), vec![U, A, U, A]);
    assert!(s3.messages.iter().all(|m| m.timestamp.is_none()));
    assert_eq!(s3.meta.end_time, Some(1719487200));
    assert!(s3.messages[0]
        .annotations
        .file_refs
        .contains(&format!("{PROJ}/Dockerfile")));
    assert!(has_fence(&s3.messages[1], "dockerfile"));
    assert!(s3.messages[2].content.contains("/home/alice"));
    assert!(has_fence(&s3.messages[3], "bash"));

    // Secrets outside sessions never come out.
    for s in &all {
        let t = all_text(s);
        assert!(!t.contains("cachedEmail"));
    }
}

/// A Cursor home with every generation side by side, WAL-only rows, an orphaned header, a missing
/// workspace.json, a corrupt row, a subagent and a percent-encoded unicode folder.
#[test]
fn generations_side_by_side_with_wal_only_rows_and_damage() {
    let dir = tempfile::tempdir().unwrap();
    let ud = dir.path().join(".config/Cursor/User");
    let gs = ud.join("globalStorage");
    std::fs::create_dir_all(&gs).unwrap();
    let ws_a = ud.join("workspaceStorage/aaaa");
    let ws_b = ud.join("workspaceStorage/bbbb");
    std::fs::create_dir_all(&ws_a).unwrap();
    std::fs::create_dir_all(&ws_b).unwrap();
    std::fs::write(
        ws_a.join("workspace.json"),
        r#"{"folder":"file:///home/bob/%D0%9F%D1%80%D0%BE%D0%B5%D0%BA%D1%82"}"#,
    )
    .unwrap();
    // ws_b has no workspace.json.

    let kv = |c: &Connection, t: &str, k: &str, v: &str| {
        c.execute(
            &format!("INSERT INTO {t} (key, value) VALUES (?1, ?2)"),
            [k, v],
        )
        .unwrap();
    };
    let g = Connection::open(gs.join("state.vscdb")).unwrap();
    g.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0;
         CREATE TABLE ItemTable (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB);
         CREATE TABLE cursorDiskKV (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB);",
    )
    .unwrap();
    // 3.x header index: new composer first, then an orphan, then the parent.
    kv(
        &g,
        "ItemTable",
        "composer.composerHeaders",
        &json!({"allComposers": [
        {"composerId": "new", "name": "", "workspaceIdentifier": {"id": "aaaa"}},
        {"composerId": "orphan", "name": "gone"},
        {"composerId": "parent", "name": "Parent"}]})
        .to_string(),
    );
    kv(&g, "cursorDiskKV", "composerData:new", &json!({"_v": 16, "composerId": "new", "createdAt": 1767225600000u64,
        "fullConversationHeadersOnly": [{"bubbleId": "b1", "type": 1}, {"bubbleId": "missing", "type": 2},
                                        {"bubbleId": "b2", "type": 2}, {"bubbleId": "bad", "type": 2}],
        "conversationMap": {}}).to_string());
    kv(&g, "cursorDiskKV", "bubbleId:new:b1", &json!({"type": 1, "text": "héllo wörld, a long first prompt",
        "createdAt": 1767225601000u64, "images": [{"data": "aGVsbG8gd29ybGQgaGVsbG8gd29ybGQgaGVsbG8gd29ybGQgaGVsbG8gd29ybGQgaGVsbG8=", "mimeType": "image/png"}]}).to_string());
    kv(
        &g,
        "cursorDiskKV",
        "bubbleId:new:b2",
        &json!({"type": 2, "text": "answer", "someFutureKey": {"x": 1}}).to_string(),
    );
    kv(&g, "cursorDiskKV", "bubbleId:new:bad", "{not json");
    kv(
        &g,
        "cursorDiskKV",
        "composerData:parent",
        &json!({"composerId": "parent", "name": "Parent",
        "conversation": [{"type": 1, "text": "spawn"}, {"type": 2, "text": "ok"}]})
        .to_string(),
    );
    kv(&g, "cursorDiskKV", "composerData:child", &json!({"composerId": "child",
        "subagentInfo": {"parentComposerId": "parent"},
        "conversation": [{"type": 1, "text": "sub task", "workspaceUris": ["file:///srv/x"]}, {"type": 2, "text": "done"}]}).to_string());
    kv(
        &g,
        "cursorDiskKV",
        "composerData:empty",
        &json!({"composerId": "empty", "fullConversationHeadersOnly": []}).to_string(),
    );
    kv(
        &g,
        "cursorDiskKV",
        "composerData:corrupt",
        "\u{1}\u{2}garbage",
    );
    // The WAL holds everything (no checkpoint), keep the writer open while reading.
    assert!(gs.join("state.vscdb-wal").metadata().unwrap().len() > 0);

    let w = Connection::open(ws_b.join("state.vscdb")).unwrap();
    w.execute_batch("CREATE TABLE ItemTable (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB);")
        .unwrap();
    kv(
        &w,
        "ItemTable",
        "composer.composerData",
        &json!({"allComposers": [
        {"composerId": "local", "name": "Local one", "createdAt": 1720000000000u64,
         "conversation": [{"type": 1, "text": "q"}, {"type": 2, "text": "a"}]},
        {"type": "head", "composerId": "parent"}]})
        .to_string(),
    );
    kv(
        &w,
        "ItemTable",
        "aiService.prompts",
        &json!([{"text": "q", "commandType": 4}]).to_string(),
    );
    drop(w);

    let before = snapshot(dir.path());
    let out = extract_home("cursor", dir.path());
    assert_eq!(before, snapshot(dir.path()));
    drop(g);

    let ids: Vec<_> = out
        .sessions
        .iter()
        .map(|s| s.meta.session_id.as_str())
        .collect();
    assert_eq!(
        ids,
        ["new", "parent", "child", "local"],
        "header order, then by key, then workspace-local"
    );
    assert_eq!(out.problems.len(), 2, "{:?}", out.problems);
    let new = session(&out.sessions, "new");
    assert_eq!(new.meta.project_path.as_deref(), Some("/home/bob/Проект"));
    assert_eq!(new.messages.len(), 2);
    assert_eq!(
        new.meta.title.as_deref(),
        Some("héllo wörld, a long first prompt")
    );
    let att = &new.messages[0].attachments[0];
    assert_eq!(att.kind, "image");
    assert_eq!(att.media_type.as_deref(), Some("image/png"));
    assert!(new.messages[0].content.contains("[image: image/png"));
    assert!(
        !all_text(new).contains("aGVsbG8"),
        "no base64 in the output"
    );
    let child = session(&out.sessions, "child");
    assert_eq!(child.meta.parent_session_id.as_deref(), Some("parent"));
    assert_eq!(child.meta.project_path.as_deref(), Some("/srv/x"));
    let parent = session(&out.sessions, "parent");
    assert_eq!(
        parent.meta.project_path, None,
        "listed by a workspace without workspace.json"
    );
    assert_eq!(
        session(&out.sessions, "local").meta.start_time,
        Some(1720000000)
    );
}
