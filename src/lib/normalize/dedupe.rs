//! Duplicate sessions: the same agent and session id seen twice (a resumed or re-exported session: keep the
//! most complete copy), or the same conversation from two agents (keep the first).
//!
//! Deciding "most complete" needs the whole input, so deduplication is two passes: the first records a small
//! fingerprint per session (about 50 bytes, never the session) while the normalized lines are spooled to a
//! temporary file; the second copies the winners' lines out in input order. Memory grows with the number of
//! sessions, not their size.
//!
//! The hashes are XXH3-128: they only need to tell a user's own sessions apart, not resist a forger, and a
//! cryptographic hash over every byte cost a tenth of cc-normalize's time.

use std::collections::HashMap;

use xxhash_rust::xxh3::Xxh3;

use crate::schema::Session;

type Hash = u128;

/// What deduplication needs to know of one session.
#[derive(Debug, Clone, Copy)]
pub struct Fingerprint {
    key: Hash,
    content: Hash,
    completeness: (usize, usize, i64),
}

impl Fingerprint {
    pub fn of(s: &Session) -> Fingerprint {
        let mut key = Xxh3::new();
        key.update(s.meta.source_agent.as_bytes());
        key.update(&[0]);
        key.update(s.meta.session_id.as_bytes());

        let mut content = Xxh3::new();
        let mut bytes = 0;
        for m in &s.messages {
            content.update(m.role.as_str().as_bytes());
            content.update(&[0]);
            content.update(m.content.as_bytes());
            content.update(&[0]);
            bytes += m.content.len();
            for c in &m.annotations.tool_calls {
                content.update(c.name.as_bytes());
                content.update(&[0]);
                // Straight into the hasher: no intermediate string.
                serde_json::to_writer(HashWriter(&mut content), &c.args)
                    .expect("hashing cannot fail");
                content.update(&[0]);
                let result = c.result.as_deref().unwrap_or("");
                content.update(result.as_bytes());
                content.update(&[1]);
                bytes += result.len();
            }
        }
        Fingerprint {
            key: key.digest128(),
            content: content.digest128(),
            completeness: (s.messages.len(), bytes, s.meta.end_time.unwrap_or(i64::MIN)),
        }
    }
}

/// Lets serde_json write into a running hash.
struct HashWriter<'a>(&'a mut Xxh3);

impl std::io::Write for HashWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Collects fingerprints in input order and decides which sessions survive.
#[derive(Debug, Default)]
pub struct Deduper {
    fingerprints: Vec<Fingerprint>,
}

impl Deduper {
    pub fn add(&mut self, fp: Fingerprint) {
        self.fingerprints.push(fp);
    }

    pub fn len(&self) -> usize {
        self.fingerprints.len()
    }

    pub fn is_empty(&self) -> bool {
        self.fingerprints.is_empty()
    }

    /// For each session in input order, whether it is kept.
    pub fn survivors(&self) -> Vec<bool> {
        let mut best: HashMap<Hash, usize> = HashMap::new();
        for (i, fp) in self.fingerprints.iter().enumerate() {
            best.entry(fp.key)
                .and_modify(|b| {
                    if fp.completeness > self.fingerprints[*b].completeness {
                        *b = i;
                    }
                })
                .or_insert(i);
        }
        let mut keep = vec![false; self.fingerprints.len()];
        for &i in best.values() {
            keep[i] = true;
        }
        let mut seen_content = std::collections::HashSet::new();
        for (i, fp) in self.fingerprints.iter().enumerate() {
            if keep[i] && !seen_content.insert(fp.content) {
                keep[i] = false;
            }
        }
        keep
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Message, Meta, Role};

    fn session(agent: &str, id: &str, texts: &[&str]) -> Session {
        let mut s = Session::new(Meta::new(agent, id));
        s.messages = texts
            .iter()
            .enumerate()
            .map(|(i, t)| Message::new(i as u64, Role::User, *t))
            .collect();
        s
    }

    #[test]
    fn the_most_complete_copy_wins_and_cross_agent_twins_collapse() {
        let mut d = Deduper::default();
        for s in [
            session("claude-code", "a", &["one"]),
            session("codex", "b", &["other"]),
            session("claude-code", "a", &["one", "two"]),
            session("cursor", "c", &["other"]),
            session("claude-code", "a", &["one"]),
        ] {
            d.add(Fingerprint::of(&s));
        }
        assert_eq!(d.survivors(), vec![false, true, true, false, false]);
    }
}
