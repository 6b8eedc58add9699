use diesel::prelude::*;

use crate::DbConn;
use crate::schema::{api_clients, customers, organizations, users};

/// What the database says now about the subject of an access token, and its organisation's
/// time zone (read in the same statement, since nearly every request needs both).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubjectState {
    User {
        active: bool,
        role: String,
        store_id: Option<String>,
        time_zone: String,
    },
    ApiClient {
        revoked: bool,
        time_zone: String,
    },
    Customer {
        active: bool,
        time_zone: String,
    },
}

impl SubjectState {
    pub fn of_user(conn: &mut DbConn, org_id: &str, id: &str) -> QueryResult<Option<Self>> {
        crate::on_backend!(conn, |c| users::table
            .inner_join(organizations::table)
            .filter(users::id.eq(id))
            .filter(users::org_id.eq(org_id))
            .select((
                users::active,
                users::role,
                users::store_id,
                organizations::time_zone,
            ))
            .get_result::<(bool, String, Option<String>, String)>(c)
            .optional())
        .map(|row| {
            row.map(|(active, role, store_id, time_zone)| SubjectState::User {
                active,
                role,
                store_id,
                time_zone,
            })
        })
    }

    /// A signed-in customer: their record, still active (not archived, merged or erased).
    pub fn of_customer(conn: &mut DbConn, org_id: &str, id: &str) -> QueryResult<Option<Self>> {
        crate::on_backend!(conn, |c| customers::table
            .inner_join(organizations::table)
            .filter(customers::id.eq(id))
            .filter(customers::org_id.eq(org_id))
            .select((customers::status, organizations::time_zone))
            .get_result::<(String, String)>(c)
            .optional())
        .map(|row| {
            row.map(|(status, time_zone)| SubjectState::Customer {
                active: status == "active",
                time_zone,
            })
        })
    }

    pub fn of_api_client(conn: &mut DbConn, org_id: &str, id: &str) -> QueryResult<Option<Self>> {
        crate::on_backend!(conn, |c| api_clients::table
            .inner_join(organizations::table)
            .filter(api_clients::id.eq(id))
            .filter(api_clients::org_id.eq(org_id))
            .select((api_clients::revoked_at, organizations::time_zone))
            .get_result::<(Option<chrono::NaiveDateTime>, String)>(c)
            .optional())
        .map(|row| {
            row.map(|(revoked_at, time_zone)| SubjectState::ApiClient {
                revoked: revoked_at.is_some(),
                time_zone,
            })
        })
    }
}
