//! `/api/v1/customers/{id}/vehicle-matches`, `/api/v1/vehicles/{id}/customer-matches`,
//! `/api/v1/settings/vehicle-matching`.

use actix_web::{HttpResponse, web};
use autocrm_domain::vehicle::{MatchSettings, MatchWeights, TransferCostModel};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::service::{self, CustomerMatches, VehicleMatches};
use crate::app::{FieldError, ServiceError};
use crate::error::{ApiError, Problem};
use crate::http::{Authorized, Json, PathId, perm};

/// The largest `limit` of a match list.
pub const MAX_LIMIT: i64 = 100;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MatchQuery {
    /// 1 to 100, default 20.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
}

impl MatchQuery {
    pub fn limit(&self) -> Result<usize, ApiError> {
        let limit = self.limit.unwrap_or(20);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ServiceError::Invalid(vec![FieldError::new(
                "limit",
                "out_of_range",
                format!("limit must be between 1 and {MAX_LIMIT}"),
            )])
            .into());
        }
        Ok(limit as usize)
    }
}

/// The organisation's matching weights and transfer cost model.
#[derive(Debug, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "weights": {"budget": 25, "body_type": 12, "brand": 12, "energy_type": 10, "condition": 5,
        "seats": 6, "age": 8, "mileage": 8, "transmission": 4, "colour": 3, "distance": 7},
    "transfer": {"base_cents": 50000, "per_km_cents": 200, "road_factor_percent": 125,
        "km_per_day": 500, "handling_days": 1, "local_radius_km": 50}
}))]
pub struct MatchSettingsDto {
    /// Per criterion (budget, body_type, brand, energy_type, condition, seats, age, mileage,
    /// transmission, colour, distance): 0 to 100, at least one above 0. Only the criteria a
    /// customer expressed count. A missing criterion takes its default.
    #[schema(value_type = Object)]
    pub weights: MatchWeights,
    /// Moving a car to another city: `base_cents` (0–100000000), `per_km_cents` (0–100000),
    /// `road_factor_percent` (100–300), `km_per_day` (1–5000), `handling_days` (0–60),
    /// `local_radius_km` (0–1000: within it a car needs no transfer).
    #[schema(value_type = Object)]
    pub transfer: TransferCostModel,
}

impl From<MatchSettings> for MatchSettingsDto {
    fn from(s: MatchSettings) -> Self {
        Self {
            weights: s.weights,
            transfer: s.transfer,
        }
    }
}

/// The best cars in stock for a customer.
///
/// Cars in stock or in transit, scored 0–100 against the customer's stated needs, best
/// first, each with its reasons (weight, fit, points, messages) and, when the car's store is
/// outside the customer's area, the transfer's time and cost. A car failing one of the
/// customer's must-haves never appears. Needs the customer in the caller's data scope (404
/// otherwise). Never shows costs. Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/customers/{id}/vehicle-matches", tag = "inventory",
    params(("id" = String, Path, description = "Customer id"), MatchQuery),
    responses(
        (status = 200, description = "The best matches", body = VehicleMatches),
        (status = 422, description = "Bad limit", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn customer_vehicle_matches(
    caller: Authorized<perm::InventoryRead>,
    id: PathId,
    query: web::Query<MatchQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = query.limit()?;
    let answer = caller
        .read(move |ctx| service::matches_for_customer(ctx, &id.0, limit))
        .await?;
    Ok(HttpResponse::Ok().json(answer))
}

/// The customers a car suits best.
///
/// Active customers in the caller's data scope (a consultant: their own) whose stated needs
/// the car fits, best first, with score and reasons; customers whose must-haves the car
/// fails never appear. Phones are masked. Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/vehicles/{id}/customer-matches", tag = "inventory",
    params(("id" = String, Path, description = "Vehicle id"), MatchQuery),
    responses(
        (status = 200, description = "The best matching customers", body = CustomerMatches),
        (status = 422, description = "Bad limit", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn vehicle_customer_matches(
    caller: Authorized<perm::InventoryRead>,
    id: PathId,
    query: web::Query<MatchQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = query.limit()?;
    let answer = caller
        .read(move |ctx| service::customers_for_car(ctx, &id.0, limit))
        .await?;
    Ok(HttpResponse::Ok().json(answer))
}

/// The organisation's matching settings.
///
/// Weights per criterion and the transfer cost model (the defaults until set). Changes
/// nothing.
#[utoipa::path(
    get, path = "/api/v1/settings/vehicle-matching", tag = "inventory",
    responses((status = 200, description = "The settings", body = MatchSettingsDto))
)]
pub async fn get_matching_settings(
    caller: Authorized<perm::InventoryRead>,
) -> Result<HttpResponse, ApiError> {
    let settings = caller.read(service::settings).await?;
    Ok(HttpResponse::Ok().json(MatchSettingsDto::from(settings)))
}

/// Replace the organisation's matching settings.
///
/// Every problem is listed at once (422). Audited (`organization.vehicle_matching_changed`);
/// matches score with the new weights from the next request on.
#[utoipa::path(
    put, path = "/api/v1/settings/vehicle-matching", tag = "inventory",
    request_body = MatchSettingsDto,
    responses(
        (status = 200, description = "The settings as stored", body = MatchSettingsDto),
        (status = 422, description = "Invalid settings", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn put_matching_settings(
    caller: Authorized<perm::InventorySettingsManage>,
    body: Json<MatchSettingsDto>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let new = MatchSettings {
        weights: body.weights,
        transfer: body.transfer,
    };
    let settings = caller
        .write(move |ctx| service::put_settings(ctx, new))
        .await?;
    Ok(HttpResponse::Ok().json(MatchSettingsDto::from(settings)))
}

crate::endpoints![
    customer_vehicle_matches,
    vehicle_customer_matches,
    get_matching_settings,
    put_matching_settings,
];
