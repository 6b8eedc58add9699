//! What `GET /api/v1/customers/{id}/360` answers: one field per section, each the DTO its
//! own capability answers elsewhere.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::service::Customer360;
use crate::activities::dto::ActivityDto;
use crate::activities::service::ActivitySummary;
use crate::behavior::dto::BehaviorSummaryDto;
use crate::consents::dto::ConsentStatusDto;
use crate::customers::dto::CustomerDto;
use crate::error::ApiError;
use crate::financing::dto::ApplicationDto;
use crate::garage::dto::VehicleDto;
use crate::inventory::inspections::service::LatestInspection;
use crate::inventory::vehicles::view::VehicleSummary;
use crate::tags::dto::{CustomerTags, TagDto};

/// A customer's activities at a glance.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "total": 4, "by_kind": {"call": 2, "store_visit": 1, "test_drive": 1},
    "last_activity_at": "2026-11-28T06:30:00Z", "next_follow_up_at": "2026-11-30T02:00:00Z",
    "latest": [{
        "id": "0193a5c4-8c3d-7a10-9b2c-3d4e5f6a7b80",
        "customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70", "kind": "test_drive",
        "outcome": "completed", "occurred_at": "2026-11-28T06:30:00Z",
        "next_follow_up_at": "2026-11-30T02:00:00Z", "content": "试驾比亚迪汉EV，对续航满意，周一回访报价",
        "attachment_ids": [], "created_by": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12",
        "created_at": "2026-11-28T06:35:00Z"
    }]
}))]
pub struct ActivitySummaryDto {
    /// Every activity of the customer.
    pub total: i64,
    /// Activities per kind (call, wechat, sms, email, store_visit, test_drive, note).
    pub by_kind: BTreeMap<String, i64>,
    /// When the latest activity took place.
    pub last_activity_at: Option<DateTime<Utc>>,
    /// The follow-up asked for by the most recent activity that named one (it may be past:
    /// overdue).
    pub next_follow_up_at: Option<DateTime<Utc>>,
    /// The 10 newest activities, newest first (the timeline has the rest).
    pub latest: Vec<ActivityDto>,
}

impl From<ActivitySummary> for ActivitySummaryDto {
    fn from(s: ActivitySummary) -> Self {
        Self {
            total: s.counts.iter().map(|(_, n)| n).sum(),
            by_kind: s.counts.into_iter().collect(),
            last_activity_at: s.latest.first().map(|a| a.occurred_at.and_utc()),
            next_follow_up_at: s.next_follow_up_at.map(|t| t.and_utc()),
            latest: s.latest.into_iter().map(ActivityDto::from).collect(),
        }
    }
}

/// Everything about one customer. Each section is what its own endpoint answers; a section
/// the caller may not read is `null`. Later capabilities (leads, deals, quotes, tickets,
/// surveys, points) add their sections here.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "profile": {
        "id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70", "kind": "individual", "name": "张伟",
        "phone": "139****5678", "phones": [], "email": "zhang.wei@example.com", "gender": "male",
        "birthday": "1988-03-12", "wechat_openid": "oW****Xk", "wechat_unionid": null,
        "id_card_number": null, "other_id_documents": [], "address": null, "city": "杭州",
        "region": "华东", "source_channel": "mini_program", "source_detail": "微信小程序登录",
        "referrer_id": null, "lifecycle_stage": "prospect",
        "lifecycle_changes": [{"from": null, "to": "prospect", "change": null, "at": "2026-11-02T03:15:00Z"}],
        "custom_attributes": null,
        "needs": {"budget_min_cents": 15000000, "budget_max_cents": 20000000, "body_types": ["sedan"],
                  "energy_types": ["bev"], "timeframe": "within_30_days"},
        "business": null, "contacts": [], "owner_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12",
        "store_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a02", "notes": "周末来店试驾",
        "marketing_consent": true, "status": "active", "version": 3,
        "created_at": "2026-11-02T03:15:00Z", "updated_at": "2026-11-28T06:35:00Z", "archived_at": null
    },
    "tags": {
        "manual": [{"id": "0193a5c4-c281-7f60-8a7b-8c9d0e1f2a34", "name": "VIP客户", "colour": "#e4393c",
                    "customers": null, "version": 1, "created_at": "2026-11-01T02:00:00Z",
                    "updated_at": "2026-11-01T02:00:00Z"}],
        "dynamic": [{"name": "预算15-20万", "rule_id": "budget_band",
                     "reasons": [{"type": "budget", "min_cents": 15000000, "max_cents": 20000000}],
                     "computed_at": "2026-11-28T06:35:00Z"}]
    },
    "activities": {
        "total": 2, "by_kind": {"call": 1, "test_drive": 1},
        "last_activity_at": "2026-11-28T06:30:00Z", "next_follow_up_at": "2026-11-30T02:00:00Z",
        "latest": [{
            "id": "0193a5c4-8c3d-7a10-9b2c-3d4e5f6a7b80",
            "customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70", "kind": "test_drive",
            "outcome": "completed", "occurred_at": "2026-11-28T06:30:00Z",
            "next_follow_up_at": "2026-11-30T02:00:00Z", "content": "试驾比亚迪汉EV，对续航满意，周一回访报价",
            "attachment_ids": [], "created_by": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12",
            "created_at": "2026-11-28T06:35:00Z"
        }]
    },
    "behavior": {
        "events": 12, "days_active": 3, "first_seen_at": "2026-11-20T12:01:00Z",
        "last_seen_at": "2026-11-27T13:40:00Z", "last_active_on": "2026-11-27",
        "by_type": {"vehicle_viewed": 9, "vehicle_compared": 3},
        "models": [{"brand": "比亚迪", "model": "汉EV", "views": 6, "comparisons": 3}]
    },
    "vehicles": [{
        "id": "0193a5c4-a06f-7d40-9e5f-6a7b8c9d0e12",
        "customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70", "vin": "LGXCE4CB2N0123456",
        "plate": "浙A12345", "brand": "大众", "model": "朗逸", "year": 2016,
        "purchase_date": "2016-05-01", "current_mileage_km": 126000, "mileage": [],
        "version": 1, "created_at": "2026-11-28T06:00:00Z", "updated_at": "2026-11-28T06:00:00Z"
    }],
    "viewed_cars": [{
        "vehicle": {
            "id": "0193a5d0-1c2b-7a00-9e1f-3b4c5d6e7f80", "vin": "LGXCE6CB8P0123456",
            "stock_number": "SZ-2026-0412", "store_id": "0193a5c4-5a1b-7c00-8d2e-1f2a3b4c5d60",
            "condition": "used", "brand": "比亚迪", "model": "汉", "trim": "EV 创世版 610KM",
            "model_year": 2023, "body_type": "sedan", "energy_type": "bev", "colour": "汉宫红",
            "seats": 5, "mileage_km": 18600, "first_registration_date": "2023-05-18",
            "asking_price_cents": 15980000, "status": "in_stock", "in_stock_since": "2026-10-09"
        },
        "latest_inspection": {"report_id": "0193a5d1-2c3d-7b00-8e1f-4a5b6c7d8e90",
            "inspected_on": "2026-10-10", "grade": "A", "clean": true,
            "summary": "无重大事故、无泡水、无火烧、里程真实"}
    }],
    "financing_applications": [],
    "consents": [
        {"purpose": "marketing", "allowed": true, "status": "granted", "since": "2026-11-20T03:00:00Z"},
        {"purpose": "data_sharing_finance", "allowed": false, "status": "never_recorded", "since": null},
        {"purpose": "sensitive_data", "allowed": false, "status": "never_recorded", "since": null}
    ]
}))]
pub struct Customer360Dto {
    /// The record as `GET /customers/{id}` answers it (masked), with its needs, contact
    /// persons (business customers) and lifecycle changes.
    pub profile: CustomerDto,
    /// Manual tags and dynamic tags, each dynamic one with the rule that set it.
    pub tags: CustomerTags,
    pub activities: ActivitySummaryDto,
    /// Behaviour events from apps and mini-programs, summarised.
    pub behavior: BehaviorSummaryDto,
    /// The garage: vehicles the customer owns, with mileage readings.
    pub vehicles: Vec<VehicleDto>,
    /// Cars in stock of the models the customer looked at (from behaviour events, most
    /// viewed model first; at most 20), each with its latest inspection report's summary;
    /// `null` when the caller may not read inventory. Never costs.
    pub viewed_cars: Option<Vec<ViewedCarDto>>,
    /// The customer's financing applications the caller may see (the financing list's
    /// rules; at most 100, oldest first); `null` when the caller may not read financing
    /// applications.
    pub financing_applications: Option<Vec<ApplicationDto>>,
    /// Where each consent purpose stands now (PIPL).
    pub consents: Vec<ConsentStatusDto>,
}

impl Customer360Dto {
    pub fn of(view: Customer360) -> Result<Self, ApiError> {
        Ok(Self {
            profile: CustomerDto::from(view.profile),
            tags: CustomerTags {
                manual: view
                    .manual_tags
                    .into_iter()
                    .map(|t| TagDto::of(t, None))
                    .collect(),
                dynamic: view.dynamic_tags.into_iter().map(Into::into).collect(),
            },
            activities: view.activities.into(),
            behavior: view.behavior.into(),
            vehicles: view.vehicles.into_iter().map(VehicleDto::from).collect(),
            viewed_cars: view.viewed_cars.map(|cars| {
                cars.into_iter()
                    .map(|c| ViewedCarDto {
                        vehicle: VehicleSummary::from(&c.vehicle),
                        latest_inspection: c.latest_inspection,
                    })
                    .collect()
            }),
            financing_applications: view
                .financing_applications
                .map(|list| list.into_iter().map(ApplicationDto::from_row).collect())
                .transpose()?,
            consents: view.consents.into_iter().map(Into::into).collect(),
        })
    }
}

/// A car of a model the customer looked at, with its latest inspection.
#[derive(Serialize, ToSchema)]
pub struct ViewedCarDto {
    pub vehicle: VehicleSummary,
    /// `null` when the car has no inspection report.
    pub latest_inspection: Option<LatestInspection>,
}
