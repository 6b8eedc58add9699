//! Background jobs through the server's own runner, driven by its clock.

use serde_json::{Value, json};

use crate::helpers::{ADMIN_EMAIL, PASSWORD, TestApp, assert_problem};

/// Idempotency keys are kept 48 hours: the hourly housekeeping job forgets them after that,
/// and the same key then runs a new request.
#[tokio::test]
async fn housekeeping_forgets_idempotency_keys_after_their_retention() {
    let app = TestApp::spawn().await;
    let send = |token: String, name: &'static str| {
        app.request(reqwest::Method::POST, "/api/v1/customers", Some(&token))
            .header("Idempotency-Key", "retention-1")
            .json(&json!({ "name": name }))
            .send()
    };
    let token = app.admin_token.clone();
    assert_eq!(send(token.clone(), "保留客户").await.unwrap().status(), 201);
    // Within the retention the same key with another body is refused.
    let res = send(token, "另一个客户").await.unwrap();
    assert_problem(res, 422, "validation_failed").await;

    // Access tokens last 15 minutes: sign in again after each jump.
    app.clock.advance(chrono::TimeDelta::hours(47));
    assert!(app.run_jobs().await >= 1);
    let token = app.login_ok(ADMIN_EMAIL, PASSWORD).await;
    let res = send(token, "另一个客户").await.unwrap();
    assert_problem(res, 422, "validation_failed").await;

    app.clock.advance(chrono::TimeDelta::hours(2));
    assert!(app.run_jobs().await >= 1);
    let token = app.login_ok(ADMIN_EMAIL, PASSWORD).await;
    let res = send(token, "另一个客户").await.unwrap();
    assert_eq!(res.status(), 201, "the key was forgotten");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["name"], "另一个客户");
}

/// The periodic job runs once per period, however often the runner looks.
#[tokio::test]
async fn a_periodic_job_runs_once_per_period() {
    let app = TestApp::spawn().await;
    // Each periodic job of the catalogue (housekeeping, the attachment sweep, ...) runs once
    // per period; none has a period longer than an hour (the webhook relay's is a second).
    let periodic = autocrm_api::startup::job_catalogue().1.len();
    let first = app.run_jobs().await;
    assert_eq!(first, periodic, "this hour's periodic jobs");
    // The clock runs on in real time: the webhook relay (every second) may have a new period.
    assert!(
        app.run_jobs().await <= 1,
        "within the hour, nothing again but the per-second relay"
    );
    app.clock.advance(chrono::TimeDelta::hours(1));
    assert_eq!(app.run_jobs().await, periodic, "the next hour's");
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("autocrm_jobs_run_total{kind=\"platform.housekeeping\"} 2"),
        "{metrics}"
    );
    assert!(metrics.contains("autocrm_jobs_due 0"), "{metrics}");
}
