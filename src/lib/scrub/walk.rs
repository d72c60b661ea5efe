//! Walks every string of a session (typed fields, `extra` maps, tool arguments, object keys) with its JSON
//! pointer, and scrubs or checks each one.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::audit::{self, RecordHead};
use super::finding::{Finding, Kind};
use super::paths::{Learned, NameMatcher};
use super::{Prescan, Scrubber};
use crate::schema::{Message, Session, ToolCall};

/// A step of a JSON pointer.
#[derive(Debug, Clone)]
pub enum Seg {
    Name(&'static str),
    Key(String),
    Index(usize),
}

/// `/messages/3/content`, escaped per RFC 6901.
pub fn pointer(path: &[Seg]) -> String {
    // Built for every string with a finding: no allocation per step.
    let mut out = String::with_capacity(64);
    for seg in path {
        out.push('/');
        match seg {
            Seg::Name(n) => out.push_str(n),
            Seg::Key(k) if !k.contains(['~', '/']) => out.push_str(k),
            Seg::Key(k) => {
                for c in k.chars() {
                    match c {
                        '~' => out.push_str("~0"),
                        '/' => out.push_str("~1"),
                        c => out.push(c),
                    }
                }
            }
            Seg::Index(i) => out.push_str(itoa::Buffer::new().format(*i)),
        }
    }
    out
}

/// How a string field is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Text,
    /// Holds a model id: the whole value becomes a family label.
    Model,
    /// `meta.project_path`: a home prefix becomes `~`.
    ProjectPath,
}

pub trait Visitor {
    fn visit(&mut self, path: &[Seg], s: &mut String, field: Field);
}

struct Walk<'v, V: Visitor> {
    v: &'v mut V,
    path: Vec<Seg>,
}

/// `model`, `modelId`, `model_name`, `default-model`, ...: compared without `_`/`-` and case, allocation-free
/// (it runs for every key of every object).
fn is_model_key(k: &str) -> bool {
    const KEYS: &[&str] = &[
        "model",
        "modelid",
        "modelname",
        "modeltype",
        "defaultmodel",
        "weakmodel",
        "editormodel",
        "modelslug",
    ];
    if k.len() > 16 {
        return false;
    }
    let mut buf = [0u8; 16];
    let mut n = 0;
    for b in k.bytes().filter(|b| *b != b'_' && *b != b'-') {
        buf[n] = b.to_ascii_lowercase();
        n += 1;
    }
    KEYS.iter().any(|w| w.as_bytes() == &buf[..n])
}

impl<V: Visitor> Walk<'_, V> {
    fn s(&mut self, seg: Seg, s: &mut String, field: Field) {
        self.path.push(seg);
        self.v.visit(&self.path, s, field);
        self.path.pop();
    }

    fn opt(&mut self, name: &'static str, s: &mut Option<String>, field: Field) {
        if let Some(s) = s {
            self.s(Seg::Name(name), s, field);
        }
    }

    fn value(&mut self, seg: Seg, v: &mut Value, field: Field) {
        self.path.push(seg);
        self.value_here(v, field);
        self.path.pop();
    }

    fn value_here(&mut self, v: &mut Value, field: Field) {
        match v {
            Value::String(s) => self.v.visit(&self.path, s, field),
            Value::Array(items) => {
                for (i, item) in items.iter_mut().enumerate() {
                    self.value(Seg::Index(i), item, field);
                }
            }
            Value::Object(map) => self.map_here(map),
            _ => {}
        }
    }

    /// Every member of an object, its key included: keys are file paths often enough.
    fn map_here(&mut self, map: &mut Map<String, Value>) {
        let old = std::mem::take(map);
        for (mut k, mut v) in old {
            self.v.visit(&self.path, &mut k, Field::Text);
            while map.contains_key(&k) {
                k.push('#'); // Two keys scrubbed to the same text: keep both.
            }
            let field = if is_model_key(&k) {
                Field::Model
            } else {
                Field::Text
            };
            // The key goes into the path and comes back out of it: no copy per member.
            self.path.push(Seg::Key(k));
            self.value_here(&mut v, field);
            match self.path.pop() {
                Some(Seg::Key(k)) => {
                    map.insert(k, v);
                }
                other => debug_assert!(false, "path out of step: {other:?}"),
            }
        }
    }

    fn extra(&mut self, extra: &mut Map<String, Value>) {
        self.map_here(extra);
    }

    fn session(&mut self, session: &mut Session) {
        self.path.push(Seg::Name("meta"));
        let m = &mut session.meta;
        self.s(Seg::Name("session_id"), &mut m.session_id, Field::Text);
        self.opt("parent_session_id", &mut m.parent_session_id, Field::Text);
        self.opt("title", &mut m.title, Field::Text);
        self.opt("model", &mut m.model, Field::Model);
        self.opt("project_path", &mut m.project_path, Field::ProjectPath);
        self.opt("git_branch", &mut m.git_branch, Field::Text);
        self.opt("agent_version", &mut m.agent_version, Field::Text);
        for (i, t) in m.tags.iter_mut().enumerate() {
            self.path.push(Seg::Name("tags"));
            self.s(Seg::Index(i), t, Field::Text);
            self.path.pop();
        }
        if let Some(u) = &mut m.usage {
            self.path.push(Seg::Name("usage"));
            self.extra(&mut u.extra);
            self.path.pop();
        }
        self.extra(&mut m.extra);
        self.path.pop();
        self.path.push(Seg::Name("messages"));
        for (i, msg) in session.messages.iter_mut().enumerate() {
            self.path.push(Seg::Index(i));
            self.message(msg);
            self.path.pop();
        }
        self.path.pop();
        self.extra(&mut session.extra);
    }

    fn message(&mut self, m: &mut Message) {
        self.s(Seg::Name("content"), &mut m.content, Field::Text);
        self.opt("model", &mut m.model, Field::Model);
        self.opt("kind", &mut m.kind, Field::Text);
        self.path.push(Seg::Name("attachments"));
        for (i, a) in m.attachments.iter_mut().enumerate() {
            self.path.push(Seg::Index(i));
            self.opt("name", &mut a.name, Field::Text);
            self.opt("media_type", &mut a.media_type, Field::Text);
            self.extra(&mut a.extra);
            self.path.pop();
        }
        self.path.pop();
        self.path.push(Seg::Name("annotations"));
        let an = &mut m.annotations;
        self.path.push(Seg::Name("file_refs"));
        for (i, f) in an.file_refs.iter_mut().enumerate() {
            self.s(Seg::Index(i), f, Field::Text);
        }
        self.path.pop();
        self.opt("thinking", &mut an.thinking, Field::Text);
        self.path.push(Seg::Name("tool_calls"));
        for (i, t) in an.tool_calls.iter_mut().enumerate() {
            self.path.push(Seg::Index(i));
            self.tool_call(t);
            self.path.pop();
        }
        self.path.pop();
        self.extra(&mut an.extra);
        self.path.pop();
        self.extra(&mut m.extra);
    }

    fn tool_call(&mut self, t: &mut ToolCall) {
        self.opt("id", &mut t.id, Field::Text);
        self.s(Seg::Name("name"), &mut t.name, Field::Text);
        self.value(Seg::Name("args"), &mut t.args, Field::Text);
        self.opt("result", &mut t.result, Field::Text);
        self.extra(&mut t.extra);
    }
}

/// Calls `v` on every string of `session` (in a fixed order), letting it rewrite them.
pub fn walk_session<V: Visitor>(session: &mut Session, v: &mut V) {
    Walk {
        v,
        path: Vec::new(),
    }
    .session(session);
}

/// Keys whose values are account handles or display names (`requesterUsername`, `lastKnownUser`, `login`).
fn is_account_key(k: &str) -> bool {
    let k = k.as_bytes();
    [
        "username",
        "user_name",
        "login",
        "lastknownuser",
        "displayname",
        "display_name",
        "owner",
        "author",
        "requester",
    ]
    .iter()
    .any(|w| super::gates::ends_with_ignore_case(k, w.as_bytes()))
}

fn in_meta(path: &[Seg]) -> bool {
    matches!(path.first(), Some(Seg::Name("meta")))
}

/// Whether scrubbing rewrites the session or only reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Scrub,
    Check,
}

/// One replacement made (or, in check mode, that would be made), with where it happened.
#[derive(Debug, Clone)]
pub struct Located {
    pub pointer: String,
    pub finding: Finding,
    /// Offsets in code points of the text the rule saw.
    pub start: usize,
    pub end: usize,
    /// Keyed hash of the replaced text.
    pub hash: String,
    /// The text around the finding with the finding masked (only when asked for, for `--explain`).
    pub excerpt: Option<String>,
}

#[derive(Debug, Default, Clone)]
pub struct SessionReport {
    pub located: Vec<Located>,
    pub counts: BTreeMap<Kind, u64>,
}

struct Learner<'a> {
    s: &'a Scrubber,
    learned: Learned,
    /// The prescan of every string visited, in visiting order, so the second pass need not redo it.
    prescans: Vec<Prescan>,
}

impl Visitor for Learner<'_> {
    fn visit(&mut self, path: &[Seg], s: &mut String, _: Field) {
        let pre = self.s.prescan(s, in_meta(path), Some(&mut self.learned));
        self.prescans.push(pre);
        if let Some(Seg::Key(k)) = path.last() {
            if is_account_key(k) {
                self.learned.account(s);
            }
        }
    }
}

struct Rewriter<'a> {
    s: &'a Scrubber,
    prescans: std::vec::Drain<'a, Prescan>,
    names: Option<std::sync::Arc<NameMatcher>>,
    mode: Mode,
    excerpts: bool,
    report: SessionReport,
    /// Where records go as they are made, instead of into `report.located`.
    audit: Option<(&'a RecordHead, &'a mut Vec<u8>)>,
    /// The model ids met in this session and their labels: a few, each on every message.
    model_labels: Vec<(String, Option<&'static str>)>,
}

/// Code-point offsets of byte positions in one text, counted on from the position asked before: findings
/// come in order, and counting from the start for each was quadratic in a long text full of them.
struct CharOffsets<'t> {
    text: &'t str,
    byte: usize,
    chars: usize,
}

impl<'t> CharOffsets<'t> {
    fn new(text: &'t str) -> Self {
        CharOffsets {
            text,
            byte: 0,
            chars: 0,
        }
    }

    fn at(&mut self, byte: usize) -> usize {
        if byte < self.byte {
            (self.byte, self.chars) = (0, 0);
        }
        self.chars += self.text[self.byte..byte].chars().count();
        self.byte = byte;
        self.chars
    }
}

impl Rewriter<'_> {
    fn model_label(&mut self, value: &str) -> Option<&'static str> {
        if let Some((_, label)) = self.model_labels.iter().find(|(v, _)| v == value) {
            return *label;
        }
        let label = self.s.model_label(value);
        if self.model_labels.len() < 16 {
            self.model_labels.push((value.to_string(), label));
        }
        label
    }

    /// `seen`: the text the finding's offsets are in. `context`: the final text and where the replacement
    /// sits in it, for `--explain` excerpts.
    fn record(
        &mut self,
        pointer: &str,
        seen: &mut CharOffsets,
        f: Finding,
        context: Option<(&str, usize)>,
    ) {
        let start = seen.at(f.start);
        let end = seen.at(f.end);
        let text = seen.text;
        *self.report.counts.entry(f.kind).or_default() += 1;
        let hash = self.s.key.value_hash(&text[f.start..f.end]);
        match &mut self.audit {
            Some((head, buf)) => {
                let record = audit::Record {
                    pointer,
                    finding: &f,
                    start,
                    end,
                    hash: &hash,
                };
                audit::push_record(buf, head, &record);
            }
            None => {
                let excerpt = self.excerpts.then(|| excerpt(text, &f, context));
                self.report.located.push(Located {
                    pointer: pointer.to_string(),
                    hash,
                    start,
                    end,
                    excerpt,
                    finding: f,
                });
            }
        }
    }
}

/// `…before ⟦masked → placeholder⟧ after…`, the context taken from the scrubbed text so that no other
/// finding shows through; the value itself is shown by its first three characters and its length.
fn excerpt(seen: &str, f: &Finding, context: Option<(&str, usize)>) -> String {
    let original = &seen[f.start..f.end];
    let n = original.chars().count();
    let masked = if n > 6 {
        format!(
            "{}…({n} chars)",
            original.chars().take(3).collect::<String>()
        )
    } else {
        format!("…({n} chars)")
    };
    let (before, after) = match context {
        Some((text, at)) => {
            let end = at + f.replacement.len();
            let before: Vec<char> = text[..at].chars().rev().take(30).collect();
            (
                before.into_iter().rev().collect::<String>(),
                text[end..].chars().take(30).collect::<String>(),
            )
        }
        None => (String::new(), String::new()),
    };
    format!(
        "{}⟦{masked} → {}⟧{}",
        before.replace('\n', "⏎"),
        f.replacement,
        after.replace('\n', "⏎")
    )
}

impl Visitor for Rewriter<'_> {
    fn visit(&mut self, path: &[Seg], s: &mut String, field: Field) {
        // Both passes visit the same strings in the same order.
        let mut prescan = self.prescans.next();
        if field == Field::ProjectPath {
            if let Some(tilde) = self.s.paths.project_path(s) {
                let f = Finding::new(
                    0,
                    s.len(),
                    Kind::Username,
                    "project-path-home",
                    tilde.clone(),
                );
                let seen = s.clone();
                self.record(
                    &pointer(path),
                    &mut CharOffsets::new(&seen),
                    f,
                    Some((&tilde, 0)),
                );
                if self.mode == Mode::Scrub {
                    prescan = None;
                    *s = tilde;
                } else {
                    return;
                }
            }
        }
        if field == Field::Model {
            if let Some(label) = self.model_label(s) {
                let seen = s.clone();
                self.record(
                    &pointer(path),
                    &mut CharOffsets::new(&seen),
                    Finding::new(0, s.len(), Kind::Model, "model-field", label),
                    Some((label, 0)),
                );
                if self.mode == Mode::Scrub {
                    *s = label.to_string();
                }
                return;
            }
        }
        let pre = match prescan {
            Some(pre) => pre,
            None => self.s.prescan(s, false, None),
        };
        let out = self.s.scrub_prescanned(s, self.names.as_deref(), pre);
        if out.findings.is_empty() && out.unicode.is_empty() {
            return;
        }
        let ptr = pointer(path);
        let mut original = CharOffsets::new(s);
        for f in out.unicode {
            self.record(&ptr, &mut original, f, None);
        }
        let seen = out.cleaned.as_deref().unwrap_or(s);
        let fin = out.text.as_deref().unwrap_or(seen);
        let mut seen = CharOffsets::new(seen);
        let mut shift: isize = 0;
        for f in out.findings {
            let at = (f.start as isize + shift) as usize;
            shift += f.replacement.len() as isize - (f.end - f.start) as isize;
            self.record(&ptr, &mut seen, f, Some((fin, at)));
        }
        if self.mode == Mode::Scrub {
            if let Some(t) = out.text {
                *s = t;
            }
        }
    }
}

thread_local! {
    /// Each thread's list of a session's prescans, kept for the next session: the list of a long session
    /// runs to megabytes, and growing a new one each time had fresh pages faulted in for every session.
    static PRESCANS: std::cell::RefCell<Vec<Prescan>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A longer list than this is dropped after its session rather than kept.
const KEEP_PRESCANS: usize = 1 << 18;

impl Scrubber {
    /// Scrubs (or, in check mode, only inspects) one session and reports what changed. In scrub mode the
    /// session's `meta.scrub` stamp is updated.
    pub fn scrub_session(
        &self,
        session: &mut Session,
        mode: Mode,
        excerpts: bool,
    ) -> SessionReport {
        self.rewrite_session(session, mode, excerpts, None)
    }

    /// [`Scrubber::scrub_session`] in scrub mode with each audit record appended to `audit` as it is made
    /// (the report's `located` stays empty): no list of them is built only to be written out.
    pub fn scrub_session_audited(
        &self,
        session: &mut Session,
        head: &RecordHead,
        audit: &mut Vec<u8>,
    ) -> SessionReport {
        self.rewrite_session(session, Mode::Scrub, false, Some((head, audit)))
    }

    fn rewrite_session(
        &self,
        session: &mut Session,
        mode: Mode,
        excerpts: bool,
        audit: Option<(&RecordHead, &mut Vec<u8>)>,
    ) -> SessionReport {
        let stamp = session.meta.scrub.take();
        let mut learner = Learner {
            s: self,
            learned: Learned::default(),
            prescans: PRESCANS.with(|p| p.take()),
        };
        walk_session(session, &mut learner);
        let mut prescans = learner.prescans;
        let mut rw = Rewriter {
            s: self,
            prescans: prescans.drain(..),
            names: self.names_for(&learner.learned),
            mode,
            excerpts,
            report: SessionReport::default(),
            audit,
            model_labels: Vec::new(),
        };
        walk_session(session, &mut rw);
        let report = std::mem::take(&mut rw.report);
        drop(rw);
        if prescans.capacity() <= KEEP_PRESCANS {
            PRESCANS.with(|p| p.replace(prescans));
        }
        session.meta.scrub = match mode {
            Mode::Scrub => Some(super::stamp::stamp(self, stamp.as_ref(), &report.counts)),
            Mode::Check => stamp,
        };
        report
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_escape_tilde_and_slash_in_keys() {
        let path = [
            Seg::Name("messages"),
            Seg::Index(0),
            Seg::Index(1234567),
            Seg::Key("a~b/c~/é".into()),
            Seg::Key("plain".into()),
        ];
        assert_eq!(pointer(&path), "/messages/0/1234567/a~0b~1c~0~1é/plain");
        assert_eq!(pointer(&[]), "");
    }
}
