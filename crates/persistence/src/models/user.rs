use diesel::prelude::*;

use crate::DbConn;
use crate::schema::users;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = users, treat_none_as_default_value = false, treat_none_as_null = true)]
pub struct User {
    pub id: String,
    pub org_id: String,
    pub store_id: Option<String>,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub role: String,
    pub password_hash: String,
    pub active: bool,
    pub failed_logins: i32,
    pub locked_until: Option<chrono::NaiveDateTime>,
    pub version: i64,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

super::record::versioned_record!(User, users);

#[derive(Debug, Default, Clone)]
pub struct UserFilter {
    pub role: Option<String>,
    pub store_id: Option<String>,
    pub active: Option<bool>,
    pub after_id: Option<String>,
    pub limit: i64,
}

impl User {
    /// A new active account: no failed logins, not locked, version 1.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        org_id: &str,
        store_id: Option<String>,
        name: String,
        email: String,
        phone: Option<String>,
        role: &str,
        password_hash: String,
        at: chrono::NaiveDateTime,
    ) -> Self {
        Self {
            id: crate::db::new_id(),
            org_id: org_id.to_owned(),
            store_id,
            name,
            email,
            phone,
            role: role.to_owned(),
            password_hash,
            active: true,
            failed_logins: 0,
            locked_until: None,
            version: 1,
            created_at: at,
            updated_at: at,
        }
    }

    /// Looks a user up by login: a lower-cased email or an E.164 phone.
    pub fn find_by_login(conn: &mut DbConn, login: &str) -> QueryResult<Option<Self>> {
        users::table
            .filter(users::email.eq(login).or(users::phone.eq(login)))
            .select(Self::as_select())
            .get_result(conn)
            .optional()
    }

    pub fn list(conn: &mut DbConn, org_id: &str, filter: &UserFilter) -> QueryResult<Vec<Self>> {
        let mut query = users::table
            .filter(users::org_id.eq(org_id))
            .select(Self::as_select())
            .into_boxed();
        if let Some(role) = &filter.role {
            query = query.filter(users::role.eq(role.clone()));
        }
        if let Some(store_id) = &filter.store_id {
            query = query.filter(users::store_id.eq(store_id.clone()));
        }
        if let Some(active) = filter.active {
            query = query.filter(users::active.eq(active));
        }
        if let Some(after) = &filter.after_id {
            query = query.filter(users::id.gt(after.clone()));
        }
        crate::db::first_rows(conn, query.order(users::id.asc()), filter.limit)
    }

    /// The active users of the organisation with one of these roles (in one store, when
    /// given), by id.
    pub fn active_with_roles(
        conn: &mut DbConn,
        org_id: &str,
        roles: &[&str],
        store_id: Option<&str>,
    ) -> QueryResult<Vec<Self>> {
        let mut query = users::table
            .filter(users::org_id.eq(org_id))
            .filter(users::active.eq(true))
            .filter(users::role.eq_any(roles))
            .select(Self::as_select())
            .order(users::id.asc())
            .into_boxed();
        if let Some(store) = store_id {
            query = query.filter(users::store_id.eq(store.to_owned()));
        }
        query.load(conn)
    }

    pub fn count_in_org(conn: &mut DbConn, org_id: &str) -> QueryResult<i64> {
        users::table
            .filter(users::org_id.eq(org_id))
            .count()
            .get_result(conn)
    }

    /// Login bookkeeping, which must not bump the optimistic-lock version.
    pub fn set_login_state(
        conn: &mut DbConn,
        id: &str,
        failed_logins: i32,
        locked_until: Option<chrono::NaiveDateTime>,
    ) -> QueryResult<()> {
        diesel::update(users::table.find(id))
            .set((
                users::failed_logins.eq(failed_logins),
                users::locked_until.eq(locked_until),
            ))
            .execute(conn)
            .map(drop)
    }
}
