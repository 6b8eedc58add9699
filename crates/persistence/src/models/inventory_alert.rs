//! Inventory alert rules (库存预警 / 库龄预警) and the alerts they open.

use diesel::prelude::*;

use crate::DbConn;
use crate::schema::{inventory_alert_rules, inventory_alerts, vehicles};

/// A rule: `low_stock` fires while fewer than `threshold` cars matching its keys are in
/// stock; `aging` fires for each car over `threshold` days in stock (of its store/brand).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = inventory_alert_rules, treat_none_as_default_value = false, treat_none_as_null = true)]
pub struct AlertRule {
    pub id: String,
    pub org_id: String,
    pub name: String,
    /// `autocrm_domain::vehicle::alerts::AlertKind`.
    pub kind: String,
    pub threshold: i64,
    pub brand: Option<String>,
    /// `catalog::brand_key` of `brand`: what the rule matches cars on.
    pub brand_key: Option<String>,
    pub model: Option<String>,
    pub model_key: Option<String>,
    pub body_type: Option<String>,
    pub store_id: Option<String>,
    /// JSON array of role names.
    pub notify_roles: String,
    pub active: bool,
    pub version: i64,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

super::record::versioned_record!(AlertRule, inventory_alert_rules);

/// Statuses in which a car counts as in stock.
pub const IN_STOCK: [&str; 2] = ["in_stock", "reserved"];

impl AlertRule {
    /// The organisation's rules, oldest first.
    pub fn list(conn: &mut DbConn, org_id: &str) -> QueryResult<Vec<Self>> {
        use inventory_alert_rules as r;
        r::table
            .filter(r::org_id.eq(org_id))
            .order(r::id.asc())
            .select(Self::as_select())
            .load(conn)
    }

    /// The organisations with at least one rule (an inactive rule's open alerts resolve).
    pub fn orgs_with_rules(conn: &mut DbConn) -> QueryResult<Vec<String>> {
        use inventory_alert_rules as r;
        r::table.select(r::org_id).distinct().load(conn)
    }

    pub fn delete(conn: &mut DbConn, org_id: &str, id: &str) -> QueryResult<bool> {
        use inventory_alert_rules as r;
        diesel::delete(r::table.filter(r::org_id.eq(org_id)).filter(r::id.eq(id)))
            .execute(conn)
            .map(|n| n == 1)
    }

    /// How many cars in stock match the rule's brand, model, body type and store.
    pub fn count_in_stock(&self, conn: &mut DbConn) -> QueryResult<i64> {
        use vehicles as v;
        let mut query = v::table
            .filter(v::org_id.eq(&self.org_id))
            .filter(v::status.eq_any(IN_STOCK))
            .into_boxed();
        if let Some(brand) = &self.brand_key {
            query = query.filter(v::brand_key.eq(brand.clone()));
        }
        if let Some(model) = &self.model_key {
            query = query.filter(v::model_key.eq(model.clone()));
        }
        if let Some(body) = &self.body_type {
            query = query.filter(v::body_type.eq(body.clone()));
        }
        if let Some(store) = &self.store_id {
            query = query.filter(v::store_id.eq(store.clone()));
        }
        query.count().get_result(conn)
    }

    /// The cars in stock (of the rule's store and brand) that arrived on or before `since`:
    /// `(id, store_id, brand, model, stock_number, in_stock_since)`.
    #[allow(clippy::type_complexity)]
    pub fn stock_since(
        &self,
        conn: &mut DbConn,
        since: &str,
    ) -> QueryResult<
        Vec<(
            String,
            Option<String>,
            String,
            String,
            Option<String>,
            String,
        )>,
    > {
        use vehicles as v;
        let mut query = v::table
            .filter(v::org_id.eq(&self.org_id))
            .filter(v::status.eq_any(IN_STOCK))
            .filter(v::in_stock_since.le(since.to_owned()))
            .into_boxed();
        if let Some(brand) = &self.brand_key {
            query = query.filter(v::brand_key.eq(brand.clone()));
        }
        if let Some(model) = &self.model_key {
            query = query.filter(v::model_key.eq(model.clone()));
        }
        if let Some(body) = &self.body_type {
            query = query.filter(v::body_type.eq(body.clone()));
        }
        if let Some(store) = &self.store_id {
            query = query.filter(v::store_id.eq(store.clone()));
        }
        let rows: Vec<(
            String,
            Option<String>,
            String,
            String,
            Option<String>,
            Option<String>,
        )> = query
            .order(v::id.asc())
            .select((
                v::id,
                v::store_id,
                v::brand,
                v::model,
                v::stock_number,
                v::in_stock_since,
            ))
            .load(conn)?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, store, brand, model, stock, since)| {
                since.map(|s| (id, store, brand, model, stock, s))
            })
            .collect())
    }
}

/// An alert a rule opened for a subject: `stock` for a low-stock rule, a car's id for an
/// aging rule.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = inventory_alerts, treat_none_as_default_value = false)]
pub struct InventoryAlert {
    pub id: String,
    pub org_id: String,
    pub rule_id: String,
    pub kind: String,
    pub subject: String,
    /// `subject` while open, `None` once resolved (one open alert per rule and subject).
    pub open_subject: Option<String>,
    pub vehicle_id: Option<String>,
    pub store_id: Option<String>,
    pub threshold: i64,
    /// Cars in stock (low stock) or days in stock (aging) when the alert opened.
    pub observed: i64,
    pub message: String,
    /// `autocrm_domain::vehicle::alerts::AlertStatus`.
    pub status: String,
    pub opened_at: chrono::NaiveDateTime,
    pub resolved_at: Option<chrono::NaiveDateTime>,
}

super::record::tenant_record!(InventoryAlert, inventory_alerts);

/// Which alerts a list shows.
#[derive(Debug, Default, Clone)]
pub struct AlertFilter {
    pub status: Option<String>,
    pub kind: Option<String>,
    /// Alerts opened before this one (newest first).
    pub before_id: Option<String>,
    pub limit: i64,
}

impl InventoryAlert {
    /// Inserts the alert unless one is open for its rule and subject already (another node
    /// may have opened it a moment ago); returns whether it was inserted.
    pub fn open(&self, conn: &mut DbConn) -> QueryResult<bool> {
        crate::on_backend!(conn, |c| diesel::insert_into(inventory_alerts::table)
            .values(self)
            .on_conflict_do_nothing()
            .execute(c))
        .map(|n| n == 1)
    }

    /// The rule's open alerts.
    pub fn open_for_rule(conn: &mut DbConn, org_id: &str, rule_id: &str) -> QueryResult<Vec<Self>> {
        use inventory_alerts as a;
        a::table
            .filter(a::org_id.eq(org_id))
            .filter(a::rule_id.eq(rule_id))
            .filter(a::open_subject.is_not_null())
            .select(Self::as_select())
            .load(conn)
    }

    /// Resolves an open alert; false if it was no longer open.
    pub fn resolve(
        conn: &mut DbConn,
        org_id: &str,
        id: &str,
        at: chrono::NaiveDateTime,
    ) -> QueryResult<bool> {
        use inventory_alerts as a;
        diesel::update(
            a::table
                .filter(a::org_id.eq(org_id))
                .filter(a::id.eq(id))
                .filter(a::open_subject.is_not_null()),
        )
        .set((
            a::open_subject.eq(None::<String>),
            a::status.eq("resolved"),
            a::resolved_at.eq(Some(at)),
        ))
        .execute(conn)
        .map(|n| n == 1)
    }

    /// Alerts, newest first.
    pub fn list(conn: &mut DbConn, org_id: &str, filter: &AlertFilter) -> QueryResult<Vec<Self>> {
        use inventory_alerts as a;
        let mut query = a::table
            .filter(a::org_id.eq(org_id))
            .select(Self::as_select())
            .into_boxed();
        if let Some(status) = &filter.status {
            query = query.filter(a::status.eq(status.clone()));
        }
        if let Some(kind) = &filter.kind {
            query = query.filter(a::kind.eq(kind.clone()));
        }
        if let Some(before) = &filter.before_id {
            query = query.filter(a::id.lt(before.clone()));
        }
        crate::db::first_rows(conn, query.order(a::id.desc()), filter.limit)
    }
}
