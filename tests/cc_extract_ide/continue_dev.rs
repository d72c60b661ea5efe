use codercrucible::schema::Role;

use crate::common::*;

const S1: &str = "2f4e6a8c-0b1d-4e3f-a5b7-c9d1e3f5a701";
const S2: &str = "8b0d2f4a-6c8e-4a1b-b3d5-e7f9a1c3e502";
const S3: &str = "c4e6a8b0-d2f4-4c6e-8a0b-2d4f6a8c0e03";

#[test]
fn fixture_matches_expected() {
    let all = extract("continue");
    assert_eq!(all.len(), 3);
    use Role::{Assistant as A, User as U};

    let s1 = session(&all, S1);
    assert_eq!(s1.meta.title.as_deref(), Some("Haversine distance bug"));
    assert_eq!(
        s1.meta.project_path.as_deref(),
        Some("/home/alice/projects/geo-utils")
    );
    assert_eq!(s1.meta.start_time, Some(1741257000));
    assert_eq!(s1.meta.model.as_deref(), Some("gpt-4o-2024-08-06"));
    assert_eq!(roles(s1), vec![U, A, U, A]);
    assert!(s1.messages[0]
        .annotations
        .file_refs
        .contains(&"/home/alice/projects/geo-utils/geo/distance.py".to_string()));
    assert!(s1.messages[0].content.contains("alice.liddell@example.com"));
    assert!(has_fence(&s1.messages[1], "python"));
    assert!(has_fence(&s1.messages[3], "go"));

    // 7 history items: user, thinking, assistant+tool, tool, assistant+tool, tool, assistant.
    let s2 = session(&all, S2);
    assert_eq!(
        s2.meta.title.as_deref(),
        Some("Hard-coded AWS key in settings")
    );
    assert_eq!(
        s2.meta.project_path.as_deref(),
        Some("/home/alice/projects/django-shop")
    );
    assert_eq!(
        s2.meta.project_hash.as_deref(),
        Some(hash("/home/alice/projects/django-shop").as_str())
    );
    assert_eq!(s2.meta.start_time, Some(1761300000));
    assert_eq!(s2.meta.model.as_deref(), Some("claude-3-5-sonnet-20241022"));
    assert_eq!(s2.meta.extra["continue_mode"], "agent");
    assert_eq!(roles(s2), vec![U, A, A, A]);
    assert!(s2.messages[1]
        .annotations
        .thinking
        .as_deref()
        .unwrap()
        .contains("settings.py"));
    assert!(s2.messages[1].content.is_empty());
    assert_eq!(tool_names(s2), ["read_file", "run_terminal_command"]);
    let read = &s2.messages[1].annotations.tool_calls[0];
    assert_eq!(read.id.as_deref(), Some("toolu_01CnReadSettings"));
    assert_eq!(read.is_error, Some(false));
    assert!(read
        .result
        .as_deref()
        .unwrap()
        .contains("AKIAQZ7WN3FAKE5X2PLM"));
    let grep = &s2.messages[2].annotations.tool_calls[0];
    assert_eq!(grep.id.as_deref(), Some("toolu_01CnGrepKeys"));
    assert_eq!(grep.is_error, Some(true), "status errored");
    assert!(grep.result.as_deref().unwrap().contains("exit code 2"));
    assert_eq!(s2.messages[2].content, "Checking for other copies.");
    assert!(has_fence(&s2.messages[3], "python") && has_fence(&s2.messages[3], "yaml"));
    let u = s2.meta.usage.as_ref().unwrap();
    assert_eq!((u.input_tokens, u.output_tokens), (Some(21980), Some(734)));
    assert_eq!(u.extra["cost_usd"], 0.077);
    let per: Vec<_> = s2
        .messages
        .iter()
        .filter_map(|m| m.extra.get("usage"))
        .map(|u| u["promptTokens"].as_u64().unwrap())
        .collect();
    assert_eq!(per, [6800, 7100, 8080]);
    assert!(
        s2.messages.iter().all(|m| m.timestamp.is_none()),
        "no invented timestamps"
    );

    let s3 = session(&all, S3);
    assert_eq!(s3.meta.title.as_deref(), Some("Rotate leaked GitHub token"));
    assert_eq!(s3.meta.start_time, Some(1761303600));
    assert_eq!(roles(s3), vec![U, A]);
    assert!(s3.messages[0]
        .content
        .contains("ghp_FAKEfake0123456789abcdefABCDEF012345"));
    assert!(has_fence(&s3.messages[1], "bash"));
    for s in &all {
        assert!(
            !all_text(s).contains("sk-proj-"),
            "config keys never come out"
        );
    }
}

/// Session files the index does not list still come out; index entries without a file do not; a broken
/// file is reported and the rest continue; an empty history is no session.
#[test]
fn files_not_index_and_damage() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join(".continue/sessions");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(
        d.join("sessions.json"),
        r#"[{"sessionId":"gone","title":"Gone","dateCreated":"1700000000000"}]"#,
    )
    .unwrap();
    std::fs::write(d.join("orphan.json"), r#"{"sessionId":"orphan","title":"","workspaceDirectory":"file:///c%3A/Users/b%C3%B8b/x",
        "history":[{"message":{"role":"user","content":[{"type":"text","text":"see"},{"type":"imageUrl","imageUrl":{"url":"data:image/png;base64,aGk="}}]},"contextItems":[]}]}"#).unwrap();
    std::fs::write(d.join("broken.json"), "{\"sessionId\": ").unwrap();
    std::fs::write(
        d.join("empty.json"),
        r#"{"sessionId":"empty","history":[]}"#,
    )
    .unwrap();
    let out = extract_home("continue", dir.path());
    assert_eq!(out.sessions.len(), 1);
    let s = &out.sessions[0];
    assert_eq!(s.meta.session_id, "orphan");
    assert_eq!(s.meta.project_path.as_deref(), Some("c:/Users/bøb/x"));
    assert_eq!(s.meta.title.as_deref(), Some("see"));
    assert_eq!(s.messages[0].attachments[0].bytes, Some(2));
    assert!(!all_text(s).contains("aGk="));
    assert_eq!(out.problems.len(), 1);
    assert!(out.problems[0].path.ends_with("broken.json"));
}
