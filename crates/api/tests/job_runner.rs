//! The job runner against a real database: two runners on one database run every job once;
//! a job whose node died is taken over when its lease runs out; a failing job is retried with
//! backoff and then given up. On SQLite, and on PostgreSQL with `AUTOCRM_TEST_BACKEND=postgres`
//! (where the claims race for real).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use autocrm_api::app::{Actor, App, RequestMeta};
use autocrm_api::jobs::{Job, JobFuture, JobMetrics, Outcome, Runner, RunnerOptions, enqueue};
use autocrm_api::pii::PiiCipher;
use autocrm_api::startup::open_database;
use autocrm_domain::time::{Clock, ManualClock};
use autocrm_persistence::models::{JobRow, Organization};
use autocrm_persistence::test_db::TestDatabase;
use chrono::TimeDelta;

/// Counts its runs per job id; fails the jobs whose payload says so.
struct Counting {
    runs: Arc<Mutex<BTreeMap<String, u32>>>,
}

impl Job for Counting {
    fn kind(&self) -> &'static str {
        "test.counting"
    }

    fn max_attempts(&self) -> i32 {
        3
    }

    fn run<'a>(&'a self, _app: &'a App, job: &'a JobRow) -> JobFuture<'a> {
        Box::pin(async move {
            *self.runs.lock().unwrap().entry(job.id.clone()).or_default() += 1;
            tokio::task::yield_now().await;
            if job.payload.contains("fail") {
                Outcome::Failed("asked to fail".into())
            } else {
                Outcome::Done
            }
        })
    }
}

struct Fixture {
    app: App,
    clock: Arc<ManualClock>,
    org_id: String,
    runs: Arc<Mutex<BTreeMap<String, u32>>>,
    _db: TestDatabase,
}

fn fixture() -> Fixture {
    let db = TestDatabase::create();
    let settings = autocrm_api::config::Settings {
        database_url: db.url.clone(),
        pool_size: 6,
        ..Default::default()
    };
    let pool = open_database(&settings).expect("open the test database");
    let clock = Arc::new(ManualClock::new());
    let org = Organization::new("后台任务汽车", clock.now().naive_utc());
    org.insert(&mut pool.get().unwrap()).unwrap();
    Fixture {
        app: App::new(
            pool,
            clock.clone(),
            Arc::new(PiiCipher::new("job-runner-test-key-0123456789abcdef")),
            // These tests store no files: a store nothing writes to.
            Arc::new(autocrm_api::attachments::Files::new(
                vec![Arc::new(
                    autocrm_api::attachments::storage::LocalStore::new(
                        std::env::temp_dir().join("autocrm-no-files"),
                    ),
                )],
                &PiiCipher::new("job-runner-test-key-0123456789abcdef"),
                0,
                Vec::new(),
            )),
        ),
        clock,
        org_id: org.id,
        runs: Arc::default(),
        _db: db,
    }
}

impl Fixture {
    fn runner(&self, node: &str) -> Runner {
        let job: Arc<dyn Job> = Arc::new(Counting {
            runs: self.runs.clone(),
        });
        Runner::new(
            self.app.clone(),
            vec![job],
            vec![],
            RunnerOptions {
                node: node.into(),
                concurrency: 4,
                ..RunnerOptions::default()
            },
            Arc::new(JobMetrics::default()),
        )
    }

    fn enqueue(&self, n: usize, payload: &str) -> Vec<String> {
        let actor = Actor::System {
            org_id: self.org_id.clone(),
            name: "test",
        };
        let now = self.clock.now();
        self.app
            .write_now(&actor, &RequestMeta::default(), |ctx| {
                (0..n)
                    .map(|_| enqueue(ctx, "test.counting", &payload, now, 3))
                    .collect()
            })
            .unwrap()
    }

    fn job(&self, id: &str) -> JobRow {
        JobRow::find(&mut self.app.pool.get().unwrap(), id)
            .unwrap()
            .unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_runners_on_one_database_run_every_job_once() {
    let f = fixture();
    let ids = f.enqueue(200, "count");
    let (a, b) = (f.runner("node-a"), f.runner("node-b"));
    let (ran_a, ran_b) = tokio::join!(a.run_due(), b.run_due());
    let (ran_a, ran_b) = (ran_a.unwrap(), ran_b.unwrap());
    assert_eq!(ran_a + ran_b, 200, "a {ran_a}, b {ran_b}");
    let runs = f.runs.lock().unwrap().clone();
    assert_eq!(runs.len(), 200);
    assert!(runs.values().all(|n| *n == 1), "a job ran twice");
    for id in &ids {
        assert_eq!(f.job(id).status, "done");
    }
}

#[tokio::test]
async fn a_job_whose_node_died_is_taken_over_after_its_lease() {
    let f = fixture();
    let ids = f.enqueue(1, "count");
    // A node claims the job and dies before recording anything.
    let now = f.clock.now().naive_utc();
    let claimed = JobRow::claim_due(
        &mut f.app.pool.get().unwrap(),
        "dead-node",
        now,
        now + TimeDelta::minutes(5),
        10,
    )
    .unwrap();
    assert_eq!(claimed.len(), 1);
    let survivor = f.runner("survivor");
    assert_eq!(
        survivor.run_due().await.unwrap(),
        0,
        "the lease still holds"
    );
    f.clock.advance(TimeDelta::minutes(6));
    assert_eq!(survivor.run_due().await.unwrap(), 1);
    let job = f.job(&ids[0]);
    assert_eq!(job.status, "done");
    assert_eq!(job.attempts, 2);
}

#[tokio::test]
async fn a_failing_job_backs_off_then_dies() {
    let f = fixture();
    let ids = f.enqueue(1, "fail");
    let runner = f.runner("node");
    assert_eq!(runner.run_due().await.unwrap(), 1);
    let job = f.job(&ids[0]);
    assert_eq!((job.status.as_str(), job.attempts), ("pending", 1));
    assert_eq!(job.last_error.as_deref(), Some("asked to fail"));
    assert_eq!(runner.run_due().await.unwrap(), 0, "not before its backoff");
    f.clock.advance(TimeDelta::seconds(21));
    assert_eq!(runner.run_due().await.unwrap(), 1);
    f.clock.advance(TimeDelta::seconds(41));
    assert_eq!(runner.run_due().await.unwrap(), 1);
    let job = f.job(&ids[0]);
    assert_eq!((job.status.as_str(), job.attempts), ("dead", 3));
    f.clock.advance(TimeDelta::hours(2));
    assert_eq!(runner.run_due().await.unwrap(), 0, "a dead job stays dead");
}

#[tokio::test]
async fn a_stopping_runner_hands_unfinished_jobs_back() {
    let f = fixture();
    let ids = f.enqueue(3, "count");
    let runner = Arc::new(f.runner("stopping"));
    // Stop at once: whatever was claimed and not run is handed back, not lost.
    runner.clone().run(async {}).await;
    for id in &ids {
        let job = f.job(id);
        assert!(
            job.status == "done" || (job.status == "pending" && job.attempts == 0),
            "{} {}",
            job.status,
            job.attempts
        );
    }
    assert!(f.runner("next").run_due().await.is_ok());
    for id in &ids {
        assert_eq!(f.job(id).status, "done");
    }
}
