//! What `/api/v1/attachments` reads and answers.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::{IntoParams, ToSchema};

use super::owners::OwnerType;
use super::service::AttachmentInfo;
use crate::http::pagination::Cursor;
use crate::validate::schema::{UuidText, schema_marker, string_enum};

string_enum!(OwnerTypeSchema = OwnerType::NAMES);

/// A file name as sent: 1 to 255 characters, no control characters and no path.
pub enum FileNameText {}
schema_marker!(
    FileNameText,
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(255))
        .pattern(Some(r"^[^\x00-\x1f\x7f/\\]+$"))
        .build()
        .into()
);

/// Raw bytes of a file.
pub enum Binary {}
schema_marker!(
    Binary,
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
        .build()
        .into()
);

/// A `multipart/form-data` upload: exactly one part, named `file`.
pub enum UploadForm {}
schema_marker!(
    UploadForm,
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .property(
            "file",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
                .description(Some(
                    "The file; its part's `filename` names it unless the query does",
                )),
        )
        .required("file")
        .build()
        .into()
);

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// The kind of record the file belongs to.
    #[param(value_type = OwnerTypeSchema, inline)]
    pub owner_type: String,
    /// The record's id.
    #[param(value_type = UuidText, inline)]
    pub owner_id: String,
    /// The name to download the file under (Chinese is fine; percent-encode it in the URL).
    /// Default: a multipart part's `filename`, else `attachment.<ext>`. Its extension, if any,
    /// must fit the content.
    #[param(value_type = Option<FileNameText>, inline)]
    pub filename: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AttachmentListQuery {
    #[param(value_type = OwnerTypeSchema, inline)]
    pub owner_type: String,
    #[param(value_type = UuidText, inline)]
    pub owner_id: String,
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    #[param(value_type = Option<Cursor>, inline)]
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a60", "owner_type": "customer",
    "owner_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a10", "filename": "张伟-身份证正面.jpg",
    "content_type": "image/jpeg", "size_bytes": 482133,
    "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "created_by": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a11", "created_at": "2026-12-03T02:10:00Z",
    "content_url": "/api/v1/attachments/0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a60/content"
}))]
pub struct AttachmentDto {
    pub id: String,
    #[schema(value_type = OwnerTypeSchema, inline)]
    pub owner_type: String,
    pub owner_id: String,
    /// As sent (stored encrypted: it may be personal).
    pub filename: Option<String>,
    /// Read from the content, not from what the sender claimed.
    pub content_type: String,
    pub size_bytes: i64,
    /// Hex SHA-256 of the content, to check a download against.
    pub sha256: Option<String>,
    /// The user (or API client) who uploaded it.
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// Where to download it.
    pub content_url: String,
}

impl From<AttachmentInfo> for AttachmentDto {
    fn from(info: AttachmentInfo) -> Self {
        let a = info.attachment;
        Self {
            content_url: format!("/api/v1/attachments/{}/content", a.id),
            id: a.id,
            owner_type: a.owner_type,
            owner_id: a.owner_id,
            filename: info.filename,
            content_type: a.content_type,
            size_bytes: a.size_bytes,
            sha256: a.sha256,
            created_by: a.created_by,
            created_at: a.stored_at.unwrap_or(a.created_at).and_utc(),
        }
    }
}
