//! No command but `push` touches the network: every other front command, run end to end on the sample home
//! under strace, opens no IP socket; and the dependency tree has no HTTP client that could.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

/// What strace recorded of the network: the socket families opened and the addresses connected to.
fn ip_traffic(trace: &Path) -> Vec<String> {
    std::fs::read_to_string(trace)
        .unwrap()
        .lines()
        .filter(|l| {
            (l.contains("socket(") || l.contains("connect(") || l.contains("sendto("))
                && (l.contains("AF_INET") || l.contains("AF_INET6"))
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn no_command_but_push_opens_an_ip_socket() {
    let can_trace = StdCommand::new("strace")
        .args(["-qq", "-o", "/dev/null", "true"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !can_trace {
        eprintln!(
            "\n\n!!!!!!!! SKIPPED: strace is not installed or may not trace here (.ci/run installs it); the \
             static check still runs\n\n"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let home = d.join("home");
    common::copy_dir(&common::repo_path("examples/home"), &home);
    std::fs::create_dir_all(d.join("user")).unwrap();
    let bin: PathBuf = assert_cmd::cargo::cargo_bin("codercrucible");
    let home = home.display().to_string();
    let runs: [&[&str]; 8] = [
        &["discover", "--home", &home],
        &[
            "config",
            "--redact-usernames",
            "alice",
            "--redact",
            "secret-project",
        ],
        &["export", "--home", &home, "-o", "out.jsonl"],
        &["confirm", "--yes"],
        &["archive", "arch", "--home", &home],
        &["index", "out.jsonl", "--index", "idx"],
        &["search", "migration", "--index", "idx"],
        &[
            "demo",
            "--examples",
            &common::repo_path("examples").display().to_string(),
        ],
    ];
    for (i, args) in runs.iter().enumerate() {
        let trace = d.join(format!("trace-{i}"));
        let out = StdCommand::new("strace")
            .args(["-f", "-qq", "-e", "trace=socket,connect,sendto", "-o"])
            .arg(&trace)
            .arg(&bin)
            .args(*args)
            .current_dir(d)
            .env("HOME", d.join("user"))
            .env("XDG_CONFIG_HOME", d.join("config"))
            .env("XDG_STATE_HOME", d.join("state"))
            .env("XDG_DATA_HOME", d.join("data"))
            .env_remove("CLAUDE_CONFIG_DIR")
            .env_remove("CODEX_HOME")
            .output()
            .unwrap();
        // `search` exits 1 when nothing matches, like grep; anything else is a failure.
        assert!(
            out.status.code().is_some_and(|c| c <= 1),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let net = ip_traffic(&trace);
        assert!(net.is_empty(), "{args:?} touched the network: {net:?}");
    }
}

#[test]
fn no_http_client_or_socket_code_outside_push() {
    let lock = std::fs::read_to_string(common::repo_path("Cargo.lock")).unwrap();
    for client in [
        "reqwest",
        "ureq",
        "hyper",
        "curl",
        "isahc",
        "attohttpc",
        "surf",
        "h2",
        "tokio",
    ] {
        assert!(
            !lock.contains(&format!("name = \"{client}\"\n")),
            "{client} is in the dependency tree"
        );
    }
    let mut stack = vec![common::repo_path("src")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap();
            // Unit tests may spawn helpers; what ships is the code before them.
            let text = text.split("#[cfg(test)]").next().unwrap_or_default();
            for api in ["TcpStream", "UdpSocket", "TcpListener", "ToSocketAddrs"] {
                assert!(!text.contains(api), "{} uses {api}", p.display());
            }
            // Spawning a program could reach the network; only push runs one (`hf`).
            if text.contains("Command::new") {
                assert!(
                    p.ends_with("front/push.rs"),
                    "{} spawns a program",
                    p.display()
                );
            }
        }
    }
}
