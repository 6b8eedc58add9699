//! Comparing plans: ad-hoc rates and finance products side by side, cheapest first.

use serde_json::{Value, json};

use super::{COMPARE, PRODUCTS, create_product, i, invariants, product_body, with};
use crate::helpers::{ANY, Call, Expect, Mismatches, TestApp};

/// A promoted product and a comparison of four plans, two of them on that product.
async fn four_plans(app: &TestApp) -> (String, Value) {
    let product = create_product(app, &app.admin_token, &product_body("36期免息")).await;
    let product_id = product["id"].as_str().unwrap().to_owned();
    let body = json!({
        "vehicle_price_cents": 15_000_000,
        "down_payment_cents": 5_000_000,
        "start_date": "2026-01-15",
        "plans": [
            {"label": "银行 6%", "term_months": 36, "method": "equal_installment",
             "annual_rate_percent": 6},
            {"product_id": product_id, "term_months": 36, "method": "equal_installment"},
            {"term_months": 36, "method": "equal_principal", "annual_rate_percent": 3,
             "fees_cents": 10_000},
            {"product_id": product_id, "term_months": 48, "method": "equal_installment"}
        ]
    });
    (product_id, body)
}

#[tokio::test]
async fn compare_sorts_plans_by_total_cost_with_products_and_ad_hoc_rates() {
    let app = TestApp::spawn().await;
    let (product_id, body) = four_plans(&app).await;
    let res = app.post(COMPARE, &app.admin_token, &body).await;
    assert_eq!(res.status(), 200);
    let answer: Value = res.json().await.unwrap();
    let plans = answer["plans"].as_array().unwrap();
    assert_eq!(plans.len(), 4);
    let mut m = Mismatches::new();
    let costs: Vec<i64> = plans.iter().map(|p| i(&p["total_cost_cents"])).collect();
    let mut sorted = costs.clone();
    sorted.sort();
    m.eq("cheapest first", &costs, &sorted);
    let mut indices: Vec<i64> = plans.iter().map(|p| i(&p["index"])).collect();
    indices.sort();
    m.eq("every plan once", indices, [0, 1, 2, 3]);
    for p in plans {
        let case = format!("plan {}", p["index"]);
        m.eq(
            format!("{case}: cost = interest + fees"),
            i(&p["total_cost_cents"]),
            i(&p["plan"]["total_interest_cents"]) + i(&p["plan"]["fees_cents"]),
        );
        let term = p["plan"]["schedule"].as_array().unwrap().len();
        m.check(&case, invariants(&p["plan"], term));
    }
    // The promoted product plan: 0 % for the customer, the dealer pays the interest at the
    // standard 4.85 % (765,294 fen on 100,000 CNY over 36 months).
    let promoted = &plans[0];
    let case = "the promoted plan";
    m.eq(case, &promoted["index"], 1);
    m.eq(case, &promoted["product_id"], &json!(product_id));
    m.eq(case, &promoted["label"], &json!("36期免息"));
    m.eq(case, i(&promoted["plan"]["total_interest_cents"]), 0);
    m.eq(case, i(&promoted["total_cost_cents"]), 50_000);
    m.eq(case, i(&promoted["subsidy_cents"]), 765_294);
    m.that(
        case,
        promoted["plan"]["apr_percent"].as_f64().unwrap() > 0.0,
        "fees make APR > 0",
    );
    // 48 months is outside the promotion: the standard 5.5 % band, no subsidy.
    let standard = plans.iter().find(|p| p["index"] == 3).unwrap();
    let case = "48 months on the product";
    m.eq(case, i(&standard["subsidy_cents"]), 0);
    m.that(
        case,
        standard["plan"]["apr_percent"].as_f64().unwrap() > 5.5,
        format!("APR {}", standard["plan"]["apr_percent"]),
    );
    // Ad-hoc plans: their label or "plan N", and no subsidy.
    let six = plans.iter().find(|p| p["index"] == 0).unwrap();
    m.eq("the labelled ad-hoc plan", &six["label"], &json!("银行 6%"));
    m.that(
        "the labelled ad-hoc plan",
        six["product_id"].is_null(),
        "has no product",
    );
    m.eq("the labelled ad-hoc plan", i(&six["subsidy_cents"]), 0);
    let three = plans.iter().find(|p| p["index"] == 2).unwrap();
    m.eq(
        "the unlabelled ad-hoc plan",
        &three["label"],
        &json!("plan 3"),
    );
    m.eq(
        "the unlabelled ad-hoc plan",
        i(&three["plan"]["fees_cents"]),
        10_000,
    );
    m.assert_none();
}

#[tokio::test]
async fn invalid_comparisons_are_422_naming_the_plan() {
    use Expect::{Invalid, InvalidExactly, Status};
    let app = TestApp::spawn().await;
    let (product_id, body) = four_plans(&app).await;
    let admin = app.admin_token.as_str();
    let compare = |name: &str, token: &str, body: &Value, expect: Expect| {
        Call::post(name, token, COMPARE, body.clone()).expect(expect)
    };
    let mut missing = body.clone();
    missing["plans"][1]["product_id"] = json!(uuid::Uuid::now_v7().to_string());
    let mut malformed = body.clone();
    malformed["plans"][1]["product_id"] = json!("not-a-uuid");
    let mut beyond = body.clone();
    beyond["plans"][0]["annual_rate_percent"] = Value::Null;
    beyond["plans"][3]["term_months"] = json!(72);
    let mut too_little_down = body.clone();
    too_little_down["down_payment_cents"] = json!(1_000_000);
    let mut unreadable = body.clone();
    unreadable["down_payment_cents"] = Value::Null;
    unreadable["down_payment_percent"] = json!(1e-30);
    let no_plans = with(&body, json!({"plans": []}));
    let many: Vec<Value> = (0..21).map(|_| body["plans"][0].clone()).collect();
    let too_many = with(&body, json!({"plans": many}));
    let other = app.other_tenant().await;

    #[rustfmt::skip]
    let calls = [
        // A missing or malformed product is a field error naming the plan.
        compare("an unknown product", admin, &missing, Invalid(&[("plans[1].product_id", "not_found")])),
        compare("a malformed product id", admin, &malformed, Invalid(&[("plans[1].product_id", "not_found")])),
        // An ad-hoc plan needs a rate; a product plan must respect the product's limits.
        compare("an ad-hoc plan without a rate, a product plan beyond its term", admin, &beyond,
                Invalid(&[("plans[0].annual_rate_percent", "required"), ("plans[3].term_months", ANY)])),
        compare("below the product's minimum down payment", admin, &too_little_down,
                Invalid(&[("plans[1].down_payment_cents", "out_of_range")])),
        // An unreadable percentage is reported once, not also as a missing down payment.
        compare("an unreadable percentage", admin, &unreadable,
                InvalidExactly(&[("down_payment_percent", "out_of_range")])),
        compare("no plans", admin, &no_plans, Invalid(&[("plans", "out_of_range")])),
        compare("21 plans", admin, &too_many, Invalid(&[("plans", "out_of_range")])),
        // Another organisation's product does not exist for this one.
        compare("another organisation's product", &other, &body, Invalid(&[("plans[1].product_id", "not_found")])),
        // A deactivated product can no longer be compared.
        Call::patch("deactivate the product", admin, format!("{PRODUCTS}/{product_id}"), json!({"active": false}))
            .expect(Status(200)),
        compare("a deactivated product", admin, &body, Invalid(&[("plans[1].product_id", "not_found")])),
    ];
    app.check_calls(calls).await;
}
