//! Handover (离职交接): the dry run counts and writes nothing; the real run moves customers,
//! open leads, open tasks, open deals and future test drives to colleagues, one customer's
//! records to one colleague; done tasks and past drives stay; who may; test-drive clashes.

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, field_errors, status_and_body};
use crate::reservations::vehicle;

/// 08:00 in Shanghai three days from now (tests set the server's clock to it).
fn morning() -> DateTime<Utc> {
    let day = (Utc::now() + TimeDelta::days(3)).date_naive();
    day.and_hms_opt(0, 0, 0).unwrap().and_utc()
}

/// `hh:mm` Shanghai time on that day, as UTC text.
fn at(local: &str) -> String {
    let (h, m) = local.split_once(':').unwrap();
    let t = morning()
        + TimeDelta::hours(h.parse::<i64>().unwrap() - 8)
        + TimeDelta::minutes(m.parse().unwrap());
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn handover_path(user: &str) -> String {
    format!("/api/v1/users/{user}/handover")
}

struct Setup {
    app: TestApp,
    store: String,
    /// The consultant who leaves.
    leaver: String,
    b: String,
    b_token: String,
    c: String,
    c_token: String,
    customers: Vec<String>,
    leads: Vec<String>,
}

async fn setup() -> Setup {
    let app = TestApp::spawn_at(morning()).await;
    let store = app.create_store("上海徐汇店", "上海").await;
    let (leaver, _) = app.user_with_role("sales_consultant", Some(&store)).await;
    let (b, b_token) = app.user_with_role("sales_consultant", Some(&store)).await;
    let (c, c_token) = app.user_with_role("sales_consultant", Some(&store)).await;
    let mut customers = Vec::new();
    let mut leads = Vec::new();
    for name in ["王建国", "李娜", "张伟", "刘洋"] {
        let id = app
            .create_customer(
                &app.admin_token,
                &json!({"name": name, "owner_id": leaver, "store_id": store}),
            )
            .await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        leads.push(app.insert_lead(&id, Some(&leaver), Some(&store), "a").await);
        customers.push(id);
    }
    Setup {
        app,
        store,
        leaver,
        b,
        b_token,
        c,
        c_token,
        customers,
        leads,
    }
}

/// Writes a task straight into the database; answers its id.
async fn insert_task(
    app: &TestApp,
    owner: &str,
    customer: &str,
    lead: Option<&str>,
    status: &str,
) -> String {
    let now = app.clock_now().naive_utc();
    let task = autocrm_persistence::models::Task {
        id: autocrm_persistence::db::new_id(),
        org_id: app.org_id.clone(),
        store_id: None,
        owner_id: Some(owner.to_owned()),
        lead_id: lead.map(str::to_owned),
        deal_id: None,
        customer_id: Some(customer.to_owned()),
        kind: "manual".into(),
        title: "回访客户".into(),
        note: None,
        status: status.into(),
        due_at: now + TimeDelta::days(1),
        escalation_step: 0,
        dedupe_key: None,
        activity_id: None,
        completed_at: (status == "done").then_some(now),
        completed_by: (status == "done").then(|| owner.to_owned()),
        created_by: "test".into(),
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let id = task.id.clone();
    app.with_db(move |conn| {
        use autocrm_persistence::models::TenantRecord;
        task.insert(conn).unwrap()
    })
    .await;
    id
}

async fn owner_of(app: &TestApp, table: &'static str, id: &str) -> Option<String> {
    use autocrm_persistence::models::*;
    let (org, id) = (app.org_id.clone(), id.to_owned());
    app.with_db(move |conn| match table {
        "customers" => Customer::find(conn, &org, &id).unwrap().unwrap().owner_id,
        "leads" => Lead::find(conn, &org, &id).unwrap().unwrap().owner_id,
        "tasks" => Task::find(conn, &org, &id).unwrap().unwrap().owner_id,
        "deals" => Deal::find(conn, &org, &id).unwrap().unwrap().owner_id,
        "test_drives" => Some(
            TestDrive::find(conn, &org, &id)
                .unwrap()
                .unwrap()
                .consultant_id,
        ),
        "invitations" => Some(
            StoreVisitInvitation::find(conn, &org, &id)
                .unwrap()
                .unwrap()
                .consultant_id,
        ),
        _ => unreachable!(),
    })
    .await
}

async fn create(app: &TestApp, path: &str, body: &Value) -> String {
    let (status, body) = status_and_body(app.post(path, &app.admin_token, body).await).await;
    assert_eq!(status, 201, "{path}: {body}");
    body["id"].as_str().unwrap().to_owned()
}

/// Tables a dry run must leave as they are.
const WRITTEN: [&str; 11] = [
    "customers",
    "store_visit_invitations",
    "leads",
    "lead_history",
    "tasks",
    "deals",
    "test_drives",
    "test_drive_slots",
    "handovers",
    "audit_log",
    "notifications",
];

async fn snapshot(app: &TestApp) -> Vec<Vec<String>> {
    let rows = app.all_rows().await;
    WRITTEN.iter().map(|t| rows[*t].clone()).collect()
}

#[tokio::test]
async fn a_dry_run_counts_and_the_real_run_splits_by_customer() {
    let s = setup().await;
    let app = &s.app;
    let [c1, c2, c3, c4] = [0, 1, 2, 3].map(|i| s.customers[i].clone());
    // Tasks: one of c1's lead, one of c2 alone, one done (stays).
    let lead_task = insert_task(app, &s.leaver, &c1, Some(&s.leads[0]), "open").await;
    let lone_task = insert_task(app, &s.leaver, &c2, None, "open").await;
    let done_task = insert_task(app, &s.leaver, &c3, None, "done").await;
    // Deals of c1 and c3 (owned by the customers' owner).
    let deal1 = create(app, "/api/v1/deals", &json!({"customer_id": c1})).await;
    let deal3 = create(app, "/api/v1/deals", &json!({"customer_id": c3})).await;
    // Test drives: c4 at 09:00 (past once the clock moves), c2 at 15:00 (future).
    let car = vehicle(app, Some(&s.store)).await;
    let drive = |customer: &str, from: &str, to: &str| {
        json!({"vehicle_id": car, "customer_id": customer, "consultant_id": s.leaver,
               "starts_at": at(from), "ends_at": at(to)})
    };
    let past_drive = create(app, "/api/v1/test-drives", &drive(&c4, "09:00", "09:30")).await;
    let future_drive = create(app, "/api/v1/test-drives", &drive(&c2, "15:00", "16:00")).await;
    // A store-visit invitation of c3's, waiting for its outcome: it follows c3 to B.
    let invitation = create(
        app,
        "/api/v1/store-visit-invitations",
        &json!({"customer_id": c3, "consultant_id": s.leaver, "appointment_at": at("17:00")}),
    )
    .await;
    app.clock.set(morning() + TimeDelta::hours(2));

    let before = snapshot(app).await;
    let body = json!({"targets": [{"user_id": s.b}, {"user_id": s.c}], "dry_run": true,
                      "reason": "顾问离职"});
    let (status, plan) = status_and_body(
        app.post(&handover_path(&s.leaver), &app.admin_token, &body)
            .await,
    )
    .await;
    assert_eq!(status, 200, "{plan}");
    assert_eq!(plan["id"], Value::Null);
    assert_eq!(
        plan["counts"],
        json!({"customers": 4, "leads": 4, "tasks": 2, "deals": 2, "test_drives": 1,
               "invitations": 1})
    );
    // Round robin by customer: c1, c3 to B; c2, c4 to C.
    assert_eq!(plan["targets"][0]["user_id"], s.b.as_str());
    assert_eq!(
        plan["targets"][0]["counts"],
        json!({"customers": 2, "leads": 2, "tasks": 1, "deals": 2, "test_drives": 0,
               "invitations": 1})
    );
    assert_eq!(
        plan["targets"][1]["counts"],
        json!({"customers": 2, "leads": 2, "tasks": 1, "deals": 0, "test_drives": 1,
               "invitations": 0})
    );
    assert_eq!(plan["clashes"], json!([]));
    assert_eq!(snapshot(app).await, before, "a dry run writes nothing");

    let body = json!({"targets": [{"user_id": s.b}, {"user_id": s.c}], "reason": "顾问离职"});
    let (status, done) = status_and_body(
        app.post(&handover_path(&s.leaver), &app.admin_token, &body)
            .await,
    )
    .await;
    assert_eq!(status, 201, "{done}");
    assert_eq!(done["counts"], plan["counts"]);
    assert_eq!(done["targets"], plan["targets"]);
    let handover_id = done["id"].as_str().unwrap().to_owned();

    let expect = [
        ("customers", c1.clone(), &s.b),
        ("customers", c3.clone(), &s.b),
        ("customers", c2.clone(), &s.c),
        ("customers", c4.clone(), &s.c),
        ("leads", s.leads[0].clone(), &s.b),
        ("leads", s.leads[1].clone(), &s.c),
        ("leads", s.leads[2].clone(), &s.b),
        ("leads", s.leads[3].clone(), &s.c),
        ("tasks", lead_task, &s.b),
        ("tasks", lone_task, &s.c),
        ("tasks", done_task, &s.leaver),
        ("deals", deal1, &s.b),
        ("deals", deal3, &s.b),
        ("test_drives", future_drive.clone(), &s.c),
        ("test_drives", past_drive, &s.leaver),
        ("invitations", invitation, &s.b),
    ];
    for (table, id, owner) in expect {
        assert_eq!(
            owner_of(app, table, &id).await.as_deref(),
            Some(owner.as_str()),
            "{table} {id}"
        );
    }
    // The moved drive's consultant slots are C's: C cannot be booked then any more.
    let car2 = vehicle(app, Some(&s.store)).await;
    let (status, _) = status_and_body(
        app.post(
            "/api/v1/test-drives",
            &app.admin_token,
            &json!({"vehicle_id": car2, "customer_id": c2, "consultant_id": s.c,
                    "starts_at": at("15:00"), "ends_at": at("15:30")}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 409);
    // ... and the leaver can.
    let (status, body) = status_and_body(
        app.post(
            "/api/v1/test-drives",
            &app.admin_token,
            &json!({"vehicle_id": car2, "customer_id": c2, "consultant_id": s.leaver,
                    "starts_at": at("15:00"), "ends_at": at("15:30")}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{body}");

    // Audited once with the counts, each lead's history says handed_over.
    let actions = app.audit_actions("user", &s.leaver).await;
    assert!(
        actions.contains(&"user.handed_over".to_owned()),
        "{actions:?}"
    );
    let (status, history) = status_and_body(
        app.get(
            &format!("/api/v1/leads/{}/history", s.leads[0]),
            &app.admin_token,
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
    assert!(history.to_string().contains("handed_over"), "{history}");
    // One summary per colleague, no notification per lead.
    for token in [&s.b_token, &s.c_token] {
        let (_, inbox) = status_and_body(app.get("/api/v1/me/notifications", token).await).await;
        let kinds: Vec<&str> = inbox["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["handover.received"], "{inbox}");
    }
    // The record.
    let (status, list) = status_and_body(
        app.get(
            &format!("/api/v1/handovers?from_user_id={}", s.leaver),
            &app.admin_token,
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list["items"][0]["id"], handover_id.as_str());
    assert_eq!(list["items"][0]["counts"], done["counts"]);
    // Nothing left but the drive just booked with the leaver.
    let (status, again) = status_and_body(
        app.post(
            &handover_path(&s.leaver),
            &app.admin_token,
            &json!({"targets": [{"user_id": s.b}], "dry_run": true, "reason": "再查一次"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        again["counts"],
        json!({"customers": 0, "leads": 0, "tasks": 0, "deals": 0, "test_drives": 1,
               "invitations": 0})
    );
}

#[tokio::test]
async fn shares_weight_the_split_and_include_narrows_it() {
    let s = setup().await;
    let app = &s.app;
    let body = json!({"targets": [{"user_id": s.b, "share": 3}, {"user_id": s.c}],
                      "reason": "调店", "include": ["customers"]});
    let (status, done) = status_and_body(
        app.post(&handover_path(&s.leaver), &app.admin_token, &body)
            .await,
    )
    .await;
    assert_eq!(status, 201, "{done}");
    assert_eq!(done["targets"][0]["counts"]["customers"], 3);
    assert_eq!(done["targets"][1]["counts"]["customers"], 1);
    assert_eq!(done["counts"]["leads"], 0);
    // The leads stayed.
    for lead in &s.leads {
        assert_eq!(
            owner_of(app, "leads", lead).await.as_deref(),
            Some(s.leaver.as_str())
        );
    }
}

#[tokio::test]
async fn who_may_hand_over_and_which_colleagues() {
    let s = setup().await;
    let app = &s.app;
    let dry = |targets: Value| json!({"targets": targets, "dry_run": true, "reason": "离职"});
    let path = handover_path(&s.leaver);
    let one = dry(json!([{"user_id": s.b}]));

    // A consultant: 403.
    let (_, consultant) = app.user_with_role("sales_consultant", Some(&s.store)).await;
    assert_problem(app.post(&path, &consultant, &one).await, 403, "forbidden").await;
    // A sales manager of another store: 404; of the store: allowed.
    let other_store = app.create_store("上海浦东店", "上海").await;
    let (_, far_manager) = app
        .user_with_role("sales_manager", Some(&other_store))
        .await;
    assert_problem(app.post(&path, &far_manager, &one).await, 404, "not_found").await;
    let (_, manager) = app.user_with_role("sales_manager", Some(&s.store)).await;
    let (status, body) = status_and_body(app.post(&path, &manager, &one).await).await;
    assert_eq!(status, 200, "{body}");
    // ... but not to a colleague of another store.
    let (far_consultant, _) = app
        .user_with_role("sales_consultant", Some(&other_store))
        .await;
    let res = app
        .post(&path, &manager, &dry(json!([{"user_id": far_consultant}])))
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(
        field_errors(&problem).unwrap(),
        [("targets[0].user_id".to_owned(), "not_allowed".to_owned())]
    );
    // An admin handing to a colleague of another store: the records' store needs one.
    let res = app
        .post(
            &path,
            &app.admin_token,
            &dry(json!([{"user_id": far_consultant}])),
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(
        field_errors(&problem).unwrap(),
        [("targets".to_owned(), "no_colleague_in_store".to_owned())]
    );

    // A user of another organisation: 404, as a target and as the source.
    let other_admin = app.other_tenant().await;
    let (status, stranger) = status_and_body(
        app.post(
            "/api/v1/users",
            &other_admin,
            &json!({"name": "外部顾问", "email": format!("x.{}@other.test", uuid::Uuid::now_v7().simple()),
                    "role": "marketing", "password": crate::helpers::PASSWORD}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{stranger}");
    let stranger = stranger["id"].as_str().unwrap();
    assert_problem(
        app.post(
            &path,
            &app.admin_token,
            &dry(json!([{"user_id": stranger}])),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.post(&handover_path(stranger), &app.admin_token, &one)
            .await,
        404,
        "not_found",
    )
    .await;

    // A deactivated colleague: 422; a deactivated source is fine.
    let (status, user) = status_and_body(
        app.patch(
            &format!("/api/v1/users/{}", s.c),
            &app.admin_token,
            &json!({"active": false}),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{user}");
    let problem = assert_problem(
        app.post(&path, &app.admin_token, &dry(json!([{"user_id": s.c}])))
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(
        field_errors(&problem).unwrap(),
        [("targets[0].user_id".to_owned(), "inactive".to_owned())]
    );
    let (status, _) = status_and_body(
        app.patch(
            &format!("/api/v1/users/{}", s.leaver),
            &app.admin_token,
            &json!({"active": false}),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = status_and_body(app.post(&path, &app.admin_token, &one).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["counts"]["customers"], 4);

    // Bad bodies: 422, nothing written.
    let before = snapshot(app).await;
    for bad in [
        json!({"targets": [], "reason": "离职"}),
        json!({"targets": [{"user_id": s.b}], "reason": "  "}),
        json!({"targets": [{"user_id": s.b, "share": 0}], "reason": "离职"}),
        json!({"targets": [{"user_id": s.b}], "reason": "离职", "include": ["cars"]}),
        json!({"targets": [{"user_id": s.b}, {"user_id": s.b}], "reason": "离职"}),
        json!({"targets": [{"user_id": s.leaver}], "reason": "离职"}),
        json!({"targets": [{"user_id": "not-an-id"}], "reason": "离职"}),
    ] {
        let (status, body) = status_and_body(app.post(&path, &app.admin_token, &bad).await).await;
        assert_eq!(status, 422, "{bad}: {body}");
    }
    assert_eq!(snapshot(app).await, before);
}

#[tokio::test]
async fn a_colleague_booked_at_a_moved_drive_refuses_the_run() {
    let s = setup().await;
    let app = &s.app;
    let car = vehicle(app, Some(&s.store)).await;
    let car2 = vehicle(app, Some(&s.store)).await;
    let drive = create(
        app,
        "/api/v1/test-drives",
        &json!({"vehicle_id": car, "customer_id": s.customers[0], "consultant_id": s.leaver,
                "starts_at": at("10:00"), "ends_at": at("11:00")}),
    )
    .await;
    let bs_own = create(
        app,
        "/api/v1/test-drives",
        &json!({"vehicle_id": car2, "customer_id": s.customers[1], "consultant_id": s.b,
                "starts_at": at("10:30"), "ends_at": at("11:30")}),
    )
    .await;
    let path = handover_path(&s.leaver);
    let (status, plan) = status_and_body(
        app.post(
            &path,
            &app.admin_token,
            &json!({"targets": [{"user_id": s.b}], "dry_run": true, "reason": "离职"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(plan["clashes"][0]["test_drive_id"], drive.as_str());
    assert_eq!(
        plan["clashes"][0]["clashing_test_drive_id"],
        bs_own.as_str()
    );
    let before = snapshot(app).await;
    let problem = assert_problem(
        app.post(
            &path,
            &app.admin_token,
            &json!({"targets": [{"user_id": s.b}], "reason": "离职"}),
        )
        .await,
        409,
        "conflict",
    )
    .await;
    assert!(problem.to_string().contains(&drive), "{problem}");
    assert_eq!(snapshot(app).await, before, "a refused run writes nothing");
    // Leaving test drives out lets the rest go.
    let (status, done) = status_and_body(
        app.post(
            &path,
            &app.admin_token,
            &json!({"targets": [{"user_id": s.b}], "reason": "离职",
                    "include": ["customers", "leads", "tasks", "deals"]}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{done}");
    assert_eq!(
        owner_of(app, "test_drives", &drive).await.as_deref(),
        Some(s.leaver.as_str())
    );
    assert_eq!(
        owner_of(app, "customers", &s.customers[0]).await.as_deref(),
        Some(s.b.as_str())
    );
}

/// The PIPL export (`/api/v1/customers/{id}/personal-data-export`) holds the customer's
/// leads, deals and test drives, the driving licence number masked and never in clear.
#[tokio::test]
async fn the_personal_data_export_holds_leads_deals_and_masked_test_drives() {
    let s = setup().await;
    let app = &s.app;
    let customer = &s.customers[0];
    let deal = create(app, "/api/v1/deals", &json!({"customer_id": customer})).await;
    let car = vehicle(app, Some(&s.store)).await;
    let drive = create(
        app,
        "/api/v1/test-drives",
        &json!({"vehicle_id": car, "customer_id": customer, "consultant_id": s.leaver,
                "starts_at": at("10:00"), "ends_at": at("11:00"),
                "driving_licence_number": "440305199001011234"}),
    )
    .await;
    let (status, export) = status_and_body(
        app.get(
            &format!("/api/v1/customers/{customer}/personal-data-export"),
            &app.admin_token,
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{export}");
    assert_eq!(export["leads"][0]["id"], s.leads[0].as_str());
    assert_eq!(export["leads"].as_array().unwrap().len(), 1);
    assert_eq!(export["deals"][0]["id"], deal.as_str());
    assert_eq!(export["test_drives"][0]["id"], drive.as_str());
    assert_eq!(
        export["test_drives"][0]["driving_licence_number"],
        "**************1234"
    );
    let text = export.to_string();
    assert!(!text.contains("440305199001011234"), "{text}");
    assert!(!text.contains("ciphertext"), "{text}");
}
