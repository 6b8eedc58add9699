//! Showroom traffic (展厅客流登记) and store-visit invitations (邀约到店), issue 10 item 8.

use diesel::prelude::*;

use crate::DbConn;
use crate::schema::{showroom_visits, store_visit_invitations};

/// One walk-in. `kind` is the domain's `VisitKind`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = showroom_visits, treat_none_as_default_value = false, treat_none_as_null = true)]
pub struct ShowroomVisit {
    pub id: String,
    pub org_id: String,
    pub store_id: Option<String>,
    pub customer_id: String,
    pub lead_id: Option<String>,
    pub consultant_id: Option<String>,
    pub arrived_at: chrono::NaiveDateTime,
    pub departed_at: Option<chrono::NaiveDateTime>,
    pub party_size: i32,
    pub kind: String,
    pub invitation_id: Option<String>,
    pub note: Option<String>,
    pub registered_by: String,
    pub version: i64,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

super::record::versioned_record!(ShowroomVisit, showroom_visits);

/// One invitation to the store. `status` is the domain's `InvitationStatus`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = store_visit_invitations, treat_none_as_default_value = false, treat_none_as_null = true)]
pub struct StoreVisitInvitation {
    pub id: String,
    pub org_id: String,
    pub store_id: Option<String>,
    pub customer_id: String,
    pub lead_id: Option<String>,
    pub consultant_id: String,
    pub appointment_at: chrono::NaiveDateTime,
    pub status: String,
    pub note: Option<String>,
    pub visit_id: Option<String>,
    pub rescheduled_from_id: Option<String>,
    pub rescheduled_to_id: Option<String>,
    pub outcome_at: Option<chrono::NaiveDateTime>,
    pub outcome_by: Option<String>,
    pub created_by: String,
    pub version: i64,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

super::record::versioned_record!(StoreVisitInvitation, store_visit_invitations);

/// Which visits or invitations a list (or the statistics) reads: the caller's scope and
/// the query's filters. `from`/`to` bound the arrival (visits) or the appointment
/// (invitations), `[from, to)`.
#[derive(Debug, Default, Clone)]
pub struct ShowroomFilter {
    pub store_id: Option<String>,
    pub consultant_id: Option<String>,
    pub customer_id: Option<String>,
    pub status: Option<String>,
    pub from: Option<chrono::NaiveDateTime>,
    pub to: Option<chrono::NaiveDateTime>,
    pub after_id: Option<String>,
    pub limit: i64,
}

macro_rules! filtered {
    ($table:ident, $at:ident, $f:expr, $model:ty) => {{
        use $table as t;
        let f = $f;
        let mut q = t::table
            .filter(t::org_id.eq(f.org_id))
            .select(<$model>::as_select())
            .into_boxed();
        if let Some(s) = &f.filter.store_id {
            q = q.filter(t::store_id.eq(s.clone()));
        }
        if let Some(c) = &f.filter.consultant_id {
            q = q.filter(t::consultant_id.eq(c.clone()));
        }
        if let Some(c) = &f.filter.customer_id {
            q = q.filter(t::customer_id.eq(c.clone()));
        }
        if let Some(from) = f.filter.from {
            q = q.filter(t::$at.ge(from));
        }
        if let Some(to) = f.filter.to {
            q = q.filter(t::$at.lt(to));
        }
        q
    }};
}

struct Scoped<'a> {
    org_id: &'a str,
    filter: &'a ShowroomFilter,
}

impl ShowroomVisit {
    /// A page of visits, by id.
    pub fn list(conn: &mut DbConn, org_id: &str, f: &ShowroomFilter) -> QueryResult<Vec<Self>> {
        let mut q = filtered!(
            showroom_visits,
            arrived_at,
            Scoped { org_id, filter: f },
            Self
        );
        if let Some(after) = &f.after_id {
            q = q.filter(showroom_visits::id.gt(after.clone()));
        }
        crate::db::first_rows(conn, q.order(showroom_visits::id.asc()), f.limit)
    }

    /// The kinds (`first_visit`, `repeat_visit`) of every visit under the filter (no
    /// paging: for counting).
    pub fn kinds(conn: &mut DbConn, org_id: &str, f: &ShowroomFilter) -> QueryResult<Vec<String>> {
        use showroom_visits as t;
        let mut q = t::table
            .filter(t::org_id.eq(org_id))
            .select(t::kind)
            .into_boxed();
        if let Some(s) = &f.store_id {
            q = q.filter(t::store_id.eq(s.clone()));
        }
        if let Some(c) = &f.consultant_id {
            q = q.filter(t::consultant_id.eq(c.clone()));
        }
        if let Some(from) = f.from {
            q = q.filter(t::arrived_at.ge(from));
        }
        if let Some(to) = f.to {
            q = q.filter(t::arrived_at.lt(to));
        }
        q.load(conn)
    }

    /// How many visits of the customer were registered before (any store).
    pub fn count_of_customer(
        conn: &mut DbConn,
        org_id: &str,
        customer_id: &str,
    ) -> QueryResult<i64> {
        showroom_visits::table
            .filter(showroom_visits::org_id.eq(org_id))
            .filter(showroom_visits::customer_id.eq(customer_id))
            .count()
            .get_result(conn)
    }
}

impl StoreVisitInvitation {
    /// Invitations of every organisation still scheduled for before `before`, oldest
    /// appointment first: (org_id, id). For the job that settles no-shows.
    pub fn scheduled_before(
        conn: &mut DbConn,
        before: chrono::NaiveDateTime,
        limit: i64,
    ) -> QueryResult<Vec<(String, String)>> {
        use store_visit_invitations as t;
        t::table
            .filter(t::status.eq("scheduled"))
            .filter(t::appointment_at.lt(before))
            .order((t::appointment_at.asc(), t::id.asc()))
            .select((t::org_id, t::id))
            .limit(limit)
            .load(conn)
    }

    /// A page of invitations, by id.
    pub fn list(conn: &mut DbConn, org_id: &str, f: &ShowroomFilter) -> QueryResult<Vec<Self>> {
        let mut q = filtered!(
            store_visit_invitations,
            appointment_at,
            Scoped { org_id, filter: f },
            Self
        );
        if let Some(s) = &f.status {
            q = q.filter(store_visit_invitations::status.eq(s.clone()));
        }
        if let Some(after) = &f.after_id {
            q = q.filter(store_visit_invitations::id.gt(after.clone()));
        }
        crate::db::first_rows(conn, q.order(store_visit_invitations::id.asc()), f.limit)
    }

    /// The statuses of every invitation under the filter (no paging: for counting).
    pub fn statuses(
        conn: &mut DbConn,
        org_id: &str,
        f: &ShowroomFilter,
    ) -> QueryResult<Vec<String>> {
        use store_visit_invitations as t;
        let mut q = t::table
            .filter(t::org_id.eq(org_id))
            .select(t::status)
            .into_boxed();
        if let Some(s) = &f.store_id {
            q = q.filter(t::store_id.eq(s.clone()));
        }
        if let Some(c) = &f.consultant_id {
            q = q.filter(t::consultant_id.eq(c.clone()));
        }
        if let Some(from) = f.from {
            q = q.filter(t::appointment_at.ge(from));
        }
        if let Some(to) = f.to {
            q = q.filter(t::appointment_at.lt(to));
        }
        q.load(conn)
    }

    /// The customer's invitations still waiting for their appointment, oldest first.
    pub fn scheduled_of_customer(
        conn: &mut DbConn,
        org_id: &str,
        customer_id: &str,
    ) -> QueryResult<Vec<Self>> {
        use store_visit_invitations as t;
        t::table
            .filter(t::org_id.eq(org_id))
            .filter(t::customer_id.eq(customer_id))
            .filter(t::status.eq("scheduled"))
            .order((t::appointment_at.asc(), t::id.asc()))
            .select(Self::as_select())
            .load(conn)
    }
}
