//! BM25F (Robertson & Zaragoza, "The Probabilistic Relevance Framework: BM25 and Beyond", 2009, §3.5).
//!
//! For a term t and document d with fields f:
//!   tf̃(t,d) = Σ_f w_f · tf(t,d,f) / B_f,   B_f = (1 − b_f) + b_f · len(d,f) / avglen(f)
//!   score(d) = Σ_t idf(t) · tf̃ · (k1 + 1) / (k1 + tf̃),   idf(t) = ln(1 + (N − df + 0.5) / (df + 0.5))
//! Field weights and lengths act before the one saturation, so a term repeated across fields cannot
//! collect a full BM25 score from each. `df` counts live documents containing t in any field, exactly
//! (the union of the fields' postings, counted before scoring). The best any document can do is
//! Σ idf·(k1+1), which is what [`Scored::max_score`] reports, so `score / max_score` is a confidence
//! comparable across queries.
//!
//! Evaluation reads tantivy's block postings of every query term a window of [`WINDOW`] documents at a
//! time, into window-sized accumulators that stay in cache and are reused from query to query, so a
//! query costs what its postings cost: no pass over every document, no per-query allocation the size
//! of a segment. Only the best `keep` documents come back.

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

/// Per-window accumulators, zero between uses, reused from query to query.
pub struct Scratch {
    /// One term's tf̃ per document of the window.
    acc: Vec<f32>,
    score: Vec<f32>,
    mask: Vec<u64>,
    /// Documents of the window with a score.
    touched: Vec<u32>,
    /// Documents of the window in `acc`, a bit each.
    seen: Vec<u64>,
}

impl Default for Scratch {
    fn default() -> Scratch {
        Scratch {
            acc: vec![0.0; WINDOW],
            score: vec![0.0; WINDOW],
            mask: vec![0; WINDOW],
            // One more than a window: a document already listed may be written past the last.
            touched: vec![0; WINDOW + 1],
            seen: vec![0; WINDOW / 64],
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

/// The best `k` of what is pushed, by [`TopK::order`]; pushes after the k-th best so far are dropped
/// at once.
struct TopK {
    k: usize,
    items: Vec<DocScore>,
    /// The k-th best so far.
    floor: Option<DocScore>,
}

impl TopK {
    fn new(k: usize) -> TopK {
        TopK {
            k: k.max(1),
            items: Vec::new(),
            floor: None,
        }
    }
    #[inline]
    fn push(&mut self, d: DocScore) {
        // Equal scores too: many documents tie (the same few words, the same length), and one that
        // ties with the k-th best and comes after it in document order cannot be among the best.
        if self
            .floor
            .is_some_and(|f| Self::order(&f, &d) == std::cmp::Ordering::Less)
        {
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
            self.floor = Some(self.items[self.k - 1]);
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

    /// How many live documents of `seg` hold `term` in any scored field. One field's document
    /// frequency when only one field has it and nothing is deleted; otherwise the union, counted a
    /// window at a time from the document ids alone.
    fn doc_freq(
        &self,
        seg: &SegmentReader,
        term: &str,
        seen: &mut [u64],
    ) -> Result<u64, ScoreError> {
        let mut infos = Vec::new();
        for &field in &self.fields.scored {
            let inv = seg.inverted_index(field)?;
            if let Some(info) = inv.get_term_info(&Term::from_field_text(field, term))? {
                infos.push((inv, info));
            }
        }
        let alive = seg.alive_bitset();
        if infos.len() == 1 && alive.is_none() {
            return Ok(infos[0].1.doc_freq as u64);
        }
        let mut blocks = Vec::with_capacity(infos.len());
        for (inv, info) in &infos {
            blocks.push((
                inv.read_block_postings_from_terminfo(info, IndexRecordOption::Basic)?,
                0usize,
            ));
        }
        let mut n = 0u64;
        while let Some(first) = blocks
            .iter()
            .filter_map(|(b, at)| b.docs().get(*at).copied())
            .min()
        {
            let base = first - first % WINDOW as DocId;
            let end = base.saturating_add(WINDOW as DocId);
            for (block, at) in &mut blocks {
                'blocks: loop {
                    let docs = block.docs();
                    if docs.is_empty() {
                        break;
                    }
                    while *at < docs.len() {
                        let d = docs[*at];
                        if d >= end {
                            break 'blocks;
                        }
                        let local = (d - base) as usize;
                        seen[local / 64] |= 1 << (local % 64);
                        *at += 1;
                    }
                    block.advance();
                    *at = 0;
                }
            }
            for (wi, word) in seen.iter_mut().enumerate() {
                let w = std::mem::take(word);
                n += match alive {
                    None => w.count_ones() as u64,
                    Some(a) => (0..64)
                        .filter(|b| w & (1 << b) != 0 && a.is_alive(base + (wi * 64 + b) as DocId))
                        .count() as u64,
                };
            }
        }
        Ok(n)
    }

    /// Scores every live document containing at least one of `terms` (at most 64) and returns the best
    /// `keep` of those `allowed` (per segment, `None` for all).
    ///
    /// Document frequencies come first (idf must be known to score); then each segment is read once,
    /// a window of documents at a time, every term's fields into the window's accumulators.
    pub fn score(
        &self,
        terms: &[String],
        allowed: &[Option<DocBits>],
        keep: usize,
        scratch: &mut Scratch,
    ) -> Result<Scored, ScoreError> {
        let terms = &terms[..terms.len().min(64)];
        let tables: Vec<[f32; 256]> = (0..SCORED.len()).map(|fi| self.inv_b_table(fi)).collect();
        let segs = self.searcher.segment_readers();
        let Scratch {
            acc,
            score,
            mask,
            touched,
            seen,
        } = scratch;
        let mut df = vec![0u64; terms.len()];
        for seg in segs {
            for (j, t) in terms.iter().enumerate() {
                df[j] += self.doc_freq(seg, t, seen)?;
            }
        }
        let idf: Vec<f32> = df.iter().map(|&d| idf(self.n_docs, d as f32)).collect();
        let mut top = TopK::new(keep);
        for (si, seg) in segs.iter().enumerate() {
            let alive = seg.alive_bitset();
            let ok = allowed.get(si).and_then(Option::as_ref);
            let mut cursors: Vec<Vec<Cursor>> = terms
                .iter()
                .map(|t| self.cursors(seg, t, &tables))
                .collect::<Result<_, _>>()?;
            while let Some(first) = cursors.iter().flatten().filter_map(Cursor::next_doc).min() {
                let base = first - first % WINDOW as DocId;
                let end = base.saturating_add(WINDOW as DocId);
                let mut n = 0;
                for (j, term_cursors) in cursors.iter_mut().enumerate() {
                    for c in term_cursors.iter_mut() {
                        c.run_to(base, end, acc, seen);
                    }
                    let (w, bit) = (idf[j] * (K1 + 1.0), 1u64 << j);
                    for (wi, word) in seen.iter_mut().enumerate() {
                        let mut bits = std::mem::take(word);
                        while bits != 0 {
                            let local = wi * 64 + bits.trailing_zeros() as usize;
                            bits &= bits - 1;
                            let tf = std::mem::take(&mut acc[local]);
                            let d = base + local as DocId;
                            if alive.is_some_and(|a| !a.is_alive(d))
                                || ok.is_some_and(|a| !a.contains(d))
                            {
                                continue;
                            }
                            // Listed the first time a term matches it, without a branch that
                            // the second term's documents would mispredict.
                            touched[n] = local as u32;
                            n += (mask[local] == 0) as usize;
                            mask[local] |= bit;
                            score[local] += w * tf / (K1 + tf);
                        }
                    }
                }
                for &i in &touched[..n] {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::schema;
    use tantivy::{Index, TantivyDocument};

    fn even_len(searcher: &tantivy::Searcher) -> DocId {
        searcher.segment_readers()[0].max_doc()
    }

    /// Random documents over a small vocabulary in random fields, in two segments (more than a window
    /// each) with some deleted, scored by [`Scorer::score`] and by brute force from [`Scorer::explain`].
    #[test]
    fn windowed_scores_match_the_formula_document_by_document() {
        let (schema_, fields) = schema::build();
        let index = Index::create_in_ram(schema_);
        super::super::register(&index);
        let mut writer: tantivy::IndexWriter =
            index.writer_with_num_threads(1, 50_000_000).unwrap();
        let words = ["alpha", "beta", "gamma", "delta", "omega", "kappa"];
        let mut seed = 7u64;
        let mut rnd = |n: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        for batch in 0..2 {
            for i in 0..20_000u64 {
                let mut doc = TantivyDocument::default();
                for _ in 0..1 + rnd(3) {
                    let fi = rnd(SCORED.len() as u64) as usize;
                    // Rare words, common ones, and lengths that vary.
                    let text: Vec<&str> = (0..1 + rnd(12))
                        .map(|_| {
                            let r = rnd(1000);
                            if r < 3 {
                                words[0]
                            } else if r < 30 {
                                words[1]
                            } else {
                                words[2 + (r % 4) as usize]
                            }
                        })
                        .collect();
                    doc.add_text(fields.scored[fi], text.join(" "));
                    doc.add_text(fields.has, SCORED[fi].0);
                }
                doc.add_text(fields.skey, format!("{batch}-{i}"));
                writer.add_document(doc).unwrap();
            }
            writer.commit().unwrap();
        }
        for i in (0..20_000).step_by(7) {
            writer.delete_term(Term::from_field_text(fields.skey, &format!("0-{i}")));
        }
        writer.commit().unwrap();
        let reader = index.reader().unwrap();
        let searcher = reader.searcher();
        assert_eq!(searcher.segment_readers().len(), 2);
        assert!(searcher
            .segment_readers()
            .iter()
            .all(|s| s.max_doc() as usize > WINDOW));
        let scorer = Scorer::new(&searcher, &fields).unwrap();

        for query in [
            &["alpha"][..],
            &["alpha", "beta"],
            &["gamma", "alpha", "omega"],
            &["nothing"],
        ] {
            let terms: Vec<String> = query.iter().map(|s| s.to_string()).collect();
            // Brute force: tf̃ per live document from `explain`, df by counting.
            let mut rows = Vec::new();
            let mut df = vec![0u32; terms.len()];
            for (si, seg) in searcher.segment_readers().iter().enumerate() {
                for d in 0..seg.max_doc() {
                    if seg.alive_bitset().is_some_and(|a| !a.is_alive(d)) {
                        continue;
                    }
                    let ex = scorer
                        .explain(seg, d, &terms, &vec![1.0; terms.len()])
                        .unwrap();
                    let tfs: Vec<f32> = ex.iter().map(|e| e.tf_tilde).collect();
                    for (j, &tf) in tfs.iter().enumerate() {
                        df[j] += (tf > 0.0) as u32;
                    }
                    if tfs.iter().any(|&t| t > 0.0) {
                        rows.push((si as u32, d, tfs));
                    }
                }
            }
            let idfs: Vec<f32> = df.iter().map(|&d| idf(scorer.n_docs, d as f32)).collect();
            let all: std::collections::HashMap<(u32, DocId), (f32, u64)> = rows
                .into_iter()
                .map(|(seg, doc, tfs)| {
                    let score = tfs
                        .iter()
                        .zip(&idfs)
                        .map(|(&tf, &i)| {
                            if tf > 0.0 {
                                i * tf * (K1 + 1.0) / (K1 + tf)
                            } else {
                                0.0
                            }
                        })
                        .sum();
                    let mask = tfs
                        .iter()
                        .enumerate()
                        .filter(|(_, &t)| t > 0.0)
                        .map(|(j, _)| 1u64 << j)
                        .sum();
                    ((seg, doc), (score, mask))
                })
                .collect();
            // Only even documents of the first segment allowed, as a filter would.
            let mut even = DocBits::empty(searcher.segment_readers()[0].max_doc() as usize);
            (0..even_len(&searcher))
                .step_by(2)
                .for_each(|d| even.insert(d));
            for allowed in [vec![None, None], vec![Some(even.clone()), None]] {
                let mut want: Vec<f32> = all
                    .iter()
                    .filter(|((seg, doc), _)| {
                        *seg != 0 || allowed[0].as_ref().is_none_or(|a| a.contains(*doc))
                    })
                    .map(|(_, &(score, _))| score)
                    .collect();
                want.sort_by(|a, b| b.total_cmp(a));
                want.truncate(50);
                let got = scorer
                    .score(&terms, &allowed, 50, &mut Scratch::default())
                    .unwrap();
                assert_eq!(got.idf, idfs, "{query:?}");
                let mut top = got.top;
                top.sort_by(TopK::order);
                assert_eq!(top.len(), want.len(), "{query:?}");
                for (g, w) in top.iter().zip(&want) {
                    let (score, mask) = all[&(g.seg, g.doc)];
                    assert!(
                        (g.score - score).abs() <= 1e-4 * score,
                        "{query:?}: {g:?} vs {score}"
                    );
                    assert!((g.score - w).abs() <= 1e-4 * w, "{query:?}: {g:?} vs {w}");
                    assert_eq!(g.mask, mask);
                    assert!(g.seg != 0 || allowed[0].as_ref().is_none_or(|a| a.contains(g.doc)));
                }
            }
        }
    }
}
