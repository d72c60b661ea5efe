//! `cc-scrub`'s engine: everything that could identify a person or unlock an account is replaced in every
//! string of a session, deterministically and idempotently, with an audit record per replacement.
//!
//! One [`Scrubber`] is compiled per run and shared by all threads. A session is scrubbed in two passes: the
//! first learns the logins it reveals (home paths, prompts, remotes), the second replaces, per string,
//! invisible characters first and then every rule's findings (secrets, PII, paths, names, models).

pub mod audit;
pub mod finding;
pub mod gates;
pub mod key;
pub mod locate;
pub mod models;
pub mod options;
mod part;
pub mod paths;
#[cfg(test)]
mod pattern_samples;
pub mod pem;
pub mod pii;
pub mod rules;
pub mod secrets;
pub mod stamp;
pub mod unicode;
pub mod walk;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};

use finding::{Finding, Kind};
use key::PseudonymKey;
use options::{ExampleEmails, LocalIdentity, ScrubOptions};
use paths::{NameMatcher, PathRules};
use rules::{RuleError, RuleSet};

pub use walk::{Mode, SessionReport};

/// Bumped whenever code-defined behaviour (paths, unicode, names) changes, so the rule-set hash changes too.
const ENGINE_REVISION: &str = "paths-1 unicode-1 names-1 pem-1";

/// The compiled rules plus the run's key and configured names; cheap to share across threads.
pub struct Scrubber {
    rules: RuleSet,
    /// The model table alone, for model fields (see [`Scrubber::model_label`]).
    models: RuleSet,
    paths: PathRules,
    key: PseudonymKey,
    configured: Vec<(String, Kind, &'static str, String)>,
    example_emails: ExampleEmails,
    ruleset_hash: String,
    /// Name matchers by the logins a session taught: sessions of one user share one automaton.
    matchers: Mutex<HashMap<Vec<String>, Option<Arc<NameMatcher>>>>,
}

/// Distinct sets of learned logins kept; past this the cache starts over (memory stays bounded).
const MATCHER_CACHE: usize = 1024;

/// What the first pass over a session learned about one string, so the second need not redo it.
pub struct Prescan {
    /// The unicode pass's settled findings in the string, and the text they leave (`None`: the string
    /// as it is). The rest is of that text.
    pub unicode: Vec<Finding>,
    pub cleaned: Option<String>,
    /// Path findings.
    pub paths: Vec<Finding>,
    /// The rules the text wakes.
    pub wake: rules::Wake,
}

/// A string after scrubbing, with what changed. `None` texts mean "unchanged".
pub struct Scrubbed {
    /// The final text.
    pub text: Option<String>,
    /// Invisible-character findings, with offsets into the original.
    pub unicode: Vec<Finding>,
    /// The text after the unicode pass, which the rules saw.
    pub cleaned: Option<String>,
    /// Rule findings, with offsets into the cleaned text.
    pub findings: Vec<Finding>,
}

impl Scrubber {
    /// Compiles every rule. `identity` is the detected local user (or `None` to skip detection).
    pub fn new(
        opts: &ScrubOptions,
        key: PseudonymKey,
        identity: Option<&LocalIdentity>,
    ) -> Result<Scrubber, RuleError> {
        let tables: [&'static [rules::Rule]; 3] = [secrets::RULES, pii::RULES, models::RULES];
        let rules = RuleSet::compile(&tables, paths::LITERALS)?;
        let models = RuleSet::compile(&[models::RULES], &[])?;
        let paths = PathRules::compile(opts.example_emails)?;
        let mut configured = Vec::new();
        let mut add = |s: &str, kind: Kind, rule: &'static str, rep: String| {
            let s = s.trim();
            if s.len() >= 2
                && !configured
                    .iter()
                    .any(|(x, ..): &(String, Kind, &str, String)| x.eq_ignore_ascii_case(s))
            {
                configured.push((s.to_string(), kind, rule, rep));
            }
        };
        for u in &opts.redact_usernames {
            add(
                u,
                Kind::Username,
                "configured-username",
                key.user_pseudonym(u),
            );
        }
        for r in &opts.redact {
            add(
                r,
                Kind::Custom,
                "configured-string",
                "<redacted>".to_string(),
            );
        }
        if let Some(id) = identity {
            for e in &id.emails {
                add(e, Kind::Email, "local-git-email", "<email>".to_string());
            }
            for n in &id.real_names {
                add(n, Kind::Name, "local-git-name", "<name>".to_string());
            }
            for l in &id.logins {
                add(l, Kind::Username, "local-login", key.user_pseudonym(l));
            }
            for h in &id.hostnames {
                add(h, Kind::Host, "local-hostname", "<host>".to_string());
            }
        }
        let mut h = Sha256::new();
        h.update(ENGINE_REVISION);
        for t in tables {
            for r in t {
                h.update(r.id);
                h.update([0]);
                h.update(r.pattern);
                h.update([0]);
                h.update(r.placeholder);
                h.update([0]);
            }
        }
        let ruleset_hash = h
            .finalize()
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect();
        Ok(Scrubber {
            rules,
            models,
            paths,
            key,
            configured,
            example_emails: opts.example_emails,
            ruleset_hash,
            matchers: Mutex::new(HashMap::new()),
        })
    }

    pub fn key(&self) -> &PseudonymKey {
        &self.key
    }

    pub fn ruleset_hash(&self) -> &str {
        &self.ruleset_hash
    }

    pub fn rule_count(&self) -> usize {
        self.rules.len()
    }

    /// The name matcher for one session: configured names plus the logins the session revealed. Built once
    /// per distinct set of learned logins.
    pub fn names_for(&self, learned: &paths::Learned) -> Option<Arc<NameMatcher>> {
        let cached = self
            .matchers
            .lock()
            .ok()
            .and_then(|m| m.get(&learned.logins).cloned());
        if let Some(m) = cached {
            return m;
        }
        let built = self.build_names(learned).map(Arc::new);
        if let Ok(mut m) = self.matchers.lock() {
            if m.len() >= MATCHER_CACHE {
                m.clear();
            }
            m.insert(learned.logins.clone(), built.clone());
        }
        built
    }

    fn build_names(&self, learned: &paths::Learned) -> Option<NameMatcher> {
        let mut names = self.configured.clone();
        for l in &learned.logins {
            if !names.iter().any(|(n, ..)| n.eq_ignore_ascii_case(l)) {
                names.push((
                    l.clone(),
                    Kind::Username,
                    "learned-login",
                    self.key.user_pseudonym(l),
                ));
            }
        }
        NameMatcher::new(names)
    }

    /// The unicode pass over `text`, then the path findings and woken rules of the text it leaves, in one
    /// anchor pass; `learned` collects the logins that text reveals (`bob.lee@c.\u{200D}io` is
    /// `bob.lee@c.io` to the rules). `meta`: the text is a session meta field.
    pub fn prescan(&self, text: &str, meta: bool, learned: Option<&mut paths::Learned>) -> Prescan {
        let mut unicode = Vec::new();
        unicode::find(text, &mut unicode);
        let unicode = finding::settle(text, unicode);
        let cleaned = (!unicode.is_empty()).then(|| finding::apply(text, &unicode));
        let (paths, wake) = self.anchor_pass(cleaned.as_deref().unwrap_or(text), meta, learned);
        Prescan {
            unicode,
            cleaned,
            paths,
            wake,
        }
    }

    /// Settled findings of every text rule (not the unicode pass) in `text`.
    pub fn detect(&self, text: &str, names: Option<&NameMatcher>) -> Vec<Finding> {
        let (paths, wake) = self.anchor_pass(text, false, None);
        self.detect_with(text, names, paths, &wake)
    }

    /// The rules `text` wakes and its path findings, from one pass over its anchors.
    fn anchor_pass(
        &self,
        text: &str,
        meta: bool,
        learned: Option<&mut paths::Learned>,
    ) -> (Vec<Finding>, rules::Wake) {
        let wake = self.rules.wake(text);
        let mut paths = Vec::new();
        self.paths
            .scan_with(&wake.paths, text, meta, &self.key, learned, &mut paths);
        (paths, wake)
    }

    /// [`Scrubber::detect`] given the text's path findings and woken rules.
    fn detect_with(
        &self,
        text: &str,
        names: Option<&NameMatcher>,
        paths: Vec<Finding>,
        wake: &rules::Wake,
    ) -> Vec<Finding> {
        let mut found = paths;
        self.rules.find_woken(text, wake, &mut found);
        pem::find(text, &mut found);
        if let Some(n) = names {
            n.find(text, &mut found);
        }
        // A documentation address that stays, stays whole: a login or host inside it (`your` in
        // `your_name@example.com`) is left too, or the next pass would see a personal-looking address.
        let kept: Vec<(usize, usize)> = found
            .iter()
            .filter(|f| {
                f.rule == "email" && pii::keep_email(&text[f.start..f.end], self.example_emails)
            })
            .map(|f| (f.start, f.end))
            .collect();
        if !kept.is_empty() {
            found.retain(|f| {
                let touches = kept.iter().any(|&(s, e)| f.start < e && s < f.end);
                !touches || matches!(f.kind, Kind::Secret | Kind::PrivateKey)
            });
        }
        // A mark or joiner the unicode pass kept for a neighbour goes with the span that replaces that
        // neighbour: the next pass would find it beside a placeholder and remove it.
        if !text.is_ascii() {
            for f in &mut found {
                if let Some(c) = text[..f.start]
                    .chars()
                    .next_back()
                    .filter(|&c| unicode::depends_on_neighbours(c))
                {
                    f.start -= c.len_utf8();
                }
                if let Some(c) = text[f.end..]
                    .chars()
                    .next()
                    .filter(|&c| unicode::depends_on_neighbours(c))
                {
                    f.end += c.len_utf8();
                }
            }
        }
        finding::settle(text, found)
    }

    /// Scrubs one string: invisible characters first, then every rule on the cleaned text.
    pub fn scrub_text(&self, text: &str, names: Option<&NameMatcher>) -> Scrubbed {
        self.scrub_prescanned(text, names, self.prescan(text, false, None))
    }

    /// A file's path as the audit log may name it: a home directory's owner is as private there as in a
    /// session (`/home/alice/.claude/projects/-home-alice-shop/…` names alice twice).
    pub fn scrub_location(&self, path: &str) -> String {
        let names = self.names_for(&paths::Learned::default());
        self.scrub_text(path, names.as_deref())
            .text
            .unwrap_or_else(|| path.to_string())
    }

    /// [`Scrubber::scrub_text`] given the string's [`Prescan`].
    pub fn scrub_prescanned(
        &self,
        text: &str,
        names: Option<&NameMatcher>,
        pre: Prescan,
    ) -> Scrubbed {
        let Prescan {
            unicode: uni,
            cleaned,
            paths,
            wake,
        } = pre;
        let base = cleaned.as_deref().unwrap_or(text);
        let found = self.detect_with(base, names, paths, &wake);
        let text = if found.is_empty() {
            cleaned.clone()
        } else {
            Some(finding::apply(base, &found))
        };
        let mut unicode = uni;
        for f in &mut unicode {
            if let Some(note) = f.note.take() {
                // Smuggled text goes to the audit log only after it has been scrubbed itself.
                let clean = self.detect(&note, names);
                f.note = Some(finding::apply(&note, &clean));
            }
        }
        Scrubbed {
            text,
            unicode,
            cleaned,
            findings: found,
        }
    }

    /// The family label for the value of a model field (`meta.model`, `message.model`, `modelID`, ...).
    pub fn model_label(&self, value: &str) -> Option<&'static str> {
        let v = value.trim();
        if v.is_empty() || (v.starts_with("<model-") && v.ends_with('>')) {
            return None;
        }
        // The model table alone: only a model finding names the label, and this runs for every message.
        let mut found = Vec::new();
        self.models.find(v, &mut found);
        if let Some(f) = found.iter().find(|f| f.kind == Kind::Model) {
            return Some(
                models::RULES
                    .iter()
                    .find(|r| r.id == f.rule)
                    .map_or("<model-other>", |r| r.placeholder),
            );
        }
        let lower = v.to_ascii_lowercase();
        let family = [
            ("anthropic", "<model-anthropic>"),
            ("claude", "<model-anthropic>"),
            ("sonnet", "<model-anthropic>"),
            ("opus", "<model-anthropic>"),
            ("haiku", "<model-anthropic>"),
            ("openai", "<model-openai>"),
            ("gpt", "<model-openai>"),
            ("gemini", "<model-google>"),
            ("google", "<model-google>"),
            ("llama", "<model-meta>"),
            ("mistral", "<model-mistral>"),
            ("deepseek", "<model-deepseek>"),
            ("qwen", "<model-qwen>"),
            ("grok", "<model-xai>"),
        ];
        if let Some((_, label)) = family.iter().find(|(k, _)| lower.contains(k)) {
            return Some(label);
        }
        // Words like `auto`, `default`, `fast` name no model; anything shaped like an id does.
        let id_like = v
            .bytes()
            .any(|b| b.is_ascii_digit() || matches!(b, b'-' | b'/' | b'.' | b':' | b'@'));
        id_like.then_some("<model-other>")
    }
}

#[cfg(test)]
mod tests;
