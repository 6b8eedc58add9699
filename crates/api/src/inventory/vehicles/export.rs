//! Vehicle export (CSV): the list's search, page by page (keyset), each car one row. The
//! cost columns exist only for callers who may see costs.

use std::collections::HashMap;

use autocrm_persistence::models::{Store, StoreFilter, VehicleSearch};
use chrono::NaiveDate;

use super::service::{self, VehicleSpecs, VehicleView};
use crate::app::{Change, Ctx, ServiceResult};

/// Rows per database read while an export runs.
pub const PAGE: i64 = 500;

/// The columns of an export for callers who may see costs: [`COLUMNS`], then the costs.
pub const COLUMNS_WITH_COST: &[&str] = &[
    "id",
    "vin",
    "stock_number",
    "store",
    "status",
    "condition",
    "brand",
    "model",
    "trim",
    "model_year",
    "body_type",
    "energy_type",
    "transmission",
    "colour",
    "seats",
    "mileage_km",
    "first_registration_date",
    "asking_price_cents",
    "in_stock_since",
    "days_in_stock",
    "features",
    "acquisition_cost_cents",
    "floor_price_cents",
];

/// The columns every caller gets, in order.
pub const COLUMNS: &[&str] = COLUMNS_WITH_COST.split_at(COLUMNS_WITH_COST.len() - 2).0;

fn text<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

fn row_of(
    view: VehicleView,
    today: NaiveDate,
    stores: &HashMap<String, String>,
    with_cost: bool,
) -> Vec<String> {
    let v = view.vehicle;
    let specs = VehicleSpecs::of(&v);
    let features: Vec<String> = serde_json::from_str(&v.features).unwrap_or_default();
    let days = match v.status.as_str() {
        "in_stock" | "reserved" => v
            .in_stock_since
            .as_deref()
            .and_then(|d| d.parse::<NaiveDate>().ok())
            .map(|since| (today - since).num_days().max(0)),
        _ => None,
    };
    let store = v
        .store_id
        .as_ref()
        .map(|id| stores.get(id).cloned().unwrap_or_else(|| id.clone()));
    let mut row = vec![
        v.id,
        v.vin,
        text(v.stock_number),
        text(store),
        v.status,
        v.condition,
        v.brand,
        v.model,
        text(specs.trim),
        text(v.model_year),
        text(v.body_type),
        text(v.energy_type),
        text(v.transmission),
        text(v.colour),
        text(v.seats),
        v.mileage_km.to_string(),
        text(v.first_registration_date),
        v.asking_price_cents.to_string(),
        text(v.in_stock_since),
        text(days),
        features.join(";"),
    ];
    if with_cost {
        row.push(text(
            view.cost.as_ref().and_then(|c| c.acquisition_cost_cents),
        ));
        row.push(text(view.cost.as_ref().and_then(|c| c.floor_price_cents)));
    }
    row
}

/// A page of rows, and the search of the next page (`None` after the last).
pub type Page = (Vec<Vec<String>>, Option<VehicleSearch>);

/// One page of the export and where the next one starts; `None` for a forged cursor.
pub fn page(ctx: &mut Ctx, mut search: VehicleSearch) -> ServiceResult<Option<Page>> {
    search.limit = PAGE;
    let today = ctx.today()?;
    let with_cost = service::sees_cost(ctx);
    let Some(rows) = service::search(ctx, &search)? else {
        return Ok(None);
    };
    let next = match rows.last() {
        Some(last) if rows.len() as i64 == PAGE => Some(VehicleSearch {
            after: Some(last.vehicle.keyset(search.sort)),
            ..search.clone()
        }),
        _ => None,
    };
    let stores: HashMap<String, String> = Store::list(
        ctx.conn,
        ctx.org_id(),
        &StoreFilter {
            limit: 10_000,
            ..StoreFilter::default()
        },
    )?
    .into_iter()
    .map(|s| (s.id, s.name))
    .collect();
    Ok(Some((
        rows.into_iter()
            .map(|view| row_of(view, today, &stores, with_cost))
            .collect(),
        next,
    )))
}

/// Every export is audited before its first byte (`vehicle.exported`), with its filters and
/// whether it carried costs.
pub fn record(ctx: &mut Ctx, filters: serde_json::Value) -> ServiceResult<()> {
    let org = ctx.org_id().to_owned();
    let with_cost = service::sees_cost(ctx);
    ctx.record(
        Change::new("vehicle.exported", "vehicle", &org).detail(serde_json::json!({
            "format": "csv",
            "filters": filters,
            "with_cost": with_cost,
        })),
    )
}
