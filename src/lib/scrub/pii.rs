//! Personal data that is not a credential: e-mail addresses, public IP addresses, phone numbers, card and
//! IBAN numbers, private host names and people's names on structured lines (`Author:`, `Signed-off-by:`).

use std::net::{Ipv4Addr, Ipv6Addr};
use std::ops::Range;

use super::finding::{self, Kind};
use super::gates;
use super::locate;
use super::options::ExampleEmails;
use super::rules::{Check, Reach, Rule};

const COMMON_TLDS: &[&str] = &[
    "com",
    "net",
    "org",
    "edu",
    "gov",
    "mil",
    "int",
    "io",
    "dev",
    "ai",
    "app",
    "info",
    "biz",
    "xyz",
    "tech",
    "cloud",
    "email",
    "online",
    "site",
    "page",
    "blog",
    "me",
    "co",
    "uk",
    "de",
    "fr",
    "jp",
    "cn",
    "in",
    "us",
    "ca",
    "au",
    "nl",
    "ru",
    "br",
    "es",
    "it",
    "ch",
    "se",
    "no",
    "fi",
    "pl",
    "be",
    "at",
    "dk",
    "ie",
    "nz",
    "za",
    "kr",
    "tw",
    "sg",
    "hk",
    "mx",
    "ar",
    "cz",
    "pt",
    "gr",
    "il",
    "tr",
    "ua",
    "eu",
    "name",
    "pro",
    "mail",
    "space",
    "systems",
    "solutions",
    "agency",
    "studio",
    "design",
    "software",
    "consulting",
    "digital",
    "network",
    "works",
    "team",
    "company",
    "group",
    "global",
    "world",
    "today",
    "life",
    "live",
    "news",
    "media",
    "codes",
    "engineering",
    "local",
    "internal",
    "corp",
    "lan",
    "test",
    "example",
    "invalid",
    "localhost",
    "arpa",
];
/// Two-letter country TLDs that are far more often file extensions in code.
const FILE_LIKE_TLDS: &[&str] = &[
    "js", "py", "rs", "md", "sh", "ts", "go", "rb", "cc", "pl", "ps", "so", "db", "gz", "xz", "ml",
    "hs", "jl", "kt", "cs", "vb", "fs", "mm", "lo", "la", "am", "ac", "in",
];

fn tld_ok(domain: &str) -> bool {
    let tld = domain.rsplit('.').next().unwrap_or("");
    // Lowered on the stack (it runs for every address found); a longer label is in neither list.
    let mut buf = [0u8; 16];
    let Some(tld) = super::gates::lowered(tld.as_bytes(), &mut buf) else {
        return false;
    };
    let listed = |list: &[&str]| list.iter().any(|t| t.as_bytes() == tld);
    listed(COMMON_TLDS) || (tld.len() == 2 && !listed(FILE_LIKE_TLDS))
}

/// An address, unless it is URL userinfo (`https://user@host`) or scp syntax (`git@github.com:org/repo`).
/// After an `@` it is one too (`@bob@mastodon.social`): what came before may be an address this pass
/// replaces, and the next would see `<email>.bob@…`.
/// One whose last label is no domain is cut back to the last label that is one (`bob@corp.io.claude-3`,
/// `bob@corp.com.json`): the next pass, seeing `bob@corp.io.<model-anthropic>`, would find it there.
fn email_ok(text: &str, whole: Range<usize>, _: Range<usize>) -> Option<Range<usize>> {
    let (local, domain) = text[whole.clone()].split_once('@')?;
    let before = &text[..word_start(text, whole.start)];
    if before.ends_with("://") {
        return None;
    }
    let after = &text[whole.end..];
    if after.starts_with(':')
        && after
            .as_bytes()
            .get(1)
            .is_some_and(|b| !b.is_ascii_whitespace())
    {
        return None;
    }
    if replaced_login(local) {
        return None;
    }
    let domain = domain_part(domain)?;
    Some(whole.start..whole.start + local.len() + 1 + domain.len())
}

/// `domain` up to its last label that is a top-level domain (`corp.io.claude` is `corp.io`), if that
/// leaves a dot.
fn domain_part(mut domain: &str) -> Option<&str> {
    while !tld_ok(domain) {
        domain = &domain[..domain.rfind('.')?];
    }
    domain.contains('.').then_some(domain)
}

/// A byte an address's local part may hold.
fn is_local(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'%' | b'+' | b'-')
}

/// Our pseudonym before an `@` is a login replaced already (`rsync user_1a2b3c4d@github.com`), also with the
/// dots a login stops at (`/home/<login>...@x.co`, where the login was no address's local part).
fn replaced_login(local: &str) -> bool {
    local.get(..13).is_some_and(super::key::is_user_pseudonym)
        && !local[13..].bytes().any(|b| b.is_ascii_alphanumeric())
}

/// How much of `value` comes before the first e-mail address in it, as the e-mail rule would judge the
/// domain (all of it when it holds none).
pub fn before_address(value: &str) -> usize {
    let b = value.as_bytes();
    for at in memchr::memchr_iter(b'@', b) {
        let domain = &value[at + 1..];
        let domain = &domain[..domain
            .bytes()
            .position(|c| !(c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.')))
            .unwrap_or(domain.len())];
        let labels_ok = |d: &str| {
            d.split('.')
                .all(|l| (1..=63).contains(&l.len()) && !l.starts_with('-') && !l.ends_with('-'))
        };
        if !domain_part(domain.trim_end_matches('.')).is_some_and(labels_ok) {
            continue;
        }
        let mut start = at;
        while start > 0 && is_local(b[start - 1]) {
            start -= 1;
        }
        while start < at && !b[start].is_ascii_alphanumeric() {
            start += 1;
        }
        if start < at && !replaced_login(&value[start..at]) {
            return start;
        }
    }
    b.len()
}

/// Where the word holding an address's local part begins: back over address characters and over the
/// placeholders this tool writes. The address's context is judged there, so that the next pass, which sees
/// `https://ghp_<REDACTED>.bob@host` where this one saw one word, judges it the same way.
fn word_start(text: &str, mut at: usize) -> usize {
    let b = text.as_bytes();
    loop {
        while at > 0 && is_local(b[at - 1]) {
            at -= 1;
        }
        match finding::placeholder_before(text, at) {
            Some(lt) => at = lt,
            _ => return at,
        }
    }
}

/// Documentation domains (RFC 2606 and friends).
pub fn is_example_domain(domain: &str) -> bool {
    // Allocation-free: it runs for every address found.
    let d = domain.as_bytes();
    let ends = |suffix: &str| super::gates::ends_with_ignore_case(d, suffix.as_bytes());
    ["example.com", "example.org", "example.net", "example.edu"]
        .iter()
        .any(|e| ends(e) && (d.len() == e.len() || d[d.len() - e.len() - 1] == b'.'))
        || ends(".example")
        || ends(".test")
        || ends(".invalid")
}

const GENERIC_LOCALS: &[&str] = &[
    "you",
    "your",
    "yourname",
    "your.name",
    "your_name",
    "name",
    "user",
    "username",
    "me",
    "someone",
    "somebody",
    "foo",
    "bar",
    "baz",
    "test",
    "tester",
    "john",
    "jane",
    "john.doe",
    "jane.doe",
    "johndoe",
    "janedoe",
    "admin",
    "info",
    "contact",
    "support",
    "hello",
    "email",
    "mail",
    "example",
    "noreply",
    "no-reply",
    "alice",
    "bob",
];

/// Whether the e-mail rule leaves `address` as it is under `policy`, judging it as that rule does (cut back
/// to its last label that is a domain: `you@example.com.ml` is `you@example.com`).
pub fn rule_keeps(address: &str, policy: ExampleEmails) -> bool {
    let Some((local, domain)) = address.rsplit_once('@') else {
        return false;
    };
    domain_part(domain).is_some_and(|d| keep_parts(local, d, policy))
}

/// Whether an address found by the e-mail rule stays, under the `example_emails` policy.
pub fn keep_email(address: &str, policy: ExampleEmails) -> bool {
    address
        .rsplit_once('@')
        .is_some_and(|(local, domain)| keep_parts(local, domain, policy))
}

/// [`keep_email`] for the address `local@domain`.
fn keep_parts(local: &str, domain: &str, policy: ExampleEmails) -> bool {
    if !is_example_domain(domain) {
        return false;
    }
    match policy {
        ExampleEmails::Keep => true,
        ExampleEmails::Redact => false,
        // A generic local part that is also a configured login (`alice`) comes back as our pseudonym.
        ExampleEmails::Generic => {
            GENERIC_LOCALS.contains(&local.to_ascii_lowercase().as_str())
                || super::key::is_user_pseudonym(local)
        }
    }
}

fn public_ipv4(text: &str, whole: Range<usize>, part: Range<usize>) -> bool {
    let before = &text.as_bytes()[..whole.start];
    let after = &text.as_bytes()[whole.end..];
    // Part of a longer dotted number (versions, OIDs) or a version string.
    if before
        .last()
        .is_some_and(|&b| b == b'.' || b.is_ascii_alphanumeric())
        || (after.first() == Some(&b'.') && after.get(1).is_some_and(u8::is_ascii_digit))
    {
        return false;
    }
    let lower_before =
        String::from_utf8_lossy(&before[before.len().saturating_sub(12)..]).to_ascii_lowercase();
    if lower_before.contains("version") || lower_before.ends_with("v ") {
        return false;
    }
    let Ok(ip) = text[part].parse::<Ipv4Addr>() else {
        return false;
    };
    let o = ip.octets();
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || o[0] == 0
        || o[0] >= 240
        || o[0] == 255
        || (o[0] == 100 && (64..128).contains(&o[1]))
        || (o[0] == 198 && (o[1] == 18 || o[1] == 19)))
}

fn public_ipv6(text: &str, _: Range<usize>, part: Range<usize>) -> bool {
    let Ok(ip) = text[part].parse::<Ipv6Addr>() else {
        return false;
    };
    let s = ip.segments();
    (0x2000..0x4000).contains(&s[0]) && !(s[0] == 0x2001 && s[1] == 0x0db8)
}

fn phone_ok(text: &str, whole: Range<usize>, part: Range<usize>) -> bool {
    let v = &text[part];
    let digits = v.bytes().filter(u8::is_ascii_digit).count();
    let after = &text.as_bytes()[whole.end..];
    // A number that goes on (`555-0132.7`, `-x`, `:80`) is a version, range or address; a full stop that
    // ends a sentence is not.
    let goes_on = match after {
        [b, ..] if b.is_ascii_alphanumeric() => true,
        [b'.' | b'-' | b':', c, ..] => c.is_ascii_alphanumeric(),
        [b'-' | b':'] => true,
        _ => false,
    };
    (8..=15).contains(&digits)
        && !goes_on
        && v.bytes()
            .any(|b| matches!(b, b' ' | b'-' | b'.' | b'(' | b'+'))
}

fn card_ok(text: &str, _: Range<usize>, part: Range<usize>) -> bool {
    let v = &text[part];
    let digits = v.bytes().filter(u8::is_ascii_digit).count();
    (13..=19).contains(&digits) && gates::luhn(v) && gates::entropy(v.as_bytes()) > 2.0
}

fn iban_ok(text: &str, _: Range<usize>, part: Range<usize>) -> bool {
    gates::iban_ok(&text[part])
}

fn local_host_ok(text: &str, whole: Range<usize>, part: Range<usize>) -> bool {
    let host = text[part].to_ascii_lowercase();
    let after = &text.as_bytes()[whole.end..];
    if after.first() == Some(&b'.') && after.get(1).is_some_and(u8::is_ascii_alphanumeric) {
        return false; // `settings.local.json`
    }
    if let Some(label) = host.strip_suffix(".local") {
        // `.env.local`, `settings.local`: files. mDNS names carry a dash or a digit.
        let last = label.rsplit('.').next().unwrap_or("");
        return last.bytes().any(|b| b == b'-' || b.is_ascii_digit()) && !label.starts_with('.');
    }
    true
}

fn person_name_ok(text: &str, _: Range<usize>, part: Range<usize>) -> bool {
    let v = text[part].trim();
    let lower = v.to_ascii_lowercase();
    v.chars().any(char::is_alphabetic)
        && !gates::is_placeholder(v)
        && !v.starts_with("user_")
        && ![
            "claude",
            "chatgpt",
            "copilot",
            "gemini",
            "codex",
            "cursor",
            "aider",
            "github",
            "dependabot",
            "renovate",
            "unknown",
            "none",
        ]
        .iter()
        .any(|a| lower.starts_with(a))
}

macro_rules! rule {
    ($id:literal, $kind:ident, [$($a:literal),*], $p:literal, $check:expr, $ph:literal) => {
        rule!($id, $kind, [$($a),*], $p, $check, $ph, Reach::Whole)
    };
    ($id:literal, $kind:ident, [$($a:literal),*], $p:literal, $check:expr, $ph:literal, $reach:expr) => {
        Rule { id: $id, kind: Kind::$kind, anchors: &[$($a),*], context: false, fallback: false, pattern: $p, check: $check, placeholder: $ph, reach: $reach }
    };
}

pub static RULES: &[Rule] = &[
    rule!(
        "email",
        Email,
        ["@"],
        r"(?i)\b[a-z0-9][a-z0-9._%+-]{0,63}@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}\b",
        Check::Narrow(email_ok),
        "<email>"
    ),
    rule!(
        "ipv4",
        Ip,
        [],
        r"\b(?P<s>(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3})\b",
        Check::Custom(public_ipv4),
        "<ip>",
        Reach::Scan(locate::dotted_quad)
    ),
    rule!(
        "ipv6",
        Ip,
        [],
        r"(?i)(?:^|[^0-9a-z:])(?P<s>[23][0-9a-f]{3}:[0-9a-f:]{2,34}[0-9a-f])(?:%[A-Za-z0-9.]{1,64})?",
        Check::Custom(public_ipv6),
        "<ip>",
        Reach::Scan(locate::ipv6_group)
    ),
    rule!(
        "phone-international",
        Phone,
        [],
        r"(?:^|[^A-Za-z0-9_+=/])(?P<s>\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]?\d{2,4}){1,4})",
        Check::Custom(phone_ok),
        "<phone>",
        Reach::Scan(locate::plus_digit)
    ),
    rule!(
        "phone-national",
        Phone,
        [],
        // `(415) 555-0132`, and the North American `415-555-0132` / `415.555.0132` (one separator kind).
        r"(?:^|[^A-Za-z0-9_.:/#-])(?P<s>\(\d{3}\)\s?\d{3}[-.\s]\d{4}|\d{3}-\d{3}-\d{4}|\d{3}\.\d{3}\.\d{4})\b",
        Check::Custom(phone_ok),
        "<phone>",
        Reach::Scan(locate::phone_groups)
    ),
    rule!(
        "card-number",
        Card,
        [],
        r"\b(?P<s>(?:4\d{3}|5[1-5]\d{2}|2[2-7]\d{2}|3[47]\d{2}|6011|65\d{2})(?:[ -]?\d{4}){2}[ -]?\d{1,4}(?:[ -]?\d{1,3})?)\b",
        Check::Custom(card_ok),
        "<card>",
        Reach::Scan(locate::card_digits)
    ),
    rule!(
        "iban",
        Iban,
        [],
        r"\b(?P<s>[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?)\b",
        Check::Custom(iban_ok),
        "<iban>",
        Reach::Scan(locate::iban_head)
    ),
    rule!(
        "private-host",
        Host,
        [
            ".internal",
            ".corp",
            ".lan",
            ".intranet",
            ".localdomain",
            ".home.arpa",
            ".local"
        ],
        r"(?i)\b(?P<s>(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:internal|corp|lan|intranet|localdomain|home\.arpa|local)|(?:[a-z0-9-]+\.)+corp\.[a-z0-9-]+\.[a-z]{2,})\b",
        Check::Custom(local_host_ok),
        "<host>"
    ),
    rule!(
        "aws-host",
        Host,
        ["ip-", ".rds.amazonaws.com", ".elb.amazonaws.com"],
        r"\b(?P<s>ip-\d{1,3}-\d{1,3}-\d{1,3}-\d{1,3}(?:\.[a-z0-9-]+)*|[a-z0-9-]+\.[a-z0-9]{12}\.[a-z0-9-]+\.rds\.amazonaws\.com|[a-z0-9-]+-\d{6,}\.[a-z0-9-]+\.elb\.amazonaws\.com)\b",
        Check::Always,
        "<host>"
    ),
    rule!(
        "windows-host",
        Host,
        ["desktop-", "laptop-"],
        r"\b(?P<s>(?:DESKTOP|LAPTOP)-[A-Z0-9]{7,8})\b",
        Check::Always,
        "<host>"
    ),
    rule!(
        "person-trailer",
        Name,
        ["author", "-by", "committer"],
        r"(?i)(?:^|\n|\\n)[ \t>]*(?:author|signed-off-by|co-authored-by|reviewed-by|acked-by|tested-by|reported-by|suggested-by|committer)\s*:\s*(?P<s>[^<>\n\\@:]{2,60}?)\s*(?:<|\\n|\n|$)",
        Check::Custom(person_name_ok),
        "<name>"
    ),
    rule!(
        "git-user-name",
        Name,
        ["user.name"],
        r#"(?i)user\.name\s*=?\s*["']?(?P<s>[^"'\n\\<>=]{2,60}?)["']?\s*(?:$|\n|\\n|;|&)"#,
        Check::Custom(person_name_ok),
        "<name>"
    ),
];
