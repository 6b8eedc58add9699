//! The served OpenAPI document, the docs UI, and the metrics endpoint.

use serde_json::{Value, json};

use crate::helpers::{Mismatches, TestApp};

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

async fn spec(app: &TestApp) -> Value {
    let res = app
        .client
        .get(app.url("/api-docs/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

/// Every operation: (METHOD path, operation).
fn operations(spec: &Value) -> Vec<(String, Value)> {
    let mut ops = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for method in METHODS {
            if let Some(op) = item.get(method) {
                ops.push((format!("{} {path}", method.to_uppercase()), op.clone()));
            }
        }
    }
    ops
}

/// Resolves a `$ref` to `#/components/...`.
fn resolve<'a>(spec: &'a Value, value: &'a Value) -> &'a Value {
    match value["$ref"].as_str() {
        Some(r) => spec
            .pointer(r.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("dangling $ref {r}")),
        None => value,
    }
}

fn is_secured(op: &Value) -> bool {
    op["security"].as_array().is_some_and(|reqs| {
        reqs.iter()
            .any(|r| r.as_object().is_some_and(|o| !o.is_empty()))
    })
}

#[tokio::test]
async fn the_document_is_openapi_3_1_and_covers_the_api() {
    let app = TestApp::spawn().await;
    let spec = spec(&app).await;
    assert!(
        spec["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        spec["openapi"]
    );
    assert!(spec["info"]["title"].is_string());
    assert_eq!(
        spec["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let ops = operations(&spec);
    let names: Vec<&str> = ops.iter().map(|(n, _)| n.as_str()).collect();
    for expected in [
        "POST /api/v1/auth/login",
        "POST /api/v1/auth/refresh",
        "POST /api/v1/auth/logout",
        "POST /api/v1/auth/token",
        "GET /api/v1/me",
        "POST /api/v1/me/password",
        "GET /api/v1/customers",
        "POST /api/v1/customers",
        "GET /api/v1/customers/{id}",
        "PATCH /api/v1/customers/{id}",
        "POST /api/v1/customers/{id}/archive",
        "POST /api/v1/customers/{id}/reveal",
        "GET /api/v1/stores",
        "GET /api/v1/users",
        "POST /api/v1/api-clients",
        "GET /health",
        "GET /ready",
        "GET /metrics",
    ] {
        assert!(names.contains(&expected), "{expected} is not documented");
    }
    // It is the checked-in file's content, served live.
    let checked_in: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../openapi/openapi.json"
        ))
        .unwrap(),
    )
    .unwrap();
    assert!(
        spec == checked_in,
        "the served document differs from openapi/openapi.json: run `make openapi`"
    );
}

#[tokio::test]
async fn every_operation_declares_security_success_and_problem_errors() {
    let app = TestApp::spawn().await;
    let spec = spec(&app).await;
    let mut m = Mismatches::new();
    for (name, op) in operations(&spec) {
        m.that(&name, op["security"].is_array(), "no security declared");
        let Some(responses) = op["responses"].as_object() else {
            m.that(&name, false, "no responses");
            continue;
        };
        m.that(
            &name,
            responses.keys().any(|s| s.starts_with('2')),
            "no 2xx response",
        );
        let errors: Vec<&String> = responses
            .keys()
            .filter(|s| s.starts_with('4') || s.starts_with('5'))
            .collect();
        m.that(&name, !errors.is_empty(), "no error responses");
        for status in errors {
            let case = format!("{name} {status}");
            let response = resolve(&spec, &responses[status]);
            let Some(content) = response["content"].as_object() else {
                m.that(&case, false, "no content");
                continue;
            };
            m.that(
                &case,
                content.contains_key("application/problem+json"),
                format!("{:?}", content.keys().collect::<Vec<_>>()),
            );
            let schema = &content["application/problem+json"]["schema"];
            m.eq(&case, &schema["$ref"], "#/components/schemas/Problem");
        }
        if is_secured(&op) {
            m.that(&name, responses.contains_key("401"), "secured but no 401");
            m.that(&name, responses.contains_key("403"), "secured but no 403");
        }
        if name.contains('{') {
            m.that(&name, responses.contains_key("404"), "has an id but no 404");
        }
        if let Some(body) = op.get("requestBody") {
            let body = resolve(&spec, body);
            let Some(content) = body["content"].as_object() else {
                m.that(&name, false, "empty body");
                continue;
            };
            m.that(&name, !content.is_empty(), "a body without content");
            for (media, entry) in content {
                let schema = resolve(&spec, &entry["schema"]);
                // JSON, or a file (an upload: raw bytes of a type, or one multipart part).
                let file = schema["format"] == "binary"
                    || (media == "multipart/form-data"
                        && schema["properties"]["file"]["format"] == "binary");
                m.that(
                    &name,
                    // XML only where a standard format is XML (ADF lead intake).
                    media == "application/json"
                        || media.ends_with("+json")
                        || file
                        || (media.ends_with("xml") && schema["type"] == "string"),
                    format!("body as {media}"),
                );
                m.that(
                    &name,
                    schema.get("type").is_some() || schema.get("properties").is_some(),
                    format!("body without a JSON schema: {schema}"),
                );
            }
            m.that(&name, responses.contains_key("422"), "a body but no 422");
            m.that(&name, responses.contains_key("415"), "a body but no 415");
        }
    }
    // Operations nobody needs a token for say so explicitly.
    let public = operations(&spec)
        .into_iter()
        .filter(|(_, op)| !is_secured(op))
        .map(|(n, _)| n)
        .collect::<Vec<_>>();
    for name in &public {
        m.that(
            name,
            name.contains("/auth/")
                || name.contains("/customer-auth/")
                // The secret token in the path is the credential of a calendar feed.
                || name == "GET /api/v1/calendar/{feed_token}.ics"
                || ["GET /health", "GET /ready", "GET /metrics"].contains(&name.as_str()),
            "is public",
        );
    }
    // The customer writes name the scope a machine client needs.
    let create = &spec["paths"]["/api/v1/customers"]["post"];
    m.eq(
        "POST /api/v1/customers",
        &create["security"],
        &json!([{"bearer": ["customers:write"]}]),
    );
    m.assert_none();
}

#[tokio::test]
async fn the_docs_ui_is_served() {
    let app = TestApp::spawn().await;
    let res = app
        .client
        .get(app.url("/docs/index.html"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let content_type = res.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let html = res.text().await.unwrap();
    assert!(html.to_lowercase().contains("<html"));
    assert!(html.contains("swagger"), "not the Swagger UI");
    // /docs itself leads there.
    let res = app.client.get(app.url("/docs")).send().await.unwrap();
    assert!(res.status().is_redirection());
    assert!(
        res.headers()["location"]
            .to_str()
            .unwrap()
            .ends_with("/docs/index.html")
    );
}

#[tokio::test]
async fn metrics_count_requests_by_route() {
    let app = TestApp::spawn().await;
    app.get("/api/v1/customers", &app.admin_token).await;
    let id = uuid::Uuid::now_v7();
    app.get(&format!("/api/v1/customers/{id}"), &app.admin_token)
        .await;
    let res = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let content_type = res.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    let text = res.text().await.unwrap();
    assert!(text.contains("# TYPE autocrm_http_requests_total counter"));
    let line = text
        .lines()
        .find(|l| {
            l.starts_with("autocrm_http_requests_total{")
                && l.contains("method=\"GET\"")
                && l.contains("route=\"/api/v1/customers\"")
                && l.contains("status=\"200\"")
        })
        .unwrap_or_else(|| panic!("no count for GET /api/v1/customers:\n{text}"));
    let count: u64 = line.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(count >= 1);
    // Labelled by route pattern, so ids do not make new series.
    assert!(text.contains("route=\"/api/v1/customers/{id}\""), "{text}");
    assert!(!text.contains(&id.to_string()));
    assert!(text.contains("autocrm_http_request_duration_seconds_bucket"));
}

/// What the outbox adds to a write is measured in the server (the bench reads it).
#[tokio::test]
async fn metrics_time_the_event_writes() {
    let app = TestApp::spawn().await;
    let res = app
        .post(
            "/api/v1/customers",
            &app.admin_token,
            &serde_json::json!({"name": "周晓梅"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let value = |name: &str| -> f64 {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or_else(|| panic!("no {name}:\n{text}"))
    };
    // The counters are per process, and tests share it: at least this create's event.
    assert!(value("autocrm_event_writes_total") >= 1.0);
    assert!(value("autocrm_event_write_seconds_total") > 0.0);
}
