//! The rule engine: a table of regex rules, each reached only when one of its literal anchors occurs in the
//! text (one Aho-Corasick pass over all anchors), then confirmed by its own byte regex and a gate.

use std::ops::Range;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::bytes::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};

use super::finding::{Finding, Kind};
use super::gates;

/// How a regex match is confirmed.
#[derive(Clone, Copy)]
pub enum Check {
    /// The shape is enough once the replaced part passes the placeholder test and this entropy floor.
    Random(f32),
    /// The replaced part must look random (floor) and one of the words must occur shortly before the match.
    Near(&'static [&'static str], f32),
    /// A value after a secret-sounding key: see [`gates::generic_value_is_secret`].
    Generic,
    /// Anything the regex matched.
    Always,
    /// A rule-specific test on (text, whole match, replaced part).
    Custom(fn(&str, Range<usize>, Range<usize>) -> bool),
}

/// One row of a rule table. The named group `s` (or, in alternations, `t` or `u`), when present, is what
/// gets replaced; otherwise the whole match.
pub struct Rule {
    pub id: &'static str,
    pub kind: Kind,
    /// Lowercase literals, one of which occurs (case-insensitively) in every match. Empty: always run.
    pub anchors: &'static [&'static str],
    pub pattern: &'static str,
    pub check: Check,
    pub placeholder: &'static str,
}

/// How far before a match [`Check::Near`] looks for its words.
const NEAR_WINDOW: usize = 96;

struct Compiled {
    rule: &'static Rule,
    re: Regex,
    groups: Vec<usize>,
}

/// Which of a set of literals occur in a text (ASCII case-insensitively), each literal carrying payloads.
///
/// One overlapping pass of a DFA over the text sees every occurrence of every literal, nested and
/// overlapping ones included, without restarting the search after each hit.
pub struct Anchors<T> {
    ac: Option<AhoCorasick>,
    payloads: Vec<Vec<T>>,
}

impl<T: Copy + PartialEq> Anchors<T> {
    pub fn new<'a>(
        pairs: impl IntoIterator<Item = (&'a str, T)>,
    ) -> Result<Anchors<T>, aho_corasick::BuildError> {
        let mut lits: Vec<(String, Vec<T>)> = Vec::new();
        for (lit, t) in pairs {
            let lit = lit.to_ascii_lowercase();
            match lits.iter_mut().find(|(l, _)| *l == lit) {
                Some((_, ts)) => {
                    if !ts.contains(&t) {
                        ts.push(t)
                    }
                }
                None => lits.push((lit, vec![t])),
            }
        }
        let ac = if lits.is_empty() {
            None
        } else {
            Some(
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::Standard)
                    // A full DFA: one table lookup per byte where the prefilter cannot skip.
                    .kind(Some(aho_corasick::AhoCorasickKind::DFA))
                    .build(lits.iter().map(|(l, _)| l))?,
            )
        };
        Ok(Anchors {
            ac,
            payloads: lits.into_iter().map(|(_, ts)| ts).collect(),
        })
    }

    /// Calls `f` with the payloads of every literal occurring in `text` (repeats possible).
    pub fn for_each(&self, text: &[u8], mut f: impl FnMut(T)) {
        let Some(ac) = &self.ac else { return };
        for m in ac.find_overlapping_iter(text) {
            for &t in &self.payloads[m.pattern().as_usize()] {
                f(t);
            }
        }
    }
}

/// What one anchor stands for: a rule to run, or a bit of the path rules' own gate.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Hit {
    Rule(u16),
    Path(u8),
}

/// Which rules a text wakes, and which path-rule literals it holds (see [`RuleSet::wake`]).
#[derive(Clone, Copy, Default, Debug)]
pub struct Wake {
    rules: [u64; 4],
    /// The bits of the path literals present (`paths::LITERALS`).
    pub paths: u8,
}

impl Wake {
    fn set(&mut self, i: usize) {
        self.rules[i / 64] |= 1 << (i % 64);
    }
}

/// Rules a [`Wake`] can hold.
const MAX_RULES: usize = 256;

/// A compiled rule table.
pub struct RuleSet {
    rules: Vec<Compiled>,
    anchors: Anchors<Hit>,
    always: Vec<usize>,
    /// Stage one for the rules without anchors: one pass says which of them can match at all.
    unanchored: Option<RegexSet>,
}

#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    #[error("rule {id}: {error}")]
    Regex {
        id: &'static str,
        error: regex::Error,
    },
    #[error("{0} rules, more than the {MAX_RULES} supported")]
    TooMany(usize),
    #[error("anchor automaton: {0}")]
    Anchors(#[from] aho_corasick::BuildError),
}

impl RuleSet {
    /// `extra`: literals of other matchers (the path rules) whose presence [`RuleSet::wake`] reports too, so
    /// one pass over a text serves both.
    pub fn compile(
        tables: &[&'static [Rule]],
        extra: &[(&'static str, u8)],
    ) -> Result<RuleSet, RuleError> {
        let mut rules = Vec::new();
        let mut anchor_text: Vec<&'static str> = Vec::new();
        let mut woken: Vec<Vec<usize>> = Vec::new();
        let mut always = Vec::new();
        for rule in tables.iter().flat_map(|t| t.iter()) {
            let re = RegexBuilder::new(rule.pattern)
                .unicode(false)
                .size_limit(32 << 20)
                .build()
                .map_err(|error| RuleError::Regex { id: rule.id, error })?;
            let groups = re
                .capture_names()
                .enumerate()
                .filter(|(_, n)| matches!(n, Some("s" | "t" | "u")))
                .map(|(i, _)| i)
                .collect();
            let i = rules.len();
            rules.push(Compiled { rule, re, groups });
            if rule.anchors.is_empty() {
                always.push(i);
            }
            for a in rule.anchors {
                match anchor_text.iter().position(|x| x == a) {
                    Some(j) => woken[j].push(i),
                    None => {
                        anchor_text.push(a);
                        woken.push(vec![i]);
                    }
                }
            }
        }
        if rules.len() > MAX_RULES {
            return Err(RuleError::TooMany(rules.len()));
        }
        let pairs = anchor_text
            .iter()
            .zip(&woken)
            .flat_map(|(a, w)| w.iter().map(move |&i| (*a, Hit::Rule(i as u16))))
            .chain(extra.iter().map(|&(a, bit)| (a, Hit::Path(bit))));
        let anchors = Anchors::new(pairs)?;
        let unanchored = if always.is_empty() {
            None
        } else {
            let set = RegexSetBuilder::new(always.iter().map(|&i| rules[i].rule.pattern))
                .unicode(false)
                .size_limit(64 << 20)
                .build()
                .map_err(|error| RuleError::Regex {
                    id: "unanchored-set",
                    error,
                })?;
            Some(set)
        };
        Ok(RuleSet {
            rules,
            anchors,
            always,
            unanchored,
        })
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// One pass of the anchor automaton: the rules `text` wakes and the extra literals it holds.
    pub fn wake(&self, text: &str) -> Wake {
        let mut w = Wake::default();
        self.anchors.for_each(text.as_bytes(), |h| match h {
            Hit::Rule(i) => w.set(i as usize),
            Hit::Path(bit) => w.paths |= bit,
        });
        w
    }

    /// Every confirmed match of every rule woken by `text`, appended to `out`.
    pub fn find(&self, text: &str, out: &mut Vec<Finding>) {
        self.find_woken(text, &self.wake(text), out);
    }

    /// [`RuleSet::find`] with the anchor pass already done (`wake` must come from this very `text`).
    pub fn find_woken(&self, text: &str, wake: &Wake, out: &mut Vec<Finding>) {
        let mut wake = *wake;
        if let Some(set) = &self.unanchored {
            // Most strings are short and match nothing: a yes/no search first spares the full one.
            if text.len() > 256 || set.is_match(text.as_bytes()) {
                for j in set.matches(text.as_bytes()).iter() {
                    wake.set(self.always[j]);
                }
            }
        }
        for (w, &word) in wake.rules.iter().enumerate() {
            let mut bits = word;
            while bits != 0 {
                let i = w * 64 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                if let Some(c) = self.rules.get(i) {
                    c.find(text, out);
                }
            }
        }
    }
}

impl Compiled {
    fn find(&self, text: &str, out: &mut Vec<Finding>) {
        let bytes = text.as_bytes();
        let mut locs = self.re.capture_locations();
        let mut at = 0;
        while at <= bytes.len() {
            let Some(whole) = self.re.captures_read_at(&mut locs, bytes, at) else {
                break;
            };
            let whole = whole.range();
            at = if whole.end > whole.start {
                whole.end
            } else {
                whole.end + 1
            };
            let part = if self.groups.is_empty() {
                whole.clone()
            } else {
                match self.groups.iter().find_map(|&g| locs.get(g)) {
                    Some((s, e)) => s..e,
                    None => continue,
                }
            };
            let part = char_bounds(text, part);
            if part.is_empty() || !self.confirm(text, whole.clone(), part.clone()) {
                continue;
            }
            out.push(Finding::new(
                part.start,
                part.end,
                self.rule.kind,
                self.rule.id,
                self.rule.placeholder,
            ));
        }
    }

    fn confirm(&self, text: &str, whole: Range<usize>, part: Range<usize>) -> bool {
        let value = &text[part.clone()];
        match self.rule.check {
            Check::Always => true,
            Check::Random(floor) => gates::looks_random(value, floor),
            Check::Near(words, floor) => {
                gates::looks_random(value, floor) && {
                    let from = floor_char(text, whole.start.saturating_sub(NEAR_WINDOW));
                    let before = text[from..whole.end].to_ascii_lowercase();
                    words.iter().any(|w| before.contains(w))
                }
            }
            Check::Generic => gates::generic_value_is_secret(value),
            Check::Custom(f) => f(text, whole, part),
        }
    }
}

fn floor_char(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Narrows a byte range to whole characters (byte regexes may stop inside a multi-byte one).
fn char_bounds(text: &str, r: Range<usize>) -> Range<usize> {
    let mut s = r.start;
    while s < r.end && !text.is_char_boundary(s) {
        s += 1;
    }
    let e = floor_char(text, r.end).max(s);
    s..e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_see_overlapping_and_nested_literals() {
        let a = Anchors::new([
            ("sk-", 1),
            ("sk-ant-", 2),
            ("ant", 3),
            ("key", 4),
            ("y-a", 5),
        ])
        .unwrap();
        let mut seen = Vec::new();
        a.for_each(b"my KEY-ANT here, sk-ant-x", |t| seen.push(t));
        seen.sort();
        seen.dedup();
        assert_eq!(seen, vec![1, 2, 3, 4, 5]);
        let mut none = Vec::new();
        a.for_each(b"nothing to see", |t| none.push(t));
        assert!(none.is_empty());
    }
}
