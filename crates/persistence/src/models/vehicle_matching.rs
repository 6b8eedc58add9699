//! The queries of customer–vehicle matching (issue 9): the SQL side of the domain's hard
//! filters, both ways. SQL narrows on indexed columns to a superset of what may match; the
//! domain `Matcher` then decides exactly, so every clause here may only ever be looser than
//! `HardFilter::admits`, never stricter.

use autocrm_domain::access::CustomerScope;
use autocrm_domain::customer::{NeedCriterion, Needs};
use autocrm_domain::vehicle::{HardFilter, VehicleStatus, catalog};
use diesel::prelude::*;

use super::customer::restrict_to;
use super::{Customer, Vehicle};
use crate::DbConn;
use crate::schema::{customer_need_index, customers, vehicles};

/// Where forward matching looks besides the must-haves.
#[derive(Debug, Clone, Default)]
pub struct VehicleCandidates {
    /// Only cars of these stores (the stores within the customer's hard radius).
    pub store_ids: Option<Vec<String>>,
    /// Only cars priced within this range: where a stated budget still fits at all.
    pub price_window: Option<(i64, i64)>,
    /// At most this many candidates, the dearest first within the window (the cheapest
    /// first with `cheapest_first`).
    pub limit: i64,
    pub cheapest_first: bool,
}

/// A car as forward matching scores it: only the columns the domain's `VehicleFacts` read.
/// A whole row with `specs` and `features` is several times larger, and a match reads up to
/// a thousand candidates to show twenty; the winners are read whole with
/// [`Vehicle::offerable_by_ids`]. `vehicles_offerable_price_idx` carries these columns
/// and `status` (an index-only walk): a column added here belongs in that index too.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = vehicles)]
pub struct CandidateCar {
    pub id: String,
    pub store_id: Option<String>,
    pub condition: String,
    pub brand: String,
    pub model: String,
    pub model_year: Option<i32>,
    pub body_type: Option<String>,
    pub energy_type: Option<String>,
    pub transmission: Option<String>,
    pub colour: Option<String>,
    pub seats: Option<i32>,
    pub mileage_km: i64,
    pub first_registration_date: Option<String>,
    pub asking_price_cents: i64,
}

impl From<&Vehicle> for CandidateCar {
    fn from(v: &Vehicle) -> Self {
        Self {
            id: v.id.clone(),
            store_id: v.store_id.clone(),
            condition: v.condition.clone(),
            brand: v.brand.clone(),
            model: v.model.clone(),
            model_year: v.model_year,
            body_type: v.body_type.clone(),
            energy_type: v.energy_type.clone(),
            transmission: v.transmission.clone(),
            colour: v.colour.clone(),
            seats: v.seats,
            mileage_km: v.mileage_km,
            first_registration_date: v.first_registration_date.clone(),
            asking_price_cents: v.asking_price_cents,
        }
    }
}

impl Vehicle {
    /// Offerable cars (in stock or in transit) that may pass `filter`, see [`VehicleCandidates`].
    pub fn match_candidates(
        conn: &mut DbConn,
        org_id: &str,
        filter: &HardFilter,
        within: &VehicleCandidates,
    ) -> QueryResult<Vec<CandidateCar>> {
        use vehicles::dsl as v;
        let mut query = v::vehicles
            .filter(v::org_id.eq(org_id))
            // A literal, so that the planner proves `vehicles_offerable_price_idx`'s
            // predicate whatever plan it caches.
            .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
                "vehicles.status IN ('in_stock', 'in_transit')",
            ))
            .select(CandidateCar::as_select())
            .into_boxed();
        // The price window narrows the filter's own range: one range, one index walk.
        let mut filter = filter.clone();
        if let Some((low, high)) = within.price_window {
            filter.min_price_cents = Some(filter.min_price_cents.map_or(low, |m| m.max(low)));
            filter.max_price_cents = Some(filter.max_price_cents.map_or(high, |m| m.min(high)));
        }
        query = super::vehicle::admitted_by(query, &filter);
        if let Some(stores) = &within.store_ids {
            query = query.filter(v::store_id.eq_any(stores.clone()));
        }
        // One direction for both keys: the partial index is walked forwards or backwards.
        let query = if within.cheapest_first {
            query.order((v::asking_price_cents.asc(), v::id.asc()))
        } else {
            query.order((v::asking_price_cents.desc(), v::id.desc()))
        };
        crate::db::first_rows(conn, query, within.limit)
    }

    /// The whole rows of these cars that are still offerable (a car sold since it was scored
    /// is left out), in no particular order.
    pub fn offerable_by_ids(
        conn: &mut DbConn,
        org_id: &str,
        ids: &[&str],
    ) -> QueryResult<Vec<Self>> {
        use vehicles::dsl as v;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        v::vehicles
            .filter(v::org_id.eq(org_id))
            .filter(v::id.eq_any(ids))
            .filter(v::status.eq_any([
                VehicleStatus::InStock.as_str(),
                VehicleStatus::InTransit.as_str(),
            ]))
            .select(Self::as_select())
            .load(conn)
    }

    /// How many offerable cars (in stock or in transit) are priced within `[min, max]`, counted
    /// up to `cap`: lead scoring's budget fit, through the partial price index.
    pub fn count_offerable_priced(
        conn: &mut DbConn,
        org_id: &str,
        min: i64,
        max: i64,
        cap: i64,
    ) -> QueryResult<i64> {
        use vehicles::dsl as v;
        let ids = v::vehicles
            .filter(v::org_id.eq(org_id))
            .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
                "vehicles.status IN ('in_stock', 'in_transit')",
            ))
            .filter(v::asking_price_cents.ge(min))
            .filter(v::asking_price_cents.le(max))
            .order(v::asking_price_cents.asc())
            .select(v::id);
        let found: Vec<String> = crate::db::first_rows(conn, ids, cap)?;
        Ok(i64::try_from(found.len()).unwrap_or(cap))
    }

    /// Comparables for a price suggestion: cars of the same line and condition within model
    /// years `years` (inclusive), in stock or sold since `sold_since`, the car itself left out.
    pub fn comparables(
        conn: &mut DbConn,
        subject: &Vehicle,
        years: (i32, i32),
        sold_since: chrono::NaiveDateTime,
        limit: i64,
    ) -> QueryResult<Vec<Self>> {
        use vehicles::dsl as v;
        let listed = [
            VehicleStatus::InStock.as_str(),
            VehicleStatus::InTransit.as_str(),
            VehicleStatus::Reserved.as_str(),
        ];
        let query = v::vehicles
            .filter(v::org_id.eq(&subject.org_id))
            .filter(v::brand_key.eq(&subject.brand_key))
            .filter(v::model_key.eq(&subject.model_key))
            .filter(v::condition.eq(&subject.condition))
            .filter(v::model_year.between(years.0, years.1))
            .filter(v::id.ne(&subject.id))
            .filter(
                v::status.eq_any(listed).or(v::status
                    .eq(VehicleStatus::Sold.as_str())
                    .and(v::sold_at.ge(sold_since))),
            )
            .order((v::updated_at.desc(), v::id.asc()))
            .select(Self::as_select());
        crate::db::first_rows(conn, query, limit)
    }
}

/// A customer's needs as indexed columns (see the migration `customer_need_index`).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = customer_need_index, treat_none_as_default_value = false, treat_none_as_null = true)]
pub struct CustomerNeedIndex {
    pub customer_id: String,
    pub org_id: String,
    pub budget_min_cents: Option<i64>,
    pub budget_max_cents: Option<i64>,
    pub hard_budget: bool,
    pub hard_body_types: Option<String>,
    pub hard_energy_types: Option<String>,
    pub hard_brand_keys: Option<String>,
    pub hard_condition: Option<String>,
    pub hard_min_seats: Option<i32>,
    pub hard_max_mileage_km: Option<i64>,
    pub hard_transmission: Option<String>,
}

/// `,a,b,` for `LIKE '%,a,%'`; `None` for an empty set.
fn wrapped<'s>(items: impl IntoIterator<Item = &'s str>) -> Option<String> {
    let joined: Vec<&str> = items.into_iter().filter(|s| !s.is_empty()).collect();
    (!joined.is_empty()).then(|| format!(",{},", joined.join(",")))
}

/// A pattern that finds `value` in a [`wrapped`] list, or one that finds nothing.
fn member(value: Option<&str>) -> String {
    match value {
        Some(v) if !v.is_empty() => format!("%,{v},%"),
        _ => "%,\u{1},%".to_owned(),
    }
}

/// What a car is, as reverse matching filters customers with.
#[derive(Debug, Clone)]
pub struct CarKeys<'a> {
    pub price_cents: i64,
    pub body_type: Option<&'a str>,
    pub energy_type: Option<&'a str>,
    pub brand_key: &'a str,
    pub condition: &'a str,
    pub seats: Option<i32>,
    pub mileage_km: i64,
    pub transmission: Option<&'a str>,
}

impl CustomerNeedIndex {
    /// The row for a customer's needs.
    pub fn of(org_id: &str, customer_id: &str, needs: &Needs) -> Self {
        let hard = |c| needs.requires(c);
        Self {
            customer_id: customer_id.to_owned(),
            org_id: org_id.to_owned(),
            budget_min_cents: needs.budget_min_cents,
            budget_max_cents: needs.budget_max_cents,
            hard_budget: hard(NeedCriterion::Budget),
            hard_body_types: wrapped(needs.body_types.iter().map(|b| b.as_str()))
                .filter(|_| hard(NeedCriterion::BodyType)),
            hard_energy_types: wrapped(needs.energy_types.iter().map(|e| e.as_str()))
                .filter(|_| hard(NeedCriterion::EnergyType)),
            hard_brand_keys: {
                let keys: Vec<String> =
                    needs.brands.iter().map(|b| catalog::brand_key(b)).collect();
                wrapped(keys.iter().map(String::as_str)).filter(|_| hard(NeedCriterion::Brand))
            },
            hard_condition: needs
                .condition
                .filter(|_| hard(NeedCriterion::Condition))
                .map(|c| c.as_str().to_owned()),
            hard_min_seats: needs
                .seats_min
                .filter(|_| hard(NeedCriterion::Seats))
                .map(i32::from),
            hard_max_mileage_km: needs
                .max_mileage_km
                .filter(|_| hard(NeedCriterion::Mileage)),
            hard_transmission: needs
                .transmission
                .filter(|_| hard(NeedCriterion::Transmission))
                .map(|t| t.as_str().to_owned()),
        }
    }

    /// Keeps a customer's row in step with their needs: written, replaced, or removed when
    /// they state none.
    pub fn sync(
        conn: &mut DbConn,
        org_id: &str,
        customer_id: &str,
        needs: Option<&Needs>,
    ) -> QueryResult<()> {
        let Some(needs) = needs else {
            return Self::remove(conn, org_id, customer_id).map(drop);
        };
        let row = Self::of(org_id, customer_id, needs);
        crate::on_backend!(conn, |c| diesel::insert_into(customer_need_index::table)
            .values(&row)
            .on_conflict(customer_need_index::customer_id)
            .do_update()
            .set(&row)
            .execute(c))
        .map(drop)
    }

    pub fn remove(conn: &mut DbConn, org_id: &str, customer_id: &str) -> QueryResult<usize> {
        diesel::delete(
            customer_need_index::table
                .filter(customer_need_index::org_id.eq(org_id))
                .filter(customer_need_index::customer_id.eq(customer_id)),
        )
        .execute(conn)
    }

    pub fn insert_many(conn: &mut DbConn, rows: &[Self]) -> QueryResult<usize> {
        crate::insert_batch!(conn, customer_need_index::table, rows)
    }

    /// Active customers in `scope` who stated needs that may fit `car`: no must-have of theirs
    /// excludes it, and a budget they stated still fits at all (the price at most
    /// `budget_max × over_percent / 100` and at least `budget_min × under_percent / 100`). At
    /// most `limit`, those with the lowest budget ceiling at or above the car's price first.
    pub fn candidates(
        conn: &mut DbConn,
        org_id: &str,
        scope: &CustomerScope,
        car: &CarKeys<'_>,
        (over_percent, under_percent): (i64, i64),
        limit: i64,
    ) -> QueryResult<Vec<Customer>> {
        use customer_need_index::dsl as n;
        let price = car.price_cents;
        // budget_max × over / 100 >= price  ⇔  budget_max >= ceil(price × 100 / over)
        let lowest_ceiling = (price.saturating_mul(100) + over_percent - 1) / over_percent.max(1);
        let highest_floor = price.saturating_mul(100) / under_percent.max(1);
        let fitting = n::customer_need_index
            .filter(n::org_id.eq(org_id))
            .filter(
                n::budget_max_cents
                    .is_null()
                    .or(n::budget_max_cents.ge(lowest_ceiling)),
            )
            .filter(
                n::budget_min_cents
                    .is_null()
                    .or(n::budget_min_cents.le(highest_floor)),
            )
            .filter(
                n::hard_budget.eq(false).or(n::budget_max_cents
                    .is_null()
                    .or(n::budget_max_cents.ge(price))
                    .and(
                        n::budget_min_cents
                            .is_null()
                            .or(n::budget_min_cents.le(price)),
                    )),
            )
            .filter(
                n::hard_body_types
                    .is_null()
                    .or(n::hard_body_types.like(member(car.body_type))),
            )
            .filter(
                n::hard_energy_types
                    .is_null()
                    .or(n::hard_energy_types.like(member(car.energy_type))),
            )
            .filter(
                n::hard_brand_keys
                    .is_null()
                    .or(n::hard_brand_keys.like(member(Some(car.brand_key)))),
            )
            .filter(
                n::hard_condition
                    .is_null()
                    .or(n::hard_condition.eq(car.condition)),
            )
            .filter(
                n::hard_min_seats
                    .is_null()
                    .or(n::hard_min_seats.le(car.seats.unwrap_or(i32::MIN))),
            )
            .filter(
                n::hard_max_mileage_km
                    .is_null()
                    .or(n::hard_max_mileage_km.ge(car.mileage_km)),
            )
            .filter(
                n::hard_transmission
                    .is_null()
                    .or(n::hard_transmission.eq(car.transmission.unwrap_or(""))),
            )
            .select(n::customer_id);
        let query = customers::table
            .filter(customers::org_id.eq(org_id))
            .filter(customers::status.eq("active"))
            .filter(customers::id.eq_any(fitting))
            .select(Customer::as_select())
            .into_boxed();
        let Some(query) = restrict_to(query, scope) else {
            return Ok(Vec::new());
        };
        crate::db::first_rows(conn, query.order(customers::id.asc()), limit)
    }
}
