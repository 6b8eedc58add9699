//! What surrounds a customer: activities, behaviour events, the timeline, consents, the
//! garage and tags. Every sub-resource is reached through its customer.

use chrono::TimeDelta;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    Call, Expect, FORBIDDEN, Mismatches, NOT_FOUND, TestApp, VALIDATION_FAILED, assert_problem,
};

const VIN: &str = "LGXCE4CB2N0123456";

async fn customer(app: &TestApp, token: &str, body: Value) -> String {
    app.create_customer(token, &body).await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn json_of(res: reqwest::Response, status: u16) -> Value {
    let code = res.status().as_u16();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    assert_eq!(code, status, "{body}");
    body
}

async fn delete(app: &TestApp, path: &str, token: &str) -> reqwest::Response {
    app.request(Method::DELETE, path, Some(token))
        .send()
        .await
        .unwrap()
}

fn now(app: &TestApp) -> String {
    app.clock_now().to_rfc3339()
}

/// Sets a customer's stated needs in the database (the needs API is the profile's work).
async fn set_needs(app: &TestApp, customer_id: &str, needs: Value) {
    let id = customer_id.to_owned();
    app.with_db(move |conn| {
        use autocrm_persistence::schema::customers;
        use diesel::prelude::*;
        diesel::update(customers::table.filter(customers::id.eq(id)))
            .set(customers::needs.eq(Some(needs.to_string())))
            .execute(conn)
            .unwrap();
    })
    .await;
}

#[tokio::test]
async fn another_tenants_customer_is_404_on_every_sub_resource() {
    let app = TestApp::spawn().await;
    let other = app.other_tenant().await;
    let theirs = customer(&app, &other, json!({"name": "外部客户"})).await;
    let vehicle = json_of(
        app.post(
            &format!("/api/v1/customers/{theirs}/vehicles"),
            &other,
            &json!({"brand": "比亚迪", "model": "汉EV"}),
        )
        .await,
        201,
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let tag = json_of(
        app.post(
            "/api/v1/tags",
            &app.admin_token,
            &json!({"name": "VIP", "colour": "#e4393c"}),
        )
        .await,
        201,
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let t = &app.admin_token;
    let base = format!("/api/v1/customers/{theirs}");
    app.check_calls([
        Call::get("activities", t, format!("{base}/activities")).expect(NOT_FOUND),
        Call::post("new activity", t, format!("{base}/activities"), json!({"kind": "note"}))
            .expect(NOT_FOUND),
        Call::get("timeline", t, format!("{base}/timeline")).expect(NOT_FOUND),
        Call::get("consents", t, format!("{base}/consents")).expect(NOT_FOUND),
        Call::post(
            "new consent",
            t,
            format!("{base}/consents"),
            json!({"purpose": "marketing", "action": "granted", "channel": "crm", "method": "staff_entry"}),
        )
        .expect(NOT_FOUND),
        Call::get("vehicles", t, format!("{base}/vehicles")).expect(NOT_FOUND),
        Call::post(
            "new vehicle",
            t,
            format!("{base}/vehicles"),
            json!({"brand": "理想", "model": "L6"}),
        )
        .expect(NOT_FOUND),
        Call::patch("vehicle", t, format!("{base}/vehicles/{vehicle}"), json!({"year": 2022}))
            .expect(NOT_FOUND),
        Call::post(
            "mileage",
            t,
            format!("{base}/vehicles/{vehicle}/mileage"),
            json!({"mileage_km": 100}),
        )
        .expect(NOT_FOUND),
        Call::new("remove vehicle", t, Method::DELETE, format!("{base}/vehicles/{vehicle}"))
            .expect(NOT_FOUND),
        Call::get("tags", t, format!("{base}/tags")).expect(NOT_FOUND),
        Call::post("tag", t, format!("{base}/tags"), json!({"tag_id": tag})).expect(NOT_FOUND),
        Call::new("untag", t, Method::DELETE, format!("{base}/tags/{tag}")).expect(NOT_FOUND),
        Call::get("summary", t, format!("{base}/behavior-summary")).expect(NOT_FOUND),
    ])
    .await;
    // A behaviour event naming it is refused on its own.
    let result = json_of(
        app.post(
            "/api/v1/behavior-events",
            t,
            &json!({"events": [{"event_type": "page_viewed", "occurred_at": now(&app),
                                "customer_id": theirs}]}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(result["results"][0]["status"], "rejected");
    assert_eq!(result["results"][0]["errors"][0]["code"], "not_found");
    // Their vehicle is still there.
    let list = json_of(app.get(&format!("{base}/vehicles"), &other).await, 200).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn roles_without_the_right_are_403() {
    let app = TestApp::spawn().await;
    let id = customer(
        &app,
        &app.admin_token,
        json!({"name": "张伟", "marketing_consent": true}),
    )
    .await;
    let (_, finance) = app.user_with_role("finance", None).await;
    let (_, marketing) = app.user_with_role("marketing", None).await;
    let store = app.create_store("上海浦东店", "上海").await;
    let (_, consultant) = app.user_with_role("sales_consultant", Some(&store)).await;
    let reader = app.integration_token(&["customers:read"]).await;
    let base = format!("/api/v1/customers/{id}");
    let event = json!({"events": [{"event_type": "page_viewed", "occurred_at": now(&app), "device_id": "d-1"}]});
    app.check_calls([
        Call::get("finance reads activities", &finance, format!("{base}/activities"))
            .expect(FORBIDDEN),
        Call::get("finance reads the timeline", &finance, format!("{base}/timeline"))
            .expect(FORBIDDEN),
        Call::post(
            "marketing records an activity",
            &marketing,
            format!("{base}/activities"),
            json!({"kind": "note", "content": "备注"}),
        )
        .expect(FORBIDDEN),
        Call::post(
            "marketing records a consent",
            &marketing,
            format!("{base}/consents"),
            json!({"purpose": "marketing", "action": "withdrawn", "channel": "crm", "method": "staff_entry"}),
        )
        .expect(FORBIDDEN),
        Call::post(
            "marketing adds a vehicle",
            &marketing,
            format!("{base}/vehicles"),
            json!({"brand": "比亚迪", "model": "汉EV"}),
        )
        .expect(FORBIDDEN),
        Call::post(
            "a consultant creates a tag",
            &consultant,
            "/api/v1/tags",
            json!({"name": "VIP", "colour": "#e4393c"}),
        )
        .expect(FORBIDDEN),
        Call::post("marketing posts events", &marketing, "/api/v1/behavior-events", event.clone())
            .expect(FORBIDDEN),
        Call::post("a client without events:write", &reader, "/api/v1/behavior-events", event.clone())
            .expect(FORBIDDEN),
    ])
    .await;
    // Nothing was written by the refused calls.
    let timeline = json_of(
        app.get(&format!("{base}/timeline"), &app.admin_token).await,
        200,
    )
    .await;
    let kinds: Vec<&str> = timeline["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds
            .iter()
            .all(|k| ["customer_change", "consent"].contains(k)),
        "{kinds:?}"
    );
    // A client with events:write may post.
    let writer = app.integration_token(&["events:write"]).await;
    let res = json_of(
        app.post("/api/v1/behavior-events", &writer, &event).await,
        200,
    )
    .await;
    assert_eq!(res["accepted"], 1);
}

#[tokio::test]
async fn bad_input_is_a_4xx_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let t = &app.admin_token;
    let id = customer(&app, t, json!({"name": "李娜"})).await;
    let base = format!("/api/v1/customers/{id}");
    let later = (app.clock_now() + TimeDelta::hours(2)).to_rfc3339();
    let earlier = (app.clock_now() - TimeDelta::hours(2)).to_rfc3339();
    let missing = uuid::Uuid::now_v7().to_string();
    app.check_calls([
        Call::post("unknown kind", t, format!("{base}/activities"), json!({"kind": "fax"}))
            .expect(Expect::Invalid(&[("kind", "not_allowed")])),
        Call::post(
            "outcome not for the kind",
            t,
            format!("{base}/activities"),
            json!({"kind": "test_drive", "outcome": "no_answer"}),
        )
        .expect(Expect::Invalid(&[("outcome", "not_allowed")])),
        Call::post(
            "follow-up before the activity",
            t,
            format!("{base}/activities"),
            json!({"kind": "call", "outcome": "reached", "next_follow_up_at": earlier}),
        )
        .expect(Expect::Invalid(&[("next_follow_up_at", "out_of_range")])),
        Call::post(
            "in the future",
            t,
            format!("{base}/activities"),
            json!({"kind": "store_visit", "occurred_at": later}),
        )
        .expect(Expect::Invalid(&[("occurred_at", "in_future")])),
        Call::post(
            "an attachment that is not the customer's",
            t,
            format!("{base}/activities"),
            json!({"kind": "call", "attachment_ids": [missing]}),
        )
        .expect(Expect::Invalid(&[("attachment_ids[0]", "not_found")])),
        Call::post(
            "unknown field",
            t,
            format!("{base}/activities"),
            json!({"kind": "note", "secret": 1}),
        )
        .expect(VALIDATION_FAILED),
        Call::post(
            "unknown purpose",
            t,
            format!("{base}/consents"),
            json!({"purpose": "everything", "action": "granted", "channel": "crm", "method": "staff_entry"}),
        )
        .expect(Expect::Invalid(&[("purpose", "not_allowed")])),
        Call::post(
            "consent in the future",
            t,
            format!("{base}/consents"),
            json!({"purpose": "marketing", "action": "granted", "channel": "crm", "method": "staff_entry", "at": later}),
        )
        .expect(Expect::Invalid(&[("at", "in_future")])),
        Call::post(
            "a bad VIN",
            t,
            format!("{base}/vehicles"),
            json!({"vin": "LGXCE4CB3N0123456", "brand": "比亚迪", "model": "汉EV"}),
        )
        .expect(Expect::Invalid(&[("vin", "*")])),
        Call::post(
            "a VIN with an O",
            t,
            format!("{base}/vehicles"),
            json!({"vin": "LGXCE4CBON0123456", "brand": "比亚迪", "model": "汉EV"}),
        )
        .expect(Expect::Invalid(&[("vin", "*")])),
        Call::post(
            "a bad plate",
            t,
            format!("{base}/vehicles"),
            json!({"plate": "沪A#1234", "brand": "比亚迪", "model": "汉EV"}),
        )
        .expect(Expect::Invalid(&[("plate", "*")])),
        Call::post("no brand", t, format!("{base}/vehicles"), json!({"model": "汉EV"}))
            .expect(VALIDATION_FAILED),
        Call::post("a bad colour", t, "/api/v1/tags", json!({"name": "VIP", "colour": "red"}))
            .expect(Expect::Invalid(&[("colour", "invalid_format")])),
        Call::post(
            "an unknown tag",
            t,
            format!("{base}/tags"),
            json!({"tag_id": missing}),
        )
        .expect(Expect::Invalid(&[("tag_id", "not_found")])),
        Call::get("a forged cursor", t, format!("{base}/timeline?cursor=e30")).expect(
            Expect::Problem(400, "invalid_cursor"),
        ),
        Call::get("a limit too high", t, format!("{base}/timeline?limit=201"))
            .expect(Expect::Status(400)),
    ])
    .await;
    // Nothing was written: the timeline holds only the creation.
    let timeline = json_of(app.get(&format!("{base}/timeline"), t).await, 200).await;
    let items = timeline["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{timeline}");
    assert_eq!(items[0]["summary"], "customer.created");
    let vehicles = json_of(app.get(&format!("{base}/vehicles"), t).await, 200).await;
    assert!(vehicles["items"].as_array().unwrap().is_empty());
    let tags = json_of(app.get("/api/v1/tags", t).await, 200).await;
    assert!(tags["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn behaviour_batches_answer_per_item_and_link_devices() {
    let app = TestApp::spawn().await;
    let t = &app.admin_token;
    let id = customer(&app, t, json!({"name": "王芳"})).await;
    let at = now(&app);
    // 501 events: refused whole, nothing stored.
    let many: Vec<Value> = (0..501)
        .map(|_| json!({"event_type": "page_viewed", "occurred_at": at, "device_id": "d"}))
        .collect();
    let res = app
        .post("/api/v1/behavior-events", t, &json!({"events": many}))
        .await;
    assert_problem(res, 422, "validation_failed").await;
    let summary = json_of(
        app.get(&format!("/api/v1/customers/{id}/behavior-summary"), t)
            .await,
        200,
    )
    .await;
    assert_eq!(summary["events"], 0);
    // A device's events before its link, then a mixed batch.
    let early = json!({"events": [
        {"event_type": "vehicle_viewed", "occurred_at": at, "device_id": "wxmp-1",
         "models": [{"brand": "比亚迪", "model": "汉EV"}]}
    ]});
    let res = json_of(app.post("/api/v1/behavior-events", t, &early).await, 200).await;
    assert_eq!(res["results"][0]["customer_id"], Value::Null);
    let future = (app.clock_now() + TimeDelta::hours(1)).to_rfc3339();
    let batch = json!({"events": [
        {"event_type": "vehicle_viewed", "occurred_at": at, "device_id": "wxmp-1", "customer_id": id,
         "models": [{"brand": "比亚迪", "model": " 汉EV "}]},
        {"event_type": "teleported", "occurred_at": at, "device_id": "wxmp-1"},
        {"event_type": "vehicle_compared", "occurred_at": at, "device_id": "wxmp-1",
         "models": [{"brand": "比亚迪", "model": "汉EV"}]},
        {"event_type": "page_viewed", "occurred_at": future, "device_id": "wxmp-1"},
        {"event_type": "page_viewed", "occurred_at": at},
        {"event_type": "financing_calculated", "occurred_at": at, "device_id": "wxmp-1",
         "models": [{"brand": "比亚迪", "model": "汉EV"}]},
    ]});
    let res = json_of(app.post("/api/v1/behavior-events", t, &batch).await, 200).await;
    let mut m = Mismatches::new();
    let statuses: Vec<&str> = res["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    m.eq(
        "statuses",
        statuses,
        vec![
            "accepted", "rejected", "rejected", "rejected", "rejected", "accepted",
        ],
    );
    m.eq("accepted", &res["accepted"], &json!(2));
    m.eq("rejected", &res["rejected"], &json!(4));
    m.eq(
        "bad type",
        &res["results"][1]["errors"][0]["field"],
        &json!("event_type"),
    );
    m.eq(
        "one model compared",
        &res["results"][2]["errors"][0]["field"],
        &json!("models"),
    );
    m.eq(
        "future",
        &res["results"][3]["errors"][0]["code"],
        &json!("in_future"),
    );
    m.eq(
        "no device, no customer",
        &res["results"][4]["errors"][0]["code"],
        &json!("required"),
    );
    m.eq(
        "linked device",
        &res["results"][5]["customer_id"],
        &json!(id),
    );
    m.assert_none();
    // The early event was attached when the link appeared: two views of one model.
    let summary = json_of(
        app.get(&format!("/api/v1/customers/{id}/behavior-summary"), t)
            .await,
        200,
    )
    .await;
    assert_eq!(summary["events"], 3, "{summary}");
    assert_eq!(summary["days_active"], 1);
    assert_eq!(summary["models"][0]["model"], "汉EV");
    assert_eq!(summary["models"][0]["views"], 2);
    assert_eq!(summary["by_type"]["financing_calculated"], 1);
    assert!(summary["last_seen_at"].is_string());
}

#[tokio::test]
async fn the_timeline_merges_every_source_newest_first_across_pages() {
    let app = TestApp::spawn().await;
    let t = &app.admin_token;
    let id = customer(&app, t, json!({"name": "赵强"})).await;
    let base = format!("/api/v1/customers/{id}");
    let step = || app.clock.advance(TimeDelta::minutes(1));
    step();
    json_of(
        app.post(
            &format!("{base}/activities"),
            t,
            &json!({"kind": "call", "outcome": "reached", "content": "约周六试驾"}),
        )
        .await,
        201,
    )
    .await;
    step();
    json_of(
        app.post(
            &format!("{base}/consents"),
            t,
            &json!({"purpose": "data_sharing_finance", "action": "granted", "channel": "in_store", "method": "signature", "text_version": "finance-2026-01"}),
        )
        .await,
        201,
    )
    .await;
    step();
    json_of(
        app.post(
            &format!("{base}/vehicles"),
            t,
            &json!({"vin": VIN, "brand": "比亚迪", "model": "汉EV"}),
        )
        .await,
        201,
    )
    .await;
    step();
    json_of(
        app.post(
            "/api/v1/behavior-events",
            t,
            &json!({"events": [{"event_type": "page_viewed", "occurred_at": now(&app), "customer_id": id, "page": "/cars/han-ev"}]}),
        )
        .await,
        200,
    )
    .await;
    step();
    let res = app
        .patch(
            &format!("/api/v1/customers/{id}"),
            t,
            &json!({"city": "杭州"}),
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    // Walk it two at a time.
    let mut kinds = Vec::new();
    let mut ids = std::collections::HashSet::new();
    let mut cursor: Option<String> = None;
    for _ in 0..10 {
        let path = match &cursor {
            Some(c) => format!("{base}/timeline?limit=2&cursor={c}"),
            None => format!("{base}/timeline?limit=2"),
        };
        let page = json_of(app.get(&path, t).await, 200).await;
        for item in page["items"].as_array().unwrap() {
            assert!(
                ids.insert(item["id"].as_str().unwrap().to_owned()),
                "repeated: {item}"
            );
            kinds.push(item["kind"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(
        kinds,
        [
            "customer_change",
            "behavior_event",
            "vehicle_added",
            "consent",
            "activity",
            "customer_change",
        ]
    );
    let first = json_of(app.get(&format!("{base}/timeline?limit=1"), t).await, 200).await;
    assert_eq!(first["items"][0]["summary"], "customer.updated");
    // A cursor of another list is refused.
    let activities = json_of(app.get(&format!("{base}/activities?limit=1"), t).await, 200).await;
    assert!(activities["next_cursor"].is_null());
    let cursor = first["next_cursor"].as_str().unwrap();
    assert_problem(
        app.get(&format!("{base}/activities?cursor={cursor}"), t)
            .await,
        400,
        "invalid_cursor",
    )
    .await;
}

async fn listed(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    let page = json_of(
        app.get(&format!("/api/v1/customers?{query}"), token).await,
        200,
    )
    .await;
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_withdrawn_consent_takes_the_customer_out_of_marketing() {
    let app = TestApp::spawn().await;
    let t = &app.admin_token;
    let (_, marketing) = app.user_with_role("marketing", None).await;
    let id = customer(&app, t, json!({"name": "孙悦", "marketing_consent": true})).await;
    let other = customer(&app, t, json!({"name": "周杰"})).await;
    let base = format!("/api/v1/customers/{id}");
    // The flag on create recorded a staff entry.
    let consents = json_of(app.get(&format!("{base}/consents"), t).await, 200).await;
    assert_eq!(consents["records"][0]["method"], "staff_entry");
    assert_eq!(consents["records"][0]["action"], "granted");
    assert_eq!(consents["status"][0]["allowed"], true);
    assert_eq!(
        listed(&app, t, "marketing_consent=true").await,
        [id.as_str()]
    );
    assert_eq!(
        listed(&app, t, "marketing_consent=false").await,
        [other.as_str()]
    );
    assert_eq!(listed(&app, &marketing, "").await, [id.as_str()]);

    app.clock.advance(TimeDelta::minutes(1));
    let withdrawal = json!({"purpose": "marketing", "action": "withdrawn", "channel": "sms",
                            "method": "sms_reply", "text_version": "marketing-2026-01"});
    let record = json_of(
        app.post(&format!("{base}/consents"), t, &withdrawal).await,
        201,
    )
    .await;
    assert_eq!(record["action"], "withdrawn");
    let c = json_of(app.get(&base, t).await, 200).await;
    assert_eq!(c["marketing_consent"], false);
    assert!(listed(&app, t, "marketing_consent=true").await.is_empty());
    assert!(listed(&app, &marketing, "").await.is_empty());
    assert_problem(app.get(&base, &marketing).await, 404, "not_found").await;
    let consents = json_of(app.get(&format!("{base}/consents"), t).await, 200).await;
    assert_eq!(consents["status"][0]["status"], "withdrawn");
    assert_eq!(consents["records"].as_array().unwrap().len(), 2);
    assert!(
        app.audit_actions("consent", record["id"].as_str().unwrap())
            .await
            .contains(&"consent.changed".to_owned())
    );

    // Granted again through the legacy flag: a staff entry, and back in marketing's scope.
    app.clock.advance(TimeDelta::minutes(1));
    let res = app
        .patch(&base, t, &json!({"marketing_consent": true}), None)
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(listed(&app, &marketing, "").await, [id.as_str()]);
    let consents = json_of(app.get(&format!("{base}/consents"), t).await, 200).await;
    let records = consents["records"].as_array().unwrap();
    assert_eq!(records.len(), 3);
    assert_eq!(records[2]["method"], "staff_entry");
    assert_eq!(consents["status"][0]["allowed"], true);
    // Other purposes stand on their own.
    assert_eq!(consents["status"][1]["status"], "never_recorded");
    assert_problem(
        app.get("/api/v1/customers?marketing_consent=maybe", t)
            .await,
        400,
        "invalid_query",
    )
    .await;
}

#[tokio::test]
async fn the_garage_keeps_vehicles_and_mileage() {
    let app = TestApp::spawn().await;
    let t = &app.admin_token;
    let id = customer(&app, t, json!({"name": "吴磊"})).await;
    let base = format!("/api/v1/customers/{id}/vehicles");
    let res = app
        .post(&base, t, &json!({"vin": "lgxce4cb2n0123456", "plate": "沪a·d12345", "brand": "比亚迪", "model": "汉EV", "year": 2022, "purchase_date": "2022-09-18"}))
        .await;
    let vehicle = json_of(res, 201).await;
    assert_eq!(vehicle["vin"], VIN);
    assert_eq!(vehicle["plate"], "沪AD12345");
    let vid = vehicle["id"].as_str().unwrap().to_owned();
    let bad = app
        .post(
            &base,
            t,
            &json!({"vin": "LGXCE4CB3N0123456", "brand": "比亚迪", "model": "汉EV"}),
        )
        .await;
    let problem = assert_problem(bad, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "vin");
    assert_problem(
        app.post(
            &base,
            t,
            &json!({"vin": VIN, "brand": "比亚迪", "model": "汉"}),
        )
        .await,
        409,
        "duplicate",
    )
    .await;
    app.clock.advance(TimeDelta::minutes(2));
    json_of(
        app.post(
            &format!("{base}/{vid}/mileage"),
            t,
            &json!({"mileage_km": 12000}),
        )
        .await,
        201,
    )
    .await;
    app.clock.advance(TimeDelta::minutes(2));
    assert_problem(
        app.post(
            &format!("{base}/{vid}/mileage"),
            t,
            &json!({"mileage_km": 11000}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    json_of(
        app.post(
            &format!("{base}/{vid}/mileage"),
            t,
            &json!({"mileage_km": 13500}),
        )
        .await,
        201,
    )
    .await;
    let res = app
        .patch(
            &format!("{base}/{vid}"),
            t,
            &json!({"plate": "浙A 99999", "year": null}),
            Some(1),
        )
        .await;
    let patched = json_of(res, 200).await;
    assert_eq!(patched["plate"], "浙A99999");
    assert_eq!(patched["year"], Value::Null);
    assert_eq!(patched["version"], 2);
    let stale = app
        .patch(&format!("{base}/{vid}"), t, &json!({"year": 2021}), Some(1))
        .await;
    assert_eq!(stale.status(), 412);
    let list = json_of(app.get(&base, t).await, 200).await;
    assert_eq!(list["items"][0]["current_mileage_km"], 13500);
    assert_eq!(list["items"][0]["mileage"].as_array().unwrap().len(), 2);
    assert_eq!(
        delete(&app, &format!("{base}/{vid}"), t).await.status(),
        204
    );
    assert_eq!(
        delete(&app, &format!("{base}/{vid}"), t).await.status(),
        404
    );
    let list = json_of(app.get(&base, t).await, 200).await;
    assert!(list["items"].as_array().unwrap().is_empty());
}

fn dynamic_names(tags: &Value) -> Vec<String> {
    tags["dynamic"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn tags_are_set_by_hand_and_by_rules_and_filter_the_list() {
    let app = TestApp::spawn().await;
    let t = &app.admin_token;
    let store = app.create_store("杭州西湖店", "杭州").await;
    let (_, manager) = app.user_with_role("sales_manager", Some(&store)).await;
    let (consultant_id, consultant) = app.user_with_role("sales_consultant", Some(&store)).await;
    let id = customer(&app, &consultant, json!({"name": "郑爽"})).await;
    let other = customer(&app, t, json!({"name": "冯伦"})).await;
    let base = format!("/api/v1/customers/{id}");
    assert!(!consultant_id.is_empty());

    // Needs with an SUV: 偏好SUV once something recomputes (the needs update will).
    set_needs(&app, &id, json!({"body_types": ["suv"], "budget_min_cents": 10_000_000i64, "budget_max_cents": 15_000_000i64})).await;
    json_of(
        app.post(
            &format!("{base}/activities"),
            &consultant,
            &json!({"kind": "note", "content": "想要七座SUV"}),
        )
        .await,
        201,
    )
    .await;
    let tags = json_of(app.get(&format!("{base}/tags"), &consultant).await, 200).await;
    let names = dynamic_names(&tags);
    assert!(names.contains(&"偏好SUV".to_owned()), "{names:?}");
    let suv = tags["dynamic"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "偏好SUV")
        .unwrap();
    assert_eq!(suv["rule_id"], "prefers_suv");
    assert_eq!(suv["reasons"][0]["type"], "body_type");
    assert!(!names.contains(&"对比车型3次以上".to_owned()));

    // Three comparisons: 对比车型3次以上.
    let compare = |n: usize| {
        json!({"event_type": "vehicle_compared", "occurred_at": now(&app), "customer_id": id,
               "models": [{"brand": "比亚迪", "model": "唐"}, {"brand": "理想", "model": format!("L{n}")}]})
    };
    let batch = json!({"events": [compare(6), compare(7)]});
    json_of(
        app.post("/api/v1/behavior-events", &consultant, &batch)
            .await,
        200,
    )
    .await;
    let tags = json_of(app.get(&format!("{base}/tags"), &consultant).await, 200).await;
    assert!(!dynamic_names(&tags).contains(&"对比车型3次以上".to_owned()));
    let batch = json!({"events": [compare(8)]});
    json_of(
        app.post("/api/v1/behavior-events", &consultant, &batch)
            .await,
        200,
    )
    .await;
    let tags = json_of(app.get(&format!("{base}/tags"), &consultant).await, 200).await;
    let names = dynamic_names(&tags);
    assert!(names.contains(&"对比车型3次以上".to_owned()), "{names:?}");

    // Manual tags: managers keep the vocabulary, consultants assign.
    let vip = json_of(
        app.post(
            "/api/v1/tags",
            &manager,
            &json!({"name": " VIP客户 ", "colour": "#E4393C"}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(vip["name"], "VIP客户");
    assert_eq!(vip["colour"], "#e4393c");
    let vip_id = vip["id"].as_str().unwrap().to_owned();
    assert_problem(
        app.post(
            "/api/v1/tags",
            t,
            &json!({"name": "VIP客户", "colour": "#000000"}),
        )
        .await,
        409,
        "duplicate",
    )
    .await;
    json_of(
        app.post(
            &format!("{base}/tags"),
            &consultant,
            &json!({"tag_id": vip_id}),
        )
        .await,
        200,
    )
    .await;
    json_of(
        app.post(
            &format!("{base}/tags"),
            &consultant,
            &json!({"tag_id": vip_id}),
        )
        .await,
        200,
    )
    .await;
    let all = json_of(app.get("/api/v1/tags", t).await, 200).await;
    assert_eq!(all["items"][0]["customers"], 1);
    let suv_count = all["dynamic"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "偏好SUV")
        .unwrap()["customers"]
        .clone();
    assert_eq!(suv_count, 1);
    // The list filters by tag name, manual or dynamic.
    assert_eq!(listed(&app, t, "tag=VIP客户").await, [id.as_str()]);
    assert_eq!(
        listed(&app, t, &format!("tag={}", urlencode("偏好SUV"))).await,
        [id.as_str()]
    );
    assert!(listed(&app, t, "tag=nothing").await.is_empty());
    assert_eq!(listed(&app, t, "").await.len(), 2);
    assert!(!other.is_empty());
    // Unassign, then the count drops.
    let res = delete(&app, &format!("{base}/tags/{vip_id}"), &consultant).await;
    assert_eq!(res.status(), 204);
    let res = delete(&app, &format!("{base}/tags/{vip_id}"), &consultant).await;
    assert_eq!(res.status(), 404);
    let all = json_of(app.get("/api/v1/tags", t).await, 200).await;
    assert_eq!(all["items"][0]["customers"], 0);
    // Deleting the tag takes it out of the vocabulary.
    assert_eq!(
        delete(&app, &format!("/api/v1/tags/{vip_id}"), &manager)
            .await
            .status(),
        204
    );
    let all = json_of(app.get("/api/v1/tags", t).await, 200).await;
    assert!(all["items"].as_array().unwrap().is_empty());
}

fn urlencode(text: &str) -> String {
    reqwest::Url::parse_with_params("http://x/", &[("v", text)])
        .unwrap()
        .query()
        .unwrap()
        .trim_start_matches("v=")
        .to_owned()
}

#[tokio::test]
async fn activities_refer_to_the_customers_own_attachments() {
    let app = TestApp::spawn().await;
    let t = &app.admin_token;
    let id = customer(&app, t, json!({"name": "钱进"})).await;
    let other = customer(&app, t, json!({"name": "韩梅"})).await;
    let pdf = autocrm_api::attachments::demo::pdf("chat screenshot");
    let mine =
        crate::attachments::upload_ok(&app, t, &id, "聊天记录.pdf", "application/pdf", pdf.clone())
            .await["id"]
            .as_str()
            .unwrap()
            .to_owned();
    let theirs = crate::attachments::upload_ok(&app, t, &other, "合同.pdf", "application/pdf", pdf)
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let base = format!("/api/v1/customers/{id}/activities");
    let res = app
        .post(
            &base,
            t,
            &json!({"kind": "wechat", "outcome": "reached", "attachment_ids": [theirs]}),
        )
        .await;
    assert_problem(res, 422, "validation_failed").await;
    let activity = json_of(
        app.post(&base, t, &json!({"kind": "wechat", "outcome": "reached", "content": "发送了车型配置表", "attachment_ids": [mine]}))
            .await,
        201,
    )
    .await;
    assert_eq!(activity["attachment_ids"], json!([mine]));
    let list = json_of(app.get(&base, t).await, 200).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["content"], "发送了车型配置表");
    // The event carries ids and counts, never the free text.
    let actions = app
        .audit_actions("activity", activity["id"].as_str().unwrap())
        .await;
    assert_eq!(actions, ["activity.created"]);
    let payload = app
        .with_db(|conn| {
            use autocrm_persistence::schema::outbox_events;
            use diesel::prelude::*;
            outbox_events::table
                .filter(outbox_events::event_type.eq("activity.created"))
                .select(outbox_events::payload)
                .first::<String>(conn)
                .unwrap()
        })
        .await;
    assert!(payload.contains("\"attachment_count\":1"), "{payload}");
    assert!(!payload.contains("配置表"), "{payload}");
}
