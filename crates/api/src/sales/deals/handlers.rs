//! `/api/v1/deals`, their stages, documents, collaborators and comments, and
//! `/api/v1/settings/deals`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use autocrm_persistence::models::{DealFilter, DealScope};

use super::dto::{
    AddCollaborator, AddComment, AddDocument, CollaboratorDto, CommentDto, CreateDeal,
    DealDocumentDto, DealDto, DealListQuery, DealSettingsDto, MoveStage, PageQuery, PatchDeal,
};
use super::service;
use crate::error::{ApiError, Code, Problem};
use crate::http::pagination::{IdWindow, Page};
use crate::http::query::uuid_param;
use crate::http::versioning::{IfMatch, versioned};
use crate::http::{Authorized, Json, PathId, perm};

/// Open a deal.
///
/// From an open lead the caller sees (`lead_id`: the lead becomes `converted`, with a
/// `status_changed` entry on its history) or from a customer the caller sees
/// (`customer_id`). It starts `qualified`; the calling consultant owns it (else the lead's or
/// customer's owner). The car may be named by id, stock number or VIN. Consultants, sales
/// managers, general managers, admins and finance. Emits `deal.created`.
#[utoipa::path(
    post, path = "/api/v1/deals", tag = "deals",
    request_body = CreateDeal,
    responses(
        (status = 201, description = "Opened", body = DealDto),
        (status = 409, description = "The lead is not open", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields; an unknown lead, customer or car", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_deal(
    caller: Authorized<perm::DealsWrite>,
    body: Json<CreateDeal>,
) -> Result<HttpResponse, ApiError> {
    let new = body.into_inner().into_command();
    let view = caller
        .write(move |ctx| {
            let deal = service::create(ctx, new)?;
            service::view(ctx, deal)
        })
        .await?;
    let dto = DealDto::from(view);
    Ok(versioned(StatusCode::CREATED, dto.version, dto))
}

/// List deals (the board).
///
/// The deals the caller sees (a consultant their own, a sales manager their store's,
/// general managers and admins all; everyone also those they collaborate on, finance only
/// those), by id, cursor-paged; filtered by `stage`, `owner_id`, `store_id`, `customer_id`,
/// `lead_id`. Each with its stage's probability. Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/deals", tag = "deals",
    params(DealListQuery),
    responses((status = 200, description = "A page of deals", body = Page<DealDto>))
)]
pub async fn list_deals(
    caller: Authorized<perm::DealsRead>,
    query: web::Query<DealListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let window = IdWindow::parse(q.limit, q.cursor.as_deref())?;
    let stage = q
        .stage
        .map(|s| {
            s.parse::<autocrm_domain::sales::deals::DealStage>()
                .map(|s| s.as_str().to_owned())
                .map_err(|_| ApiError::bad_request(Code::InvalidQuery, "unknown stage".to_owned()))
        })
        .transpose()?;
    let filter = DealFilter {
        scope: DealScope::Nothing,
        stage,
        owner_id: uuid_param(q.owner_id, "owner_id")?,
        store_id: uuid_param(q.store_id, "store_id")?,
        customer_id: uuid_param(q.customer_id, "customer_id")?,
        lead_id: uuid_param(q.lead_id, "lead_id")?,
        after_id: window.after_id.clone(),
        limit: window.rows(),
    };
    let items = caller.read(move |ctx| service::list(ctx, filter)).await?;
    Ok(HttpResponse::Ok().json(window.page(items, |(d, _)| &d.id, |(d, p)| DealDto::row(d, p))))
}

/// Get one deal.
///
/// With its documents, collaborators and stage history. A deal the caller does not see, or
/// another organisation's, is 404. Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/deals/{id}", tag = "deals",
    params(("id" = String, Path, description = "Deal id")),
    responses((status = 200, description = "The deal", body = DealDto))
)]
pub async fn get_deal(
    caller: Authorized<perm::DealsRead>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let view = caller.read(move |ctx| service::get(ctx, &id.0)).await?;
    let dto = DealDto::from(view);
    Ok(versioned(StatusCode::OK, dto.version, dto))
}

/// Change a deal.
///
/// A merge patch of an open deal the caller sees: title, payment, amount (fen), expected
/// close date, the car (by id, stock number or VIN), note; `owner_id` for managers only
/// (403 otherwise). `If-Match` optional (412 when stale). A won or lost deal is 409.
/// Audited (`deal.updated`).
#[utoipa::path(
    patch, path = "/api/v1/deals/{id}", tag = "deals",
    params(("id" = String, Path, description = "Deal id")),
    request_body = PatchDeal,
    responses(
        (status = 200, description = "Changed", body = DealDto),
        (status = 409, description = "The deal is closed", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn patch_deal(
    caller: Authorized<perm::DealsWrite>,
    id: PathId,
    if_match: IfMatch,
    body: Json<PatchDeal>,
) -> Result<HttpResponse, ApiError> {
    let changes = body.into_inner().into_changes();
    let view = caller
        .write(move |ctx| {
            let deal = service::update(ctx, &id.0, if_match.0, changes)?;
            service::view(ctx, deal)
        })
        .await?;
    let dto = DealDto::from(view);
    Ok(versioned(StatusCode::OK, dto.version, dto))
}

/// Move a deal to another stage.
///
/// Forward over the organisation's optional stages only, or one stage back; forward only
/// when the target stage's gate is met: each document it names filed on the deal (`POST
/// /api/v1/deals/{id}/documents`), or, where the gate allows, waived with a reason (by
/// default: contract needs a test-drive agreement or a waiver; delivery a signed contract
/// and a vehicle condition confirmation). Otherwise 409 `invalid_transition` naming what is
/// missing. Entering `won` marks the car sold, makes the customer an owner with the car in
/// their garage and emits `deal.won` (422 when the deal has no car). `lost` takes a lost
/// request. `If-Match` optional. Emits `deal.stage_changed`.
#[utoipa::path(
    post, path = "/api/v1/deals/{id}/stage", tag = "deals",
    params(("id" = String, Path, description = "Deal id")),
    request_body = MoveStage,
    responses(
        (status = 200, description = "Moved", body = DealDto),
        (status = 409, description = "Not a legal move, or the gate is not met", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn move_stage(
    caller: Authorized<perm::DealsWrite>,
    id: PathId,
    if_match: IfMatch,
    body: Json<MoveStage>,
) -> Result<HttpResponse, ApiError> {
    let (to, waivers) = body.into_inner().into_command();
    let view = caller
        .write(move |ctx| {
            let deal = service::move_stage(ctx, &id.0, if_match.0, to, waivers)?;
            service::view(ctx, deal)
        })
        .await?;
    let dto = DealDto::from(view);
    Ok(versioned(StatusCode::OK, dto.version, dto))
}

/// File a document of a deal.
///
/// Names the kind of an attachment uploaded to the deal (`POST /api/v1/attachments?
/// owner_type=deal&owner_id={id}`): the evidence its stage gates read. Audited
/// (`deal.document_added`).
#[utoipa::path(
    post, path = "/api/v1/deals/{id}/documents", tag = "deals",
    params(("id" = String, Path, description = "Deal id")),
    request_body = AddDocument,
    responses(
        (status = 201, description = "Filed", body = DealDocumentDto),
        (status = 409, description = "The attachment is filed already", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No stored attachment of this deal", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn add_document(
    caller: Authorized<perm::DealsWrite>,
    id: PathId,
    body: Json<AddDocument>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let kind = body
        .kind
        .parse()
        .map_err(|_| ApiError::invalid("kind", "invalid", "unknown kind of document"))?;
    let attachment_id =
        crate::validate::rules::normalised_id(&body.attachment_id).unwrap_or(body.attachment_id);
    let doc = caller
        .write(move |ctx| service::add_document(ctx, &id.0, &attachment_id, kind))
        .await?;
    Ok(HttpResponse::Created().json(DealDocumentDto::from(doc)))
}

/// Invite a colleague to a deal (专家会诊).
///
/// The colleague (a finance specialist, a senior consultant) sees the deal from now on and
/// is notified (`deal.mention`). 409 when invited already. Audited
/// (`deal.collaborator_added`).
#[utoipa::path(
    post, path = "/api/v1/deals/{id}/collaborators", tag = "deals",
    params(("id" = String, Path, description = "Deal id")),
    request_body = AddCollaborator,
    responses(
        (status = 201, description = "Invited", body = CollaboratorDto),
        (status = 409, description = "Invited already", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn add_collaborator(
    caller: Authorized<perm::DealsWrite>,
    id: PathId,
    body: Json<AddCollaborator>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let user_id = crate::validate::rules::normalised_id(&body.user_id).unwrap_or(body.user_id);
    let note = crate::validate::rules::trimmed(body.role_note.as_deref());
    let row = caller
        .write(move |ctx| service::add_collaborator(ctx, &id.0, &user_id, note))
        .await?;
    Ok(HttpResponse::Created().json(CollaboratorDto::from(row)))
}

/// List a deal's comments, oldest first.
///
/// Cursor-paged. Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/deals/{id}/comments", tag = "deals",
    params(("id" = String, Path, description = "Deal id"), PageQuery),
    responses((status = 200, description = "A page of comments", body = Page<CommentDto>))
)]
pub async fn list_comments(
    caller: Authorized<perm::DealsRead>,
    id: PathId,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let window = IdWindow::parse(q.limit, q.cursor.as_deref())?;
    let (after, rows) = (window.after_id.clone(), window.rows());
    let items = caller
        .read(move |ctx| service::comments(ctx, &id.0, after, rows))
        .await?;
    Ok(HttpResponse::Ok().json(window.page(items, |c| &c.id, CommentDto::from)))
}

/// Comment on a deal.
///
/// `mentions` name users of the organisation (422 naming one that is not); each is notified
/// (`deal.mention`). Audited (`deal.commented`).
#[utoipa::path(
    post, path = "/api/v1/deals/{id}/comments", tag = "deals",
    params(("id" = String, Path, description = "Deal id")),
    request_body = AddComment,
    responses((status = 201, description = "Posted", body = CommentDto))
)]
pub async fn add_comment(
    caller: Authorized<perm::DealsWrite>,
    id: PathId,
    body: Json<AddComment>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let text = body.body.trim().to_owned();
    let mentions: Vec<String> = body
        .mentions
        .unwrap_or_default()
        .into_iter()
        .map(|m| crate::validate::rules::normalised_id(&m).unwrap_or(m))
        .collect();
    let comment = caller
        .write(move |ctx| service::add_comment(ctx, &id.0, text, mentions))
        .await?;
    Ok(HttpResponse::Created().json(CommentDto::from(comment)))
}

/// The organisation's pipeline settings.
///
/// Optional stages, stage gates and win probabilities (the defaults until set). Changes
/// nothing.
#[utoipa::path(
    get, path = "/api/v1/settings/deals", tag = "deals",
    responses((status = 200, description = "The settings", body = DealSettingsDto))
)]
pub async fn get_deal_settings(
    caller: Authorized<perm::DealsRead>,
) -> Result<HttpResponse, ApiError> {
    let config = caller.read(service::config).await?;
    Ok(HttpResponse::Ok().json(DealSettingsDto::from(config)))
}

/// Replace the organisation's pipeline settings.
///
/// Every problem is listed at once (422). General managers and admins. Audited
/// (`organization.deals_changed`); stage moves use them from the next request on.
#[utoipa::path(
    put, path = "/api/v1/settings/deals", tag = "deals",
    request_body = DealSettingsDto,
    responses(
        (status = 200, description = "The settings as stored", body = DealSettingsDto),
        (status = 422, description = "Invalid settings", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn put_deal_settings(
    caller: Authorized<perm::LeadSettingsManage>,
    body: Json<DealSettingsDto>,
) -> Result<HttpResponse, ApiError> {
    let new = body.into_inner().into();
    let config = caller
        .write(move |ctx| service::put_config(ctx, new))
        .await?;
    Ok(HttpResponse::Ok().json(DealSettingsDto::from(config)))
}

crate::endpoints![
    create_deal,
    list_deals,
    get_deal,
    patch_deal,
    move_stage,
    add_document,
    add_collaborator,
    list_comments,
    add_comment,
    get_deal_settings,
    put_deal_settings,
];
