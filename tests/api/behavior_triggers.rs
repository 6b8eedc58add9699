//! Behaviour triggers: the same model viewed on 3 different days within 7 fires once (a 4th
//! view in the window does not, new views after the window can), the financing calculator
//! used twice fires, racing posts fire once, the task goes to the lead's owner; the rules as
//! a settings section (403 for consultants, 422 listing the problems, nothing written);
//! another tenant's lead is 404.

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, field_errors, status_and_body};

const SETTINGS: &str = "/api/v1/settings/behavior-triggers";

struct Setup {
    app: TestApp,
    store: String,
    consultant: String,
    customer: String,
    lead: String,
}

/// 10:00 Shanghai time today (UTC 02:00).
fn base() -> DateTime<Utc> {
    Utc::now()
        .date_naive()
        .and_hms_opt(2, 0, 0)
        .unwrap()
        .and_utc()
}

async fn setup() -> Setup {
    let mut app = TestApp::spawn_with(|s| s.access_token_ttl_secs = 60 * 24 * 3600).await;
    app.clock.set(base());
    app.admin_token = app
        .login_ok(crate::helpers::ADMIN_EMAIL, crate::helpers::PASSWORD)
        .await;
    let store = app.create_store("上海浦东店", "上海").await;
    let (consultant, _) = app.user_with_role("sales_consultant", Some(&store)).await;
    let customer = app
        .create_customer(&app.admin_token, &json!({"name": "李静"}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let lead = app
        .insert_lead(&customer, Some(&consultant), Some(&store), "b")
        .await;
    Setup {
        app,
        store,
        consultant,
        customer,
        lead,
    }
}

fn event(customer: &str, kind: &str, model: &str, at: DateTime<Utc>) -> Value {
    json!({"event_type": kind, "customer_id": customer,
           "occurred_at": at.to_rfc3339_opts(SecondsFormat::Secs, true),
           "models": [{"brand": "比亚迪", "model": model}]})
}

async fn post_event(s: &Setup, kind: &str, model: &str) {
    let at = s.app.clock_now() - TimeDelta::seconds(1);
    let res = s
        .app
        .post(
            "/api/v1/behavior-events",
            &s.app.admin_token,
            &json!({"events": [event(&s.customer, kind, model, at)]}),
        )
        .await;
    let (status, body) = status_and_body(res).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["accepted"], 1, "{body}");
}

async fn firings(s: &Setup) -> Vec<Value> {
    let res = s
        .app
        .get(
            &format!("/api/v1/leads/{}/trigger-firings", s.lead),
            &s.app.admin_token,
        )
        .await;
    let (status, body) = status_and_body(res).await;
    assert_eq!(status, 200, "{body}");
    body["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn the_same_model_viewed_on_three_days_in_seven_fires_once_per_window() {
    let s = setup().await;
    post_event(&s, "vehicle_viewed", "汉EV").await;
    s.app.clock.advance(TimeDelta::hours(30));
    post_event(&s, "vehicle_viewed", "汉EV").await;
    // Another model on another day does not count for this one.
    s.app.clock.advance(TimeDelta::hours(24));
    post_event(&s, "vehicle_viewed", "秦PLUS").await;
    assert!(firings(&s).await.is_empty(), "two days only");
    post_event(&s, "vehicle_viewed", "汉EV").await;
    let fired = firings(&s).await;
    assert_eq!(fired.len(), 1, "{fired:?}");
    let f = &fired[0];
    assert_eq!(
        (&f["rule_key"], &f["rule_name"], &f["subject"], &f["days"]),
        (
            &json!("repeat_model_views"),
            &json!("到店议价提醒"),
            &json!("比亚迪 汉EV"),
            &json!(3)
        )
    );
    let task: Value = s
        .app
        .get(
            &format!("/api/v1/tasks/{}", f["task_id"].as_str().unwrap()),
            &s.app.admin_token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(task["owner_id"], s.consultant.as_str(), "{task}");
    assert_eq!(task["kind"], "price_talk", "{task}");
    assert_eq!(task["lead_id"], s.lead.as_str(), "{task}");
    let actions = s.app.audit_actions("lead", &s.lead).await;
    assert!(
        actions.contains(&"lead.trigger_fired".to_owned()),
        "{actions:?}"
    );
    // A fourth view in the window, the next day: its window has fired.
    s.app.clock.advance(TimeDelta::hours(24));
    post_event(&s, "vehicle_viewed", "汉EV").await;
    assert_eq!(firings(&s).await.len(), 1, "once per window");
    // Past the window: three new days of views fire again.
    s.app.clock.advance(TimeDelta::days(8));
    for _ in 0..3 {
        post_event(&s, "vehicle_viewed", "汉EV").await;
        s.app.clock.advance(TimeDelta::hours(24));
    }
    let fired = firings(&s).await;
    assert_eq!(fired.len(), 2, "{fired:?}");
    assert_ne!(fired[0]["task_id"], fired[1]["task_id"]);
}

#[tokio::test]
async fn the_financing_calculator_used_twice_fires_a_finance_consultation() {
    let s = setup().await;
    post_event(&s, "financing_calculated", "汉EV").await;
    assert!(firings(&s).await.is_empty());
    s.app.clock.advance(TimeDelta::minutes(20));
    post_event(&s, "financing_calculated", "汉EV").await;
    let fired = firings(&s).await;
    assert_eq!(fired.len(), 1, "{fired:?}");
    assert_eq!(fired[0]["rule_key"], "financing_calculator_twice");
    let task: Value = s
        .app
        .get(
            &format!("/api/v1/tasks/{}", fired[0]["task_id"].as_str().unwrap()),
            &s.app.admin_token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(task["kind"], "finance_consultation", "{task}");
    // A third use the same day: that window has fired.
    post_event(&s, "financing_calculated", "汉EV").await;
    assert_eq!(firings(&s).await.len(), 1);
}

#[tokio::test]
async fn racing_posts_of_the_deciding_event_fire_once() {
    let s = setup().await;
    post_event(&s, "financing_calculated", "汉EV").await;
    s.app.clock.advance(TimeDelta::minutes(5));
    let at = s.app.clock_now() - TimeDelta::seconds(1);
    let calls: Vec<_> =
        (0..6)
            .map(|_| {
                let req = s
                .app
                .request(Method::POST, "/api/v1/behavior-events", Some(&s.app.admin_token))
                .json(&json!({"events": [event(&s.customer, "financing_calculated", "汉EV", at)]}));
                tokio::spawn(async move { req.send().await.unwrap().status().as_u16() })
            })
            .collect();
    for call in calls {
        assert_eq!(call.await.unwrap(), 200);
    }
    assert_eq!(firings(&s).await.len(), 1);
}

#[tokio::test]
async fn the_rules_are_a_settings_section() {
    let s = setup().await;
    let app = &s.app;
    let (status, body) = status_and_body(app.get(SETTINGS, &app.admin_token).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["rules"].as_array().unwrap().len(), 2, "{body}");
    assert_eq!(body["rules"][0]["name"], "到店议价提醒");
    // A consultant reads but cannot change them.
    let (_, consultant_token) = app.user_with_role("sales_consultant", Some(&s.store)).await;
    let (status, _) = status_and_body(app.get(SETTINGS, &consultant_token).await).await;
    assert_eq!(status, 200);
    let one_rule = json!({"rules": [{"key": "quote_twice", "name": "报价跟进",
        "event": "quote_requested", "per_subject": false,
        "threshold": {"kind": "events", "count": 1}, "within_days": 3,
        "task": {"kind": "follow_up", "due_in_minutes": 60}}]});
    let res = app
        .request(Method::PUT, SETTINGS, Some(&consultant_token))
        .json(&one_rule)
        .send()
        .await
        .unwrap();
    assert_problem(res, 403, "forbidden").await;
    // Every problem at once, nothing stored.
    let bad = json!({"rules": [{"key": "Bad Key", "name": " ",
        "event": "model_viewed", "per_subject": true,
        "threshold": {"kind": "distinct_days", "days": 9}, "within_days": 7,
        "task": {"kind": "price_talk", "due_in_minutes": 240}}]});
    let res = app
        .request(Method::PUT, SETTINGS, Some(&app.admin_token))
        .json(&bad)
        .send()
        .await
        .unwrap();
    let problem = assert_problem(res, 422, "validation_failed").await;
    let fields: Vec<String> = field_errors(&problem)
        .unwrap()
        .into_iter()
        .map(|(f, _)| f)
        .collect();
    for field in ["rules[0].key", "rules[0].name", "rules[0].threshold.days"] {
        assert!(fields.contains(&field.to_owned()), "{field}: {fields:?}");
    }
    let res = app
        .request(Method::PUT, SETTINGS, Some(&app.admin_token))
        .json(&json!({"rules": [], "extra": 1}))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_client_error(), "{}", res.status());
    let (_, body) = status_and_body(app.get(SETTINGS, &app.admin_token).await).await;
    assert_eq!(
        body["rules"].as_array().unwrap().len(),
        2,
        "unchanged: {body}"
    );
    // A new rule fires from the next event.
    let res = app
        .request(Method::PUT, SETTINGS, Some(&app.admin_token))
        .json(&one_rule)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    post_event(&s, "price_inquired", "汉EV").await;
    let fired = firings(&s).await;
    assert_eq!(fired.len(), 1, "{fired:?}");
    assert_eq!(fired[0]["rule_key"], "quote_twice");
}

#[tokio::test]
async fn another_tenants_lead_firings_are_not_found() {
    let s = setup().await;
    let other = s.app.other_tenant().await;
    let res = s
        .app
        .get(&format!("/api/v1/leads/{}/trigger-firings", s.lead), &other)
        .await;
    assert_problem(res, 404, "not_found").await;
    // Another consultant does not see this lead's firings either.
    let (_, stranger) = s
        .app
        .user_with_role("sales_consultant", Some(&s.store))
        .await;
    let res = s
        .app
        .get(
            &format!("/api/v1/leads/{}/trigger-firings", s.lead),
            &stranger,
        )
        .await;
    assert_problem(res, 404, "not_found").await;
}
