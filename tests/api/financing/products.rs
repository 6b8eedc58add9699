//! Finance products: versioned writes, who may see and write them, and their validation.

use serde_json::{Value, json};

use super::{PRODUCTS, create_product, product_body, with};
use crate::helpers::{
    Call, Expect, FORBIDDEN, NO_ITEMS, NOT_FOUND, TestApp, VALIDATION_FAILED, assert_problem,
};

#[tokio::test]
async fn finance_products_are_created_listed_and_patched_with_versions() {
    let app = TestApp::spawn().await;
    let res = app
        .post(PRODUCTS, &app.admin_token, &product_body("36期低息贷"))
        .await;
    assert_eq!(res.status(), 201);
    assert_eq!(res.headers()["etag"], "\"1\"");
    let created: Value = res.json().await.unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["name"], "36期低息贷");
    assert_eq!(created["active"], true);
    assert_eq!(created["version"], 1);
    assert_eq!(created["terms"]["lender"], "平安银行汽车金融");
    assert_eq!(
        created["terms"]["rate_bands"][1]["annual_rate_percent"],
        4.85
    );
    assert_eq!(
        created["terms"]["promotion"]["valid_terms_months"],
        json!([12, 36])
    );
    assert_eq!(created["terms"]["max_balloon_percent"], 40.0);
    let path = format!("{PRODUCTS}/{id}");

    let got: Value = app.get(&path, &app.admin_token).await.json().await.unwrap();
    assert_eq!(got, created);
    let second = create_product(&app, &app.admin_token, &product_body("60期标准贷")).await;

    // Pagination by id.
    let page: Value = app
        .get(&format!("{PRODUCTS}?limit=1"), &app.admin_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"][0]["id"], created["id"]);
    let cursor = page["next_cursor"].as_str().unwrap();
    let page: Value = app
        .get(
            &format!("{PRODUCTS}?limit=1&cursor={cursor}"),
            &app.admin_token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"][0]["id"], second["id"]);
    assert!(page["next_cursor"].is_null());

    // PATCH with If-Match: the right version passes, a stale one is 412.
    let res = app
        .patch(
            &path,
            &app.admin_token,
            &json!({"name": "36期低息贷（新）"}),
            Some(1),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["etag"], "\"2\"");
    let patched: Value = res.json().await.unwrap();
    assert_eq!(patched["name"], "36期低息贷（新）");
    assert_eq!(patched["version"], 2);
    assert_eq!(patched["terms"], created["terms"]);
    let res = app
        .patch(&path, &app.admin_token, &json!({"active": false}), Some(1))
        .await;
    let problem = assert_problem(res, 412, "version_mismatch").await;
    assert_eq!(problem["current_version"], 2);
    // Replacing the terms and deactivating.
    let mut terms = product_body("x")["terms"].clone();
    terms["lender"] = json!("招商银行");
    terms["promotion"] = Value::Null;
    let res = app
        .patch(
            &path,
            &app.admin_token,
            &json!({"terms": terms, "active": false}),
            Some(2),
        )
        .await;
    assert_eq!(res.status(), 200);
    let patched: Value = res.json().await.unwrap();
    assert_eq!(patched["terms"]["lender"], "招商银行");
    assert!(patched["terms"]["promotion"].is_null());
    assert_eq!(patched["active"], false);
    let active: Value = app
        .get(&format!("{PRODUCTS}?active=true"), &app.admin_token)
        .await
        .json()
        .await
        .unwrap();
    let ids: Vec<&Value> = active["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["id"])
        .collect();
    assert_eq!(ids, [&second["id"]]);

    // Duplicate names are 409.
    let res = app
        .post(PRODUCTS, &app.admin_token, &product_body("60期标准贷"))
        .await;
    assert_problem(res, 409, "duplicate").await;
    let res = app
        .get(&format!("{PRODUCTS}/not-a-uuid"), &app.admin_token)
        .await;
    assert_eq!(res.status().as_u16() / 100, 4, "a malformed id is a 4xx");
}

/// A finance specialist may write; sales staff may read only; service staff and other
/// organisations see nothing.
#[tokio::test]
async fn finance_products_are_written_by_finance_and_read_by_sales_of_this_organisation() {
    use Expect::{Count, Status};
    let app = TestApp::spawn().await;
    let product = create_product(&app, &app.admin_token, &product_body("36期低息贷")).await;
    let path = format!("{PRODUCTS}/{}", product["id"].as_str().unwrap());
    let (_, finance) = app.user_with_role("finance", None).await;
    let store = app.create_store("浦东店", "上海").await;
    let (_, consultant) = app.user_with_role("sales_consultant", Some(&store)).await;
    let (_, advisor) = app.user_with_role("service_advisor", Some(&store)).await;
    let other = app.other_tenant().await;
    #[rustfmt::skip]
    let calls = [
        Call::post("finance creates one", &finance, PRODUCTS, product_body("60期标准贷")).expect(Status(201)),
        Call::post("a consultant creates one", &consultant, PRODUCTS, product_body("顾问的产品")).expect(FORBIDDEN),
        Call::patch("a consultant deactivates one", &consultant, &path, json!({"active": false})).expect(FORBIDDEN),
        Call::get("a consultant lists them", &consultant, PRODUCTS).expect(Count(2)),
        Call::get("an advisor lists them", &advisor, PRODUCTS).expect(FORBIDDEN),
        Call::get("another organisation reads ours", &other, &path).expect(NOT_FOUND),
        Call::patch("another organisation activates ours", &other, &path, json!({"active": true})).expect(NOT_FOUND),
        Call::get("another organisation lists them", &other, PRODUCTS).expect(NO_ITEMS),
    ];
    app.check_calls(calls).await;
}

#[tokio::test]
async fn invalid_finance_products_are_422_with_field_errors() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token.as_str();
    // A product whose terms differ from `product_body` by `changes`, named by them.
    let terms = |changes: Value, error: &'static [(&'static str, &'static str)]| {
        let mut body = product_body("校验");
        for (k, v) in changes.as_object().unwrap() {
            body["terms"][k] = v.clone();
        }
        Call::post(format!("terms {changes}"), admin, PRODUCTS, body).expect(Expect::Invalid(error))
    };
    let mut unsorted = product_body("乱序");
    unsorted["terms"]["rate_bands"] = json!([
        {"max_term_months": 36, "annual_rate_percent": 4.85},
        {"max_term_months": 12, "annual_rate_percent": 3.5},
        {"max_term_months": 60, "annual_rate_percent": 5.5}
    ]);
    let blank_name = with(&product_body("x"), json!({"name": "  "}));
    #[rustfmt::skip]
    let calls = [
        // Unsorted bands, bands not covering the term, bad promotion, bad rates.
        Call::post("unsorted rate bands", admin, PRODUCTS, unsorted)
            .expect(Expect::Invalid(&[("terms.rate_bands[1].max_term_months", "not_sorted")])),
        terms(json!({"rate_bands": [{"max_term_months": 36, "annual_rate_percent": 4.85}]}),
              &[("terms.rate_bands", "out_of_range")]),
        terms(json!({"rate_bands": []}), &[("terms.rate_bands", "required")]),
        terms(json!({"rate_bands": [{"max_term_months": 60, "annual_rate_percent": 4.12345}]}),
              &[("terms.rate_bands[0].annual_rate_percent", "too_many_decimals")]),
        terms(json!({"allowed_methods": []}), &[("terms.allowed_methods", "required")]),
        terms(json!({"max_term_months": 121}), &[("terms.max_term_months", "out_of_range")]),
        terms(json!({"min_down_payment_percent": 100}), &[("terms.min_down_payment_percent", "out_of_range")]),
        terms(json!({"fees_cents": -1}), &[("terms.fees_cents", "out_of_range")]),
        terms(json!({"promotion": {"customer_annual_rate_percent": 6, "valid_terms_months": [36]}}),
              &[("terms.promotion.customer_annual_rate_percent", "out_of_range")]),
        terms(json!({"promotion": {"customer_annual_rate_percent": 0, "valid_terms_months": [72]}}),
              &[("terms.promotion.valid_terms_months[0]", "out_of_range")]),
        Call::post("a blank name", admin, PRODUCTS, blank_name).expect(VALIDATION_FAILED),
        // Nothing half-written.
        Call::get("the products after it all", admin, PRODUCTS).expect(NO_ITEMS),
    ];
    app.check_calls(calls).await;
}
