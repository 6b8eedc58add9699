//! What the showroom endpoints read and write.

use autocrm_domain::contact::Phone;
use autocrm_domain::sales::visits::{InvitationStatus, VisitKind};
use autocrm_persistence::models::{ShowroomVisit, StoreVisitInvitation};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

use super::service::{NewInvitation, NewVisit, Outcome, Registered, Stats, VisitChanges};
use crate::http::pagination::Cursor;
use crate::validate::rules;
use crate::validate::schema::{self, Id, OptionalText, UuidText, string_enum};

string_enum!(VisitKindSchema = VisitKind::NAMES);
string_enum!(InvitationStatusSchema = InvitationStatus::NAMES);
/// The outcomes an invitation can be given.
pub const OUTCOMES: [&str; 4] = ["showed", "no_show", "rescheduled", "cancelled"];
string_enum!(OutcomeSchema = OUTCOMES);

fn outcome(value: &str) -> Result<(), ValidationError> {
    rules::one_of_names(value, &OUTCOMES)
}

fn id(s: &str) -> String {
    rules::normalised_id(s).unwrap_or_default()
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "phone": "13912345678", "name": "陈先生",
    "store_id": "0193a5c4-5a1b-7c00-8d2e-1f2a3b4c5d60",
    "consultant_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12",
    "arrived_at": "2026-12-06T02:30:00Z", "party_size": 3,
    "note": "一家三口，看7座SUV，预算30万以内"
}))]
pub struct RegisterVisit {
    /// A customer the caller sees (422 `not_found` otherwise). Without it, `phone` finds
    /// the customer, or a new prospect and a `walk_in` lead are created with the visit.
    #[validate(custom(function = "rules::id"))]
    #[schema(value_type = Option<Id>, inline)]
    pub customer_id: Option<String>,
    /// E.164, or an 11-digit Chinese mobile: matches any of a customer's phones (blind
    /// index). Required without `customer_id` (422 `required`).
    #[validate(custom(function = "rules::phone"))]
    #[schema(value_type = Option<schema::Phone>, inline)]
    pub phone: Option<String>,
    /// The new prospect's name (`未留名客户` without one).
    #[validate(length(max = 100), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<100>>, inline)]
    pub name: Option<String>,
    /// An active store; without it the caller's store, else the consultant's. Store staff
    /// register in their own store only (403).
    #[validate(custom(function = "rules::id"))]
    #[schema(value_type = Option<Id>, inline)]
    pub store_id: Option<String>,
    /// The consultant who received them (an active user); the caller by default.
    #[validate(custom(function = "rules::id"))]
    #[schema(value_type = Option<Id>, inline)]
    pub consultant_id: Option<String>,
    /// When they arrived; now by default; not in the future (422 `in_future`).
    pub arrived_at: Option<DateTime<Utc>>,
    /// When they left, after the arrival (422 `out_of_range`); usually set later with PATCH.
    pub departed_at: Option<DateTime<Utc>>,
    /// 1 to 50 people.
    #[validate(range(min = 1, max = 50))]
    #[schema(minimum = 1, maximum = 50)]
    pub party_size: u8,
    /// A scheduled invitation of this customer that the visit settles as showed (409
    /// `invalid_transition` when it has its outcome). Without it, the customer's scheduled
    /// invitation due around the visit (from its day to a day after the appointment) is.
    #[validate(custom(function = "rules::id"))]
    #[schema(value_type = Option<Id>, inline)]
    pub invitation_id: Option<String>,
    #[validate(length(max = 500), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<500>>, inline)]
    pub note: Option<String>,
}

impl RegisterVisit {
    pub fn into_command(self) -> NewVisit {
        NewVisit {
            customer_id: self.customer_id.as_deref().map(id),
            phone: self.phone.as_deref().and_then(|p| Phone::parse(p).ok()),
            name: rules::trimmed(self.name.as_deref()),
            store_id: self.store_id.as_deref().map(id),
            consultant_id: self.consultant_id.as_deref().map(id),
            arrived_at: self.arrived_at,
            departed_at: self.departed_at,
            party_size: self.party_size,
            invitation_id: self.invitation_id.as_deref().map(id),
            note: rules::trimmed(self.note.as_deref()),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"departed_at": "2026-12-06T04:05:00Z", "party_size": 4,
    "note": "试驾后离店，约周六再来谈价"}))]
pub struct PatchVisit {
    /// After the arrival (422 `out_of_range`), not in the future (422 `in_future`).
    pub departed_at: Option<DateTime<Utc>>,
    /// 1 to 50 people.
    #[validate(range(min = 1, max = 50))]
    #[schema(minimum = 1, maximum = 50)]
    pub party_size: Option<u8>,
    #[validate(length(max = 500), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<500>>, inline)]
    pub note: Option<String>,
}

impl PatchVisit {
    pub fn into_changes(self) -> VisitChanges {
        VisitChanges {
            departed_at: self.departed_at,
            party_size: self.party_size,
            note: rules::trimmed(self.note.as_deref()),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a600-1a2b-7c00-8d1e-2f3a4b5c6d80",
    "store_id": "0193a5c4-5a1b-7c00-8d2e-1f2a3b4c5d60",
    "customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70",
    "lead_id": "0193a5e0-1a2b-7c00-8d1e-2f3a4b5c6d70",
    "consultant_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12",
    "arrived_at": "2026-12-06T02:30:00Z", "departed_at": "2026-12-06T04:05:00Z",
    "stay_minutes": 95, "party_size": 3, "kind": "first_visit", "invitation_id": null,
    "note": "一家三口，看7座SUV，预算30万以内",
    "registered_by": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a13",
    "customer_created": true, "lead_created": true, "version": 1,
    "created_at": "2026-12-06T02:31:00Z", "updated_at": "2026-12-06T04:05:10Z"
}))]
pub struct VisitDto {
    pub id: String,
    pub store_id: Option<String>,
    pub customer_id: String,
    pub lead_id: Option<String>,
    pub consultant_id: Option<String>,
    pub arrived_at: DateTime<Utc>,
    pub departed_at: Option<DateTime<Utc>>,
    /// Minutes between arrival and departure, once they left.
    pub stay_minutes: Option<i64>,
    pub party_size: i32,
    /// first_visit or repeat_visit.
    #[schema(value_type = VisitKindSchema, inline)]
    pub kind: String,
    /// The invitation this visit settled as showed.
    pub invitation_id: Option<String>,
    pub note: Option<String>,
    pub registered_by: String,
    /// Whether registering created the customer (a new prospect) and the lead; only in the
    /// answer to the registration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_created: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lead_created: Option<bool>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<ShowroomVisit> for VisitDto {
    fn from(v: ShowroomVisit) -> Self {
        Self {
            stay_minutes: v.departed_at.map(|d| (d - v.arrived_at).num_minutes()),
            id: v.id,
            store_id: v.store_id,
            customer_id: v.customer_id,
            lead_id: v.lead_id,
            consultant_id: v.consultant_id,
            arrived_at: v.arrived_at.and_utc(),
            departed_at: v.departed_at.map(|t| t.and_utc()),
            party_size: v.party_size,
            kind: v.kind,
            invitation_id: v.invitation_id,
            note: v.note,
            registered_by: v.registered_by,
            customer_created: None,
            lead_created: None,
            version: v.version,
            created_at: v.created_at.and_utc(),
            updated_at: v.updated_at.and_utc(),
        }
    }
}

impl From<Registered> for VisitDto {
    fn from(r: Registered) -> Self {
        Self {
            customer_created: Some(r.customer_created),
            lead_created: Some(r.lead_created),
            ..VisitDto::from(r.visit)
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ShowroomListQuery {
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    #[param(value_type = Option<Cursor>, inline)]
    pub cursor: Option<String>,
    #[param(value_type = Option<UuidText>, inline)]
    pub store_id: Option<String>,
    #[param(value_type = Option<UuidText>, inline)]
    pub consultant_id: Option<String>,
    #[param(value_type = Option<UuidText>, inline)]
    pub customer_id: Option<String>,
    /// Arrivals (visits) or appointments (invitations) at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// ... and before this one.
    pub to: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct InvitationListQuery {
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    #[param(value_type = Option<Cursor>, inline)]
    pub cursor: Option<String>,
    #[param(value_type = Option<UuidText>, inline)]
    pub store_id: Option<String>,
    #[param(value_type = Option<UuidText>, inline)]
    pub consultant_id: Option<String>,
    #[param(value_type = Option<UuidText>, inline)]
    pub customer_id: Option<String>,
    /// scheduled, showed, no_show, rescheduled or cancelled.
    #[param(value_type = Option<InvitationStatusSchema>, inline)]
    pub status: Option<String>,
    /// Appointments at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// ... and before this one.
    pub to: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70",
    "lead_id": "0193a5e0-1a2b-7c00-8d1e-2f3a4b5c6d70",
    "appointment_at": "2026-12-12T06:00:00Z",
    "note": "周六下午到店谈价，带上旧车评估"
}))]
pub struct CreateInvitation {
    /// A customer the caller sees (422 `not_found` otherwise).
    #[validate(custom(function = "rules::id"))]
    #[schema(value_type = Id, inline)]
    pub customer_id: String,
    /// A lead of that customer (422 `not_found`); the customer's newest open lead by default.
    #[validate(custom(function = "rules::id"))]
    #[schema(value_type = Option<Id>, inline)]
    pub lead_id: Option<String>,
    /// The inviting consultant (an active user); the caller by default.
    #[validate(custom(function = "rules::id"))]
    #[schema(value_type = Option<Id>, inline)]
    pub consultant_id: Option<String>,
    /// An active store; the caller's (or the consultant's) by default.
    #[validate(custom(function = "rules::id"))]
    #[schema(value_type = Option<Id>, inline)]
    pub store_id: Option<String>,
    /// In the future (422 `in_past`).
    pub appointment_at: DateTime<Utc>,
    #[validate(length(max = 500), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<500>>, inline)]
    pub note: Option<String>,
}

impl CreateInvitation {
    pub fn into_command(self) -> NewInvitation {
        NewInvitation {
            customer_id: id(&self.customer_id),
            lead_id: self.lead_id.as_deref().map(id),
            consultant_id: self.consultant_id.as_deref().map(id),
            store_id: self.store_id.as_deref().map(id),
            appointment_at: self.appointment_at,
            note: rules::trimmed(self.note.as_deref()),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "rescheduled", "new_appointment_at": "2026-12-13T07:00:00Z",
    "note": "客户周六加班，改到周日下午"}))]
pub struct OutcomeBody {
    /// showed, no_show (once the appointment has passed), rescheduled (with
    /// `new_appointment_at`) or cancelled.
    #[validate(custom(function = "outcome"))]
    #[schema(value_type = OutcomeSchema, inline)]
    pub status: String,
    /// The new appointment of a rescheduled invitation, in the future.
    pub new_appointment_at: Option<DateTime<Utc>>,
    /// For showed: the customer's visit that shows it.
    #[validate(custom(function = "rules::id"))]
    #[schema(value_type = Option<Id>, inline)]
    pub visit_id: Option<String>,
    /// The note of the new invitation, when rescheduled.
    #[validate(length(max = 500), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<500>>, inline)]
    pub note: Option<String>,
}

impl OutcomeBody {
    pub fn into_command(self) -> Outcome {
        Outcome {
            status: self.status.parse().unwrap_or(InvitationStatus::Scheduled),
            new_appointment_at: self.new_appointment_at,
            visit_id: self.visit_id.as_deref().map(id),
            note: rules::trimmed(self.note.as_deref()),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a601-1a2b-7c00-8d1e-2f3a4b5c6d81",
    "store_id": "0193a5c4-5a1b-7c00-8d2e-1f2a3b4c5d60",
    "customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70",
    "lead_id": "0193a5e0-1a2b-7c00-8d1e-2f3a4b5c6d70",
    "consultant_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12",
    "appointment_at": "2026-12-12T06:00:00Z", "status": "showed",
    "note": "周六下午到店谈价，带上旧车评估",
    "visit_id": "0193a600-1a2b-7c00-8d1e-2f3a4b5c6d80",
    "rescheduled_from_id": null, "rescheduled_to_id": null,
    "outcome_at": "2026-12-12T06:12:00Z",
    "outcome_by": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a13",
    "created_by": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12", "version": 2,
    "created_at": "2026-12-08T09:00:00Z", "updated_at": "2026-12-12T06:12:00Z"
}))]
pub struct InvitationDto {
    pub id: String,
    pub store_id: Option<String>,
    pub customer_id: String,
    pub lead_id: Option<String>,
    pub consultant_id: String,
    pub appointment_at: DateTime<Utc>,
    /// scheduled, showed, no_show, rescheduled or cancelled.
    #[schema(value_type = InvitationStatusSchema, inline)]
    pub status: String,
    pub note: Option<String>,
    /// The visit that showed it.
    pub visit_id: Option<String>,
    /// The invitation this one carries on, and the one that carries this one on.
    pub rescheduled_from_id: Option<String>,
    pub rescheduled_to_id: Option<String>,
    pub outcome_at: Option<DateTime<Utc>>,
    /// Who recorded the outcome: a user id, or `system:showroom.settle_no_shows` for a
    /// no-show the system settled once the appointment's day had passed.
    pub outcome_by: Option<String>,
    pub created_by: String,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<StoreVisitInvitation> for InvitationDto {
    fn from(i: StoreVisitInvitation) -> Self {
        Self {
            id: i.id,
            store_id: i.store_id,
            customer_id: i.customer_id,
            lead_id: i.lead_id,
            consultant_id: i.consultant_id,
            appointment_at: i.appointment_at.and_utc(),
            status: i.status,
            note: i.note,
            visit_id: i.visit_id,
            rescheduled_from_id: i.rescheduled_from_id,
            rescheduled_to_id: i.rescheduled_to_id,
            outcome_at: i.outcome_at.map(|t| t.and_utc()),
            outcome_by: i.outcome_by,
            created_by: i.created_by,
            version: i.version,
            created_at: i.created_at.and_utc(),
            updated_at: i.updated_at.and_utc(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "invitation": {"id": "0193a601-1a2b-7c00-8d1e-2f3a4b5c6d81",
        "store_id": "0193a5c4-5a1b-7c00-8d2e-1f2a3b4c5d60",
        "customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70", "lead_id": null,
        "consultant_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12",
        "appointment_at": "2026-12-12T06:00:00Z", "status": "rescheduled", "note": null,
        "visit_id": null, "rescheduled_from_id": null,
        "rescheduled_to_id": "0193a601-1a2b-7c00-8d1e-2f3a4b5c6d82",
        "outcome_at": "2026-12-11T09:00:00Z",
        "outcome_by": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12",
        "created_by": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12", "version": 2,
        "created_at": "2026-12-08T09:00:00Z", "updated_at": "2026-12-11T09:00:00Z"},
    "next": {"id": "0193a601-1a2b-7c00-8d1e-2f3a4b5c6d82",
        "store_id": "0193a5c4-5a1b-7c00-8d2e-1f2a3b4c5d60",
        "customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70", "lead_id": null,
        "consultant_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12",
        "appointment_at": "2026-12-13T07:00:00Z", "status": "scheduled",
        "note": "客户周六加班，改到周日下午", "visit_id": null,
        "rescheduled_from_id": "0193a601-1a2b-7c00-8d1e-2f3a4b5c6d81",
        "rescheduled_to_id": null, "outcome_at": null, "outcome_by": null,
        "created_by": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12", "version": 1,
        "created_at": "2026-12-11T09:00:00Z", "updated_at": "2026-12-11T09:00:00Z"}
}))]
pub struct OutcomeDto {
    pub invitation: InvitationDto,
    /// The new invitation carrying a rescheduled one on.
    pub next: Option<InvitationDto>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StatsQuery {
    /// The period's start (arrivals and appointments at or after it); 30 days before `to`
    /// by default.
    pub from: Option<DateTime<Utc>>,
    /// Its end (before it); now by default. After `from` (422 `out_of_range`).
    pub to: Option<DateTime<Utc>>,
    /// One store's (within the caller's scope).
    #[param(value_type = Option<UuidText>, inline)]
    pub store_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"scheduled": 4, "showed": 12, "no_show": 5, "rescheduled": 2,
    "cancelled": 1}))]
pub struct InvitationCountsDto {
    pub scheduled: u32,
    pub showed: u32,
    pub no_show: u32,
    pub rescheduled: u32,
    pub cancelled: u32,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "from": "2026-11-07T00:00:00Z", "to": "2026-12-07T00:00:00Z",
    "store_id": "0193a5c4-5a1b-7c00-8d2e-1f2a3b4c5d60",
    "visits": 46, "first_visits": 31, "repeat_visits": 15,
    "invitations": {"scheduled": 4, "showed": 12, "no_show": 5, "rescheduled": 2, "cancelled": 1},
    "invitations_total": 24, "settled": 17, "showed": 12,
    "visit_rate_basis_points": 7059, "visit_rate_percent": "70.59"
}))]
pub struct ShowroomStatsDto {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub store_id: Option<String>,
    /// Walk-ins by arrival in the period.
    pub visits: u32,
    pub first_visits: u32,
    pub repeat_visits: u32,
    /// Invitations by appointment in the period, per status.
    pub invitations: InvitationCountsDto,
    pub invitations_total: u32,
    /// Invitations with a final outcome: showed + no_show (rescheduled ones count through
    /// the invitation that carries them on; cancelled and scheduled ones not at all).
    pub settled: u32,
    pub showed: u32,
    /// 到店率: showed / settled in basis points (1/100 of a percent), rounded half-up;
    /// null before any invitation is settled.
    pub visit_rate_basis_points: Option<u32>,
    /// The same as a percentage with two decimals.
    pub visit_rate_percent: Option<String>,
}

impl ShowroomStatsDto {
    pub fn new(from: DateTime<Utc>, to: DateTime<Utc>, store_id: Option<String>, s: Stats) -> Self {
        let c = s.invitations;
        Self {
            from,
            to,
            store_id,
            visits: s.visits,
            first_visits: s.first_visits,
            repeat_visits: s.repeat_visits,
            invitations_total: c.scheduled + c.showed + c.no_show + c.rescheduled + c.cancelled,
            invitations: InvitationCountsDto {
                scheduled: c.scheduled,
                showed: c.showed,
                no_show: c.no_show,
                rescheduled: c.rescheduled,
                cancelled: c.cancelled,
            },
            settled: s.rate.settled,
            showed: s.rate.showed,
            visit_rate_basis_points: s.rate.rate_basis_points,
            visit_rate_percent: s
                .rate
                .rate_basis_points
                .map(|bp| format!("{}.{:02}", bp / 100, bp % 100)),
        }
    }
}
