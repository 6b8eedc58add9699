use diesel::prelude::*;

use crate::DbConn;
use crate::schema::outbox_events;

/// An integration event, written in the same transaction as the change it reports.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = outbox_events)]
pub struct OutboxEvent {
    pub id: String,
    pub org_id: String,
    pub event_type: String,
    pub aggregate_type: String,
    pub aggregate_id: String,
    /// JSON.
    pub payload: String,
    pub created_at: chrono::NaiveDateTime,
    pub published_at: Option<chrono::NaiveDateTime>,
}

impl OutboxEvent {
    pub fn insert(&self, conn: &mut DbConn) -> QueryResult<()> {
        diesel::insert_into(outbox_events::table)
            .values(self)
            .execute(conn)
            .map(drop)
    }

    pub fn list_for_aggregate(
        conn: &mut DbConn,
        org_id: &str,
        aggregate_id: &str,
    ) -> QueryResult<Vec<Self>> {
        outbox_events::table
            .filter(outbox_events::org_id.eq(org_id))
            .filter(outbox_events::aggregate_id.eq(aggregate_id))
            .order(outbox_events::id.asc())
            .select(Self::as_select())
            .load(conn)
    }
}
