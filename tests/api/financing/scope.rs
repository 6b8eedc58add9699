use serde_json::{Value, json};

use crate::helpers::TestApp;

async fn application_for(app: &TestApp, token: &str, customer: &str) -> String {
    let res = app
        .post(
            "/api/v1/financing-applications",
            token,
            &json!({"customer_id": customer, "plan": {
                "vehicle_price_cents": 20_000_000, "down_payment_percent": 30, "term_months": 36,
                "annual_rate_percent": 4.85, "method": "equal_installment"}}),
        )
        .await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn listed(app: &TestApp, token: &str) -> Vec<String> {
    let page: Value = app
        .get("/api/v1/financing-applications?limit=200", token)
        .await
        .json()
        .await
        .unwrap();
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn managers_list_their_stores_applications_and_consultants_their_own() {
    let app = TestApp::spawn().await;
    let shanghai = app.create_store("上海店", "上海").await;
    let beijing = app.create_store("北京店", "北京").await;
    let (_, consultant_sh) = app
        .user_with_role("sales_consultant", Some(&shanghai))
        .await;
    let (_, colleague_sh) = app
        .user_with_role("sales_consultant", Some(&shanghai))
        .await;
    let (_, consultant_bj) = app.user_with_role("sales_consultant", Some(&beijing)).await;
    let (_, manager_sh) = app.user_with_role("sales_manager", Some(&shanghai)).await;

    let c_sh = app
        .create_customer(&consultant_sh, &json!({"name": "沪客"}))
        .await;
    let c_sh2 = app
        .create_customer(&colleague_sh, &json!({"name": "沪客二"}))
        .await;
    let c_bj = app
        .create_customer(&consultant_bj, &json!({"name": "京客"}))
        .await;
    let a_sh = application_for(&app, &consultant_sh, c_sh["id"].as_str().unwrap()).await;
    let a_sh2 = application_for(&app, &colleague_sh, c_sh2["id"].as_str().unwrap()).await;
    let a_bj = application_for(&app, &consultant_bj, c_bj["id"].as_str().unwrap()).await;

    let mut manager_sees = listed(&app, &manager_sh).await;
    manager_sees.sort();
    let mut expected = vec![a_sh.clone(), a_sh2.clone()];
    expected.sort();
    assert_eq!(manager_sees, expected);
    assert_eq!(listed(&app, &consultant_sh).await, vec![a_sh.clone()]);
    assert_eq!(listed(&app, &app.admin_token).await.len(), 3);
    let res = app
        .get(
            &format!("/api/v1/financing-applications/{a_bj}"),
            &manager_sh,
        )
        .await;
    assert_eq!(res.status(), 404);
}
