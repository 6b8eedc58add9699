//! Objects as files under `<data dir>/attachments/`. A file is written under a temporary
//! name and renamed into place when finished, so a reader never sees half of one.

use std::io;
use std::path::{Path, PathBuf};

use actix_web::web::Bytes;
use futures_util::stream;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{BlobStore, BlobWriter, BoxFuture, ByteStream, check_key};

const READ_CHUNK: usize = 64 * 1024;

pub struct LocalStore {
    root: PathBuf,
}

impl LocalStore {
    pub fn new(data_dir: impl AsRef<Path>) -> Self {
        Self {
            root: data_dir.as_ref().join("attachments"),
        }
    }

    fn path(&self, key: &str) -> io::Result<PathBuf> {
        check_key(key)?;
        Ok(self.root.join(key))
    }
}

struct LocalWriter {
    file: tokio::fs::File,
    partial: PathBuf,
    target: PathBuf,
}

impl BlobStore for LocalStore {
    fn name(&self) -> &'static str {
        "local"
    }

    fn create<'a>(&'a self, key: &'a str) -> BoxFuture<'a, io::Result<Box<dyn BlobWriter>>> {
        Box::pin(async move {
            let target = self.path(key)?;
            if let Some(dir) = target.parent() {
                tokio::fs::create_dir_all(dir).await?;
            }
            let partial = target.with_extension("partial");
            let file = tokio::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .open(&partial)
                .await?;
            Ok(Box::new(LocalWriter {
                file,
                partial,
                target,
            }) as Box<dyn BlobWriter>)
        })
    }

    fn open<'a>(&'a self, key: &'a str) -> BoxFuture<'a, io::Result<ByteStream>> {
        Box::pin(async move {
            let file = tokio::fs::File::open(self.path(key)?).await?;
            let chunks = stream::try_unfold(file, |mut file| async move {
                let mut buf = vec![0u8; READ_CHUNK];
                let n = file.read(&mut buf).await?;
                if n == 0 {
                    return Ok(None);
                }
                buf.truncate(n);
                Ok(Some((Bytes::from(buf), file)))
            });
            Ok(Box::pin(chunks) as ByteStream)
        })
    }

    /// Removes the file, and what an interrupted write of it left.
    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, io::Result<()>> {
        Box::pin(async move {
            let path = self.path(key)?;
            for path in [path.with_extension("partial"), path] {
                match tokio::fs::remove_file(&path).await {
                    Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                    _ => {}
                }
            }
            Ok(())
        })
    }
}

impl BlobWriter for LocalWriter {
    fn write(&mut self, bytes: Bytes) -> BoxFuture<'_, io::Result<()>> {
        Box::pin(async move { self.file.write_all(&bytes).await })
    }

    fn finish(self: Box<Self>) -> BoxFuture<'static, io::Result<()>> {
        Box::pin(async move {
            let LocalWriter {
                mut file,
                partial,
                target,
            } = *self;
            file.flush().await?;
            file.sync_all().await?;
            drop(file);
            tokio::fs::rename(&partial, &target).await
        })
    }

    fn abort(self: Box<Self>) -> BoxFuture<'static, ()> {
        Box::pin(async move {
            let LocalWriter { file, partial, .. } = *self;
            drop(file);
            if let Err(e) = tokio::fs::remove_file(&partial).await {
                tracing::warn!(error = %e, path = %partial.display(), "could not remove a partial upload");
            }
        })
    }
}
