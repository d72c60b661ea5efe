//! `codercrucible`: the one-command front over the pipeline.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use clap_complete::Shell;

use crate::cli::{self, Diagnostics, OnInvalid};
use crate::exit::Status;
use crate::format::{Format, Options};
use crate::io::LineReader;
use crate::normalize::import::From;
use crate::normalize::Settings;

pub const NAME: &str = "codercrucible";

/// Turn AI coding-assistant conversations into one clean, anonymized, searchable dataset.
#[derive(Debug, Parser)]
#[command(name = NAME, version, propagate_version = true)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run every pipeline stage on the sample data in examples/ and show what each produced.
    Demo {
        /// The examples directory (holding sessions.ndjson).
        #[arg(long, value_name = "DIR", default_value = "examples")]
        examples: PathBuf,
        /// Where to write each stage's output.
        #[arg(long, value_name = "DIR", default_value = "target/demo")]
        out: PathBuf,
    },
    /// Write man pages or shell completions generated from the command definitions.
    Generate {
        #[command(subcommand)]
        what: Generate,
    },
}

#[derive(Debug, Subcommand)]
pub enum Generate {
    /// Man pages for every binary.
    Man {
        #[arg(long, value_name = "DIR", default_value = "man")]
        dir: PathBuf,
    },
    /// Completion scripts for every binary.
    Completions {
        #[arg(value_enum)]
        shell: Shell,
        #[arg(long, value_name = "DIR", default_value = "completions")]
        dir: PathBuf,
    },
}

pub fn command() -> clap::Command {
    Args::command()
}

pub fn main() -> std::process::ExitCode {
    cli::run_main(NAME, || run(Args::parse()))
}

pub fn run(args: Args) -> anyhow::Result<Status> {
    match args.command {
        Command::Demo { examples, out } => demo(&examples, &out),
        Command::Generate { what } => {
            let written = match what {
                Generate::Man { dir } => crate::docs::write_man_pages(&dir)?,
                Generate::Completions { shell, dir } => {
                    crate::docs::write_completions(shell, &dir)?
                }
            };
            for w in written {
                println!("{w}");
            }
            Ok(Status::Success)
        }
    }
}

/// normalize → every format, on examples/sessions.ndjson, in-process.
fn demo(examples: &Path, out: &Path) -> anyhow::Result<Status> {
    let input = examples.join("sessions.ndjson");
    anyhow::ensure!(
        input.is_file(),
        "{}: not found (run from the repository root, or pass --examples DIR)",
        input.display()
    );
    std::fs::create_dir_all(out)?;
    let mut diag = Diagnostics::new(NAME, OnInvalid::Warn);
    let threads = crate::io::default_threads();

    let normalized = out.join("sessions.normalized.ndjson");
    let job = crate::cmd::normalize::Job {
        from: From::V1,
        settings: Settings {
            max_tool_output: Some(256 * 1024),
        },
        dedupe: true,
    };
    let mut w = BufWriter::new(File::create(&normalized)?);
    let counts = job.run(
        LineReader::new(std::slice::from_ref(&input)),
        threads,
        &mut diag,
        &mut w,
    )?;
    w.flush()?;
    println!(
        "normalize  {:>3} sessions in, {:>3} out   -> {}",
        counts.sessions_in,
        counts.sessions_out,
        normalized.display()
    );

    for format in Format::value_variants() {
        let name = format.to_possible_value().expect("no skipped variants");
        let path = out.join(format!("sessions.{}", extension(*format)));
        let mut w = BufWriter::new(File::create(&path)?);
        let n = crate::cmd::format::write_all(
            LineReader::new(std::slice::from_ref(&normalized)),
            threads,
            &mut diag,
            *format,
            Options::default(),
            &mut w,
        )?;
        w.flush()?;
        println!(
            "format     {:<8} {:>4} records  -> {}",
            name.get_name(),
            n,
            path.display()
        );
    }
    Ok(diag.status())
}

fn extension(f: Format) -> &'static str {
    match f {
        Format::Jsonl => "jsonl",
        Format::Chatml => "chatml.txt",
        Format::Alpaca => "alpaca.jsonl",
        Format::Sharegpt => "sharegpt.jsonl",
        Format::Openai => "openai.jsonl",
        Format::Trl => "trl.jsonl",
        Format::Markdown => "md",
        Format::Text => "txt",
    }
}
