//! What `/api/v1/vehicles` reads and writes.

use autocrm_domain::vehicle::{
    BodyType, Condition, Drivetrain, EmissionStandard, EnergyType, QueryTerm, Transmission,
    VehicleStatus, VinDecode,
};
use autocrm_persistence::models::{Vehicle, VehicleCost};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

use super::service::{VehicleChanges, VehicleSpecs};
use crate::validate::patch_field;
use crate::validate::rules::{self, Required};
use crate::validate::schema::{self, OptionalText, Text, string_enum};

string_enum!(ConditionSchema = Condition::NAMES);
string_enum!(BodySchema = BodyType::NAMES);
string_enum!(EnergySchema = EnergyType::NAMES);
string_enum!(TransmissionSchema = Transmission::NAMES);
string_enum!(DrivetrainSchema = Drivetrain::NAMES);
string_enum!(StatusSchema = VehicleStatus::NAMES);

/// Highest amount accepted, in fen (10 亿元).
pub const MAX_CENTS: i64 = 100_000_000_000;

fn fail(code: &'static str, message: String) -> ValidationError {
    ValidationError::new(code).with_message(message.into())
}

/// `国五`, `国六b`, `China 6b`, `china_6b`: what `EmissionStandard::from_label` reads.
fn valid_emission(value: &str) -> Result<(), ValidationError> {
    EmissionStandard::from_label(value)
        .map(drop)
        .ok_or_else(|| {
            fail(
                "not_allowed",
                "an emission standard such as 国五, 国六a, 国六b".into(),
            )
        })
}

/// Option and feature names: not blank, at most 40 characters each.
fn valid_names(values: &[String]) -> Result<(), ValidationError> {
    for value in values {
        rules::text(value)?;
        if value.chars().count() > 40 {
            return Err(fail(
                "too_long",
                "each name has at most 40 characters".into(),
            ));
        }
    }
    Ok(())
}

/// A car's fields, as `POST /vehicles`, `PUT /vehicles/by-vin/{vin}`, the bulk upsert and
/// `PATCH /vehicles/{id}` take them. On a change, a field left out keeps its value and
/// `null` clears it; on a create, `condition`, `brand`, `model` and `asking_price_cents`
/// are required.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate, Default)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "vin": "LGXCE6CB8P0123456", "stock_number": "SZ-2026-0412", "condition": "used",
    "brand": "比亚迪", "model": "汉", "trim": "EV 创世版 610KM", "model_year": 2023,
    "body_type": "sedan", "energy_type": "bev", "transmission": "automatic",
    "drivetrain": "fwd", "battery_kwh": 85.4, "cltc_range_km": 610, "colour": "汉宫红",
    "seats": 5, "mileage_km": 18600, "first_registration_date": "2023-05-18",
    "previous_owners": 1, "plate_city": "深圳", "emission_standard": "国六b",
    "condition_grade": "A", "acquisition_cost_cents": 14200000, "floor_price_cents": 15300000,
    "asking_price_cents": 15980000, "store_id": "0193a5c4-5a1b-7c00-8d2e-1f2a3b4c5d60",
    "status": "in_stock", "options": ["全景天窗", "丹拿音响"],
    "features": ["座椅加热", "360度全景影像", "自适应巡航"],
    "description": "一手车，4S店定期保养，无事故"
}))]
pub struct VehicleFields {
    /// 17 characters, no I, O or Q, with the ISO 3779 check digit. Required on
    /// `POST /vehicles` and in bulk items; on `PUT /vehicles/by-vin/{vin}` it may be left out
    /// (the path names it) but must equal the path's.
    #[validate(length(max = 17))]
    #[schema(max_length = 17)]
    pub vin: Option<String>,
    /// Accept a VIN whose check digit fails (some cars on Chinese roads carry one), with
    /// `vin_override_reason`. Both are stored and shown.
    pub vin_check_override: Option<bool>,
    #[validate(length(max = 200), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<200>>, inline)]
    pub vin_override_reason: Option<String>,
    /// The dealer's own stock number, unique in the organisation.
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(length(max = 40), custom(function = "rules::text"))]
    #[schema(value_type = Option<Text<40>>, inline)]
    pub stock_number: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(custom(function = "rules::present_one_of::<Condition>"))]
    #[schema(value_type = ConditionSchema, inline, required = false)]
    pub condition: Required<String>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(length(max = 60), custom(function = "rules::present_text"))]
    #[schema(value_type = Text<60>, inline, required = false)]
    pub brand: Required<String>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(length(max = 60), custom(function = "rules::present_text"))]
    #[schema(value_type = Text<60>, inline, required = false)]
    pub model: Required<String>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(length(max = 80), custom(function = "rules::text"))]
    #[schema(value_type = Option<Text<80>>, inline)]
    pub trim: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(range(min = 1950, max = 2100))]
    #[schema(value_type = Option<i32>, minimum = 1950, maximum = 2100)]
    pub model_year: Option<Option<i32>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(custom(function = "rules::one_of::<BodyType>"))]
    #[schema(value_type = Option<BodySchema>, inline)]
    pub body_type: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(custom(function = "rules::one_of::<EnergyType>"))]
    #[schema(value_type = Option<EnergySchema>, inline)]
    pub energy_type: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(custom(function = "rules::one_of::<Transmission>"))]
    #[schema(value_type = Option<TransmissionSchema>, inline)]
    pub transmission: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(custom(function = "rules::one_of::<Drivetrain>"))]
    #[schema(value_type = Option<DrivetrainSchema>, inline)]
    pub drivetrain: Option<Option<String>>,
    /// Engine displacement in ml (1498 for a 1.5T).
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(range(min = 0, max = 10_000))]
    #[schema(value_type = Option<i32>, minimum = 0, maximum = 10000)]
    pub displacement_ml: Option<Option<i32>>,
    /// Battery capacity in kWh (to the Wh).
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(range(min = 0.0, max = 500.0))]
    #[schema(value_type = Option<f64>, minimum = 0, maximum = 500)]
    pub battery_kwh: Option<Option<f64>>,
    /// CLTC range in km.
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(range(min = 0, max = 3000))]
    #[schema(value_type = Option<i32>, minimum = 0, maximum = 3000)]
    pub cltc_range_km: Option<Option<i32>>,
    /// The paint as the maker names it (`汉宫红`, `珍珠白`); its colour family is derived.
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(length(max = 30), custom(function = "rules::text"))]
    #[schema(value_type = Option<Text<30>>, inline)]
    pub colour: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(range(min = 1, max = 60))]
    #[schema(value_type = Option<i32>, minimum = 1, maximum = 60)]
    pub seats: Option<Option<i32>>,
    #[validate(range(min = 0, max = 5_000_000))]
    #[schema(minimum = 0, maximum = 5_000_000)]
    pub mileage_km: Option<i64>,
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = Option<NaiveDate>)]
    pub first_registration_date: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(range(min = 0, max = 50))]
    #[schema(value_type = Option<i32>, minimum = 0, maximum = 50)]
    pub previous_owners: Option<Option<i32>>,
    /// Where the car is registered (`深圳`).
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(length(max = 30), custom(function = "rules::text"))]
    #[schema(value_type = Option<Text<30>>, inline)]
    pub plate_city: Option<Option<String>>,
    /// 国五, 国六a, 国六b (or `china_6b`); stored as the wire name.
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(length(max = 20), custom(function = "valid_emission"))]
    #[schema(value_type = Option<String>, max_length = 20)]
    pub emission_standard: Option<Option<String>>,
    /// The dealer's grade of the car's condition (`A`, `B+`, `准新车`).
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(length(max = 10), custom(function = "rules::text"))]
    #[schema(value_type = Option<Text<10>>, inline)]
    pub condition_grade: Option<Option<String>>,
    /// What the car cost, in fen. Writing (and seeing) it needs a manager's role or scope
    /// `inventory:cost`.
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(range(min = 0, max = 100_000_000_000i64))]
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 100_000_000_000i64)]
    pub acquisition_cost_cents: Option<Option<i64>>,
    /// The lowest price a consultant may accept, in fen; as `acquisition_cost_cents`.
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(range(min = 0, max = 100_000_000_000i64))]
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 100_000_000_000i64)]
    pub floor_price_cents: Option<Option<i64>>,
    /// In fen.
    #[validate(range(min = 1, max = 100_000_000_000i64))]
    #[schema(minimum = 1, maximum = 100_000_000_000i64)]
    pub asking_price_cents: Option<i64>,
    /// What the car sold for, in fen (with `status: sold`; defaults to the asking price).
    #[validate(range(min = 1, max = 100_000_000_000i64))]
    #[schema(minimum = 1, maximum = 100_000_000_000i64)]
    pub sold_price_cents: Option<i64>,
    /// The store that has the car; none while the organisation has no stores.
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(custom(function = "rules::id"))]
    #[schema(value_type = Option<schema::Id>, inline)]
    pub store_id: Option<Option<String>>,
    /// Defaults to `in_stock` on a create. A change follows the status machine (sold and
    /// transferred_out are final; a reserved car is released or sold).
    #[validate(custom(function = "rules::one_of::<VehicleStatus>"))]
    #[schema(value_type = Option<StatusSchema>, inline)]
    pub status: Option<String>,
    /// The day the car arrived in stock (days in stock count from it); defaults to today
    /// for a car created in stock.
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = Option<NaiveDate>)]
    pub in_stock_since: Option<Option<NaiveDate>>,
    /// Factory and dealer-fitted options (选装).
    #[validate(length(max = 100), custom(function = "valid_names"))]
    #[schema(max_items = 100)]
    pub options: Option<Vec<String>>,
    /// Features buyers search for (`座椅加热`, `自适应巡航`).
    #[validate(length(max = 100), custom(function = "valid_names"))]
    #[schema(max_items = 100)]
    pub features: Option<Vec<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(length(max = 2000), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<2000>>, inline)]
    pub description: Option<Option<String>>,
}

fn trimmed_nullable(value: Option<Option<String>>) -> Option<Option<String>> {
    value.map(|v| rules::trimmed(v.as_deref()))
}

impl VehicleFields {
    /// The fields as a change (the VIN is read apart, by the caller).
    pub fn into_changes(self) -> VehicleChanges {
        VehicleChanges {
            vin_check_override: self.vin_check_override.unwrap_or(false),
            vin_override_reason: rules::trimmed(self.vin_override_reason.as_deref()),
            stock_number: trimmed_nullable(self.stock_number),
            condition: self.condition.flatten().and_then(|c| c.parse().ok()),
            brand: self.brand.flatten().map(|b| b.trim().to_owned()),
            model: self.model.flatten().map(|m| m.trim().to_owned()),
            trim: trimmed_nullable(self.trim),
            model_year: self.model_year,
            body_type: self.body_type.map(|v| v.and_then(|b| b.parse().ok())),
            energy_type: self.energy_type.map(|v| v.and_then(|e| e.parse().ok())),
            transmission: self.transmission.map(|v| v.and_then(|t| t.parse().ok())),
            drivetrain: self.drivetrain.map(|v| v.and_then(|d| d.parse().ok())),
            displacement_ml: self.displacement_ml,
            battery_wh: self
                .battery_kwh
                .map(|v| v.map(|kwh| (kwh * 1000.0).round() as i64)),
            cltc_range_km: self.cltc_range_km,
            colour: trimmed_nullable(self.colour),
            seats: self.seats,
            mileage_km: self.mileage_km,
            first_registration_date: self.first_registration_date,
            previous_owners: self.previous_owners,
            plate_city: trimmed_nullable(self.plate_city),
            emission_standard: self
                .emission_standard
                .map(|v| v.and_then(|e| EmissionStandard::from_label(&e))),
            condition_grade: trimmed_nullable(self.condition_grade),
            acquisition_cost_cents: self.acquisition_cost_cents,
            floor_price_cents: self.floor_price_cents,
            asking_price_cents: self.asking_price_cents,
            sold_price_cents: self.sold_price_cents,
            store_id: self
                .store_id
                .map(|v| v.and_then(|id| rules::normalised_id(&id))),
            status: self.status.and_then(|s| s.parse().ok()),
            in_stock_since: self.in_stock_since,
            options: self.options.map(names),
            features: self.features.map(names),
            description: trimmed_nullable(self.description),
        }
    }
}

/// Trimmed, without repeats, in the order given.
fn names(values: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(values.len());
    for value in values {
        let value = value.trim().to_owned();
        if !out.contains(&value) {
            out.push(value);
        }
    }
    out
}

/// A car as staff and integrators see it. `acquisition_cost_cents` and `floor_price_cents`
/// appear only for callers who may see costs (managers and above, scope `inventory:cost`).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5d0-1c2b-7a00-9e1f-3b4c5d6e7f80", "vin": "LGXCE6CB8P0123456",
    "vin_check_override": false, "vin_override_reason": null,
    "stock_number": "SZ-2026-0412", "condition": "used", "brand": "比亚迪", "model": "汉",
    "trim": "EV 创世版 610KM", "model_year": 2023, "body_type": "sedan", "energy_type": "bev",
    "transmission": "automatic", "drivetrain": "fwd", "displacement_ml": null,
    "battery_kwh": 85.4, "cltc_range_km": 610, "colour": "汉宫红", "colour_family": "red",
    "seats": 5, "mileage_km": 18600, "first_registration_date": "2023-05-18",
    "previous_owners": 1, "plate_city": "深圳", "emission_standard": "china_6b",
    "condition_grade": "A", "acquisition_cost_cents": 14200000, "floor_price_cents": 15300000,
    "asking_price_cents": 15980000, "sold_price_cents": null, "sold_at": null,
    "store_id": "0193a5c4-5a1b-7c00-8d2e-1f2a3b4c5d60", "status": "in_stock",
    "in_stock_since": "2026-10-09", "days_in_stock": 59, "options": ["全景天窗", "丹拿音响"],
    "features": ["座椅加热", "360度全景影像", "自适应巡航"],
    "description": "一手车，4S店定期保养，无事故", "version": 3,
    "created_at": "2026-10-09T02:15:00Z", "updated_at": "2026-11-30T08:40:00Z"
}))]
pub struct VehicleDto {
    pub id: String,
    pub vin: String,
    pub vin_check_override: bool,
    pub vin_override_reason: Option<String>,
    pub stock_number: Option<String>,
    pub condition: String,
    pub brand: String,
    pub model: String,
    pub trim: Option<String>,
    pub model_year: Option<i32>,
    pub body_type: Option<String>,
    pub energy_type: Option<String>,
    pub transmission: Option<String>,
    pub drivetrain: Option<String>,
    pub displacement_ml: Option<i32>,
    pub battery_kwh: Option<f64>,
    pub cltc_range_km: Option<i32>,
    pub colour: Option<String>,
    /// The paint's family (`red`, `white`, ...), derived from `colour`.
    pub colour_family: Option<String>,
    pub seats: Option<i32>,
    pub mileage_km: i64,
    pub first_registration_date: Option<String>,
    pub previous_owners: Option<i32>,
    pub plate_city: Option<String>,
    pub emission_standard: Option<String>,
    pub condition_grade: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acquisition_cost_cents: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub floor_price_cents: Option<i64>,
    pub asking_price_cents: i64,
    pub sold_price_cents: Option<i64>,
    pub sold_at: Option<DateTime<Utc>>,
    pub store_id: Option<String>,
    pub status: String,
    pub in_stock_since: Option<String>,
    /// Whole days since `in_stock_since`, in the organisation's time zone, while the car is
    /// in stock or reserved.
    pub days_in_stock: Option<i64>,
    pub options: Vec<String>,
    pub features: Vec<String>,
    pub description: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl VehicleDto {
    /// The car as shown; `cost` only for a caller who may see it.
    pub fn of(v: Vehicle, cost: Option<VehicleCost>, today: NaiveDate) -> Self {
        let specs = VehicleSpecs::of(&v);
        let features: Vec<String> = serde_json::from_str(&v.features).unwrap_or_default();
        let days_in_stock = match v.status.as_str() {
            "in_stock" | "reserved" => v
                .in_stock_since
                .as_deref()
                .and_then(|d| d.parse::<NaiveDate>().ok())
                .map(|since| (today - since).num_days().max(0)),
            _ => None,
        };
        Self {
            id: v.id,
            vin: v.vin,
            vin_check_override: v.vin_override_reason.is_some(),
            vin_override_reason: v.vin_override_reason,
            stock_number: v.stock_number,
            condition: v.condition,
            brand: v.brand,
            model: v.model,
            trim: specs.trim,
            model_year: v.model_year,
            body_type: v.body_type,
            energy_type: v.energy_type,
            transmission: v.transmission,
            drivetrain: specs.drivetrain,
            displacement_ml: specs.displacement_ml,
            battery_kwh: specs.battery_wh.map(|wh| wh as f64 / 1000.0),
            cltc_range_km: specs.cltc_range_km,
            colour: v.colour,
            colour_family: v.colour_family,
            seats: v.seats,
            mileage_km: v.mileage_km,
            first_registration_date: v.first_registration_date,
            previous_owners: specs.previous_owners,
            plate_city: specs.plate_city,
            emission_standard: specs.emission_standard,
            condition_grade: specs.condition_grade,
            acquisition_cost_cents: cost.as_ref().and_then(|c| c.acquisition_cost_cents),
            floor_price_cents: cost.as_ref().and_then(|c| c.floor_price_cents),
            asking_price_cents: v.asking_price_cents,
            sold_price_cents: v.sold_price_cents,
            sold_at: v.sold_at.map(|t| t.and_utc()),
            store_id: v.store_id,
            status: v.status,
            in_stock_since: v.in_stock_since,
            days_in_stock,
            options: specs.options,
            features,
            description: specs.description,
            version: v.version,
            created_at: v.created_at.and_utc(),
            updated_at: v.updated_at.and_utc(),
        }
    }
}

/// A page of cars, with what the free query `q` was understood to mean.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "items": [],
    "next_cursor": null,
    "query": {"understood": [
        {"text": "10万内", "meaning": {"kind": "price", "min_cents": null, "max_cents": 10000000},
         "description_zh": "价格不超过10万元", "description_en": "price up to CNY 100,000"},
        {"text": "SUV", "meaning": {"kind": "body_type", "body_type": "suv"},
         "description_zh": "车身：SUV", "description_en": "body: SUV"}
    ], "not_understood": []}
}))]
pub struct VehiclePage {
    pub items: Vec<VehicleDto>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
    /// The parse of `q`, when given: each understood term and what it was taken to mean
    /// (those became filters), and the words that meant nothing.
    pub query: Option<QueryParse>,
}

/// How a free query was read.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueryParse {
    #[schema(value_type = Vec<Object>)]
    pub understood: Vec<QueryTerm>,
    pub not_understood: Vec<String>,
}

/// `GET /vehicles` filters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct VehicleListQuery {
    /// A free query as customers type it (`10万内SUV`, `新能源 7座`, `宝马3系 2020`): read
    /// into the filters below; the answer's `query` shows how.
    #[param(value_type = Option<schema::SearchText<200>>, inline)]
    pub q: Option<String>,
    /// Brand names, comma-separated (`比亚迪,宝马`).
    pub brand: Option<String>,
    /// Model names, comma-separated.
    pub model: Option<String>,
    /// Body types, comma-separated (`suv,mpv`).
    pub body_type: Option<String>,
    /// Energy types, comma-separated (`bev,phev`).
    pub energy_type: Option<String>,
    #[param(value_type = Option<ConditionSchema>, inline)]
    pub condition: Option<String>,
    /// Statuses, comma-separated; all when left out.
    pub status: Option<String>,
    #[param(minimum = 0)]
    pub price_min: Option<i64>,
    #[param(minimum = 0)]
    pub price_max: Option<i64>,
    #[param(minimum = 0)]
    pub mileage_max: Option<i64>,
    /// Years since first registration (or since the model year), at most.
    #[param(minimum = 0, maximum = 60)]
    pub age_max_years: Option<i64>,
    #[param(minimum = 1950, maximum = 2100)]
    pub year_min: Option<i32>,
    #[param(minimum = 1950, maximum = 2100)]
    pub year_max: Option<i32>,
    #[param(minimum = 1, maximum = 60)]
    pub seats_min: Option<i32>,
    #[param(value_type = Option<schema::Id>, inline)]
    pub store_id: Option<String>,
    /// The city of the car's store (`深圳`).
    pub city: Option<String>,
    /// Features the car must all have, comma-separated (`座椅加热,自适应巡航`).
    pub features: Option<String>,
    /// `-created` (default), `price`, `-price`, `mileage`, `-mileage`, `year`, `-year`,
    /// `days_in_stock` (shortest first), `-days_in_stock` (longest first).
    pub sort: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    #[param(value_type = Option<crate::http::pagination::Cursor>, inline)]
    pub cursor: Option<String>,
}

/// What a VIN says: maker, country, model years, and what is wrong with it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "vin": "LGXCE6CB8P0123456", "valid": true, "check_digit_ok": true, "wmi": "LGX",
    "maker": "BYD Auto", "maker_zh": "比亚迪汽车", "country": "China", "country_code": "CN",
    "region": "Asia", "model_years": [2023], "problems": []
}))]
pub struct VinDecodeDto {
    pub vin: String,
    /// False when the length or a character is wrong.
    pub valid: bool,
    /// True only for a valid VIN whose check digit (position 9) agrees.
    pub check_digit_ok: bool,
    pub wmi: Option<String>,
    pub maker: Option<String>,
    pub maker_zh: Option<String>,
    /// English short name (`China`).
    pub country: Option<String>,
    /// ISO 3166-1 alpha-2 (`CN`).
    pub country_code: Option<String>,
    pub region: Option<String>,
    /// From position 10, newest first; two where the 30-year cycle leaves it open.
    pub model_years: Vec<i32>,
    /// What is wrong, each with a code and messages.
    #[schema(value_type = Vec<Object>)]
    pub problems: Vec<serde_json::Value>,
}

impl From<VinDecode> for VinDecodeDto {
    fn from(d: VinDecode) -> Self {
        Self {
            vin: d.vin,
            valid: d.valid,
            check_digit_ok: d.check_digit_ok,
            wmi: d.wmi,
            maker: d.maker.map(str::to_owned),
            maker_zh: d.maker_zh.map(str::to_owned),
            country: d.country.map(str::to_owned),
            country_code: d.country_code.map(str::to_owned),
            region: d.region.map(str::to_owned),
            model_years: d.model_years,
            problems: d
                .problems
                .iter()
                .filter_map(|p| serde_json::to_value(p).ok())
                .collect(),
        }
    }
}

/// `POST /vehicles/bulk-upsert`.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"items": [{
    "vin": "LGXCE6CB8P0123456", "stock_number": "SZ-2026-0412", "condition": "used",
    "brand": "比亚迪", "model": "汉", "asking_price_cents": 15980000, "status": "in_stock"
}]}))]
pub struct BulkUpsert {
    /// 1 to 1,000 cars, each upserted by its VIN on its own: one bad item fails alone.
    #[validate(length(min = 1, max = 1000))]
    #[schema(min_items = 1, max_items = 1000)]
    pub items: Vec<serde_json::Value>,
}

/// One item's outcome in a bulk upsert.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"index": 0, "vin": "LGXCE6CB8P0123456", "status": 201,
    "result": "created", "id": "0193a5d0-1c2b-7a00-9e1f-3b4c5d6e7f80", "version": 1,
    "problem": null}))]
pub struct BulkItemResult {
    pub index: usize,
    pub vin: Option<String>,
    /// The HTTP status the item would have had on its own: 201, 200, 4xx.
    pub status: u16,
    /// created, updated, unchanged or failed.
    pub result: String,
    pub id: Option<String>,
    pub version: Option<i64>,
    /// A problem+json object for a failed item.
    #[schema(value_type = Option<Object>)]
    pub problem: Option<serde_json::Value>,
}

/// The bulk upsert's answer.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"created": 1, "updated": 0, "unchanged": 0, "failed": 0, "items": [
    {"index": 0, "vin": "LGXCE6CB8P0123456", "status": 201, "result": "created",
     "id": "0193a5d0-1c2b-7a00-9e1f-3b4c5d6e7f80", "version": 1, "problem": null}]}))]
pub struct BulkUpsertResult {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub failed: usize,
    pub items: Vec<BulkItemResult>,
}
