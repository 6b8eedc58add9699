use diesel::prelude::*;

use crate::DbConn;
use crate::schema::{finance_products, financing_application_events, financing_applications};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = finance_products)]
pub struct FinanceProduct {
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub lender: String,
    /// JSON of the domain's `ProductTerms`.
    pub terms: String,
    pub active: bool,
    pub version: i64,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

impl FinanceProduct {
    pub fn insert(&self, conn: &mut DbConn) -> QueryResult<()> {
        diesel::insert_into(finance_products::table)
            .values(self)
            .execute(conn)
            .map(drop)
    }

    pub fn find(conn: &mut DbConn, org_id: &str, id: &str) -> QueryResult<Option<Self>> {
        finance_products::table
            .filter(finance_products::org_id.eq(org_id))
            .filter(finance_products::id.eq(id))
            .select(Self::as_select())
            .first(conn)
            .optional()
    }

    pub fn list(
        conn: &mut DbConn,
        org_id: &str,
        active: Option<bool>,
        after_id: Option<&str>,
        limit: i64,
    ) -> QueryResult<Vec<Self>> {
        let mut query = finance_products::table
            .filter(finance_products::org_id.eq(org_id))
            .select(Self::as_select())
            .into_boxed();
        if let Some(active) = active {
            query = query.filter(finance_products::active.eq(active));
        }
        if let Some(after) = after_id {
            query = query.filter(finance_products::id.gt(after.to_owned()));
        }
        query
            .order(finance_products::id.asc())
            .limit(limit)
            .load(conn)
    }

    /// Saves the row if it is still at `expected_version`; returns whether it was.
    pub fn save(&mut self, conn: &mut DbConn, expected_version: i64) -> QueryResult<bool> {
        self.version = expected_version + 1;
        let n = diesel::update(
            finance_products::table
                .filter(finance_products::id.eq(&self.id))
                .filter(finance_products::org_id.eq(&self.org_id))
                .filter(finance_products::version.eq(expected_version)),
        )
        .set(&*self)
        .execute(conn)?;
        Ok(n == 1)
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = financing_applications, treat_none_as_null = true)]
pub struct FinancingApplication {
    pub id: String,
    pub org_id: String,
    pub customer_id: String,
    pub product_id: Option<String>,
    pub deal_id: Option<String>,
    pub quote_id: Option<String>,
    pub status: String,
    /// JSON: the plan as requested.
    pub plan: String,
    /// JSON: the schedule as quoted.
    pub quote: String,
    pub subsidy_cents: i64,
    /// JSON array of document references.
    pub documents: String,
    pub note: Option<String>,
    pub created_by: String,
    pub version: i64,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

#[derive(Debug, Clone, Default)]
pub struct ApplicationFilter {
    pub status: Option<String>,
    pub customer_id: Option<String>,
    pub created_by: Option<String>,
    /// Only applications of customers of this store.
    pub customer_store_id: Option<String>,
    pub after_id: Option<String>,
    pub limit: i64,
}

impl FinancingApplication {
    pub fn insert(&self, conn: &mut DbConn) -> QueryResult<()> {
        diesel::insert_into(financing_applications::table)
            .values(self)
            .execute(conn)
            .map(drop)
    }

    pub fn find(conn: &mut DbConn, org_id: &str, id: &str) -> QueryResult<Option<Self>> {
        financing_applications::table
            .filter(financing_applications::org_id.eq(org_id))
            .filter(financing_applications::id.eq(id))
            .select(Self::as_select())
            .first(conn)
            .optional()
    }

    pub fn list(
        conn: &mut DbConn,
        org_id: &str,
        filter: &ApplicationFilter,
    ) -> QueryResult<Vec<Self>> {
        use financing_applications::dsl as a;
        let mut query = a::financing_applications
            .filter(a::org_id.eq(org_id))
            .select(Self::as_select())
            .into_boxed();
        if let Some(status) = &filter.status {
            query = query.filter(a::status.eq(status.clone()));
        }
        if let Some(customer) = &filter.customer_id {
            query = query.filter(a::customer_id.eq(customer.clone()));
        }
        if let Some(creator) = &filter.created_by {
            query = query.filter(a::created_by.eq(creator.clone()));
        }
        if let Some(store) = &filter.customer_store_id {
            use crate::schema::customers;
            query = query.filter(
                a::customer_id.eq_any(
                    customers::table
                        .filter(customers::org_id.eq(org_id.to_owned()))
                        .filter(customers::store_id.eq(store.clone()))
                        .select(customers::id),
                ),
            );
        }
        if let Some(after) = &filter.after_id {
            query = query.filter(a::id.gt(after.clone()));
        }
        query.order(a::id.asc()).limit(filter.limit).load(conn)
    }

    /// Saves the row if it is still at `expected_version`; returns whether it was.
    pub fn save(&mut self, conn: &mut DbConn, expected_version: i64) -> QueryResult<bool> {
        self.version = expected_version + 1;
        let n = diesel::update(
            financing_applications::table
                .filter(financing_applications::id.eq(&self.id))
                .filter(financing_applications::org_id.eq(&self.org_id))
                .filter(financing_applications::version.eq(expected_version)),
        )
        .set(&*self)
        .execute(conn)?;
        Ok(n == 1)
    }
}

/// One status change of an application: who, when, from what to what.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = financing_application_events)]
pub struct ApplicationEvent {
    pub id: String,
    pub org_id: String,
    pub application_id: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub actor_id: String,
    pub actor_role: String,
    pub note: Option<String>,
    pub created_at: chrono::NaiveDateTime,
}

impl ApplicationEvent {
    pub fn insert(&self, conn: &mut DbConn) -> QueryResult<()> {
        diesel::insert_into(financing_application_events::table)
            .values(self)
            .execute(conn)
            .map(drop)
    }

    pub fn list(conn: &mut DbConn, org_id: &str, application_id: &str) -> QueryResult<Vec<Self>> {
        financing_application_events::table
            .filter(financing_application_events::org_id.eq(org_id))
            .filter(financing_application_events::application_id.eq(application_id))
            .order(financing_application_events::id.asc())
            .select(Self::as_select())
            .load(conn)
    }
}
