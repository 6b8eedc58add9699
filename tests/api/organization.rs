use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem};

#[tokio::test]
async fn null_cannot_clear_a_required_store_or_user_field() {
    let app = TestApp::spawn().await;
    let store = app.create_store("杭州西湖店", "杭州").await;
    let path = format!("/api/v1/stores/{store}");
    for body in [
        json!({"name": null}),
        json!({"city": null}),
        json!({"active": null}),
    ] {
        let res = app.patch(&path, &app.admin_token, &body, None).await;
        let problem = assert_problem(res, 422, "validation_failed").await;
        assert_eq!(problem["errors"][0]["code"], "required");
    }
    let unchanged: Value = app.get(&path, &app.admin_token).await.json().await.unwrap();
    assert_eq!(
        unchanged["version"], 1,
        "a refused patch must not bump the version"
    );

    // Optional fields may be cleared.
    let res = app
        .patch(
            &path,
            &app.admin_token,
            &json!({"region": "华东", "address": null}),
            Some(1),
        )
        .await;
    assert_eq!(res.status(), 200);
    let changed: Value = res.json().await.unwrap();
    assert_eq!(changed["region"], "华东");
    assert_eq!(changed["version"], 2);

    let (user, _) = app.user_with_role("marketing", None).await;
    let user_path = format!("/api/v1/users/{user}");
    for body in [
        json!({"name": null}),
        json!({"role": null}),
        json!({"active": null}),
    ] {
        let res = app.patch(&user_path, &app.admin_token, &body, None).await;
        assert_problem(res, 422, "validation_failed").await;
    }
    let user: Value = app
        .get(&user_path, &app.admin_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(user["version"], 1);
    assert_eq!(user["role"], "marketing");
}

#[tokio::test]
async fn a_deactivated_store_takes_no_new_staff() {
    let app = TestApp::spawn().await;
    let store = app.create_store("南京新街口店", "南京").await;
    let res = app
        .post(
            &format!("/api/v1/stores/{store}/deactivate"),
            &app.admin_token,
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["active"], false);
    let res = app
        .post(
            "/api/v1/users",
            &app.admin_token,
            &json!({"name": "新人", "email": "new@acme.test", "role": "sales_consultant",
                    "store_id": store, "password": "s3cure-pass"}),
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "store_id");
}

/// The organisation's own settings: admins read and change them under a version; bad
/// values are 422 and change nothing; every change is audited.
#[tokio::test]
async fn organisation_settings_are_versioned_and_validated() {
    let app = TestApp::spawn().await;
    let org: Value = app
        .get("/api/v1/organization", &app.admin_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(org["id"], app.org_id.as_str());
    assert_eq!(org["currency"], "CNY");
    assert_eq!(org["time_zone"], "Asia/Shanghai");
    assert_eq!(org["version"], 1);

    let (_, gm) = app.user_with_role("general_manager", None).await;
    let res = app.get("/api/v1/organization", &gm).await;
    assert_problem(res, 403, "forbidden").await;

    let cases = [
        (
            json!({"time_zone": "Mars/Olympus"}),
            "time_zone",
            "invalid_value",
        ),
        (json!({"currency": "RMB"}), "currency", "invalid_value"),
        (json!({"name": null}), "name", "required"),
        (
            json!({"settings": {"unknown_section": {}}}),
            "settings.unknown_section",
            "unknown_field",
        ),
    ];
    for (body, field, code) in cases {
        let res = app
            .patch("/api/v1/organization", &app.admin_token, &body, None)
            .await;
        let problem = assert_problem(res, 422, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], field, "{body}");
        assert_eq!(problem["errors"][0]["code"], code, "{body}");
    }

    let res = app
        .patch(
            "/api/v1/organization",
            &app.admin_token,
            &json!({"time_zone": "Asia/Hong_Kong", "currency": "hkd", "name": "香港汽车集团"}),
            Some(1),
        )
        .await;
    assert_eq!(res.status(), 200);
    let changed: Value = res.json().await.unwrap();
    assert_eq!(changed["time_zone"], "Asia/Hong_Kong");
    assert_eq!(changed["currency"], "HKD");
    assert_eq!(changed["version"], 2);
    let res = app
        .patch(
            "/api/v1/organization",
            &app.admin_token,
            &json!({"name": "晚到的修改"}),
            Some(1),
        )
        .await;
    assert_problem(res, 412, "version_mismatch").await;
    assert_eq!(
        app.audit_actions("organization", &app.org_id).await,
        ["organization.updated"]
    );
}
