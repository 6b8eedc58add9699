//! `/api/v1/vehicles/{id}/price-suggestion`, `/api/v1/market-prices`.

use actix_web::{HttpResponse, web};
use autocrm_domain::vehicle::PriceSuggestion;
use autocrm_persistence::models::MarketPrice;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::service::{self, ItemOutcome, NewMarketPrice};
use crate::app::FieldError;
use crate::error::{ApiError, Problem};
use crate::http::{Authorized, Json, PathId, perm};
use crate::validate::schema::QueryText;

/// A price suggestion for one car.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "vehicle_id": "0193a5d0-1c2b-7a00-9e1f-3b4c5d6e7f80", "asking_price_cents": 15980000,
    "days_in_stock": 41, "status": "suggested", "low_cents": 15100000, "point_cents": 15500000,
    "high_cents": 15970000,
    "comparables": [{"reference": "0193a5d0-1c2b-7a00-9e1f-3b4c5d6e7f81", "source": "sold",
        "price_cents": 16200000, "year_adjustment_bp": 0, "mileage_adjustment_bp": -90,
        "capped": false, "adjusted_cents": 16054200, "weight": 2}],
    "reasons": [{"code": "comparables", "message_zh": "3辆可比车辆（1辆已售）的加权中位价155.0万元",
        "message_en": "Weighted median of 3 comparables (1 sold): ¥155,000", "amount_cents": 15500000},
        {"code": "aging_discount", "message_zh": "在库41天，优惠2%", "message_en": "41 days in stock: 2% off",
        "amount_cents": -310000}]
}))]
pub struct PriceSuggestionDto {
    pub vehicle_id: String,
    pub asking_price_cents: i64,
    pub days_in_stock: u32,
    /// `status`: `suggested` (with `low_cents`, `point_cents`, `high_cents`, the
    /// `comparables` as adjusted, and `reasons`) or `insufficient_data` (only `reasons`,
    /// saying what is missing). Comparables name other cars by id with their asking or sold
    /// price, never their cost.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub suggestion: PriceSuggestion,
}

/// Suggest a price for a car.
///
/// A range and a point with reasons, from comparable cars of the same brand and model (model
/// year ±1, same condition) in stock and sold in the last 180 days (mileage- and
/// year-adjusted; deal prices are the sold cars' final prices), the days the car has stood
/// in stock (an aging discount) and imported market reference prices. With too few
/// comparables and no market price it says so instead of guessing. Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/vehicles/{id}/price-suggestion", tag = "inventory",
    params(("id" = String, Path, description = "Vehicle id")),
    responses((status = 200, description = "The suggestion", body = PriceSuggestionDto))
)]
pub async fn price_suggestion(
    caller: Authorized<perm::InventoryRead>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let s = caller.read(move |ctx| service::suggest(ctx, &id.0)).await?;
    Ok(HttpResponse::Ok().json(PriceSuggestionDto {
        vehicle_id: s.vehicle_id,
        asking_price_cents: s.asking_price_cents,
        days_in_stock: s.days_in_stock,
        suggestion: s.suggestion,
    }))
}

/// One market quote.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"brand": "比亚迪", "model": "汉", "model_year": 2023, "mileage_km": 20000,
    "price_cents": 15600000, "source": "che300", "observed_on": "2026-12-01"}))]
pub struct MarketPriceItem {
    /// 1–60 characters.
    pub brand: String,
    /// 1–60 characters.
    pub model: String,
    /// 1950–2100.
    pub model_year: i32,
    /// The mileage the quote assumes, 0–5000000.
    pub mileage_km: Option<i64>,
    /// 1 to 100000000000 fen.
    pub price_cents: i64,
    /// Who quoted it, 1–60 characters (e.g. `che300`, `jingzhengu`).
    pub source: String,
    /// Not in the future.
    pub observed_on: NaiveDate,
}

/// A batch of market quotes.
#[derive(Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"items": [
    {"brand": "比亚迪", "model": "汉", "model_year": 2023, "mileage_km": 20000,
     "price_cents": 15600000, "source": "che300", "observed_on": "2026-12-01"},
    {"brand": "吉利", "model": "星越L", "model_year": 2022, "price_cents": 12800000,
     "source": "jingzhengu", "observed_on": "2026-11-28"}
]}))]
pub struct MarketPriceBatch {
    /// 1 to 1000 quotes; each is stored or refused on its own.
    #[validate(length(min = 1, max = 1000))]
    #[schema(min_items = 1, max_items = 1000)]
    pub items: Vec<MarketPriceItem>,
}

/// What became of one quote, in the order sent.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"index": 1, "status": "invalid", "id": null,
    "errors": [{"field": "price_cents", "code": "out_of_range", "message": "price_cents must be between 1 and 100000000000"}]}))]
pub struct MarketPriceResult {
    pub index: usize,
    /// `created` or `invalid`.
    pub status: String,
    pub id: Option<String>,
    /// Why an invalid quote was refused.
    #[schema(value_type = Vec<Object>)]
    pub errors: Vec<FieldError>,
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"created": 1, "invalid": 1, "results": [
    {"index": 0, "status": "created", "id": "0193a5d0-1c2b-7a00-9e1f-3b4c5d6e7f90", "errors": []},
    {"index": 1, "status": "invalid", "id": null, "errors": [{"field": "price_cents", "code": "out_of_range", "message": "price_cents must be between 1 and 100000000000"}]}
]}))]
pub struct MarketPriceBatchResult {
    pub created: usize,
    pub invalid: usize,
    pub results: Vec<MarketPriceResult>,
}

/// Import market reference prices.
///
/// A batch of up to 1,000 quotes from a valuation service; each valid quote is stored, each
/// invalid one answered with its problems, in one transaction. Audited
/// (`market_prices.imported`). Price suggestions use quotes of the last 90 days.
#[utoipa::path(
    post, path = "/api/v1/market-prices", tag = "inventory",
    request_body = MarketPriceBatch,
    responses(
        (status = 200, description = "A result per quote", body = MarketPriceBatchResult),
        (status = 422, description = "Empty or too large batch", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn import_market_prices(
    caller: Authorized<perm::MarketPricesWrite>,
    body: Json<MarketPriceBatch>,
) -> Result<HttpResponse, ApiError> {
    let items: Vec<NewMarketPrice> = body
        .into_inner()
        .items
        .into_iter()
        .map(|i| NewMarketPrice {
            brand: i.brand,
            model: i.model,
            model_year: i.model_year,
            mileage_km: i.mileage_km,
            price_cents: i.price_cents,
            source: i.source,
            observed_on: i.observed_on,
        })
        .collect();
    let outcomes = caller.write(move |ctx| service::import(ctx, items)).await?;
    let results: Vec<MarketPriceResult> = outcomes
        .into_iter()
        .enumerate()
        .map(|(index, o)| match o {
            ItemOutcome::Created(id) => MarketPriceResult {
                index,
                status: "created".into(),
                id: Some(id),
                errors: Vec::new(),
            },
            ItemOutcome::Invalid(errors) => MarketPriceResult {
                index,
                status: "invalid".into(),
                id: None,
                errors,
            },
        })
        .collect();
    let created = results.iter().filter(|r| r.id.is_some()).count();
    Ok(HttpResponse::Ok().json(MarketPriceBatchResult {
        created,
        invalid: results.len() - created,
        results,
    }))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MarketPriceQuery {
    #[param(value_type = Option<QueryText>, inline)]
    pub brand: Option<String>,
    #[param(value_type = Option<QueryText>, inline)]
    pub model: Option<String>,
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

/// One stored market quote.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a5d0-1c2b-7a00-9e1f-3b4c5d6e7f90", "brand": "比亚迪", "model": "汉",
    "model_year": 2023, "mileage_km": 20000, "price_cents": 15600000, "source": "che300",
    "observed_on": "2026-12-01"}))]
pub struct MarketPriceDto {
    pub id: String,
    pub brand: String,
    pub model: String,
    pub model_year: i32,
    pub mileage_km: Option<i64>,
    pub price_cents: i64,
    pub source: String,
    /// YYYY-MM-DD.
    pub observed_on: String,
}

#[derive(Serialize, ToSchema)]
pub struct MarketPriceList {
    pub items: Vec<MarketPriceDto>,
}

/// List market reference prices.
///
/// Newest first, for a brand (and model) when given. Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/market-prices", tag = "inventory",
    params(MarketPriceQuery),
    responses((status = 200, description = "The quotes", body = MarketPriceList))
)]
pub async fn list_market_prices(
    caller: Authorized<perm::InventoryRead>,
    query: web::Query<MarketPriceQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(crate::app::ServiceError::invalid(
            "limit",
            "out_of_range",
            "limit must be between 1 and 200",
        )
        .into());
    }
    let brand = crate::validate::query_text("brand", q.brand)?;
    let model = crate::validate::query_text("model", q.model)?;
    let rows = caller
        .read(move |ctx| service::list(ctx, brand, model, limit))
        .await?;
    Ok(HttpResponse::Ok().json(MarketPriceList {
        items: rows.into_iter().map(dto).collect(),
    }))
}

fn dto(m: MarketPrice) -> MarketPriceDto {
    MarketPriceDto {
        id: m.id,
        brand: m.brand,
        model: m.model,
        model_year: m.model_year,
        mileage_km: m.mileage_km,
        price_cents: m.price_cents,
        source: m.source,
        observed_on: m.observed_on,
    }
}

crate::endpoints![price_suggestion, import_market_prices, list_market_prices];
