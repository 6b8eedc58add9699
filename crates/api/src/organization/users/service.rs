//! Staff accounts: admins create them with a password and a role, change and deactivate
//! them. A deactivated user, or one whose role or store changed, is locked out at once.

use autocrm_domain::access::Role;
use autocrm_domain::contact::{Email, Phone};
use autocrm_persistence::models::{RefreshToken, Store, TenantRecord, User, UserFilter};

use crate::app::{Change, Ctx, ServiceError, ServiceResult, records};

pub struct NewUser {
    pub name: String,
    pub email: Email,
    pub phone: Option<Phone>,
    pub role: Role,
    pub store_id: Option<String>,
    /// Hashed before the unit of work: argon2 holds no write lock.
    pub password_hash: String,
}

/// A merge patch: `None` leaves a field, `Some(None)` clears it.
#[derive(Default)]
pub struct UserChanges {
    pub name: Option<String>,
    pub phone: Option<Option<Phone>>,
    pub role: Option<Role>,
    pub store_id: Option<Option<String>>,
    pub active: Option<bool>,
}

/// A store role needs an active store of the organisation.
fn check_store(ctx: &mut Ctx, role: Role, store_id: Option<&str>) -> ServiceResult<()> {
    match store_id {
        None if role.needs_store() => Err(ServiceError::invalid(
            "store_id",
            "required",
            format!("a {role} must belong to a store"),
        )),
        None => Ok(()),
        Some(id) => match Store::find(ctx.conn, ctx.org_id(), id)? {
            Some(store) if store.active => Ok(()),
            _ => Err(ServiceError::invalid(
                "store_id",
                "not_found",
                "no such active store",
            )),
        },
    }
}

/// Logins are global (the sign-in names no organisation); the 409 names the existing user
/// only when it is in the caller's own organisation.
fn login_taken(ctx: &mut Ctx, email: &str, phone: Option<&str>) -> ServiceResult<()> {
    for login in std::iter::once(email).chain(phone) {
        if let Some(existing) = User::find_by_login(ctx.conn, login)? {
            let existing_id = (existing.org_id == ctx.org_id()).then_some(existing.id);
            return Err(ServiceError::duplicate(
                "a user with this email or phone already exists",
                existing_id,
            ));
        }
    }
    Ok(())
}

pub fn create(ctx: &mut Ctx, new: NewUser) -> ServiceResult<User> {
    check_store(ctx, new.role, new.store_id.as_deref())?;
    let phone = new.phone.map(|p| p.as_str().to_owned());
    login_taken(ctx, new.email.as_str(), phone.as_deref())?;
    let user = User::new(
        ctx.org_id(),
        new.store_id,
        new.name,
        new.email.as_str().to_owned(),
        phone,
        new.role.as_str(),
        new.password_hash,
        ctx.now(),
    );
    user.insert(ctx.conn)?;
    ctx.record(
        Change::new("user.created", "user", &user.id)
            .detail(serde_json::json!({"role": user.role})),
    )?;
    Ok(user)
}

pub fn find(ctx: &mut Ctx, id: &str) -> ServiceResult<User> {
    records::find(ctx, id, |_: &User| true)
}

pub fn list(ctx: &mut Ctx, filter: UserFilter) -> ServiceResult<Vec<User>> {
    Ok(User::list(ctx.conn, ctx.org_id(), &filter)?)
}

pub fn update(
    ctx: &mut Ctx,
    id: &str,
    expected: Option<i64>,
    changes: UserChanges,
) -> ServiceResult<User> {
    let me = ctx.principal()?.id.clone();
    // Only a new role or store is checked against the store: a user whose store has closed
    // can still be renamed or deactivated.
    let reassigned = changes.role.is_some() || changes.store_id.is_some();
    let user = records::update(
        ctx,
        id,
        expected,
        |_: &User| true,
        |ctx, user| {
            if let Some(name) = changes.name {
                user.name = name;
            }
            if let Some(phone) = changes.phone {
                let phone = phone.map(|p| p.as_str().to_owned());
                if let Some(p) = &phone
                    && User::find_by_login(ctx.conn, p)?.is_some_and(|u| u.id != user.id)
                {
                    return Err(ServiceError::duplicate(
                        "a user with this email or phone already exists",
                        None,
                    ));
                }
                user.phone = phone;
            }
            let role = match changes.role {
                Some(role) => role,
                None => user
                    .role
                    .parse()
                    .map_err(|_| ServiceError::internal("a stored role is unknown"))?,
            };
            user.role = role.as_str().to_owned();
            if let Some(store_id) = changes.store_id {
                user.store_id = store_id;
            }
            if reassigned {
                check_store(ctx, role, user.store_id.as_deref())?;
            }
            if user.id == me && (changes.active == Some(false) || role != Role::Admin) {
                return Err(ServiceError::Conflict(
                    "you cannot deactivate yourself or give up your own admin role".into(),
                ));
            }
            if let Some(active) = changes.active {
                user.active = active;
            }
            Ok(())
        },
    )?;
    if !user.active {
        RefreshToken::revoke_user(ctx.conn, &user.id, ctx.now())?;
    }
    ctx.forget_recipient(&user.id);
    ctx.record(
        Change::new("user.updated", "user", &user.id)
            .detail(serde_json::json!({"role": user.role, "active": user.active})),
    )?;
    Ok(user)
}
