//! `/api/v1/customers`: extract, authorise, call one service function, answer.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use autocrm_persistence::models::CustomerSort;

use super::dto::{
    CreateCustomer, CustomerDto, CustomerListQuery, DuplicateCandidateDto, DuplicateList,
    NeedsBody, NeedsDto, PatchCustomer, RevealRequest, RevealedContact, list_status,
};
use super::service::{self, CustomerQuery, CustomerView, RevealCommand};
use crate::error::{ApiError, Code, Problem};
use crate::http::pagination::{self, Page};
use crate::http::query::{enum_param, uuid_param};
use crate::http::versioning::versioned;
use crate::http::{Authorized, IfMatch, Json, PathId, perm};
use crate::state::AppState;

fn customer_response(status: StatusCode, customer: CustomerView) -> HttpResponse {
    versioned(
        status,
        customer.customer.version,
        CustomerDto::from(customer),
    )
}

/// Create a customer.
///
/// A phone (primary or other), WeChat id or identity document number already on file
/// (however it is written) answers 409 `duplicate` with the existing customer's id. The ID
/// number's check character is verified (422 `checksum_mismatch`), and a stated birthday or
/// gender must agree with it. Personal values are stored encrypted and answered masked.
/// Sales consultants create for themselves, store staff within their store. Records the
/// first lifecycle stage. Emits `customer.created`.
#[utoipa::path(
    post, path = "/api/v1/customers", tag = "customers",
    request_body = CreateCustomer,
    responses(
        (status = 201, description = "Created", body = CustomerDto),
        (status = 409, description = "Duplicate phone, WeChat id or ID number; `existing_id` names the customer on file", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (an ID number with a wrong check character, a birthday that contradicts it, ...)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_customer(
    caller: Authorized<perm::CustomersWrite>,
    body: Json<CreateCustomer>,
) -> Result<HttpResponse, ApiError> {
    let new = body.into_inner().into_command();
    let customer = caller
        .write(move |ctx| {
            let customer = service::create(ctx, new)?;
            service::view(ctx, customer)
        })
        .await?;
    Ok(customer_response(StatusCode::CREATED, customer))
}

/// List the customers in the caller's data scope.
///
/// Consultants see the customers they own, store staff their store's, marketing those who
/// agreed to marketing contact; cursor-paged, newest first by default. `q` finds a phone
/// (any of a customer's, however written), the last four digits of one, or a name (prefix
/// or contained) or email, or a plate or VIN in the customers' garages. Filters by kind,
/// stage, source, city, tag, owner, store, creation and last-activity time. Individuals and
/// businesses share the list (`kind`). Personal values are masked.
#[utoipa::path(
    get, path = "/api/v1/customers", tag = "customers",
    params(CustomerListQuery),
    responses((status = 200, description = "A page of customers", body = Page<CustomerDto>))
)]
pub async fn list_customers(
    caller: Authorized<perm::CustomersRead>,
    query: web::Query<CustomerListQuery>,
) -> Result<HttpResponse, ApiError> {
    let (query, limit) = list_query(query.into_inner())?;
    let sort = query.sort;
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

/// The list's query as the service takes it, and the page size: 400 for a malformed
/// parameter. The export reads the same query (same filters, same scope).
pub fn list_query(q: CustomerListQuery) -> Result<(CustomerQuery, i64), ApiError> {
    let bad = |m: &str| ApiError::bad_request(Code::InvalidQuery, m.to_owned());
    let limit = pagination::limit(q.limit)?;
    let sort: CustomerSort = match q.sort.as_deref() {
        None => CustomerSort::default(),
        Some(s) => s.parse().map_err(|e| bad(&format!("sort {e}")))?,
    };
    let after = pagination::decode_cursor(sort.as_str(), q.cursor.as_deref())?;
    let status = list_status(q.status.as_deref()).map_err(bad)?;
    let text = crate::validate::query_text("q", q.q)?
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty());
    if text.as_ref().is_some_and(|t| t.chars().count() > 100) {
        return Err(bad("q must be at most 100 characters"));
    }
    let city = crate::validate::query_text("city", q.city)?
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty());
    if city.as_ref().is_some_and(|t| t.chars().count() > 100) {
        return Err(bad("city must be at most 100 characters"));
    }
    let query = CustomerQuery {
        text,
        kind: enum_param(q.kind.as_deref(), "kind")?,
        stage: enum_param(q.stage.as_deref(), "stage")?,
        source_channel: enum_param(q.source_channel.as_deref(), "source_channel")?,
        city,
        owner_id: uuid_param(q.owner_id, "owner_id")?,
        store_id: uuid_param(q.store_id, "store_id")?,
        status,
        created_from: q.created_from.map(|t| t.naive_utc()),
        created_to: q.created_to.map(|t| t.naive_utc()),
        last_activity_from: q.last_activity_from.map(|t| t.naive_utc()),
        last_activity_to: q.last_activity_to.map(|t| t.naive_utc()),
        marketing_consent: q.marketing_consent,
        tag: crate::validate::query_text("tag", q.tag)?.filter(|t| !t.trim().is_empty()),
        sort,
        after,
        limit: limit + 1,
    };
    Ok((query, limit))
}

/// Get one customer (404 outside the caller's scope), with its contact persons and the
/// lifecycle stages it went through. Personal values are masked; see the reveal endpoint.
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
        .read(move |ctx| service::find_view(ctx, &id.0))
        .await?;
    Ok(customer_response(StatusCode::OK, customer))
}

/// Change a customer (JSON merge patch).
///
/// With `If-Match`, a stale version answers 412. Moving a customer to another consultant or
/// store is for managers. A lifecycle stage the rules do not allow from the current one is
/// 409 `invalid_transition`; each stage entered is recorded with its time. Lists (`phones`,
/// `other_id_documents`, `contacts`) are replaced whole. A phone, WeChat id or ID number of
/// another customer is 409 `duplicate`. Emits `customer.updated`.
#[utoipa::path(
    patch, path = "/api/v1/customers/{id}", tag = "customers",
    params(("id" = String, Path, description = "Customer id"),
           ("If-Match" = Option<String>, Header, description = "Expected version, e.g. \"3\"")),
    request_body(content = PatchCustomer, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Updated", body = CustomerDto),
        (status = 409, description = "Duplicate phone, WeChat id or ID number, or a lifecycle move that is not allowed", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The customer changed since that version", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
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
        .write(move |ctx| {
            let customer = service::update(ctx, &id.0, if_match.0, changes)?;
            service::view(ctx, customer)
        })
        .await?;
    Ok(customer_response(StatusCode::OK, customer))
}

/// What the customer wants: budget (fen), body and energy types, brands, new or used,
/// seats, purchase timeframe, payment, trade-in. Matching, lead grades and dynamic tags
/// read it.
#[utoipa::path(
    get, path = "/api/v1/customers/{id}/needs", tag = "customers",
    params(("id" = String, Path, description = "Customer id")),
    responses((status = 200, description = "The stated needs (`null` when none)", body = NeedsDto))
)]
pub async fn get_needs(
    caller: Authorized<perm::CustomersRead>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let customer = caller
        .read(move |ctx| service::find_visible(ctx, &id.0))
        .await?;
    Ok(versioned(
        StatusCode::OK,
        customer.version,
        NeedsDto {
            needs: customer.stated_needs(),
            customer_id: customer.id,
            version: customer.version,
        },
    ))
}

/// Replace what the customer wants (`{"needs": null}` clears it).
///
/// An inverted budget or a negative amount is 422. With `If-Match`, a stale version answers
/// 412. Emits `customer.updated` with `changed_fields: ["needs"]`.
#[utoipa::path(
    put, path = "/api/v1/customers/{id}/needs", tag = "customers",
    params(("id" = String, Path, description = "Customer id"),
           ("If-Match" = Option<String>, Header, description = "Expected version, e.g. \"3\"")),
    request_body = NeedsBody,
    responses(
        (status = 200, description = "The needs as stored", body = NeedsDto),
        (status = 412, description = "The customer changed since that version", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid needs", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn put_needs(
    caller: Authorized<perm::CustomersWrite>,
    id: PathId,
    if_match: IfMatch,
    body: Json<NeedsBody>,
) -> Result<HttpResponse, ApiError> {
    let needs = body.into_inner().needs;
    let customer = caller
        .write(move |ctx| service::set_needs(ctx, &id.0, if_match.0, needs))
        .await?;
    Ok(versioned(
        StatusCode::OK,
        customer.version,
        NeedsDto {
            needs: customer.stated_needs(),
            customer_id: customer.id,
            version: customer.version,
        },
    ))
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
    Ok(versioned(
        StatusCode::OK,
        customer.version,
        CustomerDto::from(customer),
    ))
}

/// Show personal data in clear: phones, WeChat ids, identity documents, address and the
/// contact persons' phones.
///
/// The body is optional: `reason` (written to the audit log) and `fields` (all when
/// absent). Every reveal is written to the audit log (PIPL); each user may reveal at most
/// `AUTOCRM_REVEAL_DAILY_LIMIT` times a day (default 100; then 429
/// `reveal_limit_reached`). The answer is never cached, and never stored by the
/// idempotency layer in clear.
#[utoipa::path(
    post, path = "/api/v1/customers/{id}/reveal", tag = "customers",
    params(("id" = String, Path, description = "Customer id")),
    request_body(content = RevealRequest, description = "Optional (no body, or `{}`, reveals every value on file): why, and which values"),
    responses(
        (status = 200, description = "The personal data in clear", body = RevealedContact),
        (status = 429, description = "The caller's daily reveal cap is reached (`reveal_limit_reached`)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn reveal_customer(
    caller: Authorized<perm::CustomersReveal>,
    id: PathId,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let request: RevealRequest = if body.iter().all(u8::is_ascii_whitespace) {
        RevealRequest::default()
    } else {
        let request = crate::http::extract::parse_json::<RevealRequest>(&body)?;
        crate::validate::check(&request).map_err(ApiError::from)?;
        request
    };
    let command = RevealCommand {
        fields: request.fields.map(|f| f.into_iter().collect()),
        reason: crate::validate::rules::trimmed(request.reason.as_deref()),
        daily_limit: state.settings.reveal_daily_limit,
    };
    let revealed = caller
        .write(move |ctx| service::reveal(ctx, &id.0, command))
        .await?;
    let mut response = HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(RevealedContact::from(revealed));
    // Clear personal data: the idempotency layer must not keep this answer.
    response
        .extensions_mut()
        .insert(crate::http::idempotency::ClearPersonalData);
    Ok(response)
}

/// Customers that may be the same person as this one, best match first: a shared phone,
/// WeChat id or ID number (definite), the same email, or a same or similar name in the
/// same city (candidates for review). Only customers in the caller's scope are listed.
#[utoipa::path(
    get, path = "/api/v1/customers/{id}/duplicates", tag = "customers",
    params(("id" = String, Path, description = "Customer id")),
    responses((status = 200, description = "Possible duplicates with score and reasons", body = DuplicateList))
)]
pub async fn list_duplicates(
    caller: Authorized<perm::CustomersRead>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let found = caller
        .read(move |ctx| service::duplicates(ctx, &id.0))
        .await?;
    let items = found
        .into_iter()
        .map(|(customer, ranked)| DuplicateCandidateDto {
            customer_id: customer.id,
            name: customer.name,
            phone: customer.phone_masked,
            city: customer.city,
            score: ranked.matched.score,
            verdict: ranked.matched.verdict.as_str().to_owned(),
            reasons: ranked
                .matched
                .reasons
                .iter()
                .map(|r| r.as_str().to_owned())
                .collect(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(DuplicateList { items }))
}

crate::endpoints![
    create_customer,
    list_customers,
    get_customer,
    patch_customer,
    get_needs,
    put_needs,
    archive_customer,
    reveal_customer,
    list_duplicates,
];
