//! Deals: stage gates (documents or waivers), winning (the car sold, the customer an owner
//! with the car in the garage, `deal.won` with what invoicing needs), the deal's scope
//! (owner, store, collaborators), comments with mentions, another tenant's deal, bad input.

use autocrm_persistence::models::{Lead, OutboxEvent, TenantRecord};
use serde_json::{Value, json};

use crate::attachments::{upload_path, upload_raw};
use crate::helpers::{TestApp, assert_problem, status_and_body};

/// A store, a consultant in it, and a customer the consultant owns.
pub struct Team {
    pub store: String,
    pub consultant: (String, String),
    pub customer: String,
}

pub async fn team(app: &TestApp) -> Team {
    let store = app.create_store("浦东旗舰店", "上海").await;
    let consultant = app.user_with_role("sales_consultant", Some(&store)).await;
    let customer = app
        .create_customer(
            &consultant.1,
            &json!({"name": "王建国", "phone": "13812345678"}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    Team {
        store,
        consultant,
        customer,
    }
}

/// Opens a deal from a new lead of the team's customer, as the consultant.
pub async fn open_deal(app: &TestApp, team: &Team, extra: Value) -> Value {
    let lead = app
        .insert_lead(
            &team.customer,
            Some(&team.consultant.0),
            Some(&team.store),
            "h",
        )
        .await;
    let mut body = json!({"lead_id": lead});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let (status, deal) =
        status_and_body(app.post("/api/v1/deals", &team.consultant.1, &body).await).await;
    assert_eq!(status, 201, "{deal}");
    deal
}

pub async fn move_to(app: &TestApp, token: &str, deal: &str, body: Value) -> (u16, Value) {
    status_and_body(
        app.post(&format!("/api/v1/deals/{deal}/stage"), token, &body)
            .await,
    )
    .await
}

/// Uploads a PDF to the deal and files it as `kind`.
pub async fn file_document(app: &TestApp, token: &str, deal: &str, kind: &str) {
    let mut pdf = b"%PDF-1.7\n".to_vec();
    pdf.extend_from_slice(kind.as_bytes());
    pdf.extend_from_slice(b"\n%%EOF\n");
    let res = upload_raw(
        app,
        token,
        &upload_path("deal", deal, Some(&format!("{kind}.pdf"))),
        "application/pdf",
        pdf,
    )
    .await;
    let (status, attachment) = status_and_body(res).await;
    assert_eq!(status, 201, "{attachment}");
    let (status, doc) = status_and_body(
        app.post(
            &format!("/api/v1/deals/{deal}/documents"),
            token,
            &json!({"attachment_id": attachment["id"], "kind": kind}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{doc}");
}

async fn events_of(app: &TestApp, id: &str) -> Vec<OutboxEvent> {
    let (org, id) = (app.org_id.clone(), id.to_owned());
    app.with_db(move |conn| OutboxEvent::list_for_aggregate(conn, &org, &id).unwrap())
        .await
}

#[tokio::test]
async fn gates_hold_until_documents_or_waivers_and_winning_sells_the_car() {
    let app = TestApp::spawn().await;
    let team = team(&app).await;
    let token = team.consultant.1.clone();
    let car = app
        .create_vehicle(&json!({"condition": "new", "mileage_km": 0,
            "first_registration_date": null, "store_id": team.store,
            "stock_number": "PD-2026-0815", "asking_price_cents": 21_980_000}))
        .await;
    let vin = car["vin"].as_str().unwrap().to_owned();
    let deal = open_deal(
        &app,
        &team,
        json!({"vehicle": {"stock_number": "PD-2026-0815"}, "payment": "cash",
               "expected_close_date": "2026-12-31"}),
    )
    .await;
    let id = deal["id"].as_str().unwrap().to_owned();
    assert_eq!(deal["stage"], "qualified");
    assert_eq!(deal["probability_percent"], 10);
    assert_eq!(deal["vehicle_id"], car["id"]);
    assert_eq!(deal["amount_cents"], 21_980_000);
    assert_eq!(deal["owner_id"], team.consultant.0.as_str());
    // The lead converted, with its history entry.
    let lead_id = deal["lead_id"].as_str().unwrap().to_owned();
    let org = app.org_id.clone();
    let lead = app
        .with_db(move |conn| Lead::find(conn, &org, &lead_id).unwrap().unwrap())
        .await;
    assert_eq!(lead.status, "converted");

    // Store visit and test drive are optional by default.
    let (status, body) = move_to(&app, &token, &id, json!({"to": "quote"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["probability_percent"], 50);
    // Financing approval is for loans and leases only; delivery cannot be reached by skipping contract.
    let (status, _) = move_to(&app, &token, &id, json!({"to": "delivery"})).await;
    assert_eq!(status, 409);

    // Contract needs a test-drive agreement, or a waiver with a reason.
    let (status, problem) = move_to(&app, &token, &id, json!({"to": "contract"})).await;
    assert_eq!(status, 409, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("test_drive_agreement"),
        "{problem}"
    );
    let (status, _) = move_to(
        &app,
        &token,
        &id,
        json!({"to": "contract", "waivers": [{"gate": "test_drive_agreement", "reason": "   "}]}),
    )
    .await;
    assert_eq!(status, 422);
    let (status, body) = move_to(
        &app,
        &token,
        &id,
        json!({"to": "contract", "waivers": [{"gate": "test_drive_agreement", "reason": "客户已有同款车，无需试驾"}]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let last = body["stage_changes"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["to_stage"], "contract");
    assert_eq!(
        last["waivers"]["test_drive_agreement"],
        "客户已有同款车，无需试驾"
    );

    // Delivery needs a signed contract AND a vehicle condition confirmation; no waiver.
    let (status, problem) = move_to(&app, &token, &id, json!({"to": "delivery"})).await;
    assert_eq!(status, 409);
    let detail = problem["detail"].as_str().unwrap().to_owned();
    assert!(
        detail.contains("signed_contract") && detail.contains("vehicle_condition_confirmation"),
        "{detail}"
    );
    let (status, _) = move_to(
        &app,
        &token,
        &id,
        json!({"to": "delivery", "waivers": [{"gate": "signed_contract", "reason": "稍后补签"}]}),
    )
    .await;
    assert_eq!(status, 409, "signed contract is not waivable");
    file_document(&app, &token, &id, "signed_contract").await;
    let (status, problem) = move_to(&app, &token, &id, json!({"to": "delivery"})).await;
    assert_eq!(status, 409);
    let detail = problem["detail"].as_str().unwrap().to_owned();
    assert!(
        !detail.contains("signed_contract") && detail.contains("vehicle_condition_confirmation"),
        "{detail}"
    );
    file_document(&app, &token, &id, "vehicle_condition_confirmation").await;
    let (status, body) = move_to(&app, &token, &id, json!({"to": "delivery"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["documents"].as_array().unwrap().len(), 2);

    // Won: the car sold, the customer an owner with the car in the garage, deal.won.
    let (status, body) = move_to(&app, &token, &id, json!({"to": "won"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["stage"], "won");
    assert_eq!(body["probability_percent"], 100);
    let (_, car_now) = status_and_body(
        app.get(
            &format!("/api/v1/vehicles/{}", car["id"].as_str().unwrap()),
            &app.admin_token,
        )
        .await,
    )
    .await;
    assert_eq!(car_now["status"], "sold");
    let (_, customer) = status_and_body(
        app.get(&format!("/api/v1/customers/{}", team.customer), &token)
            .await,
    )
    .await;
    assert_eq!(customer["lifecycle_stage"], "owner", "{customer}");
    let garage = app
        .get(
            &format!("/api/v1/customers/{}/vehicles", team.customer),
            &token,
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(garage.contains(&vin), "{garage}");
    let events = events_of(&app, &id).await;
    let types: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
    assert!(
        types.contains(&"deal.created") && types.contains(&"deal.stage_changed"),
        "{types:?}"
    );
    let won = events
        .iter()
        .find(|e| e.event_type == "deal.won")
        .expect("deal.won");
    let payload: Value = serde_json::from_str(&won.payload).unwrap();
    let data = if payload.get("data").is_some() {
        &payload["data"]
    } else {
        &payload
    };
    assert_eq!(data["vin"], vin.as_str(), "{payload}");
    assert_eq!(data["price_cents"], 21_980_000);
    assert_eq!(data["buyer"]["name"], "王建国");
    assert_eq!(data["buyer"]["phone_masked"], "138****5678");
    let tax = data["purchase_tax"]["payable_cents"].as_i64().unwrap();
    assert!(tax > 0, "{payload}");
    assert_eq!(
        data["total_cents"].as_i64().unwrap(),
        21_980_000 + tax + data["fees_cents"].as_i64().unwrap()
    );
    // A won deal moves no more.
    let (status, _) = move_to(&app, &token, &id, json!({"to": "delivery"})).await;
    assert_eq!(status, 409);
}

#[tokio::test]
async fn scope_tenants_collaborators_comments_and_bad_input() {
    let app = TestApp::spawn().await;
    let team = team(&app).await;
    let deal = open_deal(&app, &team, json!({"title": "王先生 汉EV"})).await;
    let id = deal["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/deals/{id}");

    // Another consultant, another tenant, finance not invited: 404.
    let other = app
        .user_with_role("sales_consultant", Some(&team.store))
        .await;
    assert_problem(app.get(&path, &other.1).await, 404, "not_found").await;
    let stranger = app.other_tenant().await;
    assert_problem(app.get(&path, &stranger).await, 404, "not_found").await;
    let finance = app.user_with_role("finance", None).await;
    assert_problem(app.get(&path, &finance.1).await, 404, "not_found").await;
    // The store's manager sees it, and the board lists it.
    let manager = app.user_with_role("sales_manager", Some(&team.store)).await;
    assert_eq!(app.get(&path, &manager.1).await.status(), 200);
    let (_, board) =
        status_and_body(app.get("/api/v1/deals?stage=qualified", &manager.1).await).await;
    assert_eq!(board["items"].as_array().unwrap().len(), 1, "{board}");
    let (_, board) = status_and_body(app.get("/api/v1/deals", &other.1).await).await;
    assert_eq!(board["items"].as_array().unwrap().len(), 0, "{board}");
    // Another consultant cannot move it either.
    assert_problem(
        app.post(&format!("{path}/stage"), &other.1, &json!({"to": "quote"}))
            .await,
        404,
        "not_found",
    )
    .await;

    // Invited, finance sees it and is notified.
    let (status, body) = status_and_body(
        app.post(
            &format!("{path}/collaborators"),
            &team.consultant.1,
            &json!({"user_id": finance.0, "role_note": "金融专员，协助设计贷款方案"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(app.get(&path, &finance.1).await.status(), 200);
    let (_, board) = status_and_body(app.get("/api/v1/deals", &finance.1).await).await;
    assert_eq!(board["items"].as_array().unwrap().len(), 1, "{board}");
    let notes = app
        .get("/api/v1/me/notifications", &finance.1)
        .await
        .text()
        .await
        .unwrap();
    assert!(notes.contains("deal.mention"), "{notes}");
    // Twice is a conflict.
    let res = app
        .post(
            &format!("{path}/collaborators"),
            &team.consultant.1,
            &json!({"user_id": finance.0}),
        )
        .await;
    assert_eq!(res.status(), 409);

    // Comments: a mention of a user of another organisation is 422; of a colleague, notified.
    let res = app
        .post(
            &format!("{path}/comments"),
            &finance.1,
            &json!({"body": "@经理 能否再让2000元？", "mentions": [uuid::Uuid::now_v7().to_string()]}),
        )
        .await;
    assert_problem(res, 422, "validation_failed").await;
    let (status, body) = status_and_body(
        app.post(
            &format!("{path}/comments"),
            &finance.1,
            &json!({"body": "@李经理 客户希望再让2000元，能否申请？", "mentions": [manager.0]}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (_, comments) = status_and_body(
        app.get(&format!("{path}/comments"), &team.consultant.1)
            .await,
    )
    .await;
    assert_eq!(comments["items"][0]["mentions"][0], manager.0.as_str());
    let notes = app
        .get("/api/v1/me/notifications", &manager.1)
        .await
        .text()
        .await
        .unwrap();
    assert!(notes.contains("deal.mention"), "{notes}");

    // Bad input.
    let token = &team.consultant.1;
    for body in [
        json!({}),
        json!({"lead_id": uuid::Uuid::now_v7().to_string()}),
        json!({"customer_id": team.customer, "amount_cents": -1}),
        json!({"customer_id": team.customer, "payment": "bitcoin"}),
        json!({"customer_id": team.customer, "vehicle": {"vin": "X", "stock_number": "Y"}}),
        json!({"customer_id": team.customer, "vehicle": {"stock_number": "NO-SUCH"}}),
        json!({"customer_id": team.customer, "colour": "red"}),
    ] {
        let res = app.post("/api/v1/deals", token, &body).await;
        assert_eq!(res.status(), 422, "{body}: {}", res.text().await.unwrap());
    }
    let res = app
        .post(&format!("{path}/stage"), token, &json!({"to": "flying"}))
        .await;
    assert_eq!(res.status(), 422);
    let res = app
        .post(&format!("{path}/stage"), token, &json!({"to": "lost"}))
        .await;
    assert_eq!(res.status(), 409);
    let res = app.get("/api/v1/deals?stage=flying", token).await;
    assert_eq!(res.status(), 400);
    // A converted lead opens no second deal.
    let res = app
        .post("/api/v1/deals", token, &json!({"lead_id": deal["lead_id"]}))
        .await;
    assert_eq!(res.status(), 409);
    // Consultants do not reassign; managers do.
    let res = app
        .patch(&path, token, &json!({"owner_id": other.0}), None)
        .await;
    assert_eq!(res.status(), 403);
    let (status, body) = status_and_body(
        app.patch(
            &path,
            &manager.1,
            &json!({"owner_id": other.0, "amount_cents": 20_000_000}),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["amount_cents"], 20_000_000);
    assert_eq!(app.get(&path, &other.1).await.status(), 200);

    // Settings: read by deal readers, changed by general managers and admins, validated.
    let (status, settings) = status_and_body(app.get("/api/v1/settings/deals", token).await).await;
    assert_eq!(status, 200);
    assert_eq!(settings["probability_percent"]["quote"], 50);
    let res = app
        .request(reqwest::Method::PUT, "/api/v1/settings/deals", Some(token))
        .json(&settings)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let mut bad = settings.clone();
    bad["probability_percent"]["quote"] = json!(5);
    let res = app
        .request(
            reqwest::Method::PUT,
            "/api/v1/settings/deals",
            Some(&app.admin_token),
        )
        .json(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let mut good = settings.clone();
    good["optional_stages"] = json!(["store_visit", "test_drive", "quote"]);
    good["gates"] = json!({});
    let res = app
        .request(
            reqwest::Method::PUT,
            "/api/v1/settings/deals",
            Some(&app.admin_token),
        )
        .json(&good)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // Without gates, contract is reached without a document.
    let (status, body) = move_to(&app, &manager.1, &id, json!({"to": "contract"})).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn a_consultant_claims_a_pool_lead_before_opening_its_deal() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let pooled = app
        .insert_lead(&t.customer, None, Some(&t.store), "a")
        .await;
    let res = app
        .post(
            "/api/v1/deals",
            &t.consultant.1,
            &json!({"lead_id": pooled}),
        )
        .await;
    crate::helpers::assert_problem(res, 409, "invalid_transition").await;
    let res = app
        .post(
            &format!("/api/v1/leads/{pooled}/claim"),
            &t.consultant.1,
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let res = app
        .post(
            "/api/v1/deals",
            &t.consultant.1,
            &json!({"lead_id": pooled}),
        )
        .await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
}
