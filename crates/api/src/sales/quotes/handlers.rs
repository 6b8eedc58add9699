//! `/api/v1/deals/{id}/quotes`, `/api/v1/quotes/{id}`, `/api/v1/quotes/{id}/accept` and
//! `/decline`,
//! `/api/v1/settings/quotes` and `/api/v1/settings/purchase-tax`.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;

use super::dto::{
    AcceptQuote, CreateQuote, DeclineQuote, PurchaseTaxSettingsDto, QuoteDto, QuoteSettingsDto,
};
use super::service;
use crate::error::{ApiError, Problem};
use crate::http::versioning::versioned;
use crate::http::{Authorized, Json, PathId, perm};

/// Make a new version of a deal's quote.
///
/// On a deal the caller sees (404 otherwise) that is open and has no accepted quote (409).
/// The lines are priced by the domain: discounts off the vehicle price (and so off the
/// purchase tax base), the purchase tax computed by the organisation's rules
/// (`/api/v1/settings/purchase-tax`) and added as the last line, the trade-in allowance off
/// the total; the total is the sum of the lines to the fen. Without a `vehicle_price` line
/// the car's asking price is used (never its cost). A financing plan is priced by the
/// financing calculator on the net vehicle price. The version is `sent`, valid for the
/// organisation's validity days (`/api/v1/settings/quotes`); the deal's earlier open
/// versions become `superseded` and are otherwise never changed. Consultants (their deals),
/// sales managers (their store's), general managers, admins and finance. Emits
/// `quote.created`.
#[utoipa::path(
    post, path = "/api/v1/deals/{id}/quotes", tag = "quotes",
    params(("id" = String, Path, description = "Deal id")),
    request_body = CreateQuote,
    responses(
        (status = 201, description = "The new version", body = QuoteDto),
        (status = 409, description = "The deal is closed or has an accepted quote", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid lines, car or plan, every problem named", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_quote(
    caller: Authorized<perm::DealsWrite>,
    id: PathId,
    body: Json<CreateQuote>,
) -> Result<HttpResponse, ApiError> {
    let new = body.into_inner().into_command();
    let shown = caller
        .write(move |ctx| {
            let quote = service::create(ctx, &id.0, new)?;
            service::show(ctx, quote)
        })
        .await?;
    let dto = QuoteDto::from(shown);
    Ok(versioned(StatusCode::CREATED, dto.version, dto))
}

/// List a deal's quote versions.
///
/// Oldest first, each with its status as of now (a sent quote past its validity reads
/// `expired`). A deal the caller does not see, or another organisation's, is 404. Changes
/// nothing.
#[utoipa::path(
    get, path = "/api/v1/deals/{id}/quotes", tag = "quotes",
    params(("id" = String, Path, description = "Deal id")),
    responses((status = 200, description = "The versions", body = Vec<QuoteDto>))
)]
pub async fn list_quotes(
    caller: Authorized<perm::DealsRead>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let shown = caller
        .read(move |ctx| {
            service::of_deal(ctx, &id.0)?
                .into_iter()
                .map(|q| service::show(ctx, q))
                .collect::<Result<Vec<_>, _>>()
        })
        .await?;
    let items: Vec<QuoteDto> = shown.into_iter().map(QuoteDto::from).collect();
    Ok(HttpResponse::Ok().json(items))
}

/// Get one quote version.
///
/// With its lines, totals, purchase tax and financing plan, and its status as of now. A
/// quote of a deal the caller does not see, or another organisation's, is 404. Changes
/// nothing.
#[utoipa::path(
    get, path = "/api/v1/quotes/{id}", tag = "quotes",
    params(("id" = String, Path, description = "Quote id")),
    responses((status = 200, description = "The quote", body = QuoteDto))
)]
pub async fn get_quote(
    caller: Authorized<perm::DealsRead>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let shown = caller
        .read(move |ctx| {
            let quote = service::find_visible(ctx, &id.0)?;
            service::show(ctx, quote)
        })
        .await?;
    let dto = QuoteDto::from(shown);
    Ok(versioned(StatusCode::OK, dto.version, dto))
}

/// Accept a quote.
///
/// A `sent` version that has not expired (409 otherwise: expired, superseded, accepted).
/// The deal moves to `contract` (by way of `quote` when it is before it) through its gates (the documents it asks for, or `waivers`
/// with a reason where the gate allows; 409 naming what is missing, and nothing changes),
/// unless it is at contract already; past contract is 409. A quote with a financing plan
/// opens a financing application (draft) for the deal's customer, linked to the deal and the
/// quote. Consultants (their deals), sales managers, general managers, admins and finance.
/// Emits `deal.stage_changed`, `financing.status_changed` (with a plan) and
/// `quote.accepted`.
#[utoipa::path(
    post, path = "/api/v1/quotes/{id}/accept", tag = "quotes",
    params(("id" = String, Path, description = "Quote id")),
    request_body = AcceptQuote,
    responses(
        (status = 200, description = "Accepted", body = QuoteDto),
        (status = 409, description = "Not acceptable (expired, superseded), or the deal's gate refuses", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn accept_quote(
    caller: Authorized<perm::DealsWrite>,
    id: PathId,
    body: Json<AcceptQuote>,
) -> Result<HttpResponse, ApiError> {
    let waivers = body.into_inner().into_waivers();
    let shown = caller
        .write(move |ctx| {
            let quote = service::accept(ctx, &id.0, waivers)?;
            service::show(ctx, quote)
        })
        .await?;
    let dto = QuoteDto::from(shown);
    Ok(versioned(StatusCode::OK, dto.version, dto))
}

/// Decline a quote.
///
/// Records that the customer turned down a `sent` version that has not expired (409
/// otherwise: expired, superseded, accepted, declined), with a reason from the lost
/// reasons' list (`other` needs a note; 422 without). The deal stays at its stage: the
/// consultant makes a new version or asks for the deal to be marked lost. Consultants (their
/// deals), sales managers, general managers, admins and finance. Emits `quote.declined`.
#[utoipa::path(
    post, path = "/api/v1/quotes/{id}/decline", tag = "quotes",
    params(("id" = String, Path, description = "Quote id")),
    request_body = DeclineQuote,
    responses(
        (status = 200, description = "Declined", body = QuoteDto),
        (status = 409, description = "Not sent, or expired", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn decline_quote(
    caller: Authorized<perm::DealsWrite>,
    id: PathId,
    body: Json<DeclineQuote>,
) -> Result<HttpResponse, ApiError> {
    let (reason, note) = body.into_inner().into_command()?;
    let shown = caller
        .write(move |ctx| {
            let quote = service::decline(ctx, &id.0, reason, note.as_deref())?;
            service::show(ctx, quote)
        })
        .await?;
    let dto = QuoteDto::from(shown);
    Ok(versioned(StatusCode::OK, dto.version, dto))
}

/// The organisation's quote settings.
///
/// How many days a sent quote holds (7 until set). Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/settings/quotes", tag = "quotes",
    responses((status = 200, description = "The settings", body = QuoteSettingsDto))
)]
pub async fn get_quote_settings(
    caller: Authorized<perm::DealsRead>,
) -> Result<HttpResponse, ApiError> {
    let config = caller.read(service::config).await?;
    Ok(HttpResponse::Ok().json(QuoteSettingsDto::from(config)))
}

/// Replace the organisation's quote settings.
///
/// General managers and admins. Audited (`organization.quotes_changed`); new versions use
/// them, sent ones keep their validity.
#[utoipa::path(
    put, path = "/api/v1/settings/quotes", tag = "quotes",
    request_body = QuoteSettingsDto,
    responses(
        (status = 200, description = "The settings as stored", body = QuoteSettingsDto),
        (status = 422, description = "Invalid settings", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn put_quote_settings(
    caller: Authorized<perm::LeadSettingsManage>,
    body: Json<QuoteSettingsDto>,
) -> Result<HttpResponse, ApiError> {
    let new = body.into_inner().into();
    let config = caller
        .write(move |ctx| service::put_config(ctx, new))
        .await?;
    Ok(HttpResponse::Ok().json(QuoteSettingsDto::from(config)))
}

/// The organisation's purchase-tax rules.
///
/// The rate, the VAT removed first and the new-energy relief periods (the law's defaults
/// until set: 10 % of the price net of 13 % VAT; new-energy cars exempt up to 30,000 CNY in
/// 2024–2025, halved up to 15,000 CNY in 2026–2027). Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/settings/purchase-tax", tag = "quotes",
    responses((status = 200, description = "The rules", body = PurchaseTaxSettingsDto))
)]
pub async fn get_purchase_tax_settings(
    caller: Authorized<perm::DealsRead>,
) -> Result<HttpResponse, ApiError> {
    let rules = caller.read(service::tax_rules).await?;
    Ok(HttpResponse::Ok().json(PurchaseTaxSettingsDto::from(rules)))
}

/// Replace the organisation's purchase-tax rules.
///
/// Every problem is listed at once (422: periods out of order or overlapping, shares and
/// caps out of range). General managers and admins. Audited
/// (`organization.purchase_tax_changed`); new quotes and won deals use them, existing
/// quotes keep the tax they were priced with.
#[utoipa::path(
    put, path = "/api/v1/settings/purchase-tax", tag = "quotes",
    request_body = PurchaseTaxSettingsDto,
    responses(
        (status = 200, description = "The rules as stored", body = PurchaseTaxSettingsDto),
        (status = 422, description = "Invalid rules", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn put_purchase_tax_settings(
    caller: Authorized<perm::LeadSettingsManage>,
    body: Json<PurchaseTaxSettingsDto>,
) -> Result<HttpResponse, ApiError> {
    let new = body.into_inner().into_rules();
    let rules = caller
        .write(move |ctx| service::put_tax_rules(ctx, new))
        .await?;
    Ok(HttpResponse::Ok().json(PurchaseTaxSettingsDto::from(rules)))
}

crate::endpoints![
    create_quote,
    list_quotes,
    get_quote,
    accept_quote,
    decline_quote,
    get_quote_settings,
    put_quote_settings,
    get_purchase_tax_settings,
    put_purchase_tax_settings,
];
