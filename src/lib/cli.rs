//! What every filter shares on the command line: input files, `--on-invalid`, `--threads`, and the way a run
//! ends (diagnostics as `cc-NAME: ...` on stderr, one exit code from [`crate::exit`]).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use serde::de::DeserializeOwned;

use crate::exit::Status;
use crate::io::{self, Line, LineReader};

/// What to do with an input line that is not a valid session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnInvalid {
    /// Skip the line, say why on stderr, and exit 2 at the end.
    Warn,
    /// Skip the line silently; the exit status stays 0.
    Skip,
    /// Stop at the line with exit 2; what came before it has been written.
    Fail,
}

/// Arguments every streaming filter takes.
#[derive(Debug, Clone, Args)]
pub struct FilterArgs {
    /// NDJSON files to read, one session per line; `-` or none reads standard input.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// What to do with a line that is not a valid session. No invalid line is ever passed through.
    #[arg(long, value_enum, value_name = "POLICY", default_value_t = OnInvalid::Warn)]
    pub on_invalid: OnInvalid,

    /// Worker threads (default: one per core). Output is the same whatever the number.
    #[arg(short = 'j', long, value_name = "N")]
    pub threads: Option<usize>,
}

impl FilterArgs {
    pub fn threads(&self) -> usize {
        self.threads.unwrap_or_else(io::default_threads).max(1)
    }

    pub fn reader(&self) -> LineReader {
        LineReader::new(&self.files)
    }
}

/// Counts what went wrong during a run and turns it into the exit status.
#[derive(Debug)]
pub struct Diagnostics {
    program: &'static str,
    policy: OnInvalid,
    pub invalid_lines: u64,
    pub errors: u64,
}

impl Diagnostics {
    pub fn new(program: &'static str, policy: OnInvalid) -> Diagnostics {
        Diagnostics {
            program,
            policy,
            invalid_lines: 0,
            errors: 0,
        }
    }

    /// An input line that is not valid: warned about, skipped or fatal, as `--on-invalid` says.
    pub fn invalid(&mut self, location: &str, why: &str) -> anyhow::Result<()> {
        self.invalid_lines += 1;
        match self.policy {
            OnInvalid::Warn => {
                self.say(&format!("{location}: {why}"));
                Ok(())
            }
            OnInvalid::Skip => Ok(()),
            OnInvalid::Fail => anyhow::bail!("{location}: {why}"),
        }
    }

    /// A problem that did not stop the run (an unreadable input file, say): reported, and the exit is 2.
    pub fn error(&mut self, message: &str) {
        self.errors += 1;
        self.say(message);
    }

    /// A note on stderr, prefixed with the program's name.
    pub fn say(&self, message: &str) {
        // Stdout may hold buffered lines; stderr is unbuffered, so one write per message keeps lines whole.
        let _ = writeln!(std::io::stderr().lock(), "{}: {message}", self.program);
    }

    /// The exit status so far: failure if anything was skipped (under `warn`) or went wrong.
    pub fn status(&self) -> Status {
        if self.errors > 0 || (self.invalid_lines > 0 && self.policy == OnInvalid::Warn) {
            Status::Failure
        } else {
            Status::Success
        }
    }
}

/// Reads every input line, maps valid ones with `map` in parallel, and hands the results to `sink` in input
/// order. A line `map` rejects (`Err(why)`) goes to `diag.invalid`, never to `sink`.
pub fn for_each_line<T, M, S>(
    args: &FilterArgs,
    diag: &mut Diagnostics,
    map: M,
    mut sink: S,
) -> anyhow::Result<()>
where
    T: Send,
    M: Fn(&Line) -> Result<T, String> + Sync,
    S: FnMut(T) -> anyhow::Result<()>,
{
    map_lines(args.reader(), args.threads(), diag, map, &mut sink)
}

/// [`for_each_line`] over any line reader.
pub fn map_lines<T, M, S>(
    reader: LineReader,
    threads: usize,
    diag: &mut Diagnostics,
    map: M,
    sink: &mut S,
) -> anyhow::Result<()>
where
    T: Send,
    M: Fn(&Line) -> Result<T, String> + Sync,
    S: FnMut(T) -> anyhow::Result<()>,
{
    io::map_ordered(
        reader,
        threads,
        |item| item.as_ref().map_or(0, |l| l.bytes.len()),
        |item| match item {
            Ok(line) => match map(&line) {
                Ok(t) => Outcome::Value(t),
                Err(why) => Outcome::Invalid(line.location(), why),
            },
            Err(e) => Outcome::Unreadable(e.to_string()),
        },
        |outcome| match outcome {
            Outcome::Value(t) => sink(t),
            Outcome::Invalid(location, why) => diag.invalid(&location, &why),
            Outcome::Unreadable(why) => {
                diag.error(&why);
                Ok(())
            }
        },
    )
}

enum Outcome<T> {
    Value(T),
    Invalid(String, String),
    Unreadable(String),
}

/// Parses one line as `T`, with a message that names the field at fault.
pub fn parse_line<T: DeserializeOwned>(line: &Line) -> Result<T, String> {
    serde_json::from_slice(&line.bytes).map_err(|e| describe_parse_error::<T>(&line.bytes, e))
}

/// Parses again with path tracking (only on the error path, where speed no longer matters) to name the field.
fn describe_parse_error<T: DeserializeOwned>(bytes: &[u8], first: serde_json::Error) -> String {
    let plain = strip_position(&first);
    if first.is_syntax() || first.is_eof() {
        return format!("not valid JSON: {plain} (column {})", first.column());
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Err(e) if e.path().to_string() != "." => {
            format!("{}: {}", e.path(), strip_position(e.inner()))
        }
        _ => plain,
    }
}

fn strip_position(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// Runs a command and turns its outcome into the process exit code: a closed stdout is success, any other
/// error is printed as `PROGRAM: error: cause` with exit 2.
pub fn run_main(program: &str, run: impl FnOnce() -> anyhow::Result<Status>) -> ExitCode {
    crate::keep_freed_memory();
    match run() {
        Ok(status) => status.into(),
        Err(e) if io::writer::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(std::io::stderr().lock(), "{program}: {e:#}");
            Status::Failure.into()
        }
    }
}
