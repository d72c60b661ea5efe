//! `cc-extract` over the shared fixtures of every terminal agent (copied into `tests/fixtures/agents`): each
//! test checks the numbers in that agent's EXPECTED.md (sessions, messages by role and order, tool calls,
//! parent links, models, titles) as they map onto schema v1.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use codercrucible::schema::{Role, Session};

/// Environment variables that would point an agent somewhere else than `--home`.
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

fn fixture_home(agent: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/agents")
        .join(agent)
        .join("home")
}

fn cmd() -> Command {
    let mut c = Command::cargo_bin("cc-extract").unwrap();
    for v in AGENT_VARS {
        c.env_remove(v);
    }
    c
}

fn parse(stdout: &[u8]) -> Vec<Session> {
    std::str::from_utf8(stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// Extracts one agent from its fixture home; the run must be clean (exit 0, nothing on stderr).
fn extract(agent: &str) -> Vec<Session> {
    let out = cmd()
        .arg(agent)
        .arg("--home")
        .arg(fixture_home(agent))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    assert!(out.status.success());
    parse(&out.stdout)
}

/// Each message as `role` or `role/kind`.
fn labels(s: &Session) -> Vec<String> {
    s.messages
        .iter()
        .map(|m| match &m.kind {
            Some(k) => format!("{}/{k}", m.role.as_str()),
            None => m.role.as_str().to_string(),
        })
        .collect()
}

/// Tool names per message that has calls, as "name" or "name!" (error) or "name?" (no result).
fn calls(s: &Session) -> Vec<Vec<String>> {
    s.messages
        .iter()
        .filter(|m| !m.annotations.tool_calls.is_empty())
        .map(|m| {
            m.annotations
                .tool_calls
                .iter()
                .map(|c| match (&c.result, c.is_error) {
                    (None, _) => format!("{}?", c.name),
                    (Some(_), Some(true)) => format!("{}!", c.name),
                    _ => c.name.clone(),
                })
                .collect()
        })
        .collect()
}

fn count(s: &Session, role: Role) -> usize {
    s.messages.iter().filter(|m| m.role == role).count()
}

fn has_thinking(s: &Session) -> Vec<bool> {
    s.messages
        .iter()
        .map(|m| m.annotations.thinking.is_some())
        .collect()
}

fn models(s: &Session) -> Vec<&str> {
    let mut v: Vec<&str> = s
        .messages
        .iter()
        .filter_map(|m| m.model.as_deref())
        .collect();
    v.dedup();
    v
}

fn by_id<'a>(sessions: &'a [Session], id: &str) -> &'a Session {
    sessions
        .iter()
        .find(|s| s.meta.session_id == id)
        .unwrap_or_else(|| panic!("no session {id}"))
}

#[test]
fn claude_code_fixture() {
    let all = extract("claude-code");
    assert_eq!(all.len(), 4);
    for s in &all {
        assert_eq!(s.meta.source_agent, "claude-code");
        assert_eq!(s.meta.schema_version, "1.0");
        assert!(s.meta.start_time.is_some() && s.meta.end_time >= s.meta.start_time);
    }

    let s1 = by_id(&all, "2b1c7e4a-5d3f-4a8e-9c21-6f0e8d7b3a15");
    assert_eq!(labels(s1), ["user", "assistant", "user", "assistant"]);
    assert_eq!(has_thinking(s1), [false, true, false, false]);
    assert!(calls(s1).is_empty());
    assert_eq!(
        s1.meta.title.as_deref(),
        Some("Rounding money in Python and Postgres")
    );
    assert_eq!(s1.meta.model.as_deref(), Some("claude-sonnet-4-5-20250929"));
    assert_eq!(s1.meta.git_branch.as_deref(), Some("main"));
    assert_eq!(s1.meta.agent_version.as_deref(), Some("2.0.14"));
    assert_eq!(
        s1.meta.project_path.as_deref(),
        Some("/home/alice/work/shop")
    );
    assert!(s1.messages[0].content.contains("alice.smith@example.com"));

    let s2 = by_id(&all, "7f3e9a61-0c4b-4d2e-8b5a-3e1f9c6d2a48");
    let mut want = vec!["user"];
    want.extend(["assistant"; 6]);
    want.extend(["user", "assistant", "assistant"]);
    assert_eq!(labels(s2), want);
    assert_eq!(count(s2, Role::User), 2);
    assert_eq!(count(s2, Role::Assistant), 8);
    assert_eq!(
        calls(s2),
        [
            vec!["Read"],
            vec!["Bash!"],
            vec!["Task"],
            vec!["Edit"],
            vec!["Bash"],
            vec!["Bash"]
        ]
    );
    assert!(s2.messages[1].annotations.thinking.is_some());
    assert!(s2.messages[1]
        .annotations
        .file_refs
        .contains(&"/home/alice/work/shop/src/checkout/total.py".to_string()));
    assert_eq!(models(s2), ["claude-sonnet-4-5-20250929"]);
    assert_eq!(s2.meta.title, None);
    assert_eq!(s2.meta.git_branch.as_deref(), Some("fix/checkout-rounding"));
    assert_eq!(s2.meta.agent_version.as_deref(), Some("2.0.31"));
    // The tool result of `grep -n AWS_ .env` is folded into its Bash call.
    let grep = &s2.messages[5].annotations.tool_calls[0];
    assert!(grep
        .result
        .as_deref()
        .unwrap()
        .contains("AKIAJA0K84RQILLUW6QO"));
    let usage = s2.meta.usage.as_ref().unwrap();
    assert!(usage.output_tokens.unwrap() > 0);

    let sub = by_id(&all, "7f3e9a61-0c4b-4d2e-8b5a-3e1f9c6d2a48:agent-a3f9c2e");
    assert_eq!(
        sub.meta.parent_session_id.as_deref(),
        Some(s2.meta.session_id.as_str())
    );
    assert_eq!(labels(sub), ["user", "assistant", "assistant"]);
    assert_eq!(calls(sub), [vec!["Grep"]]);
    assert_eq!(sub.meta.model.as_deref(), Some("claude-haiku-4-5-20251001"));
    assert_eq!(sub.meta.title.as_deref(), Some("Find float money math"));
    assert_eq!(
        sub.meta.extra["parent_tool_use_id"],
        "toolu_01ktPaWTv0zIsdFp9MiQzAHk"
    );

    let s3 = by_id(&all, "c41d0b7e-92a6-4f13-a8e5-0d6b1f2c9e37");
    assert_eq!(
        labels(s3),
        [
            "user",
            "assistant",
            "user",
            "assistant",
            "system/compaction_summary",
            "user",
            "assistant"
        ]
    );
    assert_eq!(
        s3.meta.title.as_deref(),
        Some("Ledger CLI: stream CSV import and strip BOM")
    );
    assert_eq!(s3.meta.model.as_deref(), Some("claude-opus-4-1-20250805"));
    assert_eq!(s3.meta.git_branch.as_deref(), Some("streaming-import"));
    assert_eq!(s3.meta.agent_version.as_deref(), Some("1.0.98"));
    assert_eq!(
        s3.meta.project_path.as_deref(),
        Some("/home/alice/oss/ledger-cli")
    );
    // Same project, same hash; the hash is not the path.
    assert_eq!(s1.meta.project_hash, s2.meta.project_hash);
    assert_ne!(s1.meta.project_hash, s3.meta.project_hash);
    assert_eq!(s1.meta.project_hash.as_deref().map(str::len), Some(16));
}

#[test]
fn codex_fixture() {
    let all = extract("codex");
    assert_eq!(all.len(), 3);
    let prompts_and_turns = |s: &Session| -> Vec<String> {
        labels(s)
            .into_iter()
            .filter(|l| !l.ends_with("injected_context"))
            .collect()
    };

    let cx1 = by_id(&all, "019a48c8-0f30-78bf-947d-bee953ac04ba");
    assert_eq!(
        prompts_and_turns(cx1),
        ["user", "assistant", "user", "assistant"]
    );
    assert_eq!(
        labels(cx1)
            .iter()
            .filter(|l| *l == "system/injected_context")
            .count(),
        3
    );
    assert_eq!(
        calls(cx1),
        [vec!["shell_command", "apply_patch", "shell_command"]]
    );
    let turns: Vec<_> = cx1
        .messages
        .iter()
        .filter(|m| m.role == Role::Assistant)
        .collect();
    assert!(turns
        .iter()
        .all(|m| m.annotations.thinking.is_some() && !m.content.is_empty()));
    assert!(turns[0]
        .annotations
        .file_refs
        .contains(&"src/shop/cli.py".to_string()));
    assert_eq!(cx1.meta.model.as_deref(), Some("gpt-5-codex"));
    assert_eq!(
        cx1.meta.project_path.as_deref(),
        Some("/home/alice/work/shop")
    );
    assert_eq!(cx1.meta.git_branch.as_deref(), Some("main"));
    assert_eq!(cx1.meta.agent_version.as_deref(), Some("0.58.0"));
    let u = cx1.meta.usage.as_ref().unwrap();
    assert_eq!(
        (
            u.input_tokens,
            u.cache_read_tokens,
            u.output_tokens,
            u.reasoning_tokens
        ),
        (Some(30380), Some(23296), Some(1243), Some(640))
    );

    let cx2 = by_id(&all, "5b0f9c2e-1a7d-4e3b-9c6f-8d2e4a1b7c30");
    assert_eq!(
        prompts_and_turns(cx2),
        [
            "user",
            "assistant",
            "user",
            "assistant",
            "user",
            "assistant"
        ]
    );
    let turns: Vec<_> = cx2
        .messages
        .iter()
        .filter(|m| m.role == Role::Assistant)
        .collect();
    let tools: Vec<Vec<String>> = turns
        .iter()
        .map(|m| {
            let one = Session {
                messages: vec![(*m).clone()],
                ..cx2.clone()
            };
            calls(&one).into_iter().flatten().collect()
        })
        .collect();
    assert_eq!(tools, [vec!["shell", "shell!"], vec!["shell?"], vec![]]);
    let final_text: Vec<bool> = turns.iter().map(|m| !m.content.is_empty()).collect();
    assert_eq!(final_text, [true, false, true]);
    let reasoning: Vec<bool> = turns
        .iter()
        .map(|m| m.annotations.thinking.is_some())
        .collect();
    assert_eq!(reasoning, [true, false, false]);
    assert_eq!(cx2.meta.git_branch.as_deref(), Some("feature/s3-export"));
    // The prompt is there once although Codex wrote it twice.
    let first = &cx2
        .messages
        .iter()
        .find(|m| m.role == Role::User)
        .unwrap()
        .content;
    assert_eq!(
        cx2.messages.iter().filter(|m| &m.content == first).count(),
        1
    );

    let cx3 = by_id(&all, "3c9e1f7a-6b2d-4a58-8e1c-2f7d9b0a4e63");
    assert_eq!(prompts_and_turns(cx3), ["user", "assistant"]);
    assert_eq!(calls(cx3), [vec!["shell"]]);
    assert_eq!(cx3.meta.project_path.as_deref(), Some("/home/alice/notes"));
    assert_eq!(cx3.meta.model, None);
    assert_eq!(cx3.meta.git_branch.as_deref(), Some("main"));
}

#[test]
fn gemini_fixture() {
    let all = extract("gemini");
    assert_eq!(all.len(), 4);

    let gm1 = by_id(&all, "9d0f784a-a064-45ce-9ff6-a94e87b57320");
    assert_eq!(
        labels(gm1),
        ["user", "assistant", "assistant", "user", "assistant"]
    );
    assert_eq!(calls(gm1), [vec!["read_file", "run_shell_command!"]]);
    assert_eq!(has_thinking(gm1), [false, true, false, false, true]);
    assert_eq!(gm1.meta.model.as_deref(), Some("gemini-2.5-pro"));
    assert_eq!(
        gm1.meta.project_path.as_deref(),
        Some("/home/alice/oss/ledger-cli")
    );

    let gm2 = by_id(&all, "b951d8ee-c451-4ff3-8ad1-259fab4764cb");
    assert_eq!(
        labels(gm2),
        [
            "system/notice",
            "user",
            "assistant",
            "assistant",
            "system/notice",
            "user",
            "assistant"
        ]
    );
    assert_eq!(
        calls(gm2),
        [vec!["run_shell_command"], vec!["write_file", "replace!"]]
    );
    assert_eq!(
        gm2.meta.title.as_deref(),
        Some("Configure S3 backup target for ledger")
    );
    assert_eq!(gm2.meta.model.as_deref(), Some("gemini-3-pro-preview"));

    let gm3 = by_id(&all, "5d7b0f15-5493-4c28-b935-364cede98d10");
    // Three versions of one message collapse; the rewind removes a prompt and its answer.
    assert_eq!(labels(gm3), ["user", "assistant", "user", "assistant"]);
    assert_eq!(calls(gm3), [vec!["codebase_investigator"]]);
    assert!(gm3
        .messages
        .iter()
        .all(|m| !m.content.contains("just delete the db ping")));
    assert_eq!(
        gm3.meta.title.as_deref(),
        Some("Speed up /healthz by caching the DB ping")
    );
    assert_eq!(
        gm3.meta.project_path.as_deref(),
        Some("/home/alice/work/shop")
    );
    // Gemini's own project hash (SHA-256 of the root) and ours agree.
    assert_eq!(gm3.meta.project_hash.as_deref(), Some("5770b42aaceab04e"));

    let sub = by_id(&all, "c5353ab8-11f5-4a13-8298-9c2edcf5152d");
    assert_eq!(
        sub.meta.parent_session_id.as_deref(),
        Some(gm3.meta.session_id.as_str())
    );
    assert_eq!(labels(sub), ["user", "assistant"]);
    assert_eq!(calls(sub), [vec!["grep_search"]]);
    assert_eq!(sub.meta.model.as_deref(), Some("gemini-2.5-flash"));
}

#[test]
fn opencode_fixture() {
    let all = extract("opencode");
    assert_eq!(all.len(), 4);

    let oc1 = by_id(&all, "ses_63ca11bbfffelcBThhqrv7Wpil");
    assert_eq!(
        labels(oc1),
        [
            "user",
            "assistant",
            "assistant",
            "assistant",
            "user",
            "assistant"
        ]
    );
    assert_eq!(
        calls(oc1),
        [vec!["bash"], vec!["read", "edit", "bash!"], vec!["task"]]
    );
    assert_eq!(has_thinking(oc1), [false, true, false, false, false, false]);
    assert_eq!(
        oc1.meta.title.as_deref(),
        Some("Add rate limiting to the orders API")
    );
    assert_eq!(
        oc1.meta.model.as_deref(),
        Some("anthropic/claude-sonnet-4-5-20250929")
    );
    assert_eq!(
        oc1.meta.project_path.as_deref(),
        Some("/home/alice/work/shop")
    );

    let oc2 = by_id(&all, "ses_63275f57fffeVDtKeSB9H5uIBv");
    assert_eq!(labels(oc2), ["user", "assistant", "user", "assistant"]);
    assert_eq!(calls(oc2), [vec!["webfetch!"]]);
    assert_eq!(oc2.messages[2].attachments.len(), 1);
    // The synthetic file content is kept apart from what the human typed.
    assert!(!oc2.messages[2].content.contains("learn regex flags"));
    assert_eq!(
        oc2.messages[2].extra["injected_context"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    assert_eq!(oc2.meta.model.as_deref(), Some("openai/gpt-5-codex"));
    assert_eq!(oc2.meta.project_path.as_deref(), Some("/home/alice"));

    let oc3 = by_id(&all, "ses_63ca0de07ffeDpp4W2CBTtu69T");
    assert_eq!(
        oc3.meta.parent_session_id.as_deref(),
        Some("ses_63ca11bbfffelcBThhqrv7Wpil")
    );
    assert_eq!(labels(oc3), ["user", "assistant", "assistant"]);
    assert_eq!(calls(oc3), [vec!["grep"]]);
    assert_eq!(
        oc3.meta.model.as_deref(),
        Some("anthropic/claude-haiku-4-5-20251001")
    );

    let oc4 = by_id(&all, "ses_330f6fdffffeuVXjGftAbvvlim");
    assert_eq!(labels(oc4), ["user", "assistant"]);
    assert_eq!(calls(oc4), [vec!["bash"]]);
    assert_eq!(
        oc4.meta.title.as_deref(),
        Some("Bump FastAPI and fix deprecations")
    );
    assert_eq!(oc4.meta.agent_version.as_deref(), Some("1.2.6"));
    assert_eq!(oc4.meta.extra["slug"], "swift-harbor");
}

#[test]
fn aider_fixture() {
    let all = extract("aider");
    assert_eq!(all.len(), 3);
    let by_start = |t: &str| {
        let secs = codercrucible::time::parse_str(t).unwrap();
        all.iter()
            .find(|s| s.meta.start_time == Some(secs))
            .unwrap()
    };
    let n = "system/notice";

    let ad1 = by_start("2025-06-12 10:15:03");
    assert_eq!(
        labels(ad1),
        [
            n,
            "user/command",
            n,
            "user",
            "assistant",
            n,
            "user/command",
            n,
            "user",
            "assistant",
            n
        ]
    );
    assert_eq!(
        (count(ad1, Role::User), count(ad1, Role::Assistant)),
        (4, 2)
    );
    let tools: usize = ad1
        .messages
        .iter()
        .map(|m| m.annotations.tool_calls.len())
        .sum();
    assert_eq!(tools, 3);
    assert_eq!(
        ad1.messages[8].content,
        "fix the warnings\nand keep it POSIX sh compatible"
    );
    assert_eq!(
        ad1.meta.model.as_deref(),
        Some("anthropic/claude-sonnet-4-5-20250929")
    );
    assert_eq!(
        ad1.meta.extra["weak_model"],
        "anthropic/claude-3-5-haiku-20241022"
    );
    assert_eq!(ad1.meta.agent_version.as_deref(), Some("0.86.1"));
    assert!(ad1
        .meta
        .project_path
        .as_deref()
        .unwrap()
        .ends_with("work/shop"));
    // Prompt times come from .aider.input.history.
    assert_eq!(
        ad1.messages[3].timestamp,
        codercrucible::time::parse_str("2025-06-12 10:15:41")
    );

    let ad2 = by_start("2025-06-13 09:02:44");
    assert_eq!(
        labels(ad2),
        [n, "user", n, "assistant", n, "user", "assistant", n]
    );
    assert!(ad2.messages[3].content.starts_with("### Likely cause"));
    assert_eq!(ad2.meta.model.as_deref(), Some("gpt-4.1"));
    assert!(calls(ad2).is_empty());

    let ad3 = by_start("2025-07-01 21:40:12");
    assert_eq!(
        labels(ad3),
        [n, "user", "assistant", n, "user/command", n, "user/command"]
    );
    let tools: usize = ad3
        .messages
        .iter()
        .map(|m| m.annotations.tool_calls.len())
        .sum();
    assert_eq!(tools, 3);
    assert_eq!(ad3.meta.model.as_deref(), Some("gemini/gemini-2.5-pro"));
    assert_eq!(ad3.meta.agent_version.as_deref(), Some("0.85.2"));
    assert!(ad3.meta.project_path.as_deref().unwrap().ends_with("notes"));
}

#[test]
fn qwen_amp_goose_crush_fixtures() {
    let q = extract("qwen-code");
    assert_eq!(q.len(), 1);
    assert_eq!(q[0].meta.session_id, "e29a6dce-6f8b-4802-bb2f-97c53609b74a");
    assert_eq!(
        labels(&q[0]),
        ["user", "assistant", "assistant", "assistant"]
    );
    assert_eq!(calls(&q[0]), [vec!["read_file"], vec!["run_shell_command"]]);
    assert_eq!(has_thinking(&q[0]), [false, true, false, false]);
    assert_eq!(q[0].meta.model.as_deref(), Some("qwen3-coder-plus"));
    assert_eq!(
        q[0].meta.project_path.as_deref(),
        Some("/home/alice/work/shop")
    );

    let a = extract("amp");
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].meta.title.as_deref(), Some("Fix first failing test"));
    assert_eq!(
        labels(&a[0]),
        ["user", "assistant", "assistant", "assistant"]
    );
    assert_eq!(calls(&a[0]), [vec!["Bash!"], vec!["edit_file"]]);
    assert_eq!(
        a[0].meta.model.as_deref(),
        Some("claude-sonnet-4-5-20250929")
    );
    assert_eq!(a[0].meta.start_time, Some(1_762_940_000));
    assert_eq!(
        a[0].meta.project_path.as_deref(),
        Some("/home/alice/work/shop")
    );

    let g = extract("goose");
    assert_eq!(g.len(), 1);
    assert_eq!(g[0].meta.title.as_deref(), Some("Summarize open PRs"));
    assert_eq!(labels(&g[0]), ["user", "assistant", "assistant"]);
    assert_eq!(calls(&g[0]), [vec!["developer__shell"]]);
    assert_eq!(g[0].meta.start_time, Some(1_749_723_300));
    assert_eq!(
        g[0].meta.project_path.as_deref(),
        Some("/home/alice/work/shop")
    );

    let c = extract("crush");
    assert_eq!(c.len(), 2);
    let c1 = by_id(&c, "be3b2361-bf36-4439-8209-5a9ba270cd5b");
    assert_eq!(labels(c1), ["user", "assistant", "assistant"]);
    assert_eq!(calls(c1), [vec!["view"]]);
    assert_eq!(has_thinking(c1), [false, true, false]);
    assert_eq!(c1.meta.model.as_deref(), Some("claude-sonnet-4-5-20250929"));
    assert_eq!(c1.meta.title.as_deref(), Some("Explain Makefile targets"));
    // updated_at was written in seconds, created_at in milliseconds: both read as seconds.
    assert_eq!(c1.meta.end_time, Some(1_762_950_000));
    assert_eq!(c1.meta.start_time, Some(1_762_949_000));
    let c2 = by_id(&c, "520c46ed-4b0c-4267-b040-cb93ad20971a");
    assert_eq!(
        c2.meta.parent_session_id.as_deref(),
        Some(c1.meta.session_id.as_str())
    );
    assert_eq!(labels(c2), ["user", "assistant"]);
    assert_eq!(c2.meta.model.as_deref(), Some("claude-haiku-4-5-20251001"));
}
