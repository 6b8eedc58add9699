use diesel::prelude::*;

use crate::DbConn;
use crate::schema::{deliveries, delivery_attempts};

autocrm_domain::text_enum! {
    /// Where an outbound delivery is.
    pub enum DeliveryStatus {
        /// Waiting for its (next) attempt.
        Pending = "pending",
        Succeeded = "succeeded",
        /// Given up: attempts exhausted, the target gone or refused.
        Dead = "dead",
    }
}

/// One event on its way to one target (a webhook subscription; later a notification gateway).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = deliveries, treat_none_as_default_value = false)]
pub struct Delivery {
    pub id: String,
    pub org_id: String,
    pub target_kind: String,
    pub target_id: String,
    pub event_id: String,
    pub event_type: String,
    pub payload: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: Option<chrono::NaiveDateTime>,
    pub last_status_code: Option<i32>,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

/// One try of a delivery, as the log shows it.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = delivery_attempts, treat_none_as_default_value = false)]
pub struct DeliveryAttempt {
    pub id: String,
    pub delivery_id: String,
    pub org_id: String,
    pub target_kind: String,
    pub target_id: String,
    pub event_id: String,
    pub event_type: String,
    pub attempt: i32,
    pub attempted_at: chrono::NaiveDateTime,
    pub outcome: String,
    pub response_code: Option<i32>,
    pub latency_ms: i64,
    pub response_body: Option<String>,
    pub error: Option<String>,
    pub next_attempt_at: Option<chrono::NaiveDateTime>,
}

impl Delivery {
    pub fn insert(&self, conn: &mut DbConn) -> QueryResult<()> {
        diesel::insert_into(deliveries::table)
            .values(self)
            .execute(conn)
            .map(drop)
    }

    pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<Self>> {
        deliveries::table
            .find(id)
            .select(Self::as_select())
            .get_result(conn)
            .optional()
    }

    /// Deliveries by id (those that still exist).
    pub fn find_many(conn: &mut DbConn, ids: &[String]) -> QueryResult<Vec<Self>> {
        deliveries::table
            .filter(deliveries::id.eq_any(ids))
            .select(Self::as_select())
            .load(conn)
    }

    /// Records a delivery's state after an attempt (its log line is written with
    /// [`DeliveryAttempt::insert_all`]).
    pub fn record_state(
        conn: &mut DbConn,
        id: &str,
        status: DeliveryStatus,
        attempt: &DeliveryAttempt,
    ) -> QueryResult<()> {
        diesel::update(deliveries::table.filter(deliveries::id.eq(id)))
            .set((
                deliveries::status.eq(status.as_str()),
                deliveries::attempts.eq(attempt.attempt),
                deliveries::next_attempt_at.eq(attempt.next_attempt_at),
                deliveries::last_status_code.eq(attempt.response_code),
                deliveries::updated_at.eq(attempt.attempted_at),
            ))
            .execute(conn)
            .map(drop)
    }

    /// Deliveries of one event to one target (tests, diagnostics).
    pub fn of_event(conn: &mut DbConn, target_id: &str, event_id: &str) -> QueryResult<Vec<Self>> {
        deliveries::table
            .filter(deliveries::target_id.eq(target_id))
            .filter(deliveries::event_id.eq(event_id))
            .order(deliveries::id.asc())
            .select(Self::as_select())
            .load(conn)
    }

    /// Forgets finished deliveries (and their attempts) last touched before `cutoff`.
    pub fn purge_finished(conn: &mut DbConn, cutoff: chrono::NaiveDateTime) -> QueryResult<usize> {
        let finished = deliveries::table
            .filter(deliveries::status.ne(DeliveryStatus::Pending.as_str()))
            .filter(deliveries::updated_at.lt(cutoff))
            .select(deliveries::id);
        diesel::delete(
            delivery_attempts::table.filter(delivery_attempts::delivery_id.eq_any(finished)),
        )
        .execute(conn)?;
        diesel::delete(
            deliveries::table
                .filter(deliveries::status.ne(DeliveryStatus::Pending.as_str()))
                .filter(deliveries::updated_at.lt(cutoff)),
        )
        .execute(conn)
    }
}

impl DeliveryAttempt {
    /// Writes attempt log lines in multi-row statements, in the caller's transaction.
    pub fn insert_all(conn: &mut DbConn, attempts: &[Self]) -> QueryResult<()> {
        crate::insert_batch!(conn, delivery_attempts::table, attempts).map(|_| ())
    }

    /// A page of one target's attempt log, newest first, before the attempt `before_id`.
    pub fn list_for_target(
        conn: &mut DbConn,
        org_id: &str,
        target_kind: &str,
        target_id: &str,
        before_id: Option<&str>,
        limit: i64,
    ) -> QueryResult<Vec<Self>> {
        let mut query = delivery_attempts::table
            .filter(delivery_attempts::org_id.eq(org_id))
            .filter(delivery_attempts::target_kind.eq(target_kind))
            .filter(delivery_attempts::target_id.eq(target_id))
            .select(Self::as_select())
            .into_boxed();
        if let Some(before) = before_id {
            query = query.filter(delivery_attempts::id.lt(before.to_owned()));
        }
        crate::db::first_rows(conn, query.order(delivery_attempts::id.desc()), limit)
    }
}
