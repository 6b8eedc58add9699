//! Where attachment contents live: a [`BlobStore`] holds opaque (already encrypted) objects
//! by key. Local disk under the data directory is the default; an S3-compatible store
//! (AWS S3, MinIO, Aliyun OSS, Tencent COS) is used when configured. Writes stream: a store
//! never needs a whole file at once.

mod local;
mod s3;

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::web::Bytes;
use autocrm_domain::attachment::FileKind;
use futures_util::Stream;

pub use local::LocalStore;
pub use s3::S3Store;

use super::crypto::ContentKey;
use crate::config::{ConfigError, Settings};
use crate::pii::PiiCipher;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
/// An object's bytes as the store hands them out.
pub type ByteStream = Pin<Box<dyn Stream<Item = io::Result<Bytes>> + Send>>;

/// A store of objects by key.
pub trait BlobStore: Send + Sync + 'static {
    /// The store's name, recorded on each attachment (`local`, `s3`).
    fn name(&self) -> &'static str;

    /// Starts writing the object `key`; it exists only once the writer is finished.
    fn create<'a>(&'a self, key: &'a str) -> BoxFuture<'a, io::Result<Box<dyn BlobWriter>>>;

    /// The object's bytes; `ErrorKind::NotFound` when there is no such object.
    fn open<'a>(&'a self, key: &'a str) -> BoxFuture<'a, io::Result<ByteStream>>;

    /// Removes the object; an absent object is not an error.
    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, io::Result<()>>;
}

/// An object being written.
pub trait BlobWriter: Send {
    fn write(&mut self, bytes: Bytes) -> BoxFuture<'_, io::Result<()>>;

    /// Makes the object exist under its key, whole.
    fn finish(self: Box<Self>) -> BoxFuture<'static, io::Result<()>>;

    /// Gives up: nothing remains of what was written.
    fn abort(self: Box<Self>) -> BoxFuture<'static, ()>;
}

/// A key is made by the server (organisation id / attachment id); this refuses anything
/// else, so that no key can name a path outside the store.
pub(crate) fn check_key(key: &str) -> io::Result<()> {
    let ok = !key.is_empty()
        && key.len() <= 200
        && key.split('/').all(|part| {
            !part.is_empty() && part.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
        });
    if ok {
        Ok(())
    } else {
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("not a storage key: {key:?}"),
        ))
    }
}

/// The attachments' file service: where new contents go, every store that may hold older
/// ones, the content key, and what an upload may be.
pub struct Files {
    /// New contents go to the first; the local store is always among them, so that files
    /// written before an S3 store was configured stay readable.
    stores: Vec<Arc<dyn BlobStore>>,
    key: ContentKey,
    /// The largest upload, in bytes.
    pub max_upload_bytes: u64,
    /// The kinds an upload may be.
    pub kinds: Vec<FileKind>,
}

impl Files {
    pub fn new(
        stores: Vec<Arc<dyn BlobStore>>,
        pii: &PiiCipher,
        max_upload_bytes: u64,
        kinds: Vec<FileKind>,
    ) -> Self {
        assert!(!stores.is_empty(), "at least one file store");
        Self {
            stores,
            key: ContentKey::from_pii(pii),
            max_upload_bytes,
            kinds,
        }
    }

    /// From the settings: S3 when configured, the local data directory always.
    pub fn from_settings(settings: &Settings, pii: &PiiCipher) -> Result<Self, ConfigError> {
        let local: Arc<dyn BlobStore> = Arc::new(LocalStore::new(&settings.data_dir));
        let mut stores = Vec::new();
        if settings.s3.is_configured() {
            let s3 = S3Store::new(&settings.s3)
                .map_err(|e| ConfigError::Env("AUTOCRM_S3_ENDPOINT", e))?;
            stores.push(Arc::new(s3) as Arc<dyn BlobStore>);
        }
        stores.push(local);
        Ok(Self::new(
            stores,
            pii,
            settings.max_upload_bytes,
            settings.upload_kinds()?,
        ))
    }

    /// Where new contents go.
    pub fn primary(&self) -> &Arc<dyn BlobStore> {
        &self.stores[0]
    }

    /// The store a row names.
    pub fn store(&self, name: &str) -> io::Result<&Arc<dyn BlobStore>> {
        self.stores
            .iter()
            .find(|s| s.name() == name)
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::NotFound,
                    format!("the file store {name:?} is not configured"),
                )
            })
    }

    pub fn key(&self) -> &ContentKey {
        &self.key
    }
}

#[cfg(test)]
mod tests {
    use super::check_key;

    #[test]
    fn keys_are_ids_only() {
        assert!(check_key("0193a5c4-6f1e-7cc0/0193a5c4-6f1e-7cc1").is_ok());
        for bad in [
            "",
            "../etc/passwd",
            "a//b",
            "/abs",
            "a/../b",
            "a b",
            "x.txt",
        ] {
            assert!(check_key(bad).is_err(), "{bad}");
        }
    }
}
