//! What the test-drive endpoints read and write.

use std::collections::BTreeMap;

use autocrm_domain::sales::test_drives::{Interval, TestDriveConfig, TestDriveStatus};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::service::{Feedback, NewTestDrive, Shown};
use crate::http::pagination::Cursor;
use crate::validate::rules;
use crate::validate::schema::{Id, OptionalText, UuidText, string_enum};

string_enum!(StatusSchema = TestDriveStatus::NAMES);

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "vehicle_id": "0193a5d0-1c2b-7a00-9e1f-3b4c5d6e7f80",
    "customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70",
    "lead_id": "0193a5c9-4d5e-7f00-8a1b-2c3d4e5f6a71",
    "consultant_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12",
    "starts_at": "2026-12-12T02:00:00Z", "ends_at": "2026-12-12T03:00:00Z",
    "driving_licence_number": "440305199001011234",
    "note": "客户想试高速路段，带家人一起"
}))]
pub struct CreateTestDrive {
    /// A car of the organisation on the lot (in stock or reserved), or a demo car (feature
    /// `demo_car`) whatever its sale status (422 `not_found`; 409 `invalid_transition` when
    /// it cannot be driven).
    #[validate(custom(function = "rules::id"))]
    #[schema(value_type = Id, inline)]
    pub vehicle_id: String,
    /// A customer the caller sees (422 `not_found` otherwise).
    #[validate(custom(function = "rules::id"))]
    #[schema(value_type = Id, inline)]
    pub customer_id: String,
    /// A lead of that customer (422 `not_found` otherwise); marks it worked.
    #[validate(custom(function = "rules::id"))]
    #[schema(value_type = Option<Id>, inline)]
    pub lead_id: Option<String>,
    /// An active user of the organisation; without it, the caller.
    #[validate(custom(function = "rules::id"))]
    #[schema(value_type = Option<Id>, inline)]
    pub consultant_id: Option<String>,
    /// On the organisation's slot grid (`/api/v1/settings/test-drives`, 30 minutes by
    /// default) in its time zone, between 09:00 and 20:00 local time, in the future.
    pub starts_at: DateTime<Utc>,
    /// After `starts_at`, on the grid, at most `max_slots` slots later.
    pub ends_at: DateTime<Utc>,
    /// 6 to 30 letters and digits; stored encrypted, answered masked.
    pub driving_licence_number: Option<String>,
    #[validate(length(max = 500), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<500>>, inline)]
    pub note: Option<String>,
}

impl CreateTestDrive {
    pub fn into_command(self) -> NewTestDrive {
        let id = |s: &str| rules::normalised_id(s).unwrap_or_default();
        NewTestDrive {
            vehicle_id: id(&self.vehicle_id),
            customer_id: id(&self.customer_id),
            lead_id: self.lead_id.as_deref().map(id),
            consultant_id: self.consultant_id.as_deref().map(id),
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            licence_number: rules::trimmed(self.driving_licence_number.as_deref()),
            note: rules::trimmed(self.note.as_deref()),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "vehicle_id": "0193a5d0-1c2b-7a00-9e1f-3b4c5d6e7f80",
    "starts_at": "2026-12-12T06:00:00Z", "ends_at": "2026-12-12T06:30:00Z",
    "driving_licence_number": "440305199001011234"
}))]
pub struct CreateOwnTestDrive {
    /// A car of the organisation that can be driven (see `POST /api/v1/test-drives`).
    #[validate(custom(function = "rules::id"))]
    #[schema(value_type = Id, inline)]
    pub vehicle_id: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// 6 to 30 letters and digits; stored encrypted, answered masked.
    pub driving_licence_number: Option<String>,
    #[validate(length(max = 500), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<500>>, inline)]
    pub note: Option<String>,
}

impl CreateOwnTestDrive {
    pub fn into_command(self) -> NewTestDrive {
        NewTestDrive {
            vehicle_id: rules::normalised_id(&self.vehicle_id).unwrap_or_default(),
            customer_id: String::new(),
            lead_id: None,
            consultant_id: None,
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            licence_number: rules::trimmed(self.driving_licence_number.as_deref()),
            note: rules::trimmed(self.note.as_deref()),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "liked": ["加速快", "座椅舒适", "隔音好"], "disliked": ["后排头部空间小"],
    "ratings": {"overall": 4, "comfort": 5, "handling": 4},
    "comment": "客户对动力很满意，担心充电桩安装"
}))]
pub struct FeedbackBody {
    /// At most 20, each at most 50 characters.
    #[validate(length(max = 20))]
    #[serde(default)]
    pub liked: Vec<String>,
    /// At most 20, each at most 50 characters.
    #[validate(length(max = 20))]
    #[serde(default)]
    pub disliked: Vec<String>,
    /// 1 to 5 for each of: overall, comfort, handling, acceleration, braking, quietness,
    /// space, technology (422 `unknown_rating`, `out_of_range`).
    #[serde(default)]
    pub ratings: BTreeMap<String, u8>,
    #[validate(length(max = 1000), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<1000>>, inline)]
    pub comment: Option<String>,
}

impl FeedbackBody {
    pub fn into_feedback(self) -> Feedback {
        let clean = |v: Vec<String>| -> Vec<String> {
            v.into_iter()
                .map(|s| s.trim().chars().take(50).collect::<String>())
                .filter(|s| !s.is_empty())
                .collect()
        };
        Feedback {
            liked: clean(self.liked),
            disliked: clean(self.disliked),
            ratings: self.ratings,
            comment: rules::trimmed(self.comment.as_deref()),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TestDriveListQuery {
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    #[param(value_type = Option<Cursor>, inline)]
    pub cursor: Option<String>,
    #[param(value_type = Option<UuidText>, inline)]
    pub vehicle_id: Option<String>,
    #[param(value_type = Option<UuidText>, inline)]
    pub consultant_id: Option<String>,
    #[param(value_type = Option<UuidText>, inline)]
    pub customer_id: Option<String>,
    /// Appointments that end after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Appointments that start before this instant.
    pub to: Option<DateTime<Utc>>,
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

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SlotsQuery {
    /// The day, in the organisation's time zone (`2026-12-12`).
    pub date: NaiveDate,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "liked": ["加速快", "座椅舒适"], "disliked": ["后排头部空间小"],
    "ratings": {"overall": 4, "comfort": 5}, "comment": "客户对动力很满意"
}))]
pub struct FeedbackDto {
    pub liked: Vec<String>,
    pub disliked: Vec<String>,
    pub ratings: BTreeMap<String, u8>,
    pub comment: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5e1-2b3c-7d00-8e1f-4a5b6c7d8e90",
    "vehicle_id": "0193a5d0-1c2b-7a00-9e1f-3b4c5d6e7f80",
    "customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70",
    "lead_id": null, "consultant_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12",
    "store_id": "0193a5c4-5a1b-7c00-8d2e-1f2a3b4c5d60",
    "starts_at": "2026-12-12T02:00:00Z", "ends_at": "2026-12-12T03:00:00Z",
    "status": "booked", "driving_licence_number": "**************1234",
    "note": "客户想试高速路段，带家人一起", "feedback": null,
    "booked_by": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12", "booked_via": "staff",
    "closed_at": null, "closed_by": null, "version": 1,
    "created_at": "2026-12-08T09:12:00Z", "updated_at": "2026-12-08T09:12:00Z"
}))]
pub struct TestDriveDto {
    pub id: String,
    pub vehicle_id: String,
    pub customer_id: String,
    pub lead_id: Option<String>,
    pub consultant_id: String,
    /// The car's store when booked.
    pub store_id: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// booked, in_progress, completed, cancelled or no_show.
    #[schema(value_type = StatusSchema, inline)]
    pub status: String,
    /// Masked: the last four characters only.
    pub driving_licence_number: Option<String>,
    pub note: Option<String>,
    pub feedback: Option<FeedbackDto>,
    pub booked_by: String,
    /// staff or customer.
    pub booked_via: String,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_by: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Shown> for TestDriveDto {
    fn from(s: Shown) -> Self {
        let d = s.drive;
        Self {
            id: d.id,
            vehicle_id: d.vehicle_id,
            customer_id: d.customer_id,
            lead_id: d.lead_id,
            consultant_id: d.consultant_id,
            store_id: d.store_id,
            starts_at: d.starts_at.and_utc(),
            ends_at: d.ends_at.and_utc(),
            status: d.status,
            driving_licence_number: d.licence_masked,
            note: d.note,
            feedback: s.feedback.map(|f| FeedbackDto {
                liked: f.liked,
                disliked: f.disliked,
                ratings: f.ratings,
                comment: f.comment,
            }),
            booked_by: d.booked_by,
            booked_via: d.booked_via,
            closed_at: d.closed_at.map(|t| t.and_utc()),
            closed_by: d.closed_by,
            version: d.version,
            created_at: d.created_at.and_utc(),
            updated_at: d.updated_at.and_utc(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"starts_at": "2026-12-12T02:00:00Z", "ends_at": "2026-12-12T02:30:00Z"}))]
pub struct SlotDto {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

impl From<Interval<DateTime<Utc>>> for SlotDto {
    fn from(i: Interval<DateTime<Utc>>) -> Self {
        Self {
            starts_at: i.start(),
            ends_at: i.end(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"date": "2026-12-12", "slot_minutes": 30, "slots": [
    {"starts_at": "2026-12-12T01:00:00Z", "ends_at": "2026-12-12T01:30:00Z"},
    {"starts_at": "2026-12-12T01:30:00Z", "ends_at": "2026-12-12T02:00:00Z"}
]}))]
pub struct FreeSlotsDto {
    pub date: NaiveDate,
    pub slot_minutes: u32,
    pub slots: Vec<SlotDto>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"slot_minutes": 30, "max_slots": 4}))]
pub struct TestDriveSettingsDto {
    /// 5 to 240, dividing a day (422 `out_of_range`, `not_allowed`).
    #[validate(range(min = 5, max = 240))]
    #[schema(minimum = 5, maximum = 240)]
    pub slot_minutes: u32,
    /// The longest appointment in slots, 1 to 16.
    #[validate(range(min = 1, max = 16))]
    #[schema(minimum = 1, maximum = 16)]
    pub max_slots: u32,
}

impl From<TestDriveConfig> for TestDriveSettingsDto {
    fn from(c: TestDriveConfig) -> Self {
        Self {
            slot_minutes: c.slot_minutes,
            max_slots: c.max_slots,
        }
    }
}

impl From<TestDriveSettingsDto> for TestDriveConfig {
    fn from(d: TestDriveSettingsDto) -> Self {
        TestDriveConfig {
            slot_minutes: d.slot_minutes,
            max_slots: d.max_slots,
        }
    }
}
