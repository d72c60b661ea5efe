//! Rebuilding an index in place: the new index is written beside the old one as `.NAME.rebuild-PID`
//! and swapped in with two renames (the old one to `.NAME.old-PID`, the new one to NAME), so a reader
//! sees one index or the other, never a mix. A run killed on the way leaves those siblings behind;
//! [`tidy`] removes them, or finishes the swap, once their process is gone.

use std::path::{Path, PathBuf};

const REBUILD: &str = "rebuild-";
const OLD: &str = "old-";

fn name(dir: &Path) -> String {
    dir.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "index".into())
}

fn sibling(dir: &Path, kind: &str, pid: u32) -> PathBuf {
    dir.with_file_name(format!(".{}.{kind}{pid}", name(dir)))
}

/// Where this process writes a rebuild of `dir`.
pub fn fresh_path(dir: &Path) -> PathBuf {
    sibling(dir, REBUILD, std::process::id())
}

/// Puts the committed index at `fresh` in place of `dir`.
pub fn swap_in(fresh: &Path, dir: &Path) -> std::io::Result<()> {
    let old = sibling(dir, OLD, std::process::id());
    std::fs::rename(dir, &old)?;
    std::fs::rename(fresh, dir)?;
    std::fs::remove_dir_all(&old)
}

/// Whether process `pid` is running (a zombie counts; an unknown answer counts as running, so a live
/// rebuild is never touched).
fn pid_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        // Not this run's: nothing is written before `tidy`, so it is a dead process's with a recycled PID.
        return false;
    }
    if Path::new("/proc/self").exists() {
        return Path::new("/proc").join(pid.to_string()).exists();
    }
    signal_zero_finds(pid)
}

/// `kill(pid, 0)`: no signal is sent, only whether the process exists is checked (EPERM: it does).
#[cfg(unix)]
fn signal_zero_finds(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return true;
    };
    // SAFETY: signal 0 delivers nothing; kill only looks the process up.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

#[cfg(not(unix))]
fn signal_zero_finds(_pid: u32) -> bool {
    true
}

/// The rebuild and old-index siblings of `dir` left by processes that are gone, as (kind, pid).
fn stale(dir: &Path) -> std::io::Result<Vec<(&'static str, u32)>> {
    let prefix = format!(".{}.", name(dir));
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let entries = match std::fs::read_dir(parent) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    for entry in entries {
        let file = entry?.file_name();
        let Some(rest) = file.to_str().and_then(|f| f.strip_prefix(&prefix)) else {
            continue;
        };
        for kind in [REBUILD, OLD] {
            if let Some(pid) = rest.strip_prefix(kind).and_then(|p| p.parse::<u32>().ok()) {
                if !pid_alive(pid) {
                    out.push((kind, pid));
                }
            }
        }
    }
    // Rebuilds first: one may be the index itself, waiting for its second rename.
    out.sort_by_key(|&(kind, pid)| (kind != REBUILD, pid));
    Ok(out)
}

/// Cleans up after killed rebuilds of `dir`: a rebuild killed between its two renames (no index, the
/// old one moved aside) is finished, since the new index was committed before the swap began; any other
/// leftover is removed. Returns what was done, for the user.
pub fn tidy(dir: &Path) -> std::io::Result<Vec<String>> {
    let mut said = Vec::new();
    for (kind, pid) in stale(dir)? {
        let path = sibling(dir, kind, pid);
        if !path.exists() {
            continue;
        }
        let moved_aside = sibling(dir, OLD, pid).exists();
        if !dir.exists() && (kind == OLD || moved_aside) {
            std::fs::rename(&path, dir)?;
            said.push(format!(
                "finished a swap interrupted when process {pid} was killed: {} is in place",
                dir.display()
            ));
            continue;
        }
        std::fs::remove_dir_all(&path)?;
        said.push(format!(
            "removed {}, left by process {pid}, which is gone",
            path.display()
        ));
    }
    Ok(said)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A PID no process has: a child that has been waited for.
    fn dead_pid() -> u32 {
        let mut c = std::process::Command::new("true").spawn().unwrap();
        let pid = c.id();
        c.wait().unwrap();
        pid
    }

    fn mkdir_with(path: &Path, marker: &str) {
        std::fs::create_dir_all(path).unwrap();
        std::fs::write(path.join("marker"), marker).unwrap();
    }

    fn marker(path: &Path) -> String {
        std::fs::read_to_string(path.join("marker")).unwrap()
    }

    #[test]
    fn leftovers_of_gone_processes_are_removed_live_ones_kept() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("idx");
        mkdir_with(&dir, "index");
        let dead = dead_pid();
        mkdir_with(&sibling(&dir, REBUILD, dead), "partial");
        mkdir_with(&sibling(&dir, REBUILD, std::process::id()), "recycled pid");
        // PID 1 is always running.
        mkdir_with(&sibling(&dir, REBUILD, 1), "live");
        mkdir_with(&t.path().join(".other.rebuild-5"), "another index's");
        let said = tidy(&dir).unwrap();
        assert_eq!(said.len(), 2, "{said:?}");
        assert!(!sibling(&dir, REBUILD, dead).exists());
        assert!(!sibling(&dir, REBUILD, std::process::id()).exists());
        assert!(sibling(&dir, REBUILD, 1).exists());
        assert!(t.path().join(".other.rebuild-5").exists());
        assert_eq!(marker(&dir), "index");
    }

    #[test]
    fn a_swap_killed_between_renames_is_finished() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("idx");
        let dead = dead_pid();
        mkdir_with(&sibling(&dir, OLD, dead), "old");
        mkdir_with(&sibling(&dir, REBUILD, dead), "new");
        tidy(&dir).unwrap();
        assert_eq!(marker(&dir), "new");
        assert!(!sibling(&dir, OLD, dead).exists() && !sibling(&dir, REBUILD, dead).exists());

        // Killed before removing the old index: it goes, the new one stays.
        mkdir_with(&sibling(&dir, OLD, dead), "old");
        tidy(&dir).unwrap();
        assert_eq!(marker(&dir), "new");
        assert!(!sibling(&dir, OLD, dead).exists());
    }

    #[test]
    fn swap_in_replaces_the_index() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("idx");
        mkdir_with(&dir, "old");
        let fresh = fresh_path(&dir);
        mkdir_with(&fresh, "new");
        swap_in(&fresh, &dir).unwrap();
        assert_eq!(marker(&dir), "new");
        assert_eq!(std::fs::read_dir(t.path()).unwrap().count(), 1);
    }
}
