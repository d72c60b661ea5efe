//! Claude Code: `~/.claude/projects/<escaped-cwd>/<sessionId>.jsonl`, plus subagent transcripts in
//! `<sessionId>/subagents/agent-<id>.jsonl` (current) or `agent-<id>.jsonl` next to the sessions (legacy).
//!
//! Records are deserialized into borrowed structs (strings borrow from the file buffer) because Claude Code
//! homes are the biggest input by far. See `formats/cli-agents.md` §1 for the record types.

use std::borrow::Cow;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;

use super::assemble::{self, Calls, FastMap as HashMap, FastSet as HashSet};
use super::jsonl::{self, Bad};
use super::lenient::{Bool, Num, Obj, Str};
use super::{walk, Agent, Env, Problem, Sink, Source};
use crate::schema::{kind, Message, Meta, Role, Session, ToolCall, Usage};
use crate::time;

pub struct ClaudeCode;

impl Agent for ClaudeCode {
    fn name(&self) -> &'static str {
        "claude-code"
    }
    fn aliases(&self) -> &'static [&'static str] {
        &["claude", "claude_code", "cc"]
    }

    fn roots(&self, env: &Env) -> Vec<PathBuf> {
        if let Some(dirs) = env.var("CLAUDE_CONFIG_DIR") {
            // ccusage's convention: a comma-separated list of config roots.
            return dirs
                .split(',')
                .map(str::trim)
                .filter(|d| !d.is_empty())
                .map(|d| PathBuf::from(d).join("projects"))
                .collect();
        }
        let xdg = env
            .var("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| env.home_join(".config"));
        vec![
            env.home_join(".claude/projects"),
            xdg.join("claude/projects"),
        ]
    }

    fn sources(&self, env: &Env) -> Vec<Source> {
        let mut seen = HashSet::default();
        let mut out = Vec::new();
        for root in self.roots(env) {
            // The same directory reached twice (a symlinked ~/.config/claude) is read once.
            if !seen.insert(std::fs::canonicalize(&root).unwrap_or(root.clone())) {
                continue;
            }
            for project in walk::subdirs(&root) {
                let is_jsonl = |p: &Path| p.extension().is_some_and(|e| e == "jsonl");
                out.extend(
                    walk::files(&project, 0, &is_jsonl)
                        .into_iter()
                        .map(Source::at),
                );
                for sub in walk::subdirs(&project) {
                    let agents = walk::files(&sub.join("subagents"), 3, &|p: &Path| {
                        is_jsonl(p) && walk::name(p).starts_with("agent-")
                    });
                    out.extend(agents.into_iter().map(Source::at));
                }
            }
        }
        out
    }

    fn extract(&self, source: &Source, _env: &Env, sink: &mut dyn Sink) -> io::Result<()> {
        jsonl::with_bytes(&source.path, |bytes| parse_jsonl(bytes, &source.path, sink))
    }
}

/// The sessions in the bytes of one session file. `path` names it in problems and says which session it is
/// (its stem, `agent-<id>` for a subagent); files next to it (the sessions it resumed, a subagent's
/// `.meta.json`) are looked up if they exist.
pub fn parse_jsonl(bytes: &[u8], path: &Path, sink: &mut dyn Sink) {
    for session in parse_file(path, &jsonl::text(bytes), sink) {
        sink.session(session);
    }
}

// ---- records -------------------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
struct Rec<'a> {
    #[serde(rename = "type", borrow)]
    ty: Str<'a>,
    #[serde(borrow)]
    subtype: Str<'a>,
    #[serde(borrow)]
    uuid: Str<'a>,
    #[serde(rename = "parentUuid", borrow)]
    parent: Str<'a>,
    #[serde(rename = "logicalParentUuid", borrow)]
    logical_parent: Str<'a>,
    #[serde(rename = "sessionId", borrow)]
    session_id: Str<'a>,
    #[serde(borrow)]
    timestamp: Str<'a>,
    #[serde(borrow)]
    cwd: Str<'a>,
    #[serde(rename = "gitBranch", borrow)]
    git_branch: Str<'a>,
    #[serde(borrow)]
    version: Str<'a>,
    #[serde(rename = "agentId", borrow)]
    agent_id: Str<'a>,
    #[serde(rename = "isSidechain")]
    is_sidechain: Bool,
    #[serde(rename = "isMeta")]
    is_meta: Bool,
    #[serde(rename = "isCompactSummary")]
    is_compact_summary: Bool,
    #[serde(borrow)]
    summary: Str<'a>,
    #[serde(rename = "leafUuid", borrow)]
    leaf_uuid: Str<'a>,
    #[serde(rename = "aiTitle", borrow)]
    ai_title: Str<'a>,
    #[serde(rename = "customTitle", borrow)]
    custom_title: Str<'a>,
    #[serde(borrow)]
    message: Obj<Msg<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Msg<'a> {
    #[serde(borrow)]
    id: Str<'a>,
    #[serde(borrow)]
    model: Str<'a>,
    #[serde(borrow)]
    content: Content<'a>,
    usage: Obj<RawUsage>,
}

#[derive(Deserialize, Default, Clone, Copy)]
#[serde(default)]
struct RawUsage {
    input_tokens: Num,
    output_tokens: Num,
    cache_read_input_tokens: Num,
    cache_creation_input_tokens: Num,
}

/// `content`: a string, or a list of blocks.
#[derive(Default)]
enum Content<'a> {
    #[default]
    None,
    Text(Cow<'a, str>),
    Blocks(Vec<Block<'a>>),
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Block<'a> {
    #[serde(rename = "type", borrow)]
    ty: Str<'a>,
    #[serde(borrow)]
    text: Str<'a>,
    #[serde(borrow)]
    thinking: Str<'a>,
    #[serde(borrow)]
    id: Str<'a>,
    #[serde(borrow)]
    name: Str<'a>,
    input: Option<Value>,
    #[serde(borrow)]
    tool_use_id: Str<'a>,
    #[serde(borrow)]
    content: Content<'a>,
    is_error: Bool,
    #[serde(borrow)]
    source: Obj<MediaSource<'a>>,
    #[serde(borrow)]
    title: Str<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct MediaSource<'a> {
    #[serde(rename = "type", borrow)]
    ty: Str<'a>,
    #[serde(borrow)]
    media_type: Str<'a>,
    #[serde(borrow)]
    data: Str<'a>,
    #[serde(borrow)]
    url: Str<'a>,
}

struct ContentVisitor;
impl<'de> Visitor<'de> for ContentVisitor {
    type Value = Content<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string or a list of blocks")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Content::Text(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Content::Text(Cow::Owned(v.to_string())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Content::Text(Cow::Owned(v)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
        // Most lists hold one to three blocks; growing a Vec of these large structs from empty costs copies.
        let mut blocks = Vec::with_capacity(4);
        while let Some(item) = a.next_element::<AnyBlock<'de>>()? {
            blocks.extend(item.0);
        }
        Ok(Content::Blocks(blocks))
    }
    fn visit_map<A: MapAccess<'de>>(self, a: A) -> Result<Self::Value, A::Error> {
        // A single block where a list was expected.
        let b = Block::deserialize(de::value::MapAccessDeserializer::new(a))?;
        Ok(Content::Blocks(vec![b]))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Content::None)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Content::None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Content::None)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Content::None)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Content::None)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Content::None)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Content<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ContentVisitor)
    }
}

/// A list element: a block object, or a bare string taken as a text block.
struct AnyBlock<'a>(Option<Block<'a>>);
impl<'de: 'a, 'a> Deserialize<'de> for AnyBlock<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(AnyBlock(match Content::deserialize(d)? {
            Content::Blocks(mut b) if b.len() == 1 => b.pop(),
            Content::Text(t) => Some(Block {
                ty: Str(Some(Cow::Borrowed("text"))),
                text: Str(Some(t)),
                ..Block::default()
            }),
            _ => None,
        }))
    }
}

// ---- assembling ----------------------------------------------------------------------------------------

/// What the file is, from its name.
enum FileKind {
    /// `<sessionId>.jsonl`.
    Main { stem: String },
    /// `agent-<id>.jsonl`, in either layout.
    Subagent { agent_id: String },
}

fn file_kind(path: &Path) -> FileKind {
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("")
        .to_string();
    match stem.strip_prefix("agent-") {
        Some(id) => FileKind::Subagent {
            agent_id: id.to_string(),
        },
        None => FileKind::Main { stem },
    }
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

const CONVERSATION: [&str; 2] = ["user", "assistant"];

/// Text a harness writes in a user record for slash commands and `!` shell escapes.
const COMMAND_PREFIXES: &[&str] = &[
    "<command-name>",
    "<command-message>",
    "<command-args>",
    "<local-command-stdout>",
    "<local-command-stderr>",
    "<bash-input>",
    "<bash-stdout>",
    "<bash-stderr>",
];

fn parse_file(path: &Path, buf: &str, sink: &mut dyn Sink) -> Vec<Session> {
    let mut recs: Vec<Rec> =
        Vec::with_capacity(memchr::memchr_iter(b'\n', buf.as_bytes()).count() + 1);
    for line in jsonl::lines(buf) {
        match jsonl::parse::<Rec>(&line) {
            Ok(r) => recs.push(r),
            Err(Bad::Partial) => {}
            Err(Bad::Invalid(e)) => sink.problem(Problem::new(
                path,
                Some(line.number),
                format!("skipped unreadable record: {e}"),
            )),
        }
    }
    let kind = file_kind(path);
    let is_sub = matches!(kind, FileKind::Subagent { .. });

    // Which session the file is: its name, unless no record says so (renamed or exported files).
    let own_sid: Option<String> = match &kind {
        FileKind::Main { stem } => {
            // A UUID-named file is that session even before any record of its own (a resume that has only
            // copied its predecessor so far).
            let named = is_uuid(stem)
                || recs
                    .iter()
                    .any(|r| r.session_id.get() == Some(stem.as_str()));
            if named {
                Some(stem.clone())
            } else {
                recs.iter()
                    .find_map(|r| r.session_id.non_empty())
                    .map(str::to_string)
                    .or_else(|| Some(stem.clone()).filter(|s| !s.is_empty()))
            }
        }
        FileKind::Subagent { .. } => None,
    };

    // Records copied from an earlier session on resume: their session's own file holds them already.
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut parent_session: Option<String> = None;
    let mut copied: HashSet<usize> = HashSet::default();
    if let Some(own) = &own_sid {
        let mut exists: HashMap<&str, bool> = HashMap::default();
        for (i, r) in recs.iter().enumerate() {
            let Some(sid) = r.session_id.non_empty() else {
                continue;
            };
            if sid == own {
                continue;
            }
            if parent_session.is_none() {
                parent_session = Some(sid.to_string());
            }
            let there = *exists
                .entry(sid)
                .or_insert_with(|| dir.join(format!("{sid}.jsonl")).is_file());
            if there {
                copied.insert(i);
            }
        }
    }

    // First occurrence of every uuid: resumed and replayed records repeat them. The keys borrow from the file
    // buffer (uuids have no escapes), so the records stay free to be consumed below.
    let mut by_uuid: HashMap<&str, usize> = HashMap::default();
    by_uuid.reserve(recs.len());
    for (i, r) in recs.iter().enumerate() {
        if let Some(u) = r.uuid.borrowed() {
            by_uuid.entry(u).or_insert(i);
        }
    }
    let branches = active_branch(&recs, &by_uuid, is_sub);

    let (mut meta, title_hint) = match &kind {
        FileKind::Main { .. } => (
            Meta::new("claude-code", own_sid.clone().unwrap_or_default()),
            None,
        ),
        FileKind::Subagent { agent_id } => {
            let parent = recs
                .iter()
                .find_map(|r| r.session_id.non_empty())
                .map(str::to_string)
                .or_else(|| {
                    // Current layout: <sessionId>/subagents/agent-<id>.jsonl
                    path.ancestors()
                        .find(|a| walk::name(a) == "subagents")
                        .and_then(|s| s.parent())
                        .map(|p| walk::name(p).to_string())
                });
            let id = match &parent {
                Some(p) => format!("{p}:agent-{agent_id}"),
                None => format!("agent-{agent_id}"),
            };
            let mut meta = Meta::new("claude-code", id);
            meta.parent_session_id = parent;
            meta.extra
                .insert("agent_id".into(), Value::from(agent_id.as_str()));
            let hint = read_subagent_meta(path, &mut meta.extra);
            (meta, hint)
        }
    };
    if meta.parent_session_id.is_none() {
        meta.parent_session_id = parent_session;
    }

    let (mut custom_title, mut ai_title, mut summary_title) = (None, None, None);
    for r in &recs {
        match r.ty.get().unwrap_or("") {
            "custom-title" => custom_title = r.custom_title.non_empty().map(str::to_string),
            "ai-title" => ai_title = r.ai_title.non_empty().map(str::to_string),
            "summary" if r.leaf_uuid.get().is_some_and(|l| by_uuid.contains_key(l)) => {
                summary_title = r.summary.non_empty().map(str::to_string);
            }
            _ => {}
        }
    }
    meta.title = custom_title.or(ai_title).or(summary_title).or(title_hint);

    let wanted = |i: usize, r: &Rec| {
        !copied.contains(&i)
            && (is_sub || !r.is_sidechain.is_true())
            // a replayed copy repeats an earlier uuid
            && match r.uuid.borrowed() {
                Some(u) => by_uuid.get(u) == Some(&i),
                None => true,
            }
    };
    let mut out = Vec::new();
    // Long abandoned branches (a rewind after real work) become sessions of their own, linked to this one.
    for (root, members) in &branches.abandoned {
        let mut m = Meta::new(
            "claude-code",
            format!("{}:branch-{}", meta.session_id, root),
        );
        m.parent_session_id = Some(meta.session_id.clone());
        m.title = meta.title.clone();
        if let Some(s) = conversation(&mut recs, m, &|i, r| members.contains(&i) && wanted(i, r)) {
            out.push(s);
        }
    }
    let main = conversation(&mut recs, meta, &|i, r| branches.keep[i] && wanted(i, r));
    out.splice(0..0, main);
    out
}

/// The session made of the selected conversation records, in file order. Their text and tool inputs are
/// moved out (each record belongs to one session), not copied.
fn conversation(
    recs: &mut [Rec],
    mut meta: Meta,
    select: &dyn Fn(usize, &Rec) -> bool,
) -> Option<Session> {
    let mut messages: Vec<Message> = Vec::new();
    let mut calls = Calls::default();
    let mut usage_by_msg: HashMap<String, RawUsage> = HashMap::default();
    let mut last_assistant: Option<(usize, String)> = None;
    for (i, r) in recs.iter_mut().enumerate() {
        let ty = r.ty.get().unwrap_or("");
        if !CONVERSATION.contains(&ty) || !select(i, r) {
            continue;
        }
        fill_meta(&mut meta, r);
        let is_assistant = ty == "assistant";
        let flags = (r.is_compact_summary.is_true(), r.is_meta.is_true());
        let Some(msg) = r.message.0.as_mut() else {
            continue;
        };
        let ts = r.timestamp.get().and_then(time::parse_str);
        if is_assistant {
            let id = msg.id.non_empty();
            let idx = match (&last_assistant, id) {
                (Some((idx, last)), Some(id)) if last == id => *idx,
                _ => {
                    let mut m = Message::new(0, Role::Assistant, "");
                    m.timestamp = ts;
                    match msg.model.non_empty() {
                        Some("<synthetic>") => m.kind = Some(kind::NOTICE.into()),
                        Some(model) => m.model = Some(model.to_string()),
                        None => {}
                    }
                    messages.push(m);
                    let idx = messages.len() - 1;
                    last_assistant = Some((idx, id.unwrap_or("").to_string()));
                    idx
                }
            };
            if let (Some(id), Some(u)) = (id, msg.usage.0) {
                usage_by_msg.insert(id.to_string(), u);
            }
            add_assistant_content(&mut messages, idx, &mut msg.content, &mut calls);
        } else {
            add_user_record(&mut messages, flags, msg, ts, &mut calls);
        }
    }
    if messages.is_empty() {
        return None;
    }
    let mut usage = Usage::default();
    for u in usage_by_msg.values() {
        assemble::add_usage(
            &mut usage,
            &Usage {
                input_tokens: u.input_tokens.0,
                output_tokens: u.output_tokens.0,
                cache_read_tokens: u.cache_read_input_tokens.0,
                cache_write_tokens: u.cache_creation_input_tokens.0,
                ..Usage::default()
            },
        );
    }
    meta.usage = Some(usage);
    let mut session = Session::new(meta);
    session.messages = messages;
    assemble::finish(&mut session);
    Some(session)
}

/// `agent-<id>.meta.json` next to a subagent transcript: its description (the title) and the Task call.
fn read_subagent_meta(path: &Path, extra: &mut crate::schema::Extra) -> Option<String> {
    let meta_path = path.with_extension("meta.json");
    let v: Value = serde_json::from_slice(&std::fs::read(meta_path).ok()?).ok()?;
    if let Some(t) = assemble::str_of(&v, "agentType") {
        extra.insert("agent_type".into(), Value::from(t));
    }
    if let Some(t) = assemble::str_of(&v, "toolUseId") {
        extra.insert("parent_tool_use_id".into(), Value::from(t));
    }
    assemble::str_of(&v, "description").map(str::to_string)
}

fn fill_meta(meta: &mut Meta, r: &Rec) {
    if meta.project_path.is_none() {
        meta.project_path = r.cwd.non_empty().map(str::to_string);
    }
    if meta.git_branch.is_none() {
        meta.git_branch = r
            .git_branch
            .non_empty()
            .filter(|b| *b != "HEAD")
            .map(str::to_string);
    }
    if let Some(v) = r.version.non_empty() {
        if meta.agent_version.as_deref() != Some(v) {
            meta.agent_version = Some(v.to_string());
        }
    }
}

/// Which records lie on the conversation's active branch (the path from the last message back to the root
/// through `parentUuid`, crossing compactions by `logicalParentUuid`). Rewinds and retries leave abandoned
/// siblings in the file; they are dropped. When the chain is broken (resumed or trimmed files), every record is
/// kept, in file order.
fn active_branch(recs: &[Rec], by_uuid: &HashMap<&str, usize>, is_sub: bool) -> Branches {
    let all = Branches {
        keep: vec![true; recs.len()],
        abandoned: Vec::new(),
    };
    let conversational = |r: &Rec| {
        CONVERSATION.contains(&r.ty.get().unwrap_or("")) && (is_sub || !r.is_sidechain.is_true())
    };
    let Some(leaf) = recs.iter().rposition(conversational) else {
        return all;
    };
    if recs[leaf].uuid.non_empty().is_none() {
        return all;
    }
    let mut on = vec![false; recs.len()];
    let mut cur = leaf;
    for _ in 0..=recs.len() {
        on[cur] = true;
        let r = &recs[cur];
        let next = r
            .parent
            .non_empty()
            .or_else(|| r.logical_parent.non_empty());
        match next {
            None => return drop_abandoned(recs, by_uuid, on),
            Some(p) => match by_uuid.get(p) {
                Some(&i) if !on[i] => cur = i,
                _ => return all, // dangling or cyclic: trust file order
            },
        }
    }
    all
}

/// The records of the conversation, and the branches it abandoned.
struct Branches {
    keep: Vec<bool>,
    /// Long abandoned branches: the uuid prefix of the branch's first record, and the branch's records.
    abandoned: Vec<(String, HashSet<usize>)>,
}

/// An abandoned branch with this many prompts is kept as a session of its own; shorter ones are retries.
const BRANCH_MIN_PROMPTS: usize = 4;

/// Drops only what hangs off the active branch without being on it (a rewound or retried branch). Records
/// not linked to the branch at all (files without `parentUuid`s, roots of older generations) are kept.
fn drop_abandoned(recs: &[Rec], by_uuid: &HashMap<&str, usize>, on: Vec<bool>) -> Branches {
    // 0 = unattached, 1 = on the branch, 2 = abandoned; parents come before children in the file.
    let mut state = vec![0u8; recs.len()];
    // For abandoned records: the first record of their branch.
    let mut root = vec![usize::MAX; recs.len()];
    for (i, r) in recs.iter().enumerate() {
        state[i] = if on[i] {
            1
        } else {
            let parent = r
                .parent
                .non_empty()
                .or_else(|| r.logical_parent.non_empty());
            match parent.and_then(|p| by_uuid.get(p)) {
                Some(&j) if j < i && state[j] != 0 => {
                    root[i] = if state[j] == 1 { i } else { root[j] };
                    2
                }
                _ => 0,
            }
        };
    }
    let keep: Vec<bool> = state.iter().map(|s| *s != 2).collect();
    let keep = rescue_parallel_tool_records(recs, &on, keep);
    let mut groups: Vec<(usize, HashSet<usize>, usize)> = Vec::new();
    for i in (0..recs.len()).filter(|&i| !keep[i]) {
        let g = match groups.iter().position(|g| g.0 == root[i]) {
            Some(g) => g,
            None => {
                groups.push((root[i], HashSet::default(), 0));
                groups.len() - 1
            }
        };
        groups[g].1.insert(i);
        if is_prompt(&recs[i]) {
            groups[g].2 += 1;
        }
    }
    let abandoned = groups
        .into_iter()
        .filter(|g| g.2 >= BRANCH_MIN_PROMPTS && g.0 != usize::MAX)
        .map(|(r, members, _)| {
            let id: String = recs[r].uuid.get().unwrap_or("").chars().take(8).collect();
            (id, members)
        })
        .collect();
    Branches { keep, abandoned }
}

/// A user record a human typed (not tool results, not harness text).
fn is_prompt(r: &Rec) -> bool {
    if r.ty.get() != Some("user") || r.is_meta.is_true() || r.is_compact_summary.is_true() {
        return false;
    }
    match r.message.0.as_ref().map(|m| &m.content) {
        Some(Content::Text(_)) => true,
        Some(Content::Blocks(bs)) => bs.iter().any(|b| b.ty.get() == Some("text")),
        _ => false,
    }
}

/// Parallel tool calls are sometimes chained as siblings (each result hanging off its own call record):
/// keep off-branch records that belong to a message or a call on the branch.
fn rescue_parallel_tool_records(recs: &[Rec], on: &[bool], mut keep: Vec<bool>) -> Vec<bool> {
    let mut msg_ids: HashSet<&str> = HashSet::default();
    let mut call_ids: HashSet<&str> = HashSet::default();
    for (r, _) in recs.iter().zip(on).filter(|(_, on)| **on) {
        let Some(m) = r.message.0.as_ref() else {
            continue;
        };
        if let Some(id) = m.id.non_empty() {
            msg_ids.insert(id);
        }
        if let Content::Blocks(bs) = &m.content {
            call_ids.extend(bs.iter().filter_map(|b| b.id.non_empty()));
        }
    }
    for (i, r) in recs.iter().enumerate() {
        if keep[i] {
            continue;
        }
        let Some(m) = r.message.0.as_ref() else {
            keep[i] = !CONVERSATION.contains(&r.ty.get().unwrap_or(""));
            continue;
        };
        let same_msg = m.id.non_empty().is_some_and(|id| msg_ids.contains(id));
        let results_of_branch = match &m.content {
            Content::Blocks(bs) => {
                !bs.is_empty()
                    && bs.iter().all(|b| {
                        b.ty.get() == Some("tool_result")
                            && b.tool_use_id
                                .non_empty()
                                .is_some_and(|t| call_ids.contains(t))
                    })
            }
            _ => false,
        };
        keep[i] = same_msg || results_of_branch;
    }
    keep
}

/// Appends `text` to `buf` as a paragraph, moving it when `buf` is still empty.
fn push_para_owned(buf: &mut String, text: String) {
    if buf.is_empty() {
        *buf = text;
    } else {
        assemble::push_para(buf, &text);
    }
}

fn add_assistant_content(
    messages: &mut [Message],
    idx: usize,
    content: &mut Content,
    calls: &mut Calls,
) {
    match content {
        Content::None => {}
        Content::Text(t) => {
            push_para_owned(&mut messages[idx].content, std::mem::take(t).into_owned())
        }
        Content::Blocks(blocks) => {
            for b in blocks {
                match b.ty.get().unwrap_or("") {
                    "text" => push_para_owned(&mut messages[idx].content, b.text.take()),
                    "thinking" => assemble::push_opt_para(
                        &mut messages[idx].annotations.thinking,
                        b.thinking.get().unwrap_or(""),
                    ),
                    "tool_use" | "server_tool_use" => {
                        let id = b.id.non_empty();
                        if id.is_some_and(|id| calls.get(messages, id).is_some()) {
                            continue; // the same block written twice
                        }
                        let mut call = ToolCall::new(
                            b.name.get().unwrap_or("unknown"),
                            b.input.take().unwrap_or(Value::Null),
                        );
                        call.id = id.map(str::to_string);
                        calls.add(messages, idx, call);
                    }
                    "image" | "document" => {
                        let a = media(b);
                        assemble::attach(&mut messages[idx], a);
                    }
                    _ => {} // redacted_thinking and future block types
                }
            }
        }
    }
}

fn media(b: &Block) -> crate::schema::Attachment {
    let kind = b.ty.get().unwrap_or("file");
    let src = b.source.0.as_ref();
    let mt = src.and_then(|s| s.media_type.non_empty());
    let mut a = match src.and_then(|s| s.data.non_empty()) {
        Some(data) => assemble::base64_attachment(kind, mt, data),
        None => crate::schema::Attachment {
            kind: kind.to_string(),
            media_type: mt.map(str::to_string),
            name: None,
            bytes: None,
            sha256: None,
            extra: Default::default(),
        },
    };
    a.name = b
        .title
        .non_empty()
        .or_else(|| src.and_then(|s| s.url.non_empty()))
        .map(str::to_string);
    if let Some(t) = src
        .and_then(|s| s.ty.non_empty())
        .filter(|t| *t != "base64")
    {
        a.extra.insert("source".into(), Value::from(t));
    }
    a
}

/// A `user` record: tool results (folded into their calls), a compaction summary, harness text, a command
/// echo, an interruption, or a human prompt.
fn add_user_record(
    messages: &mut Vec<Message>,
    (is_compact_summary, is_meta): (bool, bool),
    msg: &mut Msg,
    ts: Option<i64>,
    calls: &mut Calls,
) {
    let mut m = Message::new(0, Role::User, "");
    m.timestamp = ts;
    match &mut msg.content {
        Content::None => return,
        Content::Text(t) => m.content = std::mem::take(t).into_owned(),
        Content::Blocks(blocks) => {
            for b in blocks {
                match b.ty.get().unwrap_or("") {
                    "tool_result" => fold_result(messages, b, calls),
                    "text" => push_para_owned(&mut m.content, b.text.take()),
                    "image" | "document" => assemble::attach(&mut m, media(b)),
                    _ => {}
                }
            }
            if m.content.is_empty() && m.attachments.is_empty() {
                return; // only tool results
            }
        }
    }
    let text = m.content.trim_start();
    if is_compact_summary {
        m.role = Role::System;
        m.kind = Some(kind::COMPACTION_SUMMARY.into());
    } else if is_meta {
        m.role = Role::System;
        m.kind = Some(kind::INJECTED_CONTEXT.into());
    } else if text.starts_with("[Request interrupted by user") {
        m.kind = Some(kind::INTERRUPT.into());
    } else if COMMAND_PREFIXES.iter().any(|p| text.starts_with(p)) {
        m.kind = Some(kind::COMMAND.into());
    }
    messages.push(m);
}

fn fold_result(messages: &mut [Message], b: &mut Block, calls: &mut Calls) {
    let id = b.tool_use_id.get().unwrap_or("");
    let mut text = String::new();
    let mut atts = Vec::new();
    match &mut b.content {
        Content::None => {}
        Content::Text(t) => text = std::mem::take(t).into_owned(),
        Content::Blocks(parts) => {
            for p in parts {
                match p.ty.get().unwrap_or("") {
                    "image" | "document" => {
                        let a = media(p);
                        if !text.is_empty() {
                            text.push('\n');
                        }
                        text.push_str(&a.placeholder());
                        atts.push(a);
                    }
                    _ => {
                        if let Some(t) = p.text.get() {
                            if !text.is_empty() {
                                text.push('\n');
                            }
                            text.push_str(t);
                        }
                    }
                }
            }
        }
    }
    let is_error = b.is_error.0.filter(|e| *e);
    if !calls.fold(messages, id, None, text, is_error) {
        return;
    }
    // Images a tool returned (Read on a screenshot) travel with the message that made the call.
    if !atts.is_empty() {
        if let Some(m) = messages.iter_mut().rev().find(|m| {
            m.annotations
                .tool_calls
                .iter()
                .any(|c| c.id.as_deref() == Some(id))
        }) {
            m.attachments.extend(atts);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::agents::Collect;

    fn run(name: &str, text: &str) -> Collect {
        let mut c = Collect(Vec::new(), Vec::new());
        let sessions = parse_file(Path::new(name), text, &mut c);
        c.0.extend(sessions);
        c
    }

    #[test]
    fn a_rewound_branch_is_dropped() {
        let text = r#"{"type":"user","uuid":"u1","parentUuid":null,"sessionId":"s","message":{"role":"user","content":"first"}}
{"type":"assistant","uuid":"a1","parentUuid":"u1","sessionId":"s","message":{"id":"m1","model":"x","content":[{"type":"text","text":"one"}]}}
{"type":"user","uuid":"u2","parentUuid":"a1","sessionId":"s","message":{"role":"user","content":"abandoned"}}
{"type":"assistant","uuid":"a2","parentUuid":"u2","sessionId":"s","message":{"id":"m2","model":"x","content":[{"type":"text","text":"old"}]}}
{"type":"user","uuid":"u3","parentUuid":"a1","sessionId":"s","message":{"role":"user","content":"edited"}}
{"type":"assistant","uuid":"a3","parentUuid":"u3","sessionId":"s","message":{"id":"m3","model":"x","content":[{"type":"text","text":"new"}]}}
"#;
        let c = run("/p/s.jsonl", text);
        let texts: Vec<_> = c.0[0].messages.iter().map(|m| m.content.as_str()).collect();
        assert_eq!(texts, ["first", "one", "edited", "new"]);
    }

    #[test]
    fn parallel_results_chained_as_siblings_are_kept_and_a_partial_line_is_quiet() {
        let text = r#"{"type":"user","uuid":"u1","parentUuid":null,"sessionId":"s","message":{"role":"user","content":"go"}}
{"type":"assistant","uuid":"a1","parentUuid":"u1","sessionId":"s","message":{"id":"m1","content":[{"type":"tool_use","id":"t1","name":"Read","input":{"file_path":"/a"}}]}}
{"type":"assistant","uuid":"a2","parentUuid":"a1","sessionId":"s","message":{"id":"m1","content":[{"type":"tool_use","id":"t2","name":"Read","input":{"file_path":"/b"}}]}}
{"type":"user","uuid":"r1","parentUuid":"a1","sessionId":"s","message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"A"}]}}
{"type":"user","uuid":"r2","parentUuid":"a2","sessionId":"s","message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"t2","content":[{"type":"text","text":"B"},{"type":"image","source":{"type":"base64","media_type":"image/png","data":"aGVsbG8="}}]}]}}
{"type":"assistant","uuid":"a3","parentUuid":"r2","sessionId":"s","message":{"id":"m2","content":[{"type":"text","text":"done"}]}}
{"type":"assistant","uuid":"a4","parentUuid":"a3","sessionId":"s","message":{"id":"m3","content":[{"type":"te"#;
        let c = run("/p/s.jsonl", text);
        assert!(c.1.is_empty());
        let s = &c.0[0];
        assert_eq!(s.messages.len(), 3);
        let calls = &s.messages[1].annotations.tool_calls;
        assert_eq!(calls.len(), 2);
        assert_eq!(calls[0].result.as_deref(), Some("A"));
        assert_eq!(
            calls[1].result.as_deref(),
            Some("B\n[image: image/png, 5 bytes]")
        );
        assert_eq!(s.messages[1].attachments.len(), 1);
        assert_eq!(s.messages[1].annotations.file_refs, ["/a", "/b"]);
    }

    #[test]
    fn a_resumed_file_drops_what_it_copied_from_the_earlier_session_file() {
        let dir = tempfile::tempdir().unwrap();
        let old = "11111111-1111-4111-8111-111111111111";
        let new = "22222222-2222-4222-8222-222222222222";
        let copy = format!(
            r#"{{"type":"user","uuid":"u1","parentUuid":null,"sessionId":"{old}","message":{{"content":"old prompt"}}}}"#
        );
        std::fs::write(dir.path().join(format!("{old}.jsonl")), format!("{copy}\n")).unwrap();
        let own = format!(
            r#"{{"type":"user","uuid":"u2","parentUuid":"u1","sessionId":"{new}","message":{{"content":"new prompt"}}}}"#
        );
        let text = format!("{copy}\n{own}\n");
        let path = dir.path().join(format!("{new}.jsonl"));
        let c = run(path.to_str().unwrap(), &text);
        let s = &c.0[0];
        assert_eq!(s.meta.session_id, new);
        assert_eq!(s.meta.parent_session_id.as_deref(), Some(old));
        let texts: Vec<_> = s.messages.iter().map(|m| m.content.as_str()).collect();
        assert_eq!(texts, ["new prompt"]);
        // Nothing of its own yet: no session at all (the earlier file has it all).
        let c = run(path.to_str().unwrap(), &format!("{copy}\n"));
        assert!(c.0.is_empty());
    }

    #[test]
    fn a_long_abandoned_branch_becomes_its_own_session() {
        let mut text = String::from(
            r#"{"type":"user","uuid":"r","parentUuid":null,"sessionId":"s","message":{"content":"start"}}"#,
        );
        text.push('\n');
        let mut parent = "r".to_string();
        for i in 0..4 {
            let (u, a) = (format!("old-u{i}"), format!("old-a{i}"));
            text += &format!(
                "{{\"type\":\"user\",\"uuid\":\"{u}\",\"parentUuid\":\"{parent}\",\"sessionId\":\"s\",\"message\":{{\"content\":\"old {i}\"}}}}\n\
                 {{\"type\":\"assistant\",\"uuid\":\"{a}\",\"parentUuid\":\"{u}\",\"sessionId\":\"s\",\"message\":{{\"id\":\"mo{i}\",\"content\":\"ok\"}}}}\n"
            );
            parent = a;
        }
        text += r#"{"type":"user","uuid":"n","parentUuid":"r","sessionId":"s","message":{"content":"new way"}}"#;
        text.push('\n');
        let c = run("/p/s.jsonl", &text);
        assert_eq!(c.0.len(), 2);
        let texts: Vec<_> = c.0[0].messages.iter().map(|m| m.content.as_str()).collect();
        assert_eq!(texts, ["start", "new way"]);
        assert_eq!(c.0[1].meta.session_id, "s:branch-old-u0");
        assert_eq!(c.0[1].meta.parent_session_id.as_deref(), Some("s"));
        assert_eq!(c.0[1].messages.len(), 8);
    }

    #[test]
    fn records_without_parent_links_are_all_kept() {
        let text = r#"{"type":"user","uuid":"1","parentUuid":null,"sessionId":"s","message":{"content":"a"}}
{"type":"assistant","uuid":"2","parentUuid":null,"sessionId":"s","message":{"id":"m1","content":[{"type":"text","text":"b"}]}}
{"type":"user","uuid":"3","parentUuid":null,"sessionId":"s","message":{"content":"c"}}
"#;
        let c = run("/p/s.jsonl", text);
        assert_eq!(c.0[0].messages.len(), 3);
    }

    #[test]
    fn a_corrupt_middle_line_is_reported_and_the_rest_extracted() {
        let text = "{\"type\":\"user\",\"sessionId\":\"s\",\"message\":{\"content\":\"hi\"}}\n{oops\n{\"type\":\"user\",\"sessionId\":\"s\",\"message\":{\"content\":\"again\"}}\n";
        let c = run("/p/s.jsonl", text);
        assert_eq!(c.1.len(), 1);
        assert_eq!(c.1[0].line, Some(2));
        assert_eq!(c.0[0].messages.len(), 2);
    }
}
