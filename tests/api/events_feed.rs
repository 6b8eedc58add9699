//! The events feed: published events, oldest first by feed position, paged by cursor; a
//! walker that keeps its cursor never skips an event, even one that committed late.

use autocrm_persistence::db::new_id;
use autocrm_persistence::models::OutboxEvent;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, with_status};
use crate::webhooks::tick;

async fn page(app: &TestApp, token: &str, query: &str) -> Value {
    with_status(app.get(&format!("/api/v1/events{query}"), token).await, 200)
        .await
        .unwrap()
}

fn types(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_feed_pages_oldest_first_and_a_walker_never_skips() {
    let app = TestApp::spawn().await;
    let token = app.integration_token(&["events:read"]).await;
    // Nothing yet: an empty page and no cursor.
    let empty = page(&app, &token, "").await;
    assert_eq!(empty["items"], json!([]));
    assert!(empty["next_cursor"].is_null());

    let mut names = Vec::new();
    for i in 0..5 {
        let name = format!("客户{i}");
        app.create_customer(
            &app.admin_token,
            &json!({"name": name, "phone": format!("1381234567{i}")}),
        )
        .await;
        names.push(name);
    }
    // Not in the feed before the relay has published them.
    assert_eq!(page(&app, &token, "").await["items"], json!([]));
    tick(&app).await;

    // Pages of two, oldest first.
    let mut cursor: Option<String> = None;
    let mut seen = Vec::new();
    for _ in 0..3 {
        let query = match &cursor {
            Some(c) => format!("?limit=2&cursor={c}"),
            None => "?limit=2".into(),
        };
        let p = page(&app, &token, &query).await;
        for item in p["items"].as_array().unwrap() {
            assert_eq!(item["type"], "customer.created");
            assert!(item["id"].is_string() && item["timestamp"].is_string());
            assert!(item["data"].get("phone").is_none());
            seen.push(item["data"]["name"].as_str().unwrap().to_owned());
        }
        cursor = p["next_cursor"].as_str().map(str::to_owned);
    }
    assert_eq!(seen, names);
    let cursor = cursor.expect("the cursor stays at the end");
    assert_eq!(
        page(&app, &token, &format!("?cursor={cursor}")).await["items"],
        json!([])
    );

    // An event that committed late with an older id (a slow transaction): the relay gives it
    // the next position, so the walker still sees it.
    let late_id = new_id();
    let late = late_id.clone();
    let customer = app
        .create_customer(&app.admin_token, &json!({"name": "新客户"}))
        .await;
    let org = app.org_id.clone();
    let now = app.clock_now();
    app.with_db(move |conn| {
        OutboxEvent {
            id: late_id.clone(),
            org_id: org.clone(),
            event_type: "customer.updated".into(),
            aggregate_type: "customer".into(),
            aggregate_id: "c".into(),
            payload:
                json!({"id": late_id, "type": "customer.updated", "timestamp": now.to_rfc3339(),
                            "org_id": org, "data": {"customer_id": "c"}})
                .to_string(),
            created_at: now.naive_utc(),
            published_at: None,
            feed_position: None,
        }
        .insert(conn)
        .unwrap();
    })
    .await;
    tick(&app).await;
    let next = page(&app, &token, &format!("?cursor={cursor}")).await;
    let items = next["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{next}");
    let ids: Vec<&str> = items.iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert!(
        items
            .iter()
            .any(|i| i["data"]["customer_id"] == customer["id"])
    );
    assert!(
        ids.contains(&late.as_str()),
        "the late event is in the feed"
    );

    // Filter by type; unknown types are refused.
    let updated = page(&app, &token, "?types=customer.updated").await;
    assert_eq!(types(&updated), vec!["customer.updated"]);
    let res = app
        .get("/api/v1/events?types=customer.deleted", &token)
        .await;
    assert_problem(res, 400, "invalid_query").await;
    let res = app.get("/api/v1/events?cursor=bm9wZQ", &token).await;
    assert_problem(res, 400, "invalid_cursor").await;
}

#[tokio::test]
async fn the_feed_is_for_admins_general_managers_and_events_read_and_per_tenant() {
    let app = TestApp::spawn().await;
    app.create_customer(&app.admin_token, &json!({"name": "王芳"}))
        .await;
    tick(&app).await;
    assert_eq!(
        page(&app, &app.admin_token, "").await["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let (_, gm) = app.user_with_role("general_manager", None).await;
    assert_eq!(
        page(&app, &gm, "").await["items"].as_array().unwrap().len(),
        1
    );
    let store = app.create_store("上海浦东4S店", "上海").await;
    let (_, consultant) = app.user_with_role("sales_consultant", Some(&store)).await;
    assert_problem(
        app.get("/api/v1/events", &consultant).await,
        403,
        "forbidden",
    )
    .await;
    let reader = app.integration_token(&["customers:read"]).await;
    assert_problem(app.get("/api/v1/events", &reader).await, 403, "forbidden").await;
    // Another organisation's feed holds only its own events.
    let other = app.other_tenant().await;
    assert_eq!(page(&app, &other, "").await["items"], json!([]));
}
