//! The rule engine: a table of regex rules, each reached only when one of its literal anchors occurs in the
//! text (one Aho-Corasick pass over all anchors), then confirmed by its own byte regex and a gate.

use std::ops::Range;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::bytes::{Regex, RegexBuilder};

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

/// A compiled rule table.
pub struct RuleSet {
    rules: Vec<Compiled>,
    anchors: Option<AhoCorasick>,
    /// For each anchor pattern, the rules it wakes.
    woken: Vec<Vec<usize>>,
    always: Vec<usize>,
}

#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    #[error("rule {id}: {error}")]
    Regex {
        id: &'static str,
        error: regex::Error,
    },
    #[error("anchor automaton: {0}")]
    Anchors(#[from] aho_corasick::BuildError),
}

impl RuleSet {
    pub fn compile(tables: &[&'static [Rule]]) -> Result<RuleSet, RuleError> {
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
        let anchors = if anchor_text.is_empty() {
            None
        } else {
            Some(
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::Standard)
                    .build(&anchor_text)?,
            )
        };
        Ok(RuleSet {
            rules,
            anchors,
            woken,
            always,
        })
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Every confirmed match of every rule woken by `text`, appended to `out`.
    pub fn find(&self, text: &str, out: &mut Vec<Finding>) {
        let bytes = text.as_bytes();
        let mut run = vec![false; self.rules.len()];
        for &i in &self.always {
            run[i] = true;
        }
        if let Some(ac) = &self.anchors {
            for m in ac.find_overlapping_iter(bytes) {
                for &i in &self.woken[m.pattern().as_usize()] {
                    run[i] = true;
                }
            }
        }
        for (i, c) in self.rules.iter().enumerate() {
            if run[i] {
                c.find(text, out);
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
