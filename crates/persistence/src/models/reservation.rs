//! Reservations of cars: one customer's hold on one car until an expiry (issue 9).

use diesel::prelude::*;

use crate::DbConn;
use crate::schema::vehicle_reservations;

/// A hold on a car for a customer. `status` is `active`, `cancelled` or `expired`;
/// `release_reason` says why a cancelled one ended (`cancelled`, `vehicle_sold`). `note`
/// and `release_note` are free text (cleared when the customer is erased).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = vehicle_reservations, treat_none_as_default_value = false, treat_none_as_null = true)]
pub struct VehicleReservation {
    pub id: String,
    pub org_id: String,
    pub vehicle_id: String,
    pub customer_id: String,
    /// The user (or API client) who made it.
    pub reserved_by: String,
    pub status: String,
    pub note: Option<String>,
    pub expires_at: chrono::NaiveDateTime,
    pub released_at: Option<chrono::NaiveDateTime>,
    pub released_by: Option<String>,
    pub release_reason: Option<String>,
    pub release_note: Option<String>,
    pub version: i64,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

super::record::versioned_record!(VehicleReservation, vehicle_reservations);

/// Which reservations a list shows, oldest first by id.
#[derive(Debug, Default, Clone)]
pub struct ReservationFilter {
    pub status: Option<String>,
    pub customer_id: Option<String>,
    pub vehicle_id: Option<String>,
    pub after_id: Option<String>,
    pub limit: i64,
}

impl VehicleReservation {
    pub const ACTIVE: &'static str = "active";

    /// The car's active reservation, if any.
    pub fn active_for_vehicle(
        conn: &mut DbConn,
        org_id: &str,
        vehicle_id: &str,
    ) -> QueryResult<Option<Self>> {
        vehicle_reservations::table
            .filter(vehicle_reservations::org_id.eq(org_id))
            .filter(vehicle_reservations::vehicle_id.eq(vehicle_id))
            .filter(vehicle_reservations::status.eq(Self::ACTIVE))
            .select(Self::as_select())
            .first(conn)
            .optional()
    }

    pub fn list(
        conn: &mut DbConn,
        org_id: &str,
        filter: &ReservationFilter,
    ) -> QueryResult<Vec<Self>> {
        use vehicle_reservations as r;
        let mut query = r::table
            .filter(r::org_id.eq(org_id))
            .select(Self::as_select())
            .into_boxed();
        if let Some(status) = &filter.status {
            query = query.filter(r::status.eq(status.clone()));
        }
        if let Some(customer) = &filter.customer_id {
            query = query.filter(r::customer_id.eq(customer.clone()));
        }
        if let Some(vehicle) = &filter.vehicle_id {
            query = query.filter(r::vehicle_id.eq(vehicle.clone()));
        }
        if let Some(after) = &filter.after_id {
            query = query.filter(r::id.gt(after.clone()));
        }
        crate::db::first_rows(conn, query.order(r::id.asc()), filter.limit)
    }

    /// Active reservations of every organisation whose expiry has come: `(org_id, id)`,
    /// soonest first.
    pub fn expired(
        conn: &mut DbConn,
        now: chrono::NaiveDateTime,
        limit: i64,
    ) -> QueryResult<Vec<(String, String)>> {
        use vehicle_reservations as r;
        r::table
            .filter(r::status.eq(Self::ACTIVE))
            .filter(r::expires_at.le(now))
            .order((r::expires_at.asc(), r::id.asc()))
            .select((r::org_id, r::id))
            .limit(limit)
            .load(conn)
    }
}
