//! `/api/v1/attachments`: upload (raw body or multipart), metadata, download, list per
//! owner, delete.

use std::pin::Pin;
use std::task::{Context, Poll};

use actix_multipart::{Field, Multipart};
use actix_web::body::SizedStream;
use actix_web::http::header::{self, HeaderValue};
use actix_web::web::Bytes;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use autocrm_domain::attachment::FileName;
use autocrm_persistence::models::Attachment;
use base64::Engine;
use futures_util::{Stream, StreamExt, stream};

use super::dto::{AttachmentDto, AttachmentListQuery, Binary, UploadForm, UploadQuery};
use super::owners::OwnerType;
use super::service;
use super::storage::Files;
use super::upload::{self, Upload, Uploader, too_large, unreadable};
use crate::app::App;
use crate::error::{ApiError, Code, Problem};
use crate::http::pagination::{IdWindow, Page};
use crate::http::{Authorized, PathId, perm};

/// Room for a multipart body's boundaries and part headers beyond the file itself.
const MULTIPART_OVERHEAD: u64 = 64 * 1024;

fn owner(owner_type: &str, owner_id: &str) -> Result<(OwnerType, String), ApiError> {
    let owner: OwnerType = owner_type.parse().map_err(|_| {
        ApiError::bad_request(
            Code::InvalidQuery,
            format!("owner_type must be one of {}", OwnerType::NAMES.join(", ")),
        )
    })?;
    let id = uuid::Uuid::parse_str(owner_id)
        .map_err(|_| ApiError::bad_request(Code::InvalidQuery, "owner_id must be a UUID"))?;
    Ok((owner, id.to_string()))
}

fn file_name(name: &str) -> Result<FileName, ApiError> {
    FileName::parse(name)
        .map_err(|e| ApiError::invalid("filename", "invalid_format", e.to_string()))
}

/// The multipart body's one file part, and then the proof that no other part follows.
struct OnlyPart {
    field: Option<Field>,
    rest: Option<Multipart>,
}

impl Stream for OnlyPart {
    type Item = Result<Bytes, ApiError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if let Some(field) = self.field.as_mut() {
            match Pin::new(field).poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Ok(bytes))) => return Poll::Ready(Some(Ok(bytes))),
                Poll::Ready(Some(Err(e))) => {
                    self.field = None;
                    self.rest = None;
                    return Poll::Ready(Some(Err(unreadable(e))));
                }
                Poll::Ready(None) => self.field = None,
            }
        }
        let Some(rest) = self.rest.as_mut() else {
            return Poll::Ready(None);
        };
        match Pin::new(rest).poll_next(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(None) => {
                self.rest = None;
                Poll::Ready(None)
            }
            Poll::Ready(Some(next)) => {
                self.rest = None;
                Poll::Ready(Some(Err(match next {
                    Ok(_) => ApiError::invalid(
                        "file",
                        "too_many_parts",
                        "send one file per request, in one part named file",
                    ),
                    Err(e) => unreadable(e),
                })))
            }
        }
    }
}

/// A part's own file name: `filename*` (RFC 5987) if given, else `filename`.
fn part_file_name(field: &Field) -> Option<String> {
    let disposition = field.content_disposition()?;
    if let Some(ext) = disposition.get_filename_ext()
        && ext.charset.to_string().eq_ignore_ascii_case("utf-8")
        && let Ok(name) = String::from_utf8(ext.value.clone())
    {
        return Some(name);
    }
    disposition.get_filename().map(str::to_owned)
}

/// Upload a file to a record.
///
/// Send the file as the raw body with its `Content-Type`, or as `multipart/form-data` with one
/// part named `file`. The kind of file is read from its first bytes: PDF, JPEG, PNG, WebP,
/// HEIC, MP3, M4A or AMR by default (`AUTOCRM_UPLOAD_TYPES`); anything else (an `.exe`, whatever
/// it is called) is 415, and a `Content-Type` that the content contradicts is 422. Files larger
/// than `AUTOCRM_MAX_UPLOAD_BYTES` (default 20 MiB) are 413. The body streams: it is never held
/// whole, and with an `Idempotency-Key` it is hashed as it streams. A refused upload stores
/// nothing. The content is encrypted at rest; its SHA-256 is answered. Needs the owning
/// record's write permission on a record the caller sees (404 otherwise). Audited as
/// `attachment.created`.
#[utoipa::path(
    post, path = "/api/v1/attachments", tag = "attachments",
    params(UploadQuery),
    request_body(
        description = "The file: a raw body, or multipart/form-data with one part named `file`",
        content(
            (Binary = "application/octet-stream"),
            (Binary = "application/pdf"),
            (Binary = "image/jpeg"),
            (Binary = "image/png"),
            (UploadForm = "multipart/form-data"),
        )
    ),
    responses(
        (status = 201, description = "Stored; `Location` is its metadata", body = AttachmentDto),
        (status = 413, description = "Larger than the upload limit; nothing stored", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The content is not an accepted kind of file; nothing stored", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`content_type` contradicted by the content, `filename` invalid or its extension does not fit, or more than one part; nothing stored", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn upload_attachment(
    caller: Authorized<perm::AttachmentsWrite>,
    query: web::Query<UploadQuery>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let state = caller.state();
    let files: &Files = &state.app.files;
    let limit = files.max_upload_bytes;
    let (owner, owner_id) = owner(&query.owner_type, &query.owner_id)?;
    let name = query.filename.as_deref().map(file_name).transpose()?;
    let multipart =
        matches!(req.mime_type(), Ok(Some(m)) if m.essence_str() == "multipart/form-data");
    // Announced too large: refused before a byte is read.
    let announced = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let overhead = if multipart { MULTIPART_OVERHEAD } else { 0 };
    if announced.is_some_and(|n| n > limit.saturating_add(overhead)) {
        return Err(too_large(limit));
    }
    let who = Uploader {
        app: &state.app,
        actor: caller.actor(),
        request: caller.request(),
    };
    let info = if multipart {
        let mut form = Multipart::new(req.headers(), payload);
        let field = match form.next().await {
            Some(Ok(field)) => field,
            Some(Err(e)) => return Err(unreadable(e)),
            None => {
                return Err(ApiError::invalid(
                    "file",
                    "required",
                    "no file part was sent",
                ));
            }
        };
        if field.name() != Some("file") {
            return Err(ApiError::invalid(
                "file",
                "required",
                "the file must be sent in a part named file",
            ));
        }
        let name = match name {
            Some(name) => Some(name),
            None => part_file_name(&field)
                .as_deref()
                .map(file_name)
                .transpose()?,
        };
        let upload = Upload {
            owner,
            owner_id,
            declared: field.content_type().map(ToString::to_string),
            name,
        };
        let body = OnlyPart {
            field: Some(field),
            rest: Some(form),
        };
        upload::receive(who, files, upload, body).await?
    } else {
        let upload = Upload {
            owner,
            owner_id,
            declared: req
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            name,
        };
        let body = payload.map(|chunk| chunk.map_err(unreadable));
        upload::receive(who, files, upload, body).await?
    };
    let location = format!("/api/v1/attachments/{}", info.attachment.id);
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .json(AttachmentDto::from(info)))
}

/// List a record's attachments, oldest first.
///
/// Needs the owning record's read permission on a record the caller sees (404 otherwise).
#[utoipa::path(
    get, path = "/api/v1/attachments", tag = "attachments",
    params(AttachmentListQuery),
    responses(
        (status = 200, description = "A page of the record's attachments", body = Page<AttachmentDto>),
        (status = 404, description = "No such record, or not one the caller sees", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_attachments(
    caller: Authorized<perm::AttachmentsRead>,
    query: web::Query<AttachmentListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let (owner, owner_id) = owner(&q.owner_type, &q.owner_id)?;
    let window = IdWindow::parse(q.limit, q.cursor.as_deref())?;
    let (after, rows) = (window.after_id.clone(), window.rows());
    let items = caller
        .read(move |ctx| service::list(ctx, owner, &owner_id, after.as_deref(), rows))
        .await?;
    Ok(HttpResponse::Ok().json(window.page(items, |i| &i.attachment.id, AttachmentDto::from)))
}

/// Get one attachment's metadata (404 if its record is not one the caller sees).
#[utoipa::path(
    get, path = "/api/v1/attachments/{id}", tag = "attachments",
    params(("id" = String, Path, description = "Attachment id")),
    responses((status = 200, description = "The attachment", body = AttachmentDto))
)]
pub async fn get_attachment(
    caller: Authorized<perm::AttachmentsRead>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let info = caller.read(move |ctx| service::find(ctx, &id.0)).await?;
    Ok(HttpResponse::Ok().json(AttachmentDto::from(info)))
}

/// `Content-Disposition` for a download (RFC 6266): the name in UTF-8 as `filename*`, and
/// a plain ASCII `filename` for clients that know no better.
pub fn content_disposition(name: &str) -> String {
    let plain = name
        .chars()
        .all(|c| c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ');
    let fallback = if plain {
        name.to_owned()
    } else {
        let ext = FileName::parse(name).ok().and_then(|n| n.extension());
        ext.map_or_else(|| "attachment".to_owned(), |e| format!("attachment.{e}"))
    };
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

/// The content as stored, decrypted as it streams.
fn decrypted(
    files: &Files,
    attachment: &Attachment,
    source: super::storage::ByteStream,
) -> impl Stream<Item = Result<Bytes, std::io::Error>> + 'static {
    let decryptor = files.key().decryptor(&attachment.id);
    let id = attachment.id.clone();
    stream::try_unfold(
        (source, Some(decryptor), id),
        |(mut source, decryptor, id)| async move {
            let Some(mut decryptor) = decryptor else {
                return Ok(None);
            };
            let fail = |e: super::crypto::CryptoError, id: &str| {
                tracing::error!(error = %e, attachment = %id, "an attachment does not decrypt");
                std::io::Error::other(e)
            };
            loop {
                match source.next().await {
                    Some(Ok(bytes)) => {
                        let plain = decryptor.update(&bytes).map_err(|e| fail(e, &id))?;
                        if !plain.is_empty() {
                            return Ok(Some((Bytes::from(plain), (source, Some(decryptor), id))));
                        }
                    }
                    Some(Err(e)) => {
                        tracing::error!(error = %e, attachment = %id, "reading an attachment failed");
                        return Err(e);
                    }
                    None => {
                        let last = decryptor.finish().map_err(|e| fail(e, &id))?;
                        return Ok(Some((Bytes::from(last), (source, None, id))));
                    }
                }
            }
        },
    )
}

/// Download an attachment's content.
///
/// The bytes as uploaded, with the sniffed `Content-Type`, `Content-Disposition: attachment`
/// (the name as `filename*`, RFC 6266), `Cache-Control: private` and `Repr-Digest` (its
/// SHA-256). The content is personal data: every download is audited
/// (`attachment.downloaded`). 404 if its record is not one the caller sees.
#[utoipa::path(
    get, path = "/api/v1/attachments/{id}/content", tag = "attachments",
    params(("id" = String, Path, description = "Attachment id")),
    responses((status = 200, description = "The file", content_type = "application/octet-stream", body = Binary))
)]
pub async fn download_attachment(
    caller: Authorized<perm::AttachmentsRead>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let info = caller.write(move |ctx| service::open(ctx, &id.0)).await?;
    let state = caller.state();
    let files: &Files = &state.app.files;
    let attachment = &info.attachment;
    let source = files
        .store(&attachment.storage)
        .map_err(ApiError::internal)?
        .open(&attachment.storage_key)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, attachment = %attachment.id, "a stored attachment cannot be read");
            ApiError::new(Code::Unavailable).with_detail("the file store is not available; try again")
        })?;
    let body = decrypted(files, attachment, source);
    let size = u64::try_from(attachment.size_bytes).unwrap_or_default();
    let name = info
        .filename
        .clone()
        .unwrap_or_else(|| "attachment".to_owned());
    let mut response = HttpResponse::Ok();
    response
        .insert_header((header::CONTENT_TYPE, attachment.content_type.clone()))
        .insert_header((header::CONTENT_DISPOSITION, content_disposition(&name)))
        .insert_header((header::CACHE_CONTROL, "private"))
        .insert_header(("x-content-type-options", "nosniff"));
    if let Some(sha) = attachment.sha256.as_deref().and_then(hex_bytes) {
        let digest = base64::engine::general_purpose::STANDARD.encode(sha);
        if let Ok(value) = HeaderValue::from_str(&format!("sha-256=:{digest}:")) {
            response.insert_header(("repr-digest", value));
        }
    }
    Ok(response.body(SizedStream::new(size, body)))
}

fn hex_bytes(hex: &str) -> Option<Vec<u8>> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Removes a deleted attachment's content from the store, now; if the store fails, the
/// sweeper tries again.
pub async fn purge(app: &App, attachment: &Attachment) {
    let removed = match app.files.store(&attachment.storage) {
        Ok(store) => store.delete(&attachment.storage_key).await,
        Err(e) => Err(e),
    };
    if let Err(e) = removed {
        tracing::warn!(error = %e, attachment = %attachment.id, "content not removed yet; the sweeper will");
        return;
    }
    let (id, at) = (attachment.id.clone(), app.clock.now().naive_utc());
    let _ = app
        .connection(move |conn| Ok(Attachment::mark_purged(conn, &id, at)?))
        .await;
}

/// Delete an attachment.
///
/// Its content and file name are erased; the record that it existed (owner, type, size,
/// SHA-256, who deleted it and when) stays, and the deletion is audited
/// (`attachment.deleted`). Needs the owning record's write permission.
#[utoipa::path(
    delete, path = "/api/v1/attachments/{id}", tag = "attachments",
    params(("id" = String, Path, description = "Attachment id")),
    responses((status = 204, description = "Deleted"))
)]
pub async fn delete_attachment(
    caller: Authorized<perm::AttachmentsWrite>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let row = caller.write(move |ctx| service::delete(ctx, &id.0)).await?;
    purge(&caller.state().app, &row).await;
    Ok(HttpResponse::NoContent().finish())
}

crate::endpoints![
    upload_attachment,
    list_attachments,
    get_attachment,
    download_attachment,
    delete_attachment,
];

#[cfg(test)]
mod tests {
    use super::content_disposition;

    #[test]
    fn content_disposition_carries_chinese_names_as_filename_star() {
        assert_eq!(
            content_disposition("张伟 身份证.jpg"),
            "attachment; filename=\"attachment.jpg\"; \
filename*=UTF-8''%E5%BC%A0%E4%BC%9F%20%E8%BA%AB%E4%BB%BD%E8%AF%81.jpg"
        );
        assert_eq!(
            content_disposition("contract-2026.pdf"),
            "attachment; filename=\"contract-2026.pdf\"; filename*=UTF-8''contract-2026.pdf"
        );
        assert!(
            content_disposition("a\"b.pdf").starts_with("attachment; filename=\"attachment.pdf\"")
        );
    }
}
