//! The keyset position of a customer's timeline, shared by every source it merges: newest
//! first, by time and then by id.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::DbConn;
use crate::schema::audit_log;

use super::AuditEntry;

/// A timeline position: entries strictly before it (older, or as old with a smaller id)
/// come next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineBefore {
    pub at: NaiveDateTime,
    pub id: String,
}

/// Narrows a boxed query to the rows before `$before` on (`$at`, `$id`), newest first.
macro_rules! before {
    ($query:expr, $before:expr, $at:expr, $id:expr) => {{
        let mut query = $query;
        if let Some(b) = $before {
            query = query.filter($at.lt(b.at).or($at.eq(b.at).and($id.lt(b.id.clone()))));
        }
        query.order(($at.desc(), $id.desc()))
    }};
}
pub(crate) use before;

/// What the audit log says changed on the customer record itself (created, updated,
/// archived), newest first: reveals are reads, not changes, and stay out.
pub fn customer_changes(
    conn: &mut DbConn,
    org_id: &str,
    customer_id: &str,
    before: Option<&TimelineBefore>,
    limit: i64,
) -> QueryResult<Vec<AuditEntry>> {
    let query = audit_log::table
        .filter(audit_log::org_id.eq(org_id))
        .filter(audit_log::entity_type.eq("customer"))
        .filter(audit_log::entity_id.eq(customer_id))
        .filter(audit_log::action.ne("customer.pii_revealed"))
        .select(AuditEntry::as_select())
        .into_boxed();
    before!(query, before, audit_log::created_at, audit_log::id)
        .limit(limit)
        .load(conn)
}
