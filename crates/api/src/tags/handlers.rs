//! `/api/v1/tags` and `/api/v1/customers/{id}/tags`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

use super::dto::{AssignTag, CreateTag, CustomerTags, PatchTag, TagDto, TagList};
use super::service;
use crate::error::{ApiError, Problem};
use crate::http::versioning::versioned;
use crate::http::{Authorized, IfMatch, Json, PathId, perm};
use crate::validate::rules;

/// The organisation's tags, each with how many customers carry it.
///
/// The manual vocabulary (by name) and the dynamic tags that rules set (most common
/// first); counts are of the customers in the caller's data scope. Filter the customer list
/// with `tag=<name>`. Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/tags", tag = "tags",
    responses((status = 200, description = "Tags with counts", body = TagList))
)]
pub async fn list_tags(caller: Authorized<perm::CustomersRead>) -> Result<HttpResponse, ApiError> {
    let (manual, dynamic) = caller.read(service::list).await?;
    Ok(HttpResponse::Ok().json(TagList {
        items: manual.into_iter().map(TagDto::from).collect(),
        dynamic: dynamic.into_iter().map(Into::into).collect(),
    }))
}

/// Add a tag to the organisation's vocabulary.
///
/// A name already in use answers 409 `duplicate` with the existing tag's id. Audited
/// (`tag.created`).
#[utoipa::path(
    post, path = "/api/v1/tags", tag = "tags",
    request_body = CreateTag,
    responses(
        (status = 201, description = "Created", body = TagDto),
        (status = 409, description = "The name is in use", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_tag(
    caller: Authorized<perm::TagsManage>,
    body: Json<CreateTag>,
) -> Result<HttpResponse, ApiError> {
    let (name, colour) = body.into_inner().into_parts()?;
    let tag = caller
        .write(move |ctx| service::create(ctx, name, colour))
        .await?;
    Ok(versioned(
        StatusCode::CREATED,
        tag.version,
        TagDto::of(tag, None),
    ))
}

/// Rename or recolour a tag (JSON merge patch).
///
/// With `If-Match`, a stale version answers 412. Audited (`tag.updated`).
#[utoipa::path(
    patch, path = "/api/v1/tags/{id}", tag = "tags",
    params(("id" = String, Path, description = "Tag id"),
           ("If-Match" = Option<String>, Header, description = "Expected version, e.g. \"3\"")),
    request_body(content = PatchTag, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Updated", body = TagDto),
        (status = 409, description = "The name is in use", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The tag changed since that version", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn patch_tag(
    caller: Authorized<perm::TagsManage>,
    id: PathId,
    if_match: IfMatch,
    body: Json<PatchTag>,
) -> Result<HttpResponse, ApiError> {
    let (name, colour) = body.into_inner().into_parts();
    let tag = caller
        .write(move |ctx| service::update(ctx, &id.0, if_match.0, name, colour))
        .await?;
    Ok(versioned(
        StatusCode::OK,
        tag.version,
        TagDto::of(tag, None),
    ))
}

/// Delete a tag from the vocabulary, and take it off every customer.
///
/// Audited (`tag.deleted`).
#[utoipa::path(
    delete, path = "/api/v1/tags/{id}", tag = "tags",
    params(("id" = String, Path, description = "Tag id")),
    responses((status = 204, description = "Deleted"))
)]
pub async fn delete_tag(
    caller: Authorized<perm::TagsManage>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    caller.write(move |ctx| service::delete(ctx, &id.0)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A customer's tags: the manual ones and the dynamic ones, each dynamic tag with the rule
/// that set it and the facts behind it.
///
/// Needs the customer in the caller's data scope. Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/customers/{id}/tags", tag = "tags",
    params(("id" = String, Path, description = "Customer id")),
    responses((status = 200, description = "The customer's tags", body = CustomerTags))
)]
pub async fn list_customer_tags(
    caller: Authorized<perm::CustomersRead>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let (manual, dynamic) = caller
        .read(move |ctx| service::of_customer(ctx, &id.0))
        .await?;
    Ok(HttpResponse::Ok().json(CustomerTags {
        manual: manual.into_iter().map(|t| TagDto::of(t, None)).collect(),
        dynamic: dynamic.into_iter().map(Into::into).collect(),
    }))
}

/// Put a manual tag on a customer (assigning it again changes nothing).
///
/// Needs the customer in the caller's data scope; an unknown tag is a 422. Audited
/// (`customer.tagged`).
#[utoipa::path(
    post, path = "/api/v1/customers/{id}/tags", tag = "tags",
    params(("id" = String, Path, description = "Customer id")),
    request_body = AssignTag,
    responses((status = 200, description = "The tag, now on the customer", body = TagDto))
)]
pub async fn assign_tag(
    caller: Authorized<perm::CustomersWrite>,
    id: PathId,
    body: Json<AssignTag>,
) -> Result<HttpResponse, ApiError> {
    let tag_id = rules::normalised_id(&body.tag_id).unwrap_or_default();
    let tag = caller
        .write(move |ctx| service::assign(ctx, &id.0, &tag_id))
        .await?;
    Ok(HttpResponse::Ok().json(TagDto::of(tag, None)))
}

/// Take a manual tag off a customer.
///
/// 404 when the tag was not on the customer. Audited (`customer.untagged`).
#[utoipa::path(
    delete, path = "/api/v1/customers/{id}/tags/{tag_id}", tag = "tags",
    params(("id" = String, Path, description = "Customer id"),
           ("tag_id" = String, Path, description = "Tag id")),
    responses((status = 204, description = "Taken off"))
)]
pub async fn unassign_tag(
    caller: Authorized<perm::CustomersWrite>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (customer, tag) = path.into_inner();
    let parse = |s: &str| {
        uuid::Uuid::parse_str(s)
            .map(|u| u.to_string())
            .map_err(|_| ApiError::not_found())
    };
    let (customer, tag) = (parse(&customer)?, parse(&tag)?);
    caller
        .write(move |ctx| service::unassign(ctx, &customer, &tag))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

crate::endpoints![
    list_tags,
    create_tag,
    patch_tag,
    delete_tag,
    list_customer_tags,
    assign_tag,
    unassign_tag,
];
