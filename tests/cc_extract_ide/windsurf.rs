use codercrucible::schema::Role;
use serde_json::json;

use crate::common::*;

const W1: &str = "4a7c9e1b-2d3f-4b5a-8c6d-7e8f9a0b1c91";
const W2: &str = "d8c6b4a2-1e3f-4a5b-9c7d-0e2f4a6b8c92";
const PROJ: &str = "/home/alice/projects/kanban-board";

#[test]
fn fixture_matches_expected() {
    let all = extract("windsurf");
    assert_eq!(all.len(), 2);
    use Role::{Assistant as A, User as U};

    let s1 = session(&all, W1);
    assert_eq!(
        s1.meta.title.as_deref(),
        Some("Fix duplicated cards on drop")
    );
    assert_eq!(s1.meta.project_path.as_deref(), Some(PROJ));
    assert_eq!(s1.meta.project_hash.as_deref(), Some(hash(PROJ).as_str()));
    assert_eq!(s1.meta.start_time, Some(secs("2025-06-20T09:00:00Z")));
    assert_eq!(
        s1.meta.model.as_deref(),
        Some("MODEL_CLAUDE_3_5_SONNET_20241022")
    );
    assert_eq!(s1.meta.extra.get("body_unreadable"), None);
    assert_eq!(s1.meta.extra["steps"], 8);
    // 8 steps: 2 user, 4 planner responses, 2 tool outputs folded into their calls.
    assert_eq!(roles(s1), vec![U, A, A, A, U, A]);
    assert!(s1.messages[0].content.contains("alice.liddell@example.com"));
    assert_eq!(s1.messages[0].timestamp, Some(1750410000));
    assert_eq!(s1.messages[5].timestamp, Some(1750410064));
    assert!(s1.messages[1]
        .annotations
        .thinking
        .as_deref()
        .unwrap()
        .contains("nested droppables"));
    assert_eq!(tool_names(s1), ["view_file", "run_command"]);
    let view = &s1.messages[1].annotations.tool_calls[0];
    assert_eq!(view.id.as_deref(), Some("toolu_ws_01view"));
    assert_eq!(
        view.args["AbsolutePath"],
        json!(format!("{PROJ}/src/Board.tsx"))
    );
    assert!(view
        .result
        .as_deref()
        .unwrap()
        .contains("export function Board"));
    let run = &s1.messages[2].annotations.tool_calls[0];
    assert_eq!(run.id.as_deref(), Some("toolu_ws_02run"));
    assert_eq!(run.args["CommandLine"], json!("npm test -- Board"));
    assert_eq!(run.is_error, Some(true), "exit code 1");
    assert!(has_fence(&s1.messages[3], "tsx"));
    assert!(s1.messages[4]
        .content
        .contains("ghp_FAKEfake0123456789abcdefABCDEF012345"));
    assert!(s1
        .messages
        .iter()
        .filter(|m| m.role == A)
        .all(|m| m.model.as_deref() == Some("MODEL_CLAUDE_3_5_SONNET_20241022")));

    let s2 = session(&all, W2);
    assert_eq!(
        s2.meta.title.as_deref(),
        Some("Set up AWS deploy for kanban-board")
    );
    assert_eq!(s2.meta.extra["body_unreadable"], true);
    assert_eq!(s2.meta.extra["steps"], 23);
    assert_eq!(s2.meta.extra["body_bytes"], 9216);
    assert!(s2.messages.is_empty());
    assert_eq!(s2.meta.start_time, Some(secs("2025-06-17T09:00:00Z")));
    assert_eq!(s2.meta.end_time, Some(1750152600));
    assert_eq!(s2.meta.project_path.as_deref(), Some(PROJ));
    assert_eq!(
        s2.meta.model.as_deref(),
        Some("MODEL_CLAUDE_3_5_SONNET_20241022")
    );

    for s in &all {
        let t = all_text(s);
        assert!(!t.contains("sk-ws-01"), "auth status never comes out");
        assert!(!t.contains("Always use pnpm"), "memories are not sessions");
    }
}

/// Only `.pb` files (no database): metadata-only sessions; a damaged cache value is reported, not fatal.
#[test]
fn bodies_without_cache_and_damaged_cache() {
    let dir = tempfile::tempdir().unwrap();
    let cascade = dir.path().join(".codeium/windsurf/cascade");
    std::fs::create_dir_all(&cascade).unwrap();
    std::fs::write(cascade.join("abc.pb"), [0x8f, 0x13, 0x77, 0x01]).unwrap();
    let out = extract_home("windsurf", dir.path());
    assert_eq!(out.sessions.len(), 1);
    assert_eq!(out.sessions[0].meta.session_id, "abc");
    assert_eq!(out.sessions[0].meta.extra["body_unreadable"], true);

    let gs = dir.path().join(".config/Windsurf/User/globalStorage");
    std::fs::create_dir_all(&gs).unwrap();
    let c = rusqlite::Connection::open(gs.join("state.vscdb")).unwrap();
    c.execute_batch("CREATE TABLE ItemTable (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB);")
        .unwrap();
    let v = json!({"windsurf.state.cachedActiveTrajectory:w": "!!!not base64", "windsurf.state.cachedTrajectorySummaries:w": "/////w=="});
    c.execute(
        "INSERT INTO ItemTable VALUES ('codeium.windsurf', ?1)",
        [v.to_string()],
    )
    .unwrap();
    drop(c);
    let out = extract_home("windsurf", dir.path());
    assert_eq!(out.sessions.len(), 1, "the .pb still counts");
    assert_eq!(out.problems.len(), 2, "{:?}", out.problems);
}
