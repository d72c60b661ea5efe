//! BM25F (Robertson & Zaragoza, "The Probabilistic Relevance Framework: BM25 and Beyond", 2009, §3.5).
//!
//! For a term t and document d with fields f:
//!   tf̃(t,d) = Σ_f w_f · tf(t,d,f) / B_f,   B_f = (1 − b_f) + b_f · len(d,f) / avglen(f)
//!   score(d) = Σ_t idf(t) · tf̃ · (k1 + 1) / (k1 + tf̃),   idf(t) = ln(1 + (N − df + 0.5) / (df + 0.5))
//! Field weights and lengths act before the one saturation, so a term repeated across fields cannot
//! collect a full BM25 score from each. `df` counts documents containing t in any field, exactly: the
//! union falls out of the accumulation below. The best any document can do is Σ idf·(k1+1), which is what
//! [`Scored::max_score`] reports, so `score / max_score` is a confidence comparable across queries.
//!
//! Evaluation is term-at-a-time over tantivy's block postings, into per-document accumulators that
//! live across queries and are cleared where they were touched, so a query costs what its postings
//! cost: no pass over every document, no per-query allocation the size of a segment. Only the best
//! `keep` documents come back.

use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::{BlockSegmentPostings, Postings};
use tantivy::schema::{IndexRecordOption, Term};
use tantivy::{DocId, DocSet, Searcher, SegmentReader};

use super::docbits::DocBits;
use super::schema::{Fields, SCORED};

pub const K1: f32 = 1.2;

#[derive(Debug, thiserror::Error)]
#[error("reading the index: {0}")]
pub struct ScoreError(#[from] pub tantivy::TantivyError);

impl From<std::io::Error> for ScoreError {
    fn from(e: std::io::Error) -> Self {
        ScoreError(e.into())
    }
}

/// A document's score and which query terms it contains (bit j for term j).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DocScore {
    pub score: f32,
    pub seg: u32,
    pub doc: DocId,
    pub mask: u64,
}

pub struct Scored {
    pub idf: Vec<f32>,
    /// The best matching documents, at most `keep`, in no particular order.
    pub top: Vec<DocScore>,
    pub max_score: f32,
}

/// Documents are scored a window of this many at a time, so the accumulators stay in cache.
const WINDOW: usize = 16 * 1024;

/// Buffers reused from query to query: per-window accumulators (all zero between uses) and the
/// per-term lists.
pub struct Scratch {
    acc: Vec<f32>,
    score: Vec<f32>,
    mask: Vec<u64>,
    touched: Vec<u32>,
    /// Which slots of the window pass 1 touched, a bit each, to read them back in order.
    seen: Vec<u64>,
    /// (doc, tf̃) in document order, per segment and term: `lists[seg * terms + j]`.
    lists: Vec<Vec<(DocId, f32)>>,
}

impl Default for Scratch {
    fn default() -> Scratch {
        Scratch {
            acc: vec![0.0; WINDOW],
            score: vec![0.0; WINDOW],
            mask: vec![0; WINDOW],
            touched: Vec::new(),
            seen: vec![0; WINDOW / 64],
            lists: Vec::new(),
        }
    }
}

/// One field's postings of a term, read block by block.
struct Cursor<'a> {
    block: BlockSegmentPostings,
    at: usize,
    norms: FieldNormReader,
    table: &'a [f32; 256],
    weight: f32,
}

impl Cursor<'_> {
    /// Adds `w_f·tf/B_f` to `acc[doc - base]` for its documents below `end`, marking them in `seen`.
    #[inline]
    fn run_to(&mut self, base: DocId, end: DocId, acc: &mut [f32], seen: &mut [u64]) {
        loop {
            let docs = self.block.docs();
            if docs.is_empty() {
                return;
            }
            let freqs = self.block.freqs();
            while self.at < docs.len() {
                let d = docs[self.at];
                if d >= end {
                    return;
                }
                let local = (d - base) as usize;
                seen[local / 64] |= 1 << (local % 64);
                acc[local] += self.weight
                    * freqs[self.at] as f32
                    * self.table[self.norms.fieldnorm_id(d) as usize];
                self.at += 1;
            }
            self.block.advance();
            self.at = 0;
        }
    }

    fn next_doc(&self) -> Option<DocId> {
        self.block.docs().get(self.at).copied()
    }
}

/// The best `k` of what is pushed, by score; pushes below the k-th best so far are dropped at once.
struct TopK {
    k: usize,
    items: Vec<DocScore>,
    floor: f32,
}

impl TopK {
    fn new(k: usize) -> TopK {
        TopK {
            k: k.max(1),
            items: Vec::new(),
            floor: f32::NEG_INFINITY,
        }
    }
    #[inline]
    fn push(&mut self, d: DocScore) {
        if d.score < self.floor {
            return;
        }
        self.items.push(d);
        if self.items.len() >= 2 * self.k {
            self.shrink();
        }
    }
    /// Best first; ties in document order, so which of equal documents are kept does not depend on
    /// the order they came in.
    fn order(a: &DocScore, b: &DocScore) -> std::cmp::Ordering {
        b.score
            .total_cmp(&a.score)
            .then(a.seg.cmp(&b.seg))
            .then(a.doc.cmp(&b.doc))
    }
    fn shrink(&mut self) {
        if self.items.len() > self.k {
            self.items.select_nth_unstable_by(self.k - 1, Self::order);
            self.items.truncate(self.k);
            self.floor = self.items[self.k - 1].score;
        }
    }
    fn finish(mut self) -> Vec<DocScore> {
        self.shrink();
        self.items
    }
}

/// Per-field contribution to one term's tf̃ in one document.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FieldExplain {
    pub field: &'static str,
    pub tf: u32,
    pub len: u32,
    pub weight: f32,
    pub contribution: f32,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct TermExplain {
    pub term: String,
    pub idf: f32,
    pub tf_tilde: f32,
    pub score: f32,
    pub fields: Vec<FieldExplain>,
}

pub struct Scorer<'a> {
    searcher: &'a Searcher,
    fields: &'a Fields,
    avg_len: Vec<f32>,
    n_docs: f32,
}

pub fn idf(n: f32, df: f32) -> f32 {
    (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
}

impl<'a> Scorer<'a> {
    pub fn new(searcher: &'a Searcher, fields: &'a Fields) -> Result<Scorer<'a>, ScoreError> {
        // Average length over the documents that have the field (a title is 5 words long, not 0.2 because
        // most chunks have none); deleted documents count on both sides until merges drop them.
        let mut avg_len = Vec::with_capacity(SCORED.len());
        for (fi, &field) in fields.scored.iter().enumerate() {
            let mut tokens = 0u64;
            for seg in searcher.segment_readers() {
                tokens += seg.inverted_index(field)?.total_num_tokens();
            }
            let with_field = searcher.doc_freq(&Term::from_field_text(fields.has, SCORED[fi].0))?;
            avg_len.push(if with_field == 0 {
                1.0
            } else {
                (tokens as f32 / with_field as f32).max(1e-3)
            });
        }
        Ok(Scorer {
            searcher,
            fields,
            avg_len,
            n_docs: searcher.num_docs() as f32,
        })
    }

    /// 1/B_f for each one-byte field norm.
    fn inv_b_table(&self, fi: usize) -> [f32; 256] {
        let b = SCORED[fi].2;
        let mut t = [0f32; 256];
        for (id, slot) in t.iter_mut().enumerate() {
            let len = tantivy::fieldnorm::FieldNormReader::id_to_fieldnorm(id as u8) as f32;
            *slot = 1.0 / ((1.0 - b) + b * len / self.avg_len[fi]);
        }
        t
    }

    /// The cursors over `term`'s postings in each scored field of `seg`.
    fn cursors<'t>(
        &self,
        seg: &SegmentReader,
        term: &str,
        tables: &'t [[f32; 256]],
    ) -> Result<Vec<Cursor<'t>>, ScoreError> {
        let mut out = Vec::new();
        for (fi, &field) in self.fields.scored.iter().enumerate() {
            let inv = seg.inverted_index(field)?;
            let Some(info) = inv.get_term_info(&Term::from_field_text(field, term))? else {
                continue;
            };
            out.push(Cursor {
                block: inv
                    .read_block_postings_from_terminfo(&info, IndexRecordOption::WithFreqs)?,
                at: 0,
                norms: seg.get_fieldnorms_reader(field)?,
                table: &tables[fi],
                weight: SCORED[fi].1,
            });
        }
        Ok(out)
    }

    /// Scores every live document containing at least one of `terms` (at most 64) and returns the best
    /// `keep` of those `allowed` (per segment, `None` for all).
    pub fn score(
        &self,
        terms: &[String],
        allowed: &[Option<DocBits>],
        keep: usize,
        scratch: &mut Scratch,
    ) -> Result<Scored, ScoreError> {
        let terms = &terms[..terms.len().min(64)];
        let nt = terms.len();
        let tables: Vec<[f32; 256]> = (0..SCORED.len()).map(|fi| self.inv_b_table(fi)).collect();
        let segs = self.searcher.segment_readers();
        let Scratch {
            acc,
            score,
            mask,
            touched,
            seen,
            lists,
        } = scratch;
        lists.resize_with(lists.len().max(segs.len() * nt), Vec::new);
        // Pass 1: per segment and term, tf̃ of the allowed documents in order; df counts every live one.
        let mut df = vec![0usize; nt];
        for (si, seg) in segs.iter().enumerate() {
            let alive = seg.alive_bitset();
            let ok = allowed.get(si).and_then(Option::as_ref);
            for (j, t) in terms.iter().enumerate() {
                let list = &mut lists[si * nt + j];
                list.clear();
                let mut cursors = self.cursors(seg, t, &tables)?;
                // Window by window, starting where the next posting is.
                while let Some(first) = cursors.iter().filter_map(Cursor::next_doc).min() {
                    let base = first - first % WINDOW as DocId;
                    let end = base.saturating_add(WINDOW as DocId);
                    for c in &mut cursors {
                        c.run_to(base, end, acc, seen);
                    }
                    for (wi, word) in seen.iter_mut().enumerate() {
                        let mut w = std::mem::take(word);
                        while w != 0 {
                            let local = wi * 64 + w.trailing_zeros() as usize;
                            w &= w - 1;
                            let tf = std::mem::take(&mut acc[local]);
                            let d = base + local as DocId;
                            if alive.is_some_and(|a| !a.is_alive(d)) {
                                continue;
                            }
                            df[j] += 1;
                            if ok.is_none_or(|a| a.contains(d)) {
                                list.push((d, tf));
                            }
                        }
                    }
                }
            }
        }
        let idf: Vec<f32> = df.iter().map(|&d| idf(self.n_docs, d as f32)).collect();
        // Pass 2: saturate per term, sum per document, keep the best; window by window again.
        let mut top = TopK::new(keep);
        let mut at = vec![0usize; nt];
        for si in 0..segs.len() {
            let seg_lists = &lists[si * nt..(si + 1) * nt];
            at.iter_mut().for_each(|a| *a = 0);
            while let Some(first) = seg_lists
                .iter()
                .zip(&at)
                .filter_map(|(l, &a)| l.get(a).map(|p| p.0))
                .min()
            {
                let base = first - first % WINDOW as DocId;
                let end = base.saturating_add(WINDOW as DocId);
                touched.clear();
                for (j, list) in seg_lists.iter().enumerate() {
                    let (w, bit) = (idf[j] * (K1 + 1.0), 1u64 << j);
                    let mut a = at[j];
                    while let Some(&(d, tf)) = list.get(a).filter(|p| p.0 < end) {
                        let i = (d - base) as usize;
                        if mask[i] == 0 {
                            touched.push(i as u32);
                        }
                        mask[i] |= bit;
                        score[i] += w * tf / (K1 + tf);
                        a += 1;
                    }
                    at[j] = a;
                }
                for &i in touched.iter() {
                    let i = i as usize;
                    top.push(DocScore {
                        score: std::mem::take(&mut score[i]),
                        seg: si as u32,
                        doc: base + i as DocId,
                        mask: std::mem::take(&mut mask[i]),
                    });
                }
            }
        }
        let max_score = idf.iter().map(|i| i * (K1 + 1.0)).sum();
        Ok(Scored {
            idf,
            top: top.finish(),
            max_score,
        })
    }

    /// The per-term, per-field arithmetic behind one document's score.
    pub fn explain(
        &self,
        seg: &SegmentReader,
        doc: DocId,
        terms: &[String],
        idf: &[f32],
    ) -> Result<Vec<TermExplain>, ScoreError> {
        let mut out = Vec::new();
        for (j, t) in terms.iter().enumerate().take(idf.len()) {
            let mut fields = Vec::new();
            let mut tf_tilde = 0.0;
            for (fi, &field) in self.fields.scored.iter().enumerate() {
                let inv = seg.inverted_index(field)?;
                let Some(mut post) = inv.read_postings(
                    &Term::from_field_text(field, t),
                    IndexRecordOption::WithFreqs,
                )?
                else {
                    continue;
                };
                let at = if post.doc() < doc {
                    post.seek(doc)
                } else {
                    post.doc()
                };
                if at != doc {
                    continue;
                }
                let norms = seg.get_fieldnorms_reader(field)?;
                let contribution = SCORED[fi].1
                    * post.term_freq() as f32
                    * self.inv_b_table(fi)[norms.fieldnorm_id(doc) as usize];
                tf_tilde += contribution;
                fields.push(FieldExplain {
                    field: SCORED[fi].0,
                    tf: post.term_freq(),
                    len: norms.fieldnorm(doc),
                    weight: SCORED[fi].1,
                    contribution,
                });
            }
            let score = if tf_tilde > 0.0 {
                idf[j] * tf_tilde * (K1 + 1.0) / (K1 + tf_tilde)
            } else {
                0.0
            };
            out.push(TermExplain {
                term: t.clone(),
                idf: idf[j],
                tf_tilde,
                score,
                fields,
            });
        }
        Ok(out)
    }
}
