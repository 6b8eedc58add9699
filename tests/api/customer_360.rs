//! `GET /api/v1/customers/{id}/360`: every section in one answer, in the caller's scope,
//! personal data masked.

use chrono::TimeDelta;
use serde_json::{Value, json};

use crate::helpers::{Mismatches, TestApp, assert_problem, with_status};

const VIN: &str = "LGXCE4CB2N0123456";
const OPENID: &str = "oWx1234567890abcdef";

fn path(id: &str) -> String {
    format!("/api/v1/customers/{id}/360")
}

async fn ok(res: reqwest::Response, status: u16) -> Value {
    with_status(res, status).await.unwrap()
}

/// A customer of `consultant` with something in every section; its id.
async fn rich_customer(app: &TestApp, consultant: &str) -> String {
    let customer = app
        .create_customer(
            consultant,
            &json!({
                "name": "张伟", "phone": "13812345678", "wechat_openid": OPENID,
                "city": "杭州", "marketing_consent": true,
                "needs": {"budget_min_cents": 15000000, "budget_max_cents": 20000000,
                          "body_types": ["suv"], "timeframe": "within_30_days"}
            }),
        )
        .await;
    let id = customer["id"].as_str().unwrap().to_owned();
    let base = format!("/api/v1/customers/{id}");
    let follow_up = (app.clock_now() + TimeDelta::days(2)).to_rfc3339();
    ok(
        app.post(
            &format!("{base}/activities"),
            consultant,
            &json!({"kind": "call", "next_follow_up_at": follow_up, "content": "约周六试驾"}),
        )
        .await,
        201,
    )
    .await;
    ok(
        app.post(
            &format!("{base}/activities"),
            consultant,
            &json!({"kind": "note", "content": "关注续航"}),
        )
        .await,
        201,
    )
    .await;
    ok(
        app.post(
            &format!("{base}/vehicles"),
            consultant,
            &json!({"vin": VIN, "plate": "浙A·12345", "brand": "大众", "model": "朗逸", "year": 2016}),
        )
        .await,
        201,
    )
    .await;
    ok(
        app.post(
            "/api/v1/behavior-events",
            consultant,
            &json!({"events": [{"event_type": "vehicle_viewed", "occurred_at": app.clock_now().to_rfc3339(),
                                "customer_id": id, "models": [{"brand": "比亚迪", "model": "汉EV"}]}]}),
        )
        .await,
        200,
    )
    .await;
    let tag = ok(
        app.post(
            "/api/v1/tags",
            &app.admin_token,
            &json!({"name": "VIP客户", "colour": "#e4393c"}),
        )
        .await,
        201,
    )
    .await;
    ok(
        app.post(
            &format!("{base}/tags"),
            consultant,
            &json!({"tag_id": tag["id"]}),
        )
        .await,
        200,
    )
    .await;
    ok(
        app.post(
            "/api/v1/financing-applications",
            consultant,
            &json!({"customer_id": id, "plan": {
                "vehicle_price_cents": 20_000_000, "down_payment_percent": 30, "term_months": 36,
                "annual_rate_percent": 4.85, "method": "equal_installment"}}),
        )
        .await,
        201,
    )
    .await;
    id
}

#[tokio::test]
async fn the_360_view_has_every_section_in_the_callers_scope() {
    let app = TestApp::spawn().await;
    let store = app.create_store("杭州西湖店", "杭州").await;
    let (_, owner) = app.user_with_role("sales_consultant", Some(&store)).await;
    let (_, colleague) = app.user_with_role("sales_consultant", Some(&store)).await;
    let (_, advisor) = app.user_with_role("service_advisor", Some(&store)).await;
    let (_, finance) = app.user_with_role("finance", None).await;
    let id = rich_customer(&app, &owner).await;

    let res = app.get(&path(&id), &owner).await;
    let text = res.text().await.unwrap();
    let view: Value = serde_json::from_str(&text).unwrap();
    let mut m = Mismatches::new();
    m.eq("profile id", &view["profile"]["id"], &json!(id));
    m.eq(
        "masked phone",
        &view["profile"]["phone"],
        &json!("138****5678"),
    );
    m.that(
        "no clear personal data",
        !text.contains("13812345678") && !text.contains(OPENID),
        &text,
    );
    m.eq(
        "needs",
        &view["profile"]["needs"]["timeframe"],
        &json!("within_30_days"),
    );
    m.eq(
        "lifecycle",
        &view["profile"]["lifecycle_changes"][0]["to"],
        &json!("prospect"),
    );
    m.eq("contacts", &view["profile"]["contacts"], &json!([]));
    m.eq(
        "manual tag",
        &view["tags"]["manual"][0]["name"],
        &json!("VIP客户"),
    );
    m.that(
        "dynamic tags with their rules",
        view["tags"]["dynamic"]
            .as_array()
            .is_some_and(|d| !d.is_empty() && d.iter().all(|t| t["rule_id"].is_string())),
        &view["tags"],
    );
    m.eq("activities", &view["activities"]["total"], &json!(2));
    m.eq(
        "per kind",
        &view["activities"]["by_kind"],
        &json!({"call": 1, "note": 1}),
    );
    m.that(
        "next follow-up",
        view["activities"]["next_follow_up_at"].is_string(),
        &view["activities"],
    );
    m.that(
        "last activity",
        view["activities"]["last_activity_at"].is_string(),
        &view["activities"],
    );
    m.eq(
        "latest, newest first",
        &view["activities"]["latest"][0]["kind"],
        &json!("note"),
    );
    m.eq("behaviour", &view["behavior"]["events"], &json!(1));
    m.eq("vehicle", &view["vehicles"][0]["vin"], &json!(VIN));
    m.eq(
        "financing",
        &view["financing_applications"].as_array().map(Vec::len),
        &Some(1),
    );
    m.eq(
        "consents",
        &view["consents"][0],
        &json!({"purpose": "marketing", "allowed": true, "status": "granted",
                "since": view["consents"][0]["since"]}),
    );
    m.eq(
        "consent purposes",
        &view["consents"].as_array().map(Vec::len),
        &Some(3),
    );
    m.assert_none();

    // The store's service advisor sees the customer but not financing applications.
    let seen = ok(app.get(&path(&id), &advisor).await, 200).await;
    assert_eq!(seen["financing_applications"], Value::Null);
    assert_eq!(seen["vehicles"][0]["vin"], VIN);
    // Another consultant does not own the customer: 404, as for the record itself.
    assert_problem(app.get(&path(&id), &colleague).await, 404, "not_found").await;
    // Finance staff may not read customers at all.
    assert_problem(app.get(&path(&id), &finance).await, 403, "forbidden").await;
    // Another tenant: 404; an id that names nothing: 404.
    let other = app.other_tenant().await;
    assert_problem(app.get(&path(&id), &other).await, 404, "not_found").await;
    let nobody = uuid::Uuid::now_v7().to_string();
    assert_problem(app.get(&path(&nobody), &owner).await, 404, "not_found").await;

    // Integration clients: customers:read, and financing only with financing:read.
    let reader = app.integration_token(&["customers:read"]).await;
    let seen = ok(app.get(&path(&id), &reader).await, 200).await;
    assert_eq!(seen["financing_applications"], Value::Null);
    assert_eq!(seen["profile"]["phone"], "138****5678");
    let both = app
        .integration_token(&["customers:read", "financing:read"])
        .await;
    let seen = ok(app.get(&path(&id), &both).await, 200).await;
    assert_eq!(seen["financing_applications"].as_array().unwrap().len(), 1);
    let no_scope = app.integration_token(&["financing:read"]).await;
    assert_problem(app.get(&path(&id), &no_scope).await, 403, "forbidden").await;
}

#[tokio::test]
async fn an_empty_customer_has_empty_sections() {
    let app = TestApp::spawn().await;
    let id = app
        .create_customer(&app.admin_token, &json!({"name": "李娜"}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let view = ok(app.get(&path(&id), &app.admin_token).await, 200).await;
    let mut m = Mismatches::new();
    m.eq("activities", &view["activities"]["total"], &json!(0));
    m.eq("latest", &view["activities"]["latest"], &json!([]));
    m.eq(
        "no follow-up",
        &view["activities"]["next_follow_up_at"],
        &Value::Null,
    );
    m.eq("vehicles", &view["vehicles"], &json!([]));
    m.eq("financing", &view["financing_applications"], &json!([]));
    m.eq("behaviour", &view["behavior"]["events"], &json!(0));
    m.eq("manual tags", &view["tags"]["manual"], &json!([]));
    m.eq(
        "consents never recorded",
        &view["consents"][0]["status"],
        &json!("never_recorded"),
    );
    m.assert_none();
}
