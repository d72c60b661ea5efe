//! The query language: `word`, `"a phrase"`, `-word`, `-"phrase"`, and `field:value` filters
//! (`agent: role: file: lang: def: call: tool: since: until: project:`), each negatable with `-`.
//! A `name:value` whose name is not a filter stays an ordinary word (`std::io`, `http://x`).

use crate::index::tokenizer::{is_stopword, query_term, tokenize};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterKind {
    Agent,
    Role,
    File,
    Lang,
    Def,
    Call,
    Tool,
    Since,
    Until,
    Project,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    pub kind: FilterKind,
    pub value: String,
    pub negate: bool,
    /// Unix seconds for `since:` / `until:`.
    pub time: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    /// Ranking terms (tokenized, stopwords dropped unless nothing else is left), deduplicated.
    pub terms: Vec<String>,
    /// What the user typed for each term, for `matched_terms`.
    pub term_labels: Vec<String>,
    /// Phrases as token sequences, with their text.
    pub phrases: Vec<(String, Vec<String>)>,
    /// Excluded words and phrases, as token sequences.
    pub excludes: Vec<Vec<String>>,
    pub filters: Vec<Filter>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum QueryError {
    #[error("unterminated quote in query")]
    Unterminated,
    #[error("{0}: cannot read {1:?} as a date (use YYYY-MM-DD, RFC 3339, Unix seconds, or 7d / 12h / 3w / 1y ago)")]
    BadTime(&'static str, String),
    #[error("role: must be user, assistant or system, not {0:?}")]
    BadRole(String),
    #[error("empty query")]
    Empty,
}

/// Splits on whitespace, keeping quoted stretches (with their quotes) together.
fn lex(q: &str) -> Result<Vec<String>, QueryError> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in q.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                cur.push(c);
            }
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if quoted {
        return Err(QueryError::Unterminated);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    Ok(out)
}

fn filter_kind(name: &str) -> Option<FilterKind> {
    Some(match name.to_ascii_lowercase().as_str() {
        "agent" => FilterKind::Agent,
        "role" => FilterKind::Role,
        "file" | "path" => FilterKind::File,
        "lang" | "language" => FilterKind::Lang,
        "def" => FilterKind::Def,
        "call" => FilterKind::Call,
        "tool" => FilterKind::Tool,
        "since" | "after" => FilterKind::Since,
        "until" | "before" => FilterKind::Until,
        "project" => FilterKind::Project,
        _ => return None,
    })
}

/// Unix seconds for an absolute date or a span ago (`7d`, `12h`, `3w`, `2m` months, `1y`).
pub fn parse_time(v: &str, now: i64) -> Option<i64> {
    let v = v.trim();
    if let Some(unit) = v.chars().last().filter(|c| c.is_ascii_alphabetic()) {
        if let Ok(n) = v[..v.len() - 1].parse::<i64>() {
            let secs = match unit.to_ascii_lowercase() {
                'h' => 3600,
                'd' => 86_400,
                'w' => 7 * 86_400,
                'm' => 30 * 86_400,
                'y' => 365 * 86_400,
                _ => return None,
            };
            return Some(now - n * secs);
        }
    }
    crate::time::parse_str(v)
}

fn unquote(s: &str) -> &str {
    s.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(s)
}

pub fn parse(q: &str, now: i64) -> Result<Query, QueryError> {
    let mut query = Query::default();
    let mut stop_terms: Vec<(String, String)> = Vec::new();
    for raw in lex(q)? {
        let (negate, body) = match raw.strip_prefix('-') {
            Some(rest) if !rest.is_empty() => (true, rest),
            _ => (false, raw.as_str()),
        };
        if let Some((name, value)) = body.split_once(':').filter(|(n, _)| !n.starts_with('"')) {
            if let Some(kind) = filter_kind(name) {
                let value = unquote(value).to_string();
                if value.is_empty() {
                    continue;
                }
                let time = match kind {
                    FilterKind::Since | FilterKind::Until => {
                        let label = if kind == FilterKind::Since {
                            "since"
                        } else {
                            "until"
                        };
                        Some(
                            parse_time(&value, now)
                                .ok_or_else(|| QueryError::BadTime(label, value.clone()))?,
                        )
                    }
                    FilterKind::Role
                        if !["user", "assistant", "system"]
                            .contains(&value.to_ascii_lowercase().as_str()) =>
                    {
                        return Err(QueryError::BadRole(value));
                    }
                    _ => None,
                };
                query.filters.push(Filter {
                    kind,
                    value: value.to_lowercase(),
                    negate,
                    time,
                });
                continue;
            }
        }
        if body.starts_with('"') {
            let text = unquote(body);
            let toks: Vec<String> = phrase_tokens(text);
            if toks.is_empty() {
                continue;
            }
            if negate {
                query.excludes.push(toks);
            } else {
                for t in toks.iter().filter(|t| !t.is_empty()) {
                    push_term(&mut query, t, t);
                }
                query.phrases.push((text.to_string(), toks));
            }
            continue;
        }
        let Some(term) = query_term(body) else {
            continue;
        };
        if negate {
            query.excludes.push(vec![term]);
        } else if is_stopword(&term) {
            stop_terms.push((term, body.to_string()));
        } else {
            push_term(&mut query, &term, body);
        }
    }
    if query.terms.is_empty() {
        for (t, label) in stop_terms {
            push_term(&mut query, &t, &label);
        }
    }
    if query.terms.is_empty() && query.filters.is_empty() && query.excludes.is_empty() {
        return Err(QueryError::Empty);
    }
    Ok(query)
}

/// A phrase's atoms in order (identifier tokens left out: a phrase is matched word by word), with ""
/// holding the place of each stopword, which the index leaves out.
pub fn phrase_tokens(text: &str) -> Vec<String> {
    let toks = tokenize(text);
    let mut out: Vec<String> = Vec::new();
    let mut last_pos = None;
    for t in toks {
        // The whole-identifier token shares its position with the first atom; keep the atom.
        if last_pos == Some(t.position) {
            out.pop();
        }
        last_pos = Some(t.position);
        out.push(if is_stopword(&t.text) {
            String::new()
        } else {
            t.text
        });
    }
    if out.iter().all(String::is_empty) {
        out.clear();
    }
    out
}

fn push_term(q: &mut Query, term: &str, label: &str) {
    if !q.terms.iter().any(|t| t == term) {
        q.terms.push(term.to_string());
        q.term_labels.push(label.to_string());
    }
}

impl Query {
    pub fn has(&self, kind: FilterKind) -> bool {
        self.filters.iter().any(|f| f.kind == kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_phrases_excludes_filters() {
        let q = parse(r#"OAuth "refresh token" -legacy -"old api" agent:codex -role:user def:parseConfig std::io"#, 0).unwrap();
        assert_eq!(q.terms, ["oauth", "refresh", "token", "stdio"]);
        assert_eq!(
            q.phrases,
            [(
                "refresh token".to_string(),
                vec!["refresh".to_string(), "token".to_string()]
            )]
        );
        assert_eq!(
            q.excludes,
            [
                vec!["legacy".to_string()],
                vec!["old".to_string(), "api".to_string()]
            ]
        );
        assert_eq!(q.filters.len(), 3);
        assert_eq!(
            (q.filters[1].kind.clone(), q.filters[1].negate),
            (FilterKind::Role, true)
        );
        assert_eq!(q.filters[2].value, "parseconfig");
    }

    #[test]
    fn stopwords_only_when_nothing_else() {
        assert_eq!(
            parse("how to fix the login", 0).unwrap().terms,
            ["fix", "login"]
        );
        assert_eq!(parse("to be or not", 0).unwrap().terms, ["not"]);
        assert_eq!(parse("to be or", 0).unwrap().terms, ["to", "be", "or"]);
    }

    #[test]
    fn times_and_errors() {
        let q = parse("since:2024-01-02 until:7d x", 1_000_000).unwrap();
        assert_eq!(q.filters[0].time, Some(1_704_153_600));
        assert_eq!(q.filters[1].time, Some(1_000_000 - 7 * 86_400));
        assert!(matches!(
            parse("since:yesterdayish", 0),
            Err(QueryError::BadTime(..))
        ));
        assert_eq!(parse("\"open", 0), Err(QueryError::Unterminated));
        assert_eq!(parse("  ", 0), Err(QueryError::Empty));
        assert!(parse("role:tool x", 0).is_err());
    }
}
