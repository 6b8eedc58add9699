//! WeChat mini-program sign-in: the organisation's app id and secret (the secret only
//! encrypted), the exchange of a login code through WeChat's `code2session`, and the
//! customer it signs in (a new openid registers a prospect).
//!
//! The exchange is an HTTP call made while the request waits, outside any transaction: a
//! sign-in cannot be queued. Its URL carries the app secret and the code, and WeChat's
//! answer carries a `session_key`: none of them is ever logged or kept (the answer is read
//! into [`Code2SessionAnswer`], which has no field for the key).

use std::time::Duration;

use autocrm_domain::customer::{CustomerKind, CustomerStatus, SourceChannel};
use autocrm_persistence::db::lock_row;
use autocrm_persistence::models::{
    Customer, CustomerLookup, LookupKind, TenantRecord, WechatMiniProgram,
};
use serde::Deserialize;

use super::service::{SignedIn, check_org};
use crate::app::{Change, Ctx, ServiceError, ServiceResult};
use crate::customers::personal;
use crate::customers::service::{self as customers, NewCustomer, ProfileChanges};
use crate::error::{ApiError, Code};

/// WeChat's API host (`AUTOCRM_WECHAT_API_BASE` changes it).
pub const DEFAULT_API_BASE: &str = "https://api.weixin.qq.com";
/// The limit on one exchange (connect, send, answer).
pub const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(10);
/// WeChat's "system busy, try again" code.
const SYSTEM_BUSY: i64 = -1;

/// Who WeChat says signed in.
#[derive(Debug, Clone)]
pub struct WechatIdentity {
    pub openid: String,
    /// Given when the mini-program is bound to a WeChat Open Platform account.
    pub unionid: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
    /// WeChat answered with an error code (40029: invalid code, 40163: code used, ...).
    #[error("WeChat refused the login code (errcode {0})")]
    Refused(i64),
    /// WeChat could not be reached, timed out, was busy or answered something unreadable.
    #[error("the WeChat code exchange is unavailable: {0}")]
    Unavailable(String),
}

impl From<ExchangeError> for ApiError {
    fn from(e: ExchangeError) -> Self {
        match e {
            ExchangeError::Refused(_) => ApiError::new(Code::InvalidCredentials)
                .with_detail("WeChat did not accept the login code (invalid, used or expired)"),
            ExchangeError::Unavailable(_) => ApiError::new(Code::Unavailable)
                .with_detail("WeChat sign-in is unavailable at the moment; try again"),
        }
    }
}

/// `code2session`'s answer, as far as it is read: there is deliberately no `session_key`.
#[derive(Deserialize)]
struct Code2SessionAnswer {
    openid: Option<String>,
    unionid: Option<String>,
    #[serde(default)]
    errcode: i64,
    errmsg: Option<String>,
}

/// The client of WeChat's code exchange: one per node.
pub struct CodeExchange {
    client: reqwest::Client,
    base: String,
}

impl std::fmt::Debug for CodeExchange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodeExchange")
            .field("base", &self.base)
            .finish()
    }
}

/// A failed call, logged without its URL (which carries the app secret and the code).
fn unavailable(e: reqwest::Error) -> ExchangeError {
    let e = e.without_url();
    tracing::warn!(error = %e, timeout = e.is_timeout(), "WeChat code exchange failed");
    ExchangeError::Unavailable(e.to_string())
}

impl CodeExchange {
    pub fn new(base: &str) -> Self {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(EXCHANGE_TIMEOUT)
            .connect_timeout(EXCHANGE_TIMEOUT)
            .user_agent("AutoCRM/1")
            .build()
            .unwrap_or_default();
        Self {
            client,
            base: base.trim().trim_end_matches('/').to_owned(),
        }
    }

    /// Exchanges a mini-program login code (`wx.login`) for the user's openid (and
    /// unionid): `GET {base}/sns/jscode2session`.
    pub async fn code2session(
        &self,
        app_id: &str,
        secret: &str,
        code: &str,
    ) -> Result<WechatIdentity, ExchangeError> {
        let url = reqwest::Url::parse_with_params(
            &format!("{}/sns/jscode2session", self.base),
            [
                ("appid", app_id),
                ("secret", secret),
                ("js_code", code),
                ("grant_type", "authorization_code"),
            ],
        )
        .map_err(|e| ExchangeError::Unavailable(format!("invalid WeChat API base: {e}")))?;
        let response = self.client.get(url).send().await.map_err(unavailable)?;
        let status = response.status();
        if !status.is_success() {
            tracing::warn!(%status, "WeChat code exchange answered an error status");
            return Err(ExchangeError::Unavailable(format!("status {status}")));
        }
        let body = response.bytes().await.map_err(unavailable)?;
        let answer: Code2SessionAnswer = serde_json::from_slice(&body).map_err(|_| {
            tracing::warn!("WeChat code exchange answered something other than JSON");
            ExchangeError::Unavailable("an unreadable answer".into())
        })?;
        if answer.errcode != 0 {
            tracing::info!(
                errcode = answer.errcode,
                errmsg = answer.errmsg.as_deref().unwrap_or(""),
                "WeChat refused a login code"
            );
            return Err(if answer.errcode == SYSTEM_BUSY {
                ExchangeError::Unavailable("WeChat is busy".into())
            } else {
                ExchangeError::Refused(answer.errcode)
            });
        }
        let present = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        match present(answer.openid) {
            Some(openid) => Ok(WechatIdentity {
                openid,
                unionid: present(answer.unionid),
            }),
            None => {
                tracing::warn!("WeChat code exchange answered no openid");
                Err(ExchangeError::Unavailable("no openid in the answer".into()))
            }
        }
    }
}

// ---- the organisation's mini-program -----------------------------------------------------

/// The organisation's mini-program (`NotFound` when none is set up).
pub fn find_mini_program(ctx: &mut Ctx) -> ServiceResult<WechatMiniProgram> {
    WechatMiniProgram::find(ctx.conn, ctx.org_id())?.ok_or(ServiceError::NotFound)
}

/// Sets the organisation's mini-program app id and secret (replacing any); the secret is
/// stored encrypted. With `expected`, a stale version is `Stale`. Audited
/// (`wechat_mini_program.updated`, the app id only).
pub fn set_mini_program(
    ctx: &mut Ctx,
    expected: Option<i64>,
    app_id: String,
    app_secret: &str,
) -> ServiceResult<WechatMiniProgram> {
    let org_id = ctx.org_id().to_owned();
    lock_row(ctx.conn, "organizations", &org_id)?;
    let now = ctx.now();
    let current = WechatMiniProgram::find(ctx.conn, &org_id)?;
    let version = current.as_ref().map_or(0, |c| c.version);
    if expected.is_some_and(|v| v != version) {
        return Err(ServiceError::Stale {
            current_version: version,
        });
    }
    let row = WechatMiniProgram {
        org_id: org_id.clone(),
        app_id,
        secret_ciphertext: ctx.pii().encrypt(app_secret)?,
        version: version + 1,
        created_at: current.map_or(now, |c| c.created_at),
        updated_at: now,
    };
    row.upsert(ctx.conn)?;
    ctx.record(
        Change::new("wechat_mini_program.updated", "organization", &org_id)
            .detail(serde_json::json!({"app_id": row.app_id})),
    )?;
    Ok(row)
}

/// The app id and clear secret to exchange a code with: the organisation must exist (404)
/// and have its mini-program set up (409).
pub fn credentials(ctx: &mut Ctx) -> ServiceResult<(String, String)> {
    check_org(ctx)?;
    let Some(program) = WechatMiniProgram::find(ctx.conn, ctx.org_id())? else {
        return Err(ServiceError::Conflict(
            "this organisation has no WeChat mini-program set up, so it cannot sign in with WeChat"
                .into(),
        ));
    };
    let secret = ctx.pii().decrypt(&program.secret_ciphertext)?;
    Ok((program.app_id, secret))
}

/// The customer with this WeChat id (by its keyed lookup), if any.
fn known_by(ctx: &mut Ctx, id: &str) -> ServiceResult<Option<Customer>> {
    let indexes = personal::indexes_of(ctx.pii(), LookupKind::Wechat, &personal::wechat_value(id));
    let hit =
        CustomerLookup::matching(ctx.conn, ctx.org_id(), LookupKind::Wechat, &indexes, "", 1)?
            .into_iter()
            .next();
    match hit {
        Some(l) => Ok(Customer::find(ctx.conn, ctx.org_id(), &l.customer_id)?),
        None => Ok(None),
    }
}

/// Signs in the customer WeChat named: the one with this openid (or unionid), else a new
/// prospect from the mini-program, its WeChat ids stored encrypted (emits
/// `customer.created`). A customer record no longer active is refused. Audited
/// (`customer.signed_in`, method `wechat`).
pub fn sign_in(ctx: &mut Ctx, identity: &WechatIdentity) -> ServiceResult<SignedIn> {
    check_org(ctx)?;
    let mut found = known_by(ctx, &identity.openid)?;
    if found.is_none()
        && let Some(unionid) = &identity.unionid
    {
        found = known_by(ctx, unionid)?;
    }
    let (customer, created) = match found {
        Some(c) if c.status == CustomerStatus::Active.as_str() => (c, false),
        Some(_) => {
            return Err(ServiceError::Unauthorized(
                "this customer record is no longer active".into(),
            ));
        }
        None => {
            let customer = customers::create(
                ctx,
                NewCustomer {
                    kind: CustomerKind::Individual,
                    name: "微信用户".into(),
                    source_channel: Some(SourceChannel::MiniProgram),
                    profile: ProfileChanges {
                        wechat_openid: Some(Some(identity.openid.clone())),
                        wechat_unionid: Some(identity.unionid.clone()),
                        source_detail: Some(Some("微信小程序登录".into())),
                        ..ProfileChanges::default()
                    },
                    ..NewCustomer::default()
                },
            )?;
            (customer, true)
        }
    };
    ctx.record(
        Change::new("customer.signed_in", "customer", &customer.id)
            .detail(serde_json::json!({"method": "wechat", "created": created})),
    )?;
    Ok(SignedIn { customer, created })
}
