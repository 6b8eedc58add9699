//! Roles, data scopes and tenant isolation (DESIGN §1).

use std::collections::HashSet;

use reqwest::Response;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, assert_problem};

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

async fn ids_in(res: Response) -> HashSet<String> {
    assert_eq!(res.status(), 200);
    let page: Value = res.json().await.unwrap();
    page["items"].as_array().unwrap().iter().map(id).collect()
}

fn set(ids: &[&str]) -> HashSet<String> {
    ids.iter().map(|s| (*s).to_owned()).collect()
}

async fn status(res: Response) -> u16 {
    res.status().as_u16()
}

/// One allowed and one denied call for every role.
#[tokio::test]
async fn every_role_has_its_allowed_and_denied_calls() {
    let app = TestApp::spawn().await;
    let store = app.create_store("浦东店", "上海").await;
    let customer = app
        .create_customer(
            &app.admin_token,
            &json!({"name": "张伟", "phone": "13812345678", "store_id": store,
                    "marketing_consent": true}),
        )
        .await;
    let cid = id(&customer);
    let reveal = format!("/api/v1/customers/{cid}/reveal");
    let archive = format!("/api/v1/customers/{cid}/archive");
    let new_user = |role: &str| {
        json!({"name": "新人", "email": format!("new.{}@acme.test", uuid::Uuid::now_v7().simple()),
               "role": role, "store_id": store, "password": PASSWORD})
    };

    // admin: runs the organisation.
    let admin = app.admin_token.clone();
    assert_eq!(
        status(
            app.post("/api/v1/users", &admin, &new_user("sales_consultant"))
                .await
        )
        .await,
        201
    );
    // ...but even an admin cannot lock itself out, nor hand out the machine role.
    let admin_id = app
        .get("/api/v1/me", &admin)
        .await
        .json::<Value>()
        .await
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .post(
            &format!("/api/v1/users/{admin_id}/deactivate"),
            &admin,
            &json!({}),
        )
        .await;
    assert_problem(res, 409, "conflict").await;
    let res = app
        .post("/api/v1/users", &admin, &new_user("integration"))
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "role");

    // general_manager: the whole organisation's customers, but not its settings.
    let (_, gm) = app.user_with_role("general_manager", None).await;
    assert_eq!(
        ids_in(app.get("/api/v1/customers", &gm).await).await,
        set(&[&cid])
    );
    assert_eq!(status(app.post(&reveal, &gm, &json!({})).await).await, 200);
    let res = app
        .post("/api/v1/users", &gm, &new_user("sales_consultant"))
        .await;
    assert_problem(res, 403, "forbidden").await;
    let res = app
        .post(
            "/api/v1/stores",
            &gm,
            &json!({"name": "新店", "city": "苏州"}),
        )
        .await;
    assert_problem(res, 403, "forbidden").await;

    // sales_manager: archives in the own store; no organisation settings.
    let (_, manager) = app.user_with_role("sales_manager", Some(&store)).await;
    let res = app.get("/api/v1/users", &manager).await;
    assert_problem(res, 403, "forbidden").await;

    // sales_consultant: creates own customers; cannot manage users or archive.
    let (consultant_id, consultant) = app.user_with_role("sales_consultant", Some(&store)).await;
    let mine = app
        .create_customer(&consultant, &json!({"name": "赵六"}))
        .await;
    assert_eq!(mine["owner_id"], consultant_id.as_str());
    assert_eq!(mine["store_id"], store.as_str());
    let res = app
        .post("/api/v1/users", &consultant, &new_user("sales_consultant"))
        .await;
    assert_problem(res, 403, "forbidden").await;
    let res = app
        .post(
            &format!("/api/v1/customers/{}/archive", id(&mine)),
            &consultant,
            &json!({}),
        )
        .await;
    assert_problem(res, 403, "forbidden").await;

    // service_advisor: reads the store's customers, masked; cannot create or reveal.
    let (_, advisor) = app.user_with_role("service_advisor", Some(&store)).await;
    let res = app.get("/api/v1/customers", &advisor).await;
    assert_eq!(ids_in(res).await, set(&[&cid, &id(&mine)]));
    let res = app
        .post("/api/v1/customers", &advisor, &json!({"name": "售后客户"}))
        .await;
    assert_problem(res, 403, "forbidden").await;
    assert_problem(
        app.post(&reveal, &advisor, &json!({})).await,
        403,
        "forbidden",
    )
    .await;

    // marketing: reads consenting customers; cannot write or reveal.
    let (_, marketing) = app.user_with_role("marketing", None).await;
    assert_eq!(
        ids_in(app.get("/api/v1/customers", &marketing).await).await,
        set(&[&cid])
    );
    let res = app
        .post(
            "/api/v1/customers",
            &marketing,
            &json!({"name": "市场线索"}),
        )
        .await;
    assert_problem(res, 403, "forbidden").await;
    assert_problem(
        app.post(&reveal, &marketing, &json!({})).await,
        403,
        "forbidden",
    )
    .await;

    // finance: may see the stores, not the customer book.
    let (_, finance) = app.user_with_role("finance", None).await;
    assert_eq!(
        ids_in(app.get("/api/v1/stores", &finance).await).await,
        set(&[&store])
    );
    let res = app.get("/api/v1/customers", &finance).await;
    assert_problem(res, 403, "forbidden").await;
    let res = app.get(&format!("/api/v1/customers/{cid}"), &finance).await;
    assert_problem(res, 403, "forbidden").await;

    // integration: what its scopes say, and never people's settings or reveals.
    let erp = app.integration_token(&["customers:read"]).await;
    assert_eq!(
        ids_in(app.get("/api/v1/customers", &erp).await).await.len(),
        2
    );
    assert_problem(app.get("/api/v1/stores", &erp).await, 403, "forbidden").await;
    assert_problem(app.post(&reveal, &erp, &json!({})).await, 403, "forbidden").await;
    let res = app
        .request(reqwest::Method::POST, "/api/v1/me/password", Some(&erp))
        .json(&json!({"current_password": "x", "new_password": "something-new-1"}))
        .send()
        .await
        .unwrap();
    assert_problem(res, 403, "forbidden").await;

    // The manager archives last: the list counts above needed the customer.
    assert_eq!(
        status(app.post(&archive, &manager, &json!({})).await).await,
        200
    );
}

#[tokio::test]
async fn a_consultant_sees_only_own_customers() {
    let app = TestApp::spawn().await;
    let store = app.create_store("浦东店", "上海").await;
    let (a_id, a) = app.user_with_role("sales_consultant", Some(&store)).await;
    let (b_id, b) = app.user_with_role("sales_consultant", Some(&store)).await;
    let a_customer = app
        .create_customer(&a, &json!({"name": "甲的客户", "phone": "13812345678"}))
        .await;
    let b_customer = app.create_customer(&b, &json!({"name": "乙的客户"})).await;
    let path = format!("/api/v1/customers/{}", id(&a_customer));

    assert_eq!(
        ids_in(app.get("/api/v1/customers", &a).await).await,
        set(&[&id(&a_customer)])
    );
    assert_eq!(
        ids_in(app.get("/api/v1/customers", &b).await).await,
        set(&[&id(&b_customer)])
    );
    // Asking for a colleague's book gives nothing, not theirs.
    let res = app
        .get(&format!("/api/v1/customers?owner_id={a_id}"), &b)
        .await;
    assert!(ids_in(res).await.is_empty());

    assert_eq!(status(app.get(&path, &a).await).await, 200);
    assert_problem(app.get(&path, &b).await, 404, "not_found").await;
    let res = app.patch(&path, &b, &json!({"notes": "抢单"}), None).await;
    assert_problem(res, 404, "not_found").await;
    let res = app.post(&format!("{path}/reveal"), &b, &json!({})).await;
    assert_problem(res, 404, "not_found").await;
    let revealed: Value = app
        .post(&format!("{path}/reveal"), &a, &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(revealed["phone"], "+8613812345678");

    // A consultant cannot hand customers around, nor create them for someone else.
    let res = app.patch(&path, &a, &json!({"owner_id": b_id}), None).await;
    assert_problem(res, 403, "forbidden").await;
    let res = app
        .post(
            "/api/v1/customers",
            &a,
            &json!({"name": "代建", "owner_id": b_id}),
        )
        .await;
    assert_problem(res, 403, "forbidden").await;
    // A duplicate phone still answers 409, so two consultants do not both own one person.
    let res = app
        .post(
            "/api/v1/customers",
            &b,
            &json!({"name": "同一人", "phone": "13812345678"}),
        )
        .await;
    assert_problem(res, 409, "duplicate").await;

    // The admin sees both.
    assert_eq!(
        ids_in(app.get("/api/v1/customers", &app.admin_token).await).await,
        set(&[&id(&a_customer), &id(&b_customer)])
    );
}

#[tokio::test]
async fn store_roles_see_only_their_store() {
    let app = TestApp::spawn().await;
    let shanghai = app.create_store("浦东店", "上海").await;
    let beijing = app.create_store("朝阳店", "北京").await;
    let here = app
        .create_customer(
            &app.admin_token,
            &json!({"name": "上海客户", "store_id": shanghai}),
        )
        .await;
    let there = app
        .create_customer(
            &app.admin_token,
            &json!({"name": "北京客户", "store_id": beijing}),
        )
        .await;
    let nowhere = app
        .create_customer(&app.admin_token, &json!({"name": "无门店客户"}))
        .await;
    let there_path = format!("/api/v1/customers/{}", id(&there));

    for role in ["sales_manager", "service_advisor"] {
        let (_, token) = app.user_with_role(role, Some(&shanghai)).await;
        assert_eq!(
            ids_in(app.get("/api/v1/customers", &token).await).await,
            set(&[&id(&here)]),
            "{role}"
        );
        let res = app
            .get(&format!("/api/v1/customers?store_id={beijing}"), &token)
            .await;
        assert!(ids_in(res).await.is_empty(), "{role}");
        assert_problem(app.get(&there_path, &token).await, 404, "not_found").await;
        let res = app
            .get(&format!("/api/v1/customers/{}", id(&nowhere)), &token)
            .await;
        assert_problem(res, 404, "not_found").await;
    }

    let (_, manager) = app.user_with_role("sales_manager", Some(&shanghai)).await;
    let res = app
        .post(&format!("{there_path}/archive"), &manager, &json!({}))
        .await;
    assert_problem(res, 404, "not_found").await;
    // New customers land in the manager's store; another store is refused.
    let created = app
        .create_customer(&manager, &json!({"name": "到店客户"}))
        .await;
    assert_eq!(created["store_id"], shanghai.as_str());
    let res = app
        .post(
            "/api/v1/customers",
            &manager,
            &json!({"name": "跨店", "store_id": beijing}),
        )
        .await;
    assert_problem(res, 403, "forbidden").await;
    let res = app
        .patch(
            &format!("/api/v1/customers/{}", id(&here)),
            &manager,
            &json!({"store_id": beijing}),
            None,
        )
        .await;
    assert_problem(res, 403, "forbidden").await;
    // The Beijing customer was never touched.
    let got: Value = app
        .get(&there_path, &app.admin_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got["status"], "active");
    assert_eq!(got["version"], 1);
}

#[tokio::test]
async fn marketing_sees_only_consenting_customers() {
    let app = TestApp::spawn().await;
    let yes = app
        .create_customer(
            &app.admin_token,
            &json!({"name": "同意营销", "marketing_consent": true}),
        )
        .await;
    let no = app
        .create_customer(&app.admin_token, &json!({"name": "拒绝营销"}))
        .await;
    let (_, marketing) = app.user_with_role("marketing", None).await;
    assert_eq!(
        ids_in(app.get("/api/v1/customers", &marketing).await).await,
        set(&[&id(&yes)])
    );
    let res = app
        .get("/api/v1/customers?q=%E8%90%A5%E9%94%80", &marketing)
        .await;
    assert_eq!(ids_in(res).await, set(&[&id(&yes)]));
    let res = app
        .get(&format!("/api/v1/customers/{}", id(&no)), &marketing)
        .await;
    assert_problem(res, 404, "not_found").await;
    let got: Value = app
        .get(&format!("/api/v1/customers/{}", id(&yes)), &marketing)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got["marketing_consent"], true);

    // Withdrawn consent takes the customer out of marketing's view at once.
    let res = app
        .patch(
            &format!("/api/v1/customers/{}", id(&yes)),
            &app.admin_token,
            &json!({"marketing_consent": false}),
            Some(1),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert!(
        ids_in(app.get("/api/v1/customers", &marketing).await)
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn another_tenant_cannot_see_or_touch_our_data() {
    let app = TestApp::spawn().await;
    let store = app.create_store("浦东店", "上海").await;
    let (user_id, _) = app.user_with_role("sales_consultant", Some(&store)).await;
    let customer = app
        .create_customer(
            &app.admin_token,
            &json!({"name": "张伟", "phone": "13812345678", "store_id": store}),
        )
        .await;
    let cid = id(&customer);
    let res = app
        .post(
            "/api/v1/api-clients",
            &app.admin_token,
            &json!({"name": "ERP", "scopes": ["customers:read"]}),
        )
        .await;
    let client_id = id(&res.json::<Value>().await.unwrap());

    let other = app.other_tenant().await;
    let customer_path = format!("/api/v1/customers/{cid}");
    assert_problem(app.get(&customer_path, &other).await, 404, "not_found").await;
    let res = app
        .patch(&customer_path, &other, &json!({"name": "改名"}), Some(1))
        .await;
    assert_problem(res, 404, "not_found").await;
    let res = app
        .post(&format!("{customer_path}/archive"), &other, &json!({}))
        .await;
    assert_problem(res, 404, "not_found").await;
    let res = app
        .post(&format!("{customer_path}/reveal"), &other, &json!({}))
        .await;
    assert_problem(res, 404, "not_found").await;

    let store_path = format!("/api/v1/stores/{store}");
    assert_problem(app.get(&store_path, &other).await, 404, "not_found").await;
    let res = app
        .patch(&store_path, &other, &json!({"name": "改名"}), None)
        .await;
    assert_problem(res, 404, "not_found").await;
    let res = app
        .post(&format!("{store_path}/deactivate"), &other, &json!({}))
        .await;
    assert_problem(res, 404, "not_found").await;

    let user_path = format!("/api/v1/users/{user_id}");
    assert_problem(app.get(&user_path, &other).await, 404, "not_found").await;
    let res = app
        .patch(&user_path, &other, &json!({"role": "admin"}), None)
        .await;
    assert_problem(res, 404, "not_found").await;
    let res = app
        .post(&format!("{user_path}/deactivate"), &other, &json!({}))
        .await;
    assert_problem(res, 404, "not_found").await;
    let res = app
        .post(
            &format!("/api/v1/api-clients/{client_id}/revoke"),
            &other,
            &json!({}),
        )
        .await;
    assert_problem(res, 404, "not_found").await;

    // Lists never include our records, even when asked for them by id.
    assert!(
        ids_in(app.get("/api/v1/customers?status=all", &other).await)
            .await
            .is_empty()
    );
    let res = app
        .get(&format!("/api/v1/customers?store_id={store}"), &other)
        .await;
    assert!(ids_in(res).await.is_empty());
    let res = app.get("/api/v1/customers?q=13812345678", &other).await;
    assert!(ids_in(res).await.is_empty());
    assert!(
        ids_in(app.get("/api/v1/stores", &other).await)
            .await
            .is_empty()
    );
    let theirs = ids_in(app.get("/api/v1/users", &other).await).await;
    assert_eq!(theirs.len(), 1, "only their own admin");
    assert!(!theirs.contains(&user_id));
    let res = app
        .get(&format!("/api/v1/users?store_id={store}"), &other)
        .await;
    assert!(ids_in(res).await.is_empty());
    assert!(
        ids_in(app.get("/api/v1/api-clients", &other).await)
            .await
            .is_empty()
    );

    // Our ids cannot be borrowed for their records either.
    let res = app
        .post(
            "/api/v1/customers",
            &other,
            &json!({"name": "借用", "owner_id": user_id, "store_id": store}),
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["owner_id", "store_id"]);
    let res = app
        .post(
            "/api/v1/users",
            &other,
            &json!({"name": "借店", "email": "borrow@other.test", "role": "sales_consultant",
                    "store_id": store, "password": PASSWORD}),
        )
        .await;
    assert_problem(res, 422, "validation_failed").await;

    // The same person may be a customer of both dealers: no 409 that would leak our record.
    let theirs = app
        .create_customer(
            &other,
            &json!({"name": "张伟", "phone": "+86 138 1234 5678"}),
        )
        .await;
    assert_ne!(id(&theirs), cid);
    assert_problem(
        app.get(
            &format!("/api/v1/customers/{}", id(&theirs)),
            &app.admin_token,
        )
        .await,
        404,
        "not_found",
    )
    .await;

    // And nothing of ours changed.
    let ours: Value = app
        .get(&customer_path, &app.admin_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ours["name"], "张伟");
    assert_eq!(ours["status"], "active");
    assert_eq!(ours["version"], 1);
    let store_now: Value = app
        .get(&store_path, &app.admin_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(store_now["active"], true);
    let user_now: Value = app
        .get(&user_path, &app.admin_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(user_now["active"], true);
    assert_eq!(user_now["role"], "sales_consultant");
}
