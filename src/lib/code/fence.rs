//! Markdown code fences (``` and ~~~, CommonMark rules for opening and closing) in message text.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fence<'a> {
    /// First word of the info string (`rust` in ```` ```rust,ignore ````), if any.
    pub tag: Option<&'a str>,
    pub code: &'a str,
    /// Byte range of the whole fence, markers included.
    pub start: usize,
    pub end: usize,
}

/// Every fenced block of `text`. An unclosed fence runs to the end, as CommonMark says.
pub fn fences(text: &str) -> Vec<Fence<'_>> {
    let mut out = Vec::new();
    let mut offset = 0;
    let mut open: Option<(char, usize, Option<&str>, usize, usize)> = None; // marker, len, tag, start, code start
    for line in text.split_inclusive('\n') {
        let line_start = offset;
        offset += line.len();
        let trimmed = line.trim_end_matches(['\n', '\r']);
        let indent = trimmed.len() - trimmed.trim_start_matches(' ').len();
        if indent > 3 {
            continue;
        }
        let body = &trimmed[indent..];
        let marker = match body.chars().next() {
            Some(c @ ('`' | '~')) => c,
            _ => continue,
        };
        let run = body.len() - body.trim_start_matches(marker).len();
        if run < 3 {
            continue;
        }
        let rest = body[run..].trim();
        match open {
            None => {
                if marker == '`' && rest.contains('`') {
                    continue;
                }
                let tag = rest
                    .split(|c: char| c.is_whitespace() || c == ',' || c == '{')
                    .next()
                    .filter(|t| !t.is_empty());
                open = Some((marker, run, tag, line_start, offset));
            }
            Some((m, len, tag, start, code_start))
                if m == marker && run >= len && rest.is_empty() =>
            {
                out.push(Fence {
                    tag,
                    code: &text[code_start..line_start],
                    start,
                    end: offset,
                });
                open = None;
            }
            Some(_) => {}
        }
    }
    if let Some((_, _, tag, start, code_start)) = open {
        out.push(Fence {
            tag,
            code: &text[code_start.min(text.len())..],
            start,
            end: text.len(),
        });
    }
    out
}

/// `text` with its fences cut out: the prose part of a message.
pub fn prose(text: &str, fences: &[Fence]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for f in fences {
        out.push_str(&text[at..f.start]);
        out.push('\n');
        at = f.end;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_tagged_untagged_and_unclosed_fences() {
        let t = "intro\n```rust\nfn a() {}\n```\nmid\n~~~\nls -la\n~~~\n````py\nx = 1\n";
        let f = fences(t);
        assert_eq!(f.len(), 3);
        assert_eq!((f[0].tag, f[0].code), (Some("rust"), "fn a() {}\n"));
        assert_eq!((f[1].tag, f[1].code), (None, "ls -la\n"));
        assert_eq!((f[2].tag, f[2].code), (Some("py"), "x = 1\n"));
        assert_eq!(
            prose(t, &f).split_whitespace().collect::<Vec<_>>(),
            ["intro", "mid"]
        );
    }

    #[test]
    fn shorter_or_other_markers_do_not_close() {
        let t = "````md\n```\ninner\n```\n````\nafter";
        let f = fences(t);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].code, "```\ninner\n```\n");
    }
}
