//! Connections, the pool, migrations and transactions for both backends.

use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Postgres(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

pub type DbPool = r2d2::Pool<ConnectionManager>;

/// The backend of the combined connection, for boxed queries and expressions.
pub type Db = <DbConn as Connection>::Backend;

/// A pooled connection that remembers whether a request on it failed.
///
/// Checking every checkout with a query costs a round trip per use (measured: a third of
/// single-row throughput), so only a connection marked suspect is pinged when it comes
/// back, and dropped from the pool if the database no longer answers on it.
pub struct PoolConn {
    conn: DbConn,
    suspect: bool,
}

impl PoolConn {
    pub fn mark_suspect(&mut self) {
        self.suspect = true;
    }
}

impl std::ops::Deref for PoolConn {
    type Target = DbConn;
    fn deref(&self) -> &DbConn {
        &self.conn
    }
}

impl std::ops::DerefMut for PoolConn {
    fn deref_mut(&mut self) -> &mut DbConn {
        &mut self.conn
    }
}
pub type PooledConn = r2d2::PooledConnection<ConnectionManager>;

/// Which database a `DATABASE_URL` points at, decided by its scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    Postgres(String),
    /// A file path, or `:memory:`.
    Sqlite(String),
}

#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    #[error("unsupported database URL scheme (expected sqlite:// or postgres://): {0}")]
    UnsupportedUrl(String),
    #[error("cannot create the SQLite directory {0}: {1}")]
    SqliteDir(String, std::io::Error),
    #[error("cannot connect to the database: {0}")]
    Connect(#[from] diesel::ConnectionError),
    #[error("database error: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("connection pool: {0}")]
    Pool(#[from] r2d2::PoolError),
    #[error("migrations failed: {0}")]
    Migration(String),
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Self, PoolError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Backend::Postgres(url.to_owned()));
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .ok_or_else(|| PoolError::UnsupportedUrl(redact(url)))?;
        if path.is_empty() {
            return Err(PoolError::UnsupportedUrl(redact(url)));
        }
        Ok(Backend::Sqlite(path.to_owned()))
    }

    pub fn name(&self) -> &'static str {
        match self {
            Backend::Postgres(_) => "postgres",
            Backend::Sqlite(_) => "sqlite",
        }
    }

    fn connect(&self) -> Result<DbConn, PoolError> {
        match self {
            Backend::Postgres(url) => Ok(DbConn::Postgres(diesel::PgConnection::establish(url)?)),
            Backend::Sqlite(path) => {
                let mut conn = diesel::SqliteConnection::establish(path)?;
                // Per connection; WAL itself is set once before the pool (it persists).
                conn.batch_execute(
                    "PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
                )?;
                Ok(DbConn::Sqlite(conn))
            }
        }
    }
}

/// Hides the password of a URL before it reaches a log or an error.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://***{}", &url[..s], &url[at..]),
        _ => url.to_owned(),
    }
}

pub struct ConnectionManager {
    backend: Backend,
}

impl ManageConnection for ConnectionManager {
    type Connection = PoolConn;
    type Error = PoolError;

    fn connect(&self) -> Result<PoolConn, PoolError> {
        Ok(PoolConn {
            conn: self.backend.connect()?,
            suspect: false,
        })
    }

    fn is_valid(&self, conn: &mut PoolConn) -> Result<(), PoolError> {
        conn.conn.batch_execute("SELECT 1").map_err(PoolError::from)
    }

    fn has_broken(&self, conn: &mut PoolConn) -> bool {
        // A connection returned mid-transaction (a panic) must not be reused.
        if <DbConn as Connection>::TransactionManager::is_broken_transaction_manager(&mut conn.conn)
        {
            return true;
        }
        if std::mem::take(&mut conn.suspect) {
            return conn.conn.batch_execute("SELECT 1").is_err();
        }
        false
    }
}

#[derive(Debug, Clone)]
pub struct PoolOptions {
    pub max_size: u32,
    pub connect_timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get() as u32);
        Self {
            max_size: (cores * 2).max(2),
            connect_timeout: Duration::from_secs(5),
        }
    }
}

/// Opens the pool for `url`, preparing SQLite files (directory, WAL) first.
pub fn open_pool(url: &str, options: &PoolOptions) -> Result<DbPool, PoolError> {
    let backend = Backend::from_url(url)?;
    if let Backend::Sqlite(path) = &backend
        && path != ":memory:"
    {
        if let Some(dir) = std::path::Path::new(path).parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir)
                .map_err(|e| PoolError::SqliteDir(dir.display().to_string(), e))?;
        }
        // WAL persists in the file; setting it from many pooled connections races. The
        // switch needs the file to itself, and SQLite may answer "locked" at once rather than
        // wait while another process opens the same new file: retry for a few seconds.
        let mut conn = backend.connect()?;
        let mut attempts = 0;
        while let Err(e) = conn.batch_execute("PRAGMA journal_mode = WAL;") {
            attempts += 1;
            if attempts == 50 {
                return Err(e.into());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    // Fail fast with the real error rather than r2d2's generic timeout.
    drop(backend.connect()?);
    let max_size = if matches!(&backend, Backend::Sqlite(p) if p == ":memory:") {
        1
    } else {
        options.max_size.max(1)
    };
    let pool = r2d2::Pool::builder()
        .max_size(max_size)
        .connection_timeout(options.connect_timeout)
        .test_on_check_out(false)
        .build(ConnectionManager { backend })?;
    Ok(pool)
}

/// Session lock that serialises migrations between API nodes starting at the same time.
const MIGRATION_LOCK: i64 = 0x6175_746f_6372_6d01;

/// Runs the embedded migrations of the connection's own backend.
///
/// On PostgreSQL several nodes may start at once: each waits for an advisory lock, so one
/// applies the migrations and the others then find them applied (without it, the losers
/// fail on duplicate tables). SQLite runs one node; its file lock serialises the rest.
pub fn run_migrations(conn: &mut DbConn) -> Result<Vec<String>, PoolError> {
    fn versions<V: std::fmt::Display>(
        applied: diesel::migration::Result<Vec<V>>,
    ) -> Result<Vec<String>, PoolError> {
        applied
            .map(|vs| vs.iter().map(ToString::to_string).collect())
            .map_err(|e| PoolError::Migration(e.to_string()))
    }
    match conn {
        DbConn::Postgres(c) => {
            let lock = |c: &mut PgConnection, f: &str| {
                c.batch_execute(&format!("SELECT {f}({MIGRATION_LOCK})"))
                    .map_err(|e| PoolError::Migration(e.to_string()))
            };
            lock(c, "pg_advisory_lock")?;
            let applied = versions(c.run_pending_migrations(POSTGRES_MIGRATIONS));
            // A failed migration says more than a failed unlock.
            let unlocked = lock(c, "pg_advisory_unlock");
            let applied = applied?;
            unlocked?;
            Ok(applied)
        }
        DbConn::Sqlite(c) => {
            // diesel reads what is pending before it takes any lock, so two nodes starting
            // together both ran the first migration ("table organizations already exists").
            // Under one write lock the others wait on busy_timeout and find nothing left.
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?;
            match versions(c.run_pending_migrations(SQLITE_MIGRATIONS)) {
                Ok(applied) => {
                    AnsiTransactionManager::commit_transaction(c)?;
                    Ok(applied)
                }
                Err(err) => {
                    let _ = AnsiTransactionManager::rollback_transaction(c);
                    Err(err)
                }
            }
        }
    }
}

/// A transaction that takes the write lock up front.
///
/// SQLite's default deferred transaction fails with SQLITE_BUSY (no waiting) when a
/// reader tries to upgrade while another connection writes; `BEGIN IMMEDIATE` waits
/// on `busy_timeout` instead. On PostgreSQL this is an ordinary transaction.
pub fn write_tx<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?,
        DbConn::Postgres(c) => AnsiTransactionManager::begin_transaction(c)?,
    }
    match f(conn) {
        Ok(value) => {
            <DbConn as Connection>::TransactionManager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(err) => {
            // The original error matters more than a failed rollback.
            let _ = <DbConn as Connection>::TransactionManager::rollback_transaction(conn);
            Err(err)
        }
    }
}

/// Lets the current transaction commit without waiting for its WAL flush (PostgreSQL's
/// `synchronous_commit = off` for this transaction only). For bookkeeping whose loss in a
/// crash only makes work run again, such as a delivery attempt's log line (delivery is at
/// least once): a crash loses at most the last few hundred milliseconds of such commits,
/// never corrupts anything. SQLite's WAL with `synchronous=NORMAL` already behaves so.
pub fn relaxed_durability(conn: &mut DbConn) -> QueryResult<()> {
    if let DbConn::Postgres(_) = conn {
        diesel::sql_query("SET LOCAL synchronous_commit = off").execute(conn)?;
    }
    Ok(())
}

/// Locks one row until the end of the current transaction, so that a read-modify-write
/// cannot lose a concurrent update (PostgreSQL runs READ COMMITTED: without the lock, two
/// PATCHes read the same version and the second one fails its version check). SQLite needs
/// nothing: `write_tx` already holds the database's only write lock.
///
/// `table` is a table name from the code, never from input.
pub fn lock_row(conn: &mut DbConn, table: &'static str, id: &str) -> QueryResult<()> {
    match conn {
        DbConn::Postgres(c) => {
            diesel::sql_query(format!("SELECT 1 FROM {table} WHERE id = $1 FOR UPDATE"))
                .bind::<diesel::sql_types::Text, _>(id)
                .execute(c)
                .map(drop)
        }
        DbConn::Sqlite(_) => Ok(()),
    }
}

/// Runs a query on the concrete connection inside the combined one. Through the combined
/// connection every execution writes the statement's SQL text anew before the cache finds it;
/// on the concrete one the statement is found by its type. For the hot reads.
#[macro_export]
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::DbConn::Postgres($c) => $body,
            $crate::DbConn::Sqlite($c) => $body,
        }
    };
}

/// Inserts rows in multi-row statements of at most 500 rows (the combined connection has no
/// batch insert, the concrete ones have). 500 rows of 32 columns stay under both backends'
/// limits on bound values. A single row goes as a single-row insert, which diesel prepares
/// once per connection (a multi-row text is parsed and planned anew each time). Evaluates to
/// `QueryResult<usize>`, the rows inserted.
#[macro_export]
macro_rules! insert_batch {
    ($conn:expr, $table:expr, $rows:expr) => {{
        use diesel::RunQueryDsl as _;
        let mut inserted = 0usize;
        let mut result: diesel::QueryResult<()> = Ok(());
        for chunk in $rows.chunks(500) {
            let outcome = match chunk {
                [one] => $crate::on_backend!(&mut *$conn, |c| diesel::insert_into($table)
                    .values(one)
                    .execute(c)),
                _ => $crate::on_backend!(&mut *$conn, |c| diesel::insert_into($table)
                    .values(chunk)
                    .execute(c)),
            };
            match outcome {
                Ok(n) => inserted += n,
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        result.map(|()| inserted)
    }};
}

/// The first `n` rows of a query. On PostgreSQL that is `LIMIT n`. On SQLite the rows are
/// read lazily and the rest left unread, because SQLite compiles a bound `LIMIT ?` into the
/// plan and so prepares the statement afresh whenever the binding is set (every execution,
/// as diesel binds anew), losing the statement cache; stepping stops as early as a limit
/// would.
pub fn first_rows<'q, Q, T>(conn: &mut DbConn, query: Q, n: i64) -> QueryResult<Vec<T>>
where
    Q: diesel::query_dsl::methods::LimitDsl + diesel::query_dsl::LoadQuery<'q, DbConn, T> + 'q,
    diesel::dsl::Limit<Q>: diesel::query_dsl::LoadQuery<'q, DbConn, T>,
{
    match conn {
        DbConn::Postgres(_) => query.limit(n).load(conn),
        DbConn::Sqlite(_) => query
            .load_iter(conn)?
            .take(usize::try_from(n).unwrap_or(0))
            .collect(),
    }
}

/// A LIKE pattern matching `text` anywhere, with the wildcards in `text` escaped (use with
/// `.escape('\\')`).
pub fn like_pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for ch in text.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out.push('%');
    out
}

/// A new time-ordered id.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// True when the error is a unique-constraint violation.
pub fn is_unique_violation(err: &diesel::result::Error) -> bool {
    matches!(
        err,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_follows_the_url_scheme() {
        assert_eq!(
            Backend::from_url("sqlite://data/a.db").unwrap(),
            Backend::Sqlite("data/a.db".into())
        );
        assert_eq!(
            Backend::from_url("sqlite:///tmp/a.db").unwrap(),
            Backend::Sqlite("/tmp/a.db".into())
        );
        assert!(matches!(
            Backend::from_url("postgres://u:p@h/db").unwrap(),
            Backend::Postgres(_)
        ));
        assert!(Backend::from_url("mysql://x").is_err());
        assert!(Backend::from_url("sqlite://").is_err());
    }

    #[test]
    fn redact_hides_passwords() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://***@h/db");
        assert_eq!(redact("sqlite://x.db"), "sqlite://x.db");
    }
}
