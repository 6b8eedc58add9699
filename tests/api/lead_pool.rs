//! The lead pool (公海): an unworked lead returns to its store's pool when its grade's time
//! has passed (once, with two nodes), an activity restarts the clock, claims are capped per
//! day, the previous owner waits out the reclaim ban, and of many claiming one lead at
//! once exactly one gets it.

use chrono::TimeDelta;
use serde_json::json;

use crate::helpers::{assert_problem, field_errors, page_ids, status_and_body};
use crate::tasks::{spawn, stored_lead, team};

#[tokio::test]
async fn an_unworked_lead_returns_to_the_pool_and_its_owner_waits_to_reclaim() {
    let app = spawn().await;
    let t = team(&app).await;
    let customer = app.create_customer(&t.c1.1, &json!({"name": "孙丽"})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let hot = app
        .insert_lead(&customer, Some(&t.c1.0), Some(&t.store), "h")
        .await;
    let warm = app
        .insert_lead(&customer, Some(&t.c1.0), Some(&t.store), "a")
        .await;

    // 20 hours: an activity with the customer works both leads.
    app.clock.advance(TimeDelta::hours(20));
    let res = app
        .post(
            &format!("/api/v1/customers/{customer}/activities"),
            &t.c1.1,
            &json!({"kind": "wechat", "outcome": "reached", "content": "微信发送车型配置表"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    // A day after the activity (not after the lead): the H lead returns, the A lead stays.
    app.clock.advance(TimeDelta::hours(10));
    app.run_jobs_on_two_nodes().await;
    assert_eq!(stored_lead(&app, &hot).await.owner_id, Some(t.c1.0.clone()));
    app.clock.advance(TimeDelta::hours(15));
    app.run_jobs_on_two_nodes().await;
    app.run_jobs_on_two_nodes().await;
    let returned = stored_lead(&app, &hot).await;
    assert_eq!(returned.owner_id, None);
    assert!(returned.pool_since.is_some());
    assert_eq!(
        stored_lead(&app, &warm).await.owner_id,
        Some(t.c1.0.clone())
    );
    let (org, id) = (app.org_id.clone(), hot.clone());
    let history = app
        .with_db(move |conn| {
            autocrm_persistence::models::LeadHistoryEntry::of_lead(conn, &org, &id, None, 100)
                .unwrap()
        })
        .await;
    assert_eq!(
        history
            .iter()
            .filter(|e| e.kind == "returned_to_pool")
            .count(),
        1
    );

    let (c1, c2, manager) = (t.c1.1.clone(), t.c2.1.clone(), t.manager.1.clone());

    // The store's pool shows it to consultants and the manager.
    for token in [&c1, &c2, &manager] {
        let (status, body) = status_and_body(app.get("/api/v1/lead-pool", token).await).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            page_ids(&body).unwrap(),
            [hot.clone()].into_iter().collect()
        );
    }
    // The previous owner may not reclaim it yet.
    let res = app
        .post(&format!("/api/v1/leads/{hot}/claim"), &c1, &json!({}))
        .await;
    let p = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(
        field_errors(&p).unwrap(),
        [("lead".to_owned(), "recently_released".to_owned())]
    );
    // A colleague may.
    let res = app
        .post(&format!("/api/v1/leads/{hot}/claim"), &c2, &json!({}))
        .await;
    let (status, body) = status_and_body(res).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["lead"]["owner_id"], json!(t.c2.0));
    assert_eq!(body["claims_left_today"], 9);
    let res = app
        .post(&format!("/api/v1/leads/{hot}/claim"), &c2, &json!({}))
        .await;
    assert_problem(res, 409, "invalid_transition").await;

    // Another tenant's lead is 404.
    let other = app.other_tenant().await;
    let res = app
        .post(&format!("/api/v1/leads/{warm}/claim"), &other, &json!({}))
        .await;
    assert_problem(res, 404, "not_found").await;
}

#[tokio::test]
async fn claims_are_capped_per_day_and_one_claimant_wins_a_race() {
    let app = spawn().await;
    let t = team(&app).await;
    let customer = app
        .create_customer(&app.admin_token, &json!({"name": "周强"}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut pooled = Vec::new();
    for _ in 0..12 {
        pooled.push(app.insert_lead(&customer, None, Some(&t.store), "b").await);
    }
    // Ten claims pass, the eleventh is refused.
    for (i, lead) in pooled.iter().take(10).enumerate() {
        let res = app
            .post(&format!("/api/v1/leads/{lead}/claim"), &t.c1.1, &json!({}))
            .await;
        let (status, body) = status_and_body(res).await;
        assert_eq!(status, 200, "claim {i}: {body}");
        assert_eq!(body["claims_left_today"], 9 - i);
    }
    let res = app
        .post(
            &format!("/api/v1/leads/{}/claim", pooled[10]),
            &t.c1.1,
            &json!({}),
        )
        .await;
    let p = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(
        field_errors(&p).unwrap(),
        [("lead".to_owned(), "daily_cap_reached".to_owned())]
    );
    assert_eq!(stored_lead(&app, &pooled[10]).await.owner_id, None);

    // Five consultants claim one lead at once: one owner.
    let mut tokens = vec![t.c2.1.clone(), t.manager.1.clone()];
    for _ in 0..3 {
        tokens.push(
            app.user_with_role("sales_consultant", Some(&t.store))
                .await
                .1,
        );
    }
    let lead = pooled[11].clone();
    let mut calls = tokio::task::JoinSet::new();
    for token in &tokens {
        let req = app
            .request(
                reqwest::Method::POST,
                &format!("/api/v1/leads/{lead}/claim"),
                Some(token),
            )
            .json(&json!({}));
        calls.spawn(async move { req.send().await.unwrap().status().as_u16() });
    }
    let mut statuses = calls.join_all().await;
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409, 409, 409, 409]);
    assert!(stored_lead(&app, &lead).await.owner_id.is_some());

    // The next day the cap starts again.
    app.clock.advance(TimeDelta::days(1));
    let c1 = t.c1.1.clone();
    let res = app
        .post(
            &format!("/api/v1/leads/{}/claim", pooled[10]),
            &c1,
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 200);

    // Pool settings: validated, for general managers and admins.
    let res = app
        .request(reqwest::Method::PUT, "/api/v1/settings/lead-pool", Some(&app.admin_token))
        .json(&json!({"return_after_days": {"h": 0, "a": 3, "b": 7, "c": 15}, "daily_claim_cap": 10, "reclaim_cooldown_days": 7}))
        .send()
        .await
        .unwrap();
    let p = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(
        field_errors(&p).unwrap(),
        [("return_after_days.h".to_owned(), "out_of_range".to_owned())]
    );
    let res = app
        .request(reqwest::Method::PUT, "/api/v1/settings/lead-pool", Some(&app.admin_token))
        .json(&json!({"return_after_days": {"h": 2, "a": 3, "b": 7, "c": 15}, "daily_claim_cap": 20, "reclaim_cooldown_days": 3}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (_, body) = status_and_body(app.get("/api/v1/settings/lead-pool", &c1).await).await;
    assert_eq!(body["daily_claim_cap"], 20);
}
