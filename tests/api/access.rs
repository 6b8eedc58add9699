//! Roles, data scopes and tenant isolation (DESIGN §1).

use std::collections::HashSet;

use reqwest::Response;
use serde_json::{Value, json};

use crate::helpers::{
    ANY, Call, Expect, FORBIDDEN, Mismatches, NO_ITEMS, NOT_FOUND, PASSWORD, TestApp,
    assert_problem, has, page_ids,
};

const CUSTOMERS: &str = "/api/v1/customers";
const USERS: &str = "/api/v1/users";
const STORES: &str = "/api/v1/stores";

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

/// Allowed and denied calls for every role, as one table.
#[tokio::test]
async fn every_role_has_its_allowed_and_denied_calls() {
    use Expect::{Count, Ids, Problem, Status};
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
    let reveal = format!("{CUSTOMERS}/{cid}/reveal");
    let archive = format!("{CUSTOMERS}/{cid}/archive");
    let new_user = |role: &str| {
        json!({"name": "新人", "email": format!("new.{}@acme.test", uuid::Uuid::now_v7().simple()),
               "role": role, "store_id": store, "password": PASSWORD})
    };
    let admin = app.admin_token.clone();
    let admin_id = app
        .get("/api/v1/me", &admin)
        .await
        .json::<Value>()
        .await
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, gm) = app.user_with_role("general_manager", None).await;
    let (_, manager) = app.user_with_role("sales_manager", Some(&store)).await;
    let (consultant_id, consultant) = app.user_with_role("sales_consultant", Some(&store)).await;
    let (_, advisor) = app.user_with_role("service_advisor", Some(&store)).await;
    let (_, marketing) = app.user_with_role("marketing", None).await;
    let (_, finance) = app.user_with_role("finance", None).await;
    let erp = app.integration_token(&["customers:read"]).await;
    let mut m = Mismatches::new();
    let first_error_is_role = |problem: &Value| match &problem["errors"][0]["field"] {
        field if field == "role" => Ok(()),
        field => Err(format!("the first error is on {field}")),
    };
    let me_password = json!({"current_password": "x", "new_password": "something-new-1"});

    #[rustfmt::skip]
    let calls = [
        // admin: runs the organisation...
        Call::post("admin adds a user", &admin, USERS, new_user("sales_consultant")).expect(Status(201)),
        // ...but even an admin cannot lock itself out, nor hand out the machine role.
        Call::post("admin deactivates itself", &admin, format!("{USERS}/{admin_id}/deactivate"), json!({}))
            .expect(Problem(409, "conflict")),
        Call::post("admin adds a machine user", &admin, USERS, new_user("integration"))
            .expect(Problem(422, "validation_failed")).and(first_error_is_role),
        // general_manager: the whole organisation's customers, but not its settings.
        Call::get("gm lists customers", &gm, CUSTOMERS).expect(Ids(vec![cid.clone()])),
        Call::post("gm reveals", &gm, &reveal, json!({})).expect(Status(200)),
        Call::post("gm adds a user", &gm, USERS, new_user("sales_consultant")).expect(FORBIDDEN),
        Call::post("gm adds a store", &gm, STORES, json!({"name": "新店", "city": "苏州"})).expect(FORBIDDEN),
        // sales_manager: archives in the own store (last); no organisation settings.
        Call::get("manager lists users", &manager, USERS).expect(FORBIDDEN),
    ];
    app.run_calls(&mut m, calls).await;

    // The consultant's own customer, in the consultant's store.
    let mine = app
        .create_customer(&consultant, &json!({"name": "赵六"}))
        .await;
    m.eq(
        "the consultant's customer",
        &mine["owner_id"],
        &json!(consultant_id),
    );
    m.eq(
        "the consultant's customer",
        &mine["store_id"],
        &json!(store),
    );
    let mine = id(&mine);

    #[rustfmt::skip]
    let calls = [
        // sales_consultant: creates own customers (just above); cannot manage users or archive.
        Call::post("consultant adds a user", &consultant, USERS, new_user("sales_consultant")).expect(FORBIDDEN),
        Call::post("consultant archives", &consultant, format!("{CUSTOMERS}/{mine}/archive"), json!({})).expect(FORBIDDEN),
        // service_advisor: reads the store's customers, masked; cannot create or reveal.
        Call::get("advisor lists customers", &advisor, CUSTOMERS).expect(Ids(vec![cid.clone(), mine.clone()])),
        Call::post("advisor adds a customer", &advisor, CUSTOMERS, json!({"name": "售后客户"})).expect(FORBIDDEN),
        Call::post("advisor reveals", &advisor, &reveal, json!({})).expect(FORBIDDEN),
        // marketing: reads consenting customers; cannot write or reveal.
        Call::get("marketing lists customers", &marketing, CUSTOMERS).expect(Ids(vec![cid.clone()])),
        Call::post("marketing adds a customer", &marketing, CUSTOMERS, json!({"name": "市场线索"})).expect(FORBIDDEN),
        Call::post("marketing reveals", &marketing, &reveal, json!({})).expect(FORBIDDEN),
        // finance: may see the stores, not the customer book.
        Call::get("finance lists stores", &finance, STORES).expect(Ids(vec![store.clone()])),
        Call::get("finance lists customers", &finance, CUSTOMERS).expect(FORBIDDEN),
        Call::get("finance reads a customer", &finance, format!("{CUSTOMERS}/{cid}")).expect(FORBIDDEN),
        // integration: what its scopes say, and never people's settings or reveals.
        Call::get("erp lists customers", &erp, CUSTOMERS).expect(Count(2)),
        Call::get("erp lists stores", &erp, STORES).expect(FORBIDDEN),
        Call::post("erp reveals", &erp, &reveal, json!({})).expect(FORBIDDEN),
        Call::post("erp changes a password", &erp, "/api/v1/me/password", me_password).expect(FORBIDDEN),
        // The manager archives last: the list counts above needed the customer.
        Call::post("manager archives", &manager, &archive, json!({})).expect(Status(200)),
    ];
    app.run_calls(&mut m, calls).await;
    m.assert_none();
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

    let mut calls = Vec::new();
    for role in ["sales_manager", "service_advisor"] {
        let (_, token) = app.user_with_role(role, Some(&shanghai)).await;
        let nowhere_path = format!("/api/v1/customers/{}", id(&nowhere));
        #[rustfmt::skip]
        calls.extend([
            Call::get(format!("{role} lists customers"), &token, "/api/v1/customers").expect(Expect::Ids(vec![id(&here)])),
            Call::get(format!("{role} asks for another store's"), &token, format!("/api/v1/customers?store_id={beijing}"))
                .expect(NO_ITEMS),
            Call::get(format!("{role} reads another store's customer"), &token, &there_path).expect(NOT_FOUND),
            Call::get(format!("{role} reads a customer of no store"), &token, nowhere_path).expect(NOT_FOUND),
        ]);
    }
    app.check_calls(calls).await;

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

/// Our store, user, customer and API client, and another organisation's admin.
struct TwoTenants {
    store: String,
    user_id: String,
    customer_id: String,
    client_id: String,
    /// The other organisation's admin token.
    other: String,
}

async fn two_tenants(app: &TestApp) -> TwoTenants {
    let store = app.create_store("浦东店", "上海").await;
    let (user_id, _) = app.user_with_role("sales_consultant", Some(&store)).await;
    let customer = app
        .create_customer(
            &app.admin_token,
            &json!({"name": "张伟", "phone": "13812345678", "store_id": store}),
        )
        .await;
    let res = app
        .post(
            "/api/v1/api-clients",
            &app.admin_token,
            &json!({"name": "ERP", "scopes": ["customers:read"]}),
        )
        .await;
    let client_id = id(&res.json::<Value>().await.unwrap());
    let other = app.other_tenant().await;
    TwoTenants {
        store,
        user_id,
        customer_id: id(&customer),
        client_id,
        other,
    }
}

#[tokio::test]
async fn another_tenant_cannot_see_or_touch_our_data() {
    use Expect::{Count, Status};
    let app = TestApp::spawn().await;
    let TwoTenants {
        store,
        user_id,
        customer_id,
        client_id,
        other,
    } = two_tenants(&app).await;
    let customer = format!("{CUSTOMERS}/{customer_id}");
    let store_path = format!("{STORES}/{store}");
    let user = format!("{USERS}/{user_id}");
    let not_ours = move |page: &Value| match page_ids(page)?.contains(&user_id) {
        true => Err("lists our user".to_owned()),
        false => Ok(()),
    };
    let admin = app.admin_token.as_str();

    #[rustfmt::skip]
    let calls = [
        Call::get("they read our customer", &other, &customer).expect(NOT_FOUND),
        Call::patch("they rename our customer", &other, &customer, json!({"name": "改名"})).if_match(1).expect(NOT_FOUND),
        Call::post("they archive our customer", &other, format!("{customer}/archive"), json!({})).expect(NOT_FOUND),
        Call::post("they reveal our customer", &other, format!("{customer}/reveal"), json!({})).expect(NOT_FOUND),
        Call::get("they read our store", &other, &store_path).expect(NOT_FOUND),
        Call::patch("they rename our store", &other, &store_path, json!({"name": "改名"})).expect(NOT_FOUND),
        Call::post("they deactivate our store", &other, format!("{store_path}/deactivate"), json!({})).expect(NOT_FOUND),
        Call::get("they read our user", &other, &user).expect(NOT_FOUND),
        Call::patch("they promote our user", &other, &user, json!({"role": "admin"})).expect(NOT_FOUND),
        Call::post("they deactivate our user", &other, format!("{user}/deactivate"), json!({})).expect(NOT_FOUND),
        Call::post("they revoke our client", &other, format!("/api/v1/api-clients/{client_id}/revoke"), json!({}))
            .expect(NOT_FOUND),
        // Lists never include our records, even when asked for them by id.
        Call::get("they list all customers", &other, format!("{CUSTOMERS}?status=all")).expect(NO_ITEMS),
        Call::get("they list our store's customers", &other, format!("{CUSTOMERS}?store_id={store}")).expect(NO_ITEMS),
        Call::get("they search our customer's phone", &other, format!("{CUSTOMERS}?q=13812345678")).expect(NO_ITEMS),
        Call::get("they list stores", &other, STORES).expect(NO_ITEMS),
        Call::get("they list users: only their own admin", &other, USERS).expect(Count(1)).and(not_ours),
        Call::get("they list our store's users", &other, format!("{USERS}?store_id={store}")).expect(NO_ITEMS),
        Call::get("they list API clients", &other, "/api/v1/api-clients").expect(NO_ITEMS),
        // And nothing of ours changed.
        Call::get("our customer afterwards", admin, &customer).expect(Status(200))
            .and(has(json!({"name": "张伟", "status": "active", "version": 1}))),
        Call::get("our store afterwards", admin, &store_path).expect(Status(200)).and(has(json!({"active": true}))),
        Call::get("our user afterwards", admin, &user).expect(Status(200))
            .and(has(json!({"active": true, "role": "sales_consultant"}))),
    ];
    app.check_calls(calls).await;
}

#[tokio::test]
async fn another_tenant_cannot_borrow_our_ids_but_may_have_the_same_customer() {
    let app = TestApp::spawn().await;
    let TwoTenants {
        store,
        user_id,
        customer_id,
        other,
        ..
    } = two_tenants(&app).await;

    // Our ids cannot be borrowed for their records.
    #[rustfmt::skip]
    let calls = [
        Call::post("they create a customer with our owner and store", &other, CUSTOMERS,
                   json!({"name": "借用", "owner_id": user_id, "store_id": store}))
            .expect(Expect::InvalidExactly(&[("owner_id", ANY), ("store_id", ANY)])),
        Call::post("they create a user in our store", &other, USERS,
                   json!({"name": "借店", "email": "borrow@other.test", "role": "sales_consultant",
                          "store_id": store, "password": PASSWORD}))
            .expect(Expect::Problem(422, "validation_failed")),
    ];
    let mut m = Mismatches::new();
    app.run_calls(&mut m, calls).await;

    // The same person may be a customer of both dealers: no 409 that would leak our record.
    let theirs = app
        .create_customer(
            &other,
            &json!({"name": "张伟", "phone": "+86 138 1234 5678"}),
        )
        .await;
    m.that(
        "their customer",
        id(&theirs) != customer_id,
        "has our customer's id",
    );
    let theirs = format!("{CUSTOMERS}/{}", id(&theirs));
    let calls = [Call::get("we read their customer", &app.admin_token, theirs).expect(NOT_FOUND)];
    app.run_calls(&mut m, calls).await;
    m.assert_none();
}
