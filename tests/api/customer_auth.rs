//! Customers sign in from mini-programs and apps with a code sent by SMS, and a customer
//! token reaches only the customer's own record.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, with_status};
use crate::webhooks::{Receiver, app_with_private_targets, tick, verifies};

const SEND: &str = "/api/v1/customer-auth/sms/code";
const SIGN_IN: &str = "/api/v1/customer-auth/sms";
const OWN: &str = "/api/v1/me/customer";

async fn public_post(app: &TestApp, path: &str, body: &Value) -> reqwest::Response {
    app.request(Method::POST, path, None)
        .json(body)
        .send()
        .await
        .unwrap()
}

/// An active SMS gateway pointed at a loopback receiver; its signing secret.
async fn sms_gateway(app: &TestApp, receiver: &Receiver) -> String {
    let created = with_status(
        app.post(
            "/api/v1/notification-gateways",
            &app.admin_token,
            &json!({"channel": "sms", "url": "https://sms.huadong-auto.cn/send"}),
        )
        .await,
        201,
    )
    .await
    .unwrap();
    let (id, url) = (
        created["id"].as_str().unwrap().to_owned(),
        receiver.url.clone(),
    );
    // The API takes only https gateways; the test points this one at loopback.
    app.with_db(move |conn| {
        use autocrm_persistence::schema::notification_gateways::dsl as g;
        use diesel::prelude::*;
        diesel::update(g::notification_gateways.filter(g::id.eq(&id)))
            .set(g::url.eq(&url))
            .execute(conn)
            .unwrap();
    })
    .await;
    created["secret"].as_str().unwrap().to_owned()
}

/// The stored outgoing messages and sign-in codes, as raw text.
async fn stored_rows(app: &TestApp) -> String {
    app.with_db(|conn| {
        use autocrm_persistence::schema::{customer_sign_in_codes as c, deliveries as d};
        use diesel::prelude::*;
        let payloads: Vec<String> = d::table.select(d::payload).load(conn).unwrap();
        let codes: Vec<(String, String)> = c::table
            .select((c::phone_blind_index, c::code_hash))
            .load(conn)
            .unwrap();
        format!("{payloads:?} {codes:?}")
    })
    .await
}

/// Sends a code to `phone` and reads it off the SMS gateway's last message.
async fn code_for(app: &TestApp, receiver: &Receiver, secret: &str, phone: &str) -> String {
    let body = json!({"org_id": app.org_id, "phone": phone});
    let sent = with_status(public_post(app, SEND, &body).await, 202)
        .await
        .unwrap();
    assert_eq!(sent, json!({"expires_in": 300, "resend_after": 60}));
    tick(app).await;
    let got = receiver.received();
    let last = got.last().expect("the gateway got the text");
    assert!(verifies(secret, last), "signed like every outbound message");
    let message = last.json();
    assert_eq!(message["channel"], "sms");
    assert!(message.get("sealed").is_none(), "{message}");
    let text = message["body"].as_str().unwrap();
    let code: String = text.chars().filter(char::is_ascii_digit).take(6).collect();
    assert_eq!(code.len(), 6, "{text}");
    code
}

#[tokio::test]
async fn a_customer_signs_in_by_sms_and_reaches_only_their_own_record() {
    let app = app_with_private_targets().await;
    let receiver = Receiver::start(200).await;
    let secret = sms_gateway(&app, &receiver).await;

    let code = code_for(&app, &receiver, &secret, "139-1234-5678").await;
    let message = receiver.received().last().unwrap().json();
    assert_eq!(message["recipient"]["phone"], "+8613912345678");
    // Neither the phone nor the code is on disk in clear.
    let stored = stored_rows(&app).await;
    assert!(!stored.contains("13912345678"), "{stored}");
    assert!(!stored.contains(&code), "{stored}");

    // Another code for the same phone within the minute: 429 with Retry-After.
    let again = public_post(
        &app,
        SEND,
        &json!({"org_id": app.org_id, "phone": "13912345678"}),
    )
    .await;
    assert!(again.headers().contains_key("retry-after"));
    assert_problem(again, 429, "code_throttled").await;

    // A wrong code is refused and counted; the right one signs in once.
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let sign_in =
        |code: &str| json!({"org_id": app.org_id, "phone": "+86 139 1234 5678", "code": code});
    assert_problem(
        public_post(&app, SIGN_IN, &sign_in(wrong)).await,
        401,
        "invalid_credentials",
    )
    .await;
    let token = with_status(public_post(&app, SIGN_IN, &sign_in(&code)).await, 200)
        .await
        .unwrap();
    assert_eq!(token["created"], true, "a new phone registers a prospect");
    assert_eq!(token["token_type"], "Bearer");
    assert_problem(
        public_post(&app, SIGN_IN, &sign_in(&code)).await,
        401,
        "invalid_credentials",
    )
    .await;
    let customer_token = token["access_token"].as_str().unwrap().to_owned();
    let customer_id = token["customer_id"].as_str().unwrap().to_owned();

    // The staff see the new prospect, unassigned.
    let staff_view = with_status(
        app.get(
            &format!("/api/v1/customers/{customer_id}"),
            &app.admin_token,
        )
        .await,
        200,
    )
    .await
    .unwrap();
    assert_eq!(staff_view["phone"], "139****5678");
    assert_eq!(staff_view["owner_id"], Value::Null);

    // The customer reads and changes their own record, and nothing else.
    let own = with_status(app.get(OWN, &customer_token).await, 200)
        .await
        .unwrap();
    assert_eq!(own["id"], customer_id.as_str());
    assert_eq!(own["phone"], "139****5678");
    assert!(
        own.get("notes").is_none() && own.get("owner_id").is_none(),
        "{own}"
    );
    let changed = with_status(
        app.patch(
            OWN,
            &customer_token,
            &json!({"name": "张伟", "city": "杭州"}),
            None,
        )
        .await,
        200,
    )
    .await
    .unwrap();
    assert_eq!(changed["name"], "张伟");
    assert_problem(
        app.patch(OWN, &customer_token, &json!({"notes": "VIP"}), None)
            .await,
        422,
        "validation_failed",
    )
    .await;
    for path in [
        "/api/v1/customers".to_owned(),
        format!("/api/v1/customers/{customer_id}"),
        "/api/v1/me/notifications".to_owned(),
        "/api/v1/stores".to_owned(),
    ] {
        assert_problem(app.get(&path, &customer_token).await, 403, "forbidden").await;
    }
    // Staff tokens have no "own customer record".
    assert_problem(app.get(OWN, &app.admin_token).await, 403, "forbidden").await;

    // The same phone later signs in to the same record.
    app.clock.advance(chrono::TimeDelta::seconds(61));
    let code = code_for(&app, &receiver, &secret, "13912345678").await;
    let token = with_status(public_post(&app, SIGN_IN, &sign_in(&code)).await, 200)
        .await
        .unwrap();
    assert_eq!(token["created"], false);
    assert_eq!(token["customer_id"], customer_id.as_str());

    // An archived customer's token stops at once.
    with_status(
        app.post(
            &format!("/api/v1/customers/{customer_id}/archive"),
            &app.admin_token,
            &json!({}),
        )
        .await,
        200,
    )
    .await
    .unwrap();
    assert_problem(app.get(OWN, &customer_token).await, 401, "unauthorized").await;
}

#[tokio::test]
async fn codes_expire_and_five_wrong_tries_end_them() {
    let app = app_with_private_targets().await;
    let receiver = Receiver::start(200).await;
    let secret = sms_gateway(&app, &receiver).await;
    let sign_in = |code: &str| json!({"org_id": app.org_id, "phone": "13700001111", "code": code});

    let code = code_for(&app, &receiver, &secret, "13700001111").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        assert_problem(
            public_post(&app, SIGN_IN, &sign_in(wrong)).await,
            401,
            "invalid_credentials",
        )
        .await;
    }
    assert_problem(
        public_post(&app, SIGN_IN, &sign_in(&code)).await,
        401,
        "invalid_credentials",
    )
    .await;

    app.clock.advance(chrono::TimeDelta::seconds(61));
    let code = code_for(&app, &receiver, &secret, "13700001111").await;
    app.clock.advance(chrono::TimeDelta::seconds(300));
    assert_problem(
        public_post(&app, SIGN_IN, &sign_in(&code)).await,
        401,
        "invalid_credentials",
    )
    .await;
}

#[tokio::test]
async fn sign_in_refuses_bad_input_unknown_organisations_and_missing_gateways() {
    let app = TestApp::spawn().await;
    let org = app.org_id.clone();
    for body in [
        json!({"org_id": org, "phone": "12345"}),
        json!({"org_id": "not-a-uuid", "phone": "13912345678"}),
        json!({"org_id": org}),
        json!({"org_id": org, "phone": "13912345678", "extra": 1}),
    ] {
        assert_problem(
            public_post(&app, SEND, &body).await,
            422,
            "validation_failed",
        )
        .await;
    }
    for code in ["12345", "abcdef", "1234567"] {
        let body = json!({"org_id": org, "phone": "13912345678", "code": code});
        assert_problem(
            public_post(&app, SIGN_IN, &body).await,
            422,
            "validation_failed",
        )
        .await;
    }
    let unknown = json!({"org_id": uuid::Uuid::now_v7().to_string(), "phone": "13912345678"});
    assert_problem(public_post(&app, SEND, &unknown).await, 404, "not_found").await;
    // No SMS gateway: nothing is stored, nothing sent.
    let body = json!({"org_id": org, "phone": "13912345678"});
    assert_problem(public_post(&app, SEND, &body).await, 409, "conflict").await;
    let stored = stored_rows(&app).await;
    assert_eq!(stored, "[] []");
    // No code was ever sent: any code is refused.
    let body = json!({"org_id": org, "phone": "13912345678", "code": "123456"});
    assert_problem(
        public_post(&app, SIGN_IN, &body).await,
        401,
        "invalid_credentials",
    )
    .await;
    // A forged customer token (wrong key) is 401.
    let forged = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4Iiwib3JnIjoieCIsInJvbGUiOiJjdXN0b21lciJ9.c2ln";
    assert_problem(app.get(OWN, forged).await, 401, "unauthorized").await;
}
