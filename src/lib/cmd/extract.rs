//! `cc-extract`: every coding agent's local logs, as v1 sessions on stdout (one per line).

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::UNIX_EPOCH;

use anyhow::{bail, Context, Result};
use clap::{CommandFactory, Parser};
use rayon::prelude::*;
use serde_json::json;

use crate::agents::{self, Agent, Env, Problem, Sink, Source};
use crate::cli;
use crate::exit::Status;
use crate::schema::Session;
use crate::time;

const PROG: &str = "cc-extract";

/// Extract coding-agent conversations from their local logs as NDJSON (schema v1), one session per line.
#[derive(Parser, Debug)]
#[command(name = "cc-extract", version, about, long_about = None)]
pub struct Args {
    /// Agents to extract: claude-code, codex, gemini, opencode, aider, qwen-code, amp, goose, crush, ...
    /// (default: the config's `sources`, see codercrucible config).
    #[arg(value_name = "AGENT")]
    pub agents: Vec<String>,
    /// Every known agent.
    #[arg(long)]
    pub all: bool,
    /// Resolve every default location against DIR instead of the real home.
    #[arg(long, value_name = "DIR")]
    pub home: Option<PathBuf>,
    /// Print where each agent was looked for and what was found (NDJSON, or a table on a terminal).
    #[arg(long)]
    pub list: bool,
    /// Only sessions active on or after DATE (YYYY-MM-DD or RFC 3339).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Only the session with this id (a unique prefix is enough); repeatable.
    #[arg(long, value_name = "ID")]
    pub session: Vec<String>,
    /// Only sessions whose project path is PATH or lies under it.
    #[arg(long, value_name = "PATH")]
    pub project: Option<String>,
    /// Also search DIR for per-project logs (Aider histories, Crush databases); repeatable.
    #[arg(long, value_name = "DIR")]
    pub scan: Vec<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

pub fn command() -> clap::Command {
    Args::command()
}

/// Entry point of the binary: a closed stdout is success, other errors are `cc-extract: ...` with exit 2.
pub fn main() -> ExitCode {
    cli::run_main(PROG, || run(Args::parse()))
}

/// Which sessions to keep.
struct Filter {
    since: Option<i64>,
    /// The user's config: projects never extracted.
    config: crate::config::Config,
    sessions: Vec<String>,
    project: Option<String>,
}

impl Filter {
    fn keeps_source(&self, s: &Source) -> bool {
        // A file last written before DATE cannot hold activity after it.
        match (
            self.since,
            s.modified.and_then(|m| m.duration_since(UNIX_EPOCH).ok()),
        ) {
            (Some(since), Some(m)) => m.as_secs() as i64 + 1 >= since,
            _ => true,
        }
    }

    fn keeps(&self, s: &Session) -> bool {
        let m = &s.meta;
        if self
            .config
            .excludes_project(m.project_path.as_deref(), m.project_hash.as_deref())
        {
            return false;
        }
        if let Some(since) = self.since {
            if m.end_time.or(m.start_time).is_some_and(|t| t < since) {
                return false;
            }
        }
        if !self.sessions.is_empty()
            && !self
                .sessions
                .iter()
                .any(|id| m.session_id.starts_with(id.as_str()))
        {
            return false;
        }
        if let Some(p) = &self.project {
            let under = m.project_path.as_deref().is_some_and(|pp| {
                let pp = pp.trim_end_matches(['/', '\\']);
                pp == p
                    || pp
                        .strip_prefix(p.as_str())
                        .is_some_and(|r| r.starts_with(['/', '\\']))
            });
            if !under && m.project_hash.as_deref() != Some(p.as_str()) {
                return false;
            }
        }
        true
    }
}

/// What one source produced: its kept sessions already serialized (a session's structs are dropped as soon as
/// it is written out, so memory holds bytes, not both), or for `--list` only their count and time range.
struct Collected<'f> {
    filter: &'f Filter,
    /// `None` when only counting.
    out: Option<Vec<u8>>,
    sessions: usize,
    first: Option<i64>,
    last: Option<i64>,
    problems: Vec<Problem>,
}

impl Sink for Collected<'_> {
    fn session(&mut self, s: Session) {
        if !self.filter.keeps(&s) {
            return;
        }
        self.sessions += 1;
        self.first = self.first.into_iter().chain(s.meta.start_time).min();
        self.last = self.last.into_iter().chain(s.meta.end_time).max();
        if let Some(out) = &mut self.out {
            crate::io::writer::push_json_line(out, &s).expect("sessions serialize");
        }
    }
    fn problem(&mut self, p: Problem) {
        self.problems.push(p);
    }
}

fn extract_one<'f>(
    agent: &dyn Agent,
    source: &Source,
    env: &Env,
    filter: &'f Filter,
    write: bool,
) -> Collected<'f> {
    let mut c = Collected {
        filter,
        // Output is usually a little smaller than the input (tool metadata is dropped).
        out: write.then(|| Vec::with_capacity((source.bytes as usize).min(64 << 20))),
        sessions: 0,
        first: None,
        last: None,
        problems: Vec::new(),
    };
    if let Err(e) = agent.extract(source, env, &mut c) {
        c.problems.push(Problem::new(
            &source.path,
            None,
            format!("cannot read: {e}"),
        ));
    }
    c
}

pub fn run(args: Args) -> Result<Status> {
    let config = crate::config::Config::load()?;
    let selected = select_agents(&args, &config)?;
    let mut env = match &args.home {
        Some(h) => {
            if !h.is_dir() {
                bail!("--home {}: not a directory", h.display());
            }
            Env::with_home(h)
        }
        None => Env::from_process(),
    };
    env.scan = args.scan.clone();
    let since = match &args.since {
        Some(d) => Some(time::parse_str(d).with_context(|| format!("--since {d:?}: not a date"))?),
        None => None,
    };
    let filter = Filter {
        since,
        config,
        sessions: args.session.clone(),
        project: args
            .project
            .as_deref()
            .map(|p| p.trim_end_matches(['/', '\\']).to_string()),
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.unwrap_or(0))
        .build()?;
    pool.install(|| {
        if args.list {
            list(&selected, &env, &filter)
        } else {
            extract(&selected, &env, &filter)
        }
    })
}

fn select_agents(args: &Args, config: &crate::config::Config) -> Result<Vec<&'static dyn Agent>> {
    if args.all {
        return Ok(agents::all());
    }
    if args.agents.is_empty() && !config.sources.is_empty() {
        return crate::front::select::agents(&[], config);
    }
    if args.agents.is_empty() {
        bail!(
            "name at least one agent, or --all (known: {})",
            known_names()
        );
    }
    let mut out: Vec<&'static dyn Agent> = Vec::new();
    for name in &args.agents {
        let Some(a) = agents::find(name) else {
            bail!("unknown agent {name:?} (known: {})", known_names());
        };
        if !out.iter().any(|o| o.name() == a.name()) {
            out.push(a);
        }
    }
    Ok(out)
}

fn known_names() -> String {
    agents::all()
        .iter()
        .map(|a| a.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Sources in flight ahead of the one being written: enough to keep every thread busy past a large file, few
/// enough that memory stays bounded by a handful of sessions.
const AHEAD_PER_THREAD: usize = 4;

/// Sources larger than this (a 1 GB Cursor `state.vscdb` holds every composer) are extracted alone and write
/// each session as it is built, so memory holds one session rather than the source's whole output.
const STREAM_ABOVE: u64 = 64 << 20;

/// Writes each kept session straight out; the first write error (a closed pipe) is kept and ends the run.
struct Streamed<'a, W: Write> {
    filter: &'a Filter,
    out: &'a mut W,
    error: Option<io::Error>,
    problems: Vec<Problem>,
}

impl<W: Write> Sink for Streamed<'_, W> {
    fn session(&mut self, s: Session) {
        if self.error.is_some() || !self.filter.keeps(&s) {
            return;
        }
        let line = crate::io::writer::json_line(&s).expect("sessions serialize");
        if let Err(e) = self.out.write_all(&line) {
            self.error = Some(e);
        }
    }
    fn problem(&mut self, p: Problem) {
        self.problems.push(p);
    }
}

fn extract(selected: &[&'static dyn Agent], env: &Env, filter: &Filter) -> Result<Status> {
    let mut jobs: Vec<(&'static dyn Agent, Source)> = Vec::new();
    for agent in selected {
        let mut sources = agent.sources(env);
        sources.retain(|s| filter.keeps_source(s));
        jobs.extend(sources.into_iter().map(|s| (*agent, s)));
    }
    let mut out = crate::io::writer::stdout();
    let mut failed = false;
    let threads = rayon::current_num_threads();
    let mut start = 0;
    while start < jobs.len() {
        let (agent, source) = &jobs[start];
        if source.bytes > STREAM_ABOVE {
            let mut sink = Streamed {
                filter,
                out: &mut out,
                error: None,
                problems: Vec::new(),
            };
            if let Err(e) = agent.extract(source, env, &mut sink) {
                let problem = Problem::new(&source.path, None, format!("cannot read: {e}"));
                sink.problems.push(problem);
            }
            let (error, problems) = (sink.error, sink.problems);
            if let Some(e) = error {
                return Err(e.into());
            }
            if !problems.is_empty() {
                failed = true;
                out.flush()?;
                report(&problems);
            }
            start += 1;
            continue;
        }
        let end = jobs[start..]
            .iter()
            .position(|(_, s)| s.bytes > STREAM_ABOVE)
            .map_or(jobs.len(), |p| start + p);
        let run = &jobs[start..end];
        crate::io::ordered::in_order(
            run.len(),
            threads,
            threads * AHEAD_PER_THREAD,
            |i| {
                let (agent, source) = &run[i];
                let c = extract_one(*agent, source, env, filter, true);
                (c.out.unwrap_or_default(), c.problems)
            },
            |(buf, problems)| {
                out.write_all(&buf)?;
                if !problems.is_empty() {
                    failed = true;
                    out.flush()?;
                    report(&problems);
                }
                Ok(())
            },
        )?;
        start = end;
    }
    out.flush()?;
    Ok(if failed {
        Status::Failure
    } else {
        Status::Success
    })
}

fn report(problems: &[Problem]) {
    let stderr = io::stderr();
    let mut err = stderr.lock();
    for p in problems {
        let _ = writeln!(err, "{PROG}: {p}");
    }
}

/// What `--list` counts in one source: sessions, first and last activity, problems.
type Found = (usize, Option<i64>, Option<i64>, Vec<Problem>);

/// Per agent: where it looked, and what it found.
fn list(selected: &[&'static dyn Agent], env: &Env, filter: &Filter) -> Result<Status> {
    let tty = io::stdout().is_terminal();
    let mut out = crate::io::writer::stdout();
    let mut failed = false;
    if tty {
        writeln!(
            out,
            "{:<12} {:>8} {:>9} {:>12}  {:<20} {:<20} ROOTS",
            "AGENT", "SESSIONS", "SOURCES", "BYTES", "FIRST", "LAST"
        )?;
    }
    for agent in selected {
        let roots = agent.roots(env);
        let mut sources = agent.sources(env);
        sources.retain(|s| filter.keeps_source(s));
        let bytes: u64 = sources.iter().map(|s| s.bytes).sum();
        let per_source: Vec<Found> = sources
            .par_iter()
            .map(|s| {
                let c = extract_one(*agent, s, env, filter, false);
                (c.sessions, c.first, c.last, c.problems)
            })
            .collect();
        let sessions: usize = per_source.iter().map(|p| p.0).sum();
        let first = per_source.iter().filter_map(|p| p.1).min();
        let last = per_source.iter().filter_map(|p| p.2).max();
        let problems: Vec<Problem> = per_source.into_iter().flat_map(|p| p.3).collect();
        failed |= !problems.is_empty();
        if tty {
            let roots_txt: Vec<String> = roots
                .iter()
                .filter(|r| r.exists())
                .map(|r| r.display().to_string())
                .collect();
            writeln!(
                out,
                "{:<12} {:>8} {:>9} {:>12}  {:<20} {:<20} {}",
                agent.name(),
                sessions,
                sources.len(),
                bytes,
                first.map(time::to_rfc3339).unwrap_or_else(|| "-".into()),
                last.map(time::to_rfc3339).unwrap_or_else(|| "-".into()),
                if roots_txt.is_empty() {
                    "(none found)".to_string()
                } else {
                    roots_txt.join(", ")
                }
            )?;
            if let Some(note) = agent.note() {
                writeln!(out, "{:<12} note: {note}", "")?;
            }
        } else {
            let v = json!({
                "agent": agent.name(),
                "roots": roots.iter().map(|r| json!({"path": r.display().to_string(), "exists": r.exists()})).collect::<Vec<_>>(),
                "sources": sources.len(),
                "bytes": bytes,
                "sessions": sessions,
                "first": first.map(time::to_rfc3339),
                "last": last.map(time::to_rfc3339),
                "problems": problems.len(),
                "note": agent.note(),
            });
            serde_json::to_writer(&mut out, &v)?;
            out.write_all(b"\n")?;
        }
        out.flush()?;
        report(&problems);
    }
    out.flush()?;
    Ok(if failed {
        Status::Failure
    } else {
        Status::Success
    })
}
