//! `/api/v1/financing/*`, `/api/v1/finance-products`, `/api/v1/financing-applications`:
//! extract, authorise, call the service in one unit of work, answer.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use autocrm_domain::financing::ApplicationStatus;
use autocrm_persistence::models::FinanceProduct;

use super::dto::{
    AffordabilityRequestDto, AffordabilityResponse, ApplicationDto, ApplicationListQuery,
    CalculateRequest, CompareRequest, CompareResponse, ComparedPlanDto, CreateApplication,
    CreateFinanceProduct, FinanceProductDto, PatchFinanceProduct, ProductListQuery, QuoteDto,
    StatusChange,
};
use super::service::applications::{self, ApplicationQuery, ApplicationWithHistory};
use super::service::{calculator, products};
use crate::error::{ApiError, Code, Problem};
use crate::http::pagination::{self, Page};
use crate::http::versioning::etag;
use crate::http::{Authorized, IfMatch, Json, PathId, perm};

/// Price one plan: the full schedule, APR and effective annual rate, exact to the fen.
///
/// Without `start_date`, the first payment falls due a month after today in the
/// organisation's time zone. Nothing is stored and no event is emitted.
#[utoipa::path(
    post, path = "/api/v1/financing/calculate", tag = "financing",
    request_body = CalculateRequest,
    responses((status = 200, description = "The plan", body = QuoteDto))
)]
pub async fn calculate(
    caller: Authorized<perm::FinancingCalculate>,
    body: Json<CalculateRequest>,
) -> Result<HttpResponse, ApiError> {
    let loan = body.to_loan()?;
    let quote = caller
        .read(move |ctx| calculator::calculate(ctx, loan))
        .await?;
    Ok(HttpResponse::Ok().json(QuoteDto::from(&quote)))
}

/// From a monthly budget to the highest vehicle price it pays for.
///
/// Answers the price whose regular payment fits the budget while one fen more would not,
/// with that plan priced in full. Nothing is stored and no event is emitted.
#[utoipa::path(
    post, path = "/api/v1/financing/affordability", tag = "financing",
    request_body = AffordabilityRequestDto,
    responses((status = 200, description = "The highest price and its plan", body = AffordabilityResponse))
)]
pub async fn affordability(
    caller: Authorized<perm::FinancingCalculate>,
    body: Json<AffordabilityRequestDto>,
) -> Result<HttpResponse, ApiError> {
    let request = body.to_request()?;
    let answer = caller
        .read(move |ctx| calculator::affordability(ctx, request))
        .await?;
    Ok(HttpResponse::Ok().json(AffordabilityResponse::from(&answer)))
}

/// One car and down payment against several products or ad-hoc plans, cheapest first.
///
/// A plan with `product_id` is priced with that active product's rate, fees and limits (and
/// its promotion, with the dealer's subsidy); any other plan needs its own rate. Every plan's
/// errors are reported at once as `plans[i].field`. Nothing is stored and no event is emitted.
#[utoipa::path(
    post, path = "/api/v1/financing/compare", tag = "financing",
    request_body = CompareRequest,
    responses((status = 200, description = "Plans sorted by total cost of credit", body = CompareResponse))
)]
pub async fn compare(
    caller: Authorized<perm::FinancingCalculate>,
    body: Json<CompareRequest>,
) -> Result<HttpResponse, ApiError> {
    let comparison = body.to_comparison()?;
    let compared = caller
        .read(move |ctx| calculator::compare(ctx, comparison))
        .await?;
    Ok(HttpResponse::Ok().json(CompareResponse {
        plans: compared.iter().map(ComparedPlanDto::from).collect(),
    }))
}

fn product_response(status: StatusCode, product: FinanceProduct) -> Result<HttpResponse, ApiError> {
    let version = product.version;
    Ok(HttpResponse::build(status)
        .insert_header(etag(version))
        .json(FinanceProductDto::from_row(product)?))
}

/// Add a finance product (lender offer).
///
/// The terms are checked as a whole (rate bands sorted and reaching the longest term, the
/// promotion within the standard rates). A name already used in the organisation answers
/// 409 `duplicate`. Audited as `finance_product.created`; no event.
#[utoipa::path(
    post, path = "/api/v1/finance-products", tag = "finance products",
    request_body = CreateFinanceProduct,
    responses(
        (status = 201, description = "Created", body = FinanceProductDto),
        (status = 409, description = "Name already used", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_product(
    caller: Authorized<perm::FinanceProductsWrite>,
    body: Json<CreateFinanceProduct>,
) -> Result<HttpResponse, ApiError> {
    let new = body.to_command()?;
    let product = caller.write(move |ctx| products::create(ctx, new)).await?;
    product_response(StatusCode::CREATED, product)
}

/// List finance products.
///
/// Oldest first, cursor-paged; `active` keeps only active (or only inactive) products.
#[utoipa::path(
    get, path = "/api/v1/finance-products", tag = "finance products",
    params(ProductListQuery),
    responses((status = 200, description = "A page of products", body = Page<FinanceProductDto>))
)]
pub async fn list_products(
    caller: Authorized<perm::FinanceProductsRead>,
    query: web::Query<ProductListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let limit = pagination::limit(q.limit)?;
    let after = pagination::decode_cursor("id", q.cursor.as_deref())?.map(|a| a.id);
    let rows = caller
        .read(move |ctx| products::list(ctx, q.active, after, limit + 1))
        .await?;
    Ok(HttpResponse::Ok().json(pagination::try_page(
        rows,
        limit,
        |p| pagination::encode_cursor("id", &pagination::keyset_by_id(&p.id)),
        FinanceProductDto::from_row,
    )?))
}

/// Get one finance product.
///
/// The ETag carries its version, for `If-Match` on a change.
#[utoipa::path(
    get, path = "/api/v1/finance-products/{id}", tag = "finance products",
    params(("id" = String, Path, description = "Product id")),
    responses((status = 200, description = "The product", body = FinanceProductDto))
)]
pub async fn get_product(
    caller: Authorized<perm::FinanceProductsRead>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let product = caller.read(move |ctx| products::find(ctx, &id.0)).await?;
    product_response(StatusCode::OK, product)
}

/// Change a product's name, active flag or terms.
///
/// Absent or `null` fields are left as they are; `terms` replaces the terms as a whole. An
/// inactive product can no longer be compared or applied for. With `If-Match`, a stale
/// version answers 412. Audited as `finance_product.updated`; no event.
#[utoipa::path(
    patch, path = "/api/v1/finance-products/{id}", tag = "finance products",
    params(("id" = String, Path, description = "Product id"),
           ("If-Match" = Option<String>, Header, description = "Expected version, e.g. \"3\"")),
    request_body = PatchFinanceProduct,
    responses(
        (status = 200, description = "Updated", body = FinanceProductDto),
        (status = 409, description = "Name already used", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since that version", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn patch_product(
    caller: Authorized<perm::FinanceProductsWrite>,
    id: PathId,
    if_match: IfMatch,
    body: Json<PatchFinanceProduct>,
) -> Result<HttpResponse, ApiError> {
    let changes = body.to_changes()?;
    let product = caller
        .write(move |ctx| products::update(ctx, &id.0, if_match.0, changes))
        .await?;
    product_response(StatusCode::OK, product)
}

fn application_response(
    status: StatusCode,
    application: ApplicationWithHistory,
) -> Result<HttpResponse, ApiError> {
    let version = application.application.version;
    Ok(HttpResponse::build(status)
        .insert_header(etag(version))
        .json(ApplicationDto::with_history(application)?))
}

/// Open a financing application for a customer, with the plan priced and stored as quoted.
///
/// The customer must be in the caller's scope (else 422 `customer_id` `not_found`). With
/// `product_id`, the plan is priced under that active product (its rate, fees, limits and
/// promotion, with the dealer's subsidy); without it, at `plan.annual_rate_percent`. The
/// application starts as `draft`. Emits `financing.status_changed` (to `draft`).
#[utoipa::path(
    post, path = "/api/v1/financing-applications", tag = "financing applications",
    request_body = CreateApplication,
    responses((status = 201, description = "Created as draft", body = ApplicationDto))
)]
pub async fn create_application(
    caller: Authorized<perm::FinancingApplicationsWrite>,
    body: Json<CreateApplication>,
) -> Result<HttpResponse, ApiError> {
    let new = body.to_command()?;
    let application = caller
        .write(move |ctx| applications::create(ctx, new))
        .await?;
    application_response(StatusCode::CREATED, application)
}

/// List the financing applications in the caller's scope.
///
/// Finance staff, admins, general managers and machine clients see every application; sales
/// managers those of their store's customers and those they opened; consultants those of
/// the customers they own and those they opened. Oldest first, cursor-paged, without history.
#[utoipa::path(
    get, path = "/api/v1/financing-applications", tag = "financing applications",
    params(ApplicationListQuery),
    responses((status = 200, description = "A page of applications", body = Page<ApplicationDto>))
)]
pub async fn list_applications(
    caller: Authorized<perm::FinancingApplicationsRead>,
    query: web::Query<ApplicationListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let bad = |m: &str| ApiError::bad_request(Code::InvalidQuery, m.to_owned());
    let limit = pagination::limit(q.limit)?;
    let after_id = pagination::decode_cursor("id", q.cursor.as_deref())?.map(|a| a.id);
    let status = q
        .status
        .as_deref()
        .map(str::parse::<ApplicationStatus>)
        .transpose()
        .map_err(|_| bad("unknown status"))?;
    let customer_id = q
        .customer_id
        .map(|c| {
            uuid::Uuid::parse_str(&c)
                .map(|u| u.to_string())
                .map_err(|_| bad("customer_id must be a UUID"))
        })
        .transpose()?;
    let query = ApplicationQuery {
        status,
        customer_id,
        after_id,
        limit: limit + 1,
    };
    let rows = caller
        .read(move |ctx| applications::list(ctx, query))
        .await?;
    Ok(HttpResponse::Ok().json(pagination::try_page(
        rows,
        limit,
        |a| pagination::encode_cursor("id", &pagination::keyset_by_id(&a.id)),
        ApplicationDto::from_row,
    )?))
}

/// Get one application with its status history.
///
/// 404 outside the caller's scope (the same scope as the list). The ETag carries its version.
#[utoipa::path(
    get, path = "/api/v1/financing-applications/{id}", tag = "financing applications",
    params(("id" = String, Path, description = "Application id")),
    responses((status = 200, description = "The application", body = ApplicationDto))
)]
pub async fn get_application(
    caller: Authorized<perm::FinancingApplicationsRead>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let application = caller
        .read(move |ctx| applications::find(ctx, &id.0))
        .await?;
    application_response(StatusCode::OK, application)
}

/// Move an application along its workflow.
///
/// draft → submitted → approved / rejected / more_info_needed (→ submitted again) → signed →
/// funded; cancelled from draft, submitted, more_info_needed or approved. A step outside the
/// process answers 409 `invalid_transition`. Lender decisions (approved, rejected,
/// more_info_needed, funded) need the finance role or a client with `financing:write`; the
/// dealership's steps need a staff role (403 otherwise). `documents` are added to the
/// application's. With `If-Match`, a stale version answers 412. Emits
/// `financing.status_changed`; when the caller is not the application's creator, the creator
/// gets a `financing.status_changed` notification (in-app and their chosen channels).
#[utoipa::path(
    post, path = "/api/v1/financing-applications/{id}/status", tag = "financing applications",
    params(("id" = String, Path, description = "Application id"),
           ("If-Match" = Option<String>, Header, description = "Expected version, e.g. \"3\"")),
    request_body = StatusChange,
    responses(
        (status = 200, description = "Changed", body = ApplicationDto),
        (status = 409, description = "Not allowed from the current status", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since that version", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn change_status(
    caller: Authorized<perm::FinancingStatusChange>,
    id: PathId,
    if_match: IfMatch,
    body: Json<StatusChange>,
) -> Result<HttpResponse, ApiError> {
    let step = body.to_step()?;
    let application = caller
        .write(move |ctx| applications::change_status(ctx, &id.0, if_match.0, step))
        .await?;
    application_response(StatusCode::OK, application)
}

crate::endpoints![
    calculate,
    affordability,
    compare,
    create_product,
    list_products,
    get_product,
    patch_product,
    create_application,
    list_applications,
    get_application,
    change_status,
];
