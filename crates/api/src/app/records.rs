//! What every resource's use cases repeat: find a row of the caller's organisation, and the
//! versioned update (lock the row, find it, check `If-Match`, change it, save it, answer
//! stale when someone else saved first).

use autocrm_persistence::db::lock_row;
use autocrm_persistence::models::{TenantRecord, Versioned};

use super::{Ctx, ServiceError, ServiceResult};

/// The row with this id in the caller's organisation that `visible` admits; another
/// tenant's, or one outside the caller's scope, is `NotFound`.
pub fn find<R: TenantRecord>(
    ctx: &mut Ctx,
    id: &str,
    visible: impl Fn(&R) -> bool,
) -> ServiceResult<R> {
    R::find(ctx.conn, ctx.org_id(), id)?
        .filter(visible)
        .ok_or(ServiceError::NotFound)
}

/// Changes one row under its version. With `expected` (the caller's `If-Match`), a row
/// that has moved on answers `Stale` with its current version.
pub fn update<R: Versioned>(
    ctx: &mut Ctx,
    id: &str,
    expected: Option<i64>,
    visible: impl Fn(&R) -> bool,
    change: impl FnOnce(&mut Ctx, &mut R) -> ServiceResult<()>,
) -> ServiceResult<R> {
    lock_row(ctx.conn, R::TABLE, id)?;
    let mut row = find(ctx, id, visible)?;
    let version = row.version();
    if expected.is_some_and(|v| v != version) {
        return Err(ServiceError::Stale {
            current_version: version,
        });
    }
    change(ctx, &mut row)?;
    row.touch(ctx.now());
    if !row.save(ctx.conn, version)? {
        return Err(ServiceError::Stale {
            current_version: version + 1,
        });
    }
    Ok(row)
}
