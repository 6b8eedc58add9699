//! What every resource's use cases repeat: find a row of the caller's organisation, and the
//! versioned update (find the row and lock it, check `If-Match`, change it, save it, answer
//! stale when someone else saved first).

use autocrm_persistence::models::{CheckedFind, TenantRecord, Versioned};

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

/// As [`find`], for the hot reads: when the caller has not been checked against the
/// database yet in this unit of work, the same statement answers that too (one round trip
/// instead of two).
pub fn find_checked<R: CheckedFind>(
    ctx: &mut Ctx,
    id: &str,
    visible: impl Fn(&R) -> bool,
) -> ServiceResult<R> {
    let Some(subject) = ctx.unchecked_subject() else {
        return find(ctx, id, visible);
    };
    match R::find_checked(ctx.conn, ctx.org_id(), id, subject)? {
        Some((row, true)) => {
            ctx.principal_checked();
            Some(row).filter(visible).ok_or(ServiceError::NotFound)
        }
        // The caller no longer stands: the full check says why (or, if the account was
        // restored in between, lets the plain read go on).
        Some((_, false)) => {
            ctx.verify_principal()?;
            find(ctx, id, visible)
        }
        None => Err(ServiceError::NotFound),
    }
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
    let mut row = R::find_for_update(ctx.conn, ctx.org_id(), id)?
        .filter(visible)
        .ok_or(ServiceError::NotFound)?;
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
