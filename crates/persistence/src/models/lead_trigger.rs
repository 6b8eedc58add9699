//! Behaviour trigger firings (issue 10 item 7): one row per window of a rule that fired for
//! a customer; the unique `(org_id, customer_id, window_key)` lets one evaluation through
//! when several race over the same events.

use diesel::prelude::*;

use crate::DbConn;
use crate::schema::lead_trigger_firings;

/// One firing: the rule, the lead whose owner got the task, the window it covered.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = lead_trigger_firings, treat_none_as_default_value = false)]
pub struct LeadTriggerFiring {
    pub id: String,
    pub org_id: String,
    pub rule_key: String,
    pub rule_name: String,
    pub lead_id: String,
    pub customer_id: String,
    pub subject: Option<String>,
    /// The domain's `WindowKey` as text.
    pub window_key: String,
    pub window_start: chrono::NaiveDateTime,
    /// Events up to here are spent.
    pub covered_until: chrono::NaiveDateTime,
    pub event_count: i32,
    pub day_count: i32,
    pub task_id: Option<String>,
    pub fired_at: chrono::NaiveDateTime,
}

super::record::tenant_record!(LeadTriggerFiring, lead_trigger_firings);

impl LeadTriggerFiring {
    /// Inserts the firing unless its window fired already (also when another transaction
    /// inserted it concurrently): answers whether this one was written.
    pub fn insert_unless_fired(&self, conn: &mut DbConn) -> QueryResult<bool> {
        crate::on_backend!(conn, |c| diesel::insert_into(lead_trigger_firings::table)
            .values(self)
            .on_conflict_do_nothing()
            .execute(c))
        .map(|n| n == 1)
    }

    /// A customer's firings whose windows reach past `since` (older ones spend no event
    /// that a rule still counts).
    pub fn of_customer_since(
        conn: &mut DbConn,
        org_id: &str,
        customer_id: &str,
        since: chrono::NaiveDateTime,
    ) -> QueryResult<Vec<Self>> {
        use lead_trigger_firings as f;
        f::table
            .filter(f::org_id.eq(org_id))
            .filter(f::customer_id.eq(customer_id))
            .filter(f::covered_until.ge(since))
            .select(Self::as_select())
            .load(conn)
    }

    /// A lead's firings, newest first (one more than `limit` rows, if any, after `before_id`
    /// in that order).
    pub fn of_lead(
        conn: &mut DbConn,
        org_id: &str,
        lead_id: &str,
        after_id: Option<&str>,
        limit: i64,
    ) -> QueryResult<Vec<Self>> {
        use lead_trigger_firings as f;
        let mut q = f::table
            .filter(f::org_id.eq(org_id))
            .filter(f::lead_id.eq(lead_id))
            .select(Self::as_select())
            .into_boxed();
        if let Some(after) = after_id {
            q = q.filter(f::id.gt(after.to_owned()));
        }
        crate::db::first_rows(conn, q.order(f::id.asc()), limit)
    }
}
