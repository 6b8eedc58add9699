//! Bad input of every kind gets a clear problem+json 4xx, never a 500.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::{Method, Response};
use serde_json::{Value, json};

use crate::helpers::{Mismatches, TestApp, assert_problem};

/// POSTs raw bytes to `/api/v1/customers` as the admin, with this content type (if any).
async fn post_raw(
    app: &TestApp,
    content_type: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> Response {
    let mut req = app
        .request(Method::POST, "/api/v1/customers", Some(&app.admin_token))
        .body(body);
    if let Some(ct) = content_type {
        req = req.header("Content-Type", ct);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn malformed_json_is_400() {
    let app = TestApp::spawn().await;
    for body in [
        r#"{"name": "张伟""#,
        r#"{"name": "张伟",}"#,
        "{name: 1}",
        "not json",
        "",
        // serde meets the type error (an array for an object) before the syntax error.
        "[1,",
        r#"{"name": 42"#,
    ] {
        let res = post_raw(&app, Some("application/json"), body).await;
        let problem = assert_problem(res, 400, "malformed_json").await;
        assert_eq!(problem["type"], "urn:autocrm:problem:malformed_json");
        assert_eq!(problem["title"], "Malformed JSON body");
    }
    assert_eq!(app.customer_count().await, 0);
}

#[tokio::test]
async fn unknown_fields_and_wrong_types_are_422() {
    let app = TestApp::spawn().await;
    let res = app
        .post(
            "/api/v1/customers",
            &app.admin_token,
            &json!({"name": "张伟", "favourite_colour": "red"}),
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "favourite_colour");
    assert_eq!(problem["errors"][0]["code"], "unknown_field");

    let res = app
        .post("/api/v1/customers", &app.admin_token, &json!({"name": 42}))
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "name");
    assert_eq!(problem["errors"][0]["code"], "invalid_type");

    // Nested fields are named by their path.
    let res = app
        .post(
            "/api/v1/financing/compare",
            &app.admin_token,
            &json!({"vehicle_price_cents": 10_000_000, "down_payment_cents": 0,
                    "plans": [{"term_months": "thirty-six"}]}),
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert!(
        problem["errors"][0]["field"]
            .as_str()
            .is_some_and(|f| f.starts_with("plans[0].")),
        "{problem}"
    );

    let res = app
        .post(
            "/api/v1/customers",
            &app.admin_token,
            &json!({"name": "张伟", "marketing_consent": "yes"}),
        )
        .await;
    assert_problem(res, 422, "validation_failed").await;

    let res = app
        .post(
            "/api/v1/customers",
            &app.admin_token,
            &json!({"phone": "13812345678"}),
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "name");
    assert_eq!(problem["errors"][0]["code"], "required");

    // A JSON value that is not an object.
    let res = app
        .post("/api/v1/customers", &app.admin_token, &json!(["张伟"]))
        .await;
    assert_problem(res, 422, "validation_failed").await;
    assert_eq!(app.customer_count().await, 0);
}

#[tokio::test]
async fn an_oversize_body_is_413() {
    let app = TestApp::spawn().await;
    // The tests run with a 64 KiB limit.
    let body = json!({"name": "张伟", "notes": "备".repeat(30 * 1024)}).to_string();
    assert!(body.len() > 64 * 1024);
    let res = post_raw(&app, Some("application/json"), body.clone()).await;
    assert_problem(res, 413, "payload_too_large").await;

    // Also when the POST carries an Idempotency-Key (read by middleware first).
    let res = app
        .request(Method::POST, "/api/v1/customers", Some(&app.admin_token))
        .header("Content-Type", "application/json")
        .header("Idempotency-Key", "big-1")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_problem(res, 413, "payload_too_large").await;
    assert_eq!(app.customer_count().await, 0);
}

#[tokio::test]
async fn wrong_or_missing_content_type_is_415() {
    let app = TestApp::spawn().await;
    let body = json!({"name": "张伟"}).to_string();
    let res = post_raw(&app, Some("text/plain"), body.clone()).await;
    let problem = assert_problem(res, 415, "unsupported_media_type").await;
    assert_eq!(problem["title"], "Unsupported content type");
    let res = post_raw(&app, None, body.clone()).await;
    assert_problem(res, 415, "unsupported_media_type").await;
    let res = post_raw(&app, Some("application/x-www-form-urlencoded"), "name=x").await;
    assert_problem(res, 415, "unsupported_media_type").await;
    assert_eq!(app.customer_count().await, 0);

    // Any JSON media type is fine, with parameters too.
    let res = post_raw(&app, Some("application/json; charset=utf-8"), body).await;
    assert_eq!(res.status(), 201);
}

#[tokio::test]
async fn bad_query_parameters_are_400() {
    let app = TestApp::spawn().await;
    for query in [
        "limit=abc",
        "limit=0",
        "limit=-1",
        "limit=1000",
        "sort=bogus",
        "status=deleted",
        "owner_id=not-a-uuid",
        "store_id=42",
        "created_from=notadate",
        "created_to=2026-13-45",
        "unknown_param=1",
    ] {
        let res = app
            .get(&format!("/api/v1/customers?{query}"), &app.admin_token)
            .await;
        let problem = assert_problem(res, 400, "invalid_query").await;
        assert_eq!(problem["title"], "Invalid query parameters", "{query}");
    }
    for cursor in [
        "garbage",
        "e30",
        "!!!!",
        "eyJzIjoibmFtZSIsImsiOiJ4IiwiaSI6InkifQ",
    ] {
        let res = app
            .get(
                &format!("/api/v1/customers?cursor={cursor}"),
                &app.admin_token,
            )
            .await;
        assert_problem(res, 400, "invalid_cursor").await;
    }
    // The other lists check their queries too.
    let res = app.get("/api/v1/stores?limit=0", &app.admin_token).await;
    assert_problem(res, 400, "invalid_query").await;
    let res = app
        .get("/api/v1/users?cursor=garbage", &app.admin_token)
        .await;
    assert_problem(res, 400, "invalid_cursor").await;
}

#[tokio::test]
async fn unknown_routes_and_methods() {
    let app = TestApp::spawn().await;
    let res = app.get("/api/v1/nothing-here", &app.admin_token).await;
    let problem = assert_problem(res, 404, "not_found").await;
    assert_eq!(problem["title"], "Not found");
    let res = app.client.get(app.url("/nope")).send().await.unwrap();
    assert_problem(res, 404, "not_found").await;

    let res = app
        .request(Method::DELETE, "/api/v1/customers", Some(&app.admin_token))
        .send()
        .await
        .unwrap();
    // RFC 9110: a 405 names the methods that would work.
    let allow = res.headers()["allow"].to_str().unwrap().to_owned();
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
    assert_problem(res, 405, "method_not_allowed").await;
    let res = app
        .request(Method::PUT, "/api/v1/me", Some(&app.admin_token))
        .send()
        .await
        .unwrap();
    assert_problem(res, 405, "method_not_allowed").await;
}

#[tokio::test]
async fn an_id_that_is_not_a_uuid_is_404() {
    let app = TestApp::spawn().await;
    for path in [
        "/api/v1/customers/not-a-uuid",
        "/api/v1/customers/1",
        "/api/v1/stores/xyz",
        "/api/v1/users/%27%20OR%201%3D1",
    ] {
        let res = app.get(path, &app.admin_token).await;
        assert_problem(res, 404, "not_found").await;
    }
    let res = app
        .patch(
            "/api/v1/customers/not-a-uuid",
            &app.admin_token,
            &json!({"city": "上海"}),
            None,
        )
        .await;
    assert_problem(res, 404, "not_found").await;
    let res = app
        .post(
            "/api/v1/customers/not-a-uuid/archive",
            &app.admin_token,
            &json!({}),
        )
        .await;
    assert_problem(res, 404, "not_found").await;
    // A well-formed id that names nothing.
    let res = app
        .get(
            &format!("/api/v1/customers/{}", uuid::Uuid::now_v7()),
            &app.admin_token,
        )
        .await;
    assert_problem(res, 404, "not_found").await;
}

#[tokio::test]
async fn chinese_problems_for_chinese_callers() {
    let app = TestApp::spawn().await;
    let res = app
        .request(Method::POST, "/api/v1/customers", Some(&app.admin_token))
        .header("Accept-Language", "zh-CN,zh;q=0.9,en;q=0.8")
        .json(&json!({"name": "", "phone": "123"}))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["title"], "字段校验失败");
    let errors = problem["errors"].as_array().unwrap();
    let message_of = |field: &str| {
        errors
            .iter()
            .find(|e| e["field"] == field)
            .unwrap_or_else(|| panic!("no error for {field}: {problem}"))["message"]
            .clone()
    };
    assert_eq!(message_of("name"), "必填字段");
    assert_eq!(message_of("phone"), "格式不正确");

    // Errors made outside the handlers (routing, auth, body parsing) too.
    let zh = |method: Method, path: &str, token: Option<&str>| {
        app.request(method, path, token)
            .header("Accept-Language", "zh-CN")
    };
    let res = zh(Method::GET, "/api/v1/nowhere", Some(&app.admin_token))
        .send()
        .await
        .unwrap();
    assert_eq!(
        assert_problem(res, 404, "not_found").await["title"],
        "资源不存在"
    );
    let res = zh(Method::GET, "/api/v1/customers", None)
        .send()
        .await
        .unwrap();
    let www = res.headers().get("www-authenticate").cloned();
    assert_eq!(
        assert_problem(res, 401, "unauthorized").await["title"],
        "需要身份认证"
    );
    assert!(www.is_some(), "the challenge survives translation");
    let res = zh(Method::POST, "/api/v1/customers", Some(&app.admin_token))
        .header("Content-Type", "application/json")
        .body("{oops")
        .send()
        .await
        .unwrap();
    assert_eq!(
        assert_problem(res, 400, "malformed_json").await["title"],
        "JSON 格式错误"
    );
    let res = zh(Method::DELETE, "/api/v1/customers", Some(&app.admin_token))
        .send()
        .await
        .unwrap();
    assert_eq!(
        assert_problem(res, 405, "method_not_allowed").await["title"],
        "不支持该请求方法"
    );

    // English stays the default.
    let res = app
        .post("/api/v1/customers", &app.admin_token, &json!({"name": ""}))
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["title"], "Some fields are invalid");
    assert_eq!(problem["errors"][0]["message"], "must not be empty");
}

#[tokio::test]
async fn request_ids_are_echoed_or_generated() {
    let app = TestApp::spawn().await;
    let res = app
        .request(Method::GET, "/api/v1/me", Some(&app.admin_token))
        .header("X-Request-Id", "req-abc_123.4:5")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["x-request-id"], "req-abc_123.4:5");

    // On errors as well.
    let res = app
        .request(Method::GET, "/api/v1/nowhere", None)
        .header("X-Request-Id", "trace-404")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "trace-404");
    assert_problem(res, 404, "not_found").await;

    // Generated when absent, and unique.
    let mut seen = std::collections::HashSet::new();
    for _ in 0..3 {
        let res = app.client.get(app.url("/health")).send().await.unwrap();
        let id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
        assert!(!id.is_empty());
        assert!(seen.insert(id));
    }
    // An unsafe id (header injection, log forging) is replaced, not echoed.
    let res = app
        .request(Method::GET, "/health", None)
        .header("X-Request-Id", "evil id with spaces")
        .send()
        .await
        .unwrap();
    let id = res.headers()["x-request-id"].to_str().unwrap();
    assert_ne!(id, "evil id with spaces");
    assert!(!id.is_empty());
}

#[tokio::test]
async fn bad_input_never_gets_a_500() {
    let app = TestApp::spawn().await;
    let long = "x".repeat(5000);
    // PostgreSQL refuses NUL in text: it must be caught before the database.
    let nul_cursor = URL_SAFE_NO_PAD.encode(r#"{"s":"-created_at","k":"","i":"\u0000"}"#);
    let cases: Vec<(Method, String, Option<Value>, u16)> = vec![
        (
            Method::GET,
            format!("/api/v1/customers?q={long}"),
            None,
            400,
        ),
        (Method::GET, "/api/v1/customers?q=%00%01".into(), None, 400),
        (Method::GET, "/api/v1/customers?q=a%00b".into(), None, 400),
        (
            Method::GET,
            format!("/api/v1/customers?cursor={nul_cursor}"),
            None,
            400,
        ),
        (Method::GET, "/api/v1/stores?city=%00".into(), None, 400),
        (Method::GET, "/api/v1/users?role=%00".into(), None, 400),
        (Method::GET, "/api/v1/users?store_id=%00".into(), None, 400),
        (
            Method::POST,
            "/api/v1/customers".into(),
            Some(json!({"name": "\u{0000}bad", "notes": long})),
            422,
        ),
        (
            Method::POST,
            "/api/v1/customers".into(),
            Some(json!({"name": "x", "owner_id": "nope", "store_id": uuid::Uuid::now_v7()})),
            422,
        ),
        (
            Method::POST,
            "/api/v1/auth/login".into(),
            Some(json!({"login": "a\u{0000}@acme.test", "password": "x"})),
            401,
        ),
        (
            Method::POST,
            "/api/v1/auth/login".into(),
            Some(json!({"login": long, "password": ""})),
            422,
        ),
        (
            Method::POST,
            "/api/v1/auth/refresh".into(),
            Some(json!({"refresh_token": "rt_\u{0000}"})),
            401,
        ),
        (
            Method::POST,
            "/api/v1/auth/token".into(),
            Some(
                json!({"grant_type": "client_credentials", "client_id": "ci_\u{0000}", "client_secret": "x"}),
            ),
            401,
        ),
        (
            Method::POST,
            "/api/v1/users".into(),
            Some(json!({"name": "x", "email": "a@b", "role": "root", "password": "1"})),
            422,
        ),
        (
            Method::POST,
            "/api/v1/stores".into(),
            Some(json!({"name": "店\u{0000}", "city": "上海"})),
            422,
        ),
    ];
    let mut m = Mismatches::new();
    for (method, path, body, expected) in cases {
        let case = format!("{method} {}", path.chars().take(80).collect::<String>());
        let mut req = app.request(method.clone(), &path, Some(&app.admin_token));
        if let Some(body) = &body {
            req = req.json(body);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let content_type = res.headers()["content-type"].to_str().unwrap().to_owned();
        let text = res.text().await.unwrap();
        if !m.eq(format!("{case}: {text}"), status, expected) {
            continue;
        }
        m.that(
            &case,
            content_type.starts_with("application/problem+json"),
            format!("content type {content_type}"),
        );
        let problem: Value = serde_json::from_str(&text).unwrap();
        m.eq(&case, &problem["status"], status);
    }
    m.assert_none();
}
