//! cc-index: building, incremental add and replace, format versions, and a killed run.

use std::io::Write;
use std::path::Path;
use std::process::Stdio;

use assert_cmd::Command;
use serde_json::{json, Value};

const CORPUS: &str = "tests/fixtures/search/corpus.ndjson";

fn cmd(bin: &str) -> Command {
    let mut c = Command::cargo_bin(bin).unwrap();
    c.env("XDG_DATA_HOME", "/nonexistent-cc-test");
    c
}

fn ids(dir: &Path, q: &str) -> Vec<String> {
    let out = cmd("cc-grep")
        .arg("--index")
        .arg(dir)
        .arg("--json")
        .arg(q)
        .output()
        .unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["session_id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

fn session(id: &str, title: &str, text: &str) -> String {
    json!({"meta": {"source_agent": "codex", "session_id": id, "project_hash": null, "start_time": 1, "end_time": 2,
                    "quality_score": null, "schema_version": "1.0", "title": title},
           "messages": [{"index": 0, "role": "user", "content": text, "timestamp": 1,
                         "annotations": {"file_refs": [], "tool_calls": [], "thinking": null}}]})
    .to_string()
        + "\n"
}

#[test]
fn builds_with_summary_and_default_dir_from_xdg() {
    let t = tempfile::tempdir().unwrap();
    cmd("cc-index")
        .env("XDG_DATA_HOME", t.path())
        .arg(CORPUS)
        .assert()
        .success()
        .stderr(predicates::str::contains(
            "indexed 11 sessions, 20 messages",
        ));
    let dir = t.path().join("codercrucible/index");
    assert!(dir.join("codercrucible-index-format").exists());
    // The code facts of the corpus's fenced blocks are kept for the next run.
    let packed = std::fs::read(dir.join("codercrucible-code-facts")).unwrap();
    let facts = String::from_utf8(zstd::decode_all(&packed[..]).unwrap()).unwrap();
    assert!(
        facts.lines().count() > 1 && facts.contains("parse_config"),
        "{facts}"
    );
    let out = cmd("cc-grep")
        .env("XDG_DATA_HOME", t.path())
        .args(["--json", "zookeeper"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("kafka-lag"));
}

#[test]
fn incremental_add_and_replace() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("idx");
    cmd("cc-index")
        .arg("--index")
        .arg(&dir)
        .arg(CORPUS)
        .assert()
        .success();
    cmd("cc-index")
        .arg("--index")
        .arg(&dir)
        .write_stdin(session(
            "new-one",
            "Bird watching",
            "a flamingo stood there",
        ))
        .assert()
        .success();
    assert_eq!(ids(&dir, "flamingo"), ["new-one"]);
    assert_eq!(
        ids(&dir, "oauth refresh")[0],
        "oauth-fix",
        "earlier sessions stay"
    );

    // Same agent and id again: the new copy replaces the old one, in this run and the next.
    let twice = session("new-one", "Bird watching", "a pelican now")
        + &session("new-one", "Bird watching", "a heron, finally");
    cmd("cc-index")
        .arg("--index")
        .arg(&dir)
        .write_stdin(twice)
        .assert()
        .success();
    assert!(ids(&dir, "flamingo").is_empty());
    assert!(ids(&dir, "pelican").is_empty());
    assert_eq!(ids(&dir, "heron"), ["new-one"]);
    assert_eq!(
        ids(&dir, "bird watching"),
        ["new-one"],
        "one hit, no stale copies"
    );

    // Another agent with the same id is another session.
    let other = session("new-one", "Bird watching", "heron").replace("\"codex\"", "\"cursor\"");
    cmd("cc-index")
        .arg("--index")
        .arg(&dir)
        .write_stdin(other)
        .assert()
        .success();
    assert_eq!(ids(&dir, "heron").len(), 2);
}

#[test]
fn killed_run_leaves_previous_index_usable() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("idx");
    cmd("cc-index")
        .arg("--index")
        .arg(&dir)
        .arg(CORPUS)
        .assert()
        .success();

    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("cc-index"))
        .arg("--index")
        .arg(&dir)
        .stdin(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    for i in 0..200 {
        stdin
            .write_all(session(&format!("k{i}"), "Killed run", "albatross sighting").as_bytes())
            .unwrap();
    }
    stdin.flush().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    child.kill().unwrap();
    child.wait().unwrap();

    assert!(
        ids(&dir, "albatross").is_empty(),
        "nothing of the killed run is visible"
    );
    assert_eq!(ids(&dir, "kafka consumer lag")[0], "kafka-lag");
    cmd("cc-index")
        .arg("--index")
        .arg(&dir)
        .write_stdin(session("k0", "Killed run", "albatross"))
        .assert()
        .success();
    assert_eq!(ids(&dir, "albatross"), ["k0"]);
}

#[test]
fn killed_rebuild_leaves_the_index_and_its_leftover_is_removed_next_time() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("idx");
    cmd("cc-index")
        .arg("--index")
        .arg(&dir)
        .arg(CORPUS)
        .assert()
        .success();

    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("cc-index"))
        .arg("--index")
        .arg(&dir)
        .arg("--rebuild")
        .stdin(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let partial = t.path().join(format!(".idx.rebuild-{}", child.id()));
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(session("r0", "Killed rebuild", "albatross").as_bytes())
        .unwrap();
    stdin.flush().unwrap();
    let waited = std::time::Instant::now();
    while !partial.join("meta.json").exists() && waited.elapsed().as_secs() < 30 {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(partial.exists(), "the killed rebuild left its directory");
    assert_eq!(ids(&dir, "kafka consumer lag")[0], "kafka-lag");
    assert!(ids(&dir, "albatross").is_empty());

    // The next run removes it and writes to the index, not to the leftover.
    cmd("cc-index")
        .arg("--index")
        .arg(&dir)
        .write_stdin(session("r1", "After", "pelican"))
        .assert()
        .success()
        .stderr(
            predicates::str::contains("removed").and(predicates::str::contains(".idx.rebuild-")),
        );
    assert!(!partial.exists());
    assert_eq!(ids(&dir, "pelican"), ["r1"]);
    assert_eq!(ids(&dir, "kafka consumer lag")[0], "kafka-lag");

    // A finished rebuild leaves nothing beside the index.
    cmd("cc-index")
        .arg("--index")
        .arg(&dir)
        .arg("--rebuild")
        .write_stdin(session("r2", "Rebuilt", "heron"))
        .assert()
        .success();
    assert_eq!(ids(&dir, "heron"), ["r2"]);
    assert!(ids(&dir, "pelican").is_empty());
    let names: Vec<_> = std::fs::read_dir(t.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["idx"]);
}

#[test]
fn other_format_version_is_rebuilt_with_a_message() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("idx");
    cmd("cc-index")
        .arg("--index")
        .arg(&dir)
        .arg(CORPUS)
        .assert()
        .success();
    std::fs::write(dir.join("codercrucible-index-format"), "0\n").unwrap();
    cmd("cc-grep")
        .arg("--index")
        .arg(&dir)
        .arg("oauth")
        .assert()
        .code(2)
        .stderr(
            predicates::str::contains("has format 0").and(predicates::str::contains("--rebuild")),
        );
    cmd("cc-index")
        .arg("--index")
        .arg(&dir)
        .write_stdin(session("only", "Fresh", "walrus"))
        .assert()
        .success()
        .stderr(predicates::str::contains("rebuilding"));
    assert_eq!(ids(&dir, "walrus"), ["only"]);
    assert!(
        ids(&dir, "oauth").is_empty(),
        "a rebuild starts from this input only"
    );
}

#[test]
fn invalid_lines_are_reported_and_valid_ones_indexed() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("idx");
    let input = format!("{{oops\n{}", session("ok", "Good", "narwhal"));
    cmd("cc-index")
        .arg("--index")
        .arg(&dir)
        .write_stdin(input)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("<stdin>:1"));
    assert_eq!(ids(&dir, "narwhal"), ["ok"]);
}

use predicates::prelude::PredicateBooleanExt;
