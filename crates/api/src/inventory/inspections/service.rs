//! Inspection report use cases. Reports are reached through their car: another tenant's
//! car, or another tenant's report, is `NotFound`.

use std::collections::HashMap;

use autocrm_domain::vehicle::inspection::{
    self, CheckedItem, Grade, InspectionFlags, ItemResult, OdometerCheck, Section,
};
use autocrm_persistence::db::new_id;
use autocrm_persistence::models::{Attachment, InspectionReport, TenantRecord, User};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::{Change, Ctx, Invalid, ServiceResult, records};
use crate::events::catalogue::InspectionCompleted;
use crate::inventory::vehicles::service as vehicles;

/// Owner type of a report's photos.
pub const PHOTO_OWNER: &str = "inspection_report";
/// Most photos a report answer lists.
pub const MAX_PHOTOS: i64 = 200;

/// One checked item as the request's rules accepted it.
pub struct NewItem {
    pub section: Section,
    pub code: String,
    pub result: ItemResult,
    pub note: Option<String>,
}

/// One maintenance history entry.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"date": "2025-06-12", "mileage_km": 15000,
    "description": "常规保养：更换机油、机滤", "shop": "比亚迪深圳龙岗4S店"}))]
pub struct MaintenanceEntry {
    /// YYYY-MM-DD.
    pub date: NaiveDate,
    pub mileage_km: i64,
    pub description: String,
    pub shop: Option<String>,
}

/// A report as the request's rules accepted it.
pub struct NewReport {
    pub inspector_name: String,
    pub inspector_user_id: Option<String>,
    pub inspected_on: NaiveDate,
    pub mileage_km: i64,
    pub items: Vec<NewItem>,
    pub accident: bool,
    pub flood: bool,
    pub fire: bool,
    pub odometer_check: OdometerCheck,
    pub maintenance: Vec<MaintenanceEntry>,
    pub grade: Grade,
    pub notes: Option<String>,
}

/// One item as stored (with its checklist name).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"section": "frame", "code": "frame.07", "name": "左前纵梁",
    "result": "ok", "note": null}))]
pub struct StoredItem {
    pub section: String,
    pub code: String,
    pub name: String,
    /// ok, minor, major or not_checked.
    pub result: String,
    pub note: Option<String>,
}

/// A report with its photos (stored attachment ids, oldest first).
pub struct ReportView {
    pub report: InspectionReport,
    pub photos: Vec<Attachment>,
}

/// The latest report of a car, as a vehicle answer shows it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(example = json!({"report_id": "0193a5d1-2c3d-7b00-8e1f-4a5b6c7d8e90",
    "inspected_on": "2026-10-08", "grade": "A", "clean": true,
    "summary": "无重大事故、无泡水、无火烧、里程真实"}))]
pub struct LatestInspection {
    pub report_id: String,
    /// YYYY-MM-DD.
    pub inspected_on: String,
    /// A, B, C or D.
    pub grade: String,
    /// No accident, flood or fire, a believed odometer and no major defect.
    pub clean: bool,
    pub summary: String,
}

impl From<&InspectionReport> for LatestInspection {
    fn from(r: &InspectionReport) -> Self {
        Self {
            report_id: r.id.clone(),
            inspected_on: r.inspected_on.clone(),
            grade: r.grade.clone(),
            clean: r.clean,
            summary: r.summary.clone(),
        }
    }
}

fn checked(items: &[NewItem]) -> Vec<CheckedItem> {
    items
        .iter()
        .map(|i| CheckedItem {
            section: i.section,
            code: i.code.clone(),
            result: i.result,
        })
        .collect()
}

fn json(value: &impl Serialize) -> ServiceResult<String> {
    serde_json::to_string(value).map_err(crate::app::ServiceError::internal)
}

/// Writes a new report of a car of the caller's organisation: items are checked against
/// the standard checklist, dates are not in the future, a named inspector is a user of the
/// organisation. The summary is computed from the flags and items. Audited
/// and emits `inspection.completed`.
pub fn create(ctx: &mut Ctx, vehicle_id: &str, new: NewReport) -> ServiceResult<ReportView> {
    let vehicle = vehicles::find(ctx, vehicle_id)?;
    let today = ctx.today()?;
    let mut invalid = Invalid::new();
    if new.inspected_on > today {
        invalid.add(
            "inspected_on",
            "in_future",
            "an inspection cannot be dated later than today",
        );
    }
    for (i, entry) in new.maintenance.iter().enumerate() {
        if entry.date > today {
            invalid.add(
                &format!("maintenance[{i}].date"),
                "in_future",
                "a maintenance entry cannot be dated later than today",
            );
        }
    }
    let items = checked(&new.items);
    if let Err(problems) = inspection::validate_items(&items) {
        for p in problems {
            invalid.add(&format!("items[{}].code", p.index), p.code, p.message);
        }
    }
    if let Some(user_id) = &new.inspector_user_id
        && User::find(ctx.conn, ctx.org_id(), user_id)?.is_none()
    {
        invalid.add(
            "inspector_user_id",
            "not_found",
            "no user of the organisation has this id",
        );
    }
    invalid.finish()?;

    let flags = InspectionFlags {
        accident: new.accident,
        flood: new.flood,
        fire: new.fire,
        odometer: new.odometer_check,
    };
    let stored: Vec<StoredItem> = new
        .items
        .iter()
        .map(|i| StoredItem {
            section: i.section.as_str().to_owned(),
            code: i.code.clone(),
            name: inspection::checklist_item(&i.code)
                .map(|c| c.name.to_owned())
                .unwrap_or_default(),
            result: i.result.as_str().to_owned(),
            note: i.note.clone(),
        })
        .collect();
    let report = InspectionReport {
        id: new_id(),
        org_id: ctx.org_id().to_owned(),
        vehicle_id: vehicle.id.clone(),
        inspector_name: new.inspector_name,
        inspector_user_id: new.inspector_user_id,
        inspected_on: new.inspected_on.to_string(),
        mileage_km: new.mileage_km,
        accident: new.accident,
        flood: new.flood,
        fire: new.fire,
        odometer_check: new.odometer_check.as_str().to_owned(),
        grade: new.grade.as_str().to_owned(),
        summary: inspection::summary(&flags, &items),
        clean: inspection::is_clean(&flags, &items),
        items: json(&stored)?,
        maintenance: json(&new.maintenance)?,
        notes: new.notes,
        created_by: ctx.actor_id(),
        created_at: ctx.now(),
    };
    report.insert(ctx.conn)?;
    ctx.record(
        Change::new("inspection.completed", "inspection_report", &report.id)
            .detail(serde_json::json!({
                "vehicle_id": report.vehicle_id, "grade": report.grade, "summary": report.summary
            }))
            .event(InspectionCompleted {
                report_id: report.id.clone(),
                vehicle_id: vehicle.id.clone(),
                vin: vehicle.vin.clone(),
                inspected_on: report.inspected_on.clone(),
                grade: report.grade.clone(),
                accident: report.accident,
                flood: report.flood,
                fire: report.fire,
                odometer_check: report.odometer_check.clone(),
                summary: report.summary.clone(),
            }),
    )?;
    Ok(ReportView {
        report,
        photos: Vec::new(),
    })
}

fn with_photos(ctx: &mut Ctx, report: InspectionReport) -> ServiceResult<ReportView> {
    let photos = Attachment::list_for_owner(
        ctx.conn,
        ctx.org_id(),
        PHOTO_OWNER,
        &report.id,
        None,
        MAX_PHOTOS,
    )?;
    Ok(ReportView { report, photos })
}

/// A report of the caller's organisation (`NotFound` otherwise): the attachments'
/// visibility check for owner type `inspection_report`.
pub fn find_visible(ctx: &mut Ctx, id: &str) -> ServiceResult<InspectionReport> {
    records::find(ctx, id, |_: &InspectionReport| true)
}

/// One report, with its photos. Changes nothing.
pub fn get(ctx: &mut Ctx, id: &str) -> ServiceResult<ReportView> {
    let report = find_visible(ctx, id)?;
    with_photos(ctx, report)
}

/// A car's reports, newest first, with their photos. Changes nothing.
pub fn list(ctx: &mut Ctx, vehicle_id: &str) -> ServiceResult<Vec<ReportView>> {
    let vehicle = vehicles::find(ctx, vehicle_id)?;
    let reports = InspectionReport::for_vehicle(ctx.conn, ctx.org_id(), &vehicle.id)?;
    reports.into_iter().map(|r| with_photos(ctx, r)).collect()
}

/// The latest report of each of these cars (of the caller's organisation) that has one, by
/// car id: what vehicle answers show. One query per 500 cars.
pub fn latest_summaries(
    ctx: &mut Ctx,
    vehicle_ids: &[String],
) -> ServiceResult<HashMap<String, LatestInspection>> {
    Ok(
        InspectionReport::latest_for_vehicles(ctx.conn, ctx.org_id(), vehicle_ids)?
            .iter()
            .map(|r| (r.vehicle_id.clone(), LatestInspection::from(r)))
            .collect(),
    )
}

/// Most cars the customer 360° view lists for the models a customer looked at.
pub const MAX_VIEWED_CARS: i64 = 20;

/// A car of a model the customer looked at, with its latest inspection.
pub struct ViewedCar {
    pub vehicle: autocrm_persistence::models::Vehicle,
    pub latest_inspection: Option<LatestInspection>,
}

/// The cars in stock of the models a customer looked at (behaviour events name models by
/// brand and model, most viewed first), each with its latest inspection summary: what the
/// customer 360° view shows. At most [`MAX_VIEWED_CARS`]. Changes nothing.
pub fn viewed_cars(
    ctx: &mut Ctx,
    behavior: &autocrm_domain::customer::BehaviorSummary,
) -> ServiceResult<Vec<ViewedCar>> {
    use autocrm_domain::vehicle::catalog;
    let mut keys: Vec<(String, String)> = Vec::new();
    for interest in &behavior.models {
        let brand = catalog::brand_key(interest.model.brand());
        let key = (
            brand.clone(),
            catalog::model_key(&brand, interest.model.model()),
        );
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    let cars = autocrm_persistence::models::Vehicle::in_stock_of_models(
        ctx.conn,
        ctx.org_id(),
        &keys,
        MAX_VIEWED_CARS,
    )?;
    let ids: Vec<String> = cars.iter().map(|c| c.id.clone()).collect();
    let mut latest = latest_summaries(ctx, &ids)?;
    Ok(cars
        .into_iter()
        .map(|vehicle| ViewedCar {
            latest_inspection: latest.remove(&vehicle.id),
            vehicle,
        })
        .collect())
}
