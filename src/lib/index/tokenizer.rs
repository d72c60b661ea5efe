//! Code-aware tokenizer shared by indexing and querying.
//!
//! Text is cut into compound runs (letters, digits and the joiners `_ . / : -`). A run made of several
//! atoms (`parseHttpRequest`, `refresh_token`, `src/auth/mod.rs`) yields the whole identifier first, as its
//! atoms joined without separators (so `parse_config`, `parseConfig` and `ParseConfig` meet on
//! `parseconfig`), then each atom at consecutive positions, so both `parse_config` and the phrase
//! `"parse config"` find it. Everything is lowercased; no stemming, so identifiers stay exact.
//!
//! The index leaves out stopwords ([`is_stopword`]) but keeps their positions, as Lucene's stop filter
//! does: they are a third of all words and useless for ranking, and a phrase still matches with the gap
//! (`"expired the token"` is `expired _ token`).

/// Atoms or identifiers longer than this are blobs (base64, minified code), not words anyone searches.
pub const MAX_TOKEN_BYTES: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub text: String,
    pub position: u32,
    /// Byte range in the source text (of the whole run for an identifier token).
    pub start: usize,
    pub end: usize,
}

fn is_joiner(c: char) -> bool {
    matches!(c, '_' | '.' | '/' | ':' | '-' | '\\')
}

/// Calls `sink` for every token of `text`, positions counted from `first_position`. Returns the next free
/// position, so fields made of several texts keep phrases from spanning them.
/// Index tokens (stopwords left out, their positions kept).
pub fn tokenize_with(text: &str, first_position: u32, sink: &mut dyn FnMut(Token)) -> u32 {
    tokenize_impl(text, first_position, false, sink)
}

fn tokenize_impl(
    text: &str,
    first_position: u32,
    keep_stopwords: bool,
    sink: &mut dyn FnMut(Token),
) -> u32 {
    let mut pos = first_position;
    let mut atoms: Vec<(usize, usize)> = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        // Skip to the start of a run (an alphanumeric char).
        let c = match text[i..].chars().next() {
            Some(c) => c,
            None => break,
        };
        if !c.is_alphanumeric() {
            i += c.len_utf8();
            continue;
        }
        let run_start = i;
        let mut run_end = i;
        let mut j = i;
        for ch in text[i..].chars() {
            if ch.is_alphanumeric() {
                j += ch.len_utf8();
                run_end = j;
            } else if is_joiner(ch) {
                j += ch.len_utf8();
            } else {
                break;
            }
        }
        i = j.max(run_end);
        let run = &text[run_start..run_end];
        atoms.clear();
        split_atoms(run, &mut atoms);
        let usable: Vec<&(usize, usize)> = atoms
            .iter()
            .filter(|(s, e)| e - s <= MAX_TOKEN_BYTES)
            .collect();
        if atoms.len() > 1 {
            let whole: String = atoms
                .iter()
                .map(|&(s, e)| run[s..e].to_lowercase())
                .collect();
            if whole.len() <= MAX_TOKEN_BYTES {
                sink(Token {
                    text: whole,
                    position: pos,
                    start: run_start,
                    end: run_end,
                });
            }
        }
        for &&(s, e) in &usable {
            let atom = run[s..e].to_lowercase();
            if !keep_stopwords && is_stopword(&atom) {
                pos += 1;
                continue;
            }
            sink(Token {
                text: atom,
                position: pos,
                start: run_start + s,
                end: run_start + e,
            });
            pos += 1;
        }
    }
    pos
}

/// Splits a run at joiners and at case changes (`parseHTTPRequest` → parse, HTTP, Request).
fn split_atoms(run: &str, out: &mut Vec<(usize, usize)>) {
    let chars: Vec<(usize, char)> = run.char_indices().collect();
    let mut start: Option<usize> = None;
    for (k, &(idx, c)) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if let Some(s) = start.take() {
                out.push((s, idx));
            }
            continue;
        }
        match start {
            None => start = Some(idx),
            Some(s) => {
                let prev = chars[k - 1].1;
                let next = chars.get(k + 1).map(|x| x.1);
                let boundary = (prev.is_lowercase() && c.is_uppercase())
                    || (prev.is_uppercase()
                        && c.is_uppercase()
                        && next.is_some_and(|n| n.is_lowercase()))
                    || (prev.is_numeric() && c.is_uppercase());
                if boundary {
                    out.push((s, idx));
                    start = Some(idx);
                }
            }
        }
    }
    if let Some(s) = start {
        out.push((s, run.len()));
    }
}

/// All tokens, stopwords included (for reading queries).
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    tokenize_impl(text, 0, true, &mut |t| out.push(t));
    out
}

/// The distinct terms a query word stands for: the identifier token for a compound word, else the atom.
pub fn query_term(word: &str) -> Option<String> {
    tokenize(word).into_iter().next().map(|t| t.text)
}

/// Words too common to rank on; dropped from free-text queries (never from phrases).
pub fn is_stopword(term: &str) -> bool {
    const STOP: &[&str] = &[
        "a", "an", "and", "are", "as", "at", "be", "but", "by", "do", "does", "for", "from", "how",
        "i", "if", "in", "into", "is", "it", "me", "my", "of", "on", "or", "so", "that", "the",
        "their", "then", "there", "these", "this", "to", "was", "we", "were", "what", "when",
        "where", "which", "why", "will", "with", "you", "your",
    ];
    STOP.contains(&term)
}

/// tantivy adapter: the same tokens, fed to the index.
#[derive(Clone, Default)]
pub struct CodeTokenizer {
    buf: Vec<tantivy::tokenizer::Token>,
}

pub struct CodeTokenStream<'a> {
    tokens: &'a [tantivy::tokenizer::Token],
    next: usize,
}

impl tantivy::tokenizer::Tokenizer for CodeTokenizer {
    type TokenStream<'a> = CodeTokenStream<'a>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> CodeTokenStream<'a> {
        self.buf.clear();
        let buf = &mut self.buf;
        tokenize_with(text, 0, &mut |t| {
            buf.push(tantivy::tokenizer::Token {
                offset_from: t.start,
                offset_to: t.end,
                position: t.position as usize,
                text: t.text,
                position_length: 1,
            })
        });
        CodeTokenStream {
            tokens: &self.buf,
            next: 0,
        }
    }
}

impl tantivy::tokenizer::TokenStream for CodeTokenStream<'_> {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }
    fn token(&self) -> &tantivy::tokenizer::Token {
        &self.tokens[self.next - 1]
    }
    fn token_mut(&mut self) -> &mut tantivy::tokenizer::Token {
        unreachable!("CodeTokenStream is read-only")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<(String, u32)> {
        tokenize(s)
            .into_iter()
            .map(|t| (t.text, t.position))
            .collect()
    }

    #[test]
    fn camel_snake_and_paths_split_and_keep_whole() {
        assert_eq!(
            texts("parseHTTPRequest"),
            vec![
                ("parsehttprequest".into(), 0),
                ("parse".into(), 0),
                ("http".into(), 1),
                ("request".into(), 2)
            ]
        );
        let t = texts("see src/auth/mod.rs now");
        assert_eq!(t[0], ("see".into(), 0));
        assert_eq!(t[1], ("srcauthmodrs".into(), 1));
        assert_eq!(t.last().unwrap(), &("now".into(), 5));
        assert_eq!(query_term("refresh_token"), query_term("refreshToken"));
    }

    #[test]
    fn sentence_punctuation_is_not_part_of_words() {
        assert_eq!(
            texts("Done. Next"),
            vec![("done".into(), 0), ("next".into(), 1)]
        );
        assert_eq!(
            texts("v2 utf8 ÜBER"),
            vec![("v2".into(), 0), ("utf8".into(), 1), ("über".into(), 2)]
        );
    }

    #[test]
    fn blobs_are_dropped() {
        let blob = "A".repeat(200);
        assert!(tokenize(&format!("x {blob} y"))
            .iter()
            .all(|t| t.text.len() <= MAX_TOKEN_BYTES));
    }
}
