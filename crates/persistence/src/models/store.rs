use diesel::prelude::*;

use crate::DbConn;
use crate::schema::stores;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = stores, treat_none_as_default_value = false, treat_none_as_null = true)]
pub struct Store {
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub city: String,
    pub region: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub active: bool,
    pub version: i64,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
    /// The store's own coordinates in micro-degrees; without them, its city's.
    pub latitude_e6: Option<i32>,
    pub longitude_e6: Option<i32>,
}

super::record::versioned_record!(Store, stores);

#[derive(Debug, Default, Clone)]
pub struct StoreFilter {
    pub active: Option<bool>,
    pub city: Option<String>,
    pub after_id: Option<String>,
    pub limit: i64,
}

impl Store {
    pub fn list(conn: &mut DbConn, org_id: &str, filter: &StoreFilter) -> QueryResult<Vec<Self>> {
        let mut query = stores::table
            .filter(stores::org_id.eq(org_id))
            .select(Self::as_select())
            .into_boxed();
        if let Some(active) = filter.active {
            query = query.filter(stores::active.eq(active));
        }
        if let Some(city) = &filter.city {
            query = query.filter(stores::city.eq(city.clone()));
        }
        if let Some(after) = &filter.after_id {
            query = query.filter(stores::id.gt(after.clone()));
        }
        crate::db::first_rows(conn, query.order(stores::id.asc()), filter.limit)
    }
}
