//! The customer's garage: the vehicles a customer owns, and their mileage over time.

use diesel::prelude::*;

use super::timeline::{TimelineBefore, before};
use crate::DbConn;
use crate::schema::{customer_vehicles, vehicle_mileage_readings};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = customer_vehicles, treat_none_as_default_value = false, treat_none_as_null = true)]
pub struct OwnedVehicle {
    pub id: String,
    pub org_id: String,
    pub customer_id: String,
    /// Upper case, checked (`autocrm_domain::vehicle::Vin`).
    pub vin: Option<String>,
    /// Normalised: upper case, half-width, no spaces, dots or hyphens (`沪A12345`).
    pub plate: Option<String>,
    pub brand: String,
    pub model: String,
    pub model_year: Option<i32>,
    /// `YYYY-MM-DD`.
    pub purchase_date: Option<String>,
    pub version: i64,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

super::record::versioned_record!(OwnedVehicle, customer_vehicles);

impl OwnedVehicle {
    /// A customer's vehicles, oldest first.
    pub fn for_customer(
        conn: &mut DbConn,
        org_id: &str,
        customer_id: &str,
    ) -> QueryResult<Vec<Self>> {
        customer_vehicles::table
            .filter(customer_vehicles::org_id.eq(org_id))
            .filter(customer_vehicles::customer_id.eq(customer_id))
            .order(customer_vehicles::id.asc())
            .select(Self::as_select())
            .load(conn)
    }

    /// Vehicles added to a customer's garage, newest first, before a timeline position.
    pub fn added_before(
        conn: &mut DbConn,
        org_id: &str,
        customer_id: &str,
        before: Option<&TimelineBefore>,
        limit: i64,
    ) -> QueryResult<Vec<Self>> {
        use customer_vehicles as v;
        let query = v::table
            .filter(v::org_id.eq(org_id))
            .filter(v::customer_id.eq(customer_id))
            .select(Self::as_select())
            .into_boxed();
        before!(query, before, v::created_at, v::id)
            .limit(limit)
            .load(conn)
    }

    /// The customers owning a vehicle with this normalised plate or VIN (exact; indexed by
    /// organisation and plate, and organisation and VIN).
    pub fn owners(
        conn: &mut DbConn,
        org_id: &str,
        plate: Option<&str>,
        vin: Option<&str>,
    ) -> QueryResult<Vec<String>> {
        use customer_vehicles as v;
        let mut ids = Vec::new();
        for (column_is_plate, value) in [(true, plate), (false, vin)] {
            let Some(value) = value else { continue };
            let query = v::table
                .filter(v::org_id.eq(org_id))
                .select(v::customer_id)
                .distinct()
                .into_boxed();
            let query = if column_is_plate {
                query.filter(v::plate.eq(value))
            } else {
                query.filter(v::vin.eq(value))
            };
            ids.extend(query.load::<String>(conn)?);
        }
        ids.sort();
        ids.dedup();
        Ok(ids)
    }

    /// Removes the vehicle and its readings.
    pub fn delete(conn: &mut DbConn, org_id: &str, id: &str) -> QueryResult<()> {
        diesel::delete(
            vehicle_mileage_readings::table
                .filter(vehicle_mileage_readings::org_id.eq(org_id))
                .filter(vehicle_mileage_readings::vehicle_id.eq(id)),
        )
        .execute(conn)?;
        diesel::delete(
            customer_vehicles::table
                .filter(customer_vehicles::org_id.eq(org_id))
                .filter(customer_vehicles::id.eq(id)),
        )
        .execute(conn)
        .map(drop)
    }
}

/// One odometer reading of an owned vehicle.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = vehicle_mileage_readings, treat_none_as_default_value = false)]
pub struct MileageReading {
    pub id: String,
    pub org_id: String,
    pub vehicle_id: String,
    pub mileage_km: i64,
    pub read_at: chrono::NaiveDateTime,
    pub recorded_by: String,
    pub created_at: chrono::NaiveDateTime,
}

super::record::tenant_record!(MileageReading, vehicle_mileage_readings);

impl MileageReading {
    /// The readings of these vehicles, oldest first.
    pub fn for_vehicles(
        conn: &mut DbConn,
        org_id: &str,
        vehicle_ids: &[String],
    ) -> QueryResult<Vec<Self>> {
        use vehicle_mileage_readings as r;
        if vehicle_ids.is_empty() {
            return Ok(Vec::new());
        }
        r::table
            .filter(r::org_id.eq(org_id))
            .filter(r::vehicle_id.eq_any(vehicle_ids))
            .order((r::read_at.asc(), r::id.asc()))
            .select(Self::as_select())
            .load(conn)
    }
}
