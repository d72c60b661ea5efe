mod common;

use common::{bin, examples, ndjson, repo_path, values};
use serde_json::json;

fn run(args: &[&str], stdin: String) -> (Option<i32>, Vec<serde_json::Value>, String) {
    let out = bin("cc-normalize")
        .args(args)
        .write_stdin(stdin)
        .output()
        .unwrap();
    (
        out.status.code(),
        values(&out.stdout),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn the_examples_pass_check_and_normalize_to_valid_scored_sessions() {
    let out = bin("cc-normalize")
        .arg("--check")
        .arg(examples())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());

    let out = bin("cc-normalize").arg(examples()).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let sessions = values(&out.stdout);
    assert_eq!(sessions.len(), 3);
    for s in &sessions {
        let q = s["meta"]["quality_score"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&q));
    }
    // The normalized output is itself valid v1.
    let check = bin("cc-normalize")
        .arg("--check")
        .write_stdin(out.stdout)
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(0));
}

#[test]
fn repairs_times_roles_order_and_fills_session_times() {
    let messy = json!({"meta": {"source_agent": "codex", "session_id": 17},
        "messages": [
            {"role": "gpt", "content": [{"type": "text", "text": "second"}], "timestamp": 1_700_000_005_000u64},
            {"role": "human", "content": "first", "timestamp": "2023-11-14T22:13:20Z"},
            {"role": "user", "content": "   ", "timestamp": 1_700_000_009}]});
    let (code, out, stderr) = run(&[], format!("{messy}\n"));
    assert_eq!(code, Some(0), "{stderr}");
    let s = &out[0];
    assert_eq!(s["meta"]["session_id"], "17");
    assert_eq!(s["meta"]["start_time"], 1_700_000_000);
    assert_eq!(s["meta"]["end_time"], 1_700_000_005);
    let msgs = s["messages"].as_array().unwrap();
    assert_eq!(msgs.len(), 2);
    assert_eq!(
        (
            msgs[0]["index"].clone(),
            msgs[0]["role"].clone(),
            msgs[0]["content"].clone()
        ),
        (json!(0), json!("user"), json!("first"))
    );
    assert_eq!(
        (msgs[1]["index"].clone(), msgs[1]["role"].clone()),
        (json!(1), json!("assistant"))
    );
    assert!(stderr.contains("dropped 1 empty message"), "{stderr}");
}

#[test]
fn duplicates_keep_the_most_complete_copy_in_input_order() {
    let short = common::session(1, 1);
    let long = common::session(1, 3);
    let other = common::session(2, 1);
    let mut twin = common::session(2, 1);
    twin["meta"]["source_agent"] = json!("cursor");
    twin["meta"]["session_id"] = json!("copied");
    let input = format!("{short}\n{other}\n{long}\n{twin}\n");
    let (code, out, stderr) = run(&[], input.clone());
    assert_eq!(code, Some(0));
    let ids: Vec<(String, usize)> = out
        .iter()
        .map(|s| {
            (
                s["meta"]["session_id"].as_str().unwrap().to_string(),
                s["messages"].as_array().unwrap().len(),
            )
        })
        .collect();
    assert_eq!(
        ids,
        vec![("session-2".to_string(), 2), ("session-1".to_string(), 6)]
    );
    assert!(stderr.contains("dropped 2 duplicate sessions"), "{stderr}");

    let (_, all, _) = run(&["--no-dedupe"], input);
    assert_eq!(all.len(), 4);
}

#[test]
fn empty_sessions_are_dropped_and_counted() {
    let empty = json!({"meta": {"source_agent": "x", "session_id": "e", "schema_version": "1.0"},
                       "messages": [{"index": 0, "role": "user", "content": ""}]});
    let (code, out, stderr) = run(&[], format!("{empty}\n{}\n", common::session(3, 1)));
    assert_eq!(code, Some(0));
    assert_eq!(out.len(), 1);
    assert!(
        stderr.contains("2 sessions in, 1 out; dropped 1 empty session"),
        "{stderr}"
    );
    let (_, _, quiet) = run(&["-q"], format!("{empty}\n"));
    assert_eq!(quiet, "");
}

#[test]
fn huge_tool_outputs_are_capped_with_a_visible_marker() {
    let mut s = common::session(4, 1);
    s["messages"][1]["annotations"]["tool_calls"][0]["result"] =
        json!("x".repeat(100_000) + "TAIL");
    let (_, out, stderr) = run(&["--max-tool-output", "1000"], format!("{s}\n"));
    let result = out[0]["messages"][1]["annotations"]["tool_calls"][0]["result"]
        .as_str()
        .unwrap();
    assert!(result.len() < 1200, "{}", result.len());
    assert!(result.ends_with("TAIL") && result.contains("bytes truncated by cc-normalize"));
    assert!(stderr.contains("capped 1 tool outputs"), "{stderr}");
}

#[test]
fn check_names_the_line_and_the_field() {
    let mut bad = common::session(5, 1);
    bad["messages"][1]["role"] = json!("robot");
    bad["meta"]["start_time"] = json!("yesterday");
    let input = format!("{}\n{bad}\n[1, 2]\n", common::session(6, 1));
    let out = bin("cc-normalize")
        .arg("--check")
        .write_stdin(input)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("<stdin>:2: meta.start_time: expected integer or null, got string"),
        "{stderr}"
    );
    assert!(
        stderr.contains("messages[1].role: expected one of"),
        "{stderr}"
    );
    assert!(
        stderr.contains("<stdin>:3: .: expected object, got array"),
        "{stderr}"
    );
    assert!(stderr.contains("1 valid, 2 invalid"), "{stderr}");
}

#[test]
fn invalid_lines_are_never_passed_through() {
    let input = format!("{}\nnot json\n{{\"meta\": {{}}}}\n", common::session(7, 1));
    let (code, out, stderr) = run(&[], input);
    assert_eq!(code, Some(2));
    assert_eq!(out.len(), 1);
    assert!(stderr.contains("<stdin>:2: not valid JSON"), "{stderr}");
    assert!(stderr.contains("<stdin>:3: meta"), "{stderr}");
}

#[test]
fn imports_sharegpt_openai_and_dataclaw() {
    let out = bin("cc-normalize")
        .args(["--from", "sharegpt"])
        .arg(repo_path("tests/fixtures/import/sharegpt.jsonl"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "the third record has an unknown role"
    );
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("sharegpt.jsonl:3: messages[1].role: unknown role \"wizard\""));
    let s = values(&out.stdout);
    assert_eq!(s.len(), 2);
    assert_eq!(s[0]["meta"]["session_id"], "sg-1");
    assert_eq!(
        s[0]["messages"][2]["annotations"]["tool_calls"][0]["name"],
        "get_weather"
    );
    assert_eq!(
        s[0]["messages"][2]["annotations"]["tool_calls"][0]["result"],
        "{\"temp_c\": 3}"
    );

    let out = bin("cc-normalize")
        .args(["--from", "openai"])
        .arg(repo_path("tests/fixtures/import/openai.jsonl"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let s = values(&out.stdout);
    assert_eq!(s[0]["messages"].as_array().unwrap().len(), 4);
    assert_eq!(s[1]["messages"][0]["content"], "Explain\n\nborrowing");

    // A real export of dataclaw 0.4.2, made from the Claude Code fixture home.
    let out = bin("cc-normalize")
        .args(["--from", "dataclaw"])
        .arg(repo_path("tests/fixtures/import/dataclaw-0.4.2.jsonl"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = values(&out.stdout);
    assert_eq!(s.len(), 4);
    assert!(s
        .iter()
        .all(|x| x["meta"]["source_agent"] == "claude-code" && x["meta"]["start_time"].is_i64()));
    let calls: usize = s
        .iter()
        .flat_map(|x| x["messages"].as_array().unwrap())
        .map(|m| m["annotations"]["tool_calls"].as_array().unwrap().len())
        .sum();
    assert!(calls >= 6, "{calls}");
    let check = bin("cc-normalize")
        .arg("--check")
        .write_stdin(out.stdout)
        .output()
        .unwrap();
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn parallel_output_equals_single_threaded_output() {
    let input = ndjson(4000, 2);
    let one = bin("cc-normalize")
        .args(["--threads", "1"])
        .write_stdin(input.clone())
        .output()
        .unwrap();
    let many = bin("cc-normalize")
        .args(["--threads", "3"])
        .write_stdin(input)
        .output()
        .unwrap();
    assert!(one.status.success());
    assert!(one.stdout == many.stdout);
    assert_eq!(values(&one.stdout).len(), 4000);
}
