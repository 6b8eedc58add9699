//! `/api/v1/vehicles` and `/api/v1/vins/{vin}/decode`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Datelike;

use super::dto::{
    BulkItemResult, BulkUpsert, BulkUpsertResult, QueryParse, VehicleDto, VehicleFields,
    VehicleListQuery, VehiclePage, VinDecodeDto,
};
use super::export;
use super::search::SearchRequest;
use super::service::{self, Upserted, VehicleView};
use crate::error::{ApiError, Lang, Problem};
use crate::http::csv_download::{self, cell};
use crate::http::pagination;
use crate::http::versioning::versioned;
use crate::http::{Authorized, IfMatch, Json, PathId, perm};

fn dto(view: VehicleView, today: chrono::NaiveDate) -> VehicleDto {
    VehicleDto::of(view.vehicle, view.cost, today)
}

/// Add a car to inventory.
///
/// The VIN is checked (17 characters, no I, O or Q, the ISO 3779 / GB 16735 check digit):
/// 422 otherwise, unless `vin_check_override` is true with a `vin_override_reason` (both
/// stored and shown). A VIN already in inventory is 409 with the existing car's id; a stock
/// number already used is 409. Costs (`acquisition_cost_cents`, `floor_price_cents`) may be
/// written only by callers who may see them (403 otherwise). Status defaults to `in_stock`,
/// `in_stock_since` to today. Emits `vehicle.created`.
#[utoipa::path(
    post, path = "/api/v1/vehicles", tag = "inventory",
    request_body = VehicleFields,
    responses(
        (status = 201, description = "Added", body = VehicleDto),
        (status = 409, description = "The VIN or stock number is in inventory already", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_vehicle(
    caller: Authorized<perm::InventoryWrite>,
    body: Json<VehicleFields>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let Some(vin) = body.vin.clone() else {
        return Err(ApiError::invalid("vin", "required", "the car's VIN"));
    };
    let changes = body.into_changes();
    let (view, today) = caller
        .write(move |ctx| {
            let view = service::create(ctx, &vin, changes)?;
            Ok((view, ctx.today()?))
        })
        .await?;
    Ok(versioned(
        StatusCode::CREATED,
        view.vehicle.version,
        dto(view, today),
    ))
}

/// Search the inventory.
///
/// Filters on brand, model, body, energy, condition, price, mileage, age, model year, seats,
/// store, the store's city, status and features; sorts by price, mileage, year or days in
/// stock; cursor-paged. `q` takes a free query as customers type it (`10万内SUV`,
/// `新能源 7座`, `宝马3系 2020`), read into the same filters (an explicit parameter wins
/// over the query on the same attribute); the answer's `query` shows what was understood.
/// Every staff role and scope `inventory:read`; costs appear only for callers who may see
/// them. Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/vehicles", tag = "inventory",
    params(VehicleListQuery),
    responses((status = 200, description = "A page of cars", body = VehiclePage))
)]
pub async fn list_vehicles(
    caller: Authorized<perm::InventoryRead>,
    query: web::Query<VehicleListQuery>,
) -> Result<HttpResponse, ApiError> {
    let request = SearchRequest::parse(query.into_inner())?;
    let limit = request.limit;
    let sort_name = request.sort_name.clone();
    let sort = request.sort;
    let (rows, parsed, today) = caller
        .read(move |ctx| {
            let today = ctx.today()?;
            let city_stores = match &request.city {
                Some(city) => Some(service::stores_in_city(ctx, city)?),
                None => None,
            };
            let (search, parsed) = request.search(today, city_stores);
            Ok((service::search(ctx, &search)?, parsed, today))
        })
        .await?;
    let mut rows = rows.ok_or_else(pagination::invalid_cursor)?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = more
        .then(|| rows.last())
        .flatten()
        .map(|v| pagination::encode_cursor(&sort_name, &v.vehicle.keyset(sort)));
    Ok(HttpResponse::Ok().json(VehiclePage {
        items: rows.into_iter().map(|v| dto(v, today)).collect(),
        next_cursor,
        query: parsed.map(|p| QueryParse {
            understood: p.understood,
            not_understood: p.not_understood,
        }),
    }))
}

/// Export the inventory as CSV, streamed.
///
/// The list's filters, free query and sort (`limit` is ignored: every matching car is
/// exported). Columns: id, vin, stock_number, store, status, condition, brand, model, trim,
/// model_year, body_type, energy_type, transmission, colour, seats, mileage_km,
/// first_registration_date, asking_price_cents, in_stock_since, days_in_stock, features
/// (`;`-separated), and `acquisition_cost_cents`, `floor_price_cents` only for callers who
/// may see costs. UTF-8 with a byte-order mark; cells a spreadsheet would run as a formula
/// are prefixed with `'`. Every staff role and scope `inventory:read`. Audited before the
/// first byte (`vehicle.exported`).
#[utoipa::path(
    get, path = "/api/v1/vehicles/export.csv", tag = "inventory",
    params(VehicleListQuery),
    responses((status = 200, description = "The cars as CSV", content_type = "text/csv", body = String))
)]
pub async fn export_vehicles_csv(
    caller: Authorized<perm::InventoryRead>,
    request: HttpRequest,
    query: web::Query<VehicleListQuery>,
) -> Result<HttpResponse, ApiError> {
    let search = SearchRequest::parse(query.into_inner())?;
    let filters = serde_json::json!(request.query_string());
    let (search, with_cost) = caller
        .write(move |ctx| {
            let today = ctx.today()?;
            let city_stores = match &search.city {
                Some(city) => Some(service::stores_in_city(ctx, city)?),
                None => None,
            };
            let (search, _) = search.search(today, city_stores);
            export::record(ctx, filters)?;
            Ok((search, service::sees_cost(ctx)))
        })
        .await?;
    let header = if with_cost {
        export::COLUMNS_WITH_COST
    } else {
        export::COLUMNS
    };
    let (app, actor, request) = (
        caller.state().app.clone(),
        caller.actor().clone(),
        caller.request().clone(),
    );
    let today = app.clock.now().format("%Y%m%d");
    let pages = csv_download::pages(header, search, move |search| {
        let (app, actor, request) = (app.clone(), actor.clone(), request.clone());
        async move {
            let (rows, next) = app
                .read(actor, request, move |ctx| export::page(ctx, search))
                .await
                .map_err(ApiError::from)?
                .ok_or_else(pagination::invalid_cursor)?;
            let rows: Vec<Vec<String>> = rows
                .into_iter()
                .map(|row| row.iter().map(|value| cell(value).into_owned()).collect())
                .collect();
            Ok((rows, next))
        }
    });
    Ok(
        csv_download::download("text/csv; charset=utf-8", &format!("vehicles-{today}.csv"))
            .streaming(pages),
    )
}

/// Get a car.
///
/// Every staff role and scope `inventory:read`; another organisation's car is 404. Costs
/// appear only for callers who may see them. Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/vehicles/{id}", tag = "inventory",
    params(("id" = String, Path, description = "Vehicle id")),
    responses((status = 200, description = "The car", body = VehicleDto))
)]
pub async fn get_vehicle(
    caller: Authorized<perm::InventoryRead>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let (view, today) = caller
        .read(move |ctx| Ok((service::get(ctx, &id.0)?, ctx.today()?)))
        .await?;
    Ok(versioned(
        StatusCode::OK,
        view.vehicle.version,
        dto(view, today),
    ))
}

/// Change a car (JSON merge patch).
///
/// A field left out keeps its value, `null` clears it. A status change follows the status
/// machine (409 `invalid_transition` otherwise; sold and transferred_out are final). With
/// `If-Match`, a stale version answers 412. Emits `vehicle.price_changed` and
/// `vehicle.status_changed` when those change; audited (`vehicle.updated`).
#[utoipa::path(
    patch, path = "/api/v1/vehicles/{id}", tag = "inventory",
    params(("id" = String, Path, description = "Vehicle id"),
           ("If-Match" = Option<String>, Header, description = "Expected version, e.g. \"3\"")),
    request_body(content = VehicleFields, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Changed", body = VehicleDto),
        (status = 409, description = "Not allowed in the car's status, or the stock number is taken", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The car changed since that version", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn patch_vehicle(
    caller: Authorized<perm::InventoryWrite>,
    id: PathId,
    if_match: IfMatch,
    body: Json<VehicleFields>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    if body.vin.is_some() {
        return Err(ApiError::invalid(
            "vin",
            "read_only",
            "a car's VIN does not change; add the car anew",
        ));
    }
    let changes = body.into_changes();
    let (view, today) = caller
        .write(move |ctx| {
            Ok((
                service::update(ctx, &id.0, if_match.0, changes)?,
                ctx.today()?,
            ))
        })
        .await?;
    Ok(versioned(
        StatusCode::OK,
        view.vehicle.version,
        dto(view, today),
    ))
}

/// Create or update the car with this VIN (ERP sync).
///
/// Idempotent: 201 when the car was created, 200 when it existed (changed or not; an
/// unchanged car keeps its version). The body holds the car's fields as `POST /vehicles`
/// takes them (a `vin` in it must equal the path's); a field left out keeps its value. A
/// changed price emits `vehicle.price_changed`, a changed status `vehicle.status_changed`
/// (a reserved car marked sold cancels its reservation); sold and transferred cars keep
/// their history. Admin, general manager, managers, scope `inventory:write`.
#[utoipa::path(
    put, path = "/api/v1/vehicles/by-vin/{vin}", tag = "inventory",
    params(("vin" = String, Path, description = "The car's VIN")),
    request_body = VehicleFields,
    responses(
        (status = 201, description = "Created", body = VehicleDto),
        (status = 200, description = "Updated (or unchanged)", body = VehicleDto),
        (status = 409, description = "A status change the status machine refuses", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn upsert_vehicle(
    caller: Authorized<perm::InventoryWrite>,
    vin: web::Path<String>,
    body: Json<VehicleFields>,
) -> Result<HttpResponse, ApiError> {
    let vin = vin.into_inner();
    let body = body.into_inner();
    same_vin(&vin, body.vin.as_deref())?;
    let changes = body.into_changes();
    let (upserted, today) = caller
        .write(move |ctx| Ok((service::upsert_by_vin(ctx, &vin, changes)?, ctx.today()?)))
        .await?;
    let (status, view) = match upserted {
        Upserted::Created(v) => (StatusCode::CREATED, v),
        Upserted::Updated(v) | Upserted::Unchanged(v) => (StatusCode::OK, v),
    };
    Ok(versioned(status, view.vehicle.version, dto(view, today)))
}

fn same_vin(path: &str, body: Option<&str>) -> Result<(), ApiError> {
    let norm = |v: &str| v.trim().to_uppercase();
    match body {
        Some(body) if norm(body) != norm(path) => Err(ApiError::invalid(
            "vin",
            "mismatch",
            "the body's VIN differs from the path's",
        )),
        _ => Ok(()),
    }
}

/// Create or update up to 1,000 cars by VIN (ERP sync).
///
/// Each item is a `PUT /vehicles/by-vin/{vin}` body with its `vin`, upserted on its own (a
/// savepoint each): a bad item fails alone with its problem, the rest go through. Answers a
/// result per item, in order, with counts. Events as for the single upsert.
#[utoipa::path(
    post, path = "/api/v1/vehicles/bulk-upsert", tag = "inventory",
    request_body = BulkUpsert,
    responses((status = 200, description = "A result per item", body = BulkUpsertResult))
)]
pub async fn bulk_upsert(
    caller: Authorized<perm::InventoryWrite>,
    request: HttpRequest,
    body: Json<BulkUpsert>,
) -> Result<HttpResponse, ApiError> {
    let lang = Lang::from_accept_language(
        request
            .headers()
            .get(actix_web::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let items = body.into_inner().items;
    let results = caller
        .write(move |ctx| {
            let mut results = Vec::with_capacity(items.len());
            for (index, item) in items.into_iter().enumerate() {
                let vin = item.get("vin").and_then(|v| v.as_str()).map(str::to_owned);
                let outcome = read_item(item).and_then(|(vin, changes)| {
                    ctx.savepoint(|ctx| service::upsert_by_vin(ctx, &vin, changes))
                        .map_err(ApiError::from)
                });
                results.push(match outcome {
                    Ok(upserted) => {
                        let (status, result, v) = match upserted {
                            Upserted::Created(v) => (201, "created", v),
                            Upserted::Updated(v) => (200, "updated", v),
                            Upserted::Unchanged(v) => (200, "unchanged", v),
                        };
                        BulkItemResult {
                            index,
                            vin: Some(v.vehicle.vin),
                            status,
                            result: result.into(),
                            id: Some(v.vehicle.id),
                            version: Some(v.vehicle.version),
                            problem: None,
                        }
                    }
                    Err(e) => {
                        let problem = e.problem(lang);
                        BulkItemResult {
                            index,
                            vin,
                            status: problem.status,
                            result: "failed".into(),
                            id: None,
                            version: None,
                            problem: serde_json::to_value(&problem).ok(),
                        }
                    }
                });
            }
            Ok(results)
        })
        .await?;
    let count = |r: &str| results.iter().filter(|i| i.result == r).count();
    Ok(HttpResponse::Ok().json(BulkUpsertResult {
        created: count("created"),
        updated: count("updated"),
        unchanged: count("unchanged"),
        failed: count("failed"),
        items: results,
    }))
}

/// One bulk item read as the single upsert reads its body: 422 for what it refuses.
fn read_item(item: serde_json::Value) -> Result<(String, service::VehicleChanges), ApiError> {
    let fields: VehicleFields = serde_json::from_value(item)
        .map_err(|e| ApiError::invalid("items", "invalid_json", e.to_string()))?;
    crate::validate::check(&fields)?;
    let Some(vin) = fields.vin.clone() else {
        return Err(ApiError::invalid(
            "vin",
            "required",
            "each item needs its VIN",
        ));
    };
    Ok((vin, fields.into_changes()))
}

/// Decode a VIN.
///
/// Reads any text as a VIN and never fails on it: `valid` is false for a malformed VIN
/// (length, alphabet) with `problems` saying why; `check_digit_ok` tells the check digit
/// (position 9) apart; the WMI gives the maker and the country (English name and ISO
/// 3166 code) from a table of the makers sold in China; position 10 the model years (two
/// where the 30-year cycle leaves it open). For any signed-in caller; changes nothing.
#[utoipa::path(
    get, path = "/api/v1/vins/{vin}/decode", tag = "inventory",
    params(("vin" = String, Path, description = "The VIN as scanned or typed")),
    responses((status = 200, description = "What the VIN says", body = VinDecodeDto))
)]
pub async fn decode_vin(
    caller: Authorized<perm::SignedIn>,
    vin: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let vin = vin.into_inner();
    let year = caller.read(move |ctx| Ok(ctx.today()?.year())).await?;
    Ok(
        HttpResponse::Ok().json(VinDecodeDto::from(autocrm_domain::vehicle::decode(
            &vin, year,
        ))),
    )
}

crate::endpoints![
    create_vehicle,
    list_vehicles,
    export_vehicles_csv,
    bulk_upsert,
    get_vehicle,
    patch_vehicle,
    upsert_vehicle,
    decode_vin,
];
