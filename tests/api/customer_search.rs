//! The customer list's search (issue 8, item 12): `q` by plate and VIN, and the owner,
//! store, creation and last-activity filters, in the caller's scope.

use std::collections::HashSet;

use chrono::TimeDelta;
use serde_json::{Value, json};

use crate::helpers::{Mismatches, TestApp, assert_problem, with_status};

const VIN: &str = "LGXCE4CB2N0123456";

async fn names(
    app: &TestApp,
    token: &str,
    query: &[(&str, &str)],
) -> Result<HashSet<String>, String> {
    let url = reqwest::Url::parse_with_params(&app.url("/api/v1/customers"), query).unwrap();
    let res = app.client.get(url).bearer_auth(token).send().await.unwrap();
    let page = with_status(res, 200).await?;
    Ok(page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect())
}

/// A case: its name, the list's query, the names expected.
type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, HashSet<String>);

fn set(names: &[&str]) -> HashSet<String> {
    names.iter().map(|n| (*n).to_owned()).collect()
}

async fn created(app: &TestApp, body: Value) -> String {
    app.create_customer(&app.admin_token, &body).await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn q_finds_plates_and_vins_and_filters_narrow_the_list() {
    let app = TestApp::spawn().await;
    let t = app.admin_token.clone();
    let hangzhou = app.create_store("杭州西湖店", "杭州").await;
    let ningbo = app.create_store("宁波江北店", "宁波").await;
    let (zhou, zhou_token) = app
        .user_with_role("sales_consultant", Some(&hangzhou))
        .await;
    let (wu, _) = app.user_with_role("sales_consultant", Some(&ningbo)).await;
    let start = app.clock_now();

    let zhang = created(
        &app,
        json!({"name": "张伟", "owner_id": zhou, "store_id": hangzhou}),
    )
    .await;
    app.clock.advance(TimeDelta::minutes(5));
    let li = created(
        &app,
        json!({"name": "李娜", "owner_id": wu, "store_id": ningbo}),
    )
    .await;
    app.clock.advance(TimeDelta::minutes(5));
    created(&app, json!({"name": "王芳"})).await;
    let now = app.clock_now();

    // Zhang owns the car; Li was contacted long ago, Zhang lately; Wang never.
    with_status(
        app.post(
            &format!("/api/v1/customers/{zhang}/vehicles"),
            &t,
            &json!({"vin": VIN, "plate": "浙A·12345", "brand": "大众", "model": "朗逸"}),
        )
        .await,
        201,
    )
    .await
    .unwrap();
    for (id, ago) in [(&li, 5), (&zhang, 4), (&zhang, 1)] {
        let at = (now - TimeDelta::days(ago)).to_rfc3339();
        with_status(
            app.post(
                &format!("/api/v1/customers/{id}/activities"),
                &t,
                &json!({"kind": "call", "occurred_at": at}),
            )
            .await,
            201,
        )
        .await
        .unwrap();
    }

    let day = |d: i64| (now - TimeDelta::days(d)).to_rfc3339();
    let (six_days_ago, three_days_ago, two_days_ago) = (day(6), day(3), day(2));
    let created_mid = (start + TimeDelta::minutes(2)).to_rfc3339();
    let cases: Vec<Case> = vec![
        ("plate as written", vec![("q", "浙A·12345")], set(&["张伟"])),
        (
            "plate another way",
            vec![("q", "浙a 12345")],
            set(&["张伟"]),
        ),
        ("vin", vec![("q", VIN)], set(&["张伟"])),
        (
            "vin lower case",
            vec![("q", "lgxce4cb2n0123456")],
            set(&["张伟"]),
        ),
        ("a plate nobody owns", vec![("q", "沪B99999")], set(&[])),
        ("name still works", vec![("q", "李")], set(&["李娜"])),
        ("owner", vec![("owner_id", zhou.as_str())], set(&["张伟"])),
        ("store", vec![("store_id", ningbo.as_str())], set(&["李娜"])),
        (
            "created from",
            vec![("created_from", created_mid.as_str())],
            set(&["李娜", "王芳"]),
        ),
        (
            "created to",
            vec![("created_to", created_mid.as_str())],
            set(&["张伟"]),
        ),
        (
            "last activity from",
            vec![("last_activity_from", three_days_ago.as_str())],
            set(&["张伟"]),
        ),
        (
            "last activity to: none since",
            vec![("last_activity_to", three_days_ago.as_str())],
            set(&["李娜"]),
        ),
        (
            "last activity range",
            vec![
                ("last_activity_from", six_days_ago.as_str()),
                ("last_activity_to", two_days_ago.as_str()),
            ],
            set(&["李娜"]),
        ),
        (
            "filters combine",
            vec![
                ("last_activity_from", six_days_ago.as_str()),
                ("store_id", hangzhou.as_str()),
            ],
            set(&["张伟"]),
        ),
    ];
    let mut m = Mismatches::new();
    for (case, query, expected) in cases {
        if let Some(found) = m.check(case, names(&app, &t, &query).await) {
            m.eq(case, found, expected);
        }
    }
    // The consultant's scope still applies: Li's plate search finds nothing for Zhou.
    if let Some(found) = m.check(
        "scope",
        names(&app, &zhou_token, &[("store_id", ningbo.as_str())]).await,
    ) {
        m.eq("scope", found, set(&[]));
    }
    if let Some(found) = m.check("scope vin", names(&app, &zhou_token, &[("q", VIN)]).await) {
        m.eq("scope vin", found, set(&["张伟"]));
    }
    m.assert_none();

    for bad in [
        ("last_activity_from", "yesterday"),
        ("last_activity_to", "2026-13-01T00:00:00Z"),
    ] {
        let url = reqwest::Url::parse_with_params(&app.url("/api/v1/customers"), [bad]).unwrap();
        let res = app.client.get(url).bearer_auth(&t).send().await.unwrap();
        assert_problem(res, 400, "invalid_query").await;
    }
}
