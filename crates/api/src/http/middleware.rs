//! Request id and logging, metrics, and the problem+json normaliser.

use std::time::Instant;

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, web};
use tracing::Instrument;

use super::metrics::{Metrics, RouteLabel};
use crate::error::{ApiError, Lang, PROBLEM_JSON, problem_for_status, problem_response};

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The id of the current request, for logs and the audit trail.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

fn acceptable_request_id(value: &HeaderValue) -> Option<String> {
    let text = value.to_str().ok()?;
    let ok = !text.is_empty()
        && text.len() <= 128
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b));
    ok.then(|| text.to_owned())
}

/// Takes the caller's `X-Request-Id` (or makes one), logs the request in its span, echoes the id.
pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(acceptable_request_id)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        path = %req.path(),
    );
    let started = Instant::now();
    let result = next.call(req).instrument(span.clone()).await;
    let _entered = span.enter();
    match result {
        Ok(mut res) => {
            let status = res.status().as_u16();
            let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
            if status >= 500 {
                tracing::error!(status, elapsed_ms, "request failed");
            } else {
                tracing::info!(status, elapsed_ms, "request");
            }
            if let Ok(value) = HeaderValue::from_str(&id) {
                res.headers_mut().insert(REQUEST_ID, value);
            }
            Ok(res)
        }
        Err(err) => {
            tracing::error!(error = %err, "request error");
            Err(err)
        }
    }
}

pub async fn record_metrics(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let method = req.method().clone();
    let started = Instant::now();
    let res = next.call(req).await?;
    if let Some(metrics) = metrics {
        // The route pattern, not the path, so ids do not explode the label set.
        static UNMATCHED: std::sync::LazyLock<std::sync::Arc<str>> =
            std::sync::LazyLock::new(|| "unmatched".into());
        let label = res.request().app_data::<RouteLabel>().map(|l| &l.0);
        let route = label.unwrap_or(&UNMATCHED);
        metrics.record(&method, route, res.status().as_u16(), started.elapsed());
    }
    Ok(res)
}

/// Trims a trailing slash and merges doubled ones, like actix's `NormalizePath`, but only
/// when the path has one: the usual path passes untouched, with no allocation.
pub async fn normalize_path(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let path = req.path();
    if path.contains("//") || (path.len() > 1 && path.ends_with('/')) {
        let mut normal = String::with_capacity(path.len());
        for segment in path.split('/').filter(|s| !s.is_empty()) {
            normal.push('/');
            normal.push_str(segment);
        }
        if normal.is_empty() {
            normal.push('/');
        }
        let uri = req.uri();
        let rebuilt = match uri.query() {
            Some(q) => format!("{normal}?{q}"),
            None => normal,
        };
        let mut parts = uri.clone().into_parts();
        if let Ok(pq) = rebuilt.parse() {
            parts.path_and_query = Some(pq);
            if let Ok(uri) = actix_web::http::Uri::from_parts(parts) {
                req.match_info_mut().get_mut().update(&uri);
                req.head_mut().uri = uri;
            }
        }
    }
    next.call(req).await
}

/// Makes every error response a problem document in the caller's language.
pub async fn problem_details(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody, BoxBody>>, Error> {
    let lang = Lang::from_accept_language(
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let res = next.call(req).await?;
    let status = res.status();
    if !status.is_client_error() && !status.is_server_error() {
        return Ok(res.map_into_left_body());
    }
    let api_error = res
        .response()
        .error()
        .and_then(|e| e.as_error::<ApiError>());
    let rendered = match api_error {
        Some(_) if lang == Lang::En => return Ok(res.map_into_left_body()),
        Some(err) => err.render(lang),
        None => {
            let is_problem = res
                .headers()
                .get(header::CONTENT_TYPE)
                .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
            if is_problem {
                return Ok(res.map_into_left_body());
            }
            if let Some(err) = res.response().error()
                && status.is_server_error()
            {
                tracing::error!(error = %err, "unhandled error");
            }
            problem_response(&problem_for_status(status, lang))
        }
    };
    let (req, old) = res.into_parts();
    let mut new = rendered;
    for name in [header::ALLOW, header::RETRY_AFTER, header::WWW_AUTHENTICATE] {
        if let Some(value) = old.headers().get(&name) {
            new.headers_mut().insert(name, value.clone());
        }
    }
    Ok(ServiceResponse::new(req, new).map_into_right_body())
}
