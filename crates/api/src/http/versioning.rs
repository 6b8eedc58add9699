//! Optimistic concurrency: resources carry a `version`, sent back as an ETag.

use actix_web::HttpRequest;
use actix_web::http::header;

use crate::error::{ApiError, Code};

/// The version an `If-Match` header asks for, if any (`"3"`, `W/"3"` or `3`; `*` is any).
pub fn if_match(req: &HttpRequest) -> Result<Option<i64>, ApiError> {
    let Some(value) = req.headers().get(header::IF_MATCH) else {
        return Ok(None);
    };
    let bad = || {
        ApiError::bad_request(
            Code::InvalidHeader,
            "If-Match must be a quoted version, e.g. \"3\"",
        )
    };
    let text = value.to_str().map_err(|_| bad())?.trim();
    if text == "*" {
        return Ok(None);
    }
    let quoted = |t: &str| t.strip_prefix('"')?.strip_suffix('"').map(str::to_owned);
    let digits = match text.strip_prefix("W/") {
        Some(weak) => quoted(weak).ok_or_else(bad)?,
        None => quoted(text).unwrap_or_else(|| text.to_owned()),
    };
    // Digits only, as the OpenAPI pattern says: no sign, no inner quotes.
    if digits.is_empty() || digits.len() > 18 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    digits.parse::<i64>().map(Some).map_err(|_| bad())
}

/// The `If-Match` of a request, as an extractor: `IfMatch(None)` when absent or `*`.
pub struct IfMatch(pub Option<i64>);

impl actix_web::FromRequest for IfMatch {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(if_match(req).map(IfMatch))
    }
}

pub fn etag(version: i64) -> (header::HeaderName, String) {
    (header::ETAG, format!("\"{version}\""))
}

/// A versioned record as JSON, its version in the `ETag` for the next `If-Match`.
pub fn versioned(
    status: actix_web::http::StatusCode,
    version: i64,
    body: impl serde::Serialize,
) -> actix_web::HttpResponse {
    actix_web::HttpResponse::build(status)
        .insert_header(etag(version))
        .json(body)
}
