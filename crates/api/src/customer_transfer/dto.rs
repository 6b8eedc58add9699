//! What the import and export endpoints read and answer.

use std::collections::BTreeMap;

use autocrm_persistence::models::CustomerImport;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::import::{ImportReport, RowReport};
use super::reading::{ColumnMapping, Encoding};
use crate::error::{ApiError, Code};
use crate::validate::schema::string_enum;

string_enum!(EncodingSchema = Encoding::NAMES);
/// Where an import is; `dry_run` for a dry run's answer.
pub const IMPORT_STATUSES: [&str; 5] = ["dry_run", "queued", "running", "done", "failed"];
string_enum!(ImportStatusSchema = IMPORT_STATUSES);

/// How to read the file.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Check every row and answer the report; nothing is written (default `false`).
    pub dry_run: Option<bool>,
    /// `utf-8`, `gbk` or `auto` (default: UTF-8 when the file is valid UTF-8, a byte-order
    /// mark dropped, else GBK/GB18030 as Excel in China saves CSV).
    #[param(value_type = Option<EncodingSchema>, inline)]
    pub encoding: Option<String>,
    /// A JSON object from CSV header to field, e.g. `{"姓名":"name","手机":"phone"}`; only
    /// the mapped columns are read. Without it, headers are matched against the field names
    /// (name, kind, phone, email, gender, birthday, city, region, address, source_channel,
    /// source_detail, lifecycle_stage, notes, wechat_openid, id_card_number) and common
    /// Chinese headers (姓名, 手机/手机号/电话, 邮箱, 城市, 来源, 备注, ...).
    #[param(example = json!(r#"{"姓名":"name","手机":"phone"}"#))]
    pub mapping: Option<String>,
}

impl ImportQuery {
    /// The encoding and the mapping; 400 when either is malformed.
    pub fn parsed(&self) -> Result<(Encoding, Option<BTreeMap<String, String>>), ApiError> {
        let bad = |m: String| ApiError::bad_request(Code::InvalidQuery, m);
        let encoding = Encoding::parse(self.encoding.as_deref())
            .ok_or_else(|| bad("encoding must be utf-8, gbk or auto".into()))?;
        let mapping = self
            .mapping
            .as_deref()
            .map(|m| {
                serde_json::from_str::<BTreeMap<String, String>>(m).map_err(|e| {
                    bad(format!(
                        "mapping must be a JSON object from CSV header to field name: {e}"
                    ))
                })
            })
            .transpose()?;
        if mapping.as_ref().is_some_and(|m| m.len() > 50) {
            return Err(bad("mapping may name at most 50 columns".into()));
        }
        Ok((encoding, mapping))
    }
}

/// An import: its progress, its counts and the report of every row.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5c4-9d4e-7a20-8b3c-4d5e6f7a8b90", "status": "done", "dry_run": false,
    "encoding": "gbk", "total_rows": 3, "valid_rows": 2, "invalid_rows": 1, "duplicate_rows": 0,
    "processed_rows": 2, "created": 2, "skipped": 1, "failed": 0,
    "columns": [{"header": "姓名", "field": "name"}, {"header": "手机", "field": "phone"}],
    "ignored_columns": ["会员等级"],
    "rows": [
        {"row": 2, "status": "created", "name": "张伟", "phone": "138****5678", "errors": [], "customer_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a10"},
        {"row": 3, "status": "invalid", "name": "李娜", "phone": null, "errors": [{"field": "phone", "message": "not a valid phone number"}]},
        {"row": 4, "status": "created", "name": "王芳", "phone": "139****0001", "errors": [], "customer_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a11"}
    ],
    "created_by": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a14",
    "created_at": "2026-12-06T02:00:00Z", "started_at": "2026-12-06T02:00:01Z", "finished_at": "2026-12-06T02:00:03Z"
}))]
pub struct CustomerImportDto {
    /// `null` for a dry run (nothing is stored).
    pub id: Option<String>,
    #[schema(value_type = ImportStatusSchema, inline)]
    pub status: String,
    pub dry_run: bool,
    /// The encoding the file was read with: `utf-8` or `gbk`.
    pub encoding: String,
    /// Data rows in the file (blank rows not counted).
    pub total_rows: i64,
    /// Rows that passed the checks: the import creates these.
    pub valid_rows: i64,
    pub invalid_rows: i64,
    /// Rows whose phone, WeChat id or ID number is on file, or repeats an earlier row.
    pub duplicate_rows: i64,
    /// Valid rows the import has handled so far (progress: `processed_rows` of `valid_rows`).
    pub processed_rows: i64,
    pub created: i64,
    /// Rows not imported because they were invalid or duplicates.
    pub skipped: i64,
    /// Valid rows that could not be created after all (e.g. a duplicate made meanwhile).
    pub failed: i64,
    /// The columns read and the field each feeds.
    pub columns: Vec<ColumnMapping>,
    /// Columns that feed no field.
    pub ignored_columns: Vec<String>,
    /// Every row, in file order; phones masked.
    pub rows: Vec<RowReport>,
    pub created_by: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl CustomerImportDto {
    /// A dry run's answer.
    pub fn dry_run(encoding: &str, report: ImportReport) -> Self {
        let count = |s: &str| report.count(s) as i64;
        let valid = count("ok");
        Self {
            id: None,
            status: "dry_run".into(),
            dry_run: true,
            encoding: encoding.to_owned(),
            total_rows: report.rows.len() as i64,
            valid_rows: valid,
            invalid_rows: count("invalid"),
            duplicate_rows: count("duplicate"),
            processed_rows: 0,
            created: 0,
            skipped: report.rows.len() as i64 - valid,
            failed: 0,
            columns: report.columns,
            ignored_columns: report.ignored_columns,
            rows: report.rows,
            created_by: None,
            created_at: None,
            started_at: None,
            finished_at: None,
        }
    }
}

impl From<CustomerImport> for CustomerImportDto {
    fn from(i: CustomerImport) -> Self {
        let report: ImportReport = serde_json::from_str(&i.report).unwrap_or_default();
        let count = |s: &str| report.count(s) as i64;
        Self {
            invalid_rows: count("invalid"),
            duplicate_rows: count("duplicate"),
            id: Some(i.id),
            status: i.status,
            dry_run: false,
            encoding: i.encoding,
            total_rows: i.total_rows,
            valid_rows: i.valid_rows,
            processed_rows: i.processed_rows,
            created: i.created_count,
            skipped: i.skipped_count,
            failed: i.failed_count,
            columns: report.columns,
            ignored_columns: report.ignored_columns,
            rows: report.rows,
            created_by: Some(i.created_by),
            created_at: Some(i.created_at.and_utc()),
            started_at: i.started_at.map(|t| t.and_utc()),
            finished_at: i.finished_at.map(|t| t.and_utc()),
        }
    }
}
