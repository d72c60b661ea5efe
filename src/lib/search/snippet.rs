//! Snippets: a window of a document's text around its first matched term, with the matches marked.

use crate::index::tokenizer::tokenize_borrowed;

pub const SNIPPET_CHARS: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippet {
    pub text: String,
    /// Byte ranges of matched words in `text`.
    pub marks: Vec<(usize, usize)>,
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Cuts about [`SNIPPET_CHARS`] of `text` around the first token in `terms`, whitespace collapsed.
pub fn snippet(text: &str, terms: &[String]) -> Snippet {
    let mut hits: Vec<(usize, usize)> = Vec::new();
    tokenize_borrowed(text, &mut |t, start, end| {
        if terms.iter().any(|x| x == t) && hits.last().is_none_or(|&(_, e)| start >= e) {
            hits.push((start, end));
        }
    });
    let centre = hits.first().map_or(0, |h| h.0);
    let mut start = floor_boundary(text, centre.saturating_sub(SNIPPET_CHARS / 3));
    if start > 0 {
        // Start on a word.
        if let Some(sp) = text[start..centre].find(char::is_whitespace) {
            start += sp + 1;
        }
    }
    let end = floor_boundary(text, start + SNIPPET_CHARS);
    let mut out = String::new();
    let mut marks = Vec::new();
    if start > 0 {
        out.push('…');
    }
    let mut last_space = true;
    let mut open: Option<usize> = None;
    for (i, c) in text[start..end].char_indices() {
        let at = start + i;
        if let Some(&(s, e)) = hits.iter().find(|&&(s, e)| at == s || at == e) {
            if at == e {
                if let Some(o) = open.take() {
                    marks.push((o, out.len()));
                }
            }
            if at == s {
                open = Some(out.len());
            }
        }
        if c.is_whitespace() {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
        } else {
            out.push(c);
            last_space = false;
        }
    }
    if let Some(o) = open {
        marks.push((o, out.len()));
    }
    let kept = out.trim_end().len();
    out.truncate(kept);
    for m in &mut marks {
        m.1 = m.1.min(kept);
    }
    if end < text.len() {
        out.push('…');
    }
    Snippet { text: out, marks }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_around_first_match_with_marks() {
        let text = format!("{} the OAuth token expired\n\n again", "filler ".repeat(60));
        let s = snippet(&text, &["oauth".into(), "token".into()]);
        assert!(s.text.starts_with('…') && s.text.contains("the OAuth token expired again"));
        let marked: Vec<&str> = s.marks.iter().map(|&(a, b)| &s.text[a..b]).collect();
        assert_eq!(marked, ["OAuth", "token"]);
    }
}
