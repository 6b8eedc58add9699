//! Sign-in, tokens, refresh rotation, lockout, machine clients and token forgeries.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    ADMIN_EMAIL, JWT_SECRET, Mismatches, PASSWORD, TestApp, assert_problem, problem,
};

/// The claims of a JWT, read without verifying it.
fn claims_of(token: &str) -> Value {
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "a JWT has three parts: {token}");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap()
}

fn sign(claims: &Value, secret: &str) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

/// Claims as the server issues them, for `sub` in our organisation.
fn claims_for(app: &TestApp, sub: &str, role: &str, exp_offset_secs: i64) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({
        "sub": sub,
        "org": app.org_id,
        "role": role,
        "iss": "autocrm",
        "iat": now - 10,
        "exp": now + exp_offset_secs,
        "jti": uuid::Uuid::now_v7().to_string(),
    })
}

async fn me_id(app: &TestApp) -> String {
    let me: Value = app
        .get("/api/v1/me", &app.admin_token)
        .await
        .json()
        .await
        .unwrap();
    me["id"].as_str().unwrap().to_owned()
}

/// 401 `unauthorized` problem with `WWW-Authenticate: Bearer`.
async fn assert_unauthorized(res: reqwest::Response) -> Value {
    assert_401(res, "unauthorized").await
}

/// 401 `invalid_credentials`: a wrong login, password or client secret.
async fn assert_bad_credentials(res: reqwest::Response) -> Value {
    assert_401(res, "invalid_credentials").await
}

async fn assert_401(res: reqwest::Response, code: &str) -> Value {
    a_401(res, code)
        .await
        .unwrap_or_else(|mismatch| panic!("{mismatch}"))
}

/// A 401 problem with this code and `WWW-Authenticate: Bearer`, or what was answered instead.
async fn a_401(res: reqwest::Response, code: &str) -> Result<Value, String> {
    let challenge = res
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned());
    let problem = problem(res, 401, code).await?;
    match challenge.as_deref() {
        Some("Bearer") => Ok(problem),
        other => Err(format!("401 without WWW-Authenticate: Bearer ({other:?})")),
    }
}

async fn login_pair(app: &TestApp, login: &str, password: &str) -> Value {
    let res = app.login(login, password).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn refresh(app: &TestApp, refresh_token: &str) -> reqwest::Response {
    app.request(Method::POST, "/api/v1/auth/refresh", None)
        .json(&json!({ "refresh_token": refresh_token }))
        .send()
        .await
        .unwrap()
}

async fn client_token(app: &TestApp, client_id: &str, secret: &str) -> reqwest::Response {
    app.request(Method::POST, "/api/v1/auth/token", None)
        .json(&json!({
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": secret,
        }))
        .send()
        .await
        .unwrap()
}

/// Registers an API client with `scopes`; returns the creation answer (with its secret).
async fn create_client(app: &TestApp, scopes: &[&str]) -> Value {
    let res = app
        .post(
            "/api/v1/api-clients",
            &app.admin_token,
            &json!({"name": "DMS 库存同步", "scopes": scopes}),
        )
        .await;
    assert_eq!(res.status(), 201);
    res.json().await.unwrap()
}

#[tokio::test]
async fn login_issues_a_bearer_pair_with_the_expected_claims() {
    let app = TestApp::spawn().await;
    let pair = login_pair(&app, ADMIN_EMAIL, PASSWORD).await;
    assert_eq!(pair["token_type"], "Bearer");
    assert!(pair["expires_in"].as_i64().unwrap() > 0);
    assert!(
        pair["refresh_token"]
            .as_str()
            .is_some_and(|t| !t.is_empty())
    );

    let claims = claims_of(pair["access_token"].as_str().unwrap());
    assert_eq!(claims["sub"], me_id(&app).await.as_str());
    assert_eq!(claims["org"], app.org_id.as_str());
    assert_eq!(claims["role"], "admin");
    let (iat, exp) = (
        claims["iat"].as_i64().unwrap(),
        claims["exp"].as_i64().unwrap(),
    );
    assert_eq!(exp - iat, pair["expires_in"].as_i64().unwrap());
    assert!(claims["jti"].as_str().is_some_and(|j| !j.is_empty()));

    // Logins are case-insensitive emails; each token has its own id.
    let again = login_pair(&app, &ADMIN_EMAIL.to_uppercase(), PASSWORD).await;
    assert_ne!(
        claims_of(again["access_token"].as_str().unwrap())["jti"],
        claims["jti"]
    );
}

#[tokio::test]
async fn login_by_phone_in_any_common_format() {
    let app = TestApp::spawn().await;
    let res = app
        .post(
            "/api/v1/users",
            &app.admin_token,
            &json!({"name": "李娜", "email": "li.na@acme.test", "phone": "13912345678",
                    "role": "general_manager", "password": PASSWORD}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let user: Value = res.json().await.unwrap();

    for login in ["13912345678", "+86 139 1234 5678"] {
        let token = app.login_ok(login, PASSWORD).await;
        assert_eq!(claims_of(&token)["sub"], user["id"]);
        assert_eq!(claims_of(&token)["role"], "general_manager");
    }
}

#[tokio::test]
async fn wrong_password_and_unknown_user_are_the_same_401() {
    let app = TestApp::spawn().await;
    let wrong = assert_bad_credentials(app.login(ADMIN_EMAIL, "wrong-password-1").await).await;
    let unknown = assert_bad_credentials(app.login("nobody@acme.test", PASSWORD).await).await;
    let not_a_login = assert_bad_credentials(app.login("not a login", PASSWORD).await).await;
    // Nothing tells an attacker which logins exist.
    assert_eq!(wrong["detail"], unknown["detail"]);
    assert_eq!(wrong["detail"], not_a_login["detail"]);
    assert!(wrong.get("access_token").is_none());
}

#[tokio::test]
async fn five_failures_lock_the_account_even_for_the_right_password() {
    let app = TestApp::spawn().await;
    for _ in 0..5 {
        assert_bad_credentials(app.login(ADMIN_EMAIL, "wrong-password-1").await).await;
    }
    let res = app.login(ADMIN_EMAIL, PASSWORD).await;
    let retry_after: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (1..=15 * 60).contains(&retry_after),
        "Retry-After {retry_after}"
    );
    let problem = assert_problem(res, 429, "account_locked").await;
    assert!(problem["detail"].is_string());
    assert_eq!(problem["title"], "Account temporarily locked");
    // In Chinese too, with the Retry-After kept.
    let res = app
        .request(Method::POST, "/api/v1/auth/login", None)
        .header("Accept-Language", "zh-CN")
        .json(&json!({"login": ADMIN_EMAIL, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert!(res.headers().contains_key("retry-after"));
    let problem = assert_problem(res, 429, "account_locked").await;
    assert_eq!(problem["title"], "账号已被临时锁定");
    // Still locked on the next try; other users are not affected.
    let res = app.login(ADMIN_EMAIL, PASSWORD).await;
    assert_problem(res, 429, "account_locked").await;
    let (_, token) = app.user_with_role("general_manager", None).await;
    assert_eq!(app.get("/api/v1/me", &token).await.status(), 200);
}

#[tokio::test]
async fn four_failures_then_success_resets_the_counter() {
    let app = TestApp::spawn().await;
    for _ in 0..4 {
        assert_bad_credentials(app.login(ADMIN_EMAIL, "wrong-password-1").await).await;
    }
    app.login_ok(ADMIN_EMAIL, PASSWORD).await;
    for _ in 0..4 {
        assert_bad_credentials(app.login(ADMIN_EMAIL, "wrong-password-1").await).await;
    }
    // Eight failures in all, never five in a row: not locked.
    app.login_ok(ADMIN_EMAIL, PASSWORD).await;
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_whole_family() {
    let app = TestApp::spawn().await;
    let first = login_pair(&app, ADMIN_EMAIL, PASSWORD).await;
    let old_refresh = first["refresh_token"].as_str().unwrap();

    let res = refresh(&app, old_refresh).await;
    assert_eq!(res.status(), 200);
    let second: Value = res.json().await.unwrap();
    assert_eq!(second["token_type"], "Bearer");
    let new_refresh = second["refresh_token"].as_str().unwrap();
    assert_ne!(new_refresh, old_refresh);
    let res = app
        .get("/api/v1/me", second["access_token"].as_str().unwrap())
        .await;
    assert_eq!(res.status(), 200);

    // The old one again: someone copied it. Both the thief and the owner are out.
    assert_unauthorized(refresh(&app, old_refresh).await).await;
    assert_unauthorized(refresh(&app, new_refresh).await).await;

    // Another login is another family and unaffected.
    let other = login_pair(&app, ADMIN_EMAIL, PASSWORD).await;
    let res = refresh(&app, other["refresh_token"].as_str().unwrap()).await;
    assert_eq!(res.status(), 200);

    assert_unauthorized(refresh(&app, "rt_not-a-real-token").await).await;
}

/// The 15 minutes pass (the server's clock is moved on): the right password works again,
/// and the count of failures starts afresh.
#[tokio::test]
async fn a_lock_ends_when_its_time_is_up() {
    let app = TestApp::spawn().await;
    for _ in 0..5 {
        assert_bad_credentials(app.login(ADMIN_EMAIL, "wrong-password-1").await).await;
    }
    assert_problem(
        app.login(ADMIN_EMAIL, PASSWORD).await,
        429,
        "account_locked",
    )
    .await;
    app.clock.advance(chrono::TimeDelta::minutes(14));
    assert_problem(
        app.login(ADMIN_EMAIL, PASSWORD).await,
        429,
        "account_locked",
    )
    .await;
    app.clock
        .advance(chrono::TimeDelta::minutes(1) + chrono::TimeDelta::seconds(1));
    app.login_ok(ADMIN_EMAIL, PASSWORD).await;
    // Four new failures do not lock it: the old ones were forgotten.
    for _ in 0..4 {
        assert_bad_credentials(app.login(ADMIN_EMAIL, "wrong-password-1").await).await;
    }
    app.login_ok(ADMIN_EMAIL, PASSWORD).await;
}

/// A refresh token past its lifetime is refused like an unknown one.
#[tokio::test]
async fn an_expired_refresh_token_is_refused() {
    let app = TestApp::spawn().await;
    let pair = login_pair(&app, ADMIN_EMAIL, PASSWORD).await;
    app.clock
        .advance(chrono::TimeDelta::days(30) + chrono::TimeDelta::seconds(1));
    assert_unauthorized(refresh(&app, pair["refresh_token"].as_str().unwrap()).await).await;
}

/// An access token past its 15 minutes is refused, by the server's clock.
#[tokio::test]
async fn an_expired_access_token_is_refused() {
    let app = TestApp::spawn().await;
    app.clock.advance(chrono::TimeDelta::minutes(14));
    assert_eq!(app.get("/api/v1/me", &app.admin_token).await.status(), 200);
    app.clock.advance(chrono::TimeDelta::minutes(2));
    let res = app.get("/api/v1/me", &app.admin_token).await;
    let problem = crate::helpers::assert_problem(res, 401, "unauthorized").await;
    assert_eq!(problem["detail"], "the access token has expired");
}

#[tokio::test]
async fn logout_revokes_the_refresh_token() {
    let app = TestApp::spawn().await;
    let pair = login_pair(&app, ADMIN_EMAIL, PASSWORD).await;
    let rt = pair["refresh_token"].as_str().unwrap();
    let res = app
        .request(Method::POST, "/api/v1/auth/logout", None)
        .json(&json!({ "refresh_token": rt }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_unauthorized(refresh(&app, rt).await).await;

    // Logging out with an unknown token says nothing about it.
    let res = app
        .request(Method::POST, "/api/v1/auth/logout", None)
        .json(&json!({ "refresh_token": "rt_unknown" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
}

#[tokio::test]
async fn a_deactivated_user_is_locked_out_at_once() {
    let app = TestApp::spawn().await;
    let email = "leaving@acme.test";
    let res = app
        .post(
            "/api/v1/users",
            &app.admin_token,
            &json!({"name": "离职员工", "email": email, "role": "general_manager", "password": PASSWORD}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let pair = login_pair(&app, email, PASSWORD).await;
    let access = pair["access_token"].as_str().unwrap();
    assert_eq!(app.get("/api/v1/me", access).await.status(), 200);

    let res = app
        .post(
            &format!("/api/v1/users/{id}/deactivate"),
            &app.admin_token,
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["active"], false);

    assert_unauthorized(app.get("/api/v1/me", access).await).await;
    assert_unauthorized(app.get("/api/v1/customers", access).await).await;
    assert_unauthorized(app.login(email, PASSWORD).await).await;
    assert_unauthorized(refresh(&app, pair["refresh_token"].as_str().unwrap()).await).await;
}

#[tokio::test]
async fn changing_the_password() {
    let app = TestApp::spawn().await;
    let before = login_pair(&app, ADMIN_EMAIL, PASSWORD).await;
    let change = |current: &str, new: &str| {
        app.request(Method::POST, "/api/v1/me/password", Some(&app.admin_token))
            .json(&json!({"current_password": current, "new_password": new}))
            .send()
    };

    let res = change("not-my-password-1", "brand-new-pass-7")
        .await
        .unwrap();
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "current_password");
    let res = change(PASSWORD, "short1").await.unwrap();
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "new_password");
    // Neither attempt changed anything.
    app.login_ok(ADMIN_EMAIL, PASSWORD).await;

    let res = change(PASSWORD, "brand-new-pass-7").await.unwrap();
    assert_eq!(res.status(), 204);
    assert_bad_credentials(app.login(ADMIN_EMAIL, PASSWORD).await).await;
    app.login_ok(ADMIN_EMAIL, "brand-new-pass-7").await;
    // Sessions from before the change are signed out.
    assert_unauthorized(refresh(&app, before["refresh_token"].as_str().unwrap()).await).await;
    // The change is in the audit trail; the failed attempts changed nothing to audit.
    let me: Value = app
        .get("/api/v1/me", &app.admin_token)
        .await
        .json()
        .await
        .unwrap();
    let actions = app.audit_actions("user", me["id"].as_str().unwrap()).await;
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "user.password_changed")
            .count(),
        1
    );
}

#[tokio::test]
async fn me_describes_the_caller() {
    let app = TestApp::spawn().await;
    let res = app.get("/api/v1/me", &app.admin_token).await;
    assert_eq!(res.status(), 200);
    let me: Value = res.json().await.unwrap();
    assert_eq!(me["kind"], "user");
    assert_eq!(me["role"], "admin");
    assert_eq!(me["email"], ADMIN_EMAIL);
    assert_eq!(me["org_id"], app.org_id.as_str());
    assert_eq!(me["scopes"], json!([]));

    let store = app.create_store("浦东店", "上海").await;
    let (id, token) = app.user_with_role("sales_consultant", Some(&store)).await;
    let me: Value = app.get("/api/v1/me", &token).await.json().await.unwrap();
    assert_eq!(me["id"], id.as_str());
    assert_eq!(me["role"], "sales_consultant");
    assert_eq!(me["store_id"], store.as_str());

    let token = app.integration_token(&["customers:read"]).await;
    let me: Value = app.get("/api/v1/me", &token).await.json().await.unwrap();
    assert_eq!(me["kind"], "api_client");
    assert_eq!(me["role"], "integration");
    assert_eq!(me["scopes"], json!(["customers:read"]));
    assert!(me["email"].is_null());

    assert_unauthorized(
        app.request(Method::GET, "/api/v1/me", None)
            .send()
            .await
            .unwrap(),
    )
    .await;
}

#[tokio::test]
async fn client_credentials_issue_scoped_integration_tokens() {
    let app = TestApp::spawn().await;
    let client = create_client(&app, &["customers:read", "financing:read"]).await;
    let client_id = client["client_id"].as_str().unwrap();
    let secret = client["client_secret"].as_str().unwrap();
    assert!(!secret.is_empty());
    assert_eq!(
        client["scopes"],
        json!(["customers:read", "financing:read"])
    );
    assert_eq!(client["revoked"], false);

    // The secret is shown once: the list never has it.
    let list: Value = app
        .get("/api/v1/api-clients", &app.admin_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert!(list["items"][0].get("client_secret").is_none());
    assert!(!list.to_string().contains(secret));

    let res = client_token(&app, client_id, secret).await;
    assert_eq!(res.status(), 200);
    let token: Value = res.json().await.unwrap();
    assert_eq!(token["token_type"], "Bearer");
    assert!(token["expires_in"].as_i64().unwrap() > 0);
    assert_eq!(token["scope"], "customers:read financing:read");
    let claims = claims_of(token["access_token"].as_str().unwrap());
    assert_eq!(claims["role"], "integration");
    assert_eq!(claims["scope"], "customers:read financing:read");
    assert_eq!(claims["org"], app.org_id.as_str());
    assert_eq!(claims["sub"], client["id"]);

    assert_bad_credentials(client_token(&app, client_id, "cs_wrong-secret").await).await;
    assert_bad_credentials(client_token(&app, "ci_unknown", secret).await).await;
    let res = app
        .request(Method::POST, "/api/v1/auth/token", None)
        .json(&json!({"grant_type": "password", "client_id": client_id, "client_secret": secret}))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "grant_type");
}

#[tokio::test]
async fn a_revoked_client_loses_new_and_issued_tokens() {
    let app = TestApp::spawn().await;
    let client = create_client(&app, &["customers:read"]).await;
    let (client_id, secret) = (
        client["client_id"].as_str().unwrap(),
        client["client_secret"].as_str().unwrap(),
    );
    let res = client_token(&app, client_id, secret).await;
    let issued = res.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(app.get("/api/v1/customers", &issued).await.status(), 200);

    let res = app
        .post(
            &format!(
                "/api/v1/api-clients/{}/revoke",
                client["id"].as_str().unwrap()
            ),
            &app.admin_token,
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["revoked"], true);

    assert_unauthorized(client_token(&app, client_id, secret).await).await;
    assert_unauthorized(app.get("/api/v1/customers", &issued).await).await;
}

#[tokio::test]
async fn integration_scopes_decide_what_a_client_may_do() {
    let app = TestApp::spawn().await;
    app.create_customer(&app.admin_token, &json!({"name": "王强"}))
        .await;
    let reader = app.integration_token(&["customers:read"]).await;
    let res = app.get("/api/v1/customers", &reader).await;
    assert_eq!(res.status(), 200);
    let page: Value = res.json().await.unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    let res = app
        .post("/api/v1/customers", &reader, &json!({"name": "ERP 客户"}))
        .await;
    assert_problem(res, 403, "forbidden").await;
    // Organisation settings are never for machines.
    assert_problem(app.get("/api/v1/users", &reader).await, 403, "forbidden").await;

    let writer = app
        .integration_token(&["customers:read", "customers:write"])
        .await;
    let created = app
        .create_customer(
            &writer,
            &json!({"name": "ERP 客户", "phone": "13700001111"}),
        )
        .await;
    assert_eq!(created["name"], "ERP 客户");

    let write_only = app.integration_token(&["customers:write"]).await;
    assert_problem(
        app.get("/api/v1/customers", &write_only).await,
        403,
        "forbidden",
    )
    .await;
}

#[tokio::test]
async fn api_clients_need_known_scopes_and_an_admin() {
    let app = TestApp::spawn().await;
    let res = app
        .post(
            "/api/v1/api-clients",
            &app.admin_token,
            &json!({"name": "x", "scopes": ["customers:read", "everything:write"]}),
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "scopes");
    let res = app
        .post(
            "/api/v1/api-clients",
            &app.admin_token,
            &json!({"name": "x", "scopes": []}),
        )
        .await;
    assert_problem(res, 422, "validation_failed").await;
    let list: Value = app
        .get("/api/v1/api-clients", &app.admin_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"], json!([]));

    let (_, gm) = app.user_with_role("general_manager", None).await;
    let res = app
        .post(
            "/api/v1/api-clients",
            &gm,
            &json!({"name": "x", "scopes": ["customers:read"]}),
        )
        .await;
    assert_problem(res, 403, "forbidden").await;
}

#[tokio::test]
async fn bad_tokens_are_all_401() {
    let app = TestApp::spawn().await;
    let admin_id = me_id(&app).await;
    let (_, consultant) = {
        let store = app.create_store("静安店", "上海").await;
        app.user_with_role("sales_consultant", Some(&store)).await
    };

    // A well-formed token signed with our key works; the forgeries below differ in one way each.
    let good = sign(&claims_for(&app, &admin_id, "admin", 600), JWT_SECRET);
    assert_eq!(app.get("/api/v1/me", &good).await.status(), 200);

    let expired = sign(&claims_for(&app, &admin_id, "admin", -3600), JWT_SECRET);
    let problem = assert_unauthorized(app.get("/api/v1/me", &expired).await).await;
    assert!(problem["detail"].as_str().unwrap().contains("expired"));

    let forged = sign(
        &claims_for(&app, &admin_id, "admin", 600),
        "another-secret-0123456789abcdef0123456789",
    );
    let alg_none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(claims_for(&app, &admin_id, "admin", 600).to_string()),
    );
    // A consultant's real token, promoted to admin, with the original signature.
    let tampered = {
        let parts: Vec<&str> = consultant.split('.').collect();
        let mut claims = claims_of(&consultant);
        claims["role"] = json!("admin");
        format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(claims.to_string()),
            parts[2]
        )
    };
    let wrong_issuer = {
        let mut claims = claims_for(&app, &admin_id, "admin", 600);
        claims["iss"] = json!("someone-else");
        sign(&claims, JWT_SECRET)
    };
    // Correctly signed, but for nobody we know.
    let unknown_subject = sign(
        &claims_for(&app, &uuid::Uuid::now_v7().to_string(), "admin", 600),
        JWT_SECRET,
    );
    let unknown_role = sign(&claims_for(&app, &admin_id, "root", 600), JWT_SECRET);

    let mut m = Mismatches::new();
    for (case, token) in [
        ("expired", expired.as_str()),
        ("forged", &forged),
        ("alg none", &alg_none),
        ("tampered", &tampered),
        ("wrong issuer", &wrong_issuer),
        ("unknown subject", &unknown_subject),
        ("unknown role", &unknown_role),
        ("garbage", "garbage"),
        ("a.b.c", "a.b.c"),
    ] {
        let res = app.get("/api/v1/customers", token).await;
        m.check(case, a_401(res, "unauthorized").await);
    }
    // The consultant's untampered token still works (as a consultant).
    m.eq(
        "the consultant's own token",
        app.get("/api/v1/customers", &consultant).await.status(),
        200,
    );

    // No header, another scheme, an empty bearer.
    let url = "/api/v1/customers";
    for auth in [
        None,
        Some(format!("Basic {good}")),
        Some("Bearer ".into()),
        Some(good.clone()),
    ] {
        let case = format!("Authorization: {auth:?}");
        let mut req = app.request(Method::GET, url, None);
        if let Some(value) = auth {
            req = req.header("Authorization", value);
        }
        m.check(case, a_401(req.send().await.unwrap(), "unauthorized").await);
    }
    m.assert_none();
}

#[tokio::test]
async fn the_bearer_scheme_is_case_insensitive_everywhere() {
    let app = TestApp::spawn().await;
    let lower = format!("bearer {}", app.admin_token);
    let res = app
        .request(Method::GET, "/api/v1/me", None)
        .header("Authorization", &lower)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    // A retried POST is recognised whatever the scheme's case: one customer, one replay.
    let post = || {
        app.request(Method::POST, "/api/v1/customers", None)
            .header("Authorization", &lower)
            .header("Idempotency-Key", "retry-lower")
            .json(&json!({"name": "重试客户"}))
            .send()
    };
    let first = post().await.unwrap();
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let again = post().await.unwrap();
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<Value>().await.unwrap()["id"], first["id"]);
    let page: Value = app
        .get("/api/v1/customers", &app.admin_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_role_or_store_change_retires_the_old_access_token() {
    let app = TestApp::spawn().await;
    let shanghai = app.create_store("浦东店", "上海").await;
    let beijing = app.create_store("朝阳店", "北京").await;
    let email = "manager@acme.test";
    let res = app
        .post(
            "/api/v1/users",
            &app.admin_token,
            &json!({"name": "经理", "email": email, "role": "general_manager", "password": PASSWORD}),
        )
        .await;
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let pair = login_pair(&app, email, PASSWORD).await;
    let old = pair["access_token"].as_str().unwrap();
    assert_eq!(app.get("/api/v1/customers", old).await.status(), 200);

    // Demoted to a store's service advisor: the general manager's token stops working now.
    let res = app
        .patch(
            &format!("/api/v1/users/{id}"),
            &app.admin_token,
            &json!({"role": "service_advisor", "store_id": shanghai}),
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_unauthorized(app.get("/api/v1/customers", old).await).await;
    let res = app
        .post("/api/v1/customers", old, &json!({"name": "越权"}))
        .await;
    assert_unauthorized(res).await;

    // A refresh brings the new role and store.
    let res = refresh(&app, pair["refresh_token"].as_str().unwrap()).await;
    assert_eq!(res.status(), 200);
    let pair: Value = res.json().await.unwrap();
    let current = pair["access_token"].as_str().unwrap();
    let claims = claims_of(current);
    assert_eq!(claims["role"], "service_advisor");
    assert_eq!(claims["store"], shanghai.as_str());
    let res = app
        .post("/api/v1/customers", current, &json!({"name": "越权"}))
        .await;
    assert_problem(res, 403, "forbidden").await;

    // Moved to another store: the old store's token is retired as well.
    let res = app
        .patch(
            &format!("/api/v1/users/{id}"),
            &app.admin_token,
            &json!({"store_id": beijing}),
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_unauthorized(app.get("/api/v1/customers", current).await).await;
    let beijing_token = app.login_ok(email, PASSWORD).await;
    assert_eq!(claims_of(&beijing_token)["store"], beijing.as_str());
    assert_eq!(
        app.get("/api/v1/customers", &beijing_token).await.status(),
        200
    );
}

/// The single read answers "does the caller still stand?" in its own statement: a
/// deactivated user, a user whose role changed and a revoked client are refused there too,
/// each with its own reason.
#[tokio::test]
async fn the_single_read_refuses_a_caller_who_no_longer_stands() {
    let app = TestApp::spawn().await;
    let customer = app
        .create_customer(&app.admin_token, &json!({"name": "单读客户"}))
        .await;
    let path = format!("/api/v1/customers/{}", customer["id"].as_str().unwrap());
    let (gm_id, gm) = app.user_with_role("general_manager", None).await;
    let (other_gm_id, other_gm) = app.user_with_role("general_manager", None).await;
    let client = app.integration_token(&["customers:read"]).await;
    for token in [&gm, &other_gm, &client] {
        assert_eq!(app.get(&path, token).await.status(), 200);
    }

    let res = app
        .post(
            &format!("/api/v1/users/{gm_id}/deactivate"),
            &app.admin_token,
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let problem = assert_problem(app.get(&path, &gm).await, 401, "unauthorized").await;
    assert_eq!(problem["detail"], "the account is deactivated");

    let res = app
        .patch(
            &format!("/api/v1/users/{other_gm_id}"),
            &app.admin_token,
            &json!({"role": "marketing"}),
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    let problem = assert_problem(app.get(&path, &other_gm).await, 401, "unauthorized").await;
    assert_eq!(
        problem["detail"],
        "the account's role or store changed; refresh the token"
    );

    let clients: Value = app
        .get("/api/v1/api-clients", &app.admin_token)
        .await
        .json()
        .await
        .unwrap();
    let client_id = clients["items"][0]["id"].as_str().unwrap();
    let res = app
        .post(
            &format!("/api/v1/api-clients/{client_id}/revoke"),
            &app.admin_token,
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let problem = assert_problem(app.get(&path, &client).await, 401, "unauthorized").await;
    assert_eq!(problem["detail"], "the client is revoked");
}
