//! Transfers of cars between the stores of one organisation (调车), and their logistics
//! tracking entries (issue 9).

use diesel::prelude::*;

use crate::DbConn;
use crate::schema::{vehicle_transfer_tracking, vehicle_transfers};

/// A transfer: `status` is a `TransferStatus` wire name. The estimate is the one computed
/// when it was requested (absent when a store's city is unknown).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = vehicle_transfers, treat_none_as_default_value = false, treat_none_as_null = true)]
pub struct VehicleTransfer {
    pub id: String,
    pub org_id: String,
    pub vehicle_id: String,
    pub from_store_id: String,
    pub to_store_id: String,
    pub status: String,
    pub reason: String,
    pub requested_by: String,
    pub distance_km: Option<i64>,
    pub road_km: Option<i64>,
    pub estimated_days: Option<i32>,
    pub estimated_cost_cents: Option<i64>,
    pub approved_by: Option<String>,
    pub approved_at: Option<chrono::NaiveDateTime>,
    pub dispatched_by: Option<String>,
    pub dispatched_at: Option<chrono::NaiveDateTime>,
    pub carrier: Option<String>,
    pub waybill_no: Option<String>,
    pub estimated_arrival: Option<chrono::NaiveDateTime>,
    pub received_by: Option<String>,
    pub received_at: Option<chrono::NaiveDateTime>,
    pub cancelled_by: Option<String>,
    pub cancelled_at: Option<chrono::NaiveDateTime>,
    pub cancel_reason: Option<String>,
    pub version: i64,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

super::record::versioned_record!(VehicleTransfer, vehicle_transfers);

/// Which transfers a list shows, oldest first by id.
#[derive(Debug, Default, Clone)]
pub struct TransferFilter {
    pub status: Option<String>,
    /// Transfers from or to this store.
    pub store_id: Option<String>,
    pub vehicle_id: Option<String>,
    pub after_id: Option<String>,
    pub limit: i64,
}

impl VehicleTransfer {
    pub fn list(
        conn: &mut DbConn,
        org_id: &str,
        filter: &TransferFilter,
    ) -> QueryResult<Vec<Self>> {
        use vehicle_transfers as t;
        let mut query = t::table
            .filter(t::org_id.eq(org_id))
            .select(Self::as_select())
            .into_boxed();
        if let Some(status) = &filter.status {
            query = query.filter(t::status.eq(status.clone()));
        }
        if let Some(store) = &filter.store_id {
            query = query.filter(
                t::from_store_id
                    .eq(store.clone())
                    .or(t::to_store_id.eq(store.clone())),
            );
        }
        if let Some(vehicle) = &filter.vehicle_id {
            query = query.filter(t::vehicle_id.eq(vehicle.clone()));
        }
        if let Some(after) = &filter.after_id {
            query = query.filter(t::id.gt(after.clone()));
        }
        crate::db::first_rows(conn, query.order(t::id.asc()), filter.limit)
    }
}

/// Where a car in transit was seen.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = vehicle_transfer_tracking, treat_none_as_default_value = false)]
pub struct TransferTracking {
    pub id: String,
    pub org_id: String,
    pub transfer_id: String,
    pub at: chrono::NaiveDateTime,
    /// Free text: "G4京港澳高速 长沙段".
    pub position: String,
    pub city: Option<String>,
    pub note: Option<String>,
    pub recorded_by: String,
    pub created_at: chrono::NaiveDateTime,
}

impl TransferTracking {
    pub fn insert(&self, conn: &mut DbConn) -> QueryResult<()> {
        diesel::insert_into(vehicle_transfer_tracking::table)
            .values(self)
            .execute(conn)
            .map(drop)
    }

    /// A transfer's entries, oldest first.
    pub fn of_transfer(
        conn: &mut DbConn,
        org_id: &str,
        transfer_id: &str,
    ) -> QueryResult<Vec<Self>> {
        use vehicle_transfer_tracking as k;
        k::table
            .filter(k::org_id.eq(org_id))
            .filter(k::transfer_id.eq(transfer_id))
            .order((k::at.asc(), k::id.asc()))
            .select(Self::as_select())
            .load(conn)
    }
}
