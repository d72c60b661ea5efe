//! The user's settings: `$XDG_CONFIG_HOME/codercrucible/config.toml` (else `~/.config/...`), written by
//! `codercrucible config` and read by every binary through [`Config::load`]. Command-line flags override it.
//!
//! ```toml
//! sources = ["claude-code", "codex"]      # agents to export; empty means every agent found
//! exclude_projects = ["/home/me/secret"]  # project paths (or hashes) never exported
//!
//! [scrub]
//! redact_usernames = ["alice"]            # pseudonymized wherever they appear
//! redact = ["Acme Corp"]                  # replaced with <redacted>
//!
//! [push]
//! repo = "me/my-sessions"                 # Hugging Face dataset repo
//! private = true
//! license = "other"
//! ```

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

/// Everything the config file may say. Unknown keys are an error, so a typo never silently drops a setting.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Agents to read (canonical names or aliases); empty means all.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    /// Projects never exported: a project path (and everything under it) or a project hash.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub exclude_projects: Vec<String>,
    pub scrub: ScrubConfig,
    pub push: PushConfig,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScrubConfig {
    /// Logins to pseudonymize wherever they appear.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub redact_usernames: Vec<String>,
    /// Other strings (names, domains, code names) to replace.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub redact: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PushConfig {
    /// The default dataset repo (`owner/name`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
    /// Create the repo private (the default).
    pub private: bool,
    /// The license written in the dataset card.
    pub license: String,
}

impl Default for PushConfig {
    fn default() -> Self {
        PushConfig {
            repo: None,
            private: true,
            license: "other".to_string(),
        }
    }
}

/// `$XDG_CONFIG_HOME/codercrucible`, else `~/.config/codercrucible`.
pub fn config_dir() -> Option<PathBuf> {
    xdg_dir("XDG_CONFIG_HOME", ".config")
}

/// `$XDG_STATE_HOME/codercrucible`, else `~/.local/state/codercrucible`: export state, confirmations,
/// push manifests.
pub fn state_dir() -> Option<PathBuf> {
    xdg_dir("XDG_STATE_HOME", ".local/state")
}

fn xdg_dir(var: &str, fallback: &str) -> Option<PathBuf> {
    let base = std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(fallback))
        })?;
    Some(base.join("codercrucible"))
}

impl Config {
    /// Where the config file lives.
    pub fn path() -> Option<PathBuf> {
        config_dir().map(|d| d.join("config.toml"))
    }

    /// The user's config; defaults when there is no file. A file that cannot be read or parsed is an error
    /// (naming the file), never silently ignored: it may hold names that must be redacted.
    pub fn load() -> anyhow::Result<Config> {
        match Config::path() {
            Some(p) => Config::load_from(&p),
            None => Ok(Config::default()),
        }
    }

    pub fn load_from(path: &Path) -> anyhow::Result<Config> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        toml::from_str(&text).with_context(|| format!("{}: not a valid config", path.display()))
    }

    /// Writes the file (creating its directory), replacing it atomically.
    pub fn save_to(&self, path: &Path) -> anyhow::Result<()> {
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
        if let Some(d) = dir {
            std::fs::create_dir_all(d).with_context(|| format!("cannot create {}", d.display()))?;
        }
        let text = toml::to_string(self).context("cannot write the config")?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir.unwrap_or(Path::new(".")))?;
        std::io::Write::write_all(&mut tmp, text.as_bytes())?;
        tmp.persist(path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(())
    }

    /// Whether a session of this project is excluded.
    pub fn excludes_project(&self, path: Option<&str>, hash: Option<&str>) -> bool {
        self.exclude_projects.iter().any(|ex| {
            let ex = ex.trim_end_matches(['/', '\\']);
            !ex.is_empty()
                && (hash == Some(ex)
                    || path.is_some_and(|p| {
                        let p = p.trim_end_matches(['/', '\\']);
                        p == ex
                            || p.strip_prefix(ex)
                                .is_some_and(|r| r.starts_with(['/', '\\']))
                    }))
        })
    }
}

/// Adds each item not already present (case-sensitively), keeping order.
pub fn add_unique(list: &mut Vec<String>, items: &[String]) {
    for i in items {
        let i = i.trim();
        if !i.is_empty() && !list.iter().any(|x| x == i) {
            list.push(i.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/config.toml");
        assert_eq!(Config::load_from(&path).unwrap(), Config::default());
        let mut c = Config::default();
        add_unique(
            &mut c.scrub.redact_usernames,
            &["alice".into(), "alice".into()],
        );
        c.exclude_projects.push("/home/alice/secret".into());
        c.push.repo = Some("alice/data".into());
        c.save_to(&path).unwrap();
        let back = Config::load_from(&path).unwrap();
        assert_eq!(back, c);
        assert_eq!(back.scrub.redact_usernames, vec!["alice"]);
        assert!(back.push.private);
    }

    #[test]
    fn a_typo_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "[scrub]\nredact_usrnames = [\"x\"]\n").unwrap();
        let e = format!("{:#}", Config::load_from(&path).unwrap_err());
        assert!(
            e.contains("config.toml") && e.contains("redact_usrnames"),
            "{e}"
        );
    }

    #[test]
    fn project_exclusion_by_path_prefix_or_hash() {
        let c = Config {
            exclude_projects: vec!["/home/a/secret/".into(), "abc123".into()],
            ..Config::default()
        };
        assert!(c.excludes_project(Some("/home/a/secret"), None));
        assert!(c.excludes_project(Some("/home/a/secret/sub"), None));
        assert!(!c.excludes_project(Some("/home/a/secretive"), None));
        assert!(c.excludes_project(None, Some("abc123")));
        assert!(!c.excludes_project(None, None));
    }
}
