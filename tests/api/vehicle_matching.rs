//! Customer–vehicle matching both ways (issue 9, item 6), the matching settings, and store
//! coordinates. Cars are put in the database as inventory stores them (`vehicles` rows).

use std::collections::HashSet;

use autocrm_domain::vehicle::{ColourFamily, catalog};
use autocrm_persistence::models::{TenantRecord, Vehicle};
use chrono::{NaiveDate, TimeDelta};
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, field_errors, with_status};

/// A car to put in stock.
#[derive(Clone)]
pub struct Car {
    pub brand: &'static str,
    pub model: &'static str,
    pub model_year: i32,
    pub body: &'static str,
    pub energy: &'static str,
    pub price_cents: i64,
    pub mileage_km: i64,
    pub status: &'static str,
    pub store_id: Option<String>,
    pub days_in_stock: i64,
    pub sold_price_cents: Option<i64>,
}

impl Car {
    pub fn new(brand: &'static str, model: &'static str, price_cents: i64) -> Self {
        Self {
            brand,
            model,
            model_year: 2023,
            body: "suv",
            energy: "bev",
            price_cents,
            mileage_km: 20_000,
            status: "in_stock",
            store_id: None,
            days_in_stock: 10,
            sold_price_cents: None,
        }
    }
}

/// Puts a car of `org_id` in the database and answers its id.
pub async fn add_car(app: &TestApp, org_id: &str, car: Car) -> String {
    let now = app.clock_now().naive_utc();
    let today = now.date();
    let org = org_id.to_owned();
    app.with_db(move |conn| {
        let id = uuid::Uuid::now_v7().to_string();
        let brand_key = catalog::brand_key(car.brand);
        let registered = NaiveDate::from_ymd_opt(car.model_year, 5, 18).unwrap();
        let sold = car.status == "sold";
        let v = Vehicle {
            id: id.clone(),
            org_id: org,
            store_id: car.store_id,
            vin: format!("LT{:015}", uuid::Uuid::now_v7().as_u128() % 10u128.pow(15)),
            vin_override_reason: None,
            stock_number: None,
            condition: "used".into(),
            brand: car.brand.into(),
            model_key: catalog::model_key(&brand_key, car.model),
            brand_key,
            model: car.model.into(),
            model_year: Some(car.model_year),
            body_type: Some(car.body.into()),
            energy_type: Some(car.energy.into()),
            transmission: Some("automatic".into()),
            colour: Some("白色".into()),
            colour_family: ColourFamily::of("白色").map(|f| f.as_str().to_owned()),
            seats: Some(5),
            mileage_km: car.mileage_km,
            first_registration_date: Some(registered.to_string()),
            age_from: Some(registered.to_string()),
            asking_price_cents: car.price_cents,
            status: car.status.into(),
            in_stock_since: Some((today - TimeDelta::days(car.days_in_stock)).to_string()),
            sold_at: sold.then(|| now - TimeDelta::days(5)),
            sold_price_cents: if sold {
                Some(car.sold_price_cents.unwrap_or(car.price_cents))
            } else {
                None
            },
            features: "[]".into(),
            specs: r#"{"trim":"冠军版"}"#.into(),
            version: 1,
            created_at: now,
            updated_at: now,
        };
        v.insert(conn).unwrap();
        id
    })
    .await
}

pub async fn org_id_of(app: &TestApp, token: &str) -> String {
    let org = with_status(app.get("/api/v1/organization", token).await, 200)
        .await
        .unwrap();
    org["id"].as_str().unwrap().to_owned()
}

async fn store_at(app: &TestApp, name: &str, city: &str, at: Option<(f64, f64)>) -> String {
    let mut body = json!({"name": name, "city": city});
    if let Some((lat, lon)) = at {
        body["latitude"] = json!(lat);
        body["longitude"] = json!(lon);
    }
    let store = with_status(
        app.post("/api/v1/stores", &app.admin_token, &body).await,
        201,
    )
    .await
    .unwrap();
    store["id"].as_str().unwrap().to_owned()
}

fn ids(list: &Value, key: &str) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| match key {
            "vehicle" => i["vehicle"]["id"].as_str().unwrap().to_owned(),
            _ => i[key].as_str().unwrap().to_owned(),
        })
        .collect()
}

#[tokio::test]
async fn matches_meet_must_haves_explain_themselves_and_price_transfers() {
    let app = TestApp::spawn().await;
    let org = app.org_id.clone();
    let shenzhen = store_at(&app, "深圳南山店", "深圳", Some((22.5329, 113.9305))).await;
    let beijing = store_at(&app, "北京朝阳店", "北京", None).await;
    let customer = app
        .create_customer(
            &app.admin_token,
            &json!({"name": "王伟", "phone": "13812345678", "city": "深圳",
                "needs": {"budget_min_cents": 15000000, "budget_max_cents": 20000000,
                    "body_types": ["suv"], "energy_types": ["bev"], "brands": ["比亚迪"],
                    "must_have": ["budget"]}}),
        )
        .await;
    let customer_id = customer["id"].as_str().unwrap();
    let near = add_car(
        &app,
        &org,
        Car {
            store_id: Some(shenzhen.clone()),
            ..Car::new("比亚迪", "宋PLUS", 17_980_000)
        },
    )
    .await;
    let far = add_car(
        &app,
        &org,
        Car {
            store_id: Some(beijing.clone()),
            ..Car::new("比亚迪", "唐", 18_500_000)
        },
    )
    .await;
    let sedan = add_car(
        &app,
        &org,
        Car {
            body: "sedan",
            store_id: Some(shenzhen.clone()),
            ..Car::new("吉利", "星瑞", 16_000_000)
        },
    )
    .await;
    let over_budget = add_car(
        &app,
        &org,
        Car {
            store_id: Some(shenzhen.clone()),
            ..Car::new("比亚迪", "汉", 25_000_000)
        },
    )
    .await;
    let sold = add_car(
        &app,
        &org,
        Car {
            status: "sold",
            store_id: Some(shenzhen.clone()),
            ..Car::new("比亚迪", "元PLUS", 16_000_000)
        },
    )
    .await;
    let other_token = app.other_tenant().await;
    let other_org = org_id_of(&app, &other_token).await;
    let foreign = add_car(&app, &other_org, Car::new("比亚迪", "宋PLUS", 17_000_000)).await;

    let path = format!("/api/v1/customers/{customer_id}/vehicle-matches?limit=20");
    let (_, consultant) = app
        .user_with_role("sales_consultant", Some(&shenzhen))
        .await;
    let answer = with_status(app.get(&path, &app.admin_token).await, 200)
        .await
        .unwrap();
    let got = ids(&answer, "vehicle");
    assert_eq!(
        got[0], near,
        "the near car of the wanted brand and body ranks first: {answer}"
    );
    let got: HashSet<String> = got.into_iter().collect();
    for (what, id) in [
        ("near", &near),
        ("far", &far),
        ("sedan (a soft miss)", &sedan),
    ] {
        assert!(got.contains(id), "{what} is offered: {answer}");
    }
    for (what, id) in [
        ("over budget (must-have)", &over_budget),
        ("sold", &sold),
        ("other tenant's", &foreign),
    ] {
        assert!(!got.contains(id), "{what} is never offered: {answer}");
    }
    for item in answer["items"].as_array().unwrap() {
        let reasons = item["reasons"].as_array().unwrap();
        assert!(
            reasons.len() >= 4,
            "reasons for budget, body, brand, energy, distance: {item}"
        );
        for r in reasons {
            assert!(
                r["weight"].as_u64().unwrap() > 0 && r["fit"].is_u64() && r["points"].is_number()
            );
            assert!(
                !r["message_zh"].as_str().unwrap().is_empty()
                    && !r["message_en"].as_str().unwrap().is_empty()
            );
        }
        let budget = reasons.iter().find(|r| r["criterion"] == "budget").unwrap();
        assert_eq!(budget["hard"], true);
        let score = item["score"].as_u64().unwrap();
        assert!(score <= 100);
        let id = item["vehicle"]["id"].as_str().unwrap();
        if id == far {
            let t = &item["transfer"];
            assert!(
                t["distance_km"].as_u64().unwrap() > 1500,
                "Beijing is far from Shenzhen: {t}"
            );
            assert!(
                t["days"].as_u64().unwrap() >= 2 && t["cost_cents"].as_i64().unwrap() > 50_000,
                "{t}"
            );
        }
        if id == near {
            assert!(
                item["transfer"].is_null(),
                "no transfer within the city: {item}"
            );
        }
        assert!(item["vehicle"].get("acquisition_cost_cents").is_none());
        assert!(item["vehicle"].get("floor_price_cents").is_none());
    }
    // Every staff role reads matches (for a customer in their scope).
    let mine = app
        .create_customer(&consultant, &json!({"name": "赵敏", "phone": "13912345678", "city": "深圳",
            "needs": {"budget_max_cents": 20000000, "body_types": ["suv"], "must_have": ["body_type"]}}))
        .await;
    let res = app
        .get(
            &format!(
                "/api/v1/customers/{}/vehicle-matches",
                mine["id"].as_str().unwrap()
            ),
            &consultant,
        )
        .await;
    let mine_matches = with_status(res, 200).await.unwrap();
    let mine_ids: HashSet<String> = ids(&mine_matches, "vehicle").into_iter().collect();
    assert!(
        !mine_ids.contains(&sedan),
        "a sedan fails the must-have SUV: {mine_matches}"
    );
    assert!(mine_ids.contains(&near));
    // The admin's customer is not in the consultant's scope; another tenant's neither.
    assert_problem(app.get(&path, &consultant).await, 404, "not_found").await;
    assert_problem(app.get(&path, &other_token).await, 404, "not_found").await;
    let res = app
        .get(
            &format!("/api/v1/customers/{customer_id}/vehicle-matches?limit=0"),
            &app.admin_token,
        )
        .await;
    assert_eq!(res.status(), 422);
}

#[tokio::test]
async fn reverse_matches_keep_the_callers_scope_and_the_customers_must_haves() {
    let app = TestApp::spawn().await;
    let org = app.org_id.clone();
    let store = store_at(&app, "杭州西湖店", "杭州", None).await;
    let (_, first) = app.user_with_role("sales_consultant", Some(&store)).await;
    let (_, second) = app.user_with_role("sales_consultant", Some(&store)).await;
    let car = add_car(
        &app,
        &org,
        Car {
            store_id: Some(store.clone()),
            ..Car::new("比亚迪", "宋PLUS", 17_980_000)
        },
    )
    .await;
    let customer = |token: &str, name: &str, phone: &str, needs: Value| {
        let body = json!({"name": name, "phone": phone, "city": "杭州", "needs": needs});
        let token = token.to_owned();
        let app = &app;
        async move {
            app.create_customer(&token, &body).await["id"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let fits = json!({"budget_min_cents": 15000000, "budget_max_cents": 20000000, "body_types": ["suv"], "must_have": ["budget", "body_type"]});
    let mine = customer(&first, "陈静", "13700001111", fits.clone()).await;
    let theirs = customer(&second, "刘洋", "13700002222", fits).await;
    let wants_mpv = customer(
        &first,
        "黄磊",
        "13700003333",
        json!({"budget_max_cents": 20000000, "body_types": ["mpv"], "must_have": ["body_type"]}),
    )
    .await;
    let too_poor = customer(
        &first,
        "周杰",
        "13700004444",
        json!({"budget_max_cents": 10000000, "must_have": ["budget"]}),
    )
    .await;
    let no_needs = app
        .create_customer(&first, &json!({"name": "吴芳", "phone": "13700005555"}))
        .await;

    let path = format!("/api/v1/vehicles/{car}/customer-matches?limit=50");
    let all = with_status(app.get(&path, &app.admin_token).await, 200)
        .await
        .unwrap();
    let all_ids: HashSet<String> = ids(&all, "customer_id").into_iter().collect();
    assert!(
        all_ids.contains(&mine) && all_ids.contains(&theirs),
        "{all}"
    );
    for (what, id) in [
        ("a must-have MPV", &wants_mpv),
        ("a must-have budget below the price", &too_poor),
        (
            "no stated needs",
            &no_needs["id"].as_str().unwrap().to_owned(),
        ),
    ] {
        assert!(!all_ids.contains(id), "{what} never appears: {all}");
    }
    let item = &all["items"][0];
    assert!(
        item["phone_masked"].as_str().unwrap().contains("****"),
        "{item}"
    );
    assert!(
        item["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["criterion"] == "budget")
    );
    assert!(item["owner_name"].is_string());
    assert!(!all.to_string().contains("13700001111"), "no clear phone");

    let seen = with_status(app.get(&path, &first).await, 200)
        .await
        .unwrap();
    assert_eq!(
        ids(&seen, "customer_id"),
        vec![mine.clone()],
        "a consultant sees only their own: {seen}"
    );

    // Needs changed through the API are what reverse matching filters on.
    let res = app
        .request(reqwest::Method::PUT, &format!("/api/v1/customers/{wants_mpv}/needs"), Some(&first))
        .json(&json!({"needs": {"budget_max_cents": 20000000, "body_types": ["mpv", "suv"], "must_have": ["body_type"]}}))
        .send()
        .await
        .unwrap();
    with_status(res, 200).await.unwrap();
    let seen = with_status(app.get(&path, &first).await, 200)
        .await
        .unwrap();
    let seen: HashSet<String> = ids(&seen, "customer_id").into_iter().collect();
    assert_eq!(seen, HashSet::from([mine.clone(), wants_mpv.clone()]));

    let other = app.other_tenant().await;
    assert_problem(app.get(&path, &other).await, 404, "not_found").await;
}

#[tokio::test]
async fn matching_settings_are_checked_and_kept_per_organisation() {
    let app = TestApp::spawn().await;
    const PATH: &str = "/api/v1/settings/vehicle-matching";
    let defaults = with_status(app.get(PATH, &app.admin_token).await, 200)
        .await
        .unwrap();
    assert_eq!(defaults["weights"]["budget"], 25);
    assert_eq!(defaults["transfer"]["local_radius_km"], 50);

    let (_, consultant) = app
        .user_with_role(
            "sales_consultant",
            Some(&app.create_store("深圳福田店", "深圳").await),
        )
        .await;
    let (_, gm) = app.user_with_role("general_manager", None).await;
    let mut wanted = defaults.clone();
    wanted["weights"]["budget"] = json!(40);
    wanted["transfer"]["per_km_cents"] = json!(300);
    let put = |token: &str, body: &Value| {
        app.request(reqwest::Method::PUT, PATH, Some(token))
            .json(body)
            .send()
    };
    assert_problem(put(&consultant, &wanted).await.unwrap(), 403, "forbidden").await;

    let mut bad = wanted.clone();
    for c in [
        "budget",
        "body_type",
        "brand",
        "energy_type",
        "condition",
        "seats",
        "age",
        "mileage",
        "transmission",
        "colour",
        "distance",
    ] {
        bad["weights"][c] = json!(0);
    }
    bad["transfer"]["road_factor_percent"] = json!(50);
    let problem = assert_problem(put(&gm, &bad).await.unwrap(), 422, "validation_failed").await;
    let fields: HashSet<String> = field_errors(&problem)
        .unwrap()
        .into_iter()
        .map(|(f, _)| f)
        .collect();
    assert_eq!(
        fields,
        HashSet::from([
            "weights".to_owned(),
            "transfer.road_factor_percent".to_owned()
        ]),
        "{problem}"
    );
    assert_eq!(
        with_status(app.get(PATH, &app.admin_token).await, 200)
            .await
            .unwrap(),
        defaults,
        "nothing written"
    );

    let stored = with_status(put(&gm, &wanted).await.unwrap(), 200)
        .await
        .unwrap();
    assert_eq!(stored, wanted);
    assert_eq!(
        with_status(app.get(PATH, &consultant).await, 200)
            .await
            .unwrap(),
        wanted
    );
    let other = app.other_tenant().await;
    assert_eq!(
        with_status(app.get(PATH, &other).await, 200).await.unwrap(),
        defaults
    );
}

#[tokio::test]
async fn stores_take_coordinates_checked() {
    let app = TestApp::spawn().await;
    let id = store_at(&app, "上海浦东店", "上海", Some((31.228611, 121.544722))).await;
    let store = with_status(
        app.get(&format!("/api/v1/stores/{id}"), &app.admin_token)
            .await,
        200,
    )
    .await
    .unwrap();
    assert_eq!(
        (store["latitude"].as_f64(), store["longitude"].as_f64()),
        (Some(31.228611), Some(121.544722))
    );
    for (case, body, field) in [
        (
            "latitude alone",
            json!({"name": "A店", "city": "上海", "latitude": 31.2}),
            "longitude",
        ),
        (
            "latitude out of range",
            json!({"name": "B店", "city": "上海", "latitude": 95.0, "longitude": 121.5}),
            "latitude",
        ),
        (
            "longitude out of range",
            json!({"name": "C店", "city": "上海", "latitude": 31.0, "longitude": 181.0}),
            "longitude",
        ),
    ] {
        let problem = assert_problem(
            app.post("/api/v1/stores", &app.admin_token, &body).await,
            422,
            "validation_failed",
        )
        .await;
        let fields: Vec<String> = field_errors(&problem)
            .unwrap()
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        assert_eq!(fields, vec![field.to_owned()], "{case}: {problem}");
    }
    let stores = with_status(
        app.get("/api/v1/stores?limit=200", &app.admin_token).await,
        200,
    )
    .await
    .unwrap();
    assert_eq!(
        stores["items"].as_array().unwrap().len(),
        1,
        "nothing written"
    );
    let res = app
        .patch(
            &format!("/api/v1/stores/{id}"),
            &app.admin_token,
            &json!({"latitude": null, "longitude": null}),
            None,
        )
        .await;
    let cleared = with_status(res, 200).await.unwrap();
    assert!(
        cleared["latitude"].is_null() && cleared["longitude"].is_null(),
        "{cleared}"
    );
}
