//! The local pseudonym key: 32 random bytes, created on first use with 0600 permissions, that turn names
//! into stable pseudonyms (`user_` + 8 hex of HMAC-SHA256) nobody without the key can reverse by guessing.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::digest::generic_array::GenericArray;

const KEY_LEN: usize = 32;
const KEY_FILE: &str = "scrub.key";

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read pseudonym key {path}: {error}")]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("cannot create pseudonym key {path}: {error}")]
    Create {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("pseudonym key {path} is {len} bytes, expected {KEY_LEN} (or 64 hex digits)")]
    BadLength { path: PathBuf, len: usize },
    #[error("no random source for a new key: {0}")]
    Random(String),
    #[error("cannot find a config directory (set XDG_CONFIG_HOME or HOME, or pass --key-file)")]
    NoConfigDir,
}

/// The secret behind every pseudonym and keyed hash.
#[derive(Clone)]
pub struct PseudonymKey {
    /// HMAC-SHA256 keyed once (its inner and outer pads hashed).
    keyed: Hmac256,
    /// Tells keys apart in the per-thread [`Memo`] (a digest like any other: it reveals nothing).
    id: [u8; 16],
}

impl std::fmt::Debug for PseudonymKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PseudonymKey(..)")
    }
}

impl PseudonymKey {
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> PseudonymKey {
        let mut key = PseudonymKey {
            keyed: Hmac256::new(&bytes),
            id: [0; 16],
        };
        let id = key.mac("memo-id", "");
        key.id.copy_from_slice(&id[..16]);
        key
    }

    /// `$XDG_CONFIG_HOME/codercrucible/scrub.key`, falling back to `~/.config/codercrucible/scrub.key`.
    pub fn default_path() -> Result<PathBuf, KeyError> {
        crate::scrub::options::config_dir()
            .map(|d| d.join(KEY_FILE))
            .ok_or(KeyError::NoConfigDir)
    }

    /// Reads the key at `path`, creating it (and its directory) with fresh random bytes if it does not exist.
    pub fn load_or_create(path: &Path) -> Result<PseudonymKey, KeyError> {
        match fs::read(path) {
            Ok(raw) => Self::parse(path, &raw),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Self::create(path),
            Err(error) => Err(KeyError::Read {
                path: path.to_path_buf(),
                error,
            }),
        }
    }

    fn parse(path: &Path, raw: &[u8]) -> Result<PseudonymKey, KeyError> {
        let text = std::str::from_utf8(raw).map(str::trim).unwrap_or("");
        let bytes: Vec<u8> =
            if text.len() == 2 * KEY_LEN && text.bytes().all(|b| b.is_ascii_hexdigit()) {
                (0..KEY_LEN)
                    .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).unwrap_or(0))
                    .collect()
            } else {
                raw.to_vec()
            };
        let arr: [u8; KEY_LEN] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| KeyError::BadLength {
                path: path.to_path_buf(),
                len: raw.len(),
            })?;
        Ok(PseudonymKey::from_bytes(arr))
    }

    fn create(path: &Path) -> Result<PseudonymKey, KeyError> {
        let mut bytes = [0u8; KEY_LEN];
        getrandom::fill(&mut bytes).map_err(|e| KeyError::Random(e.to_string()))?;
        let err = |error| KeyError::Create {
            path: path.to_path_buf(),
            error,
        };
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(err)?;
        }
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let mut opts = fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        match opts.open(path) {
            Ok(mut f) => {
                f.write_all(hex.as_bytes()).map_err(err)?;
                f.write_all(b"\n").map_err(err)?;
                Ok(PseudonymKey::from_bytes(bytes))
            }
            // Another process created it first: use theirs, so both runs agree.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Self::load_or_create(path),
            Err(e) => Err(err(e)),
        }
    }

    fn mac(&self, domain: &str, value: &str) -> [u8; 32] {
        self.keyed.mac(&[domain.as_bytes(), &[0], value.as_bytes()])
    }

    /// The first `digits` hex digits of the value's digest, remembered per thread for short values.
    fn hex(&self, domain: &'static str, value: &str, digits: usize) -> String {
        if value.len() > Memo::LONGEST {
            return self.compute_hex(domain, value, digits);
        }
        MEMO.with(|memo| {
            let mut memo = memo.borrow_mut();
            let slot = memo.slot(domain, value);
            match slot {
                Some(s) if s.id == self.id && s.domain == domain && s.value == value => {
                    s.hex[..digits.min(s.hex.len())].to_string()
                }
                _ => {
                    let hex = self.compute_hex(domain, value, 64);
                    let out = hex[..digits.min(hex.len())].to_string();
                    *slot = Some(Remembered {
                        id: self.id,
                        domain,
                        value: value.to_string(),
                        hex,
                    });
                    out
                }
            }
        })
    }

    fn compute_hex(&self, domain: &str, value: &str, digits: usize) -> String {
        let mac = self.mac(domain, value);
        let mut hex = crate::agents::assemble::hex(&mac[..digits.div_ceil(2).min(mac.len())]);
        hex.truncate(digits);
        hex
    }

    /// `user_` + 8 hex: the same login maps to the same pseudonym whatever its case.
    pub fn user_pseudonym(&self, name: &str) -> String {
        let hex = if name
            .bytes()
            .any(|b| b.is_ascii_uppercase() || !b.is_ascii())
        {
            self.hex("user", &name.to_lowercase(), 8)
        } else {
            self.hex("user", name, 8)
        };
        let mut p = String::with_capacity(13);
        p.push_str("user_");
        p.push_str(&hex);
        p
    }

    /// A stable, non-reversible name for a session in the audit log.
    pub fn session_pseudonym(&self, agent: &str, session_id: &str) -> String {
        format!(
            "s_{}",
            self.hex("session", &format!("{agent}\0{session_id}"), 12)
        )
    }

    /// A keyed hash of a redacted value, so the audit log can tell repeats apart without holding them.
    pub fn value_hash(&self, value: &str) -> String {
        self.hex("value", value, 16)
    }

    /// Identifies the key (not secret): stamps made with different keys are not comparable.
    pub fn key_id(&self) -> String {
        self.hex("key-id", "", 8)
    }
}

/// HMAC-SHA256 (RFC 2104) under a 32-byte key, its two pads hashed once: a short message then costs two
/// SHA-256 compressions, where the `hmac` crate's clone and buffering per message cost as much again.
#[derive(Clone)]
struct Hmac256 {
    /// SHA-256 states after the key XOR ipad block and after the key XOR opad block.
    inner: [u32; 8],
    outer: [u32; 8],
}

impl Hmac256 {
    fn new(key: &[u8; KEY_LEN]) -> Hmac256 {
        let pad = |byte: u8| {
            let mut block = [byte; 64];
            block.iter_mut().zip(key).for_each(|(b, k)| *b ^= k);
            let mut state = SHA256_IV;
            sha2::compress256(&mut state, &[*GenericArray::from_slice(&block)]);
            state
        };
        Hmac256 {
            inner: pad(0x36),
            outer: pad(0x5c),
        }
    }

    /// The MAC of the concatenation of `parts`.
    fn mac(&self, parts: &[&[u8]]) -> [u8; 32] {
        let inner = sha256_after_block(self.inner, parts);
        sha256_after_block(self.outer, &[&inner])
    }
}

const SHA256_IV: [u32; 8] = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];

/// SHA-256 of one 64-byte block (already compressed into `state`) followed by `parts`.
fn sha256_after_block(mut state: [u32; 8], parts: &[&[u8]]) -> [u8; 32] {
    let mut compress = |block: &[u8; 64]| {
        sha2::compress256(&mut state, &[*GenericArray::from_slice(block)]);
    };
    let mut block = [0u8; 64];
    let (mut fill, mut total) = (0, 64u64);
    for mut p in parts.iter().copied() {
        total += p.len() as u64;
        while !p.is_empty() {
            let n = (64 - fill).min(p.len());
            block[fill..fill + n].copy_from_slice(&p[..n]);
            (fill, p) = (fill + n, &p[n..]);
            if fill == 64 {
                compress(&block);
                fill = 0;
            }
        }
    }
    // Padding: a one bit, zeros, and the length in bits in the last eight bytes.
    block[fill] = 0x80;
    block[fill + 1..].fill(0);
    if fill + 1 > 56 {
        compress(&block);
        block.fill(0);
    }
    block[56..].copy_from_slice(&(total * 8).to_be_bytes());
    compress(&block);
    let mut out = [0u8; 32];
    for (o, w) in out.chunks_exact_mut(4).zip(state) {
        o.copy_from_slice(&w.to_be_bytes());
    }
    out
}

/// Recent digests of short values, per thread: a session names its user's login in every path and the
/// audit log hashes each occurrence; an HMAC each time was a visible share of the scrubber's time.
/// Direct-mapped: a value's slot is fixed by a cheap hash of it, and a newcomer evicts the occupant.
struct Memo {
    slots: Vec<Option<Remembered>>,
}

struct Remembered {
    id: [u8; 16],
    domain: &'static str,
    value: String,
    /// All 64 hex digits: callers take different lengths of the same digest.
    hex: String,
}

impl Memo {
    const SLOTS: usize = 256;
    /// Longer values are hashed every time (rare, and costly to compare).
    const LONGEST: usize = 128;

    fn slot(&mut self, domain: &str, value: &str) -> &mut Option<Remembered> {
        use std::hash::Hasher;
        // Eight bytes a step: a byte-at-a-time hash was a visible share of an audit record's cost.
        let mut h = crate::agents::assemble::FastHasher::default();
        h.write(domain.as_bytes());
        h.write_u8(0);
        h.write(value.as_bytes());
        &mut self.slots[(h.finish() >> 56) as usize % Self::SLOTS]
    }
}

thread_local! {
    static MEMO: std::cell::RefCell<Memo> = std::cell::RefCell::new(Memo {
        slots: (0..Memo::SLOTS).map(|_| None).collect(),
    });
}

/// Whether one of our pseudonyms begins at byte `at` of `text`.
pub fn pseudonym_at(text: &str, at: usize) -> bool {
    pseudonym_begins(text.as_bytes(), at)
}

/// [`pseudonym_at`] over bytes.
pub fn pseudonym_begins(b: &[u8], at: usize) -> bool {
    b.get(at..at + 13).is_some_and(|p| {
        p.starts_with(b"user_")
            && p[5..]
                .iter()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    })
}

/// Whether one of our pseudonyms stands anywhere in `text`.
pub fn holds_pseudonym(text: &str) -> bool {
    holds_pseudonym_bytes(text.as_bytes())
}

/// [`holds_pseudonym`] over bytes.
pub fn holds_pseudonym_bytes(b: &[u8]) -> bool {
    user_prefixes(b).any(|i| pseudonym_begins(b, i))
}

/// Where `user_` occurs in `b`, with one searcher built once: building one per call cost more than the
/// search in the short texts this runs on, once per candidate of every rule.
pub fn user_prefixes(b: &[u8]) -> impl Iterator<Item = usize> + '_ {
    static USER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"user_"));
    // `find` from each position on (the finder's `find_iter` clones, that is rebuilds, its searcher).
    let mut at = 0;
    std::iter::from_fn(move || {
        let i = at + USER.find(b.get(at..)?)?;
        at = i + 1;
        Some(i)
    })
}

/// Whether `s` is a pseudonym this module produced (so a second pass leaves it alone).
pub fn is_user_pseudonym(s: &str) -> bool {
    s.len() == 13 && pseudonym_begins(s.as_bytes(), 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The two-compression HMAC agrees with the `hmac` crate for every message length around the block
    /// boundaries, split into parts anywhere.
    #[test]
    fn hmac256_agrees_with_the_hmac_crate() {
        use hmac::{Hmac, Mac};
        let key: [u8; 32] = std::array::from_fn(|i| (i * 37 + 11) as u8);
        let ours = Hmac256::new(&key);
        let msg: Vec<u8> = (0..300u32).map(|i| (i * 7 + 3) as u8).collect();
        for len in 0..msg.len() {
            let m = &msg[..len];
            let mut theirs = <Hmac<sha2::Sha256> as Mac>::new_from_slice(&key).unwrap();
            theirs.update(m);
            let want: [u8; 32] = theirs.finalize().into_bytes().into();
            let cut = len / 3;
            assert_eq!(ours.mac(&[m]), want, "{len}");
            assert_eq!(ours.mac(&[&m[..cut], &[], &m[cut..]]), want, "{len}");
        }
    }

    #[test]
    fn pseudonyms_are_stable_keyed_and_case_blind() {
        let a = PseudonymKey::from_bytes([1; 32]);
        let b = PseudonymKey::from_bytes([2; 32]);
        let p = a.user_pseudonym("alice");
        assert!(is_user_pseudonym(&p), "{p}");
        assert_eq!(p, a.user_pseudonym("Alice"));
        assert_ne!(p, b.user_pseudonym("alice"));
        assert_ne!(p, a.user_pseudonym("bob"));
    }

    #[test]
    fn key_is_created_once_with_private_permissions_and_reread() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/scrub.key");
        let k1 = PseudonymKey::load_or_create(&path).unwrap();
        let k2 = PseudonymKey::load_or_create(&path).unwrap();
        assert_eq!(k1.user_pseudonym("x"), k2.user_pseudonym("x"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_key_of_the_wrong_size_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        fs::write(&path, b"short").unwrap();
        assert!(matches!(
            PseudonymKey::load_or_create(&path),
            Err(KeyError::BadLength { .. })
        ));
    }
}
