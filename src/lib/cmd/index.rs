//! `cc-index`: sessions in, added to the search index.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use clap::{CommandFactory, Parser};

use crate::cli::{self, Diagnostics, FilterArgs};
use crate::exit::Status;
use crate::index::{self, rebuild, Store, FORMAT_VERSION};
use crate::schema::Session;

pub const NAME: &str = "cc-index";

/// Add v1 sessions to the search index that cc-grep queries.
///
/// Each session is split into message chunks with BM25F fields (user and assistant text, thinking, code,
/// tool calls, tool output, file paths, defined symbols); code is parsed for the symbols it defines, calls
/// and imports. A session seen again (same agent and id) replaces its earlier copy. Everything becomes
/// visible in one commit at the end: an interrupted run leaves the previous index as it was.
#[derive(Debug, Parser)]
#[command(name = NAME, version, after_long_help = AFTER_HELP)]
pub struct Args {
    /// Index directory [default: $XDG_DATA_HOME/codercrucible/index, else ~/.local/share/codercrucible/index].
    #[arg(long, value_name = "DIR")]
    pub index: Option<PathBuf>,

    /// Start a fresh index from this input instead of adding to the existing one.
    #[arg(long)]
    pub rebuild: bool,

    #[command(flatten)]
    pub filter: FilterArgs,
}

const AFTER_HELP: &str = "\
EXAMPLES:
  cc-extract --all | cc-index
  cc-extract --all | cc-normalize | cc-scrub | cc-index --index ./search-index
  cc-grep 'oauth refresh'

An index written by another format version is rebuilt from this input, with a message saying so.

EXIT STATUS:
  0 success, 2 error or invalid input lines skipped (the valid ones are indexed)";

pub fn command() -> clap::Command {
    Args::command()
}

pub fn main() -> std::process::ExitCode {
    cli::run_main(NAME, || run(Args::parse()))
}

pub fn resolve_dir(given: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    given
        .or_else(index::default_dir)
        .context("no index directory: set --index DIR, XDG_DATA_HOME or HOME")
}

/// Where this run writes: the index itself, or a sibling to swap in at the end when rebuilding.
fn target(
    dir: &Path,
    rebuild: bool,
    diag: &Diagnostics,
) -> anyhow::Result<(Store, Option<PathBuf>)> {
    let found = index::found_format(dir);
    let mismatch = found
        .as_deref()
        .is_some_and(|f| f != FORMAT_VERSION.to_string());
    if mismatch {
        diag.say(&format!(
            "index at {} has format {}, this version writes format {FORMAT_VERSION}: rebuilding it from this input only (sessions indexed before are dropped; feed them again)",
            dir.display(),
            found.as_deref().unwrap_or("?"),
        ));
    }
    if found.is_some() && (rebuild || mismatch) {
        let fresh = rebuild::fresh_path(dir);
        return Ok((Store::create(&fresh)?, Some(fresh)));
    }
    if found.is_some() {
        Ok((Store::open(dir)?, None))
    } else {
        Ok((Store::create(dir)?, None))
    }
}

/// A session made into documents. The session itself is dropped here: its text is in the documents,
/// and batches of both waiting to be written would hold it twice.
struct Prepared {
    key: String,
    messages: u64,
    docs: Vec<tantivy::TantivyDocument>,
    bytes: usize,
}

pub fn run(args: Args) -> anyhow::Result<Status> {
    let started = Instant::now();
    let dir = resolve_dir(args.index)?;
    let mut diag = Diagnostics::new(NAME, args.filter.on_invalid);
    for done in rebuild::tidy(&dir)
        .with_context(|| format!("cleaning up after an earlier rebuild of {}", dir.display()))?
    {
        diag.say(&done);
    }
    let (store, fresh) = target(&dir, args.rebuild, &diag)?;
    let writer = store.writer(args.filter.threads(), &dir)?;
    let builder = &writer.builder;
    let progress = std::io::stderr().is_terminal();
    let (mut sessions, mut messages, mut bytes) = (0u64, 0u64, 0u64);
    let mut last_report = Instant::now();
    cli::for_each_line(
        &args.filter,
        &mut diag,
        |line| {
            let session: Session = cli::parse_line(line)?;
            let docs = builder.documents(&session);
            Ok(Prepared {
                key: index::session_key(&session.meta.source_agent, &session.meta.session_id),
                messages: session.messages.len() as u64,
                docs,
                bytes: line.bytes.len() + 1,
            })
        },
        |p| {
            writer.replace(&p.key, p.docs)?;
            sessions += 1;
            messages += p.messages;
            bytes += p.bytes as u64;
            if progress && last_report.elapsed().as_millis() >= 500 {
                last_report = Instant::now();
                eprint!(
                    "\r{NAME}: {sessions} sessions, {messages} messages, {:.1} MB",
                    bytes as f64 / 1e6
                );
            }
            Ok(())
        },
    )?;
    if progress {
        eprint!("\r\x1b[K");
    }
    writer.commit()?;
    if let Some(fresh) = fresh {
        rebuild::swap_in(&fresh, &dir)
            .with_context(|| format!("moving the rebuilt index into {}", dir.display()))?;
    }
    let secs = started.elapsed().as_secs_f64();
    diag.say(&format!(
        "indexed {sessions} sessions, {messages} messages, {bytes} bytes in {secs:.2} s ({:.1} MB/s) into {}",
        bytes as f64 / 1e6 / secs.max(1e-9),
        dir.display()
    ));
    Ok(diag.status())
}
