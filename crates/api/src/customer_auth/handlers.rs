//! `/api/v1/customer-auth/*` (a customer signs in from a mini-program or app) and
//! `/api/v1/me/customer` (the signed-in customer's own record).

use actix_web::HttpResponse;
use actix_web::http::StatusCode;

use super::dto::{
    CodeSentDto, CustomerToken, MiniProgramDto, OwnProfile, PatchOwnProfile, PutMiniProgram,
    SendCodeRequest, SmsSignInRequest, WechatSignInRequest,
};
use super::service::{self, SignedIn};
use super::wechat;
use crate::app::{Actor, ServiceError};
use crate::customers::service as customers;
use crate::error::{ApiError, Problem};
use crate::http::versioning::versioned;
use crate::http::{Authorized, IfMatch, Json, Public, perm};
use crate::state::AppState;

/// The organisation a public sign-in request names: its use cases run as the system there.
fn in_org(org_id: &str) -> Actor {
    Actor::System {
        org_id: org_id.trim().to_ascii_lowercase(),
        name: "customer-auth",
    }
}

fn phone_of(
    phone: Option<autocrm_domain::contact::Phone>,
) -> Result<autocrm_domain::contact::Phone, ApiError> {
    // The body's rules accepted it, so it parses.
    phone.ok_or_else(|| ServiceError::internal("a validated phone did not parse").into())
}

/// Send a customer a sign-in code by SMS.
///
/// For mini-programs and apps; no token needed. Sends a 6-digit code, valid 5 minutes, to the
/// phone through the dealership's SMS notification gateway; the answer is the same whether the
/// phone belongs to a customer yet or not. Neither the phone nor the code is stored in clear
/// (a keyed index and a keyed hash; the outgoing message is encrypted until it is sent). One
/// code per phone per minute and 10 per day (429 `code_throttled` with `Retry-After`); sign-in
/// requests are also limited per client address. Emits no event.
#[utoipa::path(
    post, path = "/api/v1/customer-auth/sms/code", tag = "customer-auth",
    request_body = SendCodeRequest,
    responses(
        (status = 202, description = "The code is on its way", body = CodeSentDto),
        (status = 404, description = "No such organisation", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The organisation has no active SMS gateway", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`code_throttled`: a code went to this phone a moment ago, or 10 today; see Retry-After", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn send_sms_code(
    caller: Public,
    body: Json<SendCodeRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let phone = phone_of(body.phone())?;
    let sent = caller
        .state()
        .app
        .write(in_org(&body.org_id), caller.request().clone(), move |ctx| {
            service::send_code(ctx, &phone)
        })
        .await?;
    Ok(HttpResponse::Accepted().json(CodeSentDto {
        expires_in: sent.expires_in,
        resend_after: sent.resend_after,
    }))
}

/// Sign a customer in with the code sent by SMS.
///
/// For mini-programs and apps; no token needed. The newest code sent to the phone works
/// once; five wrong tries end it. The customer with this phone is signed in; a phone new to
/// the dealership registers a prospect customer (emits `customer.created`; it waits in the
/// organisation's pool, unassigned). The answer is a `customer` token that reaches only the
/// customer's own record (`/api/v1/me/customer`) and holds no staff permission; it stops
/// working when the record is archived, merged or erased. Audited as `customer.signed_in`.
#[utoipa::path(
    post, path = "/api/v1/customer-auth/sms", tag = "customer-auth",
    request_body = SmsSignInRequest,
    responses(
        (status = 200, description = "Signed in", body = CustomerToken),
        (status = 401, description = "`invalid_credentials`: the code is wrong, used or expired", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn sign_in_with_sms(
    caller: Public,
    body: Json<SmsSignInRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let phone = phone_of(body.phone())?;
    let code = body.code;
    let state = caller.state();
    let signed_in = state
        .app
        .write(in_org(&body.org_id), caller.request().clone(), move |ctx| {
            service::sign_in_with_code(ctx, &phone, &code)
        })
        .await??;
    token_response(&state, signed_in)
}

/// The answer of every customer sign-in: a `customer` token for the signed-in record.
fn token_response(state: &AppState, signed_in: SignedIn) -> Result<HttpResponse, ApiError> {
    let ttl = state.settings.customer_token_ttl_secs;
    let customer = signed_in.customer;
    let token =
        state
            .jwt
            .issue_customer(state.app.clock.now(), ttl, &customer.id, &customer.org_id)?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(CustomerToken {
            access_token: token,
            token_type: "Bearer".into(),
            expires_in: ttl,
            customer_id: customer.id,
            created: signed_in.created,
        }))
}

/// Sign a customer in from a WeChat mini-program.
///
/// For mini-programs; no token needed. Exchanges the `wx.login` code through WeChat's
/// `code2session` with the dealership's mini-program app id and secret (set up by an admin:
/// 409 until then). The customer with the openid WeChat answers (or its unionid) is signed
/// in; an openid new to the dealership registers a prospect from the mini-program, its WeChat
/// ids stored encrypted (emits `customer.created`). A code WeChat refuses (invalid, used,
/// expired) is 401 `invalid_credentials`; WeChat unreachable, busy or past 10 seconds is 503
/// `unavailable`. The answer is a `customer` token, as the SMS sign-in's. Sign-in requests are
/// limited per client address. Audited as `customer.signed_in`.
#[utoipa::path(
    post, path = "/api/v1/customer-auth/wechat", tag = "customer-auth",
    request_body = WechatSignInRequest,
    responses(
        (status = 200, description = "Signed in", body = CustomerToken),
        (status = 401, description = "`invalid_credentials`: WeChat refused the code", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The organisation has no WeChat mini-program set up", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`unavailable`: WeChat could not be reached in time", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn sign_in_with_wechat(
    caller: Public,
    body: Json<WechatSignInRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let state = caller.state();
    let org = body.org_id;
    let (app_id, secret) = state
        .app
        .read(in_org(&org), caller.request().clone(), wechat::credentials)
        .await?;
    // Outside any transaction: the exchange waits on WeChat (at most 10 seconds).
    let identity = state
        .wechat
        .code2session(&app_id, &secret, &body.code)
        .await?;
    let signed_in = state
        .app
        .write(in_org(&org), caller.request().clone(), move |ctx| {
            wechat::sign_in(ctx, &identity)
        })
        .await?;
    token_response(&state, signed_in)
}

/// The organisation's WeChat mini-program (for WeChat sign-in): its app id; the secret is
/// never shown. 404 until one is set up. Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/organization/wechat-mini-program", tag = "organization",
    responses((status = 200, description = "The mini-program; the ETag carries its version", body = MiniProgramDto))
)]
pub async fn get_mini_program(
    caller: Authorized<perm::ManageOrganization>,
) -> Result<HttpResponse, ApiError> {
    let program = caller.read(wechat::find_mini_program).await?;
    Ok(versioned(
        StatusCode::OK,
        program.version,
        MiniProgramDto::from(program),
    ))
}

/// Set the organisation's WeChat mini-program app id and secret (replacing any), which
/// customer sign-in with WeChat uses.
///
/// The secret is stored encrypted and never answered. With `If-Match`, a stale version
/// answers 412. Audited (`wechat_mini_program.updated`, the app id only); emits no event.
#[utoipa::path(
    put, path = "/api/v1/organization/wechat-mini-program", tag = "organization",
    params(("If-Match" = Option<String>, Header, description = "Expected version, e.g. \"1\"")),
    request_body = PutMiniProgram,
    responses(
        (status = 200, description = "Set", body = MiniProgramDto),
        (status = 412, description = "The settings changed since that version", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid app id or secret", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn put_mini_program(
    caller: Authorized<perm::ManageOrganization>,
    if_match: IfMatch,
    body: Json<PutMiniProgram>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let program = caller
        .write(move |ctx| wechat::set_mini_program(ctx, if_match.0, body.app_id, &body.app_secret))
        .await?;
    Ok(versioned(
        StatusCode::OK,
        program.version,
        MiniProgramDto::from(program),
    ))
}

/// The signed-in customer's own record.
///
/// For a `customer` token only (staff use `/api/v1/customers/{id}`). No staff notes or
/// assignment; the phone masked.
#[utoipa::path(
    get, path = "/api/v1/me/customer", tag = "customer-auth",
    responses((status = 200, description = "The customer's own record", body = OwnProfile))
)]
pub async fn get_own_profile(
    caller: Authorized<perm::CustomerSelf>,
) -> Result<HttpResponse, ApiError> {
    let id = caller.principal().id.clone();
    let customer = caller
        .read(move |ctx| customers::find_visible(ctx, &id))
        .await?;
    Ok(versioned(
        StatusCode::OK,
        customer.version,
        OwnProfile::from(customer),
    ))
}

/// Change the signed-in customer's own name, e-mail or city.
///
/// For a `customer` token only. JSON merge patch; `If-Match` optional. Emits
/// `customer.updated`.
#[utoipa::path(
    patch, path = "/api/v1/me/customer", tag = "customer-auth",
    params(("If-Match" = Option<String>, Header, description = "Expected version, e.g. \"3\"")),
    request_body(content = PatchOwnProfile, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Updated", body = OwnProfile),
        (status = 412, description = "The record changed since that version", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn patch_own_profile(
    caller: Authorized<perm::CustomerSelf>,
    if_match: IfMatch,
    body: Json<PatchOwnProfile>,
) -> Result<HttpResponse, ApiError> {
    let id = caller.principal().id.clone();
    let changes = body.into_inner().into_changes();
    let customer = caller
        .write(move |ctx| customers::update(ctx, &id, if_match.0, changes))
        .await?;
    Ok(versioned(
        StatusCode::OK,
        customer.version,
        OwnProfile::from(customer),
    ))
}

crate::endpoints![
    send_sms_code,
    sign_in_with_sms,
    sign_in_with_wechat,
    get_mini_program,
    put_mini_program,
    get_own_profile,
    patch_own_profile
];
