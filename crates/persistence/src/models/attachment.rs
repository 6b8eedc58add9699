use diesel::prelude::*;

use crate::DbConn;
use crate::schema::attachments;

autocrm_domain::text_enum! {
    /// Where an attachment is in its life.
    pub enum AttachmentStatus {
        /// Its content is being received: not listed, not readable; swept after a day (the
        /// upload died with its process).
        Pending = "pending",
        Stored = "stored",
        /// Deleted by someone, or swept because its owner is gone: the row stays for the
        /// record (who, when, which hash), the content and the file name are erased.
        Deleted = "deleted",
    }
}

/// A file that belongs to a record. Its content lives in the file store, encrypted.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, QueryableByName)]
#[diesel(table_name = attachments, treat_none_as_default_value = false)]
pub struct Attachment {
    pub id: String,
    pub org_id: String,
    pub owner_type: String,
    pub owner_id: String,
    pub status: String,
    /// Sniffed from the content.
    pub content_type: String,
    pub size_bytes: i64,
    /// Hex SHA-256 of the plaintext.
    pub sha256: Option<String>,
    /// PII cipher of the file name as sent.
    pub filename_ciphertext: Option<String>,
    /// Which file store holds the content (`local`, `s3`).
    pub storage: String,
    pub storage_key: String,
    /// The content key's id.
    pub key_id: String,
    pub created_by: String,
    pub created_at: chrono::NaiveDateTime,
    pub stored_at: Option<chrono::NaiveDateTime>,
    pub deleted_at: Option<chrono::NaiveDateTime>,
    pub deleted_by: Option<String>,
    pub purged_at: Option<chrono::NaiveDateTime>,
}

super::record::tenant_record!(Attachment, attachments);

impl Attachment {
    pub fn is_stored(&self) -> bool {
        self.status == AttachmentStatus::Stored.as_str()
    }

    /// The stored attachments of one record, oldest first, after `after_id`.
    pub fn list_for_owner(
        conn: &mut DbConn,
        org_id: &str,
        owner_type: &str,
        owner_id: &str,
        after_id: Option<&str>,
        limit: i64,
    ) -> QueryResult<Vec<Self>> {
        let mut query = attachments::table
            .filter(attachments::org_id.eq(org_id))
            .filter(attachments::owner_type.eq(owner_type))
            .filter(attachments::owner_id.eq(owner_id))
            .filter(attachments::status.eq(AttachmentStatus::Stored.as_str()))
            .select(Self::as_select())
            .into_boxed();
        if let Some(after) = after_id {
            query = query.filter(attachments::id.gt(after.to_owned()));
        }
        query.order(attachments::id.asc()).limit(limit).load(conn)
    }

    /// Pending → stored, with what the content turned out to be; false if it was no longer
    /// pending (swept meanwhile).
    pub fn mark_stored(
        conn: &mut DbConn,
        org_id: &str,
        id: &str,
        sha256: &str,
        size_bytes: i64,
        at: chrono::NaiveDateTime,
    ) -> QueryResult<bool> {
        diesel::update(
            attachments::table
                .filter(attachments::org_id.eq(org_id))
                .filter(attachments::id.eq(id))
                .filter(attachments::status.eq(AttachmentStatus::Pending.as_str())),
        )
        .set((
            attachments::status.eq(AttachmentStatus::Stored.as_str()),
            attachments::sha256.eq(sha256),
            attachments::size_bytes.eq(size_bytes),
            attachments::stored_at.eq(at),
        ))
        .execute(conn)
        .map(|n| n == 1)
    }

    /// Stored → deleted: the row stays, the file name is erased; the content is removed
    /// from the store next (`mark_purged`). False if it was not stored.
    pub fn mark_deleted(
        conn: &mut DbConn,
        org_id: &str,
        id: &str,
        by: &str,
        at: chrono::NaiveDateTime,
    ) -> QueryResult<bool> {
        diesel::update(
            attachments::table
                .filter(attachments::org_id.eq(org_id))
                .filter(attachments::id.eq(id))
                .filter(attachments::status.eq(AttachmentStatus::Stored.as_str())),
        )
        .set((
            attachments::status.eq(AttachmentStatus::Deleted.as_str()),
            attachments::deleted_at.eq(at),
            attachments::deleted_by.eq(by),
            attachments::filename_ciphertext.eq(None::<String>),
        ))
        .execute(conn)
        .map(|n| n == 1)
    }

    /// The content is gone from the store.
    pub fn mark_purged(conn: &mut DbConn, id: &str, at: chrono::NaiveDateTime) -> QueryResult<()> {
        diesel::update(attachments::table.filter(attachments::id.eq(id)))
            .set(attachments::purged_at.eq(at))
            .execute(conn)
            .map(drop)
    }

    /// Forgets a pending attachment whose upload failed or died (never shown to anyone).
    pub fn delete_pending(conn: &mut DbConn, id: &str) -> QueryResult<bool> {
        diesel::delete(
            attachments::table
                .filter(attachments::id.eq(id))
                .filter(attachments::status.eq(AttachmentStatus::Pending.as_str())),
        )
        .execute(conn)
        .map(|n| n == 1)
    }

    /// Uploads that never finished: pending since before `before`.
    pub fn stale_pending(
        conn: &mut DbConn,
        before: chrono::NaiveDateTime,
        limit: i64,
    ) -> QueryResult<Vec<Self>> {
        attachments::table
            .filter(attachments::status.eq(AttachmentStatus::Pending.as_str()))
            .filter(attachments::created_at.lt(before))
            .order(attachments::id.asc())
            .limit(limit)
            .select(Self::as_select())
            .load(conn)
    }

    /// Deleted attachments whose content is still in the store.
    pub fn unpurged(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<Self>> {
        attachments::table
            .filter(attachments::status.eq(AttachmentStatus::Deleted.as_str()))
            .filter(attachments::purged_at.is_null())
            .order(attachments::id.asc())
            .limit(limit)
            .select(Self::as_select())
            .load(conn)
    }

    /// Stored attachments of `owner_type`, created before `before`, whose owner row is no
    /// longer in `owner_table` (of the same organisation).
    ///
    /// `owner_table` is a table name from the code, never from input.
    pub fn with_owner_gone(
        conn: &mut DbConn,
        owner_type: &str,
        owner_table: &'static str,
        before: chrono::NaiveDateTime,
        limit: i64,
    ) -> QueryResult<Vec<Self>> {
        use diesel::sql_types::{BigInt, Text, Timestamp};
        let sql = |p: [&str; 4]| {
            format!(
                "SELECT a.* FROM attachments a \
                 WHERE a.status = {} AND a.owner_type = {} AND a.created_at < {} \
                 AND NOT EXISTS (SELECT 1 FROM {owner_table} o \
                                 WHERE o.id = a.owner_id AND o.org_id = a.org_id) \
                 ORDER BY a.id LIMIT {}",
                p[0], p[1], p[2], p[3]
            )
        };
        let stored = AttachmentStatus::Stored.as_str();
        match conn {
            DbConn::Postgres(c) => diesel::sql_query(sql(["$1", "$2", "$3", "$4"]))
                .bind::<Text, _>(stored)
                .bind::<Text, _>(owner_type)
                .bind::<Timestamp, _>(before)
                .bind::<BigInt, _>(limit)
                .load(c),
            DbConn::Sqlite(c) => diesel::sql_query(sql(["?", "?", "?", "?"]))
                .bind::<Text, _>(stored)
                .bind::<Text, _>(owner_type)
                .bind::<Timestamp, _>(before)
                .bind::<BigInt, _>(limit)
                .load(c),
        }
    }
}
