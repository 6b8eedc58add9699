//! The customer record of issue 8: profile, B2B, personal data at rest (masking, reveal,
//! its cap and audit), duplicates and search.

use std::collections::HashSet;

use diesel::prelude::*;
use reqwest::{Method, Response};
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, field_errors};

/// A valid resident ID: a man born on 12 March 1988.
const ID_MALE_1988: &str = "310115198803121236";
/// A valid resident ID: a woman born on 31 December 1949.
const ID_FEMALE_1949: &str = "11010519491231002X";
const ADDRESS: &str = "上海市浦东新区张杨路500号";
const CREDIT_CODE: &str = "91310115MA1H7K2C3E";

async fn list(app: &TestApp, token: &str, query: &[(&str, &str)]) -> Value {
    let url = reqwest::Url::parse_with_params(&app.url("/api/v1/customers"), query).unwrap();
    let res = app.client.get(url).bearer_auth(token).send().await.unwrap();
    assert_eq!(res.status(), 200, "list {query:?}");
    res.json().await.unwrap()
}

fn names(page: &Value) -> HashSet<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn reveal(app: &TestApp, token: &str, id: &str, body: Option<Value>) -> Response {
    let mut req = app.request(
        Method::POST,
        &format!("/api/v1/customers/{id}/reveal"),
        Some(token),
    );
    if let Some(body) = body {
        req = req.json(&body);
    }
    req.send().await.unwrap()
}

fn full_profile() -> Value {
    json!({
        "name": "张伟", "phone": "13812345678",
        "phones": [{"number": "+86 139-1234-5678", "label": "work"}],
        "gender": "male", "birthday": "1988-03-12",
        "wechat_openid": "oWx1234567890abcdef", "id_card_number": ID_MALE_1988,
        "other_id_documents": [{"type": "passport", "number": "E12345678"}],
        "address": ADDRESS, "city": "上海", "region": "华东",
        "source_channel": "car_show", "source_detail": "2026上海车展",
        "custom_attributes": {"会员卡号": "VIP-0088"},
        "needs": {"budget_min_cents": 15000000, "budget_max_cents": 20000000, "body_types": ["suv"], "timeframe": "within_30_days"}
    })
}

#[tokio::test]
async fn a_phone_written_another_way_is_a_duplicate_wherever_it_is() {
    let app = TestApp::spawn().await;
    let existing = app
        .create_customer(
            &app.admin_token,
            &json!({"name": "王芳", "phone": "13912345678"}),
        )
        .await;
    let existing_id = existing["id"].as_str().unwrap();
    for body in [
        json!({"name": "王芳芳", "phone": "+86 139-1234-5678"}),
        json!({"name": "王芳芳", "phones": [{"number": "+86 139-1234-5678", "label": "home"}]}),
    ] {
        let res = app.post("/api/v1/customers", &app.admin_token, &body).await;
        let problem = assert_problem(res, 409, "duplicate").await;
        assert_eq!(problem["existing_id"], existing_id, "{body}");
    }
    // An other phone on file blocks it as a primary phone, too.
    let other = app
        .create_customer(
            &app.admin_token,
            &json!({"name": "刘洋", "phones": [{"number": "13700000001"}]}),
        )
        .await;
    let res = app
        .post(
            "/api/v1/customers",
            &app.admin_token,
            &json!({"name": "刘洋洋", "phone": "137 0000 0001"}),
        )
        .await;
    let problem = assert_problem(res, 409, "duplicate").await;
    assert_eq!(problem["existing_id"], other["id"]);
    // And a patch that adds someone else's phone.
    let res = app
        .patch(
            &format!("/api/v1/customers/{}", other["id"].as_str().unwrap()),
            &app.admin_token,
            &json!({"phones": [{"number": "+8613912345678"}]}),
            None,
        )
        .await;
    let problem = assert_problem(res, 409, "duplicate").await;
    assert_eq!(problem["existing_id"], existing_id);
    assert_eq!(app.customer_count().await, 2);
}

#[tokio::test]
async fn the_same_id_number_or_wechat_id_is_a_duplicate() {
    let app = TestApp::spawn().await;
    let first = app
        .create_customer(
            &app.admin_token,
            &json!({"name": "张伟", "id_card_number": ID_MALE_1988, "wechat_unionid": "o6_bmasdasdsad6_2sgVt7hMZOPfL"}),
        )
        .await;
    for body in [
        // Lower-case and spaced, it is the same number.
        json!({"name": "张玮", "id_card_number": " 310115 19880312 1236 "}),
        json!({"name": "张玮", "wechat_unionid": "o6_bmasdasdsad6_2sgVt7hMZOPfL"}),
    ] {
        let res = app.post("/api/v1/customers", &app.admin_token, &body).await;
        let problem = assert_problem(res, 409, "duplicate").await;
        assert_eq!(problem["existing_id"], first["id"]);
    }
    // The same number as a passport is another document.
    app.create_customer(
        &app.admin_token,
        &json!({"name": "张玮", "other_id_documents": [{"type": "other", "number": ID_MALE_1988}]}),
    )
    .await;
}

#[tokio::test]
async fn a_bad_id_number_is_422_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let cases = [
        (
            json!({"name": "李雷", "id_card_number": "310115198803121235"}),
            "id_card_number",
            "checksum_mismatch",
        ),
        (
            json!({"name": "李雷", "id_card_number": "31011519880312123"}),
            "id_card_number",
            "wrong_length",
        ),
        (
            json!({"name": "李雷", "id_card_number": ID_FEMALE_1949, "birthday": "1950-01-01"}),
            "birthday",
            "birthday_mismatch",
        ),
        (
            json!({"name": "李雷", "id_card_number": ID_FEMALE_1949, "gender": "male"}),
            "gender",
            "gender_mismatch",
        ),
        (
            json!({"name": "李雷", "other_id_documents": [{"type": "hk_macau_travel_permit", "number": "X1"}]}),
            "other_id_documents[0].number",
            "invalid_format",
        ),
        (
            json!({"name": "李雷", "birthday": "2099-01-01"}),
            "birthday",
            "in_future",
        ),
        (
            json!({"name": "李雷", "gender": "unknown"}),
            "gender",
            "not_allowed",
        ),
        (
            json!({"name": "李雷", "custom_attributes": [1, 2]}),
            "custom_attributes",
            "invalid_format",
        ),
        (
            json!({"name": "李雷", "custom_attributes": {"x": "八".repeat(3000)}}),
            "custom_attributes",
            "too_long",
        ),
        (
            json!({"name": "李雷", "needs": {"budget_min_cents": 2, "budget_max_cents": 1}}),
            "needs",
            "invalid_needs",
        ),
    ];
    for (body, field, code) in cases {
        let res = app.post("/api/v1/customers", &app.admin_token, &body).await;
        let problem = assert_problem(res, 422, "validation_failed").await;
        let errors = field_errors(&problem).unwrap();
        assert!(
            errors.iter().any(|(f, c)| f == field && c == code),
            "{body}: {errors:?}"
        );
    }
    assert_eq!(app.customer_count().await, 0);
    // A number whose birthday and gender agree is taken.
    let ok = app
        .create_customer(
            &app.admin_token,
            &json!({"name": "李雷", "id_card_number": ID_MALE_1988, "gender": "male", "birthday": "1988-03-12"}),
        )
        .await;
    assert_eq!(ok["id_card_number"], "310115********1236");
    // A later patch that contradicts it is refused.
    let res = app
        .patch(
            &format!("/api/v1/customers/{}", ok["id"].as_str().unwrap()),
            &app.admin_token,
            &json!({"gender": "female"}),
            None,
        )
        .await;
    assert_problem(res, 422, "validation_failed").await;
}

#[tokio::test]
async fn answers_are_masked_and_reveal_depends_on_the_role() {
    let app = TestApp::spawn().await;
    let store = app.create_store("浦东店", "上海").await;
    let (_, consultant) = app.user_with_role("sales_consultant", Some(&store)).await;
    let (_, marketing) = app.user_with_role("marketing", None).await;
    let mut body = full_profile();
    body["marketing_consent"] = json!(true);
    let created = app.create_customer(&consultant, &body).await;
    let id = created["id"].as_str().unwrap();

    for token in [&consultant, &marketing, &app.admin_token] {
        let res = app.get(&format!("/api/v1/customers/{id}"), token).await;
        assert_eq!(res.status(), 200);
        let text = res.text().await.unwrap();
        for clear in [
            "13812345678",
            "13912345678",
            ID_MALE_1988,
            "E12345678",
            "张杨路500号",
            "oWx1234567890abcdef",
        ] {
            assert!(!text.contains(clear), "{clear} in {text}");
        }
        let c: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(c["phone"], "138****5678");
        assert_eq!(
            c["phones"][0],
            json!({"number": "139****5678", "label": "work"})
        );
        assert_eq!(c["id_card_number"], "310115********1236");
        assert_eq!(c["address"], "上海市浦东新区****");
        assert_eq!(c["wechat_openid"], "oW***************ef");
        assert_eq!(c["other_id_documents"][0]["type"], "passport");
        assert_eq!(c["lifecycle_stage"], "prospect");
        assert_eq!(c["custom_attributes"], json!({"会员卡号": "VIP-0088"}));
        assert_eq!(c["needs"]["timeframe"], "within_30_days");
        assert_eq!(c["source_channel"], "car_show");
    }
    // Marketing and service advisors read, but may not reveal.
    assert_problem(reveal(&app, &marketing, id, None).await, 403, "forbidden").await;

    // Without a body: everything, in clear.
    let res = reveal(&app, &consultant, id, None).await;
    assert_eq!(res.status(), 200);
    let all: Value = res.json().await.unwrap();
    assert_eq!(all["phone"], "+8613812345678");
    assert_eq!(
        all["phones"],
        json!([{"number": "+8613912345678", "label": "work"}])
    );
    assert_eq!(all["id_card_number"], ID_MALE_1988);
    assert_eq!(
        all["other_id_documents"],
        json!([{"type": "passport", "number": "E12345678"}])
    );
    assert_eq!(all["address"], ADDRESS);
    assert_eq!(all["wechat_openid"], "oWx1234567890abcdef");
    // Only what was asked.
    let res = reveal(
        &app,
        &consultant,
        id,
        Some(json!({"fields": ["address"], "reason": "寄送合同"})),
    )
    .await;
    assert_eq!(res.status(), 200);
    let some: Value = res.json().await.unwrap();
    assert_eq!(some["address"], ADDRESS);
    assert!(
        some["phone"].is_null() && some.get("id_card_number").is_none(),
        "{some}"
    );
    let res = reveal(&app, &consultant, id, Some(json!({"fields": ["salary"]}))).await;
    assert_problem(res, 422, "validation_failed").await;
}

#[tokio::test]
async fn every_reveal_is_audited_with_its_reason_and_fields() {
    let app = TestApp::spawn().await;
    let c = app.create_customer(&app.admin_token, &full_profile()).await;
    let id = c["id"].as_str().unwrap().to_owned();
    let res = reveal(
        &app,
        &app.admin_token,
        &id,
        Some(json!({"reason": "客户来电核对身份", "fields": ["id_card_number"]})),
    )
    .await;
    assert_eq!(res.status(), 200);
    let res = reveal(&app, &app.admin_token, &id, None).await;
    assert_eq!(res.status(), 200);
    let org = app.org_id.clone();
    let entries = app
        .with_db(move |conn| {
            autocrm_persistence::models::AuditEntry::list_for_entity(conn, &org, "customer", &id)
                .unwrap()
        })
        .await;
    let reveals: Vec<Value> = entries
        .iter()
        .filter(|e| e.action == "customer.pii_revealed")
        .map(|e| serde_json::from_str(&e.detail).unwrap())
        .collect();
    assert_eq!(reveals.len(), 2, "{reveals:?}");
    assert_eq!(reveals[0]["reason"], "客户来电核对身份");
    assert_eq!(reveals[0]["fields"], json!(["id_card_number"]));
    // Without a body: every value on file (no unionid and no contacts on this one).
    assert!(reveals[1].get("reason").is_none());
    assert_eq!(
        reveals[1]["fields"],
        json!([
            "phone",
            "phones",
            "wechat_openid",
            "id_card_number",
            "other_id_documents",
            "address"
        ])
    );
    for e in &entries {
        assert!(!e.detail.contains(ID_MALE_1988) && !e.detail.contains("13812345678"));
    }
}

#[tokio::test]
async fn the_daily_reveal_cap_answers_429_until_the_next_day() {
    let app = TestApp::spawn_with(|s| s.reveal_daily_limit = 2).await;
    let c = app
        .create_customer(
            &app.admin_token,
            &json!({"name": "赵敏", "phone": "13600000000"}),
        )
        .await;
    let id = c["id"].as_str().unwrap();
    for _ in 0..2 {
        assert_eq!(reveal(&app, &app.admin_token, id, None).await.status(), 200);
    }
    let res = reveal(&app, &app.admin_token, id, None).await;
    assert!(res.headers().contains_key("retry-after"));
    assert_problem(res, 429, "reveal_limit_reached").await;
    // Another user has a cap of their own.
    let (_, manager) = app.user_with_role("general_manager", None).await;
    assert_eq!(reveal(&app, &manager, id, None).await.status(), 200);
    // The next day, the admin may reveal again.
    app.clock.advance(chrono::TimeDelta::days(1));
    let admin = app
        .login_ok(crate::helpers::ADMIN_EMAIL, crate::helpers::PASSWORD)
        .await;
    assert_eq!(reveal(&app, &admin, id, None).await.status(), 200);
}

#[derive(QueryableByName)]
struct Body {
    #[diesel(sql_type = diesel::sql_types::Text)]
    body: String,
}

#[tokio::test]
async fn a_reveal_with_an_idempotency_key_leaves_no_clear_value_in_the_key_table() {
    let app = TestApp::spawn().await;
    let c = app.create_customer(&app.admin_token, &full_profile()).await;
    let id = c["id"].as_str().unwrap();
    for _ in 0..2 {
        let res = app
            .request(
                Method::POST,
                &format!("/api/v1/customers/{id}/reveal"),
                Some(&app.admin_token),
            )
            .header("Idempotency-Key", "reveal-1")
            .json(&json!({"reason": "核对"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let revealed: Value = res.json().await.unwrap();
        assert_eq!(revealed["phone"], "+8613812345678");
    }
    let stored = app
        .with_db(|conn| {
            diesel::sql_query(
                "SELECT idempotency_key || ' ' || response_body AS body FROM idempotency_keys",
            )
            .load::<Body>(conn)
            .unwrap()
        })
        .await;
    for row in &stored {
        for clear in ["13812345678", ID_MALE_1988, "张杨路500号"] {
            assert!(!row.body.contains(clear), "{clear} stored: {}", row.body);
        }
        assert!(
            !row.body.starts_with("reveal-1 "),
            "a reveal's answer is not kept"
        );
    }
    // Each reveal ran (and was audited): none was a replay.
    let reveals = app
        .audit_actions("customer", id)
        .await
        .into_iter()
        .filter(|a| a == "customer.pii_revealed")
        .count();
    assert_eq!(reveals, 2);
}

#[tokio::test]
async fn the_database_holds_no_phone_id_number_or_address_in_clear() {
    let app = TestApp::spawn().await;
    let business = json!({
        "kind": "business", "name": "鑫达租车", "phone": "13812345678",
        "business": {"registered_name": "上海鑫达汽车租赁有限公司", "credit_code": CREDIT_CODE, "trade_buyer": true},
        "contacts": [{"name": "李娜", "role": "采购经理", "phones": [{"number": "13577778888", "label": "mobile"}]}],
        "address": ADDRESS
    });
    let mut individual = full_profile();
    individual["phone"] = json!("13812340000");
    app.create_customer(&app.admin_token, &individual).await;
    let b = app.create_customer(&app.admin_token, &business).await;
    let res = reveal(&app, &app.admin_token, b["id"].as_str().unwrap(), None).await;
    let revealed: Value = res.json().await.unwrap();
    assert_eq!(
        revealed["contacts"][0]["phones"][0]["number"],
        "+8613577778888"
    );
    let clear = [
        "13812345678",
        "13912345678",
        "13577778888",
        "13812340000",
        ID_MALE_1988,
        "E12345678",
        "张杨路500号",
        "oWx1234567890abcdef",
    ];
    let dump = if app.db_url.starts_with("postgres") {
        let rows = app.all_rows().await;
        rows.into_values().flatten().collect::<Vec<_>>().join("\n")
    } else {
        let path = app.db_url.trim_start_matches("sqlite://").to_owned();
        let mut bytes = Vec::new();
        for file in [path.clone(), format!("{path}-wal")] {
            if let Ok(b) = std::fs::read(&file) {
                bytes.extend(b);
            }
        }
        assert!(bytes.len() > 4096, "the database file was read");
        String::from_utf8_lossy(&bytes).into_owned()
    };
    assert!(dump.contains("鑫达租车"), "the dump holds the rows");
    for value in clear {
        assert!(!dump.contains(value), "{value} is stored in clear");
    }
}

#[tokio::test]
async fn search_by_last_four_digits_name_prefix_and_kind() {
    let app = TestApp::spawn().await;
    app.create_customer(
        &app.admin_token,
        &json!({"name": "张伟", "phone": "13812345678"}),
    )
    .await;
    app.create_customer(
        &app.admin_token,
        &json!({"name": "张小龙", "phones": [{"number": "13900005678"}]}),
    )
    .await;
    app.create_customer(
        &app.admin_token,
        &json!({"name": "李张", "phone": "13700001111", "email": "li.zhang@example.cn"}),
    )
    .await;
    app.create_customer(
        &app.admin_token,
        &json!({"kind": "business", "name": "张氏车队", "business": {"registered_name": "张氏运输有限公司", "credit_code": CREDIT_CODE}}),
    )
    .await;
    let token = app.admin_token.clone();
    let q = |query: &'static [(&'static str, &'static str)]| {
        let (app, token) = (&app, token.clone());
        async move { names(&list(app, &token, query).await) }
    };
    let set = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<HashSet<_>>();
    assert_eq!(q(&[("q", "5678")]).await, set(&["张伟", "张小龙"]));
    assert_eq!(q(&[("q", "1111")]).await, set(&["李张"]));
    assert_eq!(q(&[("q", "+86 139 0000 5678")]).await, set(&["张小龙"]));
    assert_eq!(
        q(&[("q", "张")]).await,
        set(&["张伟", "张小龙", "李张", "张氏车队"])
    );
    assert_eq!(q(&[("q", "张小")]).await, set(&["张小龙"]));
    assert_eq!(q(&[("q", "LI.ZHANG")]).await, set(&["李张"]));
    assert_eq!(q(&[("kind", "business")]).await, set(&["张氏车队"]));
    assert_eq!(
        q(&[("kind", "individual"), ("q", "张")]).await,
        set(&["张伟", "张小龙", "李张"])
    );
    assert_eq!(q(&[("stage", "prospect"), ("q", "9999")]).await, set(&[]));
    let url = reqwest::Url::parse_with_params(&app.url("/api/v1/customers"), &[("kind", "fleet")])
        .unwrap();
    let res = app
        .client
        .get(url)
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .unwrap();
    assert_problem(res, 400, "invalid_query").await;
}

#[tokio::test]
async fn lifecycle_moves_are_checked_and_timed() {
    let app = TestApp::spawn().await;
    let c = app
        .create_customer(&app.admin_token, &json!({"name": "孙丽"}))
        .await;
    let path = format!("/api/v1/customers/{}", c["id"].as_str().unwrap());
    assert_eq!(c["lifecycle_changes"].as_array().unwrap().len(), 1);
    app.clock.advance(chrono::TimeDelta::minutes(5));
    let res = app
        .patch(
            &path,
            &app.admin_token,
            &json!({"lifecycle_stage": "customer"}),
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    let updated: Value = res.json().await.unwrap();
    let changes = updated["lifecycle_changes"].as_array().unwrap();
    assert_eq!(changes.len(), 2);
    assert_eq!(changes[1]["from"], "prospect");
    assert_eq!(changes[1]["change"], "converted");
    assert_ne!(changes[0]["at"], changes[1]["at"]);
    let res = app
        .patch(
            &path,
            &app.admin_token,
            &json!({"lifecycle_stage": "owner"}),
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    let res = app
        .patch(
            &path,
            &app.admin_token,
            &json!({"lifecycle_stage": "prospect"}),
            None,
        )
        .await;
    assert_problem(res, 409, "invalid_transition").await;
    let res = app
        .patch(
            &path,
            &app.admin_token,
            &json!({"lifecycle_stage": null}),
            None,
        )
        .await;
    assert_problem(res, 422, "validation_failed").await;
    let now: Value = app.get(&path, &app.admin_token).await.json().await.unwrap();
    assert_eq!(now["lifecycle_stage"], "owner");
}

#[tokio::test]
async fn business_customers_have_registration_and_contacts() {
    let app = TestApp::spawn().await;
    let created = app
        .create_customer(
            &app.admin_token,
            &json!({
                "kind": "business", "name": "鑫达租车", "source_channel": "erp_import",
                "business": {"registered_name": "上海鑫达汽车租赁有限公司", "credit_code": " 91310115ma1h7k2c3e ", "trade_buyer": true},
                "contacts": [{"name": "李娜", "role": "采购经理", "phones": [{"number": "13577778888", "label": "mobile"}]},
                             {"name": "周强", "role": "车队主管"}]
            }),
        )
        .await;
    assert_eq!(
        created["business"],
        json!({"registered_name": "上海鑫达汽车租赁有限公司", "credit_code": CREDIT_CODE, "trade_buyer": true})
    );
    let contacts = created["contacts"].as_array().unwrap();
    assert_eq!(contacts.len(), 2);
    assert_eq!(
        contacts[0]["phones"][0],
        json!({"number": "135****8888", "label": "mobile"})
    );
    assert_eq!(contacts[1]["name"], "周强");
    let path = format!("/api/v1/customers/{}", created["id"].as_str().unwrap());
    let res = app
        .patch(
            &path,
            &app.admin_token,
            &json!({"contacts": [{"name": "王总", "role": "总经理"}]}),
            None,
        )
        .await;
    let patched: Value = res.json().await.unwrap();
    assert_eq!(patched["contacts"].as_array().unwrap().len(), 1);
    // A wrong check character, or registration on an individual, is refused.
    let res = app
        .post(
            "/api/v1/customers",
            &app.admin_token,
            &json!({"kind": "business", "name": "坏公司", "business": {"credit_code": "91310115MA1H7K2C3F"}}),
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert!(
        field_errors(&problem)
            .unwrap()
            .iter()
            .any(|(f, _)| f == "business.credit_code")
    );
    let res = app
        .post(
            "/api/v1/customers",
            &app.admin_token,
            &json!({"name": "个人", "business": {"trade_buyer": true}}),
        )
        .await;
    assert_problem(res, 422, "validation_failed").await;
    let res = app
        .post(
            "/api/v1/customers",
            &app.admin_token,
            &json!({"name": "个人", "contacts": [{"name": "某人"}]}),
        )
        .await;
    assert_problem(res, 422, "validation_failed").await;
}

#[tokio::test]
async fn duplicates_lists_candidates_with_score_and_reasons() {
    let app = TestApp::spawn().await;
    let a = app
        .create_customer(&app.admin_token, &json!({"name": "张伟", "phone": "13812345678", "email": "zw@example.cn", "city": "上海"}))
        .await;
    let same_email = app
        .create_customer(
            &app.admin_token,
            &json!({"name": "张薇", "email": "ZW@example.cn", "city": "北京"}),
        )
        .await;
    let same_name = app
        .create_customer(&app.admin_token, &json!({"name": "张伟", "city": "上海市"}))
        .await;
    app.create_customer(&app.admin_token, &json!({"name": "王五", "city": "上海"}))
        .await;
    let res = app
        .get(
            &format!("/api/v1/customers/{}/duplicates", a["id"].as_str().unwrap()),
            &app.admin_token,
        )
        .await;
    assert_eq!(res.status(), 200);
    let list: Value = res.json().await.unwrap();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{list}");
    assert_eq!(items[0]["customer_id"], same_email["id"]);
    assert_eq!(items[0]["reasons"], json!(["same_email"]));
    assert_eq!(items[0]["verdict"], "candidate");
    assert_eq!(items[1]["customer_id"], same_name["id"]);
    assert_eq!(items[1]["reasons"], json!(["same_name_same_city"]));
    assert!(items[0]["score"].as_u64().unwrap() > items[1]["score"].as_u64().unwrap());
    let other = app.other_tenant().await;
    let res = app
        .get(
            &format!("/api/v1/customers/{}/duplicates", a["id"].as_str().unwrap()),
            &other,
        )
        .await;
    assert_problem(res, 404, "not_found").await;
}

#[tokio::test]
async fn needs_are_read_and_replaced() {
    let app = TestApp::spawn().await;
    let c = app
        .create_customer(&app.admin_token, &json!({"name": "陈静"}))
        .await;
    let path = format!("/api/v1/customers/{}/needs", c["id"].as_str().unwrap());
    let got: Value = app.get(&path, &app.admin_token).await.json().await.unwrap();
    assert!(got["needs"].is_null());
    let needs = json!({"budget_max_cents": 15000000, "body_types": ["suv", "mpv"], "energy_types": ["phev"], "timeframe": "within_7_days", "payment": "loan", "trade_in": {"brand": "大众", "model": "朗逸", "year": 2017, "mileage_km": 98000}});
    let res = app
        .request(Method::PUT, &path, Some(&app.admin_token))
        .json(&json!({"needs": needs}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let got: Value = app.get(&path, &app.admin_token).await.json().await.unwrap();
    assert_eq!(got["needs"]["timeframe"], "within_7_days");
    assert_eq!(got["needs"]["trade_in"]["model"], "朗逸");
    let res = app
        .request(Method::PUT, &path, Some(&app.admin_token))
        .json(&json!({"needs": {"budget_min_cents": -1}}))
        .send()
        .await
        .unwrap();
    assert_problem(res, 422, "validation_failed").await;
    assert!(
        app.audit_actions("customer", c["id"].as_str().unwrap())
            .await
            .contains(&"customer.updated".to_owned())
    );
}

#[tokio::test]
async fn key_rotation_rewrites_every_ciphertext_and_index_and_resumes() {
    use autocrm_api::customers::personal::LAST4_PURPOSE;
    use autocrm_api::customers::rotation::rotate_customers;
    use autocrm_api::pii::PiiCipher;
    use autocrm_persistence::models::{Customer, CustomerContact, CustomerLookup};

    let app = TestApp::spawn().await;
    let person = app.create_customer(&app.admin_token, &full_profile()).await;
    let business = app
        .create_customer(
            &app.admin_token,
            &json!({"kind": "business", "name": "鑫达租车",
                    "contacts": [{"name": "李娜", "phones": [{"number": "13577778888"}]}]}),
        )
        .await;
    let ids = [
        person["id"].as_str().unwrap().to_owned(),
        business["id"].as_str().unwrap().to_owned(),
    ];
    let org = app.org_id.clone();
    let (first, second, resumed, rows, contacts, lookups) = app
        .with_db(move |conn| {
            let ring = PiiCipher::with_old_keys(
                "k2",
                "second-pii-key-0123456789abcdef0123456789",
                &[("k1".into(), crate::helpers::PII_KEY.into())],
            )
            .unwrap();
            let mut batches = Vec::new();
            let first = rotate_customers(conn, &ring, None, 1, |last, _| {
                batches.push(last.to_owned())
            })
            .unwrap();
            let second = rotate_customers(conn, &ring, None, 10, |_, _| {}).unwrap();
            let resumed =
                rotate_customers(conn, &ring, Some(batches[0].clone()), 10, |_, _| {}).unwrap();
            let rows: Vec<Customer> = ids
                .iter()
                .map(|id| {
                    use autocrm_persistence::models::TenantRecord;
                    Customer::find(conn, &org, id).unwrap().unwrap()
                })
                .collect();
            let contacts = CustomerContact::of_customer(conn, &ids[1]).unwrap();
            let lookups = CustomerLookup::of_customer(conn, &ids[0]).unwrap();
            let expected = (
                ring.blind_index("+8613912345678"),
                ring.purpose_index(LAST4_PURPOSE, "5678"),
                ring.blind_index(&format!("resident_id:{ID_MALE_1988}")),
            );
            let found = [&expected.0, &expected.1, &expected.2]
                .map(|index| lookups.iter().any(|l| l.blind_index == *index));
            let decrypted = ring
                .decrypt(rows[0].personal_ciphertext.as_deref().unwrap())
                .unwrap();
            assert!(decrypted.contains(ADDRESS));
            (first, second, resumed, rows, contacts, found)
        })
        .await;
    assert_eq!((first.seen, first.rewritten), (2, 2));
    assert_eq!(
        (second.seen, second.rewritten),
        (2, 0),
        "a second run has nothing left"
    );
    assert_eq!(resumed.seen, 1, "a run resumes after the id it is given");
    for row in &rows {
        assert!(
            row.phone_ciphertext
                .as_deref()
                .is_none_or(|c| c.starts_with("v2:k2:"))
        );
        assert!(
            row.personal_ciphertext
                .as_deref()
                .is_none_or(|c| c.starts_with("v2:k2:"))
        );
        assert_eq!(row.version, 1, "rotation is not an edit");
    }
    assert!(
        contacts[0]
            .phones_ciphertext
            .as_deref()
            .unwrap()
            .starts_with("v2:k2:")
    );
    assert_eq!(
        lookups,
        [true, true, true],
        "the lookups are rebuilt under the new key"
    );
}
