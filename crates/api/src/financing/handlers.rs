//! `/api/v1/financing/*`, `/api/v1/finance-products`, `/api/v1/financing-applications`.

use actix_web::{HttpRequest, HttpResponse, web};
use autocrm_persistence::models::{ApplicationFilter, FinanceProduct};

use super::applications::{
    self, ApplicationDto, ApplicationListQuery, CreateApplication, StatusChange,
};
use super::calculator;
use super::dto::*;
use super::products::{self, CreateFinanceProduct, FinanceProductDto, PatchFinanceProduct};
use crate::auth::Authorized;
use crate::auth::permission::{
    FinanceProductsRead, FinanceProductsWrite, FinancingApplicationsRead,
    FinancingApplicationsWrite, FinancingCalculate, FinancingStatusChange,
};
use crate::error::{ApiError, Problem};
use crate::http::extract::Json;
use crate::http::pagination::{self, Page};
use crate::http::versioning::{etag, if_match};
use crate::organization::stores::keyset_by_id;
use crate::state::AppState;
use crate::validate::path_id;

pub fn routes(cfg: &mut web::ServiceConfig) {
    use web::{get, patch, post, resource};
    cfg.service(resource("/financing/calculate").route(post().to(calculate)))
        .service(resource("/financing/affordability").route(post().to(affordability)))
        .service(resource("/financing/compare").route(post().to(compare)))
        .service(
            resource("/finance-products")
                .route(post().to(create_product))
                .route(get().to(list_products)),
        )
        .service(
            resource("/finance-products/{id}")
                .route(get().to(get_product))
                .route(patch().to(patch_product)),
        )
        .service(
            resource("/financing-applications")
                .route(post().to(create_application))
                .route(get().to(list_applications)),
        )
        .service(resource("/financing-applications/{id}").route(get().to(get_application)))
        .service(resource("/financing-applications/{id}/status").route(post().to(change_status)));
}

/// Price one plan: the full schedule, APR and effective annual rate, exact to the fen.
#[utoipa::path(
    post, path = "/api/v1/financing/calculate", tag = "financing",
    security(("bearer" = ["*"])),
    request_body = CalculateRequest,
    responses((status = 200, description = "The plan", body = QuoteDto))
)]
pub async fn calculate(
    _auth: Authorized<FinancingCalculate>,
    body: Json<CalculateRequest>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(calculator::calculate(&body)?))
}

/// From a monthly budget to the highest vehicle price it pays for.
#[utoipa::path(
    post, path = "/api/v1/financing/affordability", tag = "financing",
    security(("bearer" = ["*"])),
    request_body = AffordabilityRequestDto,
    responses((status = 200, description = "The highest price and its plan", body = AffordabilityResponse))
)]
pub async fn affordability(
    _auth: Authorized<FinancingCalculate>,
    body: Json<AffordabilityRequestDto>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(calculator::affordability(&body)?))
}

/// One car and down payment against several products or ad-hoc plans, cheapest first.
#[utoipa::path(
    post, path = "/api/v1/financing/compare", tag = "financing",
    security(("bearer" = ["*"])),
    request_body = CompareRequest,
    responses((status = 200, description = "Plans sorted by total cost of credit", body = CompareResponse))
)]
pub async fn compare(
    state: web::Data<AppState>,
    auth: Authorized<FinancingCalculate>,
    body: Json<CompareRequest>,
) -> Result<HttpResponse, ApiError> {
    let org = auth.org_id.clone();
    let req = body.into_inner();
    let answer = state
        .db(move |conn| calculator::compare(conn, &org, &req))
        .await?;
    Ok(HttpResponse::Ok().json(answer))
}

fn product_response(
    status: actix_web::http::StatusCode,
    product: FinanceProduct,
) -> Result<HttpResponse, ApiError> {
    let version = product.version;
    Ok(HttpResponse::build(status)
        .insert_header(etag(version))
        .json(FinanceProductDto::from_row(product)?))
}

/// Add a finance product (lender offer).
#[utoipa::path(
    post, path = "/api/v1/finance-products", tag = "finance products",
    security(("bearer" = [])),
    request_body = CreateFinanceProduct,
    responses(
        (status = 201, description = "Created", body = FinanceProductDto),
        (status = 409, description = "Name already used", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_product(
    state: web::Data<AppState>,
    auth: Authorized<FinanceProductsWrite>,
    body: Json<CreateFinanceProduct>,
) -> Result<HttpResponse, ApiError> {
    let principal = auth.principal;
    let product = state
        .db(move |conn| products::create(conn, &principal, body.into_inner()))
        .await?;
    product_response(actix_web::http::StatusCode::CREATED, product)
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ProductListQuery {
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    #[param(value_type = Option<pagination::Cursor>, inline)]
    pub cursor: Option<String>,
    pub active: Option<bool>,
}

/// List finance products.
#[utoipa::path(
    get, path = "/api/v1/finance-products", tag = "finance products",
    security(("bearer" = ["financing:read"])),
    params(ProductListQuery),
    responses((status = 200, description = "A page of products", body = Page<FinanceProductDto>))
)]
pub async fn list_products(
    state: web::Data<AppState>,
    auth: Authorized<FinanceProductsRead>,
    query: web::Query<ProductListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let limit = pagination::limit(q.limit)?;
    let after = pagination::decode_cursor("id", q.cursor.as_deref())?.map(|a| a.id);
    let org = auth.org_id.clone();
    let rows = state
        .db(move |conn| {
            Ok(FinanceProduct::list(
                conn,
                &org,
                q.active,
                after.as_deref(),
                limit + 1,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(pagination::try_page(
        rows,
        limit,
        |p| pagination::encode_cursor("id", &keyset_by_id(&p.id)),
        FinanceProductDto::from_row,
    )?))
}

/// Get one finance product.
#[utoipa::path(
    get, path = "/api/v1/finance-products/{id}", tag = "finance products",
    security(("bearer" = ["financing:read"])),
    params(("id" = String, Path, description = "Product id")),
    responses((status = 200, description = "The product", body = FinanceProductDto))
)]
pub async fn get_product(
    state: web::Data<AppState>,
    auth: Authorized<FinanceProductsRead>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path)?;
    let org = auth.org_id.clone();
    let product = state
        .db(move |conn| FinanceProduct::find(conn, &org, &id)?.ok_or(ApiError::NotFound))
        .await?;
    product_response(actix_web::http::StatusCode::OK, product)
}

/// Change a product's name, active flag or terms.
#[utoipa::path(
    patch, path = "/api/v1/finance-products/{id}", tag = "finance products",
    security(("bearer" = [])),
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
    state: web::Data<AppState>,
    auth: Authorized<FinanceProductsWrite>,
    req: HttpRequest,
    path: web::Path<String>,
    body: Json<PatchFinanceProduct>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path)?;
    let expected = if_match(&req)?;
    let principal = auth.principal;
    let product = state
        .db(move |conn| products::update(conn, &principal, &id, expected, body.into_inner()))
        .await?;
    product_response(actix_web::http::StatusCode::OK, product)
}

/// Open a financing application for a customer, with the plan priced and stored as quoted.
#[utoipa::path(
    post, path = "/api/v1/financing-applications", tag = "financing applications",
    security(("bearer" = [])),
    request_body = CreateApplication,
    responses((status = 201, description = "Created as draft", body = ApplicationDto))
)]
pub async fn create_application(
    state: web::Data<AppState>,
    auth: Authorized<FinancingApplicationsWrite>,
    body: Json<CreateApplication>,
) -> Result<HttpResponse, ApiError> {
    let principal = auth.principal;
    let (app, history) = state
        .db(move |conn| {
            let app = applications::create(conn, &principal, body.into_inner())?;
            let history = applications::history(conn, &app.org_id, &app.id)?;
            Ok((app, history))
        })
        .await?;
    let version = app.version;
    Ok(HttpResponse::Created()
        .insert_header(etag(version))
        .json(ApplicationDto::from_row(app, Some(history))?))
}

/// List financing applications (sales staff: their own).
#[utoipa::path(
    get, path = "/api/v1/financing-applications", tag = "financing applications",
    security(("bearer" = ["financing:read"])),
    params(ApplicationListQuery),
    responses((status = 200, description = "A page of applications", body = Page<ApplicationDto>))
)]
pub async fn list_applications(
    state: web::Data<AppState>,
    auth: Authorized<FinancingApplicationsRead>,
    query: web::Query<ApplicationListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let limit = pagination::limit(q.limit)?;
    let after = pagination::decode_cursor("id", q.cursor.as_deref())?.map(|a| a.id);
    if q.status
        .as_deref()
        .is_some_and(|s| !applications::STATUSES.contains(&s))
    {
        return Err(ApiError::bad_request("invalid_query", "unknown status"));
    }
    let customer_id = q
        .customer_id
        .map(|c| {
            uuid::Uuid::parse_str(&c)
                .map(|u| u.to_string())
                .map_err(|_| ApiError::bad_request("invalid_query", "customer_id must be a UUID"))
        })
        .transpose()?;
    let filter = ApplicationFilter {
        status: q.status,
        customer_id,
        created_by: None,
        customer_store_id: None,
        after_id: after,
        limit: limit + 1,
    };
    let principal = auth.principal;
    let rows = state
        .db(move |conn| applications::list(conn, &principal, filter))
        .await?;
    Ok(HttpResponse::Ok().json(pagination::try_page(
        rows,
        limit,
        |a| pagination::encode_cursor("id", &keyset_by_id(&a.id)),
        |a| ApplicationDto::from_row(a, None),
    )?))
}

/// Get one application with its status history.
#[utoipa::path(
    get, path = "/api/v1/financing-applications/{id}", tag = "financing applications",
    security(("bearer" = ["financing:read"])),
    params(("id" = String, Path, description = "Application id")),
    responses((status = 200, description = "The application", body = ApplicationDto))
)]
pub async fn get_application(
    state: web::Data<AppState>,
    auth: Authorized<FinancingApplicationsRead>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path)?;
    let principal = auth.principal;
    let (app, history) = state
        .db(move |conn| {
            let app = applications::find_visible(conn, &principal, &id)?;
            let history = applications::history(conn, &app.org_id, &app.id)?;
            Ok((app, history))
        })
        .await?;
    let version = app.version;
    Ok(HttpResponse::Ok()
        .insert_header(etag(version))
        .json(ApplicationDto::from_row(app, Some(history))?))
}

/// Move an application along its workflow. Lender decisions (approved, rejected,
/// more_info_needed, funded) need the finance role or a client with `financing:write`.
#[utoipa::path(
    post, path = "/api/v1/financing-applications/{id}/status", tag = "financing applications",
    security(("bearer" = ["financing:write"])),
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
    state: web::Data<AppState>,
    auth: Authorized<FinancingStatusChange>,
    req: HttpRequest,
    path: web::Path<String>,
    body: Json<StatusChange>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path)?;
    let expected = if_match(&req)?;
    let principal = auth.principal;
    let (app, history) = state
        .db(move |conn| {
            let app =
                applications::change_status(conn, &principal, &id, expected, body.into_inner())?;
            let history = applications::history(conn, &app.org_id, &app.id)?;
            Ok((app, history))
        })
        .await?;
    let version = app.version;
    Ok(HttpResponse::Ok()
        .insert_header(etag(version))
        .json(ApplicationDto::from_row(app, Some(history))?))
}
