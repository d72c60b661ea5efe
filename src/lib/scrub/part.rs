//! Where the part a rule replaces (its `s`, `t`, `u` or `v` group) lies inside a match, found without a
//! capture search where the pattern allows it.
//!
//! A capture search runs a backtracker over the match after the DFAs have found it, and costs several
//! times the search itself: most of the price of a match on text full of secrets. But a rule whose group
//! stands at the top of its pattern, `pre (?P<s>body) post`, needs none:
//! - where `pre` (or `post`) has one length, the group starts that far into the match (ends that far
//!   before its end);
//! - otherwise a capture search takes `pre`'s first path in priority order that lets the rest match; an
//!   anchored search for `pre` alone gives that path's end, and when the rest (`body post`) then matches
//!   from there to the match's end, it is the path taken. The group's end is found the same way, `body`
//!   against `post`.
//!
//! Whatever does not fit (a group inside an alternation, several groups, a lazy group, a rest that cannot
//! follow) falls back to the capture search, so the part is always the one the capture search would give.

use std::ops::Range;
use std::sync::OnceLock;

use regex_automata::meta::Regex;
use regex_automata::util::captures::Captures;
use regex_automata::{Anchored, Input};
use regex_syntax::hir::{Hir, HirKind};

use super::rules::build;

/// The names of the groups that hold what a rule replaces.
pub const GROUPS: [&str; 4] = ["s", "t", "u", "v"];

/// How a rule's part is read off a match.
pub enum Part {
    /// The pattern has no group: the part is the match.
    Whole,
    /// The group (this index) stands at the top of the pattern.
    Split {
        group: usize,
        start: Side,
        end: Side,
    },
    /// A capture search, keeping the first of these groups that took part.
    Captures(Vec<usize>),
}

/// One bound of the group.
pub enum Side {
    /// This many bytes in from the match's bound.
    Fixed(usize),
    /// Found by searching.
    Searched(Box<Searched>),
}

/// For the start, `near` is `pre` and `far` is `body post`; for the end, `near` is `body` and `far` is
/// `post`. The regexes are built on first use: most rules never match.
pub struct Searched {
    near: Hir,
    far: Hir,
    built: OnceLock<Option<(Regex, Regex)>>,
}

impl Part {
    /// How to read the part off a match of `hir` (the parse of `re`'s pattern).
    pub fn new(hir: &Hir, re: &Regex) -> Part {
        let names = re
            .group_info()
            .pattern_names(regex_automata::PatternID::ZERO)
            .enumerate()
            .filter(|(_, n)| n.is_some_and(|n| GROUPS.contains(&n)))
            .map(|(i, _)| i)
            .collect::<Vec<_>>();
        if names.is_empty() {
            return Part::Whole;
        }
        let bounds = if names.len() == 1 { split(hir) } else { None };
        match bounds {
            Some((start, end)) => Part::Split {
                group: names[0],
                start,
                end,
            },
            None => Part::Captures(names),
        }
    }

    /// The part of the match `m` of `re` in `bytes` (`None`: the group took no part), `caps` being `re`'s
    /// captures, reused.
    pub fn find(
        &self,
        re: &Regex,
        bytes: &[u8],
        m: Range<usize>,
        caps: &mut Option<Captures>,
    ) -> Option<Range<usize>> {
        match self {
            Part::Whole => Some(m),
            Part::Split { group, start, end } => {
                let found = start.start(bytes, m.clone()).and_then(|s| {
                    let e = end.end(bytes, s..m.end)?;
                    (s <= e).then_some(s..e)
                });
                found.or_else(|| captured(re, bytes, m, caps, &[*group]))
            }
            Part::Captures(groups) => captured(re, bytes, m, caps, groups),
        }
    }
}

/// The first of `groups` that took part in the match `m`, by a capture search over it.
fn captured(
    re: &Regex,
    bytes: &[u8],
    m: Range<usize>,
    caps: &mut Option<Captures>,
    groups: &[usize],
) -> Option<Range<usize>> {
    let caps = caps.get_or_insert_with(|| re.create_captures());
    re.search_captures(&Input::new(bytes).span(m).anchored(Anchored::Yes), caps);
    groups
        .iter()
        .find_map(|&g| caps.get_group(g))
        .map(|sp| sp.range())
}

impl Side {
    /// Fixed if every match of `fixed_by` has one length, else searched with `near` and `far`.
    fn new(fixed_by: &[Hir], near: &[Hir], far: &[Hir]) -> Side {
        let fixed = fixed_by.iter().try_fold(0, |n, h| {
            let p = h.properties();
            let len = p.minimum_len()?;
            (p.maximum_len()? == len).then_some(n + len)
        });
        match fixed {
            Some(n) => Side::Fixed(n),
            None => Side::Searched(Box::new(Searched {
                near: Hir::concat(near.to_vec()),
                far: Hir::concat(far.to_vec()),
                built: OnceLock::new(),
            })),
        }
    }

    /// The group's start in the match `m`.
    fn start(&self, bytes: &[u8], m: Range<usize>) -> Option<usize> {
        match self {
            Side::Fixed(n) => Some(m.start + n).filter(|&s| s <= m.end),
            Side::Searched(s) => s.meet(bytes, m),
        }
    }

    /// The group's end in `m`, which runs from the group's start to the match's end.
    fn end(&self, bytes: &[u8], m: Range<usize>) -> Option<usize> {
        match self {
            Side::Fixed(n) => m.end.checked_sub(*n).filter(|&e| e >= m.start),
            Side::Searched(s) => s.meet(bytes, m),
        }
    }
}

impl Searched {
    /// Where `near`'s first path from `m.start` ends, if `far` then matches from there to `m.end`
    /// (else the capture search decides).
    fn meet(&self, bytes: &[u8], m: Range<usize>) -> Option<usize> {
        let (near, far) = self
            .built
            .get_or_init(|| Some((build(&self.near).ok()?, build(&self.far).ok()?)))
            .as_ref()?;
        let anchored = |r: Range<usize>| Input::new(bytes).span(r).anchored(Anchored::Yes);
        let mid = near.search(&anchored(m.clone()))?.end();
        let end = far.search(&anchored(mid..m.end))?.end();
        (end == m.end).then_some(mid)
    }
}

/// The group's two bounds if the pattern is a sequence with its one group at the top.
fn split(hir: &Hir) -> Option<(Side, Side)> {
    let HirKind::Concat(items) = hir.kind() else {
        return is_group(hir).then_some((Side::Fixed(0), Side::Fixed(0)));
    };
    let at = items.iter().position(is_group)?;
    // A lazy group (`{2,60}?`) takes its shortest run, which the rest seldom follows to the match's end: the
    // search for its end would nearly always fail, and the capture search decide after all.
    if is_lazy(&items[at]) {
        return None;
    }
    let (pre, rest) = items.split_at(at);
    let post = &rest[1..];
    Some((Side::new(pre, pre, rest), Side::new(post, &rest[..1], post)))
}

/// Whether `hir` holds a non-greedy repetition.
fn is_lazy(hir: &Hir) -> bool {
    match hir.kind() {
        HirKind::Repetition(r) => !r.greedy || is_lazy(&r.sub),
        HirKind::Capture(c) => is_lazy(&c.sub),
        HirKind::Concat(v) | HirKind::Alternation(v) => v.iter().any(is_lazy),
        _ => false,
    }
}

fn is_group(hir: &Hir) -> bool {
    matches!(hir.kind(), HirKind::Capture(c) if c.name.as_deref().is_some_and(|n| GROUPS.contains(&n)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scrub::pattern_samples::{parse, sample, Rng};

    fn regex(pattern: &str) -> Regex {
        build(&parse(pattern)).unwrap()
    }

    /// A part read off a match, and the capture search's.
    type Pair = (Option<Range<usize>>, Option<Range<usize>>);

    /// Every match's part, read off by `part` and by a capture search.
    fn both(part: &Part, re: &Regex, text: &[u8]) -> Vec<Pair> {
        let groups = match part {
            Part::Whole => return Vec::new(),
            Part::Split { group, .. } => vec![*group],
            Part::Captures(g) => g.clone(),
        };
        let (mut caps, mut caps2) = (None, None);
        re.find_iter(text)
            .map(|m| {
                (
                    part.find(re, text, m.range(), &mut caps),
                    captured(re, text, m.range(), &mut caps2, &groups),
                )
            })
            .collect()
    }

    /// For every rule, on random texts built from its own pattern: the part read off a match is the one the
    /// capture search gives.
    #[test]
    fn parts_agree_with_the_capture_search_for_every_rule() {
        use super::super::{models, pii, secrets};
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let filler: &[&[u8]] = &[
            b" ", b"\n", b"\\n", b"=", b"\"", b":", b"-", b"x", b"@", b"_", b"9",
        ];
        let (mut split, mut compared) = (0, 0);
        for rule in [secrets::RULES, pii::RULES, models::RULES]
            .iter()
            .flat_map(|t| t.iter())
        {
            let hir = parse(rule.pattern);
            let re = regex(rule.pattern);
            let part = Part::new(&hir, &re);
            if !matches!(part, Part::Split { .. }) {
                continue;
            }
            split += 1;
            for _ in 0..150 {
                let mut text = Vec::new();
                for _ in 0..1 + rng.below(3) {
                    if rng.below(2) == 0 {
                        text.extend_from_slice(filler[rng.below(filler.len())]);
                    }
                    sample(&hir, &mut rng, &mut text);
                    // Now and then cut short or run on, where optional pieces decide the group.
                    if rng.below(4) == 0 {
                        text.truncate(text.len().saturating_sub(rng.below(8)));
                    }
                }
                for (got, want) in both(&part, &re, &text) {
                    assert_eq!(
                        got,
                        want,
                        "{} in {:?}",
                        rule.id,
                        String::from_utf8_lossy(&text)
                    );
                    compared += 1;
                }
            }
        }
        assert!(split > 100, "{split} rules read their part off the match");
        assert!(compared > 10_000, "{compared} matches compared");
    }

    /// `sk-ant-api03-` with too short a rest for the optional version to be taken: the group starts right
    /// after `sk-ant-`, as the capture search says, though `pre` alone would take `api03-`.
    #[test]
    fn an_optional_piece_the_rest_cannot_follow_is_left_to_the_capture_search() {
        let pattern = r"\bsk-ant-(?:[a-z]{3,5}\d\d-)?(?P<s>[A-Za-z0-9_-]{40,})";
        let re = regex(pattern);
        let part = Part::new(&parse(pattern), &re);
        assert!(matches!(
            part,
            Part::Split {
                start: Side::Searched(_),
                end: Side::Fixed(0),
                ..
            }
        ));
        let short = format!("key sk-ant-api03-{} end", "A".repeat(36));
        let long = format!("key sk-ant-api03-{} end", "A".repeat(45));
        for (text, from) in [(short, "api03"), (long, "AAAA")] {
            let pairs = both(&part, &re, text.as_bytes());
            assert_eq!(pairs.len(), 1);
            let (got, want) = pairs[0].clone();
            assert_eq!(got, want);
            assert!(text[got.unwrap()].starts_with(from), "{text}");
        }
    }

    #[test]
    fn fixed_lengths_count_in_from_the_match_bounds() {
        let pattern = r"\bgh[pousr]_(?P<s>[A-Za-z0-9]{20,40})\b";
        let re = regex(pattern);
        let part = Part::new(&parse(pattern), &re);
        assert!(matches!(
            part,
            Part::Split {
                start: Side::Fixed(4),
                end: Side::Fixed(0),
                ..
            }
        ));
        assert!(matches!(
            Part::new(&parse("[a-z]+@[a-z]+"), &regex("[a-z]+@[a-z]+")),
            Part::Whole
        ));
        // A group inside an alternation is left to the capture search, and so is a lazy one.
        for pattern in [r"a(?P<s>b+)|c(?P<t>d+)", r"a:\s*(?P<s>[^<]{2,9}?)\s*<"] {
            assert!(matches!(
                Part::new(&parse(pattern), &regex(pattern)),
                Part::Captures(_)
            ));
        }
    }
}
