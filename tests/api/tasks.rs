//! Tasks: the consultant's day and the manager's board (due today, overdue), completing
//! needs an activity and opens the next follow-up, cancelling is for managers, another
//! tenant's task is 404; the escalation ladder climbs step by step as the clock moves, each
//! step once even with two nodes running the job.

use autocrm_persistence::models::{
    Lead, LeadHistoryEntry, OutboxEvent, Task, TaskEscalation, TenantRecord,
};
use chrono::{NaiveDateTime, TimeDelta};
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, field_errors, page_ids, status_and_body};

/// A server whose access tokens outlive the days its clock is moved by.
pub async fn spawn() -> TestApp {
    TestApp::spawn_with(|s| s.access_token_ttl_secs = 60 * 24 * 3600).await
}

/// A store with two consultants, a sales manager and a general manager.
pub struct Team {
    pub store: String,
    pub c1: (String, String),
    pub c2: (String, String),
    pub manager: (String, String),
    pub gm: (String, String),
}

pub async fn team(app: &TestApp) -> Team {
    let store = app.create_store("上海浦东店", "上海").await;
    Team {
        c1: app.user_with_role("sales_consultant", Some(&store)).await,
        c2: app.user_with_role("sales_consultant", Some(&store)).await,
        manager: app.user_with_role("sales_manager", Some(&store)).await,
        gm: app.user_with_role("general_manager", None).await,
        store,
    }
}

/// An open task written straight into the database (intake, which opens first responses,
/// is built beside this capability).
pub async fn insert_task(
    app: &TestApp,
    kind: &str,
    lead: Option<&Lead>,
    customer_id: &str,
    owner: Option<&str>,
    store: Option<&str>,
    due_at: NaiveDateTime,
) -> String {
    let now = app.clock_now().naive_utc();
    let task = Task {
        id: autocrm_persistence::db::new_id(),
        org_id: app.org_id.clone(),
        store_id: store.map(str::to_owned),
        owner_id: owner.map(str::to_owned),
        lead_id: lead.map(|l| l.id.clone()),
        deal_id: None,
        customer_id: Some(customer_id.to_owned()),
        kind: kind.into(),
        title: "首次响应：H级线索（30分钟内）".into(),
        note: None,
        status: "open".into(),
        due_at,
        escalation_step: 0,
        dedupe_key: None,
        activity_id: None,
        completed_at: None,
        completed_by: None,
        created_by: "test".into(),
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let id = task.id.clone();
    app.with_db(move |conn| task.insert(conn).unwrap()).await;
    id
}

pub async fn stored_lead(app: &TestApp, id: &str) -> Lead {
    let (org, id) = (app.org_id.clone(), id.to_owned());
    app.with_db(move |conn| Lead::find(conn, &org, &id).unwrap().unwrap())
        .await
}

pub async fn stored_task(app: &TestApp, id: &str) -> Task {
    let (org, id) = (app.org_id.clone(), id.to_owned());
    app.with_db(move |conn| Task::find(conn, &org, &id).unwrap().unwrap())
        .await
}

async fn steps(app: &TestApp, task: &str) -> Vec<TaskEscalation> {
    let (org, id) = (app.org_id.clone(), task.to_owned());
    app.with_db(move |conn| TaskEscalation::of_task(conn, &org, &id).unwrap())
        .await
}

async fn events(app: &TestApp, id: &str) -> Vec<String> {
    let (org, id) = (app.org_id.clone(), id.to_owned());
    app.with_db(move |conn| {
        OutboxEvent::list_for_aggregate(conn, &org, &id)
            .unwrap()
            .into_iter()
            .map(|e| e.event_type)
            .collect()
    })
    .await
}

async fn history(app: &TestApp, lead: &str) -> Vec<LeadHistoryEntry> {
    let (org, id) = (app.org_id.clone(), lead.to_owned());
    app.with_db(move |conn| LeadHistoryEntry::of_lead(conn, &org, &id, None, 1000).unwrap())
        .await
}

#[tokio::test]
async fn an_overdue_first_response_climbs_the_ladder_once_per_step() {
    let app = spawn().await;
    let t = team(&app).await;
    let customer = app
        .create_customer(&t.c1.1, &json!({"name": "陈晓明"}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let lead_id = app
        .insert_lead(&customer, Some(&t.c1.0), Some(&t.store), "h")
        .await;
    let lead = stored_lead(&app, &lead_id).await;
    let due = app.clock_now().naive_utc() + TimeDelta::minutes(30);
    let task = insert_task(
        &app,
        "first_response",
        Some(&lead),
        &customer,
        Some(&t.c1.0),
        Some(&t.store),
        due,
    )
    .await;

    // Not yet due: nothing.
    app.clock.advance(TimeDelta::minutes(20));
    app.run_jobs_on_two_nodes().await;
    assert!(steps(&app, &task).await.is_empty());

    // Overdue: the owner is reminded, once, though two nodes run.
    app.clock.advance(TimeDelta::minutes(11));
    app.run_jobs_on_two_nodes().await;
    app.run_jobs_on_two_nodes().await;
    let taken = steps(&app, &task).await;
    assert_eq!(
        taken.iter().map(|s| s.step.as_str()).collect::<Vec<_>>(),
        ["notify_owner"]
    );
    assert_eq!(taken[0].notified, json!([t.c1.0]).to_string());
    assert_eq!(stored_task(&app, &task).await.escalation_step, 1);
    assert_eq!(
        events(&app, &task).await,
        ["task.overdue", "task.escalated"]
    );

    // 30 minutes later: the store's manager.
    app.clock.advance(TimeDelta::minutes(30));
    app.run_jobs_on_two_nodes().await;
    let taken = steps(&app, &task).await;
    assert_eq!(taken.len(), 2);
    assert_eq!(taken[1].step, "notify_store_manager");
    assert_eq!(taken[1].notified, json!([t.manager.0]).to_string());

    // Two hours after the due time: reassigned, with the lead, to the other consultant.
    app.clock.advance(TimeDelta::minutes(90));
    app.run_jobs_on_two_nodes().await;
    let taken = steps(&app, &task).await;
    assert_eq!(taken.len(), 3);
    assert_eq!(taken[2].step, "reassign");
    assert_eq!(taken[2].reassigned_to.as_deref(), Some(t.c2.0.as_str()));
    assert_eq!(
        stored_lead(&app, &lead_id).await.owner_id,
        Some(t.c2.0.clone())
    );
    let moved = stored_task(&app, &task).await;
    assert_eq!(moved.owner_id, Some(t.c2.0.clone()));
    assert_eq!(moved.escalation_step, 3);

    // Four hours: the general manager (总经理督办); then the ladder is done.
    app.clock.advance(TimeDelta::minutes(120));
    app.run_jobs_on_two_nodes().await;
    app.clock.advance(TimeDelta::hours(5));
    app.run_jobs_on_two_nodes().await;
    let taken = steps(&app, &task).await;
    assert_eq!(
        taken.iter().map(|s| s.step.as_str()).collect::<Vec<_>>(),
        [
            "notify_owner",
            "notify_store_manager",
            "reassign",
            "notify_general_manager"
        ]
    );
    assert_eq!(taken[3].notified, json!([t.gm.0]).to_string());
    assert_eq!(stored_task(&app, &task).await.escalation_step, 4);
    let evs = events(&app, &task).await;
    assert_eq!(evs.iter().filter(|e| *e == "task.overdue").count(), 1);
    assert_eq!(evs.iter().filter(|e| *e == "task.escalated").count(), 4);

    // Each step is on the lead's history; the reassign as a reassignment too.
    let h = history(&app, &lead_id).await;
    assert_eq!(h.iter().filter(|e| e.kind == "task_escalated").count(), 4);
    assert!(
        h.iter()
            .any(|e| e.kind == "reassigned" && e.to_user_id.as_deref() == Some(&t.c2.0))
    );

    // The owner and the manager heard of it.
    for (token, kind) in [
        (&t.c1.1, "task.escalated"),
        (&t.manager.1, "task.escalated"),
        (&t.gm.1, "task.escalated"),
        (&t.c2.1, "lead.assigned"),
    ] {
        let (status, body) =
            status_and_body(app.get("/api/v1/me/notifications", token).await).await;
        assert_eq!(status, 200, "{body}");
        assert!(body.to_string().contains(kind), "{kind}: {body}");
    }
    let (status, body) =
        status_and_body(app.get(&format!("/api/v1/tasks/{task}"), &t.c2.1).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["escalation_step"], 4);
    assert_eq!(body["overdue"], true);
}

#[tokio::test]
async fn the_day_the_board_and_completing_with_an_activity() {
    let app = spawn().await;
    let t = team(&app).await;
    let customer = app.create_customer(&t.c1.1, &json!({"name": "刘芳"})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let lead_id = app
        .insert_lead(&customer, Some(&t.c1.0), Some(&t.store), "a")
        .await;
    let lead = stored_lead(&app, &lead_id).await;
    let now = app.clock_now().naive_utc();
    let overdue = insert_task(
        &app,
        "first_response",
        Some(&lead),
        &customer,
        Some(&t.c1.0),
        Some(&t.store),
        now - TimeDelta::minutes(10),
    )
    .await;
    let other_customer = app.create_customer(&t.c2.1, &json!({"name": "赵磊"})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let later = insert_task(
        &app,
        "manual",
        None,
        &other_customer,
        Some(&t.c2.0),
        Some(&t.store),
        now + TimeDelta::days(3),
    )
    .await;

    // A manual task by the consultant on their lead, due in a minute: today.
    let res = app
        .post(
            "/api/v1/tasks",
            &t.c1.1,
            &json!({"title": "邀约周六到店试驾", "due_at": (app.clock_now() + TimeDelta::minutes(1)).to_rfc3339(), "lead_id": lead_id}),
        )
        .await;
    let (status, manual) = status_and_body(res).await;
    assert_eq!(status, 201, "{manual}");
    let manual_id = manual["id"].as_str().unwrap().to_owned();
    assert_eq!(manual["owner_id"], json!(t.c1.0));
    // A consultant cannot give tasks to a colleague; a task is on a lead or a customer.
    let res = app
        .post(
            "/api/v1/tasks",
            &t.c1.1,
            &json!({"title": "x", "due_at": (app.clock_now() + TimeDelta::hours(1)).to_rfc3339(), "lead_id": lead_id, "owner_id": t.c2.0}),
        )
        .await;
    let p = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(
        field_errors(&p).unwrap(),
        [("owner_id".to_owned(), "not_allowed".to_owned())]
    );
    let res = app
        .post(
            "/api/v1/tasks",
            &t.c1.1,
            &json!({"title": "x", "due_at": (app.clock_now() - TimeDelta::hours(1)).to_rfc3339(), "customer_id": customer}),
        )
        .await;
    assert_problem(res, 422, "validation_failed").await;

    // The consultant's day: only their own tasks.
    let page = |path: String, token: String| {
        let app = &app;
        async move {
            let (status, body) = status_and_body(app.get(&path, &token).await).await;
            assert_eq!(status, 200, "{path}: {body}");
            page_ids(&body).unwrap()
        }
    };
    let mine = page("/api/v1/tasks".into(), t.c1.1.clone()).await;
    assert_eq!(
        mine,
        [overdue.clone(), manual_id.clone()].into_iter().collect()
    );
    let today = page("/api/v1/tasks?due=today".into(), t.c1.1.clone()).await;
    assert!(today.contains(&manual_id));
    let late = page("/api/v1/tasks?due=overdue".into(), t.c1.1.clone()).await;
    assert_eq!(late, [overdue.clone()].into_iter().collect());
    // The manager's board: the store's tasks; by owner.
    let board = page("/api/v1/tasks".into(), t.manager.1.clone()).await;
    assert_eq!(board.len(), 3);
    let theirs = page(
        format!("/api/v1/tasks?owner_id={}", t.c2.0),
        t.manager.1.clone(),
    )
    .await;
    assert_eq!(theirs, [later.clone()].into_iter().collect());
    let res = app.get("/api/v1/tasks?due=tomorrow", &t.c1.1).await;
    assert_problem(res, 400, "invalid_query").await;
    // Another consultant's task is 404 to a consultant.
    let res = app.get(&format!("/api/v1/tasks/{later}"), &t.c1.1).await;
    assert_problem(res, 404, "not_found").await;

    // Completing needs an activity.
    let res = app
        .post(
            &format!("/api/v1/tasks/{overdue}/complete"),
            &t.c1.1,
            &json!({}),
        )
        .await;
    let p = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(
        field_errors(&p).unwrap(),
        [("activity".to_owned(), "activity_required".to_owned())]
    );
    assert_eq!(stored_task(&app, &overdue).await.status, "open");

    // With one recorded now: done, the lead worked, the next follow-up opened by the
    // grade's cadence (A: first after 48 hours).
    app.clock.advance(TimeDelta::hours(2));
    let res = app
        .post(
            &format!("/api/v1/tasks/{overdue}/complete"),
            &t.c1.1,
            &json!({"activity": {"kind": "call", "outcome": "reached", "content": "电话沟通，客户周六到店"}}),
        )
        .await;
    let (status, done) = status_and_body(res).await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["task"]["status"], "done");
    assert!(done["task"]["activity_id"].is_string());
    let follow_up = &done["follow_up"];
    assert_eq!(follow_up["kind"], "follow_up");
    assert_eq!(follow_up["owner_id"], json!(t.c1.0));
    let expected_due = app.clock_now() + TimeDelta::hours(48);
    let follow_up_due = follow_up["due_at"]
        .as_str()
        .unwrap()
        .parse::<chrono::DateTime<chrono::Utc>>()
        .unwrap();
    assert!(
        (expected_due - follow_up_due).num_seconds().abs() < 5,
        "{follow_up_due}"
    );
    let worked = stored_lead(&app, &lead_id).await.last_worked_at.unwrap();
    assert!(
        (app.clock_now().naive_utc() - worked).num_seconds().abs() < 5,
        "{worked}"
    );
    // Completed once only.
    let res = app
        .post(
            &format!("/api/v1/tasks/{overdue}/complete"),
            &t.c1.1,
            &json!({"activity_id": done["task"]["activity_id"]}),
        )
        .await;
    assert_problem(res, 409, "invalid_transition").await;

    // Completing the manual task with that same activity (the caller's, the customer's)
    // opens no second follow-up of the same round.
    let res = app
        .post(
            &format!("/api/v1/tasks/{manual_id}/complete"),
            &t.c1.1,
            &json!({"activity_id": done["task"]["activity_id"]}),
        )
        .await;
    let (status, body) = status_and_body(res).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["follow_up"].is_null());

    // Cancelling is for managers.
    let res = app
        .post(
            &format!("/api/v1/tasks/{later}/cancel"),
            &t.c2.1,
            &json!({}),
        )
        .await;
    assert_problem(res, 403, "forbidden").await;
    let res = app
        .post(
            &format!("/api/v1/tasks/{later}/cancel"),
            &t.manager.1,
            &json!({"reason": "客户已在其他门店成交"}),
        )
        .await;
    let (status, body) = status_and_body(res).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "cancelled");

    // Another tenant's task is 404.
    let other = app.other_tenant().await;
    for path in [format!("/api/v1/tasks/{manual_id}")] {
        assert_problem(app.get(&path, &other).await, 404, "not_found").await;
    }
    let res = app
        .post(
            &format!("/api/v1/tasks/{overdue}/cancel"),
            &other,
            &json!({}),
        )
        .await;
    assert_problem(res, 404, "not_found").await;
    let res = app
        .post(
            &format!("/api/v1/tasks/{overdue}/complete"),
            &other,
            &json!({"activity": {"kind": "note", "content": "x"}}),
        )
        .await;
    assert_problem(res, 404, "not_found").await;
    let body: Value = app.get("/api/v1/tasks", &other).await.json().await.unwrap();
    assert_eq!(body["items"], json!([]));
}

#[tokio::test]
async fn sla_settings_are_validated_and_stored() {
    let app = spawn().await;
    let res = app.get("/api/v1/settings/lead-sla", &app.admin_token).await;
    let (status, mut body) = status_and_body(res).await;
    assert_eq!(status, 200);
    assert_eq!(body["first_response_minutes"], 30);
    body["first_response_minutes"] = json!(15);
    let res = app
        .request(
            reqwest::Method::PUT,
            "/api/v1/settings/lead-sla",
            Some(&app.admin_token),
        )
        .json(&body)
        .send()
        .await
        .unwrap();
    let (status, stored) = status_and_body(res).await;
    assert_eq!(status, 200, "{stored}");
    assert_eq!(stored["first_response_minutes"], 15);
    let put = |body: Value| {
        app.request(
            reqwest::Method::PUT,
            "/api/v1/settings/lead-sla",
            Some(&app.admin_token),
        )
        .json(&body)
        .send()
    };
    let mut zero = body.clone();
    zero["first_response_minutes"] = json!(0);
    let p = assert_problem(put(zero).await.unwrap(), 422, "validation_failed").await;
    assert_eq!(
        field_errors(&p).unwrap(),
        [(
            "first_response_minutes".to_owned(),
            "out_of_range".to_owned()
        )]
    );
    // The domain's checks: a ladder step never waits less than the one before.
    body["escalation"][1]["after_minutes"] = json!(0);
    body["escalation"][0]["after_minutes"] = json!(60);
    body["follow_up"]["h"]["first_after_hours"] = json!(0);
    let p = assert_problem(put(body).await.unwrap(), 422, "validation_failed").await;
    let fields: Vec<String> = field_errors(&p)
        .unwrap()
        .into_iter()
        .map(|(f, _)| f)
        .collect();
    assert!(
        fields.contains(&"escalation[1].after_minutes".to_owned()),
        "{fields:?}"
    );
    assert!(
        fields.contains(&"follow_up.h.first_after_hours".to_owned()),
        "{fields:?}"
    );
    let store = app.create_store("杭州西湖店", "杭州").await;
    let (_, consultant) = app.user_with_role("sales_consultant", Some(&store)).await;
    let res = app
        .request(
            reqwest::Method::PUT,
            "/api/v1/settings/lead-sla",
            Some(&consultant),
        )
        .json(&stored)
        .send()
        .await
        .unwrap();
    assert_problem(res, 403, "forbidden").await;
}

#[tokio::test]
async fn concurrent_completions_complete_once_and_open_one_follow_up() {
    let app = spawn().await;
    let t = team(&app).await;
    let customer = app.create_customer(&t.c1.1, &json!({"name": "黄海"})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let lead_id = app
        .insert_lead(&customer, Some(&t.c1.0), Some(&t.store), "h")
        .await;
    let lead = stored_lead(&app, &lead_id).await;
    let due = app.clock_now().naive_utc() + TimeDelta::minutes(30);
    let task = insert_task(
        &app,
        "first_response",
        Some(&lead),
        &customer,
        Some(&t.c1.0),
        Some(&t.store),
        due,
    )
    .await;
    let mut calls = tokio::task::JoinSet::new();
    for token in [&t.c1.1, &t.c1.1, &t.manager.1, &t.manager.1] {
        let req = app
            .request(
                reqwest::Method::POST,
                &format!("/api/v1/tasks/{task}/complete"),
                Some(token),
            )
            .json(&json!({"activity": {"kind": "call", "outcome": "reached", "content": "已电话联系"}}));
        calls.spawn(async move { req.send().await.unwrap().status().as_u16() });
    }
    let mut statuses = calls.join_all().await;
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409, 409, 409]);
    let (status, body) = status_and_body(
        app.get(
            &format!("/api/v1/tasks?lead_id={lead_id}&status=open"),
            &t.c1.1,
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let open = body["items"].as_array().unwrap();
    assert_eq!(open.len(), 1, "{body}");
    assert_eq!(open[0]["kind"], "follow_up");
    assert_eq!(open[0]["title"], "第1次跟进：H级线索");
}
