//! Login, refresh-token rotation, logout, client credentials and password change.

use autocrm_domain::contact::{Email, Phone};
use autocrm_persistence::DbConn;
use autocrm_persistence::db::{new_id, now, write_tx};
use autocrm_persistence::models::{ApiClient, RefreshToken, User};
use chrono::TimeDelta;

use super::Principal;
use super::jwt::JwtKeys;
use super::{password, secret};
use crate::error::ApiError;

pub const MAX_FAILED_LOGINS: i32 = 5;
pub const LOCKOUT_MINUTES: i64 = 15;

pub struct IssuedTokens {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: i64,
}

fn invalid_credentials() -> ApiError {
    ApiError::InvalidCredentials("invalid login or password".into())
}

/// A login is an email or a phone; anything else cannot match a user.
fn normalise_login(login: &str) -> Option<String> {
    if login.contains('@') {
        Email::parse(login).ok().map(|e| e.as_str().to_owned())
    } else {
        Phone::parse(login).ok().map(|p| p.as_str().to_owned())
    }
}

pub fn login(
    conn: &mut DbConn,
    jwt: &JwtKeys,
    refresh_ttl_days: i64,
    login: &str,
    password_text: &str,
) -> Result<IssuedTokens, ApiError> {
    let Some(login) = normalise_login(login) else {
        password::verify_dummy(password_text);
        return Err(invalid_credentials());
    };
    let Some(user) = User::find_by_login(conn, &login)? else {
        password::verify_dummy(password_text);
        return Err(invalid_credentials());
    };
    let at = now();
    if let Some(until) = user.locked_until.filter(|until| *until > at) {
        return Err(ApiError::TooManyRequests {
            code: "account_locked",
            detail: "too many failed logins; try again later".into(),
            retry_after_secs: (until - at).num_seconds().max(1) as u64,
        });
    }
    if !password::verify(password_text, &user.password_hash) {
        write_tx(conn, |conn| -> Result<(), ApiError> {
            // Re-read inside the lock, so concurrent failures all count.
            let current =
                User::find(conn, &user.org_id, &user.id)?.ok_or_else(invalid_credentials)?;
            let failures = current.failed_logins + 1;
            if failures >= MAX_FAILED_LOGINS {
                let until = at + TimeDelta::minutes(LOCKOUT_MINUTES);
                User::set_login_state(conn, &user.id, 0, Some(until))?;
                tracing::warn!(user_id = %user.id, "account locked after failed logins");
            } else {
                User::set_login_state(conn, &user.id, failures, None)?;
            }
            Ok(())
        })?;
        return Err(invalid_credentials());
    }
    if !user.active {
        return Err(ApiError::Unauthorized("the account is deactivated".into()));
    }
    write_tx(conn, |conn| {
        if user.failed_logins != 0 || user.locked_until.is_some() {
            User::set_login_state(conn, &user.id, 0, None)?;
        }
        issue_for_user(conn, jwt, refresh_ttl_days, &user, &new_id())
    })
}

fn issue_for_user(
    conn: &mut DbConn,
    jwt: &JwtKeys,
    refresh_ttl_days: i64,
    user: &User,
    family_id: &str,
) -> Result<IssuedTokens, ApiError> {
    let refresh_token = secret::generate("rt_");
    let at = now();
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
    .insert(conn)?;
    let access_token = jwt.issue(
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

/// Rotates a refresh token. Presenting one that was already used means it leaked:
/// the whole family is revoked, so neither the thief nor the owner can go on.
pub fn refresh(
    conn: &mut DbConn,
    jwt: &JwtKeys,
    refresh_ttl_days: i64,
    token: &str,
) -> Result<IssuedTokens, ApiError> {
    let invalid = || ApiError::Unauthorized("the refresh token is invalid".into());

    write_tx(
        conn,
        |conn| -> Result<Result<IssuedTokens, ApiError>, ApiError> {
            let Some(stored) = RefreshToken::find_by_hash(conn, &secret::digest(token))? else {
                return Ok(Err(invalid()));
            };
            let at = now();
            if stored.revoked_at.is_some() {
                return Ok(Err(invalid()));
            }
            if stored.used_at.is_some() || !RefreshToken::mark_used(conn, &stored.id, at)? {
                RefreshToken::revoke_family(conn, &stored.family_id, at)?;
                tracing::warn!(user_id = %stored.user_id, "refresh token reuse; family revoked");
                // Commit the revocation, then refuse.
                return Ok(Err(ApiError::Unauthorized(
                    "refresh token reuse detected; please sign in again".into(),
                )));
            }
            if stored.expires_at <= at {
                return Ok(Err(ApiError::Unauthorized(
                    "the refresh token has expired".into(),
                )));
            }
            let user = match User::find(conn, &stored.org_id, &stored.user_id)? {
                Some(user) if user.active => user,
                _ => {
                    RefreshToken::revoke_family(conn, &stored.family_id, at)?;
                    return Ok(Err(ApiError::Unauthorized(
                        "the account is deactivated".into(),
                    )));
                }
            };
            issue_for_user(conn, jwt, refresh_ttl_days, &user, &stored.family_id).map(Ok)
        },
    )?
}

pub fn logout(conn: &mut DbConn, token: &str) -> Result<(), ApiError> {
    write_tx(conn, |conn| {
        if let Some(stored) = RefreshToken::find_by_hash(conn, &secret::digest(token))? {
            RefreshToken::revoke_family(conn, &stored.family_id, now())?;
        }
        Ok(())
    })
}

pub struct ClientToken {
    pub access_token: String,
    pub expires_in: i64,
    pub scope: String,
}

pub fn client_credentials(
    conn: &mut DbConn,
    jwt: &JwtKeys,
    client_id: &str,
    client_secret: &str,
) -> Result<ClientToken, ApiError> {
    let invalid = || ApiError::InvalidCredentials("invalid client credentials".into());
    if client_id.chars().any(char::is_control) {
        return Err(invalid());
    }
    let client = ApiClient::find_by_client_id(conn, client_id)?.ok_or_else(invalid)?;
    if !secret::constant_time_eq(&secret::digest(client_secret), &client.secret_hash) {
        return Err(invalid());
    }
    if client.revoked_at.is_some() {
        return Err(ApiError::Unauthorized("the client has been revoked".into()));
    }
    let access_token = jwt.issue(
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

pub fn change_password(
    conn: &mut DbConn,
    principal: &Principal,
    current: &str,
    new: &str,
) -> Result<(), ApiError> {
    let user_id = principal.id.as_str();
    let mut user = User::find(conn, &principal.org_id, user_id)?.ok_or(ApiError::NotFound)?;
    if !password::verify(current, &user.password_hash) {
        return Err(ApiError::invalid(
            "current_password",
            "invalid_value",
            "the current password is wrong",
        ));
    }
    password::check_strength("new_password", new).map_err(|e| ApiError::Validation(vec![e]))?;
    user.password_hash = password::hash(new)?;
    user.updated_at = now();
    write_tx(conn, |conn| {
        let version = user.version;
        if !user.save(conn, version)? {
            return Err(ApiError::conflict(
                "conflict",
                "the user changed meanwhile; retry",
                None,
            ));
        }
        // Every other session ends with the old password.
        RefreshToken::revoke_user(conn, user_id, now())?;
        crate::audit::record(
            conn,
            principal,
            "user.password_changed",
            "user",
            Some(user_id),
            serde_json::json!({}),
        )
    })
}
