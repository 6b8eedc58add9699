//! Customer CSV imports: the record of one real run, its per-row report, and the rows still
//! to create (encrypted by the API's PII cipher, cleared when the import is done).

use diesel::prelude::*;

use crate::DbConn;
use crate::schema::customer_imports;

autocrm_domain::text_enum! {
    /// Where an import is: queued for its job, running, done, or given up.
    pub enum ImportStatus {
        Queued = "queued",
        Running = "running",
        Done = "done",
        Failed = "failed",
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = customer_imports, treat_none_as_default_value = false)]
pub struct CustomerImport {
    pub id: String,
    pub org_id: String,
    /// The user who started it.
    pub created_by: String,
    /// The store the rows are created in (a manager's own store), if any.
    pub store_id: Option<String>,
    pub status: String,
    /// The encoding the file was read with (`utf-8` or `gbk`).
    pub encoding: String,
    /// Data rows in the file.
    pub total_rows: i64,
    /// Rows that passed validation: the job creates these.
    pub valid_rows: i64,
    /// Valid rows the job has handled so far.
    pub processed_rows: i64,
    pub created_count: i64,
    /// Rows never attempted: invalid or duplicate at validation.
    pub skipped_count: i64,
    /// Valid rows that the job could not create after all.
    pub failed_count: i64,
    /// The per-row report (JSON array); masked values only.
    pub report: String,
    /// The rows still to create, as one PII ciphertext; `None` once done.
    pub pending_rows: Option<String>,
    pub created_at: chrono::NaiveDateTime,
    pub started_at: Option<chrono::NaiveDateTime>,
    pub finished_at: Option<chrono::NaiveDateTime>,
}

super::record::tenant_record!(CustomerImport, customer_imports);

impl CustomerImport {
    /// Marks the import running (first run of its job).
    pub fn mark_running(conn: &mut DbConn, id: &str, at: chrono::NaiveDateTime) -> QueryResult<()> {
        diesel::update(customer_imports::table.filter(customer_imports::id.eq(id)))
            .set((
                customer_imports::status.eq(ImportStatus::Running.as_str()),
                customer_imports::started_at.eq(Some(at)),
            ))
            .execute(conn)
            .map(drop)
    }

    /// Counts one more handled row (in the transaction that created it, or after a failure).
    pub fn count_row(conn: &mut DbConn, id: &str, created: bool) -> QueryResult<()> {
        use customer_imports::dsl as c;
        let target = c::customer_imports.filter(c::id.eq(id));
        if created {
            diesel::update(target)
                .set((
                    c::processed_rows.eq(c::processed_rows + 1),
                    c::created_count.eq(c::created_count + 1),
                ))
                .execute(conn)
        } else {
            diesel::update(target)
                .set((
                    c::processed_rows.eq(c::processed_rows + 1),
                    c::failed_count.eq(c::failed_count + 1),
                ))
                .execute(conn)
        }
        .map(drop)
    }

    /// Stores the report as it stands.
    pub fn save_report(conn: &mut DbConn, id: &str, report: &str) -> QueryResult<()> {
        diesel::update(customer_imports::table.filter(customer_imports::id.eq(id)))
            .set(customer_imports::report.eq(report))
            .execute(conn)
            .map(drop)
    }

    /// Ends the import (`done` or `failed`) with its final report, and forgets the rows.
    pub fn finish(
        conn: &mut DbConn,
        id: &str,
        status: ImportStatus,
        report: &str,
        at: chrono::NaiveDateTime,
    ) -> QueryResult<()> {
        diesel::update(customer_imports::table.filter(customer_imports::id.eq(id)))
            .set((
                customer_imports::status.eq(status.as_str()),
                customer_imports::report.eq(report),
                customer_imports::pending_rows.eq(None::<String>),
                customer_imports::finished_at.eq(Some(at)),
            ))
            .execute(conn)
            .map(drop)
    }
}
