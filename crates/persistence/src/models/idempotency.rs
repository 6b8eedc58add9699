use diesel::prelude::*;

use crate::DbConn;
use crate::schema::idempotency_keys;

/// The first response to a POST with an `Idempotency-Key`, replayed on repeats.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = idempotency_keys, treat_none_as_default_value = false)]
pub struct IdempotencyRecord {
    pub org_id: String,
    pub principal_id: String,
    pub idempotency_key: String,
    pub request_fingerprint: String,
    /// 0 while the first request is still running.
    pub status_code: i32,
    pub response_body: String,
    pub created_at: chrono::NaiveDateTime,
}

impl IdempotencyRecord {
    pub fn insert(&self, conn: &mut DbConn) -> QueryResult<()> {
        diesel::insert_into(idempotency_keys::table)
            .values(self)
            .execute(conn)
            .map(drop)
    }

    pub fn find(
        conn: &mut DbConn,
        org_id: &str,
        principal_id: &str,
        key: &str,
    ) -> QueryResult<Option<Self>> {
        idempotency_keys::table
            .find((org_id, principal_id, key))
            .select(Self::as_select())
            .get_result(conn)
            .optional()
    }

    /// Records the final answer of a claimed key.
    pub fn complete(
        conn: &mut DbConn,
        org_id: &str,
        principal_id: &str,
        key: &str,
        status_code: i32,
        response_body: &str,
    ) -> QueryResult<()> {
        diesel::update(idempotency_keys::table.find((org_id, principal_id, key)))
            .set((
                idempotency_keys::status_code.eq(status_code),
                idempotency_keys::response_body.eq(response_body),
            ))
            .execute(conn)
            .map(drop)
    }

    /// The fingerprint of a request whose body was hashed as it streamed, known only once
    /// the handler had read it.
    pub fn set_fingerprint(
        conn: &mut DbConn,
        org_id: &str,
        principal_id: &str,
        key: &str,
        fingerprint: &str,
    ) -> QueryResult<()> {
        diesel::update(idempotency_keys::table.find((org_id, principal_id, key)))
            .set(idempotency_keys::request_fingerprint.eq(fingerprint))
            .execute(conn)
            .map(drop)
    }

    /// Frees a claim whose request did not finish, so the client can retry it.
    pub fn release(
        conn: &mut DbConn,
        org_id: &str,
        principal_id: &str,
        key: &str,
    ) -> QueryResult<()> {
        diesel::delete(idempotency_keys::table.find((org_id, principal_id, key)))
            .execute(conn)
            .map(drop)
    }

    pub fn purge_older_than(
        conn: &mut DbConn,
        cutoff: chrono::NaiveDateTime,
    ) -> QueryResult<usize> {
        diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(cutoff)))
            .execute(conn)
    }
}
