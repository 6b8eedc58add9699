//! Fresh databases for tests, cloned from a migrated template (one per process).
//!
//! `AUTOCRM_TEST_BACKEND=postgres` with `AUTOCRM_TEST_POSTGRES_URL` selects PostgreSQL;
//! otherwise SQLite files in the temp directory. When PostgreSQL is asked for but
//! unreachable, tests fail rather than skip.

use std::path::PathBuf;
use std::sync::OnceLock;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use crate::db::{DbConn, run_migrations};

pub struct TestDatabase {
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Files(PathBuf),
    Postgres { admin_url: String, name: String },
}

pub fn backend_is_postgres() -> bool {
    std::env::var("AUTOCRM_TEST_BACKEND").is_ok_and(|b| b == "postgres")
}

fn postgres_admin_url() -> String {
    let url = std::env::var("AUTOCRM_TEST_POSTGRES_URL").expect(
        "AUTOCRM_TEST_BACKEND=postgres needs AUTOCRM_TEST_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/postgres)",
    );
    without_tls_unless_asked(url)
}

/// Test processes talk to PostgreSQL without TLS unless the URL asks for it: once libpq has
/// used OpenSSL, OpenSSL's exit handler frees its state while server threads of the last
/// tests may still be closing connections, and the test binary dies of SIGSEGV or SIGABRT
/// after every test passed (diesel-rs/diesel#3441; seen about once in 60 runs here).
fn without_tls_unless_asked(url: String) -> String {
    let query = url.split_once('?').map_or("", |(_, q)| q);
    if query.split('&').any(|pair| pair.starts_with("sslmode=")) {
        url
    } else if query.is_empty() {
        format!("{}?sslmode=disable", url.trim_end_matches('?'))
    } else {
        format!("{url}&sslmode=disable")
    }
}

/// The same URL with another database name.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// The migrations this binary embeds, fingerprinted by the build script (names and
/// `up.sql` texts) when it embedded them.
fn migrations_fingerprint(dir: &str) -> u64 {
    let hex = match dir {
        "sqlite" => env!("AUTOCRM_MIGRATIONS_SQLITE"),
        _ => env!("AUTOCRM_MIGRATIONS_POSTGRES"),
    };
    u64::from_str_radix(hex, 16).unwrap_or_default()
}

fn sqlite_template() -> &'static PathBuf {
    static TEMPLATE: OnceLock<PathBuf> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let path = std::env::temp_dir().join(format!(
            "autocrm-template-{}-{:x}.db",
            std::process::id(),
            migrations_fingerprint("sqlite")
        ));
        let _ = std::fs::remove_file(&path);
        // No WAL here: the template must be one self-contained file to copy.
        let conn = SqliteConnection::establish(path.to_str().expect("utf-8 temp path"))
            .expect("create the SQLite template");
        let mut conn = DbConn::Sqlite(conn);
        run_migrations(&mut conn).expect("migrate the SQLite template");
        path
    })
}

fn postgres_template() -> &'static String {
    static TEMPLATE: OnceLock<String> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let admin_url = postgres_admin_url();
        let fingerprint = migrations_fingerprint("postgres");
        let name = format!("autocrm_template_{fingerprint:x}");
        let mut admin = PgConnection::establish(&admin_url).unwrap_or_else(|e| {
            panic!("PostgreSQL for tests is unreachable at AUTOCRM_TEST_POSTGRES_URL: {e}")
        });
        // Several test processes may race to build the same template.
        let lock = (fingerprint >> 1) as i64;
        admin
            .batch_execute(&format!("SELECT pg_advisory_lock({lock})"))
            .expect("advisory lock");
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let exists = diesel::sql_query("SELECT count(*) AS n FROM pg_database WHERE datname = $1")
            .bind::<diesel::sql_types::Text, _>(&name)
            .get_result::<Count>(&mut admin)
            .expect("look up the template")
            .n
            > 0;
        if !exists {
            admin
                .batch_execute(&format!("CREATE DATABASE {name}"))
                .expect("create the PostgreSQL template");
            let conn = PgConnection::establish(&with_database(&admin_url, &name))
                .expect("connect to the template");
            let mut conn = DbConn::Postgres(conn);
            run_migrations(&mut conn).expect("migrate the PostgreSQL template");
        }
        admin
            .batch_execute(&format!("SELECT pg_advisory_unlock({lock})"))
            .expect("advisory unlock");
        name
    })
}

impl TestDatabase {
    /// A new, migrated, empty database of the selected backend.
    pub fn create() -> Self {
        Self::create_for(backend_is_postgres())
    }

    /// A new, migrated, empty database on PostgreSQL (`AUTOCRM_TEST_POSTGRES_URL`) or SQLite,
    /// whatever `AUTOCRM_TEST_BACKEND` says; for tests that compare the two.
    pub fn create_for(postgres: bool) -> Self {
        Self::new(postgres, true)
    }

    /// A new database of the selected backend with no tables at all: for migration tests.
    pub fn create_unmigrated() -> Self {
        Self::new(backend_is_postgres(), false)
    }

    fn new(postgres: bool, migrated: bool) -> Self {
        let unique = uuid::Uuid::now_v7().simple().to_string();
        if postgres {
            let admin_url = postgres_admin_url();
            let name = format!("autocrm_test_{unique}");
            let template = if migrated {
                postgres_template()
            } else {
                "template0"
            };
            let mut admin = PgConnection::establish(&admin_url).expect("connect to PostgreSQL");
            admin
                .batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
                .expect("clone the template");
            TestDatabase {
                url: with_database(&admin_url, &name),
                cleanup: Cleanup::Postgres { admin_url, name },
            }
        } else {
            let path = std::env::temp_dir().join(format!("autocrm-test-{unique}.db"));
            if migrated {
                std::fs::copy(sqlite_template(), &path).expect("copy the SQLite template");
            }
            TestDatabase {
                url: format!("sqlite://{}", path.display()),
                cleanup: Cleanup::Files(path),
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Files(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let mut p = path.clone().into_os_string();
                    p.push(suffix);
                    let _ = std::fs::remove_file(p);
                }
            }
            Cleanup::Postgres { admin_url, name } => {
                if let Ok(mut admin) = PgConnection::establish(admin_url) {
                    let _ = admin
                        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_is_off_unless_the_url_asks_for_it() {
        assert_eq!(
            without_tls_unless_asked("postgres://u@h/db".into()),
            "postgres://u@h/db?sslmode=disable"
        );
        assert_eq!(
            without_tls_unless_asked("postgres://u@h/db?connect_timeout=5".into()),
            "postgres://u@h/db?connect_timeout=5&sslmode=disable"
        );
        assert_eq!(
            without_tls_unless_asked("postgres://u@h/db?sslmode=require".into()),
            "postgres://u@h/db?sslmode=require"
        );
    }

    #[test]
    fn urls_swap_the_database_name() {
        assert_eq!(
            with_database("postgres://u@h:5432/postgres", "x"),
            "postgres://u@h:5432/x"
        );
        assert_eq!(with_database("postgres://u@h", "x"), "postgres://u@h/x");
        assert_eq!(
            with_database("postgres://u@h/db?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
    }
}
