//! The rule engine: a table of regex rules, each reached only when one of its literal anchors occurs in the
//! text (one pass over all anchors) or, for rules without literals, where a cheap scan says it can match;
//! then confirmed by its own byte regex and a gate.

use std::ops::Range;

use regex_automata::meta::{self, Regex};
use regex_automata::{Anchored, Input};
use regex_syntax::hir::{Hir, HirKind};

use super::finding::{self, Finding, Kind};
use super::gates;
use super::locate;
use super::part::Part;
use super::paths;
use super::pii;

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
    /// A rule-specific test that may also shorten the replaced part (an address whose last label is no
    /// domain: `bob@corp.io.claude` is `bob@corp.io`); `None` rejects the match.
    Narrow(NarrowFn),
}

/// (text, whole match, replaced part) to the part to replace, or `None`.
pub type NarrowFn = fn(&str, Range<usize>, Range<usize>) -> Option<Range<usize>>;

/// One row of a rule table. The named group `s` (or, in alternations, `t`, `u` or `v`), when present, is what
/// gets replaced; otherwise the whole match.
pub struct Rule {
    pub id: &'static str,
    pub kind: Kind,
    /// Lowercase literals, one of which occurs (case-insensitively) in every match. Empty: always run.
    /// `\d` in one stands for any digit (see [`expand_anchor`]).
    pub anchors: &'static [&'static str],
    /// The anchors are words of the text around a match rather than part of it (`discord` somewhere before
    /// a bot token): the rule runs on texts that mention them, wherever its match lies.
    pub context: bool,
    /// The rule takes only what no other rule took: a shape so general (any random-looking value) that a
    /// specific rule's reading of the same text (`ghp_<REDACTED>`, keeping the prefix) comes first. Only for
    /// rules without anchors.
    pub fallback: bool,
    pub pattern: &'static str,
    pub check: Check,
    pub placeholder: &'static str,
    pub reach: Reach,
}

/// Where in a text the rule's regex searches.
#[derive(Clone, Copy)]
pub enum Reach {
    /// The whole text (of every text its anchors wake, or of every text if it has none); from near its
    /// anchors when the pattern shows every match begins at or shortly before one (see [`Lead`]).
    Whole,
    /// Every match begins at one of the rule's anchors, or one byte before it when that byte is one of
    /// these: the regex is tried there only, anchored (a keyword that starts an assignment; `_auth`).
    AtAnchor(&'static [u8]),
    /// Every match overlaps a range this scan reports (see [`super::locate`]); the regex searches the
    /// windows around them as wide as its longest match. For rules without anchors.
    Scan(locate::Scan),
    /// Every match lies inside a range this scan reports: the regex searches those ranges as they are (the
    /// scan knows how far a match reaches around what it found). For rules without anchors.
    Within(locate::Scan),
}

/// The literals an anchor stands for: `\d` is any digit (`:\d:` is `:0:`, `:1:`, ...), for shapes such as
/// a port that no fixed literal covers.
pub fn expand_anchor(anchor: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut rest = anchor;
    while let Some(c) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix("\\d") {
            out = out
                .iter()
                .flat_map(|s| ('0'..='9').map(move |d| format!("{s}{d}")))
                .collect();
            rest = after;
        } else {
            out.iter_mut().for_each(|s| s.push(c));
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// How far before a match [`Check::Near`] looks for its words.
const NEAR_WINDOW: usize = 96;

struct Compiled {
    rule: &'static Rule,
    re: Regex,
    /// How the part to replace is read off a match.
    part: Part,
    /// The longest match the pattern allows, if bounded.
    longest: Option<usize>,
    /// Where matches begin relative to the rule's anchors.
    lead: Lead,
    /// The rule's anchors of one byte (lowercase), which the anchor pass reports only once: their other
    /// occurrences are looked for when the lead needs them.
    single: Vec<u8>,
}

/// Where a rule's matches begin relative to the occurrences of its anchors.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Lead {
    /// Nothing known: the regex searches the whole text.
    Anywhere,
    /// At an occurrence, or a byte before one when that byte is one of these: declared
    /// ([`Reach::AtAnchor`]) or read off the pattern (`\bsk-ant-…`, see [`lead_of`]). The regex is tried
    /// anchored there.
    At(&'static [u8]),
    /// At most this many bytes before an occurrence, read off the pattern (an address begins at most 64
    /// bytes before its `@`): the regex searches from there on.
    Within(usize),
    /// At the start of the line an occurrence is on: the pattern begins with `(?m)^` and matches no line
    /// feed (a `.pgpass` line). The regex is tried anchored there.
    Line,
}

/// The places a rule's regex is run over one text.
enum Plan<'a> {
    Whole,
    /// Sorted, disjoint ranges; every match lies inside one.
    Windows(&'a [Range<usize>]),
    /// Sorted, distinct positions; every match begins at one.
    Starts(&'a [usize]),
    /// Sorted positions; every match begins at most this many bytes before one it holds.
    Near(&'a [usize], usize),
}

/// Which of a set of literals occur in a text (ASCII case-insensitively), each literal carrying payloads.
///
/// One pass over the text's byte triples: a bit table hashed from three (case-folded) bytes of every
/// literal, its least common three, rejects nearly every position with one lookup, and only the positions
/// it lets through compare the few literals filed under that hash. Literals of one byte are found by
/// `memchr`. Every occurrence of every literal is seen, nested and overlapping ones included. (An
/// overlapping Aho-Corasick DFA did the same, one lookup per byte in a table too big for the L1 cache.)
pub struct Anchors<T> {
    /// Lowercase literals.
    lits: Vec<Box<[u8]>>,
    /// Per literal, its first eight bytes as one word to compare.
    heads: Vec<Head>,
    /// Per literal, where in it the hashed triple starts: its least common one, so that common words
    /// (`create` for `credential`) rarely reach the comparison.
    offsets: Vec<u8>,
    /// One bit per triple hash (see [`triple_hash`]) that starts a literal of two or more bytes (for two
    /// bytes, followed by any byte).
    bits: Box<[u64; TABLE / 64]>,
    /// For a hash whose bit is set, 1 + its index in `buckets`.
    slot: Box<[u16; TABLE]>,
    /// The literals (indices into `lits`) filed under a hash.
    buckets: Vec<Vec<u32>>,
    /// Literals of two bytes, checked at the text's next-to-last byte, which starts no triple.
    pairs: Vec<u32>,
    /// Literals of one byte, and the bytes (both cases) that are one.
    singles: Vec<u32>,
    single_bytes: Vec<u8>,
    payloads: Vec<Vec<T>>,
}

const TABLE: usize = 1 << 16;

/// The first eight bytes of a lowercase literal, to compare with eight bytes of text in one step, ASCII
/// case-insensitively: a text byte `t` matches a letter `l` when `t | 0x20 == l` (only `l` and its upper
/// case do), any other byte when equal. Bytes past the literal's end are masked out.
#[derive(Clone, Copy)]
struct Head {
    word: u64,
    fold: u64,
    mask: u64,
}

impl Head {
    fn new(lit: &[u8]) -> Head {
        let (mut word, mut fold, mut mask) = ([0u8; 8], [0u8; 8], [0u8; 8]);
        for (j, &c) in lit.iter().take(8).enumerate() {
            word[j] = c;
            fold[j] = if c.is_ascii_lowercase() { 0x20 } else { 0 };
            mask[j] = 0xff;
        }
        Head {
            word: u64::from_le_bytes(word),
            fold: u64::from_le_bytes(fold),
            mask: u64::from_le_bytes(mask),
        }
    }

    /// Whether `text` (at least as long as the literal) begins with the literal's first eight bytes.
    #[inline(always)]
    fn matches(&self, text: &[u8]) -> bool {
        let w = match text.get(..8) {
            Some(w) => u64::from_le_bytes(w.try_into().expect("8 bytes")),
            None => {
                let mut w = [0u8; 8];
                w[..text.len()].copy_from_slice(text);
                u64::from_le_bytes(w)
            }
        };
        (w | self.fold) & self.mask == self.word
    }
}

/// ASCII upper case to lower case, other bytes as they are.
const FOLD: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = (i as u8).to_ascii_lowercase();
        i += 1;
    }
    t
};

/// The table index of the three bytes at the low end of `w` (the first three of a little-endian load), with
/// bit 5 set in each: an ASCII letter hashes as its lower case. So do a few pairs of punctuation bytes (`@` and
/// `` ` ``, `[` and `{`, `_` and DEL), which only lets a few more positions through to the exact comparison.
/// No byte depends on the previous position's, so the scan can hash several positions at once.
#[inline(always)]
fn triple_hash(w: u64) -> usize {
    let x = (w as u32 | 0x0020_2020) & 0x00ff_ffff;
    (x.wrapping_mul(0x9E37_79B1) >> 16) as usize
}

/// Three bytes as the low end of an eight-byte little-endian load holds them, for [`triple_hash`].
fn packed(a: u8, b: u8, c: u8) -> u64 {
    u64::from_le_bytes([a, b, c, 0, 0, 0, 0, 0])
}

/// How many positions [`Anchors::for_each`] hashes from one eight-byte load (the triples starting at its
/// first six bytes).
const STRIDE: usize = 6;

impl<T: Copy + PartialEq> Anchors<T> {
    pub fn new<'a>(
        pairs: impl IntoIterator<Item = (&'a str, T)>,
    ) -> Result<Anchors<T>, AnchorError> {
        let mut lits: Vec<(String, Vec<T>)> = Vec::new();
        for (lit, t) in pairs {
            if lit.is_empty() {
                return Err(AnchorError::Empty);
            }
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
        let mut a = Anchors {
            lits: Vec::with_capacity(lits.len()),
            heads: Vec::with_capacity(lits.len()),
            offsets: Vec::with_capacity(lits.len()),
            bits: Box::new([0; TABLE / 64]),
            slot: vec![0u16; TABLE]
                .into_boxed_slice()
                .try_into()
                .expect("TABLE slots"),
            buckets: Vec::new(),
            pairs: Vec::new(),
            singles: Vec::new(),
            single_bytes: Vec::new(),
            payloads: Vec::with_capacity(lits.len()),
        };
        for (i, (lit, ts)) in lits.into_iter().enumerate() {
            let b = lit.as_bytes();
            let k = if b.len() >= 3 {
                paths::rarest_window(b, 3)
            } else {
                0
            };
            if k > u8::MAX as usize {
                return Err(AnchorError::TooLong);
            }
            let triples: Vec<u64> = match b.len() {
                1 => {
                    a.singles.push(i as u32);
                    for c in [b[0], b[0].to_ascii_uppercase()] {
                        if !a.single_bytes.contains(&c) {
                            a.single_bytes.push(c);
                        }
                    }
                    Vec::new()
                }
                2 => {
                    a.pairs.push(i as u32);
                    (0..=255).map(|x| packed(b[0], b[1], x)).collect()
                }
                _ => vec![packed(b[k], b[k + 1], b[k + 2])],
            };
            a.offsets.push(k as u8);
            for x in triples {
                let h = triple_hash(x);
                a.bits[h >> 6] |= 1 << (h & 63);
                if a.slot[h] == 0 {
                    a.buckets.push(Vec::new());
                    a.slot[h] = u16::try_from(a.buckets.len()).map_err(|_| AnchorError::TooMany)?;
                }
                let bucket = &mut a.buckets[a.slot[h] as usize - 1];
                if !bucket.contains(&(i as u32)) {
                    bucket.push(i as u32);
                }
            }
            a.heads.push(Head::new(b));
            a.lits.push(lit.into_bytes().into_boxed_slice());
            a.payloads.push(ts);
        }
        Ok(a)
    }

    /// Calls `f` with the payload and position of every literal occurring in `text` (repeats possible).
    pub fn for_each(&self, text: &[u8], mut f: impl FnMut(T, usize)) {
        self.singles(text, &mut f);
        let n = text.len();
        let mut i = 0;
        // Six positions per load: nearly every group has no bit set.
        while i + 8 <= n {
            let w = u64::from_le_bytes(text[i..i + 8].try_into().expect("8 bytes"));
            let h: [usize; STRIDE] = std::array::from_fn(|k| triple_hash(w >> (8 * k)));
            if h.iter().any(|&h| self.bits[h >> 6] >> (h & 63) & 1 != 0) {
                for (k, &h) in h.iter().enumerate() {
                    self.triple_at(text, i + k, h, &mut f);
                }
            }
            i += STRIDE;
        }
        // The last triples, from a zero-padded load.
        while i + 3 <= n {
            let mut w = [0u8; 8];
            let tail = &text[i..n.min(i + 8)];
            w[..tail.len()].copy_from_slice(tail);
            self.triple_at(text, i, triple_hash(u64::from_le_bytes(w)), &mut f);
            i += 1;
        }
        if n >= 2 {
            self.verify(text, n - 2, &self.pairs, &mut f);
        }
    }

    /// The literals filed under hash `h` that occur at `at`, if any are.
    #[inline(always)]
    fn triple_at(&self, text: &[u8], at: usize, h: usize, f: &mut impl FnMut(T, usize)) {
        if self.bits[h >> 6] >> (h & 63) & 1 != 0 {
            self.verify(text, at, &self.buckets[self.slot[h] as usize - 1], f);
        }
    }

    /// Literals of one byte, reported at their first occurrence (only their presence is used).
    fn singles(&self, text: &[u8], f: &mut impl FnMut(T, usize)) {
        let mut seen = false;
        match *self.single_bytes.as_slice() {
            [] => {}
            [a] => seen = memchr::memchr(a, text).is_some(),
            [a, b] => seen = memchr::memchr2(a, b, text).is_some(),
            [a, b, c] => seen = memchr::memchr3(a, b, c, text).is_some(),
            _ => {
                for &l in &self.singles {
                    let c = self.lits[l as usize][0];
                    if let Some(at) = text.iter().position(|b| FOLD[*b as usize] == c) {
                        self.payloads[l as usize].iter().for_each(|&t| f(t, at));
                    }
                }
            }
        }
        if seen {
            // Which of them, in the rare text that holds one.
            for &l in &self.singles {
                let c = self.lits[l as usize][0];
                if let Some(at) = memchr::memchr2(c, c.to_ascii_uppercase(), text) {
                    self.payloads[l as usize].iter().for_each(|&t| f(t, at));
                }
            }
        }
    }

    /// The literals among `cands` whose hashed triple is the one at `at`.
    #[inline(never)]
    fn verify(&self, text: &[u8], at: usize, cands: &[u32], f: &mut impl FnMut(T, usize)) {
        for &l in cands {
            let lit = &self.lits[l as usize];
            let Some(start) = at.checked_sub(self.offsets[l as usize] as usize) else {
                continue;
            };
            let rest = &text[start..];
            if rest.len() >= lit.len()
                && self.heads[l as usize].matches(rest)
                && (lit.len() <= 8 || rest[8..lit.len()].eq_ignore_ascii_case(&lit[8..]))
            {
                self.payloads[l as usize].iter().for_each(|&t| f(t, start));
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AnchorError {
    #[error("an empty anchor literal")]
    Empty,
    #[error("more anchor byte pairs than supported")]
    TooMany,
    #[error("an anchor literal longer than supported")]
    TooLong,
}

/// What one anchor stands for: a rule to run, or a bit of the path rules' own gate.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Hit {
    Rule(u16),
    Path(u8),
}

/// Which rules a text wakes, and which path-rule literals it holds (see [`RuleSet::wake`]).
#[derive(Clone, Default, Debug)]
pub struct Wake {
    rules: [u64; 4],
    /// The path literals present (`paths::LITERALS`).
    pub paths: paths::PathHits,
    /// (rule, position) of every anchor of a rule whose matches begin near its anchors ([`Compiled::lead`]),
    /// as the anchor pass reports them (by where their rarest bytes are: nearly in text order).
    starts: Vec<(u16, usize)>,
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
    /// Rules without anchors: run on every text (in the windows their scan finds).
    always: Vec<usize>,
    /// [`Rule::fallback`] rules: run on every text after all others.
    fallbacks: Vec<usize>,
}

#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    #[error("rule {id}: {error}")]
    Regex {
        id: &'static str,
        error: regex::Error,
    },
    #[error("rule {id}: {error}")]
    Syntax {
        id: &'static str,
        error: Box<regex_syntax::Error>,
    },
    #[error("rule {id}: {error}")]
    Build {
        id: &'static str,
        error: Box<meta::BuildError>,
    },
    #[error("rule {id}: {why}")]
    Reach { id: &'static str, why: &'static str },
    #[error("{0} rules, more than the {MAX_RULES} supported")]
    TooMany(usize),
    #[error("anchors: {0}")]
    Anchors(#[from] AnchorError),
}

impl RuleSet {
    /// `extra`: literals of other matchers (the path rules) whose presence [`RuleSet::wake`] reports too, so
    /// one pass over a text serves both.
    pub fn compile(
        tables: &[&'static [Rule]],
        extra: &[(&'static str, u8)],
    ) -> Result<RuleSet, RuleError> {
        let table: Vec<&'static Rule> = tables.iter().flat_map(|t| t.iter()).collect();
        let rules = compile_all(&table)?;
        let mut anchor_text: Vec<String> = Vec::new();
        let mut woken: Vec<Vec<usize>> = Vec::new();
        let mut always = Vec::new();
        let mut fallbacks = Vec::new();
        for (i, rule) in table.into_iter().enumerate() {
            match (rule.fallback, rule.anchors.is_empty()) {
                (true, true) => fallbacks.push(i),
                (true, false) => {
                    return Err(RuleError::Reach {
                        id: rule.id,
                        why: "a fallback rule cannot have anchors",
                    })
                }
                (false, true) => always.push(i),
                (false, false) => {}
            }
            for a in rule.anchors.iter().flat_map(|a| expand_anchor(a)) {
                match anchor_text.iter().position(|x| *x == a) {
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
            .flat_map(|(a, w)| w.iter().map(move |&i| (a.as_str(), Hit::Rule(i as u16))))
            .chain(extra.iter().map(|&(a, bit)| (a, Hit::Path(bit))));
        let anchors = Anchors::new(pairs)?;
        Ok(RuleSet {
            rules,
            anchors,
            always,
            fallbacks,
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
        self.anchors.for_each(text.as_bytes(), |h, at| match h {
            Hit::Rule(i) => {
                w.set(i as usize);
                if self.rules[i as usize].lead != Lead::Anywhere {
                    w.starts.push((i, at));
                }
            }
            Hit::Path(bit) => w.paths.add(bit, at),
        });
        w
    }

    /// Every confirmed match of every rule woken by `text`, appended to `out`.
    pub fn find(&self, text: &str, out: &mut Vec<Finding>) {
        self.find_woken(text, &self.wake(text), out);
    }

    /// [`RuleSet::find`] with the anchor pass already done (`wake` must come from this very `text`).
    pub fn find_woken(&self, text: &str, wake: &Wake, out: &mut Vec<Finding>) {
        let mut ranges = Vec::new();
        let mut starts = Vec::new();
        let scanned = locate::Text::new(text.as_bytes());
        let anchorless = |i: usize, ranges: &mut Vec<Range<usize>>, out: &mut Vec<Finding>| {
            let c = &self.rules[i];
            match c.rule.reach {
                Reach::Scan(scan) | Reach::Within(scan) => {
                    c.find_scanned(scan, text, &scanned, ranges, out)
                }
                Reach::Whole | Reach::AtAnchor(_) => c.find(text, Plan::Whole, out),
            }
        };
        for &i in &self.always {
            anchorless(i, &mut ranges, out);
        }
        for (w, &word) in wake.rules.iter().enumerate() {
            let mut bits = word;
            while bits != 0 {
                let i = w * 64 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let Some(c) = self.rules.get(i) else { continue };
                if let Reach::Scan(scan) | Reach::Within(scan) = c.rule.reach {
                    c.find_scanned(scan, text, &scanned, &mut ranges, out);
                    continue;
                }
                match c.lead {
                    Lead::At(before) => {
                        c.anchors_in(i, before, text, wake, &mut starts);
                        c.find(text, Plan::Starts(&starts), out);
                    }
                    Lead::Within(n) => {
                        c.anchors_in(i, &[], text, wake, &mut starts);
                        c.find(text, Plan::Near(&starts, n), out);
                    }
                    Lead::Line => {
                        c.anchors_in(i, &[], text, wake, &mut starts);
                        line_starts(text.as_bytes(), &mut starts);
                        c.find(text, Plan::Starts(&starts), out);
                    }
                    Lead::Anywhere => c.find(text, Plan::Whole, out),
                }
            }
        }
        let taken = out.len();
        for &i in &self.fallbacks {
            let mut found = Vec::new();
            anchorless(i, &mut ranges, &mut found);
            found.retain(|f| !out[..taken].iter().any(|t| f.overlaps(t)));
            out.append(&mut found);
        }
    }
}

/// How far before an occurrence of one of its anchors every match of the rule begins, if the pattern shows
/// it is bounded: the longest run of the leading pieces after which every match goes on with an anchor (0
/// when every match begins with one: `\bsk-ant-…`; 64 for an address's local part before its `@`).
fn lead_of(hir: &Hir, rule: &Rule) -> Option<usize> {
    let anchors: Vec<String> = rule.anchors.iter().flat_map(|a| expand_anchor(a)).collect();
    let folded = fold_case(hir);
    let items = match folded.kind() {
        HirKind::Concat(items) => items.as_slice(),
        _ => std::slice::from_ref(&folded),
    };
    let mut before = 0;
    for (i, item) in items.iter().enumerate() {
        if begins_with_one(&Hir::concat(items[i..].to_vec()), &anchors) {
            return Some(before);
        }
        before += item.properties().maximum_len()?;
    }
    None
}

/// Whether every match of `hir` lies in one line and begins it: the pattern starts with `(?m)^` and nothing
/// in it matches a line feed.
fn begins_a_line(hir: &Hir) -> bool {
    use regex_syntax::hir::Look;
    let first = match hir.kind() {
        HirKind::Concat(items) => items.first(),
        _ => None,
    };
    matches!(first.map(Hir::kind), Some(HirKind::Look(Look::StartLF))) && !matches_line_feed(hir)
}

/// Whether some match of `hir` holds a line feed.
fn matches_line_feed(hir: &Hir) -> bool {
    use regex_syntax::hir::Class;
    match hir.kind() {
        HirKind::Literal(l) => l.0.contains(&b'\n'),
        HirKind::Class(Class::Bytes(c)) => c
            .ranges()
            .iter()
            .any(|r| (r.start()..=r.end()).contains(&b'\n')),
        HirKind::Class(Class::Unicode(c)) => c
            .ranges()
            .iter()
            .any(|r| (r.start()..=r.end()).contains(&'\n')),
        HirKind::Repetition(r) => r.max != Some(0) && matches_line_feed(&r.sub),
        HirKind::Capture(c) => matches_line_feed(&c.sub),
        HirKind::Concat(v) | HirKind::Alternation(v) => v.iter().any(matches_line_feed),
        HirKind::Empty | HirKind::Look(_) => false,
    }
}

/// Each position in `at` (sorted) replaced by the start of its line; sorted, distinct. Each byte is looked
/// at once: a long line holding many positions is not searched back from each.
fn line_starts(text: &[u8], at: &mut Vec<usize>) {
    let (mut from, mut start) = (0, 0);
    for a in at.iter_mut() {
        if let Some(i) = memchr::memrchr(b'\n', &text[from..*a]) {
            start = from + i + 1;
        }
        from = *a;
        *a = start;
    }
    at.dedup();
}

/// Whether every match of `hir` begins with one of `anchors` (letters in either case), by its literal
/// prefixes.
fn begins_with_one(hir: &Hir, anchors: &[String]) -> bool {
    use regex_syntax::hir::literal::{ExtractKind, Extractor};
    let mut extractor = Extractor::new();
    extractor.kind(ExtractKind::Prefix).limit_total(1024);
    // Each literal begins every match it stands for; an infinite set says nothing.
    let prefixes = extractor.extract(hir);
    let Some(literals) = prefixes.literals() else {
        return false;
    };
    !literals.is_empty()
        && literals.iter().all(|lit| {
            let lit = lit.as_bytes();
            anchors
                .iter()
                .any(|a| lit.len() >= a.len() && lit[..a.len()].eq_ignore_ascii_case(a.as_bytes()))
        })
}

/// `hir` with each class of one ASCII letter in both cases (`(?i)c`) made that letter: the literal prefixes
/// of a case-insensitive pattern would otherwise multiply past any limit (`co-authored-by` has 4,096
/// spellings), and anchors are compared in either case anyway.
fn fold_case(hir: &Hir) -> Hir {
    use regex_syntax::hir::{Capture, Class, Repetition};
    match hir.kind() {
        HirKind::Class(Class::Bytes(c)) => match c.ranges() {
            [upper, lower]
                if upper.start() == upper.end()
                    && lower.start() == lower.end()
                    && upper.start().is_ascii_uppercase()
                    && lower.start() == upper.start().to_ascii_lowercase() =>
            {
                Hir::literal([lower.start()])
            }
            _ => hir.clone(),
        },
        HirKind::Concat(v) => Hir::concat(v.iter().map(fold_case).collect()),
        HirKind::Alternation(v) => Hir::alternation(v.iter().map(fold_case).collect()),
        HirKind::Repetition(r) => Hir::repetition(Repetition {
            sub: Box::new(fold_case(&r.sub)),
            ..r.clone()
        }),
        HirKind::Capture(c) => Hir::capture(Capture {
            sub: Box::new(fold_case(&c.sub)),
            ..c.clone()
        }),
        _ => hir.clone(),
    }
}

/// A rule's pattern parsed as the engine reads it: bytes, not Unicode (`\w` is ASCII, `.` any byte).
pub(super) fn parse(pattern: &str) -> Result<Hir, Box<regex_syntax::Error>> {
    regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(pattern)
        .map_err(Box::new)
}

/// The regex for a parsed pattern (a rule's, or a piece of one: see [`super::part`]).
pub(super) fn build(hir: &Hir) -> Result<Regex, Box<meta::BuildError>> {
    Regex::builder()
        .configure(
            meta::Config::new()
                .nfa_size_limit(Some(32 << 20))
                .utf8_empty(false)
                // A one-pass DFA per rule would cost more to build (and 8 MB to hold) than it saves the
                // few searches that read a match's groups: those find the match first and read it after.
                .onepass(false),
        )
        .build_from_hir(hir)
        .map_err(Box::new)
}

/// Builds the rules' regexes on every core: it is most of a run's start-up, which a short input feels. A part
/// whose thread cannot be started is built here instead.
fn compile_all(rules: &[&'static Rule]) -> Result<Vec<Compiled>, RuleError> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = rules.len().div_ceil(threads).max(1);
    let build = |part: &[&'static Rule]| part.iter().map(|r| Compiled::new(r)).collect::<Vec<_>>();
    std::thread::scope(|scope| {
        let parts: Vec<_> = rules
            .chunks(chunk)
            .map(|part| {
                std::thread::Builder::new()
                    .spawn_scoped(scope, move || build(part))
                    .map_err(|_| part)
            })
            .collect();
        let mut out = Vec::with_capacity(rules.len());
        for part in parts {
            let built = match part {
                Ok(handle) => handle
                    .join()
                    .unwrap_or_else(|e| std::panic::resume_unwind(e)),
                Err(part) => build(part),
            };
            for c in built {
                out.push(c?);
            }
        }
        Ok(out)
    })
}

/// Seeds to the sorted, disjoint windows that hold every match overlapping one: each widened by `reach`
/// on both sides, overlapping ones merged.
fn windows(seeds: &mut Vec<Range<usize>>, reach: usize, len: usize) {
    seeds.sort_unstable_by_key(|r| r.start);
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(seeds.len());
    for r in seeds.drain(..) {
        let w = r.start.saturating_sub(reach)..r.end.saturating_add(reach).min(len);
        match merged.last_mut() {
            Some(last) if w.start <= last.end => last.end = last.end.max(w.end),
            _ => merged.push(w),
        }
    }
    *seeds = merged;
}

impl Compiled {
    fn new(rule: &'static Rule) -> Result<Compiled, RuleError> {
        // One parse, for the regex and for the properties the regex does not expose.
        let hir = parse(rule.pattern).map_err(|error| RuleError::Syntax { id: rule.id, error })?;
        let re = build(&hir).map_err(|error| RuleError::Build { id: rule.id, error })?;
        let longest = hir.properties().maximum_len();
        let reach_error = |why| RuleError::Reach { id: rule.id, why };
        match rule.reach {
            Reach::Scan(_) if longest.is_none() => {
                return Err(reach_error("a scanned rule needs a bounded longest match"))
            }
            Reach::Scan(_) | Reach::Within(_) if !rule.anchors.is_empty() && !rule.context => {
                return Err(reach_error("a scanned rule can have context words only"))
            }
            // One-byte anchors are reported at their first occurrence only.
            Reach::AtAnchor(_)
                if rule.anchors.is_empty()
                    || rule.context
                    || rule.anchors.iter().any(|a| expand_anchor(a)[0].len() < 2) =>
            {
                return Err(reach_error(
                    "a rule that starts at an anchor needs anchors of two bytes or more in its match",
                ))
            }
            _ => {}
        }
        let lead = match rule.reach {
            Reach::AtAnchor(before) => Lead::At(before),
            Reach::Whole if !rule.context => match lead_of(&hir, rule) {
                Some(0) => Lead::At(&[]),
                Some(n) => Lead::Within(n),
                None if begins_a_line(&hir) => Lead::Line,
                None => Lead::Anywhere,
            },
            _ => Lead::Anywhere,
        };
        let single = rule
            .anchors
            .iter()
            .flat_map(|a| expand_anchor(a))
            .filter(|a| a.len() == 1)
            .map(|a| a.as_bytes()[0].to_ascii_lowercase())
            .collect();
        Ok(Compiled {
            rule,
            part: Part::new(&hir, &re),
            re,
            longest,
            lead,
            single,
        })
    }

    /// Every match in the windows `scan` reports in `text` (`scanned` is `text`), or around them.
    fn find_scanned(
        &self,
        scan: locate::Scan,
        text: &str,
        scanned: &locate::Text,
        ranges: &mut Vec<Range<usize>>,
        out: &mut Vec<Finding>,
    ) {
        ranges.clear();
        scan(scanned, ranges);
        if ranges.is_empty() {
            return;
        }
        // A `Scan` rule's longest match is bounded (checked when compiled); `Within` windows hold theirs.
        let reach = match self.rule.reach {
            Reach::Within(_) => 0,
            _ => self.longest.unwrap_or(usize::MAX),
        };
        windows(ranges, reach, text.len());
        self.find(text, Plan::Windows(ranges), out);
    }

    /// Whether the rule is searched in less than the whole text.
    #[cfg(test)]
    fn planned(&self) -> bool {
        self.lead != Lead::Anywhere || matches!(self.rule.reach, Reach::Scan(_) | Reach::Within(_))
    }

    /// Where this rule (number `i`) may match in `text` by its [`Lead`]: at each occurrence of its anchors,
    /// and a byte before one where that byte is in `before`; sorted, distinct.
    fn anchors_in(&self, i: usize, before: &[u8], text: &str, wake: &Wake, out: &mut Vec<usize>) {
        out.clear();
        let b = text.as_bytes();
        out.extend(
            wake.starts
                .iter()
                .filter(|&&(r, _)| r as usize == i)
                .map(|&(_, at)| at),
        );
        for &a in &self.single {
            out.extend(memchr::memchr2_iter(a, a.to_ascii_uppercase(), b));
        }
        if !before.is_empty() {
            for j in 0..out.len() {
                let at = out[j];
                if at > 0 && before.contains(&b[at - 1]) {
                    out.push(at - 1);
                }
            }
        }
        out.sort_unstable();
        out.dedup();
    }

    /// The first match starting at or after `at` that `plan` allows, from `*k` on (the plan's range or
    /// start where the previous search ended).
    fn next_match(
        &self,
        bytes: &[u8],
        plan: &Plan,
        at: usize,
        k: &mut usize,
    ) -> Option<Range<usize>> {
        match plan {
            Plan::Whole => self
                .re
                .search(&Input::new(bytes).span(at..bytes.len()))
                .map(|m| m.range()),
            Plan::Windows(ws) => {
                while let Some(w) = ws.get(*k) {
                    let from = at.max(w.start);
                    if from <= w.end {
                        if let Some(m) = self.re.search(&Input::new(bytes).span(from..w.end)) {
                            return Some(m.range());
                        }
                    }
                    *k += 1;
                }
                None
            }
            Plan::Near(anchors, before) => {
                // The first match from `at` holds an anchor at or after `at`, and begins at most `before`
                // bytes ahead of it: no match begins between `at` and there.
                while anchors.get(*k).is_some_and(|&a| a < at) {
                    *k += 1;
                }
                let from = at.max(anchors.get(*k)?.saturating_sub(*before));
                self.re
                    .search(&Input::new(bytes).span(from..bytes.len()))
                    .map(|m| m.range())
            }
            Plan::Starts(ss) => {
                while let Some(&s) = ss.get(*k) {
                    *k += 1;
                    if s < at || s > bytes.len() {
                        continue;
                    }
                    let input = Input::new(bytes)
                        .span(s..bytes.len())
                        .anchored(Anchored::Yes);
                    if let Some(m) = self.re.search(&input) {
                        return Some(m.range());
                    }
                }
                None
            }
        }
    }

    fn find(&self, text: &str, plan: Plan, out: &mut Vec<Finding>) {
        let bytes = text.as_bytes();
        let mut caps = None;
        let mut at = 0;
        let mut k = 0;
        while at <= bytes.len() {
            let Some(whole) = self.next_match(bytes, &plan, at, &mut k) else {
                break;
            };
            let next = whole.end.max(whole.start + 1);
            let Some(part) = self.part.find(&self.re, bytes, whole.clone(), &mut caps) else {
                at = next;
                continue;
            };
            // Byte regexes may start or stop inside a multi-byte character: gates slice both ranges.
            let (whole, part) = (char_bounds(text, whole), char_bounds(text, part));
            let confirmed = self
                .confirm(text, whole.clone(), part.clone())
                .filter(|p| !p.is_empty())
                // Right after one of our placeholders the original had a letter or digit, and no match
                // began there; only credentials are taken all the same (failing closed matters more).
                .filter(|p| {
                    matches!(self.rule.kind, Kind::Secret | Kind::PrivateKey)
                        || finding::placeholder_before(text, p.start).is_none()
                })
                .filter(|p| {
                    !finding::inside_pseudonym(text, p.start)
                        && !finding::inside_pseudonym(text, p.end)
                });
            // The next search starts where the next pass could find a match this one did not: after what
            // is replaced (what the match consumed after it may begin the next one: `S1,S2`), or, after a
            // rejected match, inside it (a value may hold another key; an address's domain may be the
            // next one's local part, bounded by its 64 bytes).
            at = match &confirmed {
                Some(p) => p.end.max(whole.start + 1),
                None if self.rule.kind == Kind::Email => whole.start + 1,
                None if part != whole => part.start.max(whole.start + 1),
                None => next,
            };
            if let Some(part) = confirmed {
                out.push(Finding::new(
                    part.start,
                    part.end,
                    self.rule.kind,
                    self.rule.id,
                    self.rule.placeholder,
                ));
            }
        }
    }

    /// The part to replace if the match is confirmed.
    fn confirm(&self, text: &str, whole: Range<usize>, part: Range<usize>) -> Option<Range<usize>> {
        if part.is_empty() {
            return None;
        }
        let value = &text[part.clone()];
        let yes = match self.rule.check {
            Check::Always => true,
            Check::Random(floor) => gates::looks_random(value, floor),
            Check::Near(words, floor) => {
                gates::looks_random(value, floor) && {
                    let from = floor_char(text, whole.start.saturating_sub(NEAR_WINDOW));
                    let before = text[from..whole.end].to_ascii_lowercase();
                    words.iter().any(|w| before.contains(w))
                }
            }
            Check::Generic => {
                // A value that runs into one of our placeholders was judged whole on the pass that wrote
                // it. An address inside the value is the e-mail rule's: judge what comes before it, as
                // the next pass will (it sees `TOKEN=abc<email>`).
                if finding::placeholder_at(text, part.end) {
                    return None;
                }
                let part = part.start..part.start + pii::before_address(value);
                return gates::generic_value_is_secret(&text[part.clone()]).then_some(part);
            }
            Check::Custom(f) => f(text, whole, part.clone()),
            Check::Narrow(f) => return f(text, whole, part),
        };
        yes.then_some(part)
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

    /// Every rule table with the path literals, as the scrubber compiles them.
    fn every_rule() -> RuleSet {
        use super::super::{models, paths, pii, secrets};
        RuleSet::compile(
            &[secrets::RULES, pii::RULES, models::RULES],
            paths::LITERALS,
        )
        .unwrap()
    }

    #[test]
    fn positions_go_back_to_the_start_of_their_line() {
        let text = b"ab:12:x\ncd:34 ef:56\n\n:78";
        let mut at = vec![2, 5, 10, 17, 21];
        line_starts(text, &mut at);
        assert_eq!(at, [0, 8, 21]);
        let mut none = Vec::new();
        line_starts(text, &mut none);
        assert!(none.is_empty());
    }

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
        a.for_each(b"my KEY-ANT here, sk-ant-x", |t, _| seen.push(t));
        seen.sort();
        seen.dedup();
        assert_eq!(seen, vec![1, 2, 3, 4, 5]);
        let mut none = Vec::new();
        a.for_each(b"nothing to see", |t, _| none.push(t));
        assert!(none.is_empty());
    }

    /// Every occurrence of every literal, at every offset from the text's start and end (the scan hashes
    /// six positions per load and the last few from a padded one), as a naive search finds them; also
    /// punctuation that hashes like another byte (`@` and `` ` ``, `_` and DEL) is told apart.
    #[test]
    fn anchors_report_what_a_naive_search_finds() {
        let lits = [
            "a",
            "@",
            "sk",
            "q~",
            "ab@",
            "_x_",
            "key",
            "sk-ant-",
            "token:",
            "bcd",
            "abcdefghij",
        ];
        let a = Anchors::new(lits.iter().enumerate().map(|(i, l)| (*l, i))).unwrap();
        let pieces = [
            "a", "@", "`", "_", "\x7f", "x", "sk", "SK", "q~", "Q^", "b", "cd", "EF", "ghij",
            "key", "-ant-", "token:", "TOKEN;", " ", "é",
        ];
        let mut rng = super::super::pattern_samples::Rng(0x2545_f491_4f6c_dd1d);
        for _ in 0..3000 {
            let len = rng.below(14);
            let text: String = (0..len).map(|_| pieces[rng.below(pieces.len())]).collect();
            let t = text.as_bytes();
            let mut want = Vec::new();
            for (i, l) in lits.iter().enumerate() {
                for at in 0..t.len() {
                    if t[at..].len() >= l.len()
                        && t[at..at + l.len()].eq_ignore_ascii_case(l.as_bytes())
                    {
                        want.push((i, at));
                    }
                }
            }
            let mut got = Vec::new();
            a.for_each(t, |i, at| got.push((i, at)));
            // Literals of one byte are reported once, at their first occurrence.
            for one in [0, 1] {
                want.retain({
                    let first = want.iter().find(|w| w.0 == one).copied();
                    move |w| w.0 != one || Some(*w) == first
                });
            }
            got.sort_unstable();
            got.dedup();
            want.sort_unstable();
            assert_eq!(got, want, "{text:?}");
        }
    }

    /// Windows rely on it: a search bounded to a span still sees the bytes around it.
    #[test]
    fn a_span_search_sees_the_text_around_it() {
        let re = Regex::new(r"(?:^|[^A-Za-z])\+\d\b").unwrap();
        let found = |text: &str, span: Range<usize>| {
            re.search(&Input::new(text).span(span)).map(|m| m.range())
        };
        // `^` is the text's start, not the span's; `\b` sees the digit after the span.
        assert_eq!(found("a+1", 1..3), None);
        assert_eq!(found("+12", 0..2), None);
        assert_eq!(found("+1", 0..2), Some(0..2));
    }

    /// Rules whose matches begin with an anchor are tried there only; others search the whole text.
    #[test]
    fn where_matches_begin_is_told_from_the_pattern() {
        let set = every_rule();
        let lead = |id: &str| set.rules.iter().find(|c| c.rule.id == id).unwrap().lead;
        for id in [
            "anthropic-key",
            "github-token",
            "aws-access-key-id",
            "sk-hex-key",
            // Letters in either case: `(?i)Co-Authored-By:` begins with its anchor too.
            "provider-coauthor-trailer",
        ] {
            assert_eq!(lead(id), Lead::At(&[]), "{id}");
        }
        // An address's local part: at most 64 bytes before its `@`; an optional emoji and space.
        assert_eq!(lead("email"), Lead::Within(64));
        // A `.pgpass` line: host, port, database, user and password on one line.
        assert_eq!(lead("pgpass-line"), Lead::Line);
        assert_eq!(lead("provider-generated-with"), Lead::Within(5));
        // Any number of blanks before `Signed-off-by:`; context words are not in the match.
        for id in ["person-trailer", "aws-secret-near-key-id"] {
            assert_eq!(lead(id), Lead::Anywhere, "{id}");
        }
        let derived = set
            .rules
            .iter()
            .filter(|c| c.lead != Lead::Anywhere && matches!(c.rule.reach, Reach::Whole))
            .count();
        assert!(derived > 40, "{derived}");
    }

    /// What of `whole` (the findings of `c`'s search of the whole text) the rule set reports, given all it
    /// reported: everything, but for a fallback rule only what overlaps no other rule's finding.
    fn left_to<'a>(c: &Compiled, whole: &'a [Finding], planned: &[Finding]) -> Vec<&'a Finding> {
        let others: Vec<_> = planned.iter().filter(|f| f.rule != c.rule.id).collect();
        whole
            .iter()
            .filter(|f| !c.rule.fallback || !others.iter().any(|o| f.overlaps(o)))
            .collect()
    }

    /// Asserts that rule `i`'s findings in the rule set's planned search of `text` are what its search of the
    /// whole text finds (less, for a fallback rule, what other rules took). Returns how many the planned
    /// search reported and how many the whole-text search found.
    fn plan_finds_what_whole_finds(set: &RuleSet, i: usize, text: &str) -> (usize, usize) {
        let c = &set.rules[i];
        let mut planned = Vec::new();
        set.find_woken(text, &set.wake(text), &mut planned);
        let got: Vec<_> = planned.iter().filter(|f| f.rule == c.rule.id).collect();
        let mut whole = Vec::new();
        c.find(text, Plan::Whole, &mut whole);
        assert_eq!(
            got,
            left_to(c, &whole, &planned),
            "{} in {text:?}",
            c.rule.id
        );
        (got.len(), whole.len())
    }

    /// Rules searched from their anchors (or in windows) find what a search of the whole text finds, on
    /// texts built from each rule's own pattern, its anchors alone and filler, run into each other.
    #[test]
    fn plans_find_what_a_whole_search_finds_in_texts_from_each_pattern() {
        use super::super::pattern_samples::{parse, sample, Rng};
        let set = every_rule();
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let filler: &[&[u8]] = &[
            b" ", b"\n", b"\n", b"x", b"=", b":", b"\"", b"-", b"9", b"@", b"_",
        ];
        let (mut rules, mut matched) = (0, 0);
        for (i, c) in set.rules.iter().enumerate().filter(|(_, c)| c.planned()) {
            rules += 1;
            let hir = parse(c.rule.pattern);
            let anchors: Vec<String> = c
                .rule
                .anchors
                .iter()
                .flat_map(|a| expand_anchor(a))
                .collect();
            let mut hits = 0;
            for _ in 0..120 {
                let mut text = Vec::new();
                for _ in 0..1 + rng.below(4) {
                    match rng.below(4) {
                        0 if !anchors.is_empty() => {
                            text.extend_from_slice(anchors[rng.below(anchors.len())].as_bytes())
                        }
                        1 => text.extend_from_slice(filler[rng.below(filler.len())]),
                        _ => sample(&hir, &mut rng, &mut text),
                    }
                }
                let Ok(text) = String::from_utf8(text) else {
                    continue;
                };
                hits += usize::from(plan_finds_what_whole_finds(&set, i, &text).1 > 0);
            }
            matched += usize::from(hits > 0);
        }
        assert!(rules > 100, "{rules} planned rules");
        // Checks reject some shapes (placeholders, low entropy) whatever the text: most rules must match.
        assert!(
            matched * 10 >= rules * 9,
            "{matched} of {rules} planned rules matched"
        );
    }

    /// `high-entropy-value`'s scan drops the windows its gate refuses by name; it reads the name from the
    /// bytes before the value, the gate from the match: both must see the same name, whatever precedes it.
    #[test]
    fn the_random_value_scan_reads_the_name_the_gate_reads() {
        let set = every_rule();
        let i = set
            .rules
            .iter()
            .position(|c| c.rule.id == "high-entropy-value")
            .unwrap();
        let value = "q8ZfT3kLm9XwR2vBn7YcJ5pHs4GdA6eU";
        let long = "n".repeat(63);
        let leads = [
            "SIGNING = \"".to_string(),
            "\"integrity\": \"".to_string(),
            "x\\nAPI_ID=".to_string(),
            "x\\nAPI_SIGNING=".to_string(),
            "export DEPLOY_HASH=".to_string(),
            "{\\\"client\\\": \\\"".to_string(),
            "{\\\"commitSha\\\": \\\"".to_string(),
            format!("a{long} = '"),
            format!("a{long}Id = '"),
            format!("id.{long} := \""),
            format!("Id{long}x = \""),
            "key_id  =>  \"".to_string(),
            "parentUuid:\t\"".to_string(),
            "é, token\t:  '".to_string(),
        ];
        let mut taken = 0;
        for lead in &leads {
            for before in ["", "x ", "\n", "id ", "é"] {
                let text = format!("{before}{lead}{value}\" ");
                taken += plan_finds_what_whole_finds(&set, i, &text).0;
            }
        }
        // Taken under `SIGNING`, `API_SIGNING`, `client` and the 64-byte `a…` name, after anything; not
        // under ids and digests, nor under a name too long to be one, nor `token` (`secret-assignment`'s).
        assert_eq!(taken, 4 * 5, "{taken}");
    }

    #[test]
    fn digit_anchors_expand() {
        assert_eq!(expand_anchor("ab"), vec!["ab"]);
        let e = expand_anchor(r":\d:");
        assert_eq!(e.len(), 10);
        assert_eq!((e[0].as_str(), e[9].as_str()), (":0:", ":9:"));
        assert_eq!(expand_anchor(r"\d\d").len(), 100);
    }

    /// A rule is woken by every text it matches: one of its anchors occurs in each match (unless its anchors
    /// are context words). Random texts dense in the shapes the rules look for, run into each other.
    #[test]
    fn every_match_holds_one_of_its_rules_anchors_and_plans_miss_none() {
        let set = every_rule();
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let samples: Vec<String> = super::super::tests::samples()
            .into_iter()
            .map(|(_, v)| v)
            .collect();
        let pieces: Vec<&str> = samples
            .iter()
            .map(String::as_str)
            .chain([
                "192.168.1.10",
                "8.8.4.4",
                "+1 415 555 0100",
                "(415) 555-0134",
                "4111 1111 1111 1111",
                "DE89 3704 0044 0532 0130 00",
                "2606:4700:4700::1111",
                "password=Xy7#kq9Lm2",
                "api_key = 'AbCdEf123456789'",
                "_authToken=npm_abcdef1234567890",
                "AUTH_KEY: ",
                "secret_token = ",
                "Passphrase\\\"=\\\"",
                "access-key:",
                "oauth",
                "IBAN ",
                "GB82 WEST 1234 5698 7654 32",
                "fe80::1%eth0",
                "3fff:",
                "patAbCdEfGh123456.",
                "patXbCdEfGh12345Z.00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
                "0123456789abcdef",
                "sk-ant-",
                "ghp_",
                "AKIA",
                "awsSecret: ",
                "AWSSECRET=",
                "aws_secret_access_key=",
                "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY",
                "db.internal:5433:app:bob:hunter22",
                "\nlocalhost:6432:*:ci:s3cretpw\n",
                "@",
                "::",
                ". ",
                "\n",
                " ",
                "\"",
                "=",
                ":",
                "-",
                "(",
                ")",
            ])
            .collect();
        let alphabet = b"0123456789abcdefABCXYZ .:+-()=_\"'/@%\n";
        let mut exercised = std::collections::HashSet::new();
        for round in 0..20_000 {
            let mut text = String::new();
            // Now and then a long text, where windows around far-apart seeds stay apart.
            let len = if round % 10 == 0 {
                400 + next(1600)
            } else {
                40 + next(160)
            };
            while text.len() < len {
                if next(3) == 0 {
                    text.push(alphabet[next(alphabet.len())] as char);
                } else {
                    let p = pieces[next(pieces.len())];
                    text.push_str(if next(4) == 0 {
                        &p[..next(p.len() + 1)]
                    } else {
                        p
                    });
                }
            }
            let wake = set.wake(&text);
            let mut planned = Vec::new();
            set.find_woken(&text, &wake, &mut planned);
            for (i, c) in set.rules.iter().enumerate() {
                let woken = wake.rules[i / 64] >> (i % 64) & 1 != 0;
                let mut found = Vec::new();
                c.find(&text, Plan::Whole, &mut found);
                if !woken && !c.rule.context && !c.rule.anchors.is_empty() {
                    assert!(
                        found.is_empty(),
                        "round {round}: {} matches unwoken in {text:?}",
                        c.rule.id
                    );
                }
                // A rule searched in windows or from its anchors finds what a search of the whole text finds.
                if c.planned() {
                    if !found.is_empty() {
                        exercised.insert(c.rule.id);
                    }
                    let got: Vec<_> = planned.iter().filter(|f| f.rule == c.rule.id).collect();
                    let want = left_to(c, &found, &planned);
                    assert_eq!(got, want, "round {round}: {} in {text:?}", c.rule.id);
                }
            }
        }
        let planned = set.rules.iter().filter(|c| c.planned());
        // Declared plans, at least, are exercised here (derived ones in
        // `plans_find_what_a_whole_search_finds_in_texts_from_each_pattern`).
        let missed: Vec<&str> = planned
            .filter(|c| !matches!(c.rule.reach, Reach::Whole))
            .map(|c| c.rule.id)
            .filter(|id| !exercised.contains(id))
            .collect();
        assert!(missed.is_empty(), "never matched: {missed:?}");
    }

    /// The pair scan finds exactly the literals an overlapping Aho-Corasick search finds, on texts dense in
    /// the literals' own bytes (every real anchor, both cases, single-byte ones, text edges).
    #[test]
    fn anchors_agree_with_aho_corasick() {
        use super::super::{models, paths, pii, secrets};
        let lits: Vec<String> = [secrets::RULES, pii::RULES, models::RULES]
            .iter()
            .flat_map(|t| {
                t.iter()
                    .flat_map(|r| r.anchors.iter().flat_map(|a| expand_anchor(a)))
            })
            .chain(paths::LITERALS.iter().map(|(l, _)| l.to_string()))
            .collect();
        let lits: Vec<&str> = lits.iter().map(String::as_str).collect();
        let a = Anchors::new(lits.iter().enumerate().map(|(i, l)| (*l, i))).unwrap();
        let ac = aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(&lits)
            .unwrap();
        let alphabet: Vec<u8> = lits
            .iter()
            .flat_map(|l| l.bytes())
            .chain(b" XYZ\xc3\xa9\n".iter().copied())
            .collect();
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for round in 0..20_000 {
            let len = (next() % 40) as usize;
            let mut text = Vec::with_capacity(len + 32);
            while text.len() < len {
                if next() % 4 == 0 {
                    // A whole literal, in random case.
                    let l = lits[(next() % lits.len() as u64) as usize];
                    for b in l.bytes() {
                        text.push(if next() % 2 == 0 {
                            b.to_ascii_uppercase()
                        } else {
                            b
                        });
                    }
                } else {
                    text.push(alphabet[(next() % alphabet.len() as u64) as usize]);
                }
            }
            let mut want: Vec<usize> = ac
                .find_overlapping_iter(&text)
                .map(|m| m.pattern().as_usize())
                .collect();
            want.sort();
            want.dedup();
            let mut got = Vec::new();
            a.for_each(&text, |i, at| {
                assert!(
                    text[at..].len() >= lits[i].len()
                        && text[at..at + lits[i].len()].eq_ignore_ascii_case(lits[i].as_bytes())
                );
                got.push(i)
            });
            got.sort();
            got.dedup();
            // Literals repeated in the list share their payloads: compare by literal text.
            let names = |v: &[usize]| {
                let mut n: Vec<String> = v.iter().map(|&i| lits[i].to_ascii_lowercase()).collect();
                n.sort();
                n.dedup();
                n
            };
            assert_eq!(
                names(&got),
                names(&want),
                "round {round}: {:?}",
                String::from_utf8_lossy(&text)
            );
        }
    }
}
