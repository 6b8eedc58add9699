//! Batch intake is set-based (a handful of statements for 500 leads). These tests hold it to
//! what the same leads do one at a time: new customers shared by the leads that name them,
//! known customers found by every contact key, a source id repeated within the batch,
//! round-robin rotating through the batch, refused items; and to one lead per source id when
//! batches race.

use std::collections::{BTreeMap, HashMap};

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, status_and_body};

const LEADS: &str = "/api/v1/leads";

/// A store, two consultants under round-robin, and four customers on file: by main phone,
/// by another phone, by email, by WeChat id. Answers the store and `id → label` of the
/// consultants and known customers.
async fn dealership(app: &TestApp) -> (String, HashMap<String, String>) {
    let store = app.create_store("浦东店", "上海").await;
    let (a, _) = app.user_with_role("sales_consultant", Some(&store)).await;
    let (b, _) = app.user_with_role("sales_consultant", Some(&store)).await;
    let res = app
        .request(
            Method::PUT,
            "/api/v1/settings/lead-routing",
            Some(&app.admin_token),
        )
        .json(
            &json!({"rules": [{"name": "浦东店轮询", "store_ids": [store], "team": [a, b],
            "strategy": "round_robin"}]}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let mut labels = HashMap::from([(a, "a".to_owned()), (b, "b".to_owned())]);
    for (label, body) in [
        (
            "known-main-phone",
            json!({"name": "张伟", "phone": "13800000001"}),
        ),
        (
            "known-other-phone",
            json!({"name": "李娜", "phone": "13800000003",
                "phones": [{"number": "13800000004", "label": "work"}]}),
        ),
        (
            "known-email",
            json!({"name": "王芳", "phone": "13800000005", "email": "wangfang@example.cn"}),
        ),
        (
            "known-wechat",
            json!({"name": "刘洋", "phone": "13800000006", "wechat_openid": "oWx-liuyang-0001"}),
        ),
    ] {
        let c = app.create_customer(&app.admin_token, &body).await;
        labels.insert(c["id"].as_str().unwrap().to_owned(), label.to_owned());
    }
    (store, labels)
}

fn lead(customer: Value, extra: Value) -> Value {
    let mut body = json!({"source": "car_show", "customer": customer});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

/// Every case a batch meets, in an order where earlier leads matter to later ones.
fn items(store: &str) -> Vec<Value> {
    let at = |extra: Value| {
        let mut extra = extra;
        extra["store_id"] = json!(store);
        extra
    };
    vec![
        // 0, 1: one new customer named twice; the second lead adds to its needs.
        lead(
            json!({"name": "陈静", "phone": "13900000001"}),
            at(json!({"wanted": {"brand": "比亚迪"}, "timeframe": "within_7_days"})),
        ),
        lead(
            json!({"phone": "13900000001"}),
            at(json!({"wanted": {"model": "汉EV", "budget_max_cents": 25_000_000}})),
        ),
        // 2-5: customers on file, by main phone, other phone, email, WeChat id.
        lead(
            json!({"phone": "13800000001"}),
            at(json!({"wanted": {"brand": "理想"}})),
        ),
        lead(json!({"email": "wangfang@example.cn"}), at(json!({}))),
        lead(json!({"phone": "13800000004"}), at(json!({}))),
        lead(
            json!({"wechat_id": "oWx-liuyang-0001"}),
            at(json!({"source_lead_id": "CS-5", "timeframe": "within_30_days"})),
        ),
        // 6: the same source id again: a duplicate of 5.
        lead(
            json!({"phone": "13900000006"}),
            at(json!({"source_lead_id": "CS-5"})),
        ),
        // 7: no such store: refused, the rest go in.
        lead(
            json!({"phone": "13900000007"}),
            json!({"store_id": "0193a5c4-0000-7000-8000-000000000000"}),
        ),
        // 8, 9: a new customer by phone and email, named again by the email alone.
        lead(
            json!({"name": "赵磊", "phone": "13900000008", "email": "zhaolei@example.cn"}),
            at(json!({"wanted": {"energy_type": "bev"}})),
        ),
        lead(json!({"email": "zhaolei@example.cn"}), at(json!({}))),
        // 10: no way to reach anyone: refused at the door.
        lead(json!({"name": "无联系方式"}), at(json!({}))),
        // 11: a plain new customer.
        lead(
            json!({"name": "孙悦", "phone": "13900000011"}),
            at(json!({"timeframe": "later"})),
        ),
    ]
}

/// What an item ended as, with ids replaced by labels: the consultants', the known
/// customers', and `new#n` for the n-th new customer.
async fn outcomes(
    app: &TestApp,
    labels: &HashMap<String, String>,
    answers: &[Value],
) -> Vec<Value> {
    let mut labels = labels.clone();
    let mut new_customers = 0;
    let mut lead_index: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::new();
    for (i, answer) in answers.iter().enumerate() {
        let status = answer["status"].as_u64().unwrap();
        let Some(lead) = answer.get("lead").filter(|l| !l.is_null()) else {
            out.push(json!({"status": status}));
            continue;
        };
        let lead_id = lead["id"].as_str().unwrap().to_owned();
        let first = *lead_index.entry(lead_id.clone()).or_insert(i);
        let customer_id = lead["customer_id"].as_str().unwrap().to_owned();
        let customer = labels
            .entry(customer_id.clone())
            .or_insert_with(|| {
                new_customers += 1;
                format!("new#{new_customers}")
            })
            .clone();
        let owner = lead["owner_id"]
            .as_str()
            .map_or("pool".to_owned(), |o| labels[o].clone());
        let needs = app
            .get(
                &format!("/api/v1/customers/{customer_id}"),
                &app.admin_token,
            )
            .await
            .json::<Value>()
            .await
            .unwrap()["needs"]
            .clone();
        let history: Vec<String> = app
            .get(&format!("{LEADS}/{lead_id}/history"), &app.admin_token)
            .await
            .json::<Value>()
            .await
            .unwrap()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap().to_owned())
            .collect();
        out.push(json!({
            "status": status, "same_lead_as": first, "customer": customer,
            "owner": owner,
            "grade": lead["grade"], "score": lead["score"], "customer_needs": needs,
            "history": history,
        }));
    }
    out
}

async fn counts(app: &TestApp) -> BTreeMap<&'static str, i64> {
    app.with_db(|conn| {
        use autocrm_persistence::schema::{customers, lead_history, leads, outbox_events, tasks};
        use diesel::prelude::*;
        BTreeMap::from([
            ("leads", leads::table.count().get_result(conn).unwrap()),
            (
                "customers",
                customers::table.count().get_result(conn).unwrap(),
            ),
            ("tasks", tasks::table.count().get_result(conn).unwrap()),
            (
                "history",
                lead_history::table.count().get_result(conn).unwrap(),
            ),
            (
                "lead.created",
                outbox_events::table
                    .filter(outbox_events::event_type.eq("lead.created"))
                    .count()
                    .get_result(conn)
                    .unwrap(),
            ),
            (
                "customer.created",
                outbox_events::table
                    .filter(outbox_events::event_type.eq("customer.created"))
                    .count()
                    .get_result(conn)
                    .unwrap(),
            ),
            (
                "lead.assigned",
                outbox_events::table
                    .filter(outbox_events::event_type.eq("lead.assigned"))
                    .count()
                    .get_result(conn)
                    .unwrap(),
            ),
        ])
    })
    .await
}

#[tokio::test]
async fn a_batch_ends_as_the_same_leads_taken_one_at_a_time() {
    let (together, one_by_one) = (TestApp::spawn().await, TestApp::spawn().await);

    let (store, labels) = dealership(&together).await;
    let res = together
        .post(
            &format!("{LEADS}/batch"),
            &together.admin_token,
            &json!({"items": items(&store)}),
        )
        .await;
    let (status, body) = status_and_body(res).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (&body["created"], &body["duplicates"], &body["refused"]),
        (&json!(9), &json!(1), &json!(2)),
        "{body}"
    );
    let answers: Vec<Value> = body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| json!({"status": r["status"], "lead": r["lead"]}))
        .collect();
    let created_in_batch: Vec<Value> = body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["customer_created"].clone())
        .collect();
    let batch = outcomes(&together, &labels, &answers).await;

    let (store, labels) = dealership(&one_by_one).await;
    let (mut answers, mut created_alone) = (Vec::new(), Vec::new());
    for item in items(&store) {
        let res = one_by_one.post(LEADS, &one_by_one.admin_token, &item).await;
        let (status, body) = status_and_body(res).await;
        answers.push(json!({"status": status, "lead": body.get("lead")}));
        created_alone.push(body.get("customer_created").cloned().unwrap_or(Value::Null));
    }
    let single = outcomes(&one_by_one, &labels, &answers).await;
    assert_eq!(created_in_batch, created_alone, "customer_created per item");
    assert_eq!(
        created_in_batch
            .iter()
            .filter(|c| **c == json!(true))
            .count(),
        3,
        "three prospects created: {created_in_batch:?}"
    );

    for (i, (b, s)) in batch.iter().zip(&single).enumerate() {
        assert_eq!(b, s, "item {i}: batch {b:#} one at a time {s:#}");
    }
    // The cases came out as meant (not only alike).
    let label = |i: usize, key: &str| batch[i][key].clone();
    assert_eq!(label(0, "customer"), label(1, "customer"));
    assert_eq!(batch[1]["customer_needs"]["brands"], json!(["比亚迪"]));
    assert_eq!(
        batch[1]["customer_needs"]["budget_max_cents"],
        json!(25_000_000)
    );
    assert_eq!(label(2, "customer"), "known-main-phone");
    assert_eq!(label(3, "customer"), "known-email");
    assert_eq!(label(4, "customer"), "known-other-phone");
    assert_eq!(label(5, "customer"), "known-wechat");
    assert_eq!(
        (label(6, "status"), label(6, "same_lead_as")),
        (json!(200), json!(5))
    );
    assert_eq!(label(7, "status"), 422);
    assert_eq!(label(8, "customer"), label(9, "customer"));
    assert_eq!(label(10, "status"), 422);
    let owners: Vec<Value> = [0, 1, 2, 3, 4, 5, 8, 9, 11]
        .iter()
        .map(|&i| label(i, "owner"))
        .collect();
    assert_eq!(
        owners
            .iter()
            .filter(|o| **o == "a")
            .count()
            .abs_diff(owners.iter().filter(|o| **o == "b").count()),
        1,
        "round-robin alternates through the batch: {owners:?}"
    );
    for i in [0, 1, 2, 3, 4, 5, 8, 9, 11] {
        assert_eq!(
            label(i, "history"),
            json!(["created", "assigned"]),
            "item {i}"
        );
    }
    // Rows and events: the same both ways, and as many as the leads that went in.
    let written = counts(&together).await;
    assert_eq!(written, counts(&one_by_one).await);
    assert_eq!(written["lead.created"], 9);
    assert_eq!(written["lead.assigned"], 9);
    assert_eq!(written["leads"], 9);
    assert_eq!(written["tasks"], 9, "one first-response task a lead");
    assert_eq!(written["customers"], 4 + 3, "four on file, three new");
}

#[tokio::test]
async fn racing_batches_of_the_same_leads_take_each_in_once() {
    let app = TestApp::spawn().await;
    let items: Vec<Value> = (0..20)
        .map(|i| {
            json!({"source": "car_show", "source_lead_id": format!("CS-{i}"),
                "customer": {"name": format!("车展客户{i}"), "phone": format!("1370000{i:04}")}})
        })
        .collect();
    let calls: Vec<_> = (0..4)
        .map(|_| {
            let req = app
                .request(
                    Method::POST,
                    &format!("{LEADS}/batch"),
                    Some(&app.admin_token),
                )
                .json(&json!({"items": items}));
            tokio::spawn(async move { status_and_body(req.send().await.unwrap()).await })
        })
        .collect();
    let mut created_per_item = vec![0; 20];
    let mut lead_of_item: Vec<Option<Value>> = vec![None; 20];
    for call in calls {
        let (status, body) = call.await.unwrap();
        assert_eq!(status, 200, "{body}");
        for (i, r) in body["results"].as_array().unwrap().iter().enumerate() {
            match r["result"].as_str().unwrap() {
                "created" => created_per_item[i] += 1,
                "duplicate" => {}
                other => panic!("item {i}: {other} {r}"),
            }
            let id = r["lead"]["id"].clone();
            let seen = lead_of_item[i].get_or_insert_with(|| id.clone());
            assert_eq!(*seen, id, "every answer names the one lead of item {i}");
        }
    }
    assert_eq!(created_per_item, vec![1; 20]);
    let written = counts(&app).await;
    assert_eq!(
        (written["leads"], written["customers"], written["tasks"]),
        (20, 20, 20)
    );
}

#[tokio::test]
async fn racing_leads_of_one_new_phone_share_one_customer() {
    let app = TestApp::spawn().await;
    let calls: Vec<_> = (0..10)
        .map(|i| {
            let req = app
                .request(Method::POST, LEADS, Some(&app.admin_token))
                .json(
                    &json!({"source": "autohome", "source_lead_id": format!("AH-{i}"),
                    "customer": {"name": "周杰", "phone": "13612345678"}}),
                );
            tokio::spawn(async move { status_and_body(req.send().await.unwrap()).await })
        })
        .collect();
    let mut customers = std::collections::BTreeSet::new();
    for call in calls {
        let (status, body) = call.await.unwrap();
        assert_eq!(
            status, 201,
            "the loser of the race on the phone attaches: {body}"
        );
        customers.insert(body["lead"]["customer_id"].as_str().unwrap().to_owned());
    }
    assert_eq!(customers.len(), 1);
    let written = counts(&app).await;
    assert_eq!((written["leads"], written["customers"]), (10, 1));
}
