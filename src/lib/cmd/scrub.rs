//! `cc-scrub`: removes secrets, personal data, model names and invisible characters from every string of
//! every session, writes an audit record per replacement, and stamps each session. `--check` is the leak
//! gate; `--explain` shows what would change and why.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{CommandFactory, Parser};

use crate::cli::{self, Diagnostics, FilterArgs};
use crate::exit::Status;
use crate::io::writer;
use crate::schema::Session;
use crate::scrub::finding::Kind;
use crate::scrub::key::PseudonymKey;
use crate::scrub::options::{ExampleEmails, LocalIdentity, ScrubOptions};
use crate::scrub::{audit, Mode, Scrubber};

pub const PROGRAM: &str = "cc-scrub";

/// Anonymize sessions so they can be published: secrets, home paths and logins, e-mails, IPs, hosts,
/// names, model names and invisible characters are replaced in every field. Lines that are not sessions are
/// never passed through.
#[derive(Debug, Parser)]
#[command(name = PROGRAM, version)]
pub struct Args {
    #[command(flatten)]
    pub filter: FilterArgs,

    /// Leak gate: change nothing, list what would be replaced and the counts per kind; exit 1 if anything.
    #[arg(long, conflicts_with = "explain")]
    pub check: bool,

    /// Show, for every replacement, the field, the rule and a masked excerpt (sessions are not written).
    #[arg(long)]
    pub explain: bool,

    /// Audit log (NDJSON, appended). Default: $XDG_STATE_HOME/codercrucible/audit/scrub-TIME-PID.ndjson.
    #[arg(long, value_name = "FILE")]
    pub audit: Option<PathBuf>,

    /// Write no audit log.
    #[arg(long, conflicts_with = "audit")]
    pub no_audit: bool,

    /// Pseudonym key (created with mode 0600 if missing). Default: $XDG_CONFIG_HOME/codercrucible/scrub.key.
    #[arg(long, value_name = "FILE")]
    pub key_file: Option<PathBuf>,

    /// Logins to pseudonymize wherever they appear, comma-separated.
    #[arg(long, value_name = "NAMES", value_delimiter = ',')]
    pub redact_usernames: Vec<String>,

    /// Other strings (names, domains, code names) to replace with `<redacted>`, comma-separated.
    #[arg(long, value_name = "STRINGS", value_delimiter = ',')]
    pub redact: Vec<String>,

    /// Do not add the current login, git user.name/user.email and hostname to the names redacted.
    #[arg(long)]
    pub no_local_identity: bool,

    /// Addresses at example.com and other documentation domains.
    #[arg(long, value_enum, value_name = "POLICY", default_value_t = ExampleEmails::Generic)]
    pub example_emails: ExampleEmails,
}

impl Args {
    /// The options this command line asks for (a config file will fill the same struct).
    pub fn options(&self) -> ScrubOptions {
        ScrubOptions {
            redact_usernames: self.redact_usernames.clone(),
            redact: self.redact.clone(),
            detect_local_identity: !self.no_local_identity,
            example_emails: self.example_emails,
            key_file: self.key_file.clone(),
        }
    }
}

pub fn command() -> clap::Command {
    Args::command()
}

pub fn main() -> ExitCode {
    cli::run_main(PROGRAM, || run(Args::parse()))
}

/// What one input line turned into.
struct Done {
    output: Vec<u8>,
    audit: Vec<u8>,
    counts: Vec<(Kind, u64)>,
}

pub fn run(args: Args) -> anyhow::Result<Status> {
    let mut opts = args.options();
    // The config's names (codercrucible config --redact-usernames/--redact) are redacted too.
    let config = crate::config::Config::load()?;
    crate::config::add_unique(&mut opts.redact_usernames, &config.scrub.redact_usernames);
    crate::config::add_unique(&mut opts.redact, &config.scrub.redact);
    let key_path = match &opts.key_file {
        Some(p) => p.clone(),
        None => PseudonymKey::default_path()?,
    };
    let key = PseudonymKey::load_or_create(&key_path)?;
    let identity = opts.detect_local_identity.then(LocalIdentity::detect);
    let scrubber = Scrubber::new(&opts, key, identity.as_ref()).context("compiling the rules")?;
    let mode = if args.check || args.explain {
        Mode::Check
    } else {
        Mode::Scrub
    };

    let mut audit_out = if mode == Mode::Scrub && !args.no_audit {
        let path = match &args.audit {
            Some(p) => p.clone(),
            None => audit::default_path().context("no state directory for the audit log (set XDG_STATE_HOME or HOME, or pass --audit)")?,
        };
        Some(
            audit::open(&path)
                .with_context(|| format!("cannot open audit log {}", path.display()))?,
        )
    } else {
        None
    };

    let mut diag = Diagnostics::new(PROGRAM, args.filter.on_invalid);
    let mut out = writer::stdout();
    let mut totals = std::collections::BTreeMap::<Kind, u64>::new();
    let explain = args.explain;
    let check = args.check;
    let buffers = crate::io::Buffers::default();
    cli::for_each_line(
        &args.filter,
        &mut diag,
        |line| {
            // A parse error may quote the offending value: scrub the message before it reaches stderr.
            let mut session: Session = cli::parse_line(line)
                .map_err(|why| scrubber.scrub_text(&why, None).text.unwrap_or(why))?;
            let pseudonym = scrubber
                .key()
                .session_pseudonym(&session.meta.source_agent, &session.meta.session_id);
            let mut output = buffers.take();
            let mut audit_buf = buffers.take();
            let location = line.location();
            let report = match mode {
                Mode::Scrub => {
                    let source = scrubber.scrub_location(&line.source);
                    let head = audit::RecordHead::new(&pseudonym, &source, line.number);
                    let report =
                        scrubber.scrub_session_audited(&mut session, &head, &mut audit_buf);
                    writer::push_json_line(&mut output, &session)
                        .map_err(|e| format!("cannot serialize: {e}"))?;
                    report
                }
                Mode::Check => {
                    let report = scrubber.scrub_session(&mut session, mode, explain);
                    for l in &report.located {
                        let _ = write!(
                            output,
                            "{location}\t{}\t{}\t{}",
                            l.pointer,
                            l.finding.kind.as_str(),
                            l.finding.rule
                        );
                        if explain {
                            let _ = write!(output, "\t{}", l.excerpt.as_deref().unwrap_or(""));
                        }
                        output.push(b'\n');
                    }
                    report
                }
            };
            Ok(Done {
                output,
                audit: audit_buf,
                counts: report.counts.into_iter().collect(),
            })
        },
        |done: Done| {
            out.write_all(&done.output)?;
            if let Some(a) = &mut audit_out {
                audit::write(a, &done.audit).context("writing the audit log")?;
            }
            buffers.give(done.output);
            buffers.give(done.audit);
            for (k, n) in done.counts {
                *totals.entry(k).or_default() += n;
            }
            Ok(())
        },
    )?;
    if check || explain {
        let total: u64 = totals.values().sum();
        for (k, n) in &totals {
            writeln!(out, "# {}\t{n}", k.as_str())?;
        }
        writeln!(out, "# total\t{total}")?;
        out.flush()?;
        let status = diag.status();
        if check && total > 0 {
            return Ok(status.max(Status::Negative));
        }
        return Ok(status);
    }
    out.flush()?;
    if let Some(a) = &mut audit_out {
        a.flush().context("writing the audit log")?;
    }
    Ok(diag.status())
}
