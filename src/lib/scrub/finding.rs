//! A finding: one span of one string that a rule wants replaced, and how overlapping findings are settled.

use std::borrow::Cow;

use serde::Serialize;

/// What was found, for the counts in the stamp and the `--check` report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    PrivateKey,
    Secret,
    Email,
    Username,
    Name,
    Host,
    Ip,
    Phone,
    Card,
    Iban,
    Custom,
    Model,
    ProviderPhrase,
    Invisible,
    Space,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::PrivateKey => "private_key",
            Kind::Secret => "secret",
            Kind::Email => "email",
            Kind::Username => "username",
            Kind::Name => "name",
            Kind::Host => "host",
            Kind::Ip => "ip",
            Kind::Phone => "phone",
            Kind::Card => "card",
            Kind::Iban => "iban",
            Kind::Custom => "custom",
            Kind::Model => "model",
            Kind::ProviderPhrase => "provider_phrase",
            Kind::Invisible => "invisible",
            Kind::Space => "space",
        }
    }

    /// Which of two overlapping findings wins: credentials first, cosmetic last.
    fn priority(self) -> u8 {
        match self {
            Kind::PrivateKey => 100,
            Kind::Secret => 90,
            Kind::ProviderPhrase => 80,
            Kind::Email => 70,
            Kind::Custom => 65,
            Kind::Username => 60,
            // Above logins, so `Alice Liddell` goes whole rather than leaving a half.
            Kind::Name => 62,
            Kind::Card | Kind::Iban => 52,
            Kind::Host => 50,
            Kind::Model => 40,
            Kind::Ip => 30,
            Kind::Phone => 20,
            Kind::Invisible | Kind::Space => 10,
        }
    }
}

/// Whether `s` is a placeholder this tool writes in place of what it found (`<email>`, `<model-openai>`).
pub fn is_placeholder(s: &str) -> bool {
    let Some(inner) = s.strip_prefix('<').and_then(|s| s.strip_suffix('>')) else {
        return false;
    };
    matches!(
        inner,
        "REDACTED" | "redacted" | "email" | "host" | "ip" | "phone" | "name" | "card" | "iban"
    ) || inner
        .strip_prefix("model-")
        .is_some_and(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_lowercase()))
}

/// Where the placeholder this tool wrote that ends at byte `end` of `text` begins, if one does. The text it
/// replaced ended in a letter or digit: a rule must not see a word boundary there that the original lacked.
pub fn placeholder_before(text: &str, end: usize) -> Option<usize> {
    let b = text.as_bytes();
    if end == 0 || b.get(end - 1) != Some(&b'>') {
        return None;
    }
    let from = end.saturating_sub(24);
    let lt = from + memchr::memrchr(b'<', &b[from..end])?;
    (placeholder_end(text, lt) == Some(end)).then_some(lt)
}

/// Whether the placeholder-like `text[lt..gt]` is an element's opening tag (`<email>bob@corp.io</email>`):
/// its closing tag follows soon. Such a tag was in the input, and what follows it is judged as usual.
fn closed(text: &str, lt: usize, gt: usize) -> bool {
    let close = format!("</{}", &text[lt + 1..gt - 1]);
    let rest = text
        .as_bytes()
        .get(gt..(gt + 512).min(text.len()))
        .unwrap_or_default();
    memchr::memmem::find(rest, close.as_bytes()).is_some()
}

/// Whether byte `i` of `text` falls strictly inside one of our pseudonyms (`user_1a2b3c4d`): a match
/// ending or starting there cuts through a login replaced already.
pub fn inside_pseudonym(text: &str, i: usize) -> bool {
    let from = i.saturating_sub(12);
    let Some(window) = text.as_bytes().get(from..(i + 4).min(text.len())) else {
        return false;
    };
    super::key::user_prefixes(window)
        .any(|j| from + j < i && super::key::pseudonym_at(text, from + j))
}

/// Whether one of our placeholders begins at byte `start` of `text`.
pub fn placeholder_at(text: &str, start: usize) -> bool {
    placeholder_end(text, start).is_some()
}

/// Where the placeholder of ours that begins at byte `start` of `text` ends, if one does (an element's
/// opening tag of the same name is none).
fn placeholder_end(text: &str, start: usize) -> Option<usize> {
    let rest = text.as_bytes().get(start..)?;
    if rest.first() != Some(&b'<') {
        return None;
    }
    let end = start + memchr::memchr(b'>', &rest[..rest.len().min(24)])? + 1;
    (is_placeholder(&text[start..end]) && !closed(text, start, end)).then_some(end)
}

/// Replace `text[start..end]` (bytes) with `replacement`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub start: usize,
    pub end: usize,
    pub kind: Kind,
    pub rule: &'static str,
    /// A fixed placeholder, or text made for this finding (a pseudonym): no allocation for the former.
    pub replacement: Cow<'static, str>,
    /// Extra words for the audit log (decoded smuggled text, for instance); never the original value.
    pub note: Option<String>,
}

impl Finding {
    pub fn new(
        start: usize,
        end: usize,
        kind: Kind,
        rule: &'static str,
        replacement: impl Into<Cow<'static, str>>,
    ) -> Self {
        Finding {
            start,
            end,
            kind,
            rule,
            replacement: replacement.into(),
            note: None,
        }
    }

    /// Whether the two spans share a byte.
    pub fn overlaps(&self, other: &Finding) -> bool {
        self.start < other.end && other.start < self.end
    }
}

/// Keeps a set of non-overlapping findings, sorted by position: the higher priority wins an overlap, then
/// the longer span, then the earlier one. A finding that loses only part of its span keeps the rest (with
/// its own replacement): dropping it whole would leave that rest in the clear, and the next pass, no longer
/// seeing the winner's text, would find it (a leak, and not idempotent). Findings that would change nothing
/// are dropped.
pub fn settle(text: &str, mut found: Vec<Finding>) -> Vec<Finding> {
    found.retain(|f| {
        f.start < f.end
            && text.is_char_boundary(f.start)
            && text.is_char_boundary(f.end)
            && text[f.start..f.end] != f.replacement
    });
    if found.len() <= 1 {
        return found;
    }
    found.sort_by(|a, b| {
        b.kind
            .priority()
            .cmp(&a.kind.priority())
            .then((b.end - b.start).cmp(&(a.end - a.start)))
            .then(a.start.cmp(&b.start))
    });
    let mut kept: Vec<Finding> = Vec::with_capacity(found.len());
    for f in found {
        // `kept` is small; a linear overlap check is cheaper than a tree here.
        let mut over: Vec<(usize, usize)> = kept
            .iter()
            .filter(|k| f.overlaps(k))
            .map(|k| (k.start, k.end))
            .collect();
        if over.is_empty() {
            kept.push(f);
            continue;
        }
        over.sort_unstable();
        let mut at = f.start;
        let mut rest = Vec::new();
        for (s, e) in over.into_iter().chain([(f.end, f.end)]) {
            let piece = at..s.min(f.end).max(at);
            // What is left of an address after its local part was a URL's password (`:PASSWORD@host`) is a
            // host, not a person: it stays.
            let host_only = f.kind == Kind::Email && text[piece.clone()].starts_with('@');
            if !piece.is_empty() && !host_only {
                rest.push(Finding {
                    start: piece.start,
                    end: piece.end,
                    ..f.clone()
                });
            }
            at = at.max(e);
        }
        kept.extend(rest);
    }
    kept.sort_by_key(|f| f.start);
    kept
}

/// `text` with every (settled) finding replaced.
pub fn apply(text: &str, findings: &[Finding]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for f in findings {
        out.push_str(&text[at..f.start]);
        out.push_str(&f.replacement);
        at = f.end;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn higher_priority_wins_and_disjoint_findings_all_apply() {
        let text = "key ghp_abc mail a@b.io";
        let f = settle(
            text,
            vec![
                Finding::new(4, 11, Kind::Model, "m", "<model>"),
                Finding::new(4, 11, Kind::Secret, "s", "<REDACTED>"),
                Finding::new(17, 23, Kind::Email, "e", "<email>"),
            ],
        );
        assert_eq!(f.len(), 2);
        assert_eq!(apply(text, &f), "key <REDACTED> mail <email>");
    }

    #[test]
    fn a_partly_beaten_finding_keeps_what_lies_outside_the_winner() {
        let text = "/home/bob-xa.b@corp.io tail";
        let f = settle(
            text,
            vec![
                Finding::new(6, 22, Kind::Username, "home-path", "user_1"),
                Finding::new(13, 22, Kind::Email, "email", "<email>"),
            ],
        );
        assert_eq!(apply(text, &f), "/home/user_1<email> tail");
        // Beaten in the middle: both sides stay replaced.
        let f = settle(
            "a secret b",
            vec![
                Finding::new(0, 10, Kind::Host, "h", "<host>"),
                Finding::new(2, 8, Kind::Secret, "s", "<REDACTED>"),
            ],
        );
        assert_eq!(apply("a secret b", &f), "<host><REDACTED><host>");
        // An address whose local part is a password keeps its host.
        let text = "mongodb://bob:Pa55w0rd@db.acme.io/x";
        let f = settle(
            text,
            vec![
                Finding::new(14, 22, Kind::Secret, "url-password", "<REDACTED>"),
                Finding::new(14, 33, Kind::Email, "email", "<email>"),
            ],
        );
        assert_eq!(apply(text, &f), "mongodb://bob:<REDACTED>@db.acme.io/x");
    }

    #[test]
    fn no_op_findings_are_dropped() {
        assert!(settle(
            "<email>",
            vec![Finding::new(0, 7, Kind::Email, "e", "<email>")]
        )
        .is_empty());
    }
}
