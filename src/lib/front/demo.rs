//! `codercrucible demo`: every pipeline stage on the sample home in examples/, in-process, each stage's output
//! kept so people can look at it.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use clap::ValueEnum;

use crate::cli::{self, Diagnostics, OnInvalid};
use crate::config::Config;
use crate::exit::Status;
use crate::format::{Format, Options};
use crate::io::LineReader;
use crate::normalize::import::From;
use crate::normalize::Settings;

use super::scrub_stage::{self, ScrubStage};

const NAME: &str = crate::cmd::front::NAME;

/// The sample home in examples/: extract → normalize → scrub → every format, in-process, each stage's
/// output kept in `out`.
pub fn demo(examples: &Path, out: &Path) -> anyhow::Result<Status> {
    let home = examples.join("home");
    anyhow::ensure!(
        home.is_dir(),
        "{}: not found (run from the repository root, or pass --examples DIR)",
        home.display()
    );
    std::fs::create_dir_all(out)?;
    let mut diag = Diagnostics::new(NAME, OnInvalid::Warn);
    let threads = crate::io::default_threads();

    // extract: every agent, the sample home and nothing else, whatever the environment points at.
    let env = crate::agents::Env::isolated(std::path::absolute(&home)?);
    let extracted = out.join("sessions.extracted.ndjson");
    let mut w = BufWriter::new(File::create(&extracted)?);
    let mut n = 0;
    for agent in crate::agents::all() {
        for source in agent.sources(&env) {
            let mut sink = DemoSink::default();
            if let Err(e) = agent.extract(&source, &env, &mut sink) {
                diag.error(&format!("{}: {e}", source.path.display()));
            }
            for p in sink.problems {
                diag.error(&p.to_string());
            }
            for s in sink.sessions {
                w.write_all(&crate::io::writer::json_line(&s)?)?;
                n += 1;
            }
        }
    }
    w.flush()?;
    println!(
        "extract    {n:>3} sessions from {}   -> {}",
        home.display(),
        extracted.display()
    );

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
        LineReader::new(std::slice::from_ref(&extracted)),
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

    // scrub: every rule on; the demo's own key, and no detection of the local user, so the output is the
    // same on every machine.
    let stage = ScrubStage::new(
        &Config::default(),
        &scrub_stage::Extra {
            key_file: Some(out.join("demo-scrub.key")),
            no_local_identity: true,
            ..scrub_stage::Extra::default()
        },
    )?;
    let scrubbed = out.join("sessions.ndjson");
    let audit_path = out.join("scrub-audit.ndjson");
    let _ = std::fs::remove_file(&audit_path);
    let mut audit = scrub_stage::open_audit(&audit_path)?;
    let mut w = BufWriter::new(File::create(&scrubbed)?);
    let mut redactions = 0u64;
    cli::map_lines(
        LineReader::new(std::slice::from_ref(&normalized)),
        threads,
        &mut diag,
        |line| {
            let mut s: crate::schema::Session = cli::parse_line(line)?;
            let done = stage.scrub(
                &mut s,
                &stage.location(&line.source),
                line.number,
                Vec::new(),
            );
            let bytes = crate::io::writer::json_line(&s).map_err(|e| e.to_string())?;
            Ok((bytes, done))
        },
        &mut |(bytes, done): (Vec<u8>, scrub_stage::Scrubbed)| {
            w.write_all(&bytes)?;
            audit.write_all(&done.audit)?;
            redactions += done.counts.iter().map(|(_, n)| n).sum::<u64>();
            Ok(())
        },
    )?;
    w.flush()?;
    audit.flush()?;
    println!(
        "scrub      {redactions:>3} redactions          -> {} (audit: {})",
        scrubbed.display(),
        audit_path.display()
    );
    let normalized = scrubbed;

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

#[derive(Default)]
struct DemoSink {
    sessions: Vec<crate::schema::Session>,
    problems: Vec<crate::agents::Problem>,
}

impl crate::agents::Sink for DemoSink {
    fn session(&mut self, s: crate::schema::Session) {
        self.sessions.push(s);
    }
    fn problem(&mut self, p: crate::agents::Problem) {
        self.problems.push(p);
    }
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
