//! The pool drops a connection the database killed, and keeps healthy ones.

use autocrm_persistence::db::{PoolOptions, open_pool};
use autocrm_persistence::test_db::TestDatabase;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

#[derive(QueryableByName)]
struct Pid {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pid: i32,
}

#[test]
fn a_failed_connection_is_checked_and_replaced_on_return() {
    let db = TestDatabase::create();
    let options = PoolOptions {
        max_size: 1,
        ..PoolOptions::default()
    };
    let pool = open_pool(&db.url, &options).unwrap();

    // A healthy connection marked suspect passes the check and stays.
    {
        let mut conn = pool.get().unwrap();
        conn.mark_suspect();
    }
    pool.get().unwrap().batch_execute("SELECT 1").unwrap();

    if !autocrm_persistence::test_db::backend_is_postgres() {
        return;
    }
    // Kill the pooled connection's server process, as a database restart would.
    {
        let mut conn = pool.get().unwrap();
        let pid = diesel::sql_query("SELECT pg_backend_pid() AS pid")
            .get_result::<Pid>(&mut **conn)
            .unwrap()
            .pid;
        let mut killer = PgConnection::establish(&db.url).unwrap();
        killer
            .batch_execute(&format!("SELECT pg_terminate_backend({pid})"))
            .unwrap();
        assert!(
            conn.batch_execute("SELECT 1").is_err(),
            "the connection is dead"
        );
        conn.mark_suspect();
    }
    // The dead one was dropped on return; the pool hands out a fresh one.
    pool.get()
        .expect("a replacement connection")
        .batch_execute("SELECT 1")
        .expect("the replacement works");
}
