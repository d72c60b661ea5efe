//! Shared helpers for the binaries' tests: hermetic commands and generated inputs.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::{json, Value};

/// The named binary with no user configuration leaking in.
pub fn bin(name: &str) -> Command {
    let mut cmd = Command::cargo_bin(name).expect("binary is built");
    for (k, _) in std::env::vars() {
        if k.starts_with("CC_") || k.starts_with("CODERCRUCIBLE") || k == "NO_COLOR" {
            cmd.env_remove(k);
        }
    }
    cmd
}

/// A recursive copy of a directory tree (a sample home a test may change).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dst = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dst);
        } else {
            std::fs::copy(e.path(), dst).unwrap();
        }
    }
}

pub fn repo_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

pub fn examples() -> PathBuf {
    repo_path("examples/sessions.ndjson")
}

/// NDJSON lines parsed as values.
pub fn values(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// A canonical v1 session with `n` exchanges, tool calls and thinking, varied by `seed`.
pub fn session(seed: usize, n: usize) -> Value {
    let mut messages = Vec::new();
    for i in 0..n {
        messages.push(json!({"index": 2 * i, "role": "user",
            "content": format!("question {i} of session {seed}: why does ünïcödé 🦀 break?"),
            "timestamp": 1_700_000_000 + (seed * 100 + 2 * i) as i64,
            "annotations": {"file_refs": [], "tool_calls": [], "thinking": null}}));
        messages.push(json!({"index": 2 * i + 1, "role": "assistant",
            "content": format!("answer {i}\n```rust\nfn f{seed}() -> u32 {{ {i} }}\n```"),
            "timestamp": 1_700_000_001 + (seed * 100 + 2 * i) as i64,
            "annotations": {"file_refs": [format!("src/f{seed}.rs")], "thinking": format!("think {i}"),
                "tool_calls": [{"id": format!("t{seed}_{i}"), "name": "Bash",
                                "args": {"command": format!("cargo test f{seed}")},
                                "result": "ok\n\ttab \"quoted\"", "is_error": i % 3 == 2}]}}));
    }
    json!({"meta": {"source_agent": if seed % 2 == 0 { "claude-code" } else { "codex" },
                    "session_id": format!("session-{seed}"), "project_hash": "0123456789abcdef",
                    "start_time": 1_700_000_000 + (seed * 100) as i64,
                    "end_time": 1_700_000_001 + (seed * 100 + 2 * n) as i64,
                    "quality_score": null, "schema_version": "1.0", "title": format!("Session {seed}")},
           "messages": messages})
}

/// `count` sessions as NDJSON.
pub fn ndjson(count: usize, exchanges: usize) -> String {
    let mut s = String::new();
    for i in 0..count {
        s.push_str(&session(i, exchanges).to_string());
        s.push('\n');
    }
    s
}
