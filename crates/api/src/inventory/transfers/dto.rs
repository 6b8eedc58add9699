//! What the transfer endpoints read and write.

use autocrm_domain::vehicle::TransferStatus;
use autocrm_persistence::models::TransferTracking;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::service::{Dispatch, NewTracking, NewTransfer, TransferView};
use crate::http::pagination::Cursor;
use crate::inventory::vehicles::view::VehicleSummary;
use crate::validate::rules;
use crate::validate::schema::{Id, OptionalText, Text, UuidText, string_enum};

string_enum!(StatusSchema = TransferStatus::NAMES);

fn text(value: &str) -> String {
    value.trim().to_owned()
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "vehicle_id": "0193a5d0-1c2b-7a00-9e1f-3b4c5d6e7f80",
    "to_store_id": "0193a5c4-5a1b-7c00-8d2e-1f2a3b4c5d61",
    "reason": "长沙店客户指定此车，已交定金"
}))]
pub struct CreateTransfer {
    /// A car in stock at one of the organisation's stores (422 `not_found`, `no_store`).
    #[validate(custom(function = "rules::id"))]
    #[schema(value_type = Id, inline)]
    pub vehicle_id: String,
    /// Another active store of the organisation (422 `not_found`, `same_store`).
    #[validate(custom(function = "rules::id"))]
    #[schema(value_type = Id, inline)]
    pub to_store_id: String,
    #[validate(length(max = 500), custom(function = "rules::text"))]
    #[schema(value_type = Text<500>, inline)]
    pub reason: String,
}

impl CreateTransfer {
    pub fn into_command(self) -> NewTransfer {
        NewTransfer {
            vehicle_id: rules::normalised_id(&self.vehicle_id).unwrap_or_default(),
            to_store_id: rules::normalised_id(&self.to_store_id).unwrap_or_default(),
            reason: text(&self.reason),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "carrier": "安吉物流", "waybill_no": "AJ20261207001",
    "estimated_arrival": "2026-12-10T08:00:00Z"
}))]
pub struct DispatchTransfer {
    #[validate(length(max = 100), custom(function = "rules::text"))]
    #[schema(value_type = Text<100>, inline)]
    pub carrier: String,
    #[validate(length(max = 64), custom(function = "rules::text"))]
    #[schema(value_type = Text<64>, inline)]
    pub waybill_no: String,
    /// RFC 3339, later than now (422 `not_in_future`).
    pub estimated_arrival: Option<DateTime<Utc>>,
}

impl DispatchTransfer {
    pub fn into_command(self) -> Dispatch {
        Dispatch {
            carrier: text(&self.carrier),
            waybill_no: text(&self.waybill_no),
            estimated_arrival: self.estimated_arrival,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "客户取消购车"}))]
pub struct CancelTransfer {
    #[validate(length(max = 500), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<500>>, inline)]
    pub reason: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "at": "2026-12-08T14:30:00Z", "position": "G4京港澳高速 长沙段", "city": "长沙",
    "note": "预计明早到店"
}))]
pub struct AddTracking {
    /// When the car was there (RFC 3339); defaults to now, never later (422 `in_future`).
    pub at: Option<DateTime<Utc>>,
    #[validate(length(max = 200), custom(function = "rules::text"))]
    #[schema(value_type = Text<200>, inline)]
    pub position: String,
    #[validate(length(max = 60), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<60>>, inline)]
    pub city: Option<String>,
    #[validate(length(max = 500), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<500>>, inline)]
    pub note: Option<String>,
}

impl AddTracking {
    pub fn into_command(self) -> NewTracking {
        NewTracking {
            at: self.at,
            position: text(&self.position),
            city: rules::trimmed(self.city.as_deref()),
            note: rules::trimmed(self.note.as_deref()),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TransferListQuery {
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    #[param(value_type = Option<Cursor>, inline)]
    pub cursor: Option<String>,
    #[param(value_type = Option<StatusSchema>, inline)]
    pub status: Option<String>,
    /// Transfers from or to this store.
    #[param(value_type = Option<UuidText>, inline)]
    pub store_id: Option<String>,
}

/// The estimate made when the transfer was requested, from the two stores' cities.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"distance_km": 640, "road_km": 800, "days": 3, "cost_cents": 210000}))]
pub struct EstimateDto {
    /// Straight-line distance between the two cities.
    pub distance_km: i64,
    /// Estimated road distance.
    pub road_km: i64,
    pub days: i32,
    pub cost_cents: i64,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5d4-5e6f-7a00-8b1c-4d5e6f7a8b90", "at": "2026-12-08T14:30:00Z",
    "position": "G4京港澳高速 长沙段", "city": "长沙", "note": "预计明早到店",
    "recorded_by": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12"
}))]
pub struct TrackingDto {
    pub id: String,
    pub at: DateTime<Utc>,
    pub position: String,
    pub city: Option<String>,
    pub note: Option<String>,
    pub recorded_by: String,
}

impl From<TransferTracking> for TrackingDto {
    fn from(t: TransferTracking) -> Self {
        Self {
            id: t.id,
            at: t.at.and_utc(),
            position: t.position,
            city: t.city,
            note: t.note,
            recorded_by: t.recorded_by,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5d3-4d5e-7f00-9a1b-3c4d5e6f7a80",
    "vehicle": {
        "id": "0193a5d0-1c2b-7a00-9e1f-3b4c5d6e7f80", "vin": "LGXCE6CB8P0123456",
        "stock_number": "SZ-2026-0412", "store_id": "0193a5c4-5a1b-7c00-8d2e-1f2a3b4c5d60",
        "condition": "used", "brand": "比亚迪", "model": "汉", "trim": "EV 创世版 610KM",
        "model_year": 2023, "body_type": "sedan", "energy_type": "bev", "colour": "汉宫红",
        "seats": 5, "mileage_km": 18600, "first_registration_date": "2023-05-18",
        "asking_price_cents": 15980000, "status": "in_transit", "in_stock_since": "2026-10-09"
    },
    "from_store_id": "0193a5c4-5a1b-7c00-8d2e-1f2a3b4c5d60",
    "to_store_id": "0193a5c4-5a1b-7c00-8d2e-1f2a3b4c5d61",
    "status": "in_transit", "reason": "长沙店客户指定此车，已交定金",
    "requested_by": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12",
    "estimate": {"distance_km": 640, "road_km": 800, "days": 3, "cost_cents": 210000},
    "approved_by": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a13", "approved_at": "2026-12-07T09:00:00Z",
    "dispatched_by": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a13", "dispatched_at": "2026-12-07T15:00:00Z",
    "carrier": "安吉物流", "waybill_no": "AJ20261207001", "estimated_arrival": "2026-12-10T08:00:00Z",
    "received_by": null, "received_at": null, "cancelled_by": null, "cancelled_at": null,
    "cancel_reason": null,
    "tracking": [{"id": "0193a5d4-5e6f-7a00-8b1c-4d5e6f7a8b90", "at": "2026-12-08T14:30:00Z",
                  "position": "G4京港澳高速 长沙段", "city": "长沙", "note": "预计明早到店",
                  "recorded_by": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12"}],
    "version": 3, "created_at": "2026-12-07T08:00:00Z", "updated_at": "2026-12-07T15:00:00Z"
}))]
pub struct TransferDto {
    pub id: String,
    /// The car (never its cost or floor price).
    pub vehicle: VehicleSummary,
    pub from_store_id: String,
    pub to_store_id: String,
    /// requested, approved, in_transit, received or cancelled.
    pub status: String,
    pub reason: String,
    pub requested_by: String,
    /// Absent when a store's city is not in the city table.
    pub estimate: Option<EstimateDto>,
    pub approved_by: Option<String>,
    pub approved_at: Option<DateTime<Utc>>,
    pub dispatched_by: Option<String>,
    pub dispatched_at: Option<DateTime<Utc>>,
    pub carrier: Option<String>,
    pub waybill_no: Option<String>,
    pub estimated_arrival: Option<DateTime<Utc>>,
    pub received_by: Option<String>,
    pub received_at: Option<DateTime<Utc>>,
    pub cancelled_by: Option<String>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub cancel_reason: Option<String>,
    /// Logistics entries, oldest first (on a single transfer, not in lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tracking: Option<Vec<TrackingDto>>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<TransferView> for TransferDto {
    fn from(v: TransferView) -> Self {
        let t = v.transfer;
        let estimate = match (
            t.distance_km,
            t.road_km,
            t.estimated_days,
            t.estimated_cost_cents,
        ) {
            (Some(distance_km), Some(road_km), Some(days), Some(cost_cents)) => Some(EstimateDto {
                distance_km,
                road_km,
                days,
                cost_cents,
            }),
            _ => None,
        };
        Self {
            id: t.id,
            vehicle: VehicleSummary::from(&v.vehicle),
            from_store_id: t.from_store_id,
            to_store_id: t.to_store_id,
            status: t.status,
            reason: t.reason,
            requested_by: t.requested_by,
            estimate,
            approved_by: t.approved_by,
            approved_at: t.approved_at.map(|a| a.and_utc()),
            dispatched_by: t.dispatched_by,
            dispatched_at: t.dispatched_at.map(|a| a.and_utc()),
            carrier: t.carrier,
            waybill_no: t.waybill_no,
            estimated_arrival: t.estimated_arrival.map(|a| a.and_utc()),
            received_by: t.received_by,
            received_at: t.received_at.map(|a| a.and_utc()),
            cancelled_by: t.cancelled_by,
            cancelled_at: t.cancelled_at.map(|a| a.and_utc()),
            cancel_reason: t.cancel_reason,
            tracking: v
                .tracking
                .map(|entries| entries.into_iter().map(TrackingDto::from).collect()),
            version: t.version,
            created_at: t.created_at.and_utc(),
            updated_at: t.updated_at.and_utc(),
        }
    }
}
