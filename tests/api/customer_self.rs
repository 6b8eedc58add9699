//! A customer token's own data: consents, garage and behaviour events through `/api/v1/me/*`,
//! the staff endpoints' own service functions, and never another customer's rows.

use reqwest::Method;
use serde_json::{Value, json};

use crate::customer_wechat::{app_with_wechat, customer_token};
use crate::helpers::{Mismatches, TestApp, assert_problem, with_status};

const VIN: &str = "LGXCE4CB2N0123456";
const OTHER_VIN: &str = "LSVAU218XN2183294";

async fn ok(res: reqwest::Response, status: u16) -> Value {
    with_status(res, status).await.unwrap()
}

async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut req = app.request(method, path, Some(token));
    if let Some(body) = body {
        req = req.json(&body);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn a_customer_keeps_their_own_consents_garage_and_behaviour() {
    let (app, _wechat) = app_with_wechat().await;
    let (me, token) = customer_token(&app, "code-zhang").await;
    let t = token.as_str();

    // Consents: recorded by the customer, seen by staff, marketing flag derived.
    let consent = json!({"purpose": "marketing", "action": "granted", "channel": "mini_program",
                         "method": "checkbox", "text_version": "marketing-2026-01"});
    let row = ok(app.post("/api/v1/me/consents", t, &consent).await, 201).await;
    assert_eq!(row["customer_id"], me.as_str());
    let mine = ok(app.get("/api/v1/me/consents", t).await, 200).await;
    assert_eq!(mine["status"][0]["status"], "granted");
    assert_eq!(mine["records"].as_array().unwrap().len(), 1);
    let staff_view = ok(
        app.get(&format!("/api/v1/customers/{me}"), &app.admin_token)
            .await,
        200,
    )
    .await;
    assert_eq!(staff_view["marketing_consent"], true);
    let withdrawn = json!({"purpose": "marketing", "action": "withdrawn", "channel": "mini_program",
                           "method": "checkbox"});
    ok(app.post("/api/v1/me/consents", t, &withdrawn).await, 201).await;
    let staff_view = ok(
        app.get(&format!("/api/v1/customers/{me}"), &app.admin_token)
            .await,
        200,
    )
    .await;
    assert_eq!(staff_view["marketing_consent"], false);
    assert_problem(
        app.post(
            "/api/v1/me/consents",
            t,
            &json!({"purpose": "everything", "action": "granted", "channel": "mini_program", "method": "checkbox"}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;

    // Garage: add, change, read a mileage, list, remove.
    let vehicle = ok(
        app.post(
            "/api/v1/me/garage",
            t,
            &json!({"vin": VIN, "plate": "浙A 12345", "brand": "大众", "model": "朗逸", "year": 2016}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(vehicle["customer_id"], me.as_str());
    assert_eq!(vehicle["plate"], "浙A12345");
    let vid = vehicle["id"].as_str().unwrap().to_owned();
    assert_problem(
        app.post(
            "/api/v1/me/garage",
            t,
            &json!({"vin": VIN, "brand": "大众", "model": "朗逸"}),
        )
        .await,
        409,
        "duplicate",
    )
    .await;
    let changed = ok(
        app.patch(
            &format!("/api/v1/me/garage/{vid}"),
            t,
            &json!({"year": 2017}),
            Some(1),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(changed["year"], 2017);
    ok(
        app.post(
            &format!("/api/v1/me/garage/{vid}/mileage"),
            t,
            &json!({"mileage_km": 126000}),
        )
        .await,
        201,
    )
    .await;
    let garage = ok(app.get("/api/v1/me/garage", t).await, 200).await;
    assert_eq!(garage["items"][0]["current_mileage_km"], 126000);
    let staff_garage = ok(
        app.get(
            &format!("/api/v1/customers/{me}/vehicles"),
            &app.admin_token,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(staff_garage["items"][0]["id"], vid.as_str());

    // Behaviour events: every one is the customer's own, whatever customer_id says.
    let other = app
        .create_customer(&app.admin_token, &json!({"name": "王芳"}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let at = app.clock_now().to_rfc3339();
    let posted = ok(
        app.post(
            "/api/v1/me/behavior-events",
            t,
            &json!({"events": [
                {"event_type": "vehicle_viewed", "occurred_at": at, "device_id": "wxmp-zw",
                 "models": [{"brand": "比亚迪", "model": "汉EV"}]},
                {"event_type": "vehicle_compared", "occurred_at": at, "customer_id": other,
                 "models": [{"brand": "比亚迪", "model": "汉EV"}, {"brand": "特斯拉", "model": "Model 3"}]},
                {"event_type": "teleported", "occurred_at": at}
            ]}),
        )
        .await,
        200,
    )
    .await;
    let mut m = Mismatches::new();
    m.eq("accepted", &posted["accepted"], &json!(2));
    m.eq("first", &posted["results"][0]["customer_id"], &json!(me));
    m.eq("forced", &posted["results"][1]["customer_id"], &json!(me));
    m.assert_none();
    let mine = ok(
        app.get(
            &format!("/api/v1/customers/{me}/behavior-summary"),
            &app.admin_token,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(mine["events"], 2);
    let theirs = ok(
        app.get(
            &format!("/api/v1/customers/{other}/behavior-summary"),
            &app.admin_token,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(theirs["events"], 0);

    // Remove the vehicle.
    let res = send(
        &app,
        Method::DELETE,
        &format!("/api/v1/me/garage/{vid}"),
        t,
        None,
    )
    .await;
    assert_eq!(res.status(), 204);
    let garage = ok(app.get("/api/v1/me/garage", t).await, 200).await;
    assert_eq!(garage["items"], json!([]));
}

#[tokio::test]
async fn a_customer_token_never_reaches_another_customers_data() {
    let (app, _wechat) = app_with_wechat().await;
    let (_, zhang) = customer_token(&app, "code-zhang").await;
    let (li, li_token) = customer_token(&app, "code-li").await;
    // Li's vehicle, added by Li.
    let vehicle = ok(
        app.post(
            "/api/v1/me/garage",
            &li_token,
            &json!({"vin": OTHER_VIN, "brand": "大众", "model": "帕萨特"}),
        )
        .await,
        201,
    )
    .await;
    let vid = vehicle["id"].as_str().unwrap().to_owned();
    let z = zhang.as_str();
    // Zhang cannot change, remove or read a mileage into Li's vehicle: 404.
    assert_problem(
        app.patch(
            &format!("/api/v1/me/garage/{vid}"),
            z,
            &json!({"year": 2020}),
            None,
        )
        .await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        send(
            &app,
            Method::DELETE,
            &format!("/api/v1/me/garage/{vid}"),
            z,
            None,
        )
        .await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.post(
            &format!("/api/v1/me/garage/{vid}/mileage"),
            z,
            &json!({"mileage_km": 1}),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    // Zhang's garage does not show it; the staff endpoints stay closed to customers.
    let garage = ok(app.get("/api/v1/me/garage", z).await, 200).await;
    assert_eq!(garage["items"], json!([]));
    for (method, path, body) in [
        (
            Method::GET,
            format!("/api/v1/customers/{li}/vehicles"),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/customers/{li}/consents"),
            None,
        ),
        (Method::GET, format!("/api/v1/customers/{li}/360"), None),
        (
            Method::POST,
            format!("/api/v1/customers/{li}/consents"),
            Some(
                json!({"purpose": "marketing", "action": "granted", "channel": "mini_program", "method": "checkbox"}),
            ),
        ),
        (
            Method::POST,
            "/api/v1/behavior-events".to_owned(),
            Some(
                json!({"events": [{"event_type": "page_viewed", "occurred_at": app.clock_now().to_rfc3339(), "customer_id": li}]}),
            ),
        ),
    ] {
        assert_problem(send(&app, method, &path, z, body).await, 403, "forbidden").await;
    }
    // Li's record is untouched.
    let li_vehicle = ok(app.get("/api/v1/me/garage", &li_token).await, 200).await;
    assert_eq!(li_vehicle["items"][0]["year"], Value::Null);
    // Staff tokens have no "own" data.
    for path in ["/api/v1/me/consents", "/api/v1/me/garage"] {
        assert_problem(app.get(path, &app.admin_token).await, 403, "forbidden").await;
    }
    assert_problem(
        app.post(
            "/api/v1/me/behavior-events",
            &app.admin_token,
            &json!({"events": [{"event_type": "page_viewed", "occurred_at": app.clock_now().to_rfc3339(), "device_id": "d"}]}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
}
