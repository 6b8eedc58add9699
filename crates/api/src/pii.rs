//! Personal data at rest (PIPL): AES-256-GCM ciphertext plus a keyed blind index, under a
//! key ring so that keys can be rotated while the service runs.
//!
//! A ciphertext names the key that made it (`v2:<key id>:<base64 nonce‖ciphertext>`; the
//! first format, `v1:<base64>`, named none and is read with every known key). New values are
//! always written with the current key; `autocrm rotate-pii-key` rewrites the old ones.
//! Blind indexes are keyed too: while old keys are still configured, exact lookups try the
//! index of every key, so a row not yet rotated is still found.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

const LEGACY_PREFIX: &str = "v1:";
const PREFIX: &str = "v2:";

#[derive(Debug, thiserror::Error)]
pub enum PiiError {
    #[error("no randomness for a nonce: {0}")]
    Random(String),
    #[error("PII encryption failed")]
    Encrypt,
    #[error(
        "PII decryption failed (wrong AUTOCRM_PII_KEY, or a key missing from AUTOCRM_PII_OLD_KEYS?)"
    )]
    Decrypt,
    #[error("invalid PII key configuration: {0}")]
    Config(String),
}

/// One key of the ring: the encryption key and the blind-index key derived from its secret.
struct Key {
    id: String,
    cipher: Aes256Gcm,
    index_key: [u8; 32],
    /// The root of further keys derived from the same secret ([`PiiCipher::subkey`]).
    subkey_root: [u8; 32],
}

impl Key {
    fn new(id: &str, secret: &str) -> Self {
        Self {
            id: id.to_owned(),
            cipher: Aes256Gcm::new(&derive(secret, "autocrm:pii:encryption:v1").into()),
            index_key: derive(secret, "autocrm:pii:blind-index:v1"),
            subkey_root: derive(secret, "autocrm:pii:subkeys:v1"),
        }
    }

    fn open(&self, bytes: &[u8]) -> Option<String> {
        if bytes.len() < 12 {
            return None;
        }
        let (nonce, ciphertext) = bytes.split_at(12);
        let plain = self
            .cipher
            .decrypt(Nonce::from_slice(nonce), ciphertext)
            .ok()?;
        String::from_utf8(plain).ok()
    }

    fn index(&self, normalised: &str) -> String {
        hex_hmac(&self.index_key, normalised)
    }

    /// The index under the key derived from this one's secret for `purpose`.
    fn purpose_index(&self, purpose: &str, normalised: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.subkey_root)
            .expect("HMAC accepts keys of any length");
        mac.update(b"blind-index:");
        mac.update(purpose.as_bytes());
        let key: [u8; 32] = mac.finalize().into_bytes().into();
        hex_hmac(&key, normalised)
    }
}

fn hex_hmac(key: &[u8], value: &str) -> String {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(value.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub struct PiiCipher {
    current: Key,
    /// Keys still read (values written with them) but never written with.
    old: Vec<Key>,
}

fn derive(secret: &str, label: &str) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .expect("HMAC accepts keys of any length");
    mac.update(label.as_bytes());
    mac.finalize().into_bytes().into()
}

/// The id of the one key of a ring built from a secret alone.
pub const DEFAULT_KEY_ID: &str = "k1";

impl PiiCipher {
    /// A ring of one key, with the default id.
    pub fn new(secret: &str) -> Self {
        Self {
            current: Key::new(DEFAULT_KEY_ID, secret),
            old: Vec::new(),
        }
    }

    /// The current key and the old ones still readable (`id`, secret).
    pub fn with_old_keys(
        current_id: &str,
        current_secret: &str,
        old: &[(String, String)],
    ) -> Result<Self, PiiError> {
        let valid_id = |id: &str| {
            !id.is_empty()
                && id.len() <= 32
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        if !valid_id(current_id) {
            return Err(PiiError::Config(format!(
                "key id {current_id:?}: use 1 to 32 letters, digits, - or _"
            )));
        }
        let mut ring = Self {
            current: Key::new(current_id, current_secret),
            old: Vec::new(),
        };
        for (id, secret) in old {
            if !valid_id(id) || id == current_id || ring.old.iter().any(|k| k.id == *id) {
                return Err(PiiError::Config(format!(
                    "old key id {id:?} is invalid or repeated"
                )));
            }
            ring.old.push(Key::new(id, secret));
        }
        Ok(ring)
    }

    pub fn current_key_id(&self) -> &str {
        &self.current.id
    }

    pub fn encrypt(&self, plaintext: &str) -> Result<String, PiiError> {
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).map_err(|e| PiiError::Random(e.to_string()))?;
        let ciphertext = self
            .current
            .cipher
            .encrypt(Nonce::from_slice(&nonce), plaintext.as_bytes())
            .map_err(|_| PiiError::Encrypt)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ciphertext);
        Ok(format!(
            "{PREFIX}{}:{}",
            self.current.id,
            STANDARD.encode(out)
        ))
    }

    pub fn decrypt(&self, stored: &str) -> Result<String, PiiError> {
        let keys = || std::iter::once(&self.current).chain(&self.old);
        if let Some(rest) = stored.strip_prefix(PREFIX) {
            let (id, body) = rest.split_once(':').ok_or(PiiError::Decrypt)?;
            let bytes = STANDARD.decode(body).map_err(|_| PiiError::Decrypt)?;
            let key = keys().find(|k| k.id == id).ok_or(PiiError::Decrypt)?;
            return key.open(&bytes).ok_or(PiiError::Decrypt);
        }
        let body = stored
            .strip_prefix(LEGACY_PREFIX)
            .ok_or(PiiError::Decrypt)?;
        let bytes = STANDARD.decode(body).map_err(|_| PiiError::Decrypt)?;
        keys().find_map(|k| k.open(&bytes)).ok_or(PiiError::Decrypt)
    }

    /// Whether a stored value was written with another key than the current one.
    pub fn needs_rotation(&self, stored: &str) -> bool {
        match stored.strip_prefix(PREFIX).and_then(|r| r.split_once(':')) {
            Some((id, _)) => id != self.current.id,
            None => true,
        }
    }

    /// A key for another use of the current secret (attachment contents, ...), distinct from
    /// the field key and from every other label's: HMAC-SHA256(root, label).
    pub fn subkey(&self, label: &str) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.current.subkey_root)
            .expect("HMAC accepts keys of any length");
        mac.update(label.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// A deterministic keyed hash under the current key, for exact lookups and dedupe
    /// without decrypting. Stored indexes are always made with it.
    pub fn blind_index(&self, normalised: &str) -> String {
        self.current.index(normalised)
    }

    /// A blind index under a key of its own for one purpose (the last four digits of phones:
    /// a short value whose index must never be comparable with a full value's).
    pub fn purpose_index(&self, purpose: &str, normalised: &str) -> String {
        self.current.purpose_index(purpose, normalised)
    }

    /// [`purpose_index`](Self::purpose_index) under every key of the ring, current first.
    pub fn purpose_indexes(&self, purpose: &str, normalised: &str) -> Vec<String> {
        std::iter::once(&self.current)
            .chain(&self.old)
            .map(|k| k.purpose_index(purpose, normalised))
            .collect()
    }

    /// The value's index under every key of the ring, current first: what a lookup matches
    /// while rows written under old keys are not rotated yet.
    pub fn blind_indexes(&self, normalised: &str) -> Vec<String> {
        std::iter::once(&self.current)
            .chain(&self.old)
            .map(|k| k.index(normalised))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_hides() {
        let pii = PiiCipher::new("k");
        let a = pii.encrypt("+8613812345678").unwrap();
        let b = pii.encrypt("+8613812345678").unwrap();
        assert_ne!(a, b, "random nonces");
        assert!(!a.contains("138"));
        assert!(a.starts_with("v2:k1:"));
        assert_eq!(pii.decrypt(&a).unwrap(), "+8613812345678");
        assert!(PiiCipher::new("other").decrypt(&a).is_err());
        assert_eq!(pii.blind_index("x"), pii.blind_index("x"));
        assert_ne!(
            pii.blind_index("x"),
            PiiCipher::new("other").blind_index("x")
        );
        assert_eq!(pii.subkey("files"), PiiCipher::new("k").subkey("files"));
        assert_ne!(pii.subkey("files"), pii.subkey("other"));
        assert_ne!(pii.subkey("files"), PiiCipher::new("other").subkey("files"));
    }

    #[test]
    fn old_keys_stay_readable_and_lookups_find_old_indexes() {
        let old = PiiCipher::new("first-secret");
        let written = old.encrypt("+8613912345678").unwrap();
        let ring = PiiCipher::with_old_keys(
            "k2",
            "second-secret",
            &[("k1".into(), "first-secret".into())],
        )
        .unwrap();
        assert_eq!(ring.decrypt(&written).unwrap(), "+8613912345678");
        assert!(ring.needs_rotation(&written));
        let rewritten = ring.encrypt("+8613912345678").unwrap();
        assert!(rewritten.starts_with("v2:k2:") && !ring.needs_rotation(&rewritten));
        let indexes = ring.blind_indexes("+8613912345678");
        assert_eq!(indexes[0], ring.blind_index("+8613912345678"));
        assert!(indexes.contains(&old.blind_index("+8613912345678")));
        // Without the old key, the old value is unreadable: keys must be kept until rotated.
        assert!(PiiCipher::new("second-secret").decrypt(&written).is_err());
    }

    #[test]
    fn the_first_format_is_still_read() {
        let key = Key::new("k1", "legacy");
        let mut nonce = [7u8; 12].to_vec();
        let ct = key
            .cipher
            .encrypt(Nonce::from_slice(&nonce), "+8613700000000".as_bytes())
            .unwrap();
        nonce.extend_from_slice(&ct);
        let legacy = format!("v1:{}", STANDARD.encode(nonce));
        assert_eq!(
            PiiCipher::new("legacy").decrypt(&legacy).unwrap(),
            "+8613700000000"
        );
    }

    #[test]
    fn key_ids_are_checked() {
        assert!(PiiCipher::with_old_keys("", "s", &[]).is_err());
        assert!(PiiCipher::with_old_keys("k2", "s", &[("k2".into(), "t".into())]).is_err());
        assert!(PiiCipher::with_old_keys("k:2", "s", &[]).is_err());
    }
}
