//! Every coding agent's local logs, behind one trait.
//!
//! An [`Agent`] knows where its logs live ([`Agent::roots`]), which files or databases hold sessions
//! ([`Agent::sources`]) and how to turn one source into v1 sessions ([`Agent::extract`]). `cc-extract` walks the
//! registry ([`all`]); nothing here writes, locks or touches anything inside an agent's directories.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::schema::Session;

pub mod assemble;
pub mod jsonl;
pub mod lenient;
pub mod sqlite;
pub mod sqlrows;
pub mod walk;

pub mod aider;
pub mod amp;
pub mod claude_code;
pub mod codex;
pub mod crush;
pub mod gemini;
pub mod goose;
pub mod opencode;
pub mod qwen_code;

pub mod cline;
pub mod continue_dev;
pub mod copilot;
pub mod cursor;
pub mod vscode;
pub mod windsurf;
pub mod zed;

/// Where the agents are looked for: a home directory and the environment overrides the agents honour.
#[derive(Debug, Clone)]
pub struct Env {
    /// The home every default location is resolved against (`--home`, or the real one).
    pub home: PathBuf,
    /// Environment variables the agents honour (`CLAUDE_CONFIG_DIR`, `CODEX_HOME`, `XDG_DATA_HOME`, ...).
    pub vars: HashMap<String, String>,
    pub os: Os,
    /// Extra directories to search for per-project logs (Aider, Crush): `--scan DIR`.
    pub scan: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Os {
    Linux,
    MacOs,
    Windows,
}

impl Os {
    pub fn current() -> Os {
        if cfg!(target_os = "macos") {
            Os::MacOs
        } else if cfg!(windows) {
            Os::Windows
        } else {
            Os::Linux
        }
    }
}

impl Env {
    /// The real home and the process environment.
    pub fn from_process() -> Env {
        let vars: HashMap<String, String> = std::env::vars().collect();
        let home = vars
            .get("HOME")
            .or_else(|| vars.get("USERPROFILE"))
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("."));
        Env {
            home,
            vars,
            os: Os::current(),
            scan: Vec::new(),
        }
    }

    /// The process environment with every default location resolved against `home`.
    pub fn with_home(home: impl Into<PathBuf>) -> Env {
        Env {
            home: home.into(),
            ..Env::from_process()
        }
    }

    /// Only `home`: none of the process's overrides (`CODEX_HOME`, `XDG_DATA_HOME`, ...), which point at the
    /// real agents' data. For the sample home of `codercrucible demo`.
    pub fn isolated(home: impl Into<PathBuf>) -> Env {
        Env {
            home: home.into(),
            vars: HashMap::new(),
            os: Os::current(),
            scan: Vec::new(),
        }
    }

    /// A non-empty environment variable.
    pub fn var(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// `$XDG_DATA_HOME`, else `~/.local/share` (also what the XDG-minded agents use on macOS and Windows).
    pub fn xdg_data(&self) -> PathBuf {
        self.var("XDG_DATA_HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| self.home_join(".local/share"))
    }

    /// `home` joined with a relative path.
    pub fn home_join(&self, rel: impl AsRef<Path>) -> PathBuf {
        self.home.join(rel)
    }
}

/// One file or database that holds sessions.
#[derive(Debug, Clone)]
pub struct Source {
    pub path: PathBuf,
    pub bytes: u64,
    pub modified: Option<SystemTime>,
}

impl Source {
    /// A source for `path`, with its size and modification time read from the file system.
    pub fn at(path: PathBuf) -> Source {
        let md = std::fs::metadata(&path).ok();
        Source {
            bytes: md.as_ref().map_or(0, |m| m.len()),
            modified: md.and_then(|m| m.modified().ok()),
            path,
        }
    }
}

/// A problem with one source that did not stop the others: reported as `cc-extract: PATH[:LINE]: message`.
#[derive(Debug, Clone)]
pub struct Problem {
    pub path: PathBuf,
    pub line: Option<u64>,
    pub message: String,
}

impl Problem {
    pub fn new(path: &Path, line: Option<u64>, message: impl Into<String>) -> Problem {
        Problem {
            path: path.to_path_buf(),
            line,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{l}: {}", self.path.display(), self.message),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

/// Receives what an extraction produces, in order.
pub trait Sink {
    fn session(&mut self, session: Session);
    fn problem(&mut self, problem: Problem);
}

pub trait Agent: Sync {
    /// Canonical name, also `meta.source_agent`.
    fn name(&self) -> &'static str;
    /// Other names the user may type (`claude` for `claude-code`).
    fn aliases(&self) -> &'static [&'static str] {
        &[]
    }
    /// What `--list` should tell the user about this agent's data beyond counts (a limit of the format).
    fn note(&self) -> Option<&'static str> {
        None
    }
    /// Every directory (or file) this agent may keep its logs in, existing or not, most specific first.
    fn roots(&self, env: &Env) -> Vec<PathBuf>;
    /// The sources found under the roots, in a stable order.
    fn sources(&self, env: &Env) -> Vec<Source>;
    /// Turns one source into sessions. Problems with parts of the source go to `sink.problem` and the rest is
    /// still extracted; only a source that cannot be read at all is an `Err`.
    fn extract(&self, source: &Source, env: &Env, sink: &mut dyn Sink) -> std::io::Result<()>;
}

/// Every agent `cc-extract` knows, in the order `--all` visits them.
pub fn all() -> Vec<&'static dyn Agent> {
    vec![
        &claude_code::ClaudeCode,
        &codex::Codex,
        &gemini::Gemini,
        &opencode::OpenCode,
        &aider::Aider,
        &qwen_code::QwenCode,
        &amp::Amp,
        &goose::Goose,
        &crush::Crush,
        // IDE agents.
        &cursor::CURSOR,
        &copilot::COPILOT,
        &cline::CLINE,
        &cline::ROO_CODE,
        &cline::KILO_CODE,
        &continue_dev::CONTINUE,
        &windsurf::WINDSURF,
        &zed::ZED,
    ]
}

/// The agent called `name` (canonical or alias).
pub fn find(name: &str) -> Option<&'static dyn Agent> {
    all()
        .into_iter()
        .find(|a| a.name() == name || a.aliases().contains(&name))
}

/// A sink that keeps everything, for the agents' unit tests.
#[cfg(test)]
#[derive(Default)]
pub(crate) struct Collect(pub Vec<Session>, pub Vec<Problem>);

#[cfg(test)]
impl Sink for Collect {
    fn session(&mut self, s: Session) {
        self.0.push(s);
    }
    fn problem(&mut self, p: Problem) {
        self.1.push(p);
    }
}
