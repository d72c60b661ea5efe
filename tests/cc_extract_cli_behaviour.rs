//! `cc-extract` as a command: every agent at once, agents' directories left untouched, damaged files reported
//! by path and line while the rest is extracted, `--list`, filters and environment overrides.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use codercrucible::schema::Session;

const AGENTS: &[&str] = &[
    "claude-code",
    "codex",
    "gemini",
    "opencode",
    "aider",
    "qwen-code",
    "amp",
    "goose",
    "crush",
];
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

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/agents")
}

fn cmd() -> Command {
    let mut c = Command::cargo_bin("cc-extract").unwrap();
    for v in AGENT_VARS {
        c.env_remove(v);
    }
    c
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &dest);
        } else {
            fs::copy(e.path(), &dest).unwrap();
        }
    }
}

/// One home holding every terminal agent's fixture.
fn merged_home() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for a in AGENTS {
        copy_tree(&fixtures().join(a).join("home"), dir.path());
    }
    dir
}

/// Every file under `dir` with its bytes and modification time.
fn snapshot(dir: &Path, out: &mut BTreeMap<PathBuf, (Vec<u8>, std::time::SystemTime)>) {
    for e in fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let md = fs::symlink_metadata(e.path()).unwrap();
        if md.is_dir() {
            snapshot(&e.path(), out);
        } else {
            out.insert(
                e.path(),
                (fs::read(e.path()).unwrap(), md.modified().unwrap()),
            );
        }
    }
}

fn sessions(stdout: &[u8]) -> Vec<Session> {
    std::str::from_utf8(stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn all_agents_in_a_stable_order_and_the_home_is_left_byte_identical() {
    let home = merged_home();
    // A live SQLite database: rows still in the write-ahead log must be read, and the log left alone.
    let db = home.path().join("work/shop/.crush/crush.db");
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch("PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0;")
        .unwrap();
    conn.execute(
        "INSERT INTO sessions (id, title, updated_at, created_at) VALUES ('live', 'From the WAL', 1762960000, 1762960000000)",
        [],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO messages (id, session_id, role, parts, created_at, updated_at) VALUES ('m', 'live', 'user', '[{\"type\":\"text\",\"data\":{\"text\":\"hi\"}}]', 1762960000001, 1762960000001)",
        [],
    )
    .unwrap();

    let mut before = BTreeMap::new();
    snapshot(home.path(), &mut before);
    let out = cmd()
        .arg("--all")
        .arg("--home")
        .arg(home.path())
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    assert!(out.status.success());
    let mut after = BTreeMap::new();
    snapshot(home.path(), &mut after);
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
    assert!(before == after, "a file inside the home changed");
    drop(conn);

    let all = sessions(&out.stdout);
    let per_agent: Vec<(String, usize)> = AGENTS
        .iter()
        .map(|a| {
            (
                a.to_string(),
                all.iter().filter(|s| s.meta.source_agent == *a).count(),
            )
        })
        .collect();
    let want = [4, 3, 4, 4, 3, 1, 1, 1, 3];
    assert_eq!(
        per_agent.iter().map(|p| p.1).collect::<Vec<_>>(),
        want,
        "{per_agent:?}"
    );
    assert!(all
        .iter()
        .any(|s| s.meta.title.as_deref() == Some("From the WAL")));
    // Output order: agents in registry order, whatever the thread count.
    let order: Vec<&str> = all.iter().map(|s| s.meta.source_agent.as_str()).collect();
    let registry: Vec<&str> = codercrucible::agents::all()
        .iter()
        .map(|a| a.name())
        .collect();
    let mut sorted = order.clone();
    sorted.sort_by_key(|a| registry.iter().position(|x| x == a));
    assert_eq!(order, sorted);
    let one = cmd()
        .args(["--all", "--threads", "1", "--home"])
        .arg(home.path())
        .output()
        .unwrap();
    assert_eq!(one.stdout, out.stdout);
}

#[test]
fn damaged_files_are_reported_by_path_and_line_and_the_rest_is_extracted() {
    let home = tempfile::tempdir().unwrap();
    copy_tree(&fixtures().join("claude-code/home"), home.path());
    copy_tree(&fixtures().join("codex/home"), home.path());
    let proj = home.path().join(".claude/projects/-home-alice-work-shop");
    // A corrupt line in the middle of a session, and a session whose last line is still being written.
    let s1 = proj.join("2b1c7e4a-5d3f-4a8e-9c21-6f0e8d7b3a15.jsonl");
    let mut text = fs::read_to_string(&s1).unwrap();
    let second = text.find('\n').unwrap() + 1;
    text.insert_str(
        second,
        "{\"type\":\"user\",\"message\":{\"content\":\"tru\n",
    );
    fs::write(&s1, text).unwrap();
    let s2 = proj.join("7f3e9a61-0c4b-4d2e-8b5a-3e1f9c6d2a48.jsonl");
    let mut partial = fs::read(&s2).unwrap();
    partial.extend_from_slice(
        b"{\"parentUuid\":\"x\",\"type\":\"assistant\",\"message\":{\"content\":[{\"type\":\"te",
    );
    fs::write(&s2, partial).unwrap();
    // Invalid UTF-8 inside a string, CRLF endings.
    let s3 = home.path().join(
        ".claude/projects/-home-alice-oss-ledger-cli/c41d0b7e-92a6-4f13-a8e5-0d6b1f2c9e37.jsonl",
    );
    let crlf = fs::read_to_string(&s3).unwrap().replace('\n', "\r\n");
    let (head, tail) = crlf.split_once("Also handle").unwrap();
    fs::write(
        &s3,
        [head.as_bytes(), b"Also h\xe9ndle", tail.as_bytes()].concat(),
    )
    .unwrap();
    // A Codex rollout that is not JSONL at all.
    let bad = home.path().join(".codex/sessions/2025/11/04");
    fs::create_dir_all(&bad).unwrap();
    fs::write(
        bad.join("rollout-2025-11-04T10-00-00-0000.jsonl"),
        b"\x00\x01garbage\nmore garbage\n",
    )
    .unwrap();

    let out = cmd()
        .args(["claude", "codex", "--home"])
        .arg(home.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 3, "{stderr}");
    assert!(
        lines[0].starts_with(&format!("cc-extract: {}:2: ", s1.display())),
        "{stderr}"
    );
    assert!(
        lines[1].contains("rollout-2025-11-04T10-00-00-0000.jsonl:1: "),
        "{stderr}"
    );
    assert!(
        lines[2].contains("rollout-2025-11-04T10-00-00-0000.jsonl:2: "),
        "{stderr}"
    );
    let all = sessions(&out.stdout);
    assert_eq!(all.len(), 4 + 3);
    let s2 = all
        .iter()
        .find(|s| s.meta.session_id.starts_with("7f3e9a61") && !s.meta.session_id.contains(':'))
        .unwrap();
    assert_eq!(s2.messages.len(), 10);
    let s3 = all
        .iter()
        .find(|s| s.meta.session_id.starts_with("c41d0b7e"))
        .unwrap();
    assert!(s3.messages[2].content.starts_with("Also h\u{fffd}ndle"));
    assert!(!s3.messages[2].content.contains('\r'));
}

#[test]
fn a_file_still_being_written_is_not_an_error() {
    let home = tempfile::tempdir().unwrap();
    copy_tree(&fixtures().join("claude-code/home"), home.path());
    let f = home
        .path()
        .join(".claude/projects/-home-alice-work-shop/2b1c7e4a-5d3f-4a8e-9c21-6f0e8d7b3a15.jsonl");
    let mut b = fs::read(&f).unwrap();
    b.extend_from_slice(b"{\"type\":\"user\",\"uuid\":\"zz\",\"message\":{\"content\":\"half");
    fs::write(&f, b).unwrap();
    cmd()
        .args(["claude-code", "--home"])
        .arg(home.path())
        .assert()
        .success()
        .stderr("");
}

#[test]
fn list_says_where_it_looked_and_what_it_found() {
    let home = merged_home();
    let out = cmd()
        .args(["--all", "--list", "--home"])
        .arg(home.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let rows: Vec<serde_json::Value> = std::str::from_utf8(&out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // One row per agent, in registry order (the IDE agents' rows are there too, with nothing found).
    let names: Vec<&str> = rows.iter().map(|r| r["agent"].as_str().unwrap()).collect();
    let mine: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| AGENTS.contains(n))
        .collect();
    assert_eq!(mine, AGENTS);
    let row = |a: &str| rows.iter().find(|r| r["agent"] == a).unwrap();
    let claude = row("claude-code");
    assert_eq!(claude["sessions"], 4);
    assert_eq!(claude["sources"], 4);
    assert_eq!(claude["first"], "2025-08-29T19:45:05Z");
    assert!(claude["bytes"].as_u64().unwrap() > 30_000);
    let root = &claude["roots"][0];
    assert_eq!(root["exists"], true);
    assert!(root["path"].as_str().unwrap().ends_with(".claude/projects"));
    assert_eq!(row("codex")["sessions"], 3);
    assert_eq!(row("crush")["sessions"], 2);
    // --list writes nothing else to stdout.
    assert!(rows.iter().all(|r| r.get("messages").is_none()));
}

#[test]
fn since_session_and_project_filters() {
    let home = fixtures().join("claude-code/home");
    let run = |args: &[&str]| {
        let out = cmd()
            .arg("claude")
            .arg("--home")
            .arg(&home)
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success());
        sessions(&out.stdout)
            .into_iter()
            .map(|s| s.meta.session_id)
            .collect::<Vec<_>>()
    };
    assert_eq!(run(&["--since", "2025-10-01"]).len(), 3);
    assert_eq!(run(&["--since", "2025-10-21T13:00:00Z"]).len(), 2);
    assert_eq!(
        run(&["--session", "2b1c7e4a"]),
        ["2b1c7e4a-5d3f-4a8e-9c21-6f0e8d7b3a15"]
    );
    assert_eq!(
        run(&["--project", "/home/alice/oss/ledger-cli/"]),
        ["c41d0b7e-92a6-4f13-a8e5-0d6b1f2c9e37"]
    );
    assert_eq!(run(&["--project", "/home/alice/work"]).len(), 3);
    assert!(run(&["--project", "/home/alice/wor"]).is_empty());
}

#[test]
fn agents_own_environment_overrides_are_honoured() {
    let empty = tempfile::tempdir().unwrap();
    let codex_home = fixtures().join("codex/home/.codex");
    let out = cmd()
        .args(["codex", "--home"])
        .arg(empty.path())
        .env("CODEX_HOME", &codex_home)
        .output()
        .unwrap();
    assert_eq!(sessions(&out.stdout).len(), 3);
    let claude = fixtures().join("claude-code/home/.claude");
    let out = cmd()
        .args(["claude", "--home"])
        .arg(empty.path())
        .env(
            "CLAUDE_CONFIG_DIR",
            format!("/nonexistent,{}", claude.display()),
        )
        .output()
        .unwrap();
    assert_eq!(sessions(&out.stdout).len(), 4);
    let data = fixtures().join("opencode/home/.local/share");
    let out = cmd()
        .args(["opencode", "--home"])
        .arg(empty.path())
        .env("XDG_DATA_HOME", &data)
        .output()
        .unwrap();
    assert_eq!(sessions(&out.stdout).len(), 4);
}

#[test]
fn aider_and_crush_projects_outside_the_home_are_found_with_scan() {
    let empty = tempfile::tempdir().unwrap();
    let out = cmd()
        .args(["aider", "crush", "--home"])
        .arg(empty.path())
        .arg("--scan")
        .arg(fixtures().join("aider/home"))
        .arg("--scan")
        .arg(fixtures().join("crush/home"))
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(sessions(&out.stdout).len(), 3 + 2);
}

#[test]
fn usage_errors_exit_2_with_a_message() {
    cmd()
        .arg("nope")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("unknown agent \"nope\""));
    cmd()
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--all"));
    cmd()
        .args(["claude", "--since", "yesterday", "--home", "."])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--since"));
}

#[test]
fn a_copied_home_gives_the_same_session_ids() {
    // An archive or a backup of a home must not look like new sessions to `--since-last` or push.
    let ids = |home: &Path| -> Vec<(String, String)> {
        let out = cmd().arg("--all").arg("--home").arg(home).output().unwrap();
        let mut ids: Vec<(String, String)> = sessions(&out.stdout)
            .into_iter()
            .map(|s| (s.meta.source_agent, s.meta.session_id))
            .collect();
        ids.sort();
        ids
    };
    let a = merged_home();
    let b = tempfile::tempdir().unwrap();
    copy_tree(a.path(), &b.path().join("elsewhere/deeper"));
    let first = ids(a.path());
    assert!(first.iter().any(|(agent, _)| agent == "aider"));
    assert_eq!(first, ids(&b.path().join("elsewhere/deeper")));
}
