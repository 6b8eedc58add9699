//! `/api/v1/vehicles/{id}/inspection-reports`, `/api/v1/inspection-reports/{id}` and
//! `/api/v1/inspection-checklist`.

use actix_web::HttpResponse;

use super::dto::{ChecklistDto, CreateInspectionReport, InspectionReportDto, InspectionReportList};
use super::service;
use crate::error::{ApiError, Problem};
use crate::http::{Authorized, Json, PathId, perm};

/// Record an inspection report (车况检测) of a car.
///
/// Items are checked against the standard checklist (`GET /api/v1/inspection-checklist`):
/// an unknown code, an item under another section or listed twice is 422; dates cannot be
/// later than today. The summary ("无重大事故、无泡水、无火烧、里程真实", or the problems) is
/// computed from the flags and items. A report is never changed afterwards: a new inspection
/// is a new report, and the car shows its latest. Photos are uploaded afterwards as
/// attachments with `owner_type=inspection_report`. Audited and
/// emits `inspection.completed`.
#[utoipa::path(
    post, path = "/api/v1/vehicles/{id}/inspection-reports", tag = "inspections",
    params(("id" = String, Path, description = "Vehicle id")),
    request_body = CreateInspectionReport,
    responses(
        (status = 201, description = "Recorded", body = InspectionReportDto),
        (status = 404, description = "No such car in the organisation", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_inspection_report(
    caller: Authorized<perm::InventoryWrite>,
    id: PathId,
    body: Json<CreateInspectionReport>,
) -> Result<HttpResponse, ApiError> {
    let new = body
        .into_inner()
        .into_command()
        .ok_or_else(|| ApiError::invalid("body", "invalid_value", "the report is not valid"))?;
    let report = caller
        .write(move |ctx| service::create(ctx, &id.0, new))
        .await?;
    Ok(HttpResponse::Created().json(InspectionReportDto::from(report)))
}

/// List a car's inspection reports, newest first.
///
/// Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/vehicles/{id}/inspection-reports", tag = "inspections",
    params(("id" = String, Path, description = "Vehicle id")),
    responses(
        (status = 200, description = "The car's reports, newest first", body = InspectionReportList),
        (status = 404, description = "No such car in the organisation", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_inspection_reports(
    caller: Authorized<perm::InventoryRead>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let reports = caller.read(move |ctx| service::list(ctx, &id.0)).await?;
    Ok(HttpResponse::Ok().json(InspectionReportList {
        items: reports.into_iter().map(InspectionReportDto::from).collect(),
    }))
}

/// Get one inspection report, with its photos.
///
/// Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/inspection-reports/{id}", tag = "inspections",
    params(("id" = String, Path, description = "Inspection report id")),
    responses(
        (status = 200, description = "The report", body = InspectionReportDto),
        (status = 404, description = "No such report in the organisation", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_inspection_report(
    caller: Authorized<perm::InventoryRead>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let report = caller.read(move |ctx| service::get(ctx, &id.0)).await?;
    Ok(HttpResponse::Ok().json(InspectionReportDto::from(report)))
}

/// The standard inspection checklist (112 items in 7 sections: 骨架, 外观, 内饰, 发动机舱,
/// 电气, 底盘, 路试): the codes a report's items use.
///
/// Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/inspection-checklist", tag = "inspections",
    responses((status = 200, description = "The checklist, section by section", body = ChecklistDto))
)]
pub async fn get_inspection_checklist(
    _caller: Authorized<perm::InventoryRead>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(ChecklistDto::standard()))
}

crate::endpoints![
    create_inspection_report,
    list_inspection_reports,
    get_inspection_report,
    get_inspection_checklist,
];
