//! Stream mode: sessions in, the matching ones out unchanged, no index involved.
//!
//! A session passes when every free word occurs somewhere in it (grep's AND, since a filter has no
//! ranking to fall back on), none of the excluded words or phrases does, and at least one chunk meets
//! every filter and phrase (and holds a query word, when there are any): the same per-chunk rules as
//! the index, so a query means the same thing in both modes. Chunks come from the same
//! [`crate::index::document`] code the index uses.

use std::collections::HashSet;

use regex::Regex;

use crate::code::{lang, CodeFacts};
use crate::index::document::{session_docs, Doc};
use crate::index::schema::scored_index;
use crate::index::tokenizer::{query_term, tokenize_with};
use crate::schema::Session;

use super::query::{phrase_tokens, Filter, FilterKind, Query};

/// One chunk's tokens per scored field, positions kept for phrases.
struct Tokens {
    fields: Vec<Vec<(String, u32)>>,
}

fn tokens(d: &Doc) -> Tokens {
    let fields = d
        .fields
        .iter()
        .map(|texts| {
            let mut v = Vec::new();
            let mut pos = 0;
            for t in texts {
                pos = tokenize_with(t, pos, &mut |tok| v.push((tok.text, tok.position))) + 1;
            }
            v
        })
        .collect();
    Tokens { fields }
}

/// `toks` consecutive in `field`, "" standing for any one word (a stopword the tokenizer left out).
fn has_phrase(field: &[(String, u32)], toks: &[String]) -> bool {
    let items: Vec<(u32, &String)> = toks
        .iter()
        .enumerate()
        .filter(|(_, t)| !t.is_empty())
        .map(|(k, t)| (k as u32, t))
        .collect();
    let Some(&(k0, first)) = items.first() else {
        return false;
    };
    field.iter().filter(|(t, _)| t == first).any(|&(_, p)| {
        items
            .iter()
            .skip(1)
            .all(|&(k, want)| field.iter().any(|(t, q)| *q == p + (k - k0) && t == want))
    })
}

fn any_phrase(t: &Tokens, toks: &[String]) -> bool {
    !toks.is_empty() && t.fields.iter().any(|f| has_phrase(f, toks))
}

fn filter_holds(s: &Session, d: &Doc, t: &Tokens, f: &Filter) -> bool {
    let ident = || query_term(&f.value).unwrap_or_default();
    let eq_ident = |v: &[String]| {
        v.iter()
            .any(|x| query_term(x).is_some_and(|q| q == ident()))
    };
    let held = match f.kind {
        FilterKind::Agent => s.meta.source_agent.to_lowercase() == f.value,
        FilterKind::Role => d.role.is_some_and(|r| r.as_str() == f.value),
        FilterKind::Tool => d.tools.contains(&f.value),
        FilterKind::Lang => lang::canonical(&f.value).is_some_and(|l| d.langs.contains(&l)),
        FilterKind::Def => eq_ident(&d.defs),
        FilterKind::Call => eq_ident(&d.calls),
        FilterKind::File => {
            scored_index("path").is_some_and(|i| has_phrase(&t.fields[i], &phrase_tokens(&f.value)))
        }
        FilterKind::Project => {
            let project = [
                s.meta.project_hash.as_deref(),
                s.meta.project_path.as_deref(),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
            let have: HashSet<String> = phrase_tokens(&project).into_iter().collect();
            phrase_tokens(&f.value)
                .iter()
                .all(|w| w.is_empty() || have.contains(w))
        }
        FilterKind::Since => d.ts.is_some_and(|ts| ts >= f.time.unwrap_or(0)),
        FilterKind::Until => d.ts.is_some_and(|ts| ts <= f.time.unwrap_or(0)),
    };
    held != f.negate
}

/// Whether `s` matches `q` (see the module doc).
pub fn matches(s: &Session, q: &Query, facts: &CodeFacts) -> bool {
    let docs = session_docs(s, facts);
    let toks: Vec<Tokens> = docs.iter().map(tokens).collect();
    let contains = |term: &str| {
        toks.iter()
            .any(|t| t.fields.iter().any(|f| f.iter().any(|(x, _)| x == term)))
    };
    if !q.terms.iter().all(|t| contains(t)) {
        return false;
    }
    if q.excludes
        .iter()
        .any(|ex| toks.iter().any(|t| any_phrase(t, ex)))
    {
        return false;
    }
    docs.iter().zip(&toks).any(|(d, t)| {
        q.filters.iter().all(|f| filter_holds(s, d, t, f))
            && q.phrases.iter().all(|(_, p)| any_phrase(t, p))
            && (q.terms.is_empty()
                || q.terms
                    .iter()
                    .any(|w| t.fields.iter().any(|f| f.iter().any(|(x, _)| x == w))))
    })
}

/// `--regex`: whether the pattern matches any text of the session (title, messages, thinking, tool
/// arguments and results, file paths), decoded, so `\n` in the JSON is a real newline to the pattern.
pub fn regex_matches(s: &Session, re: &Regex) -> bool {
    if s.meta.title.as_deref().is_some_and(|t| re.is_match(t)) {
        return true;
    }
    s.messages.iter().any(|m| {
        re.is_match(&m.content)
            || m.annotations
                .thinking
                .as_deref()
                .is_some_and(|t| re.is_match(t))
            || m.annotations.file_refs.iter().any(|f| re.is_match(f))
            || m.annotations.tool_calls.iter().any(|c| {
                re.is_match(&c.name)
                    || (!c.args.is_null() && re.is_match(&c.args.to_string()))
                    || c.result.as_deref().is_some_and(|r| re.is_match(r))
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Message, Meta, Role};

    fn session(texts: &[(Role, &str)]) -> Session {
        let mut s = Session::new(Meta::new("codex", "x"));
        for (i, (r, t)) in texts.iter().enumerate() {
            s.messages.push(Message::new(i as u64, *r, *t));
        }
        s
    }

    #[test]
    fn and_semantics_phrases_excludes_roles() {
        let s = session(&[
            (Role::User, "the oauth token expired"),
            (Role::Assistant, "call refresh_token again"),
        ]);
        let f = CodeFacts::default();
        let q = |s: &str| super::super::query::parse(s, 0).unwrap();
        assert!(matches(&s, &q("oauth refresh"), &f));
        assert!(!matches(&s, &q("oauth kafka"), &f));
        assert!(matches(&s, &q("\"token expired\""), &f));
        assert!(!matches(&s, &q("\"expired token\""), &f));
        assert!(!matches(&s, &q("oauth -refresh"), &f));
        assert!(matches(&s, &q("oauth role:user"), &f));
        assert!(
            !matches(&s, &q("oauth role:assistant"), &f),
            "role applies to the chunk holding the word"
        );
        assert!(matches(&s, &q("refreshtoken"), &f));
    }
}
