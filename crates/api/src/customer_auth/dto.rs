//! What `/api/v1/customer-auth/*` and `/api/v1/me/customer` read and write.

use autocrm_domain::contact::{Email, Phone};
use autocrm_persistence::models::Customer;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::{Validate, ValidationError};

use crate::customers::service::CustomerChanges;
use crate::validate::patch_field;
use crate::validate::rules::{self, Required};
use crate::validate::schema::{self, OptionalEmail, OptionalText, Text, UuidText};

/// A phone that must be there, as `Phone::parse` reads it.
fn required_phone(value: &str) -> Result<(), ValidationError> {
    if value.trim().is_empty() {
        return Err(ValidationError::new("required").with_message("must not be empty".into()));
    }
    rules::phone(value)
}

fn six_digits(value: &str) -> Result<(), ValidationError> {
    if value.len() == 6 && value.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(ValidationError::new("invalid_format").with_message("must be 6 digits".into()))
    }
}

fn uuid(value: &str) -> Result<(), ValidationError> {
    uuid::Uuid::parse_str(value)
        .map(drop)
        .map_err(|_| ValidationError::new("invalid_format").with_message("must be a UUID".into()))
}

#[derive(Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"org_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a01", "phone": "13912345678"}))]
pub struct SendCodeRequest {
    /// The dealership (organisation) the app or mini-program belongs to.
    #[validate(custom(function = "uuid"))]
    #[schema(value_type = UuidText, inline)]
    pub org_id: String,
    /// E.164, or an 11-digit Chinese mobile.
    #[validate(custom(function = "required_phone"))]
    #[schema(value_type = schema::Phone, inline)]
    pub phone: String,
}

impl SendCodeRequest {
    pub fn phone(&self) -> Option<Phone> {
        Phone::parse(self.phone.trim()).ok()
    }
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"expires_in": 300, "resend_after": 60}))]
pub struct CodeSentDto {
    /// Seconds the code works.
    pub expires_in: i64,
    /// Seconds before another code may be asked for this phone.
    pub resend_after: i64,
}

#[derive(Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "org_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a01", "phone": "13912345678", "code": "482913"
}))]
pub struct SmsSignInRequest {
    #[validate(custom(function = "uuid"))]
    #[schema(value_type = UuidText, inline)]
    pub org_id: String,
    #[validate(custom(function = "required_phone"))]
    #[schema(value_type = schema::Phone, inline)]
    pub phone: String,
    /// The 6 digits of the text message.
    #[validate(custom(function = "six_digits"))]
    #[schema(pattern = "^[0-9]{6}$", example = "482913")]
    pub code: String,
}

impl SmsSignInRequest {
    pub fn phone(&self) -> Option<Phone> {
        Phone::parse(self.phone.trim()).ok()
    }
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "access_token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIwMTkzIn0.c2lnbmF0dXJl", "token_type": "Bearer",
    "expires_in": 604800, "customer_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a10", "created": false
}))]
pub struct CustomerToken {
    /// A `customer` token: it reaches only this customer's own record.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the token expires; then sign in again.
    pub expires_in: i64,
    pub customer_id: String,
    /// True when this sign-in registered the customer (a phone new to the dealership).
    pub created: bool,
}

/// A customer's own record as the customer sees it: no staff notes, no assignment.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a10", "name": "张伟", "phone": "139****5678",
    "email": "zhang.wei@example.com", "city": "杭州", "marketing_consent": false,
    "version": 2, "created_at": "2026-11-02T03:15:00Z"
}))]
pub struct OwnProfile {
    pub id: String,
    pub name: String,
    /// Masked (`139****5678`).
    pub phone: Option<String>,
    pub email: Option<String>,
    pub city: Option<String>,
    pub marketing_consent: bool,
    /// For `If-Match` on a change (also the `ETag`).
    pub version: i64,
    pub created_at: DateTime<Utc>,
}

impl From<Customer> for OwnProfile {
    fn from(c: Customer) -> Self {
        Self {
            id: c.id,
            name: c.name,
            phone: c.phone_masked,
            email: c.email,
            city: c.city,
            marketing_consent: c.marketing_consent,
            version: c.version,
            created_at: c.created_at.and_utc(),
        }
    }
}

/// JSON merge patch of what a customer may change themselves.
#[derive(Deserialize, ToSchema, Validate, Default)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "张伟", "city": "杭州"}))]
pub struct PatchOwnProfile {
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(length(max = 100), custom(function = "rules::present_text"))]
    #[schema(value_type = Text<100>, inline, required = false)]
    pub name: Required<String>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(length(max = 254), custom(function = "rules::email"))]
    #[schema(value_type = Option<OptionalEmail>, inline)]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(length(max = 100), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<100>>, inline)]
    pub city: Option<Option<String>>,
}

impl PatchOwnProfile {
    pub fn into_changes(self) -> CustomerChanges {
        CustomerChanges {
            name: self.name.flatten().map(|n| n.trim().to_owned()),
            email: self
                .email
                .map(|e| rules::trimmed(e.as_deref()).and_then(|e| Email::parse(&e).ok())),
            city: self.city.map(|c| rules::trimmed(c.as_deref())),
            ..CustomerChanges::default()
        }
    }
}

/// A mini-program login code (`wx.login`): 1 to 128 letters, digits, `-` or `_`.
fn login_code(value: &str) -> Result<(), ValidationError> {
    let ok = (1..=128).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(ValidationError::new("invalid_format")
            .with_message("must be a mini-program login code (1 to 128 letters or digits)".into()))
    }
}

#[derive(Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "org_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a01", "code": "0c3Fq1ll2WhH0f4GbXml2zRkTU1Fq1lA"
}))]
pub struct WechatSignInRequest {
    /// The dealership (organisation) the mini-program belongs to.
    #[validate(custom(function = "uuid"))]
    #[schema(value_type = UuidText, inline)]
    pub org_id: String,
    /// The login code `wx.login` gave the mini-program (valid 5 minutes, once).
    #[validate(custom(function = "login_code"))]
    #[schema(
        pattern = "^[A-Za-z0-9_-]{1,128}$",
        example = "0c3Fq1ll2WhH0f4GbXml2zRkTU1Fq1lA"
    )]
    pub code: String,
}

/// A WeChat mini-program app id: `wx` and 16 hexadecimal digits.
fn app_id(value: &str) -> Result<(), ValidationError> {
    let ok = value.len() == 18
        && value.starts_with("wx")
        && value[2..].bytes().all(|b| b.is_ascii_hexdigit());
    if ok {
        Ok(())
    } else {
        Err(ValidationError::new("invalid_format")
            .with_message("must be wx followed by 16 hexadecimal digits".into()))
    }
}

/// A mini-program app secret: 16 to 64 letters and digits (WeChat's are 32 hexadecimal).
fn app_secret(value: &str) -> Result<(), ValidationError> {
    let ok = (16..=64).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(ValidationError::new("invalid_format")
            .with_message("must be 16 to 64 letters or digits".into()))
    }
}

/// The organisation's WeChat mini-program, as WeChat's admin console shows it.
#[derive(Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"app_id": "wx8f3a9c2e1b7d4a60", "app_secret": "5f2c9e8a1b7d4c3e9a0f6b2d8c4e1a7b"}))]
pub struct PutMiniProgram {
    /// AppID (小程序ID).
    #[validate(custom(function = "app_id"))]
    #[schema(pattern = "^wx[0-9a-fA-F]{16}$", example = "wx8f3a9c2e1b7d4a60")]
    pub app_id: String,
    /// AppSecret (小程序密钥): stored encrypted, never answered.
    #[validate(custom(function = "app_secret"))]
    #[schema(
        pattern = "^[A-Za-z0-9]{16,64}$",
        example = "5f2c9e8a1b7d4c3e9a0f6b2d8c4e1a7b"
    )]
    pub app_secret: String,
}

/// The organisation's WeChat mini-program; the secret is never shown.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "app_id": "wx8f3a9c2e1b7d4a60", "app_secret_set": true, "version": 2,
    "created_at": "2026-12-01T02:00:00Z", "updated_at": "2026-12-06T08:30:00Z"
}))]
pub struct MiniProgramDto {
    pub app_id: String,
    /// Always true: a secret is on file (encrypted).
    pub app_secret_set: bool,
    /// For `If-Match` on a change (also the `ETag`).
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<autocrm_persistence::models::WechatMiniProgram> for MiniProgramDto {
    fn from(p: autocrm_persistence::models::WechatMiniProgram) -> Self {
        Self {
            app_id: p.app_id,
            app_secret_set: !p.secret_ciphertext.is_empty(),
            version: p.version,
            created_at: p.created_at.and_utc(),
            updated_at: p.updated_at.and_utc(),
        }
    }
}
