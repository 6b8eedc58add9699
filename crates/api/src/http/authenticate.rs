//! Authentication, once per request: the bearer token is verified here and the outcome kept
//! in the request's extensions, where rate limiting, idempotency and the `Authorized`
//! extractor read it. Whether the token's subject still stands in the database is checked in
//! the unit of work, on the connection the request uses anyway.

use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpRequest, web};
use autocrm_domain::access::{Principal, PrincipalKind, Role, Scope};

use crate::state::AppState;

/// What the `Authorization` header proved.
#[derive(Debug, Clone)]
pub enum Authentication {
    Verified(Arc<Principal>),
    /// A header was sent and refused; the detail says why.
    Refused(&'static str),
}

impl Authentication {
    /// The outcome stored for this request; `None` when it sent no `Authorization` header.
    pub fn of(req: &HttpRequest) -> Option<Authentication> {
        req.extensions().get::<Authentication>().cloned()
    }

    pub fn principal(&self) -> Option<&Arc<Principal>> {
        match self {
            Authentication::Verified(p) => Some(p),
            Authentication::Refused(_) => None,
        }
    }
}

/// When the verified access token of this request expires (its `exp`), for what outlives
/// the request's answer: the notification stream closes then.
#[derive(Debug, Clone, Copy)]
pub struct TokenExpiry(pub chrono::DateTime<chrono::Utc>);

impl TokenExpiry {
    pub fn of(req: &HttpRequest) -> Option<TokenExpiry> {
        req.extensions().get::<TokenExpiry>().copied()
    }
}

pub async fn authenticate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    if let Some((outcome, expiry)) = verify(&req) {
        let mut extensions = req.extensions_mut();
        extensions.insert(outcome);
        if let Some(expiry) = expiry {
            extensions.insert(expiry);
        }
    }
    next.call(req).await
}

fn verify(req: &ServiceRequest) -> Option<(Authentication, Option<TokenExpiry>)> {
    let value = req.headers().get(header::AUTHORIZATION)?;
    let state = req.app_data::<web::Data<AppState>>()?;
    Some(match bearer(value) {
        Err(detail) => (Authentication::Refused(detail), None),
        Ok(token) => match state.jwt.verify(token, state.app.clock.now()) {
            Err(detail) => (Authentication::Refused(detail), None),
            Ok(claims) => {
                let expiry = chrono::DateTime::from_timestamp(claims.exp, 0).map(TokenExpiry);
                match principal_of(claims) {
                    Some(p) => (Authentication::Verified(Arc::new(p)), expiry),
                    None => (Authentication::Refused("the access token is invalid"), None),
                }
            }
        },
    })
}

/// The token of an `Authorization: Bearer` header (the scheme is case-insensitive).
fn bearer(value: &header::HeaderValue) -> Result<&str, &'static str> {
    let text = value
        .to_str()
        .map_err(|_| "malformed Authorization header")?;
    let (scheme, token) = text
        .split_once(' ')
        .ok_or("malformed Authorization header")?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err("expected a Bearer token");
    }
    Ok(token)
}

fn principal_of(claims: crate::auth::jwt::Claims) -> Option<Principal> {
    let role: Role = claims.role.parse().ok()?;
    let kind = match role {
        Role::Integration => PrincipalKind::ApiClient,
        Role::Customer => PrincipalKind::Customer,
        _ => PrincipalKind::User,
    };
    Some(Principal {
        id: claims.sub,
        org_id: claims.org,
        role,
        store_id: claims.store,
        // A scope this server no longer knows grants nothing.
        scopes: claims
            .scope
            .iter()
            .flat_map(|s| s.split_whitespace())
            .filter_map(|s| s.parse::<Scope>().ok())
            .collect(),
        kind,
    })
}
