//! `codercrucible confirm`: the review before anything is shared.
//!
//! Re-runs the leak gate (cc-scrub's `--check`) over the export, checks every session carries the scrub
//! stamp, counts redactions per kind (from the stamps), lists agents and projects, samples redactions in
//! context from the audit log (the placeholders as they stand in the export, never the originals), writes a
//! self-contained HTML report, and, when the person says yes, records the export's hash for push.

use std::collections::{BTreeMap, HashMap};
use std::io::BufRead;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use serde::Deserialize;
use serde_json::Value;

use crate::cli::{self, Diagnostics, OnInvalid};
use crate::io::LineReader;
use crate::schema::Session;

use super::record::{self, ExportRecord};
use super::scrub_stage::{self, ScrubStage};

/// Samples shown per kind of redaction.
pub const SAMPLES_PER_KIND: usize = 3;
/// Characters of context on each side of a sample.
const CONTEXT_CHARS: usize = 60;

#[derive(Debug, Default)]
pub struct Review {
    pub file: PathBuf,
    pub sha256: String,
    pub bytes: u64,
    pub sessions: u64,
    pub messages: u64,
    pub per_agent: BTreeMap<String, u64>,
    pub projects: BTreeMap<String, u64>,
    pub redactions: BTreeMap<String, u64>,
    pub unstamped: u64,
    pub leaks: Vec<LeakRow>,
    pub leak_counts: BTreeMap<String, u64>,
    pub samples: Vec<Sample>,
    pub audit_log: Option<PathBuf>,
    pub scrub_rules: String,
    pub invalid_lines: u64,
}

#[derive(Debug, Clone)]
pub struct LeakRow {
    pub location: String,
    pub pointer: String,
    pub kind: String,
    pub rule: String,
    pub excerpt: String,
}

#[derive(Debug, Clone)]
pub struct Sample {
    pub kind: String,
    pub rule: String,
    pub placeholder: String,
    pub pointer: String,
    pub before: String,
    pub after: String,
}

impl Review {
    pub fn total_redactions(&self) -> u64 {
        self.redactions.values().sum()
    }
    pub fn total_leaks(&self) -> u64 {
        self.leak_counts.values().sum()
    }
    /// Whether push may publish this export.
    pub fn passes(&self) -> bool {
        self.total_leaks() == 0
            && self.unstamped == 0
            && self.invalid_lines == 0
            && self.sessions > 0
    }
}

#[derive(Deserialize)]
struct AuditRecord {
    session: String,
    pointer: String,
    rule: String,
    kind: String,
    placeholder: String,
}

/// Samples wanted, by session pseudonym.
type Wanted = HashMap<String, Vec<AuditRecord>>;

fn pick_samples(audit: &Path) -> anyhow::Result<Wanted> {
    let f = std::fs::File::open(audit)
        .with_context(|| format!("cannot read the audit log {}", audit.display()))?;
    let mut per_kind: HashMap<String, usize> = HashMap::new();
    let mut wanted: Wanted = HashMap::new();
    for line in std::io::BufReader::new(f).lines() {
        let line = line?;
        let Ok(r) = serde_json::from_str::<AuditRecord>(&line) else {
            continue;
        };
        let n = per_kind.entry(r.kind.clone()).or_default();
        if *n < SAMPLES_PER_KIND {
            *n += 1;
            wanted.entry(r.session.clone()).or_default().push(r);
        }
    }
    Ok(wanted)
}

/// One session's contribution to the review.
#[derive(Default)]
struct Seen {
    agent: String,
    project: Option<String>,
    messages: u64,
    stamped: bool,
    counts: BTreeMap<String, u64>,
    leaks: Vec<LeakRow>,
    samples: Vec<Sample>,
}

pub fn review(file: &Path, stage: &ScrubStage, threads: usize) -> anyhow::Result<Review> {
    let rec: ExportRecord =
        record::read_json(&record::export_record_path(file)).with_context(|| {
            format!(
                "{} has no export record: confirm reviews files written by `codercrucible export`",
                file.display()
            )
        })?;
    if rec.format != "jsonl" {
        bail!(
            "{} is in the {} format; confirm and push work on the universal JSONL (export without --format)",
            file.display(),
            rec.format
        );
    }
    let sha256 = super::sha256_file(file)?;
    if sha256 != rec.sha256 {
        bail!(
            "{} changed since it was exported; export again before confirming",
            file.display()
        );
    }
    let wanted = match &rec.audit_log {
        Some(a) if a.exists() => pick_samples(a)?,
        _ => Wanted::new(),
    };
    let mut r = Review {
        file: file.to_path_buf(),
        sha256,
        bytes: std::fs::metadata(file)?.len(),
        audit_log: rec.audit_log.clone(),
        scrub_rules: rec.scrub_rules.clone(),
        ..Review::default()
    };
    let mut diag = Diagnostics::new(super::export::PROG, OnInvalid::Warn);
    cli::map_lines(
        LineReader::new(&[file.to_path_buf()]),
        threads,
        &mut diag,
        |line| {
            let s: Session = cli::parse_line(line)?;
            let mut seen = Seen {
                agent: s.meta.source_agent.clone(),
                project: s.meta.project_path.clone().or(s.meta.project_hash.clone()),
                messages: s.messages.len() as u64,
                stamped: scrub_stage::stamp_rules(s.meta.scrub.as_ref()).is_some(),
                ..Seen::default()
            };
            scrub_stage::add_stamp_counts(s.meta.scrub.as_ref(), &mut seen.counts);
            for l in stage.check(&s) {
                seen.leaks.push(LeakRow {
                    location: line.location(),
                    pointer: l.pointer,
                    kind: l.kind.to_string(),
                    rule: l.rule.to_string(),
                    excerpt: l.excerpt.unwrap_or_default(),
                });
            }
            let pseudonym = stage.session_pseudonym(&s.meta.source_agent, &s.meta.session_id);
            // Context comes only from sessions the gate passed, so a sample never shows what leaked.
            if let Some(records) = wanted.get(&pseudonym).filter(|_| seen.leaks.is_empty()) {
                let value = serde_json::to_value(&s).map_err(|e| e.to_string())?;
                for a in records {
                    if let Some(sample) = sample_in(&value, a) {
                        seen.samples.push(sample);
                    }
                }
            }
            Ok(seen)
        },
        &mut |seen: Seen| {
            r.sessions += 1;
            r.messages += seen.messages;
            *r.per_agent.entry(seen.agent).or_default() += 1;
            *r.projects
                .entry(seen.project.unwrap_or_else(|| "(no project)".into()))
                .or_default() += 1;
            if !seen.stamped {
                r.unstamped += 1;
            }
            for (k, n) in seen.counts {
                *r.redactions.entry(k).or_default() += n;
            }
            for l in seen.leaks {
                *r.leak_counts.entry(l.kind.clone()).or_default() += 1;
                r.leaks.push(l);
            }
            r.samples.extend(seen.samples);
            Ok(())
        },
    )?;
    r.invalid_lines = diag.invalid_lines + diag.errors;
    r.samples.sort_by(|a, b| a.kind.cmp(&b.kind));
    Ok(r)
}

/// The placeholder an audit record names, with the text around it as it stands in the export.
fn sample_in(session: &Value, a: &AuditRecord) -> Option<Sample> {
    let text = session.pointer(&a.pointer)?.as_str()?;
    let at = text.find(&a.placeholder)?;
    let before: String = {
        let head = &text[..at];
        let n = head.chars().count();
        head.chars().skip(n.saturating_sub(CONTEXT_CHARS)).collect()
    };
    let after: String = text[at + a.placeholder.len()..]
        .chars()
        .take(CONTEXT_CHARS)
        .collect();
    Some(Sample {
        kind: a.kind.clone(),
        rule: a.rule.clone(),
        placeholder: a.placeholder.clone(),
        pointer: a.pointer.clone(),
        before,
        after,
    })
}

/// The review as text, for the terminal.
pub fn print_review(
    r: &Review,
    report: &Path,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    writeln!(
        out,
        "Export: {} ({})",
        r.file.display(),
        super::human_bytes(r.bytes)
    )?;
    writeln!(out, "Sessions: {}  messages: {}", r.sessions, r.messages)?;
    writeln!(out, "\nAgents:")?;
    for (a, n) in &r.per_agent {
        writeln!(out, "  {a:<16} {n:>7}")?;
    }
    writeln!(out, "\nProjects ({}):", r.projects.len())?;
    for (p, n) in r.projects.iter().take(50) {
        writeln!(out, "  {n:>7}  {p}")?;
    }
    if r.projects.len() > 50 {
        writeln!(
            out,
            "  ... and {} more (all in the report)",
            r.projects.len() - 50
        )?;
    }
    writeln!(out, "\nRedactions: {}", r.total_redactions())?;
    for (k, n) in &r.redactions {
        writeln!(out, "  {k:<16} {n:>7}")?;
    }
    if !r.samples.is_empty() {
        writeln!(out, "\nSamples (placeholders in context):")?;
        for s in &r.samples {
            writeln!(
                out,
                "  [{}] …{}{}{}…",
                s.kind,
                one_line(&s.before),
                s.placeholder,
                one_line(&s.after)
            )?;
        }
    }
    writeln!(out, "\nLeak gate: {} finding(s)", r.total_leaks())?;
    for l in r.leaks.iter().take(20) {
        writeln!(
            out,
            "  {}\t{}\t{}\t{}",
            l.location, l.pointer, l.kind, l.rule
        )?;
    }
    if r.unstamped > 0 {
        writeln!(out, "Sessions without the scrub stamp: {}", r.unstamped)?;
    }
    if r.invalid_lines > 0 {
        writeln!(
            out,
            "Lines that are not valid sessions: {}",
            r.invalid_lines
        )?;
    }
    writeln!(out, "\nReport: {}", report.display())?;
    Ok(())
}

fn one_line(s: &str) -> String {
    s.replace(['\n', '\r', '\t'], " ")
}
