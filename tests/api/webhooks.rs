//! Webhooks: subscriptions, signed deliveries to a receiver on loopback, retries on the
//! schedule (the clock moves; nothing sleeps), 410, replay, tests, the SSRF guard, and two
//! runners sharing the work.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::TimeDelta;
use hmac::{Hmac, Mac};
use reqwest::Method;
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{TestApp, assert_problem, with_status};

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: HashMap<String, String>,
    pub body: String,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }

    pub fn id(&self) -> &str {
        &self.headers["webhook-id"]
    }
}

/// A webhook receiver on loopback: records every request and answers `status`.
pub struct Receiver {
    pub url: String,
    pub status: Arc<AtomicU16>,
    pub got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    pub async fn start(status: u16) -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks/autocrm", listener.local_addr().unwrap());
        let status = Arc::new(AtomicU16::new(status));
        let got = Arc::new(Mutex::new(Vec::new()));
        let (s, g) = (status.clone(), got.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, s.clone(), g.clone()));
            }
        });
        Receiver { url, status, got }
    }

    pub fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    pub fn set_status(&self, status: u16) {
        self.status.store(status, Ordering::SeqCst);
    }
}

/// HTTP/1.1 with keep-alive, as much as a webhook sender needs.
async fn serve(
    mut stream: tokio::net::TcpStream,
    status: Arc<AtomicU16>,
    got: Arc<Mutex<Vec<Received>>>,
) {
    let mut buf: Vec<u8> = Vec::new();
    loop {
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            let mut chunk = [0u8; 8192];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        let mut headers = HashMap::new();
        for line in head.lines().skip(1) {
            if let Some((k, v)) = line.split_once(':') {
                headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
            }
        }
        let length: usize = headers
            .get("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        while buf.len() < head_end + length {
            let mut chunk = [0u8; 8192];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let body = String::from_utf8_lossy(&buf[head_end..head_end + length]).into_owned();
        buf.drain(..head_end + length);
        got.lock().unwrap().push(Received { headers, body });
        let code = status.load(Ordering::SeqCst);
        let answer = format!(
            "HTTP/1.1 {code} X\r\ncontent-type: text/plain\r\ncontent-length: 8\r\n\r\nreceived"
        );
        if stream.write_all(answer.as_bytes()).await.is_err() {
            return;
        }
    }
}

/// Verifies a delivery as a Standard Webhooks receiver does: one of the signatures must be
/// `v1,` + base64 HMAC-SHA256 of `id.timestamp.body` under the decoded secret.
pub fn verifies(secret: &str, r: &Received) -> bool {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let expected = sign(&key, r.id(), &r.headers["webhook-timestamp"], &r.body);
    r.headers["webhook-signature"]
        .split(' ')
        .any(|s| s == expected)
}

fn sign(key: &[u8], id: &str, timestamp: &str, body: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap();
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// The specification's published test vector, checked with the verifier the tests use.
#[test]
fn the_standard_webhooks_test_vector_verifies() {
    let key = STANDARD.decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
    assert_eq!(
        sign(
            &key,
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            "1614265330",
            r#"{"test": 2432232314}"#
        ),
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    );
}

/// An app whose webhooks may reach loopback (the receiver), on a short retry schedule.
pub async fn app_with_private_targets() -> TestApp {
    TestApp::spawn_with(|s| {
        s.webhook_allow_private_targets = true;
        s.webhook_retry_schedule = "5s,5m".into();
    })
    .await
}

/// Creates a subscription; returns its id and secret.
pub async fn subscribe(app: &TestApp, url: &str, types: Value) -> (String, String) {
    let res = app
        .post(
            "/api/v1/webhooks",
            &app.admin_token,
            &json!({"url": url, "event_types": types, "description": "金蝶ERP 客户同步"}),
        )
        .await;
    let body = with_status(res, 201).await.unwrap();
    (
        body["webhook"]["id"].as_str().unwrap().to_owned(),
        body["secret"].as_str().unwrap().to_owned(),
    )
}

/// A second passes and the due jobs run (the relay, then the deliveries it queued).
pub async fn tick(app: &TestApp) {
    app.clock.advance(TimeDelta::seconds(1));
    app.run_jobs().await;
}

/// The subscription's delivery log, newest first (signing in afresh: the clock may have
/// moved past the admin token's life).
async fn deliveries(app: &TestApp, webhook: &str) -> Vec<Value> {
    let token = app
        .login_ok(crate::helpers::ADMIN_EMAIL, crate::helpers::PASSWORD)
        .await;
    let res = app
        .get(&format!("/api/v1/webhooks/{webhook}/deliveries"), &token)
        .await;
    with_status(res, 200).await.unwrap()["items"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn a_receiver_gets_a_signed_delivery_that_verifies() {
    let app = app_with_private_targets().await;
    let receiver = Receiver::start(200).await;
    let (webhook, secret) = subscribe(&app, &receiver.url, json!([])).await;
    assert!(secret.starts_with("whsec_"));
    let customer = app
        .create_customer(
            &app.admin_token,
            &json!({"name": "王建国", "phone": "13812345678", "city": "上海"}),
        )
        .await;
    tick(&app).await;
    let got = receiver.received();
    assert_eq!(got.len(), 1, "{got:?}");
    let delivery = &got[0];
    assert!(verifies(&secret, delivery), "{delivery:?}");
    let body = delivery.json();
    assert_eq!(body["type"], "customer.created");
    assert_eq!(body["id"], delivery.id());
    assert!(body["timestamp"].is_string());
    assert_eq!(body["data"]["customer_id"], customer["id"]);
    assert_eq!(body["data"]["name"], "王建国");
    assert_eq!(body["data"]["phone_masked"], "138****5678");
    assert!(
        !delivery.body.contains("13812345678") && !delivery.body.contains("上海"),
        "no clear phone or address: {}",
        delivery.body
    );
    let ts: i64 = delivery.headers["webhook-timestamp"].parse().unwrap();
    assert_eq!(ts, app.clock_now().timestamp());

    let log = deliveries(&app, &webhook).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["outcome"], "succeeded");
    assert_eq!(log[0]["response_code"], 200);
    assert_eq!(log[0]["attempt"], 1);
    assert_eq!(log[0]["response_body"], "received");

    // The subscription's secret is stored encrypted: not in clear anywhere in its row.
    let stored = app
        .with_db(move |conn| {
            use diesel::prelude::*;
            autocrm_persistence::schema::webhook_subscriptions::table
                .select(autocrm_persistence::schema::webhook_subscriptions::secret_ciphertext)
                .load::<String>(conn)
                .unwrap()
        })
        .await;
    assert!(!stored[0].contains(&secret[6..]));

    // A subscription to other types hears nothing of customers.
    let other = Receiver::start(200).await;
    subscribe(&app, &other.url, json!(["financing.status_changed"])).await;
    app.create_customer(&app.admin_token, &json!({"name": "李娜"}))
        .await;
    tick(&app).await;
    assert_eq!(receiver.received().len(), 2);
    assert!(other.received().is_empty());
}

#[tokio::test]
async fn a_failed_delivery_is_retried_with_the_same_id_after_the_backoff() {
    let app = app_with_private_targets().await;
    let receiver = Receiver::start(500).await;
    let (webhook, secret) = subscribe(&app, &receiver.url, json!([])).await;
    app.create_customer(&app.admin_token, &json!({"name": "张伟"}))
        .await;
    tick(&app).await;
    assert_eq!(receiver.received().len(), 1);
    let log = deliveries(&app, &webhook).await;
    assert_eq!(log[0]["outcome"], "failed");
    assert_eq!(log[0]["response_code"], 500);
    assert!(log[0]["next_attempt_at"].is_string());

    // Not before the 5 s backoff (with its jitter)...
    app.clock.advance(TimeDelta::seconds(3));
    app.run_jobs().await;
    assert_eq!(receiver.received().len(), 1);
    // ...but after it, the same event again.
    receiver.set_status(204);
    app.clock.advance(TimeDelta::seconds(3));
    app.run_jobs().await;
    let got = receiver.received();
    assert_eq!(got.len(), 2);
    assert_eq!(
        got[0].id(),
        got[1].id(),
        "webhook-id is stable across retries"
    );
    assert_eq!(got[0].body, got[1].body);
    assert_ne!(
        got[0].headers["webhook-timestamp"],
        got[1].headers["webhook-timestamp"]
    );
    assert!(verifies(&secret, &got[1]));
    let log = deliveries(&app, &webhook).await;
    assert_eq!(log[0]["outcome"], "succeeded");
    assert_eq!(log[0]["attempt"], 2);

    // A receiver that keeps failing: after the last wait of the schedule (5s,5m) it is dead.
    receiver.set_status(503);
    app.create_customer(&app.admin_token, &json!({"name": "刘洋"}))
        .await;
    tick(&app).await;
    app.clock.advance(TimeDelta::seconds(6));
    app.run_jobs().await;
    app.clock.advance(TimeDelta::minutes(6));
    app.run_jobs().await;
    app.clock.advance(TimeDelta::hours(1));
    app.run_jobs().await;
    let log = deliveries(&app, &webhook).await;
    assert_eq!(log[0]["outcome"], "dead", "{log:?}");
    assert_eq!(log[0]["attempt"], 3);
    assert_eq!(receiver.received().len(), 5);
}

#[tokio::test]
async fn gone_disables_the_subscription() {
    let app = app_with_private_targets().await;
    let receiver = Receiver::start(410).await;
    let (webhook, _) = subscribe(&app, &receiver.url, json!([])).await;
    app.create_customer(&app.admin_token, &json!({"name": "陈静"}))
        .await;
    tick(&app).await;
    let sub = with_status(
        app.get(&format!("/api/v1/webhooks/{webhook}"), &app.admin_token)
            .await,
        200,
    )
    .await
    .unwrap();
    assert_eq!(sub["active"], false);
    assert!(sub["disabled_reason"].as_str().unwrap().contains("410"));
    // Nothing more is sent to it.
    app.create_customer(&app.admin_token, &json!({"name": "杨帆"}))
        .await;
    tick(&app).await;
    app.clock.advance(TimeDelta::minutes(10));
    app.run_jobs().await;
    assert_eq!(receiver.received().len(), 1);
    assert_eq!(deliveries(&app, &webhook).await[0]["outcome"], "dead");
}

#[tokio::test]
async fn replay_and_test_resend_to_one_subscription() {
    let app = app_with_private_targets().await;
    let receiver = Receiver::start(200).await;
    let (webhook, secret) = subscribe(&app, &receiver.url, json!(["customer.created"])).await;
    let start = app.clock_now();
    app.create_customer(&app.admin_token, &json!({"name": "赵磊"}))
        .await;
    app.create_customer(&app.admin_token, &json!({"name": "孙丽"}))
        .await;
    tick(&app).await;
    let first = receiver.received();
    assert_eq!(first.len(), 2);

    // One event by id.
    let path = format!("/api/v1/webhooks/{webhook}/replay");
    let res = app
        .post(&path, &app.admin_token, &json!({"event_id": first[0].id()}))
        .await;
    assert_eq!(with_status(res, 202).await.unwrap()["queued"], 1);
    tick(&app).await;
    let got = receiver.received();
    assert_eq!(got.len(), 3);
    assert_eq!(got[2].id(), first[0].id());
    assert_eq!(got[2].body, first[0].body);

    // A time range.
    let until = app.clock_now() + TimeDelta::seconds(1);
    let res = app
        .post(
            &path,
            &app.admin_token,
            &json!({"since": start.to_rfc3339(), "until": until.to_rfc3339()}),
        )
        .await;
    assert_eq!(with_status(res, 202).await.unwrap()["queued"], 2);
    tick(&app).await;
    assert_eq!(receiver.received().len(), 5);

    // Bad replays: neither or both forms, an unknown event.
    for body in [
        json!({}),
        json!({"event_id": first[0].id(), "since": start.to_rfc3339()}),
    ] {
        assert_problem(
            app.post(&path, &app.admin_token, &body).await,
            422,
            "validation_failed",
        )
        .await;
    }
    let res = app
        .post(
            &path,
            &app.admin_token,
            &json!({"event_id": "0193a5c4-7b2f-7000-9a1b-2c3d4e5f6a71"}),
        )
        .await;
    assert_problem(res, 404, "not_found").await;

    // A test event, to this subscription only.
    let res = app
        .post(
            &format!("/api/v1/webhooks/{webhook}/test"),
            &app.admin_token,
            &json!({}),
        )
        .await;
    let event_id = with_status(res, 202).await.unwrap()["event_id"]
        .as_str()
        .unwrap()
        .to_owned();
    tick(&app).await;
    let got = receiver.received();
    let test = got.last().unwrap();
    assert_eq!(test.id(), event_id);
    assert_eq!(test.json()["type"], "webhook.test");
    assert!(verifies(&secret, test));
}

#[tokio::test]
async fn a_rotated_secret_signs_beside_the_old_one_for_a_day() {
    let app = app_with_private_targets().await;
    let receiver = Receiver::start(200).await;
    let (webhook, old) = subscribe(&app, &receiver.url, json!([])).await;
    let res = app
        .post(
            &format!("/api/v1/webhooks/{webhook}/rotate-secret"),
            &app.admin_token,
            &json!({}),
        )
        .await;
    let body = with_status(res, 200).await.unwrap();
    let new = body["secret"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    assert!(body["webhook"]["previous_secret_until"].is_string());
    app.create_customer(&app.admin_token, &json!({"name": "周杰"}))
        .await;
    tick(&app).await;
    let got = receiver.received();
    assert_eq!(got[0].headers["webhook-signature"].split(' ').count(), 2);
    assert!(verifies(&old, &got[0]) && verifies(&new, &got[0]));

    // A day later only the new one signs.
    app.clock.advance(TimeDelta::hours(25));
    let token = app
        .login_ok(crate::helpers::ADMIN_EMAIL, crate::helpers::PASSWORD)
        .await;
    app.create_customer(&token, &json!({"name": "吴敏"})).await;
    tick(&app).await;
    let got = receiver.received();
    let last = got.last().unwrap();
    assert_eq!(last.headers["webhook-signature"].split(' ').count(), 1);
    assert!(verifies(&new, last) && !verifies(&old, last));
}

#[tokio::test]
async fn private_targets_are_refused_without_the_setting() {
    let app = TestApp::spawn().await;
    let receiver = Receiver::start(200).await;
    // Plain http: refused when the subscription is written.
    let res = app
        .post(
            "/api/v1/webhooks",
            &app.admin_token,
            &json!({"url": receiver.url}),
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "url");
    for url in [
        "ftp://erp.example.cn/hooks",
        "file:///etc/passwd",
        "不是网址",
    ] {
        let res = app
            .post("/api/v1/webhooks", &app.admin_token, &json!({"url": url}))
            .await;
        assert_problem(res, 422, "validation_failed").await;
    }
    // https to a loopback address: accepted as a URL, refused at delivery.
    let port = receiver
        .url
        .split(':')
        .nth(2)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let (webhook, _) = subscribe(&app, &format!("https://127.0.0.1:{port}/hooks"), json!([])).await;
    let (by_name, _) = subscribe(&app, &format!("https://localhost:{port}/hooks"), json!([])).await;
    app.create_customer(&app.admin_token, &json!({"name": "郑浩"}))
        .await;
    tick(&app).await;
    assert!(receiver.received().is_empty());
    for id in [webhook, by_name] {
        let log = deliveries(&app, &id).await;
        assert_eq!(log[0]["outcome"], "failed", "{log:?}");
        assert!(
            log[0]["error"].as_str().unwrap().contains("not public"),
            "{log:?}"
        );
    }
}

#[tokio::test]
async fn subscriptions_are_admin_only_per_tenant_and_validated() {
    let app = app_with_private_targets().await;
    let receiver = Receiver::start(200).await;
    let (webhook, _) = subscribe(&app, &receiver.url, json!(["customer.created"])).await;
    let path = format!("/api/v1/webhooks/{webhook}");

    // Another organisation's admin sees nothing of it.
    let other = app.other_tenant().await;
    assert_problem(app.get(&path, &other).await, 404, "not_found").await;
    let res = app
        .patch(&path, &other, &json!({"active": false}), None)
        .await;
    assert_problem(res, 404, "not_found").await;
    let res = app
        .request(Method::DELETE, &path, Some(&other))
        .send()
        .await
        .unwrap();
    assert_problem(res, 404, "not_found").await;
    // Roles other than admin: 403; a machine client needs webhooks:manage.
    let (_, consultant) = app.user_with_role("general_manager", None).await;
    assert_problem(
        app.get("/api/v1/webhooks", &consultant).await,
        403,
        "forbidden",
    )
    .await;
    let reader = app.integration_token(&["customers:read"]).await;
    assert_problem(app.get("/api/v1/webhooks", &reader).await, 403, "forbidden").await;
    let manager = app.integration_token(&["webhooks:manage"]).await;
    let list = with_status(app.get("/api/v1/webhooks", &manager).await, 200)
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert!(list["items"][0].get("secret").is_none());

    // Bad input: 422, nothing written.
    for body in [
        json!({"url": receiver.url, "event_types": ["customer.deleted"]}),
        json!({"url": ""}),
        json!({"url": receiver.url, "secret": "whsec_x"}),
        json!({"event_types": []}),
    ] {
        let res = app.post("/api/v1/webhooks", &app.admin_token, &body).await;
        assert_eq!(res.status(), 422, "{body}");
    }
    let res = app
        .patch(
            &path,
            &app.admin_token,
            &json!({"event_types": ["nope.nope"]}),
            None,
        )
        .await;
    assert_problem(res, 422, "validation_failed").await;
    let list = with_status(app.get("/api/v1/webhooks", &app.admin_token).await, 200)
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["event_types"], json!(["customer.created"]));

    // Patch and delete.
    let res = app
        .patch(
            &path,
            &app.admin_token,
            &json!({"active": false, "event_types": []}),
            Some(1),
        )
        .await;
    let sub = with_status(res, 200).await.unwrap();
    assert_eq!(sub["active"], false);
    assert_eq!(sub["version"], 2);
    let res = app
        .request(Method::DELETE, &path, Some(&app.admin_token))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_problem(app.get(&path, &app.admin_token).await, 404, "not_found").await;
}

/// Two runners (two nodes) on one database: each event reaches the subscription once.
#[tokio::test]
async fn two_runners_deliver_each_event_once() {
    let app = app_with_private_targets().await;
    let receiver = Receiver::start(200).await;
    subscribe(&app, &receiver.url, json!([])).await;
    let second = app.second_runner().await;
    for i in 0..40 {
        app.create_customer(&app.admin_token, &json!({"name": format!("客户{i}")}))
            .await;
    }
    app.clock.advance(TimeDelta::seconds(1));
    app.runner.schedule_periodic().await.unwrap();
    second.schedule_periodic().await.unwrap();
    let (a, b) = tokio::join!(app.runner.run_due(), second.run_due());
    a.unwrap();
    b.unwrap();
    let got = receiver.received();
    let mut ids: Vec<&str> = got.iter().map(Received::id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 40);
    assert_eq!(got.len(), 40, "no event twice");
}
