//! A set of documents of one segment, one bit each: what filters, phrases and exclusions produce.

use tantivy::DocId;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocBits {
    words: Vec<u64>,
    len: usize,
}

impl DocBits {
    /// No document of `len`.
    pub fn empty(len: usize) -> DocBits {
        DocBits {
            words: vec![0; len.div_ceil(64)],
            len,
        }
    }

    /// Every document of `len`.
    pub fn full(len: usize) -> DocBits {
        let mut b = DocBits {
            words: vec![u64::MAX; len.div_ceil(64)],
            len,
        };
        b.trim();
        b
    }

    fn trim(&mut self) {
        if self.len % 64 != 0 {
            if let Some(last) = self.words.last_mut() {
                *last &= (1u64 << (self.len % 64)) - 1;
            }
        }
    }

    #[inline]
    pub fn insert(&mut self, d: DocId) {
        self.words[d as usize / 64] |= 1 << (d % 64);
    }

    #[inline]
    pub fn contains(&self, d: DocId) -> bool {
        self.words
            .get(d as usize / 64)
            .is_some_and(|w| w & (1 << (d % 64)) != 0)
    }

    /// Keeps the documents also in `other` (`negate`: not in `other`).
    pub fn intersect(&mut self, other: &DocBits, negate: bool) {
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a &= if negate { !b } else { *b };
        }
        self.trim();
    }

    pub fn iter(&self) -> impl Iterator<Item = DocId> + '_ {
        self.words.iter().enumerate().flat_map(|(i, &w)| {
            let mut w = w;
            std::iter::from_fn(move || {
                (w != 0).then(|| {
                    let bit = w.trailing_zeros();
                    w &= w - 1;
                    (i * 64) as DocId + bit
                })
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_operations() {
        let mut a = DocBits::full(130);
        assert_eq!(a.iter().count(), 130);
        let mut b = DocBits::empty(130);
        for d in [0, 63, 64, 129] {
            b.insert(d);
        }
        assert!(b.contains(129) && !b.contains(1) && !b.contains(500));
        a.intersect(&b, true);
        assert_eq!(a.iter().count(), 126);
        assert!(!a.contains(63) && a.contains(62));
        a.intersect(&b, false);
        assert_eq!(a.iter().count(), 0);
        assert_eq!(b.iter().collect::<Vec<_>>(), [0, 63, 64, 129]);
    }
}
