//! The local pseudonym key: 32 random bytes, created on first use with 0600 permissions, that turn names
//! into stable pseudonyms (`user_` + 8 hex of HMAC-SHA256) nobody without the key can reverse by guessing.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use hmac::{Hmac, Mac};
use sha2::Sha256;

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
    /// HMAC-SHA256 keyed once (its inner and outer pads hashed); each use clones it.
    keyed: Hmac<Sha256>,
}

impl std::fmt::Debug for PseudonymKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PseudonymKey(..)")
    }
}

impl PseudonymKey {
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> PseudonymKey {
        PseudonymKey {
            keyed: <Hmac<Sha256> as Mac>::new_from_slice(&bytes)
                .expect("HMAC takes any key length"),
        }
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
        let mut mac = self.keyed.clone();
        mac.update(domain.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        mac.finalize().into_bytes().into()
    }

    fn hex(&self, domain: &str, value: &str, digits: usize) -> String {
        self.mac(domain, value)
            .iter()
            .flat_map(|b| [b >> 4, b & 15])
            .take(digits)
            .map(|n| char::from_digit(n as u32, 16).unwrap_or('0'))
            .collect()
    }

    /// `user_` + 8 hex: the same login maps to the same pseudonym whatever its case.
    pub fn user_pseudonym(&self, name: &str) -> String {
        format!("user_{}", self.hex("user", &name.to_lowercase(), 8))
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

/// Whether one of our pseudonyms begins at byte `at` of `text`.
pub fn pseudonym_at(text: &str, at: usize) -> bool {
    text.get(at..at + 13).is_some_and(is_user_pseudonym)
}

/// Whether one of our pseudonyms stands anywhere in `text`.
pub fn holds_pseudonym(text: &str) -> bool {
    memchr::memmem::find_iter(text.as_bytes(), b"user_").any(|i| pseudonym_at(text, i))
}

/// Whether `s` is a pseudonym this module produced (so a second pass leaves it alone).
pub fn is_user_pseudonym(s: &str) -> bool {
    s.len() == 13
        && s.starts_with("user_")
        && s[5..]
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

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
