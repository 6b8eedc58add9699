//! `GET /api/v1/events`: the events feed, for integrators that cannot receive webhooks. The
//! same envelopes as webhooks, oldest first in feed order (a position the relay stamps after
//! commit, so a walk never skips an event that committed late).

use actix_web::{HttpResponse, web};
use autocrm_persistence::models::{FeedFilter, KeysetAfter, OutboxEvent};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{Envelope, is_known};
use crate::app::{ServiceError, ServiceResult};
use crate::error::{ApiError, Code};
use crate::http::pagination::{self, Cursor, Page};
use crate::http::{Authorized, perm};

const SORT: &str = "position";

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FeedQuery {
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// From `next_cursor` of the previous page; absent: from the oldest event kept.
    #[param(value_type = Option<Cursor>, inline)]
    pub cursor: Option<String>,
    /// Comma-separated event types, e.g. `customer.created,customer.updated`; absent: all.
    #[param(example = "customer.created,financing.status_changed")]
    pub types: Option<String>,
}

fn parse_types(types: Option<&str>) -> Result<Vec<String>, ApiError> {
    let mut out = Vec::new();
    for t in types.unwrap_or_default().split(',').map(str::trim) {
        if t.is_empty() {
            continue;
        }
        if !is_known(t) {
            return Err(ApiError::bad_request(
                Code::InvalidQuery,
                format!("{t} is not an event type"),
            ));
        }
        out.push(t.to_owned());
    }
    Ok(out)
}

fn envelope(event: OutboxEvent) -> Result<Envelope, ApiError> {
    serde_json::from_str(&event.payload).map_err(ApiError::internal)
}

/// Read the events feed, oldest first.
///
/// Every published event of the organisation in feed order, in the envelopes webhooks
/// send (`{id, type, timestamp, org_id, data}`). Keep `next_cursor` and ask again with it
/// to receive what happened since: when a page is not full, `next_cursor` still points past
/// its last event, so polling with it never skips nor repeats one. Events are kept at least
/// 30 days (published ones are purged after 90). Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/events", tag = "events",
    params(FeedQuery),
    responses((status = 200, description = "A page of events, oldest first", body = Page<Envelope>))
)]
pub async fn list_events(
    caller: Authorized<perm::EventsRead>,
    query: web::Query<FeedQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let limit = pagination::limit(q.limit)?;
    let after = pagination::decode_cursor(SORT, q.cursor.as_deref())?;
    let after_position = match &after {
        Some(a) => Some(
            a.key
                .parse::<i64>()
                .map_err(|_| pagination::invalid_cursor())?,
        ),
        None => None,
    };
    let filter = FeedFilter {
        after_position,
        types: parse_types(q.types.as_deref())?,
        limit,
    };
    let rows = caller
        .read(move |ctx| -> ServiceResult<Vec<OutboxEvent>> {
            OutboxEvent::feed(ctx.conn, ctx.org_id(), &filter).map_err(ServiceError::from)
        })
        .await?;
    // The cursor always moves to the last event read, or stays where it was: a poller keeps
    // it and sees only what is new.
    let last = rows.last().and_then(|e| e.feed_position).or(after_position);
    let next_cursor = last.map(|p| {
        pagination::encode_cursor(
            SORT,
            &KeysetAfter {
                key: p.to_string(),
                id: String::new(),
            },
        )
    });
    let items = rows
        .into_iter()
        .map(envelope)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(HttpResponse::Ok().json(Page { items, next_cursor }))
}

crate::endpoints![list_events];
