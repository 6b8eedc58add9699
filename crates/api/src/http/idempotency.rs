//! `Idempotency-Key` on POST: a retry with the same key and body replays the first
//! answer instead of doing the work twice; the same key with another body is a 422.
//!
//! A JSON body (or none) is small: it is read whole (under the JSON limit) and fingerprinted
//! before the handler runs. Any other body (an upload) is never held whole: it is hashed as
//! the handler streams it, and its fingerprint is stored when the handler is done. A retry
//! of a streamed request is hashed by reading it through (without keeping it) and compared
//! with the stored fingerprint before its answer is replayed.

use std::cell::RefCell;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use actix_web::body::{self, BoxBody, EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{Error, HttpMessage, HttpRequest, HttpResponse, web};
use autocrm_persistence::db::is_unique_violation;
use autocrm_persistence::models::{AuditEntry, IdempotencyRecord};
use futures_util::{Stream, StreamExt};
use sha2::{Digest, Sha256};

use super::authenticate::Authentication;
use crate::app::ServiceError;
use crate::error::{ApiError, Code, FieldError};
use crate::state::AppState;

pub const HEADER: &str = "idempotency-key";
/// Keys are kept at least this long (DESIGN §4: 24 h).
pub const RETENTION_HOURS: i64 = 48;
/// A claim older than this with no answer is taken to be a crashed request.
const STALE_CLAIM_SECS: i64 = 120;

enum Lookup {
    Claimed,
    Replay(u16, String),
    /// A streamed request's key is known: its body must be hashed before the stored answer
    /// can be replayed (or the reuse refused).
    Compare(IdempotencyRecord),
    Mismatch,
    InFlight,
    /// The first attempt committed but its answer was never recorded (the process died).
    Applied {
        entity_type: String,
        entity_id: Option<String>,
    },
}

/// Put in a response's extensions by a handler whose answer carries clear personal data (a
/// reveal): the answer is never stored, not even encrypted, and the key is released, so a
/// retry runs (and is audited) again.
#[derive(Debug, Clone, Copy)]
pub struct ClearPersonalData;

/// The key of the request being answered, once this middleware has claimed it: the changes
/// the request makes are audited with it.
#[derive(Debug, Clone)]
pub struct IdempotencyKey(pub String);

/// What a request body is fingerprinted over: the path, a separator, the body.
#[derive(Clone)]
struct BodyHash {
    hasher: Sha256,
    /// The stream ended: the hash covers the whole body.
    complete: bool,
}

impl BodyHash {
    fn new(path: &str) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(path.as_bytes());
        hasher.update([0]);
        Self {
            hasher,
            complete: false,
        }
    }

    fn fingerprint(self) -> String {
        self.hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// A streamed body as the handler reads it: the payload and the hash of what it has read.
/// Shared with the middleware, which finishes reading (and hashing) what a successful
/// handler left unread, such as a multipart body's closing boundary.
struct Streamed {
    inner: Option<Payload>,
    hash: BodyHash,
}

/// A request payload that hashes what passes through it, for the handler to stream.
struct Hashing(Rc<RefCell<Streamed>>);

impl Stream for Hashing {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut streamed = self.0.borrow_mut();
        let Some(inner) = streamed.inner.as_mut() else {
            return Poll::Ready(None);
        };
        let polled = Pin::new(inner).poll_next(cx);
        match &polled {
            Poll::Ready(Some(Ok(bytes))) => streamed.hash.hasher.update(bytes),
            Poll::Ready(None) => streamed.hash.complete = true,
            _ => {}
        }
        polled
    }
}

/// Whether the body is hashed as it streams rather than read whole first: anything with a
/// content type that is not JSON (uploads, raw or multipart).
fn is_streamed(req: &HttpRequest) -> bool {
    match req.mime_type() {
        Ok(Some(mime)) => !(mime.subtype() == "json" || mime.suffix().is_some_and(|s| s == "json")),
        _ => false,
    }
}

/// Reads a streamed body through, keeping only its hash; `None` past `limit` bytes.
async fn hash_through(
    mut payload: Payload,
    mut hash: BodyHash,
    limit: u64,
) -> Result<Option<String>, PayloadError> {
    let mut seen = 0u64;
    while let Some(chunk) = payload.next().await {
        let chunk = chunk?;
        seen += chunk.len() as u64;
        if seen > limit {
            return Ok(None);
        }
        hash.hasher.update(&chunk);
    }
    Ok(Some(hash.fingerprint()))
}

/// The request's key: `None` without one (or not a POST), `Some(Err)` when malformed.
fn parse_key(req: &HttpRequest) -> Option<Result<String, ()>> {
    if req.method() != Method::POST {
        return None;
    }
    let value = req.headers().get(HEADER)?;
    Some(match value.to_str() {
        Ok(k) if (1..=255).contains(&k.len()) && k.bytes().all(|b| (b' '..=b'~').contains(&b)) => {
            Ok(k.to_owned())
        }
        _ => Err(()),
    })
}

pub async fn idempotent_posts(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody, BoxBody>>, Error> {
    let Some(key) = parse_key(req.request()) else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    };
    let fail = |req: ServiceRequest, e: ApiError| Ok(req.error_response(e).map_into_right_body());
    let key = match key {
        Ok(k) => k,
        Err(()) => {
            return fail(
                req,
                ApiError::bad_request(
                    Code::InvalidHeader,
                    "Idempotency-Key must be 1 to 255 visible characters",
                ),
            );
        }
    };
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    };
    // The key belongs to the caller; without a valid token the handler answers 401 anyway.
    let caller = Authentication::of(req.request()).and_then(|a| a.principal().cloned());
    let Some(caller) = caller else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    };
    let streamed = is_streamed(req.request());
    let fingerprint = if streamed {
        None
    } else {
        let body = match req.extract::<Bytes>().await {
            Ok(b) => b,
            Err(e) => return Ok(req.error_response(e).map_into_right_body()),
        };
        let mut hash = BodyHash::new(req.path());
        hash.hasher.update(&body);
        req.set_payload(Payload::from(body));
        Some(hash.fingerprint())
    };

    let (org, principal, k, fp) = (
        caller.org_id.clone(),
        caller.id.clone(),
        key.clone(),
        fingerprint.clone(),
    );
    let at = state.app.clock.now().naive_utc();
    let pii = state.app.pii.clone();
    let lookup = state
        .app
        .connection(move |conn| {
            let record = IdempotencyRecord {
                org_id: org.clone(),
                principal_id: principal.clone(),
                idempotency_key: k.clone(),
                // A streamed body's fingerprint is stored once the handler has read it.
                request_fingerprint: fp.clone().unwrap_or_default(),
                status_code: 0,
                response_body: String::new(),
                created_at: at,
            };
            match record.insert(conn) {
                Ok(()) => return Ok(Lookup::Claimed),
                Err(e) if !is_unique_violation(&e) => return Err(ServiceError::from(e)),
                Err(_) => {}
            }
            let Some(existing) = IdempotencyRecord::find(conn, &org, &principal, &k)? else {
                return Ok(Lookup::InFlight);
            };
            match &fp {
                Some(fp) if existing.request_fingerprint != *fp => return Ok(Lookup::Mismatch),
                // Only its body can tell whether a streamed retry is the same request.
                None if existing.status_code != 0 || !existing.request_fingerprint.is_empty() => {
                    return Ok(Lookup::Compare(existing));
                }
                _ => {}
            }
            if existing.status_code == 0 {
                // Changes are audited with their key in the same transaction: an entry
                // means the first attempt committed, so running it again would repeat it.
                if let Some(entry) = AuditEntry::first_by_idempotency_key(
                    conn,
                    &org,
                    &principal,
                    &k,
                    existing.created_at,
                )? {
                    return Ok(Lookup::Applied {
                        entity_type: entry.entity_type,
                        entity_id: entry.entity_id,
                    });
                }
                if (at - existing.created_at).num_seconds() > STALE_CLAIM_SECS {
                    IdempotencyRecord::release(conn, &org, &principal, &k)?;
                    record.insert(conn)?;
                    return Ok(Lookup::Claimed);
                }
                return Ok(Lookup::InFlight);
            }
            // Answers may carry personal data (a revealed phone, a client secret): they are
            // kept encrypted, like every other personal value at rest.
            Ok(Lookup::Replay(
                existing.status_code as u16,
                pii.decrypt(&existing.response_body)?,
            ))
        })
        .await;
    // A streamed retry: hash its body through, then replay or refuse as for JSON.
    let lookup = match lookup {
        Ok(Lookup::Compare(existing)) => {
            let limit = state
                .settings
                .max_upload_bytes
                .max(state.settings.max_body_bytes as u64);
            let hash = BodyHash::new(req.path());
            match hash_through(req.take_payload(), hash, limit).await {
                Err(e) => return Ok(req.error_response(e).map_into_right_body()),
                Ok(None) => return fail(req, ApiError::new(Code::PayloadTooLarge)),
                Ok(Some(fp)) if fp != existing.request_fingerprint => Ok(Lookup::Mismatch),
                Ok(Some(_)) if existing.status_code == 0 => Ok(Lookup::InFlight),
                Ok(Some(_)) => match state.app.pii.decrypt(&existing.response_body) {
                    Ok(answer) => Ok(Lookup::Replay(existing.status_code as u16, answer)),
                    Err(e) => Err(ServiceError::from(e)),
                },
            }
        }
        other => other,
    };
    match lookup {
        Err(e) => fail(req, e.into()),
        Ok(Lookup::Mismatch) => fail(
            req,
            ApiError::validation(vec![FieldError::new(
                "Idempotency-Key",
                "idempotency_key_reused",
                "this key was already used with a different request body",
            )]),
        ),
        Ok(Lookup::Applied {
            entity_type,
            entity_id,
        }) => fail(
            req,
            ApiError::conflict(
                Code::AlreadyApplied,
                format!(
                    "the first request with this Idempotency-Key was applied, but its answer \
was lost; the {entity_type} it changed is in existing_id"
                ),
                entity_id,
            ),
        ),
        Ok(Lookup::InFlight) => fail(
            req,
            ApiError::conflict(
                Code::Conflict,
                "a request with this Idempotency-Key is still in progress",
                None,
            ),
        ),
        Ok(Lookup::Replay(status, stored)) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let content_type = if status.is_success() {
                "application/json"
            } else {
                crate::error::PROBLEM_JSON
            };
            let response = HttpResponse::build(status)
                .insert_header((header::CONTENT_TYPE, content_type))
                .insert_header(("idempotent-replayed", "true"))
                .body(stored);
            let (req, _) = req.into_parts();
            Ok(ServiceResponse::new(req, response).map_into_right_body())
        }
        Ok(Lookup::Compare(_)) => fail(req, ApiError::internal("an unresolved comparison")),
        Ok(Lookup::Claimed) => {
            req.extensions_mut().insert(IdempotencyKey(key.clone()));
            let streamed_body = streamed.then(|| {
                let shared = Rc::new(RefCell::new(Streamed {
                    inner: Some(req.take_payload()),
                    hash: BodyHash::new(req.path()),
                }));
                req.set_payload(Payload::Stream {
                    payload: Box::pin(Hashing(shared.clone())),
                });
                shared
            });
            let res = next.call(req).await?;
            let status = res.status();
            let personal = res
                .response()
                .extensions()
                .get::<ClearPersonalData>()
                .is_some();
            // What a streamed body came to: its fingerprint if it was read to its end. After
            // a success, what the handler left unread (a closing boundary) is read here.
            let streamed_fingerprint = match streamed_body {
                None => None,
                Some(shared) => {
                    let (inner, hash) = {
                        let mut streamed = shared.borrow_mut();
                        (streamed.inner.take(), streamed.hash.clone())
                    };
                    Some(match inner {
                        _ if hash.complete => Some(hash.fingerprint()),
                        Some(rest) if status.is_success() => {
                            let limit = state.settings.max_upload_bytes;
                            hash_through(rest, hash, limit).await.ok().flatten()
                        }
                        _ => None,
                    })
                }
            };
            let (req, response) = res.into_parts();
            let (head, body) = response.into_parts();
            let bytes = body::to_bytes(body).await.unwrap_or_default();
            let answer = String::from_utf8_lossy(&bytes).into_owned();
            let (org, principal) = (caller.org_id.clone(), caller.id.clone());
            let pii = state.app.pii.clone();
            // Server errors are not final: free the key so the client may retry. So is a
            // refusal that did not read the whole streamed body (an upload refused early
            // changed nothing): without its fingerprint, a retry could not be compared.
            let unread = matches!(streamed_fingerprint, Some(None));
            let _ = state
                .app
                .connection(move |conn| {
                    if status.is_server_error() || (unread && !status.is_success()) || personal {
                        IdempotencyRecord::release(conn, &org, &principal, &key)?;
                    } else {
                        if let Some(Some(fp)) = &streamed_fingerprint {
                            IdempotencyRecord::set_fingerprint(conn, &org, &principal, &key, fp)?;
                        }
                        IdempotencyRecord::complete(
                            conn,
                            &org,
                            &principal,
                            &key,
                            i32::from(status.as_u16()),
                            &pii.encrypt(&answer)?,
                        )?;
                    }
                    Ok(())
                })
                .await;
            let response = head.set_body(BoxBody::new(bytes));
            Ok(ServiceResponse::new(req, response).map_into_right_body())
        }
    }
}
