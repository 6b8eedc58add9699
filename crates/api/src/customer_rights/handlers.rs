//! `/api/v1/customers/{id}/merge`, `/personal-data-export` and `/erase`: extract,
//! authorise, call one service function, answer.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use autocrm_domain::customer::{FieldChoice, Resolution};

use super::dto::{
    ConflictDto, EraseRequest, ExportedApplication, ExportedBehaviorEvent, ExportedDevice,
    FieldChangeDto, MergeRequest, MergeResultDto, PersonalDataExport, SourceValueDto,
};
use super::service::{self, MergeCommand, MergeOutcome};
use crate::activities::dto::ActivityDto;
use crate::attachments::dto::AttachmentDto;
use crate::customers::dto::{CustomerDto, RevealedContact};
use crate::error::{ApiError, Problem};
use crate::http::versioning::versioned;
use crate::http::{Authorized, IfMatch, Json, PathId, perm};
use crate::tags::dto::{CustomerTags, TagDto};

fn merge_result(dry_run: bool, outcome: MergeOutcome) -> HttpResponse {
    let version = outcome.survivor.customer.version;
    let conflicts = outcome
        .conflicts
        .into_iter()
        .map(|c| ConflictDto {
            field: c.conflict.field.as_str().to_owned(),
            survivor: c.conflict.survivor,
            sources: c
                .conflict
                .sources
                .into_iter()
                .map(|s| SourceValueDto {
                    source_id: s.source_id,
                    value: s.value,
                })
                .collect(),
            chosen: match c.chosen {
                FieldChoice::Survivor => "survivor".to_owned(),
                FieldChoice::Source(id) => format!("source:{id}"),
                FieldChoice::Value { .. } => "value".to_owned(),
            },
            defaulted: c.defaulted,
        })
        .collect();
    let changes = outcome
        .changes
        .into_iter()
        .map(|c| {
            let (because, source_id) = match c.resolution {
                Resolution::FilledFromSource { source_id } => {
                    ("filled_from_source", Some(source_id))
                }
                Resolution::ChosenSource { source_id } => ("chosen_source", Some(source_id)),
                Resolution::ExplicitValue => ("explicit_value", None),
            };
            FieldChangeDto {
                field: c.field.as_str().to_owned(),
                before: c.before,
                after: c.after,
                because: because.to_owned(),
                source_id,
            }
        })
        .collect();
    versioned(
        StatusCode::OK,
        version,
        MergeResultDto {
            dry_run,
            survivor: CustomerDto::from(outcome.survivor),
            source_ids: outcome.source_ids,
            conflicts,
            changes,
            moved: outcome.moved,
        },
    )
}

/// Merge duplicate customers into this one (the survivor).
///
/// In one transaction, every record of the sources moves to the survivor: activities,
/// behaviour events and linked devices, consents, vehicles (one per VIN), manual tags
/// (without doubles), contact persons, lifecycle history, financing applications,
/// attachments, and the customers they referred. The survivor keeps its values where the
/// records conflict unless `fields` chooses a source's (or a value of one's own), fills its
/// blanks from the sources, and takes every phone (the sources' become its other phones)
/// and identity document; its dynamic tags are recomputed and its version bumped
/// (`If-Match` applies to it). A merge record is kept per source, and each source answers
/// 410 `merged` with `existing_id` = the survivor from then on, and leaves every list,
/// search and duplicate check.
///
/// `dry_run: true` answers exactly what would happen (the survivor as it would be, masked
/// as a GET shows it; the rows that would move, per table; the conflicts and how they
/// would be decided) and writes nothing, not even an audit line.
///
/// Managers merge their own store's customers (another store's is 404), the general
/// manager and admins any. A source of another organisation is 404; a source merged
/// already answers 410 `merged` with the customer it went into; an erased customer is 409.
/// Emits `customer.merged`; audited on the survivor (`customer.merged`) and on each source
/// (`customer.merged_into`).
#[utoipa::path(
    post, path = "/api/v1/customers/{id}/merge", tag = "customers",
    params(("id" = String, Path, description = "The survivor's id"),
           ("If-Match" = Option<String>, Header, description = "The survivor's expected version, e.g. \"3\"")),
    request_body = MergeRequest,
    responses(
        (status = 200, description = "Merged (or, dry run, what a merge would do); the ETag carries the survivor's version", body = MergeResultDto),
        (status = 404, description = "The survivor or a source is not a customer the caller sees", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The survivor or a source was erased", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The survivor or a source was merged already; `existing_id` names the customer it went into", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The survivor changed since that version", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad sources (the survivor itself, twice, more than 10) or choices (a field without conflict, an unknown source, a value its field refuses, an ID number the kept birthday or gender contradicts)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn merge_customers(
    caller: Authorized<perm::CustomersMerge>,
    id: PathId,
    if_match: IfMatch,
    body: Json<MergeRequest>,
) -> Result<HttpResponse, ApiError> {
    let (source_ids, choices, dry_run) = body.into_inner().into_parts();
    let command = MergeCommand {
        source_ids,
        choices,
        expected: if_match.0,
    };
    let outcome = if dry_run {
        caller
            .read(move |ctx| service::merge_dry_run(ctx, &id.0, command))
            .await?
    } else {
        caller
            .write(move |ctx| service::merge(ctx, &id.0, command))
            .await?
    };
    Ok(merge_result(dry_run, outcome))
}

/// Export every personal data held on a customer, in clear (the person's access request
/// under PIPL): the profile with every phone, identity document, WeChat id and address;
/// needs; contact persons; consents; activities; behaviour events and linked devices;
/// vehicles; tags; financing applications; attachments (metadata; contents download one by
/// one); the customers merged into this one.
///
/// For admins and the general manager. Written to the audit log
/// (`customer.personal_data_exported`); not counted as a reveal. Never cached
/// (`Cache-Control: no-store`), never stored by the idempotency layer.
#[utoipa::path(
    get, path = "/api/v1/customers/{id}/personal-data-export", tag = "customers",
    params(("id" = String, Path, description = "Customer id")),
    responses(
        (status = 200, description = "Everything held on the person, in clear", body = PersonalDataExport),
        (status = 410, description = "The customer was merged; `existing_id` names the customer that holds its data now", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn export_personal_data(
    caller: Authorized<perm::CustomersDataRights>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let export = caller.write(move |ctx| service::export(ctx, &id.0)).await?;
    let applications = export
        .applications
        .into_iter()
        .map(|a| {
            let json = |text: &str| -> Result<serde_json::Value, ApiError> {
                serde_json::from_str(text).map_err(ApiError::internal)
            };
            Ok(ExportedApplication {
                plan: json(&a.plan)?,
                quote: json(&a.quote)?,
                documents: json(&a.documents)?,
                id: a.id,
                status: a.status,
                subsidy_cents: a.subsidy_cents,
                note: a.note,
                created_at: a.created_at.and_utc(),
                updated_at: a.updated_at.and_utc(),
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let (manual, dynamic) = export.tags;
    let body = PersonalDataExport {
        exported_at: export.exported_at,
        profile: CustomerDto::from(export.customer),
        personal_data: RevealedContact::from(export.clear),
        consents: export.consents.into_iter().map(Into::into).collect(),
        activities: export
            .activities
            .into_iter()
            .map(ActivityDto::from)
            .collect(),
        behavior_events: export
            .behavior_events
            .into_iter()
            .map(|e| ExportedBehaviorEvent {
                models: serde_json::from_str(&e.models).unwrap_or(serde_json::Value::Null),
                id: e.id,
                event_type: e.event_type,
                occurred_at: e.occurred_at.and_utc(),
                device_id: e.device_id,
                page: e.page,
                posted_by: e.posted_by,
            })
            .collect(),
        devices: export
            .devices
            .into_iter()
            .map(|d| ExportedDevice {
                device_id: d.device_id,
                linked_at: d.linked_at.and_utc(),
            })
            .collect(),
        vehicles: export.vehicles.into_iter().map(Into::into).collect(),
        tags: CustomerTags {
            manual: manual.into_iter().map(|t| TagDto::of(t, None)).collect(),
            dynamic: dynamic.into_iter().map(Into::into).collect(),
        },
        financing_applications: applications,
        attachments: export
            .attachments
            .into_iter()
            .map(AttachmentDto::from)
            .collect(),
        merged_customer_ids: export.merged_customer_ids,
        leads: export.leads.into_iter().map(Into::into).collect(),
        deals: export.deals.into_iter().map(Into::into).collect(),
        test_drives: export.test_drives.into_iter().map(Into::into).collect(),
    };
    let mut response = HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(body);
    // Clear personal data: the idempotency layer must not keep this answer.
    response
        .extensions_mut()
        .insert(crate::http::idempotency::ClearPersonalData);
    Ok(response)
}

/// Erase a customer's personal data, irreversibly (the person's erasure request under
/// PIPL).
///
/// Every personal value goes, in every table: the customer's name (it becomes
/// `已删除客户`), phones, email, birthday, gender, WeChat ids, identity documents, address,
/// notes and custom attributes; its lookups; contact persons; activities' free text;
/// behaviour events' device ids and pages, and its device links; vehicles' VINs and plates;
/// financing applications' notes; attachments (of the customer and of its financing
/// applications: rows marked deleted, contents removed from the store); the sign-in codes
/// sent to its phones; its name in stored events; the same for the customers merged into
/// it. What is not personal stays: the record (status `erased`, so references hold),
/// amounts, counts, kinds, stages and dates. The audit log never held clear values and
/// keeps its lines.
///
/// For admins and the general manager. Erasing an erased customer again answers 200 and
/// changes nothing. Audited with the reason; emits `customer.erased`.
#[utoipa::path(
    post, path = "/api/v1/customers/{id}/erase", tag = "customers",
    params(("id" = String, Path, description = "Customer id")),
    request_body = EraseRequest,
    responses(
        (status = 200, description = "Erased (also when it already was): the record as it stays", body = CustomerDto),
        (status = 410, description = "The customer was merged; erase the customer named by `existing_id`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn erase_customer(
    caller: Authorized<perm::CustomersDataRights>,
    id: PathId,
    body: Json<EraseRequest>,
) -> Result<HttpResponse, ApiError> {
    let reason = body.into_inner().reason.trim().to_owned();
    let erased = caller
        .write(move |ctx| service::erase(ctx, &id.0, &reason))
        .await?;
    for attachment in &erased.attachments {
        crate::attachments::handlers::purge(&caller.state().app, attachment).await;
    }
    Ok(versioned(
        StatusCode::OK,
        erased.customer.customer.version,
        CustomerDto::from(erased.customer),
    ))
}

crate::endpoints![merge_customers, export_personal_data, erase_customer];
