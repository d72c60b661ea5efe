//! `codercrucible push` against the real `hf` CLI (huggingface_hub, installed into target/hf-venv by this
//! test from PyPI) pointed by HF_ENDPOINT at a fake Hub on 127.0.0.1 (tests/hub_server/hub_server.py), which
//! records every request and the repo's files.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The `hf` CLI, installed once into target/hf-venv. `None` (with a loud message) only when it cannot be.
fn hf() -> Option<PathBuf> {
    let venv = common::repo_path("target/hf-venv");
    let hf = venv.join("bin/hf");
    if hf.is_file() {
        return Some(hf);
    }
    let ok = StdCommand::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .is_ok_and(|s| s.success())
        && StdCommand::new(venv.join("bin/pip"))
            .args(["install", "-q", "huggingface_hub"])
            .status()
            .is_ok_and(|s| s.success());
    if ok && hf.is_file() {
        Some(hf)
    } else {
        eprintln!(
            "\n\n!!!!!!!! SKIPPED: cannot install the `hf` CLI (python3 -m venv + pip install huggingface_hub \
             failed); the push tests did not run !!!!!!!!\n\n"
        );
        None
    }
}

struct Hub {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Hub {
    fn start(dir: &Path) -> Hub {
        let log = dir.join("hub.ndjson");
        let port_file = dir.join("hub.port");
        let child = StdCommand::new("python3")
            .arg(common::repo_path("tests/hub_server/hub_server.py"))
            .arg(&log)
            .arg(&port_file)
            .stdout(Stdio::null())
            .spawn()
            .expect("python3 runs the fake hub");
        let start = Instant::now();
        while !port_file.exists() {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "the fake hub did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let port = std::fs::read_to_string(&port_file)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        Hub { child, port, log }
    }

    fn requests(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    fn repo(&self, key: &str) -> Value {
        let mut p = self.log.as_os_str().to_owned();
        p.push(".state.json");
        let state: Value =
            serde_json::from_slice(&std::fs::read(PathBuf::from(p)).unwrap()).unwrap();
        state[key].clone()
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct World {
    dir: tempfile::TempDir,
    hf: PathBuf,
    hub: Hub,
}

impl World {
    fn cmd(&self, args: &[&str]) -> assert_cmd::Command {
        let d = self.dir.path();
        let mut c = common::bin("codercrucible");
        c.args(args)
            .current_dir(d)
            .env("HOME", d.join("user"))
            .env("XDG_CONFIG_HOME", d.join("config"))
            .env("XDG_STATE_HOME", d.join("state"))
            .env_remove("XDG_DATA_HOME")
            .env("HF_HOME", d.join("hf-home"))
            .env("HF_TOKEN", "hf_fake_test_token")
            .env("HF_ENDPOINT", format!("http://127.0.0.1:{}", self.hub.port))
            .env("HF_HUB_DISABLE_TELEMETRY", "1")
            .env("NO_PROXY", "127.0.0.1")
            .env("no_proxy", "127.0.0.1")
            .env("CODERCRUCIBLE_HF", &self.hf);
        c
    }

    fn home(&self) -> PathBuf {
        self.dir.path().join("agents-home")
    }

    /// Adds an agent's directory from the sample home (`.codex`, ...), exports everything to out.jsonl and
    /// confirms it.
    fn export_and_confirm(&self, agent_dir: &str) {
        let examples = common::repo_path("examples/home");
        common::copy_dir(&examples.join(agent_dir), &self.home().join(agent_dir));
        let home = self.home().display().to_string();
        self.cmd(&["export", "--home", &home, "-o", "out.jsonl"])
            .assert()
            .success();
        self.cmd(&["confirm", "--yes"]).assert().success();
    }
}

fn world() -> Option<World> {
    let hf = hf()?;
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("user")).unwrap();
    let hub = Hub::start(dir.path());
    Some(World { dir, hf, hub })
}

fn lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn commits(reqs: &[Value]) -> Vec<&Value> {
    reqs.iter()
        .filter(|r| r["path"].as_str().is_some_and(|p| p.contains("/commit/")))
        .collect()
}

#[test]
fn push_publishes_only_confirmed_scrubbed_data_and_only_new_sessions() {
    let Some(w) = world() else { return };
    let examples = common::repo_path("examples/home");
    common::copy_dir(&examples.join(".claude"), &w.home().join(".claude"));
    common::copy_dir(&examples.join(".codex"), &w.home().join(".codex"));
    let home = w.home().display().to_string();

    w.cmd(&["export", "--home", &home, "-o", "out.jsonl"])
        .assert()
        .success();
    let first = lines(&std::fs::read_to_string(w.dir.path().join("out.jsonl")).unwrap());
    assert_eq!(first.len(), 7, "4 claude-code + 3 codex sessions");

    // Unconfirmed: refused before any request reaches the hub.
    let out = w
        .cmd(&["push", "tester/sessions"])
        .assert()
        .failure()
        .get_output()
        .clone();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("has not been confirmed"), "{err}");
    assert!(w.hub.requests().is_empty(), "{:?}", w.hub.requests());

    w.cmd(&["confirm", "--yes"]).assert().success();
    // The quick start's `export --push`: the export comes out the same, so the confirmation stands.
    w.cmd(&[
        "export",
        "--home",
        &home,
        "-o",
        "out.jsonl",
        "--push",
        "tester/sessions",
    ])
    .assert()
    .success();

    let repo = w.hub.repo("datasets/tester/sessions");
    assert_eq!(repo["private"], true, "private by default");
    let files = repo["files"].as_object().unwrap();
    let shards: Vec<&String> = files
        .keys()
        .filter(|k| k.starts_with("data/train-") && k.ends_with(".jsonl"))
        .collect();
    assert_eq!(shards.len(), 1, "{:?}", files.keys());
    // The same sessions as Parquet, named by the same hash (the hub keeps text: the magic number survives).
    let parquet = shards[0].replace(".jsonl", ".parquet");
    let pq = files[parquet.as_str()].as_str().unwrap();
    assert!(pq.starts_with("PAR1") && pq.ends_with("PAR1"), "{parquet}");
    let pushed = lines(files[shards[0].as_str()].as_str().unwrap());
    assert_eq!(pushed, first, "the shard is the confirmed export");
    let card = files["README.md"].as_str().unwrap();
    assert!(card.starts_with("---\nlicense: other\n"), "{card}");
    assert!(
        card.contains(
            "config_name: default\n  data_files:\n  - split: train\n    path: data/train-*.parquet"
        ) && card.contains(
            "config_name: universal\n  data_files:\n  - split: train\n    path: data/train-*.jsonl"
        ) && card.contains("7 sessions in 1 shards"),
        "{card}"
    );
    let manifest: Value =
        serde_json::from_str(files["codercrucible-manifest.json"].as_str().unwrap()).unwrap();
    assert_eq!(manifest["sessions"].as_array().unwrap().len(), 7);
    let reqs = w.hub.requests();
    let create = reqs
        .iter()
        .find(|r| r["path"] == "/api/repos/create")
        .unwrap();
    assert_eq!(create["json"]["type"], "dataset");
    assert_eq!(create["json"]["visibility"], "private");
    assert!(reqs
        .iter()
        .all(|r| r["auth"].is_null() || r["auth"] == "Bearer hf_fake_test_token"));

    // Nothing new: no upload at all.
    let n_before = w.hub.requests().len();
    let out = w
        .cmd(&["push", "tester/sessions"])
        .assert()
        .success()
        .get_output()
        .clone();
    assert!(String::from_utf8_lossy(&out.stdout).contains("nothing new"));
    assert_eq!(w.hub.requests().len(), n_before);

    // More sessions appear: the second push adds only them, as a new shard, and deletes nothing.
    common::copy_dir(&examples.join(".gemini"), &w.home().join(".gemini"));
    w.cmd(&["export", "--home", &home, "-o", "out.jsonl"])
        .assert()
        .success();
    let out = w
        .cmd(&["push", "tester/sessions"])
        .assert()
        .failure()
        .get_output()
        .clone();
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not been confirmed"),
        "a new export needs a new confirmation"
    );
    w.cmd(&["confirm", "--yes"]).assert().success();
    w.cmd(&["push", "tester/sessions"]).assert().success();

    let reqs = w.hub.requests();
    let cs = commits(&reqs);
    assert_eq!(cs.len(), 2);
    let ops = cs[1]["ops"].as_array().unwrap();
    assert!(
        ops.iter()
            .all(|o| o["key"] == "header" || o["key"] == "file"),
        "no deletion: {ops:?}"
    );
    let mut paths: Vec<&str> = ops.iter().filter_map(|o| o["path"].as_str()).collect();
    paths.sort();
    assert_eq!(paths.len(), 4, "{paths:?}");
    assert_eq!(&paths[..2], ["README.md", "codercrucible-manifest.json"]);
    assert!(paths[2].starts_with("data/train-") && paths[2] != shards[0].as_str());
    assert!(paths[2].ends_with(".jsonl"));
    assert_eq!(paths[3], paths[2].replace(".jsonl", ".parquet"));

    let repo = w.hub.repo("datasets/tester/sessions");
    let files = repo["files"].as_object().unwrap();
    assert!(
        files.contains_key(shards[0].as_str()),
        "the first shard is still there"
    );
    let second = lines(files[paths[2]].as_str().unwrap());
    assert_eq!(second.len(), 4, "only the 4 gemini sessions are new");
    assert!(second.iter().all(|s| s["meta"]["source_agent"] == "gemini"));
    let card = files["README.md"].as_str().unwrap();
    assert!(
        card.contains("11 sessions in 2 shards") && card.contains("| gemini | 4 |"),
        "{card}"
    );
}

#[test]
fn push_from_a_machine_without_local_state_reads_the_repos_manifest() {
    let Some(w) = world() else { return };
    w.export_and_confirm(".codex");
    w.cmd(&["push", "tester/sessions"]).assert().success();

    // The local record of what was pushed is gone (another machine, a wiped state directory).
    std::fs::remove_dir_all(w.dir.path().join("state/codercrucible/push")).unwrap();
    w.export_and_confirm(".gemini");
    let out = w.cmd(&["push", "tester/sessions"]).assert().success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();

    let reqs = w.hub.requests();
    assert!(
        reqs.iter().any(|r| r["method"] == "GET"
            && r["path"] == "/datasets/tester/sessions/resolve/main/codercrucible-manifest.json"),
        "the second push read the repo's manifest"
    );
    let repo = w.hub.repo("datasets/tester/sessions");
    let files = repo["files"].as_object().unwrap();
    let mut shards: Vec<&String> = files
        .keys()
        .filter(|k| k.starts_with("data/train-") && k.ends_with(".jsonl"))
        .collect();
    shards.sort();
    assert_eq!(shards.len(), 2, "{:?}", files.keys());
    let sessions: Vec<Value> = shards
        .iter()
        .flat_map(|p| lines(files[p.as_str()].as_str().unwrap()))
        .collect();
    assert_eq!(
        sessions.len(),
        3 + 4,
        "the codex sessions were not pushed twice: {stdout}"
    );
    let manifest: Value =
        serde_json::from_str(files["codercrucible-manifest.json"].as_str().unwrap()).unwrap();
    assert_eq!(manifest["sessions"].as_array().unwrap().len(), 7);
    assert_eq!(manifest["shards"].as_array().unwrap().len(), 2);
    let card = files["README.md"].as_str().unwrap();
    assert!(
        card.contains("| codex | 3 |") && card.contains("| gemini | 4 |"),
        "{card}"
    );
}

#[test]
fn push_refuses_sessions_without_a_scrub_stamp_even_when_confirmed() {
    let Some(w) = world() else { return };
    w.export_and_confirm(".codex");

    // Tamper: strip the stamps and forge the records to match the new file.
    let d = w.dir.path();
    let mut text = String::new();
    for mut s in lines(&std::fs::read_to_string(d.join("out.jsonl")).unwrap()) {
        s["meta"].as_object_mut().unwrap().remove("scrub");
        text.push_str(&serde_json::to_string(&s).unwrap());
        text.push('\n');
    }
    std::fs::write(d.join("out.jsonl"), &text).unwrap();
    let sha = {
        use sha2::Digest;
        sha2::Sha256::digest(text.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    let cpath = d.join("out.jsonl.confirmed.json");
    let mut c: Value = serde_json::from_slice(&std::fs::read(&cpath).unwrap()).unwrap();
    c["sha256"] = Value::String(sha);
    std::fs::write(&cpath, serde_json::to_vec(&c).unwrap()).unwrap();

    let out = w
        .cmd(&["push", "tester/x"])
        .assert()
        .failure()
        .get_output()
        .clone();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no valid cc-scrub stamp"), "{err}");
    assert!(w.hub.requests().is_empty());
}

#[test]
fn public_push_and_missing_cli() {
    let Some(w) = world() else { return };
    w.export_and_confirm(".codex");

    let out = w
        .cmd(&["push", "tester/pub", "--hf", "/nonexistent/hf"])
        .assert()
        .failure()
        .get_output()
        .clone();
    assert!(String::from_utf8_lossy(&out.stderr).contains("pip install -U huggingface_hub"));
    // A dry run needs neither the CLI nor the network: it builds the folder and says what it skipped.
    let n_before = w.hub.requests().len();
    let out = w
        .cmd(&["push", "tester/pub", "--dry-run", "--hf", "/nonexistent/hf"])
        .assert()
        .success()
        .get_output()
        .clone();
    assert!(String::from_utf8_lossy(&out.stdout).contains("dry run"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("local manifest only"));
    assert_eq!(w.hub.requests().len(), n_before);

    w.cmd(&["push", "tester/pub", "--public"])
        .assert()
        .success();
    assert_eq!(w.hub.repo("datasets/tester/pub")["private"], false);
}
