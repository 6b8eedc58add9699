//! Price suggestions (issue 9, DESIGN §5): comparables of the same line in stock and sold,
//! days in stock, and imported market reference prices, through the domain's
//! `suggest_price`. Other cars appear only with their asking or sold price, never their cost.

use autocrm_domain::vehicle::{
    Comparable, ComparableSource, MarketReference, PriceReason, PriceSuggestion, PricingPolicy,
    PricingSubject, catalog, suggest_price,
};
use autocrm_persistence::db::new_id;
use autocrm_persistence::models::{MarketPrice, Vehicle};
use chrono::{Datelike, NaiveDate, TimeDelta};

use crate::app::{Change, Ctx, FieldError, ServiceResult};
use crate::inventory::vehicles::service as vehicles;

/// The most comparables and quotes one suggestion reads.
const MAX_COMPARABLES: i64 = 500;
const MAX_QUOTES: i64 = 200;
/// Code of the reason that says where deal prices come from.
pub const DEAL_PRICES_REASON: &str = "deal_prices";

/// A suggestion with what it was made for.
pub struct Suggestion {
    pub vehicle_id: String,
    pub asking_price_cents: i64,
    pub days_in_stock: u32,
    pub suggestion: PriceSuggestion,
}

fn day(text: Option<&str>) -> Option<NaiveDate> {
    text.and_then(|d| d.parse().ok())
}

fn comparable(v: &Vehicle, condition: autocrm_domain::vehicle::Condition) -> Option<Comparable> {
    let year = v.model_year?;
    let (source, price_cents, date) = match (v.sold_price_cents, v.sold_at) {
        (Some(price), Some(at)) if v.status == "sold" => (ComparableSource::Sold, price, at.date()),
        _ => (
            ComparableSource::Listed,
            v.asking_price_cents,
            day(v.in_stock_since.as_deref()).unwrap_or(v.created_at.date()),
        ),
    };
    Some(Comparable {
        reference: v.id.clone(),
        source,
        brand_key: v.brand_key.clone(),
        model_key: v.model_key.clone(),
        condition,
        model_year: year,
        mileage_km: v.mileage_km,
        price_cents,
        date,
    })
}

/// A price range and point for a car of the organisation (404 otherwise), with reasons; or
/// the answer that there is too little to go on. Changes nothing.
pub fn suggest(ctx: &mut Ctx, vehicle_id: &str) -> ServiceResult<Suggestion> {
    let car = vehicles::find(ctx, vehicle_id)?;
    let today = ctx.today()?;
    let policy = PricingPolicy::default();
    let days_in_stock = day(car.in_stock_since.as_deref())
        .map_or(0, |since| (today - since).num_days().max(0) as u32);
    let condition = car
        .condition
        .parse()
        .map_err(crate::app::ServiceError::internal)?;
    let year = car.model_year.or_else(|| {
        day(car.first_registration_date.as_deref()).map(|d| chrono::Datelike::year(&d))
    });
    let deal_reason = PriceReason {
        code: DEAL_PRICES_REASON,
        message_zh: "成交价取自本店已售车辆的实际售价（报价与成交记录随线索功能上线后纳入）".into(),
        message_en: "Deal prices are the final prices of our sold cars (quotes and deals join with the leads capability)".into(),
        amount_cents: None,
    };
    let Some(year) = year else {
        return Ok(Suggestion {
            vehicle_id: car.id,
            asking_price_cents: car.asking_price_cents,
            days_in_stock,
            suggestion: PriceSuggestion::InsufficientData {
                reasons: vec![PriceReason {
                    code: autocrm_domain::vehicle::price_reason::INSUFFICIENT_COMPARABLES,
                    message_zh: "车辆没有年款或初次登记日期，无法比较".into(),
                    message_en:
                        "The car has no model year or first registration: nothing to compare".into(),
                    amount_cents: None,
                }],
            },
        });
    };
    let subject = PricingSubject {
        brand_key: car.brand_key.clone(),
        model_key: car.model_key.clone(),
        condition,
        model_year: year,
        mileage_km: car.mileage_km,
        days_in_stock,
    };
    let sold_since = ctx.now() - TimeDelta::days(i64::from(policy.sold_max_age_days));
    let mut subject_row = car.clone();
    subject_row.model_year = Some(year);
    let comparables: Vec<Comparable> = Vehicle::comparables(
        ctx.conn,
        &subject_row,
        (year - 1, year + 1),
        sold_since,
        MAX_COMPARABLES,
    )?
    .iter()
    .filter_map(|v| comparable(v, condition))
    .collect();
    let market: Vec<MarketReference> = MarketPrice::for_line(
        ctx.conn,
        ctx.org_id(),
        &car.brand_key,
        &car.model_key,
        (year - 1, year + 1),
        MAX_QUOTES,
    )?
    .into_iter()
    .filter_map(|m| {
        Some(MarketReference {
            observed_on: m.observed_on.parse().ok()?,
            source: m.source,
            brand_key: m.brand_key,
            model_key: m.model_key,
            model_year: m.model_year,
            mileage_km: m.mileage_km,
            price_cents: m.price_cents,
        })
    })
    .collect();
    let mut suggestion = suggest_price(&subject, &comparables, &market, &policy, today);
    match &mut suggestion {
        PriceSuggestion::Suggested { reasons, .. }
        | PriceSuggestion::InsufficientData { reasons } => reasons.push(deal_reason),
    }
    Ok(Suggestion {
        vehicle_id: car.id,
        asking_price_cents: car.asking_price_cents,
        days_in_stock,
        suggestion,
    })
}

/// One market quote to import.
pub struct NewMarketPrice {
    pub brand: String,
    pub model: String,
    pub model_year: i32,
    pub mileage_km: Option<i64>,
    pub price_cents: i64,
    pub source: String,
    pub observed_on: NaiveDate,
}

/// What became of one quote of a batch.
pub enum ItemOutcome {
    Created(String),
    Invalid(Vec<FieldError>),
}

fn check(item: &NewMarketPrice, today: NaiveDate) -> Vec<FieldError> {
    let mut problems = Vec::new();
    let mut bad = |field: &str, code: &str, message: &str| {
        problems.push(FieldError::new(field, code, message));
    };
    if catalog::brand_key(&item.brand).is_empty() {
        bad("brand", "required", "brand must not be empty");
    }
    if item.model.trim().is_empty() {
        bad("model", "required", "model must not be empty");
    }
    if !(1950..=2100).contains(&item.model_year) {
        bad(
            "model_year",
            "out_of_range",
            "model_year must be between 1950 and 2100",
        );
    }
    if item
        .mileage_km
        .is_some_and(|km| !(0..=5_000_000).contains(&km))
    {
        bad(
            "mileage_km",
            "out_of_range",
            "mileage_km must be between 0 and 5000000",
        );
    }
    if !(1..=100_000_000_000).contains(&item.price_cents) {
        bad(
            "price_cents",
            "out_of_range",
            "price_cents must be between 1 and 100000000000",
        );
    }
    if item.source.trim().is_empty() || item.source.chars().count() > 60 {
        bad("source", "length", "source must have 1 to 60 characters");
    }
    if item.observed_on > today {
        bad(
            "observed_on",
            "future",
            "observed_on must not be in the future",
        );
    }
    problems
}

/// Imports a batch of market quotes: the valid ones are stored, each invalid one is answered
/// with its problems (nothing of it stored). Audited (`market_prices.imported`).
pub fn import(ctx: &mut Ctx, items: Vec<NewMarketPrice>) -> ServiceResult<Vec<ItemOutcome>> {
    let today = ctx.today()?;
    let at = ctx.now();
    let mut rows = Vec::new();
    let mut outcomes = Vec::with_capacity(items.len());
    for item in items {
        let problems = check(&item, today);
        if !problems.is_empty() {
            outcomes.push(ItemOutcome::Invalid(problems));
            continue;
        }
        let brand_key = catalog::brand_key(&item.brand);
        let row = MarketPrice {
            id: new_id(),
            org_id: ctx.org_id().to_owned(),
            model_key: catalog::model_key(&brand_key, &item.model),
            brand_key,
            brand: item.brand.trim().to_owned(),
            model: item.model.trim().to_owned(),
            model_year: item.model_year,
            mileage_km: item.mileage_km,
            price_cents: item.price_cents,
            source: item.source.trim().to_owned(),
            observed_on: item.observed_on.to_string(),
            created_at: at,
        };
        outcomes.push(ItemOutcome::Created(row.id.clone()));
        rows.push(row);
    }
    MarketPrice::insert_many(ctx.conn, &rows)?;
    let failed = outcomes.len() - rows.len();
    let org_id = ctx.org_id().to_owned();
    ctx.record(
        Change::new("market_prices.imported", "organization", &org_id)
            .detail(serde_json::json!({"created": rows.len(), "failed": failed})),
    )?;
    Ok(outcomes)
}

/// The organisation's quotes for a brand (and model), newest first.
pub fn list(
    ctx: &mut Ctx,
    brand: Option<String>,
    model: Option<String>,
    limit: i64,
) -> ServiceResult<Vec<MarketPrice>> {
    let brand_key = brand.as_deref().map(catalog::brand_key);
    let model_key = match (&brand_key, model.as_deref()) {
        (Some(b), Some(m)) => Some(catalog::model_key(b, m)),
        (None, Some(m)) => Some(catalog::model_key("", m)),
        _ => None,
    };
    Ok(MarketPrice::list(
        ctx.conn,
        ctx.org_id(),
        brand_key.as_deref(),
        model_key.as_deref(),
        limit,
    )?)
}

/// Market quotes for the demo organisation's lines (`autocrm seed-demo`): a few model years
/// of the demo brands, as a valuation service would quote them this month.
pub fn seed_demo_market_prices(
    conn: &mut autocrm_persistence::DbConn,
    org_id: &str,
    at: chrono::NaiveDateTime,
) -> ServiceResult<usize> {
    const QUOTES: [(&str, &str, i64); 8] = [
        ("比亚迪", "宋PLUS", 16_980_000),
        ("比亚迪", "汉", 20_980_000),
        ("比亚迪", "秦PLUS", 9_980_000),
        ("吉利", "星越L", 14_570_000),
        ("长安", "CS75PLUS", 11_990_000),
        ("哈弗", "H6", 11_390_000),
        ("大众", "朗逸", 11_990_000),
        ("丰田", "凯美瑞", 17_180_000),
    ];
    let today = at.date();
    let mut rows = Vec::new();
    for (i, (brand, model, new_price)) in QUOTES.iter().enumerate() {
        for age in 1..=4_i64 {
            let brand_key = catalog::brand_key(brand);
            let source = if (i as i64 + age) % 2 == 0 {
                "che300"
            } else {
                "jingzhengu"
            };
            rows.push(MarketPrice {
                id: new_id(),
                org_id: org_id.to_owned(),
                model_key: catalog::model_key(&brand_key, model),
                brand_key,
                brand: (*brand).to_owned(),
                model: (*model).to_owned(),
                model_year: today.year() - age as i32,
                mileage_km: Some(age * 15_000),
                // About 13 % a year off the new price, rounded to ¥100.
                price_cents: new_price * (100 - 13 * age) / 100 / 10_000 * 10_000,
                source: source.to_owned(),
                observed_on: (today - TimeDelta::days(age * 3)).to_string(),
                created_at: at,
            });
        }
    }
    Ok(MarketPrice::insert_many(conn, &rows)?)
}
