//! Signing in and out: password checks with lockout, refresh-token rotation, client
//! credentials, password change. Use cases like any other: they run in a unit of work.

use autocrm_domain::access::Principal;
use autocrm_domain::contact::{Email, Phone};
use autocrm_persistence::db::new_id;
use autocrm_persistence::models::{ApiClient, RefreshToken, TenantRecord, User, Versioned};
use chrono::TimeDelta;

use super::jwt::JwtKeys;
use super::password::{self, PasswordHasher};
use super::secret;
use crate::app::{Change, Ctx, FieldError, Limit, ServiceError, ServiceResult};

pub const MAX_FAILED_LOGINS: i32 = 5;
pub const LOCKOUT_MINUTES: i64 = 15;

pub struct IssuedTokens {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: i64,
}

pub fn invalid_credentials() -> ServiceError {
    ServiceError::InvalidCredentials("invalid login or password".into())
}

/// A login is an email or a phone; anything else cannot match a user.
fn normalise_login(login: &str) -> Option<String> {
    if login.contains('@') {
        Email::parse(login).ok().map(|e| e.as_str().to_owned())
    } else {
        Phone::parse(login).ok().map(|p| p.as_str().to_owned())
    }
}

/// What a password check found.
pub enum PasswordCheck {
    Valid(Box<User>),
    /// Wrong password for this account (counted towards its lockout).
    Wrong(Box<User>),
    /// No such login.
    Unknown,
}

/// The first half of signing in, a read: find the account and check the password. It runs
/// argon2, so it holds no write lock while it does.
pub fn check_password(
    ctx: &mut Ctx,
    hasher: &PasswordHasher,
    login: &str,
    password_text: &str,
) -> ServiceResult<PasswordCheck> {
    let user = match normalise_login(login) {
        Some(login) => User::find_by_login(ctx.conn, &login)?,
        None => None,
    };
    let Some(user) = user else {
        hasher.verify_dummy(password_text);
        return Ok(PasswordCheck::Unknown);
    };
    let at = ctx.now();
    if let Some(until) = user.locked_until.filter(|until| *until > at) {
        return Err(ServiceError::Limited {
            limit: Limit::AccountLocked,
            detail: "too many failed logins; try again later".into(),
            retry_after_secs: (until - at).num_seconds().max(1) as u64,
        });
    }
    if !password::verify(password_text, &user.password_hash) {
        return Ok(PasswordCheck::Wrong(Box::new(user)));
    }
    if !user.active {
        return Err(ServiceError::Unauthorized(
            "the account is deactivated".into(),
        ));
    }
    Ok(PasswordCheck::Valid(Box::new(user)))
}

/// Counts a failed sign-in; the fifth in a row locks the account for a while.
pub fn record_failed_login(ctx: &mut Ctx, user: &User) -> ServiceResult<()> {
    // Re-read inside the write lock, so concurrent failures all count.
    let current = User::find(ctx.conn, &user.org_id, &user.id)?.ok_or_else(invalid_credentials)?;
    let failures = current.failed_logins + 1;
    if failures >= MAX_FAILED_LOGINS {
        let until = ctx.now() + TimeDelta::minutes(LOCKOUT_MINUTES);
        User::set_login_state(ctx.conn, &user.id, 0, Some(until))?;
        tracing::warn!(user_id = %user.id, "account locked after failed logins");
    } else {
        User::set_login_state(ctx.conn, &user.id, failures, None)?;
    }
    Ok(())
}

/// The second half of signing in, a write: clear the failure count and open a session.
pub fn open_session(
    ctx: &mut Ctx,
    jwt: &JwtKeys,
    refresh_ttl_days: i64,
    user: &User,
) -> ServiceResult<IssuedTokens> {
    if user.failed_logins != 0 || user.locked_until.is_some() {
        User::set_login_state(ctx.conn, &user.id, 0, None)?;
    }
    issue_for_user(ctx, jwt, refresh_ttl_days, user, &new_id())
}

fn issue_for_user(
    ctx: &mut Ctx,
    jwt: &JwtKeys,
    refresh_ttl_days: i64,
    user: &User,
    family_id: &str,
) -> ServiceResult<IssuedTokens> {
    let refresh_token = secret::generate("rt_");
    let at = ctx.now();
    RefreshToken {
        id: new_id(),
        org_id: user.org_id.clone(),
        user_id: user.id.clone(),
        family_id: family_id.to_owned(),
        token_hash: secret::digest(&refresh_token),
        expires_at: at + TimeDelta::days(refresh_ttl_days),
        used_at: None,
        revoked_at: None,
        created_at: at,
    }
    .insert(ctx.conn)?;
    let access_token = jwt.issue(
        ctx.now_utc(),
        &user.id,
        &user.org_id,
        &user.role,
        user.store_id.as_deref(),
        None,
    )?;
    Ok(IssuedTokens {
        access_token,
        refresh_token,
        expires_in: jwt.access_ttl_secs,
    })
}

/// Rotates a refresh token. Presenting one that was already used means it leaked: the whole
/// family is revoked, so neither the thief nor the owner can go on. The revocation commits
/// even though the caller is refused, so refusals are answers (`Ok(Err(..))`), not errors.
pub fn refresh(
    ctx: &mut Ctx,
    jwt: &JwtKeys,
    refresh_ttl_days: i64,
    token: &str,
) -> ServiceResult<Result<IssuedTokens, ServiceError>> {
    let refused = |detail: &str| Ok(Err(ServiceError::Unauthorized(detail.to_owned())));
    let Some(stored) = RefreshToken::find_by_hash(ctx.conn, &secret::digest(token))? else {
        return refused("the refresh token is invalid");
    };
    let at = ctx.now();
    if stored.revoked_at.is_some() {
        return refused("the refresh token is invalid");
    }
    if stored.used_at.is_some() || !RefreshToken::mark_used(ctx.conn, &stored.id, at)? {
        RefreshToken::revoke_family(ctx.conn, &stored.family_id, at)?;
        tracing::warn!(user_id = %stored.user_id, "refresh token reuse; family revoked");
        return refused("refresh token reuse detected; please sign in again");
    }
    if stored.expires_at <= at {
        return refused("the refresh token has expired");
    }
    let user = match User::find(ctx.conn, &stored.org_id, &stored.user_id)? {
        Some(user) if user.active => user,
        _ => {
            RefreshToken::revoke_family(ctx.conn, &stored.family_id, at)?;
            return refused("the account is deactivated");
        }
    };
    issue_for_user(ctx, jwt, refresh_ttl_days, &user, &stored.family_id).map(Ok)
}

pub fn logout(ctx: &mut Ctx, token: &str) -> ServiceResult<()> {
    if let Some(stored) = RefreshToken::find_by_hash(ctx.conn, &secret::digest(token))? {
        RefreshToken::revoke_family(ctx.conn, &stored.family_id, ctx.now())?;
    }
    Ok(())
}

pub struct ClientToken {
    pub access_token: String,
    pub expires_in: i64,
    pub scope: String,
}

pub fn client_credentials(
    ctx: &mut Ctx,
    jwt: &JwtKeys,
    client_id: &str,
    client_secret: &str,
) -> ServiceResult<ClientToken> {
    let invalid = || ServiceError::InvalidCredentials("invalid client credentials".into());
    if client_id.chars().any(char::is_control) {
        return Err(invalid());
    }
    let client = ApiClient::find_by_client_id(ctx.conn, client_id)?.ok_or_else(invalid)?;
    if !secret::constant_time_eq(&secret::digest(client_secret), &client.secret_hash) {
        return Err(invalid());
    }
    if client.revoked_at.is_some() {
        return Err(ServiceError::Unauthorized(
            "the client has been revoked".into(),
        ));
    }
    let access_token = jwt.issue(
        ctx.now_utc(),
        &client.id,
        &client.org_id,
        "integration",
        None,
        Some(&client.scopes),
    )?;
    Ok(ClientToken {
        access_token,
        expires_in: jwt.access_ttl_secs,
        scope: client.scopes,
    })
}

/// Whether the current password is right (a read: argon2 holds no write lock).
pub fn check_current_password(
    ctx: &mut Ctx,
    principal: &Principal,
    current: &str,
) -> ServiceResult<()> {
    let user =
        User::find(ctx.conn, &principal.org_id, &principal.id)?.ok_or(ServiceError::NotFound)?;
    if !password::verify(current, &user.password_hash) {
        return Err(ServiceError::Invalid(vec![FieldError::new(
            "current_password",
            "invalid_value",
            "the current password is wrong",
        )]));
    }
    Ok(())
}

/// Stores a new password hash and ends every other session.
pub fn change_password(ctx: &mut Ctx, new_hash: String) -> ServiceResult<()> {
    let principal = ctx.principal()?;
    let mut user =
        User::find(ctx.conn, &principal.org_id, &principal.id)?.ok_or(ServiceError::NotFound)?;
    let version = user.version;
    user.password_hash = new_hash;
    user.updated_at = ctx.now();
    if !user.save(ctx.conn, version)? {
        return Err(ServiceError::Conflict(
            "the user changed meanwhile; retry".into(),
        ));
    }
    RefreshToken::revoke_user(ctx.conn, &principal.id, ctx.now())?;
    ctx.record(Change::new("user.password_changed", "user", &principal.id))
}
