//! Invariants of the pipeline over generated v1 sessions (proptest): arbitrary unicode, nested JSON tool
//! arguments, unknown fields at every level, and planted secrets, e-mails and home paths.
//!
//! - `cc-format jsonl` gives back the session it read, as a JSON value;
//! - cc-scrub is idempotent, its output passes `--check`, and no planted value survives it;
//! - output bytes do not depend on the number of threads.
//!
//! Most cases run the library in-process (fast in debug builds); a few run the real binaries.

use std::io::Cursor;

use assert_cmd::Command;
use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::{json, Map, Value};

use codercrucible::cli::{self, Diagnostics, OnInvalid};
use codercrucible::format::{self, Format, Options};
use codercrucible::io::LineReader;
use codercrucible::schema::Session;
use codercrucible::scrub::gates::{base62_6, crc32};
use codercrucible::scrub::key::PseudonymKey;
use codercrucible::scrub::options::ScrubOptions;
use codercrucible::scrub::{Mode, Scrubber};

/// A value that must never come out of cc-scrub, and how it was planted.
#[derive(Debug, Clone)]
struct Planted {
    /// The text written into the session.
    text: String,
    /// What must not survive (the login for a home path, the whole value otherwise).
    needle: String,
}

fn lower(min: usize, max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::char::range('a', 'z'), min..=max)
        .prop_map(|v| v.into_iter().collect())
}

fn from_alphabet(alphabet: &'static str, n: usize) -> impl Strategy<Value = String> {
    let a: Vec<char> = alphabet.chars().collect();
    proptest::collection::vec(proptest::sample::select(a), n).prop_map(|v| v.into_iter().collect())
}

const AN: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const BASE32: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Logins start with `q` so none is one of the generic names (`root`, `runner`, ...) left alone on purpose.
fn login() -> impl Strategy<Value = String> {
    lower(5, 9).prop_map(|s| format!("q{s}"))
}

fn planted() -> impl Strategy<Value = Planted> {
    prop_oneof![
        (
            lower(3, 8),
            lower(3, 8),
            lower(4, 10),
            prop::sample::select(vec!["com", "org", "io", "net", "de"])
        )
            .prop_map(|(a, b, d, t)| {
                let e = format!("{a}.{b}@{d}mail.{t}");
                Planted {
                    text: e.clone(),
                    needle: e,
                }
            }),
        from_alphabet(BASE32, 16).prop_map(|k| {
            let k = format!("AKIA{k}");
            Planted {
                text: k.clone(),
                needle: k,
            }
        }),
        from_alphabet(AN, 30).prop_map(|body| {
            let t = format!("ghp_{body}{}", base62_6(crc32(body.as_bytes())));
            Planted {
                text: t.clone(),
                needle: t,
            }
        }),
        (
            login(),
            lower(3, 10),
            prop::sample::select(vec!["/home/", "/Users/"])
        )
            .prop_map(|(l, p, root)| {
                Planted {
                    text: format!("{root}{l}/{p}/src/main.rs"),
                    needle: l,
                }
            }),
        (login(), lower(3, 10)).prop_map(|(l, p)| Planted {
            text: format!("C:\\Users\\{l}\\{p}\\app.py"),
            needle: l,
        }),
    ]
}

/// Arbitrary unicode text (controls, invisibles, astral planes) with planted values between spaces.
fn text(max_chunks: usize) -> impl Strategy<Value = (String, Vec<Planted>)> {
    proptest::collection::vec(
        prop_oneof![
            3 => any::<String>().prop_map(|s| (s, None)),
            1 => planted().prop_map(|p| (p.text.clone(), Some(p))),
        ],
        0..=max_chunks,
    )
    .prop_map(|chunks| {
        let mut s = String::new();
        let mut planted = Vec::new();
        for (c, p) in chunks {
            s.push_str(&c);
            s.push(' ');
            planted.extend(p);
        }
        (s, planted)
    })
}

/// Numbers that survive a text round trip exactly (the generator's job is strings and shapes, not floats).
fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1000i32..1000).prop_map(|n| json!(f64::from(n) / 4.0)),
    ]
}

/// A nested JSON value whose strings may carry planted values.
fn json_value() -> impl Strategy<Value = (Value, Vec<Planted>)> {
    let leaf = prop_oneof![
        Just((Value::Null, vec![])),
        any::<bool>().prop_map(|b| (Value::Bool(b), vec![])),
        number().prop_map(|n| (n, vec![])),
        text(3).prop_map(|(s, p)| (Value::String(s), p)),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(|items| {
                let mut planted = Vec::new();
                let arr = items
                    .into_iter()
                    .map(|(v, p)| {
                        planted.extend(p);
                        v
                    })
                    .collect();
                (Value::Array(arr), planted)
            }),
            proptest::collection::vec((any::<String>(), inner), 0..4).prop_map(|items| {
                let mut planted = Vec::new();
                let mut m = Map::new();
                for (k, (v, p)) in items {
                    planted.extend(p);
                    m.insert(k, v);
                }
                (Value::Object(m), planted)
            }),
        ]
    })
}

/// Fields no version of the schema knows, to be carried through untouched.
fn unknown_fields() -> impl Strategy<Value = Map<String, Value>> {
    proptest::collection::vec((lower(1, 8), json_value()), 0..3).prop_map(|fields| {
        // Values with planted text are kept out of unknown fields' survival check: they are scrubbed
        // too, but the point here is the round trip.
        fields
            .into_iter()
            .map(|(k, (v, _))| (format!("x_{k}"), v))
            .collect()
    })
}

fn tool_call() -> impl Strategy<Value = (Value, Vec<Planted>)> {
    (
        lower(1, 12),
        json_value(),
        proptest::option::of(text(3)),
        proptest::option::of(any::<bool>()),
        proptest::option::of(lower(4, 12)),
        unknown_fields(),
    )
        .prop_map(|(name, (args, mut planted), result, is_error, id, extra)| {
            let mut tc = Map::new();
            if let Some(id) = id {
                tc.insert("id".into(), json!(id));
            }
            tc.insert("name".into(), json!(name));
            tc.insert("args".into(), args);
            tc.insert(
                "result".into(),
                match result {
                    Some((r, p)) => {
                        planted.extend(p);
                        json!(r)
                    }
                    None => Value::Null,
                },
            );
            if let Some(e) = is_error {
                tc.insert("is_error".into(), json!(e));
            }
            tc.extend(extra);
            (Value::Object(tc), planted)
        })
}

fn message() -> impl Strategy<Value = (Value, Vec<Planted>)> {
    (
        prop::sample::select(vec!["user", "assistant", "system"]),
        text(6),
        proptest::option::of(0i64..4_000_000_000),
        proptest::collection::vec(text(2), 0..3),
        proptest::collection::vec(tool_call(), 0..3),
        proptest::option::of(text(3)),
        unknown_fields(),
    )
        .prop_map(
            |(role, (content, mut planted), ts, refs, calls, thinking, extra)| {
                let file_refs: Vec<Value> = refs
                    .into_iter()
                    .map(|(r, p)| {
                        planted.extend(p);
                        json!(r)
                    })
                    .collect();
                let tool_calls: Vec<Value> = calls
                    .into_iter()
                    .map(|(c, p)| {
                        planted.extend(p);
                        c
                    })
                    .collect();
                let thinking = thinking.map(|(t, p)| {
                    planted.extend(p);
                    t
                });
                let mut m = Map::new();
                m.insert("index".into(), json!(0));
                m.insert("role".into(), json!(role));
                m.insert("content".into(), json!(content));
                m.insert("timestamp".into(), json!(ts));
                m.insert(
                    "annotations".into(),
                    json!({"file_refs": file_refs, "tool_calls": tool_calls, "thinking": thinking}),
                );
                m.extend(extra);
                (Value::Object(m), planted)
            },
        )
}

/// One v1 session as a JSON value, with every value planted in it.
fn session() -> impl Strategy<Value = (Value, Vec<Planted>)> {
    (
        prop::sample::select(vec!["claude-code", "codex", "cursor", "gemini", "aider"]),
        any::<String>(),
        proptest::option::of(from_alphabet("0123456789abcdef", 16)),
        proptest::option::of((0i64..2_000_000_000, 0i64..1_000_000)),
        proptest::option::of(0u8..=8),
        proptest::option::of(text(2)),
        proptest::option::of(planted()),
        proptest::collection::vec(message(), 0..5),
        unknown_fields(),
        unknown_fields(),
    )
        .prop_map(
            |(agent, id, hash, times, quality, title, project, msgs, meta_extra, extra)| {
                let mut planted = Vec::new();
                let mut meta = Map::new();
                meta.insert("source_agent".into(), json!(agent));
                meta.insert("session_id".into(), json!(id));
                meta.insert("project_hash".into(), json!(hash));
                let (start, end) = match times {
                    Some((s, d)) => (json!(s), json!(s + d)),
                    None => (Value::Null, Value::Null),
                };
                meta.insert("start_time".into(), start);
                meta.insert("end_time".into(), end);
                meta.insert(
                    "quality_score".into(),
                    json!(quality.map(|q| f64::from(q) / 8.0)),
                );
                meta.insert("schema_version".into(), json!("1.0"));
                if let Some((t, p)) = title {
                    meta.insert("title".into(), json!(t));
                    planted.extend(p);
                }
                if let Some(p) = project {
                    meta.insert("project_path".into(), json!(p.text));
                    planted.push(p);
                }
                meta.extend(meta_extra);
                let messages: Vec<Value> = msgs
                    .into_iter()
                    .enumerate()
                    .map(|(i, (mut m, p))| {
                        m["index"] = json!(i);
                        planted.extend(p);
                        m
                    })
                    .collect();
                let mut s = Map::new();
                s.insert("meta".into(), Value::Object(meta));
                s.insert("messages".into(), Value::Array(messages));
                s.extend(extra);
                (Value::Object(s), planted)
            },
        )
}

fn scrubber() -> Scrubber {
    Scrubber::new(
        &ScrubOptions::default(),
        PseudonymKey::from_bytes([7; 32]),
        None,
    )
    .unwrap()
}

fn line(v: &Value) -> String {
    serde_json::to_string(v).unwrap()
}

/// cc-scrub's per-line work, in process: parse, scrub, serialize.
fn scrub_line(s: &Scrubber, line: &str) -> String {
    let mut session: Session = serde_json::from_str(line).expect("a generated session parses");
    s.scrub_session(&mut session, Mode::Scrub, false);
    serde_json::to_string(&session).unwrap()
}

fn check_count(s: &Scrubber, line: &str) -> (usize, Vec<String>) {
    let mut session: Session = serde_json::from_str(line).unwrap();
    let report = s.scrub_session(&mut session, Mode::Check, false);
    let what = report
        .located
        .iter()
        .map(|l| format!("{} {}", l.pointer, l.finding.rule))
        .collect();
    (report.located.len(), what)
}

/// Runs `map` over `input` with the shared ordered parallel runner, as every filter does.
fn run_lines(input: String, threads: usize, map: impl Fn(&[u8]) -> Vec<u8> + Sync) -> Vec<u8> {
    let mut diag = Diagnostics::new("properties", OnInvalid::Fail);
    let mut out = Vec::new();
    cli::map_lines(
        LineReader::from_reader("gen", Cursor::new(input.into_bytes())),
        threads,
        &mut diag,
        |l| Ok(map(&l.bytes)),
        &mut |bytes: Vec<u8>| {
            out.extend_from_slice(&bytes);
            Ok(())
        },
    )
    .unwrap();
    out
}

proptest! {
    #![proptest_config(Config { cases: 64, ..Config::default() })]

    #[test]
    fn format_jsonl_round_trips_as_json((v, _) in session()) {
        let session: Session = serde_json::from_value(v.clone()).expect("a generated session parses");
        let mut out = Vec::new();
        let n = format::render(&session, Format::Jsonl, Options::default(), &mut out);
        prop_assert_eq!(n, 1);
        prop_assert_eq!(out.last(), Some(&b'\n'));
        let back: Value = serde_json::from_slice(&out).unwrap();
        prop_assert_eq!(back, v);
    }

    #[test]
    fn scrub_is_idempotent_passes_check_and_leaks_nothing((v, planted) in session()) {
        let s = scrubber();
        let once = scrub_line(&s, &line(&v));
        let twice = scrub_line(&s, &once);
        prop_assert_eq!(&twice, &once, "scrubbing scrubbed output changed it");
        let (n, what) = check_count(&s, &once);
        prop_assert_eq!(n, 0, "--check finds in scrubbed output: {:?}", what);
        for p in &planted {
            prop_assert!(!once.contains(&p.needle), "{:?} survived in {}", p, once);
        }
    }

    #[test]
    fn output_bytes_do_not_depend_on_threads(sessions in proptest::collection::vec(session(), 1..12)) {
        let input: String = sessions.iter().map(|(v, _)| line(v) + "\n").collect();
        let s = scrubber();
        let scrub = |l: &[u8]| scrub_line(&s, std::str::from_utf8(l).unwrap()).into_bytes();
        let one = run_lines(input.clone(), 1, scrub);
        for threads in [2, 5] {
            prop_assert_eq!(&run_lines(input.clone(), threads, scrub), &one);
        }
        let jsonl = |l: &[u8]| {
            let session: Session = serde_json::from_slice(l).unwrap();
            let mut out = Vec::new();
            format::render(&session, Format::Chatml, Options::default(), &mut out);
            out
        };
        let one = run_lines(input.clone(), 1, jsonl);
        prop_assert_eq!(&run_lines(input, 3, jsonl), &one);
    }
}

/// The real binaries, fewer cases: each spawns processes.
struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Sandbox {
        Sandbox {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn scrub(&self, threads: usize, extra: &[&str], input: &str) -> std::process::Output {
        Command::cargo_bin("cc-scrub")
            .unwrap()
            .env("XDG_CONFIG_HOME", self.dir.path().join("cfg"))
            .env("XDG_STATE_HOME", self.dir.path().join("state"))
            .env("HOME", self.dir.path())
            .args(["--no-local-identity", "--no-audit", "--key-file"])
            .arg(self.dir.path().join("scrub.key"))
            .arg(format!("--threads={threads}"))
            .args(extra)
            .write_stdin(input.to_string())
            .output()
            .unwrap()
    }
}

proptest! {
    #![proptest_config(Config { cases: 8, ..Config::default() })]

    #[test]
    fn binaries_agree_on_threads_check_their_output_and_leak_nothing(
        sessions in proptest::collection::vec(session(), 1..8)
    ) {
        let sb = Sandbox::new();
        let input: String = sessions.iter().map(|(v, _)| line(v) + "\n").collect();
        let one = sb.scrub(1, &[], &input);
        prop_assert!(one.status.success(), "{}", String::from_utf8_lossy(&one.stderr));
        let four = sb.scrub(4, &[], &input);
        prop_assert_eq!(&four.stdout, &one.stdout);
        let out = String::from_utf8(one.stdout).unwrap();
        prop_assert_eq!(out.lines().count(), sessions.len());
        for p in sessions.iter().flat_map(|(_, p)| p) {
            prop_assert!(!out.contains(&p.needle), "{:?} survived", p);
        }
        let check = sb.scrub(2, &["--check"], &out);
        prop_assert_eq!(check.status.code(), Some(0), "{}", String::from_utf8_lossy(&check.stdout));

        let fmt = Command::cargo_bin("cc-format").unwrap().args(["jsonl", "-j3"])
            .write_stdin(input.clone()).output().unwrap();
        prop_assert!(fmt.status.success());
        let back: Vec<Value> = String::from_utf8(fmt.stdout).unwrap().lines()
            .map(|l| serde_json::from_str(l).unwrap()).collect();
        let want: Vec<Value> = sessions.into_iter().map(|(v, _)| v).collect();
        prop_assert_eq!(back, want);
    }
}

/// Found by `scrub_is_idempotent_passes_check_and_leaks_nothing`: a genuine-shaped AWS key id whose random
/// part repeats a few letters (entropy 2.9 bits) was taken for a placeholder and kept.
#[test]
fn aws_key_ids_with_repeated_letters_are_still_redacted() {
    let s = scrubber();
    for key in ["AKIAIIIDSJOIOKUIULEJ", "AKIA6VIW457P6JGG7CRG"] {
        let (v, _) = (
            json!({"meta": {"source_agent": "codex", "session_id": "s", "project_hash": null,
            "start_time": null, "end_time": null, "quality_score": null, "schema_version": "1.0"},
            "messages": [{"index": 0, "role": "user", "content": format!("key {key} here"),
            "timestamp": null, "annotations": {"file_refs": [], "tool_calls": [], "thinking": null}}]}),
            (),
        );
        let out = scrub_line(&s, &line(&v));
        assert!(!out.contains(key), "{key} survived: {out}");
    }
}

/// Found by the scrubber fuzz target: a home directory name longer than 64 bytes (here 20 three-byte
/// characters) was pseudonymized only up to byte 64, leaving its tail, and a second pass changed it again.
#[test]
fn a_long_non_ascii_login_is_replaced_whole() {
    let s = scrubber();
    for login in [
        format!("alic{}e", "\u{fffd}".repeat(20)),
        "ü".repeat(40),
        "a".repeat(80),
    ] {
        let v = json!({"meta": {"source_agent": "codex", "session_id": "s", "project_hash": null,
            "start_time": null, "end_time": null, "quality_score": null, "schema_version": "1.0"},
            "messages": [{"index": 0, "role": "user",
            "content": format!("x: \"/home/{login}/work/shop/src\" and C:\\Users\\{login}\\src"),
            "timestamp": null, "annotations": {"file_refs": [], "tool_calls": [], "thinking": null}}]});
        let once = scrub_line(&s, &line(&v));
        let tail: String = login.chars().skip(login.chars().count() - 4).collect();
        assert!(!once.contains(&tail), "the login's tail survived: {once}");
        assert_eq!(scrub_line(&s, &once), once);
    }
}
