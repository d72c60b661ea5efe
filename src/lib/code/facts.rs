//! Symbols a piece of code defines, calls and imports, read from its tree-sitter syntax tree.
//!
//! One generic walk over node kinds per language rather than per-language query files: grammars share
//! field names (`name`, `function`, `declarator`), so a table of kinds is enough and cannot fail to
//! compile at run time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tree_sitter::{Language, Node, Parser};

use super::Facts;

fn language(lang: &str) -> Option<Language> {
    Some(match lang {
        "rust" => tree_sitter_rust::LANGUAGE.into(),
        "python" => tree_sitter_python::LANGUAGE.into(),
        "javascript" => tree_sitter_javascript::LANGUAGE.into(),
        "typescript" => tree_sitter_typescript::LANGUAGE_TSX.into(),
        "go" => tree_sitter_go::LANGUAGE.into(),
        "java" => tree_sitter_java::LANGUAGE.into(),
        "c" => tree_sitter_c::LANGUAGE.into(),
        "cpp" => tree_sitter_cpp::LANGUAGE.into(),
        "bash" => tree_sitter_bash::LANGUAGE.into(),
        _ => return None,
    })
}

/// Code longer than this is not parsed (generated files, minified bundles): facts are for what people wrote.
const MAX_PARSE_BYTES: usize = 256 * 1024;

thread_local! {
    static PARSERS: std::cell::RefCell<HashMap<&'static str, Parser>> = std::cell::RefCell::new(HashMap::new());
}

fn with_tree<R>(lang: &str, code: &str, f: impl FnOnce(Node, &[u8]) -> R) -> Option<R> {
    if code.len() > MAX_PARSE_BYTES {
        return None;
    }
    let key: &'static str = super::lang::PARSED.iter().find(|&&l| l == lang)?;
    let tree = PARSERS.with(|p| {
        let mut map = p.borrow_mut();
        if !map.contains_key(key) {
            let mut p = Parser::new();
            p.set_language(&language(key)?).ok()?;
            map.insert(key, p);
        }
        let parser = map.get_mut(key)?;
        parser.parse(code, None)
    })?;
    Some(f(tree.root_node(), code.as_bytes()))
}

/// Share of nodes that are errors or missing, for trial parsing; None when the language has no grammar.
pub fn error_ratio(lang: &str, code: &str) -> Option<f64> {
    with_tree(lang, code, |root, _| {
        let (mut total, mut bad) = (0u32, 0u32);
        let mut cursor = root.walk();
        loop {
            let n = cursor.node();
            total += 1;
            if n.is_error() || n.is_missing() {
                bad += 1;
            }
            if cursor.goto_first_child() || cursor.goto_next_sibling() {
                continue;
            }
            loop {
                if !cursor.goto_parent() {
                    return bad as f64 / total as f64;
                }
                if cursor.goto_next_sibling() {
                    break;
                }
            }
        }
    })
}

fn is_def(kind: &str) -> bool {
    matches!(
        kind,
        "function_item"
            | "function_signature_item"
            | "struct_item"
            | "enum_item"
            | "trait_item"
            | "type_item"
            | "mod_item"
            | "const_item"
            | "static_item"
            | "macro_definition"
            | "union_item"
            | "function_definition"
            | "class_definition"
            | "decorated_definition_inner"
            | "function_declaration"
            | "generator_function_declaration"
            | "class_declaration"
            | "abstract_class_declaration"
            | "method_definition"
            | "interface_declaration"
            | "type_alias_declaration"
            | "enum_declaration"
            | "method_declaration"
            | "type_spec"
            | "constructor_declaration"
            | "record_declaration"
            | "struct_specifier"
            | "class_specifier"
            | "enum_specifier"
            | "union_specifier"
            | "preproc_function_def"
            | "preproc_def"
            | "namespace_definition"
            | "function_signature"
            | "method_signature"
            | "abstract_method_signature"
    )
}

fn is_call(kind: &str) -> bool {
    matches!(
        kind,
        "call_expression"
            | "call"
            | "macro_invocation"
            | "method_invocation"
            | "new_expression"
            | "object_creation_expression"
            | "command"
    )
}

fn is_import(kind: &str) -> bool {
    matches!(
        kind,
        "use_declaration"
            | "import_statement"
            | "import_from_statement"
            | "import_declaration"
            | "import_spec"
            | "preproc_include"
            | "extern_crate_declaration"
    )
}

fn is_name(kind: &str) -> bool {
    matches!(
        kind,
        "identifier"
            | "type_identifier"
            | "field_identifier"
            | "property_identifier"
            | "constant"
            | "name"
            | "word"
            | "command_name"
            | "namespace_identifier"
            | "destructor_name"
            | "operator_name"
            | "private_property_identifier"
            | "shorthand_property_identifier"
    )
}

fn text<'a>(n: Node, src: &'a [u8]) -> &'a str {
    n.utf8_text(src).unwrap_or("")
}

/// The identifier a definition or callee node names: its `name` field, or down the declarator chain
/// (C), or the last component of a path or member access (`a.b.c()` calls `c`).
fn name_of<'a>(n: Node, src: &'a [u8], depth: u8) -> Option<&'a str> {
    if depth > 6 {
        return None;
    }
    if is_name(n.kind()) {
        return Some(text(n, src)).filter(|s| !s.is_empty());
    }
    for field in [
        "name",
        "declarator",
        "function",
        "field",
        "property",
        "attribute",
        "macro",
        "constructor",
        "type",
    ] {
        if let Some(c) = n.child_by_field_name(field) {
            if let Some(s) = name_of(c, src, depth + 1) {
                return Some(s);
            }
        }
    }
    let mut cursor = n.walk();
    let last = n
        .named_children(&mut cursor)
        .filter(|c| is_name(c.kind()))
        .last();
    last.map(|c| text(c, src))
}

fn import_text(n: Node, src: &[u8]) -> Option<String> {
    let target = ["path", "argument", "module_name", "source", "name"]
        .iter()
        .find_map(|f| n.child_by_field_name(f))
        .unwrap_or(n);
    let t = text(target, src)
        .trim()
        .trim_start_matches("import ")
        .trim_start_matches("static ")
        .trim_start_matches("#include")
        .trim_end_matches(';')
        .trim_matches(|c: char| c == '"' || c == '\'' || c == '<' || c == '>' || c.is_whitespace());
    (!t.is_empty() && t.len() <= 200).then(|| t.to_string())
}

fn push_unique(v: &mut Vec<String>, s: &str) {
    if !s.is_empty() && s.len() <= 128 && !v.iter().any(|x| x == s) {
        v.push(s.to_string());
    }
}

fn extract(lang: &str, code: &str) -> Option<Facts> {
    with_tree(lang, code, |root, src| {
        let mut facts = Facts::default();
        let mut cursor = root.walk();
        loop {
            let n = cursor.node();
            let kind = n.kind();
            if is_def(kind) {
                // `impl Foo` and `const X` without a name field are not definitions of a new name.
                if let Some(name) = n
                    .child_by_field_name("name")
                    .or_else(|| n.child_by_field_name("declarator"))
                {
                    if let Some(s) = name_of(name, src, 0) {
                        push_unique(&mut facts.defs, s);
                    }
                }
            } else if is_call(kind) {
                let callee = ["function", "name", "macro", "constructor", "type"]
                    .iter()
                    .find_map(|f| n.child_by_field_name(f));
                if let Some(s) = callee.and_then(|c| name_of(c, src, 0)) {
                    push_unique(&mut facts.calls, s);
                    if lang == "bash" && (s == "source" || s == ".") {
                        if let Some(arg) = n.child_by_field_name("argument") {
                            push_unique(&mut facts.imports, text(arg, src));
                        }
                    }
                }
            } else if is_import(kind) {
                if let Some(s) = import_text(n, src) {
                    push_unique(&mut facts.imports, &s);
                }
            } else if kind == "variable_declarator" {
                // `const handler = () => ...` defines `handler`.
                if let (Some(name), Some(value)) = (
                    n.child_by_field_name("name"),
                    n.child_by_field_name("value"),
                ) {
                    if matches!(
                        value.kind(),
                        "arrow_function" | "function_expression" | "function" | "class"
                    ) {
                        push_unique(&mut facts.defs, text(name, src));
                    }
                }
            }
            if cursor.goto_first_child() || cursor.goto_next_sibling() {
                continue;
            }
            loop {
                if !cursor.goto_parent() {
                    return facts;
                }
                if cursor.goto_next_sibling() {
                    break;
                }
            }
        }
    })
}

/// Facts per (language, content hash), shared by indexing threads: the same file is often read, edited
/// and quoted many times in one history, and again in the next run (see [`FactCache::load`]).
#[derive(Default)]
pub struct FactCache {
    map: Mutex<HashMap<(u64, &'static str), Entry>>,
}

struct Entry {
    facts: Arc<Facts>,
    /// Looked up or made in this run: kept first when saving.
    used: bool,
}

const CACHE_ENTRIES: usize = 100_000;
/// Bumped whenever what [`extract`] finds changes, so cached facts from an older rule set are dropped.
const EXTRACTOR_VERSION: u32 = 1;
const CACHE_MAGIC: &str = "codercrucible-code-facts";
/// A saved cache stays under this size; the entries used most recently go first.
const CACHE_FILE_BYTES: usize = 32 * 1024 * 1024;

#[derive(serde::Serialize, serde::Deserialize)]
struct Saved {
    h: u64,
    l: String,
    d: Vec<String>,
    c: Vec<String>,
    i: Vec<String>,
}

impl FactCache {
    pub fn facts(&self, lang: &str, code: &str) -> Option<Arc<Facts>> {
        let key_lang: &'static str = super::lang::PARSED.iter().find(|&&l| l == lang)?;
        let key = (crate::index::hash64(code.as_bytes()), key_lang);
        if let Some(e) = self.map.lock().ok()?.get_mut(&key) {
            e.used = true;
            return Some(e.facts.clone());
        }
        let f = Arc::new(extract(key_lang, code)?);
        let mut map = self.map.lock().ok()?;
        if map.len() >= CACHE_ENTRIES {
            map.retain(|_, e| e.used);
            if map.len() >= CACHE_ENTRIES {
                map.clear();
            }
        }
        map.insert(
            key,
            Entry {
                facts: f.clone(),
                used: true,
            },
        );
        Some(f)
    }

    /// The cache saved at `path` by [`FactCache::save`]; empty when there is none, or it is from
    /// another extractor version or unreadable (it is only a cache).
    pub fn load(path: &std::path::Path) -> FactCache {
        use std::io::Read;
        let cache = FactCache::default();
        let mut text = String::new();
        let read = std::fs::File::open(path)
            .and_then(zstd::stream::read::Decoder::new)
            .and_then(|d| d.take(CACHE_FILE_BYTES as u64).read_to_string(&mut text));
        if read.is_err() {
            return cache;
        }
        let mut lines = text.lines();
        if lines.next() != Some(&format!("{CACHE_MAGIC} {EXTRACTOR_VERSION}")) {
            return cache;
        }
        let Ok(mut map) = cache.map.lock() else {
            return FactCache::default();
        };
        for line in lines.take(CACHE_ENTRIES) {
            let Ok(e) = serde_json::from_str::<Saved>(line) else {
                continue;
            };
            let Some(lang) = super::lang::PARSED.iter().find(|&&l| l == e.l) else {
                continue;
            };
            let facts = Facts {
                defs: e.d,
                calls: e.c,
                imports: e.i,
            };
            map.insert(
                (e.h, lang),
                Entry {
                    facts: Arc::new(facts),
                    used: false,
                },
            );
        }
        drop(map);
        cache
    }

    /// Writes the cache to `path` atomically (a temporary file renamed over it), zstd-compressed: the
    /// entries used in this run first, then the others, up to [`CACHE_FILE_BYTES`] uncompressed.
    pub fn save(&self, path: &std::path::Path) -> std::io::Result<()> {
        let map = self
            .map
            .lock()
            .map_err(|_| std::io::Error::other("fact cache lock poisoned"))?;
        let mut entries: Vec<_> = map.iter().collect();
        entries.sort_by_key(|(_, e)| !e.used);
        let mut out = format!("{CACHE_MAGIC} {EXTRACTOR_VERSION}\n");
        for (&(h, l), e) in entries {
            let line = serde_json::to_string(&Saved {
                h,
                l: l.to_string(),
                d: e.facts.defs.clone(),
                c: e.facts.calls.clone(),
                i: e.facts.imports.clone(),
            })?;
            if out.len() + line.len() + 1 > CACHE_FILE_BYTES {
                break;
            }
            out.push_str(&line);
            out.push('\n');
        }
        drop(map);
        let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
        std::fs::write(&tmp, zstd::encode_all(out.as_bytes(), 3)?)?;
        std::fs::rename(&tmp, path)
    }

    pub fn len(&self) -> usize {
        self.map.lock().map_or(0, |m| m.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(lang: &str, code: &str) -> Facts {
        extract(lang, code).unwrap()
    }

    #[test]
    fn python_defs_calls_imports() {
        let f = facts("python", "import os\nfrom a.b import c\nclass Cfg:\n    def load(self):\n        return os.path.join(x)\n\ndef parse_config(p):\n    print(p)\n");
        assert_eq!(f.defs, ["Cfg", "load", "parse_config"]);
        assert!(f.calls.contains(&"join".to_string()) && f.calls.contains(&"print".to_string()));
        assert!(f.imports.contains(&"os".to_string()) && f.imports.contains(&"a.b".to_string()));
    }

    #[test]
    fn rust_and_c_and_go() {
        let f = facts("rust", "use std::io::Read;\nstruct Token;\nfn refresh_token(t: &Token) { let v = Vec::new(); println!(\"x\"); t.renew(); }\n");
        assert_eq!(f.defs, ["Token", "refresh_token"]);
        assert!(
            ["new", "println", "renew"]
                .iter()
                .all(|c| f.calls.iter().any(|x| x == c)),
            "{:?}",
            f.calls
        );
        assert_eq!(f.imports, ["std::io::Read"]);
        let f = facts(
            "c",
            "#include <stdio.h>\nstatic int *alloc_buf(int n) { return malloc(n); }\n",
        );
        assert_eq!(
            (f.defs.as_slice(), f.imports.as_slice()),
            (&["alloc_buf".to_string()][..], &["stdio.h".to_string()][..])
        );
        assert_eq!(f.calls, ["malloc"]);
        let f = facts(
            "go",
            "package main\nimport \"fmt\"\nfunc (s *S) Run() { fmt.Println(1) }\ntype S struct{}\n",
        );
        assert_eq!(f.defs, ["Run", "S"]);
        assert_eq!(
            (f.calls.as_slice(), f.imports.as_slice()),
            (&["Println".to_string()][..], &["fmt".to_string()][..])
        );
    }

    #[test]
    fn js_ts_java_bash() {
        let f = facts("typescript", "import { x } from './y';\ninterface Opts { a: string }\nexport const handler = async () => { await fetchUser(1); };\n");
        assert_eq!(f.defs, ["Opts", "handler"]);
        assert_eq!(
            (f.calls.as_slice(), f.imports.as_slice()),
            (&["fetchUser".to_string()][..], &["./y".to_string()][..])
        );
        let f = facts(
            "java",
            "import java.util.List;\npublic class App { void run() { helper.doWork(); } }\n",
        );
        assert_eq!(f.defs, ["App", "run"]);
        assert_eq!(f.calls, ["doWork"]);
        let f = facts(
            "bash",
            "deploy() { rsync -a . host:; }\nsource ./env.sh\ncargo build --release | tee log\n",
        );
        assert_eq!(f.defs, ["deploy"]);
        assert!(
            ["rsync", "cargo", "tee"]
                .iter()
                .all(|c| f.calls.iter().any(|x| x == c)),
            "{:?}",
            f.calls
        );
        assert_eq!(f.imports, ["./env.sh"]);
    }

    #[test]
    fn garbage_parses_worse_than_real_code() {
        let py = "def f(x):\n    return x + 1\n";
        assert!(error_ratio("python", py).unwrap() < error_ratio("rust", py).unwrap());
    }

    #[test]
    fn cache_survives_a_save_and_load_and_drops_other_versions() {
        let t = tempfile::tempdir().unwrap();
        let path = t.path().join("facts");
        let cache = FactCache::default();
        let code = "def parse_config(p):\n    return load(p)\n";
        let f = cache.facts("python", code).unwrap();
        cache.save(&path).unwrap();
        let again = FactCache::load(&path);
        assert_eq!(again.len(), 1);
        let key = (crate::index::hash64(code.as_bytes()), "python");
        let e = again.map.lock().unwrap();
        assert_eq!(*e[&key].facts, *f);
        assert!(
            !e[&key].used,
            "loaded entries count as unused until looked up"
        );
        drop(e);
        assert_eq!(again.facts("python", code).unwrap(), f);
        assert!(
            std::fs::read_dir(t.path()).unwrap().count() == 1,
            "no temporary file left"
        );

        let text = zstd::decode_all(&std::fs::read(&path).unwrap()[..]).unwrap();
        let older =
            String::from_utf8(text)
                .unwrap()
                .replacen(&format!(" {EXTRACTOR_VERSION}"), " 0", 1);
        std::fs::write(&path, zstd::encode_all(older.as_bytes(), 3).unwrap()).unwrap();
        assert!(FactCache::load(&path).is_empty());
        std::fs::write(&path, "garbage").unwrap();
        assert!(FactCache::load(&path).is_empty());
        assert!(FactCache::load(&t.path().join("missing")).is_empty());
    }
}
