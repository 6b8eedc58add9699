//! Storage for AutoCRM: one diesel code base over SQLite and PostgreSQL.
//!
//! Repositories are grouped as `impl Model { fn ...(conn: &mut DbConn) }` and
//! return `QueryResult`; the API layer decides what the errors mean.

pub mod db;
pub mod models;
pub mod schema;
#[cfg(feature = "test-db")]
pub mod test_db;

pub use db::{Backend, DbConn, DbPool, PoolError, PoolOptions};
pub use diesel::result::{DatabaseErrorKind, Error as DbError, QueryResult};
