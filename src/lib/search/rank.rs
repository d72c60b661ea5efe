//! Running a [`Query`] against the index: BM25F over message chunks, filters and phrases per chunk,
//! exclusions per session, then sessions ranked by their best chunk.
//!
//! Free words are ORed and ranked (a chunk with more of the rarer words scores higher); phrases and
//! filters must hold in the chunk that matches; an excluded word anywhere in a session drops the session.
//! A session scores `best · (1 + 0.1·ln n) · (0.5 + 0.5·c)`, where n is how many of its chunks match and
//! c is the share of the query's idf mass found somewhere in the session: a bonus for sessions that keep
//! coming back to the topic or cover the query across messages (counted among the best few hundred
//! matching chunks, which is where any top session's chunks are). `confidence` is the best chunk's BM25F
//! score over the query's maximum attainable score, so it is comparable across queries and never
//! depends on what else was found.

use std::collections::HashSet;

use tantivy::columnar::Column;
use tantivy::postings::Postings;
use tantivy::schema::{Field, IndexRecordOption, Term};
use tantivy::{DocId, DocSet, Searcher, SegmentReader, TERMINATED};

use crate::code::lang;
use crate::index::bm25f::{ScoreError, Scorer, Scratch, TermExplain};
use crate::index::docbits::DocBits;
use crate::index::docstore::StoredText;
use crate::index::schema::Fields;
use crate::index::tokenizer::query_term;

use super::query::{phrase_tokens, Filter, FilterKind, Query};
use super::snippet::{snippet, Snippet};

#[derive(Debug, Clone)]
pub struct Hit {
    pub session_id: String,
    pub source_agent: String,
    pub title: Option<String>,
    pub score: f32,
    pub confidence: f32,
    pub message_index: Option<u64>,
    pub snippet: Snippet,
    pub matched_terms: Vec<String>,
    pub explain: Option<Vec<TermExplain>>,
}

fn term_docs(
    seg: &SegmentReader,
    field: Field,
    term: &str,
    out: &mut DocBits,
) -> Result<(), ScoreError> {
    let inv = seg.inverted_index(field)?;
    if let Some(info) = inv.get_term_info(&Term::from_field_text(field, term))? {
        // A block of documents at a time: a filter on a common value reads many.
        let mut block = inv.read_block_postings_from_terminfo(&info, IndexRecordOption::Basic)?;
        while !block.docs().is_empty() {
            for &d in block.docs() {
                out.insert(d);
            }
            block.advance();
        }
    }
    Ok(())
}

/// Marks documents where `toks` occur consecutively in `field` ("" stands for any one word).
fn phrase_docs(
    seg: &SegmentReader,
    field: Field,
    toks: &[String],
    out: &mut DocBits,
) -> Result<(), ScoreError> {
    let items: Vec<(u32, &String)> = toks
        .iter()
        .enumerate()
        .filter(|(_, t)| !t.is_empty())
        .map(|(k, t)| (k as u32, t))
        .collect();
    match items.len() {
        0 => return Ok(()),
        1 => return term_docs(seg, field, items[0].1, out),
        _ => {}
    }
    let inv = seg.inverted_index(field)?;
    let mut posts = Vec::with_capacity(items.len());
    for (_, t) in &items {
        match inv.read_postings(
            &Term::from_field_text(field, t),
            IndexRecordOption::WithFreqsAndPositions,
        )? {
            Some(p) => posts.push(p),
            None => return Ok(()),
        }
    }
    let (mut first, mut other) = (Vec::new(), Vec::new());
    let mut target = posts[0].doc();
    while target != TERMINATED {
        let mut aligned = true;
        for p in posts.iter_mut() {
            let d = if p.doc() < target {
                p.seek(target)
            } else {
                p.doc()
            };
            if d > target {
                target = d;
                aligned = false;
                break;
            }
        }
        if !aligned {
            continue;
        }
        posts[0].positions(&mut first);
        let mut starts: Vec<u32> = first.clone();
        for (i, p) in posts.iter_mut().enumerate().skip(1) {
            p.positions(&mut other);
            let gap = items[i].0 - items[0].0;
            starts.retain(|&s| other.binary_search(&(s + gap)).is_ok());
            if starts.is_empty() {
                break;
            }
        }
        if !starts.is_empty() {
            out.insert(target);
        }
        target = posts[0].advance();
    }
    Ok(())
}

/// Documents with `toks` as a phrase in any scored field.
fn any_field_phrase(
    seg: &SegmentReader,
    fields: &Fields,
    toks: &[String],
) -> Result<DocBits, ScoreError> {
    let mut m = DocBits::empty(seg.max_doc() as usize);
    for &f in &fields.scored {
        phrase_docs(seg, f, toks, &mut m)?;
    }
    Ok(m)
}

fn filter_docs(seg: &SegmentReader, fields: &Fields, f: &Filter) -> Result<DocBits, ScoreError> {
    let n = seg.max_doc() as usize;
    let mut m = DocBits::empty(n);
    let ident = || query_term(&f.value).unwrap_or_default();
    match f.kind {
        FilterKind::Agent => term_docs(seg, fields.agent, &f.value, &mut m)?,
        FilterKind::Role => term_docs(seg, fields.role, &f.value, &mut m)?,
        FilterKind::Tool => term_docs(seg, fields.toolname, &f.value, &mut m)?,
        FilterKind::Lang => term_docs(
            seg,
            fields.lang,
            &lang::canonical(&f.value).unwrap_or_default(),
            &mut m,
        )?,
        FilterKind::Def => term_docs(seg, fields.def, &ident(), &mut m)?,
        FilterKind::Call => term_docs(seg, fields.call, &ident(), &mut m)?,
        FilterKind::File => phrase_docs(
            seg,
            fields.scored[crate::index::schema::scored_index("path").unwrap_or(0)],
            &phrase_tokens(&f.value),
            &mut m,
        )?,
        FilterKind::Project => {
            // Every word of the value, in any order: `project:billing` or a project hash.
            let mut all = DocBits::full(n);
            for t in phrase_tokens(&f.value)
                .into_iter()
                .filter(|t| !t.is_empty())
            {
                let mut one = DocBits::empty(n);
                term_docs(seg, fields.project, &t, &mut one)?;
                all.intersect(&one, false);
            }
            m = all;
        }
        FilterKind::Since | FilterKind::Until => {
            let col = seg.fast_fields().i64("ts")?;
            let bound = f.time.unwrap_or(0);
            let range = if f.kind == FilterKind::Since {
                bound..=i64::MAX
            } else {
                i64::MIN..=bound
            };
            let mut docs = Vec::new();
            col.get_docids_for_value_range(range, 0..n as DocId, &mut docs);
            for d in docs {
                m.insert(d);
            }
        }
    }
    Ok(m)
}

/// A segment's columns that tie a document to its session and time.
struct Columns {
    back: Column<u64>,
    msg: Column<u64>,
    ts: Column<i64>,
}

impl Columns {
    fn open(seg: &SegmentReader) -> Result<Columns, ScoreError> {
        let ff = seg.fast_fields();
        Ok(Columns {
            back: ff.u64("back")?,
            msg: ff.u64("msg")?,
            ts: ff.i64("ts")?,
        })
    }
    /// The session document of `doc`.
    fn head(&self, doc: DocId) -> DocId {
        doc.saturating_sub(self.back.first(doc).unwrap_or(0) as DocId)
    }
}

struct Best {
    score: f32,
    chunk_score: f32,
    seg: u32,
    head: DocId,
    doc: DocId,
    count: u32,
    mask: u64,
    /// The newest of its candidate chunks' times, looked up only when it decides the order.
    ts: i64,
    /// Its candidate chunks, in `chunks`.
    chunks: std::ops::Range<usize>,
}

/// An index opened for queries: the searcher, with what every query reads of each segment opened
/// once (opening a column decodes its block headers, which cost a median query 5 %).
pub struct Searchable<'a> {
    searcher: &'a Searcher,
    fields: &'a Fields,
    columns: Vec<Columns>,
    stored: StoredText<'a>,
    scratch: Scratch,
}

impl<'a> Searchable<'a> {
    pub fn new(searcher: &'a Searcher, fields: &'a Fields) -> Result<Searchable<'a>, ScoreError> {
        Ok(Searchable {
            searcher,
            fields,
            columns: searcher
                .segment_readers()
                .iter()
                .map(Columns::open)
                .collect::<Result<_, _>>()?,
            stored: StoredText::open(searcher)?,
            scratch: Scratch::default(),
        })
    }

    /// The best `limit` sessions for `q`.
    pub fn search(
        &mut self,
        q: &Query,
        limit: usize,
        explain: bool,
    ) -> Result<Vec<Hit>, ScoreError> {
        let (searcher, fields, columns) = (self.searcher, self.fields, &self.columns[..]);
        let (stored, scratch) = (&mut self.stored, &mut self.scratch);
        let scorer = Scorer::new(searcher, fields)?;
        let segs = searcher.segment_readers();

        // Sessions with an excluded word or phrase anywhere, as (segment, session document).
        let mut excluded: HashSet<(u32, DocId)> = HashSet::new();
        for ex in &q.excludes {
            for (si, seg) in segs.iter().enumerate() {
                let m = any_field_phrase(seg, fields, ex)?;
                excluded.extend(m.iter().map(|d| (si as u32, columns[si].head(d))));
            }
        }

        // Per segment, the chunks that pass the filters and phrases (None: all of them).
        let mut allowed: Vec<Option<DocBits>> = Vec::with_capacity(segs.len());
        for seg in segs {
            let n = seg.max_doc() as usize;
            let mut a: Option<DocBits> = None;
            for f in &q.filters {
                let m = filter_docs(seg, fields, f)?;
                a.get_or_insert_with(|| DocBits::full(n))
                    .intersect(&m, f.negate);
            }
            for (_, toks) in &q.phrases {
                let m = any_field_phrase(seg, fields, toks)?;
                a.get_or_insert_with(|| DocBits::full(n))
                    .intersect(&m, false);
            }
            allowed.push(a);
        }

        // Matching chunks: (score, segment, doc, term mask). Only the best chunks can lead a session into
        // the top `limit`: grouping a million weak matches by session would cost more than the scoring did.
        let keep = (limit * 50).max(500);
        let scored = if q.terms.is_empty() {
            None
        } else {
            Some(scorer.score(&q.terms, &allowed, keep, scratch)?)
        };
        let candidates: Vec<(f32, u32, DocId, u64)> = match &scored {
            Some(s) => s
                .top
                .iter()
                .map(|d| (d.score, d.seg, d.doc, d.mask))
                .collect(),
            None => {
                let mut all = Vec::new();
                for (si, seg) in segs.iter().enumerate() {
                    let alive = seg.alive_bitset();
                    let live = |d: DocId| alive.is_none_or(|a| a.is_alive(d));
                    match &allowed[si] {
                        Some(a) => all.extend(
                            a.iter()
                                .filter(|&d| live(d))
                                .map(|d| (0.0, si as u32, d, 0)),
                        ),
                        None => all.extend(
                            (0..seg.max_doc())
                                .filter(|&d| live(d))
                                .map(|d| (0.0, si as u32, d, 0)),
                        ),
                    }
                }
                all
            }
        };

        // Each candidate with its session (segment, session document), grouped by session.
        let mut chunks: Vec<(u32, DocId, f32, DocId, u64)> = Vec::with_capacity(candidates.len());
        for (score, si, doc, mask) in candidates {
            let head = columns[si as usize].head(doc);
            if excluded.is_empty() || !excluded.contains(&(si, head)) {
                chunks.push((si, head, score, doc, mask));
            }
        }
        chunks.sort_unstable_by_key(|c| (c.0, c.1));
        let mut ranked: Vec<Best> = Vec::new();
        let mut from = 0;
        for group in chunks.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
            let (seg, head) = (group[0].0, group[0].1);
            ranked.push({
                // The best chunk: the highest score, the first in the session among equals.
                let (mut score, mut doc) = (group[0].2, group[0].3);
                for c in &group[1..] {
                    if c.2 > score || (c.2 == score && c.3 < doc) {
                        (score, doc) = (c.2, c.3);
                    }
                }
                Best {
                    score,
                    chunk_score: score,
                    seg,
                    head,
                    doc,
                    count: group.len() as u32,
                    mask: group.iter().fold(0, |m, c| m | c.4),
                    ts: i64::MIN,
                    chunks: from..from + group.len(),
                }
            });
            from += group.len();
        }
        let newest = |b: &Best| {
            let ts = &columns[b.seg as usize].ts;
            chunks[b.chunks.clone()]
                .iter()
                .map(|c| ts.first(c.3).unwrap_or(i64::MIN))
                .max()
                .unwrap_or(i64::MIN)
        };

        let idf = scored.as_ref().map(|s| s.idf.clone()).unwrap_or_default();
        let idf_total: f32 = idf.iter().sum();
        for b in &mut ranked {
            let covered: f32 = idf
                .iter()
                .enumerate()
                .filter(|(j, _)| b.mask & (1 << j) != 0)
                .map(|(_, i)| i)
                .sum();
            let cov = if idf_total > 0.0 {
                covered / idf_total
            } else {
                1.0
            };
            b.score = b.chunk_score * (1.0 + 0.1 * (b.count as f32).ln()) * (0.5 + 0.5 * cov);
        }
        // Filter-only queries have no scores: newest first. A total order (no two sessions share a
        // best chunk), so the best `limit` can be picked before they are sorted. Times only decide
        // between equal scores: they are looked up for sessions that tie among those that can be
        // in the best `limit` (all of them when many tie, as without scores).
        let by_score = |a: &Best, b: &Best| {
            b.score
                .total_cmp(&a.score)
                .then(a.seg.cmp(&b.seg))
                .then(a.doc.cmp(&b.doc))
        };
        let order = |a: &Best, b: &Best| {
            b.score
                .total_cmp(&a.score)
                .then(b.ts.cmp(&a.ts))
                .then(a.seg.cmp(&b.seg))
                .then(a.doc.cmp(&b.doc))
        };
        if limit == 0 {
            ranked.clear();
        } else if ranked.len() > limit {
            ranked.select_nth_unstable_by(limit - 1, by_score);
            let cut = ranked[limit - 1].score;
            let mut kept = limit;
            for i in limit..ranked.len() {
                if ranked[i].score.total_cmp(&cut).is_ge() {
                    ranked.swap(kept, i);
                    kept += 1;
                }
            }
            ranked.truncate(kept);
        }
        if ranked.len() > 2 * limit + 32 {
            for b in ranked.iter_mut() {
                b.ts = newest(b);
            }
        } else {
            ranked.sort_unstable_by(by_score);
            for i in 0..ranked.len() {
                let tied = |j: usize| {
                    ranked
                        .get(j)
                        .is_some_and(|o: &Best| o.score.total_cmp(&ranked[i].score).is_eq())
                };
                if (i > 0 && tied(i - 1)) || tied(i + 1) {
                    ranked[i].ts = newest(&ranked[i]);
                }
            }
        }
        if ranked.len() > limit {
            ranked.select_nth_unstable_by(limit, order);
            ranked.truncate(limit);
        }
        ranked.sort_unstable_by(order);

        let max_score = scored.as_ref().map_or(0.0, |s| s.max_score);
        let mut highlight: Vec<String> = q.terms.clone();
        highlight.extend(q.phrases.iter().flat_map(|(_, t)| t.iter().cloned()));
        let mut hits = Vec::with_capacity(ranked.len());
        for b in ranked {
            let text = stored.texts(b.seg, b.doc, &[fields.text])?.pop().flatten();
            let [session_id, source_agent, title] = <[Option<String>; 3]>::try_from(stored.texts(
                b.seg,
                b.head,
                &[fields.session_id, fields.source_agent, fields.title_stored],
            )?)
            .expect("three fields asked for");
            let msg = (b.head != b.doc)
                .then(|| columns[b.seg as usize].msg.first(b.doc))
                .flatten();
            let mut matched: Vec<String> =
                q.phrases.iter().map(|(p, _)| format!("\"{p}\"")).collect();
            matched.extend(
                q.term_labels
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| b.mask & (1 << j) != 0)
                    .map(|(_, l)| l.clone()),
            );
            matched.dedup();
            let explain = if explain && scored.is_some() {
                Some(scorer.explain(&segs[b.seg as usize], b.doc, &q.terms, &idf)?)
            } else {
                None
            };
            hits.push(Hit {
                session_id: session_id.unwrap_or_default(),
                source_agent: source_agent.unwrap_or_default(),
                title: title.filter(|t| !t.is_empty()),
                score: b.score,
                confidence: if max_score > 0.0 {
                    (b.chunk_score / max_score).clamp(0.0, 1.0)
                } else {
                    1.0
                },
                message_index: msg,
                snippet: snippet(&text.unwrap_or_default(), &highlight),
                matched_terms: matched,
                explain,
            });
        }
        Ok(hits)
    }
}
