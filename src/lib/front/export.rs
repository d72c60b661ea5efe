//! `codercrucible export`: extract → normalize → scrub → format in one streaming run.
//!
//! Pass one extracts every chosen agent's sources in parallel (a bounded window of sources at a time),
//! drops excluded projects, normalizes, and spools the v1 lines with their dedupe fingerprints to a
//! temporary file. Pass two reads the spool back in order through the ordered parallel map, skipping the
//! duplicates, scrubs and stamps each session (audit records appended), and renders it in the output format.
//! Memory stays bounded by a window of sources and a few batches, whatever the home's size.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::agents::{Agent, Env, Problem, Sink, Source};
use crate::cli::{self, Diagnostics, OnInvalid};
use crate::config::{self, Config};
use crate::format::{self, Format};
use crate::io::LineReader;
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

/// One source after pass one.
#[derive(Default)]
struct SourceOut {
    lines: Vec<(Vec<u8>, Fingerprint, String, String)>,
    problems: Vec<Problem>,
    counts: Counts,
    excluded: u64,
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

        // Pass one: extract, normalize, spool.
        let spool = tempfile::NamedTempFile::new_in(dir).context("cannot create a spool file")?;
        let mut deduper = Deduper::default();
        let mut keys: Vec<(String, String)> = Vec::new();
        {
            let mut w = BufWriter::with_capacity(1 << 20, spool.as_file());
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(self.threads)
                .build()?;
            let sources: Vec<(&'static dyn Agent, Source)> = self
                .agents
                .iter()
                .flat_map(|a| a.sources(&self.env).into_iter().map(move |s| (*a, s)))
                .collect();
            summary.source_bytes = sources.iter().map(|(_, s)| s.bytes).sum();
            let mut progress =
                Progress::with_output("extract", summary.source_bytes, self.progress);
            let window = (self.threads * 4).max(4);
            for batch in sources.chunks(window) {
                let outs: Vec<SourceOut> = pool.install(|| {
                    batch
                        .par_iter()
                        .map(|(agent, src)| self.pass_one(*agent, src))
                        .collect()
                });
                for (out, (_, src)) in outs.into_iter().zip(batch) {
                    summary.normalize.add(&out.counts);
                    summary.excluded += out.excluded;
                    let n = out.lines.len() as u64;
                    for (line, fp, key, hash) in out.lines {
                        if self.since_last && seen.sessions.get(&key) == Some(&hash) {
                            summary.unchanged += 1;
                            continue;
                        }
                        w.write_all(&line)?;
                        deduper.add(fp);
                        keys.push((key, hash));
                    }
                    for p in &out.problems {
                        diag.error(&p.to_string());
                    }
                    summary.problems += out.problems.len() as u64;
                    progress.advance(src.bytes, n);
                }
            }
            progress.finish();
            w.flush()?;
        }
        let survivors = deduper.survivors();
        summary.normalize.duplicates_dropped = survivors.iter().filter(|k| !**k).count() as u64;

        // Pass two: scrub, stamp, render.
        let tmp_out = tempfile::NamedTempFile::new_in(dir).context("cannot create the output")?;
        let mut audit = match &self.audit_log {
            Some(p) => Some(super::scrub_stage::open_audit(p)?),
            None => None,
        };
        let mut hasher = Sha256::new();
        let mut bytes = 0u64;
        {
            let mut w = BufWriter::with_capacity(1 << 20, tmp_out.as_file());
            let spooled = spool.as_file().metadata().map_or(0, |m| m.len());
            let mut progress = Progress::with_output("scrub", spooled, self.progress);
            let reader = LineReader::new(&[spool.path().to_path_buf()]);
            let opts = self.format_options;
            let format = self.format;
            cli::map_lines(
                reader,
                self.threads,
                diag,
                |line| {
                    let idx = (line.number - 1) as usize;
                    if !survivors.get(idx).copied().unwrap_or(false) {
                        return Ok(None);
                    }
                    let mut session: Session = cli::parse_line(line)?;
                    let scrubbed = self.scrub.scrub(&mut session, &line.source, line.number);
                    let mut out = Vec::new();
                    let records = if format == Format::Jsonl {
                        crate::io::writer::push_json_line(&mut out, &session)
                            .map_err(|e| format!("cannot serialize: {e}"))?;
                        1
                    } else {
                        format::render(&session, format, opts, &mut out) as u64
                    };
                    Ok(Some((
                        session.meta.source_agent,
                        out,
                        records,
                        scrubbed,
                        line.bytes.len() as u64 + 1,
                    )))
                },
                &mut |item: Option<(String, Vec<u8>, u64, super::scrub_stage::Scrubbed, u64)>| {
                    let Some((agent, out, records, scrubbed, spooled_len)) = item else {
                        return Ok(());
                    };
                    w.write_all(&out)?;
                    hasher.update(&out);
                    bytes += out.len() as u64;
                    summary.sessions += 1;
                    summary.records += records;
                    *summary.per_agent.entry(agent).or_default() += 1;
                    for (k, n) in scrubbed.counts {
                        *summary.redactions.entry(k.to_string()).or_default() += n;
                    }
                    if let Some(a) = &mut audit {
                        a.write_all(&scrubbed.audit)
                            .context("writing the audit log")?;
                    }
                    progress.advance(spooled_len, 1);
                    Ok(())
                },
            )?;
            progress.finish();
            w.flush()?;
        }
        if let Some(a) = &mut audit {
            a.flush().context("writing the audit log")?;
        }
        tmp_out
            .persist(&self.output)
            .with_context(|| format!("cannot write {}", self.output.display()))?;

        let file = std::path::absolute(&self.output)?;
        let rec = ExportRecord {
            file: file.clone(),
            format: format_name(self.format),
            sha256: super::hex(&hasher.finalize()),
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

    fn pass_one(&self, agent: &dyn Agent, src: &Source) -> SourceOut {
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
        for s in c.sessions {
            if self.config.excludes_project(
                s.meta.project_path.as_deref(),
                s.meta.project_hash.as_deref(),
            ) {
                out.excluded += 1;
                continue;
            }
            let Some(s) = normalize::normalize(s, settings, &mut out.counts) else {
                continue;
            };
            let line = crate::io::writer::json_line(&s).expect("a Session always serializes");
            let key = format!("{}\t{}", s.meta.source_agent, s.meta.session_id);
            // Only --since-last compares contents; hashing every byte otherwise would cost for nothing.
            let hash = if self.since_last {
                super::hex(&Sha256::digest(&line)[..16])
            } else {
                String::new()
            };
            out.lines.push((line, Fingerprint::of(&s), key, hash));
        }
        out
    }
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
