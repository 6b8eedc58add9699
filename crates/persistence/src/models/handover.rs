//! Handovers (离职交接, issue 10 item 12): the record of each run, and what a user holds that
//! a handover moves.

use diesel::prelude::*;

use crate::DbConn;
use crate::schema::handovers;

/// One handover that wrote. `targets` is JSON (each colleague, their share and what they
/// received), `counts` JSON (the totals per kind).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = handovers, treat_none_as_default_value = false)]
pub struct Handover {
    pub id: String,
    pub org_id: String,
    pub from_user_id: String,
    pub reason: String,
    pub targets: String,
    pub counts: String,
    pub created_by: String,
    pub created_at: chrono::NaiveDateTime,
}

super::record::tenant_record!(Handover, handovers);

/// Which handovers a list shows, oldest first (by id).
#[derive(Debug, Default, Clone)]
pub struct HandoverFilter {
    pub from_user_id: Option<String>,
    /// Only handovers whose source user is of this store (a sales manager's list).
    pub from_store_id: Option<String>,
    pub after_id: Option<String>,
    pub limit: i64,
}

impl Handover {
    pub fn list(conn: &mut DbConn, org_id: &str, f: &HandoverFilter) -> QueryResult<Vec<Self>> {
        use crate::schema::users;
        use handovers as h;
        let mut q = h::table
            .filter(h::org_id.eq(org_id))
            .select(Self::as_select())
            .into_boxed();
        if let Some(u) = &f.from_user_id {
            q = q.filter(h::from_user_id.eq(u.clone()));
        }
        if let Some(s) = &f.from_store_id {
            q = q.filter(
                h::from_user_id.eq_any(
                    users::table
                        .filter(users::org_id.eq(org_id.to_owned()))
                        .filter(users::store_id.eq(s.clone()))
                        .select(users::id),
                ),
            );
        }
        if let Some(after) = &f.after_id {
            q = q.filter(h::id.gt(after.clone()));
        }
        crate::db::first_rows(conn, q.order(h::id.asc()), f.limit)
    }
}

/// What a user holds that a handover moves, each oldest first (by id).
pub mod owned {
    use diesel::prelude::*;

    use crate::DbConn;
    use crate::models::{Customer, Deal, Lead, StoreVisitInvitation, Task, TestDrive};
    use crate::schema::{
        customers, deals, leads, store_visit_invitations, tasks, test_drive_slots, test_drives,
    };

    /// Customers the user owns that still change (active or archived; not merged, not
    /// erased).
    pub fn customers(conn: &mut DbConn, org_id: &str, user_id: &str) -> QueryResult<Vec<Customer>> {
        customers::table
            .filter(customers::org_id.eq(org_id))
            .filter(customers::owner_id.eq(user_id))
            .filter(customers::status.eq_any(["active", "archived"]))
            .select(Customer::as_select())
            .order(customers::id.asc())
            .load(conn)
    }

    /// The user's open leads (`new`, `contacted`, `qualified`).
    pub fn open_leads(conn: &mut DbConn, org_id: &str, user_id: &str) -> QueryResult<Vec<Lead>> {
        leads::table
            .filter(leads::org_id.eq(org_id))
            .filter(leads::owner_id.eq(user_id))
            .filter(leads::status.eq_any(["new", "contacted", "qualified"]))
            .select(Lead::as_select())
            .order(leads::id.asc())
            .load(conn)
    }

    /// The user's open tasks.
    pub fn open_tasks(conn: &mut DbConn, org_id: &str, user_id: &str) -> QueryResult<Vec<Task>> {
        tasks::table
            .filter(tasks::org_id.eq(org_id))
            .filter(tasks::owner_id.eq(user_id))
            .filter(tasks::status.eq(Task::OPEN))
            .select(Task::as_select())
            .order(tasks::id.asc())
            .load(conn)
    }

    /// The user's open deals (not yet won or lost).
    pub fn open_deals(conn: &mut DbConn, org_id: &str, user_id: &str) -> QueryResult<Vec<Deal>> {
        deals::table
            .filter(deals::org_id.eq(org_id))
            .filter(deals::owner_id.eq(user_id))
            .filter(deals::closed_at.is_null())
            .select(Deal::as_select())
            .order(deals::id.asc())
            .load(conn)
    }

    /// The user's booked test drives that start after `now`.
    pub fn future_test_drives(
        conn: &mut DbConn,
        org_id: &str,
        user_id: &str,
        now: chrono::NaiveDateTime,
    ) -> QueryResult<Vec<TestDrive>> {
        test_drives::table
            .filter(test_drives::org_id.eq(org_id))
            .filter(test_drives::consultant_id.eq(user_id))
            .filter(test_drives::status.eq("booked"))
            .filter(test_drives::starts_at.gt(now))
            .select(TestDrive::as_select())
            .order(test_drives::id.asc())
            .load(conn)
    }

    /// The store-visit invitations the user made that still wait for their outcome
    /// (`scheduled`, past appointments included: someone must still settle them).
    pub fn scheduled_invitations(
        conn: &mut DbConn,
        org_id: &str,
        user_id: &str,
    ) -> QueryResult<Vec<StoreVisitInvitation>> {
        store_visit_invitations::table
            .filter(store_visit_invitations::org_id.eq(org_id))
            .filter(store_visit_invitations::consultant_id.eq(user_id))
            .filter(store_visit_invitations::status.eq("scheduled"))
            .select(StoreVisitInvitation::as_select())
            .order(store_visit_invitations::id.asc())
            .load(conn)
    }

    /// Gives the consultant slots a booking holds to another consultant (the slots'
    /// primary key refuses one that is taken).
    pub fn move_consultant_slots(
        conn: &mut DbConn,
        test_drive_id: &str,
        to: &str,
    ) -> QueryResult<usize> {
        diesel::update(
            test_drive_slots::table
                .filter(test_drive_slots::test_drive_id.eq(test_drive_id))
                .filter(test_drive_slots::resource.eq("consultant")),
        )
        .set(test_drive_slots::resource_id.eq(to))
        .execute(conn)
    }
}
