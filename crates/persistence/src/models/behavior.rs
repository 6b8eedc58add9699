//! Behaviour events posted by apps and mini-programs, and the devices known to belong to a
//! customer.

use diesel::prelude::*;

use super::timeline::{TimelineBefore, before};
use crate::DbConn;
use crate::schema::{behavior_events, device_links};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = behavior_events, treat_none_as_default_value = false)]
pub struct BehaviorEventRow {
    pub id: String,
    pub org_id: String,
    /// Known when the event named its customer, or its device is linked to one (events of
    /// a device linked later are attached then).
    pub customer_id: Option<String>,
    pub device_id: Option<String>,
    /// `autocrm_domain::customer::BehaviorEventType`.
    pub event_type: String,
    pub occurred_at: chrono::NaiveDateTime,
    /// The organisation's local date of `occurred_at`, `YYYY-MM-DD`.
    pub local_date: String,
    /// JSON array of `{brand, model}`.
    pub models: String,
    /// The page of a `page_viewed` event (an app route or URL path).
    pub page: Option<String>,
    /// Who posted it: the API client's or the user's id.
    pub posted_by: String,
    pub created_at: chrono::NaiveDateTime,
}

super::record::tenant_record!(BehaviorEventRow, behavior_events);

impl BehaviorEventRow {
    /// A customer's events, newest first, before a timeline position.
    pub fn for_customer(
        conn: &mut DbConn,
        org_id: &str,
        customer_id: &str,
        before: Option<&TimelineBefore>,
        limit: i64,
    ) -> QueryResult<Vec<Self>> {
        use behavior_events as e;
        let query = e::table
            .filter(e::org_id.eq(org_id))
            .filter(e::customer_id.eq(customer_id))
            .select(Self::as_select())
            .into_boxed();
        before!(query, before, e::occurred_at, e::id)
            .limit(limit)
            .load(conn)
    }

    /// The events of these customers since `since`, newest first (batch intake's scoring).
    pub fn for_customers_since(
        conn: &mut DbConn,
        org_id: &str,
        customer_ids: &[String],
        since: chrono::NaiveDateTime,
    ) -> QueryResult<Vec<Self>> {
        use behavior_events as e;
        if customer_ids.is_empty() {
            return Ok(Vec::new());
        }
        e::table
            .filter(e::org_id.eq(org_id))
            .filter(e::customer_id.eq_any(customer_ids))
            .filter(e::occurred_at.ge(since))
            .order((e::occurred_at.desc(), e::id.desc()))
            .select(Self::as_select())
            .load(conn)
    }

    /// Every event of a customer: what the behaviour summary reads.
    pub fn all_for_customer(
        conn: &mut DbConn,
        org_id: &str,
        customer_id: &str,
    ) -> QueryResult<Vec<Self>> {
        use behavior_events as e;
        e::table
            .filter(e::org_id.eq(org_id))
            .filter(e::customer_id.eq(customer_id))
            .select(Self::as_select())
            .load(conn)
    }

    /// Attaches a device's events that had no customer yet; returns how many.
    pub fn attach_device(
        conn: &mut DbConn,
        org_id: &str,
        device_id: &str,
        customer_id: &str,
    ) -> QueryResult<usize> {
        use behavior_events as e;
        diesel::update(
            e::table
                .filter(e::org_id.eq(org_id))
                .filter(e::device_id.eq(device_id))
                .filter(e::customer_id.is_null()),
        )
        .set(e::customer_id.eq(customer_id))
        .execute(conn)
    }
}

/// A device (an app install, a mini-program's openid-scoped device id) known to belong to
/// one customer.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = device_links, treat_none_as_default_value = false)]
pub struct DeviceLink {
    pub id: String,
    pub org_id: String,
    pub device_id: String,
    pub customer_id: String,
    pub linked_at: chrono::NaiveDateTime,
}

super::record::tenant_record!(DeviceLink, device_links);

impl DeviceLink {
    pub fn find_device(
        conn: &mut DbConn,
        org_id: &str,
        device_id: &str,
    ) -> QueryResult<Option<Self>> {
        device_links::table
            .filter(device_links::org_id.eq(org_id))
            .filter(device_links::device_id.eq(device_id))
            .select(Self::as_select())
            .get_result(conn)
            .optional()
    }
}
