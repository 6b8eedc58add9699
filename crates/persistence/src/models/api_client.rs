use diesel::prelude::*;

use crate::DbConn;
use crate::schema::api_clients;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = api_clients, treat_none_as_default_value = false)]
pub struct ApiClient {
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub client_id: String,
    pub secret_hash: String,
    /// Space-separated, as in OAuth 2.
    pub scopes: String,
    pub created_by: Option<String>,
    pub revoked_at: Option<chrono::NaiveDateTime>,
    pub created_at: chrono::NaiveDateTime,
}

super::record::tenant_record!(ApiClient, api_clients);

impl ApiClient {
    pub fn find_by_client_id(conn: &mut DbConn, client_id: &str) -> QueryResult<Option<Self>> {
        api_clients::table
            .filter(api_clients::client_id.eq(client_id))
            .select(Self::as_select())
            .get_result(conn)
            .optional()
    }

    /// Whether a token issued to this client may still be used.
    pub fn is_active(conn: &mut DbConn, org_id: &str, id: &str) -> QueryResult<bool> {
        api_clients::table
            .filter(api_clients::org_id.eq(org_id))
            .filter(api_clients::id.eq(id))
            .select(api_clients::revoked_at)
            .get_result::<Option<chrono::NaiveDateTime>>(conn)
            .optional()
            .map(|r| matches!(r, Some(None)))
    }

    pub fn list(
        conn: &mut DbConn,
        org_id: &str,
        after_id: Option<&str>,
        limit: i64,
    ) -> QueryResult<Vec<Self>> {
        let mut query = api_clients::table
            .filter(api_clients::org_id.eq(org_id))
            .select(Self::as_select())
            .into_boxed();
        if let Some(after) = after_id {
            query = query.filter(api_clients::id.gt(after.to_owned()));
        }
        crate::db::first_rows(conn, query.order(api_clients::id.asc()), limit)
    }

    pub fn revoke(
        conn: &mut DbConn,
        org_id: &str,
        id: &str,
        at: chrono::NaiveDateTime,
    ) -> QueryResult<usize> {
        diesel::update(
            api_clients::table
                .filter(api_clients::org_id.eq(org_id))
                .filter(api_clients::id.eq(id))
                .filter(api_clients::revoked_at.is_null()),
        )
        .set(api_clients::revoked_at.eq(Some(at)))
        .execute(conn)
    }
}
