//! `/api/v1/api-clients`: machine clients (ERP, finance systems, lead platforms) and their
//! scopes.

pub mod service;

use actix_web::{HttpResponse, web};
use autocrm_domain::access::Scope;
use autocrm_persistence::models::ApiClient;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::error::ApiError;
use crate::http::pagination::{Cursor, IdWindow, Page};
use crate::http::{Authorized, Json, PathId, perm};
use crate::validate::rules;
use crate::validate::schema::{Text, string_enum};

#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a20", "name": "DMS 库存同步", "client_id": "ci_Zx8Kq2Lm5Np7Rt9Vw3Yb6Cd1Fg",
    "scopes": ["customers:read"], "revoked": false, "revoked_at": null, "created_at": "2026-11-03T01:00:00Z"
}))]
pub struct ApiClientDto {
    pub id: String,
    pub name: String,
    pub client_id: String,
    pub scopes: Vec<String>,
    pub revoked: bool,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<ApiClient> for ApiClientDto {
    fn from(c: ApiClient) -> Self {
        Self {
            id: c.id,
            name: c.name,
            client_id: c.client_id,
            scopes: c.scopes.split_whitespace().map(String::from).collect(),
            revoked: c.revoked_at.is_some(),
            revoked_at: c.revoked_at.map(|t| t.and_utc()),
            created_at: c.created_at.and_utc(),
        }
    }
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a20", "name": "DMS 库存同步", "client_id": "ci_Zx8Kq2Lm5Np7Rt9Vw3Yb6Cd1Fg",
    "scopes": ["customers:read"], "revoked": false, "revoked_at": null, "created_at": "2026-11-03T01:00:00Z",
    "client_secret": "cs_Hj4Kl8Mn2Pq6Rs0Tu3Vw7Xy1Za5Bc9De2Fg6Hi0Jk"
}))]
pub struct CreatedApiClient {
    #[serde(flatten)]
    pub client: ApiClientDto,
    /// Shown once, never again: store it in the client system now.
    pub client_secret: String,
}

#[derive(Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "DMS 库存同步", "scopes": ["customers:read"]}))]
pub struct CreateApiClient {
    #[validate(length(max = 100), custom(function = "rules::text"))]
    #[schema(value_type = Text<100>, inline)]
    pub name: String,
    /// The scopes granted; see the security scheme for what each allows.
    #[validate(custom(function = "scopes"))]
    #[schema(value_type = Vec<ScopeSchema>, inline, min_items = 1)]
    pub scopes: Vec<String>,
}

string_enum!(ScopeSchema = Scope::NAMES);

/// At least one scope, each a known one.
fn scopes(values: &[String]) -> Result<(), validator::ValidationError> {
    if values.is_empty() {
        return Err(validator::ValidationError::new("required")
            .with_message("grant at least one scope".into()));
    }
    values.iter().try_for_each(|s| rules::one_of::<Scope>(s))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ApiClientListQuery {
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    #[param(value_type = Option<Cursor>, inline)]
    pub cursor: Option<String>,
}

/// Register a machine client; the answer holds its secret, once.
///
/// The client exchanges its id and secret for access tokens at `/api/v1/auth/token`.
#[utoipa::path(
    post, path = "/api/v1/api-clients", tag = "api clients",
    request_body = CreateApiClient,
    responses((status = 201, description = "Created; keep the secret", body = CreatedApiClient))
)]
pub async fn create_api_client(
    caller: Authorized<perm::ManageOrganization>,
    body: Json<CreateApiClient>,
) -> Result<HttpResponse, ApiError> {
    let req = body.into_inner();
    let name = req.name.trim().to_owned();
    let mut scopes: Vec<Scope> = Vec::new();
    for scope in req.scopes.iter().filter_map(|s| s.parse().ok()) {
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    let registered = caller
        .write(move |ctx| service::create(ctx, name, scopes))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json(CreatedApiClient {
            client: registered.client.into(),
            client_secret: registered.client_secret,
        }))
}

/// List machine clients (secrets are never shown).
#[utoipa::path(
    get, path = "/api/v1/api-clients", tag = "api clients",
    params(ApiClientListQuery),
    responses((status = 200, description = "A page of clients", body = Page<ApiClientDto>))
)]
pub async fn list_api_clients(
    caller: Authorized<perm::ManageOrganization>,
    query: web::Query<ApiClientListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let window = IdWindow::parse(q.limit, q.cursor.as_deref())?;
    let (after, rows) = (window.after_id.clone(), window.rows());
    let rows = caller
        .read(move |ctx| service::list(ctx, after, rows))
        .await?;
    Ok(HttpResponse::Ok().json(window.page(rows, |c| &c.id, ApiClientDto::from)))
}

/// Revoke a client: its token requests and its live tokens are refused from now on.
#[utoipa::path(
    post, path = "/api/v1/api-clients/{id}/revoke", tag = "api clients",
    params(("id" = String, Path, description = "API client record id")),
    responses((status = 200, description = "Revoked", body = ApiClientDto))
)]
pub async fn revoke_api_client(
    caller: Authorized<perm::ManageOrganization>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let client = caller.write(move |ctx| service::revoke(ctx, &id.0)).await?;
    Ok(HttpResponse::Ok().json(ApiClientDto::from(client)))
}

crate::endpoints![create_api_client, list_api_clients, revoke_api_client];
