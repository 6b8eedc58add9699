//! Transfers of cars between stores: the full path moves the car's store, a step cannot be
//! skipped, who may act for which store, one open transfer per car, a reserved car stays,
//! another tenant's transfer is 404.

use serde_json::{Value, json};

use crate::helpers::{
    Call, Expect, FORBIDDEN, NOT_FOUND, TestApp, assert_problem, status_and_body,
};
use crate::reservations::{REFUSED, event_types, stored_vehicle, vehicle};

const TRANSFERS: &str = "/api/v1/vehicle-transfers";

fn step(id: &str, what: &str) -> String {
    format!("{TRANSFERS}/{id}/{what}")
}

async fn ok(app: &TestApp, token: &str, path: &str, body: &Value, expected: u16) -> Value {
    let (status, body) = status_and_body(app.post(path, token, body).await).await;
    assert_eq!(status, expected, "{path}: {body}");
    body
}

async fn transfer_count(app: &TestApp) -> usize {
    let page: Value = app
        .get(&format!("{TRANSFERS}?limit=200"), &app.admin_token)
        .await
        .json()
        .await
        .unwrap();
    page["items"].as_array().unwrap().len()
}

#[tokio::test]
async fn a_transfer_moves_the_car_step_by_step() {
    let app = TestApp::spawn().await;
    let shenzhen = app.create_store("深圳南山店", "深圳").await;
    let changsha = app.create_store("长沙岳麓店", "长沙").await;
    let (origin_id, origin) = app.user_with_role("sales_manager", Some(&shenzhen)).await;
    let (_, destination) = app.user_with_role("sales_manager", Some(&changsha)).await;
    let car = vehicle(&app, Some(&shenzhen)).await;

    let t = ok(
        &app,
        &destination,
        TRANSFERS,
        &json!({"vehicle_id": car, "to_store_id": changsha, "reason": "长沙店客户指定此车"}),
        201,
    )
    .await;
    let id = t["id"].as_str().unwrap().to_owned();
    assert_eq!(t["status"], "requested");
    assert_eq!(t["from_store_id"], shenzhen.as_str());
    assert_eq!(t["vehicle"]["id"], car.as_str());
    assert!(t["vehicle"].get("acquisition_cost_cents").is_none());
    // 深圳 → 长沙: about 640 km straight, 800 km by road, three days.
    let estimate = &t["estimate"];
    let km = estimate["distance_km"].as_i64().unwrap();
    assert!((600..700).contains(&km), "{estimate}");
    assert_eq!(
        estimate["cost_cents"].as_i64().unwrap(),
        50_000 + 200 * estimate["road_km"].as_i64().unwrap()
    );
    assert!(estimate["days"].as_i64().unwrap() >= 2);

    let dispatch = json!({"carrier": "安吉物流", "waybill_no": "AJ20261207001",
                          "estimated_arrival": app.clock_now() + chrono::TimeDelta::days(3)});
    app.check_calls([
        // No state can be skipped.
        Call::post(
            "dispatch before approval",
            &origin,
            step(&id, "dispatch"),
            dispatch.clone(),
        )
        .expect(REFUSED),
        Call::post(
            "receive before dispatch",
            &destination,
            step(&id, "receive"),
            json!({}),
        )
        .expect(REFUSED),
        Call::post(
            "tracking before dispatch",
            &origin,
            step(&id, "tracking"),
            json!({"position": "G4京港澳高速 长沙段"}),
        )
        .expect(REFUSED),
        // The origin approves, not the destination.
        Call::post(
            "destination approves",
            &destination,
            step(&id, "approve"),
            json!({}),
        )
        .expect(FORBIDDEN),
        Call::post(
            "a second transfer of the car",
            &origin,
            TRANSFERS.to_owned(),
            json!({"vehicle_id": car, "to_store_id": changsha, "reason": "重复"}),
        )
        .expect(Expect::Problem(409, "duplicate")),
    ])
    .await;

    let t = ok(&app, &origin, &step(&id, "approve"), &json!({}), 200).await;
    assert_eq!(t["status"], "approved");
    assert_eq!(t["approved_by"], origin_id.as_str());
    assert_problem(
        app.post(&step(&id, "receive"), &destination, &json!({}))
            .await,
        409,
        "invalid_transition",
    )
    .await;
    app.check_calls([Call::post(
        "dispatch without a carrier",
        &origin,
        step(&id, "dispatch"),
        json!({"carrier": " ", "waybill_no": "AJ1"}),
    )
    .expect(Expect::Invalid(&[("carrier", "required")]))])
        .await;

    let t = ok(&app, &origin, &step(&id, "dispatch"), &dispatch, 200).await;
    assert_eq!(t["status"], "in_transit");
    assert_eq!(t["carrier"], "安吉物流");
    assert_eq!(t["vehicle"]["status"], "in_transit");

    let t = ok(
        &app,
        &destination,
        &step(&id, "tracking"),
        &json!({"position": "G4京港澳高速 长沙段", "city": "长沙", "note": "预计明早到店"}),
        201,
    )
    .await;
    assert_eq!(t["tracking"][0]["position"], "G4京港澳高速 长沙段");
    app.check_calls([
        Call::post(
            "tracking in the future",
            &origin,
            step(&id, "tracking"),
            json!({"position": "长沙", "at": app.clock_now() + chrono::TimeDelta::hours(1)}),
        )
        .expect(Expect::Invalid(&[("at", "in_future")])),
        Call::post("origin receives", &origin, step(&id, "receive"), json!({})).expect(FORBIDDEN),
    ])
    .await;

    let t = ok(&app, &destination, &step(&id, "receive"), &json!({}), 200).await;
    assert_eq!(t["status"], "received");
    let stored = stored_vehicle(&app, &car).await;
    assert_eq!(stored.store_id.as_deref(), Some(changsha.as_str()));
    assert_eq!(stored.status, "in_stock");
    assert_problem(
        app.post(&step(&id, "cancel"), &origin, &json!({})).await,
        409,
        "invalid_transition",
    )
    .await;

    let got: Value = app
        .get(&format!("{TRANSFERS}/{id}"), &origin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got["tracking"].as_array().unwrap().len(), 1);
    assert_eq!(
        event_types(&app, &id).await,
        [
            "transfer.requested",
            "transfer.approved",
            "transfer.dispatched",
            "transfer.received"
        ]
    );
    app.check_calls([
        Call::get(
            "by store",
            &origin,
            format!("{TRANSFERS}?store_id={shenzhen}"),
        )
        .expect(Expect::Ids(vec![id.clone()])),
        Call::get(
            "by status",
            &origin,
            format!("{TRANSFERS}?status=in_transit"),
        )
        .expect(Expect::Ids(vec![])),
    ])
    .await;
    // The origin's manager heard of every step the others took.
    let inbox: Value = app
        .get("/api/v1/me/notifications", &origin)
        .await
        .json()
        .await
        .unwrap();
    let kinds: Vec<&str> = inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["kind"].as_str())
        .collect();
    assert!(
        kinds.len() >= 2 && kinds.iter().all(|k| *k == "transfer.updated"),
        "{inbox}"
    );
}

#[tokio::test]
async fn a_transfer_cancelled_on_the_road_returns_the_car_to_its_origin() {
    let app = TestApp::spawn().await;
    let hangzhou = app.create_store("杭州西湖店", "杭州").await;
    let shanghai = app.create_store("上海浦东店", "上海").await;
    let car = vehicle(&app, Some(&hangzhou)).await;
    let admin = app.admin_token.clone();
    let t = ok(
        &app,
        &admin,
        TRANSFERS,
        &json!({"vehicle_id": car, "to_store_id": shanghai, "reason": "上海店缺车"}),
        201,
    )
    .await;
    let id = t["id"].as_str().unwrap().to_owned();
    ok(&app, &admin, &step(&id, "approve"), &json!({}), 200).await;
    ok(
        &app,
        &admin,
        &step(&id, "dispatch"),
        &json!({"carrier": "中联物流", "waybill_no": "ZL-88"}),
        200,
    )
    .await;
    let t = ok(
        &app,
        &admin,
        &step(&id, "cancel"),
        &json!({"reason": "客户取消"}),
        200,
    )
    .await;
    assert_eq!(t["status"], "cancelled");
    assert_eq!(t["cancel_reason"], "客户取消");
    let stored = stored_vehicle(&app, &car).await;
    assert_eq!(stored.status, "in_stock");
    assert_eq!(stored.store_id.as_deref(), Some(hangzhou.as_str()));
    // Once closed, the car can be transferred again.
    ok(
        &app,
        &admin,
        TRANSFERS,
        &json!({"vehicle_id": car, "to_store_id": shanghai, "reason": "再次调车"}),
        201,
    )
    .await;
}

#[tokio::test]
async fn who_may_transfer_and_what_is_refused() {
    let app = TestApp::spawn().await;
    let beijing = app.create_store("北京朝阳店", "北京").await;
    let tianjin = app.create_store("天津河西店", "天津").await;
    let chengdu = app.create_store("成都高新店", "成都").await;
    let (_, consultant) = app.user_with_role("sales_consultant", Some(&beijing)).await;
    let (_, outsider) = app.user_with_role("sales_manager", Some(&chengdu)).await;
    let customer = app
        .create_customer(&app.admin_token, &json!({"name": "赵敏"}))
        .await;
    let car = vehicle(&app, Some(&beijing)).await;
    let reserved = vehicle(&app, Some(&beijing)).await;
    let storeless = vehicle(&app, None).await;
    let res = app
        .post(
            &format!("/api/v1/vehicles/{reserved}/reservations"),
            &app.admin_token,
            &json!({"customer_id": customer["id"]}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let other = app.other_tenant().await;
    let integration = app.integration_token(&["inventory:write"]).await;
    let body = |vehicle: &str, to: &str| json!({"vehicle_id": vehicle, "to_store_id": to, "reason": "调车"});
    let post = |name: &str, token: &str, body: Value, expect: Expect| {
        Call::post(name, token, TRANSFERS.to_owned(), body).expect(expect)
    };
    app.check_calls([
        post("consultant", &consultant, body(&car, &tianjin), FORBIDDEN),
        post(
            "a manager of neither store",
            &outsider,
            body(&car, &tianjin),
            FORBIDDEN,
        ),
        post(
            "another tenant's car",
            &other,
            body(&car, &tianjin),
            Expect::Invalid(&[("vehicle_id", "not_found")]),
        ),
        post(
            "a reserved car",
            &app.admin_token,
            body(&reserved, &tianjin),
            REFUSED,
        ),
        post(
            "a car without a store",
            &app.admin_token,
            body(&storeless, &tianjin),
            Expect::Invalid(&[("vehicle_id", "no_store")]),
        ),
        post(
            "the same store",
            &app.admin_token,
            body(&car, &beijing),
            Expect::Invalid(&[("to_store_id", "same_store")]),
        ),
        post(
            "no reason",
            &app.admin_token,
            json!({"vehicle_id": car, "to_store_id": tianjin}),
            Expect::Invalid(&[("reason", "required")]),
        ),
        post(
            "blank reason",
            &app.admin_token,
            json!({"vehicle_id": car, "to_store_id": tianjin, "reason": " "}),
            Expect::Invalid(&[("reason", "required")]),
        ),
        post(
            "unknown store",
            &app.admin_token,
            body(&car, &uuid::Uuid::now_v7().to_string()),
            Expect::Invalid(&[("to_store_id", "not_found")]),
        ),
    ])
    .await;
    assert_eq!(transfer_count(&app).await, 0);

    let t = ok(&app, &integration, TRANSFERS, &body(&car, &tianjin), 201).await;
    let id = t["id"].as_str().unwrap().to_owned();
    app.check_calls([
        Call::post(
            "consultant approves",
            &consultant,
            step(&id, "approve"),
            json!({}),
        )
        .expect(FORBIDDEN),
        Call::post(
            "another tenant approves",
            &other,
            step(&id, "approve"),
            json!({}),
        )
        .expect(NOT_FOUND),
        Call::get("another tenant reads", &other, format!("{TRANSFERS}/{id}")).expect(NOT_FOUND),
        Call::get("another tenant lists", &other, TRANSFERS.to_owned()).expect(Expect::Ids(vec![])),
        Call::get(
            "a consultant reads",
            &consultant,
            format!("{TRANSFERS}/{id}"),
        )
        .expect(Expect::Status(200)),
        Call::get(
            "unknown status",
            &consultant,
            format!("{TRANSFERS}?status=lost"),
        )
        .expect(Expect::Status(400)),
    ])
    .await;
    // A car with an open transfer cannot be reserved away from it without notice, but the
    // transfer itself can still be cancelled by either side.
    ok(&app, &integration, &step(&id, "cancel"), &json!({}), 200).await;
    assert_eq!(stored_vehicle(&app, &car).await.status, "in_stock");
}
