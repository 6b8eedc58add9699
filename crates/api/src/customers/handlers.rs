//! `/api/v1/customers`: extract, authorise, call one service function, answer.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use autocrm_persistence::models::{Customer, CustomerSort};

use super::dto::{
    CreateCustomer, CustomerDto, CustomerListQuery, PatchCustomer, RevealedContact, list_status,
};
use super::service::{self, CustomerQuery};
use crate::error::{ApiError, Code, Problem};
use crate::http::pagination::{self, Page};
use crate::http::versioning::versioned;
use crate::http::{Authorized, IfMatch, Json, PathId, perm};

fn customer_response(status: StatusCode, customer: Customer) -> HttpResponse {
    versioned(status, customer.version, CustomerDto::from(customer))
}

/// Create a customer.
///
/// A phone number already on file (however it is written) answers 409 `duplicate` with the
/// existing customer's id. Sales consultants create for themselves, store staff within their
/// store. Emits `customer.created`.
#[utoipa::path(
    post, path = "/api/v1/customers", tag = "customers",
    request_body = CreateCustomer,
    responses(
        (status = 201, description = "Created", body = CustomerDto),
        (status = 409, description = "Duplicate phone; `existing_id` names the customer on file", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_customer(
    caller: Authorized<perm::CustomersWrite>,
    body: Json<CreateCustomer>,
) -> Result<HttpResponse, ApiError> {
    let new = body.into_inner().into_command();
    let customer = caller.write(move |ctx| service::create(ctx, new)).await?;
    Ok(customer_response(StatusCode::CREATED, customer))
}

/// List the customers in the caller's data scope.
///
/// Consultants see the customers they own, store staff their store's, marketing those who
/// agreed to marketing contact; cursor-paged, newest first by default.
#[utoipa::path(
    get, path = "/api/v1/customers", tag = "customers",
    params(CustomerListQuery),
    responses((status = 200, description = "A page of customers", body = Page<CustomerDto>))
)]
pub async fn list_customers(
    caller: Authorized<perm::CustomersRead>,
    query: web::Query<CustomerListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let bad = |m: &str| ApiError::bad_request(Code::InvalidQuery, m.to_owned());
    let limit = pagination::limit(q.limit)?;
    let sort: CustomerSort = match q.sort.as_deref() {
        None => CustomerSort::default(),
        Some(s) => s.parse().map_err(|e| bad(&format!("sort {e}")))?,
    };
    let after = pagination::decode_cursor(sort.as_str(), q.cursor.as_deref())?;
    let status = list_status(q.status.as_deref()).map_err(bad)?;
    let uuid_param = |v: Option<String>, name: &str| -> Result<Option<String>, ApiError> {
        v.map(|v| {
            uuid::Uuid::parse_str(&v)
                .map(|u| u.to_string())
                .map_err(|_| bad(&format!("{name} must be a UUID")))
        })
        .transpose()
    };
    let text = crate::validate::query_text("q", q.q)?
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty());
    if text.as_ref().is_some_and(|t| t.chars().count() > 100) {
        return Err(bad("q must be at most 100 characters"));
    }
    let query = CustomerQuery {
        text,
        owner_id: uuid_param(q.owner_id, "owner_id")?,
        store_id: uuid_param(q.store_id, "store_id")?,
        status,
        created_from: q.created_from.map(|t| t.naive_utc()),
        created_to: q.created_to.map(|t| t.naive_utc()),
        marketing_consent: q.marketing_consent,
        tag: crate::validate::query_text("tag", q.tag)?.filter(|t| !t.trim().is_empty()),
        sort,
        after,
        limit: limit + 1,
    };
    let rows = caller
        .read(move |ctx| service::list(ctx, query))
        .await?
        .ok_or_else(pagination::invalid_cursor)?;
    Ok(HttpResponse::Ok().json(pagination::page(
        rows,
        limit,
        |c| pagination::encode_cursor(sort.as_str(), &c.keyset(sort)),
        CustomerDto::from,
    )))
}

/// Get one customer (404 outside the caller's scope).
#[utoipa::path(
    get, path = "/api/v1/customers/{id}", tag = "customers",
    params(("id" = String, Path, description = "Customer id")),
    responses((status = 200, description = "The customer; the ETag carries its version", body = CustomerDto))
)]
pub async fn get_customer(
    caller: Authorized<perm::CustomersRead>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let customer = caller
        .read(move |ctx| service::find_visible(ctx, &id.0))
        .await?;
    Ok(customer_response(StatusCode::OK, customer))
}

/// Change a customer (JSON merge patch).
///
/// With `If-Match`, a stale version answers 412. Moving a customer to another consultant or
/// store is for managers. Emits `customer.updated`.
#[utoipa::path(
    patch, path = "/api/v1/customers/{id}", tag = "customers",
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
    caller: Authorized<perm::CustomersWrite>,
    id: PathId,
    if_match: IfMatch,
    body: Json<PatchCustomer>,
) -> Result<HttpResponse, ApiError> {
    let changes = body.into_inner().into_changes();
    let customer = caller
        .write(move |ctx| service::update(ctx, &id.0, if_match.0, changes))
        .await?;
    Ok(customer_response(StatusCode::OK, customer))
}

/// Archive a customer: out of daily lists (see `status=archived`), kept for history.
///
/// Emits `customer.archived` (not when it already was archived).
#[utoipa::path(
    post, path = "/api/v1/customers/{id}/archive", tag = "customers",
    params(("id" = String, Path, description = "Customer id")),
    responses((status = 200, description = "Archived (also when it already was)", body = CustomerDto))
)]
pub async fn archive_customer(
    caller: Authorized<perm::CustomersArchive>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let customer = caller
        .write(move |ctx| service::archive(ctx, &id.0))
        .await?;
    Ok(customer_response(StatusCode::OK, customer))
}

/// Show the full phone number.
///
/// Every reveal is written to the audit log (PIPL); the answer is never cached.
#[utoipa::path(
    post, path = "/api/v1/customers/{id}/reveal", tag = "customers",
    params(("id" = String, Path, description = "Customer id")),
    responses((status = 200, description = "The contact data in clear", body = RevealedContact))
)]
pub async fn reveal_customer(
    caller: Authorized<perm::CustomersReveal>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let (customer_id, phone) = caller.write(move |ctx| service::reveal(ctx, &id.0)).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(RevealedContact { customer_id, phone }))
}

crate::endpoints![
    create_customer,
    list_customers,
    get_customer,
    patch_customer,
    archive_customer,
    reveal_customer,
];
