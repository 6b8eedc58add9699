//! Timeline activities: what staff did with a customer (calls, visits, test drives, notes).

use diesel::prelude::*;

use super::timeline::{TimelineBefore, before};
use crate::DbConn;
use crate::schema::customer_activities;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = customer_activities, treat_none_as_default_value = false)]
pub struct Activity {
    pub id: String,
    pub org_id: String,
    pub customer_id: String,
    /// `autocrm_domain::customer::ActivityKind`.
    pub kind: String,
    /// `autocrm_domain::customer::ActivityOutcome`.
    pub outcome: Option<String>,
    pub occurred_at: chrono::NaiveDateTime,
    pub next_follow_up_at: Option<chrono::NaiveDateTime>,
    /// Free text (personal data: never in events).
    pub content: Option<String>,
    /// JSON array of the ids of the customer's attachments this activity refers to.
    pub attachment_ids: String,
    pub created_by: String,
    pub created_at: chrono::NaiveDateTime,
}

super::record::tenant_record!(Activity, customer_activities);

impl Activity {
    /// Inserts many activities in multi-row statements (bulk seeding).
    pub fn insert_many(conn: &mut DbConn, rows: &[Self]) -> QueryResult<usize> {
        crate::insert_batch!(conn, customer_activities::table, rows)
    }

    /// The ids of the attachments it refers to.
    pub fn attachments(&self) -> Vec<String> {
        serde_json::from_str(&self.attachment_ids).unwrap_or_default()
    }

    /// The activities of these customers since `since`, newest first (batch intake's scoring).
    pub fn for_customers_since(
        conn: &mut DbConn,
        org_id: &str,
        customer_ids: &[String],
        since: chrono::NaiveDateTime,
    ) -> QueryResult<Vec<Self>> {
        use customer_activities as a;
        if customer_ids.is_empty() {
            return Ok(Vec::new());
        }
        a::table
            .filter(a::org_id.eq(org_id))
            .filter(a::customer_id.eq_any(customer_ids))
            .filter(a::occurred_at.ge(since))
            .order((a::occurred_at.desc(), a::id.desc()))
            .select(Self::as_select())
            .load(conn)
    }

    /// A customer's activities, newest first, before a timeline position.
    pub fn for_customer(
        conn: &mut DbConn,
        org_id: &str,
        customer_id: &str,
        before: Option<&TimelineBefore>,
        limit: i64,
    ) -> QueryResult<Vec<Self>> {
        use customer_activities as a;
        let query = a::table
            .filter(a::org_id.eq(org_id))
            .filter(a::customer_id.eq(customer_id))
            .select(Self::as_select())
            .into_boxed();
        before!(query, before, a::occurred_at, a::id)
            .limit(limit)
            .load(conn)
    }

    /// (kind, outcome) of every activity of a customer: what tag rules count.
    pub fn kinds_and_outcomes(
        conn: &mut DbConn,
        org_id: &str,
        customer_id: &str,
    ) -> QueryResult<Vec<(String, Option<String>)>> {
        use customer_activities as a;
        a::table
            .filter(a::org_id.eq(org_id))
            .filter(a::customer_id.eq(customer_id))
            .select((a::kind, a::outcome))
            .load(conn)
    }

    /// How many activities of each kind a customer has, by kind.
    pub fn count_by_kind(
        conn: &mut DbConn,
        org_id: &str,
        customer_id: &str,
    ) -> QueryResult<Vec<(String, i64)>> {
        use customer_activities as a;
        a::table
            .filter(a::org_id.eq(org_id))
            .filter(a::customer_id.eq(customer_id))
            .group_by(a::kind)
            .select((a::kind, diesel::dsl::count_star()))
            .order(a::kind.asc())
            .load(conn)
    }

    /// The follow-up time named by a customer's most recent activity that named one.
    pub fn latest_follow_up(
        conn: &mut DbConn,
        org_id: &str,
        customer_id: &str,
    ) -> QueryResult<Option<chrono::NaiveDateTime>> {
        use customer_activities as a;
        a::table
            .filter(a::org_id.eq(org_id))
            .filter(a::customer_id.eq(customer_id))
            .filter(a::next_follow_up_at.is_not_null())
            .order((a::occurred_at.desc(), a::id.desc()))
            .select(a::next_follow_up_at)
            .first::<Option<chrono::NaiveDateTime>>(conn)
            .optional()
            .map(Option::flatten)
    }
}
