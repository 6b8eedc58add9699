//! Customers: create, dedupe, validate, list and filter, patch with versions, archive, reveal.

use std::collections::HashSet;

use reqwest::{Method, Response};
use serde_json::{Value, json};

use crate::helpers::{Mismatches, TestApp, assert_problem};

/// GET /api/v1/customers with these query parameters, encoded.
async fn get_list(app: &TestApp, query: &[(&str, &str)]) -> Response {
    let url = reqwest::Url::parse_with_params(&app.url("/api/v1/customers"), query).unwrap();
    app.client
        .get(url)
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .unwrap()
}

async fn list(app: &TestApp, query: &[(&str, &str)]) -> Value {
    let res = get_list(app, query).await;
    assert_eq!(res.status(), 200, "list {query:?}");
    res.json().await.unwrap()
}

/// The ids the customer list gives for `query`.
async fn listed(app: &TestApp, query: &[(&str, &str)]) -> HashSet<String> {
    ids(&list(app, query).await).into_iter().collect()
}

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

fn names(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn count_all(app: &TestApp) -> usize {
    list(app, &[("status", "all"), ("limit", "200")]).await["items"]
        .as_array()
        .unwrap()
        .len()
}

/// Walks every page of a list with `limit`, returning the ids in order.
async fn walk(app: &TestApp, query: &[(&str, &str)], limit: usize) -> Vec<String> {
    let limit_text = limit.to_string();
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..50 {
        let mut q: Vec<(&str, &str)> = query.to_vec();
        q.push(("limit", &limit_text));
        if let Some(c) = &cursor {
            q.push(("cursor", c));
        }
        let page = list(app, &q).await;
        let got = ids(&page);
        assert!(got.len() <= limit);
        all.extend(got.clone());
        match page["next_cursor"].as_str() {
            Some(next) => {
                assert_eq!(got.len(), limit, "only a full page has a next page");
                cursor = Some(next.to_owned());
            }
            None => return all,
        }
    }
    panic!("pagination did not end");
}

fn etag(res: &Response) -> String {
    res.headers()["etag"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn create_masks_the_phone_and_reveal_shows_it_audited() {
    let app = TestApp::spawn().await;
    let res = app
        .post(
            "/api/v1/customers",
            &app.admin_token,
            &json!({"name": " 张伟 ", "phone": "138-1234-5678", "email": "Zhang.Wei@Example.COM",
                    "city": "上海", "source_channel": "wechat", "kind": "individual",
                    "marketing_consent": true}),
        )
        .await;
    assert_eq!(res.status(), 201);
    assert_eq!(etag(&res), "\"1\"");
    let created: Value = res.json().await.unwrap();
    let id = created["id"].as_str().unwrap();
    assert_eq!(created["name"], "张伟");
    assert_eq!(created["phone"], "138****5678");
    assert_eq!(created["email"], "zhang.wei@example.com");
    assert_eq!(created["status"], "active");
    assert_eq!(created["version"], 1);
    assert_eq!(created["marketing_consent"], true);
    assert!(created["archived_at"].is_null());
    // Nowhere in a normal answer is the full number.
    let got = app
        .get(&format!("/api/v1/customers/{id}"), &app.admin_token)
        .await
        .text()
        .await
        .unwrap();
    assert!(!got.contains("13812345678"), "{got}");
    assert!(got.contains("138****5678"));

    assert_eq!(
        app.audit_actions("customer", id).await,
        ["customer.created"]
    );
    let res = app
        .post(
            &format!("/api/v1/customers/{id}/reveal"),
            &app.admin_token,
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let revealed: Value = res.json().await.unwrap();
    assert_eq!(revealed["customer_id"], id);
    assert_eq!(revealed["phone"], "+8613812345678");
    assert_eq!(
        app.audit_actions("customer", id).await,
        ["customer.created", "customer.pii_revealed"]
    );

    // Other formats normalise to the same E.164 number; foreign numbers are fine too.
    let foreign = app
        .create_customer(
            &app.admin_token,
            &json!({"name": "John Smith", "phone": "+1 (415) 555-2671"}),
        )
        .await;
    assert_eq!(foreign["phone"], "+141****2671");
    let id = foreign["id"].as_str().unwrap();
    let revealed: Value = app
        .post(
            &format!("/api/v1/customers/{id}/reveal"),
            &app.admin_token,
            &json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(revealed["phone"], "+14155552671");
}

#[tokio::test]
async fn a_known_phone_is_a_409_naming_the_existing_customer() {
    let app = TestApp::spawn().await;
    let first = app
        .create_customer(
            &app.admin_token,
            &json!({"name": "张伟", "phone": "13812345678"}),
        )
        .await;
    for phone in ["13812345678", "+86 138 1234 5678", "0086-138-1234-5678"] {
        let res = app
            .post(
                "/api/v1/customers",
                &app.admin_token,
                &json!({"name": "张伟伟", "phone": phone}),
            )
            .await;
        let problem = assert_problem(res, 409, "duplicate").await;
        assert_eq!(problem["existing_id"], first["id"], "{phone}");
    }
    assert_eq!(count_all(&app).await, 1);

    // Moving another customer onto that number is the same conflict.
    let second = app
        .create_customer(
            &app.admin_token,
            &json!({"name": "李四", "phone": "13900001111"}),
        )
        .await;
    let id = second["id"].as_str().unwrap();
    let res = app
        .patch(
            &format!("/api/v1/customers/{id}"),
            &app.admin_token,
            &json!({"phone": "138 1234 5678"}),
            None,
        )
        .await;
    let problem = assert_problem(res, 409, "duplicate").await;
    assert_eq!(problem["existing_id"], first["id"]);
    // Customers without a phone never collide.
    app.create_customer(&app.admin_token, &json!({"name": "无电话甲"}))
        .await;
    app.create_customer(&app.admin_token, &json!({"name": "无电话乙"}))
        .await;
    assert_eq!(count_all(&app).await, 4);
}

#[tokio::test]
async fn every_invalid_field_is_reported_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let res = app
        .post(
            "/api/v1/customers",
            &app.admin_token,
            &json!({"name": "   ", "phone": "12345", "email": "not-an-email",
                    "kind": "alien", "source_channel": "tv", "owner_id": "me"}),
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    let errors = problem["errors"].as_array().unwrap();
    let fields: HashSet<&str> = errors
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for field in [
        "name",
        "phone",
        "email",
        "kind",
        "source_channel",
        "owner_id",
    ] {
        assert!(fields.contains(field), "{field} missing from {problem}");
    }
    for e in errors {
        assert!(e["code"].is_string() && e["message"].is_string());
    }

    let res = app
        .post(
            "/api/v1/customers",
            &app.admin_token,
            &json!({"name": "x".repeat(101), "notes": "n".repeat(4001)}),
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["code"], "too_long");
    assert_eq!(problem["errors"][1]["field"], "notes");

    // References checked inside the transaction: a well-formed id that names nothing.
    let res = app
        .post(
            "/api/v1/customers",
            &app.admin_token,
            &json!({"name": "孤儿", "phone": "13812345678",
                    "owner_id": uuid::Uuid::now_v7(), "store_id": uuid::Uuid::now_v7()}),
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "owner_id");
    assert_eq!(problem["errors"][0]["code"], "not_found");
    assert_eq!(problem["errors"][1]["field"], "store_id");

    assert_eq!(count_all(&app).await, 0);
    // And the phone of the refused request is still free.
    app.create_customer(
        &app.admin_token,
        &json!({"name": "张伟", "phone": "13812345678"}),
    )
    .await;
    assert_eq!(count_all(&app).await, 1);
}

#[tokio::test]
async fn pages_cover_the_list_exactly_once_in_every_sort() {
    let app = TestApp::spawn().await;
    let letters = [
        "Delta", "Alpha", "Golf", "Charlie", "Echo", "Bravo", "Foxtrot",
    ];
    let mut created = Vec::new();
    for name in letters {
        let c = app
            .create_customer(
                &app.admin_token,
                &json!({"name": format!("Customer {name}")}),
            )
            .await;
        created.push(c["id"].as_str().unwrap().to_owned());
    }

    // Default: newest first.
    let newest_first: Vec<String> = created.iter().rev().cloned().collect();
    let first = list(&app, &[("limit", "3")]).await;
    assert_eq!(first["items"].as_array().unwrap().len(), 3);
    assert!(first["next_cursor"].is_string());
    assert_eq!(walk(&app, &[], 3).await, newest_first);
    assert_eq!(
        walk(&app, &[("sort", "-created_at")], 2).await,
        newest_first
    );
    assert_eq!(walk(&app, &[("sort", "created_at")], 3).await, created);
    assert_eq!(walk(&app, &[], 7).await, newest_first);
    assert_eq!(walk(&app, &[], 200).await, newest_first);
    let everything = list(&app, &[]).await;
    assert!(everything["next_cursor"].is_null());
    assert_eq!(ids(&everything), newest_first);

    // By name, both ways.
    let by_name = walk(&app, &[("sort", "name")], 3).await;
    let mut sorted: Vec<&str> = letters.to_vec();
    sorted.sort_unstable();
    let id_of = |letter: &str| created[letters.iter().position(|l| *l == letter).unwrap()].clone();
    let expected: Vec<String> = sorted.iter().map(|l| id_of(l)).collect();
    assert_eq!(by_name, expected);
    let shown = names(&list(&app, &[("sort", "name")]).await);
    let mut in_order = shown.clone();
    in_order.sort();
    assert_eq!(shown, in_order);
    assert_eq!(shown[0], "Customer Alpha");
    let mut reversed = expected.clone();
    reversed.reverse();
    assert_eq!(walk(&app, &[("sort", "-name")], 3).await, reversed);

    // By last change: the one just edited comes first.
    let golf = id_of("Golf");
    let res = app
        .patch(
            &format!("/api/v1/customers/{golf}"),
            &app.admin_token,
            &json!({"notes": "来电咨询"}),
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    let by_update = walk(&app, &[("sort", "-updated_at")], 3).await;
    assert_eq!(by_update[0], golf);
    assert_eq!(
        by_update.iter().collect::<HashSet<_>>(),
        created.iter().collect::<HashSet<_>>()
    );
    let oldest_change = walk(&app, &[("sort", "updated_at")], 3).await;
    assert_eq!(oldest_change.last(), Some(&golf));
    assert_eq!(oldest_change.len(), 7);

    // A cursor belongs to its sort.
    let cursor = list(&app, &[("limit", "3"), ("sort", "name")]).await["next_cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = get_list(&app, &[("cursor", cursor.as_str()), ("sort", "-name")]).await;
    assert_problem(res, 400, "invalid_cursor").await;
}

#[tokio::test]
async fn filters() {
    let app = TestApp::spawn().await;
    let store_a = app.create_store("浦东店", "上海").await;
    let store_b = app.create_store("朝阳店", "北京").await;
    let (consultant, _) = app.user_with_role("sales_consultant", Some(&store_a)).await;

    let zhang = app
        .create_customer(
            &app.admin_token,
            &json!({"name": "张伟", "phone": "13812345678", "email": "wei@zhang.cn",
                    "store_id": store_a, "owner_id": consultant}),
        )
        .await;
    let zhang_li = app
        .create_customer(
            &app.admin_token,
            &json!({"name": "张丽", "phone": "13912345678", "store_id": store_a}),
        )
        .await;
    let wang = app
        .create_customer(
            &app.admin_token,
            &json!({"name": "王芳", "phone": "13700001111", "store_id": store_b}),
        )
        .await;
    let id = |c: &Value| c["id"].as_str().unwrap().to_owned();
    let of = |cs: &[&Value]| cs.iter().map(|c| id(c)).collect::<HashSet<_>>();
    let none = HashSet::new();
    let mut m = Mismatches::new();

    // Name substring, email substring, exact phone in any format.
    for (query, expected) in [
        (vec![("q", "张")], of(&[&zhang, &zhang_li])),
        (vec![("q", "芳")], of(&[&wang])),
        (vec![("q", "zhang.cn")], of(&[&zhang])),
        (vec![("q", "WEI@Zhang")], of(&[&zhang])),
        (vec![("q", "13812345678")], of(&[&zhang])),
        (vec![("q", "+86 139 1234 5678")], of(&[&zhang_li])),
        // Part of a phone number finds nothing: numbers are stored encrypted.
        (vec![("q", "1381234")], none.clone()),
        // LIKE wildcards are literal.
        (vec![("q", "%")], none.clone()),
        (vec![("q", "_")], none.clone()),
        (vec![("owner_id", consultant.as_str())], of(&[&zhang])),
        (
            vec![("store_id", store_a.as_str())],
            of(&[&zhang, &zhang_li]),
        ),
        (
            vec![("store_id", store_b.as_str()), ("q", "张")],
            none.clone(),
        ),
    ] {
        m.eq(format!("{query:?}"), listed(&app, &query).await, expected);
    }

    // Creation time: from is inclusive, to is exclusive (times as the list reports them).
    let all = list(&app, &[("sort", "created_at")]).await;
    let created_at: Vec<String> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["created_at"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids(&all), vec![id(&zhang), id(&zhang_li), id(&wang)]);
    for (query, expected) in [
        (
            vec![("created_from", created_at[1].as_str())],
            of(&[&zhang_li, &wang]),
        ),
        (vec![("created_to", created_at[1].as_str())], of(&[&zhang])),
        (
            vec![
                ("created_from", created_at[1].as_str()),
                ("created_to", created_at[2].as_str()),
            ],
            of(&[&zhang_li]),
        ),
        (
            vec![("created_from", "2000-01-01T00:00:00+08:00")],
            of(&[&zhang, &zhang_li, &wang]),
        ),
        (vec![("created_to", "2000-01-01T00:00:00Z")], none.clone()),
    ] {
        m.eq(format!("{query:?}"), listed(&app, &query).await, expected);
    }

    // Status: archived ones leave the default list.
    let res = app
        .post(
            &format!("/api/v1/customers/{}/archive", id(&wang)),
            &app.admin_token,
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 200);
    for (query, expected) in [
        (vec![], of(&[&zhang, &zhang_li])),
        (vec![("status", "active")], of(&[&zhang, &zhang_li])),
        (vec![("status", "archived")], of(&[&wang])),
        (vec![("status", "all")], of(&[&zhang, &zhang_li, &wang])),
        (vec![("status", "archived"), ("q", "张")], none.clone()),
    ] {
        m.eq(format!("{query:?}"), listed(&app, &query).await, expected);
    }
    m.assert_none();
}

#[tokio::test]
async fn patch_with_versions() {
    let app = TestApp::spawn().await;
    let c = app
        .create_customer(
            &app.admin_token,
            &json!({"name": "张伟", "city": "上海", "notes": "老客户", "email": "a@b.cn"}),
        )
        .await;
    let path = format!("/api/v1/customers/{}", c["id"].as_str().unwrap());

    let res = app
        .patch(&path, &app.admin_token, &json!({"city": "杭州"}), Some(1))
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(etag(&res), "\"2\"");
    let patched: Value = res.json().await.unwrap();
    assert_eq!(patched["version"], 2);
    assert_eq!(patched["city"], "杭州");
    // Absent fields are left alone.
    assert_eq!(patched["notes"], "老客户");
    assert_eq!(patched["name"], "张伟");
    assert_ne!(patched["updated_at"], c["updated_at"]);
    assert_eq!(patched["created_at"], c["created_at"]);

    // Someone working from version 1 is refused, and told the current version.
    let res = app
        .patch(&path, &app.admin_token, &json!({"city": "北京"}), Some(1))
        .await;
    let problem = assert_problem(res, 412, "version_mismatch").await;
    assert_eq!(problem["current_version"], 2);

    for bad in ["abc", "\"x\"", "1.5"] {
        let res = app
            .request(Method::PATCH, &path, Some(&app.admin_token))
            .header("If-Match", bad)
            .json(&json!({"city": "北京"}))
            .send()
            .await
            .unwrap();
        assert_problem(res, 400, "invalid_header").await;
    }
    // Weak and bare versions are understood.
    let res = app
        .request(Method::PATCH, &path, Some(&app.admin_token))
        .header("If-Match", "W/\"2\"")
        .json(&json!({"notes": "周末来店"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(etag(&res), "\"3\"");

    // null clears; as a JSON merge patch too.
    let res = app
        .request(Method::PATCH, &path, Some(&app.admin_token))
        .header("Content-Type", "application/merge-patch+json")
        .header("If-Match", "\"3\"")
        .body(json!({"city": null, "email": null}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let cleared: Value = res.json().await.unwrap();
    assert!(cleared["city"].is_null());
    assert!(cleared["email"].is_null());
    assert_eq!(cleared["notes"], "周末来店");
    assert_eq!(cleared["version"], 4);

    // GET agrees, with the same ETag.
    let res = app.get(&path, &app.admin_token).await;
    assert_eq!(etag(&res), "\"4\"");
    let got: Value = res.json().await.unwrap();
    assert!(got["city"].is_null());

    // A refused patch changes nothing, not even the version.
    let res = app
        .patch(
            &path,
            &app.admin_token,
            &json!({"name": "", "email": "nope"}),
            Some(4),
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["errors"].as_array().unwrap().len(), 2);
    // A customer always has a name, a kind and a consent flag: null cannot clear them.
    let res = app
        .patch(
            &path,
            &app.admin_token,
            &json!({"name": null, "kind": null, "marketing_consent": null}),
            Some(4),
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["kind", "name", "marketing_consent"]);
    let got: Value = app.get(&path, &app.admin_token).await.json().await.unwrap();
    assert_eq!(got["version"], 4);
    assert_eq!(got["name"], "张伟");

    let res = app
        .patch(
            &path,
            &app.admin_token,
            &json!({"kind": "business", "marketing_consent": true, "name": "张伟汽车贸易"}),
            Some(4),
        )
        .await;
    assert_eq!(res.status(), 200);
    let changed: Value = res.json().await.unwrap();
    assert_eq!(changed["kind"], "business");
    assert_eq!(changed["marketing_consent"], true);
    assert_eq!(changed["name"], "张伟汽车贸易");
    assert_eq!(changed["version"], 5);

    assert_eq!(
        app.audit_actions("customer", c["id"].as_str().unwrap())
            .await
            .iter()
            .filter(|a| *a == "customer.updated")
            .count(),
        4
    );
}

/// Without `If-Match` the caller asked for no version check: concurrent edits all apply,
/// one after the other, none is refused or lost (PostgreSQL needs a row lock for that).
#[tokio::test]
async fn concurrent_patches_without_if_match_all_apply() {
    let app = TestApp::spawn().await;
    let customer = app
        .create_customer(&app.admin_token, &json!({"name": "并发客户"}))
        .await;
    let id = customer["id"].as_str().unwrap();
    let edits: Vec<_> = (0..12)
        .map(|i| {
            let req = app
                .request(
                    Method::PATCH,
                    &format!("/api/v1/customers/{id}"),
                    Some(&app.admin_token),
                )
                .json(&json!({"notes": format!("edit {i}")}));
            tokio::spawn(async move { req.send().await.unwrap().status().as_u16() })
        })
        .collect();
    for edit in edits {
        assert_eq!(edit.await.unwrap(), 200);
    }
    let res = app
        .get(&format!("/api/v1/customers/{id}"), &app.admin_token)
        .await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["version"], 13);
    let updates = app.audit_actions("customer", id).await;
    assert_eq!(
        updates.iter().filter(|a| *a == "customer.updated").count(),
        12
    );
}

#[tokio::test]
async fn archive_takes_a_customer_out_of_daily_lists() {
    let app = TestApp::spawn().await;
    let keep = app
        .create_customer(&app.admin_token, &json!({"name": "留下"}))
        .await;
    let go = app
        .create_customer(&app.admin_token, &json!({"name": "归档"}))
        .await;
    let id = go["id"].as_str().unwrap();
    let res = app
        .post(
            &format!("/api/v1/customers/{id}/archive"),
            &app.admin_token,
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let archived: Value = res.json().await.unwrap();
    assert_eq!(archived["status"], "archived");
    assert!(archived["archived_at"].is_string());
    assert_eq!(archived["version"], 2);

    assert_eq!(ids(&list(&app, &[]).await), [keep["id"].as_str().unwrap()]);
    assert_eq!(ids(&list(&app, &[("status", "archived")]).await), [id]);
    // Still readable by id, for history; archiving again changes nothing.
    let got: Value = app
        .get(&format!("/api/v1/customers/{id}"), &app.admin_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got["status"], "archived");
    let again: Value = app
        .post(
            &format!("/api/v1/customers/{id}/archive"),
            &app.admin_token,
            &json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["version"], 2);
    assert_eq!(again["archived_at"], archived["archived_at"]);
    assert_eq!(
        app.audit_actions("customer", id).await,
        ["customer.created", "customer.archived"]
    );
}
