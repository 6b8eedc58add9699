//! Attachment use cases: the rows and their audit lines, in the caller's unit of work. The
//! content itself streams outside any transaction (`upload`); a row is `pending` while it
//! does, so nothing half-received is ever listed or served, and the sweeper finds what an
//! upload that died left behind.

use autocrm_domain::attachment::{FileKind, FileName};
use autocrm_persistence::db::new_id;
use autocrm_persistence::models::{Attachment, AttachmentStatus, TenantRecord};

use super::owners::{Access, OwnerType};
use crate::app::{Actor, Change, Ctx, ServiceError, ServiceResult, records};

/// An attachment with its file name in clear, for a caller allowed to see it.
#[derive(Debug, Clone)]
pub struct AttachmentInfo {
    pub attachment: Attachment,
    pub filename: Option<String>,
}

/// An upload about to stream: its owner and what its first bytes showed.
pub struct NewUpload {
    pub owner: OwnerType,
    pub owner_id: String,
    pub kind: FileKind,
    pub name: FileName,
    /// The store the content goes to.
    pub storage: &'static str,
    pub key_id: String,
}

/// The caller may `access` this owner's attachments: the owner's own permission (403 without
/// it), and the owner in the caller's organisation and data scope (404 otherwise).
pub fn check_owner(
    ctx: &mut Ctx,
    owner: OwnerType,
    owner_id: &str,
    access: Access,
) -> ServiceResult<()> {
    if let Actor::Principal(p) = ctx.actor()
        && !owner.permission(access).allows(p)
    {
        return Err(ServiceError::Forbidden);
    }
    owner.find_visible(ctx, owner_id)
}

fn owner_of(row: &Attachment) -> ServiceResult<OwnerType> {
    row.owner_type
        .parse()
        .map_err(|_| ServiceError::internal("an attachment has an unknown owner type"))
}

fn info(ctx: &Ctx, attachment: Attachment) -> ServiceResult<AttachmentInfo> {
    let filename = attachment
        .filename_ciphertext
        .as_deref()
        .map(|c| ctx.pii().decrypt(c))
        .transpose()?;
    Ok(AttachmentInfo {
        attachment,
        filename,
    })
}

/// The audit detail of an attachment: what it is and whose, never its (personal) name.
fn detail(row: &Attachment) -> serde_json::Value {
    serde_json::json!({
        "owner_type": row.owner_type,
        "owner_id": row.owner_id,
        "content_type": row.content_type,
        "size_bytes": row.size_bytes,
        "sha256": row.sha256,
    })
}

/// Opens a pending attachment for an upload, once the caller may write to its owner.
pub fn begin(ctx: &mut Ctx, new: NewUpload) -> ServiceResult<Attachment> {
    check_owner(ctx, new.owner, &new.owner_id, Access::Write)?;
    let id = new_id();
    let row = Attachment {
        storage_key: format!("{}/{id}", ctx.org_id()),
        id,
        org_id: ctx.org_id().to_owned(),
        owner_type: new.owner.as_str().to_owned(),
        owner_id: new.owner_id,
        status: AttachmentStatus::Pending.as_str().to_owned(),
        content_type: new.kind.mime().to_owned(),
        size_bytes: 0,
        sha256: None,
        filename_ciphertext: Some(ctx.pii().encrypt(new.name.as_str())?),
        storage: new.storage.to_owned(),
        key_id: new.key_id,
        created_by: ctx.actor_id(),
        created_at: ctx.now(),
        stored_at: None,
        deleted_at: None,
        deleted_by: None,
        purged_at: None,
    };
    row.insert(ctx.conn)?;
    Ok(row)
}

/// The content is in the store: the attachment is stored and listed from now on. The owner
/// is checked again (it may have gone, or the caller lost it, while the bytes came in).
/// Audited as `attachment.created`.
pub fn complete(
    ctx: &mut Ctx,
    id: &str,
    sha256: &str,
    size_bytes: i64,
) -> ServiceResult<AttachmentInfo> {
    let row = Attachment::find(ctx.conn, ctx.org_id(), id)?.ok_or(ServiceError::NotFound)?;
    check_owner(ctx, owner_of(&row)?, &row.owner_id, Access::Write)?;
    let at = ctx.now();
    if !Attachment::mark_stored(ctx.conn, ctx.org_id(), id, sha256, size_bytes, at)? {
        return Err(ServiceError::Conflict(
            "the upload took too long and was discarded; send it again".into(),
        ));
    }
    let row = Attachment::find(ctx.conn, ctx.org_id(), id)?.ok_or(ServiceError::NotFound)?;
    ctx.record(Change::new("attachment.created", "attachment", id).detail(detail(&row)))?;
    info(ctx, row)
}

/// A stored attachment whose owner the caller may `access`; `NotFound` for anything else.
fn find_stored(ctx: &mut Ctx, id: &str, access: Access) -> ServiceResult<Attachment> {
    let row = records::find(ctx, id, Attachment::is_stored)?;
    check_owner(ctx, owner_of(&row)?, &row.owner_id, access)?;
    Ok(row)
}

/// One attachment's metadata.
pub fn find(ctx: &mut Ctx, id: &str) -> ServiceResult<AttachmentInfo> {
    let row = find_stored(ctx, id, Access::Read)?;
    info(ctx, row)
}

/// An attachment about to be downloaded: its content is personal data (ID scans, call
/// recordings), so the download is audited (`attachment.downloaded`), like a reveal.
pub fn open(ctx: &mut Ctx, id: &str) -> ServiceResult<AttachmentInfo> {
    let row = find_stored(ctx, id, Access::Read)?;
    ctx.record(
        Change::new("attachment.downloaded", "attachment", &row.id).detail(serde_json::json!({
            "owner_type": row.owner_type,
            "owner_id": row.owner_id,
        })),
    )?;
    info(ctx, row)
}

/// A page of one owner's attachments (and one more row, if there is one), oldest first.
pub fn list(
    ctx: &mut Ctx,
    owner: OwnerType,
    owner_id: &str,
    after_id: Option<&str>,
    limit: i64,
) -> ServiceResult<Vec<AttachmentInfo>> {
    check_owner(ctx, owner, owner_id, Access::Read)?;
    let rows = Attachment::list_for_owner(
        ctx.conn,
        ctx.org_id(),
        owner.as_str(),
        owner_id,
        after_id,
        limit,
    )?;
    rows.into_iter().map(|row| info(ctx, row)).collect()
}

/// Deletes an attachment: the row stays as the record of what was there (owner, type, size,
/// hash, who deleted it and when), its file name is erased at once and its content right
/// after the commit. Audited as `attachment.deleted`.
pub fn delete(ctx: &mut Ctx, id: &str) -> ServiceResult<Attachment> {
    let row = find_stored(ctx, id, Access::Write)?;
    let by = ctx.actor_id();
    let at = ctx.now();
    if !Attachment::mark_deleted(ctx.conn, ctx.org_id(), id, &by, at)? {
        return Err(ServiceError::NotFound);
    }
    ctx.record(Change::new("attachment.deleted", "attachment", id).detail(detail(&row)))?;
    Ok(row)
}

/// The sweeper's part, as the system in the attachment's organisation: an attachment whose
/// owner is gone is deleted like any other, with its audit line.
pub fn delete_orphan(ctx: &mut Ctx, row: &Attachment) -> ServiceResult<bool> {
    delete_owned(ctx, row, "owner_gone")
}

/// Deletes an attachment for a reason of its owner's (`owner_gone`, `customer_erased`),
/// found by the caller: as [`delete`], audited with the reason; the caller purges the
/// content after the commit. False when it was no longer stored.
pub fn delete_owned(ctx: &mut Ctx, row: &Attachment, reason: &str) -> ServiceResult<bool> {
    let by = ctx.actor_id();
    if !Attachment::mark_deleted(ctx.conn, &row.org_id, &row.id, &by, ctx.now())? {
        return Ok(false);
    }
    ctx.record(
        Change::new("attachment.deleted", "attachment", &row.id)
            .detail(serde_json::json!({"reason": reason, "owner_type": row.owner_type, "owner_id": row.owner_id})),
    )?;
    Ok(true)
}
