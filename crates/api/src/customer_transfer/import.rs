//! Customer import: every row of a file is checked exactly as the create endpoint checks a
//! body (`CreateCustomer`'s rules, then `customers::service::check_new`), duplicates are
//! found within the file and among the customers on file (blind indexes); a dry run stops
//! there. A real run stores the import with its report and the valid rows (encrypted), and
//! a job creates them through `customers::service::create`, each row in its own unit of
//! work, so that a row that fails writes nothing and the others are imported.

use std::collections::HashMap;

use autocrm_domain::access::Role;
use autocrm_domain::contact::Phone;
use autocrm_persistence::db::new_id;
use autocrm_persistence::models::{CustomerImport, ImportStatus, JobRow, TenantRecord};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::reading::{ColumnMapping, ParsedFile, RawRow, normalise};
use crate::app::{Actor, App, Change, Ctx, FieldError, RequestMeta, ServiceError, ServiceResult};
use crate::customers::dto::CreateCustomer;
use crate::customers::service::{self as customers, NewCustomer};
use crate::jobs::{Job, JobFuture, Outcome};

/// How often the job stores the report while it runs (rows).
const REPORT_EVERY: usize = 200;

/// A problem with one field of a row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"field": "phone", "message": "not a valid phone number"}))]
pub struct RowError {
    pub field: String,
    pub message: String,
}

impl From<FieldError> for RowError {
    fn from(e: FieldError) -> Self {
        RowError {
            field: e.field,
            message: e.message,
        }
    }
}

/// What became of one row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"row": 3, "status": "duplicate", "name": "张伟", "phone": "138****5678", "errors": [{"field": "phone", "message": "a customer with this phone number already exists"}], "existing_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a10"}))]
pub struct RowReport {
    /// The row's line in the file (1-based; the header is line 1).
    pub row: u64,
    /// `ok` (valid, to be created), `invalid` or `duplicate` when checked; after the import
    /// ran, `created`, or `invalid` / `duplicate` / `failed` for a row that could not be.
    pub status: String,
    pub name: Option<String>,
    /// Masked (`138****5678`).
    pub phone: Option<String>,
    pub errors: Vec<RowError>,
    /// The customer on file with the same phone, WeChat id or ID number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub existing_id: Option<String>,
    /// The earlier row of the file with the same phone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicate_of_row: Option<u64>,
    /// The customer the row became.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
}

/// The report of a file: the columns used and ignored, and every row.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ImportReport {
    pub columns: Vec<ColumnMapping>,
    pub ignored_columns: Vec<String>,
    pub rows: Vec<RowReport>,
}

impl ImportReport {
    pub fn count(&self, status: &str) -> usize {
        self.rows.iter().filter(|r| r.status == status).count()
    }
}

/// A row to create, as kept (encrypted) for the job: its place in the report and its values.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct PendingRow {
    index: usize,
    row: RawRow,
}

/// A checked file: its report, and the rows that may be created.
pub struct Checked {
    pub encoding: &'static str,
    pub report: ImportReport,
    valid: Vec<PendingRow>,
}

/// The create command of a row, through the create endpoint's own body and rules.
pub fn command_of(row: &RawRow) -> Result<NewCustomer, Vec<FieldError>> {
    let mut body = serde_json::Map::new();
    for (field, value) in &row.fields {
        let value = normalise(field, value);
        if !value.is_empty() {
            body.insert(field.clone(), serde_json::Value::String(value));
        }
    }
    body.entry("name")
        .or_insert_with(|| serde_json::Value::String(String::new()));
    // A birthday is a date in the body: one that is not is this row's error, not the file's.
    let mut errors = Vec::new();
    if let Some(serde_json::Value::String(birthday)) = body.get("birthday")
        && chrono::NaiveDate::parse_from_str(birthday, "%Y-%m-%d").is_err()
    {
        errors.push(FieldError::new(
            "birthday",
            "invalid_format",
            "not a date (YYYY-MM-DD)",
        ));
        body.remove("birthday");
    }
    let dto: CreateCustomer = serde_json::from_value(serde_json::Value::Object(body))
        .map_err(|e| vec![FieldError::new("row", "invalid_format", e.to_string())])?;
    match crate::validate::check(&dto) {
        Ok(()) => {}
        Err(ServiceError::Invalid(found)) => errors.extend(found),
        Err(other) => errors.push(FieldError::new("row", "invalid", other.to_string())),
    }
    if errors.is_empty() {
        Ok(dto.into_command())
    } else {
        Err(errors)
    }
}

/// The field a duplicate was found by, from the service's words.
fn duplicate_field(detail: &str) -> &'static str {
    if detail.contains("identity") {
        "id_card_number"
    } else if detail.contains("WeChat") {
        "wechat_openid"
    } else {
        "phone"
    }
}

/// Checks every row as the caller would create it; writes nothing.
pub fn check(ctx: &mut Ctx, file: ParsedFile) -> ServiceResult<Checked> {
    let mut report = ImportReport {
        columns: file.columns,
        ignored_columns: file.ignored_columns,
        rows: Vec::with_capacity(file.rows.len()),
    };
    let mut valid = Vec::new();
    let mut phones: HashMap<String, u64> = HashMap::new();
    for row in file.rows {
        let phone = row
            .fields
            .get("phone")
            .and_then(|p| Phone::parse(p.trim()).ok());
        let mut entry = RowReport {
            row: row.line,
            status: "ok".into(),
            name: row
                .fields
                .get("name")
                .map(|n| n.trim().chars().take(100).collect())
                .filter(|n: &String| !n.is_empty()),
            phone: phone.as_ref().map(Phone::masked),
            errors: Vec::new(),
            existing_id: None,
            duplicate_of_row: None,
            customer_id: None,
        };
        match command_of(&row) {
            Err(errors) => {
                entry.status = "invalid".into();
                entry.errors = errors.into_iter().map(RowError::from).collect();
            }
            Ok(command) => {
                let earlier = phone.as_ref().and_then(|p| phones.get(p.as_str()).copied());
                if let Some(first) = earlier {
                    entry.status = "duplicate".into();
                    entry.duplicate_of_row = Some(first);
                    entry.errors.push(RowError {
                        field: "phone".into(),
                        message: format!("the same phone number as row {first}"),
                    });
                } else {
                    if let Some(p) = &phone {
                        phones.insert(p.as_str().to_owned(), row.line);
                    }
                    outcome_into(&mut entry, customers::check_new(ctx, command))?;
                }
            }
        }
        if entry.status == "ok" {
            valid.push(PendingRow {
                index: report.rows.len(),
                row,
            });
        }
        report.rows.push(entry);
    }
    Ok(Checked {
        encoding: file.encoding,
        report,
        valid,
    })
}

/// Writes what a row's check or creation came to into its report entry; an error that
/// is not the row's fault (the database) is passed on.
fn outcome_into<T>(entry: &mut RowReport, outcome: ServiceResult<T>) -> ServiceResult<Option<T>> {
    match outcome {
        Ok(value) => Ok(Some(value)),
        Err(ServiceError::Invalid(errors)) => {
            entry.status = "invalid".into();
            entry.errors = errors.into_iter().map(RowError::from).collect();
            Ok(None)
        }
        Err(ServiceError::Duplicate {
            detail,
            existing_id,
        }) => {
            entry.status = "duplicate".into();
            entry.errors = vec![RowError {
                field: duplicate_field(&detail).into(),
                message: detail,
            }];
            entry.existing_id = existing_id;
            Ok(None)
        }
        Err(
            e
            @ (ServiceError::Internal | ServiceError::Unavailable | ServiceError::Unauthorized(_)),
        ) => Err(e),
        Err(other) => {
            entry.status = "invalid".into();
            entry.errors = vec![RowError {
                field: "row".into(),
                message: other.to_string(),
            }];
            Ok(None)
        }
    }
}

fn to_json<T: Serialize>(value: &T) -> ServiceResult<String> {
    serde_json::to_string(value).map_err(ServiceError::internal)
}

/// Starts a real import: stores it with its report and the valid rows (encrypted), and
/// queues the job that creates them. Audited (`customer.import_started`).
pub fn start(ctx: &mut Ctx, checked: Checked) -> ServiceResult<CustomerImport> {
    let principal = ctx.principal()?;
    // A manager imports into their own store (the job acts as the system, not as them).
    let store_id = match principal.role {
        Role::SalesManager => principal.store_id.clone(),
        _ => None,
    };
    let total = checked.report.rows.len();
    let valid = checked.valid.len();
    let import = CustomerImport {
        id: new_id(),
        org_id: ctx.org_id().to_owned(),
        created_by: principal.id.clone(),
        store_id,
        status: ImportStatus::Queued.as_str().to_owned(),
        encoding: checked.encoding.to_owned(),
        total_rows: total as i64,
        valid_rows: valid as i64,
        processed_rows: 0,
        created_count: 0,
        skipped_count: (total - valid) as i64,
        failed_count: 0,
        report: to_json(&checked.report)?,
        pending_rows: Some(ctx.pii().encrypt(&to_json(&checked.valid)?)?),
        created_at: ctx.now(),
        started_at: None,
        finished_at: None,
    };
    import.insert(ctx.conn)?;
    ctx.record(
        Change::new("customer.import_started", "customer_import", &import.id).detail(
            serde_json::json!({
                "encoding": import.encoding,
                "total_rows": total,
                "valid_rows": valid,
                "skipped_rows": total - valid,
            }),
        ),
    )?;
    crate::jobs::enqueue(
        ctx,
        ImportCustomers::KIND,
        &ImportJob {
            import_id: import.id.clone(),
        },
        ctx.now_utc(),
        ImportCustomers.max_attempts(),
    )?;
    Ok(import)
}

/// One import of the caller's organisation: a manager sees the imports they started.
pub fn find(ctx: &mut Ctx, id: &str) -> ServiceResult<CustomerImport> {
    let principal = ctx.principal()?;
    let import = CustomerImport::find(ctx.conn, ctx.org_id(), id)?.ok_or(ServiceError::NotFound)?;
    if principal.role == Role::SalesManager && import.created_by != principal.id {
        return Err(ServiceError::NotFound);
    }
    Ok(import)
}

#[derive(Debug, Serialize, Deserialize)]
struct ImportJob {
    import_id: String,
}

/// The job that creates an import's valid rows.
pub struct ImportCustomers;

impl ImportCustomers {
    pub const KIND: &'static str = "customers.import";
}

impl Job for ImportCustomers {
    fn kind(&self) -> &'static str {
        Self::KIND
    }

    fn max_attempts(&self) -> i32 {
        3
    }

    fn run<'a>(&'a self, app: &'a App, job: &'a JobRow) -> JobFuture<'a> {
        Box::pin(async move {
            let Ok(payload) = serde_json::from_str::<ImportJob>(&job.payload) else {
                return Outcome::Failed("not an import job's payload".into());
            };
            let Some(org_id) = job.org_id.clone() else {
                return Outcome::Failed("an import job names its organisation".into());
            };
            let last_try = job.attempts >= job.max_attempts;
            let worker = app.clone();
            let ran = app
                .blocking(move || run_import(&worker, org_id, &payload.import_id, last_try))
                .await;
            match ran {
                Ok(Ok(())) => Outcome::Done,
                Ok(Err(e)) => Outcome::Failed(e.to_string()),
                Err(e) => Outcome::Failed(e.to_string()),
            }
        })
    }
}

/// Creates the rows still pending, from where a previous run stopped; ends the import.
fn run_import(app: &App, org_id: String, id: &str, last_try: bool) -> ServiceResult<()> {
    let actor = Actor::System {
        org_id,
        name: "customer_import",
    };
    let request = RequestMeta::default();
    let result = create_rows(app, &actor, &request, id);
    if result.is_err() && last_try {
        // Given up: the import says so, and its rows are forgotten.
        app.write_now(&actor, &request, |ctx| {
            let Some(import) = CustomerImport::find(ctx.conn, ctx.org_id(), id)? else {
                return Ok(());
            };
            CustomerImport::finish(
                ctx.conn,
                id,
                ImportStatus::Failed,
                &import.report,
                ctx.now(),
            )?;
            ctx.record(
                Change::new("customer.import_finished", "customer_import", id).detail(
                    serde_json::json!({"status": "failed", "created": import.created_count,
                        "failed": import.failed_count, "skipped": import.skipped_count}),
                ),
            )
        })?;
    }
    result
}

fn create_rows(app: &App, actor: &Actor, request: &RequestMeta, id: &str) -> ServiceResult<()> {
    let loaded = app.write_now(actor, request, |ctx| {
        let Some(import) = CustomerImport::find(ctx.conn, ctx.org_id(), id)? else {
            return Ok(None);
        };
        let status: ImportStatus = import.status.parse().map_err(ServiceError::internal)?;
        if matches!(status, ImportStatus::Done | ImportStatus::Failed) {
            return Ok(None);
        }
        if status == ImportStatus::Queued {
            CustomerImport::mark_running(ctx.conn, id, ctx.now())?;
        }
        let rows: Vec<PendingRow> = match &import.pending_rows {
            Some(sealed) => {
                serde_json::from_str(&ctx.pii().decrypt(sealed)?).map_err(ServiceError::internal)?
            }
            None => Vec::new(),
        };
        Ok(Some((import, rows)))
    })?;
    let Some((import, rows)) = loaded else {
        return Ok(());
    };
    let mut report: ImportReport =
        serde_json::from_str(&import.report).map_err(ServiceError::internal)?;
    let done = usize::try_from(import.processed_rows).unwrap_or(0);
    for (n, pending) in rows.iter().enumerate().skip(done) {
        let mut command = command_of(&pending.row).map_err(ServiceError::Invalid);
        if let (Ok(command), Some(store)) = (&mut command, &import.store_id) {
            command.store_id = Some(store.clone());
        }
        let created = app.write_now(actor, request, |ctx| {
            let customer = customers::create(ctx, command?)?;
            CustomerImport::count_row(ctx.conn, id, true)?;
            Ok(customer.id)
        });
        let Some(entry) = report.rows.get_mut(pending.index) else {
            return Err(ServiceError::internal("an import row outside its report"));
        };
        match outcome_into(entry, created)? {
            Some(customer_id) => {
                entry.status = "created".into();
                entry.customer_id = Some(customer_id);
            }
            None => {
                if entry.status == "invalid" {
                    entry.status = "failed".into();
                }
                app.write_now(actor, request, |ctx| {
                    Ok(CustomerImport::count_row(ctx.conn, id, false)?)
                })?;
            }
        }
        if (n + 1) % REPORT_EVERY == 0 {
            let json = to_json(&report)?;
            app.write_now(actor, request, |ctx| {
                CustomerImport::save_report(ctx.conn, id, &json).map_err(ServiceError::from)
            })?;
        }
    }
    let json = to_json(&report)?;
    app.write_now(actor, request, |ctx| {
        CustomerImport::finish(ctx.conn, id, ImportStatus::Done, &json, ctx.now())?;
        let import =
            CustomerImport::find(ctx.conn, ctx.org_id(), id)?.ok_or(ServiceError::NotFound)?;
        ctx.record(
            Change::new("customer.import_finished", "customer_import", id).detail(
                serde_json::json!({"status": "done", "created": import.created_count,
                    "failed": import.failed_count, "skipped": import.skipped_count}),
            ),
        )
    })
}
