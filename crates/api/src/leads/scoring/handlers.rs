//! `/api/v1/settings/lead-scoring`.

use actix_web::HttpResponse;
use autocrm_domain::leads::scoring::LeadScoringConfig;
use serde::{Deserialize, Serialize};
use validator::Validate;

use super::service;
use crate::error::{ApiError, Problem};
use crate::http::{Authorized, Json, perm};

/// How leads are scored: points per factor (adding up to 100), the score bands of the
/// grades, how engagement moves a grade, the quality of each source, and the counts that
/// earn full points. Absent fields take their defaults.
#[derive(Debug, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LeadScoringDto(pub LeadScoringConfig);

crate::validate::schema::schema_marker!(
    LeadScoringDto,
    crate::validate::schema::domain_object(
        "How leads are scored: points per factor (adding up to 100), the score bands of the grades, how engagement moves a grade, the quality of each source, and the counts that earn full points. Absent fields take their defaults.",
        serde_json::json!({
            "weights": {"timeframe": 25, "budget_fit": 15, "source": 10, "store_visits": 10,
                "test_drive": 10, "quote_request": 5, "replies": 5, "recency": 8, "repeat_views": 4,
                "contact": 8},
            "bands": {"h": 75, "a": 50, "b": 25, "c": 0},
            "grade_moves": {"test_drive_raises": true, "quote_request_raises": true,
                "repeat_visit_days": 2, "max_raise": 2, "silence_days_per_step": 14},
            "source_quality_percent": {"referral": 90, "walk_in": 90, "autohome": 60},
            "default_source_quality_percent": 50, "engagement_window_days": 30,
            "cars_in_budget_for_full_points": 3, "visit_days_for_full_points": 2,
            "replies_for_full_points": 3, "recency_full_days": 1, "recency_zero_days": 30,
            "repeat_view_window_days": 7, "repeat_view_days_for_full_points": 3
        })
    )
);

/// The organisation's lead scoring settings.
///
/// Weights, grade bands, grade moves and source quality (the defaults until set). Managers
/// and consultants read them to understand a score. Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/settings/lead-scoring", tag = "leads",
    responses((status = 200, description = "The settings", body = LeadScoringDto))
)]
pub async fn get_lead_scoring(
    caller: Authorized<perm::LeadsRead>,
) -> Result<HttpResponse, ApiError> {
    let config = caller.read(service::config).await?;
    Ok(HttpResponse::Ok().json(LeadScoringDto(config)))
}

/// Replace the lead scoring settings.
///
/// Every problem is listed at once (422): weights must add up to 100, bands must rise
/// (0 = c < b < a < h ≤ 100), counts and windows in range. Leads are rescored with them at
/// their next change (activity, behaviour, needs). Admins and general managers. Audited
/// (`organization.lead_scoring_changed`).
#[utoipa::path(
    put, path = "/api/v1/settings/lead-scoring", tag = "leads",
    request_body = LeadScoringDto,
    responses(
        (status = 200, description = "The settings as stored", body = LeadScoringDto),
        (status = 422, description = "Invalid settings", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn put_lead_scoring(
    caller: Authorized<perm::LeadSettingsManage>,
    body: Json<LeadScoringDto>,
) -> Result<HttpResponse, ApiError> {
    let new = body.into_inner().0;
    let config = caller
        .write(move |ctx| service::put_config(ctx, new))
        .await?;
    Ok(HttpResponse::Ok().json(LeadScoringDto(config)))
}

/// The domain's own `validate` checks it, field by field, in the service.
impl Validate for LeadScoringDto {
    fn validate(&self) -> Result<(), validator::ValidationErrors> {
        Ok(())
    }
}

crate::endpoints![get_lead_scoring, put_lead_scoring];
