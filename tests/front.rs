//! `codercrucible` discover, config, export, confirm and archive, end to end over the sample home in
//! examples/home, with the config and state directories in a temporary directory.

mod common;

use std::path::{Path, PathBuf};

use serde_json::Value;

struct World {
    dir: tempfile::TempDir,
}

impl World {
    fn new() -> World {
        let w = World {
            dir: tempfile::tempdir().unwrap(),
        };
        std::fs::create_dir_all(w.path("user")).unwrap();
        w
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn cmd(&self, args: &[&str]) -> assert_cmd::Command {
        let mut c = common::bin("codercrucible");
        c.args(args)
            .current_dir(self.dir.path())
            .env("HOME", self.path("user"))
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("XDG_STATE_HOME", self.path("state"))
            .env_remove("XDG_DATA_HOME")
            .env_remove("CLAUDE_CONFIG_DIR")
            .env_remove("CODEX_HOME");
        c
    }

    fn stdout(&self, args: &[&str]) -> String {
        let out = self.cmd(args).assert().success().get_output().clone();
        String::from_utf8(out.stdout).unwrap()
    }

    /// A copy of the sample home, so tests may change it.
    fn home(&self) -> String {
        let h = self.path("home");
        if !h.exists() {
            common::copy_dir(&common::repo_path("examples/home"), &h);
        }
        h.display().to_string()
    }
}

fn lines(path: &Path) -> Vec<Value> {
    common::values(&std::fs::read(path).unwrap())
}

#[test]
fn discover_finds_every_agent_of_the_sample_home_and_the_cleanup_risk() {
    let w = World::new();
    let home = w.home();
    let json = w.stdout(&["discover", "--home", &home, "--json"]);
    let found: Vec<Value> = common::values(json.as_bytes());
    let sessions = |a: &str| {
        found.iter().find(|f| f["agent"] == a).unwrap()["sessions"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(sessions("claude-code"), 4);
    assert_eq!(sessions("codex"), 3);
    assert_eq!(sessions("gemini"), 4);
    assert_eq!(sessions("opencode"), 4);
    let total: u64 = found.iter().map(|f| f["sessions"].as_u64().unwrap()).sum();
    assert_eq!(total, 23);
    // The sample home's Claude Code settings keep transcripts for the default 30 days; every sample is older.
    let claude = found.iter().find(|f| f["agent"] == "claude-code").unwrap();
    assert_eq!(claude["cleanup"]["at_risk"], 4);

    let table = w.stdout(&["discover", "--home", &home]);
    assert!(table.contains("23 sessions from 9 agents."), "{table}");
    assert!(
        table.contains("warning: 4 claude-code sessions will be deleted"),
        "{table}"
    );

    // A longer cleanup period in the settings removes the risk.
    std::fs::write(
        Path::new(&home).join(".claude/settings.json"),
        r#"{"cleanupPeriodDays": 100000}"#,
    )
    .unwrap();
    let table = w.stdout(&["discover", "--home", &home, "--source", "claude"]);
    assert!(
        table.contains("no session near its deletion (cleanupPeriodDays = 100000"),
        "{table}"
    );
    assert!(table.contains("4 sessions from 1 agents."), "{table}");
}

#[test]
fn config_is_written_shown_and_honoured_by_export() {
    let w = World::new();
    let home = w.home();
    w.cmd(&[
        "config",
        "--redact-usernames",
        "alice,bob",
        "--redact",
        "ledger-backups",
    ])
    .assert()
    .success();
    w.cmd(&["config", "--source", "codex", "--source", "claude"])
        .assert()
        .success();
    w.cmd(&["config", "--exclude-project", "/home/alice/oss"])
        .assert()
        .success();
    let shown = w.stdout(&["config", "--show"]);
    let file = std::fs::read_to_string(w.path("config/codercrucible/config.toml")).unwrap();
    assert!(shown.contains(&file), "{shown}");
    assert!(
        file.contains(r#"sources = ["codex", "claude-code"]"#),
        "{file}"
    );
    assert!(
        file.contains(r#"redact_usernames = ["alice", "bob"]"#),
        "{file}"
    );

    w.cmd(&["export", "--home", &home, "-o", "out.jsonl"])
        .assert()
        .success();
    let out = lines(&w.path("out.jsonl"));
    let agents: std::collections::BTreeSet<&str> = out
        .iter()
        .map(|s| s["meta"]["source_agent"].as_str().unwrap())
        .collect();
    assert_eq!(
        agents.into_iter().collect::<Vec<_>>(),
        ["claude-code", "codex"]
    );
    let text = std::fs::read_to_string(w.path("out.jsonl")).unwrap();
    assert!(
        !text.contains("ledger-backups"),
        "configured string redacted"
    );
    assert!(!text.contains("alice"), "configured login redacted");
    // 4 claude-code + 3 codex sessions, less the one in /home/alice/oss/ledger-cli (excluded).
    assert_eq!(out.len(), 6);

    // Flags override the file.
    w.cmd(&[
        "export",
        "--home",
        &home,
        "-o",
        "gem.jsonl",
        "--source",
        "gemini",
    ])
    .assert()
    .success();
    assert!(lines(&w.path("gem.jsonl"))
        .iter()
        .all(|s| s["meta"]["source_agent"] == "gemini"));

    // A typo in the file is an error naming it, never ignored.
    std::fs::write(
        w.path("config/codercrucible/config.toml"),
        "redact_usrnames = [1]\n",
    )
    .unwrap();
    let out = w
        .cmd(&["export", "--home", &home])
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert!(String::from_utf8_lossy(&out.stderr).contains("config.toml"));
}

#[test]
fn export_scrubs_stamps_audits_and_is_incremental() {
    let w = World::new();
    let home = w.home();
    let out = w
        .cmd(&["export", "--home", &home, "-o", "out.jsonl", "--since-last"])
        .assert()
        .success()
        .get_output()
        .clone();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("exported 23 sessions"), "{err}");
    assert!(
        err.contains("redactions:") && err.contains("audit log:"),
        "{err}"
    );
    let sessions = lines(&w.path("out.jsonl"));
    assert_eq!(sessions.len(), 23);
    for s in &sessions {
        assert_eq!(s["meta"]["scrub"]["tool"], "cc-scrub", "{}", s["meta"]);
    }
    let text = std::fs::read_to_string(w.path("out.jsonl")).unwrap();
    assert!(!text.contains("/home/alice"), "home paths are scrubbed");
    let record: Value =
        serde_json::from_slice(&std::fs::read(w.path("out.jsonl.export.json")).unwrap()).unwrap();
    assert_eq!(record["sessions"], 23);
    let audit = PathBuf::from(record["audit_log"].as_str().unwrap());
    let audit_lines = common::values(&std::fs::read(&audit).unwrap());
    let total: u64 = record["redactions"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert!(total > 0);
    assert_eq!(
        audit_lines.len() as u64,
        total,
        "one audit record per redaction"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&audit).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the audit log is private to its owner");
    }

    // Nothing changed: nothing exported.
    w.cmd(&[
        "export",
        "--home",
        &home,
        "-o",
        "again.jsonl",
        "--since-last",
    ])
    .assert()
    .success();
    assert!(lines(&w.path("again.jsonl")).is_empty());

    // One session grows: only it is exported.
    let codex = Path::new(&home).join(".codex/sessions/2025/08/21");
    let f = std::fs::read_dir(&codex)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let last = std::fs::read_to_string(&f).unwrap();
    let mut grown = last.clone();
    let msg = r#"{"type":"message","role":"user","content":[{"type":"input_text","text":"one more question"}]}"#;
    grown.push_str(msg);
    grown.push('\n');
    std::fs::write(&f, grown).unwrap();
    w.cmd(&[
        "export",
        "--home",
        &home,
        "-o",
        "delta.jsonl",
        "--since-last",
    ])
    .assert()
    .success();
    let delta = lines(&w.path("delta.jsonl"));
    assert_eq!(delta.len(), 1, "{delta:?}");
    assert_eq!(delta[0]["meta"]["source_agent"], "codex");
}

#[test]
fn export_keeps_one_copy_of_a_duplicated_session_in_output_summary_and_audit() {
    let w = World::new();
    let home = w.home();
    w.cmd(&["export", "--home", &home, "-o", "plain.jsonl"])
        .assert()
        .success();
    let plain: Value =
        serde_json::from_slice(&std::fs::read(w.path("plain.jsonl.export.json")).unwrap()).unwrap();

    // The same Codex session twice (a copied rollout): the most complete copy is kept, the other dropped.
    let day = Path::new(&home).join(".codex/sessions/2025/08/21");
    let f = std::fs::read_dir(&day)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let copy = Path::new(&home).join(".codex/sessions/2025/08/22");
    std::fs::create_dir_all(&copy).unwrap();
    std::fs::copy(&f, copy.join(f.file_name().unwrap())).unwrap();
    let out = w
        .cmd(&["export", "--home", &home, "-o", "dedup.jsonl"])
        .assert()
        .success()
        .get_output()
        .clone();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("exported 23 sessions"), "{err}");
    let rec: Value =
        serde_json::from_slice(&std::fs::read(w.path("dedup.jsonl.export.json")).unwrap()).unwrap();
    for k in ["sessions", "sessions_per_agent", "redactions", "bytes"] {
        assert_eq!(rec[k], plain[k], "{k}");
    }
    let text = std::fs::read(w.path("dedup.jsonl")).unwrap();
    assert_eq!(text, std::fs::read(w.path("plain.jsonl")).unwrap());
    let sha = {
        use sha2::{Digest, Sha256};
        Sha256::digest(&text)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    assert_eq!(
        rec["sha256"],
        sha.as_str(),
        "the record hashes the file as written"
    );
    let audit = |r: &Value| std::fs::read(r["audit_log"].as_str().unwrap()).unwrap();
    assert_eq!(
        common::values(&audit(&rec)).len(),
        common::values(&audit(&plain)).len(),
        "the dropped copy's redactions are not in the audit log"
    );
}

#[test]
fn export_writes_every_format() {
    let w = World::new();
    let home = w.home();
    w.cmd(&[
        "export",
        "--home",
        &home,
        "-o",
        "out.openai.jsonl",
        "--format",
        "openai",
        "--source",
        "codex",
    ])
    .assert()
    .success();
    let rows = lines(&w.path("out.openai.jsonl"));
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|r| r["messages"].is_array()));
    w.cmd(&[
        "export", "--home", &home, "-o", "out.md", "--format", "markdown", "--source", "codex",
    ])
    .assert()
    .success();
    assert!(std::fs::read_to_string(w.path("out.md"))
        .unwrap()
        .contains("## "));
    // Only the universal JSONL can be reviewed (and so pushed).
    let out = w
        .cmd(&["confirm", "--yes"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert!(String::from_utf8_lossy(&out.stderr).contains("markdown format"));
}

#[test]
fn confirm_reviews_writes_the_report_and_records_only_on_yes() {
    let w = World::new();
    let home = w.home();
    w.cmd(&["export", "--home", &home, "-o", "out.jsonl"])
        .assert()
        .success();
    // Not a terminal and no --yes: the review is shown, nothing is recorded.
    let out = w.cmd(&["confirm"]).assert().code(1).get_output().clone();
    let review = String::from_utf8_lossy(&out.stdout);
    assert!(review.contains("Sessions: 23"), "{review}");
    assert!(review.contains("Leak gate: 0 finding(s)"), "{review}");
    assert!(
        review.contains("Samples (placeholders in context):"),
        "{review}"
    );
    assert!(!w.path("out.jsonl.confirmed.json").exists());

    let html = std::fs::read_to_string(w.path("out.jsonl.report.html")).unwrap();
    assert!(html.contains("<div class=\"n\" id=\"sessions\">23</div>"));
    assert!(html.contains("Leak gate passed"));
    assert!(!html.contains("src=") && !html.contains("href=") && !html.contains("<script"));
    let record: Value =
        serde_json::from_slice(&std::fs::read(w.path("out.jsonl.export.json")).unwrap()).unwrap();
    let total: u64 = record["redactions"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert!(html.contains(&format!("id=\"redactions\">{total}<")));

    w.cmd(&["confirm", "--yes"]).assert().success();
    let c: Value =
        serde_json::from_slice(&std::fs::read(w.path("out.jsonl.confirmed.json")).unwrap())
            .unwrap();
    assert_eq!(c["sha256"], record["sha256"]);

    // A leak planted after export fails the gate (and the changed hash is caught first).
    let mut text = std::fs::read_to_string(w.path("out.jsonl")).unwrap();
    text = text.replacen(
        "\"content\":\"",
        "\"content\":\"mail me at jane.doe@corp-mail.net ",
        1,
    );
    std::fs::write(w.path("out.jsonl"), &text).unwrap();
    let out = w
        .cmd(&["confirm", "--yes"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert!(String::from_utf8_lossy(&out.stderr).contains("changed since it was exported"));
}

#[test]
fn confirm_leak_gate_catches_what_is_left() {
    let w = World::new();
    let home = w.home();
    w.cmd(&[
        "export",
        "--home",
        &home,
        "-o",
        "out.jsonl",
        "--source",
        "codex",
    ])
    .assert()
    .success();
    // Plant a leak and forge the record's hash, as if the scrubber had missed it.
    let mut text = std::fs::read_to_string(w.path("out.jsonl")).unwrap();
    text = text.replacen(
        "\"content\":\"",
        "\"content\":\"mail me at jane.doe@corp-mail.net ",
        1,
    );
    std::fs::write(w.path("out.jsonl"), &text).unwrap();
    let rpath = w.path("out.jsonl.export.json");
    let mut record: Value = serde_json::from_slice(&std::fs::read(&rpath).unwrap()).unwrap();
    use sha2::Digest;
    record["sha256"] = Value::String(
        sha2::Sha256::digest(text.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
    );
    std::fs::write(&rpath, serde_json::to_vec(&record).unwrap()).unwrap();
    let out = w
        .cmd(&["confirm", "--yes"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let review = String::from_utf8_lossy(&out.stdout);
    assert!(review.contains("Leak gate: 1 finding(s)"), "{review}");
    assert!(
        !review.contains("jane.doe@corp-mail.net"),
        "the review never shows the original"
    );
    assert!(!w.path("out.jsonl.confirmed.json").exists());
    let html = std::fs::read_to_string(w.path("out.jsonl.report.html")).unwrap();
    assert!(html.contains("Not ready to share") && !html.contains("jane.doe@corp-mail.net"));
}

#[test]
fn archive_is_incremental_keeps_deleted_logs_and_reads_like_a_home() {
    let w = World::new();
    let home = w.home();
    let out = w.stdout(&["archive", "arch", "--home", &home]);
    assert!(out.contains("new or changed"), "{out}");
    let again = w.stdout(&["archive", "arch", "--home", &home]);
    assert!(again.contains(": 0 new or changed (0 B)"), "{again}");

    // The agent deletes a transcript: the archive still has it, and cc-extract reads the archive as a home.
    let claude = Path::new(&home).join(".claude/projects/-home-alice-oss-ledger-cli");
    for e in std::fs::read_dir(&claude).unwrap() {
        std::fs::remove_file(e.unwrap().path()).unwrap();
    }
    w.stdout(&["archive", "arch", "--home", &home]);
    let arch_home = w.path("arch/home");
    let out = common::bin("cc-extract")
        .args(["claude-code", "--home"])
        .arg(&arch_home)
        .env_remove("CLAUDE_CONFIG_DIR")
        .env_remove("XDG_CONFIG_HOME")
        .assert()
        .success()
        .get_output()
        .clone();
    assert_eq!(
        common::values(&out.stdout).len(),
        4,
        "the deleted session is still archived"
    );
    let out = common::bin("cc-extract")
        .args(["--all", "--home"])
        .arg(&arch_home)
        .env_remove("CLAUDE_CONFIG_DIR")
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("XDG_DATA_HOME")
        .env_remove("CODEX_HOME")
        .assert()
        .get_output()
        .clone();
    assert_eq!(
        common::values(&out.stdout).len(),
        23,
        "every agent reads from the archive"
    );
}

#[test]
fn demo_runs_every_stage_from_the_sample_home() {
    let w = World::new();
    let out = w.path("demo");
    let examples = common::repo_path("examples");
    let stdout = w.stdout(&[
        "demo",
        "--examples",
        examples.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(stdout.contains("extract     23 sessions"), "{stdout}");
    let scrubbed = lines(&out.join("sessions.ndjson"));
    assert_eq!(scrubbed.len(), 23);
    assert!(scrubbed
        .iter()
        .all(|s| s["meta"]["scrub"]["tool"] == "cc-scrub"));
    for f in [
        "sessions.chatml.txt",
        "sessions.openai.jsonl",
        "sessions.md",
        "scrub-audit.ndjson",
    ] {
        assert!(std::fs::metadata(out.join(f)).unwrap().len() > 0, "{f}");
    }
    let text = std::fs::read_to_string(out.join("sessions.md")).unwrap();
    assert!(!text.contains("/home/alice"));
}

#[test]
fn cc_extract_honours_the_config() {
    let w = World::new();
    let home = w.home();
    w.cmd(&[
        "config",
        "--source",
        "codex",
        "--exclude-project",
        "/home/alice/notes",
    ])
    .assert()
    .success();
    let out = common::bin("cc-extract")
        .args(["--home", &home])
        .env("HOME", w.path("user"))
        .env("XDG_CONFIG_HOME", w.path("config"))
        .env_remove("CODEX_HOME")
        .assert()
        .success()
        .get_output()
        .clone();
    let sessions = common::values(&out.stdout);
    // 3 codex sessions, one of them in the excluded project.
    assert_eq!(sessions.len(), 2);
    assert!(sessions
        .iter()
        .all(|s| s["meta"]["source_agent"] == "codex"));
    assert!(sessions
        .iter()
        .all(|s| s["meta"]["project_path"] != "/home/alice/notes"));
}

#[test]
fn cc_scrub_honours_the_configs_redact_lists() {
    let w = World::new();
    w.cmd(&["config", "--redact", "Project Nightjar"])
        .assert()
        .success();
    let line = r#"{"meta":{"source_agent":"codex","session_id":"s1","project_hash":null,"start_time":null,"end_time":null,"quality_score":null,"schema_version":"1.0"},"messages":[{"index":0,"role":"user","content":"status of Project Nightjar?","timestamp":null,"annotations":{}}]}"#;
    let out = common::bin("cc-scrub")
        .args(["--no-audit", "--no-local-identity"])
        .env("HOME", w.path("user"))
        .env("XDG_CONFIG_HOME", w.path("config"))
        .write_stdin(format!("{line}\n"))
        .assert()
        .success()
        .get_output()
        .clone();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        !text.contains("Nightjar") && text.contains("<redacted>"),
        "{text}"
    );
}

#[test]
fn archive_of_editor_agents_takes_their_logs_not_the_whole_editor_profile() {
    let w = World::new();
    let home = w.path("ide-home");
    for agent in ["copilot", "cursor"] {
        common::copy_dir(
            &common::repo_path(&format!("tests/fixtures/agents/{agent}/home")),
            &home,
        );
    }
    let user = home.join(".config/Code/User");
    std::fs::create_dir_all(user.join("History/abc")).unwrap();
    std::fs::write(user.join("History/abc/entry.txt"), "local file history").unwrap();
    std::fs::write(user.join("settings.json"), "{}").unwrap();
    let extract = |h: &Path| {
        let out = common::bin("cc-extract")
            .args(["copilot", "cursor", "--home"])
            .arg(h)
            .env_remove("XDG_CONFIG_HOME")
            .env_remove("XDG_DATA_HOME")
            .env("HOME", w.path("user"))
            .assert()
            .success()
            .get_output()
            .clone();
        common::values(&out.stdout)
    };
    let original = extract(&home);
    assert!(!original.is_empty());
    w.cmd(&[
        "archive",
        "arch",
        "--home",
        home.to_str().unwrap(),
        "--source",
        "copilot",
        "--source",
        "cursor",
    ])
    .assert()
    .success();
    let mirror = w.path("arch/home/.config/Code/User");
    assert!(!mirror.join("History").exists() && !mirror.join("settings.json").exists());
    let archived = extract(&w.path("arch/home"));
    let ids = |v: &[Value]| {
        v.iter()
            .map(|s| {
                (
                    s["meta"]["session_id"].clone(),
                    s["messages"].as_array().unwrap().len(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&archived), ids(&original));
}

#[test]
fn index_and_search_the_export_in_process() {
    let w = World::new();
    let home = w.home();
    w.cmd(&["export", "--home", &home, "-o", "out.jsonl"])
        .assert()
        .success();
    let idx = w.path("idx");
    w.cmd(&["index", "--index", idx.to_str().unwrap()])
        .assert()
        .success();
    let hits = w.stdout(&[
        "search",
        "rounding money",
        "--limit",
        "3",
        "--json",
        "--index",
        idx.to_str().unwrap(),
    ]);
    let hits = common::values(hits.as_bytes());
    assert!(!hits.is_empty() && hits.len() <= 3, "{hits:?}");
    assert_eq!(hits[0]["title"], "Rounding money in Python and Postgres");
    // Nothing matches: exit 1, like grep.
    w.cmd(&[
        "search",
        "zyxwvut",
        "--json",
        "--index",
        idx.to_str().unwrap(),
    ])
    .assert()
    .code(1);
}
