//! The man pages in man/ are generated from the clap definitions; this fails when they are stale.

#[test]
fn man_pages_are_up_to_date() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("man");
    for cmd in codercrucible::docs::commands() {
        let name = codercrucible::docs::man_file_name(&cmd);
        let want = codercrucible::docs::man_page(cmd).unwrap();
        let have = std::fs::read(dir.join(&name)).unwrap_or_default();
        assert!(
            have == want,
            "man/{name} is stale: run `cargo run -- generate man` and commit the result"
        );
    }
}

#[test]
fn every_binary_has_help_and_version() {
    for cmd in codercrucible::docs::commands() {
        let name = cmd.get_name().to_string();
        let out = assert_cmd::Command::cargo_bin(&name)
            .unwrap()
            .arg("--help")
            .output()
            .unwrap();
        assert!(out.status.success(), "{name} --help");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Usage:"),
            "{name} --help"
        );
        let out = assert_cmd::Command::cargo_bin(&name)
            .unwrap()
            .arg("--bogus-flag")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{name}: a usage error exits 2");
    }
}
