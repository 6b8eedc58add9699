//! Financing applications: the stored quote, the workflow from draft to funded, who may
//! move an application, and the outbox and audit trail each change leaves.

use autocrm_persistence::models::{AuditEntry, OutboxEvent};
use serde_json::{Value, json};

use super::{
    APPLICATIONS, METHODS, calculate, create_product, i, invariants, plan, product_body, same_plan,
    with,
};
use crate::helpers::{Call, Expect, FORBIDDEN, Mismatches, NO_ITEMS, NOT_FOUND, TestApp, has};

/// The outbox events and audit entries of one application, read from the database.
async fn events_of(app: &TestApp, application_id: &str) -> (Vec<OutboxEvent>, Vec<AuditEntry>) {
    let org = app.org_id.clone();
    let id = application_id.to_owned();
    app.with_db(move |conn| {
        let events = OutboxEvent::list_for_aggregate(conn, &org, &id).unwrap();
        let audit = AuditEntry::list_for_entity(conn, &org, "financing_application", &id).unwrap();
        (events, audit)
    })
    .await
}

/// The statuses an application's events moved it to, oldest first.
async fn statuses_emitted(app: &TestApp, application_id: &str) -> Vec<String> {
    let (events, _) = events_of(app, application_id).await;
    events
        .iter()
        .map(|e| {
            let payload: Value = serde_json::from_str(&e.payload).unwrap();
            payload["data"]["to_status"].as_str().unwrap().to_owned()
        })
        .collect()
}

/// A status change the workflow does not allow from where the application stands.
const REFUSED: Expect = Expect::Problem(409, "invalid_transition");

fn status_path(id: &str) -> String {
    format!("{APPLICATIONS}/{id}/status")
}

/// A status change, as a row of a table.
fn change(name: &str, token: &str, id: &str, body: Value, expect: Expect) -> Call {
    Call::post(name, token, status_path(id), body).expect(expect)
}

async fn change_status_ok(app: &TestApp, token: &str, id: &str, body: &Value) -> Value {
    let res = app.post(&status_path(id), token, body).await;
    let status = res.status();
    let text = res.text().await.unwrap();
    assert_eq!(status, 200, "status change {body}: {text}");
    serde_json::from_str(&text).unwrap()
}

async fn create_application(app: &TestApp, token: &str, body: &Value) -> Value {
    let res = app.post(APPLICATIONS, token, body).await;
    let status = res.status();
    let text = res.text().await.unwrap();
    assert_eq!(status, 201, "create application: {text}");
    serde_json::from_str(&text).unwrap()
}

/// An application walked from draft to funded by staff and a finance system, meeting the
/// refusals on the way and after.
struct Funded {
    id: String,
    customer_id: String,
    product_id: String,
    lender: String,
    plan: Value,
    created: Value,
    /// The bodies of the walk's steps (`None` where a step did not answer as expected).
    steps: Vec<Option<Value>>,
}

async fn walk_to_funded(app: &TestApp, m: &mut Mismatches) -> Funded {
    use Expect::{Invalid, Status};
    let customer = app
        .create_customer(
            &app.admin_token,
            &json!({"name": "李娜", "phone": "13912345678"}),
        )
        .await;
    let customer_id = customer["id"].as_str().unwrap().to_owned();
    let product = create_product(app, &app.admin_token, &product_body("36期免息")).await;
    let product_id = product["id"].as_str().unwrap().to_owned();
    let lender = app
        .integration_token(&["financing:write", "financing:read"])
        .await;
    let plan = with(
        &plan("equal_installment"),
        json!({"vehicle_price_cents": 15_000_000, "down_payment_cents": 5_000_000}),
    );
    let created = create_application(
        app,
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
    let staff = app.admin_token.as_str();
    let to = |status: &str| json!({"status": status});
    let more = json!({"status": "more_info_needed", "note": "请补充收入证明"});
    let resubmit = json!({"status": "submitted", "documents": [
        {"kind": "income_proof", "name": "收入证明.pdf", "uri": "s3://docs/income.pdf"}]});
    let approve = json!({"status": "approved", "note": "批准"});
    let now = |status: &'static str| has(json!({"status": status}));
    #[rustfmt::skip]
    let walk = [
        // The finance system cannot approve a draft: it must be submitted first.
        change("the lender approves a draft", &lender, &id, to("approved"), REFUSED),
        change("staff submit", staff, &id, to("submitted"), Status(200)).and(now("submitted")),
        // The lender asks for more, staff resubmit, the lender approves.
        change("the lender asks for more", &lender, &id, more, Status(200)).and(now("more_info_needed")),
        change("staff resubmit with an income proof", staff, &id, resubmit, Status(200)),
        change("the lender approves", &lender, &id, approve, Status(200)).and(now("approved")),
        // Funding before signing is not a transition; signing is the dealership's step.
        change("the lender funds before signing", &lender, &id, to("funded"), REFUSED),
        change("the lender signs", &lender, &id, to("signed"), FORBIDDEN),
        change("staff sign", staff, &id, to("signed"), Status(200)),
        change("the lender funds", &lender, &id, to("funded"), Status(200)).and(now("funded")),
        // Funded is final.
        change("staff cancel it when funded", staff, &id, to("cancelled"), REFUSED),
        change("staff resubmit it when funded", staff, &id, to("submitted"), REFUSED),
        change("staff approve it when funded", staff, &id, to("approved"), REFUSED),
        change("staff take it back to draft when funded", staff, &id, to("draft"), REFUSED),
        change("staff set an unknown status", staff, &id, to("paid"), Invalid(&[("status", "not_allowed")])),
    ];
    let steps = app.run_calls(m, walk).await;
    Funded {
        id,
        customer_id,
        product_id,
        lender,
        plan,
        created,
        steps,
    }
}

#[tokio::test]
async fn an_application_goes_from_draft_to_funded_with_a_finance_system() {
    let app = TestApp::spawn().await;
    let mut m = Mismatches::new();
    let walk = walk_to_funded(&app, &mut m).await;
    let created = &walk.created;
    let case = "the created application";
    m.eq(case, &created["status"], &json!("draft"));
    m.eq(case, &created["version"], &json!(1));
    m.eq(case, &created["customer_id"], &json!(walk.customer_id));
    m.eq(case, &created["product_id"], &json!(walk.product_id));
    m.check(case, same_plan(&created["plan"], &walk.plan));
    // Priced at the promotional 0 %, with the dealer's subsidy at the standard 4.85 %.
    m.eq(case, i(&created["quote"]["total_interest_cents"]), 0);
    m.eq(case, i(&created["quote"]["fees_cents"]), 50_000);
    m.eq(case, i(&created["subsidy_cents"]), 765_294);
    m.check(case, invariants(&created["quote"], 36));
    let history = created["history"].as_array().unwrap();
    m.eq(case, history.len(), 1);
    m.that(
        case,
        history[0]["from_status"].is_null(),
        "no status before draft",
    );
    m.eq(case, &history[0]["to_status"], &json!("draft"));
    m.eq(case, &history[0]["actor_role"], &json!("admin"));
    m.eq(case, &history[0]["note"], &json!("客户希望36期"));

    let [_, submitted, _, resubmitted, _, _, _, _, funded, ..] = walk.steps.as_slice() else {
        panic!("a body for every step");
    };
    if let Some(submitted) = submitted {
        m.eq("submitted", &submitted["version"], &json!(2));
    }
    if let Some(resubmitted) = resubmitted {
        m.eq(
            "resubmitted with an income proof",
            resubmitted["documents"].as_array().map(Vec::len),
            Some(2),
        );
    }
    if let Some(funded) = funded {
        m.eq("funded", &funded["version"], &json!(7));
        // The quote never changes along the way.
        m.eq("funded", &funded["quote"], &created["quote"]);
        m.eq(
            "funded",
            &funded["subsidy_cents"],
            &created["subsidy_cents"],
        );
    }
    m.assert_none();
}

#[tokio::test]
async fn a_funded_application_shows_its_history_and_left_one_event_and_audit_entry_per_change() {
    let app = TestApp::spawn().await;
    let mut m = Mismatches::new();
    let Funded {
        id,
        customer_id,
        lender,
        ..
    } = walk_to_funded(&app, &mut m).await;

    // The history, oldest first, with who did what.
    let got: Value = app
        .get(&format!("{APPLICATIONS}/{id}"), &lender)
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
    m.eq("the history", &steps, &expected.to_vec());
    m.eq("the history", &history[2]["note"], &json!("请补充收入证明"));
    m.eq("the history", &history[4]["note"], &json!("批准"));
    let list: Value = app
        .get(&format!("{APPLICATIONS}?status=funded"), &lender)
        .await
        .json()
        .await
        .unwrap();
    m.eq("the funded list", &list["items"][0]["id"], &json!(id));
    m.that(
        "the funded list",
        list["items"][0].get("history").is_none(),
        "history only on single reads",
    );
    let list: Value = app
        .get(&format!("{APPLICATIONS}?status=draft"), &lender)
        .await
        .json()
        .await
        .unwrap();
    m.eq("the draft list", &list["items"], &json!([]));

    // One outbox event and one audit entry per status, written with the change.
    let (events, audit) = events_of(&app, &id).await;
    let changes: Vec<&OutboxEvent> = events
        .iter()
        .filter(|e| e.event_type == "financing.status_changed")
        .collect();
    m.eq(
        format!("status events in {events:?}"),
        changes.len(),
        expected.len(),
    );
    for (event, (from, to, _)) in changes.iter().zip(expected.iter()) {
        let case = format!("the event to {to}");
        m.eq(
            &case,
            event.aggregate_type.as_str(),
            "financing_application",
        );
        m.that(
            &case,
            event.published_at.is_none(),
            "published before any worker ran",
        );
        let payload: Value = serde_json::from_str(&event.payload).unwrap();
        m.eq(&case, &payload["type"], &json!("financing.status_changed"));
        m.eq(&case, &payload["id"], &json!(event.id));
        m.eq(&case, &payload["org_id"], &json!(app.org_id));
        m.eq(&case, &payload["data"]["from_status"], from);
        m.eq(&case, &payload["data"]["to_status"], to);
        m.eq(&case, &payload["data"]["application_id"], &json!(id));
        m.eq(&case, &payload["data"]["customer_id"], &json!(customer_id));
    }
    let audited: Vec<&AuditEntry> = audit
        .iter()
        .filter(|a| a.action == "financing.status_changed")
        .collect();
    m.eq(
        format!("status audit entries in {audit:?}"),
        audited.len(),
        7,
    );
    if let [_, _, _, _, fifth, _, seventh] = audited.as_slice() {
        m.eq(
            "the fifth audit entry",
            fifth.actor_role.as_str(),
            "integration",
        );
        let detail: Value = serde_json::from_str(&seventh.detail).unwrap();
        m.eq(
            "the seventh audit entry",
            detail,
            json!({"from": "signed", "to": "funded"}),
        );
    }
    // Refused changes left nothing behind.
    m.eq("all events", events.len(), 7);
    m.assert_none();
}

/// A consultant's application, already submitted, with the set-up the tests below share.
struct Submitted {
    store: String,
    consultant: String,
    /// The body that opened the application.
    body: Value,
    id: String,
}

async fn a_submitted_application(app: &TestApp) -> Submitted {
    let store = app.create_store("浦东店", "上海").await;
    let (_, consultant) = app.user_with_role("sales_consultant", Some(&store)).await;
    let customer = app
        .create_customer(
            &consultant,
            &json!({"name": "王芳", "phone": "13700001111"}),
        )
        .await;
    let body = json!({"customer_id": customer["id"], "plan": plan("equal_principal")});
    let created = create_application(app, &consultant, &body).await;
    assert_eq!(i(&created["subsidy_cents"]), 0);
    assert!(created["product_id"].is_null());
    let id = created["id"].as_str().unwrap().to_owned();
    let submitted = change_status_ok(app, &consultant, &id, &json!({"status": "submitted"})).await;
    assert_eq!(submitted["version"], 2);
    Submitted {
        store,
        consultant,
        body,
        id,
    }
}

/// Colleagues, read-only machines and other organisations: who may see, open and move an
/// application. None of the refusals leaves an event.
#[tokio::test]
async fn who_may_see_open_and_move_an_application() {
    use Expect::{Invalid, Problem, Status};
    let app = TestApp::spawn().await;
    let Submitted {
        store,
        consultant,
        body,
        id,
    } = a_submitted_application(&app).await;
    let (_, colleague) = app.user_with_role("sales_consultant", Some(&store)).await;
    let reader = app.integration_token(&["financing:read"]).await;
    let other = app.other_tenant().await;
    let path = format!("{APPLICATIONS}/{id}");
    let to = |status: &str| json!({"status": status});
    let unknown = uuid::Uuid::now_v7().to_string();
    let not_ours = Invalid(&[("customer_id", "not_found")]);
    let mut m = Mismatches::new();
    #[rustfmt::skip]
    let calls = [
        // A colleague cannot see another consultant's customer, nor open an application for them.
        Call::get("a colleague reads it", &colleague, &path).expect(NOT_FOUND),
        Call::post("a colleague opens one for the customer", &colleague, APPLICATIONS, body.clone()).expect(not_ours.clone()),
        Call::get("a colleague lists applications", &colleague, APPLICATIONS).expect(NO_ITEMS),
        // The consultant submits, but cannot decide for the lender.
        change("the consultant approves", &consultant, &id, to("approved"), FORBIDDEN),
        change("the consultant rejects", &consultant, &id, to("rejected"), FORBIDDEN),
        change("the consultant asks for more", &consultant, &id, to("more_info_needed"), FORBIDDEN),
        // A machine client with only read access cannot either, and does not open applications.
        change("a reading machine approves", &reader, &id, to("approved"), FORBIDDEN),
        Call::get("a reading machine reads it", &reader, &path).expect(Status(200)),
        Call::post("a reading machine opens one", &reader, APPLICATIONS, body.clone()).expect(FORBIDDEN),
        Call::get("a bogus status filter", &consultant, format!("{APPLICATIONS}?status=bogus"))
            .expect(Problem(400, "invalid_query")),
        // Another organisation sees nothing and changes nothing, nor may it open an application
        // for this organisation's customer.
        Call::get("another organisation reads it", &other, &path).expect(NOT_FOUND),
        change("another organisation moves it", &other, &id, to("submitted"), NOT_FOUND),
        Call::get("another organisation lists", &other, APPLICATIONS).expect(NO_ITEMS),
        Call::post("another organisation opens one for our customer", &other, APPLICATIONS, body.clone())
            .expect(not_ours.clone()),
        change("staff move an unknown application", &app.admin_token, &unknown, to("submitted"), NOT_FOUND),
    ];
    app.run_calls(&mut m, calls).await;
    m.eq(
        "refusals emit nothing",
        statuses_emitted(&app, &id).await,
        ["draft", "submitted"],
    );
    m.assert_none();
}

/// A stale version is refused; rejected and cancelled are final.
#[tokio::test]
async fn versions_guard_status_changes_and_rejected_and_cancelled_are_final() {
    use Expect::{Count, Problem, Status};
    let app = TestApp::spawn().await;
    let Submitted {
        consultant,
        body,
        id,
        ..
    } = a_submitted_application(&app).await;
    let (_, finance) = app.user_with_role("finance", None).await;
    let to = |status: &str| json!({"status": status});
    let reject = json!({"status": "rejected", "note": "征信不足"});
    let mut m = Mismatches::new();
    #[rustfmt::skip]
    let calls = [
        // A stale If-Match is 412 and changes nothing.
        change("staff cancel at a stale version", &app.admin_token, &id, to("cancelled"), Problem(412, "version_mismatch"))
            .if_match(1).and(has(json!({"current_version": 2}))),
        // The finance role decides: rejected is final.
        change("finance rejects at the current version", &finance, &id, reject, Status(200))
            .if_match(2).and(has(json!({"status": "rejected"}))),
        change("finance resubmits it when rejected", &finance, &id, to("submitted"), REFUSED),
        change("finance cancels it when rejected", &finance, &id, to("cancelled"), REFUSED),
        change("finance approves it when rejected", &finance, &id, to("approved"), REFUSED),
        change("finance signs it when rejected", &finance, &id, to("signed"), REFUSED),
    ];
    app.run_calls(&mut m, calls).await;
    m.eq(
        "refusals emit nothing",
        statuses_emitted(&app, &id).await,
        ["draft", "submitted", "rejected"],
    );

    // A second application: cancelled from submitted by its consultant.
    let second = create_application(&app, &consultant, &body).await;
    let second_id = second["id"].as_str().unwrap();
    #[rustfmt::skip]
    let calls = [
        change("the consultant submits it", &consultant, second_id, to("submitted"), Status(200)),
        change("the consultant cancels it", &consultant, second_id, to("cancelled"), Status(200))
            .and(has(json!({"status": "cancelled"}))),
        change("the consultant resubmits it when cancelled", &consultant, second_id, to("submitted"), REFUSED),
        // The consultant lists both of theirs.
        Call::get("the consultant lists", &consultant, APPLICATIONS).expect(Count(2)),
    ];
    app.run_calls(&mut m, calls).await;
    m.assert_none();
}

#[tokio::test]
async fn an_application_stores_the_quote_exactly_as_calculated() {
    use Expect::{Count, Invalid};
    let app = TestApp::spawn().await;
    let mut m = Mismatches::new();
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
        m.eq(
            format!("{method}: stored as quoted"),
            &created["quote"],
            &quote,
        );
        m.check(method, same_plan(&created["plan"], &plan));
        let got: Value = app
            .get(
                &format!("{APPLICATIONS}/{}", created["id"].as_str().unwrap()),
                &app.admin_token,
            )
            .await
            .json()
            .await
            .unwrap();
        m.eq(
            format!("{method}: read back unchanged"),
            &got["quote"],
            &quote,
        );
    }

    // An invalid plan names its fields under `plan.`, and writes nothing; so does an unknown
    // customer or product.
    let admin = app.admin_token.as_str();
    let open = |name: &str, body: Value, expect: Expect| {
        Call::post(name, admin, APPLICATIONS, body).expect(expect)
    };
    let customer_id = &customer["id"];
    let unknown = uuid::Uuid::now_v7().to_string();
    let imprecise = with(
        &plan("equal_installment"),
        json!({"term_months": 0, "annual_rate_percent": 4.12345}),
    );
    let big_balloon = with(&plan("balloon"), json!({"balloon_cents": 20_000_000}));
    #[rustfmt::skip]
    let calls = [
        open("a plan of 0 months at too precise a rate", json!({"customer_id": customer_id, "plan": imprecise}),
             Invalid(&[("plan.term_months", "out_of_range"), ("plan.annual_rate_percent", "too_many_decimals")])),
        open("a balloon above the price", json!({"customer_id": customer_id, "plan": big_balloon}),
             Invalid(&[("plan.balloon_cents", "out_of_range")])),
        open("an unknown customer", json!({"customer_id": unknown, "plan": plan("flat_rate")}),
             Invalid(&[("customer_id", "not_found")])),
        open("an unknown product",
             json!({"customer_id": customer_id, "product_id": unknown, "plan": plan("equal_installment")}),
             Invalid(&[("product_id", "not_found")])),
        // None of them wrote anything.
        Call::get("the applications after it all", admin, format!("{APPLICATIONS}?limit=200"))
            .expect(Count(METHODS.len())),
    ];
    app.run_calls(&mut m, calls).await;
    m.assert_none();
}
