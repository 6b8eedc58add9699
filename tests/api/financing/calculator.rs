//! The loan calculator and the affordability search.

use serde_json::{Value, json};

use super::{
    AFFORDABILITY, METHODS, calculate, calculation, i, invariants, plan, row, try_calculate, with,
};
use crate::helpers::{ANY, Call, Expect, Mismatches, TestApp, VALIDATION_FAILED, with_status};

#[tokio::test]
async fn calculate_gives_the_known_values_of_each_method() {
    let app = TestApp::spawn().await;
    let mut m = Mismatches::new();

    let q = calculate(&app, &plan("equal_installment")).await;
    let case = "equal_installment";
    m.eq(case, i(&q["financed_amount_cents"]), 10_000_000);
    m.eq(case, i(&q["down_payment_cents"]), 0);
    m.eq(case, i(&q["fees_cents"]), 0);
    m.eq(case, i(&q["monthly_payment_cents"]), 299_036);
    m.eq(case, i(&q["total_interest_cents"]), 765_294);
    m.eq(case, i(&q["total_payment_cents"]), 10_765_294);
    m.eq(case, row(&q, 1), (299_036, 258_619, 40_417, 9_741_381));
    m.eq(case, row(&q, 36), (299_034, 297_830, 1_204, 0));
    m.eq(case, &q["apr_percent"], 4.85);
    m.eq(case, &q["effective_annual_rate_percent"], 4.9593);
    m.eq(case, &q["schedule"][0]["due_date"], "2026-02-15");
    m.eq(case, &q["schedule"][35]["due_date"], "2029-01-15");

    let q = calculate(&app, &plan("equal_principal")).await;
    let case = "equal_principal";
    m.eq(case, i(&q["monthly_payment_cents"]), 318_195);
    m.eq(case, i(&q["total_interest_cents"]), 747_708);
    m.eq(case, row(&q, 1), (318_195, 277_778, 40_417, 9_722_222));
    m.eq(case, row(&q, 36), (278_893, 277_770, 1_123, 0));
    m.eq(case, &q["apr_percent"], 4.85);

    let q = calculate(&app, &plan("flat_rate")).await;
    let case = "flat_rate";
    m.eq(case, i(&q["monthly_payment_cents"]), 318_195);
    m.eq(case, i(&q["total_interest_cents"]), 1_455_000);
    m.eq(case, row(&q, 36), (318_175, 277_770, 40_405, 0));
    m.eq(case, &q["apr_percent"], 9.0424);
    m.eq(case, &q["effective_annual_rate_percent"], 9.4267);

    let q = calculate(&app, &plan("balloon")).await;
    let case = "balloon";
    m.eq(case, i(&q["monthly_payment_cents"]), 221_450);
    m.eq(case, i(&q["total_interest_cents"]), 972_208);
    m.eq(case, i(&q["total_payment_cents"]), 10_972_208);
    m.eq(case, row(&q, 1), (221_450, 181_033, 40_417, 9_818_967));
    // The last payment carries the balloon.
    m.eq(case, row(&q, 36), (3_221_458, 3_208_490, 12_968, 0));
    m.eq(case, &q["apr_percent"], 4.85);

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
    let case = "250,000 CNY equal_installment";
    m.eq(case, i(&q["down_payment_cents"]), 7_500_000);
    m.eq(case, i(&q["financed_amount_cents"]), 17_500_000);
    m.eq(case, i(&q["monthly_payment_cents"]), 322_210);
    m.eq(case, i(&q["total_interest_cents"]), 1_832_611);
    m.eq(case, row(&q, 1), (322_210, 264_022, 58_188, 17_235_978));
    m.eq(case, row(&q, 60), (322_221, 321_153, 1_068, 0));
    m.eq(case, &q["apr_percent"], 3.99);
    m.eq(case, &q["effective_annual_rate_percent"], 4.0638);

    let q = calculate(&app, &with(&body, json!({"method": "flat_rate"}))).await;
    let case = "250,000 CNY flat_rate";
    m.eq(case, i(&q["total_interest_cents"]), 3_491_250);
    m.eq(case, row(&q, 60), (349_805, 291_647, 58_158, 0));
    m.eq(case, &q["apr_percent"], 7.4026);

    let q = calculate(
        &app,
        &with(
            &body,
            json!({"method": "balloon", "balloon_cents": 5_000_000}),
        ),
    )
    .await;
    let case = "250,000 CNY balloon";
    m.eq(case, i(&q["monthly_payment_cents"]), 246_775);
    m.eq(case, i(&q["total_interest_cents"]), 2_306_505);
    m.eq(case, row(&q, 60), (5_246_780, 5_229_392, 17_388, 0));

    // A percentage down payment is rounded half-up to the fen: 30 % of 9,999,999 = 2,999,999.7.
    let q = calculate(
        &app,
        &with(&body, json!({"vehicle_price_cents": 9_999_999})),
    )
    .await;
    let case = "30 % of 9,999,999 fen";
    m.eq(case, i(&q["down_payment_cents"]), 3_000_000);
    m.eq(case, i(&q["financed_amount_cents"]), 6_999_999);
    m.assert_none();
}

#[tokio::test]
async fn schedules_hold_their_invariants_for_every_method_and_edge() {
    let app = TestApp::spawn().await;
    let mut m = Mismatches::new();
    // (price, term, rate)
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
            let Some(q) = m.check(&context, try_calculate(&app, &body).await) else {
                continue;
            };
            m.eq(&context, i(&q["financed_amount_cents"]), price);
            m.check(&context, invariants(&q, term as usize));
            if rate == 0.0 {
                m.eq(&context, i(&q["total_interest_cents"]), 0);
                m.eq(&context, &q["apr_percent"], 0.0);
                m.eq(&context, &q["effective_annual_rate_percent"], 0.0);
            }
            if term == 1 {
                let (payment, principal, _, _) = row(&q, 1);
                m.eq(
                    format!("{context}: one payment repays all"),
                    principal,
                    price,
                );
                m.eq(&context, payment, i(&q["total_payment_cents"]));
            }
            if method == "balloon" {
                let (_, last_principal, _, _) = row(&q, term as usize);
                m.that(
                    &context,
                    last_principal >= price / 4,
                    format!("balloon is last: last principal {last_principal}"),
                );
            }
        }
    }
    // Fees, financed or not, and a percentage down payment keep the invariants too.
    for method in METHODS {
        for financed in [false, true] {
            let context = format!("{method} fees financed={financed}");
            let body = with(
                &plan(method),
                json!({"fees_cents": 123_457, "fees_financed": financed,
                       "down_payment_cents": null, "down_payment_percent": 12.5}),
            );
            let Some(q) = m.check(&context, try_calculate(&app, &body).await) else {
                continue;
            };
            let expected = 10_000_000 - 1_250_000 + if financed { 123_457 } else { 0 };
            m.eq(&context, i(&q["financed_amount_cents"]), expected);
            m.eq(&context, i(&q["fees_cents"]), 123_457);
            m.check(&context, invariants(&q, 36));
        }
    }
    m.assert_none();
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
    let mut m = Mismatches::new();
    for (rate, term) in [(4.85, 36), (3.5, 24), (12.0, 12), (1.0, 120)] {
        let context = format!("flat {rate} % over {term} months");
        let body = with(
            &plan("flat_rate"),
            json!({"annual_rate_percent": rate, "term_months": term}),
        );
        let Some(q) = m.check(&context, try_calculate(&app, &body).await) else {
            continue;
        };
        let apr = q["apr_percent"].as_f64().unwrap();
        m.that(&context, apr > rate, format!("APR {apr}"));
        let annuity = with(&body, json!({"method": "equal_installment"}));
        if let Some(annuity) = m.check(&context, try_calculate(&app, &annuity).await) {
            m.that(
                &context,
                annuity["apr_percent"].as_f64().unwrap() < apr,
                "an annuity at the same nominal rate is cheaper",
            );
        }
    }
    // Python reference: 2,000 CNY fees at signing on 100,000 CNY at 4.85 % → APR 6.2027 %.
    let base = plan("equal_installment");
    let paid = calculate(&app, &with(&base, json!({"fees_cents": 200_000}))).await;
    m.eq(
        "fees at signing",
        i(&paid["monthly_payment_cents"]),
        299_036,
    );
    m.eq("fees at signing", &paid["apr_percent"], 6.2027);
    m.eq(
        "fees at signing",
        &paid["effective_annual_rate_percent"],
        6.3821,
    );
    // Financed fees: a larger loan, and an APR above nominal too (6.1758 %).
    let financed = calculate(
        &app,
        &with(&base, json!({"fees_cents": 200_000, "fees_financed": true})),
    )
    .await;
    m.eq(
        "financed fees",
        i(&financed["financed_amount_cents"]),
        10_200_000,
    );
    m.eq(
        "financed fees",
        i(&financed["monthly_payment_cents"]),
        305_017,
    );
    m.eq("financed fees", &financed["apr_percent"], 6.1758);
    // More fees, more APR, for every method.
    for method in METHODS {
        let mut last = -1.0;
        for fees in [0, 10_000, 100_000, 500_000] {
            let context = format!("{method}: fees {fees}");
            let body = with(&plan(method), json!({"fees_cents": fees}));
            let Some(q) = m.check(&context, try_calculate(&app, &body).await) else {
                continue;
            };
            let apr = q["apr_percent"].as_f64().unwrap();
            m.that(&context, apr > last, format!("APR {apr} after {last}"));
            last = apr;
        }
    }
    m.assert_none();
}

#[tokio::test]
async fn invalid_calculations_are_422_with_field_errors() {
    use Expect::{Invalid, InvalidExactly, Status};
    let app = TestApp::spawn().await;
    let calc = |changes: Value, expect: Expect| calculation(&app.admin_token, changes, expect);
    #[rustfmt::skip]
    let calls = [
        calc(json!({"down_payment_cents": 10_000_001}), Invalid(&[("down_payment_cents", "out_of_range")])),
        calc(json!({"down_payment_cents": 10_000_000}), Invalid(&[("down_payment_cents", "out_of_range")])),
        calc(json!({"down_payment_cents": -1}), Invalid(&[("down_payment_cents", "out_of_range")])),
        calc(json!({"down_payment_percent": 20}), Invalid(&[("down_payment_percent", "exclusive")])),
        calc(json!({"down_payment_cents": null}), Invalid(&[("down_payment_cents", "required")])),
        calc(json!({"down_payment_cents": null, "down_payment_percent": 100.5}),
             Invalid(&[("down_payment_percent", "out_of_range")])),
        calc(json!({"method": "balloon", "balloon_cents": 10_000_000}), Invalid(&[("balloon_cents", "out_of_range")])),
        calc(json!({"method": "balloon", "balloon_cents": 12_000_000}), Invalid(&[("balloon_cents", "out_of_range")])),
        calc(json!({"method": "balloon", "balloon_cents": null}), Invalid(&[("balloon_cents", "required")])),
        calc(json!({"balloon_cents": 1_000}), Invalid(&[("balloon_cents", "not_allowed")])),
        calc(json!({"term_months": 0}), Invalid(&[("term_months", "out_of_range")])),
        calc(json!({"term_months": 121}), Invalid(&[("term_months", "out_of_range")])),
        calc(json!({"annual_rate_percent": 36.5}), Invalid(&[("annual_rate_percent", "out_of_range")])),
        calc(json!({"annual_rate_percent": -0.5}), Invalid(&[("annual_rate_percent", "out_of_range")])),
        calc(json!({"annual_rate_percent": 4.12345}), Invalid(&[("annual_rate_percent", "too_many_decimals")])),
        calc(json!({"fees_cents": -1}), Invalid(&[("fees_cents", "out_of_range")])),
        calc(json!({"fees_cents": 10_000_000}), Invalid(&[("fees_cents", "out_of_range")])),
        calc(json!({"vehicle_price_cents": 0}), Invalid(&[("vehicle_price_cents", "out_of_range")])),
        calc(json!({"vehicle_price_cents": 10_000_000_000_001_i64}), Invalid(&[("vehicle_price_cents", "out_of_range")])),
        // 36 exactly and four decimals are fine.
        calc(json!({"annual_rate_percent": 36}), Status(200)),
        calc(json!({"annual_rate_percent": 4.1234}), Status(200)),
        // Every problem at once, not just the first.
        calc(json!({"term_months": 0, "annual_rate_percent": 40, "fees_cents": -5}),
             Invalid(&[("term_months", ANY), ("annual_rate_percent", ANY), ("fees_cents", ANY)])),
        // An unreadable percentage is one error, not also a missing down payment.
        calc(json!({"down_payment_cents": null, "down_payment_percent": 1e-30}),
             InvalidExactly(&[("down_payment_percent", "out_of_range")])),
        // Wrong shapes are 422 too, never 500.
        calc(json!({"method": "weekly"}), VALIDATION_FAILED),
        calc(json!({"term_months": -3}), VALIDATION_FAILED),
        calc(json!({"annual_rate_percent": "4.85"}), VALIDATION_FAILED),
        calc(json!({"start_date": "2026-02-30"}), VALIDATION_FAILED),
        calc(json!({"surprise": true}), VALIDATION_FAILED),
        calc(json!({"method": null}), VALIDATION_FAILED),
    ];
    app.check_calls(calls).await;
}

#[tokio::test]
async fn affordability_finds_the_highest_price_the_budget_pays() {
    let app = TestApp::spawn().await;
    let mut m = Mismatches::new();
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
            let res = app.post(AFFORDABILITY, &app.admin_token, &body).await;
            let outcome = with_status(res, 200).await;
            let Some(answer) = m.check(&context, outcome) else {
                continue;
            };
            let price = i(&answer["vehicle_price_cents"]);
            let quote = &answer["plan"];
            m.that(
                &context,
                i(&quote["monthly_payment_cents"]) <= budget,
                format!("over the budget: {quote}"),
            );
            m.check(&context, invariants(quote, 36));

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
            if let Some(same) = m.check(&context, try_calculate(&app, &plan).await) {
                m.eq(
                    format!("{context}: the plan is what calculate says"),
                    &same,
                    quote,
                );
            }
            plan["vehicle_price_cents"] = json!(price + 1);
            if let Some(dearer) = m.check(&context, try_calculate(&app, &plan).await) {
                m.that(
                    &context,
                    i(&dearer["monthly_payment_cents"]) > budget,
                    format!(
                        "one fen more ({}) must exceed the budget",
                        i(&dearer["monthly_payment_cents"])
                    ),
                );
            }
        }
    }
    // Python reference: 299,036 fen a month buys exactly 100,000 CNY at 4.85 % over 36 months
    // (the next fen of price would need 299,037).
    let res = app
        .post(
            AFFORDABILITY,
            &app.admin_token,
            &json!({"monthly_budget_cents": 299_036, "term_months": 36,
                    "annual_rate_percent": 4.85, "method": "equal_installment"}),
        )
        .await;
    let answer: Value = res.json().await.unwrap();
    m.eq(
        "a budget of 299,036 fen",
        i(&answer["plan"]["monthly_payment_cents"]),
        299_036,
    );
    m.that(
        "a budget of 299,036 fen",
        i(&answer["vehicle_price_cents"]) >= 10_000_000,
        format!("buys {}", answer["vehicle_price_cents"]),
    );

    let question = json!({"monthly_budget_cents": budget, "term_months": 36,
                          "annual_rate_percent": 4.85, "method": "equal_installment"});
    let ask = |changes: Value, field: &'static [(&'static str, &'static str)]| {
        Call::post(
            format!("affordability {changes}"),
            &app.admin_token,
            AFFORDABILITY,
            with(&question, changes),
        )
        .expect(Expect::Invalid(field))
    };
    #[rustfmt::skip]
    let calls = [
        ask(json!({"monthly_budget_cents": 0}), &[("monthly_budget_cents", ANY)]),
        ask(json!({"monthly_budget_cents": 5, "method": "balloon", "balloon_cents": 3_000_000}),
            &[("monthly_budget_cents", ANY)]),
        ask(json!({"term_months": 0}), &[("term_months", ANY)]),
        ask(json!({"annual_rate_percent": 4.123456}), &[("annual_rate_percent", ANY)]),
        ask(json!({"down_payment_cents": -1}), &[("down_payment_cents", ANY)]),
    ];
    app.run_calls(&mut m, calls).await;
    m.assert_none();
}
