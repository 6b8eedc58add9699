//! Kills the real `autocrm` process with SIGKILL while clients are writing, restarts it on
//! the same database and checks that nothing was half-written and nothing acknowledged was
//! lost. Runs on SQLite, and on PostgreSQL with `AUTOCRM_TEST_BACKEND=postgres`.

use std::collections::HashMap;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use autocrm_persistence::db::{DbConn, PoolOptions, open_pool};
use autocrm_persistence::schema::{audit_log, customers, outbox_events};
use autocrm_persistence::test_db::TestDatabase;
use diesel::prelude::*;
use serde_json::{Value, json};

const JWT_SECRET: &str = "crash-test-jwt-secret-0123456789abcdef0123";
const PII_KEY: &str = "crash-test-pii-key-0123456789abcdef0123456789";
const ADMIN_EMAIL: &str = "admin@crash.test";
const PASSWORD: &str = "crash-test-password-1";
const WRITERS: usize = 6;

fn autocrm(db_url: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_autocrm"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("AUTOCRM_DATABASE_URL", db_url)
        .env("AUTOCRM_JWT_SECRET", JWT_SECRET)
        .env("AUTOCRM_PII_KEY", PII_KEY)
        .env("AUTOCRM_DEV", "false")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null());
    cmd
}

struct Server {
    child: Child,
    base: String,
}

impl Server {
    async fn start(db_url: &str) -> Server {
        // The kernel picks a free port; the server binds it a moment later.
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let child = autocrm(db_url)
            .arg("serve")
            .env("AUTOCRM_LISTEN", format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start autocrm serve");
        let server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(res) = client.get(format!("{}/ready", server.base)).send().await
                && res.status().is_success()
            {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("autocrm serve did not become ready on {}", server.base);
    }

    /// SIGKILL: no graceful shutdown, no flush, no chance to finish a transaction.
    fn kill(mut self) {
        self.child.kill().expect("kill the server");
        self.child.wait().expect("reap the server");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn login(client: &reqwest::Client, base: &str) -> String {
    let res = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"login": ADMIN_EMAIL, "password": PASSWORD}))
        .send()
        .await
        .expect("login");
    assert!(res.status().is_success(), "login: {}", res.status());
    let body: Value = res.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

/// What the writers saw: (writer, n) → the customer id the server acknowledged.
type Acknowledged = Arc<Mutex<HashMap<(usize, usize), String>>>;
/// Creates sent whose answer never came: (writer, n).
type Unanswered = Arc<Mutex<Vec<(usize, usize)>>>;

fn idempotency_key(writer: usize, n: usize) -> String {
    format!("crash-{writer}-{n}")
}

fn new_customer(writer: usize, n: usize) -> Value {
    json!({"name": format!("客户 {writer}-{n}"), "phone": format!("+86139{writer:02}{n:06}")})
}

/// Creates customers and patches each one twice, until the server stops answering.
async fn write_until_the_server_dies(
    client: reqwest::Client,
    base: String,
    token: String,
    writer: usize,
    acknowledged: Acknowledged,
    unanswered: Unanswered,
) {
    for n in 0.. {
        let sent = client
            .post(format!("{base}/api/v1/customers"))
            .bearer_auth(&token)
            .header("Idempotency-Key", idempotency_key(writer, n))
            .json(&new_customer(writer, n))
            .send()
            .await;
        let Ok(res) = sent else {
            unanswered.lock().unwrap().push((writer, n));
            return;
        };
        assert!(
            res.status().as_u16() == 201,
            "create answered {}",
            res.status()
        );
        let Ok(body) = res.json::<Value>().await else {
            unanswered.lock().unwrap().push((writer, n));
            return;
        };
        let id = body["id"].as_str().unwrap().to_owned();
        acknowledged.lock().unwrap().insert((writer, n), id.clone());
        for version in 1..=2 {
            let sent = client
                .patch(format!("{base}/api/v1/customers/{id}"))
                .bearer_auth(&token)
                .header("If-Match", format!("\"{version}\""))
                .json(&json!({"notes": format!("edit {version}")}))
                .send()
                .await;
            let Ok(res) = sent else { return };
            assert_eq!(res.status().as_u16(), 200, "patch");
        }
    }
}

fn count_for(conn: &mut DbConn, table_action: &str, id: &str) -> (i64, i64) {
    let audits = audit_log::table
        .filter(audit_log::action.eq(table_action))
        .filter(audit_log::entity_id.eq(id))
        .count()
        .get_result::<i64>(conn)
        .unwrap();
    let events = outbox_events::table
        .filter(outbox_events::event_type.eq(table_action))
        .filter(outbox_events::aggregate_id.eq(id))
        .count()
        .get_result::<i64>(conn)
        .unwrap();
    (audits, events)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_server_leaves_whole_writes_only() {
    let db = TestDatabase::create();
    let status = autocrm(&db.url)
        .args([
            "bootstrap",
            "--org",
            "Crash Motors",
            "--admin-email",
            ADMIN_EMAIL,
        ])
        .env("AUTOCRM_ADMIN_PASSWORD", PASSWORD)
        .stdout(Stdio::null())
        .status()
        .expect("run autocrm bootstrap");
    assert!(status.success(), "bootstrap failed");

    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let acknowledged: Acknowledged = Arc::default();
    let unanswered: Unanswered = Arc::default();
    let server = Server::start(&db.url).await;
    let token = login(&client, &server.base).await;
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            tokio::spawn(write_until_the_server_dies(
                client.clone(),
                server.base.clone(),
                token.clone(),
                w,
                acknowledged.clone(),
                unanswered.clone(),
            ))
        })
        .collect();
    // Let the writers get going, then pull the plug in the middle of their writes.
    let deadline = Instant::now() + Duration::from_secs(20);
    while acknowledged.lock().unwrap().len() < 40 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    server.kill();
    for w in writers {
        w.await.expect("a writer panicked");
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    let unanswered = unanswered.lock().unwrap().clone();
    assert!(acknowledged.len() >= 40, "too few writes before the kill");

    // The database is consistent before anything else touches it.
    let pool = open_pool(&db.url, &PoolOptions::default()).expect("open the database");
    let mut pooled = pool.get().unwrap();
    let conn: &mut DbConn = &mut pooled;
    if let DbConn::Sqlite(sqlite) = conn {
        #[derive(QueryableByName)]
        struct Check {
            #[diesel(sql_type = diesel::sql_types::Text)]
            integrity_check: String,
        }
        let checks: Vec<Check> = diesel::sql_query("PRAGMA integrity_check")
            .load(sqlite)
            .unwrap();
        assert_eq!(checks[0].integrity_check, "ok");
    }
    let rows: Vec<(String, i64)> = customers::table
        .select((customers::id, customers::version))
        .load(conn)
        .unwrap();
    let ids_by_name: HashMap<String, String> = customers::table
        .select((customers::name, customers::id))
        .load(conn)
        .unwrap()
        .into_iter()
        .collect();
    eprintln!(
        "acknowledged {} customers, {} unanswered; {} stored",
        acknowledged.len(),
        unanswered.len(),
        rows.len()
    );
    // Every acknowledged create survived.
    let stored: HashMap<_, _> = rows.iter().cloned().collect();
    for id in acknowledged.values() {
        assert!(
            stored.contains_key(id),
            "acknowledged customer {id} was lost"
        );
    }
    // Each customer row came with its audit entry and outbox event, and each version
    // step with its own: a write is all or nothing.
    for (id, version) in &rows {
        assert_eq!(count_for(conn, "customer.created", id), (1, 1), "{id}");
        let updates = version - 1;
        assert_eq!(
            count_for(conn, "customer.updated", id),
            (updates, updates),
            "{id} at version {version}"
        );
    }
    let orphans = audit_log::table
        .filter(audit_log::entity_type.eq("customer"))
        .filter(audit_log::entity_id.ne_all(rows.iter().map(|(id, _)| id.clone())))
        .count()
        .get_result::<i64>(conn)
        .unwrap();
    assert_eq!(orphans, 0, "audit entries for customers that do not exist");
    drop(pooled);
    drop(pool);

    // The restarted server serves the same data, and retries of acknowledged requests
    // replay their first answer instead of creating a second customer.
    let server = Server::start(&db.url).await;
    let token = login(&client, &server.base).await;
    for (&(writer, n), id) in acknowledged.iter().take(10) {
        let res = client
            .post(format!("{}/api/v1/customers", server.base))
            .bearer_auth(&token)
            .header("Idempotency-Key", idempotency_key(writer, n))
            .json(&new_customer(writer, n))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 201, "retry of {writer}-{n}");
        assert_eq!(
            res.headers()
                .get("idempotent-replayed")
                .map(|v| v.as_bytes()),
            Some(&b"true"[..])
        );
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["id"].as_str(), Some(id.as_str()));
        let res = client
            .get(format!("{}/api/v1/customers/{id}", server.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200);
    }
    // A create whose answer died with the server: if it committed, the retry replays the
    // answer or names the customer instead of creating it again; if not, it runs (or
    // waits for the stale claim, 409 `conflict`).
    let mut outcomes: HashMap<&str, usize> = HashMap::new();
    for &(writer, n) in &unanswered {
        let res = client
            .post(format!("{}/api/v1/customers", server.base))
            .bearer_auth(&token)
            .header("Idempotency-Key", idempotency_key(writer, n))
            .json(&new_customer(writer, n))
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let replayed = res.headers().contains_key("idempotent-replayed");
        let body: Value = res.json().await.unwrap();
        match ids_by_name.get(new_customer(writer, n)["name"].as_str().unwrap()) {
            // The answer was recorded but lost on the wire: replayed.
            Some(id) if replayed => {
                *outcomes.entry("replayed").or_default() += 1;
                assert_eq!(status, 201, "{body}");
                assert_eq!(body["id"].as_str(), Some(id.as_str()));
            }
            // Committed, answer never recorded: named, not repeated.
            Some(id) => {
                *outcomes.entry("already applied").or_default() += 1;
                assert_eq!(status, 409, "{body}");
                assert_eq!(body["code"], "already_applied");
                assert_eq!(body["existing_id"].as_str(), Some(id.as_str()));
            }
            None => {
                *outcomes.entry("not committed").or_default() += 1;
                assert!(
                    status == 201 || (status == 409 && body["code"] == "conflict"),
                    "{status} {body}"
                );
            }
        }
    }
    eprintln!("retries of unanswered creates: {outcomes:?}");
    let res = client
        .get(format!("{}/api/v1/customers?limit=200", server.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    server.kill();
}
