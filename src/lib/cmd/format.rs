//! `cc-format FORMAT`: sessions in, training or reading formats out.

use std::io::Write;

use clap::{CommandFactory, Parser};

use crate::cli::{self, Diagnostics, FilterArgs};
use crate::exit::Status;
use crate::format::{self, Format, Options};
use crate::schema::Session;

pub const NAME: &str = "cc-format";

/// Write v1 sessions as JSONL, ChatML, Alpaca, ShareGPT, OpenAI or TRL messages, Markdown or plain text.
///
/// Reads one session per line and writes each in FORMAT, in input order. Every format's mapping is described
/// in the man page (cc-format(1)).
#[derive(Debug, Parser)]
#[command(name = NAME, version, after_long_help = AFTER_HELP)]
pub struct Args {
    /// The output format.
    #[arg(value_enum, value_name = "FORMAT")]
    pub format: Format,

    /// Leave the model's reasoning out.
    #[arg(long)]
    pub no_thinking: bool,

    /// Leave tool calls and their results out (messages left empty are dropped).
    #[arg(long)]
    pub no_tools: bool,

    #[command(flatten)]
    pub filter: FilterArgs,
}

const AFTER_HELP: &str = "\
FORMATS:
  jsonl     the universal schema, unchanged (a round trip keeps every field, unknown ones too)
  chatml    <|im_start|>ROLE ... <|im_end|>; <think> reasoning; <tool_call>{\"name\",\"arguments\"}</tool_call>;
            results in a user turn as <tool_response>...</tool_response> (Qwen chat template convention)
  alpaca    one row per assistant reply: {instruction, input, output, system, history: [[prompt, reply]...]}
  sharegpt  {conversations: [{from: human|gpt|function_call|observation, value}], system} (LLaMA-Factory);
            assistant text beside tool calls has no place in this format and is dropped
  openai    {messages: [...]} with tool_calls (arguments as a JSON string) and role \"tool\" results
  trl       like openai, arguments as a JSON object, tool results with \"name\", reasoning_content
  markdown  a readable transcript, tool calls in fenced blocks
  text      ROLE: text blocks, [tool NAME] ARGS / [result] lines

Every format with an example: docs/FORMATS.md

EXAMPLES:
  cc-extract --all | cc-normalize | cc-scrub | cc-format chatml > train.txt
  cc-format openai --no-thinking sessions.ndjson > finetune.jsonl

EXIT STATUS:
  0 success (also when stdout is closed early), 2 usage error or invalid input lines skipped";

pub fn command() -> clap::Command {
    Args::command()
}

pub fn main() -> std::process::ExitCode {
    cli::run_main(NAME, || run(Args::parse()))
}

pub fn run(args: Args) -> anyhow::Result<Status> {
    let opts = Options {
        thinking: !args.no_thinking,
        tools: !args.no_tools,
    };
    let mut diag = Diagnostics::new(NAME, args.filter.on_invalid);
    let mut out = crate::io::writer::stdout();
    write_all(
        args.filter.reader(),
        args.filter.threads(),
        &mut diag,
        args.format,
        opts,
        &mut out,
    )?;
    out.flush()?;
    Ok(diag.status())
}

/// Renders every session `reader` yields as `format` into `out`, in input order. Returns the records written.
pub fn write_all(
    reader: crate::io::LineReader,
    threads: usize,
    diag: &mut Diagnostics,
    format: Format,
    opts: Options,
    out: &mut dyn Write,
) -> anyhow::Result<u64> {
    let mut records = 0;
    cli::map_lines(
        reader,
        threads,
        diag,
        |line| {
            let session: Session = cli::parse_line(line)?;
            let mut buf = Vec::new();
            let n = format::render(&session, format, opts, &mut buf);
            Ok((n, buf))
        },
        &mut |(n, bytes): (usize, Vec<u8>)| {
            records += n as u64;
            Ok(out.write_all(&bytes)?)
        },
    )?;
    Ok(records)
}
