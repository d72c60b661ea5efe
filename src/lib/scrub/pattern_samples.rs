//! Random texts a rule's pattern may match, for tests that compare two ways of searching on them.

use regex_syntax::hir::{Class, Hir, HirKind};

/// A small xorshift generator: the tests are reproducible.
pub struct Rng(pub u64);
impl Rng {
    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

/// A random string the pattern may match (look-arounds are ignored: the search decides).
pub fn sample(hir: &Hir, rng: &mut Rng, out: &mut Vec<u8>) {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => {}
        HirKind::Literal(l) => out.extend_from_slice(&l.0),
        HirKind::Class(Class::Bytes(c)) => {
            let r = c.ranges()[rng.below(c.ranges().len())];
            out.push(r.start() + rng.below(usize::from(r.end() - r.start()) + 1) as u8);
        }
        HirKind::Class(Class::Unicode(c)) => {
            let r = c.ranges()[rng.below(c.ranges().len())];
            let at = u32::from(r.start())
                + rng.below((r.end() as u32 - r.start() as u32) as usize + 1) as u32;
            out.extend_from_slice(char::from_u32(at).unwrap_or('a').to_string().as_bytes());
        }
        HirKind::Repetition(r) => {
            let most = r.max.unwrap_or(r.min + 6).min(r.min + 6);
            for _ in 0..r.min as usize + rng.below((most - r.min) as usize + 1) {
                sample(&r.sub, rng, out);
            }
        }
        HirKind::Capture(c) => sample(&c.sub, rng, out),
        HirKind::Concat(v) => v.iter().for_each(|h| sample(h, rng, out)),
        HirKind::Alternation(v) => sample(&v[rng.below(v.len())], rng, out),
    }
}

/// A pattern parsed as the rule engine reads it.
pub fn parse(pattern: &str) -> Hir {
    super::rules::parse(pattern).unwrap()
}
