mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command as StdCommand, Stdio};

use common::{bin, examples, ndjson, repo_path, values};
use serde_json::{json, Value};

const FORMATS: &[&str] = &[
    "jsonl", "chatml", "alpaca", "sharegpt", "openai", "trl", "markdown", "text",
];

#[test]
fn every_format_matches_its_golden_output_on_the_examples() {
    for f in FORMATS {
        let out = bin("cc-format").arg(f).arg(examples()).output().unwrap();
        assert!(
            out.status.success(),
            "{f}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.stderr.is_empty(),
            "{f}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let golden = repo_path(&format!("tests/golden/examples.{f}"));
        if std::env::var_os("CC_BLESS").is_some() {
            std::fs::write(&golden, &out.stdout).unwrap();
        }
        let want = std::fs::read(&golden).unwrap_or_else(|e| panic!("{}: {e}", golden.display()));
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&want),
            "{f} differs from {} (CC_BLESS=1 cargo test to refresh after review)",
            golden.display()
        );
    }
}

#[test]
fn jsonl_round_trips_every_field_including_unknown_ones() {
    let input = std::fs::read_to_string(examples()).unwrap();
    let mut extra = common::session(7, 2);
    extra["top_level_future"] = json!({"nested": [1, 2, {"deep": null}]});
    extra["meta"]["meta_future"] = json!("kept");
    extra["meta"]["usage"] = json!({"input_tokens": 3, "cost_usd": 0.25});
    extra["messages"][1]["message_future"] = json!(true);
    extra["messages"][1]["annotations"]["annotation_future"] = json!([]);
    extra["messages"][1]["annotations"]["tool_calls"][0]["call_future"] = json!({"a": 1});
    extra["messages"][0]["attachments"] =
        json!([{"type": "image", "media_type": "image/png", "bytes": 12, "x": 1}]);
    let all = format!("{input}{extra}\n");
    let out = bin("cc-format")
        .arg("jsonl")
        .write_stdin(all.clone())
        .output()
        .unwrap();
    assert!(out.status.success());
    let got = values(&out.stdout);
    let want = values(all.as_bytes());
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g, w);
    }
}

#[test]
fn openai_and_trl_carry_tool_calls_and_results() {
    let out = bin("cc-format")
        .arg("openai")
        .arg(examples())
        .output()
        .unwrap();
    let rows = values(&out.stdout);
    let first = &rows[0]["messages"];
    let call = first
        .as_array()
        .unwrap()
        .iter()
        .find_map(|m| m.get("tool_calls"))
        .expect("a message with tool calls");
    let args = call[0]["function"]["arguments"]
        .as_str()
        .expect("arguments as a JSON string");
    let parsed: Value = serde_json::from_str(args).unwrap();
    assert!(parsed["file_path"].as_str().unwrap().ends_with("totals.py"));
    let tool = first
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["role"] == "tool")
        .unwrap();
    assert_eq!(tool["tool_call_id"], call[0]["id"]);

    let out = bin("cc-format")
        .arg("trl")
        .arg(examples())
        .output()
        .unwrap();
    let rows = values(&out.stdout);
    let call = rows[0]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|m| m.get("tool_calls"))
        .unwrap();
    assert!(call[0]["function"]["arguments"].is_object());
}

#[test]
fn sharegpt_alternates_prompt_and_answer_sides() {
    let input = ndjson(5, 4);
    let out = bin("cc-format")
        .arg("sharegpt")
        .write_stdin(input)
        .output()
        .unwrap();
    for row in values(&out.stdout) {
        let turns = row["conversations"].as_array().unwrap();
        assert!(!turns.is_empty());
        for (i, t) in turns.iter().enumerate() {
            let from = t["from"].as_str().unwrap();
            let prompt_side = from == "human" || from == "observation";
            assert_eq!(prompt_side, i % 2 == 0, "turn {i} is {from}: {row}");
        }
    }
}

#[test]
fn dropping_thinking_and_tools_removes_them_everywhere() {
    let out = bin("cc-format")
        .args(["chatml", "--no-thinking", "--no-tools"])
        .arg(examples())
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        !text.contains("<think>")
            && !text.contains("<tool_call>")
            && !text.contains("<tool_response>")
    );
    assert!(text.contains("<|im_start|>assistant\nFixed: totals now use"));
}

#[test]
fn malformed_lines_are_reported_by_file_and_line_and_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.ndjson");
    let good = common::session(1, 1).to_string();
    let mut wrong_type = common::session(2, 1);
    wrong_type["messages"][0]["content"] = json!(42);
    let mut missing = common::session(3, 1);
    missing["meta"]
        .as_object_mut()
        .unwrap()
        .remove("session_id");
    std::fs::write(
        &bad,
        format!("{good}\n{{\"meta\": oops\n{wrong_type}\n\n{missing}\n{good}\n"),
    )
    .unwrap();
    let out = bin("cc-format").arg("jsonl").arg(&bad).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    let name = bad.display().to_string();
    assert!(
        stderr.contains(&format!("cc-format: {name}:2: not valid JSON")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "cc-format: {name}:3: messages[0].content: invalid type"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("cc-format: {name}:5: meta")) && stderr.contains("session_id"),
        "{stderr}"
    );
    assert_eq!(values(&out.stdout).len(), 2);

    let out = bin("cc-format")
        .args(["jsonl", "--on-invalid", "skip"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stderr.is_empty());
    assert_eq!(values(&out.stdout).len(), 2);

    let out = bin("cc-format")
        .args(["jsonl", "--on-invalid", "fail"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        values(&out.stdout).len(),
        1,
        "only what came before the bad line"
    );
}

#[test]
fn output_is_identical_whatever_the_thread_count() {
    let input = ndjson(5000, 2);
    for f in ["jsonl", "chatml", "alpaca"] {
        let one = bin("cc-format")
            .args([f, "--threads", "1"])
            .write_stdin(input.clone())
            .output()
            .unwrap();
        let many = bin("cc-format")
            .args([f, "--threads", "4"])
            .write_stdin(input.clone())
            .output()
            .unwrap();
        assert!(one.status.success() && many.status.success());
        assert!(
            one.stdout == many.stdout,
            "{f}: --threads 4 differs from --threads 1"
        );
    }
}

#[test]
fn a_closed_stdout_ends_quietly_with_success() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.ndjson");
    std::fs::write(&big, ndjson(20_000, 3)).unwrap();
    let mut child = StdCommand::new(assert_cmd::cargo::cargo_bin("cc-format"))
        .arg("chatml")
        .arg(&big)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert_eq!(first, "<|im_start|>user\n");
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn unreadable_input_files_are_named_and_the_rest_is_read() {
    let out = bin("cc-format")
        .arg("jsonl")
        .arg("/nonexistent/input.ndjson")
        .arg(examples())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cc-format: /nonexistent/input.ndjson:"));
    assert_eq!(values(&out.stdout).len(), 3);
    let mut stdin_dash = bin("cc-format");
    stdin_dash.args(["text", "-"]);
    let out = stdin_dash
        .write_stdin(std::fs::read(examples()).unwrap())
        .output()
        .unwrap();
    assert!(out.status.success());
}

#[test]
fn bom_crlf_blank_lines_and_spacing_are_accepted() {
    let a = serde_json::to_string_pretty(&common::session(1, 1))
        .unwrap()
        .replace('\n', " ");
    let b = common::session(2, 1).to_string();
    let input = format!("\u{feff}{a}\r\n\r\n  \n{b}");
    let out = bin("cc-format")
        .arg("jsonl")
        .write_stdin(input)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got = values(&out.stdout);
    assert_eq!(got, vec![common::session(1, 1), common::session(2, 1)]);
    for (line, value) in String::from_utf8(out.stdout).unwrap().lines().zip(&got) {
        assert_eq!(line, value.to_string(), "compact output");
    }
}

#[test]
fn the_examples_in_docs_formats_md_are_real_output() {
    let doc = std::fs::read_to_string(repo_path("docs/FORMATS.md")).unwrap();
    let input = doc
        .split("```json\n")
        .nth(1)
        .unwrap()
        .split("\n```")
        .next()
        .unwrap();
    for name in FORMATS.iter().filter(|f| **f != "jsonl") {
        let at = doc
            .find(&format!("\n## {name}\n"))
            .unwrap_or_else(|| panic!("no section for {name}"));
        let block = doc[at..].split("````").nth(1).expect("a fenced example");
        let shown = &block[block.find('\n').unwrap() + 1..];
        let out = bin("cc-format")
            .arg(name)
            .write_stdin(format!("{input}\n"))
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8(out.stdout).unwrap(),
            shown,
            "docs/FORMATS.md, section {name} is stale"
        );
    }
}
