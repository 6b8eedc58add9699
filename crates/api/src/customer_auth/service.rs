//! Sign-in codes by SMS: sent through the organisation's SMS gateway, kept only as a keyed
//! hash, used once; a phone new to the organisation becomes a prospect customer.

use autocrm_domain::contact::Phone;
use autocrm_domain::customer::{CustomerKind, CustomerStatus, SourceChannel};
use autocrm_persistence::db::new_id;
use autocrm_persistence::models::{Customer, Organization, SignInCode};
use chrono::TimeDelta;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::app::{Change, Ctx, Limit, ServiceError, ServiceResult};
use crate::auth::secret::constant_time_eq;
use crate::customers::service::{self as customers, NewCustomer, ProfileChanges};

/// How long a code works.
pub const CODE_TTL_SECS: i64 = 300;
/// The wait before another code may go to the same phone.
pub const RESEND_AFTER_SECS: i64 = 60;
/// Codes per phone and organisation in 24 hours.
pub const CODES_PER_DAY: i64 = 10;
/// Wrong tries that end a code.
pub const MAX_TRIES: i32 = 5;

/// A code on its way.
pub struct CodeSent {
    pub expires_in: i64,
    pub resend_after: i64,
}

/// The organisation must exist; the answer does not say whether the phone is known.
pub(super) fn check_org(ctx: &mut Ctx) -> ServiceResult<()> {
    let org_id = ctx.org_id().to_owned();
    Organization::find(ctx.conn, &org_id)?.ok_or(ServiceError::NotFound)?;
    Ok(())
}

fn code_hash(ctx: &Ctx, code_id: &str, code: &str) -> String {
    let key = ctx.pii().subkey("autocrm:customer-sign-in-code:v1");
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key).expect("any key length");
    mac.update(code_id.as_bytes());
    mac.update(b":");
    mac.update(code.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn six_digits() -> ServiceResult<String> {
    let mut bytes = [0u8; 4];
    getrandom::fill(&mut bytes).map_err(ServiceError::internal)?;
    Ok(format!("{:06}", u32::from_le_bytes(bytes) % 1_000_000))
}

/// Sends a sign-in code to `phone` by SMS, unless one went out a moment ago or too many
/// today (429 `code_throttled`). Needs an active SMS gateway (409 otherwise).
pub fn send_code(ctx: &mut Ctx, phone: &Phone) -> ServiceResult<CodeSent> {
    check_org(ctx)?;
    let org_id = ctx.org_id().to_owned();
    let index = ctx.pii().blind_index(phone.as_str());
    let now = ctx.now();
    let throttled = |detail: &str, wait: i64| ServiceError::Limited {
        limit: Limit::SignInCodeThrottled,
        detail: detail.to_owned(),
        retry_after_secs: u64::try_from(wait.max(1)).unwrap_or(1),
    };
    if let Some(last) = SignInCode::latest(ctx.conn, &org_id, &index)? {
        let ready_at = last.created_at + TimeDelta::seconds(RESEND_AFTER_SECS);
        if ready_at > now {
            return Err(throttled(
                "a code was sent to this phone a moment ago",
                (ready_at - now).num_seconds(),
            ));
        }
    }
    if SignInCode::sent_since(ctx.conn, &org_id, &index, now - TimeDelta::days(1))? >= CODES_PER_DAY
    {
        return Err(throttled("too many codes for this phone today", 3600));
    }
    let code = six_digits()?;
    let id = new_id();
    SignInCode {
        code_hash: code_hash(ctx, &id, &code),
        id,
        org_id,
        phone_blind_index: index,
        attempts: 0,
        expires_at: now + TimeDelta::seconds(CODE_TTL_SECS),
        consumed_at: None,
        created_at: now,
    }
    .insert(ctx.conn)?;
    let text = format!(
        "您的登录验证码是{code}，{}分钟内有效。如非本人操作，请忽略本短信。",
        CODE_TTL_SECS / 60
    );
    if !crate::notifications::service::send_sealed_sms(ctx, phone, &text)? {
        return Err(ServiceError::Conflict(
            "this organisation has no active SMS gateway, so it cannot send sign-in codes".into(),
        ));
    }
    Ok(CodeSent {
        expires_in: CODE_TTL_SECS,
        resend_after: RESEND_AFTER_SECS,
    })
}

/// Who signed in.
pub struct SignedIn {
    pub customer: Customer,
    /// True when this sign-in created the customer (a phone new to the organisation).
    pub created: bool,
}

fn wrong_code() -> ServiceError {
    ServiceError::InvalidCredentials("the code is wrong, used or expired".into())
}

/// Checks the newest code sent to `phone`; on success, the customer with that phone (a new
/// prospect when there is none, emitting `customer.created`). The sign-in is audited.
///
/// The inner error is a refused sign-in whose wrong try must still be committed (counted
/// against the code); the outer one rolls everything back.
pub fn sign_in_with_code(
    ctx: &mut Ctx,
    phone: &Phone,
    code: &str,
) -> ServiceResult<Result<SignedIn, ServiceError>> {
    check_org(ctx)?;
    let org_id = ctx.org_id().to_owned();
    let index = ctx.pii().blind_index(phone.as_str());
    let now = ctx.now();
    let Some(sent) = SignInCode::latest(ctx.conn, &org_id, &index)? else {
        return Ok(Err(wrong_code()));
    };
    if sent.consumed_at.is_some() || sent.expires_at <= now || sent.attempts >= MAX_TRIES {
        return Ok(Err(wrong_code()));
    }
    if !constant_time_eq(&code_hash(ctx, &sent.id, code), &sent.code_hash) {
        SignInCode::record_failure(ctx.conn, &sent.id)?;
        return Ok(Err(wrong_code()));
    }
    if !SignInCode::consume(ctx.conn, &sent.id, now)? {
        return Ok(Err(wrong_code()));
    }
    let indexes = ctx.pii().blind_indexes(phone.as_str());
    let (customer, created) = match Customer::find_by_phone(ctx.conn, &org_id, &indexes)? {
        Some(c) if c.status == CustomerStatus::Active.as_str() => (c, false),
        Some(_) => {
            return Ok(Err(ServiceError::Unauthorized(
                "this customer record is no longer active".into(),
            )));
        }
        None => {
            let customer = customers::create(
                ctx,
                NewCustomer {
                    kind: CustomerKind::Individual,
                    name: format!("手机用户{}", phone.last4()),
                    phone: Some(phone.clone()),
                    source_channel: Some(SourceChannel::MiniProgram),
                    profile: ProfileChanges {
                        source_detail: Some(Some("短信验证码登录".into())),
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
            .detail(serde_json::json!({"method": "sms_code", "created": created})),
    )?;
    Ok(Ok(SignedIn { customer, created }))
}
