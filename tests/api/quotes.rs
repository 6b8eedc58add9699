//! Quotes: totals equal the sum of the lines to the fen (checked against an independent
//! computation of the purchase tax), the new-energy relief, versions that never change,
//! expiry, acceptance through the deal's gates with a financing application for a plan,
//! another tenant's quote, another store's consultant, bad input, settings.

use autocrm_persistence::models::{OutboxEvent, Quote, TenantRecord};
use chrono::TimeDelta;
use serde_json::{Value, json};

use crate::deals::{Team, open_deal, team};
use crate::helpers::{TestApp, field_errors, status_and_body};

/// `num / den` rounded half-up, as the purchase-tax module documents (num >= 0).
fn half_up(num: i128, den: i128) -> i64 {
    i64::try_from((2 * num + den) / (2 * den)).unwrap()
}

/// 10 % of `net_cents` without 13 % VAT, rounded half-up to the fen.
fn standard_tax(net_cents: i64) -> i64 {
    half_up(i128::from(net_cents) * 1_000, 11_300)
}

/// A new car of the team's store, answered with its id.
async fn new_car(app: &TestApp, team: &Team, energy: &str, price_cents: i64) -> String {
    app.create_vehicle(&json!({"condition": "new", "mileage_km": 0,
        "first_registration_date": null, "store_id": team.store, "energy_type": energy,
        "asking_price_cents": price_cents}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn deal_with(app: &TestApp, team: &Team, car: &str) -> String {
    open_deal(
        app,
        team,
        json!({"vehicle": {"vehicle_id": car}, "payment": "loan"}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn quote(app: &TestApp, token: &str, deal: &str, body: Value) -> (u16, Value) {
    status_and_body(
        app.post(&format!("/api/v1/deals/{deal}/quotes"), token, &body)
            .await,
    )
    .await
}

async fn get(app: &TestApp, token: &str, path: &str) -> (u16, Value) {
    status_and_body(app.get(path, token).await).await
}

async fn accept(app: &TestApp, token: &str, id: &str, body: Value) -> (u16, Value) {
    status_and_body(
        app.post(&format!("/api/v1/quotes/{id}/accept"), token, &body)
            .await,
    )
    .await
}

async fn decline(app: &TestApp, token: &str, id: &str, body: Value) -> (u16, Value) {
    status_and_body(
        app.post(&format!("/api/v1/quotes/{id}/decline"), token, &body)
            .await,
    )
    .await
}

fn sum_of_lines(q: &Value) -> i64 {
    q["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["amount_cents"].as_i64().unwrap())
        .sum()
}

#[tokio::test]
async fn totals_are_the_sum_of_the_lines_to_the_fen() {
    let app = TestApp::spawn().await;
    let team = team(&app).await;
    let token = team.consultant.1.clone();
    let car = new_car(&app, &team, "gasoline", 19_999_999).await;
    let deal = deal_with(&app, &team, &car).await;
    let (status, q) = quote(
        &app,
        &token,
        &deal,
        json!({"purchase_date": "2026-12-20", "lines": [
            {"kind": "discount", "label": "年终优惠", "amount_cents": 500_001},
            {"kind": "accessory", "label": "隐形车衣", "amount_cents": 350_000},
            {"kind": "insurance", "amount_cents": 580_033},
            {"kind": "extended_warranty", "label": "三年延保", "amount_cents": 300_000},
            {"kind": "registration_fee", "amount_cents": 50_000},
            {"kind": "trade_in_allowance", "label": "旧车置换", "amount_cents": 3_000_000}
        ]}),
    )
    .await;
    assert_eq!(status, 201, "{q}");
    // The vehicle price came from stock, first.
    assert_eq!(q["lines"][0]["kind"], "vehicle_price");
    assert_eq!(q["lines"][0]["amount_cents"], 19_999_999);
    let net = 19_999_999 - 500_001;
    let tax = standard_tax(net);
    assert_eq!(q["totals"]["vehicle_net_cents"], net);
    assert_eq!(q["purchase_tax"]["payable_cents"], tax);
    assert_eq!(q["purchase_tax"]["basis"], "standard");
    let last = q["lines"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["kind"], "purchase_tax");
    assert_eq!(last["amount_cents"], tax);
    let expected = 19_999_999 - 500_001 + 350_000 + 580_033 + 300_000 + 50_000 - 3_000_000 + tax;
    assert_eq!(q["totals"]["total_cents"], expected);
    assert_eq!(sum_of_lines(&q), expected);
    assert_eq!(q["totals"]["by_kind"]["trade_in_allowance"], -3_000_000);
    assert_eq!(q["status"], "sent");
    assert_eq!(q["version_number"], 1);

    // The same quote read back, and in the deal's list.
    let id = q["id"].as_str().unwrap();
    let (status, again) = get(&app, &token, &format!("/api/v1/quotes/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(again["totals"], q["totals"]);
    let (status, list) = get(&app, &token, &format!("/api/v1/deals/{deal}/quotes")).await;
    assert_eq!(status, 200);
    assert_eq!(list.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn new_energy_tax_is_exempt_in_2025_and_halved_and_capped_in_2026() {
    let app = TestApp::spawn().await;
    let team = team(&app).await;
    let token = team.consultant.1.clone();
    let cheap = new_car(&app, &team, "bev", 20_000_000).await;
    let dear = new_car(&app, &team, "phev", 40_000_000).await;
    let deal = deal_with(&app, &team, &cheap).await;
    let cases = [
        // (car, date, payable, relief, capped)
        (&cheap, "2025-06-01", 0, standard_tax(20_000_000), false),
        // Half of 17,699.115… = 8,849.557… → 8,849.56 payable.
        (
            &cheap,
            "2026-12-20",
            half_up(20_000_000 * 1_000 * 5_000, 11_300 * 10_000),
            standard_tax(20_000_000) - half_up(20_000_000 * 1_000 * 5_000, 11_300 * 10_000),
            false,
        ),
        // Half of 35,398.23 exceeds the 15,000 cap.
        (
            &dear,
            "2027-01-05",
            standard_tax(40_000_000) - 1_500_000,
            1_500_000,
            true,
        ),
        (&dear, "2028-01-05", standard_tax(40_000_000), 0, false),
    ];
    for (car, date, payable, relief, capped) in cases {
        let (status, q) = quote(
            &app,
            &token,
            &deal,
            json!({"vehicle_id": car, "purchase_date": date, "lines": []}),
        )
        .await;
        assert_eq!(status, 201, "{date}: {q}");
        let tax = &q["purchase_tax"];
        assert_eq!(tax["payable_cents"], payable, "{date}: {tax}");
        assert_eq!(tax["relief_cents"], relief, "{date}: {tax}");
        assert_eq!(tax["relief_capped"], capped, "{date}: {tax}");
        assert_eq!(
            sum_of_lines(&q),
            q["totals"]["total_cents"].as_i64().unwrap()
        );
    }
    // Not in the relief catalogue: full tax.
    let (_, q) = quote(
        &app,
        &token,
        &deal,
        json!({"purchase_date": "2026-12-20", "in_relief_catalogue": false}),
    )
    .await;
    assert_eq!(q["purchase_tax"]["basis"], "nev_not_in_catalogue");
    assert_eq!(q["purchase_tax"]["payable_cents"], standard_tax(20_000_000));
}

#[tokio::test]
async fn a_new_version_never_changes_an_old_one() {
    let app = TestApp::spawn().await;
    let team = team(&app).await;
    let token = team.consultant.1.clone();
    let car = new_car(&app, &team, "gasoline", 15_000_000).await;
    let deal = deal_with(&app, &team, &car).await;
    let (_, v1) = quote(
        &app,
        &token,
        &deal,
        json!({"lines": [{"kind": "discount", "amount_cents": 100_000}]}),
    )
    .await;
    let v1_id = v1["id"].as_str().unwrap().to_owned();
    let org = app.org_id.clone();
    let id = v1_id.clone();
    let before = app
        .with_db(move |conn| Quote::find(conn, &org, &id).unwrap().unwrap())
        .await;
    let (status, v2) = quote(
        &app,
        &token,
        &deal,
        json!({"lines": [{"kind": "discount", "amount_cents": 300_000}]}),
    )
    .await;
    assert_eq!(status, 201, "{v2}");
    assert_eq!(v2["version_number"], 2);
    let (_, old) = get(&app, &token, &format!("/api/v1/quotes/{v1_id}")).await;
    assert_eq!(old["status"], "superseded");
    assert_eq!(old["lines"], v1["lines"]);
    assert_eq!(old["totals"], v1["totals"]);
    let org = app.org_id.clone();
    let id = v1_id.clone();
    let after = app
        .with_db(move |conn| Quote::find(conn, &org, &id).unwrap().unwrap())
        .await;
    // Only the status (and the row version) moved.
    assert_eq!(
        (
            &after.lines,
            &after.tax,
            after.total_cents,
            &after.financing,
            after.valid_until
        ),
        (
            &before.lines,
            &before.tax,
            before.total_cents,
            &before.financing,
            before.valid_until
        )
    );
    assert_eq!(after.status, "superseded");
    // A superseded version cannot be accepted.
    let (status, _) = accept(&app, &token, &v1_id, json!({})).await;
    assert_eq!(status, 409);
    let (_, list) = get(&app, &token, &format!("/api/v1/deals/{deal}/quotes")).await;
    let statuses: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["superseded", "sent"]);
}

#[tokio::test]
async fn an_expired_quote_reads_expired_and_cannot_be_accepted() {
    // Tokens outlive the week the clock moves.
    let app = TestApp::spawn_with(|s| s.access_token_ttl_secs = 30 * 24 * 3600).await;
    let team = team(&app).await;
    let token = team.consultant.1.clone();
    let car = new_car(&app, &team, "gasoline", 15_000_000).await;
    let deal = deal_with(&app, &team, &car).await;
    let (_, q) = quote(&app, &token, &deal, json!({})).await;
    let id = q["id"].as_str().unwrap().to_owned();
    // Seven days by default.
    app.clock
        .advance(TimeDelta::days(7) + TimeDelta::minutes(1));
    let (_, read) = get(&app, &token, &format!("/api/v1/quotes/{id}")).await;
    assert_eq!(read["status"], "expired");
    let (status, problem) = accept(
        &app,
        &token,
        &id,
        json!({"waivers": [{"gate": "test_drive_agreement", "reason": "客户已试驾同款"}]}),
    )
    .await;
    assert_eq!(status, 409, "{problem}");
    let (_, d) = get(&app, &token, &format!("/api/v1/deals/{deal}")).await;
    assert_eq!(d["stage"], "qualified");
}

async fn events_of(app: &TestApp, id: &str) -> Vec<OutboxEvent> {
    let (org, id) = (app.org_id.clone(), id.to_owned());
    app.with_db(move |conn| OutboxEvent::list_for_aggregate(conn, &org, &id).unwrap())
        .await
}

#[tokio::test]
async fn accepting_moves_the_deal_to_contract_under_its_gates_and_opens_financing() {
    let app = TestApp::spawn().await;
    let team = team(&app).await;
    let token = team.consultant.1.clone();
    let car = new_car(&app, &team, "bev", 21_980_000).await;
    let deal = deal_with(&app, &team, &car).await;
    let (status, q) = quote(
        &app,
        &token,
        &deal,
        json!({"purchase_date": "2026-12-20",
            "lines": [{"kind": "discount", "amount_cents": 800_000}],
            "financing": {"lender": "比亚迪汽车金融", "down_payment_percent": 30,
                "term_months": 36, "annual_rate_percent": 3.5, "method": "equal_installment"}}),
    )
    .await;
    assert_eq!(status, 201, "{q}");
    let id = q["id"].as_str().unwrap().to_owned();
    // The loan is on the net price.
    assert_eq!(q["financing"]["plan"]["vehicle_price_cents"], 21_180_000);
    assert_eq!(q["financing"]["schedule"]["down_payment_cents"], 6_354_000);
    assert_eq!(
        sum_of_lines(&q),
        q["totals"]["total_cents"].as_i64().unwrap()
    );

    // The contract gate wants a test-drive agreement or a waiver: refused, nothing written.
    let (status, problem) = accept(&app, &token, &id, json!({})).await;
    assert_eq!(status, 409, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("test_drive_agreement"),
        "{problem}"
    );
    let (_, still) = get(&app, &token, &format!("/api/v1/quotes/{id}")).await;
    assert_eq!(still["status"], "sent");
    assert_eq!(still["financing_application_id"], Value::Null);

    let (status, accepted) = accept(
        &app,
        &token,
        &id,
        json!({"waivers": [{"gate": "test_drive_agreement", "reason": "客户已有同款车，无需试驾"}]}),
    )
    .await;
    assert_eq!(status, 200, "{accepted}");
    assert_eq!(accepted["status"], "accepted");
    assert_eq!(accepted["accepted_by"], team.consultant.0.as_str());
    assert_eq!(accepted["totals"], q["totals"]);
    let (_, d) = get(&app, &token, &format!("/api/v1/deals/{deal}")).await;
    assert_eq!(d["stage"], "contract");
    let application = accepted["financing_application_id"].as_str().unwrap();
    let (status, a) = get(
        &app,
        &token,
        &format!("/api/v1/financing-applications/{application}"),
    )
    .await;
    assert_eq!(status, 200, "{a}");
    assert_eq!(a["deal_id"], deal.as_str());
    assert_eq!(a["quote_id"], id.as_str());
    assert_eq!(a["status"], "draft");
    assert_eq!(a["quote"]["down_payment_cents"], 6_354_000);
    let events: Vec<String> = events_of(&app, &id)
        .await
        .into_iter()
        .map(|e| e.event_type)
        .collect();
    assert_eq!(events, ["quote.created", "quote.accepted"]);
    // Accepted is final; and the deal takes no new version.
    let (status, _) = accept(&app, &token, &id, json!({})).await;
    assert_eq!(status, 409);
    let (status, _) = quote(&app, &token, &deal, json!({})).await;
    assert_eq!(status, 409);
}

#[tokio::test]
async fn a_declined_quote_keeps_its_reason_and_the_deal_goes_on_with_a_new_version() {
    let app = TestApp::spawn_with(|s| s.access_token_ttl_secs = 30 * 24 * 3600).await;
    let team = team(&app).await;
    let token = team.consultant.1.clone();
    let car = new_car(&app, &team, "gasoline", 15_000_000).await;
    let deal = deal_with(&app, &team, &car).await;
    let (_, first) = quote(&app, &token, &deal, json!({})).await;
    let first = first["id"].as_str().unwrap().to_owned();

    // A reason off the list, `other` without a note, a note too long or with a NUL: 422, and
    // nothing changes.
    for (body, field) in [
        (json!({"reason": "too_expensive"}), "reason"),
        (json!({"reason": "other", "note": "  "}), "note"),
        (
            json!({"reason": "price", "note": "价".repeat(1001)}),
            "note",
        ),
        (json!({"reason": "price", "note": "太贵\u{0000}"}), "note"),
    ] {
        let (status, problem) = decline(&app, &token, &first, body).await;
        assert_eq!(status, 422, "{problem}");
        let fields = field_errors(&problem).unwrap();
        assert!(
            fields.iter().any(|(f, _)| f == field),
            "{field} not in {fields:?}"
        );
    }
    let (_, read) = get(&app, &token, &format!("/api/v1/quotes/{first}")).await;
    assert_eq!(
        (&read["status"], read["version"].as_i64()),
        (&json!("sent"), Some(1))
    );

    let (status, declined) = decline(
        &app,
        &token,
        &first,
        json!({"reason": "price", "note": "  客户对比了竞品报价，希望再多优惠三万  "}),
    )
    .await;
    assert_eq!(status, 200, "{declined}");
    assert_eq!(declined["status"], "declined");
    assert_eq!(declined["decline_reason"], "price");
    assert_eq!(
        declined["decline_note"],
        "客户对比了竞品报价，希望再多优惠三万"
    );
    assert_eq!(declined["declined_by"], team.consultant.0.as_str());
    assert!(declined["declined_at"].is_string());
    // Final: neither declined again nor accepted.
    let (status, problem) = decline(&app, &token, &first, json!({"reason": "timing"})).await;
    assert_eq!(status, 409, "{problem}");
    assert_eq!(problem["code"], "invalid_transition");
    let (status, _) = accept(&app, &token, &first, json!({})).await;
    assert_eq!(status, 409);
    let events: Vec<String> = events_of(&app, &first)
        .await
        .into_iter()
        .map(|e| e.event_type)
        .collect();
    assert_eq!(
        events.iter().filter(|e| *e == "quote.declined").count(),
        1,
        "{events:?}"
    );

    // The deal stays where it was and takes a new version; the declined one stays declined.
    let (_, d) = get(&app, &token, &format!("/api/v1/deals/{deal}")).await;
    assert_eq!(d["stage"], "qualified");
    let (status, second) = quote(
        &app,
        &token,
        &deal,
        json!({"lines": [{"kind": "discount", "amount_cents": 3_000_000}]}),
    )
    .await;
    assert_eq!(status, 201, "{second}");
    assert_eq!(second["version_number"], 2);
    let (_, read) = get(&app, &token, &format!("/api/v1/quotes/{first}")).await;
    assert_eq!(read["status"], "declined");
    assert_eq!(read["decline_reason"], "price");

    // An expired quote is not declined: it has lapsed.
    app.clock
        .advance(TimeDelta::days(7) + TimeDelta::minutes(1));
    let second = second["id"].as_str().unwrap();
    let (status, problem) = decline(&app, &token, second, json!({"reason": "competitor"})).await;
    assert_eq!(status, 409, "{problem}");
    let (_, read) = get(&app, &token, &format!("/api/v1/quotes/{second}")).await;
    assert_eq!(read["status"], "expired");
}

#[tokio::test]
async fn another_tenant_and_another_store_do_not_see_a_quote() {
    let app = TestApp::spawn().await;
    let team_a = team(&app).await;
    let car = new_car(&app, &team_a, "gasoline", 15_000_000).await;
    let deal = deal_with(&app, &team_a, &car).await;
    let (_, q) = quote(&app, &team_a.consultant.1, &deal, json!({})).await;
    let id = q["id"].as_str().unwrap().to_owned();
    let other_org = app.other_tenant().await;
    let other_store = app.create_store("静安店", "上海").await;
    let other_consultant = app
        .user_with_role("sales_consultant", Some(&other_store))
        .await;
    let other_manager = app
        .user_with_role("sales_manager", Some(&other_store))
        .await;
    for token in [&other_org, &other_consultant.1, &other_manager.1] {
        let (status, _) = get(&app, token, &format!("/api/v1/quotes/{id}")).await;
        assert_eq!(status, 404);
        let (status, _) = get(&app, token, &format!("/api/v1/deals/{deal}/quotes")).await;
        assert_eq!(status, 404);
        let (status, _) = accept(&app, token, &id, json!({})).await;
        assert_eq!(status, 404);
        let (status, _) = decline(&app, token, &id, json!({"reason": "price"})).await;
        assert_eq!(status, 404);
        let (status, _) = quote(&app, token, &deal, json!({})).await;
        assert_eq!(status, 404);
    }
    // The store's manager sees it; a role without deal permissions is 403.
    let manager = app
        .user_with_role("sales_manager", Some(&team_a.store))
        .await;
    let (status, _) = get(&app, &manager.1, &format!("/api/v1/quotes/{id}")).await;
    assert_eq!(status, 200);
    let service = app
        .user_with_role("service_advisor", Some(&team_a.store))
        .await;
    let (status, _) = get(&app, &service.1, &format!("/api/v1/quotes/{id}")).await;
    assert_eq!(status, 403);
    let (status, _) = decline(&app, &service.1, &id, json!({"reason": "price"})).await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn bad_input_is_422_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let team = team(&app).await;
    let token = team.consultant.1.clone();
    let car = new_car(&app, &team, "gasoline", 15_000_000).await;
    let deal = deal_with(&app, &team, &car).await;
    let bare = open_deal(&app, &team, json!({})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let cases = [
        (
            &deal,
            json!({"lines": [{"kind": "purchase_tax", "amount_cents": 1}]}),
            "lines[0].kind",
        ),
        (
            &deal,
            json!({"lines": [{"kind": "discount", "amount_cents": 15_000_001}]}),
            "lines",
        ),
        (
            &deal,
            json!({"lines": [{"kind": "trade_in_allowance", "amount_cents": 99_000_000}]}),
            "lines",
        ),
        (
            &deal,
            json!({"lines": [{"kind": "vehicle_price", "amount_cents": 1},
                             {"kind": "vehicle_price", "amount_cents": 2}]}),
            "lines[1].kind",
        ),
        (
            &deal,
            json!({"lines": [{"kind": "gift", "amount_cents": 1}]}),
            "lines[0].kind",
        ),
        (
            &deal,
            json!({"lines": [{"kind": "accessory", "amount_cents": -1}]}),
            "lines[0].amount_cents",
        ),
        (
            &deal,
            json!({"vehicle_id": "0193a5d0-1c2b-7a00-9e1f-3b4c5d6e7f80"}),
            "vehicle_id",
        ),
        (&bare, json!({}), "vehicle_id"),
        (
            &deal,
            json!({"financing": {"term_months": 36, "annual_rate_percent": 3.5,
                "method": "equal_installment"}}),
            "financing.down_payment_cents",
        ),
    ];
    for (deal, body, field) in cases {
        let (status, problem) = quote(&app, &token, deal, body.clone()).await;
        assert_eq!(status, 422, "{body}: {problem}");
        let fields = field_errors(&problem).unwrap();
        assert!(
            fields.iter().any(|(f, _)| f == field),
            "{body}: {field} not in {fields:?}"
        );
    }
    for deal in [&deal, &bare] {
        let (_, list) = get(&app, &token, &format!("/api/v1/deals/{deal}/quotes")).await;
        assert_eq!(list, json!([]));
    }
}

#[tokio::test]
async fn settings_are_read_by_sales_and_changed_by_managers_of_the_organisation() {
    let app = TestApp::spawn().await;
    let team = team(&app).await;
    let token = team.consultant.1.clone();
    let (status, rules) = get(&app, &token, "/api/v1/settings/purchase-tax").await;
    assert_eq!(status, 200);
    assert_eq!(rules["rate_basis_points"], 1000);
    assert_eq!(rules["nev_reliefs"][1]["cap_cents"], 1_500_000);
    let put = |path: &'static str, token: String, body: Value| {
        let app = &app;
        async move {
            let res = app
                .request(reqwest::Method::PUT, path, Some(&token))
                .json(&body)
                .send()
                .await
                .unwrap();
            status_and_body(res).await
        }
    };
    let (status, _) = put(
        "/api/v1/settings/quotes",
        token.clone(),
        json!({"validity_days": 3}),
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = put(
        "/api/v1/settings/quotes",
        app.admin_token.clone(),
        json!({"validity_days": 91}),
    )
    .await;
    assert_eq!(status, 422);
    let (status, _) = put(
        "/api/v1/settings/quotes",
        app.admin_token.clone(),
        json!({"validity_days": 3}),
    )
    .await;
    assert_eq!(status, 200);
    let mut overlapping = rules.clone();
    overlapping["nev_reliefs"][1]["from"] = json!("2025-12-01");
    let (status, problem) = put(
        "/api/v1/settings/purchase-tax",
        app.admin_token.clone(),
        overlapping,
    )
    .await;
    assert_eq!(status, 422, "{problem}");
    // A 5 % rate and no relief: a new-energy car pays 5 % of its net price.
    let (status, _) = put(
        "/api/v1/settings/purchase-tax",
        app.admin_token.clone(),
        json!({"rate_basis_points": 500, "vat_basis_points": 1300, "nev_reliefs": []}),
    )
    .await;
    assert_eq!(status, 200);
    let car = new_car(&app, &team, "bev", 20_000_000).await;
    let deal = deal_with(&app, &team, &car).await;
    let (status, q) = quote(&app, &token, &deal, json!({"purchase_date": "2026-12-20"})).await;
    assert_eq!(status, 201, "{q}");
    assert_eq!(
        q["purchase_tax"]["payable_cents"],
        half_up(20_000_000 * 500, 11_300)
    );
    let created = chrono::DateTime::parse_from_rfc3339(q["created_at"].as_str().unwrap()).unwrap();
    let until = chrono::DateTime::parse_from_rfc3339(q["valid_until"].as_str().unwrap()).unwrap();
    assert_eq!(until - created, TimeDelta::days(3));
}

#[tokio::test]
async fn a_won_deal_invoices_its_accepted_quote() {
    let app = TestApp::spawn().await;
    let team = team(&app).await;
    let token = team.consultant.1.clone();
    let car = new_car(&app, &team, "gasoline", 15_000_000).await;
    let deal = open_deal(
        &app,
        &team,
        json!({"vehicle": {"vehicle_id": car}, "payment": "cash"}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, q) = quote(
        &app,
        &token,
        &deal,
        json!({"lines": [
            {"kind": "discount", "label": "年终优惠", "amount_cents": 600_001},
            {"kind": "accessory", "label": "隐形车衣", "amount_cents": 350_000},
            {"kind": "insurance", "amount_cents": 580_033},
            {"kind": "extended_warranty", "label": "三年延保", "amount_cents": 300_000},
            {"kind": "registration_fee", "label": "上牌服务费", "amount_cents": 50_000},
            {"kind": "trade_in_allowance", "label": "旧车置换", "amount_cents": 3_000_000}
        ]}),
    )
    .await;
    assert_eq!(status, 201, "{q}");
    let id = q["id"].as_str().unwrap();
    let (status, accepted) = accept(
        &app,
        &token,
        id,
        json!({"waivers": [{"gate": "test_drive_agreement", "reason": "老客户增购同款"}]}),
    )
    .await;
    assert_eq!(status, 200, "{accepted}");
    for kind in ["signed_contract", "vehicle_condition_confirmation"] {
        crate::deals::file_document(&app, &token, &deal, kind).await;
    }
    for to in ["delivery", "won"] {
        let (status, body) = crate::deals::move_to(&app, &token, &deal, json!({ "to": to })).await;
        assert_eq!(status, 200, "{to}: {body}");
    }

    // The car sold at the quote's net price; deal.won carries the quote's lines.
    let (_, sold) = get(&app, &app.admin_token, &format!("/api/v1/vehicles/{car}")).await;
    let net = 15_000_000 - 600_001;
    assert_eq!(sold["status"], "sold");
    assert_eq!(sold["sold_price_cents"], net, "{sold}");
    let events = events_of(&app, &deal).await;
    let won = events
        .iter()
        .find(|e| e.event_type == "deal.won")
        .expect("deal.won");
    let payload: Value = serde_json::from_str(&won.payload).unwrap();
    let data = &payload["data"];
    assert_eq!(data["quote_id"], id, "{payload}");
    assert_eq!(data["price_cents"], net);
    // The same tax year as the quote: the same tax, computed independently here.
    assert_eq!(data["purchase_tax"]["payable_cents"], standard_tax(net));
    assert_eq!(data["fees_cents"], 50_000);
    assert_eq!(
        data["extras"],
        json!({"accessories_cents": 350_000, "insurance_cents": 580_033,
            "extended_warranty_cents": 300_000, "trade_in_allowance_cents": 3_000_000})
    );
    assert_eq!(data["total_cents"], q["totals"]["total_cents"]);
    assert_eq!(
        data["total_cents"].as_i64().unwrap(),
        net + standard_tax(net) + 50_000 + 350_000 + 580_033 + 300_000 - 3_000_000
    );
}
