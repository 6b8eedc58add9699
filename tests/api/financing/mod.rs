//! Financing over HTTP: the calculators, finance products and the application workflow,
//! with the fixtures they share.
//!
//! Known values were cross-checked with an independent Python `decimal`/`fractions`
//! reference (annuity on exact fractions, interest rounded half-up per period, IRR by bisection).

mod applications;
mod calculator;
mod compare;
mod products;
mod scope;

use std::fmt::Debug;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Call, Expect, TestApp};

pub const CALCULATE: &str = "/api/v1/financing/calculate";
pub const AFFORDABILITY: &str = "/api/v1/financing/affordability";
pub const COMPARE: &str = "/api/v1/financing/compare";
pub const PRODUCTS: &str = "/api/v1/finance-products";
pub const APPLICATIONS: &str = "/api/v1/financing-applications";

pub const METHODS: [&str; 4] = [
    "equal_installment",
    "equal_principal",
    "flat_rate",
    "balloon",
];

/// A plan of 10,000,000 fen (100,000 CNY), nothing down, 4.85 % for 36 months.
pub fn plan(method: &str) -> Value {
    let mut body = json!({
        "vehicle_price_cents": 10_000_000,
        "down_payment_cents": 0,
        "term_months": 36,
        "annual_rate_percent": 4.85,
        "method": method,
        "start_date": "2026-01-15",
    });
    if method == "balloon" {
        body["balloon_cents"] = json!(3_000_000);
    }
    body
}

/// `base` with `changes` merged in; a `null` change removes the field.
pub fn with(base: &Value, changes: Value) -> Value {
    let mut out = base.clone();
    for (k, v) in changes.as_object().unwrap() {
        if v.is_null() {
            out.as_object_mut().unwrap().remove(k);
        } else {
            out[k] = v.clone();
        }
    }
    out
}

pub async fn calculate(app: &TestApp, body: &Value) -> Value {
    try_calculate(app, body)
        .await
        .unwrap_or_else(|mismatch| panic!("{mismatch}"))
}

/// The quote for `body`, or why there is none.
pub async fn try_calculate(app: &TestApp, body: &Value) -> Result<Value, String> {
    let res = app.post(CALCULATE, &app.admin_token, body).await;
    let status = res.status();
    let text = res.text().await.unwrap();
    if status != 200 {
        return Err(format!("calculate {body}: {status} {text}"));
    }
    Ok(serde_json::from_str(&text).unwrap())
}

pub fn i(v: &Value) -> i64 {
    v.as_i64()
        .unwrap_or_else(|| panic!("expected an integer, got {v}"))
}

/// (payment, principal, interest, balance) of period `k` (1-based).
pub fn row(q: &Value, k: usize) -> (i64, i64, i64, i64) {
    let r = &q["schedule"][k - 1];
    (
        i(&r["payment_cents"]),
        i(&r["principal_cents"]),
        i(&r["interest_cents"]),
        i(&r["balance_cents"]),
    )
}

/// `Ok` when `actual == expected`, else a message naming `what`.
fn same<T: PartialEq + Debug>(actual: T, expected: T, what: &str) -> Result<(), String> {
    if actual == expected {
        Ok(())
    } else {
        Err(format!("{what}: got {actual:?}, expected {expected:?}"))
    }
}

/// What every schedule must satisfy, whatever the method: the first violation, if any.
pub fn invariants(q: &Value, term: usize) -> Result<(), String> {
    let schedule = q["schedule"]
        .as_array()
        .ok_or_else(|| format!("no schedule in {q}"))?;
    same(schedule.len(), term, "one row per month")?;
    let financed = i(&q["financed_amount_cents"]);
    let mut balance = financed;
    let (mut principal, mut interest, mut paid) = (0, 0, 0);
    for (k, r) in schedule.iter().enumerate() {
        same(i(&r["period"]), k as i64 + 1, "period numbering")?;
        let (p, pr, it, bal) = row(q, k + 1);
        if !(p >= 0 && pr >= 0 && it >= 0 && bal >= 0) {
            return Err(format!("negative amount in row {}: {r}", k + 1));
        }
        same(p, pr + it, "payment = principal + interest")?;
        balance -= pr;
        same(bal, balance, &format!("running balance in row {}", k + 1))?;
        principal += pr;
        interest += it;
        paid += p;
    }
    same(principal, financed, "principal sums to financed")?;
    same(balance, 0, "the final balance is 0")?;
    same(interest, i(&q["total_interest_cents"]), "interest")?;
    same(paid, i(&q["total_payment_cents"]), "total paid")?;
    same(
        i(&q["monthly_payment_cents"]),
        row(q, 1).0,
        "monthly payment is the first one",
    )?;
    let apr = q["apr_percent"].as_f64().unwrap();
    let ear = q["effective_annual_rate_percent"].as_f64().unwrap();
    if !(apr >= 0.0 && ear >= apr) {
        return Err(format!("apr {apr}, ear {ear}"));
    }
    Ok(())
}

/// The stored plan is the request with its defaults spelled out (absent = null, 0, false).
pub fn same_plan(stored: &Value, requested: &Value) -> Result<(), String> {
    for (k, v) in stored.as_object().unwrap() {
        let expected = match (requested.get(k), k.as_str()) {
            (Some(r), _) => r.clone(),
            (None, "fees_cents") => json!(0),
            (None, "fees_financed") => json!(false),
            (None, _) => Value::Null,
        };
        same(v, &expected, &format!("plan field {k}"))?;
    }
    match requested
        .as_object()
        .unwrap()
        .keys()
        .find(|k| stored.get(k).is_none())
    {
        Some(k) => Err(format!("plan field {k} was dropped")),
        None => Ok(()),
    }
}

/// One calculation, named by how its body differs from `plan("equal_installment")`.
pub fn calculation(token: &str, changes: Value, expect: Expect) -> Call {
    let body = with(&plan("equal_installment"), changes.clone());
    Call::post(format!("calculate {changes}"), token, CALCULATE, body).expect(expect)
}

pub fn product_body(name: &str) -> Value {
    json!({
        "name": name,
        "terms": {
            "lender": "平安银行汽车金融",
            "allowed_methods": ["equal_installment", "equal_principal", "balloon"],
            "rate_bands": [
                {"max_term_months": 12, "annual_rate_percent": 3.5},
                {"max_term_months": 36, "annual_rate_percent": 4.85},
                {"max_term_months": 60, "annual_rate_percent": 5.5}
            ],
            "min_down_payment_percent": 20,
            "max_term_months": 60,
            "fees_cents": 50_000,
            "fees_financed": false,
            "max_balloon_percent": 40,
            "promotion": {"customer_annual_rate_percent": 0, "valid_terms_months": [12, 36]}
        }
    })
}

pub async fn create_product(app: &TestApp, token: &str, body: &Value) -> Value {
    let res = app.post(PRODUCTS, token, body).await;
    let status = res.status();
    let text = res.text().await.unwrap();
    assert_eq!(status, 201, "create product: {text}");
    serde_json::from_str(&text).unwrap()
}

/// Every financing endpoint refuses a missing or malformed token; every person may calculate.
#[tokio::test]
async fn financing_needs_a_valid_token() {
    let app = TestApp::spawn().await;
    let body = plan("equal_installment");
    let endpoints = [
        (Method::POST, CALCULATE),
        (Method::POST, AFFORDABILITY),
        (Method::POST, COMPARE),
        (Method::GET, PRODUCTS),
        (Method::POST, PRODUCTS),
        (Method::GET, APPLICATIONS),
        (Method::POST, APPLICATIONS),
    ];
    let mut calls = Vec::new();
    for (method, path) in endpoints {
        calls.push(
            Call::new("no token", "", method.clone(), path)
                .anonymous()
                .json(body.clone())
                .expect(Expect::Problem(401, "unauthorized")),
        );
        calls.push(
            Call::new("a token that is not a JWT", "not.a.jwt", method, path)
                .json(body.clone())
                .expect(Expect::Problem(401, "unauthorized")),
        );
    }
    // Every person may calculate, including service and marketing staff.
    let store = app.create_store("浦东店", "上海").await;
    for role in [
        "service_advisor",
        "marketing",
        "finance",
        "sales_consultant",
    ] {
        let (_, token) = app.user_with_role(role, Some(&store)).await;
        calls.push(
            Call::post(
                format!("{role} calculates"),
                &token,
                CALCULATE,
                body.clone(),
            )
            .expect(Expect::Status(200)),
        );
    }
    app.check_calls(calls).await;
}
