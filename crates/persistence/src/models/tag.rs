//! Tags: the organisation's manual vocabulary and its assignments, and the dynamic tags
//! that rules set, each with the rule that set it.

use autocrm_domain::access::CustomerScope;
use diesel::prelude::*;

use crate::DbConn;
use crate::db::Db;
use crate::schema::{customer_dynamic_tags, customer_tags, customers, tags};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = tags, treat_none_as_default_value = false)]
pub struct Tag {
    pub id: String,
    pub org_id: String,
    pub name: String,
    /// `#rrggbb`.
    pub colour: String,
    pub version: i64,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

super::record::versioned_record!(Tag, tags);

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = customer_tags, treat_none_as_default_value = false)]
pub struct CustomerTag {
    pub id: String,
    pub org_id: String,
    pub customer_id: String,
    pub tag_id: String,
    pub assigned_by: String,
    pub assigned_at: chrono::NaiveDateTime,
}

super::record::tenant_record!(CustomerTag, customer_tags);

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = customer_dynamic_tags, treat_none_as_default_value = false)]
pub struct DynamicTagRow {
    pub id: String,
    pub org_id: String,
    pub customer_id: String,
    pub name: String,
    pub rule_id: String,
    /// JSON array of `autocrm_domain::customer::TagEvidence`.
    pub reasons: String,
    pub computed_at: chrono::NaiveDateTime,
}

super::record::tenant_record!(DynamicTagRow, customer_dynamic_tags);

/// Narrows a boxed query joined with `customers` to a data scope (the SQL side of
/// `CustomerScope::admits`); returns early with nothing when the scope admits nobody.
macro_rules! in_scope {
    ($query:expr, $scope:expr) => {
        match $scope {
            CustomerScope::All => $query,
            CustomerScope::Store(store) => $query.filter(customers::store_id.eq(store.clone())),
            CustomerScope::Owner(owner) => $query.filter(customers::owner_id.eq(owner.clone())),
            CustomerScope::MarketingConsent => $query.filter(customers::marketing_consent.eq(true)),
            CustomerScope::Itself(id) => $query.filter(customers::id.eq(id.clone())),
            CustomerScope::Nothing => return Ok(Vec::new()),
        }
    };
}

impl Tag {
    /// The organisation's vocabulary, by name.
    pub fn all(conn: &mut DbConn, org_id: &str) -> QueryResult<Vec<Self>> {
        tags::table
            .filter(tags::org_id.eq(org_id))
            .order(tags::name.asc())
            .select(Self::as_select())
            .load(conn)
    }

    pub fn find_by_name(conn: &mut DbConn, org_id: &str, name: &str) -> QueryResult<Option<Self>> {
        tags::table
            .filter(tags::org_id.eq(org_id))
            .filter(tags::name.eq(name))
            .select(Self::as_select())
            .get_result(conn)
            .optional()
    }

    /// Removes the tag and its assignments.
    pub fn delete(conn: &mut DbConn, org_id: &str, id: &str) -> QueryResult<()> {
        diesel::delete(
            customer_tags::table
                .filter(customer_tags::org_id.eq(org_id))
                .filter(customer_tags::tag_id.eq(id)),
        )
        .execute(conn)?;
        diesel::delete(
            tags::table
                .filter(tags::org_id.eq(org_id))
                .filter(tags::id.eq(id)),
        )
        .execute(conn)
        .map(drop)
    }

    /// How many customers in `scope` carry each manual tag: (tag id, count).
    pub fn counts(
        conn: &mut DbConn,
        org_id: &str,
        scope: &CustomerScope,
    ) -> QueryResult<Vec<(String, i64)>> {
        let query = customer_tags::table
            .inner_join(customers::table.on(customers::id.eq(customer_tags::customer_id)))
            .filter(customer_tags::org_id.eq(org_id))
            .group_by(customer_tags::tag_id)
            .select((customer_tags::tag_id, diesel::dsl::count_star()))
            .into_boxed::<Db>();
        in_scope!(query, scope).load(conn)
    }

    /// The tag names, manual and dynamic, of these customers: (customer id, name), sorted
    /// by name (for lists and exports, one query per page).
    pub fn names_of_customers(
        conn: &mut DbConn,
        org_id: &str,
        customer_ids: &[String],
    ) -> QueryResult<Vec<(String, String)>> {
        if customer_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut names: Vec<(String, String)> = customer_tags::table
            .inner_join(tags::table.on(tags::id.eq(customer_tags::tag_id)))
            .filter(customer_tags::org_id.eq(org_id))
            .filter(customer_tags::customer_id.eq_any(customer_ids))
            .select((customer_tags::customer_id, tags::name))
            .load(conn)?;
        names.extend(
            customer_dynamic_tags::table
                .filter(customer_dynamic_tags::org_id.eq(org_id))
                .filter(customer_dynamic_tags::customer_id.eq_any(customer_ids))
                .select((
                    customer_dynamic_tags::customer_id,
                    customer_dynamic_tags::name,
                ))
                .load::<(String, String)>(conn)?,
        );
        names.sort_by(|a, b| (&a.1, &a.0).cmp(&(&b.1, &b.0)));
        names.dedup();
        Ok(names)
    }

    /// The manual tags of one customer.
    pub fn of_customer(
        conn: &mut DbConn,
        org_id: &str,
        customer_id: &str,
    ) -> QueryResult<Vec<Self>> {
        tags::table
            .inner_join(customer_tags::table.on(customer_tags::tag_id.eq(tags::id)))
            .filter(customer_tags::org_id.eq(org_id))
            .filter(customer_tags::customer_id.eq(customer_id))
            .order(tags::name.asc())
            .select(Self::as_select())
            .load(conn)
    }
}

impl CustomerTag {
    /// Unassigns; returns whether it was assigned.
    pub fn remove(
        conn: &mut DbConn,
        org_id: &str,
        customer_id: &str,
        tag_id: &str,
    ) -> QueryResult<bool> {
        diesel::delete(
            customer_tags::table
                .filter(customer_tags::org_id.eq(org_id))
                .filter(customer_tags::customer_id.eq(customer_id))
                .filter(customer_tags::tag_id.eq(tag_id)),
        )
        .execute(conn)
        .map(|n| n > 0)
    }

    pub fn exists(
        conn: &mut DbConn,
        org_id: &str,
        customer_id: &str,
        tag_id: &str,
    ) -> QueryResult<bool> {
        diesel::select(diesel::dsl::exists(
            customer_tags::table
                .filter(customer_tags::org_id.eq(org_id))
                .filter(customer_tags::customer_id.eq(customer_id))
                .filter(customer_tags::tag_id.eq(tag_id)),
        ))
        .get_result(conn)
    }
}

impl DynamicTagRow {
    pub fn of_customer(
        conn: &mut DbConn,
        org_id: &str,
        customer_id: &str,
    ) -> QueryResult<Vec<Self>> {
        customer_dynamic_tags::table
            .filter(customer_dynamic_tags::org_id.eq(org_id))
            .filter(customer_dynamic_tags::customer_id.eq(customer_id))
            .order(customer_dynamic_tags::id.asc())
            .select(Self::as_select())
            .load(conn)
    }

    pub fn delete(conn: &mut DbConn, org_id: &str, id: &str) -> QueryResult<()> {
        diesel::delete(
            customer_dynamic_tags::table
                .filter(customer_dynamic_tags::org_id.eq(org_id))
                .filter(customer_dynamic_tags::id.eq(id)),
        )
        .execute(conn)
        .map(drop)
    }

    pub fn update_reasons(
        conn: &mut DbConn,
        id: &str,
        name: &str,
        reasons: &str,
        at: chrono::NaiveDateTime,
    ) -> QueryResult<()> {
        diesel::update(customer_dynamic_tags::table.filter(customer_dynamic_tags::id.eq(id)))
            .set((
                customer_dynamic_tags::name.eq(name),
                customer_dynamic_tags::reasons.eq(reasons),
                customer_dynamic_tags::computed_at.eq(at),
            ))
            .execute(conn)
            .map(drop)
    }

    /// How many customers in `scope` carry each dynamic tag: (name, rule id, count).
    pub fn counts(
        conn: &mut DbConn,
        org_id: &str,
        scope: &CustomerScope,
    ) -> QueryResult<Vec<(String, String, i64)>> {
        let query = customer_dynamic_tags::table
            .inner_join(customers::table.on(customers::id.eq(customer_dynamic_tags::customer_id)))
            .filter(customer_dynamic_tags::org_id.eq(org_id))
            .group_by((customer_dynamic_tags::name, customer_dynamic_tags::rule_id))
            .select((
                customer_dynamic_tags::name,
                customer_dynamic_tags::rule_id,
                diesel::dsl::count_star(),
            ))
            .into_boxed::<Db>();
        in_scope!(query, scope).load(conn)
    }
}

/// The customer list's `tag` filter: customers carrying a tag of this name, manual or
/// dynamic.
pub fn tagged(
    org_id: &str,
    name: &str,
) -> Box<dyn BoxableExpression<customers::table, Db, SqlType = diesel::sql_types::Bool>> {
    let manual = customer_tags::table
        .inner_join(tags::table.on(tags::id.eq(customer_tags::tag_id)))
        .filter(customer_tags::org_id.eq(org_id.to_owned()))
        .filter(tags::name.eq(name.to_owned()))
        .select(customer_tags::customer_id);
    let dynamic = customer_dynamic_tags::table
        .filter(customer_dynamic_tags::org_id.eq(org_id.to_owned()))
        .filter(customer_dynamic_tags::name.eq(name.to_owned()))
        .select(customer_dynamic_tags::customer_id);
    Box::new(
        customers::id
            .eq_any(manual)
            .or(customers::id.eq_any(dynamic)),
    )
}
