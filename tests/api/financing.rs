//! Financing over HTTP: the calculators, finance products and the application workflow.
//!
//! Known values were cross-checked with an independent Python `decimal`/`fractions`
//! reference (annuity on exact fractions, interest rounded half-up per period, IRR by bisection).

use autocrm_persistence::PoolOptions;
use autocrm_persistence::db::open_pool;
use autocrm_persistence::models::{AuditEntry, OutboxEvent};
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem};

const METHODS: [&str; 4] = [
    "equal_installment",
    "equal_principal",
    "flat_rate",
    "balloon",
];

/// A plan of 10,000,000 fen (100,000 CNY), nothing down, 4.85 % for 36 months.
fn plan(method: &str) -> Value {
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
fn with(base: &Value, changes: Value) -> Value {
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

async fn calculate(app: &TestApp, body: &Value) -> Value {
    let res = app
        .post("/api/v1/financing/calculate", &app.admin_token, body)
        .await;
    let status = res.status();
    let text = res.text().await.unwrap();
    assert_eq!(status, 200, "calculate {body}: {text}");
    serde_json::from_str(&text).unwrap()
}

fn i(v: &Value) -> i64 {
    v.as_i64()
        .unwrap_or_else(|| panic!("expected an integer, got {v}"))
}

/// (payment, principal, interest, balance) of period `k` (1-based).
fn row(q: &Value, k: usize) -> (i64, i64, i64, i64) {
    let r = &q["schedule"][k - 1];
    (
        i(&r["payment_cents"]),
        i(&r["principal_cents"]),
        i(&r["interest_cents"]),
        i(&r["balance_cents"]),
    )
}

/// What every schedule must satisfy, whatever the method.
fn assert_invariants(q: &Value, term: usize, context: &str) {
    let schedule = q["schedule"].as_array().unwrap();
    assert_eq!(schedule.len(), term, "{context}: one row per month");
    let financed = i(&q["financed_amount_cents"]);
    let mut balance = financed;
    let (mut principal, mut interest, mut paid) = (0, 0, 0);
    for (k, r) in schedule.iter().enumerate() {
        assert_eq!(i(&r["period"]), k as i64 + 1, "{context}: period numbering");
        let (p, pr, it, bal) = row(q, k + 1);
        assert!(
            p >= 0 && pr >= 0 && it >= 0 && bal >= 0,
            "{context}: negative amount in row {}: {r}",
            k + 1
        );
        assert_eq!(p, pr + it, "{context}: payment = principal + interest");
        balance -= pr;
        assert_eq!(bal, balance, "{context}: running balance in row {}", k + 1);
        principal += pr;
        interest += it;
        paid += p;
    }
    assert_eq!(principal, financed, "{context}: principal sums to financed");
    assert_eq!(balance, 0, "{context}: the final balance is 0");
    assert_eq!(
        interest,
        i(&q["total_interest_cents"]),
        "{context}: interest"
    );
    assert_eq!(paid, i(&q["total_payment_cents"]), "{context}: total paid");
    assert_eq!(
        i(&q["monthly_payment_cents"]),
        row(q, 1).0,
        "{context}: monthly payment is the first one"
    );
    let apr = q["apr_percent"].as_f64().unwrap();
    let ear = q["effective_annual_rate_percent"].as_f64().unwrap();
    assert!(apr >= 0.0 && ear >= apr, "{context}: apr {apr}, ear {ear}");
}

/// The stored plan is the request with its defaults spelled out (absent = null, 0, false).
fn assert_same_plan(stored: &Value, requested: &Value) {
    for (k, v) in stored.as_object().unwrap() {
        let expected = match (requested.get(k), k.as_str()) {
            (Some(r), _) => r.clone(),
            (None, "fees_cents") => json!(0),
            (None, "fees_financed") => json!(false),
            (None, _) => Value::Null,
        };
        assert_eq!(v, &expected, "plan field {k}");
    }
    for k in requested.as_object().unwrap().keys() {
        assert!(stored.get(k).is_some(), "plan field {k} was dropped");
    }
}

fn field_errors(problem: &Value) -> Vec<(String, String)> {
    problem["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors in {problem}"))
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn assert_field_error(res: reqwest::Response, field: &str, code: &str) {
    let problem = assert_problem(res, 422, "validation_failed").await;
    let errors = field_errors(&problem);
    assert!(
        errors.iter().any(|(f, c)| f == field && c == code),
        "expected {field}/{code} in {errors:?}"
    );
}

#[tokio::test]
async fn calculate_gives_the_known_values_of_each_method() {
    let app = TestApp::spawn().await;

    let q = calculate(&app, &plan("equal_installment")).await;
    assert_eq!(i(&q["financed_amount_cents"]), 10_000_000);
    assert_eq!(i(&q["down_payment_cents"]), 0);
    assert_eq!(i(&q["fees_cents"]), 0);
    assert_eq!(i(&q["monthly_payment_cents"]), 299_036);
    assert_eq!(i(&q["total_interest_cents"]), 765_294);
    assert_eq!(i(&q["total_payment_cents"]), 10_765_294);
    assert_eq!(row(&q, 1), (299_036, 258_619, 40_417, 9_741_381));
    assert_eq!(row(&q, 36), (299_034, 297_830, 1_204, 0));
    assert_eq!(q["apr_percent"], 4.85);
    assert_eq!(q["effective_annual_rate_percent"], 4.9593);
    assert_eq!(q["schedule"][0]["due_date"], "2026-02-15");
    assert_eq!(q["schedule"][35]["due_date"], "2029-01-15");

    let q = calculate(&app, &plan("equal_principal")).await;
    assert_eq!(i(&q["monthly_payment_cents"]), 318_195);
    assert_eq!(i(&q["total_interest_cents"]), 747_708);
    assert_eq!(row(&q, 1), (318_195, 277_778, 40_417, 9_722_222));
    assert_eq!(row(&q, 36), (278_893, 277_770, 1_123, 0));
    assert_eq!(q["apr_percent"], 4.85);

    let q = calculate(&app, &plan("flat_rate")).await;
    assert_eq!(i(&q["monthly_payment_cents"]), 318_195);
    assert_eq!(i(&q["total_interest_cents"]), 1_455_000);
    assert_eq!(row(&q, 36), (318_175, 277_770, 40_405, 0));
    assert_eq!(q["apr_percent"], 9.0424);
    assert_eq!(q["effective_annual_rate_percent"], 9.4267);

    let q = calculate(&app, &plan("balloon")).await;
    assert_eq!(i(&q["monthly_payment_cents"]), 221_450);
    assert_eq!(i(&q["total_interest_cents"]), 972_208);
    assert_eq!(i(&q["total_payment_cents"]), 10_972_208);
    assert_eq!(row(&q, 1), (221_450, 181_033, 40_417, 9_818_967));
    // The last payment carries the balloon.
    assert_eq!(row(&q, 36), (3_221_458, 3_208_490, 12_968, 0));
    assert_eq!(q["apr_percent"], 4.85);

    // 250,000 CNY with 30 % down, 60 months at 3.99 %.
    let body = json!({
        "vehicle_price_cents": 25_000_000,
        "down_payment_percent": 30,
        "term_months": 60,
        "annual_rate_percent": 3.99,
        "method": "equal_installment",
        "start_date": "2026-03-01",
    });
    let q = calculate(&app, &body).await;
    assert_eq!(i(&q["down_payment_cents"]), 7_500_000);
    assert_eq!(i(&q["financed_amount_cents"]), 17_500_000);
    assert_eq!(i(&q["monthly_payment_cents"]), 322_210);
    assert_eq!(i(&q["total_interest_cents"]), 1_832_611);
    assert_eq!(row(&q, 1), (322_210, 264_022, 58_188, 17_235_978));
    assert_eq!(row(&q, 60), (322_221, 321_153, 1_068, 0));
    assert_eq!(q["apr_percent"], 3.99);
    assert_eq!(q["effective_annual_rate_percent"], 4.0638);

    let q = calculate(&app, &with(&body, json!({"method": "flat_rate"}))).await;
    assert_eq!(i(&q["total_interest_cents"]), 3_491_250);
    assert_eq!(row(&q, 60), (349_805, 291_647, 58_158, 0));
    assert_eq!(q["apr_percent"], 7.4026);

    let q = calculate(
        &app,
        &with(
            &body,
            json!({"method": "balloon", "balloon_cents": 5_000_000}),
        ),
    )
    .await;
    assert_eq!(i(&q["monthly_payment_cents"]), 246_775);
    assert_eq!(i(&q["total_interest_cents"]), 2_306_505);
    assert_eq!(row(&q, 60), (5_246_780, 5_229_392, 17_388, 0));

    // A percentage down payment is rounded half-up to the fen: 30 % of 9,999,999 = 2,999,999.7.
    let q = calculate(
        &app,
        &with(&body, json!({"vehicle_price_cents": 9_999_999})),
    )
    .await;
    assert_eq!(i(&q["down_payment_cents"]), 3_000_000);
    assert_eq!(i(&q["financed_amount_cents"]), 6_999_999);
}

#[tokio::test]
async fn schedules_hold_their_invariants_for_every_method_and_edge() {
    let app = TestApp::spawn().await;
    // (price, term, rate, start)
    let cases: [(i64, u32, f64); 7] = [
        (10_000_000, 36, 4.85),
        (10_000_001, 36, 0.0),
        (10_000_000, 1, 4.85),
        (10_000_000, 1, 0.0),
        (10_000_000, 120, 7.0),
        (10_000_000_000, 120, 36.0),
        (10_000_000_000, 12, 0.0001),
    ];
    for method in METHODS {
        for (price, term, rate) in cases {
            let mut body = json!({
                "vehicle_price_cents": price,
                "down_payment_cents": 0,
                "term_months": term,
                "annual_rate_percent": rate,
                "method": method,
                "start_date": "2026-01-31",
            });
            if method == "balloon" {
                body["balloon_cents"] = json!(price / 4);
            }
            let context = format!("{method} {price} fen {term} months {rate} %");
            let q = calculate(&app, &body).await;
            assert_eq!(i(&q["financed_amount_cents"]), price, "{context}");
            assert_invariants(&q, term as usize, &context);
            if rate == 0.0 {
                assert_eq!(i(&q["total_interest_cents"]), 0, "{context}");
                assert_eq!(q["apr_percent"], 0.0, "{context}");
                assert_eq!(q["effective_annual_rate_percent"], 0.0, "{context}");
            }
            if term == 1 {
                let (payment, principal, _, _) = row(&q, 1);
                assert_eq!(principal, price, "{context}: one payment repays all");
                assert_eq!(payment, i(&q["total_payment_cents"]), "{context}");
            }
            if method == "balloon" {
                let (_, last_principal, _, _) = row(&q, term as usize);
                assert!(last_principal >= price / 4, "{context}: balloon is last");
            }
        }
    }
    // Fees, financed or not, and a percentage down payment keep the invariants too.
    for method in METHODS {
        for financed in [false, true] {
            let body = with(
                &plan(method),
                json!({"fees_cents": 123_457, "fees_financed": financed,
                       "down_payment_cents": null, "down_payment_percent": 12.5}),
            );
            let q = calculate(&app, &body).await;
            let expected = 10_000_000 - 1_250_000 + if financed { 123_457 } else { 0 };
            assert_eq!(i(&q["financed_amount_cents"]), expected);
            assert_eq!(i(&q["fees_cents"]), 123_457);
            assert_invariants(&q, 36, &format!("{method} fees financed={financed}"));
        }
    }
}

#[tokio::test]
async fn due_dates_clamp_to_the_month_end_without_drifting() {
    let app = TestApp::spawn().await;
    let body = with(
        &plan("equal_principal"),
        json!({"start_date": "2026-01-31", "term_months": 13}),
    );
    let q = calculate(&app, &body).await;
    let dates: Vec<&str> = q["schedule"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["due_date"].as_str().unwrap())
        .collect();
    assert_eq!(
        &dates[..4],
        ["2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31"]
    );
    assert_eq!(dates[12], "2027-02-28");
    // A leap year.
    let q = calculate(&app, &with(&body, json!({"start_date": "2028-01-31"}))).await;
    assert_eq!(q["schedule"][0]["due_date"], "2028-02-29");
    assert_eq!(q["schedule"][1]["due_date"], "2028-03-31");
    // Without a start date the schedule still has dates (from today).
    let q = calculate(&app, &with(&body, json!({"start_date": null}))).await;
    assert!(q["schedule"][0]["due_date"].is_string());
}

#[tokio::test]
async fn flat_rate_apr_exceeds_the_nominal_rate_and_fees_raise_the_apr() {
    let app = TestApp::spawn().await;
    for (rate, term) in [(4.85, 36), (3.5, 24), (12.0, 12), (1.0, 120)] {
        let body = with(
            &plan("flat_rate"),
            json!({"annual_rate_percent": rate, "term_months": term}),
        );
        let q = calculate(&app, &body).await;
        let apr = q["apr_percent"].as_f64().unwrap();
        assert!(apr > rate, "flat {rate} % over {term} months: APR {apr}");
        let annuity = calculate(&app, &with(&body, json!({"method": "equal_installment"}))).await;
        assert!(
            annuity["apr_percent"].as_f64().unwrap() < apr,
            "an annuity at the same nominal rate is cheaper"
        );
    }
    // Python reference: 2,000 CNY fees at signing on 100,000 CNY at 4.85 % → APR 6.2027 %.
    let base = plan("equal_installment");
    let paid = calculate(&app, &with(&base, json!({"fees_cents": 200_000}))).await;
    assert_eq!(
        i(&paid["monthly_payment_cents"]),
        299_036,
        "fees at signing"
    );
    assert_eq!(paid["apr_percent"], 6.2027);
    assert_eq!(paid["effective_annual_rate_percent"], 6.3821);
    // Financed fees: a larger loan, and an APR above nominal too (6.1758 %).
    let financed = calculate(
        &app,
        &with(&base, json!({"fees_cents": 200_000, "fees_financed": true})),
    )
    .await;
    assert_eq!(i(&financed["financed_amount_cents"]), 10_200_000);
    assert_eq!(i(&financed["monthly_payment_cents"]), 305_017);
    assert_eq!(financed["apr_percent"], 6.1758);
    // More fees, more APR, for every method.
    for method in METHODS {
        let mut last = -1.0;
        for fees in [0, 10_000, 100_000, 500_000] {
            let q = calculate(&app, &with(&plan(method), json!({"fees_cents": fees}))).await;
            let apr = q["apr_percent"].as_f64().unwrap();
            assert!(
                apr > last,
                "{method}: fees {fees} gave APR {apr} after {last}"
            );
            last = apr;
        }
    }
}

#[tokio::test]
async fn invalid_calculations_are_422_with_field_errors() {
    let app = TestApp::spawn().await;
    let base = plan("equal_installment");
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            with(&base, json!({"down_payment_cents": 10_000_001})),
            "down_payment_cents",
            "out_of_range",
        ),
        (
            with(&base, json!({"down_payment_cents": 10_000_000})),
            "down_payment_cents",
            "out_of_range",
        ),
        (
            with(&base, json!({"down_payment_cents": -1})),
            "down_payment_cents",
            "out_of_range",
        ),
        (
            with(&base, json!({"down_payment_percent": 20})),
            "down_payment_percent",
            "exclusive",
        ),
        (
            with(&base, json!({"down_payment_cents": null})),
            "down_payment_cents",
            "required",
        ),
        (
            with(
                &base,
                json!({"down_payment_cents": null, "down_payment_percent": 100.5}),
            ),
            "down_payment_percent",
            "out_of_range",
        ),
        (
            with(&plan("balloon"), json!({"balloon_cents": 10_000_000})),
            "balloon_cents",
            "out_of_range",
        ),
        (
            with(&plan("balloon"), json!({"balloon_cents": 12_000_000})),
            "balloon_cents",
            "out_of_range",
        ),
        (
            with(&plan("balloon"), json!({"balloon_cents": null})),
            "balloon_cents",
            "required",
        ),
        (
            with(&base, json!({"balloon_cents": 1_000})),
            "balloon_cents",
            "not_allowed",
        ),
        (
            with(&base, json!({"term_months": 0})),
            "term_months",
            "out_of_range",
        ),
        (
            with(&base, json!({"term_months": 121})),
            "term_months",
            "out_of_range",
        ),
        (
            with(&base, json!({"annual_rate_percent": 36.5})),
            "annual_rate_percent",
            "out_of_range",
        ),
        (
            with(&base, json!({"annual_rate_percent": -0.5})),
            "annual_rate_percent",
            "out_of_range",
        ),
        (
            with(&base, json!({"annual_rate_percent": 4.12345})),
            "annual_rate_percent",
            "too_many_decimals",
        ),
        (
            with(&base, json!({"fees_cents": -1})),
            "fees_cents",
            "out_of_range",
        ),
        (
            with(&base, json!({"fees_cents": 10_000_000})),
            "fees_cents",
            "out_of_range",
        ),
        (
            with(&base, json!({"vehicle_price_cents": 0})),
            "vehicle_price_cents",
            "out_of_range",
        ),
        (
            with(
                &base,
                json!({"vehicle_price_cents": 10_000_000_000_001_i64}),
            ),
            "vehicle_price_cents",
            "out_of_range",
        ),
    ];
    for (body, field, code) in cases {
        let res = app
            .post("/api/v1/financing/calculate", &app.admin_token, &body)
            .await;
        assert_field_error(res, field, code).await;
    }
    // 36 exactly and four decimals are fine.
    calculate(&app, &with(&base, json!({"annual_rate_percent": 36}))).await;
    calculate(&app, &with(&base, json!({"annual_rate_percent": 4.1234}))).await;

    // Every problem at once, not just the first.
    let res = app
        .post(
            "/api/v1/financing/calculate",
            &app.admin_token,
            &with(
                &base,
                json!({"term_months": 0, "annual_rate_percent": 40, "fees_cents": -5}),
            ),
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    let fields: Vec<String> = field_errors(&problem).into_iter().map(|e| e.0).collect();
    for f in ["term_months", "annual_rate_percent", "fees_cents"] {
        assert!(fields.iter().any(|x| x == f), "{f} missing from {fields:?}");
    }

    // An unreadable percentage is one error, not also a missing down payment.
    let res = app
        .post(
            "/api/v1/financing/calculate",
            &app.admin_token,
            &with(
                &base,
                json!({"down_payment_cents": null, "down_payment_percent": 1e-30}),
            ),
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(
        field_errors(&problem),
        [("down_payment_percent".to_owned(), "out_of_range".to_owned())]
    );

    // Wrong shapes are 422 too, never 500.
    for body in [
        with(&base, json!({"method": "weekly"})),
        with(&base, json!({"term_months": -3})),
        with(&base, json!({"annual_rate_percent": "4.85"})),
        with(&base, json!({"start_date": "2026-02-30"})),
        with(&base, json!({"surprise": true})),
        with(&base, json!({"method": null})),
    ] {
        let res = app
            .post("/api/v1/financing/calculate", &app.admin_token, &body)
            .await;
        assert_problem(res, 422, "validation_failed").await;
    }
}

#[tokio::test]
async fn financing_needs_a_valid_token() {
    let app = TestApp::spawn().await;
    let body = plan("equal_installment");
    for (method, path) in [
        (reqwest::Method::POST, "/api/v1/financing/calculate"),
        (reqwest::Method::POST, "/api/v1/financing/affordability"),
        (reqwest::Method::POST, "/api/v1/financing/compare"),
        (reqwest::Method::GET, "/api/v1/finance-products"),
        (reqwest::Method::POST, "/api/v1/finance-products"),
        (reqwest::Method::GET, "/api/v1/financing-applications"),
        (reqwest::Method::POST, "/api/v1/financing-applications"),
    ] {
        let res = app
            .request(method.clone(), path, None)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_problem(res, 401, "unauthorized").await;
        let res = app
            .request(method, path, Some("not.a.jwt"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_problem(res, 401, "unauthorized").await;
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
        let res = app.post("/api/v1/financing/calculate", &token, &body).await;
        assert_eq!(res.status(), 200, "{role} calculates");
    }
}

#[tokio::test]
async fn affordability_finds_the_highest_price_the_budget_pays() {
    let app = TestApp::spawn().await;
    let budget = 300_000;
    for method in METHODS {
        for (fees, fees_financed) in [(0, false), (80_000, true), (80_000, false)] {
            let mut body = json!({
                "monthly_budget_cents": budget,
                "down_payment_cents": 5_000_000,
                "term_months": 36,
                "annual_rate_percent": 4.85,
                "method": method,
                "fees_cents": fees,
                "fees_financed": fees_financed,
                "start_date": "2026-01-15",
            });
            if method == "balloon" {
                body["balloon_cents"] = json!(3_000_000);
            }
            let context = format!("{method} fees {fees} financed={fees_financed}");
            let res = app
                .post("/api/v1/financing/affordability", &app.admin_token, &body)
                .await;
            assert_eq!(res.status(), 200, "{context}");
            let answer: Value = res.json().await.unwrap();
            let price = i(&answer["vehicle_price_cents"]);
            let quote = &answer["plan"];
            assert!(i(&quote["monthly_payment_cents"]) <= budget, "{context}");
            assert_invariants(quote, 36, &context);

            let mut plan = json!({
                "vehicle_price_cents": price,
                "down_payment_cents": 5_000_000,
                "term_months": 36,
                "annual_rate_percent": 4.85,
                "method": method,
                "fees_cents": fees,
                "fees_financed": fees_financed,
                "start_date": "2026-01-15",
            });
            if method == "balloon" {
                plan["balloon_cents"] = json!(3_000_000);
            }
            let same = calculate(&app, &plan).await;
            assert_eq!(&same, quote, "{context}: the plan is what calculate says");
            plan["vehicle_price_cents"] = json!(price + 1);
            let dearer = calculate(&app, &plan).await;
            assert!(
                i(&dearer["monthly_payment_cents"]) > budget,
                "{context}: one fen more ({}) must exceed the budget",
                i(&dearer["monthly_payment_cents"])
            );
        }
    }
    // Python reference: 299,036 fen a month buys exactly 100,000 CNY at 4.85 % over 36 months
    // (the next fen of price would need 299,037).
    let res = app
        .post(
            "/api/v1/financing/affordability",
            &app.admin_token,
            &json!({"monthly_budget_cents": 299_036, "term_months": 36,
                    "annual_rate_percent": 4.85, "method": "equal_installment"}),
        )
        .await;
    let answer: Value = res.json().await.unwrap();
    assert_eq!(i(&answer["plan"]["monthly_payment_cents"]), 299_036);
    assert!(i(&answer["vehicle_price_cents"]) >= 10_000_000);

    for (changes, field) in [
        (json!({"monthly_budget_cents": 0}), "monthly_budget_cents"),
        (
            json!({"monthly_budget_cents": 5, "method": "balloon", "balloon_cents": 3_000_000}),
            "monthly_budget_cents",
        ),
        (json!({"term_months": 0}), "term_months"),
        (
            json!({"annual_rate_percent": 4.123456}),
            "annual_rate_percent",
        ),
        (json!({"down_payment_cents": -1}), "down_payment_cents"),
    ] {
        let body = with(
            &json!({"monthly_budget_cents": budget, "term_months": 36,
                    "annual_rate_percent": 4.85, "method": "equal_installment"}),
            changes,
        );
        let res = app
            .post("/api/v1/financing/affordability", &app.admin_token, &body)
            .await;
        let problem = assert_problem(res, 422, "validation_failed").await;
        assert!(
            field_errors(&problem).iter().any(|(f, _)| f == field),
            "{field} in {problem}"
        );
    }
}

fn product_body(name: &str) -> Value {
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

async fn create_product(app: &TestApp, token: &str, body: &Value) -> Value {
    let res = app.post("/api/v1/finance-products", token, body).await;
    let status = res.status();
    let text = res.text().await.unwrap();
    assert_eq!(status, 201, "create product: {text}");
    serde_json::from_str(&text).unwrap()
}

#[tokio::test]
async fn compare_sorts_plans_by_total_cost_with_products_and_ad_hoc_rates() {
    let app = TestApp::spawn().await;
    let product = create_product(&app, &app.admin_token, &product_body("36期免息")).await;
    let product_id = product["id"].as_str().unwrap();
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
    let res = app
        .post("/api/v1/financing/compare", &app.admin_token, &body)
        .await;
    assert_eq!(res.status(), 200);
    let answer: Value = res.json().await.unwrap();
    let plans = answer["plans"].as_array().unwrap();
    assert_eq!(plans.len(), 4);
    let costs: Vec<i64> = plans.iter().map(|p| i(&p["total_cost_cents"])).collect();
    let mut sorted = costs.clone();
    sorted.sort();
    assert_eq!(costs, sorted, "cheapest first");
    let mut indices: Vec<i64> = plans.iter().map(|p| i(&p["index"])).collect();
    indices.sort();
    assert_eq!(indices, [0, 1, 2, 3]);
    for p in plans {
        assert_eq!(
            i(&p["total_cost_cents"]),
            i(&p["plan"]["total_interest_cents"]) + i(&p["plan"]["fees_cents"]),
            "cost = interest + fees: {p}"
        );
        assert_invariants(
            &p["plan"],
            p["plan"]["schedule"].as_array().unwrap().len(),
            "compare",
        );
    }
    // The promoted product plan: 0 % for the customer, the dealer pays the interest at the
    // standard 4.85 % (765,294 fen on 100,000 CNY over 36 months).
    let promoted = &plans[0];
    assert_eq!(promoted["index"], 1);
    assert_eq!(promoted["product_id"], product_id);
    assert_eq!(promoted["label"], "36期免息");
    assert_eq!(i(&promoted["plan"]["total_interest_cents"]), 0);
    assert_eq!(i(&promoted["total_cost_cents"]), 50_000);
    assert_eq!(i(&promoted["subsidy_cents"]), 765_294);
    assert!(
        promoted["plan"]["apr_percent"].as_f64().unwrap() > 0.0,
        "fees make APR > 0"
    );
    // 48 months is outside the promotion: the standard 5.5 % band, no subsidy.
    let standard = plans.iter().find(|p| p["index"] == 3).unwrap();
    assert_eq!(i(&standard["subsidy_cents"]), 0);
    assert!(standard["plan"]["apr_percent"].as_f64().unwrap() > 5.5);
    // Ad-hoc plans: their label or "plan N", and no subsidy.
    let six = plans.iter().find(|p| p["index"] == 0).unwrap();
    assert_eq!(six["label"], "银行 6%");
    assert!(six["product_id"].is_null());
    assert_eq!(i(&six["subsidy_cents"]), 0);
    let three = plans.iter().find(|p| p["index"] == 2).unwrap();
    assert_eq!(three["label"], "plan 3");
    assert_eq!(i(&three["plan"]["fees_cents"]), 10_000);

    // A missing or malformed product is a field error naming the plan.
    let missing = uuid::Uuid::now_v7().to_string();
    let mut bad = body.clone();
    bad["plans"][1]["product_id"] = json!(missing);
    let res = app
        .post("/api/v1/financing/compare", &app.admin_token, &bad)
        .await;
    assert_field_error(res, "plans[1].product_id", "not_found").await;
    bad["plans"][1]["product_id"] = json!("not-a-uuid");
    let res = app
        .post("/api/v1/financing/compare", &app.admin_token, &bad)
        .await;
    assert_field_error(res, "plans[1].product_id", "not_found").await;
    // An ad-hoc plan needs a rate; a product plan must respect the product's limits.
    let mut bad = body.clone();
    bad["plans"][0]["annual_rate_percent"] = Value::Null;
    bad["plans"][3]["term_months"] = json!(72);
    let res = app
        .post("/api/v1/financing/compare", &app.admin_token, &bad)
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    let errors = field_errors(&problem);
    assert!(errors.contains(&("plans[0].annual_rate_percent".into(), "required".into())));
    assert!(
        errors.iter().any(|(f, _)| f == "plans[3].term_months"),
        "{errors:?}"
    );
    // Below the product's minimum down payment.
    let mut bad = body.clone();
    bad["down_payment_cents"] = json!(1_000_000);
    let res = app
        .post("/api/v1/financing/compare", &app.admin_token, &bad)
        .await;
    assert_field_error(res, "plans[1].down_payment_cents", "out_of_range").await;
    // An unreadable percentage is reported once, not also as a missing down payment.
    let mut bad = body.clone();
    bad["down_payment_cents"] = Value::Null;
    bad["down_payment_percent"] = json!(1e-30);
    let res = app
        .post("/api/v1/financing/compare", &app.admin_token, &bad)
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(
        field_errors(&problem),
        [("down_payment_percent".to_owned(), "out_of_range".to_owned())]
    );
    // No plans, or too many.
    let res = app
        .post(
            "/api/v1/financing/compare",
            &app.admin_token,
            &with(&body, json!({"plans": []})),
        )
        .await;
    assert_field_error(res, "plans", "out_of_range").await;
    let many: Vec<Value> = (0..21).map(|_| body["plans"][0].clone()).collect();
    let res = app
        .post(
            "/api/v1/financing/compare",
            &app.admin_token,
            &with(&body, json!({"plans": many})),
        )
        .await;
    assert_field_error(res, "plans", "out_of_range").await;

    // Another organisation's product does not exist for this one.
    let other = app.other_tenant().await;
    let res = app.post("/api/v1/financing/compare", &other, &body).await;
    assert_field_error(res, "plans[1].product_id", "not_found").await;

    // A deactivated product can no longer be compared.
    let res = app
        .patch(
            &format!("/api/v1/finance-products/{product_id}"),
            &app.admin_token,
            &json!({"active": false}),
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    let res = app
        .post("/api/v1/financing/compare", &app.admin_token, &body)
        .await;
    assert_field_error(res, "plans[1].product_id", "not_found").await;
}

#[tokio::test]
async fn finance_products_crud_validation_and_access() {
    let app = TestApp::spawn().await;
    let res = app
        .post(
            "/api/v1/finance-products",
            &app.admin_token,
            &product_body("36期低息贷"),
        )
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
    let path = format!("/api/v1/finance-products/{id}");

    let got: Value = app.get(&path, &app.admin_token).await.json().await.unwrap();
    assert_eq!(got, created);

    // A finance specialist may write; sales staff may read only.
    let (_, finance) = app.user_with_role("finance", None).await;
    let second = create_product(&app, &finance, &product_body("60期标准贷")).await;
    let store = app.create_store("浦东店", "上海").await;
    let (_, consultant) = app.user_with_role("sales_consultant", Some(&store)).await;
    let res = app
        .post(
            "/api/v1/finance-products",
            &consultant,
            &product_body("顾问的产品"),
        )
        .await;
    assert_problem(res, 403, "forbidden").await;
    let res = app
        .patch(&path, &consultant, &json!({"active": false}), None)
        .await;
    assert_problem(res, 403, "forbidden").await;
    let list: Value = app
        .get("/api/v1/finance-products", &consultant)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    let (_, advisor) = app.user_with_role("service_advisor", Some(&store)).await;
    let res = app.get("/api/v1/finance-products", &advisor).await;
    assert_problem(res, 403, "forbidden").await;

    // Pagination by id.
    let page: Value = app
        .get("/api/v1/finance-products?limit=1", &app.admin_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"][0]["id"], created["id"]);
    let cursor = page["next_cursor"].as_str().unwrap();
    let page: Value = app
        .get(
            &format!("/api/v1/finance-products?limit=1&cursor={cursor}"),
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
        .get("/api/v1/finance-products?active=true", &app.admin_token)
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
        .post(
            "/api/v1/finance-products",
            &app.admin_token,
            &product_body("60期标准贷"),
        )
        .await;
    assert_problem(res, 409, "duplicate").await;

    // Validation: unsorted bands, bands not covering the term, bad promotion, bad rates.
    let mut unsorted = product_body("乱序");
    unsorted["terms"]["rate_bands"] = json!([
        {"max_term_months": 36, "annual_rate_percent": 4.85},
        {"max_term_months": 12, "annual_rate_percent": 3.5},
        {"max_term_months": 60, "annual_rate_percent": 5.5}
    ]);
    let res = app
        .post("/api/v1/finance-products", &app.admin_token, &unsorted)
        .await;
    assert_field_error(res, "terms.rate_bands[1].max_term_months", "not_sorted").await;
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            json!({"rate_bands": [{"max_term_months": 36, "annual_rate_percent": 4.85}]}),
            "terms.rate_bands",
            "out_of_range",
        ),
        (json!({"rate_bands": []}), "terms.rate_bands", "required"),
        (
            json!({"rate_bands": [{"max_term_months": 60, "annual_rate_percent": 4.12345}]}),
            "terms.rate_bands[0].annual_rate_percent",
            "too_many_decimals",
        ),
        (
            json!({"allowed_methods": []}),
            "terms.allowed_methods",
            "required",
        ),
        (
            json!({"max_term_months": 121}),
            "terms.max_term_months",
            "out_of_range",
        ),
        (
            json!({"min_down_payment_percent": 100}),
            "terms.min_down_payment_percent",
            "out_of_range",
        ),
        (
            json!({"fees_cents": -1}),
            "terms.fees_cents",
            "out_of_range",
        ),
        (
            json!({"promotion": {"customer_annual_rate_percent": 6, "valid_terms_months": [36]}}),
            "terms.promotion.customer_annual_rate_percent",
            "out_of_range",
        ),
        (
            json!({"promotion": {"customer_annual_rate_percent": 0, "valid_terms_months": [72]}}),
            "terms.promotion.valid_terms_months[0]",
            "out_of_range",
        ),
    ];
    for (changes, field, code) in cases {
        let mut body = product_body("校验");
        for (k, v) in changes.as_object().unwrap() {
            body["terms"][k] = v.clone();
        }
        let res = app
            .post("/api/v1/finance-products", &app.admin_token, &body)
            .await;
        assert_field_error(res, field, code).await;
    }
    let res = app
        .post(
            "/api/v1/finance-products",
            &app.admin_token,
            &with(&product_body("x"), json!({"name": "  "})),
        )
        .await;
    assert_problem(res, 422, "validation_failed").await;
    // Nothing half-written: still two products.
    let all: Value = app
        .get("/api/v1/finance-products", &app.admin_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(all["items"].as_array().unwrap().len(), 2);

    // Another organisation sees none of it.
    let other = app.other_tenant().await;
    let res = app.get(&path, &other).await;
    assert_problem(res, 404, "not_found").await;
    let res = app
        .patch(&path, &other, &json!({"active": true}), None)
        .await;
    assert_problem(res, 404, "not_found").await;
    let list: Value = app
        .get("/api/v1/finance-products", &other)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"], json!([]));
    let res = app
        .get("/api/v1/finance-products/not-a-uuid", &app.admin_token)
        .await;
    assert_eq!(res.status().as_u16() / 100, 4, "a malformed id is a 4xx");
}

/// The outbox events and audit entries of one application, read from the database.
async fn events_of(app: &TestApp, application_id: &str) -> (Vec<OutboxEvent>, Vec<AuditEntry>) {
    let url = app.db_url.clone();
    let org = app.org_id.clone();
    let id = application_id.to_owned();
    tokio::task::spawn_blocking(move || {
        let options = PoolOptions {
            max_size: 1,
            ..PoolOptions::default()
        };
        let pool = open_pool(&url, &options).expect("open the test database");
        let mut conn = pool.get().unwrap();
        let events = OutboxEvent::list_for_aggregate(&mut conn, &org, &id).unwrap();
        let audit =
            AuditEntry::list_for_entity(&mut conn, &org, "financing_application", &id).unwrap();
        (events, audit)
    })
    .await
    .unwrap()
}

async fn change_status(app: &TestApp, token: &str, id: &str, body: &Value) -> reqwest::Response {
    app.post(
        &format!("/api/v1/financing-applications/{id}/status"),
        token,
        body,
    )
    .await
}

async fn change_status_ok(app: &TestApp, token: &str, id: &str, body: &Value) -> Value {
    let res = change_status(app, token, id, body).await;
    let status = res.status();
    let text = res.text().await.unwrap();
    assert_eq!(status, 200, "status change {body}: {text}");
    serde_json::from_str(&text).unwrap()
}

async fn create_application(app: &TestApp, token: &str, body: &Value) -> Value {
    let res = app
        .post("/api/v1/financing-applications", token, body)
        .await;
    let status = res.status();
    let text = res.text().await.unwrap();
    assert_eq!(status, 201, "create application: {text}");
    serde_json::from_str(&text).unwrap()
}

#[tokio::test]
async fn an_application_goes_from_draft_to_funded_with_a_finance_system() {
    let app = TestApp::spawn().await;
    let customer = app
        .create_customer(
            &app.admin_token,
            &json!({"name": "李娜", "phone": "13912345678"}),
        )
        .await;
    let customer_id = customer["id"].as_str().unwrap();
    let product = create_product(&app, &app.admin_token, &product_body("36期免息")).await;
    let product_id = product["id"].as_str().unwrap();
    let lender = app
        .integration_token(&["financing:write", "financing:read"])
        .await;

    let plan = with(
        &plan("equal_installment"),
        json!({"vehicle_price_cents": 15_000_000, "down_payment_cents": 5_000_000}),
    );
    let created = create_application(
        &app,
        &app.admin_token,
        &json!({
            "customer_id": customer_id,
            "product_id": product_id,
            "plan": plan,
            "documents": [{"kind": "id_card", "name": "身份证.pdf", "uri": "s3://docs/id.pdf"}],
            "note": "客户希望36期",
        }),
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["status"], "draft");
    assert_eq!(created["version"], 1);
    assert_eq!(created["customer_id"], customer_id);
    assert_eq!(created["product_id"], product_id);
    assert_same_plan(&created["plan"], &plan);
    // Priced at the promotional 0 %, with the dealer's subsidy at the standard 4.85 %.
    assert_eq!(i(&created["quote"]["total_interest_cents"]), 0);
    assert_eq!(i(&created["quote"]["fees_cents"]), 50_000);
    assert_eq!(i(&created["subsidy_cents"]), 765_294);
    assert_invariants(&created["quote"], 36, "application quote");
    let history = created["history"].as_array().unwrap();
    assert_eq!(history.len(), 1);
    assert!(history[0]["from_status"].is_null());
    assert_eq!(history[0]["to_status"], "draft");
    assert_eq!(history[0]["actor_role"], "admin");
    assert_eq!(history[0]["note"], "客户希望36期");

    // The finance system cannot approve a draft: it must be submitted first.
    let res = change_status(&app, &lender, &id, &json!({"status": "approved"})).await;
    assert_problem(res, 409, "invalid_transition").await;

    let submitted =
        change_status_ok(&app, &app.admin_token, &id, &json!({"status": "submitted"})).await;
    assert_eq!(submitted["status"], "submitted");
    assert_eq!(submitted["version"], 2);
    // The lender asks for more, staff resubmit, the lender approves.
    let more = change_status_ok(
        &app,
        &lender,
        &id,
        &json!({"status": "more_info_needed", "note": "请补充收入证明"}),
    )
    .await;
    assert_eq!(more["status"], "more_info_needed");
    let resubmitted = change_status_ok(
        &app,
        &app.admin_token,
        &id,
        &json!({"status": "submitted",
                "documents": [{"kind": "income_proof", "name": "收入证明.pdf", "uri": "s3://docs/income.pdf"}]}),
    )
    .await;
    assert_eq!(resubmitted["documents"].as_array().unwrap().len(), 2);
    let approved = change_status_ok(
        &app,
        &lender,
        &id,
        &json!({"status": "approved", "note": "批准"}),
    )
    .await;
    assert_eq!(approved["status"], "approved");
    // Funding before signing is not a transition.
    let res = change_status(&app, &lender, &id, &json!({"status": "funded"})).await;
    assert_problem(res, 409, "invalid_transition").await;
    // Signing is the dealership's step, not the lender's.
    let res = change_status(&app, &lender, &id, &json!({"status": "signed"})).await;
    assert_problem(res, 403, "forbidden").await;
    change_status_ok(&app, &app.admin_token, &id, &json!({"status": "signed"})).await;
    let funded = change_status_ok(&app, &lender, &id, &json!({"status": "funded"})).await;
    assert_eq!(funded["status"], "funded");
    assert_eq!(funded["version"], 7);
    // The quote never changes along the way.
    assert_eq!(funded["quote"], created["quote"]);
    assert_eq!(funded["subsidy_cents"], created["subsidy_cents"]);

    // Funded is final.
    for next in ["cancelled", "submitted", "approved", "draft"] {
        let res = change_status(&app, &app.admin_token, &id, &json!({"status": next})).await;
        assert_problem(res, 409, "invalid_transition").await;
    }
    let res = change_status(&app, &app.admin_token, &id, &json!({"status": "paid"})).await;
    assert_field_error(res, "status", "not_allowed").await;

    // The history, oldest first, with who did what.
    let got: Value = app
        .get(&format!("/api/v1/financing-applications/{id}"), &lender)
        .await
        .json()
        .await
        .unwrap();
    let history = got["history"].as_array().unwrap();
    let steps: Vec<(Value, Value, Value)> = history
        .iter()
        .map(|h| {
            (
                h["from_status"].clone(),
                h["to_status"].clone(),
                h["actor_role"].clone(),
            )
        })
        .collect();
    let expected = [
        (Value::Null, "draft", "admin"),
        (json!("draft"), "submitted", "admin"),
        (json!("submitted"), "more_info_needed", "integration"),
        (json!("more_info_needed"), "submitted", "admin"),
        (json!("submitted"), "approved", "integration"),
        (json!("approved"), "signed", "admin"),
        (json!("signed"), "funded", "integration"),
    ]
    .map(|(from, to, role)| (from, json!(to), json!(role)));
    assert_eq!(steps, expected);
    assert_eq!(history[2]["note"], "请补充收入证明");
    assert_eq!(history[4]["note"], "批准");
    let list: Value = app
        .get("/api/v1/financing-applications?status=funded", &lender)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"][0]["id"], id.as_str());
    assert!(
        list["items"][0].get("history").is_none(),
        "history only on single reads"
    );
    let list: Value = app
        .get("/api/v1/financing-applications?status=draft", &lender)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"], json!([]));

    // One outbox event and one audit entry per status, written with the change.
    let (events, audit) = events_of(&app, &id).await;
    let changes: Vec<&OutboxEvent> = events
        .iter()
        .filter(|e| e.event_type == "financing.status_changed")
        .collect();
    assert_eq!(changes.len(), 7, "{events:?}");
    for (event, (from, to, _)) in changes.iter().zip(expected.iter()) {
        assert_eq!(event.aggregate_type, "financing_application");
        assert!(event.published_at.is_none());
        let payload: Value = serde_json::from_str(&event.payload).unwrap();
        assert_eq!(payload["type"], "financing.status_changed");
        assert_eq!(payload["id"], event.id.as_str());
        assert_eq!(payload["org_id"], app.org_id.as_str());
        assert_eq!(&payload["data"]["from_status"], from);
        assert_eq!(&payload["data"]["to_status"], to);
        assert_eq!(payload["data"]["application_id"], id.as_str());
        assert_eq!(payload["data"]["customer_id"], customer_id);
    }
    let audited: Vec<&AuditEntry> = audit
        .iter()
        .filter(|a| a.action == "financing.status_changed")
        .collect();
    assert_eq!(audited.len(), 7, "{audit:?}");
    assert_eq!(audited[4].actor_role, "integration");
    let detail: Value = serde_json::from_str(&audited[6].detail).unwrap();
    assert_eq!(detail, json!({"from": "signed", "to": "funded"}));
    // Refused changes left nothing behind.
    assert_eq!(events.len(), 7);
}

#[tokio::test]
async fn the_workflow_guards_roles_versions_and_tenants() {
    let app = TestApp::spawn().await;
    let store = app.create_store("浦东店", "上海").await;
    let (_, consultant) = app.user_with_role("sales_consultant", Some(&store)).await;
    let (_, colleague) = app.user_with_role("sales_consultant", Some(&store)).await;
    let customer = app
        .create_customer(
            &consultant,
            &json!({"name": "王芳", "phone": "13700001111"}),
        )
        .await;
    let body = json!({"customer_id": customer["id"], "plan": plan("equal_principal")});
    let created = create_application(&app, &consultant, &body).await;
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(i(&created["subsidy_cents"]), 0);
    assert!(created["product_id"].is_null());

    // A colleague cannot see another consultant's customer, nor open an application for them.
    let res = app
        .get(&format!("/api/v1/financing-applications/{id}"), &colleague)
        .await;
    assert_problem(res, 404, "not_found").await;
    let res = app
        .post("/api/v1/financing-applications", &colleague, &body)
        .await;
    assert_field_error(res, "customer_id", "not_found").await;
    let list: Value = app
        .get("/api/v1/financing-applications", &colleague)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"], json!([]));

    // The consultant submits, but cannot decide for the lender.
    let submitted = change_status_ok(&app, &consultant, &id, &json!({"status": "submitted"})).await;
    assert_eq!(submitted["version"], 2);
    for decision in ["approved", "rejected", "more_info_needed"] {
        let res = change_status(&app, &consultant, &id, &json!({"status": decision})).await;
        assert_problem(res, 403, "forbidden").await;
    }
    // A machine client with only read access cannot either.
    let reader = app.integration_token(&["financing:read"]).await;
    let res = change_status(&app, &reader, &id, &json!({"status": "approved"})).await;
    assert_problem(res, 403, "forbidden").await;
    let res = app
        .get(&format!("/api/v1/financing-applications/{id}"), &reader)
        .await;
    assert_eq!(res.status(), 200);
    // Machine clients do not open applications.
    let res = app
        .post("/api/v1/financing-applications", &reader, &body)
        .await;
    assert_problem(res, 403, "forbidden").await;

    // A stale If-Match is 412 and changes nothing.
    let res = app
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/financing-applications/{id}/status"),
            Some(&app.admin_token),
        )
        .header("If-Match", "\"1\"")
        .json(&json!({"status": "cancelled"}))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(res, 412, "version_mismatch").await;
    assert_eq!(problem["current_version"], 2);

    // The finance role decides: rejected is final.
    let (_, finance) = app.user_with_role("finance", None).await;
    let res = app
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/financing-applications/{id}/status"),
            Some(&finance),
        )
        .header("If-Match", "\"2\"")
        .json(&json!({"status": "rejected", "note": "征信不足"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let rejected: Value = res.json().await.unwrap();
    assert_eq!(rejected["status"], "rejected");
    for next in ["submitted", "cancelled", "approved", "signed"] {
        let res = change_status(&app, &finance, &id, &json!({"status": next})).await;
        assert_problem(res, 409, "invalid_transition").await;
    }
    let (events, _) = events_of(&app, &id).await;
    let tos: Vec<String> = events
        .iter()
        .map(|e| {
            let payload: Value = serde_json::from_str(&e.payload).unwrap();
            payload["data"]["to_status"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(
        tos,
        ["draft", "submitted", "rejected"],
        "refusals emit nothing"
    );

    // A second application: cancelled from submitted by its consultant.
    let second = create_application(&app, &consultant, &body).await;
    let second_id = second["id"].as_str().unwrap();
    change_status_ok(
        &app,
        &consultant,
        second_id,
        &json!({"status": "submitted"}),
    )
    .await;
    let cancelled = change_status_ok(
        &app,
        &consultant,
        second_id,
        &json!({"status": "cancelled"}),
    )
    .await;
    assert_eq!(cancelled["status"], "cancelled");
    let res = change_status(
        &app,
        &consultant,
        second_id,
        &json!({"status": "submitted"}),
    )
    .await;
    assert_problem(res, 409, "invalid_transition").await;
    // The consultant lists both of theirs.
    let list: Value = app
        .get("/api/v1/financing-applications", &consultant)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    let res = app
        .get("/api/v1/financing-applications?status=bogus", &consultant)
        .await;
    assert_problem(res, 400, "invalid_query").await;

    // Another organisation sees nothing and changes nothing.
    let other = app.other_tenant().await;
    let path = format!("/api/v1/financing-applications/{id}");
    assert_problem(app.get(&path, &other).await, 404, "not_found").await;
    let res = change_status(&app, &other, second_id, &json!({"status": "submitted"})).await;
    assert_problem(res, 404, "not_found").await;
    let list: Value = app
        .get("/api/v1/financing-applications", &other)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"], json!([]));
    // Nor may it open an application for this organisation's customer.
    let res = app
        .post("/api/v1/financing-applications", &other, &body)
        .await;
    assert_field_error(res, "customer_id", "not_found").await;
    let res = change_status(
        &app,
        &app.admin_token,
        &uuid::Uuid::now_v7().to_string(),
        &json!({"status": "submitted"}),
    )
    .await;
    assert_problem(res, 404, "not_found").await;
}

#[tokio::test]
async fn an_application_stores_the_quote_exactly_as_calculated() {
    let app = TestApp::spawn().await;
    let customer = app
        .create_customer(&app.admin_token, &json!({"name": "陈静"}))
        .await;
    for method in METHODS {
        let plan = with(
            &plan(method),
            json!({"down_payment_cents": null, "down_payment_percent": 17.5,
                   "fees_cents": 88_888, "fees_financed": true, "annual_rate_percent": 5.1234,
                   "start_date": "2026-01-31"}),
        );
        let quote = calculate(&app, &plan).await;
        let created = create_application(
            &app,
            &app.admin_token,
            &json!({"customer_id": customer["id"], "plan": plan}),
        )
        .await;
        assert_eq!(created["quote"], quote, "{method}: stored as quoted");
        assert_same_plan(&created["plan"], &plan);
        let got: Value = app
            .get(
                &format!(
                    "/api/v1/financing-applications/{}",
                    created["id"].as_str().unwrap()
                ),
                &app.admin_token,
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(got["quote"], quote, "{method}: read back unchanged");
    }

    // An invalid plan names its fields under `plan.`, and writes nothing.
    let res = app
        .post(
            "/api/v1/financing-applications",
            &app.admin_token,
            &json!({"customer_id": customer["id"],
                    "plan": with(&plan("equal_installment"), json!({"term_months": 0, "annual_rate_percent": 4.12345}))}),
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    let errors = field_errors(&problem);
    assert!(errors.contains(&("plan.term_months".into(), "out_of_range".into())));
    assert!(errors.contains(&(
        "plan.annual_rate_percent".into(),
        "too_many_decimals".into()
    )));
    let res = app
        .post(
            "/api/v1/financing-applications",
            &app.admin_token,
            &json!({"customer_id": customer["id"],
                    "plan": with(&plan("balloon"), json!({"balloon_cents": 20_000_000}))}),
        )
        .await;
    assert_field_error(res, "plan.balloon_cents", "out_of_range").await;
    // An unknown customer or product.
    let res = app
        .post(
            "/api/v1/financing-applications",
            &app.admin_token,
            &json!({"customer_id": uuid::Uuid::now_v7().to_string(), "plan": plan("flat_rate")}),
        )
        .await;
    assert_field_error(res, "customer_id", "not_found").await;
    let res = app
        .post(
            "/api/v1/financing-applications",
            &app.admin_token,
            &json!({"customer_id": customer["id"], "product_id": uuid::Uuid::now_v7().to_string(),
                    "plan": plan("equal_installment")}),
        )
        .await;
    assert_field_error(res, "product_id", "not_found").await;
    let list: Value = app
        .get("/api/v1/financing-applications?limit=200", &app.admin_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), METHODS.len());
}
