//! `cc-normalize`: validate, repair, dedupe and score sessions; import foreign datasets.

use std::io::{self, Write};

use clap::{CommandFactory, Parser};
use serde_json::Value;

use crate::cli::{self, Diagnostics, FilterArgs};
use crate::exit::Status;
use crate::io::Line;
use crate::normalize::dedupe::{Deduper, Fingerprint};
use crate::normalize::import::{self, From};
use crate::normalize::{self, repair, Counts, Settings};
use crate::schema::Session;
use crate::validate::Validator;

pub const NAME: &str = "cc-normalize";

/// Validate, repair, dedupe and score v1 sessions, or import foreign datasets into v1.
///
/// Repairs: times in ISO-8601, milliseconds or seconds become Unix seconds; role spellings (human, gpt, model)
/// and content given as parts are brought to v1; messages are put in the producer's order and numbered from 0;
/// empty messages and sessions are dropped; start and end times are filled; huge tool outputs are capped with
/// a visible marker; quality_score is computed (see cc-normalize(1)). Duplicates (same agent and session id)
/// keep their most complete copy; the same conversation from two agents is kept once.
#[derive(Debug, Parser)]
#[command(name = NAME, version, after_long_help = AFTER_HELP)]
pub struct Args {
    /// Only validate each line against the v1 JSON Schema and report what is wrong; write nothing.
    #[arg(long)]
    pub check: bool,

    /// What the input is.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = From::V1)]
    pub from: From,

    /// Cap each tool result at this many bytes (head and tail kept, a marker in between); 0 keeps all.
    #[arg(long, value_name = "BYTES", default_value_t = 256 * 1024)]
    pub max_tool_output: usize,

    /// Keep duplicate sessions. Output then starts at once instead of after the whole input is read.
    #[arg(long)]
    pub no_dedupe: bool,

    /// Do not print the summary of what was dropped.
    #[arg(short, long)]
    pub quiet: bool,

    #[command(flatten)]
    pub filter: FilterArgs,
}

const AFTER_HELP: &str = "\
QUALITY SCORE (0..1):
  0.25 turns answered (full at 4), 0.20 assistant text (full at 1,500 chars), 0.15 code present,
  0.20 tool success rate (no tools: 0.15), 0.20 ends on an assistant reply; minus 0.1 per error loop
  (3+ failing calls of one tool in a row, at most 0.3); 0 without any assistant reply.

EXAMPLES:
  cc-extract --all | cc-normalize | cc-scrub > sessions.ndjson
  cc-normalize --check sessions.ndjson
  cc-normalize --from sharegpt dataset.jsonl | cc-format openai > finetune.jsonl

EXIT STATUS:
  0 success, 2 usage error, invalid lines (reported as FILE:LINE: field: problem) or unreadable input";

pub fn command() -> clap::Command {
    Args::command()
}

pub fn main() -> std::process::ExitCode {
    cli::run_main(NAME, || run(Args::parse()))
}

pub fn run(args: Args) -> anyhow::Result<Status> {
    let mut diag = Diagnostics::new(NAME, args.filter.on_invalid);
    if args.check {
        return check(&args, &mut diag);
    }
    let job = Job {
        from: args.from,
        settings: Settings {
            max_tool_output: (args.max_tool_output > 0).then_some(args.max_tool_output),
        },
        dedupe: !args.no_dedupe,
    };
    let mut out = crate::io::writer::stdout();
    let counts = job.run(
        args.filter.reader(),
        args.filter.threads(),
        &mut diag,
        &mut out,
    )?;
    out.flush()?;
    if !args.quiet {
        summarize(&diag, &counts);
    }
    Ok(diag.status())
}

/// One normalizing pass from a line reader to a writer, usable in-process (the front's `demo`, `export`).
#[derive(Debug, Clone, Copy)]
pub struct Job {
    pub from: From,
    pub settings: Settings,
    pub dedupe: bool,
}

impl Job {
    /// Generic over the writer so that, for stdout or a file, the deduplicated lines go out by a kernel copy.
    pub fn run<W: Write>(
        &self,
        reader: crate::io::LineReader,
        threads: usize,
        diag: &mut Diagnostics,
        out: &mut W,
    ) -> anyhow::Result<Counts> {
        let mut counts = Counts::default();
        let process = |line: &Line| -> Result<Normalized, String> {
            let session = read_session(line, self.from)?;
            let mut counts = Counts::default();
            let kept = normalize::normalize(session, self.settings, &mut counts).map(|s| {
                let bytes = crate::io::writer::json_line(&s).expect("a Session always serializes");
                (bytes, Fingerprint::of(&s))
            });
            Ok(Normalized { counts, kept })
        };
        if !self.dedupe {
            cli::map_lines(reader, threads, diag, process, &mut |n: Normalized| {
                counts.add(&n.counts);
                if let Some((bytes, _)) = n.kept {
                    out.write_all(&bytes)?;
                }
                Ok(())
            })?;
            return Ok(counts);
        }
        let mut spool = Spool::new()?;
        cli::map_lines(reader, threads, diag, process, &mut |n: Normalized| {
            counts.add(&n.counts);
            if let Some((bytes, fp)) = n.kept {
                spool.push(&bytes, fp)?;
            }
            Ok(())
        })?;
        spool.drain_survivors(out, &mut counts)?;
        Ok(counts)
    }
}

/// Normalized lines held back until deduplication knows which survive.
struct Spool {
    lines: crate::io::spool::Spool,
    deduper: Deduper,
}

impl Spool {
    fn new() -> io::Result<Spool> {
        Ok(Spool {
            lines: crate::io::spool::Spool::temporary()?,
            deduper: Deduper::default(),
        })
    }

    fn push(&mut self, line: &[u8], fp: Fingerprint) -> io::Result<()> {
        self.lines.push(line)?;
        self.deduper.add(fp);
        Ok(())
    }

    /// Writes the surviving lines to `out` in input order.
    fn drain_survivors<W: Write>(self, out: &mut W, counts: &mut Counts) -> io::Result<()> {
        let keep = self.deduper.survivors();
        let dropped = keep.iter().filter(|k| !**k).count() as u64;
        counts.duplicates_dropped += dropped;
        counts.sessions_out -= dropped;
        self.lines.finish()?.copy_kept(&keep, out)
    }
}

/// One line's outcome: what normalizing did, and the output line with its fingerprint unless it was dropped.
struct Normalized {
    counts: Counts,
    kept: Option<(Vec<u8>, Fingerprint)>,
}

/// One input line as a v1 session: imported from a foreign format, or read as v1 and repaired. Canonical input
/// takes the fast path (typed parse); anything else goes through the lenient JSON repairs first.
fn read_session(line: &Line, from: From) -> Result<Session, String> {
    if from != From::V1 {
        return import::import(from, cli::parse_line(line)?);
    }
    let mut session = match serde_json::from_slice::<Session>(&line.bytes) {
        Ok(s) => s,
        Err(_) => {
            let mut value: Value = cli::parse_line(line)?;
            repair::repair(&mut value);
            serde_path_to_error::deserialize::<_, Session>(value)
                .map_err(|e| format!("{}: {}", e.path(), e.inner()))?
        }
    };
    repair::repair_typed(&mut session);
    Ok(session)
}

fn check(args: &Args, diag: &mut Diagnostics) -> anyhow::Result<Status> {
    let validator = Validator::v1();
    let mut lines = 0u64;
    cli::for_each_line(
        &args.filter,
        diag,
        |line| {
            let value: Value = cli::parse_line(line)?;
            let violations = validator.validate(&value);
            if violations.is_empty() {
                Ok(())
            } else {
                let all: Vec<String> = violations.iter().map(ToString::to_string).collect();
                Err(all.join("; "))
            }
        },
        |()| {
            lines += 1;
            Ok(())
        },
    )?;
    if !args.quiet {
        diag.say(&format!("{} valid, {} invalid", lines, diag.invalid_lines));
    }
    // Under --check an invalid line is the answer, whatever --on-invalid says.
    Ok(if diag.invalid_lines > 0 || diag.errors > 0 {
        Status::Failure
    } else {
        Status::Success
    })
}

fn summarize(diag: &Diagnostics, c: &Counts) {
    let mut dropped = Vec::new();
    for (n, what) in [
        (diag.invalid_lines, "invalid line"),
        (c.empty_sessions_dropped, "empty session"),
        (c.empty_messages_dropped, "empty message"),
        (c.duplicates_dropped, "duplicate session"),
    ] {
        if n > 0 {
            dropped.push(format!("{n} {what}{}", if n == 1 { "" } else { "s" }));
        }
    }
    if dropped.is_empty() && c.tool_outputs_capped == 0 {
        return;
    }
    let mut msg = format!("{} sessions in, {} out", c.sessions_in, c.sessions_out);
    if !dropped.is_empty() {
        msg.push_str("; dropped ");
        msg.push_str(&dropped.join(", "));
    }
    if c.tool_outputs_capped > 0 {
        msg.push_str(&format!("; capped {} tool outputs", c.tool_outputs_capped));
    }
    diag.say(&msg);
}
