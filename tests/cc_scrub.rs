//! `cc-scrub` end to end: the real binary over sessions carrying the planted PII of the shared agent
//! fixtures (copied into tests/fixtures/scrub/planted.ndjson by make_planted.py).

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

const PLANTED: &str = "tests/fixtures/scrub/planted.ndjson";

/// Everything the fixtures' EXPECTED.md files list as planted (besides the login `alice`, checked apart).
const NEEDLES: &[&str] = &[
    "alice.smith@example.com",
    "alice.liddell@example.com",
    "AKIAJA0K84RQILLUW6QO",
    "AKIAQZ7WN3FAKE5X2PLM",
    "q70l4ou9nlMjRcLUD84We7jbrKPVlse2jRtQMuM/",
    "ghp_oAUI4QXq8RWKX944PVubnyR8F35eEix0ZgMu",
    "ghp_FAKEfake0123456789abcdefABCDEF012345",
    "oAUI4QXq8RWKX944PVubnyR8",
    "claude-3-5-sonnet-20241022",
    "claude-sonnet-4-20250514",
    "claude-3-7-sonnet-20250219",
    "claude-sonnet-4-5-20250929",
    "gpt-4o-2024-08-06",
    "claude-3.5-sonnet",
    "sk-proj-FAKE",
    "sk-ant-api03-FAKE",
];

struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Sandbox {
        Sandbox {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn key(&self) -> PathBuf {
        self.dir.path().join("cfg/scrub.key")
    }

    fn audit(&self) -> PathBuf {
        self.dir.path().join("audit.ndjson")
    }

    /// The binary with no developer environment leaking in: its own config/state dirs, no local identity.
    fn cmd(&self) -> Command {
        let mut c = Command::cargo_bin("cc-scrub").unwrap();
        c.env("XDG_CONFIG_HOME", self.dir.path().join("cfg"))
            .env("XDG_STATE_HOME", self.dir.path().join("state"))
            .env("HOME", self.dir.path())
            .arg("--no-local-identity")
            .arg("--key-file")
            .arg(self.key());
        c
    }

    fn scrub(&self, input: &[u8], extra: &[&str]) -> Vec<u8> {
        let out = self
            .cmd()
            .arg("--audit")
            .arg(self.audit())
            .args(extra)
            .write_stdin(input)
            .assert()
            .success();
        out.get_output().stdout.clone()
    }
}

fn planted() -> Vec<u8> {
    std::fs::read(PLANTED).unwrap()
}

fn sessions(out: &[u8]) -> Vec<Value> {
    out.split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).unwrap())
        .collect()
}

#[test]
fn none_of_the_planted_pii_survives() {
    let input = planted();
    let text = String::from_utf8_lossy(&input);
    assert!(
        NEEDLES.iter().all(|n| text.contains(n)),
        "the fixture lost a needle"
    );
    let sb = Sandbox::new();
    let out = sb.scrub(&input, &[]);
    let out_text = String::from_utf8_lossy(&out);
    for n in NEEDLES {
        assert!(!out_text.contains(n), "{n} survived");
    }
    assert!(
        !out_text.to_ascii_lowercase().contains("alice"),
        "the login survived"
    );
    assert_eq!(sessions(&out).len(), sessions(&input).len());
}

#[test]
fn output_passes_the_leak_gate_and_is_a_fixed_point() {
    let sb = Sandbox::new();
    let once = sb.scrub(&planted(), &[]);
    let twice = sb.scrub(&once, &[]);
    assert_eq!(once, twice, "scrubbing scrubbed output changed it");
    sb.cmd()
        .arg("--check")
        .write_stdin(once)
        .assert()
        .code(0)
        .stdout("# total\t0\n");
}

#[test]
fn the_leak_gate_reports_per_kind_and_fails() {
    let sb = Sandbox::new();
    let out = sb
        .cmd()
        .arg("--check")
        .write_stdin(planted())
        .assert()
        .code(1);
    let report = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    for kind in [
        "# secret\t",
        "# email\t",
        "# username\t",
        "# model\t",
        "# total\t",
    ] {
        assert!(report.contains(kind), "{kind} missing from the report");
    }
    assert!(report.contains("/messages/"), "findings name their field");
    for n in NEEDLES {
        assert!(!report.contains(n), "the report shows {n}");
    }
}

#[test]
fn output_is_the_same_whatever_the_thread_count() {
    let sb = Sandbox::new();
    let mut input = Vec::new();
    for _ in 0..30 {
        input.extend(planted());
    }
    let one = sb.scrub(&input, &["-j", "1"]);
    let two = sb.scrub(&input, &["-j", "2"]);
    let four = sb.scrub(&input, &["-j", "4"]);
    assert!(one == two && two == four);
}

#[test]
fn pseudonyms_are_stable_per_key_and_differ_across_keys() {
    let a = Sandbox::new();
    let b = Sandbox::new();
    let first = a.scrub(&planted(), &[]);
    assert_eq!(first, a.scrub(&planted(), &[]));
    assert_ne!(first, b.scrub(&planted(), &[]));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(a.key()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn sessions_carry_a_stamp_and_a_tilde_project_path() {
    let sb = Sandbox::new();
    let out = sessions(&sb.scrub(&planted(), &[]));
    for s in &out {
        let stamp = &s["meta"]["scrub"];
        assert_eq!(stamp["tool"], "cc-scrub");
        assert!(stamp["rules"].as_str().is_some_and(|r| r.len() == 16));
        assert!(stamp["counts"].is_object());
        assert_eq!(s["meta"]["project_path"], "~/work/shop");
    }
    let total: u64 = out
        .iter()
        .flat_map(|s| s["meta"]["scrub"]["counts"].as_object().unwrap().values())
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert!(total > 100, "{total}");
}

#[test]
fn the_audit_log_names_fields_and_rules_but_never_values() {
    let sb = Sandbox::new();
    let out = sb.scrub(&planted(), &[]);
    let audit = std::fs::read_to_string(sb.audit()).unwrap();
    let records: Vec<Value> = audit
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(records.len() > 100);
    for r in &records {
        for field in [
            "session",
            "pointer",
            "rule",
            "kind",
            "start",
            "end",
            "hash",
            "placeholder",
            "line",
        ] {
            assert!(!r[field].is_null(), "{field} missing in {r}");
        }
        assert!(r["session"].as_str().unwrap().starts_with("s_"));
        assert!(r["pointer"].as_str().unwrap().starts_with("/"));
    }
    assert!(records.iter().any(|r| r["rule"] == "github-token"));
    assert!(records.iter().any(|r| r["rule"] == "aws-access-key-id"));
    for n in NEEDLES {
        assert!(!audit.contains(n), "the audit log holds {n}");
    }
    assert!(!audit.to_ascii_lowercase().contains("alice"));
    // Every session with a finding is named by pseudonym, and the same session always by the same one.
    let again = Sandbox {
        dir: tempfile::tempdir().unwrap(),
    };
    std::fs::create_dir_all(again.key().parent().unwrap()).unwrap();
    std::fs::copy(sb.key(), again.key()).unwrap();
    again.scrub(&planted(), &[]);
    assert_eq!(audit, std::fs::read_to_string(again.audit()).unwrap());
    assert!(!out.is_empty());
}

#[test]
fn a_line_that_is_not_a_session_is_never_passed_through() {
    let sb = Sandbox::new();
    let mut input = b"{\"secret\": \"ghp_oAUI4QXq8RWKX944PVubnyR8F35eEix0ZgMu\"}\nnot json at all alice@corp.io\n".to_vec();
    // serde names a bad enum value in its message: that value must not reach stderr either.
    input.extend(br#"{"meta":{"source_agent":"x","session_id":"y","schema_version":"1.0"},"messages":[{"index":0,"role":"ghp_oAUI4QXq8RWKX944PVubnyR8F35eEix0ZgMu"}]}"#);
    input.push(b'\n');
    input.extend(planted().split(|&b| b == b'\n').next().unwrap());
    input.push(b'\n');
    let out = sb
        .cmd()
        .arg("--no-audit")
        .write_stdin(input.clone())
        .assert()
        .code(2);
    let o = out.get_output();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        stdout.lines().count(),
        1,
        "only the valid session is written"
    );
    assert!(!stdout.contains("oAUI4QXq8RWKX944") && !stdout.contains("alice@corp.io"));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("cc-scrub: <stdin>:1"), "{stderr}");
    assert!(
        stderr.contains("<stdin>:2") && stderr.contains("<stdin>:3"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("oAUI4QXq8RWKX944"),
        "diagnostics must not echo secrets: {stderr}"
    );
    sb.cmd()
        .args(["--no-audit", "--on-invalid", "skip"])
        .write_stdin(input)
        .assert()
        .code(0);
}

#[test]
fn explain_masks_what_it_shows() {
    let sb = Sandbox::new();
    let out = sb
        .cmd()
        .arg("--explain")
        .arg(Path::new(PLANTED))
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(text.contains("github-token") && text.contains("→ <REDACTED>"));
    for n in NEEDLES {
        assert!(!text.contains(n), "explain shows {n}");
    }
}

#[test]
fn configured_names_are_redacted() {
    let sb = Sandbox::new();
    let line = r#"{"meta":{"source_agent":"codex","session_id":"s","schema_version":"1.0","project_hash":null,"start_time":null,"end_time":null,"quality_score":null},"messages":[{"index":0,"role":"user","content":"ask bobby about project-falcon on falcon.acme.dev","timestamp":null,"annotations":{"file_refs":[],"tool_calls":[],"thinking":null}}]}"#;
    let out = sb.scrub(
        format!("{line}\n").as_bytes(),
        &[
            "--redact-usernames",
            "bobby",
            "--redact",
            "project-falcon,acme.dev",
        ],
    );
    let s = String::from_utf8(out).unwrap();
    assert!(
        !s.contains("bobby") && !s.contains("project-falcon") && !s.contains("acme.dev"),
        "{s}"
    );
    assert!(s.contains("<redacted>") && s.contains("user_"));
}

#[test]
fn a_configured_login_inside_a_longer_owner_goes_whole_in_one_pass() {
    let sb = Sandbox::new();
    let content = "gh pr list --repo alice-smith/shop; push: https://alice-smith:hunter2hunter2@github.com/alice-smith/shop.git; PR: https://github.com/alice-smith/shop/pull/7 and https://github.com/alice-smitheckout-rounding";
    let line = format!(
        r#"{{"meta":{{"source_agent":"codex","session_id":"s","schema_version":"1.0","project_hash":null,"start_time":null,"end_time":null,"quality_score":null}},"messages":[{{"index":0,"role":"user","content":"{content}","timestamp":null,"annotations":{{"file_refs":[],"tool_calls":[],"thinking":null}}}}]}}"#
    );
    let once = sb.scrub(
        format!("{line}\n").as_bytes(),
        &["--redact-usernames", "alice"],
    );
    let text = String::from_utf8(once.clone()).unwrap();
    assert!(
        !text.contains("alice") && !text.contains("smith/"),
        "{text}"
    );
    // The owner is one pseudonym wherever it stands, never a pseudonym with the surname left over.
    assert!(!text.contains("-smith/"), "{text}");
    let twice = sb.scrub(&once, &["--redact-usernames", "alice"]);
    assert_eq!(once, twice, "a second pass changed the output");
}

#[test]
fn the_audit_log_names_input_files_without_the_users_name() {
    let sb = Sandbox::new();
    let dir = sb.dir.path().join("projects/bobby-tables");
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("sessions.ndjson");
    std::fs::write(&input, planted()).unwrap();
    sb.cmd()
        .arg("--audit")
        .arg(sb.audit())
        .args(["--redact-usernames", "bobby-tables"])
        .arg(&input)
        .assert()
        .success();
    let audit = std::fs::read_to_string(sb.audit()).unwrap();
    assert!(audit.lines().count() > 0);
    assert!(
        !audit.contains("bobby-tables"),
        "the audit log names the user"
    );
    assert!(
        audit.contains("/projects/user_"),
        "the file is still named, by pseudonym"
    );
}
