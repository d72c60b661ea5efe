//! Scans that say where a rule without a literal of its own (numbers: addresses, phones, cards) can match,
//! at a fraction of the cost of its regex over the whole text.
//!
//! A scan reports *seeds*: ranges such that every match of the rule overlaps one of them. The engine then
//! searches only the windows around the seeds as wide as the rule's longest match (see
//! [`super::rules::Reach::Scan`]), which finds exactly what a search of the whole text would.

use std::cell::OnceCell;
use std::ops::Range;

/// One text as the scans see it: its digit runs are found once, for every scan that asks.
pub struct Text<'a> {
    pub bytes: &'a [u8],
    runs: OnceCell<Vec<Range<usize>>>,
}

impl<'a> Text<'a> {
    pub fn new(bytes: &'a [u8]) -> Text<'a> {
        Text {
            bytes,
            runs: OnceCell::new(),
        }
    }

    /// Every maximal run of ASCII digits, in order.
    fn runs(&self) -> &[Range<usize>] {
        self.runs.get_or_init(|| {
            let mut v = Vec::new();
            digit_runs(self.bytes, |r| v.push(r));
            v
        })
    }
}

/// A scan: pushes its seeds for a text.
pub type Scan = fn(&Text, &mut Vec<Range<usize>>);

/// Every byte's high bit, and every byte's low bit.
const HI: u64 = 0x8080_8080_8080_8080;
const LO: u64 = 0x0101_0101_0101_0101;

/// The high bit set in each byte of `w` that is an ASCII digit.
#[inline(always)]
fn digit_bytes(w: u64) -> u64 {
    let x = w ^ (b'0' as u64 * LO);
    // For a byte below 0x80 (no carry into the next byte), bit 7 of `x + 0x76` says `x >= 10`.
    let ten_or_more = (x & !HI).wrapping_add(0x76 * LO);
    !(ten_or_more | x) & HI
}

/// The first byte at or after `from` that is (`digit`) or is not an ASCII digit, eight bytes at a time.
fn next(text: &[u8], mut from: usize, digit: bool) -> Option<usize> {
    while let Some(chunk) = text.get(from..from + 8) {
        let d = digit_bytes(u64::from_le_bytes(chunk.try_into().expect("8 bytes")));
        let m = if digit { d } else { !d & HI };
        if m != 0 {
            return Some(from + m.trailing_zeros() as usize / 8);
        }
        from += 8;
    }
    text.get(from..)?
        .iter()
        .position(|b| b.is_ascii_digit() == digit)
        .map(|p| from + p)
}

/// Calls `f` with every maximal run of ASCII digits.
fn digit_runs(text: &[u8], mut f: impl FnMut(Range<usize>)) {
    let mut at = 0;
    while let Some(s) = next(text, at, true) {
        let e = next(text, s, false).unwrap_or(text.len());
        f(s..e);
        at = e;
    }
}

/// Digit runs joined by single separators (`sep`): calls `f` with the runs of each chain.
fn chains(text: &Text, sep: impl Fn(u8) -> bool, mut f: impl FnMut(&[Range<usize>])) {
    let runs = text.runs();
    let mut from = 0;
    for i in 1..=runs.len() {
        let joined = i < runs.len()
            && runs[i].start == runs[i - 1].end + 1
            && sep(text.bytes[runs[i - 1].end]);
        if !joined {
            f(&runs[from..i]);
            from = i;
        }
    }
}

/// At least 13 digits in groups joined by single spaces or dashes: a card number's digits.
pub fn card_digits(text: &Text, out: &mut Vec<Range<usize>>) {
    chains(
        text,
        |b| b == b' ' || b == b'-',
        |c| {
            if c.iter().map(|r| r.len()).sum::<usize>() >= 13 {
                out.push(c[0].start..c[c.len() - 1].end);
            }
        },
    );
}

/// Three digits in brackets, or three and three joined by the same `-` or `.`: a North American number's
/// area code and exchange.
pub fn phone_groups(text: &Text, out: &mut Vec<Range<usize>>) {
    let (b, runs) = (text.bytes, text.runs());
    for (i, r) in runs.iter().enumerate() {
        if r.len() != 3 {
            continue;
        }
        let bracketed = r.start > 0 && b[r.start - 1] == b'(' && b.get(r.end) == Some(&b')');
        let joined = matches!(b.get(r.end), Some(b'-' | b'.'))
            && runs
                .get(i + 1)
                .is_some_and(|n| n.start == r.end + 1 && n.len() == 3);
        if bracketed || joined {
            out.push(r.clone());
        }
    }
}

/// Two or more digits right after two capital letters: an IBAN's country code and check digits.
pub fn iban_head(text: &Text, out: &mut Vec<Range<usize>>) {
    let b = text.bytes;
    out.extend(
        text.runs()
            .iter()
            .filter(|r| {
                r.len() >= 2
                    && r.start >= 2
                    && b[r.start - 2..r.start].iter().all(u8::is_ascii_uppercase)
            })
            .map(|r| r.start - 2..r.end),
    );
}

/// Four groups of one to three digits joined by full stops: a dotted IPv4 address.
pub fn dotted_quad(text: &Text, out: &mut Vec<Range<usize>>) {
    chains(
        text,
        |b| b == b'.',
        |c| {
            // Four short groups in a row, anywhere in the chain.
            let mut short = 0;
            for (i, r) in c.iter().enumerate() {
                short = if r.len() <= 3 { short + 1 } else { 0 };
                if short >= 4 {
                    out.push(c[i - 3].start..r.end);
                }
            }
        },
    );
}

/// `+` before a digit: an international phone number's start.
pub fn plus_digit(text: &Text, out: &mut Vec<Range<usize>>) {
    let b = text.bytes;
    for p in memchr::memchr_iter(b'+', b) {
        if b.get(p + 1).is_some_and(u8::is_ascii_digit) {
            out.push(p..p + 2)
        }
    }
}

/// A colon after four hex digits, the first a 2 or a 3: a global unicast IPv6 address's first group.
pub fn ipv6_group(text: &Text, out: &mut Vec<Range<usize>>) {
    let text = text.bytes;
    for p in memchr::memchr_iter(b':', text) {
        if p >= 4
            && matches!(text[p - 4], b'2' | b'3')
            && text[p - 3..p].iter().all(u8::is_ascii_hexdigit)
        {
            out.push(p - 4..p + 1)
        }
    }
}

/// Forty or more letters, digits, `/` and `+` in a row: where the 40 characters of an AWS secret access key
/// can be.
pub fn base64_runs(text: &Text, out: &mut Vec<Range<usize>>) {
    const LEN: usize = 40;
    let key = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'+');
    let b = text.bytes;
    let mut at = 0;
    while at + LEN <= b.len() {
        // The run holding byte `at + LEN - 1`, if any, is the only one that can reach back to `at`.
        let probe = at + LEN - 1;
        if !key(&b[probe]) {
            at = probe + 1;
            continue;
        }
        let start = b[at..probe]
            .iter()
            .rposition(|c| !key(c))
            .map_or(at, |i| at + i + 1);
        let end = b[probe..]
            .iter()
            .position(|c| !key(c))
            .map_or(b.len(), |i| probe + i);
        if end - start >= LEN {
            out.push(start..end);
        }
        at = end + 1;
    }
}

/// How far before a quoted value its match can begin (the name, quotes, blanks and operator before it in
/// `high-entropy-value`'s pattern), and how far after the value it can end.
pub const QUOTED_BEFORE: usize = 87;
pub const QUOTED_AFTER: usize = 4;
/// The longest value the rule takes: longer runs are data (images, signatures), not keys.
pub const QUOTED_LONGEST: usize = 256;

/// Bytes that can make up a quoted value: letters, digits, `+`, `/`, `_` and `-`.
static VALUE_BYTE: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || matches!(c, b'/' | b'+' | b'_' | b'-');
        b += 1;
    }
    t
};

/// Windows holding every quoted (or `.env`) value of 32 to 256 value bytes (the rule refuses longer ones):
/// each such run right after a quote or an `=`, with [`QUOTED_BEFORE`] bytes before it and
/// [`QUOTED_AFTER`] after.
pub fn quoted_values(text: &Text, out: &mut Vec<Range<usize>>) {
    quoted_values_where(text, |_, _| true, out)
}

/// [`quoted_values`] of the runs `keep` takes (given the text and the run's range).
pub fn quoted_values_where(
    text: &Text,
    keep: impl Fn(&[u8], Range<usize>) -> bool,
    out: &mut Vec<Range<usize>>,
) {
    let b = text.bytes;
    for p in memchr::memchr3_iter(b'"', b'\'', b'=', b) {
        let start = p + 1;
        let run = b[start..]
            .iter()
            .take_while(|&&c| VALUE_BYTE[c as usize])
            .count();
        if (32..=QUOTED_LONGEST).contains(&run) && keep(b, start..start + run) {
            out.push(
                start.saturating_sub(QUOTED_BEFORE)..(start + run + QUOTED_AFTER).min(b.len()),
            );
        }
    }
}

/// `pat`, 14 letters or digits and a full stop: the head of an Airtable personal access token (`pat` alone
/// is too common to be an anchor: `path`, `pattern`).
pub fn airtable_head(text: &Text, out: &mut Vec<Range<usize>>) {
    static PAT: std::sync::OnceLock<memchr::memmem::Finder<'static>> = std::sync::OnceLock::new();
    let pat = PAT.get_or_init(|| memchr::memmem::Finder::new(b"pat"));
    let b = text.bytes;
    out.extend(
        pat.find_iter(b)
            .filter(|&p| {
                b.get(p + 17) == Some(&b'.')
                    && b[p + 3..p + 17].iter().all(u8::is_ascii_alphanumeric)
            })
            .map(|p| p..p + 18),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seeds(scan: Scan, text: &str) -> Vec<Range<usize>> {
        let mut v = Vec::new();
        scan(&Text::new(text.as_bytes()), &mut v);
        v
    }

    #[test]
    fn digit_bytes_marks_exactly_the_digits() {
        for b in 0..=255u8 {
            let w = u64::from_le_bytes([b'x', b, 0xff, b'/', b':', b'0', b'9', 0x80]);
            let m = digit_bytes(w);
            let want = (b.is_ascii_digit() as u64) << 15 | 1 << 47 | 1 << 55;
            assert_eq!(m, want, "byte {b:#x}");
        }
    }

    #[test]
    fn base64_runs_are_the_maximal_runs_of_forty_or_more() {
        let mut rng = crate::scrub::pattern_samples::Rng(0x2545_f491_4f6c_dd1d);
        // Mostly key characters, so that runs of every length around forty occur.
        let alphabet = b"aZ09/+aZ09/+aZ09/+aZ09/+aZ09/+aZ09/+aZ09/+ =.\n";
        for round in 0..3_000 {
            let mut text = Vec::new();
            while text.len() < round % 300 {
                text.push(alphabet[rng.below(alphabet.len())]);
            }
            let key = |b: u8| b.is_ascii_alphanumeric() || b == b'/' || b == b'+';
            let mut want = Vec::new();
            let mut i = 0;
            while i < text.len() {
                let s = i;
                while i < text.len() && key(text[i]) {
                    i += 1;
                }
                if i - s >= 40 {
                    want.push(s..i);
                }
                i += 1;
            }
            let got = seeds(base64_runs, std::str::from_utf8(&text).unwrap());
            assert_eq!(got, want, "{:?}", String::from_utf8_lossy(&text));
        }
    }

    #[test]
    fn runs_agree_with_a_byte_by_byte_walk() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for round in 0..5_000 {
            let mut text = Vec::new();
            let len = (round % 70) as usize;
            while text.len() < len {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let alphabet = b"0123456789a /:\xff";
                text.push(alphabet[(seed % alphabet.len() as u64) as usize]);
            }
            let mut want = Vec::new();
            let mut i = 0;
            while i < text.len() {
                if text[i].is_ascii_digit() {
                    let s = i;
                    while i < text.len() && text[i].is_ascii_digit() {
                        i += 1;
                    }
                    want.push(s..i);
                } else {
                    i += 1;
                }
            }
            let mut got = Vec::new();
            digit_runs(&text, |r| got.push(r));
            assert_eq!(got, want, "{text:?}");
        }
    }

    #[test]
    fn runs_are_found_across_word_boundaries_and_at_the_ends() {
        let mut runs = Vec::new();
        digit_runs(b"12 abcdefgh 3456789012345 x9", |r| runs.push(r));
        assert_eq!(runs, vec![0..2, 12..25, 27..28]);
    }

    #[test]
    fn each_scan_seeds_its_shape() {
        assert_eq!(
            seeds(iban_head, "x DE89370400440532013000 de89 X1"),
            vec![2..24]
        );
        assert_eq!(seeds(plus_digit, "a+b +1 415"), vec![4..6]);
        let (v32, v40) = ("aB3".repeat(11), "x/Z_9-".repeat(7));
        let text = format!(
            "k = \"{v32}\" K={v40} k {v40} k=\"{}\" '{}'",
            &v32[..31],
            "a".repeat(257)
        );
        // Runs at 5..38 and 42..84; not the one after a blank, one too short, one too long.
        assert_eq!(
            seeds(quoted_values, &text),
            vec![0..38 + QUOTED_AFTER, 0..84 + QUOTED_AFTER]
        );
        let far = format!("{}\"{v32}\"", " ".repeat(100));
        assert_eq!(
            seeds(quoted_values, &far),
            vec![101 - QUOTED_BEFORE..far.len()]
        );
        assert_eq!(seeds(ipv6_group, "2001:db8::1 and ab:cd"), vec![0..5]);
        let token = "patAbCdEfGh123456.0123";
        assert_eq!(
            seeds(airtable_head, &format!("path {token} pat.")),
            vec![5..23]
        );
        assert_eq!(
            seeds(
                card_digits,
                "4111 1111 1111 1111; 2024-11-22; 4111111111111111"
            ),
            vec![0..19, 33..49]
        );
        assert_eq!(
            seeds(
                phone_groups,
                "(415) 555-0132, 415.555.0132, 415-5555, 2024-11-22"
            ),
            vec![1..4, 16..19]
        );
        assert_eq!(
            seeds(dotted_quad, "v1.2.3, 10.0.0.1, 1.2.3.4.5, 1234.5.6.7"),
            vec![8..16, 18..25, 20..27]
        );
    }
}
