use codercrucible::schema::Role;
use rusqlite::Connection;

use crate::common::*;

const Z1: &str = "0f3a5c7e-9b1d-4f2a-8c4e-6a8b0c2d4e01";
const Z2: &str = "6b8d0f2a-4c6e-4a8b-9d1f-3e5a7c9b1d02";

#[test]
fn fixture_matches_expected() {
    let all = extract("zed");
    assert_eq!(all.len(), 2);
    use Role::{Assistant as A, User as U};

    let s1 = session(&all, Z1);
    assert_eq!(
        s1.meta.title.as_deref(),
        Some("Handle connections concurrently")
    );
    assert_eq!(
        s1.meta.project_path.as_deref(),
        Some("/home/alice/projects/tiny-http")
    );
    assert_eq!(
        s1.meta.project_hash.as_deref(),
        Some(hash("/home/alice/projects/tiny-http").as_str())
    );
    assert_eq!(
        s1.meta.model.as_deref(),
        Some("anthropic/claude-3-5-sonnet-20241022")
    );
    assert_eq!(s1.meta.start_time, Some(secs("2025-08-05T14:10:02Z")));
    assert_eq!(s1.meta.end_time, Some(secs("2025-08-05T14:21:40Z")));
    assert_eq!(roles(s1), vec![U, A, A, A, U, A]);
    assert!(s1.messages[0]
        .annotations
        .file_refs
        .contains(&"/home/alice/projects/tiny-http/src/main.rs".to_string()));
    assert!(s1.messages[1].annotations.thinking.is_some());
    assert_eq!(tool_names(s1), ["read_file", "terminal"]);
    let read = &s1.messages[1].annotations.tool_calls[0];
    assert_eq!(read.id.as_deref(), Some("toolu_01ZedRead"));
    assert_eq!(read.is_error, Some(false));
    assert!(read.result.as_deref().unwrap().contains("TcpListener"));
    let term = &s1.messages[2].annotations.tool_calls[0];
    assert_eq!(term.id.as_deref(), Some("toolu_01ZedTerm"));
    assert_eq!(term.is_error, Some(true));
    assert!(term.result.as_deref().unwrap().contains("exit code 101"));
    assert!(has_fence(&s1.messages[3], "rust"));
    assert!(s1.messages[4].content.contains("alice.liddell@example.com"));
    assert!(has_fence(&s1.messages[5], "markdown"));
    let u = s1.meta.usage.as_ref().unwrap();
    assert_eq!((u.input_tokens, u.output_tokens), (Some(15234), Some(1021)));
    assert_eq!(
        (u.cache_write_tokens, u.cache_read_tokens),
        (Some(9120), Some(4410))
    );
    let req: Vec<_> = s1
        .messages
        .iter()
        .filter_map(|m| m.extra.get("request_usage"))
        .collect();
    assert_eq!(
        req.len(),
        2,
        "request_token_usage keyed by the two user message ids"
    );
    assert_eq!(req[0]["input_tokens"], 11800);
    assert_eq!(req[1]["cache_read_input_tokens"], 4410);
    assert!(
        s1.messages.iter().all(|m| m.timestamp.is_none()),
        "Zed keeps no per-message times"
    );

    let s2 = session(&all, Z2);
    assert_eq!(s2.meta.title.as_deref(), Some("Sort photos by EXIF date"));
    assert_eq!(
        s2.meta.project_path.as_deref(),
        Some("/home/alice/projects/photo-sorter")
    );
    assert_eq!(s2.meta.model.as_deref(), Some("openai/gpt-4o-2024-08-06"));
    assert_eq!(s2.meta.start_time, Some(secs("2025-05-12T08:03:11Z")));
    assert_eq!(roles(s2), vec![U, A, U, A]);
    assert!(s2.messages[0].content.contains("AKIAQZ7WN3FAKE5X2PLM"));
    assert!(s2.messages[1].annotations.thinking.is_some());
    assert!(has_fence(&s2.messages[1], "python"));
    let grep = &s2.messages[1].annotations.tool_calls[0];
    assert_eq!(
        (grep.name.as_str(), grep.id.as_deref()),
        ("grep", Some("toolu_01ZedGrep"))
    );
    assert!(grep
        .result
        .as_deref()
        .unwrap()
        .contains("photo-sorter/sort.py"));
    assert!(has_fence(&s2.messages[3], "bash"));
    assert_eq!(s2.messages[0].extra["request_usage"]["input_tokens"], 1500);
    assert_eq!(s2.messages[1].extra["request_usage"]["output_tokens"], 70);
    assert!(s2.messages[2].extra.get("request_usage").is_none());
}

/// An old database without the later columns, in WAL mode with rows only in the WAL, and a corrupt blob.
#[test]
fn old_schema_wal_rows_and_corrupt_blob() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join(".local/share/zed/threads");
    std::fs::create_dir_all(&d).unwrap();
    let c = Connection::open(d.join("threads.db")).unwrap();
    c.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0;
         CREATE TABLE threads (id TEXT PRIMARY KEY, summary TEXT NOT NULL, updated_at TEXT NOT NULL,
                               data_type TEXT NOT NULL, data BLOB NOT NULL);",
    )
    .unwrap();
    let good = r#"{"summary":"Old","messages":[{"id":0,"role":"user","segments":[{"type":"text","text":"q"}]},
                  {"id":1,"role":"assistant","segments":[{"type":"text","text":"a"}]}]}"#;
    c.execute(
        "INSERT INTO threads VALUES ('a', 'Old', '2024-01-01T00:00:00Z', 'json', ?1)",
        [good.as_bytes()],
    )
    .unwrap();
    c.execute(
        "INSERT INTO threads VALUES ('b', 'Bad', '2024-01-02T00:00:00Z', 'zstd', x'00ff00ff')",
        [],
    )
    .unwrap();
    let before = snapshot(dir.path());
    let out = extract_home("zed", dir.path());
    assert_eq!(before, snapshot(dir.path()));
    drop(c);
    assert_eq!(out.sessions.len(), 1);
    assert_eq!(
        out.sessions[0].meta.start_time,
        Some(secs("2024-01-01T00:00:00Z"))
    );
    assert_eq!(out.problems.len(), 1);
    assert!(out.problems[0].message.contains("thread b"));
}
