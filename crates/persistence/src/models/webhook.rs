use diesel::prelude::*;

use crate::DbConn;
use crate::schema::webhook_subscriptions;

/// A webhook subscription of an organisation. The secrets are PII-cipher ciphertext.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = webhook_subscriptions, treat_none_as_default_value = false, treat_none_as_null = true)]
pub struct WebhookSubscription {
    pub id: String,
    pub org_id: String,
    pub url: String,
    /// JSON array; empty: every event type.
    pub event_types: String,
    pub description: Option<String>,
    pub active: bool,
    pub secret_ciphertext: String,
    pub previous_secret_ciphertext: Option<String>,
    pub previous_secret_until: Option<chrono::NaiveDateTime>,
    pub disabled_reason: Option<String>,
    pub version: i64,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

super::record::versioned_record!(WebhookSubscription, webhook_subscriptions);

impl WebhookSubscription {
    /// The event types it wants; empty: all.
    pub fn types(&self) -> Vec<String> {
        serde_json::from_str(&self.event_types).unwrap_or_default()
    }

    pub fn wants(&self, event_type: &str) -> bool {
        let types = self.types();
        types.is_empty() || types.iter().any(|t| t == event_type)
    }

    /// A page of the organisation's subscriptions, oldest first.
    pub fn list(
        conn: &mut DbConn,
        org_id: &str,
        after_id: Option<&str>,
        limit: i64,
    ) -> QueryResult<Vec<Self>> {
        let mut query = webhook_subscriptions::table
            .filter(webhook_subscriptions::org_id.eq(org_id))
            .select(Self::as_select())
            .into_boxed();
        if let Some(after) = after_id {
            query = query.filter(webhook_subscriptions::id.gt(after.to_owned()));
        }
        crate::db::first_rows(conn, query.order(webhook_subscriptions::id.asc()), limit)
    }

    /// Every active subscription of the organisation.
    pub fn active_of(conn: &mut DbConn, org_id: &str) -> QueryResult<Vec<Self>> {
        webhook_subscriptions::table
            .filter(webhook_subscriptions::org_id.eq(org_id))
            .filter(webhook_subscriptions::active.eq(true))
            .order(webhook_subscriptions::id.asc())
            .select(Self::as_select())
            .load(conn)
    }

    /// Any subscription by id (the delivery job, which acts for no caller).
    pub fn find_any(conn: &mut DbConn, id: &str) -> QueryResult<Option<Self>> {
        webhook_subscriptions::table
            .find(id)
            .select(Self::as_select())
            .get_result(conn)
            .optional()
    }

    pub fn delete(conn: &mut DbConn, org_id: &str, id: &str) -> QueryResult<bool> {
        diesel::delete(
            webhook_subscriptions::table
                .filter(webhook_subscriptions::org_id.eq(org_id))
                .filter(webhook_subscriptions::id.eq(id)),
        )
        .execute(conn)
        .map(|n| n == 1)
    }

    /// Turns a subscription off on the receiver's word (410 Gone).
    pub fn disable(
        conn: &mut DbConn,
        id: &str,
        reason: &str,
        now: chrono::NaiveDateTime,
    ) -> QueryResult<bool> {
        diesel::update(webhook_subscriptions::table.filter(webhook_subscriptions::id.eq(id)))
            .set((
                webhook_subscriptions::active.eq(false),
                webhook_subscriptions::disabled_reason.eq(Some(reason)),
                webhook_subscriptions::version.eq(webhook_subscriptions::version + 1),
                webhook_subscriptions::updated_at.eq(now),
            ))
            .execute(conn)
            .map(|n| n == 1)
    }
}
