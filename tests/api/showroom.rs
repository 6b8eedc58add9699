//! Showroom traffic and store-visit invitations: a walk-in creates its customer and lead, a
//! second visit is a repeat, the departure; invitation outcomes (showed, no-show,
//! rescheduled, cancelled, a visit settling one, the job settling no-shows) and 到店率
//! counted from the rows, within the caller's scope; bad input 422 with nothing written; a forbidden role 403; another
//! tenant's records 404.

use chrono::{SecondsFormat, TimeDelta, Utc};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, field_errors, status_and_body};

const VISITS: &str = "/api/v1/showroom-visits";
const INVITATIONS: &str = "/api/v1/store-visit-invitations";

struct Setup {
    app: TestApp,
    store: String,
    consultant: String,
    consultant_token: String,
}

async fn setup() -> Setup {
    let mut app = TestApp::spawn_with(|s| s.access_token_ttl_secs = 60 * 24 * 3600).await;
    // 10:00 in Shanghai today.
    app.clock.set(
        Utc::now()
            .date_naive()
            .and_hms_opt(2, 0, 0)
            .unwrap()
            .and_utc(),
    );
    app.admin_token = app
        .login_ok(crate::helpers::ADMIN_EMAIL, crate::helpers::PASSWORD)
        .await;
    let store = app.create_store("杭州西湖店", "杭州").await;
    let (consultant, consultant_token) = app.user_with_role("sales_consultant", Some(&store)).await;
    Setup {
        app,
        store,
        consultant,
        consultant_token,
    }
}

fn at(s: &Setup, from_now: TimeDelta) -> String {
    (s.app.clock_now() + from_now).to_rfc3339_opts(SecondsFormat::Secs, true)
}

async fn ok(res: reqwest::Response, status: u16) -> Value {
    let (got, body) = status_and_body(res).await;
    assert_eq!(got, status, "{body}");
    body
}

async fn stored(app: &TestApp, table: &str) -> usize {
    app.all_rows().await.get(table).map_or(0, Vec::len)
}

#[tokio::test]
async fn a_walk_in_creates_its_customer_and_lead_and_comes_back_as_a_repeat_visit() {
    let s = setup().await;
    let app = &s.app;
    let before = app.customer_count().await;
    let first = ok(
        app.post(
            VISITS,
            &s.consultant_token,
            &json!({"phone": "13988887777", "name": "陈先生", "party_size": 3,
                    "arrived_at": at(&s, TimeDelta::minutes(-40)),
                    "note": "一家三口，看7座SUV"}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(first["kind"], "first_visit", "{first}");
    assert_eq!(
        (&first["customer_created"], &first["lead_created"]),
        (&json!(true), &json!(true))
    );
    assert_eq!(first["consultant_id"], s.consultant.as_str());
    assert_eq!(first["store_id"], s.store.as_str());
    assert_eq!(app.customer_count().await, before + 1);
    let lead = ok(
        app.get(
            &format!("/api/v1/leads/{}", first["lead_id"].as_str().unwrap()),
            &app.admin_token,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(lead["source"], "walk_in", "{lead}");
    assert_eq!(lead["customer_id"], first["customer_id"]);
    // The visit is a store-visit activity of the customer.
    let activities = ok(
        app.get(
            &format!(
                "/api/v1/customers/{}/activities",
                first["customer_id"].as_str().unwrap()
            ),
            &app.admin_token,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        activities["items"][0]["kind"], "store_visit",
        "{activities}"
    );
    // The departure.
    let id = first["id"].as_str().unwrap();
    let res = app
        .request(
            Method::PATCH,
            &format!("{VISITS}/{id}"),
            Some(&s.consultant_token),
        )
        .json(&json!({"departed_at": at(&s, TimeDelta::minutes(-50))}))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(
        field_errors(&problem).unwrap(),
        vec![("departed_at".to_owned(), "out_of_range".to_owned())]
    );
    let res = app
        .request(
            Method::PATCH,
            &format!("{VISITS}/{id}"),
            Some(&s.consultant_token),
        )
        .json(&json!({"departed_at": at(&s, TimeDelta::minutes(-5))}))
        .send()
        .await
        .unwrap();
    let left = ok(res, 200).await;
    assert_eq!(left["stay_minutes"], 35, "{left}");
    // Next day, same phone: the same customer and lead, a repeat visit.
    app.clock.advance(TimeDelta::days(1));
    let again = ok(
        app.post(
            VISITS,
            &app.admin_token,
            &json!({"phone": "+8613988887777", "party_size": 1, "store_id": s.store,
                    "consultant_id": s.consultant}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(again["kind"], "repeat_visit", "{again}");
    assert_eq!(again["customer_id"], first["customer_id"]);
    assert_eq!(again["lead_id"], first["lead_id"]);
    assert_eq!(
        (&again["customer_created"], &again["lead_created"]),
        (&json!(false), &json!(false))
    );
    assert_eq!(app.customer_count().await, before + 1);
    let actions = app.audit_actions("showroom_visit", id).await;
    assert!(
        actions.contains(&"showroom.visit_registered".to_owned()),
        "{actions:?}"
    );
}

#[tokio::test]
async fn invitation_outcomes_are_counted_into_the_visit_rate() {
    let s = setup().await;
    let app = &s.app;
    let customer = app
        .create_customer(&s.consultant_token, &json!({"name": "周婷"}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut invitations = Vec::new();
    for hours in [1, 2, 3, 4] {
        let inv = ok(
            app.post(
                INVITATIONS,
                &s.consultant_token,
                &json!({"customer_id": customer, "appointment_at": at(&s, TimeDelta::hours(hours)),
                        "note": "到店谈价"}),
            )
            .await,
            201,
        )
        .await;
        assert_eq!(inv["status"], "scheduled");
        assert_eq!(inv["consultant_id"], s.consultant.as_str());
        invitations.push(inv["id"].as_str().unwrap().to_owned());
    }
    let outcome = |id: &str, body: Value| {
        let req = app
            .request(
                Method::POST,
                &format!("{INVITATIONS}/{id}/outcome"),
                Some(&s.consultant_token),
            )
            .json(&body);
        async move { req.send().await.unwrap() }
    };
    // A no-show before the appointment is not yet due.
    assert_problem(
        outcome(&invitations[1], json!({"status": "no_show"})).await,
        422,
        "validation_failed",
    )
    .await;
    let showed = ok(
        outcome(&invitations[0], json!({"status": "showed"})).await,
        200,
    )
    .await;
    assert_eq!(showed["invitation"]["status"], "showed");
    assert_problem(
        outcome(&invitations[0], json!({"status": "cancelled"})).await,
        409,
        "invalid_transition",
    )
    .await;
    let moved = ok(
        outcome(
            &invitations[2],
            json!({"status": "rescheduled", "new_appointment_at": at(&s, TimeDelta::days(1))}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(moved["invitation"]["status"], "rescheduled");
    let next = moved["next"]["id"].as_str().unwrap().to_owned();
    assert_eq!(moved["invitation"]["rescheduled_to_id"], next.as_str());
    assert_eq!(moved["next"]["status"], "scheduled");
    ok(
        outcome(&invitations[3], json!({"status": "cancelled"})).await,
        200,
    )
    .await;
    // The second one's time passes without the customer.
    app.clock.advance(TimeDelta::hours(3));
    ok(
        outcome(&invitations[1], json!({"status": "no_show"})).await,
        200,
    )
    .await;
    // The customer walks in: the rescheduled invitation is settled as showed.
    let visit = ok(
        app.post(
            VISITS,
            &s.consultant_token,
            &json!({"customer_id": customer, "party_size": 2}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(visit["invitation_id"], next.as_str(), "{visit}");
    let list = ok(
        app.get(&format!("{INVITATIONS}?status=showed"), &s.consultant_token)
            .await,
        200,
    )
    .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2, "{list}");
    let from = at(&s, TimeDelta::days(-1));
    let to = at(&s, TimeDelta::days(2));
    for token in [&app.admin_token, &s.consultant_token] {
        let stats = ok(
            app.get(
                &format!(
                    "/api/v1/showroom/stats?from={from}&to={to}&store_id={}",
                    s.store
                ),
                token,
            )
            .await,
            200,
        )
        .await;
        assert_eq!(
            (
                &stats["visits"],
                &stats["first_visits"],
                &stats["invitations_total"],
                &stats["showed"],
                &stats["settled"],
                &stats["visit_rate_basis_points"],
                &stats["visit_rate_percent"],
            ),
            (
                &json!(1),
                &json!(1),
                &json!(5),
                &json!(2),
                &json!(3),
                &json!(6667),
                &json!("66.67")
            ),
            "{stats}"
        );
        assert_eq!(stats["invitations"]["rescheduled"], 1);
        assert_eq!(stats["invitations"]["cancelled"], 1);
        assert_eq!(stats["invitations"]["no_show"], 1);
    }
    // Another consultant of the store counts none of it, and sees none of it.
    let (_, other) = app.user_with_role("sales_consultant", Some(&s.store)).await;
    let stats = ok(
        app.get(
            &format!("/api/v1/showroom/stats?from={from}&to={to}"),
            &other,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        (&stats["visits"], &stats["invitations_total"]),
        (&json!(0), &json!(0))
    );
    assert_problem(
        app.post(
            &format!("{INVITATIONS}/{next}/outcome"),
            &other,
            &json!({"status": "cancelled"}),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    let period = ok(
        app.get(
            &format!("/api/v1/showroom/stats?from={to}&to={from}"),
            &app.admin_token,
        )
        .await,
        422,
    )
    .await;
    assert_eq!(period["code"], "validation_failed");
}

/// An invitation as the admin sees it.
async fn invitation(app: &TestApp, id: &str) -> Value {
    ok(
        app.get(&format!("{INVITATIONS}/{id}"), &app.admin_token)
            .await,
        200,
    )
    .await
}

async fn settled_events(app: &TestApp, id: &str) -> usize {
    let (org, id) = (app.org_id.clone(), id.to_owned());
    app.with_db(move |conn| {
        autocrm_persistence::models::OutboxEvent::list_for_aggregate(conn, &org, &id)
            .unwrap()
            .into_iter()
            .filter(|e| e.event_type == "store_visit_invitation.settled")
            .count()
    })
    .await
}

#[tokio::test]
async fn an_invitation_nobody_settled_is_a_no_show_once_its_day_and_the_next_have_passed() {
    let s = setup().await;
    let app = &s.app;
    // A lead the consultant works, and a customer without one.
    let (status, taken) = status_and_body(
        app.post(
            "/api/v1/leads",
            &s.consultant_token,
            &json!({"source": "phone", "customer": {"name": "吴磊", "phone": "13700001111"}}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{taken}");
    let lead = taken["lead"]["id"].as_str().unwrap().to_owned();
    let worked = taken["lead"]["customer_id"].as_str().unwrap().to_owned();
    let walk_in = app
        .create_customer(
            &s.consultant_token,
            &json!({"name": "郑丽", "phone": "13700002222"}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Both invited for tomorrow 15:00 in Shanghai (it is 10:00 today), the second one also
    // for the day after.
    let mut invited = Vec::new();
    for (customer, hours) in [(&worked, 29), (&walk_in, 29), (&walk_in, 53)] {
        let inv = ok(
            app.post(
                INVITATIONS,
                &s.consultant_token,
                &json!({"customer_id": customer, "appointment_at": at(&s, TimeDelta::hours(hours))}),
            )
            .await,
            201,
        )
        .await;
        invited.push(inv["id"].as_str().unwrap().to_owned());
    }
    let (no_show, showed, later) = (invited[0].clone(), invited[1].clone(), invited[2].clone());
    assert_eq!(invitation(app, &no_show).await["lead_id"], lead.as_str());

    // The day after the appointment is still the grace day: nothing is settled.
    app.clock.advance(TimeDelta::days(2));
    app.run_jobs().await;
    for id in &invited {
        assert_eq!(invitation(app, id).await["status"], "scheduled");
    }
    // One customer comes in on the grace day: the visit settles their first invitation only.
    ok(
        app.post(
            VISITS,
            &s.consultant_token,
            &json!({"customer_id": walk_in, "party_size": 1}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(invitation(app, &showed).await["status"], "showed");
    assert_eq!(invitation(app, &later).await["status"], "scheduled");

    // The next morning the other one is a no-show, settled once by two nodes at once.
    app.clock.advance(TimeDelta::days(1));
    let (one, two) = (app.second_node().await, app.second_node().await);
    let (a, b) = tokio::join!(
        autocrm_api::sales::showroom::no_shows::settle_no_shows(&one),
        autocrm_api::sales::showroom::no_shows::settle_no_shows(&two)
    );
    assert_eq!(a.unwrap() + b.unwrap(), 1);
    let settled = invitation(app, &no_show).await;
    assert_eq!(settled["status"], "no_show", "{settled}");
    assert_eq!(settled["outcome_by"], "system:showroom.settle_no_shows");
    assert_eq!(settled_events(app, &no_show).await, 1);
    assert_eq!(invitation(app, &showed).await["status"], "showed");
    // The later one is on its grace day.
    assert_eq!(invitation(app, &later).await["status"], "scheduled");

    // The consultant has a task to invite again, and heard of it; the runner's later runs
    // add nothing.
    app.clock.advance(TimeDelta::hours(2));
    app.run_jobs_on_two_nodes().await;
    let tasks = ok(
        app.get(
            &format!("/api/v1/tasks?owner_id={}", s.consultant),
            &s.consultant_token,
        )
        .await,
        200,
    )
    .await;
    let again: Vec<&Value> = tasks["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["kind"] == "store_visit_invitation")
        .collect();
    assert_eq!(again.len(), 1, "{tasks}");
    assert_eq!(again[0]["lead_id"], lead.as_str());
    assert_eq!(again[0]["status"], "open");
    assert_eq!(settled_events(app, &no_show).await, 1);
    let inbox = ok(
        app.get("/api/v1/me/notifications", &s.consultant_token)
            .await,
        200,
    )
    .await;
    assert!(inbox.to_string().contains("邀约爽约"), "{inbox}");

    // A day later the runner settles the later one; without a lead it opens no task.
    app.clock.advance(TimeDelta::days(1));
    app.run_jobs().await;
    assert_eq!(invitation(app, &later).await["status"], "no_show");
    let tasks = ok(
        app.get(
            &format!("/api/v1/tasks?owner_id={}", s.consultant),
            &s.consultant_token,
        )
        .await,
        200,
    )
    .await;
    let again = tasks["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["kind"] == "store_visit_invitation")
        .count();
    assert_eq!(again, 1, "{tasks}");

    // 到店率 counts all three: one of three.
    let stats = ok(
        app.get(
            &format!(
                "/api/v1/showroom/stats?from={}&to={}",
                at(&s, TimeDelta::days(-6)),
                at(&s, TimeDelta::days(1))
            ),
            &app.admin_token,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        (
            &stats["showed"],
            &stats["settled"],
            &stats["visit_rate_basis_points"]
        ),
        (&json!(1), &json!(3), &json!(3333)),
        "{stats}"
    );
}

#[tokio::test]
async fn bad_input_is_422_and_writes_nothing() {
    let s = setup().await;
    let app = &s.app;
    let customers = app.customer_count().await;
    let cases = [
        (
            json!({"phone": "13911112222", "party_size": 0}),
            "party_size",
        ),
        (
            json!({"phone": "13911112222", "party_size": 51}),
            "party_size",
        ),
        (json!({"party_size": 2}), "customer_id"),
        (json!({"phone": "12345", "party_size": 2}), "phone"),
        (
            json!({"phone": "13911112222", "party_size": 2,
                   "arrived_at": at(&s, TimeDelta::hours(1))}),
            "arrived_at",
        ),
        (
            json!({"phone": "13911112222", "party_size": 2,
                   "arrived_at": at(&s, TimeDelta::hours(-1)),
                   "departed_at": at(&s, TimeDelta::hours(-2))}),
            "departed_at",
        ),
        (
            json!({"phone": "13911112222", "party_size": 2,
                   "customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70"}),
            "customer_id",
        ),
        (
            json!({"phone": "13911112222", "party_size": 2,
                   "consultant_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70"}),
            "consultant_id",
        ),
    ];
    for (body, field) in cases {
        let res = app.post(VISITS, &app.admin_token, &body).await;
        let problem = assert_problem(res, 422, "validation_failed").await;
        let fields: Vec<String> = field_errors(&problem)
            .unwrap()
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        assert!(fields.contains(&field.to_owned()), "{body}: {fields:?}");
    }
    let customer = app
        .create_customer(&app.admin_token, &json!({"name": "王建国"}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for (body, field) in [
        (
            json!({"customer_id": customer, "appointment_at": at(&s, TimeDelta::hours(-1))}),
            "appointment_at",
        ),
        (
            json!({"customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70",
                   "appointment_at": at(&s, TimeDelta::hours(1))}),
            "customer_id",
        ),
    ] {
        let res = app.post(INVITATIONS, &app.admin_token, &body).await;
        let problem = assert_problem(res, 422, "validation_failed").await;
        let fields: Vec<String> = field_errors(&problem)
            .unwrap()
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        assert!(fields.contains(&field.to_owned()), "{body}: {fields:?}");
    }
    let inv = ok(
        app.post(
            INVITATIONS,
            &app.admin_token,
            &json!({"customer_id": customer, "appointment_at": at(&s, TimeDelta::hours(1))}),
        )
        .await,
        201,
    )
    .await;
    let id = inv["id"].as_str().unwrap();
    for body in [
        json!({"status": "scheduled"}),
        json!({"status": "rescheduled"}),
        json!({"status": "rescheduled", "new_appointment_at": at(&s, TimeDelta::hours(-1))}),
    ] {
        let res = app
            .post(
                &format!("{INVITATIONS}/{id}/outcome"),
                &app.admin_token,
                &body,
            )
            .await;
        assert_problem(res, 422, "validation_failed").await;
    }
    assert_eq!(stored(app, "showroom_visits").await, 0);
    assert_eq!(stored(app, "store_visit_invitations").await, 1);
    assert_eq!(app.customer_count().await, customers + 1);
    let after = ok(app.get(INVITATIONS, &app.admin_token).await, 200).await;
    assert_eq!(after["items"][0]["status"], "scheduled");
}

#[tokio::test]
async fn roles_without_deals_are_forbidden_and_other_tenants_records_not_found() {
    let s = setup().await;
    let app = &s.app;
    let (_, marketing) = app.user_with_role("marketing", None).await;
    assert_problem(
        app.post(
            VISITS,
            &marketing,
            &json!({"phone": "13911112222", "party_size": 1}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.get("/api/v1/showroom/stats", &marketing).await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(app.get(INVITATIONS, &marketing).await, 403, "forbidden").await;
    let visit = ok(
        app.post(
            VISITS,
            &s.consultant_token,
            &json!({"phone": "13911112222", "party_size": 1}),
        )
        .await,
        201,
    )
    .await;
    let customer = visit["customer_id"].as_str().unwrap();
    let inv = ok(
        app.post(
            INVITATIONS,
            &s.consultant_token,
            &json!({"customer_id": customer, "appointment_at": at(&s, TimeDelta::days(1))}),
        )
        .await,
        201,
    )
    .await;
    assert_problem(
        app.get(
            &format!("{INVITATIONS}/{}", inv["id"].as_str().unwrap()),
            &marketing,
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    let other = app.other_tenant().await;
    let res = app
        .request(
            Method::PATCH,
            &format!("{VISITS}/{}", visit["id"].as_str().unwrap()),
            Some(&other),
        )
        .json(&json!({"party_size": 2}))
        .send()
        .await
        .unwrap();
    assert_problem(res, 404, "not_found").await;
    assert_problem(
        app.post(
            &format!("{INVITATIONS}/{}/outcome", inv["id"].as_str().unwrap()),
            &other,
            &json!({"status": "cancelled"}),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.get(
            &format!("{INVITATIONS}/{}", inv["id"].as_str().unwrap()),
            &other,
        )
        .await,
        404,
        "not_found",
    )
    .await;
    // Their customer is not ours to invite or to register.
    assert_problem(
        app.post(
            INVITATIONS,
            &other,
            &json!({"customer_id": customer, "appointment_at": at(&s, TimeDelta::days(1))}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    for path in [VISITS, INVITATIONS] {
        let page = ok(app.get(path, &other).await, 200).await;
        assert!(page["items"].as_array().unwrap().is_empty(), "{page}");
    }
    let stats = ok(app.get("/api/v1/showroom/stats", &other).await, 200).await;
    assert_eq!(stats["visits"], 0);
}
