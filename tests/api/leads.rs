//! Leads: intake through every door (staff JSON, integration JSON with a field mapping, ADF
//! XML, batch), dedupe by source id and idempotency key, attaching to a customer by phone,
//! routing (round-robin over consultants on shift), manual reassignment, the lead's history
//! and scope, scoring settings, another tenant's leads.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    Call, Expect, FORBIDDEN, NOT_FOUND, TestApp, assert_problem, status_and_body,
};

const LEADS: &str = "/api/v1/leads";
const INTAKE: &str = "/api/v1/intake/leads";

/// An API client named `name` with `scopes`: (record id, access token).
async fn client(app: &TestApp, name: &str, scopes: &[&str]) -> (String, String) {
    let res = app
        .post(
            "/api/v1/api-clients",
            &app.admin_token,
            &json!({"name": name, "scopes": scopes}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let c: Value = res.json().await.unwrap();
    let res = app
        .request(Method::POST, "/api/v1/auth/token", None)
        .json(&json!({"grant_type": "client_credentials",
                      "client_id": c["client_id"], "client_secret": c["client_secret"]}))
        .send()
        .await
        .unwrap();
    let token = res.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    (c["id"].as_str().unwrap().to_owned(), token)
}

async fn post_xml(app: &TestApp, token: &str, xml: &str, key: Option<&str>) -> (u16, Value) {
    let mut req = app
        .request(Method::POST, INTAKE, Some(token))
        .header("content-type", "application/vnd.adf+xml")
        .body(xml.to_owned());
    if let Some(key) = key {
        req = req.header("Idempotency-Key", key);
    }
    status_and_body(req.send().await.unwrap()).await
}

async fn lead_count(app: &TestApp) -> i64 {
    app.with_db(|conn| {
        use diesel::prelude::*;
        autocrm_persistence::schema::leads::table
            .count()
            .get_result::<i64>(conn)
            .unwrap()
    })
    .await
}

fn adf(source_id: &str, phone: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<?adf version="1.0"?>
<adf>
  <prospect status="new">
    <requestdate>2026-12-07T10:00:00+08:00</requestdate>
    <vehicle interest="buy" status="new">
      <year>2026</year><make>比亚迪</make><model>汉EV</model>
      <price type="quote" currency="CNY">219800</price>
    </vehicle>
    <customer>
      <contact><name part="full">张伟</name><phone type="voice">{phone}</phone></contact>
      <timeframe><description>一周内</description></timeframe>
    </customer>
    <id sequence="1" source="Dealer">D-9</id>
    <id sequence="2" source="Autohome">{source_id}</id>
    <vendor><vendorname>浦东店</vendorname></vendor>
    <provider><name>Autohome</name></provider>
  </prospect>
</adf>"#
    )
}

#[tokio::test]
async fn an_adf_lead_attaches_to_the_customer_by_phone_and_repeats_create_nothing() {
    let app = TestApp::spawn().await;
    let store = app.create_store("浦东店", "上海").await;
    let customer = app
        .create_customer(
            &app.admin_token,
            &json!({"name": "张伟", "phone": "13812345678", "store_id": store}),
        )
        .await;
    let (_, token) = client(&app, "Autohome", &["leads:write"]).await;

    let document = adf("AH-777", "+86 138 1234 5678");
    let (status, body) = post_xml(&app, &token, &document, Some("k1")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["created"], 1, "{body}");
    let lead = &body["results"][0]["lead"];
    assert_eq!(body["results"][0]["status"], 201);
    assert_eq!(lead["customer_id"], customer["id"], "attached by phone");
    assert_eq!(lead["source"], "autohome");
    assert_eq!(
        lead["source_lead_id"], "AH-777",
        "the id whose source is the client"
    );
    assert_eq!(lead["store_id"], json!(store), "the vendor named the store");
    assert_eq!(lead["needs"]["wanted"]["brand"], "比亚迪");
    assert_eq!(lead["needs"]["wanted"]["model"], "汉EV");
    assert_eq!(lead["needs"]["wanted"]["budget_max_cents"], 21_980_000);
    assert_eq!(lead["needs"]["timeframe"], "within_7_days");
    assert_eq!(lead["grade"], "h", "{lead}");
    assert!(
        lead["in_pool"].as_bool().unwrap(),
        "no routing rules: the pool"
    );
    // The customer's needs took the lead's.
    let needs = app
        .get(
            &format!(
                "/api/v1/customers/{}/needs",
                customer["id"].as_str().unwrap()
            ),
            &app.admin_token,
        )
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(needs["needs"]["brands"], json!(["比亚迪"]), "{needs}");
    assert_eq!(lead_count(&app).await, 1);

    // The same key replays; the same source id without it is a duplicate: nothing new.
    let (status, replay) = post_xml(&app, &token, &document, Some("k1")).await;
    assert_eq!((status, &replay), (200, &body));
    let (status, again) = post_xml(&app, &token, &adf("AH-777", "13812345678"), None).await;
    assert_eq!(status, 200);
    assert_eq!(again["duplicates"], 1, "{again}");
    assert_eq!(again["results"][0]["result"], "duplicate");
    assert_eq!(again["results"][0]["lead"]["id"], lead["id"]);
    assert_eq!(lead_count(&app).await, 1);
    assert_eq!(app.customer_count().await, 1, "no second customer");

    // The payload as received is sealed: no clear phone in the row.
    let raw: Option<String> = app
        .with_db(|conn| {
            use autocrm_persistence::schema::leads;
            use diesel::prelude::*;
            leads::table
                .select(leads::raw_ciphertext)
                .first(conn)
                .unwrap()
        })
        .await;
    let raw = raw.expect("kept");
    assert!(!raw.contains("13812345678") && !raw.contains("张伟"));
    let events = app
        .audit_actions("lead", lead["id"].as_str().unwrap())
        .await;
    assert!(events.contains(&"lead.created".to_owned()), "{events:?}");
}

#[tokio::test]
async fn bad_xml_is_a_400_naming_the_position_and_dtds_are_refused() {
    let app = TestApp::spawn().await;
    let (_, token) = client(&app, "Yiche", &["leads:write"]).await;
    let cases = [
        (
            "<adf>\n<prospect>\n<id>1</idd>\n</prospect></adf>",
            "line 3",
        ),
        (
            r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><adf><prospect><id>&lol2;</id></prospect></adf>"#,
            "DTD",
        ),
        (
            r#"<!DOCTYPE adf [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><adf><prospect><id>&xxe;</id></prospect></adf>"#,
            "DTD",
        ),
        (
            "<adf><prospect><id>&bogus;</id></prospect></adf>",
            "undefined entity",
        ),
        ("<lead/>", "not <adf>"),
        ("<adf></adf>", "no <prospect>"),
    ];
    for (xml, says) in cases {
        let (status, body) = post_xml(&app, &token, xml, None).await;
        assert_eq!(status, 400, "{xml}: {body}");
        assert_eq!(body["code"], "malformed_xml", "{xml}");
        assert!(
            body["detail"].as_str().unwrap().contains(says),
            "{xml}: {body}"
        );
    }
    // Malformed JSON names its position; other types are 415.
    let res = app
        .request(Method::POST, INTAKE, Some(&token))
        .header("content-type", "application/json")
        .body("{\"source\": \"web\",\n \"customer\": }")
        .send()
        .await
        .unwrap();
    let body = assert_problem(res, 400, "malformed_json").await;
    assert!(
        body["detail"].as_str().unwrap().contains("line 2"),
        "{body}"
    );
    let res = app
        .request(Method::POST, INTAKE, Some(&token))
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_problem(res, 415, "unsupported_media_type").await;
    // A prospect without any way to reach the customer is refused alone.
    let (status, body) = post_xml(
        &app,
        &token,
        "<adf><prospect><id>1</id><customer><contact><name>无名</name></contact></customer></prospect>\
         <prospect><id>2</id><customer><contact><email>li.na@example.cn</email></contact></customer></prospect></adf>",
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        (body["created"].as_u64(), body["refused"].as_u64()),
        (Some(1), Some(1)),
        "{body}"
    );
    assert_eq!(body["results"][0]["status"], 422);
    assert_eq!(lead_count(&app).await, 1);
}

#[tokio::test]
async fn a_client_mapping_turns_a_platform_push_into_a_lead() {
    let app = TestApp::spawn().await;
    let (client_id, token) = client(&app, "懂车帝推送", &["leads:write"]).await;
    let mapping = json!({"mapping": {
        "fields": {"source_lead_id": "/clue_id", "customer.name": "/user/name",
            "customer.phone": "/user/mobile", "wanted.brand": "/car/brand",
            "wanted.model": "/car/series", "wanted.budget_max_cents": "/budget_wan",
            "timeframe": "/buy_time"},
        "constants": {"source": "dongchedi"},
        "values": {"timeframe": {"一个月内": "within_30_days"}},
        "multipliers": {"wanted.budget_max_cents": 1000000}
    }});
    let path = format!("/api/v1/api-clients/{client_id}/lead-mapping");
    let res = app
        .request(Method::PUT, &path, Some(&app.admin_token))
        .json(&mapping)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let bad = app
        .request(Method::PUT, &path, Some(&app.admin_token))
        .json(&json!({"mapping": {"fields": {"customer.salary": "/x"}}}))
        .send()
        .await
        .unwrap();
    assert_problem(bad, 422, "validation_failed").await;

    let push = json!({"clue_id": 99887766, "user": {"name": "刘洋", "mobile": "13700001111"},
        "car": {"brand": "理想", "series": "L6"}, "budget_wan": "25.8", "buy_time": "一个月内"});
    let res = app.post(INTAKE, &token, &push).await;
    let (status, body) = status_and_body(res).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["customer_created"], true);
    let lead = &body["lead"];
    assert_eq!(lead["source"], "dongchedi");
    assert_eq!(lead["source_lead_id"], "99887766");
    assert_eq!(lead["needs"]["wanted"]["budget_max_cents"], 25_800_000);
    assert_eq!(lead["needs"]["timeframe"], "within_30_days");
    assert_eq!(lead["grade"], "b");
    assert_eq!(lead["customer_name"], "刘洋");
    assert_eq!(lead["customer_phone"], "137****1111");
    // The same push again: 200, the same lead, nothing new.
    let (status, again) = status_and_body(app.post(INTAKE, &token, &push).await).await;
    assert_eq!(status, 200);
    assert_eq!(again["duplicate"], true);
    assert_eq!(again["lead"]["id"], lead["id"]);
    assert_eq!(lead_count(&app).await, 1);
    // A consultant's token, or a client without the scope, may not push.
    let (_, reader) = client(&app, "只读", &["leads:read"]).await;
    assert_problem(app.post(INTAKE, &reader, &push).await, 403, "forbidden").await;
}

async fn routing_rule(app: &TestApp, store: &str, team: &[&str]) {
    let res = app
        .request(
            Method::PUT,
            "/api/v1/settings/lead-routing",
            Some(&app.admin_token),
        )
        .json(
            &json!({"rules": [{"name": "浦东店轮询", "store_ids": [store], "team": team,
            "strategy": "round_robin"}]}),
        )
        .send()
        .await
        .unwrap();
    let (status, body) = status_and_body(res).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn round_robin_spreads_leads_over_consultants_on_shift() {
    let app = TestApp::spawn().await;
    let store = app.create_store("浦东店", "上海").await;
    let (a, _) = app.user_with_role("sales_consultant", Some(&store)).await;
    let (b, _) = app.user_with_role("sales_consultant", Some(&store)).await;
    let (off, off_token) = app.user_with_role("sales_consultant", Some(&store)).await;
    routing_rule(&app, &store, &[&a, &b, &off]).await;
    // The third goes off duty.
    let res = app
        .request(Method::PUT, "/api/v1/me/shift", Some(&off_token))
        .json(&json!({"on_duty": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (manager, manager_token) = app.user_with_role("sales_manager", Some(&store)).await;
    let _ = manager;
    let mut owners = std::collections::BTreeMap::<String, usize>::new();
    for i in 0..10 {
        let res = app
            .post(
                LEADS,
                &manager_token,
                &json!({"source": "phone", "customer": {"name": format!("客户{i}"),
                    "phone": format!("1390000{i:04}")}}),
            )
            .await;
        let (status, body) = status_and_body(res).await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(
            body["lead"]["store_id"],
            json!(store),
            "the manager's store"
        );
        *owners
            .entry(
                body["lead"]["owner_id"]
                    .as_str()
                    .unwrap_or("pool")
                    .to_owned(),
            )
            .or_default() += 1;
    }
    assert_eq!(owners.get(&a), Some(&5), "{owners:?}");
    assert_eq!(owners.get(&b), Some(&5), "{owners:?}");
    assert_eq!(owners.get(&off), None, "{owners:?}");

    // The history says which rule and why.
    let page = app
        .get(&format!("{LEADS}?owner_id={a}"), &app.admin_token)
        .await;
    let page: Value = page.json().await.unwrap();
    let id = page["items"][0]["id"].as_str().unwrap().to_owned();
    let history: Value = app
        .get(&format!("{LEADS}/{id}/history"), &app.admin_token)
        .await
        .json()
        .await
        .unwrap();
    let kinds: Vec<&str> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["created", "assigned"]);
    assert_eq!(history["items"][1]["detail"]["rule"]["name"], "浦东店轮询");
    assert_eq!(history["items"][1]["detail"]["strategy"], "round_robin");

    // Everyone off shift: the lead lands in the pool, still 201.
    for user in [&a, &b] {
        let res = app
            .request(
                Method::PUT,
                &format!("/api/v1/users/{user}/shift"),
                Some(&manager_token),
            )
            .json(&json!({"on_duty": false}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
    }
    let res = app
        .post(
            LEADS,
            &manager_token,
            &json!({"source": "phone", "customer": {"phone": "13900009999"}}),
        )
        .await;
    let (status, body) = status_and_body(res).await;
    assert_eq!(status, 201);
    assert_eq!(body["lead"]["in_pool"], true);
    let first_history: Value = app
        .get(
            &format!("{LEADS}/{}/history", body["lead"]["id"].as_str().unwrap()),
            &app.admin_token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        first_history["items"][0]["detail"]["routing"]["kind"], "nobody_on_shift",
        "{first_history}"
    );
}

#[tokio::test]
async fn a_consultant_works_own_leads_and_a_manager_reassigns_with_a_reason() {
    let app = TestApp::spawn().await;
    let store = app.create_store("徐汇店", "上海").await;
    let other_store = app.create_store("杭州店", "杭州").await;
    let (me, my_token) = app.user_with_role("sales_consultant", Some(&store)).await;
    let (colleague, colleague_token) = app.user_with_role("sales_consultant", Some(&store)).await;
    let (_, far_token) = app
        .user_with_role("sales_consultant", Some(&other_store))
        .await;
    let (_, manager_token) = app.user_with_role("sales_manager", Some(&store)).await;
    let res = app
        .post(
            LEADS,
            &my_token,
            &json!({"source": "walk_in", "customer": {"name": "陈静", "phone": "13600002222"},
                "wanted": {"condition": "used", "brand": "宝马", "body_type": "suv"},
                "timeframe": "within_15_days", "note": "周末再来看X3"}),
        )
        .await;
    let (status, body) = status_and_body(res).await;
    assert_eq!(status, 201, "{body}");
    let lead = body["lead"].clone();
    let id = lead["id"].as_str().unwrap().to_owned();
    assert_eq!(lead["owner_id"], json!(me), "a consultant's own lead");
    assert_eq!(lead["grade"], "a");
    assert!(lead["score_detail"]["reasons"].as_array().unwrap().len() >= 5);
    // The first-response task is open and due within the SLA (30 minutes by default).
    let due: chrono::NaiveDateTime = app
        .with_db({
            let id = id.clone();
            move |conn| {
                use autocrm_persistence::schema::tasks;
                use diesel::prelude::*;
                tasks::table
                    .filter(tasks::lead_id.eq(id))
                    .select(tasks::due_at)
                    .first(conn)
                    .unwrap()
            }
        })
        .await;
    let created: chrono::DateTime<chrono::Utc> =
        lead["created_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(due.and_utc() - created, chrono::TimeDelta::minutes(30));

    let path = format!("{LEADS}/{id}");
    app.check_calls([
        Call::get("owner reads", &my_token, &path).expect(Expect::Status(200)),
        Call::get("manager reads", &manager_token, &path).expect(Expect::Status(200)),
        Call::get("colleague does not see it", &colleague_token, &path).expect(NOT_FOUND),
        Call::get("another store does not see it", &far_token, &path).expect(NOT_FOUND),
        Call::post(
            "consultants do not reassign",
            &my_token,
            format!("{path}/assign"),
            json!({"owner_id": colleague, "reason": "调休"}),
        )
        .expect(FORBIDDEN),
        Call::post(
            "a reason is needed",
            &manager_token,
            format!("{path}/assign"),
            json!({"owner_id": colleague}),
        )
        .expect(Expect::Problem(422, "validation_failed")),
        Call::patch(
            "lost is not set by hand",
            &my_token,
            &path,
            json!({"status": "lost"}),
        )
        .expect(Expect::Problem(422, "validation_failed")),
    ])
    .await;
    let res = app
        .post(
            &format!("{path}/assign"),
            &manager_token,
            &json!({"owner_id": colleague, "reason": "原顾问休假"}),
        )
        .await;
    let (status, moved) = status_and_body(res).await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["owner_id"], json!(colleague));
    assert_problem(app.get(&path, &my_token).await, 404, "not_found").await;
    let history: Value = app
        .get(&format!("{path}/history"), &colleague_token)
        .await
        .json()
        .await
        .unwrap();
    let last = history["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["kind"], "reassigned");
    assert_eq!(last["reason"], "原顾问休假");
    assert_eq!(last["from_user_id"], json!(me));
    // The task followed the lead.
    let owner: Option<String> = app
        .with_db({
            let id = id.clone();
            move |conn| {
                use autocrm_persistence::schema::tasks;
                use diesel::prelude::*;
                tasks::table
                    .filter(tasks::lead_id.eq(id))
                    .select(tasks::owner_id)
                    .first(conn)
                    .unwrap()
            }
        })
        .await;
    assert_eq!(owner, Some(colleague.clone()));
    // The new owner qualifies it; a step back is refused.
    let res = app
        .request(Method::PATCH, &path, Some(&colleague_token))
        .json(&json!({"status": "qualified", "needs": {"wanted": {"brand": "宝马", "model": "X3"}, "timeframe": "within_7_days"}}))
        .send()
        .await
        .unwrap();
    let (status, patched) = status_and_body(res).await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["status"], "qualified");
    assert_eq!(patched["grade"], "h", "the new window rescored it");
    let res = app
        .request(Method::PATCH, &path, Some(&colleague_token))
        .json(&json!({"status": "contacted"}))
        .send()
        .await
        .unwrap();
    assert_problem(res, 409, "invalid_transition").await;
    // Its matches are the cars for what it asks.
    let res = app
        .get(&format!("{path}/vehicle-matches"), &colleague_token)
        .await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn another_tenants_leads_are_not_found_and_bad_input_writes_nothing() {
    let app = TestApp::spawn().await;
    let res = app
        .post(
            LEADS,
            &app.admin_token,
            &json!({"source": "web_form", "customer": {"email": "wang@example.cn"}}),
        )
        .await;
    let (status, body) = status_and_body(res).await;
    assert_eq!(status, 201, "{body}");
    let id = body["lead"]["id"].as_str().unwrap().to_owned();
    let other = app.other_tenant().await;
    let path = format!("{LEADS}/{id}");
    app.check_calls([
        Call::get("get", &other, &path).expect(NOT_FOUND),
        Call::get("history", &other, format!("{path}/history")).expect(NOT_FOUND),
        Call::get("matches", &other, format!("{path}/vehicle-matches")).expect(NOT_FOUND),
        Call::patch("patch", &other, &path, json!({"status": "contacted"})).expect(NOT_FOUND),
        Call::post(
            "assign",
            &other,
            format!("{path}/assign"),
            json!({"owner_id": uuid::Uuid::now_v7().to_string(), "reason": "x"}),
        )
        .expect(NOT_FOUND),
    ])
    .await;
    let listed: Value = app.get(LEADS, &other).await.json().await.unwrap();
    assert_eq!(listed["items"], json!([]));
    let before = lead_count(&app).await;
    let customers = app.customer_count().await;
    let bad = [
        json!({"source": "web_form", "customer": {"name": "无联系方式"}}),
        json!({"source": "Not A Slug!", "customer": {"phone": "13800001234"}}),
        json!({"source": "web", "customer": {"phone": "12345"}}),
        json!({"source": "web", "customer": {"phone": "13800001234"}, "wanted": {"budget_min_cents": 5, "budget_max_cents": 1}}),
        json!({"source": "web", "customer": {"phone": "13800001234"}, "timeframe": "someday"}),
        json!({"source": "web", "customer": {"phone": "13800001234"}, "store_id": uuid::Uuid::now_v7().to_string()}),
        json!({"source": "web", "customer": {"phone": "13800001234"}, "surprise": 1}),
    ];
    for body in bad {
        let res = app.post(LEADS, &app.admin_token, &body).await;
        assert_problem(res, 422, "validation_failed").await;
    }
    assert_eq!(lead_count(&app).await, before);
    assert_eq!(app.customer_count().await, customers);
    // Roles without leads.
    let store = app.create_store("售后店", "上海").await;
    let (_, advisor) = app.user_with_role("service_advisor", Some(&store)).await;
    let (_, finance) = app.user_with_role("finance", None).await;
    for token in [&advisor, &finance] {
        assert_problem(app.get(LEADS, token).await, 403, "forbidden").await;
    }
}

#[tokio::test]
async fn a_batch_answers_each_lead_and_scoring_settings_are_checked() {
    let app = TestApp::spawn().await;
    let items: Vec<Value> = (0..5)
        .map(|i| {
            json!({"source": "car_show", "source_lead_id": format!("CS-{}", i % 4),
            "customer": {"name": format!("车展客户{i}"), "phone": format!("1350000{i:04}")}})
        })
        .chain([json!({"source": "car_show", "customer": {}})])
        .collect();
    let res = app
        .post(
            &format!("{LEADS}/batch"),
            &app.admin_token,
            &json!({"items": items}),
        )
        .await;
    let (status, body) = status_and_body(res).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (
            body["created"].as_u64(),
            body["duplicates"].as_u64(),
            body["refused"].as_u64()
        ),
        (Some(4), Some(1), Some(1)),
        "{body}"
    );
    assert_eq!(
        body["results"][4]["lead"]["id"],
        body["results"][0]["lead"]["id"]
    );
    assert_eq!(body["results"][5]["status"], 422);
    assert_eq!(lead_count(&app).await, 4);
    let too_many: Vec<Value> = (0..501).map(|_| json!({})).collect();
    let res = app
        .post(
            &format!("{LEADS}/batch"),
            &app.admin_token,
            &json!({"items": too_many}),
        )
        .await;
    assert_problem(res, 422, "validation_failed").await;

    let scoring = "/api/v1/settings/lead-scoring";
    let current: Value = app
        .get(scoring, &app.admin_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(current["weights"]["timeframe"], 25);
    let mut bad = current.clone();
    bad["weights"]["timeframe"] = json!(90);
    let res = app
        .request(Method::PUT, scoring, Some(&app.admin_token))
        .json(&bad)
        .send()
        .await
        .unwrap();
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "weights", "{problem}");
    let store = app.create_store("嘉定店", "上海").await;
    let (_, manager) = app.user_with_role("sales_manager", Some(&store)).await;
    let res = app
        .request(Method::PUT, scoring, Some(&manager))
        .json(&current)
        .send()
        .await
        .unwrap();
    assert_problem(res, 403, "forbidden").await;
    let res = app
        .request(Method::PUT, scoring, Some(&app.admin_token))
        .json(&current)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn concurrent_pushes_of_one_lead_make_one() {
    let app = TestApp::spawn().await;
    let (_, token) = client(&app, "易车", &["leads:write"]).await;
    let body =
        json!({"source": "yiche", "source_lead_id": "YC-1", "customer": {"phone": "13311112222"}});
    let calls: Vec<_> = (0..10)
        .map(|_| {
            let req = app.request(Method::POST, INTAKE, Some(&token)).json(&body);
            tokio::spawn(async move { req.send().await.unwrap().status().as_u16() })
        })
        .collect();
    let mut statuses = Vec::new();
    for call in calls {
        statuses.push(call.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|&&s| s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|&s| s == 201 || s == 200),
        "{statuses:?}"
    );
    assert_eq!(lead_count(&app).await, 1);
}

#[tokio::test]
async fn engagement_rescores_a_lead_and_keeps_the_grade_change_on_its_history() {
    let app = TestApp::spawn().await;
    let res = app
        .post(
            LEADS,
            &app.admin_token,
            &json!({"source": "web_form",
            "customer": {"name": "周婷", "phone": "13511112222"}}),
        )
        .await;
    let (status, body) = status_and_body(res).await;
    assert_eq!(status, 201, "{body}");
    let lead = body["lead"].clone();
    assert_eq!(lead["grade"], "c", "no stated window");
    let customer = lead["customer_id"].as_str().unwrap();
    let id = lead["id"].as_str().unwrap();
    let res = app
        .post(
            &format!("/api/v1/customers/{customer}/activities"),
            &app.admin_token,
            &json!({"kind": "test_drive", "outcome": "completed", "content": "试驾汉EV，很满意"}),
        )
        .await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let after: Value = app
        .get(&format!("{LEADS}/{id}"), &app.admin_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        after["grade"], "b",
        "a test drive raises the grade: {after}"
    );
    assert!(after["score"].as_i64() > lead["score"].as_i64(), "{after}");
    let history: Value = app
        .get(&format!("{LEADS}/{id}/history"), &app.admin_token)
        .await
        .json()
        .await
        .unwrap();
    let change = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "grade_changed")
        .expect("recorded");
    assert_eq!(
        (&change["from_value"], &change["to_value"]),
        (&json!("c"), &json!("b"))
    );
    let actions = app.audit_actions("lead", id).await;
    assert!(
        actions.contains(&"lead.grade_changed".to_owned()),
        "{actions:?}"
    );
}
