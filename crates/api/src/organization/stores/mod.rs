//! `/api/v1/stores`: stores (门店) of the organisation.

pub mod service;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use autocrm_domain::contact::Phone;
use autocrm_persistence::models::{Store, StoreFilter};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use self::service::{NewStore, StoreChanges};
use crate::app::{FieldError, ServiceError};
use crate::error::{ApiError, Problem};
use crate::http::pagination::{Cursor, IdWindow, Page};
use crate::http::versioning::versioned;
use crate::http::{Authorized, IfMatch, Json, PathId, perm};
use crate::validate::patch_field;
use crate::validate::rules::{self, Required};
use crate::validate::schema::{self, OptionalText, QueryText, Text};

#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12", "name": "上海浦东4S店", "city": "上海",
    "region": "华东", "address": "浦东新区张杨路1500号", "phone": "+862158881234", "active": true,
    "latitude": 31.228611, "longitude": 121.544722,
    "version": 1, "created_at": "2026-11-01T02:00:00Z", "updated_at": "2026-11-01T02:00:00Z"
}))]
pub struct StoreDto {
    pub id: String,
    pub name: String,
    pub city: String,
    pub region: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub active: bool,
    /// The store's own coordinates in degrees; `null` when not set (matching then places the
    /// store at its city's seat).
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Store> for StoreDto {
    fn from(s: Store) -> Self {
        Self {
            id: s.id,
            name: s.name,
            city: s.city,
            region: s.region,
            address: s.address,
            phone: s.phone,
            active: s.active,
            latitude: s.latitude_e6.map(|v| f64::from(v) / 1_000_000.0),
            longitude: s.longitude_e6.map(|v| f64::from(v) / 1_000_000.0),
            version: s.version,
            created_at: s.created_at.and_utc(),
            updated_at: s.updated_at.and_utc(),
        }
    }
}

#[derive(Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "上海浦东4S店", "city": "上海", "region": "华东", "phone": "021-58881234",
    "latitude": 31.228611, "longitude": 121.544722}))]
pub struct CreateStore {
    #[validate(length(max = 100), custom(function = "rules::text"))]
    #[schema(value_type = Text<100>, inline)]
    pub name: String,
    #[validate(length(max = 100), custom(function = "rules::text"))]
    #[schema(value_type = Text<100>, inline)]
    pub city: String,
    #[validate(length(max = 100), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<100>>, inline)]
    pub region: Option<String>,
    #[validate(length(max = 300), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<300>>, inline)]
    pub address: Option<String>,
    #[validate(custom(function = "rules::phone"))]
    #[schema(value_type = Option<schema::Phone>, inline)]
    pub phone: Option<String>,
    /// Degrees north, with `longitude` (both or neither).
    #[validate(range(min = -90.0, max = 90.0))]
    #[schema(minimum = -90, maximum = 90)]
    pub latitude: Option<f64>,
    /// Degrees east, with `latitude`.
    #[validate(range(min = -180.0, max = 180.0))]
    #[schema(minimum = -180, maximum = 180)]
    pub longitude: Option<f64>,
}

/// Latitude and longitude come together.
fn coordinates(
    latitude: Option<f64>,
    longitude: Option<f64>,
) -> Result<Option<(f64, f64)>, ApiError> {
    match (latitude, longitude) {
        (Some(lat), Some(lon)) => Ok(Some((lat, lon))),
        (None, None) => Ok(None),
        (lat, _) => {
            let missing = if lat.is_none() {
                "latitude"
            } else {
                "longitude"
            };
            Err(ServiceError::Invalid(vec![FieldError::new(
                missing,
                "required",
                "latitude and longitude are given together",
            )])
            .into())
        }
    }
}

/// JSON merge patch: absent leaves a field, `null` clears it (`name`, `city` and `active`
/// cannot be cleared).
#[derive(Deserialize, ToSchema, Validate, Default)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"address": "浦东新区张杨路1688号", "latitude": 31.230416, "longitude": 121.473701}))]
pub struct PatchStore {
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(length(max = 100), custom(function = "rules::present_text"))]
    #[schema(value_type = Text<100>, inline, required = false)]
    pub name: Required<String>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(length(max = 100), custom(function = "rules::present_text"))]
    #[schema(value_type = Text<100>, inline, required = false)]
    pub city: Required<String>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(length(max = 100), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<100>>, inline)]
    pub region: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(length(max = 300), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<300>>, inline)]
    pub address: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(custom(function = "rules::phone"))]
    #[schema(value_type = Option<schema::Phone>, inline)]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(custom(function = "rules::present"))]
    #[schema(value_type = bool, required = false)]
    pub active: Required<bool>,
    /// Degrees north, with `longitude`; `null` for both clears the coordinates.
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(range(min = -90.0, max = 90.0))]
    #[schema(value_type = Option<f64>, minimum = -90, maximum = 90)]
    pub latitude: Option<Option<f64>>,
    /// Degrees east, with `latitude`.
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(range(min = -180.0, max = 180.0))]
    #[schema(value_type = Option<f64>, minimum = -180, maximum = 180)]
    pub longitude: Option<Option<f64>>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StoreListQuery {
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    #[param(value_type = Option<Cursor>, inline)]
    pub cursor: Option<String>,
    pub active: Option<bool>,
    #[param(value_type = Option<QueryText>, inline)]
    pub city: Option<String>,
}

fn phone(value: Option<&str>) -> Option<Phone> {
    rules::trimmed(value).and_then(|p| Phone::parse(&p).ok())
}

impl CreateStore {
    fn into_command(self) -> Result<NewStore, ApiError> {
        Ok(NewStore {
            coordinates: coordinates(self.latitude, self.longitude)?,
            name: self.name.trim().to_owned(),
            city: self.city.trim().to_owned(),
            region: rules::trimmed(self.region.as_deref()),
            address: rules::trimmed(self.address.as_deref()),
            phone: phone(self.phone.as_deref()),
        })
    }
}

impl PatchStore {
    fn into_changes(self) -> Result<StoreChanges, ApiError> {
        let coordinates = match (self.latitude, self.longitude) {
            (None, None) => None,
            (lat, lon) => Some(coordinates(lat.flatten(), lon.flatten())?),
        };
        Ok(StoreChanges {
            coordinates,
            name: self.name.flatten().map(|n| n.trim().to_owned()),
            city: self.city.flatten().map(|c| c.trim().to_owned()),
            region: self.region.map(|r| rules::trimmed(r.as_deref())),
            address: self.address.map(|a| rules::trimmed(a.as_deref())),
            phone: self.phone.map(|p| phone(p.as_deref())),
            active: self.active.flatten(),
        })
    }
}

fn store_response(status: StatusCode, store: Store) -> HttpResponse {
    versioned(status, store.version, StoreDto::from(store))
}

/// Open a store.
#[utoipa::path(
    post, path = "/api/v1/stores", tag = "stores",
    request_body = CreateStore,
    responses(
        (status = 201, description = "Created", body = StoreDto),
        (status = 409, description = "Name already used in this organisation", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_store(
    caller: Authorized<perm::ManageOrganization>,
    body: Json<CreateStore>,
) -> Result<HttpResponse, ApiError> {
    let new = body.into_inner().into_command()?;
    let store = caller.write(move |ctx| service::create(ctx, new)).await?;
    Ok(store_response(StatusCode::CREATED, store))
}

/// List the organisation's stores, oldest first.
#[utoipa::path(
    get, path = "/api/v1/stores", tag = "stores",
    params(StoreListQuery),
    responses((status = 200, description = "A page of stores", body = Page<StoreDto>))
)]
pub async fn list_stores(
    caller: Authorized<perm::ReadStores>,
    query: web::Query<StoreListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let window = IdWindow::parse(q.limit, q.cursor.as_deref())?;
    let filter = StoreFilter {
        active: q.active,
        city: crate::validate::query_text("city", q.city)?,
        after_id: window.after_id.clone(),
        limit: window.rows(),
    };
    let rows = caller.read(move |ctx| service::list(ctx, filter)).await?;
    Ok(HttpResponse::Ok().json(window.page(rows, |s| &s.id, StoreDto::from)))
}

/// Get one store.
#[utoipa::path(
    get, path = "/api/v1/stores/{id}", tag = "stores",
    params(("id" = String, Path, description = "Store id")),
    responses((status = 200, description = "The store", body = StoreDto))
)]
pub async fn get_store(
    caller: Authorized<perm::ReadStores>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let store = caller.read(move |ctx| service::find(ctx, &id.0)).await?;
    Ok(store_response(StatusCode::OK, store))
}

/// Change a store. Send `If-Match: "<version>"` to avoid overwriting someone else's change.
#[utoipa::path(
    patch, path = "/api/v1/stores/{id}", tag = "stores",
    params(("id" = String, Path, description = "Store id"),
           ("If-Match" = Option<String>, Header, description = "Expected version, e.g. \"3\"")),
    request_body = PatchStore,
    responses(
        (status = 200, description = "Updated", body = StoreDto),
        (status = 409, description = "Name already used", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The store changed since that version", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn patch_store(
    caller: Authorized<perm::ManageOrganization>,
    id: PathId,
    if_match: IfMatch,
    body: Json<PatchStore>,
) -> Result<HttpResponse, ApiError> {
    let changes = body.into_inner().into_changes()?;
    let store = caller
        .write(move |ctx| service::update(ctx, &id.0, if_match.0, changes))
        .await?;
    Ok(store_response(StatusCode::OK, store))
}

/// Close a store: it stays in history but takes no new users or customers.
#[utoipa::path(
    post, path = "/api/v1/stores/{id}/deactivate", tag = "stores",
    params(("id" = String, Path, description = "Store id")),
    responses((status = 200, description = "Deactivated", body = StoreDto))
)]
pub async fn deactivate_store(
    caller: Authorized<perm::ManageOrganization>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let changes = StoreChanges {
        active: Some(false),
        ..StoreChanges::default()
    };
    let store = caller
        .write(move |ctx| service::update(ctx, &id.0, None, changes))
        .await?;
    Ok(store_response(StatusCode::OK, store))
}

crate::endpoints![
    create_store,
    list_stores,
    get_store,
    patch_store,
    deactivate_store
];
