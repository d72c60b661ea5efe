//! Fault injection through the real binaries: torn files, files growing while read, a database locked by a
//! writer, missing directories, a full disk, a closed stdout, and JSON values too deep or very large.
//! Each test checks what the user is told (file, line, cause), the exit status, and that nothing already
//! written is lost or half-written.
//!
//! Tests run as root in CI, so a directory or file without read permission cannot be simulated here (root
//! reads it anyway); a missing directory and a session "file" that is a directory are tested instead.

mod common;

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command as Std, Stdio};
use std::time::Duration;

use assert_cmd::cargo::CommandCargoExt;
use assert_cmd::Command;
use serde_json::{json, Value};

/// Environment variables that would point an agent somewhere else than `--home`.
const AGENT_VARS: &[&str] = &[
    "CLAUDE_CONFIG_DIR",
    "CODEX_HOME",
    "GEMINI_CLI_HOME",
    "XDG_DATA_HOME",
    "XDG_CONFIG_HOME",
];

/// No run may take longer than this: a hang is a failure, not a stuck CI job.
const LIMIT: Duration = Duration::from_secs(60);

fn bin(name: &str) -> Command {
    let mut c = Command::cargo_bin(name).unwrap();
    for v in AGENT_VARS {
        c.env_remove(v);
    }
    c.timeout(LIMIT);
    c
}

fn scrub_std(dir: &Path) -> Std {
    let mut c = Std::cargo_bin("cc-scrub").unwrap();
    c.env("XDG_STATE_HOME", dir.join("state"))
        .env("HOME", dir)
        .args(["--no-local-identity", "--no-audit", "--key-file"])
        .arg(dir.join("scrub.key"));
    c
}

fn scrub(dir: &Path) -> Command {
    let mut c = Command::from_std(scrub_std(dir));
    c.timeout(LIMIT);
    c
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn sessions(stdout: &[u8]) -> Vec<Value> {
    std::str::from_utf8(stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// Copies a fixture home into a temporary directory the test may damage.
fn fixture_home(agent: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let from = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/agents")
        .join(agent)
        .join("home");
    common::copy_dir(&from, dir.path());
    dir
}

fn find(dir: &Path, pred: &dyn Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            found.extend(find(&p, pred));
        } else if pred(&p) {
            found.push(p);
        }
    }
    found.sort();
    found
}

fn extract(agent: &str, home: &Path) -> std::process::Output {
    bin("cc-extract")
        .arg(agent)
        .arg("--home")
        .arg(home)
        .output()
        .unwrap()
}

/// A v1 session whose first message carries `content`.
fn session(id: &str, content: &str) -> Value {
    let ann = json!({"file_refs": [], "tool_calls": [], "thinking": null});
    json!({
        "meta": {"source_agent": "codex", "session_id": id, "project_hash": null, "start_time": null,
                 "end_time": null, "quality_score": null, "schema_version": "1.0"},
        "messages": [
            {"index": 0, "role": "user", "content": content, "timestamp": null, "annotations": ann},
            {"index": 1, "role": "assistant", "content": format!("reply to {id}"), "timestamp": null,
             "annotations": ann}
        ]
    })
}

fn ndjson(values: &[Value]) -> String {
    values.iter().map(|v| v.to_string() + "\n").collect()
}

// ---- torn files ------------------------------------------------------------------------------------------

/// The Claude Code fixture's largest session file and its lines.
fn claude_session_file(home: &Path) -> (PathBuf, Vec<String>) {
    let files = find(&home.join(".claude/projects"), &|p| {
        p.extension().is_some_and(|e| e == "jsonl") && !p.to_string_lossy().contains("subagents")
    });
    let file = files
        .into_iter()
        .max_by_key(|p| fs::metadata(p).unwrap().len())
        .unwrap();
    let text = fs::read_to_string(&file).unwrap();
    let lines = text.lines().map(str::to_string).collect();
    (file, lines)
}

#[test]
fn claude_code_file_cut_mid_record_keeps_what_came_before_quietly() {
    let home = fixture_home("claude-code");
    let whole = extract("claude-code", home.path());
    assert!(whole.status.success(), "{}", stderr(&whole));
    let (file, lines) = claude_session_file(home.path());
    // The agent was killed while appending its last record.
    let last = lines.last().unwrap();
    let mut torn = lines[..lines.len() - 1].join("\n");
    torn.push('\n');
    torn.push_str(&last[..last.len() / 2]);
    fs::write(&file, torn).unwrap();
    let out = extract("claude-code", home.path());
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "",
        "a torn last line is the agent still writing"
    );
    assert_eq!(
        sessions(&out.stdout).len(),
        sessions(&whole.stdout).len(),
        "no session lost"
    );
}

#[test]
fn claude_code_record_torn_in_the_middle_is_reported_with_file_and_line() {
    let home = fixture_home("claude-code");
    let before = sessions(&extract("claude-code", home.path()).stdout).len();
    let (file, mut lines) = claude_session_file(home.path());
    // A crash mid-append, then the agent resumed on the next line.
    let cut = lines[1].len() / 2;
    lines[1].truncate(cut);
    fs::write(&file, lines.join("\n") + "\n").unwrap();
    let out = extract("claude-code", home.path());
    let err = stderr(&out);
    let name = file.file_name().unwrap().to_string_lossy().into_owned();
    assert!(err.contains(&name) && err.contains(":2"), "{err}");
    assert_eq!(out.status.code(), Some(2), "a skipped record is data lost");
    assert_eq!(sessions(&out.stdout).len(), before);
}

#[test]
fn claude_code_file_cut_inside_a_utf8_sequence() {
    let home = fixture_home("claude-code");
    let (file, lines) = claude_session_file(home.path());
    let mut bytes = (lines.join("\n") + "\n").into_bytes();
    // A last record whose text ends in the middle of a 3-byte character.
    let rec = json!({"type": "user", "message": {"role": "user", "content": "日本語"}}).to_string();
    let rec = rec.as_bytes();
    let cut = rec.windows(3).position(|w| w == "日".as_bytes()).unwrap() + 1;
    bytes.extend_from_slice(&rec[..cut]);
    fs::write(&file, &bytes).unwrap();
    let out = extract("claude-code", home.path());
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    assert!(!sessions(&out.stdout).is_empty());

    // The same cut in the middle of the file (then more records): reported, the rest still read.
    bytes.extend_from_slice(b"\n");
    bytes.extend_from_slice(lines.last().unwrap().as_bytes());
    bytes.push(b'\n');
    fs::write(&file, &bytes).unwrap();
    let out = extract("claude-code", home.path());
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!(":{}", lines.len() + 1)),
        "{}",
        stderr(&out)
    );
    assert!(!sessions(&out.stdout).is_empty());
}

#[test]
fn codex_rollout_cut_mid_record_keeps_the_session() {
    let home = fixture_home("codex");
    let whole = extract("codex", home.path());
    assert!(whole.status.success(), "{}", stderr(&whole));
    let n = sessions(&whole.stdout).len();
    for file in find(&home.path().join(".codex/sessions"), &|p| {
        p.extension().is_some_and(|e| e == "jsonl")
    }) {
        let bytes = fs::read(&file).unwrap();
        // Cut three quarters into the file: mid-record, and possibly mid-character.
        fs::write(&file, &bytes[..bytes.len() * 3 / 4]).unwrap();
    }
    let out = extract("codex", home.path());
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(sessions(&out.stdout).len(), n);
}

#[test]
fn normalize_over_ndjson_cut_mid_record_and_mid_character() {
    let dir = tempfile::tempdir().unwrap();
    let good = [session("a", "first"), session("b", "second")];
    let torn = session("c", "ü日本語").to_string();
    let cut = torn.find('日').unwrap() + 1; // inside the 3-byte sequence
    for (name, tail) in [("record", &torn[..torn.len() / 2]), ("utf8", &torn[..0])] {
        let path = dir.path().join(format!("{name}.ndjson"));
        let mut bytes = ndjson(&good).into_bytes();
        if tail.is_empty() {
            bytes.extend_from_slice(&torn.as_bytes()[..cut]);
        } else {
            bytes.extend_from_slice(tail.as_bytes());
        }
        fs::write(&path, bytes).unwrap();
        let out = bin("cc-normalize").arg(&path).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(
            stderr(&out).contains(&format!("{name}.ndjson:3")),
            "{}",
            stderr(&out)
        );
        let ids: Vec<String> = sessions(&out.stdout)
            .iter()
            .map(|s| s["meta"]["session_id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(ids, ["a", "b"]);
    }
}

// ---- a file growing while read ---------------------------------------------------------------------------

#[test]
fn ndjson_growing_while_read_gives_whole_lines_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("growing.ndjson");
    let all: Vec<Value> = (0..3000)
        .map(|i| session(&format!("s{i}"), &"x".repeat(i % 500)))
        .collect();
    fs::write(&path, ndjson(&all[..100])).unwrap();
    let writer = {
        let path = path.clone();
        let rest: Vec<String> = all[100..].iter().map(|v| v.to_string() + "\n").collect();
        std::thread::spawn(move || {
            let mut f = OpenOptions::new().append(true).open(path).unwrap();
            for chunk in rest.chunks(50) {
                f.write_all(chunk.concat().as_bytes()).unwrap();
                std::thread::sleep(Duration::from_millis(1));
            }
        })
    };
    let out = bin("cc-format")
        .args(["jsonl", "-j2"])
        .arg(&path)
        .output()
        .unwrap();
    writer.join().unwrap();
    let got = sessions(&out.stdout);
    assert!(got.len() >= 100, "{} sessions", got.len());
    assert_eq!(got[..], all[..got.len()], "a prefix of the input, in order");
    match out.status.code() {
        Some(0) => assert_eq!(stderr(&out), ""),
        // The reader may have met a line the writer had half written: it says so, and skips it.
        Some(2) => assert!(stderr(&out).contains("growing.ndjson:"), "{}", stderr(&out)),
        other => panic!("exit {other:?}: {}", stderr(&out)),
    }
}

#[test]
fn claude_code_session_growing_while_extracted() {
    let home = fixture_home("claude-code");
    let (file, lines) = claude_session_file(home.path());
    let record = lines.last().unwrap().clone();
    let writer = std::thread::spawn(move || {
        let mut f = OpenOptions::new().append(true).open(file).unwrap();
        for _ in 0..2000 {
            f.write_all(format!("{record}\n").as_bytes()).unwrap();
        }
    });
    for _ in 0..3 {
        let out = extract("claude-code", home.path());
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(!sessions(&out.stdout).is_empty());
    }
    writer.join().unwrap();
}

// ---- a database locked by a writer -----------------------------------------------------------------------

fn cursor_global_db(home: &Path) -> PathBuf {
    home.join(".config/Cursor/User/globalStorage/state.vscdb")
}

/// Holds an exclusive transaction on `db` that rewrites every conversation, with a cache so small that the
/// uncommitted pages spill into the database file (its originals wait in the rollback journal).
fn hold_exclusive(db: &Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.execute_batch(
        "PRAGMA journal_mode=DELETE; PRAGMA cache_size=2; BEGIN EXCLUSIVE;
         CREATE TABLE junk(x);
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
             INSERT INTO junk SELECT randomblob(3000) FROM n;
         UPDATE cursorDiskKV SET value = 'uncommitted';",
    )
    .unwrap();
    conn
}

#[test]
fn database_locked_by_a_writer_is_read_as_last_committed() {
    let home = fixture_home("cursor");
    let before = extract("cursor", home.path());
    assert!(before.status.success(), "{}", stderr(&before));
    let db = cursor_global_db(home.path());
    let writer = hold_exclusive(&db);
    let journal = PathBuf::from(format!("{}-journal", db.display()));
    assert!(journal.is_file(), "the writer's journal exists");
    let during = extract("cursor", home.path());
    assert_eq!(
        stderr(&during),
        "",
        "the writer's uncommitted pages were read"
    );
    assert!(during.status.success());
    assert_eq!(during.stdout, before.stdout);
    writer.execute_batch("ROLLBACK").unwrap();
    let after = extract("cursor", home.path());
    assert_eq!(after.stdout, before.stdout);
}

// ---- missing or unreadable inputs ------------------------------------------------------------------------

#[test]
fn missing_home_and_missing_input_file_are_named() {
    let out = extract("claude-code", Path::new("/nonexistent/home"));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("/nonexistent/home"),
        "{}",
        stderr(&out)
    );

    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.ndjson");
    fs::write(&good, ndjson(&[session("a", "hi")])).unwrap();
    let missing = dir.path().join("missing.ndjson");
    let out = bin("cc-format")
        .arg("jsonl")
        .arg(&missing)
        .arg(&good)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("missing.ndjson"), "{}", stderr(&out));
    assert_eq!(
        sessions(&out.stdout).len(),
        1,
        "the next file is still read"
    );
}

#[test]
fn an_input_that_cannot_be_read_as_a_file_is_named() {
    // Root reads any file whatever its mode; a directory given as input cannot be read by anyone.
    let dir = tempfile::tempdir().unwrap();
    let out = bin("cc-normalize").arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(&dir.path().display().to_string()),
        "{}",
        stderr(&out)
    );
}

// ---- full disk, closed stdout ----------------------------------------------------------------------------

fn big_input(dir: &Path) -> PathBuf {
    let path = dir.join("in.ndjson");
    let all: Vec<Value> = (0..2000)
        .map(|i| session(&format!("s{i}"), &format!("prompt {i} {}", "y".repeat(600))))
        .collect();
    fs::write(&path, ndjson(&all)).unwrap();
    path
}

/// Each filter as it would be run, over `input`.
fn filters(dir: &Path, input: &Path) -> Vec<(&'static str, Std)> {
    let mut format = Std::cargo_bin("cc-format").unwrap();
    format.arg("jsonl").arg(input);
    let mut normalize = Std::cargo_bin("cc-normalize").unwrap();
    normalize.arg(input);
    let mut scrub = scrub_std(dir);
    scrub.arg(input);
    let home = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/agents/claude-code/home");
    let mut extract = Std::cargo_bin("cc-extract").unwrap();
    extract.arg("claude-code").arg("--home").arg(home);
    for v in AGENT_VARS {
        extract.env_remove(v);
    }
    vec![
        ("cc-format", format),
        ("cc-normalize", normalize),
        ("cc-scrub", scrub),
        ("cc-extract", extract),
    ]
}

#[test]
fn a_full_disk_is_an_error_that_names_the_cause() {
    let dir = tempfile::tempdir().unwrap();
    let input = big_input(dir.path());
    for (name, mut cmd) in filters(dir.path(), &input) {
        let out = cmd
            .stdout(File::create("/dev/full").unwrap())
            .output()
            .unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(err.starts_with(&format!("{name}: ")), "{name}: {err}");
        assert!(err.contains("No space left on device"), "{name}: {err}");
    }
}

#[test]
fn a_closed_stdout_ends_quietly_and_successfully() {
    let dir = tempfile::tempdir().unwrap();
    let input = big_input(dir.path());
    for (name, mut cmd) in filters(dir.path(), &input) {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = [0u8; 64];
        child.stdout.take().unwrap().read_exact(&mut first).unwrap();
        // The pipe's read end is closed here, as `| head -c 64` would.
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{name}: {}", stderr(&out));
        assert_eq!(stderr(&out), "", "{name}");
    }
}

// ---- very deep and very large JSON -----------------------------------------------------------------------

#[test]
fn a_very_deep_value_is_a_clear_error_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deep.ndjson");
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let mut bad = session("deep", "hi").to_string();
    bad.truncate(bad.len() - 1);
    bad.push_str(&format!(",\"x_deep\":{deep}}}"));
    let text = format!(
        "{}{bad}\n{}",
        ndjson(&[session("a", "one")]),
        ndjson(&[session("b", "two")])
    );
    fs::write(&path, text).unwrap();
    let mut cmds = vec![
        ("cc-format", bin("cc-format")),
        ("cc-normalize", bin("cc-normalize")),
    ];
    cmds[0].1.arg("jsonl");
    cmds.push(("cc-scrub", scrub(dir.path())));
    for (name, mut cmd) in cmds {
        let out = cmd.arg(&path).output().unwrap();
        let err = stderr(&out);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{name} (a signal means a crash): {err}"
        );
        assert!(
            err.contains("deep.ndjson:2") && err.contains("recursion limit"),
            "{name}: {err}"
        );
        let ids: Vec<String> = sessions(&out.stdout)
            .iter()
            .map(|s| s["meta"]["session_id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(ids, ["a", "b"], "{name}");
    }

    // The same depth inside an agent's record.
    let home = fixture_home("claude-code");
    let (file, lines) = claude_session_file(home.path());
    let rec = format!("{{\"type\":\"user\",\"message\":{{\"role\":\"user\",\"content\":{deep}}}}}");
    let mut text = lines.join("\n");
    text.push('\n');
    text.push_str(&rec);
    text.push('\n');
    fs::write(&file, text).unwrap();
    let out = extract("claude-code", home.path());
    assert!(
        out.status.code() == Some(0) || out.status.code() == Some(2),
        "{}",
        stderr(&out)
    );
    assert!(!sessions(&out.stdout).is_empty());
}

#[test]
fn a_large_value_goes_through_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("large.ndjson");
    // 6 MB of prose-like text in one message, 2 MB of tool output.
    let words = [
        "lorem",
        "ipsum",
        "dolor",
        "sit",
        "amet",
        "λόγος",
        "日本",
        "fn",
        "{}",
        "\n",
    ];
    let big: String = (0..1_000_000)
        .map(|i| words[i % words.len()])
        .collect::<Vec<_>>()
        .join(" ");
    let mut s = session("big", &big);
    s["messages"][1]["annotations"]["tool_calls"] = json!([{"name": "bash", "args": {"cmd": "cat log"}, "result": big[..2_000_000].to_string()}]);
    fs::write(&path, ndjson(&[s.clone(), session("after", "small")])).unwrap();

    let out = bin("cc-format").arg("jsonl").arg(&path).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(sessions(&out.stdout), [s, session("after", "small")]);

    let out = scrub(dir.path()).arg(&path).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let got = sessions(&out.stdout);
    assert_eq!(got.len(), 2);
    assert_eq!(
        got[0]["messages"][0]["content"].as_str().unwrap().len(),
        big.len()
    );
}
