//! What every tenant-owned table shares: find by (organisation, id), insert, and the
//! optimistic-lock save. Written once here and stamped onto each model by a macro, so a new
//! resource declares its columns and its own queries, not a copy of another's plumbing.

use crate::DbConn;
use diesel::QueryResult;

/// Who an access token names, as the database knows them: what must still hold for the
/// token to stand.
#[derive(Debug, Clone, Copy)]
pub enum Subject<'a> {
    /// An active user with this role and store.
    User {
        id: &'a str,
        role: &'a str,
        store_id: Option<&'a str>,
    },
    /// An API client that is not revoked.
    ApiClient { id: &'a str },
}

/// A row that belongs to one organisation and is found by its id there.
pub trait TenantRecord: Sized {
    /// The table's name, for row locks.
    const TABLE: &'static str;
    fn id(&self) -> &str;
    fn insert(&self, conn: &mut DbConn) -> QueryResult<()>;
    /// The row with this id in this organisation: another tenant's id finds nothing.
    fn find(conn: &mut DbConn, org_id: &str, id: &str) -> QueryResult<Option<Self>>;
}

/// A row read often enough by id to answer, in the same statement, whether the caller's
/// token still stands: one round trip where a read needs both.
pub trait CheckedFind: TenantRecord {
    fn find_checked(
        conn: &mut DbConn,
        org_id: &str,
        id: &str,
        subject: Subject<'_>,
    ) -> QueryResult<Option<(Self, bool)>>;
}

diesel::define_sql_function! {
    /// SQL `coalesce()` of a nullable text and a default.
    fn coalesce(value: diesel::sql_types::Nullable<diesel::sql_types::Text>, default: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// A tenant row with a version for optimistic locking.
pub trait Versioned: TenantRecord {
    fn version(&self) -> i64;
    fn touch(&mut self, at: chrono::NaiveDateTime);
    /// Saves the row if it is still at `expected_version` (and bumps it); returns whether it
    /// was.
    fn save(&mut self, conn: &mut DbConn, expected_version: i64) -> QueryResult<bool>;
    /// [`TenantRecord::find`] that also locks the row until the end of the transaction
    /// (`FOR UPDATE` on PostgreSQL; SQLite's write transaction already holds the only write
    /// lock): a read-modify-write in one round trip, that no concurrent update can lose.
    fn find_for_update(conn: &mut DbConn, org_id: &str, id: &str) -> QueryResult<Option<Self>>;
}

macro_rules! tenant_record {
    ($model:ty, $table:ident) => {
        impl $crate::models::TenantRecord for $model {
            const TABLE: &'static str = stringify!($table);

            fn id(&self) -> &str {
                &self.id
            }

            fn insert(&self, conn: &mut $crate::DbConn) -> diesel::QueryResult<()> {
                diesel::insert_into($crate::schema::$table::table)
                    .values(self)
                    .execute(conn)
                    .map(drop)
            }

            fn find(
                conn: &mut $crate::DbConn,
                org_id: &str,
                id: &str,
            ) -> diesel::QueryResult<Option<Self>> {
                use $crate::schema::$table;
                $crate::on_backend!(conn, |c| $table::table
                    .filter($table::org_id.eq(org_id))
                    .filter($table::id.eq(id))
                    .select(<$model>::as_select())
                    .get_result(c)
                    .optional())
            }
        }
    };
}

macro_rules! versioned_record {
    ($model:ty, $table:ident) => {
        $crate::models::record::tenant_record!($model, $table);

        impl $crate::models::Versioned for $model {
            fn version(&self) -> i64 {
                self.version
            }

            fn touch(&mut self, at: chrono::NaiveDateTime) {
                self.updated_at = at;
            }

            fn save(
                &mut self,
                conn: &mut $crate::DbConn,
                expected_version: i64,
            ) -> diesel::QueryResult<bool> {
                use $crate::schema::$table;
                self.version = expected_version + 1;
                let n = diesel::update(
                    $table::table
                        .filter($table::id.eq(&self.id))
                        .filter($table::org_id.eq(&self.org_id))
                        .filter($table::version.eq(expected_version)),
                )
                .set(&*self)
                .execute(conn)?;
                Ok(n == 1)
            }

            fn find_for_update(
                conn: &mut $crate::DbConn,
                org_id: &str,
                id: &str,
            ) -> diesel::QueryResult<Option<Self>> {
                use $crate::schema::$table;
                let row = || {
                    $table::table
                        .filter($table::org_id.eq(org_id))
                        .filter($table::id.eq(id))
                };
                match conn {
                    $crate::DbConn::Postgres(c) => row()
                        .select(<$model>::as_select())
                        .for_update()
                        .get_result(c)
                        .optional(),
                    $crate::DbConn::Sqlite(c) => {
                        row().select(<$model>::as_select()).get_result(c).optional()
                    }
                }
            }
        }
    };
}

macro_rules! checked_find {
    ($model:ty, $table:ident) => {
        impl $crate::models::CheckedFind for $model {
            fn find_checked(
                conn: &mut $crate::DbConn,
                org_id: &str,
                id: &str,
                subject: $crate::models::record::Subject<'_>,
            ) -> diesel::QueryResult<Option<(Self, bool)>> {
                use $crate::models::record::{Subject, coalesce};
                use $crate::schema::api_clients as c;
                use $crate::schema::users as u;
                use $crate::schema::$table;
                let row = $table::table
                    .filter($table::org_id.eq(org_id))
                    .filter($table::id.eq(id));
                match subject {
                    Subject::User { id, role, store_id } => $crate::on_backend!(conn, |conn| row
                        .select((
                            <$model>::as_select(),
                            diesel::dsl::exists(
                                u::table
                                    .filter(u::id.eq(id))
                                    .filter(u::org_id.eq(org_id))
                                    .filter(u::active.eq(true))
                                    .filter(u::role.eq(role))
                                    .filter(coalesce(u::store_id, "").eq(store_id.unwrap_or(""))),
                            ),
                        ))
                        .get_result(conn)
                        .optional()),
                    Subject::ApiClient { id } => $crate::on_backend!(conn, |conn| row
                        .select((
                            <$model>::as_select(),
                            diesel::dsl::exists(
                                c::table
                                    .filter(c::id.eq(id))
                                    .filter(c::org_id.eq(org_id))
                                    .filter(c::revoked_at.is_null()),
                            ),
                        ))
                        .get_result(conn)
                        .optional()),
                }
            }
        }
    };
}

pub(crate) use {checked_find, tenant_record, versioned_record};
