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
    scan(
        text,
        first_position,
        false,
        &mut |t, position, start, end| {
            sink(Token {
                text: t.to_string(),
                position,
                start,
                end,
            })
        },
    )
}

/// Like [`tokenize_with`], without a `String` per token: `sink(token, start, end)` borrows the
/// lowercased token.
pub fn tokenize_borrowed(text: &str, sink: &mut dyn FnMut(&str, usize, usize)) {
    scan(text, 0, false, &mut |t, _, start, end| sink(t, start, end));
}

/// The char at byte `i` of `text` and its length, ASCII without decoding.
#[inline]
fn char_at(text: &str, i: usize) -> (char, usize) {
    let b = text.as_bytes()[i];
    if b < 0x80 {
        return (b as char, 1);
    }
    let c = text[i..].chars().next().unwrap_or('\0');
    (c, c.len_utf8())
}

/// Appends `s` lowercased to `out`.
#[inline]
fn push_lower(out: &mut String, s: &str) {
    if s.is_ascii() {
        out.extend(s.bytes().map(|b| b.to_ascii_lowercase() as char));
    } else {
        out.push_str(&s.to_lowercase());
    }
}

/// The tokenizer proper: calls `sink(text, position, start, end)` with the lowercased token in a buffer
/// reused from token to token (the indexer copies what it keeps; most tokens are short-lived).
fn scan<F: FnMut(&str, u32, usize, usize)>(
    text: &str,
    first_position: u32,
    keep_stopwords: bool,
    sink: &mut F,
) -> u32 {
    let mut pos = first_position;
    let mut atoms: Vec<(usize, usize)> = Vec::new();
    let mut lower = String::new();
    let len = text.len();
    let mut i = 0;
    while i < len {
        // Skip to the start of a run (an alphanumeric char).
        let (c, w) = char_at(text, i);
        if !c.is_alphanumeric() {
            i += w;
            continue;
        }
        let run_start = i;
        let mut run_end = i;
        let mut j = i;
        while j < len {
            let (ch, w) = char_at(text, j);
            if ch.is_alphanumeric() {
                j += w;
                run_end = j;
            } else if is_joiner(ch) {
                j += w;
            } else {
                break;
            }
        }
        i = j;
        let run = &text[run_start..run_end];
        atoms.clear();
        split_atoms(run, &mut atoms);
        if atoms.len() > 1 {
            lower.clear();
            for &(s, e) in &atoms {
                push_lower(&mut lower, &run[s..e]);
            }
            if lower.len() <= MAX_TOKEN_BYTES {
                sink(&lower, pos, run_start, run_end);
            }
        }
        for &(s, e) in &atoms {
            if e - s > MAX_TOKEN_BYTES {
                continue;
            }
            lower.clear();
            push_lower(&mut lower, &run[s..e]);
            if keep_stopwords || !is_stopword(&lower) {
                sink(&lower, pos, run_start + s, run_start + e);
            }
            pos += 1;
        }
    }
    pos
}

/// Splits a run at joiners and at case changes (`parseHTTPRequest` → parse, HTTP, Request).
fn split_atoms(run: &str, out: &mut Vec<(usize, usize)>) {
    if run
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    {
        // The common case: one plain word.
        out.push((0, run.len()));
        return;
    }
    let mut start: Option<usize> = None;
    let mut prev = '\0';
    let mut iter = run.char_indices().peekable();
    while let Some((idx, c)) = iter.next() {
        let next = iter.peek().map(|x| x.1);
        if !c.is_alphanumeric() {
            if let Some(s) = start.take() {
                out.push((s, idx));
            }
        } else {
            match start {
                None => start = Some(idx),
                Some(s) => {
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
        prev = c;
    }
    if let Some(s) = start {
        out.push((s, run.len()));
    }
}

/// All tokens, stopwords included (for reading queries).
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    scan(text, 0, true, &mut |t, position, start, end| {
        out.push(Token {
            text: t.to_string(),
            position,
            start,
            end,
        })
    });
    out
}

/// The distinct terms a query word stands for: the identifier token for a compound word, else the atom.
pub fn query_term(word: &str) -> Option<String> {
    tokenize(word).into_iter().next().map(|t| t.text)
}

/// Words too common to rank on; dropped from free-text queries (never from phrases).
pub fn is_stopword(term: &str) -> bool {
    matches!(
        term,
        "a" | "an"
            | "and"
            | "are"
            | "as"
            | "at"
            | "be"
            | "but"
            | "by"
            | "do"
            | "does"
            | "for"
            | "from"
            | "how"
            | "i"
            | "if"
            | "in"
            | "into"
            | "is"
            | "it"
            | "me"
            | "my"
            | "of"
            | "on"
            | "or"
            | "so"
            | "that"
            | "the"
            | "their"
            | "then"
            | "there"
            | "these"
            | "this"
            | "to"
            | "was"
            | "we"
            | "were"
            | "what"
            | "when"
            | "where"
            | "which"
            | "why"
            | "will"
            | "with"
            | "you"
            | "your"
    )
}

/// tantivy adapter: the same tokens, fed to the index. Tokens (and their strings) are reused from one
/// text to the next.
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
        let buf = &mut self.buf;
        let mut n = 0;
        scan(text, 0, false, &mut |t, position, start, end| {
            if n == buf.len() {
                buf.push(tantivy::tokenizer::Token::default());
            }
            let tok = &mut buf[n];
            tok.text.clear();
            tok.text.push_str(t);
            tok.position = position as usize;
            tok.offset_from = start;
            tok.offset_to = end;
            tok.position_length = 1;
            n += 1;
        });
        CodeTokenStream {
            tokens: &self.buf[..n],
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

/// The session key's tokenizer: the whole text as one token, like tantivy's `raw`, counting the texts
/// it is given. Every document has one key, and tantivy tokenizes a document when an indexing thread
/// takes it, so the count is how many documents the writer has consumed (see `index::Writer`).
#[derive(Clone, Default)]
pub struct KeyTokenizer {
    pub taken: std::sync::Arc<std::sync::atomic::AtomicU64>,
    token: tantivy::tokenizer::Token,
}

pub struct KeyTokenStream<'a> {
    token: &'a tantivy::tokenizer::Token,
    done: bool,
}

impl tantivy::tokenizer::Tokenizer for KeyTokenizer {
    type TokenStream<'a> = KeyTokenStream<'a>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> KeyTokenStream<'a> {
        self.taken
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.token.text.clear();
        self.token.text.push_str(text);
        self.token.offset_from = 0;
        self.token.offset_to = text.len();
        self.token.position = 0;
        self.token.position_length = 1;
        KeyTokenStream {
            token: &self.token,
            done: false,
        }
    }
}

impl tantivy::tokenizer::TokenStream for KeyTokenStream<'_> {
    fn advance(&mut self) -> bool {
        !std::mem::replace(&mut self.done, true)
    }
    fn token(&self) -> &tantivy::tokenizer::Token {
        self.token
    }
    fn token_mut(&mut self) -> &mut tantivy::tokenizer::Token {
        unreachable!("KeyTokenStream is read-only")
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
