//! What a scrub run is told: names to redact, where the key and the audit log live. Plain data with serde
//! defaults, so the command line and (later) a config file can both fill it.

use std::path::PathBuf;

use serde::Deserialize;

/// How addresses at documentation domains (`example.com`, `example.org`, ...) are treated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum ExampleEmails {
    /// Keep generic ones (`you@example.com`, `user@example.org`), redact personal-looking ones.
    #[default]
    Generic,
    /// Keep every address at a documentation domain.
    Keep,
    /// Redact them like any other address.
    Redact,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScrubOptions {
    /// Logins to pseudonymize wherever they appear as a word.
    pub redact_usernames: Vec<String>,
    /// Any other strings (names, hosts, domains, project code names) to replace with `<redacted>`.
    pub redact: Vec<String>,
    /// Also redact the current login, git `user.name`/`user.email` and the hostname.
    pub detect_local_identity: bool,
    pub example_emails: ExampleEmails,
    /// The pseudonym key; default `$XDG_CONFIG_HOME/codercrucible/scrub.key`.
    pub key_file: Option<PathBuf>,
}

impl Default for ScrubOptions {
    fn default() -> Self {
        ScrubOptions {
            redact_usernames: Vec::new(),
            redact: Vec::new(),
            detect_local_identity: true,
            example_emails: ExampleEmails::Generic,
            key_file: None,
        }
    }
}

/// Who the local user is, as far as the machine tells without the network.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocalIdentity {
    pub logins: Vec<String>,
    pub real_names: Vec<String>,
    pub emails: Vec<String>,
    pub hostnames: Vec<String>,
}

impl LocalIdentity {
    /// Reads `$USER`/`$LOGNAME`, the home directory's name, git's `user.name`/`user.email` (from the
    /// global config files, no `git` process needed) and the hostname.
    pub fn detect() -> LocalIdentity {
        let mut id = LocalIdentity::default();
        for var in ["USER", "LOGNAME", "USERNAME"] {
            if let Ok(v) = std::env::var(var) {
                id.logins.push(v);
            }
        }
        if let Some(home) = std::env::var_os("HOME").map(PathBuf::from) {
            if let Some(name) = home.file_name().and_then(|n| n.to_str()) {
                id.logins.push(name.to_string());
            }
            let mut configs = vec![home.join(".gitconfig")];
            let xdg = std::env::var_os("XDG_CONFIG_HOME")
                .map(PathBuf::from)
                .unwrap_or_else(|| home.join(".config"));
            configs.push(xdg.join("git/config"));
            for path in configs {
                if let Ok(text) = std::fs::read_to_string(&path) {
                    let (names, emails) = parse_git_user(&text);
                    id.real_names.extend(names);
                    id.emails.extend(emails);
                }
            }
        }
        for path in ["/proc/sys/kernel/hostname", "/etc/hostname"] {
            if let Ok(h) = std::fs::read_to_string(path) {
                id.hostnames.push(h.trim().to_string());
                break;
            }
        }
        if let Ok(h) = std::env::var("HOSTNAME") {
            id.hostnames.push(h);
        }
        id.clean();
        id
    }

    fn clean(&mut self) {
        for list in [
            &mut self.logins,
            &mut self.real_names,
            &mut self.emails,
            &mut self.hostnames,
        ] {
            for s in list.iter_mut() {
                *s = s.trim().to_string();
            }
            list.retain(|s| s.chars().count() >= 3);
            list.sort();
            list.dedup();
        }
        self.logins
            .retain(|l| !crate::scrub::paths::is_generic_login(l));
        self.hostnames
            .retain(|h| !matches!(h.as_str(), "localhost" | "localhost.localdomain"));
    }
}

/// `name` and `email` under `[user]` in a git config file.
fn parse_git_user(text: &str) -> (Vec<String>, Vec<String>) {
    let (mut names, mut emails) = (Vec::new(), Vec::new());
    let mut in_user = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_user = line
                .trim_start_matches('[')
                .trim_end_matches(']')
                .trim()
                .eq_ignore_ascii_case("user");
            continue;
        }
        if !in_user {
            continue;
        }
        if let Some((k, v)) = line.split_once('=') {
            let v = v.trim().trim_matches('"').to_string();
            match k.trim().to_ascii_lowercase().as_str() {
                "name" => names.push(v),
                "email" => emails.push(v),
                _ => {}
            }
        }
    }
    (names, emails)
}

fn home_dir() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

/// `$XDG_CONFIG_HOME/codercrucible` or `~/.config/codercrucible`.
pub fn config_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| home_dir().map(|h| h.join(".config")))
        .map(|d| d.join("codercrucible"))
}

/// `$XDG_STATE_HOME/codercrucible` or `~/.local/state/codercrucible`.
pub fn state_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| home_dir().map(|h| h.join(".local/state")))
        .map(|d| d.join("codercrucible"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_user_is_read_from_the_user_section_only() {
        let (n, e) = parse_git_user(
            "[core]\n\tname = nope\n[user]\n\tname = Alice Smith\n\temail = alice@corp.example\n[alias]\n\tco = checkout\n",
        );
        assert_eq!(n, vec!["Alice Smith"]);
        assert_eq!(e, vec!["alice@corp.example"]);
    }

    #[test]
    fn options_fill_from_a_config_table() {
        let o: ScrubOptions = serde_json::from_value(
            serde_json::json!({"redact_usernames": ["bob"], "example_emails": "keep"}),
        )
        .unwrap();
        assert_eq!(o.redact_usernames, vec!["bob"]);
        assert_eq!(o.example_emails, ExampleEmails::Keep);
        assert!(o.detect_local_identity);
    }
}
