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
