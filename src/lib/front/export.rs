//! `codercrucible export`: extract → normalize → scrub → format in one streaming run.
//!
//! Pass one works on a bounded window of sources at a time, in parallel: extract, drop excluded projects,
//! normalize, (with `--since-last`) skip sessions unchanged since the last export, scrub and stamp, render in
//! the output format; sessions go in input order straight to the output's temporary file and their audit
//! records to a spool, with each session's dedupe fingerprint kept. Then the audit log gets the records of
//! the sessions that survive deduplication, and only if it dropped any, the output is rewritten without them
//! (a kernel copy of the kept runs). Memory stays bounded by the window and the fingerprints, whatever the
//! home's size.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::agents::{Agent, Env, Problem, Sink, Source};
use crate::cli::{Diagnostics, OnInvalid};
use crate::config::{self, Config};
use crate::format::{self, Format};
use crate::io::spool::Spool;
use crate::io::Buffers;
use crate::normalize::dedupe::{Deduper, Fingerprint};
use crate::normalize::{self, Counts, Settings};
use crate::schema::Session;

use super::progress::Progress;
use super::record::{self, ExportRecord};
use super::scrub_stage::ScrubStage;

pub const PROG: &str = "codercrucible";

pub struct Job<'a> {
    pub agents: Vec<&'static dyn Agent>,
    pub env: Env,
    pub config: &'a Config,
    pub scrub: &'a ScrubStage,
    pub format: Format,
    pub format_options: format::Options,
    pub output: PathBuf,
    pub audit_log: Option<PathBuf>,
    pub since_last: bool,
    pub threads: usize,
    pub max_tool_output: Option<usize>,
    /// Show the progress line (only when stderr is a terminal, decided by the caller).
    pub progress: bool,
}

/// What an export did, for the summary and the record.
#[derive(Debug, Default)]
pub struct Summary {
    pub sessions: u64,
    pub per_agent: BTreeMap<String, u64>,
    pub redactions: BTreeMap<String, u64>,
    pub records: u64,
    pub excluded: u64,
    pub unchanged: u64,
    pub normalize: Counts,
    pub problems: u64,
    pub source_bytes: u64,
}

/// Sessions seen by earlier exports: `agent \t id` → content hash of the normalized session.
#[derive(Debug, Default, Serialize, Deserialize)]
struct SeenState {
    sessions: HashMap<String, String>,
}

fn seen_state_path() -> anyhow::Result<PathBuf> {
    config::state_dir()
        .map(|d| d.join("export-seen.json"))
        .context("no state directory (set XDG_STATE_HOME or HOME)")
}

#[derive(Default)]
struct Collected {
    sessions: Vec<Session>,
    problems: Vec<Problem>,
}

impl Sink for Collected {
    fn session(&mut self, s: Session) {
        self.sessions.push(s);
    }
    fn problem(&mut self, p: Problem) {
        self.problems.push(p);
    }
}

/// What one exported session adds to the summary (taken back if deduplication drops it).
struct Tally {
    agent: &'static str,
    records: u64,
    bytes: u64,
    counts: Vec<(&'static str, u64)>,
}

impl Summary {
    /// Adds (`sign` 1) or takes back (`sign` -1) one session.
    fn add(&mut self, t: &Tally, sign: i64) {
        let apply = |v: &mut u64, n: u64| *v = (*v as i64 + sign * n as i64) as u64;
        apply(&mut self.sessions, 1);
        apply(&mut self.records, t.records);
        apply(self.per_agent.entry(t.agent.to_string()).or_default(), 1);
        for (k, n) in &t.counts {
            apply(self.redactions.entry(k.to_string()).or_default(), *n);
        }
    }
}

/// One session after pass one: everything pass two needs, and the key to skip or dedupe it.
struct Done {
    agent: &'static str,
    output: Vec<u8>,
    audit: Vec<u8>,
    records: u64,
    counts: Vec<(&'static str, u64)>,
    fingerprint: Fingerprint,
    key: String,
    hash: String,
}

/// One source after pass one.
#[derive(Default)]
struct SourceOut {
    done: Vec<Done>,
    problems: Vec<Problem>,
    counts: Counts,
    excluded: u64,
    unchanged: u64,
}

impl Job<'_> {
    pub fn run(&self, diag: &mut Diagnostics) -> anyhow::Result<Summary> {
        let mut summary = Summary::default();
        let seen_path = if self.since_last {
            Some(seen_state_path()?)
        } else {
            None
        };
        let mut seen: SeenState = match &seen_path {
            Some(p) if p.exists() => record::read_json(p)?,
            _ => SeenState::default(),
        };
        let dir = self
            .output
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;

        // Pass one, in parallel over sources: extract, normalize, scrub, render; written in order straight to
        // the output's temporary file, audit records to a spool beside the audit log.
        let tmp_out = tempfile::NamedTempFile::new_in(dir).context("cannot create the output")?;
        let mut output = Spool::new(tmp_out.reopen()?);
        let mut audit = match &self.audit_log {
            Some(p) => {
                let parent = p.parent().filter(|d| !d.as_os_str().is_empty());
                let parent = parent.unwrap_or(Path::new("."));
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("cannot create {}", parent.display()))?;
                // Named, beside the log: when it is all kept and the log is new, it becomes the log.
                let file = tempfile::NamedTempFile::new_in(parent).with_context(|| {
                    format!("cannot create a spool file in {}", parent.display())
                })?;
                Some((Spool::new(file.reopen()?), file))
            }
            None => None,
        };
        let mut hasher = Sha256::new();
        // Output and audit buffers go back from the writer to the workers, warm.
        let buffers = Buffers::default();
        let mut deduper = Deduper::default();
        let mut keys: Vec<(String, String)> = Vec::new();
        let mut tallies: Vec<Tally> = Vec::new();
        {
            let sources: Vec<(&'static dyn Agent, Source)> = self
                .agents
                .iter()
                .flat_map(|a| a.sources(&self.env).into_iter().map(move |s| (*a, s)))
                .collect();
            summary.source_bytes = sources.iter().map(|(_, s)| s.bytes).sum();
            let mut progress = Progress::with_output("export", summary.source_bytes, self.progress);
            // A sliding window: workers never wait for a batch to finish, and the writing here overlaps them.
            crate::io::ordered::in_order(
                sources.len(),
                self.threads,
                (self.threads * 4).max(4),
                |i| {
                    let (agent, src) = &sources[i];
                    (self.pass_one(*agent, src, &seen, &buffers), src.bytes)
                },
                |(out, source_bytes)| {
                    summary.normalize.add(&out.counts);
                    summary.excluded += out.excluded;
                    summary.unchanged += out.unchanged;
                    let n = out.done.len() as u64;
                    for d in out.done {
                        output.push(&d.output).context("writing the output")?;
                        hasher.update(&d.output);
                        if let Some((a, _)) = &mut audit {
                            a.push(&d.audit).context("writing the audit spool")?;
                        }
                        deduper.add(d.fingerprint);
                        keys.push((d.key, d.hash));
                        let tally = Tally {
                            agent: d.agent,
                            records: d.records,
                            bytes: d.output.len() as u64,
                            counts: d.counts,
                        };
                        buffers.give(d.output);
                        buffers.give(d.audit);
                        summary.add(&tally, 1);
                        tallies.push(tally);
                    }
                    for p in &out.problems {
                        diag.error(&p.to_string());
                    }
                    summary.problems += out.problems.len() as u64;
                    progress.advance(source_bytes, n);
                    Ok(())
                },
            )?;
            progress.finish();
        }
        let survivors = deduper.survivors();
        let output = output.finish().context("writing the output")?;

        // Pass two, only where deduplication dropped something: the survivors' bytes to a new output file. The
        // audit log gets the survivors' records.
        let mut tmp_out = tmp_out;
        let mut sha = super::hex(&hasher.finalize());
        let mut bytes = tallies.iter().map(|t| t.bytes).sum::<u64>();
        if survivors.iter().any(|k| !k) {
            let kept = tempfile::NamedTempFile::new_in(dir).context("cannot create the output")?;
            let mut w = BufWriter::with_capacity(1 << 20, kept.as_file());
            output.copy_kept(&survivors, &mut w)?;
            w.flush()?;
            drop(w);
            for (t, _) in tallies.iter().zip(&survivors).filter(|(_, k)| !**k) {
                summary.add(t, -1);
                bytes -= t.bytes;
                summary.normalize.duplicates_dropped += 1;
            }
            summary.per_agent.retain(|_, n| *n > 0);
            summary.redactions.retain(|_, n| *n > 0);
            sha = super::sha256_file(kept.path())?;
            tmp_out = kept;
        }
        if let (Some((spool, file)), Some(p)) = (audit, &self.audit_log) {
            write_audit(spool, file, &survivors, p)?;
        }
        tmp_out
            .persist(&self.output)
            .with_context(|| format!("cannot write {}", self.output.display()))?;

        let file = std::path::absolute(&self.output)?;
        let rec = ExportRecord {
            file: file.clone(),
            format: format_name(self.format),
            sha256: sha,
            bytes,
            sessions: summary.sessions,
            sessions_per_agent: summary.per_agent.clone(),
            redactions: summary.redactions.clone(),
            scrub_rules: self.scrub.ruleset_hash().to_string(),
            audit_log: match &self.audit_log {
                Some(p) => Some(std::path::absolute(p)?),
                None => None,
            },
            created: super::now(),
        };
        record::write_json(&record::export_record_path(&self.output), &rec)?;
        // A confirmation stands only for the exact bytes reviewed: an export that came out the same (nothing
        // new since, as in `export` → `confirm` → `export --push`) keeps it; any other loses it.
        let cpath = record::confirmation_path(&self.output);
        let same = cpath.exists()
            && record::read_json::<record::Confirmation>(&cpath)
                .is_ok_and(|c| c.sha256 == rec.sha256);
        if !same {
            let _ = std::fs::remove_file(&cpath);
        }
        record::remember_last_export(&file)?;
        if let Some(p) = &seen_path {
            for (k, h) in keys {
                seen.sessions.insert(k, h);
            }
            record::write_json(p, &seen)?;
        }
        Ok(summary)
    }

    fn pass_one(
        &self,
        agent: &dyn Agent,
        src: &Source,
        seen: &SeenState,
        buffers: &Buffers,
    ) -> SourceOut {
        let mut c = Collected::default();
        if let Err(e) = agent.extract(src, &self.env, &mut c) {
            c.problems
                .push(Problem::new(&src.path, None, format!("cannot read: {e}")));
        }
        let mut out = SourceOut {
            problems: c.problems,
            ..SourceOut::default()
        };
        let settings = Settings {
            max_tool_output: self.max_tool_output,
        };
        let location = self.scrub.location(&src.path.display().to_string());
        for (i, s) in c.sessions.into_iter().enumerate() {
            if self.config.excludes_project(
                s.meta.project_path.as_deref(),
                s.meta.project_hash.as_deref(),
            ) {
                out.excluded += 1;
                continue;
            }
            let Some(mut s) = normalize::normalize(s, settings, &mut out.counts) else {
                continue;
            };
            let key = format!("{}\t{}", s.meta.source_agent, s.meta.session_id);
            // Only --since-last compares contents (before scrubbing, so unchanged sessions cost no scrub).
            let hash = if self.since_last {
                let line = crate::io::writer::json_line(&s).expect("a Session always serializes");
                let h = super::hex(&Sha256::digest(&line)[..16]);
                if seen.sessions.get(&key) == Some(&h) {
                    out.unchanged += 1;
                    continue;
                }
                h
            } else {
                String::new()
            };
            let fingerprint = Fingerprint::of(&s);
            // The audit names the session by the agent's file and its place in it.
            let scrubbed = self
                .scrub
                .scrub(&mut s, &location, i as u64 + 1, buffers.take());
            let mut output = buffers.take();
            let records = if self.format == Format::Jsonl {
                crate::io::writer::push_json_line(&mut output, &s)
                    .expect("a Session always serializes");
                1
            } else {
                format::render(&s, self.format, self.format_options, &mut output) as u64
            };
            out.done.push(Done {
                agent: agent.name(),
                output,
                audit: scrubbed.audit,
                records,
                counts: scrubbed.counts,
                fingerprint,
                key,
                hash,
            });
        }
        out
    }
}

/// Moves the export's audit records into the log `path`: a new log is the spool itself, renamed, when every
/// session was kept; otherwise the kept sessions' records are copied in (file to file, in the kernel).
fn write_audit(
    spool: Spool,
    file: tempfile::NamedTempFile,
    survivors: &[bool],
    path: &Path,
) -> anyhow::Result<()> {
    let pieces = spool.finish().context("writing the audit spool")?;
    // Where the rename fails (the log exists and is appended to, as `--audit FILE` promises), copy.
    if survivors.iter().all(|&k| k) && file.persist_noclobber(path).is_ok() {
        return Ok(());
    }
    let mut log = crate::scrub::audit::open_file(path)
        .with_context(|| format!("cannot open audit log {}", path.display()))?;
    pieces
        .copy_kept(survivors, &mut log)
        .and_then(|()| log.flush())
        .context("writing the audit log")
}

pub fn format_name(f: Format) -> String {
    use clap::ValueEnum;
    f.to_possible_value()
        .map(|v| v.get_name().to_string())
        .unwrap_or_default()
}

/// The end-of-run summary, on stderr.
pub fn print_summary(s: &Summary, output: &Path, audit: Option<&Path>) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(
        err,
        "{PROG}: exported {} sessions ({} records) to {}",
        s.sessions,
        s.records,
        output.display()
    );
    for (agent, n) in &s.per_agent {
        let _ = writeln!(err, "  {agent:<14} {n:>7} sessions");
    }
    let total: u64 = s.redactions.values().sum();
    let _ = writeln!(err, "  redactions: {total}");
    for (kind, n) in &s.redactions {
        let _ = writeln!(err, "    {kind:<16} {n:>7}");
    }
    let mut notes = Vec::new();
    if s.unchanged > 0 {
        notes.push(format!("{} unchanged since the last export", s.unchanged));
    }
    if s.excluded > 0 {
        notes.push(format!("{} in excluded projects", s.excluded));
    }
    if s.normalize.duplicates_dropped > 0 {
        notes.push(format!("{} duplicates", s.normalize.duplicates_dropped));
    }
    if s.normalize.empty_sessions_dropped > 0 {
        notes.push(format!("{} empty", s.normalize.empty_sessions_dropped));
    }
    if !notes.is_empty() {
        let _ = writeln!(err, "  left out: {}", notes.join(", "));
    }
    match audit {
        Some(a) => {
            let _ = writeln!(err, "  audit log: {}", a.display());
        }
        None => {
            let _ = writeln!(err, "  audit log: none (--no-audit)");
        }
    }
    let _ = writeln!(
        err,
        "  next: review it with `codercrucible confirm`, then publish with `codercrucible push REPO`"
    );
}

/// Diagnostics for an export: every problem is reported and makes the exit status 2.
pub fn diagnostics() -> Diagnostics {
    Diagnostics::new(PROG, OnInvalid::Warn)
}
