//! `/api/v1/audit-log`: read and export the organisation's audit log. There is no endpoint
//! that changes or deletes an entry.

use actix_web::{HttpResponse, web};

use super::dto::{
    AuditEntryDto, AuditFilterQuery, AuditPageQuery, CSV_HEADER, csv_record, described,
};
use super::service::{self, AuditLine};
use crate::error::ApiError;
use crate::http::pagination::{self, Page};
use crate::http::{Authorized, csv_download, perm};

/// The keyset order of the log: newest first.
const SORT: &str = "-id";
/// Rows per database read while an export streams.
const EXPORT_PAGE: i64 = 500;

/// List the audit log, newest first.
///
/// Who saw or changed what, and when (PIPL): every change, every reveal of personal data and
/// every download of an attachment. Filter by actor, action, record and time; cursor-paged.
/// Entries hold ids and masked values only, never a phone, ID number or address in clear.
/// Nothing can change or delete an entry.
#[utoipa::path(
    get, path = "/api/v1/audit-log", tag = "audit log",
    params(AuditFilterQuery, AuditPageQuery),
    responses((status = 200, description = "A page of entries, newest first", body = Page<AuditEntryDto>))
)]
pub async fn list_audit_log(
    caller: Authorized<perm::AuditRead>,
    filters: web::Query<AuditFilterQuery>,
    page: web::Query<AuditPageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = page.into_inner();
    let mut filter = filters.into_inner().into_filter()?;
    let limit = pagination::limit(page.limit)?;
    filter.before_id = pagination::decode_cursor(SORT, page.cursor.as_deref())?.map(|a| a.id);
    filter.limit = limit + 1;
    let rows = caller.read(move |ctx| service::list(ctx, &filter)).await?;
    Ok(HttpResponse::Ok().json(pagination::page(
        rows,
        limit,
        |l: &AuditLine| pagination::encode_cursor(SORT, &pagination::keyset_by_id(&l.entry.id)),
        AuditEntryDto::from,
    )))
}

/// Export the audit log as CSV.
///
/// The same filters as the list, newest first, streamed (any size): UTF-8 with a byte-order
/// mark so that Excel shows Chinese text, one entry per row, `detail` as JSON text; cells
/// that a spreadsheet would run as a formula are prefixed with `'`. The export is itself
/// audited (`audit_log.exported`, with its filters).
#[utoipa::path(
    get, path = "/api/v1/audit-log/export.csv", tag = "audit log",
    params(AuditFilterQuery),
    responses((status = 200, description = "The entries as CSV", content_type = "text/csv", body = String))
)]
pub async fn export_audit_log(
    caller: Authorized<perm::AuditRead>,
    filters: web::Query<AuditFilterQuery>,
) -> Result<HttpResponse, ApiError> {
    let filter = filters.into_inner().into_filter()?;
    let about = described(&filter);
    caller
        .write(move |ctx| service::record_export(ctx, about))
        .await?;
    let (app, actor, request) = (
        caller.state().app.clone(),
        caller.actor().clone(),
        caller.request().clone(),
    );
    let today = app.clock.now().format("%Y%m%d");
    // Each page is its own read; the keyset (older than the last id seen) keeps the pages
    // consistent while new entries are written.
    let pages = csv_download::pages(&CSV_HEADER, filter, move |mut filter| {
        let (app, actor, request) = (app.clone(), actor.clone(), request.clone());
        async move {
            filter.limit = EXPORT_PAGE;
            let page_filter = filter.clone();
            let lines = app
                .read(actor, request, move |ctx| service::list(ctx, &page_filter))
                .await
                .map_err(ApiError::from)?;
            let last = (lines.len() as i64 == EXPORT_PAGE)
                .then(|| lines.last().map(|l| l.entry.id.clone()))
                .flatten();
            let rows: Vec<_> = lines.iter().map(csv_record).collect();
            let next = last.map(|id| {
                filter.before_id = Some(id);
                filter
            });
            Ok((rows, next))
        }
    });
    Ok(
        csv_download::download("text/csv; charset=utf-8", &format!("audit-log-{today}.csv"))
            .streaming(pages),
    )
}

crate::endpoints![list_audit_log, export_audit_log];
