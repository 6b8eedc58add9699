//! Personal data at rest (PIPL): AES-256-GCM ciphertext plus a keyed blind index.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

const VERSION_PREFIX: &str = "v1:";

#[derive(Debug, thiserror::Error)]
pub enum PiiError {
    #[error("no randomness for a nonce: {0}")]
    Random(String),
    #[error("PII encryption failed")]
    Encrypt,
    #[error("PII decryption failed (wrong AUTOCRM_PII_KEY?)")]
    Decrypt,
}

pub struct PiiCipher {
    cipher: Aes256Gcm,
    index_key: [u8; 32],
}

fn derive(secret: &str, label: &str) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .expect("HMAC accepts keys of any length");
    mac.update(label.as_bytes());
    mac.finalize().into_bytes().into()
}

impl PiiCipher {
    /// Derives separate keys for encryption and for the blind index from one secret.
    pub fn new(secret: &str) -> Self {
        let enc_key = derive(secret, "autocrm:pii:encryption:v1");
        Self {
            cipher: Aes256Gcm::new(&enc_key.into()),
            index_key: derive(secret, "autocrm:pii:blind-index:v1"),
        }
    }

    pub fn encrypt(&self, plaintext: &str) -> Result<String, PiiError> {
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).map_err(|e| PiiError::Random(e.to_string()))?;
        let ciphertext = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), plaintext.as_bytes())
            .map_err(|_| PiiError::Encrypt)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ciphertext);
        Ok(format!("{VERSION_PREFIX}{}", STANDARD.encode(out)))
    }

    pub fn decrypt(&self, stored: &str) -> Result<String, PiiError> {
        let fail = || PiiError::Decrypt;
        let body = stored.strip_prefix(VERSION_PREFIX).ok_or_else(fail)?;
        let bytes = STANDARD.decode(body).map_err(|_| fail())?;
        if bytes.len() < 12 {
            return Err(fail());
        }
        let (nonce, ciphertext) = bytes.split_at(12);
        let plain = self
            .cipher
            .decrypt(Nonce::from_slice(nonce), ciphertext)
            .map_err(|_| fail())?;
        String::from_utf8(plain).map_err(|_| fail())
    }

    /// A deterministic keyed hash, for exact lookups and dedupe without decrypting.
    pub fn blind_index(&self, normalised: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.index_key)
            .expect("HMAC accepts keys of any length");
        mac.update(normalised.as_bytes());
        mac.finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
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
        assert_eq!(pii.decrypt(&a).unwrap(), "+8613812345678");
        assert!(PiiCipher::new("other").decrypt(&a).is_err());
        assert_eq!(pii.blind_index("x"), pii.blind_index("x"));
        assert_ne!(
            pii.blind_index("x"),
            PiiCipher::new("other").blind_index("x")
        );
    }
}
