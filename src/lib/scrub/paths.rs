//! Home paths, logins and the other places a user's name hides: `/home/x`, `/Users/x`, `C:\Users\x` (also
//! `\\`-escaped and `C:/`), `/mnt/c/Users/x`, `\\wsl$\...\home\x`, percent-encoded `file://` URIs, Claude
//! Code's escaped project folders (`-home-x-...`), `~x/`, shell prompts, ssh targets, URL user names and git
//! remote owners. Logins learned anywhere in a session are then replaced wherever they occur as a word.

use regex::bytes::{Regex, RegexBuilder};

use super::finding::{placeholder_before, Finding, Kind};
use super::gates::{lowered, name_start};
use super::key::{holds_pseudonym, pseudonym_at, pseudonym_begins, PseudonymKey};
use super::options::ExampleEmails;
use super::rules::{Anchors, RuleError};

/// Logins that identify nobody (service accounts, CI runners, OS defaults) and placeholders.
const GENERIC_LOGINS: &[&str] = &[
    "root",
    "runner",
    "runneradmin",
    "ubuntu",
    "debian",
    "ec2-user",
    "centos",
    "fedora",
    "admin",
    "administrator",
    "user",
    "users",
    "username",
    "public",
    "default",
    "default user",
    "all users",
    "shared",
    "guest",
    "git",
    "vagrant",
    "docker",
    "node",
    "app",
    "www",
    "www-data",
    "nobody",
    "circleci",
    "jenkins",
    "build",
    "builder",
    "travis",
    "appveyor",
    "vscode",
    "codespace",
    "gitpod",
    "home",
    "me",
    "you",
    "yourname",
    "your-name",
    "name",
    "someone",
    "x-access-token",
    "oauth2",
    "oauth",
    "token",
    "x-token-auth",
    "postgres",
    "mysql",
    "redis",
    "localhost",
    "dev",
    "test",
    "tmp",
    "temp",
    "lib",
    "bin",
    "src",
    "library",
    "applications",
    "desktop",
];

pub fn is_generic_login(name: &str) -> bool {
    // Allocation-free: this runs several times for every login in every path.
    let b = name.as_bytes();
    let mut head = [0u8; 13];
    is_generic_word(b)
        // Our own pseudonym, alone or with something glued after it (`user_1a2b3c4d…`): scrubbed already.
        || lowered(&b[..b.len().min(head.len())], &mut head).is_some_and(|h| pseudonym_begins(h, 0))
        || matches!(b.first(), Some(b'$' | b'%' | b'<' | b'{'))
        || b.windows(3).any(|w| w == b"...")
        || b.len() < 2
}

/// Whether `b` is one of [`GENERIC_LOGINS`] (ASCII case-insensitively), by one hash lookup.
fn is_generic_word(b: &[u8]) -> bool {
    static WORDS: std::sync::LazyLock<crate::agents::assemble::FastSet<&'static [u8]>> =
        std::sync::LazyLock::new(|| GENERIC_LOGINS.iter().map(|w| w.as_bytes()).collect());
    // Longer than the buffer is longer than every word.
    lowered(b, &mut [0u8; 16]).is_some_and(|l| WORDS.contains(l))
}

fn build(p: &str) -> Result<Regex, RuleError> {
    RegexBuilder::new(p)
        .unicode(false)
        .build()
        .map_err(|error| RuleError::Regex { id: "paths", error })
}

const HOME: u8 = 1;
/// How far into a home path its home literal may begin: `file://` and `/mnt/c` before `/Users/`.
const HOME_LEAD: usize = 13;
const DASH: u8 = 2;
const TILDE: u8 = 4;
const AT: u8 = 8;
const SSH: u8 = 16;
const URL: u8 = 32;
const GIT: u8 = 64;
const GH: u8 = 128;

/// Literals that each regex needs, lowercase (matched case-insensitively).
pub const LITERALS: &[(&str, u8)] = &[
    ("/home/", HOME),
    ("/users/", HOME),
    ("\\users\\", HOME),
    ("\\home\\", HOME),
    ("%2fhome%2f", HOME),
    ("%2fusers%2f", HOME),
    (":/users/", HOME),
    // Mixed separators (`C:\Users/bob`): every home path holds one of these literals.
    ("\\users/", HOME),
    ("/users\\", HOME),
    ("-home-", DASH),
    ("-users-", DASH),
    ("~", TILDE),
    ("@", AT),
    ("ssh", SSH),
    ("scp", SSH),
    ("sftp", SSH),
    ("rsync", SSH),
    ("mosh", SSH),
    ("://", URL),
    (".git", GIT),
    ("git@", GIT),
    ("gh ", GH),
    ("hub ", GH),
];

fn str_of(m: regex::bytes::Match<'_>) -> Option<&str> {
    std::str::from_utf8(m.as_bytes()).ok()
}

/// Which of [`LITERALS`] a text holds (their bits), and where its home-directory literals begin.
#[derive(Clone, Default, Debug)]
pub struct PathHits {
    pub have: u8,
    /// As the anchor pass reports them: by where their rarest bytes are, nearly in text order.
    pub homes: Vec<usize>,
}

impl PathHits {
    pub fn add(&mut self, bit: u8, at: usize) {
        self.have |= bit;
        if bit == HOME {
            self.homes.push(at);
        }
    }

    /// [`PathHits::homes`] in text order.
    fn homes_in_order(&self) -> std::borrow::Cow<'_, [usize]> {
        if self.homes.is_sorted() {
            return (&self.homes[..]).into();
        }
        let mut sorted = self.homes.clone();
        sorted.sort_unstable();
        sorted.into()
    }
}

/// Runs `re` when all of `need` is in `have`.
fn gated(have: u8, need: u8, re: &Regex) -> Option<&Regex> {
    (have & need == need).then_some(re)
}

pub struct PathRules {
    /// Home directories whose next segment is the login (`u` group).
    home: Regex,
    /// Claude Code's escaped project folders: `-home-alice-work` (login up to the next dash).
    dashed: Regex,
    tilde: Regex,
    prompt: Regex,
    ssh: Regex,
    /// A further `user@host` after an ssh-like command's first target.
    ssh_target: Regex,
    url_user: Regex,
    remote: Regex,
    /// `gh pr list --repo OWNER/NAME`, `gh repo clone OWNER/NAME`, `gh api repos/OWNER/NAME`: a remote owner.
    gh_repo: Regex,
    /// `first.last@domain`: the parts of a personal address are names.
    email_name: Regex,
    project: Regex,
    prefilter: Anchors<u8>,
    example_emails: ExampleEmails,
}

/// What the first pass over a session learned: logins (pseudonymized wherever they occur as a word).
#[derive(Debug, Default, Clone)]
pub struct Learned {
    pub logins: Vec<String>,
}

impl Learned {
    /// The value of an account field: a handle (`alice-liddell`) or a display name (`Alice Liddell`).
    pub fn account(&mut self, value: &str) {
        let v = value.trim();
        if v.len() > 64 || v.contains('@') || v.contains('/') {
            return;
        }
        let words: Vec<&str> = v.split_whitespace().collect();
        let handle = |w: &str| {
            w.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        };
        if words.len() == 1 && handle(words[0]) {
            self.add(words[0]);
        } else if (2..=3).contains(&words.len())
            && words
                .iter()
                .all(|w| w.chars().next().is_some_and(char::is_uppercase))
        {
            for w in words {
                self.add(w);
            }
        }
    }

    fn add(&mut self, name: &str) {
        // Generic before trimming too: `a...` is no login, and neither is the `a` in it.
        if is_generic_login(name) {
            return;
        }
        let trimmed = name.trim_matches(|c: char| c == '.' || c == '-');
        // A login holds a letter or digit: `/home/\u{fffd}` names nobody to look for elsewhere.
        if (3..=32).contains(&trimmed.len())
            && trimmed.chars().any(char::is_alphanumeric)
            && (trimmed.len() == name.len() || !is_generic_login(trimmed))
            && !self.logins.iter().any(|l| l.eq_ignore_ascii_case(trimmed))
        {
            self.logins.push(trimmed.to_string());
        }
    }
}

impl PathRules {
    /// `example_emails`: the addresses kept as documentation, which teach no name.
    pub fn compile(example_emails: ExampleEmails) -> Result<PathRules, RuleError> {
        // The login segments below exclude `/`, `\` and `%`: `scan_with` relies on it to find a home path's
        // login after the prefix's last separator. And `@`: what follows is a host (`/home/bob@corp.io`, an
        // AD home), which other rules judge; a login running into it changed with their replacements.
        const SEG: &str = r"[^/\\\s'\x22<>|:*?%,;()\[\]{}`$=&@]";
        // A login never starts with a dot: `/home/.cache` is no user. The login segment is unbounded: a cap
        // (bytes, not characters) left the tail of a long or non-ASCII name in the clear, cut mid-character.
        const FIRST: &str = r"[^./\\\s'\x22<>|:*?%,;()\[\]{}`$=&@]";
        Ok(PathRules {
            home: build(&format!(
                r"(?i)(?:(?:^|file://|%3A|[^A-Za-z0-9_./-])(?:/home/|/Users/|/mnt/[a-z]/Users/)|\b[a-z]:(?:\\\\|\\|/)Users(?:\\\\|\\|/)|(?:\\\\|\\)home(?:\\\\|\\)|%2Fhome%2F|%2FUsers%2F)(?P<u>{FIRST}{SEG}*)"
            ))?,
            dashed: build(
                r"(?:^|[/\\\s'\x22=])-(?:home|Users)-(?P<u>[A-Za-z0-9_.]{1,64})(?:-|$|[/\\\s'\x22])",
            )?,
            tilde: build(r"(?:^|[\s'\x22=(:])~(?P<u>[a-z_][a-z0-9_.-]{1,31})/")?,
            prompt: build(
                r"(?:^|[\s\[(\x22]|\\n)(?P<u>[a-z_][a-z0-9_-]{0,31})@(?P<h>[A-Za-z0-9][A-Za-z0-9-]{0,62})(?::[~/][^\s$#\\]*| [^\]\s\\]+\])?[$#%] ",
            )?,
            // A command ends at `<` too: a value replaced in it (`<REDACTED>`) may have held its `|`.
            ssh: build(
                r"\b(?:ssh|scp|sftp|rsync|mosh|ssh-copy-id)\s[^\n|;&\\<]*?(?P<u>[a-z_][a-z0-9_.-]{0,31})@(?P<h>[A-Za-z0-9][A-Za-z0-9.-]{0,253})",
            )?,
            ssh_target: build(
                r"(?P<u>[a-z_][a-z0-9_.-]{0,31})@(?P<h>[A-Za-z0-9][A-Za-z0-9.-]{0,253})",
            )?,
            url_user: build(
                r"(?i)\bhttps?://(?P<u>[A-Za-z0-9_.-]{1,64})(?::(?:<REDACTED>|[^\s@/'\x22<>\\]*))?@[A-Za-z0-9]",
            )?,
            remote: build(
                r"(?i)(?P<ctx>remote\s+(?:add|set-url)\s+[A-Za-z0-9_.-]+\s+|origin\s+)?(?:https?://(?:[^@/\s'\x22\\]+@)?|ssh://(?:[a-z0-9_.-]+@)?|\bgit@)(?P<host>[a-z0-9.-]+\.[a-z]{2,})(?::\d+)?[:/](?P<o>[A-Za-z0-9_.-]{1,64})/(?P<r>[A-Za-z0-9_.-]+?)\.git\b",
            )?,
            gh_repo: build(
                r"(?i)\b(?:gh|hub)\s[^\n|;&\\]*?(?:--repo(?:=|\s+)|\s(?-i:-R)\s*|\brepo\s+(?:clone|view|fork|edit|delete|archive|unarchive|rename|sync|set-default)\s+|\bapi\s+/?repos/)[\x22']?(?:(?:https?://)?(?:[a-z0-9-]+\.)+[a-z]{2,}/)?(?P<o>[A-Za-z0-9][A-Za-z0-9_-]{0,38})/(?P<r>[A-Za-z0-9_.-]+)",
            )?,
            email_name: build(
                r"(?i)(?:^|[^A-Za-z0-9._%+-])(?P<a>[a-z]{2,20})[._-](?P<b>[a-z]{2,20})(?:[._-](?P<c>[a-z]{2,20}))?@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b",
            )?,
            project: build(
                r"(?i)^(?:/home/|/Users/|/mnt/[a-z]/Users/|[a-z]:[\\/]Users[\\/])(?P<u>[^/\\]+)(?P<rest>(?:[/\\].*)?)$|^/root(?P<rrest>(?:/.*)?)$",
            )?,
            prefilter: Anchors::new(LITERALS.iter().copied())?,
            example_emails,
        })
    }

    /// Which of the regexes below can match `text` at all (one automaton pass over their literals).
    fn wanted(&self, text: &str) -> PathHits {
        let mut hits = PathHits::default();
        self.prefilter
            .for_each(text.as_bytes(), |bit, at| hits.add(bit, at));
        hits
    }

    /// The login segment of every home path, prompt, ssh target, URL user and remote owner in `text`, and,
    /// when `learned` is given, the logins it reveals (for the whole session). `meta` says the text is a
    /// session meta field, whose git remote is the user's own.
    pub fn scan(
        &self,
        text: &str,
        meta: bool,
        key: &PseudonymKey,
        learned: Option<&mut Learned>,
        out: &mut Vec<Finding>,
    ) {
        self.scan_with(&self.wanted(text), text, meta, key, learned, out);
    }

    /// Every home path in `b`, as the home regex finds them, searched for only from shortly before each
    /// of `homes` (where the home literals begin, in order): every home path holds one at most
    /// [`HOME_LEAD`] bytes in, so neither the text before a path nor the tail after the last is scanned.
    fn home_paths<'t>(
        &'t self,
        b: &'t [u8],
        homes: &'t [usize],
    ) -> impl Iterator<Item = regex::bytes::Match<'t>> + 't {
        let re = &self.home;
        let mut at = 0;
        let mut next = 0;
        std::iter::from_fn(move || {
            while homes.get(next).is_some_and(|&h| h < at) {
                next += 1;
            }
            let from = homes.get(next)?.saturating_sub(HOME_LEAD).max(at);
            let m = re.find_at(b, from)?;
            at = m.end().max(m.start() + 1);
            Some(m)
        })
    }

    /// [`PathRules::scan`] given which of [`LITERALS`] `text` holds (from a pass done elsewhere).
    pub fn scan_with(
        &self,
        hits: &PathHits,
        text: &str,
        meta: bool,
        key: &PseudonymKey,
        mut learned: Option<&mut Learned>,
        out: &mut Vec<Finding>,
    ) {
        let have = hits.have;
        if have == 0 {
            return;
        }
        let b = text.as_bytes();
        let login = |s: usize, e: usize, rule: &'static str, out: &mut Vec<Finding>| {
            if let Some(u) = text.get(s..e) {
                if !is_generic_login(u) {
                    out.push(Finding::new(
                        s,
                        e,
                        Kind::Username,
                        rule,
                        key.user_pseudonym(u),
                    ));
                }
            }
        };
        if have & HOME != 0 {
            // The login is what follows the home prefix's last separator (it holds none itself): found
            // without a capture search, the costly part for logs full of absolute paths.
            let homes = hits.homes_in_order();
            for m in self.home_paths(b, &homes) {
                let path = m.as_bytes();
                // `<email>/home/x` was `bob@corp.io/home/x`: no home path after a letter.
                if path.first() == Some(&b'>') && placeholder_before(text, m.start() + 1).is_some()
                {
                    continue;
                }
                let u = match path.iter().rposition(|&c| matches!(c, b'/' | b'\\' | b'%')) {
                    Some(i) if path[i] == b'%' => m.start() + i + 3,
                    Some(i) => m.start() + i + 1,
                    None => continue,
                };
                // An ellipsis ends the login (`/home/alice...`): what follows may be an address, which
                // another rule replaces, and the next pass would then see a login without the dots.
                let end = memchr::memmem::find(&b[u..m.end()], b"...").map_or(m.end(), |i| u + i);
                if end == u {
                    continue;
                }
                login(u, end, "home-path", out);
                if let (Some(l), Some(name)) = (learned.as_deref_mut(), text.get(u..end)) {
                    l.add(name);
                }
            }
        }
        let logins = [
            (gated(have, DASH, &self.dashed), "escaped-home-path"),
            (gated(have, TILDE, &self.tilde), "tilde-user"),
            (gated(have, URL | AT, &self.url_user), "url-user"),
            (gated(have, GIT, &self.remote), "git-remote-owner"),
            (gated(have, GH, &self.gh_repo), "gh-repo-owner"),
        ];
        for (re, rule) in logins {
            let Some(re) = re else { continue };
            // From the end of each login on, not of each match: a match may run into the next one
            // (`gh --repo a/--repo b/c`), which the next pass, no longer seeing it whole, would find.
            let mut at = 0;
            while let Some(c) = re.captures_at(b, at) {
                let Some(u) = c.name("u").or(c.name("o")) else {
                    at = c.get(0).map_or(b.len(), |m| m.end().max(at + 1));
                    continue;
                };
                at = u.end().max(at + 1);
                login(u.start(), u.end(), rule, out);
                let teaches = c.name("o").is_none() || meta || c.name("ctx").is_some();
                if let (Some(l), true) = (learned.as_deref_mut(), teaches) {
                    if let Some(name) = str_of(u) {
                        l.add(name);
                    }
                }
            }
        }
        let mut target = |c: &regex::bytes::Captures,
                          rule: &'static str,
                          out: &mut Vec<Finding>| {
            // The login is the whole word before the `@`, however long: a piece of it would come back on
            // the next pass as `w<pseudonym>`.
            let word = c.name("u").map(|u| (name_start(&b[..u.start()]), u));
            // Our pseudonym on either side of the `@`: a target replaced already (`user_1a2b3c4d@x`,
            // `.user_1a2b3c4d@x`).
            if word.is_some_and(|(start, u)| text.get(start..u.end()).is_some_and(holds_pseudonym))
                || c.name("h").is_some_and(|h| pseudonym_at(text, h.start()))
            {
                return;
            }
            if let Some((start, u)) = word {
                login(start, u.end(), rule, out);
                if let (Some(l), Some(name)) = (learned.as_deref_mut(), text.get(start..u.end())) {
                    l.add(name);
                }
            }
            if let Some(h) = c.name("h") {
                let host = &text[h.start()..h.end()];
                if !is_public_host(host) && !host.bytes().all(|c| c.is_ascii_digit() || c == b'.') {
                    out.push(Finding::new(h.start(), h.end(), Kind::Host, rule, "<host>"));
                }
            }
        };
        if let Some(re) = gated(have, AT, &self.prompt) {
            // The space that ends one prompt may be what the next one follows (`h@a% h@b% `): the search
            // goes on from the host, or the next pass, seeing `h@<host>% h@b% `, would find the second.
            let mut at = 0;
            while let Some(c) = re.captures_at(b, at) {
                target(&c, "shell-prompt", out);
                let whole = c.get(0).map_or(b.len(), |m| m.start() + 1);
                at = c.name("h").map_or(whole, |h| h.end().max(whole));
            }
        }
        if let Some(re) = gated(have, SSH | AT, &self.ssh) {
            for c in re.captures_iter(b) {
                target(&c, "ssh-target", out);
                // Every target of the command (`rsync a@x b@y`), not only the first: the next pass, which
                // cannot read `a@<host>` as one, would find the second.
                // A host may run into the next target (`a@x.bob@y`): the search goes on from the host.
                let next = |c: &regex::bytes::Captures| c.name("h").map(|h| h.start());
                let Some(mut at) = next(&c) else {
                    continue;
                };
                let stop = b[at..]
                    .iter()
                    .position(|&x| matches!(x, b'\n' | b'|' | b';' | b'&' | b'\\' | b'<'))
                    .map_or(b.len(), |i| at + i);
                while let Some(more) = self.ssh_target.captures_at(&b[..stop], at) {
                    at = next(&more).map_or(stop, |h| h.max(at + 1));
                    target(&more, "ssh-target", out);
                }
            }
        }
        if let (Some(l), Some(re)) = (learned, gated(have, AT, &self.email_name)) {
            const ROLES: &[&str] = &[
                "no", "reply", "noreply", "do", "not", "info", "support", "team", "admin",
            ];
            // Overlapping matches: in `ann.lee@bo.smith@corp.io` the domain of one is the local part of the
            // next, which the next pass (seeing `<pseudonym>.lee@bo.smith@…`) would learn.
            // A match's `@` is at most this far into it (a byte before the local part, three words of 20
            // and two separators): no match begins more than that before the next `@`.
            const LOCAL: usize = 63;
            let mut at = 0;
            while let Some(m) = memchr::memchr(b'@', &b[at..])
                .and_then(|i| re.find_at(b, (at + i).saturating_sub(LOCAL).max(at)))
            {
                // The local part's words (`a`, `b`, `c` in the pattern) are its runs of letters: read off
                // the match, not by a capture search (the costly part on text full of addresses). The
                // match begins with a letter only where the local part starts the text.
                let whole = m.as_bytes();
                let from = m.start() + usize::from(!whole[0].is_ascii_alphabetic());
                let local = from..from + memchr::memchr(b'@', &b[from..m.end()]).unwrap_or(0);
                let parts: Vec<&[u8]> = b[local.clone()]
                    .split(|c| matches!(c, b'.' | b'_' | b'-'))
                    .collect();
                at = local.end.max(m.start() + 1);
                if whole[0] == b'>' && placeholder_before(text, m.start() + 1).is_some() {
                    continue;
                }
                // An address kept as documentation (`your_name@example.com`) names nobody.
                let address = str_of(m).or_else(|| std::str::from_utf8(&whole[1..]).ok());
                let address =
                    address.map(|a| a.trim_start_matches(|c: char| !c.is_ascii_alphanumeric()));
                if address.is_some_and(|a| super::pii::rule_keeps(a, self.example_emails)) {
                    continue;
                }
                if !parts
                    .iter()
                    .any(|p| ROLES.iter().any(|r| p.eq_ignore_ascii_case(r.as_bytes())))
                {
                    // Letters only: ASCII.
                    for p in parts
                        .into_iter()
                        .filter_map(|p| std::str::from_utf8(p).ok())
                    {
                        l.add(p);
                    }
                }
            }
        }
    }

    /// [`PathRules::scan`] without learning.
    pub fn find(&self, text: &str, key: &PseudonymKey, out: &mut Vec<Finding>) {
        self.scan(text, false, key, None, out);
    }

    /// `meta.project_path` under a home directory becomes `~/...`; the login goes with the prefix.
    pub fn project_path(&self, path: &str) -> Option<String> {
        let c = self.project.captures(path.as_bytes())?;
        let rest = c
            .name("rest")
            .or(c.name("rrest"))
            .map_or(&b""[..], |m| m.as_bytes());
        Some(format!("~{}", String::from_utf8_lossy(rest)))
    }
}

/// Hosts that identify nobody: code forges, package registries, model providers.
pub fn is_public_host(host: &str) -> bool {
    const PUBLIC: &[&str] = &[
        "github.com",
        "gitlab.com",
        "bitbucket.org",
        "ssh.dev.azure.com",
        "vs-ssh.visualstudio.com",
        "codeberg.org",
        "sr.ht",
        "git.sr.ht",
        "localhost",
        "heroku.com",
        "aur.archlinux.org",
        "huggingface.co",
        "hf.co",
    ];
    let h = host.to_ascii_lowercase();
    PUBLIC
        .iter()
        .any(|p| h == *p || h.ends_with(&format!(".{p}")))
}

/// Replaces whole-word occurrences of a fixed set of strings (learned logins, configured names).
///
/// A handful of names, matched ASCII case-insensitively. One SIMD (Teddy) scan finds the rarest three bytes
/// of every name, in any case (`e0e` of `Seed e0e5f335`, not `see`, which ordinary text is full of), and only
/// the names holding those bytes there are checked; without Teddy (too many names, no SIMD) each name is
/// found by a scan for its rarest byte. Both beat walking an automaton over every byte.
pub struct NameMatcher {
    names: Vec<Name>,
    pieces: Option<Pieces>,
}

/// The Teddy scan: every case variant of every name's piece is a pattern, and `owners[piece[p]]` are the
/// names (index, offset of the piece in the name) that pattern `p` stands for. The pieces all have one length,
/// so a pattern found at a position is the only one there.
struct Pieces {
    searcher: aho_corasick::packed::Searcher,
    piece: Vec<usize>,
    owners: Vec<Vec<(usize, usize)>>,
}

/// The patterns Teddy is given at most (it handles more, slowly).
const MAX_PATTERNS: usize = 64;

/// Every ASCII case variant of `bytes`, appended to `out` (unless already there).
fn case_variants(bytes: &[u8], out: &mut Vec<Vec<u8>>) {
    let mut vars: Vec<Vec<u8>> = vec![Vec::new()];
    for &c in bytes {
        let (lo, up) = (c.to_ascii_lowercase(), c.to_ascii_uppercase());
        if lo == up {
            vars.iter_mut().for_each(|v| v.push(c));
        } else {
            vars = vars
                .into_iter()
                .flat_map(|v| {
                    let mut w = v.clone();
                    w.push(up);
                    let mut v = v;
                    v.push(lo);
                    [v, w]
                })
                .collect();
        }
    }
    for v in vars {
        if !out.contains(&v) {
            out.push(v);
        }
    }
}

struct Name {
    text: Vec<u8>,
    /// Offset in `text` of the byte scanned for, and its two cases.
    at: usize,
    needles: (u8, u8),
    kind: Kind,
    rule: &'static str,
    replacement: String,
}

/// How common a byte is in text and code (higher: more common), to pick the one to scan for.
pub(super) fn commonness(b: u8) -> u8 {
    let l = b.to_ascii_lowercase();
    match l {
        b' ' | b'e' | b't' | b'a' | b'o' | b'i' | b'n' | b's' | b'r' => 250 - l / 8,
        b'h' | b'l' | b'd' | b'c' | b'u' | b'm' | b'p' | b'f' | b'g' => 200 - l / 8,
        b'.' | b'-' | b'_' | b'/' | b'0'..=b'9' => 160,
        b'a'..=b'z' => 120 - l / 8,
        _ => 40,
    }
}

/// Where in `bytes` (at least `len` of them) its least common `len` bytes in a row start, by [`commonness`].
pub(super) fn rarest_window(bytes: &[u8], len: usize) -> usize {
    (0..=bytes.len() - len)
        .min_by_key(|&k| {
            bytes[k..k + len]
                .iter()
                .map(|&c| u32::from(commonness(c)))
                .sum::<u32>()
        })
        .unwrap_or(0)
}

impl Pieces {
    /// The scan for `names` (none are empty), if Teddy takes their patterns.
    fn new(names: &[Name]) -> Option<Pieces> {
        let len = names.iter().map(|n| n.text.len()).min()?.min(3);
        let mut folded: Vec<Vec<u8>> = Vec::new();
        let mut owners: Vec<Vec<(usize, usize)>> = Vec::new();
        for (i, n) in names.iter().enumerate() {
            let offset = rarest_window(&n.text, len);
            let piece = n.text[offset..offset + len].to_ascii_lowercase();
            match folded.iter().position(|p| *p == piece) {
                Some(k) => owners[k].push((i, offset)),
                None => {
                    folded.push(piece);
                    owners.push(vec![(i, offset)]);
                }
            }
        }
        let (mut patterns, mut piece) = (Vec::new(), Vec::new());
        for (k, p) in folded.iter().enumerate() {
            case_variants(p, &mut patterns);
            piece.resize(patterns.len(), k);
        }
        if patterns.len() > MAX_PATTERNS {
            return None;
        }
        let searcher = aho_corasick::packed::Searcher::new(&patterns)?;
        Some(Pieces {
            searcher,
            piece,
            owners,
        })
    }
}

impl NameMatcher {
    /// `names`: (text, kind, rule id, replacement). Empty names are ignored.
    pub fn new(names: Vec<(String, Kind, &'static str, String)>) -> Option<NameMatcher> {
        let names: Vec<Name> = names
            .into_iter()
            .filter(|n| !n.0.trim().is_empty())
            .map(|(text, kind, rule, replacement)| {
                let text = text.into_bytes();
                let at = (0..text.len())
                    .min_by_key(|&i| commonness(text[i]))
                    .unwrap_or(0);
                let b = text[at];
                Name {
                    needles: (b.to_ascii_lowercase(), b.to_ascii_uppercase()),
                    at,
                    text,
                    kind,
                    rule,
                    replacement,
                }
            })
            .collect();
        if names.is_empty() {
            return None;
        }
        let pieces = Pieces::new(&names);
        Some(NameMatcher { names, pieces })
    }

    /// Every whole-word occurrence of a name; where names overlap, the leftmost and then the longest wins
    /// (`alice-smith` whole rather than `alice` and a surname left over; `alice` in `alice-smitheckout`,
    /// where `alice-smith` is no whole word).
    pub fn find(&self, text: &str, out: &mut Vec<Finding>) {
        let b = text.as_bytes();
        let word = |i: usize| b.get(i).is_some_and(|c| c.is_ascii_alphanumeric());
        let mut hits: Vec<(usize, usize, usize)> = Vec::new();
        let mut check = |start: usize, i: usize| {
            let n = &self.names[i];
            let end = start + n.text.len();
            let starts_word = start == 0 || !word(start - 1);
            if b.get(start..end).is_some_and(|s| s.eq_ignore_ascii_case(&n.text))
                && starts_word
                && !word(end)
                // Already a pseudonym's tail (`user_` + hex) or inside one: leave it.
                && !b[..start].ends_with(b"user_")
            {
                hits.push((start, end, i));
            }
        };
        if let Some(pieces) = &self.pieces {
            let mut at = 0;
            while at < b.len() {
                let Some(m) = pieces
                    .searcher
                    .find_in(b, aho_corasick::Span::from(at..b.len()))
                else {
                    break;
                };
                for &(i, offset) in &pieces.owners[pieces.piece[m.pattern().as_usize()]] {
                    if let Some(start) = m.start().checked_sub(offset) {
                        check(start, i);
                    }
                }
                at = m.start() + 1;
            }
        } else {
            for (i, n) in self.names.iter().enumerate() {
                let (lo, up) = n.needles;
                for p in memchr::memchr2_iter(lo, up, b) {
                    if let Some(start) = p.checked_sub(n.at) {
                        check(start, i);
                    }
                }
            }
        }
        if hits.is_empty() {
            return;
        }
        hits.sort_by(|x, y| x.0.cmp(&y.0).then(y.1.cmp(&x.1)).then(x.2.cmp(&y.2)));
        let mut taken = 0;
        for (start, end, i) in hits {
            if start < taken {
                continue;
            }
            taken = self.push(b, start, end, i, out);
        }
    }

    /// Records one name at `start..end` and returns where the next may start.
    fn push(&self, b: &[u8], start: usize, end: usize, i: usize, out: &mut Vec<Finding>) -> usize {
        let n = &self.names[i];
        // `Alice Liddell`: a capitalized login followed by a capitalized word is a person's full name (also
        // `Alice%20Liddell`, as editors write a Windows home folder in a `file://` URI).
        if n.kind == Kind::Username && b[start].is_ascii_uppercase() {
            let rest = &b[end..];
            let gap = if rest.starts_with(b"%20") { 3 } else { 1 };
            let surname = rest.len() > gap + 2
                && (rest[0] == b' ' || gap == 3)
                && rest[gap].is_ascii_uppercase()
                && rest[gap + 1].is_ascii_lowercase();
            if surname {
                let len = gap
                    + 1
                    + rest[gap + 1..]
                        .iter()
                        .take_while(|c| c.is_ascii_alphabetic() || **c == b'-')
                        .count();
                out.push(Finding::new(
                    start,
                    end + len,
                    Kind::Name,
                    "learned-full-name",
                    "<name>",
                ));
                return end + len;
            }
        }
        out.push(Finding::new(
            start,
            end,
            n.kind,
            n.rule,
            n.replacement.clone(),
        ));
        end
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scrub::finding::{apply, settle};

    #[test]
    fn every_generic_login_is_found_in_any_case() {
        for w in GENERIC_LOGINS {
            assert!(is_generic_login(w), "{w}");
            assert!(is_generic_login(&w.to_ascii_uppercase()), "{w}");
            assert!(!is_generic_login(&format!("{w}x9")), "{w}x9");
        }
        assert!(!is_generic_login("benchuser"));
        assert!(is_generic_login("user_1a2b3c4d"));
        assert!(is_generic_login("USER_1A2B3C4Dx"));
        assert!(is_generic_login("a...b"));
    }

    fn run(text: &str) -> (String, Vec<String>) {
        let rules = PathRules::compile(ExampleEmails::default()).unwrap();
        let key = PseudonymKey::from_bytes([7; 32]);
        let mut learned = Learned::default();
        let mut f = Vec::new();
        rules.scan(text, false, &key, Some(&mut learned), &mut f);
        let f = settle(text, f);
        (apply(text, &f), learned.logins)
    }

    /// The words of a personal address are learned however long they are (three of twenty letters reach
    /// 63 bytes before the `@`), far into a text and before other addresses.
    #[test]
    fn the_words_of_long_addresses_are_learned() {
        let (a, b, c) = ("a".repeat(20), "b".repeat(20), "c".repeat(20));
        let text = format!(
            "{} mail {a}.{b}_{c}@corp.io, ann.lee@corp.io and bo-smith@x.org",
            "text ".repeat(40)
        );
        let (_, learned) = run(&text);
        for w in ["ann", "lee", &a, &b, &c, "bo", "smith"] {
            assert!(
                learned.iter().any(|l| l == w) == (w.len() >= 3),
                "{w}: {learned:?}"
            );
        }
    }

    /// Searching for home paths only from shortly before the home literals finds what the regex finds in the
    /// whole text: texts built from the home pattern itself, in every spelling, run into each other.
    #[test]
    fn home_paths_are_found_from_their_literals_as_in_the_whole_text() {
        use crate::scrub::pattern_samples::{parse, sample, Rng};
        let rules = PathRules::compile(ExampleEmails::default()).unwrap();
        let hir = parse(rules.home.as_str());
        let mut rng = Rng(0x51_7cc1_b727_220a);
        let filler: &[&[u8]] = &[
            b" ", b"x", b"/", b"\\", b"%", b":", b"file://", b"/mnt/c", b"\n",
        ];
        let mut found = 0;
        for _ in 0..20_000 {
            let mut text = Vec::new();
            for _ in 0..1 + rng.below(4) {
                if rng.below(2) == 0 {
                    text.extend_from_slice(filler[rng.below(filler.len())]);
                }
                sample(&hir, &mut rng, &mut text);
            }
            let Ok(text) = String::from_utf8(text) else {
                continue;
            };
            let hits = rules.wanted(&text);
            let homes = hits.homes_in_order();
            let got: Vec<_> = rules
                .home_paths(text.as_bytes(), &homes)
                .map(|m| m.range())
                .collect();
            let want: Vec<_> = rules
                .home
                .find_iter(text.as_bytes())
                .map(|m| m.range())
                .collect();
            assert_eq!(got, want, "{text:?}");
            assert!(want.is_empty() || hits.have & HOME != 0, "{text:?}");
            found += want.len();
        }
        assert!(found > 10_000, "{found} home paths");
    }

    #[test]
    fn home_paths_in_every_spelling() {
        let key = PseudonymKey::from_bytes([7; 32]);
        let p = key.user_pseudonym("alice");
        for (input, want) in [
            ("cat /home/alice/.bashrc", format!("cat /home/{p}/.bashrc")),
            ("/Users/alice/src", format!("/Users/{p}/src")),
            ("file:///home/alice/x", format!("file:///home/{p}/x")),
            (r"C:\Users\alice\proj", format!(r"C:\Users\{p}\proj")),
            (
                r#"{"p":"C:\\Users\\alice\\proj"}"#,
                format!(r#"{{"p":"C:\\Users\\{p}\\proj"}}"#),
            ),
            ("C:/Users/alice/x", format!("C:/Users/{p}/x")),
            // Mixed separators.
            (r"C:\Users/alice/x", format!(r"C:\Users/{p}/x")),
            (r"D:/Users\alice\x", format!(r"D:/Users\{p}\x")),
            ("/mnt/c/Users/alice/x", format!("/mnt/c/Users/{p}/x")),
            (
                r"\\wsl$\Ubuntu\home\alice\x",
                format!(r"\\wsl$\Ubuntu\home\{p}\x"),
            ),
            (
                "file:///c%3A/Users/alice/x",
                format!("file:///c%3A/Users/{p}/x"),
            ),
            (
                "file://%2Fhome%2Falice%2Fx",
                format!("file://%2Fhome%2F{p}%2Fx"),
            ),
            (
                "~/.claude/projects/-home-alice-work-shop/",
                format!("~/.claude/projects/-home-{p}-work-shop/"),
            ),
            ("ls ~alice/notes", format!("ls ~{p}/notes")),
            ("alice@laptop:~/work$ ls", format!("{p}@<host>:~/work$ ls")),
        ] {
            assert_eq!(run(input).0, want, "{input}");
        }
    }

    #[test]
    fn generic_homes_and_pseudonyms_stay() {
        for s in [
            "fixtures/aider//home/notes",
            "docker/home/app",
            "/home/runner/work",
            "/Users/Shared/x",
            "/root/x",
            "/home/$USER/x",
            "/home/user_0123abcd/x",
            "C:\\Users\\Public\\x",
        ] {
            assert_eq!(run(s).0, s);
        }
    }

    #[test]
    fn remote_owner_goes_host_stays() {
        let key = PseudonymKey::from_bytes([7; 32]);
        let p = key.user_pseudonym("alice-smith");
        let (out, learned) = run("git remote set-url origin https://alice-smith:<REDACTED>@github.com/alice-smith/shop.git");
        assert_eq!(
            out,
            format!("git remote set-url origin https://{p}:<REDACTED>@github.com/{p}/shop.git")
        );
        assert_eq!(learned, vec!["alice-smith"]);
        let (out, _) = run("git@gitlab.com:bob-dev/tool.git");
        assert_eq!(
            out,
            format!("git@gitlab.com:{}/tool.git", key.user_pseudonym("bob-dev"))
        );
    }

    #[test]
    fn project_path_becomes_tilde() {
        let r = PathRules::compile(ExampleEmails::default()).unwrap();
        assert_eq!(
            r.project_path("/home/alice/work/shop").as_deref(),
            Some("~/work/shop")
        );
        assert_eq!(
            r.project_path("C:\\Users\\alice\\proj").as_deref(),
            Some("~\\proj")
        );
        assert_eq!(r.project_path("/Users/alice").as_deref(), Some("~"));
        assert_eq!(r.project_path("/srv/app"), None);
    }

    #[test]
    fn names_match_whole_words_only() {
        let m = NameMatcher::new(vec![(
            "alice".into(),
            Kind::Username,
            "learned",
            "user_x".into(),
        )])
        .unwrap();
        let mut f = Vec::new();
        let text = "alice-private-backups malice Alice alice_b";
        m.find(text, &mut f);
        assert_eq!(
            apply(text, &settle(text, f)),
            "user_x-private-backups malice user_x user_x_b"
        );
    }

    #[test]
    fn the_piece_scan_and_the_rare_byte_scan_agree() {
        let matchers = |names: &[&str]| {
            let names: Vec<_> = names
                .iter()
                .map(|n| (n.to_string(), Kind::Username, "t", format!("<{n}>")))
                .collect();
            let fast = NameMatcher::new(names.clone()).unwrap();
            let mut slow = NameMatcher::new(names).unwrap();
            slow.pieces = None;
            assert!(fast.pieces.is_some());
            (fast, slow)
        };
        let found = |m: &NameMatcher, text: &str| {
            let mut f = Vec::new();
            m.find(text, &mut f);
            f
        };
        // Two-byte names make every piece two bytes; without them the pieces are each name's rarest three
        // (`e0e`, `-sm`), which may sit anywhere in it.
        let short = ["alice", "alice-smith", "vm", "Bob Stone", "x9"];
        let long = [
            "alice",
            "alice-smith",
            "Seed e0e5f335",
            "Bob Stone",
            "maintainers@x.io",
        ];
        let text =
            "ALICE-smith vm1 vm alice-smitheckout x9 user_alice bob stone, Alice Liddell ok \
                    seed E0E5F335 seeds e0e5f335 Maintainers@X.io xmaintainers@x.io alice-sm alice";
        let (fast, slow) = matchers(&short);
        let a = found(&fast, text);
        assert_eq!(a, found(&slow, text));
        assert!(apply(text, &settle(text, a)).starts_with(
            "<alice-smith> vm1 <vm> <alice>-smitheckout <x9> user_alice <Bob Stone>, <name> ok"
        ));
        let (fast, slow) = matchers(&long);
        let a = found(&fast, text);
        assert_eq!(a, found(&slow, text));
        assert_eq!(
            apply(text, &settle(text, a)),
            "<alice-smith> vm1 vm <alice>-smitheckout x9 user_alice <Bob Stone>, <name> ok \
             <Seed e0e5f335> seeds e0e5f335 <maintainers@x.io> xmaintainers@x.io <alice>-sm <alice>"
        );
    }
}
