//! Machine clients (ERP, finance systems, lead platforms) and their scopes.

use actix_web::{HttpResponse, web};
use autocrm_domain::access::{SCOPES, is_known_scope};
use autocrm_persistence::db::{new_id, now, write_tx};
use autocrm_persistence::models::ApiClient;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::stores::keyset_by_id;
use crate::audit;
use crate::auth::permission::ManageOrganization;
use crate::auth::{Authorized, secret};
use crate::error::ApiError;
use crate::http::extract::Json;
use crate::http::pagination::{self, Cursor, Page};
use crate::state::AppState;
use crate::validate::schema::{Text, string_enum};
use crate::validate::{Checks, path_id};

#[derive(Serialize, ToSchema)]
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
pub struct CreatedApiClient {
    #[serde(flatten)]
    pub client: ApiClientDto,
    /// Shown once, never again: store it in the client system now.
    pub client_secret: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "DMS 库存同步", "scopes": ["customers:read"]}))]
pub struct CreateApiClient {
    #[schema(value_type = Text<100>, inline)]
    pub name: String,
    /// From: customers:read, customers:write, financing:read, financing:write.
    #[schema(value_type = Vec<ScopeSchema>, inline, min_items = 1)]
    pub scopes: Vec<String>,
}

string_enum!(ScopeSchema = SCOPES);

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
#[utoipa::path(
    post, path = "/api/v1/api-clients", tag = "api clients",
    security(("bearer" = [])),
    request_body = CreateApiClient,
    responses((status = 201, description = "Created; keep the secret", body = CreatedApiClient))
)]
pub async fn create_api_client(
    state: web::Data<AppState>,
    auth: Authorized<ManageOrganization>,
    body: Json<CreateApiClient>,
) -> Result<HttpResponse, ApiError> {
    let req = body.into_inner();
    let mut checks = Checks::new();
    let name = checks.text("name", &req.name, 100);
    let mut scopes: Vec<String> = Vec::new();
    for scope in &req.scopes {
        if !is_known_scope(scope) {
            checks.add(
                "scopes",
                "not_allowed",
                format!("unknown scope {scope:?}; known: {}", SCOPES.join(", ")),
            );
        } else if !scopes.contains(scope) {
            scopes.push(scope.clone());
        }
    }
    if req.scopes.is_empty() {
        checks.add("scopes", "required", "grant at least one scope");
    }
    checks.finish()?;
    let client_secret = secret::generate("cs_");
    let client = ApiClient {
        id: new_id(),
        org_id: auth.org_id.clone(),
        name,
        client_id: secret::generate("ci_")[..27].to_owned(),
        secret_hash: secret::digest(&client_secret),
        scopes: scopes.join(" "),
        created_by: Some(auth.id.clone()),
        revoked_at: None,
        created_at: now(),
    };
    let principal = auth.principal;
    let client = state
        .db(move |conn| {
            write_tx(conn, |conn| {
                client.insert(conn)?;
                audit::record(
                    conn,
                    &principal,
                    "api_client.created",
                    "api_client",
                    Some(&client.id),
                    serde_json::json!({"scopes": client.scopes}),
                )?;
                Ok(client)
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(CreatedApiClient {
        client: client.into(),
        client_secret,
    }))
}

/// List machine clients (secrets are never shown).
#[utoipa::path(
    get, path = "/api/v1/api-clients", tag = "api clients",
    security(("bearer" = [])),
    params(ApiClientListQuery),
    responses((status = 200, description = "A page of clients", body = Page<ApiClientDto>))
)]
pub async fn list_api_clients(
    state: web::Data<AppState>,
    auth: Authorized<ManageOrganization>,
    query: web::Query<ApiClientListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let limit = pagination::limit(q.limit)?;
    let after = pagination::decode_cursor("id", q.cursor.as_deref())?.map(|a| a.id);
    let org = auth.org_id.clone();
    let rows = state
        .db(move |conn| Ok(ApiClient::list(conn, &org, after.as_deref(), limit + 1)?))
        .await?;
    Ok(HttpResponse::Ok().json(pagination::page(
        rows,
        limit,
        |c| pagination::encode_cursor("id", &keyset_by_id(&c.id)),
        ApiClientDto::from,
    )))
}

/// Revoke a client: its token requests and its live tokens are refused from now on.
#[utoipa::path(
    post, path = "/api/v1/api-clients/{id}/revoke", tag = "api clients",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "API client record id")),
    responses((status = 200, description = "Revoked", body = ApiClientDto))
)]
pub async fn revoke_api_client(
    state: web::Data<AppState>,
    auth: Authorized<ManageOrganization>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path)?;
    let principal = auth.principal;
    let client = state
        .db(move |conn| {
            write_tx(conn, |conn| {
                if ApiClient::revoke(conn, &principal.org_id, &id, now())? == 1 {
                    audit::record(
                        conn,
                        &principal,
                        "api_client.revoked",
                        "api_client",
                        Some(&id),
                        serde_json::json!({}),
                    )?;
                }
                ApiClient::find(conn, &principal.org_id, &id)?.ok_or(ApiError::NotFound)
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(ApiClientDto::from(client)))
}
