//! `cc-grep QUERY`: search the index, or filter a stream of sessions.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{CommandFactory, Parser};
use serde_json::json;

use crate::cli::{self, Diagnostics, FilterArgs};
use crate::code::CodeFacts;
use crate::exit::Status;
use crate::index::{rebuild, Store};
use crate::schema::Session;
use crate::search::query::{self, Query};
use crate::search::rank::{self, Hit};
use crate::search::stream;

pub const NAME: &str = "cc-grep";

/// Search past sessions: ranked hits from the index, or matching sessions from a stream.
///
/// With an index (the default when nothing is piped in), prints the best sessions for
/// QUERY, ranked by BM25F over message chunks, one per line as NDJSON
/// {session_id, source_agent, title, score, confidence, message_index, snippet, matched_terms}, or as a
/// highlighted list on a terminal. With sessions piped in or FILEs given, passes the matching sessions
/// through unchanged, so it composes with the other filters.
#[derive(Debug, Parser)]
#[command(name = NAME, version, after_long_help = AFTER_HELP)]
pub struct Args {
    /// Words, "phrases", -excluded words and field:value filters (see QUERY LANGUAGE below).
    #[arg(value_name = "QUERY", required_unless_present = "queries")]
    pub query: Option<String>,

    /// Run every line of FILE as a query against the index (hits carry a "query" field); prints
    /// latency percentiles on stderr. For evaluation and benchmarks.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["stream", "regex"])]
    pub queries: Option<PathBuf>,

    /// Most sessions to show (index mode).
    #[arg(short = 'n', long, value_name = "N", default_value_t = 10)]
    pub limit: usize,

    /// NDJSON hits even on a terminal.
    #[arg(long)]
    pub json: bool,

    /// Add the per-term, per-field BM25F arithmetic of each hit's best chunk.
    #[arg(long)]
    pub explain: bool,

    /// Index directory [default: $XDG_DATA_HOME/codercrucible/index]; forces index mode.
    #[arg(long, value_name = "DIR")]
    pub index: Option<PathBuf>,

    /// Filter sessions read from FILEs or standard input instead of searching the index.
    #[arg(long, conflicts_with = "index")]
    pub stream: bool,

    /// QUERY is a regular expression matched against the sessions' text (stream mode).
    #[arg(long)]
    pub regex: bool,

    #[command(flatten)]
    pub filter: FilterArgs,
}

const AFTER_HELP: &str = "\
QUERY LANGUAGE:
  oauth refresh        sessions about these words, ranked (index mode); all of them (stream mode)
  \"token expired\"      the words next to each other, in this order
  -legacy -\"old api\"   drop sessions mentioning these
  agent:codex          source agent          role:user|assistant|system  who wrote the message
  file:auth.rs         a file path touched   lang:rust   code in that language
  def:parse_config     symbol defined in code   call:fetch_user   symbol called
  tool:bash            a tool used           project:billing   project path or hash
  since:2024-06-01 until:7d   message time (dates, RFC 3339, Unix seconds, or 12h/7d/3w/2m/1y ago)
  Any filter can be negated: -agent:cursor. Filters and phrases hold in the matching message.
  Identifiers match across styles: parseConfig, parse_config and ParseConfig are one word.

SCORES:
  score is BM25F for the best chunk with a bonus for more matching chunks and for covering the whole
  query; confidence = the best chunk's score / the query's maximum attainable score, in [0,1] and
  comparable across queries. Queries with only filters list newest sessions first, confidence 1.

EXAMPLES:
  cc-grep 'oauth refresh' --limit 5
  cc-grep 'def:parse_config lang:python' --json | jq .session_id
  cc-extract --all | cc-grep 'agent:claude-code \"rate limit\"' | cc-format markdown
  cc-grep --regex 'ECONN(RESET|REFUSED)' sessions.ndjson

EXIT STATUS:
  0 something matched, 1 nothing matched, 2 error (or invalid input lines skipped in stream mode)";

pub fn command() -> clap::Command {
    Args::command()
}

pub fn main() -> std::process::ExitCode {
    cli::run_main(NAME, || run(Args::parse()))
}

/// Sessions are coming in on standard input: a pipe or a redirected file (not a terminal or /dev/null)
/// with something in it. A pipe that closes at once (a script's or test harness's empty stdin) means the
/// index. The bytes looked at stay in stdin's buffer for the reader.
fn stdin_has_sessions() -> bool {
    use std::io::BufRead;
    use std::os::unix::fs::FileTypeExt;
    if std::io::stdin().is_terminal() {
        return false;
    }
    let piped = std::fs::metadata("/dev/stdin")
        .is_ok_and(|m| m.file_type().is_fifo() || m.file_type().is_socket() || m.is_file());
    piped
        && std::io::stdin()
            .lock()
            .fill_buf()
            .is_ok_and(|b| !b.is_empty())
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

pub fn run(args: Args) -> anyhow::Result<Status> {
    if let Some(file) = args.queries.clone() {
        return run_batch(args, &file);
    }
    let text = args.query.clone().unwrap_or_default();
    let stream_mode = args.stream
        || !args.filter.files.is_empty()
        || (args.index.is_none() && stdin_has_sessions());
    if stream_mode {
        return run_stream(args, &text);
    }
    if args.regex {
        anyhow::bail!("--regex filters a stream: pipe sessions in or name files (cc-extract --all | cc-grep --regex PATTERN)");
    }
    let q = query::parse(&text, now())?;
    let dir = crate::cmd::index::resolve_dir(args.index.clone())?;
    let store = open_store(&dir)?;
    let reader = store.reader()?;
    let searcher = reader.searcher();
    let hits =
        rank::Searchable::new(&searcher, &store.fields)?.search(&q, args.limit, args.explain)?;
    let mut out = crate::io::writer::stdout();
    let pretty = !args.json && std::io::stdout().is_terminal();
    let color = pretty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    for (i, h) in hits.iter().enumerate() {
        if pretty {
            write_pretty(&mut out, i + 1, h, color)?;
        } else {
            out.write_all(&crate::io::writer::json_line(&hit_json(h))?)?;
        }
    }
    out.flush()?;
    Ok(if hits.is_empty() {
        Status::Negative
    } else {
        Status::Success
    })
}

/// Opens the index; when it is missing because a rebuild was killed between its two renames, finishes
/// that rebuild first.
fn open_store(dir: &std::path::Path) -> anyhow::Result<Store> {
    if !dir.exists() {
        rebuild::tidy(dir)?;
    }
    Ok(Store::open(dir)?)
}

fn round(x: f32) -> f64 {
    (x as f64 * 10_000.0).round() / 10_000.0
}

fn hit_json(h: &Hit) -> serde_json::Value {
    let mut v = json!({
        "session_id": h.session_id,
        "source_agent": h.source_agent,
        "title": h.title,
        "score": round(h.score),
        "confidence": round(h.confidence),
        "message_index": h.message_index,
        "snippet": h.snippet.text,
        "matched_terms": h.matched_terms,
    });
    if let Some(e) = &h.explain {
        v["explain"] = serde_json::to_value(e).unwrap_or_default();
    }
    v
}

fn write_pretty(out: &mut impl Write, rank: usize, h: &Hit, color: bool) -> std::io::Result<()> {
    let (bold, dim, hl, reset) = if color {
        ("\x1b[1m", "\x1b[2m", "\x1b[1;31m", "\x1b[0m")
    } else {
        ("", "", "", "")
    };
    let title = h.title.as_deref().unwrap_or("(untitled)");
    let at = h
        .message_index
        .map_or("title".to_string(), |m| format!("message {m}"));
    writeln!(out, "{rank:>2}. {bold}{title}{reset}  {dim}[{}] {} · {at} · confidence {:.2} · score {:.2}{reset}", h.source_agent, h.session_id, h.confidence, h.score)?;
    let mut line = String::new();
    let mut at_byte = 0;
    for &(s, e) in &h.snippet.marks {
        line.push_str(&h.snippet.text[at_byte..s]);
        line.push_str(hl);
        line.push_str(&h.snippet.text[s..e]);
        line.push_str(reset);
        at_byte = e;
    }
    line.push_str(&h.snippet.text[at_byte..]);
    writeln!(out, "    {line}")?;
    if let Some(ex) = &h.explain {
        for t in ex {
            writeln!(
                out,
                "    {dim}{}: idf {:.3} · tf~ {:.3} · score {:.3}{reset}",
                t.term, t.idf, t.tf_tilde, t.score
            )?;
            for f in &t.fields {
                writeln!(
                    out,
                    "    {dim}    {:<9} tf {} len {} w {} → {:.3}{reset}",
                    f.field, f.tf, f.len, f.weight, f.contribution
                )?;
            }
        }
    }
    Ok(())
}

enum Matcher {
    Query(Query, CodeFacts),
    Regex(regex::Regex),
}

fn run_stream(args: Args, text: &str) -> anyhow::Result<Status> {
    let matcher = if args.regex {
        Matcher::Regex(regex::Regex::new(text)?)
    } else {
        Matcher::Query(query::parse(text, now())?, CodeFacts::default())
    };
    let mut diag = Diagnostics::new(NAME, args.filter.on_invalid);
    let mut out = crate::io::writer::stdout();
    let mut matched = 0u64;
    cli::for_each_line(
        &args.filter,
        &mut diag,
        |line| {
            let s: Session = cli::parse_line(line)?;
            let hit = match &matcher {
                Matcher::Query(q, facts) => stream::matches(&s, q, facts),
                Matcher::Regex(re) => stream::regex_matches(&s, re),
            };
            Ok(hit.then(|| line.bytes.clone()))
        },
        |bytes| {
            if let Some(mut b) = bytes {
                matched += 1;
                b.push(b'\n');
                out.write_all(&b)?;
            }
            Ok(())
        },
    )?;
    out.flush()?;
    let status = diag.status();
    Ok(if status == Status::Success && matched == 0 {
        Status::Negative
    } else {
        status
    })
}

fn run_batch(args: Args, file: &std::path::Path) -> anyhow::Result<Status> {
    use anyhow::Context;
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let dir = crate::cmd::index::resolve_dir(args.index.clone())?;
    let store = open_store(&dir)?;
    let reader = store.reader()?;
    let searcher = reader.searcher();
    let mut out = crate::io::writer::stdout();
    let mut micros = Vec::new();
    let mut any = false;
    let mut searchable = rank::Searchable::new(&searcher, &store.fields)?;
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let started = std::time::Instant::now();
        let q =
            query::parse(line, now()).with_context(|| format!("{}:{}", file.display(), n + 1))?;
        let hits = searchable.search(&q, args.limit, args.explain)?;
        micros.push(started.elapsed().as_micros() as u64);
        for h in &hits {
            let mut v = hit_json(h);
            v["query"] = line.into();
            out.write_all(&crate::io::writer::json_line(&v)?)?;
        }
        any |= !hits.is_empty();
    }
    out.flush()?;
    micros.sort_unstable();
    let pct = |p: f64| {
        micros
            .get(((micros.len() as f64 * p).ceil() as usize).saturating_sub(1))
            .copied()
            .unwrap_or(0) as f64
            / 1000.0
    };
    eprintln!(
        "{NAME}: {} queries: p50 {:.3} ms, p95 {:.3} ms, max {:.3} ms",
        micros.len(),
        pct(0.5),
        pct(0.95),
        pct(1.0)
    );
    Ok(if any {
        Status::Success
    } else {
        Status::Negative
    })
}
