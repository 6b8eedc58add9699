//! Market reference prices quoted by outside valuation services (issue 9, price suggestions).

use diesel::prelude::*;

use crate::DbConn;
use crate::schema::market_prices;

/// One quote: what a car of this line, year (and mileage) is worth on the market.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = market_prices, treat_none_as_default_value = false)]
pub struct MarketPrice {
    pub id: String,
    pub org_id: String,
    pub brand: String,
    /// `catalog::brand_key` of `brand`.
    pub brand_key: String,
    pub model: String,
    /// `catalog::model_key` of `model` within the brand.
    pub model_key: String,
    pub model_year: i32,
    pub mileage_km: Option<i64>,
    pub price_cents: i64,
    /// Who quoted it, e.g. `che300`.
    pub source: String,
    /// `YYYY-MM-DD`.
    pub observed_on: String,
    pub created_at: chrono::NaiveDateTime,
}

impl MarketPrice {
    pub fn insert_many(conn: &mut DbConn, rows: &[Self]) -> QueryResult<usize> {
        crate::insert_batch!(conn, market_prices::table, rows)
    }

    /// The quotes for one line within model years `years` (inclusive), newest first.
    pub fn for_line(
        conn: &mut DbConn,
        org_id: &str,
        brand_key: &str,
        model_key: &str,
        years: (i32, i32),
        limit: i64,
    ) -> QueryResult<Vec<Self>> {
        let query = market_prices::table
            .filter(market_prices::org_id.eq(org_id))
            .filter(market_prices::brand_key.eq(brand_key))
            .filter(market_prices::model_key.eq(model_key))
            .filter(market_prices::model_year.between(years.0, years.1))
            .order((market_prices::observed_on.desc(), market_prices::id.asc()))
            .select(Self::as_select());
        crate::db::first_rows(conn, query, limit)
    }

    /// The organisation's quotes, by brand and model key when given, newest first, after the
    /// `(observed_on, id)` keyset position when given.
    pub fn list(
        conn: &mut DbConn,
        org_id: &str,
        brand_key: Option<&str>,
        model_key: Option<&str>,
        limit: i64,
    ) -> QueryResult<Vec<Self>> {
        let mut query = market_prices::table
            .filter(market_prices::org_id.eq(org_id))
            .select(Self::as_select())
            .into_boxed();
        if let Some(brand) = brand_key {
            query = query.filter(market_prices::brand_key.eq(brand.to_owned()));
        }
        if let Some(model) = model_key {
            query = query.filter(market_prices::model_key.eq(model.to_owned()));
        }
        let query = query.order((
            market_prices::observed_on.desc(),
            market_prices::model_year.desc(),
            market_prices::id.asc(),
        ));
        crate::db::first_rows(conn, query, limit)
    }
}
