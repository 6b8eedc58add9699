//! What `/api/v1/customers/{id}/vehicles` reads and writes.

use autocrm_domain::vehicle::{Plate, Vin};
use autocrm_persistence::models::{MileageReading, OwnedVehicle};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::{Validate, ValidationError};

use super::service::{NewVehicle, VehicleChanges, VehicleWithMileage};
use crate::validate::patch_field;
use crate::validate::rules::{self, Required};
use crate::validate::schema::Text;

/// Oldest and newest model year accepted.
pub const MIN_YEAR: i32 = 1900;
pub const MAX_YEAR: i32 = 2100;

fn fail(code: &'static str, message: String) -> ValidationError {
    ValidationError::new(code).with_message(message.into())
}

/// A VIN as `Vin::parse` reads it (check digit verified); blank means absent.
fn valid_vin(value: &str) -> Result<(), ValidationError> {
    match value.trim() {
        "" => Ok(()),
        text => Vin::parse(text)
            .map(drop)
            .map_err(|e| fail(e.code(), e.to_string())),
    }
}

/// A plate as `Plate::parse` reads it; blank means absent.
fn valid_plate(value: &str) -> Result<(), ValidationError> {
    match value.trim() {
        "" => Ok(()),
        text => Plate::parse(text)
            .map(drop)
            .map_err(|e| fail(e.code(), e.to_string())),
    }
}

fn parsed_vin(value: Option<&str>) -> Option<Vin> {
    rules::trimmed(value).and_then(|v| Vin::parse(&v).ok())
}

fn parsed_plate(value: Option<&str>) -> Option<Plate> {
    rules::trimmed(value).and_then(|p| Plate::parse(&p).ok())
}

#[derive(Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "vin": "LGXCE4CB2N0123456", "plate": "沪A·D12345", "brand": "比亚迪", "model": "汉EV",
    "year": 2022, "purchase_date": "2022-09-18"
}))]
pub struct CreateVehicle {
    /// 17 characters, no I, O or Q, with a valid ISO 3779 check digit (422 otherwise).
    #[validate(custom(function = "valid_vin"))]
    pub vin: Option<String>,
    /// Stored normalised (`沪A·D12345` → `沪AD12345`), so that it can be searched.
    #[validate(custom(function = "valid_plate"))]
    pub plate: Option<String>,
    #[validate(length(max = 60), custom(function = "rules::text"))]
    #[schema(value_type = Text<60>, inline)]
    pub brand: String,
    #[validate(length(max = 60), custom(function = "rules::text"))]
    #[schema(value_type = Text<60>, inline)]
    pub model: String,
    /// Model year.
    #[validate(range(min = 1900, max = 2100))]
    #[schema(minimum = 1900, maximum = 2100)]
    pub year: Option<i32>,
    pub purchase_date: Option<NaiveDate>,
}

impl CreateVehicle {
    pub fn into_command(self) -> NewVehicle {
        NewVehicle {
            vin: parsed_vin(self.vin.as_deref()),
            plate: parsed_plate(self.plate.as_deref()),
            brand: self.brand.trim().to_owned(),
            model: self.model.trim().to_owned(),
            year: self.year,
            purchase_date: self.purchase_date,
        }
    }
}

/// JSON merge patch: absent leaves a field, `null` clears it (`brand` and `model` cannot
/// be cleared).
#[derive(Deserialize, ToSchema, Validate, Default)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"plate": "沪AD12345", "year": 2022}))]
pub struct PatchVehicle {
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(custom(function = "valid_vin"))]
    #[schema(value_type = Option<String>)]
    pub vin: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(custom(function = "valid_plate"))]
    #[schema(value_type = Option<String>)]
    pub plate: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(length(max = 60), custom(function = "rules::present_text"))]
    #[schema(value_type = Text<60>, inline, required = false)]
    pub brand: Required<String>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(length(max = 60), custom(function = "rules::present_text"))]
    #[schema(value_type = Text<60>, inline, required = false)]
    pub model: Required<String>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(range(min = 1900, max = 2100))]
    #[schema(value_type = Option<i32>, minimum = 1900, maximum = 2100)]
    pub year: Option<Option<i32>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = Option<NaiveDate>)]
    pub purchase_date: Option<Option<NaiveDate>>,
}

impl PatchVehicle {
    pub fn into_changes(self) -> VehicleChanges {
        VehicleChanges {
            vin: self.vin.map(|v| parsed_vin(v.as_deref())),
            plate: self.plate.map(|p| parsed_plate(p.as_deref())),
            brand: self.brand.flatten().map(|b| b.trim().to_owned()),
            model: self.model.flatten().map(|m| m.trim().to_owned()),
            year: self.year,
            purchase_date: self.purchase_date,
        }
    }
}

#[derive(Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"mileage_km": 18650, "read_at": "2026-11-28T06:00:00Z"}))]
pub struct AddMileage {
    /// Odometer, in km; never below an earlier reading.
    #[validate(range(min = 0, max = 5_000_000))]
    #[schema(minimum = 0, maximum = 5_000_000)]
    pub mileage_km: i64,
    /// When it was read (RFC 3339); defaults to now, never later.
    pub read_at: Option<DateTime<Utc>>,
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a5c4-b170-7e50-8f6a-7b8c9d0e1f23", "mileage_km": 18650,
    "read_at": "2026-11-28T06:00:00Z", "recorded_by": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12"}))]
pub struct MileageDto {
    pub id: String,
    pub mileage_km: i64,
    pub read_at: DateTime<Utc>,
    pub recorded_by: String,
}

impl From<MileageReading> for MileageDto {
    fn from(r: MileageReading) -> Self {
        Self {
            id: r.id,
            mileage_km: r.mileage_km,
            read_at: r.read_at.and_utc(),
            recorded_by: r.recorded_by,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5c4-a06f-7d40-9e5f-6a7b8c9d0e12",
    "customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70", "vin": "LGXCE4CB2N0123456",
    "plate": "沪AD12345", "brand": "比亚迪", "model": "汉EV", "year": 2022,
    "purchase_date": "2022-09-18", "current_mileage_km": 18650,
    "mileage": [{"id": "0193a5c4-b170-7e50-8f6a-7b8c9d0e1f23", "mileage_km": 18650,
                 "read_at": "2026-11-28T06:00:00Z", "recorded_by": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12"}],
    "version": 1, "created_at": "2026-11-28T06:00:00Z", "updated_at": "2026-11-28T06:00:00Z"
}))]
pub struct VehicleDto {
    pub id: String,
    pub customer_id: String,
    pub vin: Option<String>,
    /// Normalised: upper case, no spaces or separators.
    pub plate: Option<String>,
    pub brand: String,
    pub model: String,
    pub year: Option<i32>,
    pub purchase_date: Option<NaiveDate>,
    /// The latest reading's mileage.
    pub current_mileage_km: Option<i64>,
    /// Readings, oldest first.
    pub mileage: Vec<MileageDto>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl VehicleDto {
    pub fn of(v: OwnedVehicle, readings: Vec<MileageReading>) -> Self {
        Self {
            current_mileage_km: readings.last().map(|r| r.mileage_km),
            mileage: readings.into_iter().map(MileageDto::from).collect(),
            purchase_date: v.purchase_date.as_deref().and_then(|d| d.parse().ok()),
            id: v.id,
            customer_id: v.customer_id,
            vin: v.vin,
            plate: v.plate,
            brand: v.brand,
            model: v.model,
            year: v.model_year,
            version: v.version,
            created_at: v.created_at.and_utc(),
            updated_at: v.updated_at.and_utc(),
        }
    }
}

impl From<VehicleWithMileage> for VehicleDto {
    fn from(v: VehicleWithMileage) -> Self {
        Self::of(v.vehicle, v.readings)
    }
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"items": [{
    "id": "0193a5c4-a06f-7d40-9e5f-6a7b8c9d0e12",
    "customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70", "vin": "LGXCE4CB2N0123456",
    "plate": "沪AD12345", "brand": "比亚迪", "model": "汉EV", "year": 2022,
    "purchase_date": "2022-09-18", "current_mileage_km": null, "mileage": [],
    "version": 1, "created_at": "2026-11-28T06:00:00Z", "updated_at": "2026-11-28T06:00:00Z"
}]}))]
pub struct VehicleList {
    pub items: Vec<VehicleDto>,
}
