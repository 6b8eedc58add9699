//! Consultants' weekly shift patterns and on-duty switches (routing picks among those on
//! shift).

use diesel::prelude::*;

use crate::DbConn;
use crate::schema::user_shifts;

/// `pattern` is the domain's `ShiftPattern` as JSON. A user without a row is on duty around
/// the clock.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = user_shifts, treat_none_as_default_value = false)]
pub struct UserShift {
    pub user_id: String,
    pub org_id: String,
    pub pattern: String,
    pub on_duty: bool,
    pub version: i64,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

/// A user routing may pick, as one statement reads them: whether active, their shift (none:
/// on duty around the clock) and their stored notification channels (what notifying them of
/// the lead needs).
#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct RoutingMember {
    pub user_id: String,
    pub active: bool,
    pub pattern: Option<String>,
    pub on_duty: Option<bool>,
    pub channels: Option<String>,
}

impl RoutingMember {
    /// These users of the organisation (unknown ids are left out).
    pub fn of_users(conn: &mut DbConn, org_id: &str, ids: &[String]) -> QueryResult<Vec<Self>> {
        use crate::schema::{notification_preferences as prefs, users};
        users::table
            .left_join(user_shifts::table.on(user_shifts::user_id.eq(users::id)))
            .left_join(
                prefs::table.on(prefs::user_id
                    .eq(users::id)
                    .and(prefs::org_id.eq(users::org_id))),
            )
            .filter(users::org_id.eq(org_id))
            .filter(users::id.eq_any(ids))
            .select((
                users::id,
                users::active,
                user_shifts::pattern.nullable(),
                user_shifts::on_duty.nullable(),
                prefs::channels.nullable(),
            ))
            .load(conn)
    }
}

impl UserShift {
    pub fn find(conn: &mut DbConn, org_id: &str, user_id: &str) -> QueryResult<Option<Self>> {
        user_shifts::table
            .filter(user_shifts::org_id.eq(org_id))
            .filter(user_shifts::user_id.eq(user_id))
            .select(Self::as_select())
            .first(conn)
            .optional()
    }

    pub fn of_users(conn: &mut DbConn, org_id: &str, users: &[String]) -> QueryResult<Vec<Self>> {
        user_shifts::table
            .filter(user_shifts::org_id.eq(org_id))
            .filter(user_shifts::user_id.eq_any(users))
            .select(Self::as_select())
            .load(conn)
    }

    /// Inserts the row or replaces pattern and switch.
    pub fn upsert(&self, conn: &mut DbConn) -> QueryResult<()> {
        crate::on_backend!(conn, |c| diesel::insert_into(user_shifts::table)
            .values(self)
            .on_conflict(user_shifts::user_id)
            .do_update()
            .set((
                user_shifts::pattern.eq(&self.pattern),
                user_shifts::on_duty.eq(self.on_duty),
                user_shifts::version.eq(user_shifts::version + 1),
                user_shifts::updated_at.eq(self.updated_at),
            ))
            .execute(c))
        .map(drop)
    }
}
