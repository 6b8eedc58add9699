//! `/api/v1/auth/*` and `/api/v1/me`: signing in and out, machine-client tokens, and the
//! caller's own account.

use actix_web::HttpResponse;
use autocrm_domain::access::PrincipalKind;
use autocrm_persistence::models::{TenantRecord, User};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::auth::password::{self, NewPassword};
use crate::auth::service::{self, PasswordCheck};
use crate::error::{ApiError, Problem};
use crate::http::{Authorized, Json, Public, perm};
use crate::validate::schema::string_enum;

#[derive(Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"login": "zhang.wei@example.com", "password": "Huadong2026"}))]
pub struct LoginRequest {
    /// Email address or mobile phone.
    #[validate(length(min = 1, max = 254))]
    #[schema(example = "zhang.wei@example.com", min_length = 1, max_length = 254)]
    pub login: String,
    #[validate(length(min = 1, max = 1024))]
    #[schema(example = "Huadong2026", min_length = 1, max_length = 1024)]
    pub password: String,
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "access_token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIwMTkzIn0.c2lnbmF0dXJl",
    "refresh_token": "rt_mR3k9vQ2xW8pL5nB7cJ4dF6gH1sT0yU2eA9zK3iO5uE", "token_type": "Bearer", "expires_in": 900
}))]
pub struct TokenPair {
    pub access_token: String,
    /// Single use: each refresh returns a new one.
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
}

#[derive(Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"refresh_token": "rt_mR3k9vQ2xW8pL5nB7cJ4dF6gH1sT0yU2eA9zK3iO5uE"}))]
pub struct RefreshRequest {
    #[validate(length(min = 1, max = 256))]
    #[schema(
        min_length = 1,
        max_length = 256,
        example = "rt_mR3k9vQ2xW8pL5nB7cJ4dF6gH1sT0yU2eA9zK3iO5uE"
    )]
    pub refresh_token: String,
}

#[derive(Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "grant_type": "client_credentials", "client_id": "ci_Zx8Kq2Lm5Np7Rt9Vw3Yb6Cd1Fg",
    "client_secret": "cs_Hj4Kl8Mn2Pq6Rs0Tu3Vw7Xy1Za5Bc9De2Fg6Hi0Jk"
}))]
pub struct ClientCredentialsRequest {
    /// Must be `client_credentials`.
    #[validate(custom(function = "client_credentials_grant"))]
    #[schema(value_type = GrantType, inline)]
    pub grant_type: String,
    #[validate(length(min = 1, max = 128))]
    #[schema(
        min_length = 1,
        max_length = 128,
        example = "ci_Zx8Kq2Lm5Np7Rt9Vw3Yb6Cd1Fg"
    )]
    pub client_id: String,
    #[validate(length(min = 1, max = 256))]
    #[schema(
        min_length = 1,
        max_length = 256,
        example = "cs_Hj4Kl8Mn2Pq6Rs0Tu3Vw7Xy1Za5Bc9De2Fg6Hi0Jk"
    )]
    pub client_secret: String,
}

fn client_credentials_grant(value: &str) -> Result<(), validator::ValidationError> {
    if value == "client_credentials" {
        Ok(())
    } else {
        Err(validator::ValidationError::new("not_allowed")
            .with_message("only client_credentials is supported".into()))
    }
}

string_enum!(GrantType = ["client_credentials"]);

#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "access_token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIwMTkzIn0.c2lnbmF0dXJl", "token_type": "Bearer",
    "expires_in": 900, "scope": "customers:read financing:write"
}))]
pub struct ClientTokenResponse {
    pub access_token: String,
    pub token_type: String,
    pub expires_in: i64,
    /// Space-separated granted scopes.
    pub scope: String,
}

#[derive(Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"current_password": "Huadong2026", "new_password": "Pudong4S-2027"}))]
pub struct PasswordChange {
    #[validate(length(min = 1, max = 1024))]
    #[schema(min_length = 1, max_length = 1024, example = "Huadong2026")]
    pub current_password: String,
    /// 8 to 128 characters, with letters and digits.
    #[validate(custom(function = "password::check_strength"))]
    #[schema(value_type = NewPassword, inline, example = "Pudong4S-2027")]
    pub new_password: String,
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a11", "org_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a01",
    "kind": "user", "role": "sales_consultant", "store_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12",
    "name": "李娜", "email": "li.na@example.com", "scopes": []
}))]
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

/// Sign in with email or phone and password.
///
/// Issues a short-lived access token and a single-use refresh token. Five wrong passwords in
/// a row lock the account for 15 minutes (429 `account_locked`).
#[utoipa::path(
    post, path = "/api/v1/auth/login", tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenPair),
        (status = 401, description = "Wrong login or password, or deactivated", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`account_locked` after 5 failures, or `rate_limited`: too many sign-ins from this IP; see Retry-After", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn login(caller: Public, body: Json<LoginRequest>) -> Result<HttpResponse, ApiError> {
    let LoginRequest { login, password } = body.into_inner();
    let state = caller.state();
    let checked = caller
        .read(move |ctx| service::check_password(ctx, &state.passwords, &login, &password))
        .await?;
    let state = caller.state();
    let ttl = state.settings.refresh_token_ttl_days;
    match checked {
        PasswordCheck::Valid(user) => {
            let tokens = caller
                .write(move |ctx| service::open_session(ctx, &state.jwt, ttl, &user))
                .await?;
            Ok(HttpResponse::Ok().json(token_pair(tokens)))
        }
        PasswordCheck::Wrong(user) => {
            caller
                .write(move |ctx| service::record_failed_login(ctx, &user))
                .await?;
            Err(service::invalid_credentials().into())
        }
        PasswordCheck::Unknown => Err(service::invalid_credentials().into()),
    }
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
///
/// A refresh token presented twice means it leaked: every token of that sign-in is revoked.
#[utoipa::path(
    post, path = "/api/v1/auth/refresh", tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "New token pair", body = TokenPair),
        (status = 401, description = "Invalid, expired, revoked or reused refresh token", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn refresh(caller: Public, body: Json<RefreshRequest>) -> Result<HttpResponse, ApiError> {
    let token = body.into_inner().refresh_token;
    let state = caller.state();
    let ttl = state.settings.refresh_token_ttl_days;
    let tokens = caller
        .write(move |ctx| service::refresh(ctx, &state.jwt, ttl, &token))
        .await??;
    Ok(HttpResponse::Ok().json(token_pair(tokens)))
}

/// Sign out: revokes the refresh token and every token rotated from the same sign-in.
#[utoipa::path(
    post, path = "/api/v1/auth/logout", tag = "auth",
    request_body = RefreshRequest,
    responses((status = 204, description = "Signed out (also when the token was unknown)"))
)]
pub async fn logout(caller: Public, body: Json<RefreshRequest>) -> Result<HttpResponse, ApiError> {
    let token = body.into_inner().refresh_token;
    caller
        .write(move |ctx| service::logout(ctx, &token))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Machine clients: exchange client credentials for an access token with the client's scopes.
#[utoipa::path(
    post, path = "/api/v1/auth/token", tag = "auth",
    request_body = ClientCredentialsRequest,
    responses(
        (status = 200, description = "Access token", body = ClientTokenResponse),
        (status = 401, description = "Unknown, wrong or revoked client", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn issue_client_token(
    caller: Public,
    body: Json<ClientCredentialsRequest>,
) -> Result<HttpResponse, ApiError> {
    let req = body.into_inner();
    let state = caller.state();
    let issued = caller
        .read(move |ctx| {
            service::client_credentials(ctx, &state.jwt, &req.client_id, &req.client_secret)
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
    responses((status = 200, description = "The caller", body = Me))
)]
pub async fn me(caller: Authorized<perm::SignedIn>) -> Result<HttpResponse, ApiError> {
    let p = caller.principal().clone();
    let (name, email) = if p.kind == PrincipalKind::User {
        let user = caller
            .read(move |ctx| {
                let id = ctx.principal()?.id.clone();
                Ok(User::find(ctx.conn, ctx.org_id(), &id)?)
            })
            .await?
            .ok_or_else(ApiError::not_found)?;
        (Some(user.name), Some(user.email))
    } else {
        caller.read(|_| Ok(())).await?;
        (None, None)
    };
    Ok(HttpResponse::Ok().json(Me {
        kind: p.kind.as_str().into(),
        id: p.id,
        org_id: p.org_id,
        role: p.role.as_str().into(),
        store_id: p.store_id,
        name,
        email,
        scopes: p.scopes.iter().map(|s| s.as_str().to_owned()).collect(),
    }))
}

/// Change one's own password; signs out every other session.
///
/// People only (machine clients have no password): 403 for a client token.
#[utoipa::path(
    post, path = "/api/v1/me/password", tag = "auth",
    request_body = PasswordChange,
    responses((status = 204, description = "Password changed"))
)]
pub async fn change_password(
    caller: Authorized<perm::SignedIn>,
    body: Json<PasswordChange>,
) -> Result<HttpResponse, ApiError> {
    if caller.principal().kind != PrincipalKind::User {
        return Err(ApiError::new(crate::error::Code::Forbidden));
    }
    let req = body.into_inner();
    let principal = caller.principal().clone();
    let current = req.current_password;
    caller
        .read(move |ctx| service::check_current_password(ctx, &principal, &current))
        .await?;
    let state = caller.state();
    let new_password = req.new_password;
    let hash = caller
        .blocking(move || state.passwords.hash(&new_password))
        .await?;
    caller
        .write(move |ctx| service::change_password(ctx, hash))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

crate::endpoints![
    login,
    refresh,
    logout,
    issue_client_token,
    me,
    change_password
];
