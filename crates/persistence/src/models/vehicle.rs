//! Vehicle inventory: the cars an organisation sells (issue 9). The inventory capability
//! writes them; matching, pricing, reservations, transfers and alerts read them.

use autocrm_domain::vehicle::HardFilter;
use diesel::prelude::*;

use super::KeysetAfter;
use crate::DbConn;
use crate::db::Db;
use crate::schema::{vehicle_costs, vehicles};

/// A car in inventory. Enum columns hold the domain's wire names
/// (`autocrm_domain::vehicle::{Condition, BodyType, EnergyType, ...}`); `features` is a JSON
/// array of strings and `specs` a JSON object of descriptive details. What the car cost is
/// not here but in [`VehicleCost`], read only for callers who may see it.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = vehicles, treat_none_as_default_value = false, treat_none_as_null = true)]
pub struct Vehicle {
    pub id: String,
    pub org_id: String,
    pub store_id: Option<String>,
    /// Upper case, 17 characters, checked (`autocrm_domain::vehicle::Vin`).
    pub vin: String,
    /// Set when a person accepted a VIN whose check digit fails: why.
    pub vin_override_reason: Option<String>,
    pub stock_number: Option<String>,
    pub condition: String,
    pub brand: String,
    /// `catalog::brand_key` of `brand`.
    pub brand_key: String,
    pub model: String,
    /// `catalog::model_key` of `model` within the brand.
    pub model_key: String,
    pub model_year: Option<i32>,
    pub body_type: Option<String>,
    pub energy_type: Option<String>,
    pub transmission: Option<String>,
    pub colour: Option<String>,
    /// `ColourFamily` of `colour`, when it has one.
    pub colour_family: Option<String>,
    pub seats: Option<i32>,
    pub mileage_km: i64,
    /// `YYYY-MM-DD`.
    pub first_registration_date: Option<String>,
    /// `YYYY-MM-DD` from which the car's age counts (`VehicleFacts::age_reference`); `None`
    /// for a new car never registered.
    pub age_from: Option<String>,
    pub asking_price_cents: i64,
    pub status: String,
    /// `YYYY-MM-DD`: the day the car last arrived in stock; days in stock count from it.
    pub in_stock_since: Option<String>,
    /// When the car was sold, and for how much (comparables for price suggestions).
    pub sold_at: Option<chrono::NaiveDateTime>,
    pub sold_price_cents: Option<i64>,
    pub features: String,
    pub specs: String,
    pub version: i64,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

super::record::versioned_record!(Vehicle, vehicles);

/// What a car cost and its floor price (the lowest price a consultant may accept).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = vehicle_costs, treat_none_as_default_value = false, treat_none_as_null = true)]
pub struct VehicleCost {
    pub vehicle_id: String,
    pub org_id: String,
    pub acquisition_cost_cents: Option<i64>,
    pub floor_price_cents: Option<i64>,
    pub updated_at: chrono::NaiveDateTime,
}

impl VehicleCost {
    /// The costs of these cars (absent for a car without any).
    pub fn for_vehicles(
        conn: &mut DbConn,
        org_id: &str,
        vehicle_ids: &[String],
    ) -> QueryResult<Vec<Self>> {
        if vehicle_ids.is_empty() {
            return Ok(Vec::new());
        }
        vehicle_costs::table
            .filter(vehicle_costs::org_id.eq(org_id))
            .filter(vehicle_costs::vehicle_id.eq_any(vehicle_ids))
            .select(Self::as_select())
            .load(conn)
    }

    /// Writes a car's costs (insert or replace).
    pub fn put(&self, conn: &mut DbConn) -> QueryResult<()> {
        let updated = diesel::update(
            vehicle_costs::table
                .filter(vehicle_costs::vehicle_id.eq(&self.vehicle_id))
                .filter(vehicle_costs::org_id.eq(&self.org_id)),
        )
        .set(self)
        .execute(conn)?;
        if updated == 0 {
            diesel::insert_into(vehicle_costs::table)
                .values(self)
                .execute(conn)?;
        }
        Ok(())
    }
}

/// How a vehicle list is ordered. Each order ends on the id, so pages never overlap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VehicleSort {
    /// Newest first (ids are UUIDv7).
    CreatedDesc,
    PriceAsc,
    PriceDesc,
    MileageAsc,
    MileageDesc,
    /// Newest model year first; unknown years last.
    YearDesc,
    YearAsc,
    /// Longest in stock first: earliest `in_stock_since`; cars never in stock last.
    DaysInStockDesc,
    DaysInStockAsc,
}

/// A vehicle search: the hard filter of matching and of the free query (one SQL builder for
/// both), and the list's own filters.
#[derive(Debug, Clone)]
pub struct VehicleSearch {
    pub hard: HardFilter,
    /// Any of these statuses; empty for all.
    pub statuses: Vec<String>,
    /// Cars of these stores only (a store filter, or the stores of a city).
    pub store_ids: Option<Vec<String>>,
    /// Every one of these features (exact names).
    pub features: Vec<String>,
    pub sort: VehicleSort,
    pub after: Option<KeysetAfter>,
    pub limit: i64,
}

/// The sort key's SQL expression over `vehicles`, with the value that stands for NULL so
/// that unknowns sort last in the default direction.
fn sort_expression(sort: VehicleSort) -> Option<(&'static str, SortKey)> {
    match sort {
        VehicleSort::CreatedDesc => None,
        VehicleSort::PriceAsc | VehicleSort::PriceDesc => {
            Some(("vehicles.asking_price_cents", SortKey::Integer))
        }
        VehicleSort::MileageAsc | VehicleSort::MileageDesc => {
            Some(("vehicles.mileage_km", SortKey::Integer))
        }
        VehicleSort::YearAsc => Some(("COALESCE(vehicles.model_year, 9999)", SortKey::Integer)),
        VehicleSort::YearDesc => Some(("COALESCE(vehicles.model_year, 0)", SortKey::Integer)),
        VehicleSort::DaysInStockDesc => Some((
            "COALESCE(vehicles.in_stock_since, '9999-12-31')",
            SortKey::Text,
        )),
        VehicleSort::DaysInStockAsc => Some((
            "COALESCE(vehicles.in_stock_since, '0000-01-01')",
            SortKey::Text,
        )),
    }
}

#[derive(Debug, Clone, Copy)]
enum SortKey {
    Integer,
    Text,
}

fn ascending(sort: VehicleSort) -> bool {
    matches!(
        sort,
        VehicleSort::PriceAsc
            | VehicleSort::MileageAsc
            | VehicleSort::YearAsc
            | VehicleSort::DaysInStockDesc
    )
}

/// Narrows a query of vehicles to the cars a hard filter admits: the SQL side of
/// `HardFilter::admits`, keeping its edge cases (an unrecorded attribute fails a
/// constraint on it). Exact but for two parts, where it is looser and the domain decides:
/// colours named without a family, and `within` (a radius: stores carry the coordinates, so
/// the caller narrows by store ids). Search and matching share it.
pub fn admitted_by<'a, ST: 'a>(
    mut query: vehicles::BoxedQuery<'a, Db, ST>,
    hard: &HardFilter,
) -> vehicles::BoxedQuery<'a, Db, ST> {
    use vehicles::dsl as v;
    fn names<T: autocrm_domain::text_enum::TextEnum>(
        set: &std::collections::BTreeSet<T>,
    ) -> Vec<String> {
        set.iter().map(|t| t.as_str().to_owned()).collect()
    }
    if let Some(min) = hard.min_price_cents {
        query = query.filter(v::asking_price_cents.ge(min));
    }
    if let Some(max) = hard.max_price_cents {
        query = query.filter(v::asking_price_cents.le(max));
    }
    if let Some(set) = &hard.body_types {
        query = query.filter(v::body_type.eq_any(names(set)));
    }
    if let Some(set) = &hard.energy_types {
        query = query.filter(v::energy_type.eq_any(names(set)));
    }
    if let Some(keys) = &hard.brand_keys {
        query = query.filter(v::brand_key.eq_any(keys.iter().cloned().collect::<Vec<_>>()));
    }
    if let Some(keys) = &hard.model_keys {
        query = query.filter(v::model_key.eq_any(keys.iter().cloned().collect::<Vec<_>>()));
    }
    if let Some(condition) = hard.condition {
        query = query.filter(v::condition.eq(condition.as_str()));
    }
    if let Some(min) = hard.min_seats {
        query = query.filter(v::seats.ge(i32::from(min)));
    }
    if let Some(date) = hard.registered_on_or_after {
        let date = date.to_string();
        query = query.filter(
            v::age_from
                .ge(date)
                .or(v::age_from.is_null().and(v::condition.eq("new"))),
        );
    }
    if let Some(min) = hard.min_model_year {
        query = query.filter(v::model_year.ge(min));
    }
    if let Some(max) = hard.max_model_year {
        query = query.filter(v::model_year.le(max));
    }
    if let Some(max) = hard.max_mileage_km {
        query = query.filter(v::mileage_km.le(max));
    }
    if let Some(transmission) = hard.transmission {
        query = query.filter(v::transmission.eq(transmission.as_str()));
    }
    if let Some(colours) = &hard.colours {
        // A paint with a family passes by its family; one without, by its name compared
        // normalised (`catalog::normalise`), which only the domain does: here every car
        // without a family stays in when names were asked for (looser, never stricter).
        let families = names(&colours.families);
        query = if colours.names.is_empty() {
            query.filter(v::colour_family.eq_any(families))
        } else {
            query.filter(
                v::colour_family
                    .eq_any(families)
                    .or(v::colour_family.is_null()),
            )
        };
    }
    query
}

impl Vehicle {
    /// Inserts many vehicles in multi-row statements (bulk seeding).
    pub fn insert_many(conn: &mut DbConn, rows: &[Self]) -> QueryResult<usize> {
        crate::insert_batch!(conn, vehicles::table, rows)
    }

    /// The car with this VIN in the organisation.
    pub fn find_by_vin(conn: &mut DbConn, org_id: &str, vin: &str) -> QueryResult<Option<Self>> {
        vehicles::table
            .filter(vehicles::org_id.eq(org_id))
            .filter(vehicles::vin.eq(vin))
            .select(Self::as_select())
            .first(conn)
            .optional()
    }

    /// The car with this stock number in the organisation.
    pub fn find_by_stock_number(
        conn: &mut DbConn,
        org_id: &str,
        stock_number: &str,
    ) -> QueryResult<Option<Self>> {
        vehicles::table
            .filter(vehicles::org_id.eq(org_id))
            .filter(vehicles::stock_number.eq(stock_number))
            .select(Self::as_select())
            .first(conn)
            .optional()
    }

    /// The keyset position of this car in a list of this order.
    pub fn keyset(&self, sort: VehicleSort) -> KeysetAfter {
        let key = match sort {
            VehicleSort::CreatedDesc => String::new(),
            VehicleSort::PriceAsc | VehicleSort::PriceDesc => self.asking_price_cents.to_string(),
            VehicleSort::MileageAsc | VehicleSort::MileageDesc => self.mileage_km.to_string(),
            VehicleSort::YearAsc => self.model_year.unwrap_or(9999).to_string(),
            VehicleSort::YearDesc => self.model_year.unwrap_or(0).to_string(),
            VehicleSort::DaysInStockDesc => self
                .in_stock_since
                .clone()
                .unwrap_or_else(|| "9999-12-31".into()),
            VehicleSort::DaysInStockAsc => self
                .in_stock_since
                .clone()
                .unwrap_or_else(|| "0000-01-01".into()),
        };
        KeysetAfter {
            key,
            id: self.id.clone(),
        }
    }

    /// One page of a search. An `after` whose key does not fit the order yields `Ok(None)`
    /// (a forged cursor).
    pub fn search(
        conn: &mut DbConn,
        org_id: &str,
        search: &VehicleSearch,
    ) -> QueryResult<Option<Vec<Self>>> {
        use diesel::dsl::sql;
        use diesel::sql_types::{BigInt, Bool, Text};
        use vehicles::dsl as v;
        let mut query = v::vehicles
            .filter(v::org_id.eq(org_id))
            .select(Self::as_select())
            .into_boxed();
        query = admitted_by(query, &search.hard);
        if !search.statuses.is_empty() {
            query = query.filter(v::status.eq_any(search.statuses.clone()));
        }
        if let Some(stores) = &search.store_ids {
            query = query.filter(v::store_id.eq_any(stores.clone()));
        }
        for feature in &search.features {
            // `features` is a JSON array of strings: the quoted name is one element.
            let quoted = serde_json::to_string(feature).unwrap_or_default();
            query = query.filter(
                v::features
                    .like(crate::db::like_pattern(&quoted))
                    .escape('\\'),
            );
        }
        let after = search.after.clone();
        let up = ascending(search.sort);
        query = match sort_expression(search.sort) {
            None => {
                if let Some(a) = after {
                    query = query.filter(v::id.lt(a.id));
                }
                query.order(v::id.desc())
            }
            Some((expr, kind)) => {
                if let Some(a) = after {
                    let cmp = if up { ">" } else { "<" };
                    // (key > k OR (key = k AND id > i)), in the order's direction.
                    let open = format!("({expr} {cmp} ");
                    let equal = format!(" OR ({expr} = ");
                    let by_id = format!(" AND vehicles.id {cmp} ");
                    query = match kind {
                        SortKey::Integer => {
                            let Ok(key) = a.key.parse::<i64>() else {
                                return Ok(None);
                            };
                            query.filter(
                                sql::<Bool>(&open)
                                    .bind::<BigInt, _>(key)
                                    .sql(&equal)
                                    .bind::<BigInt, _>(key)
                                    .sql(&by_id)
                                    .bind::<Text, _>(a.id)
                                    .sql("))"),
                            )
                        }
                        SortKey::Text => {
                            if a.key.len() != 10 {
                                return Ok(None);
                            }
                            query.filter(
                                sql::<Bool>(&open)
                                    .bind::<Text, _>(a.key.clone())
                                    .sql(&equal)
                                    .bind::<Text, _>(a.key)
                                    .sql(&by_id)
                                    .bind::<Text, _>(a.id)
                                    .sql("))"),
                            )
                        }
                    };
                }
                let order = if up {
                    format!("{expr} ASC, vehicles.id ASC")
                } else {
                    format!("{expr} DESC, vehicles.id DESC")
                };
                query.order(sql::<Bool>(&order))
            }
        };
        query.limit(search.limit).load(conn).map(Some)
    }
}
