//! Stores (门店): create, list, get, patch, deactivate. Admins manage; everyone reads.

use actix_web::{HttpRequest, HttpResponse, web};
use autocrm_persistence::db::{lock_row, new_id, now, write_tx};
use autocrm_persistence::models::{Store, StoreFilter};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::audit;
use crate::auth::Authorized;
use crate::auth::permission::{ManageOrganization, ReadStores};
use crate::error::{ApiError, Problem};
use crate::http::extract::Json;
use crate::http::pagination::{self, Cursor, Page};
use crate::http::versioning::{etag, if_match};
use crate::state::AppState;
use crate::validate::schema::{OptionalText, Phone, QueryText, Text};
use crate::validate::{Checks, patch_field, path_id};

#[derive(Serialize, ToSchema)]
pub struct StoreDto {
    pub id: String,
    pub name: String,
    pub city: String,
    pub region: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub active: bool,
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
            version: s.version,
            created_at: s.created_at.and_utc(),
            updated_at: s.updated_at.and_utc(),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "上海浦东4S店", "city": "上海"}))]
pub struct CreateStore {
    #[schema(value_type = Text<100>, inline)]
    pub name: String,
    #[schema(value_type = Text<100>, inline)]
    pub city: String,
    #[schema(value_type = Option<OptionalText<100>>, inline)]
    pub region: Option<String>,
    #[schema(value_type = Option<OptionalText<300>>, inline)]
    pub address: Option<String>,
    #[schema(value_type = Option<Phone>, inline)]
    pub phone: Option<String>,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct PatchStore {
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = Text<100>, inline, required = false)]
    pub name: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = Text<100>, inline, required = false)]
    pub city: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = Option<OptionalText<100>>, inline)]
    pub region: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = Option<OptionalText<300>>, inline)]
    pub address: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = Option<Phone>, inline)]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = bool, required = false)]
    pub active: Option<Option<bool>>,
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

fn unique_name_conflict(e: diesel::result::Error) -> ApiError {
    if autocrm_persistence::db::is_unique_violation(&e) {
        ApiError::conflict("duplicate", "a store with this name already exists", None)
    } else {
        e.into()
    }
}

/// Open a store.
#[utoipa::path(
    post, path = "/api/v1/stores", tag = "stores",
    security(("bearer" = [])),
    request_body = CreateStore,
    responses(
        (status = 201, description = "Created", body = StoreDto),
        (status = 409, description = "Name already used in this organisation", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_store(
    state: web::Data<AppState>,
    auth: Authorized<ManageOrganization>,
    body: Json<CreateStore>,
) -> Result<HttpResponse, ApiError> {
    let req = body.into_inner();
    let mut checks = Checks::new();
    let at = now();
    let mut store = Store {
        id: new_id(),
        org_id: auth.org_id.clone(),
        name: checks.text("name", &req.name, 100),
        city: checks.text("city", &req.city, 100),
        region: checks.optional_text("region", req.region.as_deref(), 100),
        address: checks.optional_text("address", req.address.as_deref(), 300),
        phone: checks
            .phone("phone", req.phone.as_deref())
            .map(|p| p.as_str().to_owned()),
        active: true,
        version: 1,
        created_at: at,
        updated_at: at,
    };
    checks.finish()?;
    let principal = auth.principal;
    store = state
        .db(move |conn| {
            write_tx(conn, |conn| {
                store.insert(conn).map_err(unique_name_conflict)?;
                audit::record(
                    conn,
                    &principal,
                    "store.created",
                    "store",
                    Some(&store.id),
                    serde_json::json!({"name": store.name}),
                )?;
                Ok(store)
            })
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(etag(store.version))
        .json(StoreDto::from(store)))
}

/// List stores.
#[utoipa::path(
    get, path = "/api/v1/stores", tag = "stores",
    security(("bearer" = [])),
    params(StoreListQuery),
    responses((status = 200, description = "A page of stores", body = Page<StoreDto>))
)]
pub async fn list_stores(
    state: web::Data<AppState>,
    auth: Authorized<ReadStores>,
    query: web::Query<StoreListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let limit = pagination::limit(q.limit)?;
    let after = pagination::decode_cursor("id", q.cursor.as_deref())?;
    let filter = StoreFilter {
        active: q.active,
        city: crate::validate::query_text("city", q.city)?,
        after_id: after.map(|a| a.id),
        limit: limit + 1,
    };
    let org = auth.org_id.clone();
    let rows = state
        .db(move |conn| Ok(Store::list(conn, &org, &filter)?))
        .await?;
    Ok(HttpResponse::Ok().json(pagination::page(
        rows,
        limit,
        |s| pagination::encode_cursor("id", &keyset_by_id(&s.id)),
        StoreDto::from,
    )))
}

pub fn keyset_by_id(id: &str) -> autocrm_persistence::models::KeysetAfter {
    autocrm_persistence::models::KeysetAfter {
        key: String::new(),
        id: id.to_owned(),
    }
}

/// Get one store.
#[utoipa::path(
    get, path = "/api/v1/stores/{id}", tag = "stores",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Store id")),
    responses((status = 200, description = "The store", body = StoreDto))
)]
pub async fn get_store(
    state: web::Data<AppState>,
    auth: Authorized<ReadStores>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path)?;
    let org = auth.org_id.clone();
    let store = state
        .db(move |conn| Store::find(conn, &org, &id)?.ok_or(ApiError::NotFound))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(store.version))
        .json(StoreDto::from(store)))
}

/// Change a store. Send `If-Match: "<version>"` to avoid overwriting someone else's change.
#[utoipa::path(
    patch, path = "/api/v1/stores/{id}", tag = "stores",
    security(("bearer" = [])),
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
    state: web::Data<AppState>,
    auth: Authorized<ManageOrganization>,
    req: HttpRequest,
    path: web::Path<String>,
    body: Json<PatchStore>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path)?;
    let expected = if_match(&req)?;
    let patch = body.into_inner();
    let principal = auth.principal;
    let store = state
        .db(move |conn| update_store(conn, &principal, &id, expected, patch))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(store.version))
        .json(StoreDto::from(store)))
}

/// Close a store: it stays in history but takes no new users or customers.
#[utoipa::path(
    post, path = "/api/v1/stores/{id}/deactivate", tag = "stores",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Store id")),
    responses((status = 200, description = "Deactivated", body = StoreDto))
)]
pub async fn deactivate_store(
    state: web::Data<AppState>,
    auth: Authorized<ManageOrganization>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path)?;
    let principal = auth.principal;
    let patch = PatchStore {
        active: Some(Some(false)),
        ..PatchStore::default()
    };
    let store = state
        .db(move |conn| update_store(conn, &principal, &id, None, patch))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(store.version))
        .json(StoreDto::from(store)))
}

fn update_store(
    conn: &mut autocrm_persistence::DbConn,
    principal: &crate::auth::Principal,
    id: &str,
    expected: Option<i64>,
    patch: PatchStore,
) -> Result<Store, ApiError> {
    write_tx(conn, |conn| {
        lock_row(conn, "stores", id)?;
        let mut store = Store::find(conn, &principal.org_id, id)?.ok_or(ApiError::NotFound)?;
        let version = store.version;
        if expected.is_some_and(|v| v != version) {
            return Err(ApiError::PreconditionFailed {
                current_version: version,
            });
        }
        let mut checks = Checks::new();
        if let Some(name) = checks.not_null("name", patch.name) {
            store.name = checks.text("name", &name, 100);
        }
        if let Some(city) = checks.not_null("city", patch.city) {
            store.city = checks.text("city", &city, 100);
        }
        let active = checks.not_null("active", patch.active);
        if let Some(region) = patch.region {
            store.region = checks.optional_text("region", region.as_deref(), 100);
        }
        if let Some(address) = patch.address {
            store.address = checks.optional_text("address", address.as_deref(), 300);
        }
        if let Some(phone) = patch.phone {
            store.phone = checks
                .phone("phone", phone.as_deref())
                .map(|p| p.as_str().to_owned());
        }
        if let Some(active) = active {
            store.active = active;
        }
        checks.finish()?;
        store.updated_at = now();
        if !store.save(conn, version).map_err(unique_name_conflict)? {
            return Err(ApiError::PreconditionFailed {
                current_version: version + 1,
            });
        }
        audit::record(
            conn,
            principal,
            "store.updated",
            "store",
            Some(&store.id),
            serde_json::json!({"active": store.active}),
        )?;
        Ok(store)
    })
}
