//! `/api/v1/customers/{id}/timeline`.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::cursor;
use super::service::{self, Entry, EntryKind};
use crate::activities::dto::NewestFirstQuery;
use crate::error::ApiError;
use crate::http::pagination::{self, Page};
use crate::http::{Authorized, PathId, perm};
use crate::validate::schema::string_enum;

/// The cursor sort of the timeline.
const SORT: &str = "-at";

string_enum!(EntryKindSchema = EntryKind::NAMES);

/// One entry of a customer's timeline.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5c4-8c3d-7a10-9b2c-3d4e5f6a7b80", "kind": "activity",
    "at": "2026-11-28T06:30:00Z", "summary": "test_drive: completed",
    "data": {"kind": "test_drive", "outcome": "completed", "content": "试驾汉EV，对续航满意",
             "next_follow_up_at": "2026-11-30T02:00:00Z", "attachment_ids": [],
             "created_by": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12"}
}))]
pub struct TimelineEntryDto {
    /// The id of the activity, event, consent record, vehicle or audit entry.
    pub id: String,
    /// activity, behavior_event, consent, vehicle_added, customer_change.
    #[schema(value_type = EntryKindSchema, inline)]
    pub kind: String,
    /// When it happened.
    pub at: DateTime<Utc>,
    pub summary: String,
    /// The source's own fields: an activity's kind, outcome and text; an event's type and
    /// models; a consent's purpose and action; a vehicle's brand and model; a change's
    /// action, actor and changed fields.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

impl From<Entry> for TimelineEntryDto {
    fn from(e: Entry) -> Self {
        Self {
            id: e.id,
            kind: e.kind.as_str().to_owned(),
            at: e.at.and_utc(),
            summary: e.summary,
            data: e.data,
        }
    }
}

/// A customer's timeline: everything that happened with them, newest first.
///
/// Activities, behaviour events, consent grants and withdrawals, vehicles added to the
/// garage, and the changes of the customer record (from the audit log: created, updated,
/// archived), merged by time; cursor-paged with an opaque cursor. Needs the customer in the
/// caller's data scope. Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/customers/{id}/timeline", tag = "timeline",
    params(("id" = String, Path, description = "Customer id"), NewestFirstQuery),
    responses((status = 200, description = "A page of the timeline", body = Page<TimelineEntryDto>))
)]
pub async fn get_timeline(
    caller: Authorized<perm::CustomersRead>,
    id: PathId,
    query: web::Query<NewestFirstQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let limit = pagination::limit(q.limit)?;
    let before = cursor::decode(SORT, q.cursor.as_deref())?;
    let entries = caller
        .read(move |ctx| service::page(ctx, &id.0, before, limit + 1))
        .await?;
    let page: Page<TimelineEntryDto> = pagination::page(
        entries,
        limit,
        |e| cursor::encode(SORT, e.at, &e.id),
        TimelineEntryDto::from,
    );
    Ok(HttpResponse::Ok().json(page))
}

crate::endpoints![get_timeline];
