use diesel::prelude::*;

use crate::DbConn;
use crate::schema::outbox_events;

/// An integration event, written in the same transaction as the change it reports.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
// NULLs are written as NULL, not DEFAULT: diesel cannot cache a prepared insert that may say
// DEFAULT, and this insert runs with every change (see STACK.md).
#[diesel(table_name = outbox_events, treat_none_as_default_value = false)]
pub struct OutboxEvent {
    pub id: String,
    pub org_id: String,
    pub event_type: String,
    pub aggregate_type: String,
    pub aggregate_id: String,
    /// JSON: the envelope, as webhooks send it and the feed serves it.
    pub payload: String,
    pub created_at: chrono::NaiveDateTime,
    pub published_at: Option<chrono::NaiveDateTime>,
    /// The event's place in its organisation's feed, stamped after commit by the relay.
    pub feed_position: Option<i64>,
}

/// A page of the events feed: the organisation's published events after `after_position`.
#[derive(Debug, Clone, Default)]
pub struct FeedFilter {
    pub after_position: Option<i64>,
    /// Empty: every type.
    pub types: Vec<String>,
    pub limit: i64,
}

impl OutboxEvent {
    pub fn insert(&self, conn: &mut DbConn) -> QueryResult<()> {
        diesel::insert_into(outbox_events::table)
            .values(self)
            .execute(conn)
            .map(drop)
    }

    /// Many in multi-row statements (a unit of work writes what it recorded at once).
    pub fn insert_many(conn: &mut DbConn, rows: &[Self]) -> QueryResult<usize> {
        crate::insert_batch!(conn, outbox_events::table, rows)
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

    /// Committed events the relay has not published yet, oldest first.
    pub fn unpublished(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<Self>> {
        outbox_events::table
            .filter(outbox_events::published_at.is_null())
            .order(outbox_events::id.asc())
            .limit(limit)
            .select(Self::as_select())
            .load(conn)
    }

    /// The last feed position given in the organisation (0 when none).
    pub fn last_position(conn: &mut DbConn, org_id: &str) -> QueryResult<i64> {
        // The newest by the index, not `max()`, which stale statistics turn into a scan.
        outbox_events::table
            .filter(outbox_events::org_id.eq(org_id))
            .filter(outbox_events::feed_position.is_not_null())
            .order(outbox_events::feed_position.desc())
            .select(outbox_events::feed_position)
            .first::<Option<i64>>(conn)
            .optional()
            .map(|p| p.flatten().unwrap_or(0))
    }

    /// Marks an event published at its feed position.
    pub fn publish(
        conn: &mut DbConn,
        id: &str,
        position: i64,
        now: chrono::NaiveDateTime,
    ) -> QueryResult<bool> {
        diesel::update(
            outbox_events::table
                .filter(outbox_events::id.eq(id))
                .filter(outbox_events::published_at.is_null()),
        )
        .set((
            outbox_events::published_at.eq(Some(now)),
            outbox_events::feed_position.eq(Some(position)),
        ))
        .execute(conn)
        .map(|n| n == 1)
    }

    /// A page of the organisation's feed, in feed order.
    pub fn feed(conn: &mut DbConn, org_id: &str, filter: &FeedFilter) -> QueryResult<Vec<Self>> {
        let mut query = outbox_events::table
            .filter(outbox_events::org_id.eq(org_id))
            .filter(outbox_events::feed_position.is_not_null())
            .select(Self::as_select())
            .into_boxed();
        if let Some(after) = filter.after_position {
            query = query.filter(outbox_events::feed_position.gt(after));
        }
        if !filter.types.is_empty() {
            query = query.filter(outbox_events::event_type.eq_any(filter.types.clone()));
        }
        crate::db::first_rows(
            conn,
            query.order(outbox_events::feed_position.asc()),
            filter.limit,
        )
    }

    /// One published event of the organisation.
    pub fn find_published(conn: &mut DbConn, org_id: &str, id: &str) -> QueryResult<Option<Self>> {
        outbox_events::table
            .filter(outbox_events::org_id.eq(org_id))
            .filter(outbox_events::id.eq(id))
            .filter(outbox_events::feed_position.is_not_null())
            .select(Self::as_select())
            .get_result(conn)
            .optional()
    }

    /// The organisation's published events written in `[since, until)`, in feed order.
    pub fn published_between(
        conn: &mut DbConn,
        org_id: &str,
        since: chrono::NaiveDateTime,
        until: chrono::NaiveDateTime,
        limit: i64,
    ) -> QueryResult<Vec<Self>> {
        outbox_events::table
            .filter(outbox_events::org_id.eq(org_id))
            .filter(outbox_events::feed_position.is_not_null())
            .filter(outbox_events::created_at.ge(since))
            .filter(outbox_events::created_at.lt(until))
            .order(outbox_events::feed_position.asc())
            .limit(limit)
            .select(Self::as_select())
            .load(conn)
    }

    /// Forgets published events written before `cutoff` (unpublished ones stay).
    pub fn purge_published_before(
        conn: &mut DbConn,
        cutoff: chrono::NaiveDateTime,
    ) -> QueryResult<usize> {
        diesel::delete(
            outbox_events::table
                .filter(outbox_events::published_at.is_not_null())
                .filter(outbox_events::created_at.lt(cutoff)),
        )
        .execute(conn)
    }
}
