//! `/api/v1/customers`: extract, authorise, call one service function, answer.

use actix_web::{HttpRequest, HttpResponse, web};

use super::dto::{CreateCustomer, CustomerDto, CustomerListQuery, PatchCustomer, RevealedContact};
use super::service;
use crate::auth::Authorized;
use crate::auth::permission::{CustomersArchive, CustomersRead, CustomersReveal, CustomersWrite};
use crate::error::{ApiError, Problem};
use crate::http::extract::Json;
use crate::http::pagination::{self, Page};
use crate::http::versioning::{etag, if_match};
use crate::state::AppState;
use crate::validate::path_id;

fn customer_response(
    status: actix_web::http::StatusCode,
    customer: autocrm_persistence::models::Customer,
) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(etag(customer.version))
        .json(CustomerDto::from(customer))
}

/// Create a customer. A phone number already on file answers 409 with the existing id.
#[utoipa::path(
    post, path = "/api/v1/customers", tag = "customers",
    security(("bearer" = ["customers:write"])),
    request_body = CreateCustomer,
    responses(
        (status = 201, description = "Created", body = CustomerDto),
        (status = 409, description = "Duplicate phone; `existing_id` names the customer on file", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_customer(
    state: web::Data<AppState>,
    auth: Authorized<CustomersWrite>,
    body: Json<CreateCustomer>,
) -> Result<HttpResponse, ApiError> {
    let pii = state.pii.clone();
    let principal = auth.principal;
    let customer = state
        .db(move |conn| service::create(conn, &principal, &pii, body.into_inner()))
        .await?;
    Ok(customer_response(
        actix_web::http::StatusCode::CREATED,
        customer,
    ))
}

/// List the customers in the caller's data scope.
#[utoipa::path(
    get, path = "/api/v1/customers", tag = "customers",
    security(("bearer" = ["customers:read"])),
    params(CustomerListQuery),
    responses((status = 200, description = "A page of customers", body = Page<CustomerDto>))
)]
pub async fn list_customers(
    state: web::Data<AppState>,
    auth: Authorized<CustomersRead>,
    query: web::Query<CustomerListQuery>,
) -> Result<HttpResponse, ApiError> {
    let request = service::list_request(&auth, &state.pii, query.into_inner())?;
    let org = auth.org_id.clone();
    let (rows, request) = state
        .db(move |conn| Ok((service::list(conn, &org, &request)?, request)))
        .await?;
    let sort = request.filter.sort;
    Ok(HttpResponse::Ok().json(pagination::page(
        rows,
        request.limit,
        |c| pagination::encode_cursor(request.sort_name, &c.keyset(sort)),
        CustomerDto::from,
    )))
}

/// Get one customer (404 outside the caller's scope).
#[utoipa::path(
    get, path = "/api/v1/customers/{id}", tag = "customers",
    security(("bearer" = ["customers:read"])),
    params(("id" = String, Path, description = "Customer id")),
    responses((status = 200, description = "The customer", body = CustomerDto))
)]
pub async fn get_customer(
    state: web::Data<AppState>,
    auth: Authorized<CustomersRead>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path)?;
    let principal = auth.principal;
    let customer = state
        .db(move |conn| service::find_visible(conn, &principal, &id))
        .await?;
    Ok(customer_response(actix_web::http::StatusCode::OK, customer))
}

/// Change a customer (JSON merge patch). With `If-Match`, a stale version answers 412.
#[utoipa::path(
    patch, path = "/api/v1/customers/{id}", tag = "customers",
    security(("bearer" = ["customers:write"])),
    params(("id" = String, Path, description = "Customer id"),
           ("If-Match" = Option<String>, Header, description = "Expected version, e.g. \"3\"")),
    request_body(content = PatchCustomer, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Updated", body = CustomerDto),
        (status = 409, description = "Duplicate phone", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The customer changed since that version", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn patch_customer(
    state: web::Data<AppState>,
    auth: Authorized<CustomersWrite>,
    req: HttpRequest,
    path: web::Path<String>,
    body: Json<PatchCustomer>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path)?;
    let expected = if_match(&req)?;
    let pii = state.pii.clone();
    let principal = auth.principal;
    let customer = state
        .db(move |conn| service::update(conn, &principal, &pii, &id, expected, body.into_inner()))
        .await?;
    Ok(customer_response(actix_web::http::StatusCode::OK, customer))
}

/// Archive a customer: out of daily lists (see `status=archived`), kept for history.
#[utoipa::path(
    post, path = "/api/v1/customers/{id}/archive", tag = "customers",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Customer id")),
    responses((status = 200, description = "Archived (also when it already was)", body = CustomerDto))
)]
pub async fn archive_customer(
    state: web::Data<AppState>,
    auth: Authorized<CustomersArchive>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path)?;
    let principal = auth.principal;
    let customer = state
        .db(move |conn| service::archive(conn, &principal, &id))
        .await?;
    Ok(customer_response(actix_web::http::StatusCode::OK, customer))
}

/// Show the full phone number. Every reveal is written to the audit log (PIPL).
#[utoipa::path(
    post, path = "/api/v1/customers/{id}/reveal", tag = "customers",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Customer id")),
    responses((status = 200, description = "The contact data in clear", body = RevealedContact))
)]
pub async fn reveal_customer(
    state: web::Data<AppState>,
    auth: Authorized<CustomersReveal>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path)?;
    let pii = state.pii.clone();
    let principal = auth.principal;
    let (customer_id, phone) = state
        .db(move |conn| service::reveal(conn, &principal, &pii, &id))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(RevealedContact { customer_id, phone }))
}
