//! Which language a piece of code is in: the fence tag, else the file extension, else cheap signals,
//! confirmed (with the `ast` feature) by trial-parsing the best candidates and keeping the cleanest parse.

/// Languages with tree-sitter facts. Other tags (json, sql, ...) are kept as written for `lang:`.
pub const PARSED: &[&str] = &[
    "rust",
    "python",
    "javascript",
    "typescript",
    "go",
    "java",
    "c",
    "cpp",
    "bash",
];

/// Canonical name for a fence tag or file extension, or the lowercased tag itself.
pub fn canonical(tag: &str) -> Option<String> {
    let t = tag.trim().trim_start_matches('.').to_ascii_lowercase();
    let name = match t.as_str() {
        "" | "text" | "txt" | "plain" | "plaintext" | "output" | "none" => return None,
        "rs" | "rust" => "rust",
        "py" | "python" | "python3" | "py3" | "pyi" | "ipython" => "python",
        "js" | "javascript" | "jsx" | "mjs" | "cjs" | "node" => "javascript",
        "ts" | "typescript" | "tsx" | "mts" | "cts" => "typescript",
        "go" | "golang" => "go",
        "java" => "java",
        "c" | "h" => "c",
        "cpp" | "c++" | "cc" | "cxx" | "hpp" | "hh" | "hxx" | "cuda" | "cu" => "cpp",
        "sh" | "bash" | "shell" | "zsh" | "console" | "shell-session" | "shellsession" | "ksh" => {
            "bash"
        }
        other => return Some(other.to_string()),
    };
    Some(name.to_string())
}

/// Language from a path's extension (`src/a.rs` → rust), for code in tool arguments.
pub fn from_path(path: &str) -> Option<String> {
    let file = path.rsplit(['/', '\\']).next()?;
    if matches!(file, "Makefile" | "Dockerfile") {
        return Some(file.to_ascii_lowercase());
    }
    let (_, ext) = file.rsplit_once('.')?;
    canonical(ext)
}

/// Cheap signals per language; a score of 0 means no evidence.
fn signals(code: &str) -> Vec<(&'static str, u32)> {
    let has = |s: &str| code.contains(s) as u32;
    let starts = |s: &str| code.lines().any(|l| l.trim_start().starts_with(s)) as u32;
    let mut v = vec![
        (
            "rust",
            3 * has("fn ") * (has("let ") + has("->") + has("::") + has("pub ") + has("impl "))
                + 2 * starts("use "),
        ),
        (
            "python",
            3 * starts("def ")
                + 2 * starts("import ")
                + 2 * starts("from ")
                + has("self.")
                + has("elif ")
                + 2 * has("):\n"),
        ),
        (
            "javascript",
            2 * has("function ")
                + 2 * has("=> ")
                + has("const ")
                + has("require(")
                + has("console.")
                + has("document."),
        ),
        (
            "typescript",
            3 * has("interface ")
                + 2 * has(": string")
                + 2 * has(": number")
                + has("export type ")
                + has("=> ")
                + has("const "),
        ),
        (
            "go",
            4 * starts("package ") + 3 * has("func ") + 2 * has(":= ") + has("fmt."),
        ),
        (
            "java",
            3 * has("public class ")
                + 2 * has("System.out")
                + 2 * has("private ")
                + has("public static ")
                + has("@Override"),
        ),
        (
            "c",
            3 * starts("#include <std") + has("printf(") + has("malloc(") + has("int main("),
        ),
        (
            "cpp",
            3 * has("std::")
                + 2 * starts("#include <")
                + has("template<")
                + has("cout <<")
                + has("namespace "),
        ),
        (
            "bash",
            4 * starts("#!/bin/")
                + 2 * starts("$ ")
                + has("echo ")
                + has(" | ")
                + has("sudo ")
                + has("export ")
                + has("cd ")
                + has("fi\n"),
        ),
    ];
    v.retain(|&(_, s)| s > 0);
    v.sort_by_key(|c| std::cmp::Reverse(c.1));
    v
}

/// Best language for `code`: `tag`, then `path` extension, then signals and trial parsing; None when
/// nothing points anywhere.
pub fn guess(tag: Option<&str>, path: Option<&str>, code: &str) -> Option<String> {
    if let Some(t) = tag {
        return canonical(t);
    }
    if let Some(l) = path.and_then(from_path) {
        return Some(l);
    }
    let cands = signals(code);
    let top: Vec<&'static str> = cands.iter().take(3).map(|c| c.0).collect();
    match top.len() {
        0 => None,
        1 => Some(top[0].to_string()),
        _ => Some(pick_by_parse(&top, code).to_string()),
    }
}

#[cfg(feature = "ast")]
fn pick_by_parse(cands: &[&'static str], code: &str) -> &'static str {
    let mut best = (f64::INFINITY, cands[0]);
    for &c in cands {
        if let Some(err) = super::facts::error_ratio(c, code) {
            if err < best.0 {
                best = (err, c);
            }
        }
    }
    best.1
}

#[cfg(not(feature = "ast"))]
fn pick_by_parse(cands: &[&'static str], _code: &str) -> &'static str {
    cands[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_and_paths_win() {
        assert_eq!(guess(Some("py"), None, "fn x"), Some("python".into()));
        assert_eq!(guess(Some("json"), None, "{}"), Some("json".into()));
        assert_eq!(guess(Some("text"), None, "def f(): pass"), None);
        assert_eq!(
            guess(None, Some("src/a.tsx"), ""),
            Some("typescript".into())
        );
    }

    #[test]
    fn untagged_code_is_guessed_or_left_alone() {
        assert_eq!(
            guess(
                None,
                None,
                "def load(path):\n    return open(path).read()\n"
            ),
            Some("python".into())
        );
        assert_eq!(
            guess(None, None, "package main\n\nfunc main() {\n\tx := 1\n}\n"),
            Some("go".into())
        );
        assert_eq!(
            guess(
                None,
                None,
                "pub fn f(x: u8) -> u8 {\n    let y = x;\n    y\n}\n"
            ),
            Some("rust".into())
        );
        assert_eq!(guess(None, None, "the weather is nice today"), None);
    }
}
