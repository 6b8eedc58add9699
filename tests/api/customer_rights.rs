//! Merging duplicate customers, and the person's rights under PIPL: the personal-data
//! export and the erasure (issue 8, items 10 and 11).

use reqwest::Method;
use serde_json::{Value, json};

use crate::attachments::upload_ok;
use crate::helpers::{TestApp, assert_problem};

/// A valid resident ID: a man born on 12 March 1988.
const MERGE_ID: &str = "310115198803121236";
/// A valid resident ID: a woman born on 31 December 1949.
const ID_NUMBER: &str = "11010519491231002X";
const VIN: &str = "LGXCE4CB2N0123456";

async fn json_of(res: reqwest::Response, status: u16) -> Value {
    let code = res.status().as_u16();
    let text = res.text().await.unwrap();
    assert_eq!(code, status, "{text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

async fn customer(app: &TestApp, token: &str, body: Value) -> String {
    app.create_customer(token, &body).await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn merge_path(id: &str) -> String {
    format!("/api/v1/customers/{id}/merge")
}

/// A source with one row in each related table the merge must move: an activity, a
/// consent, a vehicle, a manual tag and a financing application.
async fn source_with_history(app: &TestApp, tag_id: &str) -> String {
    let t = &app.admin_token;
    let id = customer(
        app,
        t,
        json!({"name": "王建国", "phone": "13900001111", "email": "wang.jianguo@example.com",
               "birthday": "1988-03-12", "city": "苏州"}),
    )
    .await;
    let base = format!("/api/v1/customers/{id}");
    json_of(
        app.post(
            &format!("{base}/activities"),
            t,
            &json!({"kind": "call", "outcome": "reached", "content": "客户询问汉EV的置换政策"}),
        )
        .await,
        201,
    )
    .await;
    json_of(
        app.post(
            &format!("{base}/consents"),
            t,
            &json!({"purpose": "marketing", "action": "granted", "channel": "crm", "method": "staff_entry"}),
        )
        .await,
        201,
    )
    .await;
    json_of(
        app.post(
            &format!("{base}/vehicles"),
            t,
            &json!({"vin": VIN, "plate": "沪AD12345", "brand": "比亚迪", "model": "汉EV"}),
        )
        .await,
        201,
    )
    .await;
    json_of(
        app.post(&format!("{base}/tags"), t, &json!({"tag_id": tag_id}))
            .await,
        200,
    )
    .await;
    json_of(
        app.post(
            "/api/v1/financing-applications",
            t,
            &json!({"customer_id": id, "plan": crate::financing::plan("equal_installment"),
                    "note": "客户希望36期"}),
        )
        .await,
        201,
    )
    .await;
    id
}

async fn tag(app: &TestApp, name: &str) -> String {
    json_of(
        app.post(
            "/api/v1/tags",
            &app.admin_token,
            &json!({"name": name, "colour": "#e4393c"}),
        )
        .await,
        201,
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn ids_of(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_merge_moves_every_related_row_and_the_source_answers_410() {
    let app = TestApp::spawn().await;
    let t = &app.admin_token;
    let vip = tag(&app, "VIP客户").await;
    let survivor = customer(
        &app,
        t,
        json!({"name": "王建国", "phone": "13812345678", "city": "上海", "gender": "male"}),
    )
    .await;
    json_of(
        app.post(
            &format!("/api/v1/customers/{survivor}/tags"),
            t,
            &json!({"tag_id": vip}),
        )
        .await,
        200,
    )
    .await;
    let source = source_with_history(&app, &vip).await;

    let res = app
        .post(
            &merge_path(&survivor),
            t,
            &json!({"source_ids": [source], "fields": {"city": source}}),
        )
        .await;
    let merged = json_of(res, 200).await;
    assert_eq!(merged["dry_run"], false);
    let moved = &merged["moved"];
    assert_eq!(moved["customer_activities"], 1, "{merged}");
    assert!(moved["consent_records"].as_i64().unwrap() >= 1, "{merged}");
    assert_eq!(moved["customer_vehicles"], 1);
    // The survivor had the tag already: nothing to move, no double.
    assert_eq!(moved["customer_tags"], 0);
    assert_eq!(moved["financing_applications"], 1);
    let s = &merged["survivor"];
    assert_eq!(s["city"], "苏州", "the chosen source's value");
    assert_eq!(s["email"], "wang.jianguo@example.com", "a blank filled");
    assert_eq!(s["birthday"], "1988-03-12");
    assert_eq!(
        s["phone"], "138****5678",
        "the survivor keeps its primary phone"
    );
    assert_eq!(s["phones"][0]["number"], "139****1111", "{s}");
    assert_eq!(
        s["marketing_consent"], true,
        "derived from the moved consent"
    );
    assert_eq!(s["version"], 2);
    let conflicts = merged["conflicts"].as_array().unwrap();
    assert!(
        conflicts
            .iter()
            .any(|c| c["field"] == "city" && c["chosen"] == format!("source:{source}")),
        "{merged}"
    );
    assert!(
        conflicts.iter().any(|c| c["field"] == "phone"
            && c["defaulted"] == true
            && c["survivor"] == "138****5678"),
        "personal values are masked in conflicts: {merged}"
    );

    // The source is gone: 410 with the survivor, on every route.
    for (method, path) in [
        (Method::GET, format!("/api/v1/customers/{source}")),
        (Method::PATCH, format!("/api/v1/customers/{source}")),
        (
            Method::GET,
            format!("/api/v1/customers/{source}/activities"),
        ),
        (Method::POST, format!("/api/v1/customers/{source}/reveal")),
    ] {
        let mut req = app.request(method.clone(), &path, Some(t));
        if method == Method::PATCH {
            req = req
                .header("content-type", "application/merge-patch+json")
                .body(r#"{"city": "杭州"}"#);
        }
        let problem = assert_problem(req.send().await.unwrap(), 410, "merged").await;
        assert_eq!(problem["existing_id"], survivor.as_str(), "{method} {path}");
    }
    // Its records are the survivor's now.
    let base = format!("/api/v1/customers/{survivor}");
    let activities = json_of(app.get(&format!("{base}/activities"), t).await, 200).await;
    assert_eq!(activities["items"].as_array().unwrap().len(), 1);
    let vehicles = json_of(app.get(&format!("{base}/vehicles"), t).await, 200).await;
    assert_eq!(vehicles["items"][0]["vin"], VIN, "{vehicles}");
    let consents = json_of(app.get(&format!("{base}/consents"), t).await, 200).await;
    assert!(
        !consents["records"].as_array().unwrap().is_empty(),
        "{consents}"
    );
    let tags = json_of(app.get(&format!("{base}/tags"), t).await, 200).await;
    assert_eq!(tags["manual"].as_array().unwrap().len(), 1);
    let applications = json_of(
        app.get(
            &format!("/api/v1/financing-applications?customer_id={survivor}"),
            t,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(applications["items"][0]["customer_id"], survivor.as_str());
    // The source left lists, searches and duplicates; its phone finds the survivor.
    let all = json_of(app.get("/api/v1/customers?status=all", t).await, 200).await;
    assert_eq!(ids_of(&all), vec![survivor.clone()]);
    let found = json_of(app.get("/api/v1/customers?q=13900001111", t).await, 200).await;
    assert_eq!(ids_of(&found), vec![survivor.clone()]);
    assert_problem(
        app.get("/api/v1/customers?status=merged", t).await,
        400,
        "invalid_query",
    )
    .await;
    let duplicates = json_of(app.get(&format!("{base}/duplicates"), t).await, 200).await;
    assert_eq!(duplicates["items"], json!([]));
    // Audited on both, and published.
    assert!(
        app.audit_actions("customer", &survivor)
            .await
            .contains(&"customer.merged".to_owned())
    );
    assert!(
        app.audit_actions("customer", &source)
            .await
            .contains(&"customer.merged_into".to_owned())
    );
    // Merging it again: it is gone already.
    let again = app
        .post(&merge_path(&survivor), t, &json!({"source_ids": [source]}))
        .await;
    let problem = assert_problem(again, 410, "merged").await;
    assert_eq!(problem["existing_id"], survivor.as_str());
}

#[tokio::test]
async fn a_dry_run_answers_what_the_merge_does_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let t = &app.admin_token;
    let vip = tag(&app, "意向强").await;
    let survivor = customer(
        &app,
        t,
        json!({"name": "王建国", "phone": "13812345678", "city": "上海",
               "id_card_number": MERGE_ID}),
    )
    .await;
    let source = source_with_history(&app, &vip).await;
    let before = app.all_rows().await;
    let body = json!({"source_ids": [source], "dry_run": true,
                      "fields": {"city": "survivor"}});
    let res = app.post(&merge_path(&survivor), t, &body).await;
    let dry = json_of(res, 200).await;
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["survivor"]["city"], "上海");
    assert_eq!(dry["survivor"]["email"], "wang.jianguo@example.com");
    assert_eq!(dry["survivor"]["id_card_number"], "310115********1236");
    assert_eq!(dry["survivor"]["version"], 2, "as it would be");
    assert_eq!(dry["moved"]["customer_tags"], 1);
    let after = app.all_rows().await;
    for (table, rows) in &before {
        assert_eq!(Some(rows), after.get(table), "{table} changed");
    }
    assert_eq!(before.len(), after.len());
    // The real merge does what the dry run said.
    let body = json!({"source_ids": [source], "fields": {"city": "survivor"}});
    let done = json_of(app.post(&merge_path(&survivor), t, &body).await, 200).await;
    assert_eq!(done["moved"], dry["moved"]);
    assert_eq!(done["survivor"]["email"], dry["survivor"]["email"]);
    assert_eq!(done["changes"], dry["changes"]);
}

#[tokio::test]
async fn who_may_merge_what() {
    let app = TestApp::spawn().await;
    let t = &app.admin_token;
    let store_a = app.create_store("浦东店", "上海").await;
    let store_b = app.create_store("苏州店", "苏州").await;
    let (_, manager_a) = app.user_with_role("sales_manager", Some(&store_a)).await;
    let (_, consultant) = app.user_with_role("sales_consultant", Some(&store_a)).await;
    let (_, gm) = app.user_with_role("general_manager", None).await;
    let in_a = |name: &str, phone: &str| json!({"name": name, "phone": phone, "store_id": store_a});
    let a1 = customer(&app, t, in_a("李娜", "13700000001")).await;
    let a2 = customer(&app, t, in_a("李娜", "13700000002")).await;
    let b1 = customer(
        &app,
        t,
        json!({"name": "李娜", "phone": "13700000003", "store_id": store_b}),
    )
    .await;
    let other = app.other_tenant().await;
    let theirs = customer(&app, &other, json!({"name": "李娜"})).await;
    let dry = |sources: Vec<&str>| json!({"source_ids": sources, "dry_run": true});

    // Another tenant's source, another store's for a manager: 404; a consultant: 403.
    let res = app.post(&merge_path(&a1), t, &dry(vec![&theirs])).await;
    assert_problem(res, 404, "not_found").await;
    let res = app
        .post(&merge_path(&a1), &manager_a, &dry(vec![&b1]))
        .await;
    assert_problem(res, 404, "not_found").await;
    let res = app
        .post(&merge_path(&b1), &manager_a, &dry(vec![&a1]))
        .await;
    assert_problem(res, 404, "not_found").await;
    let res = app
        .post(&merge_path(&a1), &consultant, &dry(vec![&a2]))
        .await;
    assert_problem(res, 403, "forbidden").await;
    // Bad sources: 422, nothing written.
    for body in [
        json!({"source_ids": []}),
        json!({"source_ids": [a1]}),
        json!({"source_ids": [a2, a2]}),
        json!({"source_ids": ["not-an-id"]}),
        json!({"source_ids": [a2], "fields": {"colour": "survivor"}}),
        json!({"source_ids": [a2], "fields": {"phone": {"value": "12"}}}),
        json!({"source_ids": [a2], "fields": {"city": "survivor"}}),
    ] {
        let res = app.post(&merge_path(&a1), t, &body).await;
        assert_problem(res, 422, "validation_failed").await;
    }
    // A manager merges within the store; the general manager anywhere.
    let res = app
        .post(&merge_path(&a1), &manager_a, &json!({"source_ids": [a2]}))
        .await;
    json_of(res, 200).await;
    let res = app
        .post(
            &merge_path(&a1),
            &gm,
            &json!({"source_ids": [b1], "dry_run": true}),
        )
        .await;
    json_of(res, 200).await;
    // A stale If-Match on the survivor is 412.
    let res = app
        .request(Method::POST, &merge_path(&a1), Some(&gm))
        .header("If-Match", "\"1\"")
        .json(&json!({"source_ids": [b1]}))
        .send()
        .await
        .unwrap();
    assert_problem(res, 412, "version_mismatch").await;
    // An erased customer merges no more.
    let erase = json!({"reason": "客户申请删除"});
    json_of(
        app.post(&format!("/api/v1/customers/{b1}/erase"), t, &erase)
            .await,
        200,
    )
    .await;
    let res = app
        .post(&merge_path(&a1), t, &json!({"source_ids": [b1]}))
        .await;
    assert_problem(res, 409, "conflict").await;
}

#[tokio::test]
async fn the_export_holds_every_clear_value_and_is_audited() {
    let app = TestApp::spawn().await;
    let t = &app.admin_token;
    let id = customer(
        &app,
        t,
        json!({"name": "赵敏", "phone": "13812345678", "id_card_number": ID_NUMBER,
               "gender": "female", "birthday": "1949-12-31",
               "phones": [{"number": "13987654321", "label": "home"}],
               "wechat_openid": "oWx0000111122223333", "address": "北京市西城区金融街7号"}),
    )
    .await;
    json_of(
        app.post(
            &format!("/api/v1/customers/{id}/activities"),
            t,
            &json!({"kind": "note", "content": "客户要求导出个人信息"}),
        )
        .await,
        201,
    )
    .await;
    let path = format!("/api/v1/customers/{id}/personal-data-export");
    let res = app
        .request(Method::GET, &path, Some(t))
        .header("Idempotency-Key", "export-1")
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    let export = json_of(res, 200).await;
    let clear = &export["personal_data"];
    assert_eq!(clear["phone"], "+8613812345678");
    assert_eq!(clear["phones"][0]["number"], "+8613987654321");
    assert_eq!(clear["id_card_number"], ID_NUMBER);
    assert_eq!(clear["wechat_openid"], "oWx0000111122223333");
    assert_eq!(clear["address"], "北京市西城区金融街7号");
    assert_eq!(export["profile"]["name"], "赵敏");
    assert_eq!(export["activities"][0]["content"], "客户要求导出个人信息");
    assert!(
        app.audit_actions("customer", &id)
            .await
            .contains(&"customer.personal_data_exported".to_owned())
    );
    // Nothing of it was kept by the idempotency layer.
    let rows = app.all_rows().await;
    for row in &rows["idempotency_keys"] {
        assert!(!row.contains("13812345678"), "{row}");
    }
    // Admin and general manager only.
    let store = app.create_store("浦东店", "上海").await;
    for role in ["sales_manager", "sales_consultant", "marketing"] {
        let (_, token) = app.user_with_role(role, Some(&store)).await;
        let res = app.get(&path, &token).await;
        assert_problem(res, 403, "forbidden").await;
        let res = app
            .post(
                &format!("/api/v1/customers/{id}/erase"),
                &token,
                &json!({"reason": "测试"}),
            )
            .await;
        assert_problem(res, 403, "forbidden").await;
    }
    let (_, gm) = app.user_with_role("general_manager", None).await;
    json_of(app.get(&path, &gm).await, 200).await;
    let other = app.other_tenant().await;
    assert_problem(app.get(&path, &other).await, 404, "not_found").await;
}

#[tokio::test]
async fn an_erasure_leaves_no_personal_value_in_any_table() {
    let app = TestApp::spawn().await;
    let t = &app.admin_token;
    let name = "欧阳娜娜";
    let email = "ouyang.nana@example.cn";
    let address = "上海市徐汇区漕溪北路88号";
    let id = customer(
        &app,
        t,
        json!({"name": name, "phone": "13812345678", "email": email,
               "id_card_number": ID_NUMBER, "gender": "female", "birthday": "1949-12-31",
               "address": address, "wechat_openid": "oWx9999888877776666",
               "notes": "欧阳娜娜周末来店", "custom_attributes": {"会员卡号": "VIP-0088"}}),
    )
    .await;
    // A duplicate merged into it, with a phone of its own.
    let duplicate = customer(
        &app,
        t,
        json!({"name": "欧阳娜", "phone": "13598765432", "email": "nana.oy@example.cn"}),
    )
    .await;
    let res = app
        .post(&merge_path(&id), t, &json!({"source_ids": [duplicate]}))
        .await;
    json_of(res, 200).await;
    let base = format!("/api/v1/customers/{id}");
    json_of(
        app.post(
            &format!("{base}/vehicles"),
            t,
            &json!({"vin": VIN, "plate": "沪AD12345", "brand": "比亚迪", "model": "汉EV"}),
        )
        .await,
        201,
    )
    .await;
    json_of(
        app.post(
            &format!("{base}/activities"),
            t,
            &json!({"kind": "call", "content": "欧阳娜娜说住在漕溪北路88号"}),
        )
        .await,
        201,
    )
    .await;
    json_of(
        app.post(
            "/api/v1/financing-applications",
            t,
            &json!({"customer_id": id, "plan": crate::financing::plan("equal_installment"),
                    "documents": [{"kind": "id_card", "name": "欧阳娜娜身份证.pdf", "uri": "s3://docs/ouyang.pdf"}],
                    "note": "欧阳娜娜希望36期"}),
        )
        .await,
        201,
    )
    .await;
    let attachment = upload_ok(
        &app,
        t,
        &id,
        "欧阳娜娜身份证.png",
        "image/png",
        autocrm_api::attachments::demo::png(4, 4, [200, 10, 10]),
    )
    .await;

    // The dump sees the values while they are there.
    let before: String = app.all_rows().await.into_values().flatten().collect();
    for value in [name, email, VIN, "沪AD12345", "138****5678", "漕溪北路88号"] {
        assert!(before.contains(value), "{value} is not in the dump before");
    }

    let res = app
        .post(
            &format!("{base}/erase"),
            t,
            &json!({"reason": "本人依《个人信息保护法》申请删除（工单 PIPL-0042）"}),
        )
        .await;
    let erased = json_of(res, 200).await;
    assert_eq!(erased["name"], "已删除客户");
    assert_eq!(erased["status"], "erased");
    assert_eq!(erased["phone"], Value::Null);

    let rows = app.all_rows().await;
    let clear = [
        name,
        "欧阳娜",
        email,
        "nana.oy@example.cn",
        "13812345678",
        "8613812345678",
        "13598765432",
        "138****5678",
        ID_NUMBER,
        address,
        "漕溪北路88号",
        "oWx9999888877776666",
        VIN,
        "沪AD12345",
        "VIP-0088",
    ];
    for (table, table_rows) in &rows {
        for row in table_rows {
            for value in clear {
                assert!(!row.contains(value), "{value} is still in {table}: {row}");
            }
        }
    }
    assert!(
        !rows["customer_lookups"]
            .iter()
            .any(|r| r.contains(&id) || r.contains(&duplicate)),
        "lookups remain"
    );
    // What is not personal stays: the record, its activity and vehicle, the amounts.
    assert!(rows["customers"].iter().any(|r| r.contains(&id)));
    let vehicles = json_of(app.get(&format!("{base}/vehicles"), t).await, 200).await;
    assert_eq!(vehicles["items"][0]["brand"], "比亚迪");
    let activities = json_of(app.get(&format!("{base}/activities"), t).await, 200).await;
    assert_eq!(activities["items"].as_array().unwrap().len(), 1);
    // The attachment is gone, its content too.
    let att = attachment["id"].as_str().unwrap();
    assert_problem(
        app.get(&format!("/api/v1/attachments/{att}"), t).await,
        404,
        "not_found",
    )
    .await;
    // A reveal shows nothing; the erasure is audited with its reason; again is a no-op.
    let revealed = json_of(
        app.request(Method::POST, &format!("{base}/reveal"), Some(t))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(revealed["phone"], Value::Null);
    assert_eq!(revealed["id_card_number"], Value::Null);
    let actions = app.audit_actions("customer", &id).await;
    assert_eq!(
        actions.iter().filter(|a| *a == "customer.erased").count(),
        1
    );
    let again = app
        .post(&format!("{base}/erase"), t, &json!({"reason": "重复提交"}))
        .await;
    assert_eq!(json_of(again, 200).await["version"], erased["version"]);
    assert_eq!(
        app.audit_actions("customer", &id)
            .await
            .iter()
            .filter(|a| *a == "customer.erased")
            .count(),
        1
    );
    // The erased record changes no more; a missing reason is 422.
    let res = app.patch(&base, t, &json!({"city": "杭州"}), None).await;
    assert_problem(res, 409, "conflict").await;
    let res = app.post(&format!("{base}/erase"), t, &json!({})).await;
    assert_problem(res, 422, "validation_failed").await;
}
