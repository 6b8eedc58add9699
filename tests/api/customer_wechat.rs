//! Customers sign in from a WeChat mini-program: the login code is exchanged through a
//! local fake of WeChat's `code2session`, with the organisation's app id and (encrypted)
//! secret.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use reqwest::Method;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{TestApp, assert_problem, with_status};

const SIGN_IN: &str = "/api/v1/customer-auth/wechat";
const SETTINGS: &str = "/api/v1/organization/wechat-mini-program";
const APP_ID: &str = "wx8f3a9c2e1b7d4a60";
const APP_SECRET: &str = "5f2c9e8a1b7d4c3e9a0f6b2d8c4e1a7b";
const OPENID: &str = "oZhangWei7f3a9c2e1b7d4a60cc";
const UNIONID: &str = "uZhangWei0a1b2c3d4e5f6a7b8c";
const SESSION_KEY: &str = "tiihtNczf5v6AKRyjwEUhQ==";
const OPENID_LI: &str = "oLiNa0123456789abcdefghijk";

/// A local fake of `GET /sns/jscode2session`: answers by the `js_code` asked about, and
/// keeps every query it got.
pub struct FakeWechat {
    url: String,
    got: Arc<Mutex<Vec<HashMap<String, String>>>>,
}

fn answer_for(code: &str) -> (u16, Value) {
    match code {
        "code-zhang" => (
            200,
            json!({"openid": OPENID, "session_key": SESSION_KEY, "unionid": UNIONID}),
        ),
        "code-li" => (
            200,
            json!({"openid": OPENID_LI, "session_key": SESSION_KEY}),
        ),
        "busy" => (200, json!({"errcode": -1, "errmsg": "system error"})),
        "down" => (502, json!({})),
        _ => (
            200,
            json!({"errcode": 40029, "errmsg": "invalid code, rid: 6751a2b3-4c5d6e7f"}),
        ),
    }
}

impl FakeWechat {
    pub async fn start() -> FakeWechat {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let got = Arc::new(Mutex::new(Vec::new()));
        let seen = got.clone();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let seen = seen.clone();
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                        let mut chunk = [0u8; 4096];
                        match stream.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let head = String::from_utf8_lossy(&buf).into_owned();
                    let target = head.split_whitespace().nth(1).unwrap_or("").to_owned();
                    let url = reqwest::Url::parse(&format!("http://fake{target}")).unwrap();
                    let mut query: HashMap<String, String> =
                        url.query_pairs().into_owned().collect();
                    query.insert("path".into(), url.path().to_owned());
                    let (status, body) = answer_for(query.get("js_code").map_or("", |c| c));
                    seen.lock().unwrap().push(query);
                    let body = body.to_string();
                    // WeChat answers JSON as text/plain.
                    let answer = format!(
                        "HTTP/1.1 {status} X\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = stream.write_all(answer.as_bytes()).await;
                });
            }
        });
        FakeWechat { url, got }
    }

    fn received(&self) -> Vec<HashMap<String, String>> {
        self.got.lock().unwrap().clone()
    }
}

async fn public_post(app: &TestApp, path: &str, body: &Value) -> reqwest::Response {
    app.request(Method::POST, path, None)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn put(app: &TestApp, token: &str, body: &Value) -> reqwest::Response {
    app.request(Method::PUT, SETTINGS, Some(token))
        .json(body)
        .send()
        .await
        .unwrap()
}

fn sign_in(app: &TestApp, code: &str) -> Value {
    json!({"org_id": app.org_id, "code": code})
}

pub async fn set_up_mini_program(app: &TestApp) -> Value {
    with_status(
        put(
            app,
            &app.admin_token,
            &json!({"app_id": APP_ID, "app_secret": APP_SECRET}),
        )
        .await,
        200,
    )
    .await
    .unwrap()
}

/// An app whose WeChat sign-in goes to a fake `code2session`, set up; and the fake.
pub async fn app_with_wechat() -> (TestApp, FakeWechat) {
    let wechat = FakeWechat::start().await;
    let base = wechat.url.clone();
    let app = TestApp::spawn_with(move |s| s.wechat_api_base = base).await;
    set_up_mini_program(&app).await;
    (app, wechat)
}

/// Signs in with a code the fake knows (`code-zhang`, `code-li`): (customer id, token).
pub async fn customer_token(app: &TestApp, code: &str) -> (String, String) {
    let token = with_status(public_post(app, SIGN_IN, &sign_in(app, code)).await, 200)
        .await
        .unwrap();
    (
        token["customer_id"].as_str().unwrap().to_owned(),
        token["access_token"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn a_mini_program_user_signs_in_with_wechat_and_is_registered_once() {
    let wechat = FakeWechat::start().await;
    let base = wechat.url.clone();
    let app = TestApp::spawn_with(move |s| s.wechat_api_base = base).await;

    // Until an admin sets the mini-program up, WeChat sign-in is not possible.
    assert_problem(
        public_post(&app, SIGN_IN, &sign_in(&app, "code-zhang")).await,
        409,
        "conflict",
    )
    .await;
    assert_problem(app.get(SETTINGS, &app.admin_token).await, 404, "not_found").await;
    let set = set_up_mini_program(&app).await;
    assert_eq!(
        set,
        json!({"app_id": APP_ID, "app_secret_set": true, "version": 1,
               "created_at": set["created_at"], "updated_at": set["updated_at"]})
    );
    let shown = with_status(app.get(SETTINGS, &app.admin_token).await, 200)
        .await
        .unwrap();
    assert_eq!(shown["app_id"], APP_ID);
    assert!(!shown.to_string().contains(APP_SECRET));
    let (_, manager) = app.user_with_role("general_manager", None).await;
    assert_problem(app.get(SETTINGS, &manager).await, 403, "forbidden").await;
    assert_problem(
        put(
            &app,
            &manager,
            &json!({"app_id": APP_ID, "app_secret": APP_SECRET}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    for body in [
        json!({"app_id": "wx123", "app_secret": APP_SECRET}),
        json!({"app_id": APP_ID, "app_secret": "short"}),
        json!({"app_id": APP_ID}),
    ] {
        assert_problem(
            put(&app, &app.admin_token, &body).await,
            422,
            "validation_failed",
        )
        .await;
    }

    // A new openid registers a prospect from the mini-program.
    let token = with_status(
        public_post(&app, SIGN_IN, &sign_in(&app, "code-zhang")).await,
        200,
    )
    .await
    .unwrap();
    assert_eq!(token["created"], true);
    assert_eq!(token["token_type"], "Bearer");
    let customer_id = token["customer_id"].as_str().unwrap().to_owned();
    let asked = wechat.received();
    let last = asked.last().unwrap();
    assert_eq!(last["path"], "/sns/jscode2session");
    assert_eq!(last["appid"], APP_ID);
    assert_eq!(last["secret"], APP_SECRET);
    assert_eq!(last["js_code"], "code-zhang");
    assert_eq!(last["grant_type"], "authorization_code");

    // The token reaches the customer's own record.
    let own = with_status(
        app.get(
            "/api/v1/me/customer",
            token["access_token"].as_str().unwrap(),
        )
        .await,
        200,
    )
    .await
    .unwrap();
    assert_eq!(own["id"], customer_id.as_str());

    // Staff see a prospect from the mini-program, its WeChat ids masked.
    let staff = with_status(
        app.get(
            &format!("/api/v1/customers/{customer_id}"),
            &app.admin_token,
        )
        .await,
        200,
    )
    .await
    .unwrap();
    assert_eq!(staff["source_channel"], "mini_program");
    assert_eq!(staff["lifecycle_stage"], "prospect");
    let masked = staff["wechat_openid"].as_str().unwrap();
    assert_ne!(masked, OPENID);
    assert!(staff["wechat_unionid"].is_string());
    assert!(!staff.to_string().contains(OPENID));

    // The same WeChat user signs in to the same record.
    let again = with_status(
        public_post(&app, SIGN_IN, &sign_in(&app, "code-zhang")).await,
        200,
    )
    .await
    .unwrap();
    assert_eq!(again["created"], false);
    assert_eq!(again["customer_id"], customer_id.as_str());

    // A customer staff entered with this openid is the one signed in.
    let entered = app
        .create_customer(
            &app.admin_token,
            &json!({"name": "李娜", "wechat_openid": OPENID_LI}),
        )
        .await;
    let li = with_status(
        public_post(&app, SIGN_IN, &sign_in(&app, "code-li")).await,
        200,
    )
    .await
    .unwrap();
    assert_eq!(li["created"], false);
    assert_eq!(li["customer_id"], entered["id"]);

    // Neither WeChat id, the app secret nor the session key is stored in clear.
    let stored = app.stored_text().await;
    for clear in [OPENID, UNIONID, OPENID_LI, APP_SECRET, SESSION_KEY] {
        assert!(!stored.contains(clear), "{clear} is stored in clear");
    }
    let audit = app.audit_actions("customer", &customer_id).await;
    assert!(
        audit.iter().filter(|a| *a == "customer.signed_in").count() == 2,
        "{audit:?}"
    );

    // An archived customer cannot sign in any more.
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
    assert_problem(
        public_post(&app, SIGN_IN, &sign_in(&app, "code-zhang")).await,
        401,
        "unauthorized",
    )
    .await;
}

#[tokio::test]
async fn wechat_refusals_and_outages_are_problems_and_register_no_one() {
    let (app, wechat) = app_with_wechat().await;
    let before = app.customer_count().await;

    // WeChat refuses the code (40029): 401. Busy (-1) or failing (502): 503.
    assert_problem(
        public_post(&app, SIGN_IN, &sign_in(&app, "expired-code")).await,
        401,
        "invalid_credentials",
    )
    .await;
    assert_problem(
        public_post(&app, SIGN_IN, &sign_in(&app, "busy")).await,
        503,
        "unavailable",
    )
    .await;
    assert_problem(
        public_post(&app, SIGN_IN, &sign_in(&app, "down")).await,
        503,
        "unavailable",
    )
    .await;
    // Bad input never reaches WeChat.
    let asked = wechat.received().len();
    for body in [
        json!({"org_id": app.org_id, "code": ""}),
        json!({"org_id": app.org_id, "code": "has spaces"}),
        json!({"org_id": app.org_id, "code": "x".repeat(129)}),
        json!({"org_id": "not-a-uuid", "code": "code-zhang"}),
        json!({"org_id": app.org_id}),
        json!({"org_id": app.org_id, "code": "code-zhang", "openid": OPENID}),
    ] {
        assert_problem(
            public_post(&app, SIGN_IN, &body).await,
            422,
            "validation_failed",
        )
        .await;
    }
    let unknown = json!({"org_id": uuid::Uuid::now_v7().to_string(), "code": "code-zhang"});
    assert_problem(public_post(&app, SIGN_IN, &unknown).await, 404, "not_found").await;
    assert_eq!(wechat.received().len(), asked);
    assert_eq!(app.customer_count().await, before);

    // WeChat unreachable (nothing listens there): 503.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dead = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let offline = TestApp::spawn_with(move |s| s.wechat_api_base = dead).await;
    set_up_mini_program(&offline).await;
    let before = offline.customer_count().await;
    assert_problem(
        public_post(&offline, SIGN_IN, &sign_in(&offline, "code-zhang")).await,
        503,
        "unavailable",
    )
    .await;
    assert_eq!(offline.customer_count().await, before);
}
