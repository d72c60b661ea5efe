//! Pieces every agent module needs to turn its records into a v1 [`Session`].

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::schema::{Attachment, Message, Role, Session, ToolCall, Usage};

/// `meta.project_hash`: the first 16 hex digits of SHA-256 of the project path. Gemini CLI's own
/// `projectHash` is the full SHA-256 of the same path, so the two agree.
pub fn project_hash(path: &str) -> String {
    let path = path.trim_end_matches(['/', '\\']);
    let path = if path.is_empty() { "/" } else { path };
    hex(&Sha256::digest(path.as_bytes()))[..16].to_string()
}

pub fn hex(bytes: &[u8]) -> String {
    const D: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(D[(b >> 4) as usize] as char);
        s.push(D[(b & 15) as usize] as char);
    }
    s
}

/// Fills what can be derived from the messages: start/end time, project hash, main model, message indexes.
pub fn finish(session: &mut Session) {
    for (i, m) in session.messages.iter_mut().enumerate() {
        m.index = i as u64;
    }
    let (lo, hi) = session.message_time_span();
    let meta = &mut session.meta;
    // The agent's own session times, widened to cover every message.
    meta.start_time = match (meta.start_time, lo) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    meta.end_time = match (meta.end_time, hi) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
    .or(meta.start_time);
    if meta.project_hash.is_none() {
        meta.project_hash = meta.project_path.as_deref().map(project_hash);
    }
    if meta.model.is_none() {
        // The model that answered most often (first seen wins ties).
        let mut counts: Vec<(&str, usize)> = Vec::new();
        for m in session.messages.iter().filter_map(|m| m.model.as_deref()) {
            match counts.iter_mut().find(|(n, _)| *n == m) {
                Some((_, c)) => *c += 1,
                None => counts.push((m, 1)),
            }
        }
        let best = counts
            .iter()
            .fold(None, |b: Option<(&str, usize)>, &(n, c)| match b {
                Some((_, bc)) if bc >= c => b,
                _ => Some((n, c)),
            });
        meta.model = best.map(|(n, _)| n.to_string());
    }
    if let Some(u) = &meta.usage {
        if u == &Usage::default() {
            meta.usage = None;
        }
    }
}

/// Argument keys that name a file or directory, across the agents' tool vocabularies.
const PATH_KEYS: &[&str] = &[
    "file_path",
    "filePath",
    "absolute_path",
    "notebook_path",
    "path",
    "dir_path",
    "filename",
    "target_file",
];
const PATHS_KEYS: &[&str] = &["paths", "file_paths", "files"];

/// File references found in a tool call's arguments, appended to `out` without duplicates.
pub fn file_refs(args: &Value, out: &mut Vec<String>) {
    let Value::Object(map) = args else { return };
    let mut push = |s: &str| {
        if !s.is_empty() && !out.iter().any(|o| o == s) {
            out.push(s.to_string());
        }
    };
    for k in PATH_KEYS {
        if let Some(Value::String(s)) = map.get(*k) {
            push(s);
        }
    }
    for k in PATHS_KEYS {
        if let Some(Value::Array(a)) = map.get(*k) {
            for s in a.iter().filter_map(Value::as_str) {
                push(s);
            }
        }
    }
    if let Some(Value::Array(edits)) = map.get("edits") {
        for e in edits {
            file_refs(e, out);
        }
    }
}

/// Paths an `apply_patch` body touches (`*** Update File: x`, `*** Add File: x`, `*** Delete File: x`).
pub fn patch_file_refs(patch: &str, out: &mut Vec<String>) {
    for line in patch.lines() {
        for p in [
            "*** Update File: ",
            "*** Add File: ",
            "*** Delete File: ",
            "*** Move to: ",
        ] {
            if let Some(f) = line.strip_prefix(p) {
                let f = f.trim().to_string();
                if !f.is_empty() && !out.contains(&f) {
                    out.push(f);
                }
            }
        }
    }
}

/// An attachment for a base64 payload (or a `data:` URL): its size and hash, never the bytes.
pub fn base64_attachment(kind: &str, media_type: Option<&str>, data: &str) -> Attachment {
    let (media_type, data) = match data.strip_prefix("data:").and_then(|r| r.split_once(',')) {
        Some((head, body)) => (
            media_type.or_else(|| head.split(';').next().filter(|s| !s.is_empty())),
            body,
        ),
        None => (media_type, data),
    };
    let bytes = decode_base64(data);
    let (size, sha) = match &bytes {
        Some(b) => (b.len() as u64, hex(&Sha256::digest(b))),
        None => (data.len() as u64, hex(&Sha256::digest(data.as_bytes()))),
    };
    Attachment {
        kind: kind.to_string(),
        media_type: media_type.map(str::to_string),
        name: None,
        bytes: Some(size),
        sha256: Some(sha),
        extra: Default::default(),
    }
}

/// Standard or URL-safe base64, padding and whitespace optional; `None` on anything else.
fn decode_base64(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' | b'\n' | b'\r' | b' ' => continue,
            _ => return None,
        };
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Appends an attachment to a message and its placeholder to the content.
pub fn attach(msg: &mut Message, a: Attachment) {
    if !msg.content.is_empty() && !msg.content.ends_with('\n') {
        msg.content.push('\n');
    }
    msg.content.push_str(&a.placeholder());
    msg.attachments.push(a);
}

/// Appends `text` to `buf`, separated by a blank line.
pub fn push_para(buf: &mut String, text: &str) {
    if text.is_empty() {
        return;
    }
    if !buf.is_empty() {
        buf.push_str("\n\n");
    }
    buf.push_str(text);
}

/// Same for an optional buffer (thinking).
pub fn push_opt_para(buf: &mut Option<String>, text: &str) {
    if text.trim().is_empty() {
        return;
    }
    push_para(buf.get_or_insert_with(String::new), text);
}

/// A fast, non-cryptographic hasher (FxHash's mixing step) for the ids of one file: uuids, message and call
/// ids. SipHash's flooding resistance buys nothing for a user's own logs and costs a tenth of the parse.
#[derive(Default, Clone, Copy)]
pub struct FastHasher(u64);

impl FastHasher {
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w));
        }
    }
    fn write_u8(&mut self, b: u8) {
        self.add(b as u64);
    }
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;
pub type FastSet<K> = HashSet<K, BuildHasherDefault<FastHasher>>;

/// Where each tool call lives, so a result that arrives later folds into its call.
#[derive(Default)]
pub struct Calls {
    by_id: FastMap<String, (usize, usize)>,
}

impl Calls {
    /// Adds `call` to `messages[msg]` (recording its file references) and remembers it by id.
    pub fn add(&mut self, messages: &mut [Message], msg: usize, call: ToolCall) {
        let m = &mut messages[msg];
        file_refs(&call.args, &mut m.annotations.file_refs);
        if let Some(id) = call.id.as_deref().filter(|s| !s.is_empty()) {
            self.by_id
                .insert(id.to_string(), (msg, m.annotations.tool_calls.len()));
        }
        m.annotations.tool_calls.push(call);
    }

    /// The call with this id, if it was seen.
    pub fn get<'m>(&self, messages: &'m mut [Message], id: &str) -> Option<&'m mut ToolCall> {
        let &(m, c) = self.by_id.get(id)?;
        messages.get_mut(m)?.annotations.tool_calls.get_mut(c)
    }

    /// Folds a result into its call; a result whose call is unknown becomes a call of its own on the last
    /// assistant message (or is returned when there is none), so no output is lost.
    pub fn fold(
        &mut self,
        messages: &mut [Message],
        id: &str,
        name: Option<&str>,
        result: String,
        is_error: Option<bool>,
    ) -> bool {
        if let Some(call) = self.get(messages, id) {
            call.result = Some(result);
            if is_error.is_some() {
                call.is_error = is_error;
            }
            return true;
        }
        let Some(last) = messages.iter().rposition(|m| m.role == Role::Assistant) else {
            return false;
        };
        let mut call = ToolCall::new(name.unwrap_or("unknown"), Value::Null);
        call.id = Some(id.to_string()).filter(|s| !s.is_empty());
        call.result = Some(result);
        call.is_error = is_error;
        self.add(messages, last, call);
        true
    }
}

/// Adds `b` into `a`, field by field.
pub fn add_usage(a: &mut Usage, b: &Usage) {
    fn add(x: &mut Option<u64>, y: Option<u64>) {
        if let Some(y) = y {
            *x = Some(x.unwrap_or(0) + y);
        }
    }
    add(&mut a.input_tokens, b.input_tokens);
    add(&mut a.output_tokens, b.output_tokens);
    add(&mut a.cache_read_tokens, b.cache_read_tokens);
    add(&mut a.cache_write_tokens, b.cache_write_tokens);
    add(&mut a.reasoning_tokens, b.reasoning_tokens);
}

/// A JSON number or numeric string as u64.
pub fn as_u64(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::Number(n) => n.as_u64().or_else(|| n.as_f64().map(|f| f.max(0.0) as u64)),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// A non-empty string field.
pub fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// Tool output of any shape as text: strings as they are, arrays of text parts joined, anything else as JSON.
pub fn text_of(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            let mut out = String::new();
            for it in items {
                let t = match it {
                    Value::String(s) => s.clone(),
                    Value::Object(o) => match o.get("text").and_then(Value::as_str) {
                        Some(t) => t.to_string(),
                        None => text_of(it),
                    },
                    other => text_of(other),
                };
                if !out.is_empty() && !t.is_empty() {
                    out.push('\n');
                }
                out.push_str(&t);
            }
            out
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn project_hash_matches_gemini_project_hash_prefix() {
        // Gemini CLI's projectHash for /home/alice/work/shop (shared fixture).
        assert_eq!(project_hash("/home/alice/work/shop"), "5770b42aaceab04e");
        assert_eq!(project_hash("/home/alice/work/shop/"), "5770b42aaceab04e");
    }

    #[test]
    fn base64_images_become_size_and_hash() {
        let a = base64_attachment("image", None, "data:image/png;base64,aGVsbG8=");
        assert_eq!(a.media_type.as_deref(), Some("image/png"));
        assert_eq!(a.bytes, Some(5));
        assert_eq!(a.sha256.as_deref().map(|s| &s[..8]), Some("2cf24dba"));
    }

    #[test]
    fn file_refs_from_the_usual_keys() {
        let mut out = Vec::new();
        file_refs(
            &json!({"file_path": "/a", "paths": ["/b", "/a"], "edits": [{"path": "/c"}]}),
            &mut out,
        );
        assert_eq!(out, ["/a", "/b", "/c"]);
        patch_file_refs("*** Begin Patch\n*** Update File: src/x.rs\n@@\n", &mut out);
        assert_eq!(out.last().unwrap(), "src/x.rs");
    }
}
