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

use std::collections::{HashMap, HashSet};

use tantivy::postings::Postings;
use tantivy::schema::{Field, IndexRecordOption, Term, Value};
use tantivy::{DocAddress, DocId, DocSet, Searcher, SegmentReader, TantivyDocument, TERMINATED};

use crate::code::lang;
use crate::index::bm25f::{ScoreError, Scorer, TermExplain};
use crate::index::schema::{Fields, SESSION_DOC};
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

type DocMask = Vec<bool>;

fn term_docs(
    seg: &SegmentReader,
    field: Field,
    term: &str,
    out: &mut DocMask,
) -> Result<(), ScoreError> {
    let inv = seg.inverted_index(field)?;
    if let Some(mut p) = inv.read_postings(
        &Term::from_field_text(field, term),
        IndexRecordOption::Basic,
    )? {
        let mut d = p.doc();
        while d != TERMINATED {
            out[d as usize] = true;
            d = p.advance();
        }
    }
    Ok(())
}

/// Marks documents where `toks` occur consecutively in `field` ("" stands for any one word).
fn phrase_docs(
    seg: &SegmentReader,
    field: Field,
    toks: &[String],
    out: &mut DocMask,
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
            out[target as usize] = true;
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
) -> Result<DocMask, ScoreError> {
    let mut m = vec![false; seg.max_doc() as usize];
    for &f in &fields.scored {
        phrase_docs(seg, f, toks, &mut m)?;
    }
    Ok(m)
}

fn filter_docs(seg: &SegmentReader, fields: &Fields, f: &Filter) -> Result<DocMask, ScoreError> {
    let n = seg.max_doc() as usize;
    let mut m = vec![false; n];
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
            let mut all = vec![true; n];
            for t in phrase_tokens(&f.value)
                .into_iter()
                .filter(|t| !t.is_empty())
            {
                let mut one = vec![false; n];
                term_docs(seg, fields.project, &t, &mut one)?;
                all.iter_mut().zip(one).for_each(|(a, o)| *a &= o);
            }
            m = all;
        }
        FilterKind::Since | FilterKind::Until => {
            let col = seg.fast_fields().i64("ts")?;
            let bound = f.time.unwrap_or(0);
            for (d, slot) in m.iter_mut().enumerate() {
                if let Some(ts) = col.first(d as DocId) {
                    *slot = if f.kind == FilterKind::Since {
                        ts >= bound
                    } else {
                        ts <= bound
                    };
                }
            }
        }
    }
    Ok(m)
}

/// The stored session document (identity and title) of the session with key `key`.
fn session_doc(
    searcher: &Searcher,
    fields: &Fields,
    msg_cols: &[tantivy::columnar::Column<u64>],
    key: u64,
) -> Result<Option<TantivyDocument>, ScoreError> {
    for (si, seg) in searcher.segment_readers().iter().enumerate() {
        let inv = seg.inverted_index(fields.sess)?;
        let term = Term::from_field_u64(fields.sess, key);
        let Some(mut p) = inv.read_postings(&term, IndexRecordOption::Basic)? else {
            continue;
        };
        let msg = &msg_cols[si];
        let alive = seg.alive_bitset();
        let mut d = p.doc();
        while d != TERMINATED {
            if msg.first(d) == Some(SESSION_DOC) && alive.is_none_or(|a| a.is_alive(d)) {
                let doc = searcher
                    .doc(DocAddress::new(si as u32, d))
                    .map_err(ScoreError)?;
                return Ok(Some(doc));
            }
            d = p.advance();
        }
    }
    Ok(None)
}

struct Best {
    key: u64,
    score: f32,
    chunk_score: f32,
    seg: u32,
    doc: DocId,
    count: u32,
    mask: u64,
    ts: i64,
}

pub fn search(
    searcher: &Searcher,
    fields: &Fields,
    q: &Query,
    limit: usize,
    explain: bool,
) -> Result<Vec<Hit>, ScoreError> {
    let scorer = Scorer::new(searcher, fields)?;
    let scored = if q.terms.is_empty() {
        None
    } else {
        Some(scorer.score(&q.terms)?)
    };
    let segs = searcher.segment_readers();

    // Sessions with an excluded word or phrase anywhere.
    let mut excluded: HashSet<u64> = HashSet::new();
    for ex in &q.excludes {
        for seg in segs {
            let m = any_field_phrase(seg, fields, ex)?;
            let sess = seg.fast_fields().u64("sess")?;
            excluded.extend(
                m.iter()
                    .enumerate()
                    .filter(|(_, &x)| x)
                    .filter_map(|(d, _)| sess.first(d as DocId)),
            );
        }
    }

    // Matching chunks that pass the filters and phrases: (score, segment, doc, term mask).
    let mut candidates: Vec<(f32, u32, DocId, u64)> = Vec::new();
    for (si, seg) in segs.iter().enumerate() {
        let n = seg.max_doc() as usize;
        let mut allowed: Option<DocMask> = None;
        let restrict = |m: DocMask, negate: bool, allowed: &mut Option<DocMask>| {
            let a = allowed.get_or_insert_with(|| vec![true; n]);
            a.iter_mut().zip(m).for_each(|(a, x)| *a &= x != negate);
        };
        for f in &q.filters {
            restrict(filter_docs(seg, fields, f)?, f.negate, &mut allowed);
        }
        for (_, toks) in &q.phrases {
            restrict(any_field_phrase(seg, fields, toks)?, false, &mut allowed);
        }
        let ok = |d: DocId| allowed.as_ref().is_none_or(|a| a[d as usize]);
        match &scored {
            Some(s) => candidates.extend(
                s.segments[si]
                    .iter()
                    .filter(|d| ok(d.doc))
                    .map(|d| (d.score, si as u32, d.doc, d.mask)),
            ),
            None => {
                let alive = seg.alive_bitset();
                candidates.extend(
                    (0..n as DocId)
                        .filter(|&d| ok(d) && alive.is_none_or(|a| a.is_alive(d)))
                        .map(|d| (0.0, si as u32, d, 0)),
                )
            }
        }
    }
    // Only the best chunks can lead a session into the top `limit`: grouping a million weak matches
    // by session would cost more than the scoring did.
    let keep = (limit * 50).max(500);
    if scored.is_some() && candidates.len() > keep {
        candidates.select_nth_unstable_by(keep, |a, b| b.0.total_cmp(&a.0));
        candidates.truncate(keep);
    }

    let msg_cols: Vec<_> = segs
        .iter()
        .map(|seg| seg.fast_fields().u64("msg"))
        .collect::<Result<_, _>>()?;
    let columns: Vec<_> = segs
        .iter()
        .map(|seg| Ok((seg.fast_fields().u64("sess")?, seg.fast_fields().i64("ts")?)))
        .collect::<Result<_, ScoreError>>()?;
    let mut sessions: HashMap<u64, Best> = HashMap::new();
    for (score, si, doc, mask) in candidates {
        let (sess, ts) = &columns[si as usize];
        let Some(key) = sess.first(doc) else { continue };
        if excluded.contains(&key) {
            continue;
        }
        let t = ts.first(doc).unwrap_or(i64::MIN);
        let e = sessions.entry(key).or_insert(Best {
            key,
            score: f32::MIN,
            chunk_score: 0.0,
            seg: si,
            doc,
            count: 0,
            mask: 0,
            ts: t,
        });
        e.count += 1;
        e.mask |= mask;
        if score > e.chunk_score || e.score == f32::MIN {
            e.chunk_score = score;
            e.seg = si;
            e.doc = doc;
            e.score = score;
        }
        e.ts = e.ts.max(t);
    }

    let idf = scored.as_ref().map(|s| s.idf.clone()).unwrap_or_default();
    let idf_total: f32 = idf.iter().sum();
    let mut ranked: Vec<Best> = sessions.into_values().collect();
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
    // Filter-only queries have no scores: newest first.
    ranked.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(b.ts.cmp(&a.ts))
            .then(a.seg.cmp(&b.seg))
            .then(a.doc.cmp(&b.doc))
    });
    ranked.truncate(limit);

    let max_score = scored.as_ref().map_or(0.0, |s| s.max_score);
    let mut highlight: Vec<String> = q.terms.clone();
    highlight.extend(q.phrases.iter().flat_map(|(_, t)| t.iter().cloned()));
    let mut hits = Vec::with_capacity(ranked.len());
    for b in ranked {
        let stored: TantivyDocument = searcher
            .doc(DocAddress::new(b.seg, b.doc))
            .map_err(ScoreError)?;
        let head = session_doc(searcher, fields, &msg_cols, b.key)?;
        let meta = |f: Field| {
            head.as_ref()
                .and_then(|h| h.get_first(f))
                .and_then(|v| v.as_str())
                .map(str::to_string)
        };
        let text = |f: Field| {
            stored
                .get_first(f)
                .and_then(|v| v.as_str())
                .map(str::to_string)
        };
        let msg = msg_cols[b.seg as usize]
            .first(b.doc)
            .filter(|&m| m != SESSION_DOC);
        let mut matched: Vec<String> = q.phrases.iter().map(|(p, _)| format!("\"{p}\"")).collect();
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
            session_id: meta(fields.session_id).unwrap_or_default(),
            source_agent: meta(fields.source_agent).unwrap_or_default(),
            title: meta(fields.title_stored).filter(|t| !t.is_empty()),
            score: b.score,
            confidence: if max_score > 0.0 {
                (b.chunk_score / max_score).clamp(0.0, 1.0)
            } else {
                1.0
            },
            message_index: msg,
            snippet: snippet(&text(fields.text).unwrap_or_default(), &highlight),
            matched_terms: matched,
            explain,
        });
    }
    Ok(hits)
}
