//! Staff notifications: the in-app rows with their per-recipient positions, preferences,
//! outbound gateways, the queue of outbound messages, and stream tickets.

use diesel::prelude::*;

use crate::DbConn;
use crate::schema::{
    notification_counters, notification_gateways, notification_preferences,
    notification_stream_tickets, notifications,
};

/// A notification in a person's in-app list.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = notifications, treat_none_as_default_value = false)]
pub struct NotificationRow {
    pub id: String,
    pub org_id: String,
    pub user_id: String,
    /// 1, 2, 3, ... per recipient: the live stream's event id.
    pub position: i64,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
    pub created_at: chrono::NaiveDateTime,
    pub read_at: Option<chrono::NaiveDateTime>,
}

/// A page request of one person's notifications, newest first.
#[derive(Debug, Clone, Default)]
pub struct NotificationFilter {
    pub unread_only: bool,
    /// Older than this position.
    pub before_position: Option<i64>,
    pub limit: i64,
}

impl NotificationRow {
    pub fn insert(&self, conn: &mut DbConn) -> QueryResult<()> {
        diesel::insert_into(notifications::table)
            .values(self)
            .execute(conn)
            .map(drop)
    }

    /// Inserts many rows in one statement (a unit of work's notifications, at its end).
    pub fn insert_many(conn: &mut DbConn, rows: &[Self]) -> QueryResult<usize> {
        crate::insert_batch!(conn, notifications::table, rows)
    }

    /// Takes the next `count` positions of `user_id` in the current transaction and answers
    /// the last of them (the first is `last - count + 1`). As [`Self::next_position`], the
    /// counter row stays locked until commit.
    pub fn take_positions(conn: &mut DbConn, user_id: &str, count: i64) -> QueryResult<i64> {
        use notification_counters::dsl as c;
        crate::on_backend!(conn, |conn| diesel::insert_into(c::notification_counters)
            .values((c::user_id.eq(user_id), c::last_position.eq(count)))
            .on_conflict(c::user_id)
            .do_update()
            .set(c::last_position.eq(c::last_position + count))
            .returning(c::last_position)
            .get_result::<i64>(conn))
    }

    /// The next position of `user_id`, taken in the current transaction. The counter row is
    /// written (so locked on PostgreSQL until commit): notifications to one person commit in
    /// position order.
    pub fn next_position(conn: &mut DbConn, user_id: &str) -> QueryResult<i64> {
        use notification_counters::dsl as c;
        crate::on_backend!(conn, |conn| diesel::insert_into(c::notification_counters)
            .values((c::user_id.eq(user_id), c::last_position.eq(1_i64)))
            .on_conflict(c::user_id)
            .do_update()
            .set(c::last_position.eq(c::last_position + 1_i64))
            .returning(c::last_position)
            .get_result::<i64>(conn))
    }

    /// The last position given to `user_id` (0 before the first notification).
    pub fn last_position(conn: &mut DbConn, user_id: &str) -> QueryResult<i64> {
        use notification_counters::dsl as c;
        Ok(c::notification_counters
            .filter(c::user_id.eq(user_id))
            .select(c::last_position)
            .get_result::<i64>(conn)
            .optional()?
            .unwrap_or(0))
    }

    /// The last positions of these people (those who have had a notification): one lookup by
    /// primary key per person, in one statement (the shared stream poller's question).
    pub fn last_positions(
        conn: &mut DbConn,
        user_ids: &[String],
    ) -> QueryResult<Vec<(String, i64)>> {
        use notification_counters::dsl as c;
        if user_ids.is_empty() {
            return Ok(Vec::new());
        }
        c::notification_counters
            .filter(c::user_id.eq_any(user_ids))
            .select((c::user_id, c::last_position))
            .load(conn)
    }

    /// One person's notification by id.
    pub fn find_for(
        conn: &mut DbConn,
        org_id: &str,
        user_id: &str,
        id: &str,
    ) -> QueryResult<Option<Self>> {
        notifications::table
            .filter(notifications::org_id.eq(org_id))
            .filter(notifications::user_id.eq(user_id))
            .filter(notifications::id.eq(id))
            .select(Self::as_select())
            .get_result(conn)
            .optional()
    }

    /// A page of one person's notifications, newest first.
    pub fn list(
        conn: &mut DbConn,
        org_id: &str,
        user_id: &str,
        filter: &NotificationFilter,
    ) -> QueryResult<Vec<Self>> {
        let mut query = notifications::table
            .filter(notifications::org_id.eq(org_id))
            .filter(notifications::user_id.eq(user_id))
            .select(Self::as_select())
            .into_boxed();
        if filter.unread_only {
            query = query.filter(notifications::read_at.is_null());
        }
        if let Some(before) = filter.before_position {
            query = query.filter(notifications::position.lt(before));
        }
        query
            .order(notifications::position.desc())
            .limit(filter.limit)
            .load(conn)
    }

    /// One person's notifications after `position`, oldest first (the live stream's read:
    /// one indexed range scan).
    pub fn after(
        conn: &mut DbConn,
        user_id: &str,
        position: i64,
        limit: i64,
    ) -> QueryResult<Vec<Self>> {
        notifications::table
            .filter(notifications::user_id.eq(user_id))
            .filter(notifications::position.gt(position))
            .order(notifications::position.asc())
            .limit(limit)
            .select(Self::as_select())
            .load(conn)
    }

    pub fn unread_count(conn: &mut DbConn, org_id: &str, user_id: &str) -> QueryResult<i64> {
        notifications::table
            .filter(notifications::org_id.eq(org_id))
            .filter(notifications::user_id.eq(user_id))
            .filter(notifications::read_at.is_null())
            .count()
            .get_result(conn)
    }

    /// Marks one unread notification read; false if it was read already.
    pub fn mark_read(
        conn: &mut DbConn,
        user_id: &str,
        id: &str,
        at: chrono::NaiveDateTime,
    ) -> QueryResult<bool> {
        diesel::update(
            notifications::table
                .filter(notifications::user_id.eq(user_id))
                .filter(notifications::id.eq(id))
                .filter(notifications::read_at.is_null()),
        )
        .set(notifications::read_at.eq(Some(at)))
        .execute(conn)
        .map(|n| n == 1)
    }

    /// Marks every unread notification of one person read; how many were.
    pub fn mark_all_read(
        conn: &mut DbConn,
        org_id: &str,
        user_id: &str,
        at: chrono::NaiveDateTime,
    ) -> QueryResult<usize> {
        diesel::update(
            notifications::table
                .filter(notifications::org_id.eq(org_id))
                .filter(notifications::user_id.eq(user_id))
                .filter(notifications::read_at.is_null()),
        )
        .set(notifications::read_at.eq(Some(at)))
        .execute(conn)
    }
}

/// A person's channel choices per kind, as JSON text.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = notification_preferences, treat_none_as_default_value = false)]
pub struct NotificationPreferences {
    pub user_id: String,
    pub org_id: String,
    /// `{"lead.assigned": ["in_app", "sms"], ...}`
    pub channels: String,
    pub updated_at: chrono::NaiveDateTime,
}

impl NotificationPreferences {
    /// Whether the user is active, with their stored channel choices if any: what a
    /// notification needs to know of its recipient, in one statement.
    pub fn of_recipient(
        conn: &mut DbConn,
        org_id: &str,
        user_id: &str,
    ) -> QueryResult<Option<(bool, Option<String>)>> {
        use crate::schema::users;
        let stored = notification_preferences::table
            .filter(notification_preferences::org_id.eq(org_id.to_owned()))
            .filter(notification_preferences::user_id.eq(user_id.to_owned()))
            .select(notification_preferences::channels)
            .single_value();
        users::table
            .filter(users::org_id.eq(org_id))
            .filter(users::id.eq(user_id))
            .select((users::active, stored))
            .get_result(conn)
            .optional()
    }

    pub fn find(conn: &mut DbConn, org_id: &str, user_id: &str) -> QueryResult<Option<Self>> {
        notification_preferences::table
            .filter(notification_preferences::org_id.eq(org_id))
            .filter(notification_preferences::user_id.eq(user_id))
            .select(Self::as_select())
            .get_result(conn)
            .optional()
    }

    /// Writes the row, replacing the person's earlier choices.
    pub fn save(&self, conn: &mut DbConn) -> QueryResult<()> {
        let updated = diesel::update(
            notification_preferences::table
                .filter(notification_preferences::user_id.eq(&self.user_id)),
        )
        .set(self)
        .execute(conn)?;
        if updated == 0 {
            diesel::insert_into(notification_preferences::table)
                .values(self)
                .execute(conn)?;
        }
        Ok(())
    }
}

/// An organisation's outbound gateway for one channel.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = notification_gateways, treat_none_as_default_value = false, treat_none_as_null = true)]
pub struct NotificationGateway {
    pub id: String,
    pub org_id: String,
    pub channel: String,
    pub url: String,
    pub description: Option<String>,
    pub active: bool,
    /// The signing secret, PII-cipher encrypted.
    pub secret_ciphertext: String,
    pub version: i64,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

super::record::versioned_record!(NotificationGateway, notification_gateways);

impl NotificationGateway {
    /// The organisation's gateways, by id, after `after_id`.
    pub fn list(
        conn: &mut DbConn,
        org_id: &str,
        after_id: Option<&str>,
        limit: i64,
    ) -> QueryResult<Vec<Self>> {
        let mut query = notification_gateways::table
            .filter(notification_gateways::org_id.eq(org_id))
            .select(Self::as_select())
            .into_boxed();
        if let Some(after) = after_id {
            query = query.filter(notification_gateways::id.gt(after.to_owned()));
        }
        query
            .order(notification_gateways::id.asc())
            .limit(limit)
            .load(conn)
    }

    /// The organisation's active gateways.
    pub fn active(conn: &mut DbConn, org_id: &str) -> QueryResult<Vec<Self>> {
        notification_gateways::table
            .filter(notification_gateways::org_id.eq(org_id))
            .filter(notification_gateways::active.eq(true))
            .select(Self::as_select())
            .load(conn)
    }

    /// Turns a gateway off for the system (its receiver answered 410 Gone).
    pub fn deactivate(
        conn: &mut DbConn,
        id: &str,
        now: chrono::NaiveDateTime,
    ) -> QueryResult<bool> {
        diesel::update(notification_gateways::table.filter(notification_gateways::id.eq(id)))
            .set((
                notification_gateways::active.eq(false),
                notification_gateways::version.eq(notification_gateways::version + 1),
                notification_gateways::updated_at.eq(now),
            ))
            .execute(conn)
            .map(|n| n == 1)
    }

    /// Removes a gateway (its queued deliveries die at their next attempt, with the reason
    /// in their log); false if there was none.
    pub fn delete(conn: &mut DbConn, org_id: &str, id: &str) -> QueryResult<bool> {
        diesel::delete(
            notification_gateways::table
                .filter(notification_gateways::org_id.eq(org_id))
                .filter(notification_gateways::id.eq(id)),
        )
        .execute(conn)
        .map(|n| n == 1)
    }
}

/// A single-use ticket for opening the live stream without a header.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = notification_stream_tickets, treat_none_as_default_value = false)]
pub struct StreamTicket {
    pub id: String,
    pub org_id: String,
    pub user_id: String,
    pub ticket_hash: String,
    pub expires_at: chrono::NaiveDateTime,
    pub access_expires_at: chrono::NaiveDateTime,
    pub consumed_at: Option<chrono::NaiveDateTime>,
    pub created_at: chrono::NaiveDateTime,
}

impl StreamTicket {
    pub fn insert(&self, conn: &mut DbConn) -> QueryResult<()> {
        diesel::insert_into(notification_stream_tickets::table)
            .values(self)
            .execute(conn)
            .map(drop)
    }

    /// Consumes the unexpired, unused ticket with this hash: at most one caller gets it.
    pub fn consume(
        conn: &mut DbConn,
        ticket_hash: &str,
        now: chrono::NaiveDateTime,
    ) -> QueryResult<Option<Self>> {
        let Some(ticket) = notification_stream_tickets::table
            .filter(notification_stream_tickets::ticket_hash.eq(ticket_hash))
            .select(Self::as_select())
            .get_result::<Self>(conn)
            .optional()?
        else {
            return Ok(None);
        };
        if ticket.consumed_at.is_some() || ticket.expires_at <= now {
            return Ok(None);
        }
        let taken = diesel::update(
            notification_stream_tickets::table
                .filter(notification_stream_tickets::id.eq(&ticket.id))
                .filter(notification_stream_tickets::consumed_at.is_null()),
        )
        .set(notification_stream_tickets::consumed_at.eq(Some(now)))
        .execute(conn)?;
        Ok((taken == 1).then_some(ticket))
    }

    /// Removes tickets that expired before `before` (housekeeping).
    pub fn purge(conn: &mut DbConn, before: chrono::NaiveDateTime) -> QueryResult<usize> {
        diesel::delete(
            notification_stream_tickets::table
                .filter(notification_stream_tickets::expires_at.lt(before)),
        )
        .execute(conn)
    }
}
