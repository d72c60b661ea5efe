//! Invisible and format characters: zero-width characters, bidi controls, tag characters ("ASCII
//! smuggling"), stray variation selectors, fillers, soft hyphens are removed; odd spaces become U+0020 and
//! line/paragraph separators `\n`. Legitimate uses stay: emoji ZWJ sequences and presentation selectors,
//! subdivision flags, ZWNJ/ZWJ inside Persian or Indic words, RLM/LRM in RTL text, U+3000 in CJK text, one
//! ideographic variation selector after a CJK ideograph.

use super::finding::{Finding, Kind};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    ZeroWidth,
    Joiner,
    Bidi,
    Mark,
    Tag,
    Selector,
    Filler,
    Space,
    Ideographic,
    LineSep,
}

fn class(c: char) -> Option<Class> {
    use Class::*;
    Some(match c as u32 {
        0x200B | 0x2060 | 0xFEFF | 0x2061..=0x2064 | 0x206A..=0x206F => ZeroWidth,
        0x200C | 0x200D => Joiner,
        0x202A..=0x202E | 0x2066..=0x2069 => Bidi,
        0x200E | 0x200F | 0x061C => Mark,
        0xE0000..=0xE007F => Tag,
        0xFE00..=0xFE0F | 0xE0100..=0xE01EF => Selector,
        0x180E
        | 0x3164
        | 0xFFA0
        | 0x115F
        | 0x1160
        | 0x034F
        | 0x00AD
        | 0x17B4
        | 0x17B5
        | 0xFFF9..=0xFFFB => Filler,
        0x00A0 | 0x202F | 0x2000..=0x200A | 0x205F | 0x1680 => Space,
        0x3000 => Ideographic,
        0x2028 | 0x2029 => LineSep,
        _ => return None,
    })
}

fn is_pictographic(c: char) -> bool {
    matches!(c as u32, 0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0x2300..=0x23FF | 0x2B00..=0x2BFF | 0x2190..=0x21FF
        | 0x3030 | 0x303D | 0x3297 | 0x3299 | 0x00A9 | 0x00AE | 0x203C | 0x2049 | 0x2122 | 0x2139 | 0x24C2 | 0x25A0..=0x25FF)
}

fn is_keycap_base(c: char) -> bool {
    c.is_ascii_digit() || c == '#' || c == '*'
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x2E80..=0x2FFF | 0x3001..=0x303F | 0x3040..=0x30FF | 0x3100..=0x31FF | 0x3200..=0x4DBF
        | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF | 0x20000..=0x3FFFF)
}

fn is_ideograph(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3FFFF)
}

/// A right-to-left letter. Not one of the characters this pass may remove (U+061C lies in the Arabic
/// block): a mark kept for its neighbour must still have it on the next pass.
fn is_rtl(c: char) -> bool {
    class(c).is_none() && matches!(c as u32, 0x0590..=0x08FF | 0xFB1D..=0xFDFF | 0xFE70..=0xFEFC)
}

/// Scripts that use ZWNJ/ZWJ inside words (letters only, as for [`is_rtl`]).
fn joining_script(c: char) -> Option<u8> {
    if class(c).is_some() {
        return None;
    }
    Some(match c as u32 {
        0x0600..=0x06FF | 0x0750..=0x077F | 0xFB50..=0xFDFF | 0xFE70..=0xFEFC => 1,
        0x0900..=0x0DFF => 2,
        0x1780..=0x17FF => 3,
        0x1000..=0x109F => 4,
        _ => return None,
    })
}

/// Whether the character at `i` is legitimate where it stands.
fn legitimate(chars: &[char], i: usize, class: Class) -> bool {
    let prev = i.checked_sub(1).map(|j| chars[j]);
    let next = chars.get(i + 1).copied();
    let c = chars[i];
    match class {
        Class::Joiner => {
            // Emoji sequence: the character before may be a presentation selector or skin tone after a pictograph.
            let pict_before = match prev {
                Some(p) if is_pictographic(p) => true,
                Some('\u{FE0F}') => i >= 2 && is_pictographic(chars[i - 2]),
                _ => false,
            };
            if pict_before && next.is_some_and(is_pictographic) {
                return true;
            }
            matches!((prev.and_then(joining_script), next.and_then(joining_script)), (Some(a), Some(b)) if a == b)
        }
        Class::Mark => prev.is_some_and(is_rtl) || next.is_some_and(is_rtl),
        Class::Selector => {
            let after_selector = prev.is_some_and(|p| class_of(p) == Some(Class::Selector));
            if after_selector {
                return false;
            }
            match c {
                '\u{FE0E}' | '\u{FE0F}' => {
                    prev.is_some_and(|p| is_pictographic(p) || is_keycap_base(p))
                }
                _ => prev.is_some_and(is_ideograph),
            }
        }
        Class::Tag => flag_tag(chars, i),
        Class::Ideographic => prev.is_some_and(is_cjk) || next.is_some_and(is_cjk),
        _ => false,
    }
}

/// UTF-8 lead bytes of every character [`class`] knows: U+00A0..U+00AD (C2), U+034F (CD), U+061C (D8),
/// U+115F..U+180E (E1), U+2000..U+206F (E2), U+3000..U+3164 (E3), U+FE00..U+FFFB (EF), U+E0000.. (F3).
const LEAD: [bool; 256] = {
    let mut t = [false; 256];
    let leads = [0xC2, 0xCD, 0xD8, 0xE1, 0xE2, 0xE3, 0xEF, 0xF3];
    let mut i = 0;
    while i < leads.len() {
        t[leads[i]] = true;
        i += 1;
    }
    t
};

/// Where the first character with a class begins in `text`: a byte scan, decoding only at the few lead
/// bytes that could start one (most text, CJK and emoji included, never decodes at all).
fn first_candidate(text: &str) -> Option<usize> {
    // Every lead byte is >= 0xC2: ASCII text (most of it) is settled by one word-at-a-time check.
    if text.is_ascii() {
        return None;
    }
    let bytes = text.as_bytes();
    bytes.iter().enumerate().position(|(i, &b)| {
        LEAD[b as usize] && text[i..].chars().next().is_some_and(|c| class(c).is_some())
    })
}

/// Characters before a candidate that [`legitimate`] may look at (a subdivision flag's tag letters run up
/// to 8 back, then the flag itself), with room to spare.
const LOOK_BACK: usize = 16;

fn class_of(c: char) -> Option<Class> {
    class(c)
}

/// Whether `c` is a character this pass removes unless its neighbours make it legitimate (a mark, joiner,
/// selector or ideographic space that survived it): one next to a replaced span has lost that neighbour.
pub fn depends_on_neighbours(c: char) -> bool {
    matches!(
        class(c),
        Some(Class::Mark | Class::Joiner | Class::Selector | Class::Ideographic)
    )
}

/// Part of a subdivision flag: U+1F3F4, 2 to 6 tag letters or digits, U+E007F.
fn flag_tag(chars: &[char], i: usize) -> bool {
    let is_tag_body = |c: char| matches!(c as u32, 0xE0030..=0xE0039 | 0xE0061..=0xE007A);
    let mut start = i;
    while start > 0
        && (is_tag_body(chars[start - 1]) || chars[start - 1] == '\u{E007F}')
        && start + 8 > i
    {
        start -= 1;
    }
    if start == 0 || chars[start - 1] != '\u{1F3F4}' {
        return false;
    }
    let mut end = start;
    while end < chars.len() && is_tag_body(chars[end]) {
        end += 1;
    }
    let n = end - start;
    (2..=6).contains(&n) && chars.get(end) == Some(&'\u{E007F}') && i <= end
}

fn rule_of(class: Class) -> (&'static str, Kind) {
    match class {
        Class::ZeroWidth => ("zero-width", Kind::Invisible),
        Class::Joiner => ("zero-width-joiner", Kind::Invisible),
        Class::Bidi => ("bidi-control", Kind::Invisible),
        Class::Mark => ("bidi-mark", Kind::Invisible),
        Class::Tag => ("tag-characters", Kind::Invisible),
        Class::Selector => ("variation-selector", Kind::Invisible),
        Class::Filler => ("filler", Kind::Invisible),
        Class::Space | Class::Ideographic => ("odd-space", Kind::Space),
        Class::LineSep => ("line-separator", Kind::Space),
    }
}

/// The findings for `text` (byte offsets, runs of one class merged). ASCII text costs one SIMD scan.
pub fn find(text: &str, out: &mut Vec<Finding>) {
    let Some(first) = first_candidate(text) else {
        return;
    };
    // Decoded from a few characters before the first candidate on: what lies further back matters to none.
    let from = text[..first]
        .char_indices()
        .rev()
        .nth(LOOK_BACK - 1)
        .map_or(0, |(i, _)| i);
    let chars: Vec<char> = text[from..].chars().collect();
    let mut offsets = Vec::with_capacity(chars.len() + 1);
    let mut o = from;
    for c in &chars {
        offsets.push(o);
        o += c.len_utf8();
    }
    offsets.push(o);
    let mut i = 0;
    while i < chars.len() {
        // No character below U+00A0 has a class.
        if (chars[i] as u32) < 0xA0 {
            i += 1;
            continue;
        }
        let Some(cl) = class(chars[i]) else {
            i += 1;
            continue;
        };
        if legitimate(&chars, i, cl) {
            i += 1;
            continue;
        }
        let start = i;
        i += 1;
        while i < chars.len() && class(chars[i]) == Some(cl) && !legitimate(&chars, i, cl) {
            i += 1;
        }
        let replacement = match cl {
            Class::Space | Class::Ideographic => " ".repeat(i - start),
            Class::LineSep => "\n".repeat(i - start),
            _ => String::new(),
        };
        let (rule, kind) = rule_of(cl);
        let mut f = Finding::new(offsets[start], offsets[i], kind, rule, replacement);
        if cl == Class::Tag {
            // Smuggled ASCII: the audit log records what it said (scrubbed like any text by the caller).
            let decoded: String = chars[start..i]
                .iter()
                .filter_map(|&c| match c as u32 {
                    v @ 0xE0020..=0xE007E => char::from_u32(v - 0xE0000),
                    _ => None,
                })
                .collect();
            if !decoded.is_empty() {
                f.note = Some(decoded);
            }
        }
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scrub::finding::{apply, settle};

    fn clean(s: &str) -> String {
        let mut f = Vec::new();
        find(s, &mut f);
        apply(s, &settle(s, f))
    }

    #[test]
    fn invisible_characters_go() {
        assert_eq!(clean("pa\u{200B}ss\u{2060}word\u{FEFF}"), "password");
        assert_eq!(clean("a\u{202E}evil\u{202C}b"), "aevilb");
        assert_eq!(clean("soft\u{00AD}hyphen"), "softhyphen");
        assert_eq!(clean("x\u{FE0F}\u{FE0F}y"), "xy");
        assert_eq!(clean("a\u{200D}b"), "ab");
        assert_eq!(clean("a\u{00A0}b\u{202F}c\u{3000}d"), "a b c d");
        assert_eq!(clean("l1\u{2028}l2"), "l1\nl2");
    }

    #[test]
    fn smuggled_tags_are_decoded_into_the_note() {
        let hidden: String = "hi"
            .chars()
            .map(|c| char::from_u32(c as u32 + 0xE0000).unwrap())
            .collect();
        let text = format!("ok{hidden}");
        let mut f = Vec::new();
        find(&text, &mut f);
        assert_eq!(f[0].note.as_deref(), Some("hi"));
        assert_eq!(clean(&text), "ok");
    }

    #[test]
    fn legitimate_uses_survive() {
        for s in [
            "👩\u{200D}💻",
            "👨\u{200D}👩\u{200D}👧\u{200D}👦",
            "🏳\u{FE0F}\u{200D}🌈",
            "❤\u{FE0F}",
            "1\u{FE0F}\u{20E3}",
            "🏴\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}",
            "می\u{200C}خواهم",
            "क्\u{200D}ष",
            "日本\u{3000}語",
            "שלום\u{200F} world",
            "👍🏽 🇫🇷 Привет 中文 한국어 ไทย",
            "葛\u{E0100}城",
        ] {
            assert_eq!(clean(s), s, "{s:?}");
        }
    }

    /// Fuzz finding: U+061C (itself a mark, in the Arabic block) made the RLM after it look legitimate, and
    /// the next pass, without the U+061C, removed the RLM.
    #[test]
    fn a_mark_is_kept_for_a_letter_not_for_another_mark() {
        for (s, want) in [
            ("\u{61C}\u{200F}", ""),
            ("\u{200F}\u{61C}x", "x"),
            ("a\u{200C}\u{61C}\u{200C}b", "ab"),
            ("שלום\u{200F}\u{200F}!", "שלום\u{200F}!"),
        ] {
            let once = clean(s);
            assert_eq!(once, want, "{s:?}");
            assert_eq!(clean(&once), once, "{s:?}");
        }
    }
}
