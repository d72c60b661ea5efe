//! Output formats for training and reading. Each module renders one [`Session`] into bytes; the mapping of
//! every format is documented in its module and in `man/cc-format.1`.

use clap::ValueEnum;
use serde_json::Value;

use crate::schema::{Message, Role, Session, ToolCall};

mod alpaca;
mod chatml;
mod markdown;
mod openai;
mod sharegpt;
mod text;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// The canonical universal schema, one session per line.
    Jsonl,
    /// ChatML text with `<think>`, `<tool_call>` and `<tool_response>` as in the Qwen chat template.
    Chatml,
    /// One JSON row per assistant reply: instruction, input, output, system, history.
    Alpaca,
    /// ShareGPT conversations with LLaMA-Factory roles: human, gpt, function_call, observation.
    Sharegpt,
    /// OpenAI fine-tuning messages: `tool_calls` with arguments as a JSON string, `tool` role results.
    Openai,
    /// TRL conversational messages: `tool_calls` with arguments as a JSON object.
    Trl,
    /// A readable Markdown transcript.
    Markdown,
    /// Plain text, one `ROLE: text` block per message.
    Text,
}

/// What to keep besides the plain conversation.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub thinking: bool,
    pub tools: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            thinking: true,
            tools: true,
        }
    }
}

/// Appends `session` rendered as `format` to `out`. Returns the number of records written (a session with
/// nothing to train on writes none).
pub fn render(session: &Session, format: Format, opts: Options, out: &mut Vec<u8>) -> usize {
    let view = View::new(session, opts);
    match format {
        Format::Jsonl => {
            if opts.thinking && opts.tools {
                crate::io::writer::push_json_line(out, session)
                    .expect("a Session always serializes");
            } else {
                crate::io::writer::push_json_line(out, &view.stripped_session())
                    .expect("a Session always serializes");
            }
            1
        }
        Format::Chatml => chatml::render(&view, out),
        Format::Alpaca => alpaca::render(&view, out),
        Format::Sharegpt => sharegpt::render(&view, out),
        Format::Openai => openai::render(&view, out, openai::Arguments::String),
        Format::Trl => openai::render(&view, out, openai::Arguments::Object),
        Format::Markdown => markdown::render(&view, out),
        Format::Text => text::render(&view, out),
    }
}

/// A session as the formats see it: the options applied, and messages with nothing left in them dropped.
pub(crate) struct View<'a> {
    pub session: &'a Session,
    pub messages: Vec<&'a Message>,
    pub opts: Options,
}

impl<'a> View<'a> {
    fn new(session: &'a Session, opts: Options) -> View<'a> {
        let messages = session
            .messages
            .iter()
            .filter(|m| {
                !m.content.trim().is_empty()
                    || (opts.tools && !m.annotations.tool_calls.is_empty())
                    || (opts.thinking && thinking(m).is_some())
            })
            .collect();
        View {
            session,
            messages,
            opts,
        }
    }

    pub fn thinking(&self, m: &'a Message) -> Option<&'a str> {
        if self.opts.thinking {
            thinking(m)
        } else {
            None
        }
    }

    pub fn tool_calls(&self, m: &'a Message) -> &'a [ToolCall] {
        if self.opts.tools {
            &m.annotations.tool_calls
        } else {
            &[]
        }
    }

    /// The session with what the options leave out removed, for `jsonl`.
    fn stripped_session(&self) -> Session {
        let mut s = self.session.clone();
        s.messages = self.messages.iter().map(|m| (*m).clone()).collect();
        for m in &mut s.messages {
            if !self.opts.thinking {
                m.annotations.thinking = None;
            }
            if !self.opts.tools {
                m.annotations.tool_calls.clear();
            }
        }
        s
    }

    /// The first system message's text, for formats that keep the system prompt apart.
    pub fn system_prompt(&self) -> Option<&'a str> {
        self.messages
            .iter()
            .find(|m| m.role == Role::System)
            .map(|m| m.content.as_str())
    }
}

fn thinking(m: &Message) -> Option<&str> {
    m.annotations
        .thinking
        .as_deref()
        .filter(|t| !t.trim().is_empty())
}

/// A tool call as the chat templates write it: `{"name": ..., "arguments": ...}`.
pub(crate) fn call_json(call: &ToolCall) -> Value {
    serde_json::json!({ "name": call.name, "arguments": call.args })
}

/// A tool call's id, made up from its position when the agent recorded none.
pub(crate) fn call_id(call: &ToolCall, message: &Message, n: usize) -> String {
    call.id
        .clone()
        .unwrap_or_else(|| format!("call_{}_{n}", message.index))
}
