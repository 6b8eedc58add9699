//! Users of an organisation: admins create them with a password and a role.

use actix_web::{HttpRequest, HttpResponse, web};
use autocrm_domain::access::Role;
use autocrm_persistence::DbConn;
use autocrm_persistence::db::{is_unique_violation, lock_row, now, write_tx};
use autocrm_persistence::models::{RefreshToken, Store, User, UserFilter};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::stores::keyset_by_id;
use crate::audit;
use crate::auth::handlers::NewPassword;
use crate::auth::permission::ManageOrganization;
use crate::auth::{Authorized, Principal, password};
use crate::error::{ApiError, Problem};
use crate::http::extract::Json;
use crate::http::pagination::{self, Cursor, Page};
use crate::http::versioning::{etag, if_match};
use crate::state::AppState;
use crate::validate::schema::{Email, Id, Phone, QueryText, Text, string_enum};
use crate::validate::{Checks, patch_field, path_id};

#[derive(Serialize, ToSchema)]
pub struct UserDto {
    pub id: String,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    #[schema(example = "sales_consultant")]
    pub role: String,
    pub store_id: Option<String>,
    pub active: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<User> for UserDto {
    fn from(u: User) -> Self {
        Self {
            id: u.id,
            name: u.name,
            email: u.email,
            phone: u.phone,
            role: u.role,
            store_id: u.store_id,
            active: u.active,
            version: u.version,
            created_at: u.created_at.and_utc(),
            updated_at: u.updated_at.and_utc(),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "王芳", "email": "wang.fang@example.com", "role": "finance", "password": "s3cret-pass1"
}))]
pub struct CreateUser {
    #[schema(value_type = Text<100>, inline)]
    pub name: String,
    #[schema(value_type = Email, inline)]
    pub email: String,
    #[schema(value_type = Option<Phone>, inline)]
    pub phone: Option<String>,
    /// admin, general_manager, sales_manager, sales_consultant, service_advisor, marketing or finance.
    #[schema(value_type = RoleSchema, inline)]
    pub role: String,
    /// Required for store roles (sales_manager, sales_consultant, service_advisor).
    #[schema(value_type = Option<Id>, inline)]
    pub store_id: Option<String>,
    /// 8 to 128 characters, with letters and digits.
    #[schema(value_type = NewPassword, inline)]
    pub password: String,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct PatchUser {
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = Text<100>, inline, required = false)]
    pub name: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = Option<Phone>, inline)]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = RoleSchema, inline, required = false)]
    pub role: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = Option<Id>, inline)]
    pub store_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = bool, required = false)]
    pub active: Option<Option<bool>>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UserListQuery {
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    #[param(value_type = Option<Cursor>, inline)]
    pub cursor: Option<String>,
    #[param(value_type = Option<QueryText>, inline)]
    pub role: Option<String>,
    #[param(value_type = Option<QueryText>, inline)]
    pub store_id: Option<String>,
    pub active: Option<bool>,
}

const HUMAN_ROLES: [&str; 7] = [
    "admin",
    "general_manager",
    "sales_manager",
    "sales_consultant",
    "service_advisor",
    "marketing",
    "finance",
];
string_enum!(RoleSchema = HUMAN_ROLES);

fn check_role(checks: &mut Checks, role: &str) -> Option<Role> {
    checks.one_of("role", role, &HUMAN_ROLES);
    role.parse::<Role>().ok().filter(|r| r.is_human())
}

/// A store role needs an active store of the organisation.
fn check_store(
    conn: &mut DbConn,
    org_id: &str,
    role: Role,
    store_id: Option<&str>,
) -> Result<(), ApiError> {
    match store_id {
        None if role.needs_store() => Err(ApiError::invalid(
            "store_id",
            "required",
            format!("a {role} must belong to a store"),
        )),
        None => Ok(()),
        Some(id) => match Store::find(conn, org_id, id)? {
            Some(store) if store.active => Ok(()),
            _ => Err(ApiError::invalid(
                "store_id",
                "not_found",
                "no such active store",
            )),
        },
    }
}

fn unique_conflict(
    conn: &mut DbConn,
    org_id: &str,
    email: &str,
    e: diesel::result::Error,
) -> ApiError {
    if !is_unique_violation(&e) {
        return e.into();
    }
    // Only name the existing user when it is in the caller's own organisation.
    let existing = User::find_by_login(conn, email)
        .ok()
        .flatten()
        .filter(|u| u.org_id == org_id)
        .map(|u| u.id);
    ApiError::conflict(
        "duplicate",
        "a user with this email or phone already exists",
        existing,
    )
}

/// Create a user with a password and a role.
#[utoipa::path(
    post, path = "/api/v1/users", tag = "users",
    security(("bearer" = [])),
    request_body = CreateUser,
    responses(
        (status = 201, description = "Created", body = UserDto),
        (status = 409, description = "Email or phone already registered", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_user(
    state: web::Data<AppState>,
    auth: Authorized<ManageOrganization>,
    body: Json<CreateUser>,
) -> Result<HttpResponse, ApiError> {
    let req = body.into_inner();
    let mut checks = Checks::new();
    let name = checks.text("name", &req.name, 100);
    let email = checks.email("email", Some(&req.email));
    if req.email.trim().is_empty() {
        checks.add("email", "required", "must not be empty");
    }
    let phone = checks.phone("phone", req.phone.as_deref());
    let role = check_role(&mut checks, &req.role);
    let store_id = checks.id("store_id", req.store_id.as_deref());
    if let Err(e) = password::check_strength("password", &req.password) {
        checks.push(e);
    }
    checks.finish()?;
    let (Some(email), Some(role)) = (email, role) else {
        return Err(ApiError::internal("validated user fields missing"));
    };
    let password_hash = password::hash(&req.password)?;
    let principal = auth.principal;
    let user = state
        .db(move |conn| {
            write_tx(conn, |conn| {
                check_store(conn, &principal.org_id, role, store_id.as_deref())?;
                let user = User::new(
                    &principal.org_id,
                    store_id,
                    name,
                    email.as_str().to_owned(),
                    phone.map(|p| p.as_str().to_owned()),
                    role.as_str(),
                    password_hash,
                    now(),
                );
                user.insert(conn)
                    .map_err(|e| unique_conflict(conn, &principal.org_id, &user.email, e))?;
                audit::record(
                    conn,
                    &principal,
                    "user.created",
                    "user",
                    Some(&user.id),
                    serde_json::json!({"role": user.role}),
                )?;
                Ok(user)
            })
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(etag(user.version))
        .json(UserDto::from(user)))
}

/// List users.
#[utoipa::path(
    get, path = "/api/v1/users", tag = "users",
    security(("bearer" = [])),
    params(UserListQuery),
    responses((status = 200, description = "A page of users", body = Page<UserDto>))
)]
pub async fn list_users(
    state: web::Data<AppState>,
    auth: Authorized<ManageOrganization>,
    query: web::Query<UserListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let limit = pagination::limit(q.limit)?;
    let after = pagination::decode_cursor("id", q.cursor.as_deref())?;
    let filter = UserFilter {
        role: crate::validate::query_text("role", q.role)?,
        store_id: crate::validate::query_text("store_id", q.store_id)?,
        active: q.active,
        after_id: after.map(|a| a.id),
        limit: limit + 1,
    };
    let org = auth.org_id.clone();
    let rows = state
        .db(move |conn| Ok(User::list(conn, &org, &filter)?))
        .await?;
    Ok(HttpResponse::Ok().json(pagination::page(
        rows,
        limit,
        |u| pagination::encode_cursor("id", &keyset_by_id(&u.id)),
        UserDto::from,
    )))
}

/// Get one user.
#[utoipa::path(
    get, path = "/api/v1/users/{id}", tag = "users",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "User id")),
    responses((status = 200, description = "The user", body = UserDto))
)]
pub async fn get_user(
    state: web::Data<AppState>,
    auth: Authorized<ManageOrganization>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path)?;
    let org = auth.org_id.clone();
    let user = state
        .db(move |conn| User::find(conn, &org, &id)?.ok_or(ApiError::NotFound))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(user.version))
        .json(UserDto::from(user)))
}

/// Change a user's name, phone, role, store or active flag.
#[utoipa::path(
    patch, path = "/api/v1/users/{id}", tag = "users",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "User id"),
           ("If-Match" = Option<String>, Header, description = "Expected version, e.g. \"3\"")),
    request_body = PatchUser,
    responses(
        (status = 200, description = "Updated", body = UserDto),
        (status = 409, description = "Phone already registered, or the change would lock out the last admin", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The user changed since that version", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn patch_user(
    state: web::Data<AppState>,
    auth: Authorized<ManageOrganization>,
    req: HttpRequest,
    path: web::Path<String>,
    body: Json<PatchUser>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path)?;
    let expected = if_match(&req)?;
    let patch = body.into_inner();
    let principal = auth.principal;
    let user = state
        .db(move |conn| update_user(conn, &principal, &id, expected, patch))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(user.version))
        .json(UserDto::from(user)))
}

/// Deactivate a user: sign-in, refresh and existing access tokens stop working at once.
#[utoipa::path(
    post, path = "/api/v1/users/{id}/deactivate", tag = "users",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "User id")),
    responses(
        (status = 200, description = "Deactivated", body = UserDto),
        (status = 409, description = "Admins cannot deactivate themselves", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn deactivate_user(
    state: web::Data<AppState>,
    auth: Authorized<ManageOrganization>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path)?;
    let principal = auth.principal;
    let patch = PatchUser {
        active: Some(Some(false)),
        ..PatchUser::default()
    };
    let user = state
        .db(move |conn| update_user(conn, &principal, &id, None, patch))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(user.version))
        .json(UserDto::from(user)))
}

fn update_user(
    conn: &mut DbConn,
    principal: &Principal,
    id: &str,
    expected: Option<i64>,
    patch: PatchUser,
) -> Result<User, ApiError> {
    write_tx(conn, |conn| {
        lock_row(conn, "users", id)?;
        let mut user = User::find(conn, &principal.org_id, id)?.ok_or(ApiError::NotFound)?;
        let version = user.version;
        if expected.is_some_and(|v| v != version) {
            return Err(ApiError::PreconditionFailed {
                current_version: version,
            });
        }
        // Only a new role or store is checked against the store: a user whose store has
        // closed can still be renamed or deactivated.
        let reassigned = patch.role.is_some() || patch.store_id.is_some();
        let mut checks = Checks::new();
        if let Some(name) = checks.not_null("name", patch.name) {
            user.name = checks.text("name", &name, 100);
        }
        let active = checks.not_null("active", patch.active);
        if let Some(phone) = patch.phone {
            user.phone = checks
                .phone("phone", phone.as_deref())
                .map(|p| p.as_str().to_owned());
        }
        let mut role: Role = user
            .role
            .parse()
            .map_err(|_| ApiError::internal("stored role"))?;
        if let Some(new_role) = checks.not_null("role", patch.role)
            && let Some(r) = check_role(&mut checks, &new_role)
        {
            role = r;
            user.role = r.as_str().to_owned();
        }
        if let Some(store_id) = patch.store_id {
            user.store_id = store_id.and_then(|s| checks.id("store_id", Some(&s)));
        }
        checks.finish()?;
        if reassigned {
            check_store(conn, &principal.org_id, role, user.store_id.as_deref())?;
        }
        if user.id == principal.id && (active == Some(false) || role != Role::Admin) {
            return Err(ApiError::conflict(
                "conflict",
                "you cannot deactivate yourself or give up your own admin role",
                None,
            ));
        }
        if let Some(active) = active {
            user.active = active;
        }
        user.updated_at = now();
        let email = user.email.clone();
        if !user
            .save(conn, version)
            .map_err(|e| unique_conflict(conn, &principal.org_id, &email, e))?
        {
            return Err(ApiError::PreconditionFailed {
                current_version: version + 1,
            });
        }
        if !user.active {
            RefreshToken::revoke_user(conn, &user.id, now())?;
        }
        audit::record(
            conn,
            principal,
            "user.updated",
            "user",
            Some(&user.id),
            serde_json::json!({"role": user.role, "active": user.active}),
        )?;
        Ok(user)
    })
}
