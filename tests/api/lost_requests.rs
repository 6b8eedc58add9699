//! Lost requests (战败申请): a request waits for the store's manager; rejected, the lead
//! stays open; approved, it is lost and its open tasks cancelled; reactivated, it is new in
//! the pool. Without the approval policy a deal is lost at once (`deal.lost`). One request
//! waits per lead, also under concurrent requests. Who may decide.

use autocrm_persistence::models::{Lead, OutboxEvent, Task, TenantRecord};
use serde_json::{Value, json};

use crate::deals::{open_deal, team};
use crate::helpers::{TestApp, assert_problem, status_and_body};

async fn lead_row(app: &TestApp, id: &str) -> Lead {
    let (org, id) = (app.org_id.clone(), id.to_owned());
    app.with_db(move |conn| Lead::find(conn, &org, &id).unwrap().unwrap())
        .await
}

async fn open_task(app: &TestApp, lead: &Lead) -> String {
    let now = app.clock_now().naive_utc();
    let task = Task {
        id: uuid::Uuid::now_v7().to_string(),
        org_id: lead.org_id.clone(),
        store_id: lead.store_id.clone(),
        owner_id: lead.owner_id.clone(),
        lead_id: Some(lead.id.clone()),
        deal_id: None,
        customer_id: Some(lead.customer_id.clone()),
        kind: "follow_up".into(),
        title: "跟进客户".into(),
        note: None,
        status: "open".into(),
        due_at: now,
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

#[tokio::test]
async fn a_request_waits_for_the_manager_rejected_stays_open_approved_is_lost_and_reactivates() {
    let app = TestApp::spawn().await;
    let team = team(&app).await;
    let (consultant, token) = team.consultant.clone();
    let manager = app.user_with_role("sales_manager", Some(&team.store)).await;
    let other_store = app.create_store("徐汇店", "上海").await;
    let other_manager = app
        .user_with_role("sales_manager", Some(&other_store))
        .await;
    let lead_id = app
        .insert_lead(&team.customer, Some(&consultant), Some(&team.store), "b")
        .await;
    let lead = lead_row(&app, &lead_id).await;
    let task_id = open_task(&app, &lead).await;
    let path = format!("/api/v1/leads/{lead_id}/lost-requests");

    // Bad input: an unknown reason, `other` without a note.
    for body in [
        json!({"reason": "aliens"}),
        json!({"reason": "other", "note": " "}),
        json!({}),
    ] {
        let res = app.post(&path, &token, &body).await;
        assert_eq!(res.status(), 422, "{body}");
    }
    let (status, request) = status_and_body(
        app.post(
            &path,
            &token,
            &json!({"reason": "competitor", "note": "客户已订理想L6"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{request}");
    assert_eq!(request["status"], "requested");
    let rid = request["id"].as_str().unwrap().to_owned();
    // A second one while it waits: 409.
    let res = app.post(&path, &token, &json!({"reason": "price"})).await;
    assert_eq!(res.status(), 409);
    // The manager is notified and sees it in the queue; the other store's does not.
    let notes = app
        .get("/api/v1/me/notifications", &manager.1)
        .await
        .text()
        .await
        .unwrap();
    assert!(notes.contains("lead.lost_request"), "{notes}");
    let (_, queue) = status_and_body(
        app.get("/api/v1/lost-requests?status=pending", &manager.1)
            .await,
    )
    .await;
    assert_eq!(queue["items"][0]["id"], rid.as_str(), "{queue}");
    let (_, queue) = status_and_body(
        app.get("/api/v1/lost-requests?status=pending", &other_manager.1)
            .await,
    )
    .await;
    assert_eq!(queue["items"].as_array().unwrap().len(), 0);
    assert_eq!(
        app.get("/api/v1/lost-requests?status=nope", &manager.1)
            .await
            .status(),
        400
    );
    // The consultant cannot decide (403); another store's manager does not see it (404).
    assert_problem(
        app.post(
            &format!("/api/v1/lost-requests/{rid}/approve"),
            &token,
            &json!({}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.post(
            &format!("/api/v1/lost-requests/{rid}/approve"),
            &other_manager.1,
            &json!({}),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    // Rejected: the lead stays open, the requester is told.
    let (status, body) = status_and_body(
        app.post(
            &format!("/api/v1/lost-requests/{rid}/reject"),
            &manager.1,
            &json!({"note": "再跟进一周"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "rejected");
    assert_eq!(lead_row(&app, &lead_id).await.status, "new");
    let notes = app
        .get("/api/v1/me/notifications", &token)
        .await
        .text()
        .await
        .unwrap();
    assert!(notes.contains("lead.lost_request"), "{notes}");
    // Decided once only.
    let res = app
        .post(
            &format!("/api/v1/lost-requests/{rid}/approve"),
            &manager.1,
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 409);

    // Asked again and approved: lost, its open task cancelled.
    let (_, request) =
        status_and_body(app.post(&path, &token, &json!({"reason": "price"})).await).await;
    let rid = request["id"].as_str().unwrap().to_owned();
    let (status, _) = status_and_body(
        app.post(
            &format!("/api/v1/lost-requests/{rid}/approve"),
            &manager.1,
            &json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(lead_row(&app, &lead_id).await.status, "lost");
    let org = app.org_id.clone();
    let task = app
        .with_db(move |conn| Task::find(conn, &org, &task_id).unwrap().unwrap())
        .await;
    assert_eq!(task.status, "cancelled");
    // A lost lead takes no request.
    assert_eq!(
        app.post(&path, &token, &json!({"reason": "price"}))
            .await
            .status(),
        409
    );

    // Reactivated (managers only): new, in the store's pool, active from now.
    let reactivate = format!("/api/v1/leads/{lead_id}/reactivate");
    assert_eq!(
        app.post(&reactivate, &token, &json!({})).await.status(),
        403
    );
    let (status, body) = status_and_body(
        app.post(
            &reactivate,
            &manager.1,
            &json!({"reason": "客户来电，重新考虑购车"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let lead = lead_row(&app, &lead_id).await;
    assert_eq!(lead.status, "new");
    assert_eq!(lead.owner_id, None);
    assert!(lead.pool_since.is_some());
    assert_eq!(lead.store_id.as_deref(), Some(team.store.as_str()));
    // Not lost any more: 409.
    assert_eq!(
        app.post(&reactivate, &manager.1, &json!({})).await.status(),
        409
    );
}

#[tokio::test]
async fn without_approval_a_deal_is_lost_at_once() {
    let app = TestApp::spawn().await;
    let team = team(&app).await;
    let deal = open_deal(&app, &team, json!({})).await;
    let id = deal["id"].as_str().unwrap().to_owned();
    let (status, policy) = status_and_body(
        app.get("/api/v1/settings/lost-policy", &team.consultant.1)
            .await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(policy["approval_required"], true);
    assert_eq!(
        app.request(
            reqwest::Method::PUT,
            "/api/v1/settings/lost-policy",
            Some(&team.consultant.1)
        )
        .json(&json!({"approval_required": false}))
        .send()
        .await
        .unwrap()
        .status(),
        403
    );
    let res = app
        .request(
            reqwest::Method::PUT,
            "/api/v1/settings/lost-policy",
            Some(&app.admin_token),
        )
        .json(&json!({"approval_required": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (status, request) = status_and_body(
        app.post(
            &format!("/api/v1/deals/{id}/lost-requests"),
            &team.consultant.1,
            &json!({"reason": "financing_refused", "note": "银行拒贷"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{request}");
    assert_eq!(request["status"], "approved");
    let (_, deal) = status_and_body(
        app.get(&format!("/api/v1/deals/{id}"), &team.consultant.1)
            .await,
    )
    .await;
    assert_eq!(deal["stage"], "lost");
    assert_eq!(deal["lost_reason"], "financing_refused");
    assert_eq!(deal["probability_percent"], 0);
    let (org, aggregate) = (app.org_id.clone(), id.clone());
    let events = app
        .with_db(move |conn| OutboxEvent::list_for_aggregate(conn, &org, &aggregate).unwrap())
        .await;
    let lost = events
        .iter()
        .find(|e| e.event_type == "deal.lost")
        .expect("deal.lost");
    assert!(lost.payload.contains("financing_refused"));
    // Another tenant's deal: 404.
    let stranger = app.other_tenant().await;
    let res = app
        .post(
            &format!("/api/v1/deals/{id}/lost-requests"),
            &stranger,
            &json!({"reason": "price"}),
        )
        .await;
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn concurrent_requests_for_one_lead_leave_one_waiting() {
    let app = TestApp::spawn().await;
    let team = team(&app).await;
    let lead_id = app
        .insert_lead(
            &team.customer,
            Some(&team.consultant.0),
            Some(&team.store),
            "a",
        )
        .await;
    let path = format!("/api/v1/leads/{lead_id}/lost-requests");
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let req = app
            .request(reqwest::Method::POST, &path, Some(&team.consultant.1))
            .json(&json!({"reason": "timing", "note": "明年再买"}));
        calls.spawn(async move { req.send().await.unwrap().status().as_u16() });
    }
    let statuses: Vec<u16> = calls.join_all().await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 409),
        "{statuses:?}"
    );
    let (_, mine) =
        status_and_body(app.get("/api/v1/lost-requests", &team.consultant.1).await).await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    let _: &Value = &mine;
}
