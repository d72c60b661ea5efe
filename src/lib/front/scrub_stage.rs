//! The scrub stage of the front's pipeline: cc-scrub's engine, in-process, with every rule on and the
//! config's redact lists. Export scrubs and stamps through it; confirm re-runs its leak gate (cc-scrub
//! `--check`); push checks the stamp it left.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Context;
use serde_json::Value;

use crate::config::Config;
use crate::schema::Session;
use crate::scrub::key::PseudonymKey;
use crate::scrub::options::{LocalIdentity, ScrubOptions};
use crate::scrub::{audit, stamp, Mode, Scrubber};

/// Extra names from the command line, added to the config's.
#[derive(Debug, Clone, Default)]
pub struct Extra {
    pub redact_usernames: Vec<String>,
    pub redact: Vec<String>,
    pub key_file: Option<PathBuf>,
    pub no_local_identity: bool,
}

pub struct ScrubStage {
    scrubber: Scrubber,
}

/// What scrubbing one session did.
pub struct Scrubbed {
    /// Audit log records (NDJSON), never holding an original value.
    pub audit: Vec<u8>,
    pub counts: Vec<(&'static str, u64)>,
}

/// One finding of the leak gate.
pub struct Leak {
    pub pointer: String,
    pub kind: &'static str,
    pub rule: &'static str,
    /// The text around it with the finding masked.
    pub excerpt: Option<String>,
}

impl ScrubStage {
    pub fn new(config: &Config, extra: &Extra) -> anyhow::Result<ScrubStage> {
        let mut opts = ScrubOptions {
            key_file: extra.key_file.clone(),
            detect_local_identity: !extra.no_local_identity,
            ..ScrubOptions::default()
        };
        crate::config::add_unique(&mut opts.redact_usernames, &config.scrub.redact_usernames);
        crate::config::add_unique(&mut opts.redact_usernames, &extra.redact_usernames);
        crate::config::add_unique(&mut opts.redact, &config.scrub.redact);
        crate::config::add_unique(&mut opts.redact, &extra.redact);
        let key_path = match &opts.key_file {
            Some(p) => p.clone(),
            None => PseudonymKey::default_path()?,
        };
        let key = PseudonymKey::load_or_create(&key_path)?;
        let identity = opts.detect_local_identity.then(LocalIdentity::detect);
        let scrubber =
            Scrubber::new(&opts, key, identity.as_ref()).context("compiling the scrub rules")?;
        Ok(ScrubStage { scrubber })
    }

    pub fn ruleset_hash(&self) -> &str {
        self.scrubber.ruleset_hash()
    }

    /// The pseudonym the audit log names a session by.
    pub fn session_pseudonym(&self, agent: &str, session_id: &str) -> String {
        self.scrubber.key().session_pseudonym(agent, session_id)
    }

    /// A source file's path as the audit log names it (see [`Scrubber::scrub_location`]): worked out once
    /// per file, not per session.
    pub fn location(&self, path: &str) -> String {
        self.scrubber.scrub_location(path)
    }

    /// Scrubs one session in place and stamps it. `location` (from [`ScrubStage::location`]) and `line` say
    /// where it came from, for the audit, whose records are appended to `audit_buf` (an empty buffer, perhaps
    /// with room from earlier use).
    pub fn scrub(
        &self,
        session: &mut Session,
        location: &str,
        line: u64,
        mut audit_buf: Vec<u8>,
    ) -> Scrubbed {
        let pseudonym =
            self.session_pseudonym(&session.meta.source_agent, &session.meta.session_id);
        let head = audit::RecordHead::new(&pseudonym, location, line);
        let report = self
            .scrubber
            .scrub_session_audited(session, &head, &mut audit_buf);
        Scrubbed {
            audit: audit_buf,
            counts: report
                .counts
                .iter()
                .map(|(k, n)| (k.as_str(), *n))
                .collect(),
        }
    }

    /// The leak gate: what scrubbing this session again would still replace (nothing, for a clean export).
    pub fn check(&self, session: &Session) -> Vec<Leak> {
        let mut copy = session.clone();
        let report = self.scrubber.scrub_session(&mut copy, Mode::Check, true);
        report
            .located
            .into_iter()
            .map(|l| Leak {
                pointer: l.pointer,
                kind: l.finding.kind.as_str(),
                rule: l.finding.rule,
                excerpt: l.excerpt,
            })
            .collect()
    }
}

/// The default audit log path for a run.
pub fn default_audit_path() -> anyhow::Result<PathBuf> {
    audit::default_path()
        .context("no state directory for the audit log (set XDG_STATE_HOME or HOME)")
}

pub fn open_audit(path: &std::path::Path) -> anyhow::Result<std::io::BufWriter<std::fs::File>> {
    audit::open(path).with_context(|| format!("cannot open audit log {}", path.display()))
}

/// Whether a session carries cc-scrub's stamp with a rule-set hash and a key id: the only data push publishes.
pub fn stamp_rules(meta_scrub: Option<&Value>) -> Option<&str> {
    let s = meta_scrub?;
    if s.get("tool").and_then(Value::as_str) != Some(stamp::TOOL) {
        return None;
    }
    s.get("key")
        .and_then(Value::as_str)
        .filter(|k| !k.is_empty())?;
    s.get("counts").filter(|c| c.is_object())?;
    s.get("rules")
        .and_then(Value::as_str)
        .filter(|r| !r.is_empty())
}

/// Adds a session's stamp counts to `totals`.
pub fn add_stamp_counts(meta_scrub: Option<&Value>, totals: &mut BTreeMap<String, u64>) {
    if let Some(Value::Object(c)) = meta_scrub.and_then(|s| s.get("counts")) {
        for (k, v) in c {
            *totals.entry(k.clone()).or_default() += v.as_u64().unwrap_or(0);
        }
    }
}
