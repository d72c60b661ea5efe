//! The real `cc-extract` binary over every IDE agent's fixture home: sessions on stdout as v1 NDJSON, nothing
//! on stderr, exit 0, and the home byte-identical afterwards.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use codercrucible::schema::Session;

fn home(agent: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/agents")
        .join(agent)
        .join("home")
}

fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.clone(), fs::read(&p).unwrap());
            }
        }
    }
    out
}

fn run(agent: &str) -> Vec<Session> {
    let h = home(agent);
    let before = snapshot(&h);
    let out = Command::cargo_bin("cc-extract")
        .unwrap()
        .arg(agent)
        .arg("--home")
        .arg(&h)
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("XDG_DATA_HOME")
        .output()
        .unwrap();
    assert_eq!(snapshot(&h), before, "{agent}: home changed");
    assert!(
        out.status.success(),
        "{agent}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{agent}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn ids(s: &[Session]) -> Vec<&str> {
    let mut v: Vec<&str> = s.iter().map(|s| s.meta.session_id.as_str()).collect();
    v.sort();
    v
}

#[test]
fn every_ide_agent_through_the_binary() {
    let cases: &[(&str, &[&str], usize)] = &[
        (
            "cursor",
            &[
                "3f9c2e1a-7b4d-4c8e-9a1f-2d6b5e8c0a11",
                "8a1d4f7e-2c9b-4e3a-b6d5-0f1e2a3b4c22",
                "b7e4c2a1-9d8f-4e6b-a5c3-1f2e3d4c5b33",
            ],
            17,
        ),
        (
            "copilot",
            &[
                "6d0f3c8a-41e2-4b7d-9c15-2a8e7f3b1d44",
                "c2b9e1d4-7a3f-4e6c-8b20-5d1f9a4e3c55",
                "f1e2d3c4-b5a6-4978-8a9b-0c1d2e3f4a66",
            ],
            10,
        ),
        (
            "cline",
            &["1738400400000", "1760443200000", "1761130800000"],
            14,
        ),
        (
            "roo-code",
            &[
                "0b9e6c52-3f1a-4d7e-8c2b-9a4f1e6d3c71",
                "5e7a2d90-8c4b-4f13-a6e1-2b3c4d5e6f72",
            ],
            8,
        ),
        (
            "kilo-code",
            &[
                "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c83",
                "7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e81",
                "9e8d7c6b-5a49-4382-9170-6f5e4d3c2b82",
            ],
            9,
        ),
        (
            "continue",
            &[
                "2f4e6a8c-0b1d-4e3f-a5b7-c9d1e3f5a701",
                "8b0d2f4a-6c8e-4a1b-b3d5-e7f9a1c3e502",
                "c4e6a8b0-d2f4-4c6e-8a0b-2d4f6a8c0e03",
            ],
            10,
        ),
        (
            "windsurf",
            &[
                "4a7c9e1b-2d3f-4b5a-8c6d-7e8f9a0b1c91",
                "d8c6b4a2-1e3f-4a5b-9c7d-0e2f4a6b8c92",
            ],
            6,
        ),
        (
            "zed",
            &[
                "0f3a5c7e-9b1d-4f2a-8c4e-6a8b0c2d4e01",
                "6b8d0f2a-4c6e-4a8b-9d1f-3e5a7c9b1d02",
            ],
            10,
        ),
    ];
    for (agent, want, messages) in cases {
        let got = run(agent);
        assert_eq!(ids(&got), *want, "{agent}");
        assert!(got.iter().all(|s| s.meta.source_agent == *agent));
        assert_eq!(
            got.iter().map(|s| s.messages.len()).sum::<usize>(),
            *messages,
            "{agent}"
        );
    }
}

#[test]
fn list_counts_ide_sessions() {
    let out = Command::cargo_bin("cc-extract")
        .unwrap()
        .args(["cursor", "windsurf", "--list", "--home"])
        .arg(home("cursor"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let rows: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows[0]["agent"], "cursor");
    assert_eq!(rows[0]["sessions"], 3);
    assert_eq!(rows[1]["agent"], "windsurf");
    assert_eq!(rows[1]["sessions"], 0);
}

/// A database whose newest rows live only in its `-wal` (main file last written long ago) is not skipped by
/// `--since`, and comes out with the originals untouched.
#[test]
fn since_sees_rows_that_live_in_the_wal() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join(".local/share/zed/threads");
    fs::create_dir_all(&d).unwrap();
    let db = d.join("threads.db");
    let c = rusqlite::Connection::open(&db).unwrap();
    c.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0;
         CREATE TABLE threads (id TEXT PRIMARY KEY, summary TEXT NOT NULL, updated_at TEXT NOT NULL,
                               data_type TEXT NOT NULL, data BLOB NOT NULL);",
    )
    .unwrap();
    let data = r#"{"messages":[{"id":0,"role":"user","segments":[{"type":"text","text":"q"}]}]}"#;
    c.execute(
        "INSERT INTO threads VALUES ('new', 'New', '2026-01-01T00:00:00Z', 'json', ?1)",
        [data.as_bytes()],
    )
    .unwrap();
    let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_577_836_800);
    fs::File::options()
        .write(true)
        .open(&db)
        .unwrap()
        .set_modified(old)
        .unwrap();
    let before = snapshot(dir.path());
    let out = Command::cargo_bin("cc-extract")
        .unwrap()
        .args(["zed", "--since", "2025-06-01", "--home"])
        .arg(dir.path())
        .env_remove("XDG_DATA_HOME")
        .output()
        .unwrap();
    assert_eq!(snapshot(dir.path()), before);
    drop(c);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.contains("\"session_id\":\"new\""));
}

#[test]
fn list_says_windsurf_bodies_are_encrypted() {
    let out = Command::cargo_bin("cc-extract")
        .unwrap()
        .args(["windsurf", "--list", "--home"])
        .arg(home("windsurf"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let row: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(row["agent"], "windsurf");
    assert!(row["note"].as_str().unwrap().contains("encrypted"), "{row}");
    let out = Command::cargo_bin("cc-extract")
        .unwrap()
        .args(["codex", "--list", "--home"])
        .arg(home("codex"))
        .output()
        .unwrap();
    let row: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(row["note"].is_null());
}
