use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem};

#[tokio::test]
async fn health_ready_and_a_first_customer() {
    let app = TestApp::spawn().await;
    let res = app.client.get(app.url("/health")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers().contains_key("x-request-id"));
    let ready: Value = app
        .client
        .get(app.url("/ready"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["status"], "ready");
    for path in ["/health", "/ready"] {
        let res = app.client.head(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 200, "HEAD {path}");
    }

    let created = app
        .create_customer(
            &app.admin_token,
            &json!({"name": "张伟", "phone": "13812345678"}),
        )
        .await;
    assert_eq!(created["phone"], "138****5678");
    let id = created["id"].as_str().unwrap();
    let got: Value = app
        .get(&format!("/api/v1/customers/{id}"), &app.admin_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got["name"], "张伟");

    let res = app.get("/api/v1/nowhere", &app.admin_token).await;
    assert_problem(res, 404, "not_found").await;
}
