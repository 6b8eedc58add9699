//! Several nodes starting at once against one new database all come up: migrations are
//! applied once, the others wait and find nothing left to do.

use std::sync::{Arc, Barrier};

use autocrm_persistence::db::{PoolOptions, open_pool, run_migrations};
use autocrm_persistence::test_db::TestDatabase;

#[test]
fn concurrent_migrations_apply_once_and_all_succeed() {
    let db = TestDatabase::create_unmigrated();
    let nodes = 4;
    let start = Arc::new(Barrier::new(nodes));
    let runs: Vec<_> = (0..nodes)
        .map(|_| {
            let (url, start) = (db.url.clone(), start.clone());
            std::thread::spawn(move || {
                let options = PoolOptions {
                    max_size: 1,
                    ..PoolOptions::default()
                };
                let pool = open_pool(&url, &options).expect("open the pool");
                let mut conn = pool.get().expect("a connection");
                start.wait();
                run_migrations(&mut conn)
            })
        })
        .collect();
    let mut applied = Vec::new();
    for run in runs {
        let versions = run
            .join()
            .unwrap()
            .expect("migrations succeed on every node");
        applied.extend(versions);
    }
    let mut unique = applied.clone();
    unique.dedup();
    assert_eq!(
        applied.len(),
        unique.len(),
        "a migration ran twice: {applied:?}"
    );
    assert!(!applied.is_empty());
}
