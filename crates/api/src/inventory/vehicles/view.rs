//! How a car is shown to callers of other inventory capabilities (matches, reservations,
//! transfers): the facts a buyer and a consultant need, never the acquisition cost or the
//! floor price, whoever asks.

use autocrm_persistence::models::Vehicle;
use serde::Serialize;
use utoipa::ToSchema;

/// A car in a match, reservation or transfer.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5d0-1c2b-7a00-9e1f-3b4c5d6e7f80", "vin": "LGXCE6CB8P0123456",
    "stock_number": "SZ-2026-0412", "store_id": "0193a5c4-5a1b-7c00-8d2e-1f2a3b4c5d60",
    "condition": "used", "brand": "比亚迪", "model": "汉", "trim": "EV 创世版 610KM",
    "model_year": 2023, "body_type": "sedan", "energy_type": "bev", "colour": "汉宫红",
    "seats": 5, "mileage_km": 18600, "first_registration_date": "2023-05-18",
    "asking_price_cents": 15980000, "status": "in_stock", "in_stock_since": "2026-10-09"
}))]
pub struct VehicleSummary {
    pub id: String,
    pub vin: String,
    pub stock_number: Option<String>,
    pub store_id: Option<String>,
    /// new or used.
    pub condition: String,
    pub brand: String,
    pub model: String,
    pub trim: Option<String>,
    pub model_year: Option<i32>,
    pub body_type: Option<String>,
    pub energy_type: Option<String>,
    pub colour: Option<String>,
    pub seats: Option<i32>,
    pub mileage_km: i64,
    /// YYYY-MM-DD.
    pub first_registration_date: Option<String>,
    pub asking_price_cents: i64,
    pub status: String,
    /// YYYY-MM-DD.
    pub in_stock_since: Option<String>,
}

impl From<&Vehicle> for VehicleSummary {
    fn from(v: &Vehicle) -> Self {
        Self {
            id: v.id.clone(),
            vin: v.vin.clone(),
            stock_number: v.stock_number.clone(),
            store_id: v.store_id.clone(),
            condition: v.condition.clone(),
            brand: v.brand.clone(),
            model: v.model.clone(),
            trim: serde_json::from_str::<serde_json::Value>(&v.specs)
                .ok()
                .and_then(|s| s.get("trim").and_then(|t| t.as_str()).map(str::to_owned)),
            model_year: v.model_year,
            body_type: v.body_type.clone(),
            energy_type: v.energy_type.clone(),
            colour: v.colour.clone(),
            seats: v.seats,
            mileage_km: v.mileage_km,
            first_registration_date: v.first_registration_date.clone(),
            asking_price_cents: v.asking_price_cents,
            status: v.status.clone(),
            in_stock_since: v.in_stock_since.clone(),
        }
    }
}
