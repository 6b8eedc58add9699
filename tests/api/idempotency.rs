use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem};

async fn post_with_key(app: &TestApp, key: &str, body: &Value) -> reqwest::Response {
    app.request(
        reqwest::Method::POST,
        "/api/v1/customers",
        Some(&app.admin_token),
    )
    .header("Idempotency-Key", key)
    .json(body)
    .send()
    .await
    .unwrap()
}

#[tokio::test]
async fn a_retried_post_replays_the_first_answer() {
    let app = TestApp::spawn().await;
    let body = json!({"name": "赵敏", "phone": "13900001111"});
    let first = post_with_key(&app, "k-1", &body).await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();

    let again = post_with_key(&app, "k-1", &body).await;
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["id"], first["id"]);
    assert_eq!(app.customer_count().await, 1);
}

#[tokio::test]
async fn the_same_key_with_another_body_is_rejected() {
    let app = TestApp::spawn().await;
    let res = post_with_key(&app, "k-2", &json!({"name": "甲"})).await;
    assert_eq!(res.status(), 201);
    let res = post_with_key(&app, "k-2", &json!({"name": "乙"})).await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["code"], "idempotency_key_reused");
    assert_eq!(app.customer_count().await, 1);
}

#[tokio::test]
async fn errors_are_replayed_too_and_keys_are_per_caller() {
    let app = TestApp::spawn().await;
    let bad = json!({"name": "", "phone": "123"});
    let first = post_with_key(&app, "k-3", &bad).await;
    assert_eq!(first.status(), 422);
    let again = post_with_key(&app, "k-3", &bad).await;
    assert_problem(again, 422, "validation_failed").await;

    // Another caller's identical key is a different key.
    let (_, manager) = app.user_with_role("general_manager", None).await;
    let body = json!({"name": "钱多多"});
    let mine = post_with_key(&app, "shared", &body).await;
    let theirs = app
        .request(reqwest::Method::POST, "/api/v1/customers", Some(&manager))
        .header("Idempotency-Key", "shared")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(mine.status(), 201);
    assert_eq!(theirs.status(), 201);
    assert_eq!(app.customer_count().await, 2);
}

/// The process died after the change committed but before its answer was recorded (the
/// crash test meets this by chance): the retry must not make the change a second time.
#[tokio::test]
async fn a_committed_request_whose_answer_was_lost_is_not_repeated() {
    let app = TestApp::spawn().await;
    // No phone number: nothing else would stop a second run from making a twin.
    let body = json!({"name": "无电话客户"});
    let res = post_with_key(&app, "lost-answer", &body).await;
    assert_eq!(res.status(), 201);
    let id = res.json::<Value>().await.unwrap()["id"].clone();

    // Put the key back to "claimed, no answer", as the crash leaves it.
    let me: Value = app
        .get("/api/v1/me", &app.admin_token)
        .await
        .json()
        .await
        .unwrap();
    let org = app.org_id.clone();
    let admin = me["id"].as_str().unwrap().to_owned();
    app.with_db(move |conn| {
        autocrm_persistence::models::IdempotencyRecord::complete(
            conn,
            &org,
            &admin,
            "lost-answer",
            0,
            "",
        )
        .unwrap();
    })
    .await;

    let res = post_with_key(&app, "lost-answer", &body).await;
    let problem = assert_problem(res, 409, "already_applied").await;
    assert_eq!(problem["existing_id"], id);
    assert_eq!(app.customer_count().await, 1);
    // Another key is another request.
    let res = post_with_key(&app, "next-one", &body).await;
    assert_eq!(res.status(), 201);
    assert_eq!(app.customer_count().await, 2);
}
