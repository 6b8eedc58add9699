use diesel::prelude::*;

use crate::DbConn;
use crate::schema::organizations;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = organizations, treat_none_as_default_value = false)]
pub struct Organization {
    pub id: String,
    pub name: String,
    pub currency: String,
    pub time_zone: String,
    pub settings: String,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
    pub version: i64,
}

impl Organization {
    /// A new organisation with the China-first defaults (CNY, Asia/Shanghai), which it may change.
    pub fn new(name: &str, at: chrono::NaiveDateTime) -> Self {
        Self {
            id: crate::db::new_id(),
            name: name.to_owned(),
            currency: "CNY".into(),
            time_zone: "Asia/Shanghai".into(),
            settings: "{}".into(),
            created_at: at,
            updated_at: at,
            version: 1,
        }
    }

    pub fn insert(&self, conn: &mut DbConn) -> QueryResult<()> {
        diesel::insert_into(organizations::table)
            .values(self)
            .execute(conn)
            .map(drop)
    }

    pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<Self>> {
        organizations::table
            .find(id)
            .select(Self::as_select())
            .get_result(conn)
            .optional()
    }

    pub fn find_by_name(conn: &mut DbConn, name: &str) -> QueryResult<Option<Self>> {
        organizations::table
            .filter(organizations::name.eq(name))
            .select(Self::as_select())
            .get_result(conn)
            .optional()
    }

    /// Saves the row if it is still at `expected_version`; returns whether it was.
    pub fn save(&mut self, conn: &mut DbConn, expected_version: i64) -> QueryResult<bool> {
        self.version = expected_version + 1;
        let n = diesel::update(
            organizations::table
                .filter(organizations::id.eq(&self.id))
                .filter(organizations::version.eq(expected_version)),
        )
        .set(&*self)
        .execute(conn)?;
        Ok(n == 1)
    }

    pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
        organizations::table.count().get_result(conn)
    }
}
