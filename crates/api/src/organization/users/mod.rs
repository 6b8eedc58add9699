//! `/api/v1/users`: staff accounts of the organisation.

pub mod service;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use autocrm_domain::access::Role;
use autocrm_domain::contact::{Email, Phone};
use autocrm_persistence::models::{User, UserFilter};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use self::service::{NewUser, UserChanges};
use crate::auth::password::{self, NewPassword};
use crate::error::{ApiError, Problem};
use crate::http::pagination::{Cursor, IdWindow, Page};
use crate::http::versioning::versioned;
use crate::http::{Authorized, IfMatch, Json, PathId, perm};
use crate::validate::patch_field;
use crate::validate::rules::{self, Required};
use crate::validate::schema::{self, Id, QueryText, Text, string_enum};

string_enum!(RoleSchema = HUMAN_ROLE_NAMES);

/// The roles a person can hold, by wire name.
const HUMAN_ROLE_NAMES: [&str; 7] = {
    let mut names = [""; 7];
    let mut i = 0;
    while i < 7 {
        names[i] = Role::HUMAN[i].as_str();
        i += 1;
    }
    names
};

/// One of the roles a person can hold (`integration` is for API clients only).
fn human_role(value: &str) -> Result<(), validator::ValidationError> {
    rules::one_of_names(value, &HUMAN_ROLE_NAMES)
}

fn present_human_role(value: &Required<String>) -> Result<(), validator::ValidationError> {
    rules::present(value)?;
    match value {
        Some(Some(role)) => human_role(role),
        _ => Ok(()),
    }
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a11", "name": "李娜", "email": "li.na@example.com",
    "phone": "+8613912345678", "role": "sales_consultant",
    "store_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12", "active": true, "version": 2,
    "created_at": "2026-11-01T02:00:00Z", "updated_at": "2026-11-15T08:00:00Z"
}))]
pub struct UserDto {
    pub id: String,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    #[schema(value_type = RoleSchema, inline)]
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

#[derive(Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "王芳", "email": "wang.fang@example.com", "role": "finance", "password": "s3cret-pass1"
}))]
pub struct CreateUser {
    #[validate(length(max = 100), custom(function = "rules::text"))]
    #[schema(value_type = Text<100>, inline)]
    pub name: String,
    #[validate(length(max = 254), custom(function = "rules::required_email"))]
    #[schema(value_type = schema::Email, inline)]
    pub email: String,
    #[validate(custom(function = "rules::phone"))]
    #[schema(value_type = Option<schema::Phone>, inline)]
    pub phone: Option<String>,
    /// admin, general_manager, sales_manager, sales_consultant, service_advisor, marketing or finance.
    #[validate(custom(function = "human_role"))]
    #[schema(value_type = RoleSchema, inline)]
    pub role: String,
    /// Required for store roles (sales_manager, sales_consultant, service_advisor).
    #[validate(custom(function = "rules::id"))]
    #[schema(value_type = Option<Id>, inline)]
    pub store_id: Option<String>,
    /// 8 to 128 characters, with letters and digits.
    #[validate(custom(function = "password::check_strength"))]
    #[schema(value_type = NewPassword, inline)]
    pub password: String,
}

/// JSON merge patch: absent leaves a field, `null` clears it (`name`, `role` and `active`
/// cannot be cleared).
#[derive(Deserialize, ToSchema, Validate, Default)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"role": "sales_manager"}))]
pub struct PatchUser {
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(length(max = 100), custom(function = "rules::present_text"))]
    #[schema(value_type = Text<100>, inline, required = false)]
    pub name: Required<String>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(custom(function = "rules::phone"))]
    #[schema(value_type = Option<schema::Phone>, inline)]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(custom(function = "present_human_role"))]
    #[schema(value_type = RoleSchema, inline, required = false)]
    pub role: Required<String>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(custom(function = "rules::id"))]
    #[schema(value_type = Option<Id>, inline)]
    pub store_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[validate(custom(function = "rules::present"))]
    #[schema(value_type = bool, required = false)]
    pub active: Required<bool>,
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

fn phone(value: Option<&str>) -> Option<Phone> {
    rules::trimmed(value).and_then(|p| Phone::parse(&p).ok())
}

impl CreateUser {
    /// The command and the password to hash, from a body its rules accepted.
    fn into_command(self) -> Result<(NewUser, String), ApiError> {
        let email = Email::parse(self.email.trim())
            .map_err(|e| ApiError::invalid("email", "invalid_format", e.to_string()))?;
        let role = self
            .role
            .parse()
            .map_err(|_| ApiError::invalid("role", "not_allowed", "unknown role"))?;
        let user = NewUser {
            name: self.name.trim().to_owned(),
            email,
            phone: phone(self.phone.as_deref()),
            role,
            store_id: self.store_id.as_deref().and_then(rules::normalised_id),
            password_hash: String::new(),
        };
        Ok((user, self.password))
    }
}

impl PatchUser {
    fn into_changes(self) -> UserChanges {
        UserChanges {
            name: self.name.flatten().map(|n| n.trim().to_owned()),
            phone: self.phone.map(|p| phone(p.as_deref())),
            role: self.role.flatten().and_then(|r| r.parse().ok()),
            store_id: self
                .store_id
                .map(|s| s.as_deref().and_then(rules::normalised_id)),
            active: self.active.flatten(),
        }
    }
}

fn user_response(status: StatusCode, user: User) -> HttpResponse {
    versioned(status, user.version, UserDto::from(user))
}

/// Create a user with a password and a role.
///
/// Store roles (sales manager, consultant, service advisor) need an active store. Email and
/// phone are sign-in names, unique across all organisations.
#[utoipa::path(
    post, path = "/api/v1/users", tag = "users",
    request_body = CreateUser,
    responses(
        (status = 201, description = "Created", body = UserDto),
        (status = 409, description = "Email or phone already registered", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_user(
    caller: Authorized<perm::ManageOrganization>,
    body: Json<CreateUser>,
) -> Result<HttpResponse, ApiError> {
    let (mut new, password) = body.into_inner().into_command()?;
    let state = caller.state();
    new.password_hash = caller
        .blocking(move || state.passwords.hash(&password))
        .await?;
    let user = caller.write(move |ctx| service::create(ctx, new)).await?;
    Ok(user_response(StatusCode::CREATED, user))
}

/// List users, oldest first.
#[utoipa::path(
    get, path = "/api/v1/users", tag = "users",
    params(UserListQuery),
    responses((status = 200, description = "A page of users", body = Page<UserDto>))
)]
pub async fn list_users(
    caller: Authorized<perm::ManageOrganization>,
    query: web::Query<UserListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let window = IdWindow::parse(q.limit, q.cursor.as_deref())?;
    let filter = UserFilter {
        role: crate::validate::query_text("role", q.role)?,
        store_id: crate::validate::query_text("store_id", q.store_id)?,
        active: q.active,
        after_id: window.after_id.clone(),
        limit: window.rows(),
    };
    let rows = caller.read(move |ctx| service::list(ctx, filter)).await?;
    Ok(HttpResponse::Ok().json(window.page(rows, |u| &u.id, UserDto::from)))
}

/// Get one user.
#[utoipa::path(
    get, path = "/api/v1/users/{id}", tag = "users",
    params(("id" = String, Path, description = "User id")),
    responses((status = 200, description = "The user", body = UserDto))
)]
pub async fn get_user(
    caller: Authorized<perm::ManageOrganization>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let user = caller.read(move |ctx| service::find(ctx, &id.0)).await?;
    Ok(user_response(StatusCode::OK, user))
}

/// Change a user's name, phone, role, store or active flag.
///
/// A changed role or store takes effect at once: the user's current access token stops
/// working and the next refresh carries the new rights.
#[utoipa::path(
    patch, path = "/api/v1/users/{id}", tag = "users",
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
    caller: Authorized<perm::ManageOrganization>,
    id: PathId,
    if_match: IfMatch,
    body: Json<PatchUser>,
) -> Result<HttpResponse, ApiError> {
    let changes = body.into_inner().into_changes();
    let user = caller
        .write(move |ctx| service::update(ctx, &id.0, if_match.0, changes))
        .await?;
    Ok(user_response(StatusCode::OK, user))
}

/// Deactivate a user: sign-in, refresh and existing access tokens stop working at once.
#[utoipa::path(
    post, path = "/api/v1/users/{id}/deactivate", tag = "users",
    params(("id" = String, Path, description = "User id")),
    responses(
        (status = 200, description = "Deactivated", body = UserDto),
        (status = 409, description = "Admins cannot deactivate themselves", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn deactivate_user(
    caller: Authorized<perm::ManageOrganization>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let changes = UserChanges {
        active: Some(false),
        ..UserChanges::default()
    };
    let user = caller
        .write(move |ctx| service::update(ctx, &id.0, None, changes))
        .await?;
    Ok(user_response(StatusCode::OK, user))
}

crate::endpoints![
    create_user,
    list_users,
    get_user,
    patch_user,
    deactivate_user
];
