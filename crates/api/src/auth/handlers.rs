//! `/api/v1/auth/*` and `/api/v1/me`.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::permission::AnyRole;
use super::{Authorized, PrincipalKind, service};
use crate::error::{ApiError, Problem};
use crate::http::extract::Json;
use crate::state::AppState;
use crate::validate::schema::{schema_marker, string_enum};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Email address or mobile phone.
    #[schema(example = "admin@example.com", min_length = 1, max_length = 254)]
    pub login: String,
    #[schema(min_length = 1, max_length = 1024)]
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct TokenPair {
    pub access_token: String,
    /// Single use: each refresh returns a new one.
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    #[schema(min_length = 1, max_length = 256)]
    pub refresh_token: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientCredentialsRequest {
    /// Must be `client_credentials`.
    #[schema(value_type = GrantType, inline)]
    pub grant_type: String,
    #[schema(min_length = 1, max_length = 128)]
    pub client_id: String,
    #[schema(min_length = 1, max_length = 256)]
    pub client_secret: String,
}

string_enum!(GrantType = ["client_credentials"]);

#[derive(Serialize, ToSchema)]
pub struct ClientTokenResponse {
    pub access_token: String,
    pub token_type: String,
    pub expires_in: i64,
    /// Space-separated granted scopes.
    pub scope: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    #[schema(min_length = 1, max_length = 1024)]
    pub current_password: String,
    /// 8 to 128 characters, with letters and digits.
    #[schema(value_type = NewPassword, inline)]
    pub new_password: String,
}

/// What `password::check_strength` accepts, as far as a schema can say it: 8 to 128
/// characters with an ASCII digit (the letter it also needs is any Unicode letter,
/// which a pattern cannot name).
pub enum NewPassword {}
schema_marker!(
    NewPassword,
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .min_length(Some(super::password::MIN_LENGTH))
        .max_length(Some(super::password::MAX_LENGTH))
        .pattern(Some("[0-9]"))
        .build()
        .into()
);

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub id: String,
    pub org_id: String,
    /// `user` or `api_client`.
    pub kind: String,
    pub role: String,
    pub store_id: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub scopes: Vec<String>,
}

/// 1 to `max` characters (as the DTOs' `minLength`/`maxLength` say).
fn bounded(field: &str, value: &str, max: usize) -> Result<(), ApiError> {
    if value.is_empty() || value.chars().count() > max {
        return Err(ApiError::invalid(
            field,
            "out_of_range",
            format!("must be 1 to {max} characters"),
        ));
    }
    Ok(())
}

/// Sign in with email or phone and password.
#[utoipa::path(
    post, path = "/api/v1/auth/login", tag = "auth", security(()),
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenPair),
        (status = 401, description = "Wrong login or password, or deactivated", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`account_locked` after 5 failures, or `rate_limited`: too many sign-ins from this IP; see Retry-After", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn login(
    state: web::Data<AppState>,
    body: Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let LoginRequest { login, password } = body.into_inner();
    bounded("login", &login, 254)?;
    bounded("password", &password, 1024)?;
    let st = state.clone();
    let tokens = state
        .db(move |conn| {
            service::login(
                conn,
                &st.jwt,
                st.settings.refresh_token_ttl_days,
                &login,
                &password,
            )
        })
        .await?;
    Ok(HttpResponse::Ok().json(token_pair(tokens)))
}

fn token_pair(tokens: service::IssuedTokens) -> TokenPair {
    TokenPair {
        access_token: tokens.access_token,
        refresh_token: tokens.refresh_token,
        token_type: "Bearer".into(),
        expires_in: tokens.expires_in,
    }
}

/// Exchange a refresh token for a new pair; the old one stops working.
#[utoipa::path(
    post, path = "/api/v1/auth/refresh", tag = "auth", security(()),
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "New token pair", body = TokenPair),
        (status = 401, description = "Invalid, expired, revoked or reused refresh token", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn refresh(
    state: web::Data<AppState>,
    body: Json<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let token = body.into_inner().refresh_token;
    bounded("refresh_token", &token, 256)?;
    let st = state.clone();
    let tokens = state
        .db(move |conn| service::refresh(conn, &st.jwt, st.settings.refresh_token_ttl_days, &token))
        .await?;
    Ok(HttpResponse::Ok().json(token_pair(tokens)))
}

/// Sign out: revokes the refresh token and every token rotated from the same login.
#[utoipa::path(
    post, path = "/api/v1/auth/logout", tag = "auth", security(()),
    request_body = RefreshRequest,
    responses((status = 204, description = "Signed out (also when the token was unknown)"))
)]
pub async fn logout(
    state: web::Data<AppState>,
    body: Json<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let token = body.into_inner().refresh_token;
    bounded("refresh_token", &token, 256)?;
    state.db(move |conn| service::logout(conn, &token)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Machine clients: exchange client credentials for an access token with the client's scopes.
#[utoipa::path(
    post, path = "/api/v1/auth/token", tag = "auth", security(()),
    request_body = ClientCredentialsRequest,
    responses(
        (status = 200, description = "Access token", body = ClientTokenResponse),
        (status = 401, description = "Unknown, wrong or revoked client", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn issue_client_token(
    state: web::Data<AppState>,
    body: Json<ClientCredentialsRequest>,
) -> Result<HttpResponse, ApiError> {
    let req = body.into_inner();
    if req.grant_type != "client_credentials" {
        return Err(ApiError::invalid(
            "grant_type",
            "not_allowed",
            "only client_credentials is supported",
        ));
    }
    bounded("client_id", &req.client_id, 128)?;
    bounded("client_secret", &req.client_secret, 256)?;
    let st = state.clone();
    let issued = state
        .db(move |conn| {
            service::client_credentials(conn, &st.jwt, &req.client_id, &req.client_secret)
        })
        .await?;
    Ok(HttpResponse::Ok().json(ClientTokenResponse {
        access_token: issued.access_token,
        token_type: "Bearer".into(),
        expires_in: issued.expires_in,
        scope: issued.scope,
    }))
}

/// Who the token belongs to.
#[utoipa::path(
    get, path = "/api/v1/me", tag = "auth",
    security(("bearer" = [])),
    responses((status = 200, description = "The caller", body = Me))
)]
pub async fn me(
    state: web::Data<AppState>,
    auth: Authorized<AnyRole>,
) -> Result<HttpResponse, ApiError> {
    let p = auth.principal;
    let (name, email) = if p.kind == PrincipalKind::User {
        let (org, id) = (p.org_id.clone(), p.id.clone());
        let user = state
            .db(move |conn| Ok(autocrm_persistence::models::User::find(conn, &org, &id)?))
            .await?
            .ok_or(ApiError::NotFound)?;
        (Some(user.name), Some(user.email))
    } else {
        (None, None)
    };
    Ok(HttpResponse::Ok().json(Me {
        kind: match p.kind {
            PrincipalKind::User => "user".into(),
            PrincipalKind::ApiClient => "api_client".into(),
        },
        id: p.id,
        org_id: p.org_id,
        role: p.role.as_str().into(),
        store_id: p.store_id,
        name,
        email,
        scopes: p.scopes,
    }))
}

/// Change one's own password; signs out every other session.
#[utoipa::path(
    post, path = "/api/v1/me/password", tag = "auth",
    security(("bearer" = [])),
    request_body = PasswordChange,
    responses((status = 204, description = "Password changed"))
)]
pub async fn change_password(
    state: web::Data<AppState>,
    auth: Authorized<AnyRole>,
    body: Json<PasswordChange>,
) -> Result<HttpResponse, ApiError> {
    if auth.kind != PrincipalKind::User {
        return Err(ApiError::Forbidden);
    }
    let req = body.into_inner();
    bounded("current_password", &req.current_password, 1024)?;
    let principal = auth.principal.clone();
    state
        .db(move |conn| {
            service::change_password(conn, &principal, &req.current_password, &req.new_password)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
