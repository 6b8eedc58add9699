//! What `/api/v1/vehicles/{id}/inspection-reports`, `/api/v1/inspection-reports/{id}` and
//! `/api/v1/inspection-checklist` read and write.

use autocrm_domain::vehicle::inspection::{self, Grade, ItemResult, OdometerCheck, Section};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::service::{MaintenanceEntry, NewItem, NewReport, ReportView, StoredItem};
use crate::validate::rules;
use crate::validate::schema::{Id, OptionalText, Text, string_enum};

string_enum!(SectionSchema = Section::NAMES);
string_enum!(ItemResultSchema = ItemResult::NAMES);
string_enum!(OdometerSchema = OdometerCheck::NAMES);
string_enum!(GradeSchema = Grade::NAMES);

/// Largest odometer reading accepted, in km.
pub const MAX_MILEAGE_KM: i64 = 5_000_000;

#[derive(Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"section": "frame", "code": "frame.07", "result": "ok"}))]
pub struct ItemIn {
    /// frame, exterior, interior, engine_bay, electrical, chassis or road_test.
    #[validate(custom(function = "rules::one_of::<Section>"))]
    #[schema(value_type = SectionSchema, inline)]
    pub section: String,
    /// A code of the standard checklist (`GET /api/v1/inspection-checklist`), in its section.
    #[validate(length(max = 40), custom(function = "rules::text"))]
    #[schema(value_type = Text<40>, inline)]
    pub code: String,
    /// ok, minor, major or not_checked.
    #[validate(custom(function = "rules::one_of::<ItemResult>"))]
    #[schema(value_type = ItemResultSchema, inline)]
    pub result: String,
    #[validate(length(max = 200), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<200>>, inline)]
    pub note: Option<String>,
}

#[derive(Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"date": "2025-06-12", "mileage_km": 15000,
    "description": "常规保养：更换机油、机滤", "shop": "比亚迪深圳龙岗4S店"}))]
pub struct MaintenanceIn {
    /// YYYY-MM-DD, not later than today.
    pub date: NaiveDate,
    #[validate(range(min = 0, max = 5_000_000))]
    #[schema(minimum = 0, maximum = 5_000_000)]
    pub mileage_km: i64,
    #[validate(length(max = 200), custom(function = "rules::text"))]
    #[schema(value_type = Text<200>, inline)]
    pub description: String,
    #[validate(length(max = 100), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<100>>, inline)]
    pub shop: Option<String>,
}

#[derive(Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "inspector_name": "王建国", "inspected_on": "2026-10-08", "mileage_km": 18600,
    "items": [
        {"section": "frame", "code": "frame.01", "result": "ok"},
        {"section": "exterior", "code": "exterior.01", "result": "minor", "note": "前保险杠轻微划痕"},
        {"section": "road_test", "code": "road_test.05", "result": "ok"}
    ],
    "accident": false, "flood": false, "fire": false, "odometer_check": "ok",
    "maintenance": [{"date": "2025-06-12", "mileage_km": 15000,
                     "description": "常规保养：更换机油、机滤", "shop": "比亚迪深圳龙岗4S店"}],
    "grade": "A", "notes": "车况良好，原版原漆"
}))]
pub struct CreateInspectionReport {
    #[validate(length(max = 50), custom(function = "rules::text"))]
    #[schema(value_type = Text<50>, inline)]
    pub inspector_name: String,
    /// The inspector's user account, when they have one.
    #[validate(custom(function = "rules::id"))]
    #[schema(value_type = Option<Id>, inline)]
    pub inspector_user_id: Option<String>,
    /// YYYY-MM-DD, not later than today.
    pub inspected_on: NaiveDate,
    /// Odometer at the inspection, in km.
    #[validate(range(min = 0, max = 5_000_000))]
    #[schema(minimum = 0, maximum = 5_000_000)]
    pub mileage_km: i64,
    /// 1 to 200 items of the standard checklist, each at most once; items left out count as
    /// not checked.
    #[validate(length(min = 1, max = 200), nested)]
    #[schema(min_items = 1, max_items = 200)]
    pub items: Vec<ItemIn>,
    /// 重大事故.
    pub accident: bool,
    /// 泡水.
    pub flood: bool,
    /// 火烧.
    pub fire: bool,
    /// ok (里程真实), suspected (疑似调表) or not_checked.
    #[validate(custom(function = "rules::one_of::<OdometerCheck>"))]
    #[schema(value_type = OdometerSchema, inline)]
    pub odometer_check: String,
    /// At most 100 maintenance history entries.
    #[validate(length(max = 100), nested)]
    #[schema(max_items = 100)]
    pub maintenance: Option<Vec<MaintenanceIn>>,
    /// A, B, C or D.
    #[validate(custom(function = "rules::one_of::<Grade>"))]
    #[schema(value_type = GradeSchema, inline)]
    pub grade: String,
    #[validate(length(max = 1000), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<1000>>, inline)]
    pub notes: Option<String>,
}

fn parse<E: std::str::FromStr>(value: &str) -> Option<E> {
    value.parse().ok()
}

impl CreateInspectionReport {
    /// The command; `None` only for a body the validator refused.
    pub fn into_command(self) -> Option<NewReport> {
        let items = self
            .items
            .into_iter()
            .map(|i| {
                Some(NewItem {
                    section: parse(&i.section)?,
                    code: i.code.trim().to_owned(),
                    result: parse(&i.result)?,
                    note: rules::trimmed(i.note.as_deref()),
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(NewReport {
            inspector_name: self.inspector_name.trim().to_owned(),
            inspector_user_id: self
                .inspector_user_id
                .as_deref()
                .and_then(rules::normalised_id),
            inspected_on: self.inspected_on,
            mileage_km: self.mileage_km,
            items,
            accident: self.accident,
            flood: self.flood,
            fire: self.fire,
            odometer_check: parse(&self.odometer_check)?,
            maintenance: self
                .maintenance
                .unwrap_or_default()
                .into_iter()
                .map(|m| MaintenanceEntry {
                    date: m.date,
                    mileage_km: m.mileage_km,
                    description: m.description.trim().to_owned(),
                    shop: rules::trimmed(m.shop.as_deref()),
                })
                .collect(),
            grade: parse(&self.grade)?,
            notes: rules::trimmed(self.notes.as_deref()),
        })
    }
}

/// A photo of a report: an attachment owned by it.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a5d1-4e5f-7d00-8a2b-6c7d8e9f0a12", "content_type": "image/jpeg",
    "content_url": "/api/v1/attachments/0193a5d1-4e5f-7d00-8a2b-6c7d8e9f0a12/content"}))]
pub struct PhotoDto {
    pub id: String,
    pub content_type: String,
    pub content_url: String,
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5d1-2c3d-7b00-8e1f-4a5b6c7d8e90",
    "vehicle_id": "0193a5d0-1c2b-7a00-9e1f-3b4c5d6e7f80",
    "inspector_name": "王建国", "inspector_user_id": null, "inspected_on": "2026-10-08",
    "mileage_km": 18600,
    "items": [{"section": "frame", "code": "frame.01", "name": "左A柱", "result": "ok", "note": null},
              {"section": "exterior", "code": "exterior.01", "name": "前保险杠", "result": "minor",
               "note": "前保险杠轻微划痕"}],
    "accident": false, "flood": false, "fire": false, "odometer_check": "ok",
    "maintenance": [{"date": "2025-06-12", "mileage_km": 15000,
                     "description": "常规保养：更换机油、机滤", "shop": "比亚迪深圳龙岗4S店"}],
    "grade": "A", "clean": true, "summary": "无重大事故、无泡水、无火烧、里程真实、轻微问题1项",
    "notes": "车况良好，原版原漆", "photos": [],
    "created_by": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12", "created_at": "2026-10-08T07:30:00Z"
}))]
pub struct InspectionReportDto {
    pub id: String,
    pub vehicle_id: String,
    pub inspector_name: String,
    pub inspector_user_id: Option<String>,
    pub inspected_on: String,
    pub mileage_km: i64,
    pub items: Vec<StoredItem>,
    pub accident: bool,
    pub flood: bool,
    pub fire: bool,
    pub odometer_check: String,
    pub maintenance: Vec<MaintenanceEntry>,
    pub grade: String,
    /// No accident, flood or fire, a believed odometer and no major defect.
    pub clean: bool,
    /// Computed from the flags and items: "无重大事故、无泡水、无火烧、里程真实", or the problems.
    pub summary: String,
    pub notes: Option<String>,
    /// Attachments owned by the report (upload with `owner_type=inspection_report`).
    pub photos: Vec<PhotoDto>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl From<ReportView> for InspectionReportDto {
    fn from(v: ReportView) -> Self {
        let r = v.report;
        Self {
            items: serde_json::from_str(&r.items).unwrap_or_default(),
            maintenance: serde_json::from_str(&r.maintenance).unwrap_or_default(),
            photos: v
                .photos
                .into_iter()
                .map(|a| PhotoDto {
                    content_url: format!("/api/v1/attachments/{}/content", a.id),
                    id: a.id,
                    content_type: a.content_type,
                })
                .collect(),
            id: r.id,
            vehicle_id: r.vehicle_id,
            inspector_name: r.inspector_name,
            inspector_user_id: r.inspector_user_id,
            inspected_on: r.inspected_on,
            mileage_km: r.mileage_km,
            accident: r.accident,
            flood: r.flood,
            fire: r.fire,
            odometer_check: r.odometer_check,
            grade: r.grade,
            clean: r.clean,
            summary: r.summary,
            notes: r.notes,
            created_by: r.created_by,
            created_at: r.created_at.and_utc(),
        }
    }
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"items": [{
    "id": "0193a5d1-2c3d-7b00-8e1f-4a5b6c7d8e90",
    "vehicle_id": "0193a5d0-1c2b-7a00-9e1f-3b4c5d6e7f80",
    "inspector_name": "王建国", "inspector_user_id": null, "inspected_on": "2026-10-08",
    "mileage_km": 18600, "items": [], "accident": false, "flood": false, "fire": false,
    "odometer_check": "ok", "maintenance": [], "grade": "A", "clean": true,
    "summary": "无重大事故、无泡水、无火烧、里程真实", "notes": null, "photos": [],
    "created_by": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12", "created_at": "2026-10-08T07:30:00Z"
}]}))]
pub struct InspectionReportList {
    /// Newest first.
    pub items: Vec<InspectionReportDto>,
}

/// One item of the standard checklist.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"section": "frame", "section_name": "骨架", "code": "frame.07", "name": "左前纵梁"}))]
pub struct ChecklistItemDto {
    pub section: String,
    pub section_name: String,
    pub code: String,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"items": [
    {"section": "frame", "section_name": "骨架", "code": "frame.01", "name": "左A柱"},
    {"section": "road_test", "section_name": "路试", "code": "road_test.01", "name": "冷启动"}
]}))]
pub struct ChecklistDto {
    /// Section by section.
    pub items: Vec<ChecklistItemDto>,
}

impl ChecklistDto {
    pub fn standard() -> Self {
        Self {
            items: inspection::checklist()
                .iter()
                .map(|i| ChecklistItemDto {
                    section: i.section.as_str().to_owned(),
                    section_name: i.section.label().to_owned(),
                    code: i.code.to_owned(),
                    name: i.name.to_owned(),
                })
                .collect(),
        }
    }
}
