//! Rule tests with synthetic values (valid shapes and checksums, generated here) and the hard negatives
//! the scrubber must leave alone.

use super::gates::{base62_6, crc32};
use super::key::PseudonymKey;
use super::options::ScrubOptions;
use super::paths::Learned;
use super::pii;
use super::Scrubber;

/// A small deterministic generator, so test values are random-looking but reproducible.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick(&mut self, alphabet: &str, n: usize) -> String {
        let a = alphabet.as_bytes();
        (0..n)
            .map(|_| a[(self.next() % a.len() as u64) as usize] as char)
            .collect()
    }
}

const AN: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const B64U: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
const B64: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const HEX: &str = "0123456789abcdef";
const UP: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const LN: &str = "abcdefghijklmnopqrstuvwxyz0123456789";

fn scrubber() -> Scrubber {
    Scrubber::new(
        &ScrubOptions::default(),
        PseudonymKey::from_bytes([9; 32]),
        None,
    )
    .unwrap()
}

fn scrub_with(s: &Scrubber, text: &str) -> String {
    let mut learned = Learned::default();
    let mut paths = Vec::new();
    s.paths
        .scan(text, false, &s.key, Some(&mut learned), &mut paths);
    let names = s.names_for(&learned);
    s.scrub_text(text, names.as_deref())
        .text
        .unwrap_or_else(|| text.to_string())
}

fn scrub(text: &str) -> String {
    scrub_with(&scrubber(), text)
}

/// No 12-character piece of `secret` may survive in `out`.
fn assert_gone(secret: &str, out: &str) {
    // A provider's public prefix may stay (`sk-ant-api03-<REDACTED>`); the random part may not.
    let public = [
        "sk-ant-api03-",
        "sk-ant-admin01-",
        "https://hooks.slack.com/services/",
        "github_pat_",
    ];
    let secret = public
        .iter()
        .find_map(|p| secret.strip_prefix(p))
        .unwrap_or(secret);
    let chars: Vec<char> = secret.chars().collect();
    for w in chars.windows(12) {
        let piece: String = w.iter().collect();
        assert!(
            !out.contains(&piece),
            "piece {piece:?} of {secret:?} survived in {out:?}"
        );
    }
}

fn github_like(prefix: &str, g: &mut Gen) -> String {
    let body = g.pick(AN, 30);
    format!("{prefix}{body}{}", base62_6(crc32(body.as_bytes())))
}

/// One generated value of every credential shape (valid prefix, length and checksum).
pub(super) fn samples() -> Vec<(&'static str, String)> {
    let g = &mut Gen(0x9E37_79B9_7F4A_7C15);
    vec![
        ("github classic", github_like("ghp_", g)),
        ("github oauth", github_like("gho_", g)),
        ("github app", github_like("ghs_", g)),
        (
            "github fine-grained",
            format!("github_pat_{}_{}", g.pick(AN, 22), g.pick(AN, 59)),
        ),
        ("gitlab", format!("glpat-{}", g.pick(B64U, 20))),
        ("gitlab runner", format!("glrt-{}", g.pick(B64U, 20))),
        ("npm", github_like("npm_", g)),
        ("pypi", format!("pypi-AgEIcHlwaS5vcmc{}", g.pick(B64U, 70))),
        ("rubygems", format!("rubygems_{}", g.pick(HEX, 48))),
        ("docker hub", format!("dckr_pat_{}", g.pick(B64U, 27))),
        ("atlassian", format!("ATATT3{}", g.pick(B64U, 186))),
        ("pulumi", format!("pul-{}", g.pick(HEX, 40))),
        ("aws key id", format!("AKIA{}", g.pick(UP, 16))),
        (
            "aws session",
            format!("IQoJb3JpZ2luX2Vj{}", g.pick(B64, 300)),
        ),
        ("google api", format!("AIza{}", g.pick(B64U, 35))),
        (
            "google oauth secret",
            format!("GOCSPX-{}", g.pick(B64U, 28)),
        ),
        ("google access", format!("ya29.{}", g.pick(B64U, 120))),
        (
            "azure ad",
            format!("{}8Q~{}", g.pick(AN, 3), g.pick(AN, 34)),
        ),
        ("alibaba", format!("LTAI{}", g.pick(AN, 20))),
        ("digitalocean", format!("dop_v1_{}", g.pick(HEX, 64))),
        ("heroku", format!("HRKU-AA{}", g.pick(B64U, 58))),
        ("vault", format!("hvs.{}", g.pick(B64U, 95))),
        ("doppler", format!("dp.pt.{}", g.pick(AN, 43))),
        (
            "age",
            format!(
                "AGE-SECRET-KEY-1{}",
                g.pick("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 58)
            ),
        ),
        (
            "openai project",
            format!("sk-proj-{}T3BlbkFJ{}", g.pick(B64U, 58), g.pick(B64U, 58)),
        ),
        (
            "openai legacy",
            format!("sk-{}T3BlbkFJ{}", g.pick(AN, 20), g.pick(AN, 20)),
        ),
        ("anthropic", format!("sk-ant-api03-{}AA", g.pick(B64U, 93))),
        (
            "anthropic admin",
            format!("sk-ant-admin01-{}AA", g.pick(B64U, 93)),
        ),
        (
            "huggingface",
            format!(
                "hf_{}",
                g.pick("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", 34)
            ),
        ),
        ("groq", format!("gsk_{}", g.pick(AN, 52))),
        ("xai", format!("xai-{}", g.pick(AN, 80))),
        ("openrouter", format!("sk-or-v1-{}", g.pick(HEX, 64))),
        ("replicate", format!("r8_{}", g.pick(AN, 37))),
        ("deepseek", format!("sk-{}", g.pick(HEX, 32))),
        (
            "langsmith",
            format!("lsv2_pt_{}_{}", g.pick(HEX, 32), g.pick(HEX, 10)),
        ),
        (
            "slack bot",
            format!(
                "xoxb-{}-{}-{}",
                g.pick("0123456789", 12),
                g.pick("0123456789", 13),
                g.pick(AN, 24)
            ),
        ),
        (
            "slack webhook",
            format!(
                "https://hooks.slack.com/services/T{}/B{}/{}",
                g.pick(UP, 8),
                g.pick(UP, 8),
                g.pick(AN, 24)
            ),
        ),
        (
            "jwt",
            format!(
                "eyJhbGciOiJIUzI1NiJ9.eyJ{}.{}",
                g.pick(B64U, 40),
                g.pick(B64U, 43)
            ),
        ),
        (
            "telegram",
            format!("{}:AA{}", g.pick("0123456789", 10), g.pick(B64U, 33)),
        ),
        ("stripe", format!("sk_live_{}", g.pick(AN, 24))),
        (
            "sendgrid",
            format!("SG.{}.{}", g.pick(B64U, 22), g.pick(B64U, 43)),
        ),
        ("mailgun", format!("key-{}", g.pick(HEX, 32))),
        ("twilio", format!("SK{}", g.pick(HEX, 32))),
        ("linear", format!("lin_api_{}", g.pick(AN, 40))),
        ("shopify", format!("shpat_{}", g.pick(HEX, 32))),
        (
            "new relic",
            format!(
                "NRAK-{}",
                g.pick("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 27)
            ),
        ),
        ("sentry", format!("sntryu_{}", g.pick(HEX, 64))),
        ("databricks", format!("dapi{}", g.pick(HEX, 32))),
        ("cerebras", format!("csk-{}", g.pick(LN, 48))),
        (
            "bcrypt",
            format!(
                "$2b$12${}",
                g.pick(
                    "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
                    53
                )
            ),
        ),
    ]
}

#[test]
fn every_provider_token_is_redacted_with_nothing_left() {
    let s = scrubber();
    for (what, token) in samples() {
        for text in [
            format!("export X={token}"),
            format!("{{\"v\": \"{token}\"}}"),
            format!("see {token}\\nnext"),
        ] {
            let out = scrub_with(&s, &text);
            assert!(out.contains("<REDACTED>"), "{what}: {out}");
            assert_gone(&token, &out);
        }
    }
}

#[test]
fn github_checksum_generator_matches_the_gate() {
    let g = &mut Gen(3);
    let t = github_like("ghp_", g);
    assert!(super::gates::github_checksum_ok(&t[4..]));
}

#[test]
fn structural_secrets() {
    let g = &mut Gen(11);
    let pw = format!("{}!{}", g.pick(AN, 10), g.pick(AN, 4));
    let aws_secret = g.pick(B64, 40);
    for text in [
        format!("postgres://app:{pw}@db.prod:5432/shop"),
        format!("redis://:{pw}@cache:6379"),
        format!("https://alice:{pw}@github.com/alice/x.git"),
        format!("DB_PASSWORD={pw}"),
        format!("\"client_secret\": \"{pw}\""),
        format!("password: {pw}"),
        format!("mysql -u root -p{pw} shop"),
        format!("curl --password {pw} x"),
        format!("curl -u bob:{pw} https://api.acme.io"),
        format!("curl --user='bob:{pw}' -X POST x"),
        format!("<password>{pw}</password>"),
        format!("machine api.example.com login bob password {pw}"),
        format!("db.internal:5432:shop:app:{pw}"),
        format!("cat ~/.pgpass\ndb7.example.net:6432:shop:app:{pw}"),
        format!("awsSecret: {aws_secret}"),
        format!("curl -H 'Authorization: Bearer {aws_secret}'"),
        format!("Server=x;Database=y;User Id=z;Password={pw};"),
        format!("aws_secret_access_key = {aws_secret}"),
        format!("AKIAQZ7WN3FAKE5X2PLM\\n{aws_secret}"),
        format!("{{\\\"token\\\": \\\"{pw}\\\"}}"),
    ] {
        let out = scrub(&text);
        let secret = if text.contains(&aws_secret) {
            &aws_secret
        } else {
            &pw
        };
        assert!(!out.contains(secret.as_str()), "{text} -> {out}");
    }
}

#[test]
fn private_keys_and_gcp_service_accounts() {
    let g = &mut Gen(5);
    let body: Vec<String> = (0..6).map(|_| g.pick(B64, 64)).collect();
    let pem = format!(
        "-----BEGIN RSA PRIVATE KEY-----\nMIIE{}\n-----END RSA PRIVATE KEY-----",
        body.join("\n")
    );
    let out = scrub(&format!("cat id_rsa\n{pem}\ndone"));
    assert_eq!(out, "cat id_rsa\n<REDACTED PRIVATE KEY>\ndone");
    let sa = format!(
        r#"{{"type": "service_account", "private_key_id": "{}", "private_key": "-----BEGIN PRIVATE KEY-----\nMIIEv{}\n-----END PRIVATE KEY-----\n"}}"#,
        g.pick(HEX, 40),
        body.join("\\n")
    );
    let out = scrub(&sa);
    for piece in &body {
        assert_gone(piece, &out);
    }
    assert!(out.contains("\"type\": \"service_account\""));
}

#[test]
fn placeholders_and_documentation_keys_stay() {
    for text in [
        "export OPENAI_API_KEY=YOUR_API_KEY",
        "set it to sk-... and sk-ant-... as shown",
        "AKIAIOSFODNN7EXAMPLE",
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "token: ${GITHUB_TOKEN}",
        "password: {{ secrets.DB_PASSWORD }}",
        "api_key = os.environ['API_KEY']",
        "GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "password = changeme",
        "let token = generateAccessToken(user);",
        "max_tokens: 4096, total_tokens: 123456789",
        "tokenizer = \"cl100k_base\"",
        "self.password = password",
    ] {
        assert_eq!(scrub(text), text);
    }
}

#[test]
fn high_entropy_non_secrets_stay() {
    for text in [
        "commit 3f786850e387550fdab836ed7e6dc881de23001b\nMerge: 1a2b3c4 5d6e7f8",
        "\"parentUuid\":\"0b6c0f6e-6d54-4d5b-9f3b-0c1d2e3f4a5b\",\"sessionId\":\"8c3f2a1e-1111-4bbb-9ccc-123456789abc\"",
        "toolu_01A2b3C4d5E6f7G8h9I0jK msg_01XyZabc123 req_011CQabc chatcmpl-9abcDEF123 call_abc123XYZ",
        "integrity sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg==",
        "FROM node@sha256:2e4c6e0bf4d5b6f9c3a3ccf4f4e1c5b0c7c4d0e5a1f9b8c7d6e5f4a3b2c1d0e9f",
        "golang.org/x/text v0.3.7 h1:olpwvP2KacW1ZWvsR7uQhoyTYvKAupfQrRGBFM352Gk=",
        "aGVsbG8gd29ybGQsIHRoaXMgaXMgb3JkaW5hcnkgdGV4dA==",
        "version 1.2.3, build 10.0.19045.3930, OID 1.2.840.113549.1.1.1",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl alice-laptop",
        "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBa\n-----END CERTIFICATE-----",
        "color: #ff00ff; ptr 0x7fff5fbff8a8",
        "listen on 10.0.0.12, 192.168.1.20, 172.16.5.4, 127.0.0.1, 0.0.0.0, ::1, fe80::1",
        "mail you@example.com or user@example.org",
        "npm i @scope/pkg@1.2.3 lodash@4.17.21; @decorator",
        "img data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
        "Claude Shannon built -O3 binaries with llama.cpp under ollama while the mistral blew",
        "timestamps 1714567890123, pid 48213, port 8080, issue #12345",
        "order ORD-415-555-0132, v415.555.0132, 10.192.168.1000.4, ranges 415-555-0132-9 and 415-555-0132:80",
        "lockfile: checksum = \"5f2e3c4b6a8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f\"",
    ] {
        assert_eq!(scrub(text), text);
    }
}

/// A random value assigned to a name that says nothing (`SIGNING = "…"`): quoted, in JSON (also escaped), on
/// an `.env` line; a prefixed token there keeps its prefix (its own rule comes first).
#[test]
fn random_values_under_any_name_are_redacted() {
    let g = &mut Gen(23);
    for _ in 0..20 {
        let cases = [
            (format!("config.py:9:SIGNING = \"{}\"", g.pick(AN, 44)), 44),
            (
                format!("{{\"client\": \"{}\", \"n\": 1}}", g.pick(AN, 40)),
                40,
            ),
            (
                format!("{{\\\"webhook\\\": \\\"{}\\\"}}", g.pick(B64U, 43)),
                43,
            ),
            (format!("STRIPE={}\nDEBUG=1", g.pick(AN, 32)), 32),
            (format!("cat .env\nexport HMAC={}\n", g.pick(B64, 40)), 40),
            (format!("otp_seed: '{}'", g.pick(UP, 32)), 32),
            (format!("session => \"{}==\"", g.pick(B64, 42)), 42),
        ];
        for (text, len) in cases {
            let value = text
                .split(['"', '\'', '=', '\\'])
                .find(|p| p.len() >= len)
                .unwrap()
                .to_string();
            let out = scrub(&text);
            assert_gone(&value, &out);
            assert!(out.contains("<REDACTED>"), "{text} -> {out}");
        }
    }
    let tok = github_like("ghp_", g);
    let out = scrub(&format!("cat .env\nDEPLOY={tok}\n"));
    assert_eq!(out, "cat .env\nDEPLOY=ghp_<REDACTED>\n");
}

/// `quoted_values`' windows hold every match of `high-entropy-value`: what its pattern allows before the
/// value fits in [`QUOTED_BEFORE`] bytes, its `=` padding and what ends it in [`QUOTED_AFTER`].
#[test]
fn quoted_value_windows_fit_the_pattern() {
    use super::locate::{QUOTED_AFTER, QUOTED_BEFORE};
    use regex_syntax::hir::{Hir, HirKind};
    let rule = super::secrets::RULES
        .iter()
        .find(|r| r.id == "high-entropy-value")
        .unwrap();
    let hir = super::rules::parse(rule.pattern).unwrap();
    let HirKind::Concat(items) = hir.kind() else {
        panic!("{hir:?}")
    };
    let at = items
        .iter()
        .position(|h| matches!(h.kind(), HirKind::Capture(_)))
        .unwrap();
    let longest = |h: &[Hir]| Hir::concat(h.to_vec()).properties().maximum_len().unwrap();
    assert_eq!(longest(&items[..at]), QUOTED_BEFORE);
    // The value's run is at most `QUOTED_LONGEST` bytes (the gate and the scan drop longer ones); after it,
    // its padding.
    let HirKind::Capture(value) = items[at].kind() else {
        unreachable!()
    };
    let HirKind::Concat(value) = value.sub.kind() else {
        panic!("{value:?}")
    };
    let padding = longest(&value[1..]);
    assert_eq!(padding + longest(&items[at + 1..]), QUOTED_AFTER);
}

/// What the rule above must leave: values under names for ids, hashes and signatures, paths and slugs with
/// UUIDs, identifiers, base64 of text or of an image, made-up counting runs, short values, long blobs, hex.
#[test]
fn random_looking_values_that_are_not_keys_stay() {
    let g = &mut Gen(29);
    let texts = [
        format!("\"integrity\": \"sha512-{}==\"", g.pick(B64, 86)),
        format!("\"parentUuid\": \"{}\"", g.pick(AN, 40)),
        format!("{{\"requestId\": \"{}\", \"tool_use_id\": \"{}\"}}", g.pick(AN, 36), g.pick(AN, 36)),
        format!("\"signature\": \"{}\"", g.pick(B64, 64)),
        format!("contenthash: '{}'", g.pick(AN, 40)),
        format!("ETAG=\"{}\"", g.pick(AN, 40)),
        "\"node_id\": \"MDY6Q29tbWl0MTIzNDU2Nzg5OmFiY2RlZg==\"".to_string(),
        "\"cwd\": \"/tmp/c41d0b7e-92a6-4f13-a8e5-0d6b1f2c9e7a-agent-runner\"".to_string(),
        "name = \"getUserAccountSettings2FromServerCache\"".to_string(),
        // Names from real code (AWS SDK data): JSON pointers, policy ids, a policy name with a version.
        "{\"op\": \"add\", \"path\": \"/definitions/AWSServiceName/maxLength\"}".to_string(),
        "\"Sid\":\"AllowCreateTGWVpcAttachmentSameOrg\"".to_string(),
        "\"name\": \"ELBSecurityPolicy-TLS13-1-3-2021-06\"".to_string(),
        "const KEY = \"AbstractSingletonProxyFactoryBean2\"".to_string(),
        "payload = \"eyJ1c2VyIjoiYm9iIiwicm9sZSI6ImFkbWluIiwibiI6MX0=\"".to_string(),
        "\"data\": \"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==\"".to_string(),
        "API = \"gfake0123456789abcdefABCDEF012345\"".to_string(),
        format!("short = \"{}\"", g.pick(AN, 24)),
        format!("blob = \"{}\"", g.pick(AN, 300)),
        format!("MASK = \"{}\"", g.pick("0123456789ABCDEF", 40)),
        format!("FILE = \"{}.tar.gz\"", g.pick(AN, 40)),
    ];
    for text in texts {
        assert_eq!(scrub(&text), text);
    }
}

/// A Windows home folder named after its owner, as a path and as an editor's `file://` URI.
#[test]
fn a_home_folder_with_a_full_name_goes_whole() {
    for text in [
        "C:\\Users\\Bobby Smith\\Documents\\main.py failed",
        "open file:///c%3A/Users/Bobby%20Smith/proj/main.py",
    ] {
        let out = scrub(text);
        assert!(
            !out.contains("Smith") && !out.contains("Bobby"),
            "{text} -> {out}"
        );
        assert!(out.contains("<name>"), "{out}");
    }
}

#[test]
fn emails_ips_phones_hosts_names() {
    for (text, want) in [
        (
            "write to alice.smith@gmail.com today",
            "write to <email> today",
        ),
        ("12345+alice@users.noreply.github.com", "<email>"),
        ("alice.smith@example.com", "<email>"),
        ("git@github.com:org/repo", "git@github.com:org/repo"),
        (
            "ping 8.8.8.8 and 2606:4700:4700::1111",
            "ping <ip> and <ip>",
        ),
        ("call +1 415 555 0132 now", "call <phone> now"),
        ("call (415) 555-0132", "call <phone>"),
        (
            "mongodb+srv://bob:Pa55w0rdXq7Zk@cluster0.ab1cd.mongodb.net/test",
            "mongodb+srv://bob:<REDACTED>@cluster0.ab1cd.mongodb.net/test",
        ),
        (
            "Call me at 415-555-0132 or (415) 555-0199.",
            "Call me at <phone> or <phone>.",
        ),
        ("fax: 415.555.0132", "fax: <phone>"),
        ("card 4539 1488 0343 6467", "card <card>"),
        ("IBAN GB82 WEST 1234 5698 7654 32", "IBAN <iban>"),
        (
            "connect to db1.corp.internal failed",
            "connect to <host> failed",
        ),
        ("ip-10-0-1-23.ec2.internal", "<host>"),
        ("host DESKTOP-AB12CD3 up", "host <host> up"),
        (
            "Signed-off-by: Alice Smith <alice@corp.io>",
            "Signed-off-by: <name> <<email>>",
        ),
        (
            "git config user.name \"Alice Smith\"",
            "git config user.name \"<name>\"",
        ),
        (
            "read settings.local.json and .env.local",
            "read settings.local.json and .env.local",
        ),
    ] {
        assert_eq!(scrub(text), want, "{text}");
    }
}

#[test]
fn models_and_provider_phrases() {
    for (text, want) in [
        ("model claude-3-5-sonnet-20241022 then claude-sonnet-4-5-20250929", "model <model-anthropic> then <model-anthropic>"),
        ("claude-sonnet-4-20250514 and claude-3-7-sonnet-20250219", "<model-anthropic> and <model-anthropic>"),
        ("anthropic.claude-3-haiku-20240307-v1:0", "<model-anthropic>"),
        ("Claude 3.5 Sonnet vs GPT-4o", "<model-anthropic> vs <model-openai>"),
        ("gpt-4o-2024-08-06, gpt-5-codex, o3-mini, gpt-oss-120b", "<model-openai>, <model-openai>, <model-openai>, <model-openai>"),
        ("copilot/gpt-4o and openai/gpt-4o-2024-08-06", "copilot/<model-openai> and openai/<model-openai>"),
        ("gemini-2.5-pro and gemma-2-9b-it", "<model-google> and <model-google>"),
        ("llama3.1:8b, Llama-3-70b-instruct", "<model-meta>, <model-meta>"),
        ("mixtral-8x7b and qwen2.5-coder-32b-instruct", "<model-mistral> and <model-qwen>"),
        ("deepseek-r1 grok-2 command-r-plus", "<model-deepseek> <model-xai> <model-cohere>"),
        ("I am Qwen, created by Alibaba Cloud. I am a helpful assistant.", "I am an AI assistant"),
        ("As an AI language model developed by OpenAI, I", "As an AI assistant, I"),
        ("🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\nCo-Authored-By: Claude <noreply@anthropic.com>", "\n\n"),
        ("Gemini CLI and Qwen Code and claude-code are agents", "Gemini CLI and Qwen Code and claude-code are agents"),
    ] {
        assert_eq!(scrub(text), want, "{text}");
    }
    let s = scrubber();
    assert_eq!(s.model_label("sonnet"), Some("<model-anthropic>"));
    assert_eq!(s.model_label("my-finetune-v2"), Some("<model-other>"));
    assert_eq!(s.model_label("auto"), None);
    assert_eq!(s.model_label("<model-openai>"), None);
}

#[test]
fn learned_logins_and_configured_names_go_everywhere() {
    let key = PseudonymKey::from_bytes([9; 32]);
    let p = key.user_pseudonym("alice");
    let text = "cwd /home/alice/work; bucket alice-private-backups; Alice said hi; malice stays";
    assert_eq!(
        scrub(text),
        format!("cwd /home/{p}/work; bucket {p}-private-backups; {p} said hi; malice stays")
    );
    let opts = ScrubOptions {
        redact_usernames: vec!["bob".into()],
        redact: vec!["secret-project".into()],
        ..ScrubOptions::default()
    };
    let s = Scrubber::new(&opts, key.clone(), None).unwrap();
    assert_eq!(
        scrub_with(&s, "bob works on secret-project"),
        format!("{} works on <redacted>", key.user_pseudonym("bob"))
    );
}

#[test]
fn scrubbing_is_idempotent() {
    let mut text = String::from(
        "cwd /home/alice/work\nalice@box:~/work$ ssh deploy@db1.corp.internal\nmail alice.smith@gmail.com\n\
         Author: Alice Smith <alice@corp.io>\nI'm Claude, made by Anthropic. model gpt-4o\npa\u{200B}ss \u{00A0}x\n\
         https://alice-smith:hunter2hunter2@github.com/alice-smith/shop.git 8.8.8.8 +44 20 7946 0958\n",
    );
    for (_, t) in samples() {
        text.push_str(&t);
        text.push('\n');
    }
    let once = scrub(&text);
    assert_eq!(scrub(&once), once);
}

#[test]
fn rules_compile_fast() {
    let t = std::time::Instant::now();
    let s = scrubber();
    assert!(s.rule_count() > 120, "{}", s.rule_count());
    // Generous bound for an unoptimised test build; release builds take a fraction of this.
    assert!(t.elapsed().as_secs_f64() < 5.0, "{:?}", t.elapsed());
}

#[test]
fn a_longer_name_wins_and_a_shorter_one_still_matches_where_the_longer_fails() {
    let key = PseudonymKey::from_bytes([9; 32]);
    let (alice, smith) = (
        key.user_pseudonym("alice"),
        key.user_pseudonym("alice-smith"),
    );
    let opts = ScrubOptions {
        redact_usernames: vec!["alice".into(), "alice-smith".into()],
        ..ScrubOptions::default()
    };
    let s = Scrubber::new(&opts, key.clone(), None).unwrap();
    // The longest configured name goes whole: no surname left behind.
    assert_eq!(
        scrub_with(&s, "owner alice-smith, login alice"),
        format!("owner {smith}, login {alice}")
    );
    // `alice-smith` fails its word test here (`alice-smitheckout`); `alice` at the same place does not.
    assert_eq!(
        scrub_with(&s, "github.com/alice-smitheckout-rounding"),
        format!("github.com/{alice}-smitheckout-rounding")
    );
}

#[test]
fn gh_repo_owners_go_whole() {
    let key = PseudonymKey::from_bytes([9; 32]);
    let smith = key.user_pseudonym("alice-smith");
    let opts = ScrubOptions {
        redact_usernames: vec!["alice".into()],
        ..ScrubOptions::default()
    };
    let s = Scrubber::new(&opts, key.clone(), None).unwrap();
    for (input, want) in [
        (
            "gh pr list --repo alice-smith/shop --state open",
            format!("gh pr list --repo {smith}/shop --state open"),
        ),
        (
            "gh issue view 12 --repo=alice-smith/shop",
            format!("gh issue view 12 --repo={smith}/shop"),
        ),
        (
            "gh pr checks 7 -R alice-smith/shop",
            format!("gh pr checks 7 -R {smith}/shop"),
        ),
        (
            "gh repo clone alice-smith/shop",
            format!("gh repo clone {smith}/shop"),
        ),
        (
            "gh api repos/alice-smith/shop/pulls",
            format!("gh api repos/{smith}/shop/pulls"),
        ),
        (
            "gh repo view --repo github.com/alice-smith/shop",
            format!("gh repo view --repo github.com/{smith}/shop"),
        ),
    ] {
        let once = scrub_with(&s, input);
        assert_eq!(once, want, "{input}");
        assert_eq!(scrub_with(&s, &once), once, "{input}");
    }
    // Without a github-ish command a path stays a path.
    assert_eq!(scrub_with(&s, "ls src/lib -R x"), "ls src/lib -R x");
}

/// A fuzzer input replayed as the scrubber target runs it: the whole input as one message of a session,
/// scrubbed twice. Returns the first pass's text and the second's.
fn replay_fuzz_input(data: &[u8]) -> (String, String) {
    use super::Mode;
    use crate::schema::{Message, Meta, Role, Session};
    let opts = ScrubOptions {
        redact_usernames: vec!["alice".into()],
        redact: vec!["Acme Corp".into()],
        ..ScrubOptions::default()
    };
    let s = Scrubber::new(&opts, PseudonymKey::from_bytes([3; 32]), None).unwrap();
    let mut session = Session::new(Meta::new("codex", "fuzz"));
    session
        .messages
        .push(Message::new(0, Role::User, String::from_utf8_lossy(data)));
    s.scrub_session(&mut session, Mode::Scrub, false);
    let once = session.messages[0].content.clone();
    s.scrub_session(&mut session, Mode::Scrub, false);
    (once, session.messages[0].content.clone())
}

/// fuzz/regressions/scrubber-idempotence-github-url-login: a configured login inside a GitHub URL.
#[test]
fn fuzz_regression_configured_login_in_a_github_url_is_idempotent() {
    let (once, twice) = replay_fuzz_input(include_bytes!(
        "../../../fuzz/regressions/scrubber-idempotence-github-url-login"
    ));
    assert!(!once.contains("alice"), "{once}");
    assert_eq!(twice, once);
}

/// fuzz/regressions/scrubber-panic-match-inside-a-character: a rule's whole match ended inside a U+FFFD and
/// its gate sliced the text there, a panic that would have stopped cc-scrub.
#[test]
fn fuzz_regression_a_match_ending_inside_a_character_does_not_panic() {
    let (once, twice) = replay_fuzz_input(include_bytes!(
        "../../../fuzz/regressions/scrubber-panic-match-inside-a-character"
    ));
    assert!(
        !once.contains("ghp_oAUI4QXq8RWKX944PVubnyR8F35eEix0ZgMu"),
        "{once}"
    );
    assert_eq!(twice, once);
}

/// fuzz/regressions/scrubber-idempotence-home-path-before-garbage: a home path whose owner is followed by a
/// long run of U+FFFD and odd characters.
#[test]
fn fuzz_regression_a_home_path_before_garbage_loses_its_owner() {
    let (once, twice) = replay_fuzz_input(include_bytes!(
        "../../../fuzz/regressions/scrubber-idempotence-home-path-before-garbage"
    ));
    assert!(!once.contains("alanbajan"), "{once}");
    assert_eq!(twice, once);
}

/// fuzz/regressions/scrubber-panic-user-prefix-before-a-wide-character: `user_` then a multi-byte character
/// within 13 bytes in a secret candidate; the placeholder test sliced inside it.
#[test]
fn fuzz_regression_a_user_prefix_before_a_wide_character_does_not_panic() {
    let (once, twice) = replay_fuzz_input(include_bytes!(
        "../../../fuzz/regressions/scrubber-panic-user-prefix-before-a-wide-character"
    ));
    assert_eq!(twice, once);
    assert!(!scrub("password=user_1234567\u{e9}xyz").contains("1234567"));
}

/// fuzz/regressions/scrubber-email-glued-to-a-token-kept: an address right after a token (`ghp_…​.bob@…`).
#[test]
fn fuzz_regression_an_email_glued_to_a_token_goes_on_the_first_pass() {
    let (once, twice) = replay_fuzz_input(include_bytes!(
        "../../../fuzz/regressions/scrubber-email-glued-to-a-token-kept"
    ));
    assert!(!once.contains("liddell"), "{once}");
    assert_eq!(twice, once);
    let out = scrub("ghp_FAKEfake0246913578abcdefABCDEF012345ce.bob@corp.io");
    assert!(!out.contains("bob"), "{out}");
}

/// fuzz/regressions/scrubber-idempotence/: every input on which a second pass once changed the first
/// pass's output (found by the fuzzer, fixed by the changes the tests below show one at a time).
#[test]
fn fuzz_regressions_scrubber_idempotence_replay() {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fuzz/regressions/scrubber-idempotence"
    );
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let (once, twice) = replay_fuzz_input(&std::fs::read(&path).unwrap());
        assert_eq!(twice, once, "{}", path.display());
        n += 1;
    }
    assert!(n >= 25, "{n} inputs in {dir}");
}

/// `scrub` twice with one scrubber: the first pass's output, asserting the second changes nothing.
fn scrub_stable(text: &str) -> String {
    let s = scrubber();
    let once = scrub_with(&s, text);
    assert_eq!(scrub_with(&s, &once), once, "second pass over {text:?}");
    once
}

#[test]
fn an_address_is_judged_by_the_word_it_starts_in() {
    let mut g = Gen(21);
    let token = github_like("ghp_", &mut g);
    // A token glued before it: the next pass sees `ghp_<REDACTED>.l@…` and must judge `l@…` as this one did.
    for text in [
        format!("/{token}.lee@corp.io"),
        format!("x {token}%lee@corp.io"),
        format!("https://{token}.lee@git.corp.io/x"),
        "/gpt-4-lee@corp.io".to_string(),
    ] {
        let out = scrub_stable(&text);
        assert!(!out.contains(&token[4..]), "{out}");
    }
    // After a slash an address is still one (an archive path, a URL path); a package version is not.
    assert_eq!(
        scrub_stable("see /archive/bob.lee@corp.io/inbox"),
        "see /archive/<email>/inbox"
    );
    let npm = "npm i @scope/pkg@1.2.3 @types/node@20.1.0 bootstrap@5.3.0/dist";
    assert_eq!(scrub_stable(npm), npm);
    // URL userinfo stays an account, not an address.
    assert!(!scrub_stable("https://deploy@git.corp.io/x").contains("<email>"));
}

#[test]
fn an_address_whose_last_label_is_no_domain_is_cut_back_to_one() {
    assert_eq!(
        scrub_stable("mail bob@corp.io.claude-3 now"),
        "mail <email>.<model-anthropic> now"
    );
    assert_eq!(
        scrub_stable("wrote bob@corp.com.json"),
        "wrote <email>.json"
    );
    // No label is a domain: not an address at all.
    let code = "obj@self.value.items and pkg@v2.next.lookup";
    assert_eq!(scrub_stable(code), code);
}

#[test]
fn every_target_of_an_ssh_command_goes() {
    let out = scrub_stable("rsync -az deploy@build7.corp:/srv bkp@vault9.corp:/bak");
    assert!(!out.contains("build7") && !out.contains("vault9"), "{out}");
    assert!(!out.contains("deploy") && !out.contains("bkp@"), "{out}");
    // A target after the command's end is no ssh target.
    let out = scrub_stable("ssh ops@db4.corp; echo x@y");
    assert!(out.ends_with("echo x@y"), "{out}");
}

#[test]
fn addresses_sharing_a_label_each_teach_their_name() {
    // `ex.min@e.cs` begins inside `ice.sm@ex.min`: both teach a name on the first pass.
    for text in [
        "ice.sm@ex.min@e.cs",
        "ce.ith@le.cth@e.co",
        "rsync l@le.mth@e.co",
    ] {
        scrub_stable(text);
    }
    let out = scrub_stable("from rosa.parks@mail.corp.io@relay.io; cc rosa and parks");
    assert!(!out.contains("rosa") && !out.contains("parks"), "{out}");
}

#[test]
fn a_login_holds_a_letter_or_digit() {
    let out = scrub_stable("/home/\u{fffd}/x and \u{fffd}\u{fffd} elsewhere");
    assert!(out.ends_with("and \u{fffd}\u{fffd} elsewhere"), "{out}");
}

#[test]
fn an_aws_secret_goes_wherever_its_key_id_came_before_in_the_string() {
    let mut g = Gen(5);
    let id = format!("AKIA{}", g.pick(UP, 16));
    let secret = loop {
        let s = g.pick(B64, 40);
        if s.bytes().any(|b| b.is_ascii_digit()) {
            break s;
        }
    };
    let filler = "\u{fffd}".repeat(200);
    let text = format!("id {id}\n{filler}\n{secret}\n{filler}\n{secret}");
    let out = scrub_stable(&text);
    assert_gone(&secret, &out);
    // Without an AWS word before it, a 40-character token is left to the other rules.
    let alone = format!("{secret} then {id}");
    assert!(scrub_stable(&alone).contains(&secret));
}

#[test]
fn an_assignment_value_is_judged_before_an_address_in_it() {
    // The next pass sees `TOKEN=hp_FAKE\x01<email>`: this one judges the same `hp_FAKE\x01`.
    let out = scrub_stable("TOKEN=hp_FAKE\u{1}3@corp.om.");
    assert_eq!(out, "TOKEN=<REDACTED><email>.");
    // An address as the whole value is the e-mail rule's.
    assert_eq!(scrub_stable("TOKEN=bob@corp.io"), "TOKEN=<email>");
    // A password with a pipe in it goes whole.
    assert_eq!(
        scrub_stable("DB_PASSWORD=Xk9|mQ2vLp7Rt"),
        "DB_PASSWORD=<REDACTED>"
    );
    assert_eq!(
        scrub_stable("TOKEN=Xk9#mQ2vLp7~Rt@db7.corp.io"),
        "TOKEN=<REDACTED><email>"
    );
}

/// A second fork-mode campaign (idempotence checked, max_len 2048) found 266 more inputs in 20 minutes; cut
/// down by a delete-while-it-fails loop they are these. Each changed on a second pass before the fixes in
/// this module that name them: a mark kept for another mark; a documentation address teaching a name; a
/// phone, home path or e-mail right after a placeholder (the original had a letter there); a login cut
/// off mid-word or found twice; a value judged up to a placeholder; a pgpass host that was a name; a match
/// cutting through a pseudonym; a login learned from text the unicode pass changes.
#[test]
fn fuzz_minimized_inputs_are_idempotent() {
    for text in [
        "\u{61c}\u{200f}",
        "your_name@example.com",
        "\u{fffd}your_name@example.com",
        "your_name@example.com.ml",
        "gpt-4+20240806",
        "rsync h@e+22222222",
        "+01954219/home/ng",
        "Claude 3.5 Sonnet/home/l_",
        "o@e.co/home/\u{fffd}",
        "o@e.co.i@m.oj",
        "l@e.du.l@e.ex",
        "h@le.ith@e.om",
        "o@co.ith@m.oj",
        "le.cll@c.\u{200d}lo",
        "gh --repo ah/--repo ae/a",
        "gh --repo e-/s--repo e-/s",
        "rsync t@e/home/th",
        "rsync /home/&\u{1} o@x",
        "rsync a.@github.com",
        "rsync _g@github.com",
        "rsync th@_h@e",
        "rsync http://aZ@i",
        "rsync itH@a\u{fffd}le.ith@e.om",
        "rsync wwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwsmith@eh@e",
        "rsync apiKey:ex|\u{fffd}-d\"h@e",
        "ps://:ghp@ps://:ghp@u",
        "tX://:\u{fffd}@ps://:\u{fffd}@r",
        "apiKey:sk-ant-api03-FAKEfakeFAKEfake0000000JJJJJJJJJJJJJJJJJ=JJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJ",
        "TOKEN=KEN=ghp_AKEfake012345ake012a://",
        "TOKEN=pi@n/al~i@n.rc",
        "TOKEN=user_\u{fffd}\u{fffd}\u{fffd}/home/al",
        "/home/-TOKEN=user_0dcd039eTOKEN=\u{fffd}roT\u{1}\0",
        "Alice Li:1:H:d:\u{fffd}\u{fffd}",
        "/home/a\u{fffd}...h@e.co",
        "/home/aork/AWS_SECRET-simtUI5QXq8RWKX944PVubnyR8F35e/home/aork/",
        "\"Alice Ld:1:H:d:/\u{fffd}",
        "rsync /home/\u{fffd}l@e...",
        "your_name@example.com\u{fffd}your_me@e.om",
        "/home/\0\0e...@e.om\"",
        "TOKEN=:/\u{fffd}loc`:1:H:d:/\u{fffd}",
        "TOKEN=ame14-T@ple.ith@PPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPP.on",
        "rsync user_20f73bc8vagrae.smith@j}smith@x",
        "TOKEN=\u{fffd}h:g@_cle_re@e.om",
        "rsync alice@e.example.",
        "TOKEN=gFAKEl/_ie.ith@e.con",
        "rsync .smitH@m\u{fffd}smith@e",
        "/home/\u{793}\u{793}\u{793}/x and \u{793}\u{793}\u{793}\u{200e}!",
        "rsync rs://:hub@.t@A",
        // A login of no address characters, cut at `...` before an `@` (from the 10^7-execution run).
        "el:/home/qA\u{fffd}\u{5}\u{fffd}\u{fffd}\u{fffd}...@excmple.co~nca",
        "z\u{61c}il\0:/home/qI.A\u{fffd}\u{5}\u{fffd}...@ample.co~n}]}",
        "tipoTOKEN=\u{fffd}\0\u{1}\0el:/home/qA\u{fffd}\u{5}\u{fffd}...@example.co~adl",
        "h@cc% h@cc% \"\"",
    ] {
        let (once, twice) = replay_fuzz_input(text.as_bytes());
        assert_eq!(twice, once, "{text:?}");
    }
}

#[test]
fn documentation_domains_are_told_in_either_case_and_only_whole() {
    for d in [
        "example.com",
        "EXAMPLE.org",
        "mail.Example.NET",
        "a.b.example.edu",
        "x.example",
        "y.TEST",
        "z.invalid",
    ] {
        assert!(pii::is_example_domain(d), "{d}");
    }
    for d in [
        "notexample.com",
        "example.com.ml",
        "example.co",
        "test",
        "example",
        "xexample.org",
        "a.testing",
    ] {
        assert!(!pii::is_example_domain(d), "{d}");
    }
}

#[test]
fn top_level_domains_are_told_in_either_case_and_long_labels_are_none() {
    assert_eq!(scrub_stable("mail BOB@Corp.COM now"), "mail <email> now");
    assert_eq!(scrub_stable("mail bob@corp.Io now"), "mail <email> now");
    // A label that is no top-level domain, longer than any listed: no address.
    let text = "see a@b.averyveryverylongtld";
    assert_eq!(scrub_stable(text), text);
}

#[test]
fn a_documentation_address_teaches_no_name_and_a_personal_one_does() {
    let out = scrub_stable("write to your_name@example.com or jane.doe@example.org");
    assert_eq!(
        out,
        "write to your_name@example.com or jane.doe@example.org"
    );
    // A personal address at example.com is replaced, and its names go wherever they recur (a title cut
    // short, `alice.liddell@ex…`).
    let out = scrub_stable("mail alice.liddell@example.com\nping liddell@ex\u{2026}");
    assert!(!out.contains("liddell"), "{out}");
}

#[test]
fn nothing_is_found_where_a_placeholder_stands_for_a_word() {
    // The model, the address and the host ended in a letter: no phone, home path or address begins there.
    for text in [
        "gpt-4+20240806",
        "bob@corp.io/home/ng",
        "ssh ops@db4.corp+442079460958",
    ] {
        let once = scrub_stable(text);
        assert!(
            !once.contains("<phone>") && !once.contains("user_"),
            "{once}"
        );
    }
    // An element of the input that looks like one (`<email>…</email>`) is no placeholder.
    let xml = scrub_stable(
        "<email>bob@corp.io</email><host>/home/bobby/x</host><phone>+44 20 7946 0958</phone><model>claude-3-7-sonnet-20250219</model>",
    );
    let bobby = scrubber().key.user_pseudonym("bobby");
    assert_eq!(
        xml,
        format!("<email><email></email><host>/home/{bobby}/x</host><phone><phone></phone><model><model-anthropic></model>")
    );
    // Credentials are taken all the same.
    let mut g = Gen(8);
    let token = github_like("ghp_", &mut g);
    let out = scrub_stable(&format!("<email>{token}"));
    assert!(!out.contains(&token[4..]), "{out}");
}
