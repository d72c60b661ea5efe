//! Credential rules: provider tokens with fixed prefixes, structural secrets (URL passwords, key/value
//! assignments, CLI flags, headers, password hashes) and their gates. Private-key blocks are in `pem.rs`.
//!
//! Conventions: patterns are byte regexes with Unicode off; the named group `s` is what is replaced, so a
//! public prefix (`ghp_`) may stay. A token ends at anything outside its alphabet, including the backslash of
//! a JSON-escaped `\n`. `(?:[^\w-]|$)` after a group stands in for a look-ahead the regex crate lacks.

use std::ops::Range;
use std::sync::OnceLock;

use super::finding::{self, Kind::Secret};
use super::gates;
use super::locate;
use super::rules::{Check, Reach, Rule};

const R: &str = "<REDACTED>";

macro_rules! rule {
    ($id:literal, [$($a:literal),*], $p:literal, $check:expr) => {
        rule!($id, [$($a),*], $p, $check, Reach::Whole)
    };
    ($id:literal, [$($a:literal),*], $p:literal, $check:expr, $reach:expr) => {
        Rule { id: $id, kind: Secret, anchors: &[$($a),*], context: false, fallback: false, pattern: $p, check: $check, placeholder: R, reach: $reach }
    };
    (context $id:literal, [$($a:literal),*], $p:literal, $check:expr) => {
        rule!(context $id, [$($a),*], $p, $check, Reach::Whole)
    };
    (context $id:literal, [$($a:literal),*], $p:literal, $check:expr, $reach:expr) => {
        Rule { id: $id, kind: Secret, anchors: &[$($a),*], context: true, fallback: false, pattern: $p, check: $check, placeholder: R, reach: $reach }
    };
    (fallback $id:literal, $p:literal, $check:expr, $reach:expr) => {
        Rule { id: $id, kind: Secret, anchors: &[], context: false, fallback: true, pattern: $p, check: $check, placeholder: R, reach: $reach }
    };
}

/// The floor for prefixed tokens: prefix and length already say "token"; this only stops runs like
/// `ghp_aaaaBBBB...` that the placeholder test misses.
const RAND: Check = Check::Random(2.0);
const LOW: Check = Check::Random(2.0);

fn aws_key_id(text: &str, _: Range<usize>, part: Range<usize>) -> bool {
    let v = &text[part];
    // The floor of every prefixed token: at 3.0 about 1 genuine key id in 300 (16 random base32
    // characters with a few repeats) was let through.
    !v.ends_with("EXAMPLE") && gates::looks_random(&v[4..], 2.0)
}

/// A 40-character base64 string is an AWS secret only with upper, lower and digits (not a hex SHA), and only
/// after a key id or an AWS secret's name earlier in the same string. Anywhere earlier, not within so many
/// bytes: replacing a key id or a secret between the two moves them closer, and the next pass would find
/// what this one did not.
fn aws_secret(text: &str, whole: Range<usize>, part: Range<usize>) -> bool {
    static CONTEXT: OnceLock<aho_corasick::AhoCorasick> = OnceLock::new();
    let v = text[part].as_bytes();
    let mixed = v.iter().any(u8::is_ascii_uppercase)
        && v.iter().any(u8::is_ascii_lowercase)
        && v.iter().any(u8::is_ascii_digit);
    mixed
        && gates::looks_random(&text[whole.clone()], 4.0)
        && CONTEXT
            .get_or_init(|| {
                aho_corasick::AhoCorasick::builder()
                    .ascii_case_insensitive(true)
                    .build([
                        "akia",
                        "asia",
                        "aws_secret",
                        "secretaccesskey",
                        "aws secret",
                    ])
                    .expect("a few short literals")
            })
            .is_match(&text.as_bytes()[..whole.start])
}

/// Base64 that decodes to a PEM private key header (`LS0tLS1CRUdJTi...`).
fn b64_private_key(text: &str, _: Range<usize>, part: Range<usize>) -> bool {
    let head: Vec<u8> = text[part].bytes().take(64).collect();
    let decoded = b64_decode(&head[..head.len() / 4 * 4]);
    memchr::memmem::find(&decoded, b"PRIVATE KEY").is_some()
}

fn b64_decode(s: &[u8]) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' | b'-' => Some(62),
        b'/' | b'_' => Some(63),
        _ => None,
    };
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    for chunk in s.chunks(4) {
        // The chunk's base64 digits, others skipped.
        let (mut v, mut n) = ([0u8; 4], 0);
        for d in chunk.iter().filter_map(|&c| val(c)) {
            v[n] = d;
            n += 1;
        }
        if n < 2 {
            break;
        }
        out.push(v[0] << 2 | v[1] >> 4);
        if n > 2 {
            out.push(v[1] << 4 | v[2] >> 2);
        }
        if n > 3 {
            out.push(v[2] << 6 | v[3]);
        }
    }
    out
}

/// URL passwords: anything but placeholders, and not `user:port@` lookalikes.
fn url_password(text: &str, _: Range<usize>, part: Range<usize>) -> bool {
    // Our pseudonym after the `@` was a login there (`rs://:x@.bob@host`), where no host began.
    let host_is_pseudonym = crate::scrub::key::pseudonym_at(text, part.end + 1);
    let v = &text[part];
    !gates::is_placeholder(v) && !v.bytes().all(|b| b.is_ascii_digit()) && !host_is_pseudonym
}

/// Short connection-string and `.netrc` passwords: anything that is not a placeholder.
fn not_placeholder(text: &str, _: Range<usize>, part: Range<usize>) -> bool {
    let v = &text[part];
    v.len() >= 4 && !gates::is_placeholder(v)
}

/// A quoted (or `.env`) value assigned to a name that says nothing about it (`SIGNING = "…"`), taken only
/// when it looks like a random key: at most 256 bytes, mostly random-looking pieces, high entropy, few words, no counting run
/// (`0123456`), not base64 of text or of a file, and not under a name for an id, hash or signature (random
/// too, and not secret).
fn random_assigned_value(text: &str, whole: Range<usize>, part: Range<usize>) -> bool {
    let value = text[part.clone()].trim_end_matches('=');
    may_be_assigned_key(&text.as_bytes()[whole.start..part.start], value.as_bytes())
        && random_value(value)
}

/// The windows of [`locate::quoted_values`] that pass [`may_be_assigned_key`], which reads the name from
/// the bytes before the value as it does from the match's (the pattern's name is a whole word within
/// [`locate::QUOTED_BEFORE`] bytes of the value). It costs less than a search of the window, and most windows
/// in code are lockfile hashes (`"integrity": "sha512-…"`), refused by their name.
fn random_quoted_values(text: &locate::Text, out: &mut Vec<Range<usize>>) {
    locate::quoted_values_where(
        text,
        |b, value| {
            let lead = &b[value.start.saturating_sub(locate::QUOTED_BEFORE)..value.start];
            may_be_assigned_key(lead, &b[value])
        },
        out,
    )
}

/// The cheap refusals of [`random_assigned_value`], given what precedes the value (from the name on) and
/// the value (without its `=` padding): too long, a digest (hex, a UUID), or under an id's name.
fn may_be_assigned_key(lead: &[u8], v: &[u8]) -> bool {
    v.len() <= locate::QUOTED_LONGEST
        && !v.iter().all(|c| c.is_ascii_hexdigit() || *c == b'-')
        && !names_an_id_or_digest(assigned_name(lead))
}

/// Whether a value looks drawn at random (see [`random_assigned_value`]).
fn random_value(value: &str) -> bool {
    let v = value.as_bytes();
    // Scored once, and only when needed: a path of small letters has no random piece to score.
    let wordiness = std::cell::OnceCell::new();
    let wordiness = || *wordiness.get_or_init(|| gates::wordiness(v));
    let random = random_pieces(v, wordiness);
    if random < 16 || random * 2 < v.len() {
        return false;
    }
    // A key drawn from one case and digits (base32, base36) has fewer symbols to show: one in a hundred of
    // 32 characters scores under 3.8 bits a character, against 4.2 for letters of both cases and digits.
    let both_cases = v.iter().any(u8::is_ascii_uppercase) && v.iter().any(u8::is_ascii_lowercase);
    let floor = if both_cases { 4.0 } else { 3.5 };
    gates::entropy(v) >= floor
        && wordiness() < 0.7
        && !counts_up(v, 6)
        && !gates::is_placeholder(value)
        && !is_base64_data(v)
}

/// How many bytes of `v` lie in random-looking pieces (between `/`, `-`, `_` and `+`): four or more bytes
/// with two of capitals, small letters and digits, not hex and not mostly words. A path, a slug or a name
/// with a UUID in it (`/tmp/c41d0b7e-92a6-…-agent`, `ELBSecurityPolicy-TLS13-2021-06`) has few; a key in
/// base64 or base62 is one or a few. `wordiness` gives `v`'s own (a value in one piece is not scored twice).
fn random_pieces(v: &[u8], wordiness: impl Fn() -> f32) -> usize {
    let classes = |p: &[u8]| {
        [
            u8::is_ascii_uppercase,
            u8::is_ascii_lowercase,
            u8::is_ascii_digit,
        ]
        .iter()
        .filter(|class| p.iter().any(class))
        .count()
    };
    v.split(|c| matches!(c, b'/' | b'-' | b'_' | b'+'))
        .filter(|p| {
            p.len() >= 4
                && classes(p) >= 2
                && !p.iter().all(u8::is_ascii_hexdigit)
                && if p.len() == v.len() {
                    wordiness()
                } else {
                    gates::wordiness(p)
                } < 0.5
        })
        .map(<[u8]>::len)
        .sum()
}

/// Whether `v` holds `n` bytes in a row that count up by one (`0123456`, `abcdef`): made up, not drawn.
fn counts_up(v: &[u8], n: usize) -> bool {
    let mut run = 1;
    for w in v.windows(2) {
        run = if w[1] == w[0].wrapping_add(1) {
            run + 1
        } else {
            1
        };
        if run >= n {
            return true;
        }
    }
    false
}

/// The name in what comes before an assigned value: `KEY` in `KEY = "`, `"key": "`, `export KEY=`.
fn assigned_name(b: &[u8]) -> &[u8] {
    let end = b
        .iter()
        .rposition(|c| !matches!(c, b'"' | b'\'' | b'\\' | b' ' | b'\t' | b'=' | b':' | b'>'))
        .map_or(0, |i| i + 1);
    &b[gates::name_start(&b[..end])..end]
}

/// Whether one of the words of a name (`parentUuid`, `tool_use_id`, `ETAG`) says its value is an id, a
/// hash or a signature.
fn names_an_id_or_digest(b: &[u8]) -> bool {
    const WORDS: [&str; 22] = [
        "id",
        "ids",
        "uuid",
        "guid",
        "oid",
        "hash",
        "sha",
        "sha1",
        "sha256",
        "sha384",
        "sha512",
        "md5",
        "digest",
        "checksum",
        "integrity",
        "etag",
        "nonce",
        "signature",
        "sig",
        "commit",
        "revision",
        "fingerprint",
    ];
    let mut start = 0;
    for i in 1..=b.len() {
        // A word ends before a separator, at the end, and where a lowercase letter meets a capital.
        let ends = i == b.len()
            || !b[i].is_ascii_alphanumeric()
            || (b[i].is_ascii_uppercase() && b[i - 1].is_ascii_lowercase());
        if ends {
            let word = &b[start..i];
            // Whole words, and the longer ones at a word's end too (`contenthash`, `publicKeyFingerprint`).
            if WORDS.iter().any(|w| {
                word.eq_ignore_ascii_case(w.as_bytes())
                    || (w.len() >= 4 && gates::ends_with_ignore_case(word, w.as_bytes()))
            }) {
                return true;
            }
            start = if i < b.len() && !b[i].is_ascii_alphanumeric() {
                i + 1
            } else {
                i
            };
        }
    }
    false
}

/// Base64 of ordinary data: text (a URL, a sentence, JSON: nearly every decoded byte printable) or a file
/// that says what it is (an image, a PDF, an archive).
fn is_base64_data(v: &[u8]) -> bool {
    const MAGIC: [&[u8]; 7] = [
        b"\x89PNG",
        b"\xff\xd8\xff",
        b"GIF8",
        b"RIFF",
        b"%PDF",
        b"PK\x03\x04",
        b"\x1f\x8b",
    ];
    let decoded = b64_decode(&v[..v.len() / 4 * 4]);
    let printable = decoded
        .iter()
        .filter(|&&c| matches!(c, b' '..=b'~' | b'\t' | b'\n' | b'\r'))
        .count();
    (decoded.len() >= 16 && printable * 10 >= decoded.len() * 9)
        || MAGIC.iter().any(|m| decoded.starts_with(m))
}

/// A `.pgpass` line's password, unless its host holds one of our placeholders: what that stood for (a name
/// with a space, a value with a colon) made no line of it on the pass that wrote it.
fn pgpass_password(text: &str, whole: Range<usize>, part: Range<usize>) -> bool {
    let host = text[whole.clone()].split(':').next().unwrap_or_default();
    let placeholder = memchr::memchr_iter(b'<', host.as_bytes())
        .any(|i| finding::placeholder_at(text, whole.start + i));
    !placeholder && not_placeholder(text, whole, part)
}

/// Authorization headers: long enough and not a placeholder; Basic values must decode to `user:pass`.
fn auth_header(text: &str, whole: Range<usize>, part: Range<usize>) -> bool {
    let v = &text[part];
    if v.len() < 8 || gates::is_placeholder(v) {
        return false;
    }
    if text[whole].to_ascii_lowercase().contains("basic") {
        return b64_decode(v.as_bytes()).contains(&b':');
    }
    gates::entropy(v.as_bytes()) >= 3.0
}

pub static RULES: &[Rule] = &[
    // --- Source control, CI, package registries
    rule!(
        "github-token",
        ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"],
        r"\bgh[pousr]_(?P<s>[A-Za-z0-9]{20,40})\b",
        RAND
    ),
    rule!(
        "github-fine-grained-pat",
        ["github_pat_"],
        r"\bgithub_pat_(?P<s>[A-Za-z0-9_]{70,90})\b",
        RAND
    ),
    rule!(
        "gitlab-token",
        [
            "glpat-", "glrt-", "gldt-", "glft-", "glsoat-", "glimt-", "glagent-", "gloas-",
            "glcbt-"
        ],
        r"\bgl(?:pat|rt|dt|ft|soat|imt|agent|oas|cbt)-(?P<s>[A-Za-z0-9_-]{20,}(?:\.[0-9a-z]{2,12})?)",
        RAND
    ),
    rule!(
        "gitlab-trigger-token",
        ["glptt-"],
        r"\bglptt-(?P<s>[0-9a-f]{40})\b",
        RAND
    ),
    rule!(
        "gitlab-runner-registration",
        ["gr1348941"],
        r"\bGR1348941(?P<s>[A-Za-z0-9_-]{20,})",
        RAND
    ),
    rule!(
        "npm-token",
        ["npm_"],
        r"\bnpm_(?P<s>[A-Za-z0-9]{20,40})\b",
        RAND
    ),
    rule!(
        "npmrc-auth",
        ["_authtoken", "_auth", "_password"],
        r"(?i)(?:_authToken|\b_auth|\b_password)\s*=\s*(?P<s>[^\s'`,;\x22\\]{8,})",
        LOW
    ),
    rule!(
        "pypi-token",
        ["pypi-ageichlwas5vcmc"],
        r"\bpypi-(?P<s>AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,})",
        RAND
    ),
    rule!(
        "rubygems-token",
        ["rubygems_"],
        r"\brubygems_(?P<s>[0-9a-f]{48})\b",
        RAND
    ),
    rule!(
        "crates-io-token",
        ["cio"],
        r"\bcio(?P<s>[A-Za-z0-9]{32})\b",
        Check::Near(&["cargo", "crates", "registry", "token"], 3.5)
    ),
    rule!(
        "nuget-key",
        ["oy2"],
        r"\boy2(?P<s>[a-z0-9]{43})\b",
        Check::Near(&["nuget", "apikey", "api_key", "api-key"], 3.5)
    ),
    rule!(
        "clojars-token",
        ["clojars_"],
        r"\bCLOJARS_(?P<s>[A-Za-z0-9]{60})\b",
        RAND
    ),
    rule!(
        "jfrog-api-key",
        ["akcp"],
        r"\bAKCp(?P<s>[A-Za-z0-9]{60,80})\b",
        RAND
    ),
    rule!(
        "jfrog-reference-token",
        ["cmvmdgtu"],
        r"\b(?P<s>cmVmdGtu[A-Za-z0-9]{40,})",
        RAND
    ),
    rule!(
        "docker-hub-token",
        ["dckr_pat_", "dckr_oat_"],
        r"\bdckr_(?:pat|oat)_(?P<s>[A-Za-z0-9_-]{20,})",
        RAND
    ),
    rule!(
        "circleci-token",
        ["ccipat_"],
        r"\bCCIPAT_(?P<s>[A-Za-z0-9]{22}_[0-9a-f]{40})\b",
        RAND
    ),
    rule!(
        "buildkite-token",
        ["bkua_", "bkct_"],
        r"\bbk(?:ua|ct)_(?P<s>[A-Za-z0-9]{32,})\b",
        RAND
    ),
    rule!(
        "bitbucket-dc-token",
        ["bbdc-"],
        r"\bBBDC-(?P<s>[A-Za-z0-9+/_-]{32,}=*)",
        RAND
    ),
    rule!(
        "atlassian-token",
        ["atatt3"],
        r"\bATATT3(?P<s>[A-Za-z0-9_=-]{150,200})",
        RAND
    ),
    rule!(
        "terraform-token",
        [".atlasv1."],
        r"\b(?P<s>[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_-]{60,70})",
        RAND
    ),
    rule!(
        "pulumi-token",
        ["pul-"],
        r"\bpul-(?P<s>[0-9a-f]{40})\b",
        RAND
    ),
    rule!(
        "octopus-key",
        ["api-"],
        r"\bAPI-(?P<s>[A-Z0-9]{26})\b",
        RAND
    ),
    rule!(
        "sonar-token",
        ["squ_", "sqp_", "sqa_"],
        r"\bsq[upa]_(?P<s>[0-9a-f]{40})\b",
        RAND
    ),
    rule!(
        "sourcegraph-token",
        ["sgp_"],
        r"\bsgp_(?P<s>(?:[0-9a-f]{16}_)?[0-9a-f]{40})\b",
        RAND
    ),
    // --- Cloud and infrastructure
    rule!(
        "aws-access-key-id",
        ["akia", "asia", "abia", "acca", "a3t"],
        r"\b(?P<s>(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16})\b",
        Check::Custom(aws_key_id)
    ),
    rule!(
        "aws-secret-key",
        ["aws_secret", "awssecret", "secretaccesskey"],
        r#"(?i)(?:aws_?secret_?access_?key|secretaccesskey|aws_?secret(?:_?key)?)\\?["']?\s*(?:=|:|=>)\s*\\?["']?(?P<s>[A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)"#,
        Check::Random(3.5)
    ),
    rule!(
        context "aws-secret-near-key-id",
        ["akia", "asia", "aws"],
        r"(?:^|\\[nrt]|[^A-Za-z0-9/+=])(?P<s>[A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)",
        Check::Custom(aws_secret),
        Reach::Scan(locate::base64_runs)
    ),
    rule!(
        "aws-session-token",
        ["fwogzxivyxdz", "iqojb3jpz2lux2vj"],
        r"\b(?P<s>(?:FwoGZXIvYXdz|IQoJb3JpZ2luX2Vj)[A-Za-z0-9/+=]{100,})",
        Check::Always
    ),
    rule!(
        "bedrock-key",
        ["absk", "bedrock-api-key-"],
        r"\b(?:ABSK|bedrock-api-key-)(?P<s>[A-Za-z0-9+/=]{40,300})",
        RAND
    ),
    rule!(
        "google-api-key",
        ["aiza"],
        r"\bAIza(?P<s>[A-Za-z0-9_-]{35})(?:[^A-Za-z0-9_-]|$)",
        RAND
    ),
    rule!(
        "google-oauth-secret",
        ["gocspx-"],
        r"\bGOCSPX-(?P<s>[A-Za-z0-9_-]{28})",
        RAND
    ),
    rule!(
        "google-oauth-access-token",
        ["ya29."],
        r"\bya29\.(?P<s>[A-Za-z0-9_-]{30,})",
        RAND
    ),
    rule!(
        "google-oauth-refresh-token",
        ["1//0"],
        r"\b1//0(?P<s>[A-Za-z0-9_-]{40,})",
        RAND
    ),
    rule!(
        "gcp-private-key-id",
        ["private_key_id"],
        r#"private_key_id\\?"\s*:\s*\\?"(?P<s>[0-9a-f]{40})"#,
        RAND
    ),
    rule!(
        "azure-storage-key",
        ["accountkey="],
        r"(?i)AccountKey=(?P<s>[A-Za-z0-9+/]{86}==)",
        Check::Always
    ),
    rule!(
        "azure-connection-secret",
        ["sharedaccesskey=", "sharedaccesssignature=", "accountkey="],
        r"(?i)\b(?:SharedAccessKey|SharedAccessSignature|AccountKey)=(?P<s>[^;\s'\x22\\]{8,})",
        Check::Custom(not_placeholder)
    ),
    rule!(
        "connection-string-password",
        ["password=", "pwd="],
        r"(?i)(?:^|[;\s'\x22])(?:password|pwd)=(?P<s>[^;\s'\x22\\&]{4,})",
        Check::Custom(not_placeholder)
    ),
    rule!(
        "azure-ad-client-secret",
        ["\\dq~"],
        r"(?:^|[^A-Za-z0-9_~.-])(?P<s>[A-Za-z0-9_~.-]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34})(?:[^A-Za-z0-9_~.-]|$)",
        RAND
    ),
    rule!(
        "azure-sas-signature",
        ["sig="],
        r"[?&]sig=(?P<s>[A-Za-z0-9%+/=]{20,})",
        RAND
    ),
    rule!(
        "alibaba-access-key",
        ["ltai"],
        r"\bLTAI(?P<s>[A-Za-z0-9]{17,21})\b",
        RAND
    ),
    rule!(
        "tencent-secret-id",
        ["akid"],
        r"\bAKID(?P<s>[A-Za-z0-9]{32})\b",
        RAND
    ),
    rule!(
        "yandex-key",
        ["aqvn"],
        r"\bAQVN(?P<s>[A-Za-z0-9_-]{35,38})",
        RAND
    ),
    rule!(
        "digitalocean-token",
        ["dop_v1_", "doo_v1_", "dor_v1_"],
        r"\bdo[por]_v1_(?P<s>[0-9a-f]{64})\b",
        RAND
    ),
    rule!(
        "heroku-key",
        ["hrku-aa"],
        r"\bHRKU-AA(?P<s>[A-Za-z0-9_-]{58})",
        RAND
    ),
    rule!(
        "heroku-legacy-key",
        ["heroku_api_key"],
        r"(?i)HEROKU_API_KEY\W{1,6}(?P<s>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})",
        Check::Always
    ),
    rule!(
        "fly-token",
        ["fo1_", "fm1a_", "fm1r_", "fm2_"],
        r"\b(?:fo1|fm1[ar]|fm2)_(?P<s>[A-Za-z0-9+/=_-]{40,})",
        RAND
    ),
    rule!(
        "vercel-token",
        ["vcp_"],
        r"\bvcp_(?P<s>[A-Za-z0-9_-]{40,})",
        RAND
    ),
    rule!(
        "netlify-token",
        ["nfp_"],
        r"\bnfp_(?P<s>[A-Za-z0-9]{36,40})\b",
        RAND
    ),
    rule!(
        "render-token",
        ["rnd_"],
        r"\brnd_(?P<s>[A-Za-z0-9]{32})\b",
        RAND
    ),
    rule!(
        "supabase-token",
        ["sbp_", "sb_secret_"],
        r"\b(?:sbp_|sb_secret_)(?P<s>[A-Za-z0-9_-]{31,})",
        RAND
    ),
    rule!(
        "planetscale-token",
        ["pscale_"],
        r"\bpscale_(?:tkn|pw|oauth)_(?P<s>[A-Za-z0-9_.=-]{32,64})",
        RAND
    ),
    rule!(
        "databricks-token",
        ["dapi"],
        r"\bdapi(?P<s>[0-9a-f]{32})(?:-\d)?\b",
        RAND
    ),
    rule!(
        "vault-token",
        ["hvs.", "hvb."],
        r"\bhv[sb]\.(?P<s>[A-Za-z0-9_-]{90,})",
        RAND
    ),
    rule!(
        "doppler-token",
        [
            "dp.pt.",
            "dp.st.",
            "dp.ct.",
            "dp.sa.",
            "dp.scim.",
            "dp.audit."
        ],
        r"\bdp\.(?:pt|st|ct|sa|scim|audit)\.(?:[a-z0-9_-]{1,32}\.)?(?P<s>[A-Za-z0-9]{40,44})\b",
        RAND
    ),
    rule!(
        "1password-service-token",
        ["ops_eyj"],
        r"\bops_(?P<s>eyJ[A-Za-z0-9+/=_-]{100,})",
        RAND
    ),
    rule!(
        "1password-secret-key",
        ["a3-"],
        r"\b(?P<s>A3-[A-Z0-9]{6}(?:-[A-Z0-9]{5,6}){5})\b",
        RAND
    ),
    rule!(
        "age-secret-key",
        ["age-secret-key-1"],
        r"\b(?P<s>AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58})\b",
        Check::Always
    ),
    rule!(
        "openshift-token",
        ["sha256~"],
        r"\bsha256~(?P<s>[A-Za-z0-9_-]{43})",
        RAND
    ),
    rule!(
        "tailscale-key",
        ["tskey-"],
        r"\btskey-(?:auth|api|client|scim|webhook)-(?P<s>[A-Za-z0-9]{6,}-[A-Za-z0-9]{16,})",
        RAND
    ),
    rule!(
        "kubernetes-client-key",
        ["client-key-data"],
        r"client-key-data:\s*(?P<s>[A-Za-z0-9+/=]{20,})",
        Check::Always
    ),
    rule!(
        "base64-private-key",
        ["ls0tls1crudjti"],
        r"\b(?P<s>LS0tLS1CRUdJTi[A-Za-z0-9+/=]{20,})",
        Check::Custom(b64_private_key)
    ),
    rule!(
        "cloudflare-origin-ca",
        ["v1.0-"],
        r"\bv1\.0-(?P<s>[0-9a-f]{24}-[0-9a-f]{146})\b",
        RAND
    ),
    // --- AI / ML providers
    rule!(
        "openai-key",
        ["sk-proj-", "sk-svcacct-", "sk-admin-"],
        r"\bsk-(?:proj|svcacct|admin)-(?P<s>[A-Za-z0-9_-]{40,})",
        RAND
    ),
    rule!(
        "openai-legacy-key",
        ["t3blbkfj"],
        r"\bsk-(?P<s>[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20})\b",
        RAND
    ),
    rule!(
        "anthropic-key",
        ["sk-ant-"],
        r"\bsk-ant-(?:[a-z]{3,5}\d\d-)?(?P<s>[A-Za-z0-9_-]{40,})",
        RAND
    ),
    rule!(
        "sk-hex-key",
        ["sk-"],
        r"\bsk-(?P<s>[A-Za-z0-9]{32,64})\b",
        RAND
    ),
    rule!(
        "huggingface-token",
        ["hf_", "api_org_"],
        r"\b(?:hf_|api_org_)(?P<s>[A-Za-z]{34})\b",
        RAND
    ),
    rule!(
        "groq-key",
        ["gsk_"],
        r"\bgsk_(?P<s>[A-Za-z0-9]{52})\b",
        RAND
    ),
    rule!(
        "xai-key",
        ["xai-"],
        r"\bxai-(?P<s>[A-Za-z0-9_-]{70,120})",
        RAND
    ),
    rule!(
        "perplexity-key",
        ["pplx-"],
        r"\bpplx-(?P<s>[A-Za-z0-9]{48})\b",
        RAND
    ),
    rule!(
        "openrouter-key",
        ["sk-or-v1-"],
        r"\bsk-or-v1-(?P<s>[0-9a-f]{64})\b",
        RAND
    ),
    rule!(
        "replicate-token",
        ["r8_"],
        r"\br8_(?P<s>[A-Za-z0-9]{37})\b",
        RAND
    ),
    rule!(
        "together-key",
        ["tgp_v1_"],
        r"\btgp_v1_(?P<s>[A-Za-z0-9_-]{43})",
        RAND
    ),
    rule!(
        "nvidia-key",
        ["nvapi-"],
        r"\bnvapi-(?P<s>[A-Za-z0-9_-]{60,70})",
        RAND
    ),
    rule!(
        "cerebras-key",
        ["csk-"],
        r"\bcsk-(?P<s>[a-z0-9]{48})\b",
        RAND
    ),
    rule!(
        "langsmith-key",
        ["lsv2_"],
        r"\blsv2_(?:pt|sk)_(?P<s>[0-9a-f]{32}_[0-9a-f]{10})\b",
        RAND
    ),
    rule!(
        "langfuse-secret",
        ["sk-lf-"],
        r"\bsk-lf-(?P<s>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b",
        RAND
    ),
    rule!(
        "pinecone-key",
        ["pcsk_"],
        r"\bpcsk_(?P<s>[A-Za-z0-9]{5,6}_[A-Za-z0-9]{63})\b",
        RAND
    ),
    rule!(
        "elevenlabs-key",
        ["sk_"],
        r"\bsk_(?P<s>[0-9a-f]{48})\b",
        RAND
    ),
    rule!(
        "voyage-key",
        ["pa-", "al-"],
        r"\b(?:pa|al)-(?P<s>[A-Za-z0-9_-]{43})(?:[^A-Za-z0-9_-]|$)",
        Check::Near(&["voyage"], 3.5)
    ),
    // --- SaaS, messaging, payments, observability
    rule!(
        "slack-token",
        ["xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "xoxe-"],
        r"\bxox[bparse]-(?P<s>[A-Za-z0-9-]{10,})",
        RAND
    ),
    rule!(
        "slack-config-token",
        ["xoxe."],
        r"\bxoxe\.xox[bp]-\d-(?P<s>[A-Za-z0-9]{100,})",
        RAND
    ),
    rule!(
        "slack-app-token",
        ["xapp-"],
        r"\bxapp-\d-(?P<s>[A-Z0-9]+-\d+-[0-9a-f]{64})\b",
        RAND
    ),
    rule!(
        "slack-webhook",
        ["hooks.slack.com"],
        r"hooks\.slack\.com/(?:services|workflows|triggers)/(?P<s>[A-Za-z0-9/_-]{20,})",
        RAND
    ),
    rule!(
        "discord-webhook",
        ["/api/webhooks/"],
        r"discord(?:app)?\.com/api/webhooks/(?P<s>\d{17,20}/[A-Za-z0-9_-]{60,})",
        RAND
    ),
    rule!(
        "teams-webhook",
        ["webhook.office.com"],
        r"\.webhook\.office\.com/webhookb2/(?P<s>[^\s'<>\x22\\]{40,})",
        RAND
    ),
    rule!(
        "jwt",
        ["eyj"],
        r"\b(?P<s>eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*)",
        Check::Always
    ),
    rule!(
        "jwt-base64",
        ["zxlk"],
        r"\b(?P<s>ZXlK[A-Za-z0-9+/=]{60,})",
        Check::Random(4.0)
    ),
    rule!(
        context "discord-bot-token",
        ["discord"],
        r"\b(?P<s>[MNO][A-Za-z0-9_-]{23,25}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,38})\b",
        RAND
    ),
    rule!(
        "telegram-bot-token",
        [":aa"],
        r"\b\d{8,10}:(?P<s>AA[A-Za-z0-9_-]{33})",
        RAND
    ),
    rule!(
        "stripe-key",
        ["sk_live_", "sk_test_", "rk_live_", "rk_test_"],
        r"\b[rs]k_(?:live|test)_(?P<s>[A-Za-z0-9]{24,99})\b",
        RAND
    ),
    rule!(
        "stripe-webhook-secret",
        ["whsec_"],
        r"\bwhsec_(?P<s>[A-Za-z0-9+/=]{32,})",
        RAND
    ),
    rule!(
        "square-token",
        ["eaaa", "sq0atp-", "sq0csp-"],
        r"\b(?:EAAA|sq0atp-|sq0csp-)(?P<s>[A-Za-z0-9_-]{22,60})",
        RAND
    ),
    rule!(
        "braintree-token",
        ["access_token$production$"],
        r"access_token\$production\$(?P<s>[a-z0-9]{16}\$[0-9a-f]{32})",
        RAND
    ),
    rule!(
        "razorpay-key",
        ["rzp_live_", "rzp_test_"],
        r"\brzp_(?:live|test)_(?P<s>[A-Za-z0-9]{14,})\b",
        RAND
    ),
    rule!(
        "flutterwave-key",
        ["flwseck"],
        r"\bFLWSECK(?:_TEST)?-(?P<s>[0-9a-f]{32})-X",
        RAND
    ),
    rule!(
        "plaid-token",
        [
            "access-sandbox-",
            "access-development-",
            "access-production-"
        ],
        r"\baccess-(?:sandbox|development|production)-(?P<s>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})",
        RAND
    ),
    rule!(
        "sendgrid-key",
        ["sg."],
        r"\bSG\.(?P<s>[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})",
        RAND
    ),
    rule!(
        "mailgun-key",
        ["key-"],
        r"\bkey-(?P<s>[0-9a-f]{32})\b",
        RAND
    ),
    rule!(
        "mailchimp-key",
        ["-us"],
        r"\b(?P<s>[0-9a-f]{32})-us\d{1,2}\b",
        RAND
    ),
    rule!(
        "brevo-key",
        ["xkeysib-", "xsmtpsib-"],
        r"\bx(?:keysib|smtpsib)-(?P<s>[0-9a-f]{64}-[A-Za-z0-9]{16})\b",
        RAND
    ),
    rule!(
        "twilio-api-key",
        ["sk\\d", "ska", "skb", "skc", "skd", "ske", "skf"],
        r"\bSK(?P<s>[0-9a-f]{32})\b",
        RAND
    ),
    rule!(
        "linear-key",
        ["lin_api_"],
        r"\blin_api_(?P<s>[A-Za-z0-9]{40})\b",
        RAND
    ),
    rule!(
        "notion-token",
        ["ntn_", "secret_"],
        r"\b(?:ntn_(?P<s>\d{11}[A-Za-z0-9]{35})|secret_(?P<t>[A-Za-z0-9]{43}))\b",
        RAND
    ),
    rule!(
        "figma-token",
        ["figd_"],
        r"\bfigd_(?P<s>[A-Za-z0-9_-]{38,42})",
        RAND
    ),
    rule!(
        "airtable-token",
        [],
        r"\bpat[A-Za-z0-9]{14}\.(?P<s>[0-9a-f]{64})\b",
        RAND,
        Reach::Scan(locate::airtable_head)
    ),
    rule!(
        "hubspot-token",
        ["pat-na1-", "pat-eu1-"],
        r"\bpat-(?:na|eu)\d-(?P<s>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})",
        RAND
    ),
    rule!(
        "postman-key",
        ["pmak-"],
        r"\bPMAK-(?P<s>[0-9a-f]{24}-[0-9a-f]{34})\b",
        RAND
    ),
    rule!(
        "shopify-token",
        ["shpat_", "shpca_", "shppa_", "shpss_"],
        r"\bshp(?:at|ca|pa|ss)_(?P<s>[0-9a-fA-F]{32})\b",
        RAND
    ),
    rule!(
        "sentry-token",
        ["sntryu_", "sntrys_"],
        r"\bsntry[us]_(?P<s>[A-Za-z0-9_=+/.-]{40,})",
        RAND
    ),
    rule!(
        "grafana-token",
        ["glsa_", "glc_", "eyjrijoi"],
        r"\b(?:glsa_(?P<s>[A-Za-z0-9]{32}_[0-9a-f]{8})|glc_(?P<t>[A-Za-z0-9+/]{32,}={0,2})|(?P<u>eyJrIjoi[A-Za-z0-9+/=]{30,}))",
        RAND
    ),
    rule!(
        "newrelic-key",
        ["nrak-", "nrii-", "nrjs-"],
        r"\bNR(?:AK|II|JS)-(?P<s>[A-Za-z0-9]{20,40})\b",
        RAND
    ),
    rule!(
        "dynatrace-token",
        ["dt0c01."],
        r"\bdt0c01\.(?P<s>[A-Z0-9]{24}\.[A-Z0-9]{64})\b",
        RAND
    ),
    rule!(
        "fcm-server-key",
        [":apa91b"],
        r"\bAAAA[A-Za-z0-9_-]{7}:(?P<s>APA91b[A-Za-z0-9_-]{100,})",
        RAND
    ),
    rule!(
        "mapbox-secret-token",
        ["sk.eyj"],
        r"\bsk\.(?P<s>eyJ[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{20,})",
        RAND
    ),
    rule!(
        "cloudinary-url",
        ["cloudinary://"],
        r"cloudinary://\d{15}:(?P<s>[A-Za-z0-9_-]{20,})@",
        RAND
    ),
    // --- Structural secrets
    rule!(
        "putty-private-lines",
        ["private-lines:"],
        r"Private-Lines:\s*\d+(?:\r?\n|\\r?\\n)(?P<s>(?:[A-Za-z0-9+/=]+(?:\r?\n|\\r?\\n))*[A-Za-z0-9+/=]+)",
        Check::Always
    ),
    rule!(
        "putty-private-mac",
        ["private-mac:"],
        r"Private-MAC:\s*(?P<s>[0-9a-f]{40,64})",
        Check::Always
    ),
    rule!(
        "url-password",
        ["://"],
        r"(?i)\b[a-z][a-z0-9+.-]{1,20}://[^\s:/@'<>\x22\\`]*:(?P<s>[^\s@/'<>\x22\\`]{1,256})@[A-Za-z0-9\[]",
        Check::Custom(url_password)
    ),
    rule!(
        "authorization-header",
        ["authorization", "bearer", "basic"],
        r"(?i)\b(?:authorization\\?[\x22']?\s*[:=]\s*\\?[\x22']?\s*)?(?:bearer|basic)\s+(?P<s>[A-Za-z0-9._~+/-]{8,}=*)",
        Check::Custom(auth_header)
    ),
    rule!(
        "netrc-password",
        // `login` begins every match, and is where the regex is tried (`password` is in every match too).
        ["login"],
        r"(?i)\blogin\s+\S+\s+password\s+(?P<s>[^\s'\x22\\]+)",
        Check::Custom(not_placeholder)
    ),
    rule!(
        "pgpass-line",
        // Any port, not only 5432.
        [r":\d\d", r":\d:", ":*:"],
        r"(?m)^[^:\s]+:(?:\d+|\*):[^:\s]+:[^:\s]+:(?P<s>[^\s]{4,})$",
        Check::Custom(pgpass_password)
    ),
    rule!(
        "cli-password-flag",
        [
            "--pass",
            "--token",
            "--api-key",
            "--apikey",
            "--secret",
            "--client-secret",
            "--auth-token",
            "--access-token"
        ],
        r"(?i)--(?:password|passwd|pass|token|api-key|apikey|secret|client-secret|auth-token|access-token)(?:=|\s+)[\x22']?(?P<s>[^\s'\x22\\`]{4,})",
        Check::Custom(not_placeholder)
    ),
    rule!(
        "cli-short-password",
        ["mysql", "redis-cli", "sshpass", "docker login", "curl"],
        // mysql -pX, redis-cli/sshpass -a/-p X, docker login -p X, curl -u/--user NAME:PASSWORD.
        r"\b(?:(?:mysql|mysqldump|mysqladmin)\b[^\n|;]*?\s-p(?P<s>[^\s'\x22\\-][^\s'\x22\\]{3,})|(?:redis-cli|sshpass)\b[^\n|;]*?\s-[ap]\s+(?P<t>[^\s'\x22\\]{4,})|docker\s+login\b[^\n|;]*?\s-p\s+(?P<u>[^\s'\x22\\]{4,})|curl\b[^\n|;]*?\s(?:-u|--user)(?:\s+|=)['\x22]?[^\s:'\x22\\]+:(?P<v>[^\s'\x22\\]{4,}))",
        Check::Custom(not_placeholder)
    ),
    rule!(
        "xml-password",
        ["<password>", "<secret>", "<token>", "<apikey>", "<api_key>"],
        r"(?i)<(?:password|secret|token|apikey|api_key)>(?P<s>[^<\s]{4,})</",
        Check::Custom(not_placeholder)
    ),
    rule!(
        "secret-assignment",
        // Every match begins with one of its key words (`_auth` one byte before `auth`): the regex is tried
        // only where one occurs (they are everywhere in code, but few are followed by `=` or `:`).
        [
            "pass",
            "pwd",
            "secret",
            "token",
            "api",
            "access",
            "auth",
            "private",
            "signing",
            "encryption",
            "master",
            "credential"
        ],
        r#"(?i)(?:password|passwd|passphrase|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|auth[_-]?key|private[_-]?key|signing[_-]?key|encryption[_-]?key|master[_-]?key|credentials?|_auth|auth)\\?["']?\s*(?:=|:=|:|=>)\s*\\?["']?(?P<s>[^\s'`,;&()<>\[\]{}$\x22\\][^\s'`,;&()<>\[\]{}\x22\\]{7,600})"#,
        Check::Generic,
        Reach::AtAnchor(b"_")
    ),
    rule!(
        // No key word and no prefix: a random-looking quoted value assigned to any name, or an unquoted one
        // on an `.env` line. Its own gate ([`random_assigned_value`]) keeps ids, hashes and words; a fallback,
        // so that a prefixed token it also covers keeps the prefix its own rule leaves.
        fallback "high-entropy-value",
        r#"(?:(?:^|[^A-Za-z0-9_.-])[A-Za-z_][A-Za-z0-9_.-]{0,63}\\?["']?[ \t]{0,8}(?:=|:=|:|=>)[ \t]{0,8}\\?["']|(?:^|\n|\\n)(?:export[ \t]{1,8})?[A-Z][A-Z0-9_]{0,63}=)(?P<s>[A-Za-z0-9+/_-]{32,}={0,2})(?:\\?["']|[\s,;]|\\[nrt]|$)"#,
        Check::Custom(random_assigned_value),
        Reach::Within(random_quoted_values)
    ),
    rule!(
        "django-secret-key",
        ["django-insecure-"],
        r"django-insecure-(?P<s>[^\s'\x22\\]{30,})",
        Check::Always
    ),
    rule!(
        "rails-secret-key-base",
        ["secret_key_base"],
        r"(?i)secret_key_base\W{1,6}(?P<s>[0-9a-f]{64,})",
        Check::Always
    ),
    rule!(
        "laravel-app-key",
        ["app_key"],
        r"APP_KEY\s*=\s*[\x22']?base64:(?P<s>[A-Za-z0-9+/=]{32,})",
        Check::Always
    ),
    rule!(
        "wordpress-salt",
        ["define"],
        r"define\(\s*'(?:AUTH|SECURE_AUTH|LOGGED_IN|NONCE)_(?:KEY|SALT)'\s*,\s*'(?P<s>[^']{20,})'",
        Check::Custom(not_placeholder)
    ),
    rule!(
        "password-hash",
        ["$2a$", "$2b$", "$2y$", "$argon2", "$6$", "$5$", "$1$", "$apr1$"],
        r"(?P<s>\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}|\$argon2(?:id|i|d)\$v=\d+\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+|\$[56]\$(?:rounds=\d+\$)?[./A-Za-z0-9]{1,16}\$[./A-Za-z0-9]{43,86}|\$(?:1|apr1)\$[./A-Za-z0-9]{1,8}\$[./A-Za-z0-9]{22})",
        Check::Always
    ),
];
