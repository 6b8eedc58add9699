//! Attachment contents at rest: AES-256-GCM in chunks, so a file of any size is encrypted and
//! decrypted as it streams, never held whole.
//!
//! The layout follows the STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár): a
//! header, then chunks of [`CHUNK`] plaintext bytes, each sealed with its own nonce — a chunk
//! counter and a flag for the last chunk — so chunks cannot be reordered, dropped or the file
//! cut short without decryption failing.
//!
//! ```text
//! header:  "ACRMF" 0x00 0x01 0x00 (8 bytes: format 1) | salt (32 random bytes)
//! chunk i: AES-256-GCM(file key, nonce = 0^7 | i as u32 BE | last ? 1 : 0, aad = attachment id)
//!          CHUNK bytes of plaintext + 16-byte tag; the last chunk 0..=CHUNK bytes + tag
//! ```
//!
//! The file key is HMAC-SHA256(content key, salt): one key per file, so the fixed nonce
//! prefix never repeats under a key. The content key is derived from the PII key under its
//! own label ([`crate::pii::PiiCipher::subkey`]); its id (a fingerprint) is stored on each
//! row, so a later rotation knows which key a file needs. The attachment's id is the
//! associated data: a file moved under another row's key does not decrypt.

use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::pii::PiiCipher;

/// Plaintext bytes per chunk.
pub const CHUNK: usize = 64 * 1024;
const TAG: usize = 16;
const SEALED: usize = CHUNK + TAG;
const MAGIC: &[u8; 8] = b"ACRMF\x00\x01\x00";
const SALT: usize = 32;
/// Bytes before the first chunk.
pub const HEADER: usize = MAGIC.len() + SALT;
const LABEL: &str = "autocrm:attachments:content:v1";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    #[error("no randomness for a salt: {0}")]
    Random(String),
    #[error("the file is too large for one key")]
    TooManyChunks,
    #[error("attachment encryption failed")]
    Encrypt,
    #[error("not an encrypted attachment (bad header)")]
    BadHeader,
    #[error("attachment decryption failed (tampered, truncated, or the wrong key)")]
    Decrypt,
}

/// How many bytes a plaintext of `len` bytes takes encrypted.
pub const fn sealed_len(len: u64) -> u64 {
    // Full chunks, the last one holding 1..=CHUNK bytes (or none for an empty file).
    let chunks = if len == 0 {
        1
    } else {
        len.div_ceil(CHUNK as u64)
    };
    HEADER as u64 + len + chunks * TAG as u64
}

/// The key attachments are encrypted under, with its id.
pub struct ContentKey {
    key: [u8; 32],
    id: String,
}

/// The key of one file: HMAC-SHA256(content key, the file's salt).
fn file_cipher(key: &[u8; 32], salt: &[u8]) -> Aes256Gcm {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("any key length");
    mac.update(salt);
    let file_key: [u8; 32] = mac.finalize().into_bytes().into();
    Aes256Gcm::new(&file_key.into())
}

impl ContentKey {
    pub fn from_pii(pii: &PiiCipher) -> Self {
        Self::new(pii.subkey(LABEL))
    }

    fn new(key: [u8; 32]) -> Self {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key).expect("any key length");
        mac.update(b"autocrm:key-id");
        let fingerprint: String = mac.finalize().into_bytes()[..6]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Self {
            key,
            id: format!("pii-{fingerprint}"),
        }
    }

    /// Recorded on each attachment: which key its content needs.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Starts encrypting the content of attachment `aad` (its id).
    pub fn encryptor(&self, aad: &str) -> Result<Encryptor, CryptoError> {
        let mut salt = [0u8; SALT];
        getrandom::fill(&mut salt).map_err(|e| CryptoError::Random(e.to_string()))?;
        let mut header = MAGIC.to_vec();
        header.extend_from_slice(&salt);
        Ok(Encryptor {
            cipher: file_cipher(&self.key, &salt),
            aad: aad.as_bytes().to_vec(),
            counter: 0,
            plain: Vec::with_capacity(CHUNK + 1),
            header: Some(header),
        })
    }

    /// Starts decrypting the content of attachment `aad`.
    pub fn decryptor(&self, aad: &str) -> Decryptor {
        Decryptor {
            key: self.key,
            cipher: None,
            aad: aad.as_bytes().to_vec(),
            counter: 0,
            sealed: Vec::with_capacity(SEALED + 1),
        }
    }
}

fn nonce(counter: u32, last: bool) -> [u8; 12] {
    let mut nonce = [0u8; 12];
    nonce[7..11].copy_from_slice(&counter.to_be_bytes());
    nonce[11] = u8::from(last);
    nonce
}

/// Encrypts a stream of plaintext: feed it with [`update`](Self::update), close it with
/// [`finish`](Self::finish); each returns the ciphertext ready to write.
pub struct Encryptor {
    cipher: Aes256Gcm,
    aad: Vec<u8>,
    counter: u32,
    /// Plaintext not yet sealed: a chunk is sealed only once more follows it, so that the
    /// last chunk is known to be last.
    plain: Vec<u8>,
    header: Option<Vec<u8>>,
}

impl Encryptor {
    fn seal(
        &mut self,
        mut chunk: Vec<u8>,
        last: bool,
        out: &mut Vec<u8>,
    ) -> Result<(), CryptoError> {
        let nonce = nonce(self.counter, last);
        self.counter = self
            .counter
            .checked_add(1)
            .ok_or(CryptoError::TooManyChunks)?;
        let tag = self
            .cipher
            .encrypt_in_place_detached(Nonce::from_slice(&nonce), &self.aad, &mut chunk)
            .map_err(|_| CryptoError::Encrypt)?;
        out.extend_from_slice(&chunk);
        out.extend_from_slice(&tag);
        Ok(())
    }

    pub fn update(&mut self, mut data: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let mut out = self.header.take().unwrap_or_default();
        while !data.is_empty() {
            let room = CHUNK + 1 - self.plain.len();
            let take = room.min(data.len());
            self.plain.extend_from_slice(&data[..take]);
            data = &data[take..];
            if self.plain.len() > CHUNK {
                let rest = self.plain.split_off(CHUNK);
                let chunk = std::mem::replace(&mut self.plain, rest);
                self.seal(chunk, false, &mut out)?;
            }
        }
        Ok(out)
    }

    pub fn finish(mut self) -> Result<Vec<u8>, CryptoError> {
        let mut out = self.header.take().unwrap_or_default();
        let chunk = std::mem::take(&mut self.plain);
        self.seal(chunk, true, &mut out)?;
        Ok(out)
    }
}

/// Decrypts a stream of ciphertext, chunk by chunk: only authenticated plaintext comes out.
pub struct Decryptor {
    key: [u8; 32],
    cipher: Option<Aes256Gcm>,
    aad: Vec<u8>,
    counter: u32,
    sealed: Vec<u8>,
}

impl Decryptor {
    fn open(&mut self, mut chunk: Vec<u8>, last: bool) -> Result<Vec<u8>, CryptoError> {
        let cipher = self.cipher.as_ref().ok_or(CryptoError::BadHeader)?;
        if chunk.len() < TAG {
            return Err(CryptoError::Decrypt);
        }
        let tag = chunk.split_off(chunk.len() - TAG);
        let nonce = nonce(self.counter, last);
        cipher
            .decrypt_in_place_detached(
                Nonce::from_slice(&nonce),
                &self.aad,
                &mut chunk,
                aes_gcm::Tag::from_slice(&tag),
            )
            .map_err(|_| CryptoError::Decrypt)?;
        self.counter = self
            .counter
            .checked_add(1)
            .ok_or(CryptoError::TooManyChunks)?;
        Ok(chunk)
    }

    pub fn update(&mut self, data: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.sealed.extend_from_slice(data);
        let mut out = Vec::new();
        if self.cipher.is_none() {
            if self.sealed.len() < HEADER {
                return Ok(out);
            }
            if &self.sealed[..MAGIC.len()] != MAGIC {
                return Err(CryptoError::BadHeader);
            }
            self.cipher = Some(file_cipher(&self.key, &self.sealed[MAGIC.len()..HEADER]));
            self.sealed.drain(..HEADER);
        }
        while self.sealed.len() > SEALED {
            let rest = self.sealed.split_off(SEALED);
            let chunk = std::mem::replace(&mut self.sealed, rest);
            out.extend_from_slice(&self.open(chunk, false)?);
        }
        Ok(out)
    }

    /// The last chunk; fails if the ciphertext was cut short.
    pub fn finish(mut self) -> Result<Vec<u8>, CryptoError> {
        if self.cipher.is_none() {
            return Err(CryptoError::BadHeader);
        }
        let chunk = std::mem::take(&mut self.sealed);
        self.open(chunk, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> ContentKey {
        ContentKey::from_pii(&PiiCipher::new("test-secret"))
    }

    fn encrypt(key: &ContentKey, aad: &str, data: &[u8], piece: usize) -> Vec<u8> {
        let mut enc = key.encryptor(aad).unwrap();
        let mut out = Vec::new();
        for part in data.chunks(piece.max(1)) {
            out.extend(enc.update(part).unwrap());
        }
        out.extend(enc.finish().unwrap());
        out
    }

    fn decrypt(
        key: &ContentKey,
        aad: &str,
        data: &[u8],
        piece: usize,
    ) -> Result<Vec<u8>, CryptoError> {
        let mut dec = key.decryptor(aad);
        let mut out = Vec::new();
        for part in data.chunks(piece.max(1)) {
            out.extend(dec.update(part)?);
        }
        out.extend(dec.finish()?);
        Ok(out)
    }

    #[test]
    fn round_trips_at_every_size_and_piece_size() {
        let key = key();
        for len in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 17] {
            let data: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
            for piece in [1000, CHUNK, 7 * CHUNK] {
                let sealed = encrypt(&key, "id-1", &data, piece);
                assert_eq!(sealed.len() as u64, sealed_len(len as u64), "len {len}");
                for read in [999, SEALED, 5 * SEALED] {
                    assert_eq!(decrypt(&key, "id-1", &sealed, read).unwrap(), data);
                }
            }
        }
    }

    #[test]
    fn hides_the_plaintext_and_uses_a_fresh_salt() {
        let key = key();
        let data = b"%PDF-1.7 \xe5\xbc\xa0\xe4\xbc\x9f ID 110101199003071234".repeat(100);
        let a = encrypt(&key, "x", &data, 4096);
        let b = encrypt(&key, "x", &data, 4096);
        assert_ne!(a, b);
        assert!(!a.windows(8).any(|w| w == b"%PDF-1.7"));
        assert!(!a.windows(18).any(|w| w == b"110101199003071234"));
    }

    #[test]
    fn tampering_truncation_reordering_and_the_wrong_row_fail() {
        let key = key();
        let data = vec![7u8; 2 * CHUNK + 5];
        let sealed = encrypt(&key, "row-a", &data, CHUNK);
        // Another row's id.
        assert_eq!(
            decrypt(&key, "row-b", &sealed, 4096),
            Err(CryptoError::Decrypt)
        );
        // Another key.
        let other = ContentKey::from_pii(&PiiCipher::new("other"));
        assert_ne!(other.id(), key.id());
        assert_eq!(
            decrypt(&other, "row-a", &sealed, 4096),
            Err(CryptoError::Decrypt)
        );
        // A flipped bit.
        let mut flipped = sealed.clone();
        flipped[HEADER + 10] ^= 1;
        assert_eq!(
            decrypt(&key, "row-a", &flipped, 4096),
            Err(CryptoError::Decrypt)
        );
        // Cut at a chunk boundary: the last chunk is missing.
        let cut = &sealed[..HEADER + 2 * SEALED];
        assert_eq!(decrypt(&key, "row-a", cut, 4096), Err(CryptoError::Decrypt));
        // Two chunks swapped.
        let mut swapped = sealed[..HEADER].to_vec();
        swapped.extend_from_slice(&sealed[HEADER + SEALED..HEADER + 2 * SEALED]);
        swapped.extend_from_slice(&sealed[HEADER..HEADER + SEALED]);
        swapped.extend_from_slice(&sealed[HEADER + 2 * SEALED..]);
        assert_eq!(
            decrypt(&key, "row-a", &swapped, 4096),
            Err(CryptoError::Decrypt)
        );
        // Not ours at all.
        assert_eq!(
            decrypt(
                &key,
                "row-a",
                b"MZ not encrypted at all, no header here..",
                8
            ),
            Err(CryptoError::BadHeader)
        );
        assert_eq!(decrypt(&key, "row-a", b"", 8), Err(CryptoError::BadHeader));
    }

    #[test]
    fn the_key_id_is_stable_for_a_secret() {
        assert_eq!(key().id(), key().id());
        assert!(key().id().starts_with("pii-"));
    }
}
