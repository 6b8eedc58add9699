//! Receiving a file as it streams: the owner is checked before a byte is read; the first
//! bytes decide the kind (the sender's `Content-Type` is only compared with it); then every
//! chunk is counted against the limit, hashed (SHA-256 of the plaintext), encrypted and
//! written to the store. Nothing is held whole. A refusal at any point leaves nothing: no
//! row, no object.

use std::fmt::Display;
use std::sync::Arc;

use actix_web::web::Bytes;
use autocrm_domain::attachment::{FileKind, FileName, SNIFF_BYTES, is_generic_media_type, sniff};
use autocrm_persistence::models::Attachment;
use futures_util::{Stream, StreamExt};
use sha2::{Digest, Sha256};

use super::crypto::Encryptor;
use super::owners::{Access, OwnerType};
use super::service::{self, AttachmentInfo, NewUpload};
use super::storage::{BlobStore, Files};
use crate::app::{Actor, App, RequestMeta};
use crate::error::{ApiError, Code};

/// What the sender says about a file.
pub struct Upload {
    pub owner: OwnerType,
    pub owner_id: String,
    /// The media type the sender declared (the request's or the part's), if any.
    pub declared: Option<String>,
    /// The file's name; `attachment.<ext>` when none was given.
    pub name: Option<FileName>,
}

/// Who uploads, for the units of work the upload runs.
pub struct Uploader<'a> {
    pub app: &'a App,
    pub actor: &'a Actor,
    pub request: &'a RequestMeta,
}

pub fn too_large(limit: u64) -> ApiError {
    ApiError::new(Code::PayloadTooLarge).with_detail(format!(
        "an attachment may be at most {limit} bytes (AUTOCRM_MAX_UPLOAD_BYTES)"
    ))
}

/// A body that broke off or is not what its content type says (400).
pub fn unreadable(e: impl Display) -> ApiError {
    ApiError::bad_request(
        Code::BadRequest,
        format!("the upload could not be read: {e}"),
    )
}

fn store_failed(e: impl Display) -> ApiError {
    tracing::error!(error = %e, "the file store failed");
    ApiError::new(Code::Unavailable).with_detail("the file store is not available; try again")
}

/// The kind the content is, if uploads may be of that kind and the sender did not claim
/// another: 415 for a kind that is not accepted (an `.exe`, whatever it is called), 422 for a
/// declared type that the content contradicts.
pub fn classify(files: &Files, head: &[u8], declared: Option<&str>) -> Result<FileKind, ApiError> {
    let allowed = || {
        files
            .kinds
            .iter()
            .map(|k| k.mime())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let kind =
        match sniff(head) {
            Some(kind) if files.kinds.contains(&kind) => kind,
            Some(kind) => {
                return Err(
                    ApiError::new(Code::UnsupportedMediaType).with_detail(format!(
                        "{} files are not accepted; allowed: {}",
                        kind.mime(),
                        allowed()
                    )),
                );
            }
            None => {
                return Err(ApiError::new(Code::UnsupportedMediaType).with_detail(format!(
                "the content is not a kind of file that is accepted (the type is read from the \
bytes, not from Content-Type); allowed: {}",
                allowed()
            )));
            }
        };
    if let Some(declared) = declared
        && !is_generic_media_type(declared)
        && FileKind::from_mime(declared) != Some(kind)
    {
        return Err(ApiError::invalid(
            "content_type",
            "content_type_mismatch",
            format!("declared as {declared}, but the content is {}", kind.mime()),
        ));
    }
    Ok(kind)
}

/// Counts, hashes and encrypts the plaintext as it passes.
struct Sealer {
    encryptor: Encryptor,
    sha256: Sha256,
    size: u64,
    limit: u64,
}

impl Sealer {
    fn feed(&mut self, chunk: &[u8]) -> Result<Bytes, ApiError> {
        self.size += chunk.len() as u64;
        if self.size > self.limit {
            return Err(too_large(self.limit));
        }
        self.sha256.update(chunk);
        let sealed = self.encryptor.update(chunk).map_err(ApiError::internal)?;
        Ok(Bytes::from(sealed))
    }
}

/// Removes what a failed or abandoned upload left: its object, then its pending row.
async fn discard(app: App, store: Arc<dyn BlobStore>, pending: Attachment) {
    if let Err(e) = store.delete(&pending.storage_key).await {
        tracing::warn!(error = %e, id = %pending.id, "could not remove an abandoned upload's content");
    }
    let id = pending.id.clone();
    if let Err(e) = app
        .connection(move |conn| Ok(Attachment::delete_pending(conn, &id)?))
        .await
    {
        tracing::warn!(error = %e, id = %pending.id, "could not remove an abandoned upload's row");
    }
}

/// Cleans up if the upload future is dropped half-way (the client went away): the pending
/// row and any object are removed at once rather than by the next day's sweep.
struct Abandoned {
    cleanup: Option<(App, Arc<dyn BlobStore>, Attachment)>,
}

impl Drop for Abandoned {
    fn drop(&mut self) {
        let Some((app, store, pending)) = self.cleanup.take() else {
            return;
        };
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(discard(app, store, pending));
        }
    }
}

/// Receives one file for `upload`'s owner from `body`. A body error (the client broke off,
/// or a multipart body had more than one part) refuses the upload with that error.
pub async fn receive<S>(
    who: Uploader<'_>,
    files: &Files,
    upload: Upload,
    mut body: S,
) -> Result<AttachmentInfo, ApiError>
where
    S: Stream<Item = Result<Bytes, ApiError>> + Unpin,
{
    let Uploader {
        app,
        actor,
        request,
    } = who;
    let (owner, owner_id) = (upload.owner, upload.owner_id.clone());
    app.read(actor.clone(), request.clone(), move |ctx| {
        service::check_owner(ctx, owner, &owner_id, Access::Write)
    })
    .await?;

    // The first bytes decide what the file is.
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    let mut ended = false;
    while head.len() < SNIFF_BYTES {
        match body.next().await {
            Some(chunk) => head.extend_from_slice(&chunk?),
            None => {
                ended = true;
                break;
            }
        }
    }
    if head.len() as u64 > files.max_upload_bytes {
        return Err(too_large(files.max_upload_bytes));
    }
    let kind = classify(files, &head, upload.declared.as_deref())?;
    let name = upload.name.unwrap_or_else(|| FileName::default_for(kind));
    name.check_fits(kind)
        .map_err(|e| ApiError::invalid("filename", "extension_mismatch", e.to_string()))?;

    let store = files.primary().clone();
    let new = NewUpload {
        owner: upload.owner,
        owner_id: upload.owner_id,
        kind,
        name,
        storage: store.name(),
        key_id: files.key().id().to_owned(),
    };
    let pending = app
        .write(actor.clone(), request.clone(), move |ctx| {
            service::begin(ctx, new)
        })
        .await?;
    let mut guard = Abandoned {
        cleanup: Some((app.clone(), store.clone(), pending.clone())),
    };

    let writer = store
        .create(&pending.storage_key)
        .await
        .map_err(store_failed);
    let mut writer = match writer {
        Ok(writer) => writer,
        Err(e) => {
            guard.cleanup = None;
            discard(app.clone(), store, pending).await;
            return Err(e);
        }
    };
    let mut sealer = Sealer {
        encryptor: files
            .key()
            .encryptor(&pending.id)
            .map_err(ApiError::internal)?,
        sha256: Sha256::new(),
        size: 0,
        limit: files.max_upload_bytes,
    };
    let streamed: Result<(), ApiError> = async {
        let sealed = sealer.feed(&head)?;
        writer.write(sealed).await.map_err(store_failed)?;
        if !ended {
            while let Some(chunk) = body.next().await {
                let sealed = sealer.feed(&chunk?)?;
                if !sealed.is_empty() {
                    writer.write(sealed).await.map_err(store_failed)?;
                }
            }
        }
        Ok(())
    }
    .await;
    let finished = match streamed {
        Ok(()) => {
            let Sealer {
                encryptor,
                sha256,
                size,
                ..
            } = sealer;
            match encryptor.finish() {
                Ok(last) => match writer.write(Bytes::from(last)).await {
                    Ok(()) => writer
                        .finish()
                        .await
                        .map(|()| (sha256, size))
                        .map_err(store_failed),
                    Err(e) => {
                        writer.abort().await;
                        Err(store_failed(e))
                    }
                },
                Err(e) => {
                    writer.abort().await;
                    Err(ApiError::internal(e))
                }
            }
        }
        Err(e) => {
            writer.abort().await;
            Err(e)
        }
    };
    guard.cleanup = None;
    let (sha256, size) = match finished {
        Ok(done) => done,
        Err(e) => {
            discard(app.clone(), store, pending).await;
            return Err(e);
        }
    };
    let sha256: String = sha256
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let size = i64::try_from(size).map_err(|_| too_large(files.max_upload_bytes))?;
    let id = pending.id.clone();
    let completed = app
        .write(actor.clone(), request.clone(), move |ctx| {
            service::complete(ctx, &id, &sha256, size)
        })
        .await;
    match completed {
        Ok(info) => Ok(info),
        Err(e) => {
            discard(app.clone(), store, pending).await;
            Err(ApiError::from(e))
        }
    }
}
