//! `/api/v1/organization`: the organisation's name, currency, time zone and settings.
//! "Today" everywhere is computed in this time zone.

use actix_web::HttpResponse;
use autocrm_domain::organization::{Currency, OrganizationSettings};
use autocrm_domain::time::TimeZone;
use autocrm_persistence::db::lock_row;
use autocrm_persistence::models::Organization;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::{Validate, ValidationError};

use crate::app::{Change, Ctx, ServiceError, ServiceResult};
use crate::error::{ApiError, Problem};
use crate::http::versioning::versioned;
use crate::http::{Authorized, IfMatch, Json, perm};
use crate::validate::patch_field;
use crate::validate::rules::{self, Required};
use crate::validate::schema::Text;

#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a01", "name": "华东汽车集团", "currency": "CNY",
    "time_zone": "Asia/Shanghai", "settings": {}, "version": 2,
    "created_at": "2026-11-01T02:00:00Z", "updated_at": "2026-11-20T02:00:00Z"
}))]
pub struct OrganizationDto {
    pub id: String,
    pub name: String,
    /// ISO 4217; every `_cents` amount counts in it.
    pub currency: String,
    /// IANA time zone; "today" (lead pools, SLA days, reports) is computed in it.
    pub time_zone: String,
    /// Typed settings sections; capabilities add their own.
    #[schema(value_type = Object)]
    pub settings: OrganizationSettings,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl OrganizationDto {
    fn from_row(org: Organization) -> ServiceResult<Self> {
        Ok(Self {
            settings: serde_json::from_str(&org.settings).map_err(ServiceError::internal)?,
            id: org.id,
            name: org.name,
            currency: org.currency,
            time_zone: org.time_zone,
            version: org.version,
            created_at: org.created_at.and_utc(),
            updated_at: org.updated_at.and_utc(),
        })
    }
}

fn currency(value: &Required<String>) -> Result<(), ValidationError> {
    rules::present(value)?;
    match value {
        Some(Some(code)) => Currency::parse(code)
            .map(drop)
            .map_err(|e| ValidationError::new("invalid_value").with_message(e.to_string().into())),
        _ => Ok(()),
    }
}

fn time_zone(value: &Required<String>) -> Result<(), ValidationError> {
    rules::present(value)?;
    match value {
        Some(Some(name)) => TimeZone::parse(name)
            .map(drop)
            .map_err(|e| ValidationError::new("invalid_value").with_message(e.to_string().into())),
        _ => Ok(()),
    }
}

/// JSON merge patch; no field can be cleared.
#[derive(Deserialize, ToSchema, Validate, Default)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"time_zone": "Asia/Shanghai", "currency": "CNY"}))]
pub struct PatchOrganization {
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(length(max = 100), custom(function = "rules::present_text"))]
    #[schema(value_type = Text<100>, inline, required = false)]
    pub name: Required<String>,
    /// ISO 4217 code, e.g. `CNY`, `HKD`.
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(custom(function = "currency"))]
    #[schema(value_type = String, required = false, pattern = "^[A-Za-z]{3}$")]
    pub currency: Required<String>,
    /// IANA time zone name, e.g. `Asia/Shanghai`.
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(length(max = 64), custom(function = "time_zone"))]
    #[schema(value_type = String, required = false, max_length = 64)]
    pub time_zone: Required<String>,
    /// Replaces the settings sections given.
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(custom(function = "rules::present"))]
    #[schema(value_type = Object, required = false)]
    pub settings: Required<OrganizationSettings>,
}

pub struct OrganizationChanges {
    pub name: Option<String>,
    pub currency: Option<Currency>,
    pub time_zone: Option<TimeZone>,
    pub settings: Option<OrganizationSettings>,
}

fn find(ctx: &mut Ctx) -> ServiceResult<Organization> {
    Organization::find(ctx.conn, ctx.org_id())?.ok_or(ServiceError::NotFound)
}

/// The organisation's typed settings sections (each capability reads its own, with its
/// defaults when absent). Read once per unit of work.
pub fn sections(ctx: &mut Ctx) -> ServiceResult<OrganizationSettings> {
    if let Some(settings) = ctx.cached_settings() {
        return Ok(settings.clone());
    }
    let org = find(ctx)?;
    let settings: OrganizationSettings =
        serde_json::from_str(&org.settings).map_err(ServiceError::internal)?;
    ctx.cache_settings(Some(settings.clone()));
    Ok(settings)
}

/// Changes settings sections under the organisation's row lock: `change` edits them (the
/// caller has validated what it writes), the version moves, and the change is audited as
/// `action` with `detail`. One place for every capability's `PUT /api/v1/settings/...`.
pub fn change_sections(
    ctx: &mut Ctx,
    action: &'static str,
    detail: serde_json::Value,
    change: impl FnOnce(&mut OrganizationSettings),
) -> ServiceResult<()> {
    let org_id = ctx.org_id().to_owned();
    lock_row(ctx.conn, "organizations", &org_id)?;
    let mut org = find(ctx)?;
    let mut settings: OrganizationSettings =
        serde_json::from_str(&org.settings).map_err(ServiceError::internal)?;
    change(&mut settings);
    org.settings = serde_json::to_string(&settings).map_err(ServiceError::internal)?;
    ctx.cache_settings(None);
    org.updated_at = ctx.now();
    let version = org.version;
    if !org.save(ctx.conn, version)? {
        return Err(ServiceError::Stale {
            current_version: version + 1,
        });
    }
    ctx.record(Change::new(action, "organization", &org_id).detail(detail))
}

pub fn update(
    ctx: &mut Ctx,
    expected: Option<i64>,
    changes: OrganizationChanges,
) -> ServiceResult<Organization> {
    let org_id = ctx.org_id().to_owned();
    lock_row(ctx.conn, "organizations", &org_id)?;
    let mut org = find(ctx)?;
    let version = org.version;
    if expected.is_some_and(|v| v != version) {
        return Err(ServiceError::Stale {
            current_version: version,
        });
    }
    if let Some(name) = changes.name {
        org.name = name;
    }
    if let Some(currency) = changes.currency {
        org.currency = currency.code().to_owned();
    }
    if let Some(zone) = changes.time_zone {
        org.time_zone = zone.name().to_owned();
    }
    if let Some(settings) = changes.settings {
        org.settings = serde_json::to_string(&settings).map_err(ServiceError::internal)?;
        ctx.cache_settings(None);
    }
    org.updated_at = ctx.now();
    if !org
        .save(ctx.conn, version)
        .map_err(|e| match ServiceError::from(e) {
            ServiceError::Duplicate { .. } => {
                ServiceError::duplicate("an organisation with this name already exists", None)
            }
            other => other,
        })?
    {
        return Err(ServiceError::Stale {
            current_version: version + 1,
        });
    }
    ctx.record(
        Change::new("organization.updated", "organization", &org.id).detail(serde_json::json!({
            "currency": org.currency, "time_zone": org.time_zone
        })),
    )?;
    Ok(org)
}

fn response(org: Organization) -> Result<HttpResponse, ApiError> {
    let version = org.version;
    let dto = OrganizationDto::from_row(org)?;
    Ok(versioned(actix_web::http::StatusCode::OK, version, dto))
}

/// The caller's organisation: name, currency, time zone and settings.
#[utoipa::path(
    get, path = "/api/v1/organization", tag = "organization",
    responses((status = 200, description = "The organisation; the ETag carries its version", body = OrganizationDto))
)]
pub async fn get_organization(
    caller: Authorized<perm::ManageOrganization>,
) -> Result<HttpResponse, ApiError> {
    response(caller.read(find).await?)
}

/// Change the organisation's name, currency, time zone or settings sections.
///
/// With `If-Match`, a stale version answers 412. A new time zone changes "today" for every
/// rule that counts days from the next request on.
#[utoipa::path(
    patch, path = "/api/v1/organization", tag = "organization",
    params(("If-Match" = Option<String>, Header, description = "Expected version, e.g. \"3\"")),
    request_body = PatchOrganization,
    responses(
        (status = 200, description = "Updated", body = OrganizationDto),
        (status = 409, description = "Another organisation has this name", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The organisation changed since that version", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn patch_organization(
    caller: Authorized<perm::ManageOrganization>,
    if_match: IfMatch,
    body: Json<PatchOrganization>,
) -> Result<HttpResponse, ApiError> {
    let patch = body.into_inner();
    let changes = OrganizationChanges {
        name: patch.name.flatten().map(|n| n.trim().to_owned()),
        currency: patch
            .currency
            .flatten()
            .and_then(|c| Currency::parse(&c).ok()),
        time_zone: patch
            .time_zone
            .flatten()
            .and_then(|z| TimeZone::parse(&z).ok()),
        settings: patch.settings.flatten(),
    };
    response(
        caller
            .write(move |ctx| update(ctx, if_match.0, changes))
            .await?,
    )
}

crate::endpoints![get_organization, patch_organization];
