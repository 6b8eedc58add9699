//! What the reservation endpoints read and write.

use autocrm_domain::vehicle::HoldState;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::service::{NewReservation, ReservationStatus, Shown};
use crate::http::pagination::Cursor;
use crate::validate::rules;
use crate::validate::schema::{Id, OptionalText, UuidText, string_enum};

string_enum!(StatusSchema = ReservationStatus::NAMES);

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70",
    "expires_at": "2026-12-09T10:00:00Z",
    "note": "客户周六带家人来看车，已交意向金2000元"
}))]
pub struct CreateReservation {
    /// A customer the caller sees (422 `not_found` otherwise).
    #[validate(custom(function = "rules::id"))]
    #[schema(value_type = Id, inline)]
    pub customer_id: String,
    /// When the hold ends (RFC 3339): in the future and at most 7 days ahead (422
    /// `expiry_not_in_future`, `hold_too_long`); without it, 48 hours.
    pub expires_at: Option<DateTime<Utc>>,
    #[validate(length(max = 500), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<500>>, inline)]
    pub note: Option<String>,
}

impl CreateReservation {
    pub fn into_command(self) -> NewReservation {
        NewReservation {
            customer_id: rules::normalised_id(&self.customer_id).unwrap_or_default(),
            expires_at: self.expires_at,
            note: rules::trimmed(self.note.as_deref()),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "客户改选同款白色车"}))]
pub struct CancelReservation {
    #[validate(length(max = 500), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<500>>, inline)]
    pub reason: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReservationListQuery {
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    #[param(value_type = Option<Cursor>, inline)]
    pub cursor: Option<String>,
    #[param(value_type = Option<StatusSchema>, inline)]
    pub status: Option<String>,
    /// A customer the caller sees (404 otherwise).
    #[param(value_type = Option<UuidText>, inline)]
    pub customer_id: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    #[param(value_type = Option<Cursor>, inline)]
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5d2-3c4d-7e00-8f1a-2b3c4d5e6f70",
    "vehicle_id": "0193a5d0-1c2b-7a00-9e1f-3b4c5d6e7f80",
    "customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70",
    "reserved_by": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12", "status": "active",
    "note": "客户周六带家人来看车，已交意向金2000元",
    "reserved_at": "2026-12-07T10:00:00Z", "expires_at": "2026-12-09T10:00:00Z",
    "hold": {"state": "holding", "remaining_seconds": 172800},
    "released_at": null, "released_by": null, "release_reason": null, "release_note": null,
    "version": 1
}))]
pub struct ReservationDto {
    pub id: String,
    pub vehicle_id: String,
    pub customer_id: String,
    /// The user (or API client) who made it.
    pub reserved_by: String,
    /// active, cancelled or expired.
    pub status: String,
    /// Shown only to callers who see the customer (null for others).
    pub note: Option<String>,
    pub reserved_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// Whether it holds the car now: `not_yet_made`, `holding` (with `remaining_seconds`),
    /// `released` or `expired` (with `at`).
    #[schema(value_type = Object)]
    pub hold: HoldState,
    pub released_at: Option<DateTime<Utc>>,
    pub released_by: Option<String>,
    /// Why a cancelled reservation ended: cancelled or vehicle_sold.
    pub release_reason: Option<String>,
    /// The canceller's reason (shown as `note`).
    pub release_note: Option<String>,
    pub version: i64,
}

impl From<Shown> for ReservationDto {
    fn from(s: Shown) -> Self {
        let r = s.reservation;
        Self {
            note: r.note.filter(|_| s.texts_visible),
            release_note: r.release_note.filter(|_| s.texts_visible),
            id: r.id,
            vehicle_id: r.vehicle_id,
            customer_id: r.customer_id,
            reserved_by: r.reserved_by,
            status: r.status,
            reserved_at: r.created_at.and_utc(),
            expires_at: r.expires_at.and_utc(),
            hold: s.hold,
            released_at: r.released_at.map(|t| t.and_utc()),
            released_by: r.released_by,
            release_reason: r.release_reason,
            version: r.version,
        }
    }
}
