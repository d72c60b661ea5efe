//! Man pages and shell completions, generated from the same clap definitions the binaries parse with.

use std::io;
use std::path::Path;

use clap_complete::Shell;

/// Every binary's command definition, in the order the man pages list them.
pub fn commands() -> Vec<clap::Command> {
    vec![
        crate::cmd::front::command(),
        crate::cmd::extract::command(),
        crate::cmd::scrub::command(),
        crate::cmd::normalize::command(),
        crate::cmd::format::command(),
    ]
}

/// The man page of `cmd` in roff.
pub fn man_page(cmd: clap::Command) -> io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut buf)?;
    Ok(buf)
}

/// The file name of `cmd`'s man page (`cc-format.1`).
pub fn man_file_name(cmd: &clap::Command) -> String {
    format!("{}.1", cmd.get_name())
}

/// Writes every man page into `dir`. Returns the files written.
pub fn write_man_pages(dir: &Path) -> io::Result<Vec<String>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    for cmd in commands() {
        let name = man_file_name(&cmd);
        std::fs::write(dir.join(&name), man_page(cmd)?)?;
        written.push(name);
    }
    Ok(written)
}

/// Writes every binary's completion script for `shell` into `dir`. Returns the files written.
pub fn write_completions(shell: Shell, dir: &Path) -> io::Result<Vec<String>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    for mut cmd in commands() {
        let name = cmd.get_name().to_string();
        let path = clap_complete::generate_to(shell, &mut cmd, &name, dir)?;
        written.push(path.display().to_string());
    }
    Ok(written)
}
