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
//! Evaluation is term-at-a-time over tantivy's postings (a dense per-segment accumulator for common
//! terms, sorted lists for rare ones): no WAND pruning, but one pass over each posting list, and lengths
//! read as tantivy's one-byte field norms through a 256-entry table per field.

use tantivy::postings::Postings;
use tantivy::schema::{IndexRecordOption, Term};
use tantivy::{DocId, DocSet, Searcher, SegmentReader, TERMINATED};

use super::schema::{Fields, SCORED};

pub const K1: f32 = 1.2;

/// Per query term, the (doc, tf̃) pairs of one segment.
type TermLists = Vec<Vec<(DocId, f32)>>;

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
    pub doc: DocId,
    pub score: f32,
    pub mask: u64,
}

pub struct Scored {
    pub idf: Vec<f32>,
    /// Per segment (in `searcher.segment_readers()` order), the matching live documents.
    pub segments: Vec<Vec<DocScore>>,
    pub max_score: f32,
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

    /// tf̃ for every live document of `seg` containing `term`, into the dense `acc`, recording `touched`.
    /// Calls `sink(doc, w_f·tf/B_f)` for every field occurrence of `term` in a live document of `seg`.
    fn accumulate(
        &self,
        seg: &SegmentReader,
        term: &str,
        tables: &[[f32; 256]],
        sink: &mut dyn FnMut(DocId, f32),
    ) -> Result<(), ScoreError> {
        let alive = seg.alive_bitset();
        for (fi, &field) in self.fields.scored.iter().enumerate() {
            let inv = seg.inverted_index(field)?;
            let Some(mut post) = inv.read_postings(
                &Term::from_field_text(field, term),
                IndexRecordOption::WithFreqs,
            )?
            else {
                continue;
            };
            let norms = seg.get_fieldnorms_reader(field)?;
            let w = SCORED[fi].1;
            let table = &tables[fi];
            let mut doc = post.doc();
            while doc != TERMINATED {
                if alive.is_none_or(|a| a.is_alive(doc)) {
                    sink(
                        doc,
                        w * post.term_freq() as f32 * table[norms.fieldnorm_id(doc) as usize],
                    );
                }
                doc = post.advance();
            }
        }
        Ok(())
    }

    /// How many postings `terms` have in `seg`, over all scored fields (from the term dictionary).
    fn postings_in(&self, seg: &SegmentReader, terms: &[String]) -> Result<usize, ScoreError> {
        let mut n = 0;
        for &field in &self.fields.scored {
            let inv = seg.inverted_index(field)?;
            for t in terms {
                if let Some(info) = inv.get_term_info(&Term::from_field_text(field, t))? {
                    n += info.doc_freq as usize;
                }
            }
        }
        Ok(n)
    }

    /// Scores every live document containing at least one of `terms` (at most 64).
    ///
    /// Accumulates in a dense per-document array where the terms are common in a segment, and in
    /// sorted lists where they are rare, so a rare word costs no pass over the whole segment.
    pub fn score(&self, terms: &[String]) -> Result<Scored, ScoreError> {
        let terms = &terms[..terms.len().min(64)];
        let tables: Vec<[f32; 256]> = (0..SCORED.len()).map(|fi| self.inv_b_table(fi)).collect();
        // Pass 1: tf̃ lists per segment and term; their lengths add up to df.
        let mut lists: Vec<(bool, TermLists)> = Vec::new();
        let mut df = vec![0usize; terms.len()];
        for seg in self.searcher.segment_readers() {
            let max_doc = seg.max_doc() as usize;
            let dense = self.postings_in(seg, terms)? * 16 > max_doc;
            let mut acc = if dense {
                vec![0f32; max_doc]
            } else {
                Vec::new()
            };
            let mut per_term = Vec::with_capacity(terms.len());
            for (j, t) in terms.iter().enumerate() {
                let mut pairs: Vec<(DocId, f32)> = Vec::new();
                if dense {
                    let mut touched = Vec::new();
                    self.accumulate(seg, t, &tables, &mut |d, v| {
                        let slot = &mut acc[d as usize];
                        if *slot == 0.0 {
                            touched.push(d);
                        }
                        *slot += v;
                    })?;
                    pairs.extend(
                        touched
                            .into_iter()
                            .map(|d| (d, std::mem::take(&mut acc[d as usize]))),
                    );
                } else {
                    self.accumulate(seg, t, &tables, &mut |d, v| pairs.push((d, v)))?;
                    pairs.sort_unstable_by_key(|p| p.0);
                    pairs.dedup_by(|later, kept| {
                        let same = later.0 == kept.0;
                        if same {
                            kept.1 += later.1;
                        }
                        same
                    });
                }
                df[j] += pairs.len();
                per_term.push(pairs);
            }
            lists.push((dense, per_term));
        }
        let idf: Vec<f32> = df.iter().map(|&d| idf(self.n_docs, d as f32)).collect();
        // Pass 2: saturate per term and sum, merging the per-term lists.
        let mut segments = Vec::with_capacity(lists.len());
        for (seg, (dense, per_term)) in self.searcher.segment_readers().iter().zip(lists) {
            if dense {
                let mut score = vec![0f32; seg.max_doc() as usize];
                let mut mask = vec![0u64; seg.max_doc() as usize];
                let mut touched = Vec::new();
                for (j, list) in per_term.into_iter().enumerate() {
                    for (d, tf) in list {
                        let i = d as usize;
                        if mask[i] == 0 {
                            touched.push(d);
                        }
                        mask[i] |= 1 << j;
                        score[i] += idf[j] * tf * (K1 + 1.0) / (K1 + tf);
                    }
                }
                let docs = touched.into_iter().map(|d| DocScore {
                    doc: d,
                    score: score[d as usize],
                    mask: mask[d as usize],
                });
                segments.push(docs.collect());
                continue;
            }
            let mut all: Vec<DocScore> = Vec::with_capacity(per_term.iter().map(Vec::len).sum());
            for (j, list) in per_term.into_iter().enumerate() {
                all.extend(list.into_iter().map(|(d, tf)| DocScore {
                    doc: d,
                    score: idf[j] * tf * (K1 + 1.0) / (K1 + tf),
                    mask: 1 << j,
                }));
            }
            if terms.len() > 1 {
                all.sort_unstable_by_key(|d| d.doc);
                all.dedup_by(|later, kept| {
                    let same = later.doc == kept.doc;
                    if same {
                        kept.score += later.score;
                        kept.mask |= later.mask;
                    }
                    same
                });
            }
            segments.push(all);
        }
        let max_score = idf.iter().map(|i| i * (K1 + 1.0)).sum();
        Ok(Scored {
            idf,
            segments,
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
