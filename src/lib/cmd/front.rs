//! `codercrucible`: the one-command front over the pipeline.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{Args as ClapArgs, CommandFactory, Parser, Subcommand};
use clap_complete::Shell;

use anyhow::Context;

use crate::cli::{self, Diagnostics, OnInvalid};
use crate::config::{self, Config};
use crate::exit::Status;
use crate::format::{Format, Options};
use crate::front::{self, record, scrub_stage, scrub_stage::ScrubStage, select};

pub const NAME: &str = "codercrucible";

/// Turn AI coding-assistant conversations into one clean, anonymized, searchable dataset.
#[derive(Debug, Parser)]
#[command(name = NAME, version, propagate_version = true, after_long_help = AFTER_HELP)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show every coding agent found: where, how many sessions, size, dates, projects, and sessions an agent
    /// is about to delete.
    Discover {
        #[command(flatten)]
        sel: Selection,
        /// One JSON object per agent instead of the table.
        #[arg(long)]
        json: bool,
    },
    /// Copy every agent's raw logs into DIR, content-addressed and incremental, so no cleanup loses them.
    /// `cc-extract --home DIR/home` reads the archive like a home.
    Archive {
        /// The archive directory (default: $XDG_DATA_HOME/codercrucible/archive).
        #[arg(value_name = "DIR")]
        dir: Option<PathBuf>,
        #[command(flatten)]
        sel: Selection,
    },
    /// Show or change the settings in $XDG_CONFIG_HOME/codercrucible/config.toml (read by every binary).
    Config(ConfigArgs),
    /// Extract, normalize, scrub (every rule on) and format every chosen agent's sessions in one pass.
    Export(ExportArgs),
    /// Review an export before sharing: leak gate, redactions per kind with samples, agents and projects,
    /// and a self-contained HTML report. With --yes, records the confirmation push requires.
    Confirm(ConfirmArgs),
    /// Publish a confirmed, scrubbed export to a Hugging Face dataset repo (private by default): new sessions
    /// only, as new shards, with a regenerated dataset card. Never deletes anything in the repo.
    Push(PushArgs),
    /// Add an export (default: the last one) to the search index that `search` queries (cc-index).
    Index(IndexArgs),
    /// Search the index: the best sessions for QUERY (cc-grep's query language).
    Search(SearchArgs),
    /// Run every pipeline stage on the sample data in examples/ and show what each produced.
    Demo {
        /// The examples directory (holding the sample home in home/).
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

/// Which agents, in which home.
#[derive(Debug, Clone, ClapArgs)]
pub struct Selection {
    /// Only this agent (repeatable; default: the config's `sources`, else every agent).
    #[arg(long = "source", value_name = "AGENT")]
    pub sources: Vec<String>,
    /// Resolve every agent's default location against DIR instead of the real home.
    #[arg(long, value_name = "DIR")]
    pub home: Option<PathBuf>,
    /// Also search DIR for per-project logs (Aider histories, Crush databases); repeatable.
    #[arg(long, value_name = "DIR")]
    pub scan: Vec<PathBuf>,
    /// Worker threads (default: one per core).
    #[arg(short = 'j', long, value_name = "N")]
    pub threads: Option<usize>,
}

#[derive(Debug, ClapArgs)]
pub struct ConfigArgs {
    /// Print the settings (after any change) and the file's path.
    #[arg(long)]
    pub show: bool,
    /// Add logins to pseudonymize wherever they appear (comma-separated).
    #[arg(long, value_name = "NAMES", value_delimiter = ',')]
    pub redact_usernames: Vec<String>,
    /// Add other strings to redact: names, domains, code names (comma-separated).
    #[arg(long, value_name = "STRINGS", value_delimiter = ',')]
    pub redact: Vec<String>,
    /// Never export this project (a path, covering everything under it, or a project hash); repeatable.
    #[arg(long, value_name = "PATH")]
    pub exclude_project: Vec<String>,
    /// Export only these agents by default (repeatable; `all` resets to every agent).
    #[arg(long, value_name = "AGENT")]
    pub source: Vec<String>,
    /// The default Hugging Face dataset repo for push.
    #[arg(long, value_name = "OWNER/NAME")]
    pub repo: Option<String>,
    /// The license named in the dataset card.
    #[arg(long, value_name = "ID")]
    pub license: Option<String>,
    /// Remove a string from every list (redactions, exclusions, sources).
    #[arg(long, value_name = "STRING")]
    pub remove: Vec<String>,
}

#[derive(Debug, ClapArgs)]
pub struct ExportArgs {
    #[command(flatten)]
    pub sel: Selection,
    /// The file to write.
    #[arg(
        short,
        long,
        value_name = "FILE",
        default_value = "codercrucible-export.jsonl"
    )]
    pub output: PathBuf,
    /// Output format (only the universal jsonl can be confirmed and pushed).
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = Format::Jsonl)]
    pub format: Format,
    /// Only sessions new or changed since the last `--since-last` export.
    #[arg(long)]
    pub since_last: bool,
    /// Leave the model's reasoning out (formats other than jsonl).
    #[arg(long)]
    pub no_thinking: bool,
    /// Leave tool calls and results out (formats other than jsonl).
    #[arg(long)]
    pub no_tools: bool,
    /// Cap each tool result at this many bytes; 0 keeps all.
    #[arg(long, value_name = "BYTES", default_value_t = 256 * 1024)]
    pub max_tool_output: usize,
    /// Also pseudonymize these logins (added to the config's), comma-separated.
    #[arg(long, value_name = "NAMES", value_delimiter = ',')]
    pub redact_usernames: Vec<String>,
    /// Also redact these strings (added to the config's), comma-separated.
    #[arg(long, value_name = "STRINGS", value_delimiter = ',')]
    pub redact: Vec<String>,
    /// Pseudonym key (default: $XDG_CONFIG_HOME/codercrucible/scrub.key).
    #[arg(long, value_name = "FILE")]
    pub key_file: Option<PathBuf>,
    /// Audit log of every replacement (default: $XDG_STATE_HOME/codercrucible/audit/...).
    #[arg(long, value_name = "FILE")]
    pub audit: Option<PathBuf>,
    /// Then push the export to this dataset repo (it must have been confirmed as it is).
    #[arg(long, value_name = "OWNER/NAME")]
    pub push: Option<String>,
}

#[derive(Debug, ClapArgs)]
pub struct ConfirmArgs {
    /// The export to review (default: the last one).
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Record the confirmation without asking (when the review passes).
    #[arg(short, long)]
    pub yes: bool,
    /// Where to write the HTML report (default: FILE.report.html).
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Pseudonym key the export was scrubbed with.
    #[arg(long, value_name = "FILE")]
    pub key_file: Option<PathBuf>,
    /// Worker threads (default: one per core).
    #[arg(short = 'j', long, value_name = "N")]
    pub threads: Option<usize>,
}

#[derive(Debug, ClapArgs)]
pub struct IndexArgs {
    /// The sessions to index (default: the last export).
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Index directory (default: $XDG_DATA_HOME/codercrucible/index).
    #[arg(long, value_name = "DIR")]
    pub index: Option<PathBuf>,
    /// Start a fresh index from this file instead of adding to the existing one.
    #[arg(long)]
    pub rebuild: bool,
    /// Worker threads (default: one per core).
    #[arg(short = 'j', long, value_name = "N")]
    pub threads: Option<usize>,
}

#[derive(Debug, ClapArgs)]
pub struct SearchArgs {
    /// Words, "phrases", -excluded words and field:value filters (see cc-grep(1)).
    #[arg(value_name = "QUERY")]
    pub query: String,
    /// Most sessions to show.
    #[arg(short = 'n', long, value_name = "N", default_value_t = 10)]
    pub limit: usize,
    /// NDJSON hits even on a terminal.
    #[arg(long)]
    pub json: bool,
    /// Add the BM25F arithmetic of each hit's best chunk.
    #[arg(long)]
    pub explain: bool,
    /// Index directory (default: $XDG_DATA_HOME/codercrucible/index).
    #[arg(long, value_name = "DIR")]
    pub index: Option<PathBuf>,
}

#[derive(Debug, ClapArgs)]
pub struct PushArgs {
    /// The dataset repo, OWNER/NAME (default: the config's push.repo).
    #[arg(value_name = "OWNER/NAME")]
    pub repo: Option<String>,
    /// The export to publish (default: the last one).
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Create the repo public instead of private.
    #[arg(long)]
    pub public: bool,
    /// The Hugging Face CLI to run.
    #[arg(
        long,
        value_name = "PROGRAM",
        env = "CODERCRUCIBLE_HF",
        default_value = "hf"
    )]
    pub hf: PathBuf,
    /// Build the dataset folder and print where it is, without uploading.
    #[arg(long)]
    pub dry_run: bool,
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

const AFTER_HELP: &str = "\
QUICK START:
  codercrucible discover                          # which agents, how many sessions, what is at risk
  codercrucible config --redact-usernames alice --redact 'Acme Corp' --exclude-project ~/secret
  codercrucible export --output ./my_data.jsonl   # extract, normalize, scrub (every rule), format
  codercrucible confirm --yes                     # leak gate, review, HTML report; records the confirmation
  codercrucible push me/my-sessions               # new sessions only, private by default (needs `hf`)
  codercrucible archive                           # keep raw logs safe from the agents' cleanup
  codercrucible index && codercrucible search \"authentication bug\" --limit 10

FILES:
  $XDG_CONFIG_HOME/codercrucible/config.toml      settings (sources, exclude_projects, [scrub], [push])
  $XDG_CONFIG_HOME/codercrucible/scrub.key        pseudonym key
  $XDG_STATE_HOME/codercrucible/                  audit logs, last export, --since-last state, push manifests
  FILE.export.json, FILE.confirmed.json, FILE.report.html   beside each export

NETWORK:
  Only push touches the network, by running `hf upload` (huggingface_hub), which talks to HF_ENDPOINT
  (default https://huggingface.co) with HF_TOKEN or the CLI's stored login.

EXIT STATUS:
  0 success; 1 confirm did not confirm (leak found, or not approved); 2 error";

pub fn command() -> clap::Command {
    Args::command()
}

pub fn main() -> std::process::ExitCode {
    cli::run_main(NAME, || run(Args::parse()))
}

pub fn run(args: Args) -> anyhow::Result<Status> {
    match args.command {
        Command::Discover { sel, json } => discover(&sel, json),
        Command::Archive { dir, sel } => archive(dir, &sel),
        Command::Config(c) => config(&c),
        Command::Export(e) => export(&e),
        Command::Confirm(c) => confirm(&c),
        Command::Push(p) => push(&p),
        Command::Index(i) => index(i),
        Command::Search(q) => search(q),
        Command::Demo { examples, out } => front::demo::demo(&examples, &out),
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

fn threads(n: Option<usize>) -> usize {
    n.unwrap_or_else(crate::io::default_threads).max(1)
}

fn discover(sel: &Selection, json: bool) -> anyhow::Result<Status> {
    let config = Config::load()?;
    let agents = select::agents(&sel.sources, &config)?;
    let env = select::env(sel.home.as_ref(), &sel.scan)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads(sel.threads))
        .build()?;
    let found = pool.install(|| front::discover::discover(&agents, &env, front::now()));
    let mut out = crate::io::writer::stdout();
    if json {
        for f in &found {
            out.write_all(&crate::io::writer::json_line(f)?)?;
        }
    } else {
        front::discover::print_table(&found, &mut out)?;
    }
    out.flush()?;
    Ok(Status::Success)
}

fn archive(dir: Option<PathBuf>, sel: &Selection) -> anyhow::Result<Status> {
    let config = Config::load()?;
    let agents = select::agents(&sel.sources, &config)?;
    let env = select::env(sel.home.as_ref(), &sel.scan)?;
    let dir = match dir {
        Some(d) => d,
        None => default_archive_dir()?,
    };
    let o = front::archive::archive(&agents, &env, &dir)?;
    println!(
        "archived {} files into {}: {} new or changed ({}), {} unchanged",
        o.files,
        dir.display(),
        o.new_objects,
        front::human_bytes(o.bytes_added),
        o.unchanged
    );
    println!(
        "read it with: cc-extract --all --home {}",
        dir.join("home").display()
    );
    let diag = Diagnostics::new(NAME, OnInvalid::Warn);
    for p in &o.outside_home {
        diag.say(&format!(
            "{}: outside the home, not archived (its agent was pointed there by an environment variable)",
            p.display()
        ));
    }
    for e in &o.errors {
        diag.say(e);
    }
    Ok(if o.errors.is_empty() {
        Status::Success
    } else {
        Status::Failure
    })
}

fn default_archive_dir() -> anyhow::Result<PathBuf> {
    let base = std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .ok_or_else(|| anyhow::anyhow!("no data directory: name the archive directory"))?;
    Ok(base.join("codercrucible/archive"))
}

fn config(a: &ConfigArgs) -> anyhow::Result<Status> {
    let path = Config::path()
        .ok_or_else(|| anyhow::anyhow!("no config directory (set XDG_CONFIG_HOME or HOME)"))?;
    let mut c = Config::load_from(&path)?;
    let before = c.clone();
    config::add_unique(&mut c.scrub.redact_usernames, &a.redact_usernames);
    config::add_unique(&mut c.scrub.redact, &a.redact);
    config::add_unique(&mut c.exclude_projects, &a.exclude_project);
    if a.source.iter().any(|s| s == "all") {
        c.sources.clear();
    } else {
        for s in &a.source {
            let agent =
                crate::agents::find(s).ok_or_else(|| anyhow::anyhow!("unknown agent {s:?}"))?;
            config::add_unique(&mut c.sources, &[agent.name().to_string()]);
        }
    }
    if let Some(r) = &a.repo {
        front::push::check_repo_id(r)?;
        c.push.repo = Some(r.clone());
    }
    if let Some(l) = &a.license {
        c.push.license = l.clone();
    }
    for r in &a.remove {
        for list in [
            &mut c.scrub.redact_usernames,
            &mut c.scrub.redact,
            &mut c.exclude_projects,
            &mut c.sources,
        ] {
            list.retain(|x| x != r);
        }
    }
    if c != before {
        c.save_to(&path)?;
        eprintln!("{NAME}: saved {}", path.display());
    }
    if a.show || c == before {
        println!("# {}", path.display());
        print!("{}", toml::to_string(&c)?);
    }
    Ok(Status::Success)
}

fn export(a: &ExportArgs) -> anyhow::Result<Status> {
    let config = Config::load()?;
    let agents = select::agents(&a.sel.sources, &config)?;
    let env = select::env(a.sel.home.as_ref(), &a.sel.scan)?;
    let stage = ScrubStage::new(
        &config,
        &scrub_stage::Extra {
            redact_usernames: a.redact_usernames.clone(),
            redact: a.redact.clone(),
            key_file: a.key_file.clone(),
            no_local_identity: false,
        },
    )?;
    let audit = match &a.audit {
        Some(p) => p.clone(),
        None => scrub_stage::default_audit_path()?,
    };
    let job = front::export::Job {
        agents,
        env,
        config: &config,
        scrub: &stage,
        format: a.format,
        format_options: Options {
            thinking: !a.no_thinking,
            tools: !a.no_tools,
        },
        output: a.output.clone(),
        audit_log: Some(audit.clone()),
        since_last: a.since_last,
        threads: threads(a.sel.threads),
        max_tool_output: (a.max_tool_output > 0).then_some(a.max_tool_output),
        progress: std::io::stderr().is_terminal(),
    };
    let mut diag = front::export::diagnostics();
    let summary = job.run(&mut diag)?;
    front::export::print_summary(&summary, &a.output, Some(&audit));
    if let Some(repo) = &a.push {
        if diag.status() != Status::Success {
            anyhow::bail!("not pushing: the export reported problems (see above)");
        }
        return push(&PushArgs {
            repo: Some(repo.clone()),
            file: Some(a.output.clone()),
            public: false,
            hf: std::env::var_os("CODERCRUCIBLE_HF")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("hf")),
            dry_run: false,
        });
    }
    Ok(diag.status())
}

fn confirm(a: &ConfirmArgs) -> anyhow::Result<Status> {
    let config = Config::load()?;
    let file = record::export_file(a.file.as_deref())?;
    let stage = ScrubStage::new(
        &config,
        &scrub_stage::Extra {
            key_file: a.key_file.clone(),
            ..scrub_stage::Extra::default()
        },
    )?;
    let review = front::confirm::review(&file, &stage, threads(a.threads))?;
    let html = a.html.clone().unwrap_or_else(|| record::report_path(&file));
    std::fs::write(&html, front::report_html::render(&review))
        .with_context(|| format!("cannot write {}", html.display()))?;
    let mut out = crate::io::writer::stdout();
    front::confirm::print_review(&review, &html, &mut out)?;
    out.flush()?;
    let diag = Diagnostics::new(NAME, OnInvalid::Warn);
    if review.sessions == 0 {
        diag.say("not confirmed: the export holds no session");
        return Ok(Status::Negative);
    }
    if !review.passes() {
        diag.say("not confirmed: fix the findings above (add names to `codercrucible config --redact`, or exclude the project) and export again");
        return Ok(Status::Negative);
    }
    let yes = a.yes || ask_yes(&format!("Share these {} sessions? [y/N] ", review.sessions))?;
    if !yes {
        diag.say("not confirmed (run `codercrucible confirm --yes` to record it)");
        return Ok(Status::Negative);
    }
    let c = record::Confirmation {
        file: std::path::absolute(&file)?,
        sha256: review.sha256.clone(),
        sessions: review.sessions,
        scrub_rules: review.scrub_rules.clone(),
        report: std::path::absolute(&html)?,
        confirmed: front::now(),
    };
    record::write_json(&record::confirmation_path(&file), &c)?;
    diag.say(&format!(
        "confirmed {} sessions; publish with `codercrucible push OWNER/NAME`",
        review.sessions
    ));
    Ok(Status::Success)
}

/// cc-index, in-process, over an export.
fn index(a: IndexArgs) -> anyhow::Result<Status> {
    let file = record::export_file(a.file.as_deref())?;
    crate::cmd::index::run(crate::cmd::index::Args {
        index: a.index,
        rebuild: a.rebuild,
        filter: cli::FilterArgs {
            files: vec![file],
            on_invalid: OnInvalid::Warn,
            threads: a.threads,
        },
    })
}

/// cc-grep, in-process, in index mode.
fn search(a: SearchArgs) -> anyhow::Result<Status> {
    let dir = crate::cmd::index::resolve_dir(a.index)?;
    crate::cmd::grep::run(crate::cmd::grep::Args {
        query: Some(a.query),
        queries: None,
        limit: a.limit,
        json: a.json,
        explain: a.explain,
        index: Some(dir),
        stream: false,
        regex: false,
        filter: cli::FilterArgs {
            files: Vec::new(),
            on_invalid: OnInvalid::Warn,
            threads: None,
        },
    })
}

/// Asks on the terminal; anything but y/yes (or no terminal) is no.
fn ask_yes(question: &str) -> anyhow::Result<bool> {
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        return Ok(false);
    }
    eprint!("{question}");
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}

fn push(a: &PushArgs) -> anyhow::Result<Status> {
    let config = Config::load()?;
    let repo = a.repo.clone().or(config.push.repo.clone()).ok_or_else(|| {
        anyhow::anyhow!(
            "name the dataset repo (OWNER/NAME), or set it with `codercrucible config --repo`"
        )
    })?;
    let file = record::export_file(a.file.as_deref())?;
    let job = front::push::Job {
        repo: repo.clone(),
        file,
        private: !a.public && config.push.private,
        license: config.push.license.clone(),
        hf: a.hf.clone(),
        dry_run: a.dry_run,
    };
    let o = front::push::push(&job)?;
    if o.new_sessions == 0 {
        println!(
            "nothing new to push to {repo}: all {} sessions were pushed before",
            o.already
        );
        return Ok(Status::Success);
    }
    for s in &o.shards {
        println!(
            "{}  {} sessions  {}",
            s.path,
            s.sessions,
            front::human_bytes(s.bytes)
        );
        if let Some(p) = &s.parquet {
            println!("{p}  the same sessions as Parquet");
        }
    }
    match &o.folder {
        Some(f) => println!(
            "dry run: {} new sessions ready in {} (not uploaded)",
            o.new_sessions,
            f.display()
        ),
        None => println!(
            "pushed {} new sessions to {repo} ({} in total, {} skipped as pushed before)",
            o.new_sessions, o.total_sessions, o.already
        ),
    }
    Ok(Status::Success)
}
