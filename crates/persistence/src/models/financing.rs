use autocrm_domain::access::{ApplicationFacts, ApplicationScope, CustomerScope};
use diesel::prelude::*;

use super::Customer;
use crate::DbConn;
use crate::schema::{
    customers, finance_products, financing_application_events, financing_applications,
};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = finance_products, treat_none_as_default_value = false)]
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

super::record::versioned_record!(FinanceProduct, finance_products);

impl FinanceProduct {
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
        crate::db::first_rows(conn, query.order(finance_products::id.asc()), limit)
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = financing_applications, treat_none_as_default_value = false, treat_none_as_null = true)]
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

#[derive(Debug, Clone)]
pub struct ApplicationFilter {
    pub scope: ApplicationScope,
    pub status: Option<String>,
    pub customer_id: Option<String>,
    pub after_id: Option<String>,
    pub limit: i64,
}

super::record::versioned_record!(FinancingApplication, financing_applications);

impl FinancingApplication {
    /// What an application scope looks at: the creator and the customer's row.
    pub fn facts<'a>(&'a self, customer: &'a Customer) -> ApplicationFacts<'a> {
        ApplicationFacts {
            created_by: &self.created_by,
            customer: customer.facts(),
        }
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
        // The SQL side of `ApplicationScope::admits`: created by the caller, or for a
        // customer in the caller's customer scope.
        if let ApplicationScope::CreatedByOrCustomer {
            created_by,
            customers: scope,
        } = &filter.scope
        {
            let mine = a::created_by.eq(created_by.clone());
            let of_org = customers::org_id.eq(org_id.to_owned());
            let ids = customers::table.filter(of_org).select(customers::id);
            query =
                match scope {
                    CustomerScope::All => query,
                    CustomerScope::Store(store) => query.filter(mine.or(
                        a::customer_id.eq_any(ids.filter(customers::store_id.eq(store.clone()))),
                    )),
                    CustomerScope::Owner(owner) => query.filter(mine.or(
                        a::customer_id.eq_any(ids.filter(customers::owner_id.eq(owner.clone()))),
                    )),
                    CustomerScope::MarketingConsent => query.filter(mine.or(
                        a::customer_id.eq_any(ids.filter(customers::marketing_consent.eq(true))),
                    )),
                    CustomerScope::Itself(id) => {
                        query.filter(mine.or(a::customer_id.eq(id.clone())))
                    }
                    CustomerScope::Nothing => query.filter(mine),
                };
        }
        if let Some(after) = &filter.after_id {
            query = query.filter(a::id.gt(after.clone()));
        }
        crate::db::first_rows(conn, query.order(a::id.asc()), filter.limit)
    }
}

/// One status change of an application: who, when, from what to what.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = financing_application_events, treat_none_as_default_value = false)]
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
