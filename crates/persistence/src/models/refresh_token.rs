use diesel::prelude::*;

use crate::DbConn;
use crate::schema::refresh_tokens;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = refresh_tokens, treat_none_as_default_value = false)]
pub struct RefreshToken {
    pub id: String,
    pub org_id: String,
    pub user_id: String,
    pub family_id: String,
    pub token_hash: String,
    pub expires_at: chrono::NaiveDateTime,
    pub used_at: Option<chrono::NaiveDateTime>,
    pub revoked_at: Option<chrono::NaiveDateTime>,
    pub created_at: chrono::NaiveDateTime,
}

impl RefreshToken {
    pub fn insert(&self, conn: &mut DbConn) -> QueryResult<()> {
        diesel::insert_into(refresh_tokens::table)
            .values(self)
            .execute(conn)
            .map(drop)
    }

    pub fn find_by_hash(conn: &mut DbConn, token_hash: &str) -> QueryResult<Option<Self>> {
        refresh_tokens::table
            .filter(refresh_tokens::token_hash.eq(token_hash))
            .select(Self::as_select())
            .get_result(conn)
            .optional()
    }

    /// Marks the token used, only if nobody used it first; returns whether we did.
    pub fn mark_used(conn: &mut DbConn, id: &str, at: chrono::NaiveDateTime) -> QueryResult<bool> {
        let n = diesel::update(
            refresh_tokens::table
                .filter(refresh_tokens::id.eq(id))
                .filter(refresh_tokens::used_at.is_null()),
        )
        .set(refresh_tokens::used_at.eq(Some(at)))
        .execute(conn)?;
        Ok(n == 1)
    }

    pub fn revoke_family(
        conn: &mut DbConn,
        family_id: &str,
        at: chrono::NaiveDateTime,
    ) -> QueryResult<usize> {
        diesel::update(
            refresh_tokens::table
                .filter(refresh_tokens::family_id.eq(family_id))
                .filter(refresh_tokens::revoked_at.is_null()),
        )
        .set(refresh_tokens::revoked_at.eq(Some(at)))
        .execute(conn)
    }

    pub fn revoke_user(
        conn: &mut DbConn,
        user_id: &str,
        at: chrono::NaiveDateTime,
    ) -> QueryResult<usize> {
        diesel::update(
            refresh_tokens::table
                .filter(refresh_tokens::user_id.eq(user_id))
                .filter(refresh_tokens::revoked_at.is_null()),
        )
        .set(refresh_tokens::revoked_at.eq(Some(at)))
        .execute(conn)
    }
}
