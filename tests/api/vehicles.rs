//! Vehicle inventory: add, change, search, VIN decoding and checks, ERP upsert, and what
//! costs each caller may see.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    Call, Expect, FORBIDDEN, NOT_FOUND, TestApp, VALIDATION_FAILED, assert_problem, test_vin,
};

/// `vin` with another check digit than the right one.
fn wrong_check_digit(vin: &str) -> String {
    let mut chars: Vec<char> = vin.chars().collect();
    chars[8] = if chars[8] == '1' { '2' } else { '1' };
    chars.into_iter().collect()
}

#[tokio::test]
async fn a_car_is_added_read_changed_and_kept_apart_per_tenant() {
    let app = TestApp::spawn().await;
    let store = app.create_store("深圳福田店", "深圳").await;
    let car = app
        .create_vehicle(&json!({"store_id": store, "stock_number": "SZ-0001",
            "trim": "EV 创世版 610KM", "battery_kwh": 85.4, "emission_standard": "国六b",
            "features": ["座椅加热", "自适应巡航"], "options": ["全景天窗"],
            "acquisition_cost_cents": 14200000, "floor_price_cents": 15300000}))
        .await;
    let id = car["id"].as_str().unwrap().to_owned();
    assert_eq!(car["status"], "in_stock");
    assert_eq!(car["trim"], "EV 创世版 610KM");
    assert_eq!(car["battery_kwh"], 85.4);
    assert_eq!(car["emission_standard"], "china_6b");
    assert_eq!(car["colour_family"], "red");
    assert_eq!(car["days_in_stock"], 0);
    assert_eq!(car["acquisition_cost_cents"], 14200000);
    assert_eq!(car["vin_check_override"], false);

    let (_, consultant) = app.user_with_role("sales_consultant", Some(&store)).await;
    let other = app.other_tenant().await;
    let path = format!("/api/v1/vehicles/{id}");
    app.check_calls([
        Call::get("consultant reads", &consultant, &path).expect(Expect::Status(200)),
        Call::post(
            "consultant adds",
            &consultant,
            "/api/v1/vehicles",
            json!({
            "vin": test_vin(), "condition": "new", "brand": "吉利", "model": "星越L",
            "asking_price_cents": 13870000}),
        )
        .expect(FORBIDDEN),
        Call::patch(
            "consultant changes",
            &consultant,
            &path,
            json!({"asking_price_cents": 1}),
        )
        .expect(FORBIDDEN),
        Call::get("another tenant reads", &other, &path).expect(NOT_FOUND),
        Call::patch(
            "another tenant changes",
            &other,
            &path,
            json!({"asking_price_cents": 1}),
        )
        .expect(NOT_FOUND),
        Call::get("not a uuid", &app.admin_token, "/api/v1/vehicles/xyz").expect(NOT_FOUND),
        Call::patch(
            "a price and a clear",
            &app.admin_token,
            &path,
            json!({"asking_price_cents": 15580000, "trim": null}),
        )
        .if_match(1)
        .expect(Expect::Status(200))
        .and(|body| {
            (body["asking_price_cents"] == 15580000
                && body["trim"].is_null()
                && body["version"] == 2)
                .then_some(())
                .ok_or(format!("{body}"))
        }),
        Call::patch(
            "stale version",
            &app.admin_token,
            &path,
            json!({"mileage_km": 20000}),
        )
        .if_match(1)
        .expect(Expect::Problem(412, "version_mismatch")),
        Call::patch(
            "the VIN never changes",
            &app.admin_token,
            &path,
            json!({"vin": test_vin()}),
        )
        .expect(Expect::Invalid(&[("vin", "read_only")])),
        Call::patch("sold", &app.admin_token, &path, json!({"status": "sold"}))
            .expect(Expect::Status(200))
            .and(|body| {
                (body["sold_price_cents"] == 15580000 && body["days_in_stock"].is_null())
                    .then_some(())
                    .ok_or(format!("{body}"))
            }),
        Call::patch(
            "sold is final",
            &app.admin_token,
            &path,
            json!({"status": "in_stock"}),
        )
        .expect(Expect::Problem(409, "invalid_transition")),
    ])
    .await;
    let actions = app.audit_actions("vehicle", &id).await;
    for action in [
        "vehicle.created",
        "vehicle.price_changed",
        "vehicle.updated",
        "vehicle.status_changed",
    ] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} in {actions:?}"
        );
    }
}

#[tokio::test]
async fn a_wrong_check_digit_is_refused_unless_overridden_with_a_reason() {
    let app = TestApp::spawn().await;
    let wrong = wrong_check_digit(&test_vin());
    let base = json!({"vin": wrong, "condition": "used", "brand": "长安", "model": "CS75 PLUS",
        "asking_price_cents": 9980000});
    let with = |extra: Value| {
        let mut body = base.clone();
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    let admin = &app.admin_token;
    let bodies = app
        .run_calls(
            &mut crate::helpers::Mismatches::new(),
            [
                Call::post("wrong check digit", admin, "/api/v1/vehicles", base.clone())
                    .expect(Expect::Invalid(&[("vin", "vin_check_digit")])),
                Call::post(
                    "override without reason",
                    admin,
                    "/api/v1/vehicles",
                    with(json!({"vin_check_override": true})),
                )
                .expect(Expect::Invalid(&[("vin_override_reason", "required")])),
                Call::post(
                    "malformed is never accepted",
                    admin,
                    "/api/v1/vehicles",
                    with(
                        json!({"vin": "LGXCE6CB8P01234IO", "vin_check_override": true,
                        "vin_override_reason": "行驶证如此"}),
                    ),
                )
                .expect(VALIDATION_FAILED),
                Call::post(
                    "override with reason",
                    admin,
                    "/api/v1/vehicles",
                    with(json!({"vin_check_override": true,
                        "vin_override_reason": "行驶证与车架号一致，厂家校验位错误"})),
                )
                .expect(Expect::Status(201)),
            ],
        )
        .await;
    let car = bodies[3].clone().expect("created with the override");
    assert_eq!(car["vin"], wrong);
    assert_eq!(car["vin_check_override"], true);
    assert_eq!(
        car["vin_override_reason"],
        "行驶证与车架号一致，厂家校验位错误"
    );
    let read: Value = app
        .get(
            &format!("/api/v1/vehicles/{}", car["id"].as_str().unwrap()),
            admin,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(read["vin_override_reason"], car["vin_override_reason"]);
    // Nothing was written by the refused requests.
    let page: Value = app
        .get("/api/v1/vehicles", admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_vin_decoder_tells_maker_country_years_and_problems() {
    let app = TestApp::spawn().await;
    let store = app.create_store("杭州西湖店", "杭州").await;
    let (_, consultant) = app.user_with_role("sales_consultant", Some(&store)).await;
    let erp = app.integration_token(&["inventory:read"]).await;
    let vin = test_vin();
    for token in [&app.admin_token, &consultant, &erp] {
        let body: Value = app
            .get(&format!("/api/v1/vins/{vin}/decode"), token)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(body["valid"], true, "{body}");
        assert_eq!(body["check_digit_ok"], true);
        assert_eq!(body["wmi"], "LGX");
        assert_eq!(body["country"], "China");
        assert_eq!(body["country_code"], "CN");
        assert!(
            body["model_years"]
                .as_array()
                .unwrap()
                .contains(&json!(2023)),
            "{body}"
        );
    }
    let wrong: Value = app
        .get(
            &format!("/api/v1/vins/{}/decode", wrong_check_digit(&vin)),
            &consultant,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (wrong["valid"].clone(), wrong["check_digit_ok"].clone()),
        (json!(true), json!(false))
    );
    let short: Value = app
        .get("/api/v1/vins/LGXCE6CB8/decode", &consultant)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(short["valid"], false);
    assert!(!short["problems"].as_array().unwrap().is_empty(), "{short}");
    let res = app
        .request(Method::GET, &format!("/api/v1/vins/{vin}/decode"), None)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn upserting_one_vin_twice_gives_one_car_and_events_for_what_changed() {
    // 10:00 in Shanghai: the organisation's date and the UTC date agree (after 16:00 UTC
    // they did not, and a day counted from one read the other).
    let tomorrow = (chrono::Utc::now() + chrono::TimeDelta::days(1)).date_naive();
    let app = TestApp::spawn_at(tomorrow.and_hms_opt(2, 0, 0).unwrap().and_utc()).await;
    let erp = app
        .integration_token(&["inventory:write", "inventory:read"])
        .await;
    let vin = test_vin();
    let path = format!("/api/v1/vehicles/by-vin/{vin}");
    let body = json!({"condition": "new", "brand": "理想", "model": "L7", "model_year": 2026,
        "body_type": "suv", "energy_type": "erev", "seats": 5, "asking_price_cents": 30180000,
        "status": "in_transit"});
    let put = |body: &Value| {
        app.request(Method::PUT, &path, Some(&erp))
            .json(body)
            .send()
    };
    let first = put(&body).await.unwrap();
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let again = put(&body).await.unwrap();
    assert_eq!(again.status(), 200);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["id"], first["id"]);
    assert_eq!(
        again["version"], first["version"],
        "unchanged keeps its version"
    );
    let mut arrived = body.clone();
    arrived["status"] = json!("in_stock");
    arrived["asking_price_cents"] = json!(29980000);
    let arrived: Value = put(&arrived).await.unwrap().json().await.unwrap();
    assert_eq!(arrived["status"], "in_stock");
    assert_eq!(
        arrived["in_stock_since"],
        app.clock_now().date_naive().to_string()
    );
    // Without the cost scope, costs can neither be written nor seen.
    let mut with_cost = body.clone();
    with_cost["acquisition_cost_cents"] = json!(1);
    assert_problem(put(&with_cost).await.unwrap(), 403, "forbidden").await;
    // A body's VIN must be the path's.
    let mut other_vin = body.clone();
    other_vin["vin"] = json!(test_vin());
    assert_problem(put(&other_vin).await.unwrap(), 422, "validation_failed").await;

    let page: Value = app
        .get("/api/v1/vehicles", &erp)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    let id = first["id"].as_str().unwrap();
    let actions = app.audit_actions("vehicle", id).await;
    assert_eq!(
        actions.iter().filter(|a| *a == "vehicle.created").count(),
        1
    );
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "vehicle.price_changed")
            .count(),
        1
    );
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "vehicle.status_changed")
            .count(),
        1
    );
}

#[tokio::test]
async fn concurrent_upserts_of_a_new_vin_make_one_car() {
    let app = TestApp::spawn().await;
    let vin = test_vin();
    let path = format!("/api/v1/vehicles/by-vin/{vin}");
    let body = json!({"condition": "used", "brand": "大众", "model": "帕萨特",
        "asking_price_cents": 12800000});
    let calls = (0..8).map(|_| {
        app.request(Method::PUT, &path, Some(&app.admin_token))
            .json(&body)
            .send()
    });
    let answers = futures_join(calls).await;
    let created = answers.iter().filter(|s| **s == 201).count();
    assert_eq!(created, 1, "{answers:?}");
    assert!(
        answers.iter().all(|s| *s == 201 || *s == 200),
        "{answers:?}"
    );
    let page: Value = app
        .get("/api/v1/vehicles", &app.admin_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
}

async fn futures_join(
    calls: impl Iterator<
        Item = impl std::future::Future<Output = reqwest::Result<reqwest::Response>> + Send + 'static,
    >,
) -> Vec<u16> {
    let handles: Vec<_> = calls.map(tokio::spawn).collect();
    let mut statuses = Vec::new();
    for handle in handles {
        statuses.push(handle.await.unwrap().unwrap().status().as_u16());
    }
    statuses
}

#[tokio::test]
async fn bulk_upsert_answers_each_item_and_a_bad_one_fails_alone() {
    let app = TestApp::spawn().await;
    let existing = app.create_vehicle(&json!({})).await;
    let fresh = test_vin();
    let items = json!({"items": [
        {"vin": fresh, "condition": "new", "brand": "小鹏", "model": "G6",
         "asking_price_cents": 17690000},
        {"vin": existing["vin"], "asking_price_cents": 14980000},
        {"vin": wrong_check_digit(&test_vin()), "condition": "used", "brand": "奇瑞",
         "model": "瑞虎8", "asking_price_cents": 8000000},
        {"vin": test_vin(), "condition": "used", "brand": "奇瑞", "model": "瑞虎8",
         "asking_price_cents": 8000000, "colour": "星空灰", "unknown_field": 1},
        {"vin": existing["vin"]}
    ]});
    let res = app
        .post("/api/v1/vehicles/bulk-upsert", &app.admin_token, &items)
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    let results: Vec<(u64, String)> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["status"].as_u64().unwrap(),
                i["result"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        results,
        [
            (201, "created".into()),
            (200, "updated".into()),
            (422, "failed".into()),
            (422, "failed".into()),
            (200, "unchanged".into()),
        ],
        "{body}"
    );
    assert_eq!(
        body["items"][2]["problem"]["errors"][0]["field"], "vin",
        "{body}"
    );
    assert_eq!(
        (body["created"].clone(), body["failed"].clone()),
        (json!(1), json!(2))
    );
    let page: Value = app
        .get("/api/v1/vehicles", &app.admin_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let too_many = json!({"items": vec![json!({}); 1001]});
    let res = app
        .post("/api/v1/vehicles/bulk-upsert", &app.admin_token, &too_many)
        .await;
    assert_problem(res, 422, "validation_failed").await;
}

#[tokio::test]
async fn a_consultant_never_sees_cost_or_floor_price() {
    let app = TestApp::spawn().await;
    let store = app.create_store("广州天河店", "广州").await;
    let (_, manager) = app.user_with_role("sales_manager", Some(&store)).await;
    let (_, consultant) = app.user_with_role("sales_consultant", Some(&store)).await;
    let reader = app.integration_token(&["inventory:read"]).await;
    let cost_reader = app
        .integration_token(&["inventory:read", "inventory:cost"])
        .await;
    let car = app
        .create_vehicle(
            &json!({"store_id": store, "acquisition_cost_cents": 13579246,
            "floor_price_cents": 14680357}),
        )
        .await;
    let id = car["id"].as_str().unwrap();
    let paths = [
        format!("/api/v1/vehicles/{id}"),
        "/api/v1/vehicles".to_owned(),
        "/api/v1/vehicles?q=比亚迪&sort=price".to_owned(),
        format!("/api/v1/vehicles?store_id={store}&status=in_stock"),
        "/api/v1/vehicles/export.csv".to_owned(),
        "/api/v1/vehicles/export.csv?sort=-price&brand=比亚迪".to_owned(),
    ];
    for (who, token, sees) in [
        ("consultant", &consultant, false),
        ("reader", &reader, false),
        ("manager", &manager, true),
        ("cost reader", &cost_reader, true),
    ] {
        for path in &paths {
            let res = app.get(path, token).await;
            assert_eq!(res.status(), 200, "{who} {path}");
            let text = res.text().await.unwrap();
            assert!(
                text.contains(car["vin"].as_str().unwrap()),
                "{who} {path}: {text}"
            );
            for secret in ["acquisition_cost", "floor_price", "13579246", "14680357"] {
                assert_eq!(
                    text.contains(secret),
                    sees,
                    "{who} {path}: {secret} in {text}"
                );
            }
        }
    }
    // Nor in the events an integrator reads.
    let feed = app
        .get("/api/v1/events", &app.admin_token)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !feed.contains("13579246") && !feed.contains("floor_price"),
        "{feed}"
    );
}

#[tokio::test]
async fn search_reads_filters_and_the_free_query_and_pages_by_cursor() {
    let app = TestApp::spawn().await;
    let shenzhen = app.create_store("深圳南山店", "深圳").await;
    let guangzhou = app.create_store("广州番禺店", "广州").await;
    let cars = [
        json!({"brand": "比亚迪", "model": "宋PLUS", "body_type": "suv", "energy_type": "phev",
               "asking_price_cents": 9_980_000, "seats": 5, "store_id": shenzhen,
               "features": ["座椅加热"]}),
        json!({"brand": "理想", "model": "L8", "body_type": "suv", "energy_type": "erev",
               "asking_price_cents": 28_980_000, "seats": 6, "store_id": guangzhou}),
        json!({"brand": "宝马", "model": "3系", "body_type": "sedan", "energy_type": "gasoline",
               "model_year": 2020, "first_registration_date": "2020-08-01",
               "asking_price_cents": 18_500_000, "seats": 5, "store_id": guangzhou}),
        json!({"brand": "别克", "model": "GL8", "body_type": "mpv", "energy_type": "gasoline",
               "asking_price_cents": 8_800_000, "seats": 7, "store_id": shenzhen,
               "features": ["座椅加热", "电动侧滑门"]}),
    ];
    let mut ids = Vec::new();
    for car in &cars {
        ids.push(
            app.create_vehicle(car).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let admin = &app.admin_token;
    let q = |s: &str| format!("/api/v1/vehicles?q={}", s);
    let idset = |idx: &[usize]| Expect::Ids(idx.iter().map(|i| ids[*i].clone()).collect());
    app.check_calls([
        Call::get("10万内SUV", admin, q("10万内SUV"))
            .expect(idset(&[0]))
            .and(|body| {
                (body["query"]["understood"].as_array().map(Vec::len) == Some(2))
                    .then_some(())
                    .ok_or(format!("{body}"))
            }),
        Call::get("新能源 7座", admin, q("新能源 6座")).expect(idset(&[1])),
        Call::get("宝马3系 2020", admin, q("宝马3系 2020")).expect(idset(&[2])),
        Call::get("brand", admin, "/api/v1/vehicles?brand=比亚迪,别克").expect(idset(&[0, 3])),
        Call::get(
            "body and seats",
            admin,
            "/api/v1/vehicles?body_type=suv,mpv&seats_min=6",
        )
        .expect(idset(&[1, 3])),
        Call::get(
            "price range",
            admin,
            "/api/v1/vehicles?price_min=9000000&price_max=20000000",
        )
        .expect(idset(&[0, 2])),
        Call::get("city", admin, "/api/v1/vehicles?city=深圳").expect(idset(&[0, 3])),
        Call::get(
            "store",
            admin,
            format!("/api/v1/vehicles?store_id={guangzhou}"),
        )
        .expect(idset(&[1, 2])),
        Call::get(
            "features",
            admin,
            "/api/v1/vehicles?features=座椅加热,电动侧滑门",
        )
        .expect(idset(&[3])),
        Call::get(
            "age",
            admin,
            "/api/v1/vehicles?age_max_years=5&energy_type=gasoline",
        )
        .expect(idset(&[3])),
        Call::get(
            "explicit wins over the query",
            admin,
            "/api/v1/vehicles?q=SUV&body_type=mpv",
        )
        .expect(idset(&[3])),
        Call::get("bad sort", admin, "/api/v1/vehicles?sort=colour")
            .expect(Expect::Problem(400, "invalid_query")),
        Call::get(
            "bad body type",
            admin,
            "/api/v1/vehicles?body_type=spaceship",
        )
        .expect(Expect::Problem(400, "invalid_query")),
        Call::get(
            "bad cursor",
            admin,
            "/api/v1/vehicles?sort=price&cursor=abc",
        )
        .expect(Expect::Problem(400, "invalid_cursor")),
    ])
    .await;

    // Paging by price, one car a page, visits every car once, cheapest first.
    for sort in [
        "price",
        "-price",
        "mileage",
        "-year",
        "-days_in_stock",
        "-created",
    ] {
        let mut seen: Vec<i64> = Vec::new();
        let mut cursor: Option<String> = None;
        let mut count = 0;
        loop {
            let path = match &cursor {
                Some(c) => format!("/api/v1/vehicles?sort={sort}&limit=1&cursor={c}"),
                None => format!("/api/v1/vehicles?sort={sort}&limit=1"),
            };
            let page: Value = app.get(&path, admin).await.json().await.unwrap();
            for item in page["items"].as_array().unwrap() {
                seen.push(item["asking_price_cents"].as_i64().unwrap());
                count += 1;
            }
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        assert_eq!(count, 4, "{sort}");
        if sort == "price" {
            assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
        }
        if sort == "-price" {
            assert!(seen.windows(2).all(|w| w[0] >= w[1]), "{seen:?}");
        }
    }
}

#[tokio::test]
async fn bad_input_is_refused_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let admin = &app.admin_token;
    let ok = json!({"vin": test_vin(), "condition": "used", "brand": "丰田", "model": "凯美瑞",
        "asking_price_cents": 13_000_000});
    let with = |k: &str, v: Value| {
        let mut body = ok.clone();
        body[k] = v;
        body
    };
    let tomorrow = (app.clock_now() + chrono::Duration::days(2))
        .date_naive()
        .to_string();
    app.check_calls([
        Call::post(
            "no vin",
            admin,
            "/api/v1/vehicles",
            json!({"condition": "used",
            "brand": "丰田", "model": "凯美瑞", "asking_price_cents": 1}),
        )
        .expect(Expect::Invalid(&[("vin", "required")])),
        Call::post(
            "no brand, model, price",
            admin,
            "/api/v1/vehicles",
            json!({"vin": test_vin(), "condition": "new"}),
        )
        .expect(Expect::Invalid(&[
            ("brand", "required"),
            ("model", "required"),
            ("asking_price_cents", "required"),
        ])),
        Call::post(
            "bad condition",
            admin,
            "/api/v1/vehicles",
            with("condition", json!("old")),
        )
        .expect(VALIDATION_FAILED),
        Call::post(
            "negative price",
            admin,
            "/api/v1/vehicles",
            with("asking_price_cents", json!(-1)),
        )
        .expect(VALIDATION_FAILED),
        Call::post(
            "bad body",
            admin,
            "/api/v1/vehicles",
            with("body_type", json!("rocket")),
        )
        .expect(VALIDATION_FAILED),
        Call::post(
            "bad emission",
            admin,
            "/api/v1/vehicles",
            with("emission_standard", json!("国六")),
        )
        .expect(VALIDATION_FAILED),
        Call::post(
            "future registration",
            admin,
            "/api/v1/vehicles",
            with("first_registration_date", json!(tomorrow)),
        )
        .expect(Expect::Invalid(&[("first_registration_date", "in_future")])),
        Call::post(
            "foreign store",
            admin,
            "/api/v1/vehicles",
            with("store_id", json!("0193a5c4-5a1b-7c00-8d2e-1f2a3b4c5d60")),
        )
        .expect(Expect::Invalid(&[("store_id", "not_found")])),
        Call::post(
            "unknown field",
            admin,
            "/api/v1/vehicles",
            with("colour_code", json!("R1")),
        )
        .expect(Expect::Invalid(&[("colour_code", "unknown_field")])),
        Call::post(
            "too many features",
            admin,
            "/api/v1/vehicles",
            with("features", json!(vec!["座椅加热"; 101])),
        )
        .expect(VALIDATION_FAILED),
    ])
    .await;
    let page: Value = app
        .get("/api/v1/vehicles", admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 0);
    // A second car with a VIN or stock number already used is a 409 naming the first.
    let first = app.create_vehicle(&json!({"stock_number": "GZ-7"})).await;
    let res = app
        .post(
            "/api/v1/vehicles",
            admin,
            &with("vin", first["vin"].clone()),
        )
        .await;
    let problem = assert_problem(res, 409, "duplicate").await;
    assert_eq!(problem["existing_id"], first["id"]);
    let res = app
        .post(
            "/api/v1/vehicles",
            admin,
            &with("stock_number", json!("GZ-7")),
        )
        .await;
    assert_problem(res, 409, "duplicate").await;
}
