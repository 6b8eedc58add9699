use diesel::prelude::*;

use crate::DbConn;
use crate::schema::audit_log;

/// One line of the append-only audit log (PIPL: who saw or changed what, and when).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_log)]
pub struct AuditEntry {
    pub id: String,
    pub org_id: String,
    pub actor_id: Option<String>,
    pub actor_role: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<String>,
    /// JSON.
    pub detail: String,
    pub request_id: Option<String>,
    pub created_at: chrono::NaiveDateTime,
    /// The `Idempotency-Key` of the request that made the change, if it sent one.
    pub idempotency_key: Option<String>,
}

impl AuditEntry {
    pub fn insert(&self, conn: &mut DbConn) -> QueryResult<()> {
        diesel::insert_into(audit_log::table)
            .values(self)
            .execute(conn)
            .map(drop)
    }

    /// The first change made by a request sent with this `Idempotency-Key` since `since`:
    /// proof that the request committed, whether or not its answer reached the client.
    pub fn first_by_idempotency_key(
        conn: &mut DbConn,
        org_id: &str,
        actor_id: &str,
        key: &str,
        since: chrono::NaiveDateTime,
    ) -> QueryResult<Option<Self>> {
        audit_log::table
            .filter(audit_log::org_id.eq(org_id))
            .filter(audit_log::actor_id.eq(actor_id))
            .filter(audit_log::idempotency_key.eq(key))
            .filter(audit_log::created_at.ge(since))
            .order(audit_log::id.asc())
            .select(Self::as_select())
            .first(conn)
            .optional()
    }

    pub fn list_for_entity(
        conn: &mut DbConn,
        org_id: &str,
        entity_type: &str,
        entity_id: &str,
    ) -> QueryResult<Vec<Self>> {
        audit_log::table
            .filter(audit_log::org_id.eq(org_id))
            .filter(audit_log::entity_type.eq(entity_type))
            .filter(audit_log::entity_id.eq(entity_id))
            .order(audit_log::id.asc())
            .select(Self::as_select())
            .load(conn)
    }
}
