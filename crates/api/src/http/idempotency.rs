//! `Idempotency-Key` on POST: a retry with the same key and body replays the first
//! answer instead of doing the work twice; the same key with another body is a 422.

use actix_web::body::{self, BoxBody, EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{Error, HttpMessage, HttpRequest, HttpResponse, web};
use autocrm_persistence::db::is_unique_violation;
use autocrm_persistence::models::{AuditEntry, IdempotencyRecord};
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
    Mismatch,
    InFlight,
    /// The first attempt committed but its answer was never recorded (the process died).
    Applied {
        entity_type: String,
        entity_id: Option<String>,
    },
}

/// The key of the request being answered, once this middleware has claimed it: the changes
/// the request makes are audited with it.
#[derive(Debug, Clone)]
pub struct IdempotencyKey(pub String);

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
    let body = match req.extract::<Bytes>().await {
        Ok(b) => b,
        Err(e) => return Ok(req.error_response(e).map_into_right_body()),
    };
    let mut hasher = Sha256::new();
    hasher.update(req.path().as_bytes());
    hasher.update([0]);
    hasher.update(&body);
    let fingerprint: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    req.set_payload(Payload::from(body));

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
                request_fingerprint: fp.clone(),
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
            if existing.request_fingerprint != fp {
                return Ok(Lookup::Mismatch);
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
        Ok(Lookup::Claimed) => {
            req.extensions_mut().insert(IdempotencyKey(key.clone()));
            let res = next.call(req).await?;
            let status = res.status();
            let (req, response) = res.into_parts();
            let (head, body) = response.into_parts();
            let bytes = body::to_bytes(body).await.unwrap_or_default();
            let answer = String::from_utf8_lossy(&bytes).into_owned();
            let (org, principal) = (caller.org_id.clone(), caller.id.clone());
            let pii = state.app.pii.clone();
            // Server errors are not final: free the key so the client may retry.
            let _ = state
                .app
                .connection(move |conn| {
                    if status.is_server_error() {
                        IdempotencyRecord::release(conn, &org, &principal, &key)?;
                    } else {
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
