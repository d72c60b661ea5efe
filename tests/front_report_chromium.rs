//! confirm's HTML report as a browser shows it: rendered by headless Chromium (`--dump-dom`), the counts are
//! there. Skipped, loudly, where no Chromium is installed (`apt-get install -y chromium`);
//! scripts/check_report_chromium.sh does the same and also writes a screenshot to look at.

mod common;

use std::process::Command;

use serde_json::Value;

fn chromium() -> Option<String> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|c| {
            Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .map(str::to_string)
}

#[test]
fn the_rendered_report_shows_the_counts() {
    let Some(chrome) = chromium() else {
        eprintln!(
            "\n\n!!!!!!!! SKIPPED: no chromium on PATH; the report was not rendered !!!!!!!!\n\n"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("user")).unwrap();
    let run = |args: &[&str]| {
        common::bin("codercrucible")
            .args(args)
            .env("HOME", d.join("user"))
            .env("XDG_CONFIG_HOME", d.join("config"))
            .env("XDG_STATE_HOME", d.join("state"))
            .env_remove("XDG_DATA_HOME")
            .env_remove("CLAUDE_CONFIG_DIR")
            .env_remove("CODEX_HOME")
            .assert()
            .success();
    };
    let home = common::repo_path("examples/home");
    let out = d.join("export.jsonl");
    run(&[
        "export",
        "--home",
        home.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    run(&["confirm", "--yes", out.to_str().unwrap()]);

    let profile = tempfile::tempdir().unwrap();
    let dom = Command::new(&chrome)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("file://{}.report.html", out.display()))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&dom.stdout);
    let record: Value =
        serde_json::from_slice(&std::fs::read(d.join("export.jsonl.export.json")).unwrap())
            .unwrap();
    let redactions: u64 = record["redactions"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert!(dom.contains("id=\"sessions\">23<"), "{dom}");
    assert!(
        dom.contains(&format!("id=\"redactions\">{redactions}<")),
        "{dom}"
    );
    assert!(dom.contains("id=\"leaks\">0<"));
    for (kind, n) in record["redactions"].as_object().unwrap() {
        assert!(
            dom.contains(&format!("<td>{kind}</td><td class=\"n\">{n}</td>")),
            "{kind}"
        );
    }
    assert!(dom.contains("Leak gate passed"));
}
