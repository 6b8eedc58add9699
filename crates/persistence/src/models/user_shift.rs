//! Consultants' weekly shift patterns and on-duty switches (routing picks among those on
//! shift).

use diesel::prelude::*;

use crate::DbConn;
use crate::schema::user_shifts;

/// `pattern` is the domain's `ShiftPattern` as JSON. A user without a row is on duty around
/// the clock.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = user_shifts)]
pub struct UserShift {
    pub user_id: String,
    pub org_id: String,
    pub pattern: String,
    pub on_duty: bool,
    pub version: i64,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
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
