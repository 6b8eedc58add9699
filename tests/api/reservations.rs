//! Reservations of cars: one hold per car even under concurrent requests, expiry by the
//! release job (once, whatever the number of runs or nodes), cancel rules, the customer's
//! visibility, a sale that cancels the hold, another tenant's records.

use autocrm_domain::vehicle::Vin;
use autocrm_persistence::models::{OutboxEvent, TenantRecord, Vehicle, VehicleReservation};
use chrono::TimeDelta;
use serde_json::{Value, json};

use crate::helpers::{
    ADMIN_EMAIL, Call, Expect, FORBIDDEN, NOT_FOUND, PASSWORD, TestApp, assert_problem,
    status_and_body,
};

/// A refusal because of the car's or the reservation's state.
pub const REFUSED: Expect = Expect::Problem(409, "invalid_transition");

/// A valid VIN made from a serial number.
pub fn vin(serial: u32) -> String {
    let raw = format!("LGXCE6CB0P{:07}", serial % 10_000_000);
    Vin::with_computed_check_digit(&raw)
        .unwrap()
        .as_str()
        .to_owned()
}

/// A used car in stock at `store_id`: through `POST /api/v1/vehicles` when the server has
/// it, else written directly (the vehicles capability is built beside this one).
pub async fn vehicle(app: &TestApp, store_id: Option<&str>) -> String {
    let serial = (uuid::Uuid::now_v7().as_u128() % 9_000_000) as u32;
    let vin = vin(serial);
    let res = app
        .post(
            "/api/v1/vehicles",
            &app.admin_token,
            &json!({"vin": vin, "condition": "used", "brand": "比亚迪", "model": "汉",
                    "asking_price_cents": 15_980_000, "store_id": store_id, "body_type": "sedan",
                    "energy_type": "bev", "seats": 5, "mileage_km": 18_600, "model_year": 2023,
                    "first_registration_date": "2023-05-18", "colour": "汉宫红",
                    "transmission": "automatic", "status": "in_stock",
                    "acquisition_cost_cents": 14_000_000, "floor_price_cents": 15_200_000}),
        )
        .await;
    let (status, body) = status_and_body(res).await;
    if status == 201 {
        return body["id"].as_str().unwrap().to_owned();
    }
    assert!(
        status == 404 || status == 405,
        "create vehicle: {status} {body}"
    );
    let now = app.clock_now().naive_utc();
    let row = Vehicle {
        id: uuid::Uuid::now_v7().to_string(),
        org_id: app.org_id.clone(),
        store_id: store_id.map(str::to_owned),
        vin,
        vin_override_reason: None,
        stock_number: None,
        condition: "used".into(),
        brand: "比亚迪".into(),
        brand_key: "byd".into(),
        model: "汉".into(),
        model_key: "han".into(),
        model_year: Some(2023),
        body_type: Some("sedan".into()),
        energy_type: Some("bev".into()),
        transmission: Some("automatic".into()),
        colour: Some("汉宫红".into()),
        colour_family: Some("red".into()),
        seats: Some(5),
        mileage_km: 18_600,
        first_registration_date: Some("2023-05-18".into()),
        age_from: Some("2023-05-18".into()),
        asking_price_cents: 15_980_000,
        status: "in_stock".into(),
        in_stock_since: Some("2026-10-09".into()),
        sold_at: None,
        sold_price_cents: None,
        features: "[]".into(),
        specs: "{}".into(),
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let id = row.id.clone();
    app.with_db(move |conn| row.insert(conn).unwrap()).await;
    id
}

/// The car as stored.
pub async fn stored_vehicle(app: &TestApp, id: &str) -> Vehicle {
    let (org, id) = (app.org_id.clone(), id.to_owned());
    app.with_db(move |conn| Vehicle::find(conn, &org, &id).unwrap().unwrap())
        .await
}

/// The types of the events about one record, oldest first.
pub async fn event_types(app: &TestApp, aggregate_id: &str) -> Vec<String> {
    let (org, id) = (app.org_id.clone(), aggregate_id.to_owned());
    app.with_db(move |conn| {
        OutboxEvent::list_for_aggregate(conn, &org, &id)
            .unwrap()
            .into_iter()
            .map(|e| e.event_type)
            .collect()
    })
    .await
}

async fn reservations_of(app: &TestApp, vehicle_id: &str) -> Vec<VehicleReservation> {
    let (org, id) = (app.org_id.clone(), vehicle_id.to_owned());
    app.with_db(move |conn| {
        VehicleReservation::list(
            conn,
            &org,
            &autocrm_persistence::models::ReservationFilter {
                vehicle_id: Some(id),
                limit: 1000,
                ..Default::default()
            },
        )
        .unwrap()
    })
    .await
}

fn path(vehicle_id: &str) -> String {
    format!("/api/v1/vehicles/{vehicle_id}/reservations")
}

async fn reserve_ok(app: &TestApp, token: &str, vehicle_id: &str, body: &Value) -> Value {
    let res = app.post(&path(vehicle_id), token, body).await;
    let (status, body) = status_and_body(res).await;
    assert_eq!(status, 201, "reserve: {body}");
    body
}

#[tokio::test]
async fn twenty_concurrent_reservations_of_one_car_give_exactly_one() {
    let app = TestApp::spawn().await;
    let store = app.create_store("深圳南山店", "深圳").await;
    let customer = app
        .create_customer(&app.admin_token, &json!({"name": "王建国"}))
        .await;
    let car = vehicle(&app, Some(&store)).await;
    let body = json!({"customer_id": customer["id"], "note": "已交意向金"});
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let req = app
            .request(reqwest::Method::POST, &path(&car), Some(&app.admin_token))
            .json(&body);
        calls.spawn(async move { status_and_body(req.send().await.unwrap()).await });
    }
    let statuses = calls.join_all().await;
    let created = statuses.iter().filter(|(s, _)| *s == 201).count();
    let refused: Vec<_> = statuses.iter().filter(|(s, _)| *s != 201).collect();
    assert_eq!(created, 1, "{statuses:?}");
    assert!(
        refused
            .iter()
            .all(|(s, b)| *s == 409 && b["code"] == "invalid_transition"),
        "{refused:?}"
    );
    let rows = reservations_of(&app, &car).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].status, "active");
    assert_eq!(stored_vehicle(&app, &car).await.status, "reserved");
    let events = event_types(&app, &car).await;
    assert_eq!(
        events
            .iter()
            .filter(|e| *e == "vehicle.status_changed")
            .count(),
        1
    );
    assert_eq!(
        event_types(&app, &rows[0].id).await,
        vec!["vehicle.reserved".to_owned()]
    );
}

#[tokio::test]
async fn the_release_job_releases_an_expired_reservation_once() {
    let app = TestApp::spawn().await;
    let customer = app
        .create_customer(&app.admin_token, &json!({"name": "李娜"}))
        .await;
    let car = vehicle(&app, None).await;
    let expires = app.clock_now() + TimeDelta::hours(2);
    let r = reserve_ok(
        &app,
        &app.admin_token,
        &car,
        &json!({"customer_id": customer["id"], "expires_at": expires}),
    )
    .await;
    assert_eq!(r["hold"]["state"], "holding");
    let left = r["hold"]["remaining_seconds"].as_i64().unwrap();
    assert!((7100..=7200).contains(&left), "{r}");
    let id = r["id"].as_str().unwrap().to_owned();

    // Not yet due: nothing happens.
    app.clock.advance(TimeDelta::hours(1));
    app.run_jobs().await;
    assert_eq!(stored_vehicle(&app, &car).await.status, "reserved");

    // Due: two nodes at once, and again later; one release.
    app.clock.advance(TimeDelta::hours(1));
    let second = app.second_runner().await;
    let (first, other) = tokio::join!(app.run_jobs(), async {
        second.schedule_periodic().await.unwrap();
        second.run_due().await.unwrap()
    });
    let _ = (first, other);
    app.run_jobs().await;
    app.clock.advance(TimeDelta::minutes(5));
    app.run_jobs().await;

    // Hours later: a fresh token.
    let admin = app.login_ok(ADMIN_EMAIL, PASSWORD).await;
    let got: Value = app
        .get(&format!("/api/v1/reservations/{id}"), &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got["status"], "expired", "{got}");
    assert_eq!(got["hold"]["state"], "expired");
    assert_eq!(stored_vehicle(&app, &car).await.status, "in_stock");
    assert_eq!(
        event_types(&app, &id).await,
        vec![
            "vehicle.reserved".to_owned(),
            "reservation.expired".to_owned()
        ]
    );
    let car_events = event_types(&app, &car).await;
    assert_eq!(
        car_events
            .iter()
            .filter(|e| *e == "vehicle.status_changed")
            .count(),
        2,
        "{car_events:?}"
    );
    // The car can be reserved again.
    reserve_ok(&app, &admin, &car, &json!({"customer_id": customer["id"]})).await;
}

#[tokio::test]
async fn who_reserves_and_cancels_and_what_is_refused() {
    let app = TestApp::spawn().await;
    let store = app.create_store("长沙岳麓店", "长沙").await;
    let other_store = app.create_store("杭州西湖店", "杭州").await;
    let (a_id, a) = app.user_with_role("sales_consultant", Some(&store)).await;
    let (_, b) = app.user_with_role("sales_consultant", Some(&store)).await;
    let (_, manager) = app.user_with_role("sales_manager", Some(&store)).await;
    let (_, far_manager) = app
        .user_with_role("sales_manager", Some(&other_store))
        .await;
    let (_, advisor) = app.user_with_role("service_advisor", Some(&store)).await;
    let mine = app.create_customer(&a, &json!({"name": "张伟"})).await;
    let mine = mine["id"].as_str().unwrap().to_owned();
    let not_mine = app.create_customer(&b, &json!({"name": "刘洋"})).await;
    let not_mine = not_mine["id"].as_str().unwrap().to_owned();
    let car = vehicle(&app, Some(&store)).await;
    let sold = vehicle(&app, Some(&store)).await;
    app.with_db({
        let (org, sold) = (app.org_id.clone(), sold.clone());
        move |conn| {
            use autocrm_persistence::models::Versioned;
            let mut v = Vehicle::find(conn, &org, &sold).unwrap().unwrap();
            v.status = "sold".into();
            assert!(v.save(conn, 1).unwrap());
        }
    })
    .await;
    let other = app.other_tenant().await;
    let now = app.clock_now();
    let p = path(&car);
    let nothing_written = |name: &str, body: Value, expect: Expect| {
        Call::post(name, &a, p.clone(), body).expect(expect)
    };
    app.check_calls([
        nothing_written(
            "expiry in the past",
            json!({"customer_id": mine, "expires_at": now - TimeDelta::minutes(1)}),
            Expect::Invalid(&[("expires_at", "expiry_not_in_future")]),
        ),
        nothing_written(
            "hold too long",
            json!({"customer_id": mine, "expires_at": now + TimeDelta::days(8)}),
            Expect::Invalid(&[("expires_at", "hold_too_long")]),
        ),
        nothing_written(
            "a customer the consultant does not see",
            json!({"customer_id": not_mine}),
            Expect::Invalid(&[("customer_id", "not_found")]),
        ),
        nothing_written(
            "not a uuid",
            json!({"customer_id": "客户"}),
            Expect::Invalid(&[("customer_id", "invalid_format")]),
        ),
        nothing_written(
            "unknown field",
            json!({"customer_id": mine, "price": 1}),
            Expect::Invalid(&[("price", "unknown_field")]),
        ),
        Call::post("a sold car", &a, path(&sold), json!({"customer_id": mine})).expect(REFUSED),
        Call::post(
            "service advisor",
            &advisor,
            p.clone(),
            json!({"customer_id": mine}),
        )
        .expect(FORBIDDEN),
        Call::post(
            "another tenant's car",
            &other,
            p.clone(),
            json!({"customer_id": mine}),
        )
        .expect(NOT_FOUND),
    ])
    .await;
    assert!(reservations_of(&app, &car).await.is_empty());
    assert_eq!(stored_vehicle(&app, &car).await.status, "in_stock");

    let r = reserve_ok(
        &app,
        &a,
        &car,
        &json!({"customer_id": mine, "note": "周六看车"}),
    )
    .await;
    assert_eq!(r["reserved_by"], a_id.as_str());
    let id = r["id"].as_str().unwrap().to_owned();
    let cancel = format!("/api/v1/reservations/{id}/cancel");
    // The note is shown only to those who see the customer.
    let seen: Value = app
        .get(&format!("/api/v1/reservations/{id}"), &b)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(seen["note"], Value::Null, "{seen}");
    assert_eq!(seen["customer_id"], mine.as_str());
    app.check_calls([
        Call::get(
            "list active of the customer",
            &a,
            format!("/api/v1/reservations?status=active&customer_id={mine}"),
        )
        .expect(Expect::Ids(vec![id.clone()])),
        Call::get("list of a car", &advisor, p.clone()).expect(Expect::Ids(vec![id.clone()])),
        Call::get("list expired", &a, "/api/v1/reservations?status=expired")
            .expect(Expect::Ids(vec![])),
        Call::get("unknown status", &a, "/api/v1/reservations?status=held")
            .expect(Expect::Status(400)),
        Call::get(
            "a customer b does not see",
            &b,
            format!("/api/v1/reservations?customer_id={mine}"),
        )
        .expect(NOT_FOUND),
        Call::get(
            "another tenant's reservation",
            &other,
            format!("/api/v1/reservations/{id}"),
        )
        .expect(NOT_FOUND),
        Call::post("another tenant cancels", &other, cancel.clone(), json!({})).expect(NOT_FOUND),
        Call::post("another consultant cancels", &b, cancel.clone(), json!({})).expect(FORBIDDEN),
        Call::post(
            "a manager of another store",
            &far_manager,
            cancel.clone(),
            json!({}),
        )
        .expect(FORBIDDEN),
        Call::post(
            "a second reservation",
            &manager,
            p.clone(),
            json!({"customer_id": mine}),
        )
        .expect(REFUSED),
    ])
    .await;

    let res = app
        .post(&cancel, &a, &json!({"reason": "客户改选白色"}))
        .await;
    let (status, body) = status_and_body(res).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "cancelled");
    assert_eq!(body["release_reason"], "cancelled");
    assert_eq!(body["release_note"], "客户改选白色");
    assert_eq!(stored_vehicle(&app, &car).await.status, "in_stock");
    assert_problem(
        app.post(&cancel, &a, &json!({})).await,
        409,
        "invalid_transition",
    )
    .await;
    assert_eq!(
        event_types(&app, &id).await,
        vec![
            "vehicle.reserved".to_owned(),
            "reservation.cancelled".to_owned()
        ]
    );

    // A manager of the car's store cancels a consultant's reservation.
    let r = reserve_ok(&app, &a, &car, &json!({"customer_id": mine})).await;
    let res = app
        .post(
            &format!("/api/v1/reservations/{}/cancel", r["id"].as_str().unwrap()),
            &manager,
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]

async fn selling_a_reserved_car_cancels_its_reservation_and_tells_the_consultant() {
    let app = TestApp::spawn().await;
    let store = app.create_store("广州天河店", "广州").await;
    let (_, consultant) = app.user_with_role("sales_consultant", Some(&store)).await;
    let customer = app
        .create_customer(&consultant, &json!({"name": "陈静"}))
        .await;
    let car = vehicle(&app, Some(&store)).await;
    let r = reserve_ok(
        &app,
        &consultant,
        &car,
        &json!({"customer_id": customer["id"]}),
    )
    .await;
    let id = r["id"].as_str().unwrap().to_owned();

    let res = app
        .patch(
            &format!("/api/v1/vehicles/{car}"),
            &app.admin_token,
            &json!({"status": "sold"}),
            None,
        )
        .await;
    let (status, body) = status_and_body(res).await;
    assert_eq!(status, 200, "sell: {body}");

    let got: Value = app
        .get(&format!("/api/v1/reservations/{id}"), &consultant)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got["status"], "cancelled");
    assert_eq!(got["release_reason"], "vehicle_sold");
    assert_eq!(
        event_types(&app, &id).await,
        vec![
            "vehicle.reserved".to_owned(),
            "reservation.cancelled".to_owned()
        ]
    );
    let inbox: Value = app
        .get("/api/v1/me/notifications", &consultant)
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
    assert_eq!(kinds, vec!["reservation.cancelled"], "{inbox}");
}
