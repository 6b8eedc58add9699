//! Vehicle inventory: the cars an organisation sells (issue 9). The inventory capability
//! writes them; matching, pricing, reservations, transfers and alerts read them.

use diesel::prelude::*;

use crate::DbConn;
use crate::schema::{vehicle_costs, vehicles};

/// A car in inventory. Enum columns hold the domain's wire names
/// (`autocrm_domain::vehicle::{Condition, BodyType, EnergyType, ...}`); `features` is a JSON
/// array of strings and `specs` a JSON object of descriptive details. What the car cost is
/// not here but in [`VehicleCost`], read only for callers who may see it.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = vehicles, treat_none_as_null = true)]
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
#[diesel(table_name = vehicle_costs, treat_none_as_null = true)]
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
