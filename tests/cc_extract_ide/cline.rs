use codercrucible::schema::Role;
use serde_json::json;

use crate::common::*;

use Role::{Assistant as A, User as U};

#[test]
fn cline_fixture_matches_expected() {
    let all = extract("cline");
    assert_eq!(all.len(), 3);

    // Session 1: XML tools; 8 API messages = 1 prompt + 4 answers + 3 tool-result carriers.
    assert!(
        all.iter().all(|s| !s.meta.extra.contains_key("ui_errors")),
        "no error events in this fixture"
    );
    let s1 = session(&all, "1738400400000");
    assert_eq!(s1.meta.start_time, Some(secs("2025-02-01T09:00:00Z")));
    assert_eq!(s1.meta.end_time, Some(1738400426));
    assert!(s1
        .meta
        .title
        .as_deref()
        .unwrap()
        .starts_with("The login form in src/components/Login.tsx submits twice"));
    assert_eq!(
        s1.meta.project_path.as_deref(),
        Some("/home/alice/projects/storefront")
    );
    assert_eq!(
        s1.meta.project_hash.as_deref(),
        Some(hash("/home/alice/projects/storefront").as_str())
    );
    assert_eq!(s1.meta.model.as_deref(), Some("claude-3-5-sonnet-20241022"));
    assert_eq!(roles(s1), vec![U, A, A, A, A]);
    assert!(s1.messages[0].content.contains("alice.liddell@example.com"));
    assert!(!s1.messages[0].content.contains("<environment_details>"));
    assert_eq!(
        tool_names(s1),
        [
            "read_file",
            "execute_command",
            "replace_in_file",
            "attempt_completion"
        ]
    );
    assert!(
        s1.messages[1].annotations.thinking.is_some()
            && s1.messages[2].annotations.thinking.is_some()
    );
    assert!(s1.messages[3].annotations.thinking.is_none());
    let calls: Vec<_> = s1
        .messages
        .iter()
        .flat_map(|m| &m.annotations.tool_calls)
        .collect();
    assert_eq!(calls[0].args["path"], json!("src/components/Login.tsx"));
    assert!(calls[0].result.as_deref().unwrap().contains("useState"));
    assert!(calls[1]
        .result
        .as_deref()
        .unwrap()
        .contains("npm ERR! Test failed"));
    assert!(calls[2]
        .result
        .as_deref()
        .unwrap()
        .contains("successfully saved"));
    assert_eq!(calls[3].result, None);
    assert!(
        has_fence(&s1.messages[4], "tsx"),
        "the completion text is the visible answer"
    );
    let u = s1.meta.usage.as_ref().unwrap();
    assert_eq!(
        u.input_tokens,
        Some(42571),
        "4 api_req_started entries sum to the history total"
    );
    assert_eq!(u.output_tokens, Some(511));
    assert_eq!(u.extra["cost_usd"], json!(0.0642));
    assert_eq!(
        s1.messages
            .iter()
            .filter(|m| m.extra.contains_key("usage"))
            .count(),
        4
    );
    assert!(s1.messages.iter().all(|m| m.timestamp.is_some()));

    // Session 2: native tool_use / tool_result.
    let s2 = session(&all, "1760443200000");
    assert_eq!(s2.meta.start_time, Some(secs("2025-10-14T12:00:00Z")));
    assert_eq!(s2.meta.end_time, Some(1760443216));
    assert_eq!(
        s2.meta.project_path.as_deref(),
        Some("/home/alice/projects/s3-uploader")
    );
    assert_eq!(s2.meta.model.as_deref(), Some("claude-sonnet-4-20250514"));
    assert_eq!(roles(s2), vec![U, A, A, A, A]);
    assert!(s2.messages[1..]
        .iter()
        .all(|m| m.model.as_deref() == Some("claude-sonnet-4-20250514")));
    assert_eq!(
        tool_names(s2),
        [
            "read_file",
            "read_file",
            "execute_command",
            "attempt_completion"
        ]
    );
    let calls: Vec<_> = s2
        .messages
        .iter()
        .flat_map(|m| &m.annotations.tool_calls)
        .collect();
    let ids: Vec<_> = calls.iter().map(|c| c.id.as_deref().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "toolu_01UpReadScript",
            "toolu_01UpReadEnv",
            "toolu_01UpRunDry",
            "toolu_01UpDone"
        ]
    );
    assert!(calls[1]
        .result
        .as_deref()
        .unwrap()
        .contains("AKIAQZ7WN3FAKE5X2PLM"));
    assert_eq!(calls[2].is_error, Some(true));
    assert!(calls[2]
        .result
        .as_deref()
        .unwrap()
        .contains("NoCredentialsError"));
    assert_eq!(calls[3].result, None);
    assert!(
        s2.messages[1].annotations.thinking.is_some()
            && s2.messages[4].annotations.thinking.is_some()
    );
    assert!(has_fence(&s2.messages[4], "python") && has_fence(&s2.messages[4], "bash"));
    let u = s2.meta.usage.as_ref().unwrap();
    assert_eq!((u.input_tokens, u.output_tokens), (Some(46020), Some(482)));
    assert_eq!(
        s2.messages
            .iter()
            .filter(|m| m.extra.contains_key("usage"))
            .count(),
        4
    );

    // Session 3: plan mode, a follow-up inside the tool result.
    let s3 = session(&all, "1761130800000");
    assert_eq!(s3.meta.start_time, Some(secs("2025-10-22T11:00:00Z")));
    assert_eq!(
        s3.meta.project_path.as_deref(),
        Some("/home/alice/projects/notes-cli")
    );
    assert_eq!(s3.meta.model.as_deref(), Some("gpt-4o-2024-08-06"));
    assert_eq!(roles(s3), vec![U, A, U, A]);
    assert!(s3.messages[0]
        .content
        .contains("ghp_FAKEfake0123456789abcdefABCDEF012345"));
    assert_eq!(s3.messages[2].content, "Ok, what TOML library?");
    assert_eq!(
        s3.messages[2].timestamp,
        Some(1761130840),
        "user_feedback time"
    );
    assert_eq!(tool_names(s3), ["plan_mode_respond", "plan_mode_respond"]);
    assert!(has_fence(&s3.messages[1], "go") && has_fence(&s3.messages[3], "go"));
    let u = s3.meta.usage.as_ref().unwrap();
    assert_eq!((u.input_tokens, u.output_tokens), (Some(16580), Some(255)));
    assert_eq!(
        s3.messages
            .iter()
            .filter(|m| m.extra.contains_key("usage"))
            .count(),
        2
    );
}

#[test]
fn roo_fixture_matches_expected() {
    let all = extract("roo-code");
    assert_eq!(all.len(), 2);
    let s1 = session(&all, "0b9e6c52-3f1a-4d7e-8c2b-9a4f1e6d3c71");
    assert_eq!(s1.meta.source_agent, "roo-code");
    assert_eq!(s1.meta.start_time, Some(1746698400));
    assert_eq!(
        s1.meta.project_path.as_deref(),
        Some("/home/alice/projects/weather-dash")
    );
    assert_eq!(s1.meta.extra["mode"], "code");
    assert_eq!(s1.meta.model.as_deref(), Some("claude-3-7-sonnet-20250219"));
    assert_eq!(roles(s1), vec![U, A, A, A, A]);
    assert_eq!(s1.messages[1].timestamp, Some(1746698405));
    assert_eq!(
        tool_names(s1),
        [
            "read_file",
            "execute_command",
            "apply_diff",
            "attempt_completion"
        ]
    );
    let calls: Vec<_> = s1
        .messages
        .iter()
        .flat_map(|m| &m.annotations.tool_calls)
        .collect();
    assert_eq!(calls[0].args["args"]["file"]["path"], json!("src/api.ts"));
    assert_eq!(calls[1].is_error, Some(true), "exit code 1");
    assert!(calls[1].result.as_deref().unwrap().contains("TypeError"));
    assert!(has_fence(&s1.messages[4], "ts"));
    let u = s1.meta.usage.as_ref().unwrap();
    assert_eq!((u.input_tokens, u.output_tokens), (Some(53410), Some(452)));
    assert_eq!(
        s1.messages
            .iter()
            .filter(|m| m.extra.contains_key("usage"))
            .count(),
        4
    );

    let s2 = session(&all, "5e7a2d90-8c4b-4f13-a6e1-2b3c4d5e6f72");
    assert_eq!(s2.meta.start_time, Some(1763380800));
    assert_eq!(
        s2.meta.project_path.as_deref(),
        Some("/home/alice/projects/release-bot")
    );
    assert_eq!(s2.meta.extra["mode"], "debug");
    assert_eq!(s2.meta.model.as_deref(), Some("claude-sonnet-4-5-20250929"));
    assert_eq!(roles(s2), vec![U, A, A]);
    assert!(s2.messages[1].annotations.thinking.is_some());
    let calls: Vec<_> = s2
        .messages
        .iter()
        .flat_map(|m| &m.annotations.tool_calls)
        .collect();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].id.as_deref(), Some("toolu_01RooRead"));
    assert!(calls[0]
        .result
        .as_deref()
        .unwrap()
        .contains("ghp_FAKEfake0123456789abcdefABCDEF012345"));
    assert_eq!(
        (calls[1].id.as_deref(), calls[1].result.as_deref()),
        (Some("toolu_01RooDone"), None)
    );
    assert!(has_fence(&s2.messages[2], "bash"));
    assert_eq!(
        s2.messages
            .iter()
            .filter(|m| m.extra.contains_key("usage"))
            .count(),
        2
    );
    for s in &all {
        assert!(!all_text(s).contains("customInstructions"));
    }
}

#[test]
fn kilo_fixture_matches_expected() {
    let all = extract("kilo-code");
    assert_eq!(all.len(), 3);
    let proj = "/home/alice/projects/ledger-rs";
    for s in &all {
        assert_eq!(s.meta.source_agent, "kilo-code");
        assert_eq!(s.meta.project_path.as_deref(), Some(proj));
        assert_eq!(s.meta.model.as_deref(), Some("openai/gpt-4o-2024-08-06"));
        assert!(s.messages.iter().all(|m| m.annotations.thinking.is_none()));
        assert!(!all_text(s).contains("kilocodeToken"));
    }
    let s1 = session(&all, "7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e81");
    assert_eq!(s1.meta.start_time, Some(1758016800));
    assert_eq!(s1.meta.extra["mode"], "orchestrator");
    assert_eq!(
        s1.meta.extra["child_session_ids"],
        json!(["9e8d7c6b-5a49-4382-9170-6f5e4d3c2b82"])
    );
    assert_eq!(s1.meta.parent_session_id, None);
    assert_eq!(roles(s1), vec![U, A, A]);
    assert_eq!(tool_names(s1), ["new_task", "attempt_completion"]);
    let calls: Vec<_> = s1
        .messages
        .iter()
        .flat_map(|m| &m.annotations.tool_calls)
        .collect();
    assert_eq!(calls[0].id.as_deref(), Some("call_K1newtask"));
    assert!(calls[0].result.is_some());
    assert_eq!(
        (calls[1].id.as_deref(), calls[1].result.as_deref()),
        (Some("call_K1done"), None)
    );

    let s2 = session(&all, "9e8d7c6b-5a49-4382-9170-6f5e4d3c2b82");
    assert_eq!(s2.meta.start_time, Some(1758016803));
    assert_eq!(s2.meta.extra["mode"], "code");
    assert_eq!(
        s2.meta.parent_session_id.as_deref(),
        Some("7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e81")
    );
    assert_eq!(roles(s2), vec![U, A, A, A]);
    assert_eq!(
        tool_names(s2),
        ["apply_diff", "execute_command", "attempt_completion"]
    );
    let calls: Vec<_> = s2
        .messages
        .iter()
        .flat_map(|m| &m.annotations.tool_calls)
        .collect();
    let ids: Vec<_> = calls.iter().map(|c| c.id.as_deref().unwrap()).collect();
    assert_eq!(ids, ["call_K2write", "call_K2test", "call_K2done"]);
    assert_eq!(calls[1].args["command"], json!("cargo test"));
    assert_eq!(calls[1].is_error, Some(false), "exit 0");
    assert!(calls[1]
        .result
        .as_deref()
        .unwrap()
        .contains("ghp_FAKEfake0123456789abcdefABCDEF012345"));
    assert!(has_fence(&s2.messages[3], "rust"));

    let s3 = session(&all, "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c83");
    assert_eq!(s3.meta.start_time, Some(1758362400));
    assert_eq!(s3.meta.extra["mode"], "ask");
    assert_eq!(roles(s3), vec![U, A]);
    assert!(s3.messages[0].content.contains("AKIAQZ7WN3FAKE5X2PLM"));
    assert!(tool_names(s3).is_empty());
    assert!(has_fence(&s3.messages[1], "rust") && has_fence(&s3.messages[1], "sql"));
}

/// A task without its API file (UI log only), one with truncated JSON, and a history entry whose directory
/// is gone; the extension installed in Cursor and in a VS Code profile.
#[test]
fn damaged_tasks_and_other_products() {
    let dir = tempfile::tempdir().unwrap();
    let ext = dir
        .path()
        .join(".config/Cursor/User/globalStorage/saoudrizwan.claude-dev");
    let t1 = ext.join("tasks/1700000000000");
    std::fs::create_dir_all(&t1).unwrap();
    std::fs::write(
        t1.join("ui_messages.json"),
        json!([
        {"ts": 1700000000000u64, "type": "say", "say": "task", "text": "list files"},
        {"ts": 1700000001000u64, "type": "ask", "ask": "command", "text": "ls"},
        {"ts": 1700000002000u64, "type": "say", "say": "command_output", "text": "a b"},
        {"ts": 1700000002500u64, "type": "ask", "ask": "api_req_failed", "text": "529 overloaded"},
        {"ts": 1700000003000u64, "type": "say", "say": "completion_result", "text": "two files"}])
        .to_string(),
    )
    .unwrap();
    let t2 = ext.join("tasks/1700000100000");
    std::fs::create_dir_all(&t2).unwrap();
    std::fs::write(
        t2.join("api_conversation_history.json"),
        "[{\"role\": \"user\", \"content\": [{\"type\": \"te",
    )
    .unwrap();
    std::fs::create_dir_all(ext.join("state")).unwrap();
    std::fs::write(
        ext.join("state/taskHistory.json"),
        json!([{"id": "999", "task": "gone"},
        {"id": "1700000000000", "task": "List the files", "cwdOnTaskInitialization": "/w/p"}])
        .to_string(),
    )
    .unwrap();
    let prof = dir.path().join(
        ".config/Code/User/profiles/abc/globalStorage/saoudrizwan.claude-dev/tasks/1700000200000",
    );
    std::fs::create_dir_all(&prof).unwrap();
    std::fs::write(prof.join("api_conversation_history.json"), json!([
        {"role": "user", "content": "<task>\nhi\n</task>"}, {"role": "assistant", "content": "hello"}]).to_string()).unwrap();

    let out = extract_home("cline", dir.path());
    let ids: Vec<_> = out
        .sessions
        .iter()
        .map(|s| s.meta.session_id.as_str())
        .collect();
    assert_eq!(ids, ["1700000200000", "1700000000000"]);
    let ui = session(&out.sessions, "1700000000000");
    assert_eq!(ui.meta.title.as_deref(), Some("List the files"));
    assert_eq!(ui.meta.project_path.as_deref(), Some("/w/p"));
    assert_eq!(roles(ui), vec![U, A, A]);
    assert_eq!(
        ui.messages[1].annotations.tool_calls[0].result.as_deref(),
        Some("a b")
    );
    assert_eq!(
        ui.meta.extra["ui_errors"],
        json!([{"timestamp": 1700000002, "kind": "api_req_failed", "text": "529 overloaded"}])
    );
    let prof = session(&out.sessions, "1700000200000");
    assert_eq!(
        prof.meta.start_time,
        Some(1700000200),
        "task id is the creation time"
    );
    assert_eq!(prof.messages[0].content, "hi");
    assert_eq!(out.problems.len(), 1);
    assert!(out.problems[0]
        .path
        .ends_with("api_conversation_history.json"));
}
