//! 429 `rate_limited` with Retry-After: sign-ins per IP address, and requests per caller.

use reqwest::Method;

use crate::helpers::{ADMIN_EMAIL, PASSWORD, TestApp, assert_problem};

fn retry_after(res: &reqwest::Response) -> u64 {
    res.headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("a Retry-After header in seconds")
}

#[tokio::test]
async fn sign_ins_from_one_address_are_limited() {
    let app = TestApp::spawn_with(|s| {
        s.sign_in_rate_per_minute = 1;
        s.sign_in_burst = 3;
    })
    .await;
    // Spawning logged the admin in once: two sign-ins are left, right or wrong.
    for _ in 0..2 {
        let res = app.login(ADMIN_EMAIL, "wrong password").await;
        assert_eq!(res.status(), 401);
    }
    let res = app.login(ADMIN_EMAIL, PASSWORD).await;
    assert_eq!(res.status(), 429);
    assert!((1..=60).contains(&retry_after(&res)));
    assert_problem(res, 429, "rate_limited").await;
    // The other sign-in doors share the budget.
    let res = app
        .request(Method::POST, "/api/v1/auth/refresh", None)
        .json(&serde_json::json!({"refresh_token": "whatever"}))
        .send()
        .await
        .unwrap();
    assert_problem(res, 429, "rate_limited").await;
    // Signed-in work is not a sign-in.
    let res = app.get("/api/v1/me", &app.admin_token).await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn each_caller_has_its_own_budget_and_forged_tokens_spend_none() {
    let app = TestApp::spawn_with(|s| {
        s.rate_limit_per_minute = 1;
        s.rate_limit_burst = 3;
    })
    .await;
    let (_, finance) = app.user_with_role("finance", None).await;
    // user_with_role created the user with the admin's token: one of three spent.
    for _ in 0..2 {
        assert_eq!(app.get("/api/v1/me", &app.admin_token).await.status(), 200);
    }
    let res = app.get("/api/v1/me", &app.admin_token).await;
    assert!((1..=60).contains(&retry_after(&res)));
    assert_problem(res, 429, "rate_limited").await;
    // Someone else is not slowed down by the admin.
    assert_eq!(app.get("/api/v1/me", &finance).await.status(), 200);
    // A token that does not verify names nobody: 401, and nobody's budget shrinks.
    let (signed, _) = finance.rsplit_once('.').unwrap();
    let forged = format!("{signed}.{}", "A".repeat(43));
    for _ in 0..5 {
        assert_eq!(app.get("/api/v1/me", &forged).await.status(), 401);
    }
    assert_eq!(app.get("/api/v1/me", &finance).await.status(), 200);
}

#[tokio::test]
async fn behind_a_proxy_the_forwarded_address_counts() {
    let app = TestApp::spawn_with(|s| {
        s.sign_in_rate_per_minute = 1;
        s.sign_in_burst = 1;
        s.client_ip_header = Some("X-Forwarded-For".into());
    })
    .await;
    let sign_in = |forwarded: &'static str| {
        app.request(Method::POST, "/api/v1/auth/login", None)
            .header("X-Forwarded-For", forwarded)
            .json(&serde_json::json!({"login": ADMIN_EMAIL, "password": "wrong password"}))
            .send()
    };
    assert_eq!(sign_in("198.51.100.7").await.unwrap().status(), 401);
    assert_eq!(sign_in("198.51.100.7").await.unwrap().status(), 429);
    // Another client behind the same proxy has its own budget; what a client writes in
    // front of the proxy's entry does not change who it is.
    assert_eq!(sign_in("203.0.113.9").await.unwrap().status(), 401);
    assert_eq!(
        sign_in("203.0.113.50, 198.51.100.7")
            .await
            .unwrap()
            .status(),
        429
    );
}
