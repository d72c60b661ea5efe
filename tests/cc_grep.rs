//! cc-grep against an index of the hand-made corpus in tests/fixtures/search, and in stream mode.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

const CORPUS: &str = "tests/fixtures/search/corpus.ndjson";

fn cmd(bin: &str) -> Command {
    let mut c = Command::cargo_bin(bin).unwrap();
    c.env_remove("NO_COLOR")
        .env("XDG_DATA_HOME", "/nonexistent-cc-test");
    c
}

fn build_index(dir: &Path) {
    cmd("cc-index")
        .arg("--index")
        .arg(dir)
        .arg(CORPUS)
        .assert()
        .success();
}

fn grep(dir: &Path, query: &str) -> (Vec<Value>, i32) {
    let out = cmd("cc-grep")
        .arg("--index")
        .arg(dir)
        .arg("--json")
        .arg(query)
        .output()
        .unwrap();
    let hits = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (hits, out.status.code().unwrap())
}

fn ids(hits: &[Value]) -> Vec<String> {
    hits.iter()
        .map(|h| h["session_id"].as_str().unwrap().to_string())
        .collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

struct Fixture(tempfile::TempDir);

impl Fixture {
    fn new() -> Fixture {
        let t = tempfile::tempdir().unwrap();
        build_index(&t.path().join("idx"));
        Fixture(t)
    }
    fn grep(&self, q: &str) -> (Vec<Value>, i32) {
        grep(&self.0.path().join("idx"), q)
    }
    fn ids(&self, q: &str) -> Vec<String> {
        ids(&self.grep(q).0)
    }
}

#[test]
fn ranking_order_and_hit_shape() {
    let f = Fixture::new();
    let (hits, code) = f.grep("oauth refresh token");
    assert_eq!(code, 0);
    let order = ids(&hits);
    assert_eq!(order[0], "oauth-fix");
    let ci = order
        .iter()
        .position(|s| s == "ci-setup")
        .expect("a passing mention still matches");
    assert!(ci > 0);
    let top = &hits[0];
    for key in [
        "session_id",
        "source_agent",
        "title",
        "score",
        "confidence",
        "message_index",
        "snippet",
        "matched_terms",
    ] {
        assert!(top.get(key).is_some(), "missing {key}");
    }
    assert_eq!(top["source_agent"], "claude-code");
    assert_eq!(top["title"], "Fix OAuth refresh token expiry");
    assert_eq!(
        top["matched_terms"],
        serde_json::json!(["oauth", "refresh", "token"])
    );
    assert!(hits
        .windows(2)
        .all(|w| w[0]["score"].as_f64() >= w[1]["score"].as_f64()));

    assert_eq!(f.ids("kafka consumer lag")[0], "kafka-lag");
    assert_eq!(f.ids("config loader rust")[0], "rust-parser");
}

#[test]
fn phrases_and_excludes() {
    let f = Fixture::new();
    assert_eq!(f.ids("\"token expired\""), ["phrase-a"]);
    assert_eq!(f.ids("\"expired the old token\""), ["phrase-b"]);
    let ids = f.ids("token -oauth");
    assert!(
        !ids.contains(&"oauth-fix".to_string()) && ids.contains(&"phrase-a".to_string()),
        "{ids:?}"
    );
}

#[test]
fn def_finds_python_and_rust_definitions_not_callers() {
    let f = Fixture::new();
    assert_eq!(
        sorted(f.ids("def:parse_config")),
        ["py-parser", "rust-parser"]
    );
    assert_eq!(
        sorted(f.ids("def:parseConfig")),
        ["py-parser", "rust-parser"],
        "identifier styles meet"
    );
    assert_eq!(f.ids("call:parse_config"), ["parse-caller"]);
    assert_eq!(f.ids("def:parse_config lang:rust"), ["rust-parser"]);
    assert_eq!(f.ids("def:refresh_access_token"), ["oauth-fix"]);
    assert_eq!(f.ids("def:HandleLogin"), ["go-login"]);
    assert_eq!(f.ids("def:UserProfile"), ["ts-profile"]);
    assert_eq!(
        f.ids("lang:typescript"),
        ["ts-profile"],
        "an untagged fence is guessed"
    );
    let (hits, _) = f.grep("def:parse_config lang:python");
    assert_eq!(hits[0]["message_index"], 1);
}

#[test]
fn field_filters() {
    let f = Fixture::new();
    assert_eq!(f.ids("agent:gemini lag"), ["kafka-lag"]);
    assert!(!f
        .ids("lag -agent:gemini")
        .contains(&"kafka-lag".to_string()));
    assert_eq!(f.ids("tool:bash"), ["deploy-sh"]);
    assert_eq!(f.ids("call:rsync"), ["deploy-sh"]);
    assert_eq!(f.ids("file:oauth.py"), ["oauth-fix"]);
    assert_eq!(f.ids("project:proj-b"), ["kafka-lag"]);
    assert_eq!(
        sorted(f.ids("since:2024-03-01 until:2024-03-15")),
        ["kafka-lag", "phrase-a"]
    );
    assert_eq!(f.ids("batch role:user"), ["kafka-lag"]);
    assert_eq!(
        f.grep("batch role:assistant").1,
        1,
        "the word is in a user message only"
    );
}

#[test]
fn confidence_is_comparable_across_queries() {
    let f = Fixture::new();
    let (title, _) = f.grep("Kafka consumer lag");
    let (rare, _) = f.grep("zookeeper");
    assert_eq!(
        (ids(&title)[0].as_str(), ids(&rare)[0].as_str()),
        ("kafka-lag", "kafka-lag")
    );
    let c_title = title[0]["confidence"].as_f64().unwrap();
    let c_rare = rare[0]["confidence"].as_f64().unwrap();
    assert!(
        (0.75..=1.0).contains(&c_title),
        "exact title match: {c_title}"
    );
    assert!(
        c_rare < 0.5 && c_rare < c_title - 0.3,
        "one rare word in a long message: {c_rare}"
    );
}

#[test]
fn nothing_matched_exits_1() {
    let f = Fixture::new();
    let (hits, code) = f.grep("flamingo");
    assert!(hits.is_empty());
    assert_eq!(code, 1);
}

#[test]
fn explain_breaks_score_down_by_term_and_field() {
    let f = Fixture::new();
    let out = cmd("cc-grep")
        .arg("--index")
        .arg(f.0.path().join("idx"))
        .args(["--json", "--explain", "--limit", "1", "zookeeper"])
        .output()
        .unwrap();
    let hit: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ex = &hit["explain"][0];
    assert_eq!(ex["term"], "zookeeper");
    assert_eq!(ex["fields"][0]["field"], "assistant");
    let total = ex["score"].as_f64().unwrap();
    assert!(
        (total - hit["confidence"].as_f64().unwrap() * ex["idf"].as_f64().unwrap() * 2.2).abs()
            < 1e-3
    );
}

#[test]
fn missing_index_is_a_clear_error() {
    let t = tempfile::tempdir().unwrap();
    cmd("cc-grep")
        .arg("--index")
        .arg(t.path().join("none"))
        .arg("x")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no index at"));
}

#[test]
fn stream_mode_passes_matching_sessions_through_unchanged() {
    let input = std::fs::read_to_string(CORPUS).unwrap();
    let out = cmd("cc-grep")
        .arg("oauth refresh")
        .write_stdin(input.clone())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let oauth_line = input.lines().find(|l| l.contains("\"oauth-fix\"")).unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!("{oauth_line}\n")
    );

    let out = cmd("cc-grep")
        .args(["def:parse_config"])
        .write_stdin(input.clone())
        .output()
        .unwrap();
    let got: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        got.iter()
            .map(|s| s["meta"]["session_id"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["rust-parser", "py-parser"]
    );

    cmd("cc-grep")
        .args(["--regex", "zoo.eeper"])
        .arg(CORPUS)
        .assert()
        .success()
        .stdout(predicates::str::contains("\"kafka-lag\""));
    cmd("cc-grep")
        .arg("flamingo")
        .write_stdin(input)
        .assert()
        .code(1)
        .stdout("");
}

#[test]
fn stream_mode_reports_bad_lines() {
    let out = cmd("cc-grep")
        .arg("oauth")
        .write_stdin("not json\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("<stdin>:1"));
}

fn one_message_session(id: &str, text: &str) -> String {
    serde_json::json!({"meta": {"source_agent": "codex", "session_id": id, "project_hash": null, "start_time": 1,
                                "end_time": 2, "quality_score": null, "schema_version": "1.0", "title": null},
                       "messages": [{"index": 0, "role": "user", "content": text, "timestamp": 1,
                                     "annotations": {"file_refs": [], "tool_calls": [], "thinking": null}}]})
    .to_string()
        + "\n"
}

/// Session ids `--regex PATTERN` lets through, with its exit code.
fn regex_ids(pattern: &str, input: &str) -> (Vec<String>, i32) {
    let out = cmd("cc-grep")
        .args(["--regex", pattern])
        .write_stdin(input.to_string())
        .output()
        .unwrap();
    let got = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["meta"]["session_id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    (got, out.status.code().unwrap())
}

#[test]
fn regex_classes_and_case_folding_are_unicode_aware() {
    let input = one_message_session("de", "Die Dateigröße überschritten: ٣ Versuche")
        + &one_message_session("en", "file size exceeded after 3 tries")
        + &one_message_session("punct", "--- ... !!!");
    let (got, code) = regex_ids(r"\w", &input);
    assert_eq!((got, code), (vec!["de".into(), "en".into()], 0));
    // `\w` takes in ö and ß, so the word is whole between the `\b`s.
    assert_eq!(regex_ids(r"\bDateigröße\b", &input).0, ["de"]);
    assert_eq!(regex_ids(r"\bDateigr\b", &input), (vec![], 1));
    assert_eq!(regex_ids(r"(?i)ÜBERSCHRITTEN", &input).0, ["de"]);
    // An Arabic-Indic digit is a digit.
    assert_eq!(regex_ids(r"\d Versuche", &input).0, ["de"]);
    assert_eq!(regex_ids(r"after \d+ tries", &input).0, ["en"]);
}

/// Sessions that score the same are listed newest first, whichever of them the limit keeps; with
/// only a filter, every session ties.
#[test]
fn equal_scores_list_the_newest_first() {
    let t = tempfile::tempdir().unwrap();
    let session = |id: &str, ts: i64, text: &str| {
        serde_json::json!({"meta": {"source_agent": "codex", "session_id": id, "project_hash": null,
                                    "start_time": ts, "end_time": ts, "quality_score": null,
                                    "schema_version": "1.0", "title": null},
                           "messages": [{"index": 0, "role": "user", "content": text, "timestamp": ts,
                                         "annotations": {"file_refs": [], "tool_calls": [], "thinking": null}}]})
        .to_string()
            + "\n"
    };
    let corpus = t.path().join("c.ndjson");
    let mut text = String::new();
    for (id, ts) in [
        ("mid", 2_000),
        ("old", 1_000),
        ("new", 3_000),
        ("newest", 4_000),
    ] {
        text += &session(id, ts, "the flaky websocket reconnect");
    }
    text += &session(
        "better",
        500,
        "websocket reconnect: the websocket reconnect loops",
    );
    std::fs::write(&corpus, text).unwrap();
    let idx = t.path().join("idx");
    cmd("cc-index")
        .arg("--index")
        .arg(&idx)
        .arg(&corpus)
        .assert()
        .success();
    let ids_of = |q: &str, limit: &str| {
        let out = cmd("cc-grep")
            .arg("--index")
            .arg(&idx)
            .args(["--json", "--limit", limit, q])
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
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ids_of("websocket reconnect", "10"),
        ["better", "newest", "new", "mid", "old"]
    );
    assert_eq!(
        ids_of("websocket reconnect", "3"),
        ["better", "newest", "new"]
    );
    assert_eq!(ids_of("flaky", "2"), ["newest", "new"]);
    assert_eq!(ids_of("agent:codex", "2"), ["newest", "new"]);
}
