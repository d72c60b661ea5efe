//! The audit log: one NDJSON record per replacement, naming the session by pseudonym, the field by JSON
//! pointer, the rule, the offsets and a keyed hash of what was replaced. Never the original value.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use super::finding::Finding;
use crate::io::json;

/// The fields every audit record of one session shares (`session`, `source`, `line`), written once: a
/// session can have thousands of records.
pub struct RecordHead(Vec<u8>);

impl RecordHead {
    pub fn new(session: &str, source: &str, line: u64) -> RecordHead {
        let mut head = b"{\"session\":".to_vec();
        json::push_str(&mut head, session);
        head.extend_from_slice(b",\"source\":");
        json::push_str(&mut head, source);
        head.extend_from_slice(format!(",\"line\":{line},\"pointer\":").as_bytes());
        RecordHead(head)
    }
}

/// One replacement as the audit log records it: where, by which rule, and a keyed hash of what was
/// replaced (never the value itself).
pub struct Record<'a> {
    pub pointer: &'a str,
    pub finding: &'a Finding,
    /// Code points in the text the rule saw (after invisible characters were removed).
    pub start: usize,
    pub end: usize,
    pub hash: &'a str,
}

/// Appends one record: `{"session", "source", "line", "pointer", "rule", "kind", "start", "end", "hash",
/// "placeholder"[, "decoded"]}` and a newline.
pub fn push_record(buf: &mut Vec<u8>, head: &RecordHead, r: &Record) {
    buf.extend_from_slice(&head.0);
    json::push_str(buf, r.pointer);
    buf.extend_from_slice(b",\"rule\":");
    plain(buf, r.finding.rule);
    buf.extend_from_slice(b",\"kind\":");
    plain(buf, r.finding.kind.as_str());
    buf.extend_from_slice(b",\"start\":");
    number(buf, r.start);
    buf.extend_from_slice(b",\"end\":");
    number(buf, r.end);
    buf.extend_from_slice(b",\"hash\":");
    plain(buf, r.hash);
    buf.extend_from_slice(b",\"placeholder\":");
    json::push_str(buf, &r.finding.replacement);
    if let Some(d) = &r.finding.note {
        buf.extend_from_slice(b",\"decoded\":");
        json::push_str(buf, d);
    }
    buf.extend_from_slice(b"}\n");
}

/// One of our own names (a rule id, a kind, a hex hash) as a JSON string: nothing in them to escape.
fn plain(buf: &mut Vec<u8>, s: &str) {
    debug_assert!(json::needs_no_escape(s), "{s:?} needs escaping");
    buf.push(b'"');
    buf.extend_from_slice(s.as_bytes());
    buf.push(b'"');
}

/// `n` in decimal.
fn number(buf: &mut Vec<u8>, n: usize) {
    buf.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

/// `$XDG_STATE_HOME/codercrucible/audit/scrub-<UTC time>-<pid>.ndjson`.
pub fn default_path() -> Option<PathBuf> {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let now = chrono::DateTime::from_timestamp(secs, 0)
        .unwrap_or_default()
        .format("%Y%m%dT%H%M%SZ");
    super::options::state_dir().map(|d| {
        d.join("audit")
            .join(format!("scrub-{now}-{}.ndjson", std::process::id()))
    })
}

/// Opens (appending, private to the user) the audit log, creating its directory.
pub fn open(path: &Path) -> io::Result<BufWriter<File>> {
    Ok(BufWriter::with_capacity(256 * 1024, open_file(path)?))
}

/// [`open`] unbuffered, for copying whole files in (the kernel copies file to file).
pub fn open_file(path: &Path) -> io::Result<File> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir)?;
    }
    let mut o = OpenOptions::new();
    o.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path)
}

/// Writes a batch of records.
pub fn write(out: &mut impl Write, bytes: &[u8]) -> io::Result<()> {
    out.write_all(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scrub::finding::Kind;

    fn record<'a>(pointer: &'a str, finding: &'a Finding) -> Record<'a> {
        Record {
            pointer,
            finding,
            start: 3,
            end: 9,
            hash: "0123456789abcdef",
        }
    }

    #[test]
    fn records_are_json_lines_with_the_fields_in_order() {
        let mut tag = Finding::new(0, 4, Kind::Invisible, "tag-characters", "");
        tag.note = Some("say \"hi\"".into());
        let login = Finding::new(3, 9, Kind::Username, "home-path", "user_1a2b3c4d");
        let head = RecordHead::new("s_0123", "C:\\logs\\\"odd\"\n.jsonl", 7);
        let mut buf = Vec::new();
        push_record(&mut buf, &head, &record("/messages/0/extra/a~1b", &login));
        push_record(&mut buf, &head, &record("/meta/title", &tag));
        let text = String::from_utf8(buf).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(text.ends_with('\n'));
        let keys = |l: &str| -> Vec<String> {
            let v: serde_json::Map<String, serde_json::Value> = serde_json::from_str(l).unwrap();
            v.keys().cloned().collect()
        };
        let order = [
            "session",
            "source",
            "line",
            "pointer",
            "rule",
            "kind",
            "start",
            "end",
            "hash",
            "placeholder",
        ];
        // The crate's serde_json keeps keys in the order written.
        assert_eq!(keys(lines[0]), order);
        let first: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
        assert_eq!(first["source"], "C:\\logs\\\"odd\"\n.jsonl");
        assert_eq!(first["line"], 7);
        assert_eq!(first["pointer"], "/messages/0/extra/a~1b");
        assert_eq!(first["kind"], "username");
        assert_eq!(
            (first["start"].as_u64(), first["end"].as_u64()),
            (Some(3), Some(9))
        );
        let second: serde_json::Value = serde_json::from_str(lines[1]).unwrap();
        assert_eq!(second["decoded"], "say \"hi\"");
        assert_eq!(second["placeholder"], "");
        assert!(first.get("decoded").is_none());
    }

    #[test]
    fn rule_ids_are_written_without_escaping() {
        use crate::scrub::{models, pii, secrets};
        for rule in [secrets::RULES, pii::RULES, models::RULES]
            .iter()
            .flat_map(|t| t.iter())
        {
            assert!(json::needs_no_escape(rule.id), "{}", rule.id);
        }
    }

    #[test]
    fn strings_that_need_escaping_and_any_offsets_round_trip() {
        let email = Finding::new(0, 1, Kind::Email, "email", "<email>");
        let pointer = "/extra/a\tb\"c\\d\u{7f}é";
        let mut r = record(pointer, &email);
        (r.start, r.end) = (0, 1_234_567_890);
        let head = RecordHead::new("s_1", "plain", 0);
        let mut buf = Vec::new();
        push_record(&mut buf, &head, &r);
        let v: serde_json::Value = serde_json::from_slice(&buf).unwrap();
        assert_eq!(v["pointer"], pointer);
        assert_eq!(
            (v["start"].as_u64(), v["end"].as_u64()),
            (Some(0), Some(1_234_567_890))
        );
        // Byte for byte what serde_json writes for the same strings.
        let expected = format!(
            "\"pointer\":{},\"rule\":\"email\"",
            serde_json::to_string(pointer).unwrap()
        );
        assert!(String::from_utf8(buf).unwrap().contains(&expected));
    }
}
