//! Inventory alerts (库存预警 / 库龄预警): rules, the hourly evaluation at the clock, one open
//! alert per rule and subject, resolution when the condition clears, notifications to the
//! named roles only, and tenant isolation.

use chrono::TimeDelta;
use serde_json::{Value, json};

use crate::helpers::{Mismatches, TestApp, field_errors, with_status};
use crate::inspections::{add_car, set_status, today};

/// An app whose access tokens outlive the clock's moves.
async fn spawn() -> TestApp {
    TestApp::spawn_with(|s| s.access_token_ttl_secs = 400 * 86_400).await
}

const RULES: &str = "/api/v1/inventory-alert-rules";

async fn rule(app: &TestApp, body: Value) -> Value {
    with_status(app.post(RULES, &app.admin_token, &body).await, 201)
        .await
        .unwrap()
}

async fn alerts(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let page = with_status(
        app.get(&format!("/api/v1/inventory-alerts{query}"), token)
            .await,
        200,
    )
    .await
    .unwrap();
    page["items"].as_array().unwrap().clone()
}

/// The caller's inventory alert notifications.
async fn alert_notifications(app: &TestApp, token: &str) -> Vec<Value> {
    let page = with_status(app.get("/api/v1/me/notifications", token).await, 200)
        .await
        .unwrap();
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "inventory.alert")
        .cloned()
        .collect()
}

/// Moves the clock past the evaluation period and runs the due jobs.
async fn next_hour(app: &TestApp) {
    app.clock
        .advance(TimeDelta::hours(1) + TimeDelta::minutes(1));
    app.run_jobs().await;
}

async fn alert_events(app: &TestApp) -> usize {
    app.all_rows().await.get("outbox_events").map_or(0, |rows| {
        rows.iter()
            .filter(|r| r.contains("inventory.alert"))
            .count()
    })
}

#[tokio::test]
async fn an_aging_alert_opens_once_and_notifies_the_named_role_of_the_cars_store_only() {
    let app = spawn().await;
    let north = app.create_store("北区店", "深圳").await;
    let south = app.create_store("南区店", "深圳").await;
    let (_, north_manager) = app.user_with_role("sales_manager", Some(&north)).await;
    let (_, south_manager) = app.user_with_role("sales_manager", Some(&south)).await;
    let (_, north_consultant) = app.user_with_role("sales_consultant", Some(&north)).await;
    let (_, general_manager) = app.user_with_role("general_manager", None).await;
    let car = add_car(
        &app,
        &app.org_id,
        Some(&north),
        ("比亚迪", "汉"),
        "in_stock",
        today(&app),
    )
    .await;
    rule(
        &app,
        json!({"name": "长库龄车辆", "kind": "aging", "threshold": 30,
               "notify_roles": ["sales_manager"]}),
    )
    .await;

    next_hour(&app).await;
    assert!(alerts(&app, &north_consultant, "").await.is_empty());

    app.clock.advance(TimeDelta::days(31));
    next_hour(&app).await;
    app.run_jobs().await;
    next_hour(&app).await;
    let open = alerts(&app, &north_consultant, "?status=open&kind=aging").await;
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0]["vehicle_id"], car.as_str());
    assert_eq!(open[0]["store_id"], north.as_str());
    assert!(open[0]["observed"].as_i64().unwrap() > 30);
    assert_eq!(alert_events(&app).await, 1);

    let mut m = Mismatches::new();
    m.eq(
        "north manager",
        alert_notifications(&app, &north_manager).await.len(),
        1,
    );
    m.eq(
        "south manager",
        alert_notifications(&app, &south_manager).await.len(),
        0,
    );
    m.eq(
        "north consultant",
        alert_notifications(&app, &north_consultant).await.len(),
        0,
    );
    m.eq(
        "general manager",
        alert_notifications(&app, &general_manager).await.len(),
        0,
    );
    m.assert_none();

    // Sold: the alert resolves.
    set_status(&app, &car, "sold").await;
    next_hour(&app).await;
    assert!(
        alerts(&app, &north_consultant, "?status=open")
            .await
            .is_empty()
    );
    let resolved = alerts(&app, &north_consultant, "?status=resolved").await;
    assert_eq!(resolved.len(), 1);
    assert!(resolved[0]["resolved_at"].is_string());
}

#[tokio::test]
async fn a_low_stock_alert_opens_when_cars_leave_and_resolves_when_stock_is_back() {
    let app = spawn().await;
    let (_, general_manager) = app.user_with_role("general_manager", None).await;
    let today = today(&app);
    let first = add_car(&app, &app.org_id, None, ("比亚迪", "汉"), "in_stock", today).await;
    add_car(&app, &app.org_id, None, ("比亚迪", "汉"), "reserved", today).await;
    add_car(
        &app,
        &app.org_id,
        None,
        ("吉利", "星越L"),
        "in_stock",
        today,
    )
    .await;
    rule(
        &app,
        json!({"name": "比亚迪汉库存不足", "kind": "low_stock", "threshold": 2,
               "brand": "比亚迪", "model": "汉", "notify_roles": ["general_manager"]}),
    )
    .await;
    next_hour(&app).await;
    assert!(alerts(&app, &general_manager, "").await.is_empty());

    set_status(&app, &first, "sold").await;
    next_hour(&app).await;
    next_hour(&app).await;
    let open = alerts(&app, &general_manager, "?status=open").await;
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0]["kind"], "low_stock");
    assert_eq!(open[0]["observed"], 1);
    assert_eq!(open[0]["message"], "库存预警：比亚迪 汉在库1台，低于2台");
    assert_eq!(alert_notifications(&app, &general_manager).await.len(), 1);
    let id = open[0]["id"].as_str().unwrap();
    with_status(
        app.get(&format!("/api/v1/inventory-alerts/{id}"), &general_manager)
            .await,
        200,
    )
    .await
    .unwrap();

    add_car(&app, &app.org_id, None, ("比亚迪", "汉"), "in_stock", today).await;
    next_hour(&app).await;
    assert!(
        alerts(&app, &general_manager, "?status=open")
            .await
            .is_empty()
    );
    assert_eq!(
        alerts(&app, &general_manager, "?status=resolved&kind=low_stock")
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn rules_are_checked_guarded_by_role_and_isolated_by_tenant() {
    let app = spawn().await;
    let store = app.create_store("南山店", "深圳").await;
    let (_, consultant) = app.user_with_role("sales_consultant", Some(&store)).await;
    let other = app.other_tenant().await;
    let good = json!({"name": "SUV库存不足", "kind": "low_stock", "threshold": 3,
                      "body_type": "suv", "notify_roles": ["sales_manager", "general_manager"]});
    let with = |f: &dyn Fn(&mut Value)| {
        let mut body = good.clone();
        f(&mut body);
        body
    };
    let mut m = Mismatches::new();
    for (case, body, field) in [
        (
            "unknown kind",
            with(&|b| b["kind"] = json!("overstock")),
            "kind",
        ),
        (
            "zero threshold",
            with(&|b| b["threshold"] = json!(0)),
            "threshold",
        ),
        (
            "no roles",
            with(&|b| b["notify_roles"] = json!([])),
            "notify_roles",
        ),
        (
            "customer role",
            with(&|b| b["notify_roles"] = json!(["customer"])),
            "notify_roles",
        ),
        (
            "bad body",
            with(&|b| b["body_type"] = json!("tank")),
            "body_type",
        ),
        (
            "model without brand",
            with(&|b| b["model"] = json!("汉")),
            "model",
        ),
        (
            "unknown store",
            with(&|b| b["store_id"] = json!(uuid::Uuid::now_v7().to_string())),
            "store_id",
        ),
    ] {
        let res = app.post(RULES, &app.admin_token, &body).await;
        let outcome = with_status(res, 422).await.and_then(|p| field_errors(&p));
        if let Some(errors) = m.check(case, outcome) {
            m.that(
                case,
                errors.iter().any(|(f, _)| f == field),
                format!("{errors:?} lacks {field}"),
            );
        }
    }
    m.eq(
        "consultant writes",
        app.post(RULES, &consultant, &good).await.status().as_u16(),
        403,
    );
    m.eq(
        "consultant lists rules",
        app.get(RULES, &consultant).await.status().as_u16(),
        403,
    );
    m.eq(
        "consultant lists alerts",
        app.get("/api/v1/inventory-alerts", &consultant)
            .await
            .status()
            .as_u16(),
        200,
    );
    m.eq(
        "bad status filter",
        app.get("/api/v1/inventory-alerts?status=closed", &consultant)
            .await
            .status()
            .as_u16(),
        422,
    );
    m.assert_none();
    let written = app.all_rows().await;
    assert_eq!(written.get("inventory_alert_rules").map_or(0, Vec::len), 0);

    let created = rule(&app, good.clone()).await;
    let id = created["id"].as_str().unwrap();
    assert_eq!(
        created["notify_roles"],
        json!(["general_manager", "sales_manager"])
    );
    let path = format!("{RULES}/{id}");
    let mut m = Mismatches::new();
    m.eq(
        "other tenant patches",
        app.patch(&path, &other, &json!({"threshold": 5}), None)
            .await
            .status()
            .as_u16(),
        404,
    );
    m.eq(
        "other tenant deletes",
        app.request(reqwest::Method::DELETE, &path, Some(&other))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        404,
    );
    let listed = with_status(app.get(RULES, &other).await, 200)
        .await
        .unwrap();
    m.eq(
        "other tenant lists",
        listed["items"].as_array().unwrap().len(),
        0,
    );
    let patched = with_status(
        app.patch(
            &path,
            &app.admin_token,
            &json!({"threshold": 5, "brand": "比亚迪"}),
            Some(1),
        )
        .await,
        200,
    )
    .await;
    if let Some(p) = m.check("patch", patched) {
        m.eq("threshold", p["threshold"].clone(), json!(5));
        m.eq("version", p["version"].clone(), json!(2));
    }
    m.eq(
        "stale patch",
        app.patch(&path, &app.admin_token, &json!({"threshold": 6}), Some(1))
            .await
            .status()
            .as_u16(),
        412,
    );
    m.eq(
        "null threshold",
        app.patch(&path, &app.admin_token, &json!({"threshold": null}), None)
            .await
            .status()
            .as_u16(),
        422,
    );
    m.eq(
        "delete",
        app.request(reqwest::Method::DELETE, &path, Some(&app.admin_token))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        204,
    );
    m.eq(
        "deleted",
        app.request(reqwest::Method::DELETE, &path, Some(&app.admin_token))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        404,
    );
    m.assert_none();
}
