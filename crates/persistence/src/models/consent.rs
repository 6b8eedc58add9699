//! Consent records (PIPL): grants and withdrawals, only ever added.

use diesel::prelude::*;

use super::timeline::{TimelineBefore, before};
use crate::DbConn;
use crate::schema::{consent_records, customers};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = consent_records, treat_none_as_default_value = false)]
pub struct ConsentRow {
    pub id: String,
    pub org_id: String,
    pub customer_id: String,
    pub purpose: String,
    pub action: String,
    pub channel: String,
    pub method: String,
    /// When the customer made the choice.
    pub given_at: chrono::NaiveDateTime,
    pub text_version: Option<String>,
    pub recorded_by: String,
    pub created_at: chrono::NaiveDateTime,
}

super::record::tenant_record!(ConsentRow, consent_records);

impl ConsentRow {
    /// A customer's consent records, newest first, before a timeline position.
    pub fn for_customer(
        conn: &mut DbConn,
        org_id: &str,
        customer_id: &str,
        before: Option<&TimelineBefore>,
        limit: i64,
    ) -> QueryResult<Vec<Self>> {
        use consent_records as r;
        let query = r::table
            .filter(r::org_id.eq(org_id))
            .filter(r::customer_id.eq(customer_id))
            .select(Self::as_select())
            .into_boxed();
        before!(query, before, r::given_at, r::id)
            .limit(limit)
            .load(conn)
    }

    /// Every record of a customer, in any order: what the consent checks read.
    pub fn all_for_customer(
        conn: &mut DbConn,
        org_id: &str,
        customer_id: &str,
    ) -> QueryResult<Vec<Self>> {
        use consent_records as r;
        r::table
            .filter(r::org_id.eq(org_id))
            .filter(r::customer_id.eq(customer_id))
            .order(r::id.asc())
            .select(Self::as_select())
            .load(conn)
    }

    /// Sets the customer's derived `marketing_consent` cache (and bumps its version, as
    /// every change of the row does).
    pub fn set_marketing_flag(
        conn: &mut DbConn,
        org_id: &str,
        customer_id: &str,
        allowed: bool,
        at: chrono::NaiveDateTime,
    ) -> QueryResult<()> {
        diesel::update(
            customers::table
                .filter(customers::org_id.eq(org_id))
                .filter(customers::id.eq(customer_id))
                .filter(customers::marketing_consent.ne(allowed)),
        )
        .set((
            customers::marketing_consent.eq(allowed),
            customers::version.eq(customers::version + 1),
            customers::updated_at.eq(at),
        ))
        .execute(conn)
        .map(drop)
    }
}
