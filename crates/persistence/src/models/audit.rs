use diesel::prelude::*;

use crate::DbConn;
use crate::schema::audit_log;

/// One line of the append-only audit log (PIPL: who saw or changed what, and when).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
// NULLs are written as NULL, not DEFAULT: diesel cannot cache a prepared insert that may say
// DEFAULT, and this insert runs with every change (see STACK.md).
#[diesel(table_name = audit_log, treat_none_as_default_value = false)]
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

/// What the audit-log list reads: the organisation's entries matching every filter given,
/// newest first, before the keyset position `before_id`.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor_id: Option<String>,
    pub action: Option<String>,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    /// Inclusive.
    pub from: Option<chrono::NaiveDateTime>,
    /// Exclusive.
    pub to: Option<chrono::NaiveDateTime>,
    /// Entries older than this id (UUIDv7: time order).
    pub before_id: Option<String>,
    pub limit: i64,
}

impl AuditEntry {
    /// A page of the organisation's audit log, newest first. There is no update or delete:
    /// the log is only ever appended to.
    pub fn list(conn: &mut DbConn, org_id: &str, filter: &AuditFilter) -> QueryResult<Vec<Self>> {
        let mut query = audit_log::table
            .filter(audit_log::org_id.eq(org_id))
            .select(Self::as_select())
            .into_boxed();
        if let Some(actor) = &filter.actor_id {
            query = query.filter(audit_log::actor_id.eq(actor.clone()));
        }
        if let Some(action) = &filter.action {
            query = query.filter(audit_log::action.eq(action.clone()));
        }
        if let Some(kind) = &filter.entity_type {
            query = query.filter(audit_log::entity_type.eq(kind.clone()));
        }
        if let Some(id) = &filter.entity_id {
            query = query.filter(audit_log::entity_id.eq(id.clone()));
        }
        if let Some(from) = filter.from {
            query = query.filter(audit_log::created_at.ge(from));
        }
        if let Some(to) = filter.to {
            query = query.filter(audit_log::created_at.lt(to));
        }
        if let Some(before) = &filter.before_id {
            query = query.filter(audit_log::id.lt(before.clone()));
        }
        query
            .order(audit_log::id.desc())
            .limit(filter.limit)
            .load(conn)
    }

    pub fn insert(&self, conn: &mut DbConn) -> QueryResult<()> {
        diesel::insert_into(audit_log::table)
            .values(self)
            .execute(conn)
            .map(drop)
    }

    /// Many in multi-row statements (a unit of work writes what it recorded at once).
    pub fn insert_many(conn: &mut DbConn, rows: &[Self]) -> QueryResult<usize> {
        crate::insert_batch!(conn, audit_log::table, rows)
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

    /// The names of these actors (users and API clients of the organisation), by id.
    pub fn actor_names(
        conn: &mut DbConn,
        org_id: &str,
        ids: &[String],
    ) -> QueryResult<Vec<(String, String)>> {
        use crate::schema::{api_clients, users};
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut names: Vec<(String, String)> = users::table
            .filter(users::org_id.eq(org_id))
            .filter(users::id.eq_any(ids))
            .select((users::id, users::name))
            .load(conn)?;
        names.extend(
            api_clients::table
                .filter(api_clients::org_id.eq(org_id))
                .filter(api_clients::id.eq_any(ids))
                .select((api_clients::id, api_clients::name))
                .load::<(String, String)>(conn)?,
        );
        Ok(names)
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
