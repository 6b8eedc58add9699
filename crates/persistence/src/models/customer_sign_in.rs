use diesel::prelude::*;

use crate::DbConn;
use crate::schema::customer_sign_in_codes as codes;

/// A one-time sign-in code sent to a customer's phone: only the phone's blind index and a
/// keyed hash of the code are kept.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = codes, treat_none_as_default_value = false)]
pub struct SignInCode {
    pub id: String,
    pub org_id: String,
    pub phone_blind_index: String,
    pub code_hash: String,
    pub attempts: i32,
    pub expires_at: chrono::NaiveDateTime,
    pub consumed_at: Option<chrono::NaiveDateTime>,
    pub created_at: chrono::NaiveDateTime,
}

impl SignInCode {
    pub fn insert(&self, conn: &mut DbConn) -> QueryResult<()> {
        diesel::insert_into(codes::table)
            .values(self)
            .execute(conn)
            .map(drop)
    }

    /// The newest code sent to this phone in the organisation.
    pub fn latest(conn: &mut DbConn, org_id: &str, phone_index: &str) -> QueryResult<Option<Self>> {
        codes::table
            .filter(codes::org_id.eq(org_id))
            .filter(codes::phone_blind_index.eq(phone_index))
            .order(codes::created_at.desc())
            .select(Self::as_select())
            .first(conn)
            .optional()
    }

    /// How many codes went to this phone since `since`.
    pub fn sent_since(
        conn: &mut DbConn,
        org_id: &str,
        phone_index: &str,
        since: chrono::NaiveDateTime,
    ) -> QueryResult<i64> {
        codes::table
            .filter(codes::org_id.eq(org_id))
            .filter(codes::phone_blind_index.eq(phone_index))
            .filter(codes::created_at.ge(since))
            .count()
            .get_result(conn)
    }

    /// Counts a wrong try.
    pub fn record_failure(conn: &mut DbConn, id: &str) -> QueryResult<()> {
        diesel::update(codes::table.find(id))
            .set(codes::attempts.eq(codes::attempts + 1))
            .execute(conn)
            .map(drop)
    }

    /// Uses the code up; false when another request used it first.
    pub fn consume(conn: &mut DbConn, id: &str, now: chrono::NaiveDateTime) -> QueryResult<bool> {
        diesel::update(codes::table.find(id).filter(codes::consumed_at.is_null()))
            .set(codes::consumed_at.eq(Some(now)))
            .execute(conn)
            .map(|n| n == 1)
    }

    /// Forgets codes that expired before `cutoff`.
    pub fn purge_expired_before(
        conn: &mut DbConn,
        cutoff: chrono::NaiveDateTime,
    ) -> QueryResult<usize> {
        diesel::delete(codes::table.filter(codes::expires_at.lt(cutoff))).execute(conn)
    }
}

/// An organisation's WeChat mini-program credentials for `code2session`: the app id, and
/// the app secret only as ciphertext.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = crate::schema::wechat_mini_programs, treat_none_as_default_value = false)]
pub struct WechatMiniProgram {
    pub org_id: String,
    pub app_id: String,
    pub secret_ciphertext: String,
    pub version: i64,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

impl WechatMiniProgram {
    pub fn find(conn: &mut DbConn, org_id: &str) -> QueryResult<Option<Self>> {
        use crate::schema::wechat_mini_programs as w;
        w::table
            .find(org_id)
            .select(Self::as_select())
            .first(conn)
            .optional()
    }

    /// Inserts the row, or replaces the one of its organisation.
    pub fn upsert(&self, conn: &mut DbConn) -> QueryResult<()> {
        use crate::schema::wechat_mini_programs as w;
        let updated = diesel::update(w::table.find(&self.org_id))
            .set(self)
            .execute(conn)?;
        if updated == 0 {
            diesel::insert_into(w::table).values(self).execute(conn)?;
        }
        Ok(())
    }
}
