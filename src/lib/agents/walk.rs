//! Directory walks for discovery: sorted, bounded in depth, never following symlinks out of a root.

use std::fs;
use std::path::{Path, PathBuf};

/// Directories a search for per-project files (Aider, Crush) never enters: version control, dependency and
/// build trees, caches, and other tools' data.
pub const SKIP_DIRS: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    ".cache",
    ".npm",
    ".cargo",
    ".rustup",
    ".local",
    ".venv",
    "venv",
    "__pycache__",
    "target",
    "dist",
    "build",
    ".tox",
    ".mypy_cache",
    ".gradle",
    ".m2",
    "Library",
    ".Trash",
    "snap",
    ".vscode-server",
    "go",
];

/// Files under `root` (to `max_depth` directory levels below it) for which `keep` holds, in sorted order.
pub fn files(root: &Path, max_depth: usize, keep: &dyn Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut out = Vec::new();
    walk(root, max_depth, &|_| true, keep, &mut out);
    out
}

/// Like [`files`], descending only into directories for which `enter` holds.
pub fn files_where(
    root: &Path,
    max_depth: usize,
    enter: &dyn Fn(&Path) -> bool,
    keep: &dyn Fn(&Path) -> bool,
) -> Vec<PathBuf> {
    let mut out = Vec::new();
    walk(root, max_depth, enter, keep, &mut out);
    out
}

fn walk(
    dir: &Path,
    depth: usize,
    enter: &dyn Fn(&Path) -> bool,
    keep: &dyn Fn(&Path) -> bool,
    out: &mut Vec<PathBuf>,
) {
    let Ok(rd) = fs::read_dir(dir) else { return };
    let mut entries: Vec<(PathBuf, fs::FileType)> = rd
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_type().ok().map(|t| (e.path(), t)))
        .collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (path, ty) in entries {
        if ty.is_dir() {
            if depth > 0 && enter(&path) {
                walk(&path, depth - 1, enter, keep, out);
            }
        } else if ty.is_file() && keep(&path) {
            out.push(path);
        }
    }
}

/// The directories directly inside `dir`, sorted.
pub fn subdirs(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = rd
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect();
    v.sort();
    v
}

/// The file name as text ("" when there is none).
pub fn name(p: &Path) -> &str {
    p.file_name().and_then(|n| n.to_str()).unwrap_or("")
}

/// Whether a project search should enter `dir`.
pub fn enter_project_dir(dir: &Path) -> bool {
    !SKIP_DIRS.contains(&name(dir))
}
