//! Machine clients (ERP, finance systems, lead platforms): registered with scopes, revoked
//! when they must stop.

use autocrm_domain::access::Scope;
use autocrm_persistence::db::new_id;
use autocrm_persistence::models::{ApiClient, TenantRecord};

use crate::app::{Change, Ctx, ServiceResult, records};
use crate::auth::secret;

/// A registered client and its secret, which is shown once.
pub struct Registered {
    pub client: ApiClient,
    pub client_secret: String,
}

pub fn create(ctx: &mut Ctx, name: String, scopes: Vec<Scope>) -> ServiceResult<Registered> {
    let client_secret = secret::generate("cs_");
    let scopes: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
    let client = ApiClient {
        id: new_id(),
        org_id: ctx.org_id().to_owned(),
        name,
        client_id: secret::generate("ci_")[..27].to_owned(),
        secret_hash: secret::digest(&client_secret),
        scopes: scopes.join(" "),
        created_by: Some(ctx.principal()?.id.clone()),
        revoked_at: None,
        created_at: ctx.now(),
    };
    client.insert(ctx.conn)?;
    ctx.record(
        Change::new("api_client.created", "api_client", &client.id)
            .detail(serde_json::json!({"scopes": client.scopes})),
    )?;
    Ok(Registered {
        client,
        client_secret,
    })
}

pub fn list(ctx: &mut Ctx, after_id: Option<String>, limit: i64) -> ServiceResult<Vec<ApiClient>> {
    Ok(ApiClient::list(
        ctx.conn,
        ctx.org_id(),
        after_id.as_deref(),
        limit,
    )?)
}

/// Revokes a client; revoking twice changes nothing.
pub fn revoke(ctx: &mut Ctx, id: &str) -> ServiceResult<ApiClient> {
    if ApiClient::revoke(ctx.conn, ctx.org_id(), id, ctx.now())? == 1 {
        ctx.record(Change::new("api_client.revoked", "api_client", id))?;
    }
    records::find(ctx, id, |_: &ApiClient| true)
}
