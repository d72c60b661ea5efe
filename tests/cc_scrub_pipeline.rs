//! `cc-extract --all --home FIXTURE | cc-scrub` over every agent fixture copied into tests/fixtures/agents:
//! none of the PII their EXPECTED.md files list as planted survives, and the output passes the leak gate.

use std::path::Path;

use assert_cmd::Command;

/// Planted values listed in the fixtures' EXPECTED.md files, besides the login `alice` (checked apart).
const PLANTED: &[&str] = &[
    "alice.smith@example.com",
    "alice.liddell@example.com",
    "AKIAJA0K84RQILLUW6QO",
    "AKIAQZ7WN3FAKE5X2PLM",
    "q70l4ou9nlMjRcLUD84We7jbrKPVlse2jRtQMuM/",
    "oAUI4QXq8RWKX944PVubnyR8",
    "FAKEfake0123456789abcdef",
    "claude-3-5-sonnet-20241022",
    "claude-sonnet-4-20250514",
    "claude-3-7-sonnet-20250219",
    "claude-sonnet-4-5-20250929",
    "gpt-4o-2024-08-06",
];

/// Variables that would send an agent's discovery away from `--home`.
const AGENT_VARS: &[&str] = &[
    "CLAUDE_CONFIG_DIR",
    "CODEX_HOME",
    "GEMINI_CLI_HOME",
    "XDG_DATA_HOME",
    "XDG_CONFIG_HOME",
    "AMP_DATA_DIR",
    "GOOSE_PATH_ROOT",
    "QWEN_DATA_DIR",
    "AIDER_CHAT_HISTORY_FILE",
];

fn extract(home: &Path) -> Vec<u8> {
    let mut c = Command::cargo_bin("cc-extract").unwrap();
    for v in AGENT_VARS {
        c.env_remove(v);
    }
    let out = c.arg("--all").arg("--home").arg(home).output().unwrap();
    assert!(
        out.status.success(),
        "cc-extract {}: {}",
        home.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn scrub(dir: &Path, input: Vec<u8>, extra: &[&str]) -> std::process::Output {
    Command::cargo_bin("cc-scrub")
        .unwrap()
        .env("XDG_CONFIG_HOME", dir.join("cfg"))
        .env("XDG_STATE_HOME", dir.join("state"))
        .env("HOME", dir)
        .args(["--no-local-identity", "--key-file"])
        .arg(dir.join("scrub.key"))
        .arg("--audit")
        .arg(dir.join("audit.ndjson"))
        .args(extra)
        .write_stdin(input)
        .output()
        .unwrap()
}

#[test]
fn extracted_fixture_sessions_lose_every_planted_item() {
    let agents = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/agents");
    let dir = tempfile::tempdir().unwrap();
    let mut all = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(&agents)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for agent in entries {
        all.extend(extract(&agent.join("home")));
    }
    let raw = String::from_utf8_lossy(&all).to_string();
    let present: Vec<&&str> = PLANTED.iter().filter(|p| raw.contains(**p)).collect();
    assert!(
        present.len() >= 8,
        "the extracted sessions should carry the planted items: {present:?}"
    );
    assert!(raw.contains("alice"));

    let out = scrub(dir.path(), all.clone(), &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(
        text.lines().count(),
        raw.lines().count(),
        "every session comes out"
    );
    for p in PLANTED {
        assert!(!text.contains(p), "{p} survived");
    }
    if let Some(i) = text.to_ascii_lowercase().find("alice") {
        panic!(
            "the login survived: …{}…",
            &text[i.saturating_sub(60)..(i + 40).min(text.len())]
        );
    }
    let gate = scrub(dir.path(), out.stdout.clone(), &["--check"]);
    assert_eq!(
        gate.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&gate.stdout)
    );
    let again = scrub(dir.path(), out.stdout.clone(), &[]);
    assert_eq!(again.stdout, out.stdout, "scrubbing is idempotent");
}
