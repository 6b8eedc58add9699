//! `/api/v1/customers/imports` and `/api/v1/customers/export.{csv,xlsx}`: extract,
//! authorise, call the service, answer.

use actix_web::http::header;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use futures_util::StreamExt;

use super::dto::{CustomerImportDto, ImportQuery};
use super::export;
use super::import;
use super::reading::{self, MAX_FILE_BYTES};
use crate::app::{FieldError, ServiceError};
use crate::attachments::dto::Binary;
use crate::customers::dto::CustomerListQuery;
use crate::customers::handlers::list_query;
use crate::customers::service::CustomerQuery;
use crate::error::{ApiError, Code, Problem};
use crate::http::csv_download::{self, cell};
use crate::http::{Authorized, PathId, pagination, perm};

/// The content types a CSV upload may be sent as.
const CSV_TYPES: [&str; 4] = [
    "text/csv",
    "application/csv",
    "text/plain",
    "application/vnd.ms-excel",
];

fn too_large() -> ApiError {
    ApiError::new(Code::PayloadTooLarge).with_detail(format!(
        "an import file may have at most {} MiB",
        MAX_FILE_BYTES / (1024 * 1024)
    ))
}

/// The whole body, refused past [`MAX_FILE_BYTES`] (before reading, when announced).
async fn read_file(req: &HttpRequest, mut payload: web::Payload) -> Result<Vec<u8>, ApiError> {
    let announced = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if announced.is_some_and(|n| n > MAX_FILE_BYTES) {
        return Err(too_large());
    }
    let mut body = Vec::with_capacity(announced.unwrap_or(0));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::bad_request(Code::BadRequest, e.to_string()))?;
        if body.len() + chunk.len() > MAX_FILE_BYTES {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Import customers from a CSV file (the raw body, `Content-Type: text/csv`).
///
/// Every row is checked as `POST /api/v1/customers` checks a body (same rules, same
/// 422 reasons) and for duplicates: a phone, WeChat id or ID number already on file
/// (`existing_id`), or a phone repeated within the file (`duplicate_of_row`). The answer
/// reports each row by its line (`ok`, `invalid` with its field errors, `duplicate`).
/// Values such as 男/女, 个人/企业, 汽车之家 or 1988/3/12 are read as the fields expect.
///
/// With `dry_run=true` the report is all: nothing is written. Otherwise the import is
/// stored and a background job creates the valid rows, each in its own transaction (a row
/// that fails then writes nothing; the rest are imported), emitting `customer.created` for
/// each; the answer is 202 with the import, whose `Location` shows the progress. Audited:
/// `customer.import_started`, then `customer.import_finished`. Phones are masked in every
/// report; the rows waiting for the job are kept encrypted and deleted when it is done.
///
/// For admins, general managers and sales managers (who import into their own store). At
/// most 10 MiB (413) and 10,000 rows (422) per file; a file that is not CSV (an unbalanced
/// quote, a row with more or fewer cells than the header) or not in the encoding asked for
/// is 422 and nothing is imported from it.
#[utoipa::path(
    post, path = "/api/v1/customers/imports", tag = "customers",
    params(ImportQuery),
    request_body(
        description = "The CSV file: a header row, then one customer per row, e.g. `姓名,手机,城市,来源,备注` / `张伟,13812345678,上海,汽车之家,周末来店试驾`",
        content((Binary = "text/csv", example = json!("姓名,手机,城市,来源,备注\n张伟,13812345678,上海,汽车之家,周末来店试驾\n")))
    ),
    responses(
        (status = 200, description = "Dry run: the report of every row; nothing written", body = CustomerImportDto),
        (status = 202, description = "The import is queued; `Location` is its resource", body = CustomerImportDto,
            headers(("Location" = String, description = "The import's URL"))),
        (status = 413, description = "The file is larger than 10 MiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not sent as CSV", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The file cannot be read (encoding, CSV structure, header, mapping, too many rows); nothing written", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn import_customers(
    caller: Authorized<perm::CustomersImport>,
    query: web::Query<ImportQuery>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let (encoding, mapping) = query.parsed()?;
    let dry_run = query.dry_run.unwrap_or(false);
    let is_csv = matches!(req.mime_type(), Ok(Some(m)) if CSV_TYPES.contains(&m.essence_str()));
    if !is_csv {
        return Err(ApiError::new(Code::UnsupportedMediaType)
            .with_detail("send the file as the body, with Content-Type: text/csv"));
    }
    let bytes = read_file(&req, payload).await?;
    let app = caller.state().app.clone();
    let file = app
        .blocking(move || reading::read(&bytes, encoding, mapping.as_ref()))
        .await?
        .map_err(|e| ApiError::validation(vec![e.field_error()]))?;
    let checked = caller.read(move |ctx| import::check(ctx, file)).await?;
    if dry_run {
        return Ok(
            HttpResponse::Ok().json(CustomerImportDto::dry_run(checked.encoding, checked.report))
        );
    }
    let started = caller.write(move |ctx| import::start(ctx, checked)).await?;
    Ok(HttpResponse::Accepted()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/customers/imports/{}", started.id),
        ))
        .json(CustomerImportDto::from(started)))
}

/// An import: status (`queued`, `running`, `done`, `failed`), progress (`processed_rows`
/// of `valid_rows`), counts and the report of every row (phones masked).
///
/// Admins and general managers see every import of the organisation, a sales manager the
/// imports they started (others are 404).
#[utoipa::path(
    get, path = "/api/v1/customers/imports/{id}", tag = "customers",
    params(("id" = String, Path, description = "Import id")),
    responses((status = 200, description = "The import", body = CustomerImportDto))
)]
pub async fn get_import(
    caller: Authorized<perm::CustomersImport>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let found = caller.read(move |ctx| import::find(ctx, &id.0)).await?;
    Ok(HttpResponse::Ok().json(CustomerImportDto::from(found)))
}

/// The list's query read page by page, and its filters as the audit log keeps them.
fn export_query(query: CustomerListQuery) -> Result<(CustomerQuery, serde_json::Value), ApiError> {
    let (mut query, _) = list_query(query)?;
    query.limit = export::PAGE;
    let about = export::described(&query);
    Ok((query, about))
}

/// Export the customer list as CSV, streamed.
///
/// The list's filters and sort (`limit` is ignored: every matching customer is exported;
/// `cursor` starts after a position), within the caller's data scope: a sales manager
/// exports their store's customers. Columns: id, name, kind, phone (masked), email, city,
/// source_channel, lifecycle_stage, owner, store, tags (`;`-separated), created_at. UTF-8
/// with a byte-order mark so that Excel shows Chinese text; cells a spreadsheet would run
/// as a formula are prefixed with `'`. For admins, general managers and sales managers.
/// Audited before the first byte: `customer.exported` with the format, filters and row count.
#[utoipa::path(
    get, path = "/api/v1/customers/export.csv", tag = "customers",
    params(CustomerListQuery),
    responses((status = 200, description = "The customers as CSV", content_type = "text/csv", body = String))
)]
pub async fn export_customers_csv(
    caller: Authorized<perm::CustomersExport>,
    query: web::Query<CustomerListQuery>,
) -> Result<HttpResponse, ApiError> {
    let (query, about) = export_query(query.into_inner())?;
    let counted = query.clone();
    let rows = caller
        .read(move |ctx| export::count(ctx, counted))
        .await?
        .ok_or_else(pagination::invalid_cursor)?;
    caller
        .write(move |ctx| export::record(ctx, "csv", about, rows))
        .await?;
    let (app, actor, request) = (
        caller.state().app.clone(),
        caller.actor().clone(),
        caller.request().clone(),
    );
    let today = app.clock.now().format("%Y%m%d");
    // Each page is its own read, after the last row of the one before (keyset).
    let pages = csv_download::pages(&export::COLUMNS, query, move |query| {
        let (app, actor, request) = (app.clone(), actor.clone(), request.clone());
        async move {
            let (rows, next) = app
                .read(actor, request, move |ctx| export::page(ctx, query))
                .await
                .map_err(ApiError::from)?
                .ok_or_else(pagination::invalid_cursor)?;
            let rows: Vec<_> = rows
                .into_iter()
                .map(|row| row.map(|value| cell(&value).into_owned()))
                .collect();
            Ok((rows, next))
        }
    });
    Ok(
        csv_download::download("text/csv; charset=utf-8", &format!("customers-{today}.csv"))
            .streaming(pages),
    )
}

/// Export the customer list as an Excel workbook (XLSX).
///
/// The same filters, scope, columns and masking as the CSV export, in one sheet. Built in
/// memory: at most 100,000 customers (more is 422 `validation_failed` on `filter`: narrow
/// the filter, or use the CSV export). For admins, general managers and sales managers.
/// Audited: `customer.exported` with the format, filters and row count.
#[utoipa::path(
    get, path = "/api/v1/customers/export.xlsx", tag = "customers",
    params(CustomerListQuery),
    responses(
        (status = 200, description = "The customers as an XLSX workbook",
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 422, description = "More than 100,000 customers match: narrow the filter", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn export_customers_xlsx(
    caller: Authorized<perm::CustomersExport>,
    query: web::Query<CustomerListQuery>,
) -> Result<HttpResponse, ApiError> {
    let (query, about) = export_query(query.into_inner())?;
    let rows = caller
        .read(move |ctx| {
            let mut all = Vec::new();
            let mut next = Some(query);
            while let Some(query) = next {
                let Some((rows, following)) = export::page(ctx, query)? else {
                    return Ok(None);
                };
                all.extend(rows);
                if all.len() > export::MAX_XLSX_ROWS {
                    return Err(ServiceError::Invalid(vec![FieldError::new(
                        "filter",
                        "too_many_rows",
                        format!(
                            "more than {} customers match: narrow the filter, or export CSV",
                            export::MAX_XLSX_ROWS
                        ),
                    )]));
                }
                next = following;
            }
            Ok(Some(all))
        })
        .await?
        .ok_or_else(pagination::invalid_cursor)?;
    let count = rows.len();
    let app = caller.state().app.clone();
    let workbook = app.blocking(move || export::xlsx(&rows)).await??;
    caller
        .write(move |ctx| export::record(ctx, "xlsx", about, count))
        .await?;
    let today = app.clock.now().format("%Y%m%d");
    Ok(csv_download::download(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("customers-{today}.xlsx"),
    )
    .body(workbook))
}

crate::endpoints![
    import_customers,
    get_import,
    export_customers_csv,
    export_customers_xlsx,
];
