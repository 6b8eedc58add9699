//! The audit-log API: who may read it, its filters and pages, the CSV export (itself
//! audited), no clear personal data in any entry, and no way to change one.

use std::collections::HashSet;

use autocrm_domain::time::Clock;

use reqwest::Method;
use serde_json::{Value, json};

use crate::attachments::upload_ok;
use crate::helpers::{ADMIN_EMAIL, PASSWORD, TestApp, assert_problem};

async fn page(app: &TestApp, token: &str, query: &str) -> Value {
    let res = app.get(&format!("/api/v1/audit-log{query}"), token).await;
    assert_eq!(res.status(), 200, "{query}");
    res.json().await.unwrap()
}

fn actions(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn admins_and_general_managers_read_the_log_and_others_may_not() {
    let app = TestApp::spawn().await;
    let store = app.create_store("浦东店", "上海").await;
    let (_, manager) = app.user_with_role("general_manager", None).await;
    for token in [&app.admin_token, &manager] {
        assert_eq!(app.get("/api/v1/audit-log", token).await.status(), 200);
        assert_eq!(
            app.get("/api/v1/audit-log/export.csv", token)
                .await
                .status(),
            200
        );
    }
    for role in ["sales_manager", "sales_consultant", "finance", "marketing"] {
        let (_, token) = app
            .user_with_role(role, role.starts_with("sales").then_some(store.as_str()))
            .await;
        for path in ["/api/v1/audit-log", "/api/v1/audit-log/export.csv"] {
            assert_problem(app.get(path, &token).await, 403, "forbidden").await;
        }
    }
    // Machine clients need the scope.
    let reader = app.integration_token(&["audit:read"]).await;
    assert_eq!(app.get("/api/v1/audit-log", &reader).await.status(), 200);
    let other = app.integration_token(&["customers:read"]).await;
    assert_problem(app.get("/api/v1/audit-log", &other).await, 403, "forbidden").await;
    assert_problem(
        app.request(Method::GET, "/api/v1/audit-log", None)
            .send()
            .await
            .unwrap(),
        401,
        "unauthorized",
    )
    .await;
    // Another tenant sees only its own log.
    let tenant = app.other_tenant().await;
    let theirs = page(&app, &tenant, "?limit=200").await;
    assert!(
        actions(&theirs).iter().all(|a| a != "store.created"),
        "{theirs}"
    );
}

#[tokio::test]
async fn the_log_filters_and_pages_newest_first() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token.clone();
    let store = app.create_store("朝阳店", "北京").await;
    let (consultant_id, consultant) = app.user_with_role("sales_consultant", Some(&store)).await;
    let start = app.clock.now();
    app.clock.advance(chrono::TimeDelta::minutes(1));
    let mut customers = Vec::new();
    for (i, name) in ["甲", "乙", "丙"].iter().enumerate() {
        let c = app
            .create_customer(
                &consultant,
                &json!({"name": name, "phone": format!("1391234000{i}")}),
            )
            .await;
        customers.push(c["id"].as_str().unwrap().to_owned());
        app.clock.advance(chrono::TimeDelta::minutes(1));
    }
    let mid = app.clock.now();
    let res = app
        .post(
            &format!("/api/v1/customers/{}/reveal", customers[0]),
            &consultant,
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 200);

    // By actor: the consultant's three creations and one reveal, newest first.
    let mine = page(&app, &admin, &format!("?actor_id={consultant_id}")).await;
    assert_eq!(
        actions(&mine),
        [
            "customer.pii_revealed",
            "customer.created",
            "customer.created",
            "customer.created"
        ]
    );
    let first = &mine["items"][0];
    assert_eq!(first["actor_role"], "sales_consultant");
    assert_eq!(first["actor_name"], "测试用户");
    assert_eq!(first["entity_id"], customers[0].as_str());
    assert_eq!(first["detail"], json!({"fields": ["phone"]}));
    assert!(first["request_id"].is_string());
    // By action, by record, by time.
    let reveals = page(&app, &admin, "?action=customer.pii_revealed").await;
    assert_eq!(actions(&reveals), ["customer.pii_revealed"]);
    let of_one = page(
        &app,
        &admin,
        &format!("?entity_type=customer&entity_id={}", customers[0]),
    )
    .await;
    assert_eq!(
        actions(&of_one),
        ["customer.pii_revealed", "customer.created"]
    );
    let stamp = |t: chrono::DateTime<chrono::Utc>| {
        t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            .replace('+', "%2B")
    };
    let early = page(
        &app,
        &admin,
        &format!(
            "?from={}&to={}&action=customer.created",
            stamp(start),
            stamp(mid)
        ),
    )
    .await;
    assert_eq!(early["items"].as_array().unwrap().len(), 3);
    let late = page(&app, &admin, &format!("?from={}", stamp(mid))).await;
    assert_eq!(actions(&late), ["customer.pii_revealed"]);

    // Pages of two walk the whole log once, newest first.
    let all = page(&app, &admin, "?limit=200").await;
    let all_ids: Vec<String> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(all_ids.len() >= 6);
    let mut walked = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let query = match &cursor {
            Some(c) => format!("?limit=2&cursor={c}"),
            None => "?limit=2".to_owned(),
        };
        let p = page(&app, &admin, &query).await;
        walked.extend(
            p["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["id"].as_str().unwrap().to_owned()),
        );
        match p["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    // The reads themselves add nothing to the log.
    assert_eq!(walked, all_ids);
    let mut sorted = all_ids.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(sorted, all_ids, "newest first");

    // Malformed filters and cursors are 400s.
    for query in [
        "?actor_id=someone",
        "?action=DROP%20TABLE",
        "?entity_id=%00",
        "?cursor=not-a-cursor",
        "?limit=0",
        "?from=2026-13-01",
    ] {
        let res = app.get(&format!("/api/v1/audit-log{query}"), &admin).await;
        assert_eq!(res.status(), 400, "{query}");
    }
}

#[tokio::test]
async fn the_export_is_csv_for_excel_and_is_itself_audited() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token.clone();
    let (_, manager) = app.user_with_role("general_manager", None).await;
    let (_, formula) = {
        // A name that a spreadsheet would run as a formula.
        let email = format!("formula.{}@acme.test", uuid::Uuid::now_v7().simple());
        let res = app
            .post(
                "/api/v1/users",
                &admin,
                &json!({"name": "=HYPERLINK(\"http://x\")", "email": email,
                        "role": "general_manager", "password": PASSWORD}),
            )
            .await;
        assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
        ((), app.login_ok(&email, PASSWORD).await)
    };
    app.create_customer(&formula, &json!({"name": "王五"}))
        .await;
    for name in ["张三", "李四"] {
        app.create_customer(&manager, &json!({"name": name})).await;
    }
    let listed = page(&app, &admin, "?action=customer.created").await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 3);

    let res = app
        .get(
            "/api/v1/audit-log/export.csv?action=customer.created",
            &manager,
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"audit-log-")
    );
    let bytes = res.bytes().await.unwrap();
    assert!(
        bytes.starts_with("\u{feff}".as_bytes()),
        "a UTF-8 byte-order mark"
    );
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        header,
        [
            "id",
            "created_at",
            "actor_id",
            "actor_name",
            "actor_role",
            "action",
            "entity_type",
            "entity_id",
            "request_id",
            "detail"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3);
    let listed_ids: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    let exported_ids: Vec<&str> = rows.iter().map(|r| &r[0]).collect();
    assert_eq!(
        exported_ids, listed_ids,
        "the same entries, in the same order"
    );
    let names: HashSet<&str> = rows.iter().map(|r| &r[3]).collect();
    assert!(names.contains("测试用户"), "{names:?}");
    assert!(
        names.contains("'=HYPERLINK(\"http://x\")"),
        "a formula is defused: {names:?}"
    );
    assert!(
        rows.iter()
            .all(|r| &r[5] == "customer.created" && &r[9] == "{}")
    );

    // The export's own line, with its filters.
    let exports = page(&app, &admin, "?action=audit_log.exported").await;
    let line = &exports["items"][0];
    assert_eq!(exports["items"].as_array().unwrap().len(), 1);
    assert_eq!(line["entity_type"], "audit_log");
    assert_eq!(line["entity_id"], app.org_id.as_str());
    assert_eq!(line["actor_role"], "general_manager");
    assert_eq!(line["detail"]["format"], "csv");
    assert_eq!(line["detail"]["filters"]["action"], "customer.created");
}

#[tokio::test]
async fn a_longer_export_streams_every_entry() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token.clone();
    for i in 0..30 {
        app.create_customer(&admin, &json!({"name": format!("客户{i}")}))
            .await;
    }
    let bytes = app
        .get("/api/v1/audit-log/export.csv", &admin)
        .await
        .bytes()
        .await
        .unwrap();
    let rows = csv::Reader::from_reader(&bytes[3..]).records().count();
    // The customers, the bootstrap's lines if any, and the export itself.
    let listed = page(&app, &admin, "?limit=200").await;
    assert_eq!(rows, listed["items"].as_array().unwrap().len());
    assert!(rows >= 31);
}

/// PIPL: the log records that a phone was revealed or changed, and which attachment was
/// downloaded, never the phone number, an ID number or a file's (personal) name.
#[tokio::test]
async fn no_entry_holds_clear_personal_data() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token.clone();
    let customer = app
        .create_customer(&admin, &json!({"name": "郑爽", "phone": "13812345678"}))
        .await;
    let id = customer["id"].as_str().unwrap();
    let reveal = || async {
        let path = format!("/api/v1/customers/{id}/reveal");
        let res = app.post(&path, &admin, &json!({})).await;
        res.json::<Value>().await.unwrap()["phone"].clone()
    };
    assert_eq!(reveal().await, "+8613812345678");
    let res = app
        .patch(
            &format!("/api/v1/customers/{id}"),
            &admin,
            &json!({"phone": "139 8765 4321"}),
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(reveal().await, "+8613987654321");
    let id_card = "身份证-110101199003071234.png";
    let photo = autocrm_api::attachments::demo::png(20, 20, [1, 2, 3]);
    let attachment = upload_ok(&app, &admin, id, id_card, "image/png", photo).await;
    let attachment = attachment["id"].as_str().unwrap();
    let res = app
        .get(&format!("/api/v1/attachments/{attachment}/content"), &admin)
        .await;
    assert_eq!(res.status(), 200);

    // Every row of the organisation's log, straight from the database.
    let org = app.org_id.clone();
    let rows = app
        .with_db(move |conn| {
            use autocrm_persistence::schema::audit_log;
            use diesel::prelude::*;
            audit_log::table
                .filter(audit_log::org_id.eq(org))
                .select(autocrm_persistence::models::AuditEntry::as_select())
                .load(conn)
                .unwrap()
        })
        .await;
    let seen: HashSet<&str> = rows.iter().map(|r| r.action.as_str()).collect();
    for action in [
        "customer.created",
        "customer.pii_revealed",
        "customer.updated",
        "attachment.created",
        "attachment.downloaded",
    ] {
        assert!(seen.contains(action), "{action} in {seen:?}");
    }
    let forbidden = [
        "13812345678",
        "8613812345678",
        "13987654321",
        "139 8765 4321",
        "110101199003071234",
        "郑爽",
        "身份证",
    ];
    for row in &rows {
        let text = format!("{} {:?} {:?}", row.detail, row.entity_id, row.request_id);
        for clear in forbidden {
            assert!(
                !text.contains(clear),
                "{} holds {clear}: {}",
                row.action,
                row.detail
            );
        }
    }
    // Nor does the API's rendering of them, nor the export.
    let token = app.login_ok(ADMIN_EMAIL, PASSWORD).await;
    let listed = app
        .get("/api/v1/audit-log?limit=200", &token)
        .await
        .text()
        .await
        .unwrap();
    let exported = app
        .get("/api/v1/audit-log/export.csv", &token)
        .await
        .text()
        .await
        .unwrap();
    for clear in forbidden {
        assert!(!listed.contains(clear), "{clear}");
        assert!(!exported.contains(clear), "{clear}");
    }
}

#[tokio::test]
async fn no_endpoint_changes_or_deletes_an_entry() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token.clone();
    app.create_customer(&admin, &json!({"name": "甲"})).await;
    let before = page(&app, &admin, "?limit=200").await;
    let id = before["items"][0]["id"].as_str().unwrap().to_owned();
    for method in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
        for path in [
            "/api/v1/audit-log".to_owned(),
            format!("/api/v1/audit-log/{id}"),
        ] {
            let res = app
                .request(method.clone(), &path, Some(&admin))
                .json(&json!({"action": "nothing.happened"}))
                .send()
                .await
                .unwrap();
            assert!(
                [404, 405].contains(&res.status().as_u16()),
                "{method} {path}: {}",
                res.status()
            );
        }
    }
    let after = page(&app, &admin, "?limit=200").await;
    assert_eq!(after["items"], before["items"]);
}
