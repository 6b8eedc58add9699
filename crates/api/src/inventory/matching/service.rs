//! Customer–vehicle matching both ways (issue 9, DESIGN §5 "Vehicle matching"). The rules are
//! the domain's (`autocrm_domain::vehicle::{Matcher, top_n, customers_for_vehicle}`); here
//! SQL narrows to candidates on indexed columns and the domain scores only those.
//!
//! Forward (cars for a customer): the customer's must-haves run in SQL on `vehicles`; a stated
//! budget further narrows to the prices where it still fits at all; at most
//! [`CANDIDATE_LIMIT`] candidates are scored. Reverse (customers for a car): the customers'
//! indexed must-haves (`customer_need_index`) and the caller's data scope run in SQL.

use std::collections::HashMap;

use crate::organization::settings::{change_sections, sections};
use autocrm_domain::customer::Needs;
use autocrm_domain::vehicle::{
    Condition, Location, MatchReason, MatchSettings, Matcher, Paint, Prospect, TransferEstimate,
    VehicleFacts, customers_for_vehicle, find_city, top_n,
};
use autocrm_persistence::models::{
    CandidateCar, CarKeys, Customer, CustomerNeedIndex, Store, StoreFilter, TenantRecord, User,
    Vehicle, VehicleCandidates,
};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::{Ctx, FieldError, ServiceError, ServiceResult};
use crate::customers::service as customers;
use crate::inventory::vehicles::service as vehicles;
use crate::inventory::vehicles::view::VehicleSummary;
use crate::organization::stores::service::location_of;

/// The most candidates one match scores after the SQL filters.
pub const CANDIDATE_LIMIT: i64 = 1_000;
/// A stated budget fits not at all above this share of its ceiling, nor below this share of
/// its floor (the domain's budget criterion fades to zero there): the price window searched.
const BUDGET_OVER_PERCENT: i64 = 120;
const BUDGET_UNDER_PERCENT: i64 = 50;

/// The organisation's matching settings (the defaults until someone sets them).
pub fn settings(ctx: &mut Ctx) -> ServiceResult<MatchSettings> {
    Ok(sections(ctx)?.vehicle_matching.unwrap_or_default())
}

/// Replaces the organisation's matching settings after checking every part of them (422 with
/// each problem). Audited (`organization.vehicle_matching_changed`).
pub fn put_settings(ctx: &mut Ctx, new: MatchSettings) -> ServiceResult<MatchSettings> {
    let mut problems = Vec::new();
    if let Err(e) = new.weights.check() {
        problems.push(FieldError::new("weights", "invalid", e.to_string()));
    }
    if let Err(e) = new.transfer.check() {
        problems.push(FieldError::new(
            format!("transfer.{}", e.field),
            "out_of_range",
            e.message,
        ));
    }
    if !problems.is_empty() {
        return Err(ServiceError::Invalid(problems));
    }
    let detail = serde_json::to_value(new).map_err(ServiceError::internal)?;
    change_sections(ctx, "organization.vehicle_matching_changed", detail, |s| {
        s.vehicle_matching = Some(new);
    })?;
    Ok(new)
}

/// Where a customer is: their city's seat from the built-in city table.
pub fn customer_location(customer: &Customer) -> Option<Location> {
    customer
        .city
        .as_deref()
        .and_then(find_city)
        .map(Location::of_city)
}

/// Every store of the organisation placed on the map (own coordinates, else its city's).
fn store_locations(ctx: &mut Ctx) -> ServiceResult<HashMap<String, Location>> {
    let mut out = HashMap::new();
    let mut after = None;
    loop {
        let page = Store::list(
            ctx.conn,
            ctx.org_id(),
            &StoreFilter {
                active: None,
                city: None,
                after_id: after.clone(),
                limit: 500,
            },
        )?;
        let done = page.len() < 500;
        after = page.last().map(|s| s.id.clone());
        for store in page {
            if let Some(at) = location_of(&store) {
                out.insert(store.id, at);
            }
        }
        if done {
            return Ok(out);
        }
    }
}

/// A car as matching sees it. A stored value that no longer parses reads as not recorded.
pub fn facts_of(v: &CandidateCar, stores: &HashMap<String, Location>) -> VehicleFacts {
    let condition = v.condition.parse().unwrap_or(Condition::Used);
    let mut facts = VehicleFacts::new(&v.brand, &v.model, condition, v.asking_price_cents);
    facts.body_type = v.body_type.as_deref().and_then(|b| b.parse().ok());
    facts.energy_type = v.energy_type.as_deref().and_then(|e| e.parse().ok());
    facts.transmission = v.transmission.as_deref().and_then(|t| t.parse().ok());
    facts.seats = v.seats.and_then(|s| u8::try_from(s).ok());
    facts.model_year = v.model_year;
    facts.first_registration = v
        .first_registration_date
        .as_deref()
        .and_then(|d| d.parse().ok());
    facts.mileage_km = v.mileage_km;
    facts.colour = v.colour.as_deref().map(Paint::new);
    facts.location = v.store_id.as_ref().and_then(|s| stores.get(s)).copied();
    facts
}

/// One criterion's part in a match.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "criterion": "budget", "hard": true, "weight": 25, "fit": 100, "points": 25.0, "met": true,
    "message_zh": "售价15.98万元，在预算15万–20万元内", "message_en": "¥159,800 is within the budget of ¥150,000–¥200,000"
}))]
pub struct ReasonDto {
    /// budget, body_type, brand, energy_type, condition, seats, age, mileage, transmission,
    /// colour or distance.
    pub criterion: String,
    /// A must-have: every car shown meets it.
    pub hard: bool,
    pub weight: u16,
    /// 0–100.
    pub fit: u8,
    /// weight × fit / 100.
    pub points: f64,
    pub met: bool,
    pub message_zh: String,
    pub message_en: String,
}

impl From<MatchReason> for ReasonDto {
    fn from(r: MatchReason) -> Self {
        Self {
            criterion: r.criterion.to_string(),
            hard: r.hard,
            weight: r.weight,
            fit: r.fit,
            points: r.points,
            met: r.met,
            message_zh: r.message_zh,
            message_en: r.message_en,
        }
    }
}

/// Moving the car to the customer's city.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"distance_km": 1213, "road_km": 1516, "days": 5, "cost_cents": 353200}))]
pub struct TransferDto {
    /// Straight-line km between the car's store and the customer's city.
    pub distance_km: u32,
    /// Estimated road km.
    pub road_km: u32,
    pub days: u32,
    pub cost_cents: i64,
}

impl From<TransferEstimate> for TransferDto {
    fn from(t: TransferEstimate) -> Self {
        Self {
            distance_km: t.distance_km,
            road_km: t.road_km,
            days: t.days,
            cost_cents: t.cost_cents,
        }
    }
}

/// A car matched to a customer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VehicleMatchDto {
    pub vehicle: VehicleSummary,
    /// 0–100.
    pub score: u8,
    /// One per criterion the customer expressed.
    pub reasons: Vec<ReasonDto>,
    /// When the car's store is outside the customer's area: time and cost to bring it.
    pub transfer: Option<TransferDto>,
}

/// The best cars for a customer (or, later, a lead).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "items": [{"vehicle": {"id": "0193a5d0-1c2b-7a00-9e1f-3b4c5d6e7f80", "vin": "LGXCE6CB8P0123456",
        "stock_number": "SZ-2026-0412", "store_id": "0193a5c4-5a1b-7c00-8d2e-1f2a3b4c5d60",
        "condition": "used", "brand": "比亚迪", "model": "汉", "trim": "EV 创世版 610KM",
        "model_year": 2023, "body_type": "sedan", "energy_type": "bev", "colour": "汉宫红",
        "seats": 5, "mileage_km": 18600, "first_registration_date": "2023-05-18",
        "asking_price_cents": 15980000, "status": "in_stock", "in_stock_since": "2026-10-09"},
      "score": 92,
      "reasons": [{"criterion": "budget", "hard": true, "weight": 25, "fit": 100, "points": 25.0,
        "met": true, "message_zh": "售价15.98万元，在预算15万–20万元内",
        "message_en": "¥159,800 is within the budget of ¥150,000–¥200,000"}],
      "transfer": {"distance_km": 1213, "road_km": 1516, "days": 5, "cost_cents": 353200}}],
    "candidates": 184, "truncated": false
}))]
pub struct VehicleMatches {
    pub items: Vec<VehicleMatchDto>,
    /// Cars scored after the SQL filters.
    pub candidates: usize,
    /// True when more cars passed the filters than were scored (the dearest within the
    /// budget window were).
    pub truncated: bool,
}

/// The best offerable cars (in stock or in transit) for these needs, seen from `location`.
/// The one function behind both the customer's and (with the leads issue) the lead's
/// `vehicle-matches`. Changes nothing.
pub fn matches_for_needs(
    ctx: &mut Ctx,
    needs: &Needs,
    location: Option<Location>,
    limit: usize,
) -> ServiceResult<VehicleMatches> {
    let settings = settings(ctx)?;
    let today = ctx.today()?;
    let stores = store_locations(ctx)?;
    let matcher = Matcher::new(needs, location, &settings, today);
    let filter = matcher.hard_filter();
    let store_ids = filter.within.map(|radius| {
        stores
            .iter()
            .filter(|(_, at)| radius.centre.distance_km(at.point) <= radius.km)
            .map(|(id, _)| id.clone())
            .collect::<Vec<_>>()
    });
    let price_window =
        (needs.budget_min_cents.is_some() || needs.budget_max_cents.is_some()).then(|| {
            (
                needs
                    .budget_min_cents
                    .map_or(0, |min| min.saturating_mul(BUDGET_UNDER_PERCENT) / 100),
                needs.budget_max_cents.map_or(i64::MAX, |max| {
                    max.saturating_mul(BUDGET_OVER_PERCENT) / 100
                }),
            )
        });
    // With a ceiling, the candidates are the cars within budget, dearest first (buyers spend
    // their budget; the budget criterion fits them fully), and a share of those just above
    // it, cheapest first (the nearest misses): never the 20 % over budget before all of the
    // cars within it.
    let within_budget =
        |window: Option<(i64, i64)>, limit: i64, cheapest_first: bool| VehicleCandidates {
            store_ids: store_ids.clone(),
            price_window: window,
            limit,
            cheapest_first,
        };
    let (rows, truncated) = match (price_window, needs.budget_max_cents) {
        (Some((low, high)), Some(max)) if max < high => {
            let above_share = CANDIDATE_LIMIT / 4;
            let mut rows = Vehicle::match_candidates(
                ctx.conn,
                ctx.org_id(),
                &filter,
                &within_budget(Some((low, max)), CANDIDATE_LIMIT - above_share + 1, false),
            )?;
            let mut over = Vehicle::match_candidates(
                ctx.conn,
                ctx.org_id(),
                &filter,
                &within_budget(Some((max.saturating_add(1), high)), above_share + 1, true),
            )?;
            let truncated = rows.len() as i64 > CANDIDATE_LIMIT - above_share
                || over.len() as i64 > above_share;
            rows.truncate((CANDIDATE_LIMIT - above_share) as usize);
            over.truncate(above_share as usize);
            rows.extend(over);
            (rows, truncated)
        }
        _ => {
            let mut rows = Vehicle::match_candidates(
                ctx.conn,
                ctx.org_id(),
                &filter,
                &within_budget(price_window, CANDIDATE_LIMIT + 1, false),
            )?;
            let truncated = rows.len() as i64 > CANDIDATE_LIMIT;
            rows.truncate(CANDIDATE_LIMIT as usize);
            (rows, truncated)
        }
    };
    let facts: Vec<VehicleFacts> = rows.iter().map(|v| facts_of(v, &stores)).collect();
    let ranked = top_n(&matcher, facts.iter().enumerate(), limit);
    // The winners' whole rows, in one statement. The candidates were read without a
    // snapshot: a winner changed since is judged again on what it is now, and one no
    // longer offerable (sold meanwhile) drops out.
    let ids: Vec<&str> = ranked.iter().map(|r| rows[r.key].id.as_str()).collect();
    let mut whole: HashMap<String, Vehicle> =
        Vehicle::offerable_by_ids(ctx.conn, ctx.org_id(), &ids)?
            .into_iter()
            .map(|v| (v.id.clone(), v))
            .collect();
    let mut items = Vec::with_capacity(ranked.len());
    for r in ranked {
        let Some(car) = whole.remove(&rows[r.key].id) else {
            continue;
        };
        let now = facts_of(&CandidateCar::from(&car), &stores);
        let matched = if now == facts[r.key] {
            r.matched
        } else if let Some(matched) = matcher.score(&now) {
            matched
        } else {
            continue;
        };
        items.push(VehicleMatchDto {
            vehicle: VehicleSummary::from(&car),
            score: matched.score,
            reasons: matched.reasons.into_iter().map(ReasonDto::from).collect(),
            transfer: matched.transfer.map(TransferDto::from),
        });
    }
    Ok(VehicleMatches {
        items,
        candidates: rows.len(),
        truncated,
    })
}

/// The best cars for a customer in the caller's data scope (404 otherwise), by the needs they
/// stated (none stated: every car scores on distance alone).
pub fn matches_for_customer(
    ctx: &mut Ctx,
    customer_id: &str,
    limit: usize,
) -> ServiceResult<VehicleMatches> {
    let customer = customers::find_visible(ctx, customer_id)?;
    let needs = customer.stated_needs().unwrap_or_default();
    matches_for_needs(ctx, &needs, customer_location(&customer), limit)
}

/// A customer whose needs the car fits.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "customer_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a10", "name": "王伟",
    "phone_masked": "138****5678", "city": "深圳", "owner_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a03",
    "owner_name": "李娜", "score": 88,
    "reasons": [{"criterion": "body_type", "hard": false, "weight": 12, "fit": 100, "points": 12.0,
        "met": true, "message_zh": "车型为轿车，符合需求", "message_en": "A sedan, as wanted"}],
    "transfer": null
}))]
pub struct CustomerMatchDto {
    pub customer_id: String,
    pub name: String,
    /// Masked; reveal through the customer's audited reveal.
    pub phone_masked: Option<String>,
    pub city: Option<String>,
    pub owner_id: Option<String>,
    pub owner_name: Option<String>,
    /// 0–100.
    pub score: u8,
    pub reasons: Vec<ReasonDto>,
    /// When the car's store is outside the customer's area.
    pub transfer: Option<TransferDto>,
}

/// The customers a car suits best.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "items": [{"customer_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a10", "name": "王伟",
        "phone_masked": "138****5678", "city": "深圳", "owner_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a03",
        "owner_name": "李娜", "score": 88, "reasons": [], "transfer": null}],
    "candidates": 312, "truncated": false
}))]
pub struct CustomerMatches {
    pub items: Vec<CustomerMatchDto>,
    /// Customers scored after the SQL filters.
    pub candidates: usize,
    /// True when more customers passed the filters than were scored.
    pub truncated: bool,
}

/// The active customers in the caller's data scope whose stated needs the car fits best; a
/// customer whose must-have the car fails never appears. Open leads join this list with the
/// leads issue: their prospects go into the same `customers_for_vehicle` call. Changes nothing.
pub fn customers_for_car(
    ctx: &mut Ctx,
    vehicle_id: &str,
    limit: usize,
) -> ServiceResult<CustomerMatches> {
    let car = vehicles::find(ctx, vehicle_id)?;
    let scope = customers::scope(ctx)?;
    let settings = settings(ctx)?;
    let today = ctx.today()?;
    let stores = store_locations(ctx)?;
    let facts = facts_of(&CandidateCar::from(&car), &stores);
    let keys = CarKeys {
        price_cents: car.asking_price_cents,
        body_type: car.body_type.as_deref(),
        energy_type: car.energy_type.as_deref(),
        brand_key: &car.brand_key,
        condition: &car.condition,
        seats: car.seats,
        mileage_km: car.mileage_km,
        transmission: car.transmission.as_deref(),
    };
    let rows = CustomerNeedIndex::candidates(
        ctx.conn,
        ctx.org_id(),
        &scope,
        &keys,
        (BUDGET_OVER_PERCENT, BUDGET_UNDER_PERCENT),
        CANDIDATE_LIMIT + 1,
    )?;
    let truncated = rows.len() as i64 > CANDIDATE_LIMIT;
    let rows = &rows[..rows.len().min(CANDIDATE_LIMIT as usize)];
    let needs: Vec<Option<Needs>> = rows.iter().map(Customer::stated_needs).collect();
    // Open leads will be added here as further prospects (leads issue).
    let prospects = rows
        .iter()
        .zip(&needs)
        .enumerate()
        .filter_map(|(i, (c, n))| {
            n.as_ref().map(|needs| Prospect {
                key: i,
                needs,
                location: customer_location(c),
            })
        });
    let ranked = customers_for_vehicle(&facts, prospects, limit, &settings, today);
    let mut owners: HashMap<String, Option<String>> = HashMap::new();
    let mut items = Vec::with_capacity(ranked.len());
    for r in ranked {
        let c = &rows[r.key];
        let owner_name = match &c.owner_id {
            Some(id) => match owners.get(id) {
                Some(name) => name.clone(),
                None => {
                    let name = User::find(ctx.conn, ctx.org_id(), id)?.map(|u| u.name);
                    owners.insert(id.clone(), name.clone());
                    name
                }
            },
            None => None,
        };
        items.push(CustomerMatchDto {
            customer_id: c.id.clone(),
            name: c.name.clone(),
            phone_masked: c.phone_masked.clone(),
            city: c.city.clone(),
            owner_id: c.owner_id.clone(),
            owner_name,
            score: r.matched.score,
            reasons: r.matched.reasons.into_iter().map(ReasonDto::from).collect(),
            transfer: r.matched.transfer.map(TransferDto::from),
        });
    }
    Ok(CustomerMatches {
        items,
        candidates: rows.len(),
        truncated,
    })
}
