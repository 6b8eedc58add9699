//! Test drives (issue 10 item 10): a car booked with a consultant for a customer, the slots
//! each booking holds, and the consultants' calendar feeds.

use diesel::prelude::*;

use crate::DbConn;
use crate::schema::{calendar_feeds, test_drive_slots, test_drives};

/// One booking. `status` is the domain's `TestDriveStatus`; `feedback` is JSON (liked,
/// disliked, ratings, comment); `licence_*` hold the driving licence number (ciphertext and
/// masked form, never clear).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = test_drives, treat_none_as_default_value = false, treat_none_as_null = true)]
pub struct TestDrive {
    pub id: String,
    pub org_id: String,
    pub vehicle_id: String,
    pub customer_id: String,
    pub lead_id: Option<String>,
    pub consultant_id: String,
    pub store_id: Option<String>,
    pub starts_at: chrono::NaiveDateTime,
    pub ends_at: chrono::NaiveDateTime,
    pub status: String,
    pub licence_ciphertext: Option<String>,
    pub licence_masked: Option<String>,
    pub note: Option<String>,
    pub feedback: Option<String>,
    pub booked_by: String,
    /// `staff` or `customer` (the customer booked for itself).
    pub booked_via: String,
    pub closed_at: Option<chrono::NaiveDateTime>,
    pub closed_by: Option<String>,
    pub version: i64,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

super::record::versioned_record!(TestDrive, test_drives);

/// Which test drives a list shows, oldest booking first (by id).
#[derive(Debug, Default, Clone)]
pub struct TestDriveFilter {
    pub vehicle_id: Option<String>,
    pub consultant_id: Option<String>,
    pub customer_id: Option<String>,
    pub store_id: Option<String>,
    pub from: Option<chrono::NaiveDateTime>,
    pub to: Option<chrono::NaiveDateTime>,
    /// Only bookings that hold their slots (booked, in progress).
    pub holding_only: bool,
    pub after_id: Option<String>,
    pub limit: i64,
}

/// The statuses that hold a booking's slots.
pub const HOLDING: [&str; 2] = ["booked", "in_progress"];

impl TestDrive {
    pub fn list(conn: &mut DbConn, org_id: &str, f: &TestDriveFilter) -> QueryResult<Vec<Self>> {
        use test_drives as t;
        let mut q = t::table
            .filter(t::org_id.eq(org_id))
            .select(Self::as_select())
            .into_boxed();
        if let Some(v) = &f.vehicle_id {
            q = q.filter(t::vehicle_id.eq(v.clone()));
        }
        if let Some(c) = &f.consultant_id {
            q = q.filter(t::consultant_id.eq(c.clone()));
        }
        if let Some(c) = &f.customer_id {
            q = q.filter(t::customer_id.eq(c.clone()));
        }
        if let Some(s) = &f.store_id {
            q = q.filter(t::store_id.eq(s.clone()));
        }
        // Bookings that overlap `[from, to)`.
        if let Some(from) = f.from {
            q = q.filter(t::ends_at.gt(from));
        }
        if let Some(to) = f.to {
            q = q.filter(t::starts_at.lt(to));
        }
        if f.holding_only {
            q = q.filter(t::status.eq_any(HOLDING));
        }
        if let Some(after) = &f.after_id {
            q = q.filter(t::id.gt(after.clone()));
        }
        crate::db::first_rows(conn, q.order(t::id.asc()), f.limit)
    }

    /// Bookings holding their slots that overlap `[start, end)` for this car or this
    /// consultant.
    pub fn overlapping(
        conn: &mut DbConn,
        org_id: &str,
        vehicle_id: &str,
        consultant_id: &str,
        start: chrono::NaiveDateTime,
        end: chrono::NaiveDateTime,
    ) -> QueryResult<Vec<Self>> {
        use test_drives as t;
        t::table
            .filter(t::org_id.eq(org_id))
            .filter(
                t::vehicle_id
                    .eq(vehicle_id)
                    .or(t::consultant_id.eq(consultant_id)),
            )
            .filter(t::status.eq_any(HOLDING))
            .filter(t::starts_at.lt(end))
            .filter(t::ends_at.gt(start))
            .select(Self::as_select())
            .load(conn)
    }
}

/// One grid slot held by a booking: the primary key `(resource, resource_id, slot_start)`
/// refuses a second holder.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = test_drive_slots, treat_none_as_default_value = false)]
pub struct TestDriveSlot {
    pub resource: String,
    pub resource_id: String,
    pub slot_start: chrono::NaiveDateTime,
    pub org_id: String,
    pub test_drive_id: String,
}

impl TestDriveSlot {
    pub fn insert_all(conn: &mut DbConn, rows: &[TestDriveSlot]) -> QueryResult<()> {
        for row in rows {
            diesel::insert_into(test_drive_slots::table)
                .values(row)
                .execute(conn)?;
        }
        Ok(())
    }

    /// Frees a booking's slots.
    pub fn release(conn: &mut DbConn, test_drive_id: &str) -> QueryResult<usize> {
        diesel::delete(
            test_drive_slots::table.filter(test_drive_slots::test_drive_id.eq(test_drive_id)),
        )
        .execute(conn)
    }
}

/// A staff member's calendar feed: the hash of its secret token.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = calendar_feeds, treat_none_as_default_value = false)]
pub struct CalendarFeed {
    pub id: String,
    pub org_id: String,
    pub user_id: String,
    pub token_hash: String,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

impl CalendarFeed {
    /// Creates the user's feed or replaces its token (the old URL stops working).
    pub fn put(conn: &mut DbConn, feed: &CalendarFeed) -> QueryResult<()> {
        let n =
            diesel::update(calendar_feeds::table.filter(calendar_feeds::user_id.eq(&feed.user_id)))
                .set((
                    calendar_feeds::token_hash.eq(&feed.token_hash),
                    calendar_feeds::updated_at.eq(feed.updated_at),
                ))
                .execute(conn)?;
        if n == 0 {
            diesel::insert_into(calendar_feeds::table)
                .values(feed)
                .execute(conn)?;
        }
        Ok(())
    }

    pub fn revoke(conn: &mut DbConn, org_id: &str, user_id: &str) -> QueryResult<usize> {
        diesel::delete(
            calendar_feeds::table
                .filter(calendar_feeds::org_id.eq(org_id))
                .filter(calendar_feeds::user_id.eq(user_id)),
        )
        .execute(conn)
    }

    /// The feed with this token hash, in any organisation (the token is the credential).
    pub fn by_hash(conn: &mut DbConn, token_hash: &str) -> QueryResult<Option<Self>> {
        calendar_feeds::table
            .filter(calendar_feeds::token_hash.eq(token_hash))
            .select(Self::as_select())
            .first(conn)
            .optional()
    }
}
