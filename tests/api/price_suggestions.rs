//! Price suggestions and market reference prices (issue 9, item 7).

use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, field_errors, with_status};
use crate::vehicle_matching::{Car, add_car, org_id_of};

fn codes(answer: &Value) -> Vec<String> {
    answer["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn suggestions_from_comparables_or_an_honest_too_few() {
    // 10:00 in Shanghai: the organisation's date and the UTC date agree (after 16:00 UTC
    // they did not, and a day counted from one read the other).
    let tomorrow = (chrono::Utc::now() + chrono::TimeDelta::days(1)).date_naive();
    let app = TestApp::spawn_at(tomorrow.and_hms_opt(2, 0, 0).unwrap().and_utc()).await;
    let org = app.org_id.clone();
    let subject = add_car(
        &app,
        &org,
        Car {
            days_in_stock: 45,
            ..Car::new("比亚迪", "汉", 16_500_000)
        },
    )
    .await;
    for (year, price, km) in [
        (2023, 15_800_000, 30_000),
        (2022, 14_500_000, 40_000),
        (2024, 17_900_000, 8_000),
    ] {
        add_car(
            &app,
            &org,
            Car {
                model_year: year,
                mileage_km: km,
                ..Car::new("比亚迪", "汉", price)
            },
        )
        .await;
    }
    add_car(
        &app,
        &org,
        Car {
            status: "sold",
            sold_price_cents: Some(15_500_000),
            ..Car::new("比亚迪", "汉", 15_900_000)
        },
    )
    .await;
    // Not comparable: another model, and a year two away.
    add_car(&app, &org, Car::new("比亚迪", "唐", 22_000_000)).await;
    add_car(
        &app,
        &org,
        Car {
            model_year: 2020,
            ..Car::new("比亚迪", "汉", 9_000_000)
        },
    )
    .await;

    let (_, consultant) = app
        .user_with_role(
            "sales_consultant",
            Some(&app.create_store("深圳福田店", "深圳").await),
        )
        .await;
    let answer = with_status(
        app.get(
            &format!("/api/v1/vehicles/{subject}/price-suggestion"),
            &consultant,
        )
        .await,
        200,
    )
    .await
    .unwrap();
    assert_eq!(answer["status"], "suggested", "{answer}");
    let (low, point, high) = (
        answer["low_cents"].as_i64().unwrap(),
        answer["point_cents"].as_i64().unwrap(),
        answer["high_cents"].as_i64().unwrap(),
    );
    assert!(low <= point && point <= high, "{answer}");
    assert!((12_000_000..18_000_000).contains(&point), "{answer}");
    assert_eq!(
        answer["comparables"].as_array().unwrap().len(),
        4,
        "{answer}"
    );
    assert!(
        answer["comparables"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["source"] == "sold")
    );
    let found = codes(&answer);
    for code in ["comparables", "aging_discount", "deal_prices"] {
        assert!(found.iter().any(|c| c == code), "{code} in {answer}");
    }
    assert_eq!(answer["days_in_stock"], 45);
    let text = answer.to_string();
    assert!(!text.contains("acquisition") && !text.contains("floor_price"));

    // A line with too few comparables and no market quote says so.
    let lonely = add_car(&app, &org, Car::new("蔚来", "ES6", 25_000_000)).await;
    add_car(&app, &org, Car::new("蔚来", "ES6", 26_000_000)).await;
    let path = format!("/api/v1/vehicles/{lonely}/price-suggestion");
    let answer = with_status(app.get(&path, &consultant).await, 200)
        .await
        .unwrap();
    assert_eq!(answer["status"], "insufficient_data", "{answer}");
    assert!(answer.get("point_cents").is_none());
    assert!(
        codes(&answer)
            .iter()
            .any(|c| c == "insufficient_comparables"),
        "{answer}"
    );

    // With a market quote it has something to go on.
    let batch = json!({"items": [{"brand": "蔚来", "model": "ES6", "model_year": 2023, "mileage_km": 20000,
        "price_cents": 24_800_000, "source": "che300", "observed_on": app.clock_now().date_naive().to_string()}]});
    with_status(
        app.post("/api/v1/market-prices", &app.admin_token, &batch)
            .await,
        200,
    )
    .await
    .unwrap();
    let answer = with_status(app.get(&path, &consultant).await, 200)
        .await
        .unwrap();
    assert_eq!(answer["status"], "suggested", "{answer}");
    assert!(
        codes(&answer).iter().any(|c| c == "market_reference"),
        "{answer}"
    );

    let other = app.other_tenant().await;
    assert_problem(app.get(&path, &other).await, 404, "not_found").await;
}

#[tokio::test]
async fn market_prices_come_in_batches_with_a_result_per_item() {
    let app = TestApp::spawn().await;
    let today = app.clock_now().date_naive();
    let batch = json!({"items": [
        {"brand": "比亚迪", "model": "汉", "model_year": 2023, "mileage_km": 20000, "price_cents": 15600000, "source": "che300", "observed_on": today.to_string()},
        {"brand": "比亚迪", "model": "汉", "model_year": 2022, "price_cents": 0, "source": "che300", "observed_on": today.to_string()},
        {"brand": "吉利", "model": "星越L", "model_year": 2022, "price_cents": 12800000, "source": "jingzhengu", "observed_on": today.to_string()},
        {"brand": " ", "model": "汉", "model_year": 1900, "price_cents": 100, "source": "che300", "observed_on": (today + chrono::TimeDelta::days(3)).to_string()},
    ]});
    let (_, consultant) = app
        .user_with_role(
            "sales_consultant",
            Some(&app.create_store("深圳福田店", "深圳").await),
        )
        .await;
    assert_problem(
        app.post("/api/v1/market-prices", &consultant, &batch).await,
        403,
        "forbidden",
    )
    .await;
    let answer = with_status(
        app.post("/api/v1/market-prices", &app.admin_token, &batch)
            .await,
        200,
    )
    .await
    .unwrap();
    assert_eq!(
        (answer["created"].as_u64(), answer["invalid"].as_u64()),
        (Some(2), Some(2)),
        "{answer}"
    );
    let results = answer["results"].as_array().unwrap();
    assert_eq!(results[0]["status"], "created");
    assert_eq!(results[1]["status"], "invalid");
    assert_eq!(results[1]["errors"][0]["field"], "price_cents");
    let fields: Vec<&str> = results[3]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        vec!["brand", "model_year", "observed_on"],
        "{answer}"
    );

    let list = with_status(
        app.get("/api/v1/market-prices?brand=比亚迪&model=汉", &consultant)
            .await,
        200,
    )
    .await
    .unwrap();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{list}");
    assert_eq!(items[0]["price_cents"], 15600000);
    let all = with_status(app.get("/api/v1/market-prices", &consultant).await, 200)
        .await
        .unwrap();
    assert_eq!(all["items"].as_array().unwrap().len(), 2);

    // A scope-holding valuation service may import; an empty batch is refused whole.
    let client = app.integration_token(&["market-prices:write"]).await;
    let problem = assert_problem(
        app.post("/api/v1/market-prices", &client, &json!({"items": []}))
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(field_errors(&problem).unwrap()[0].0, "items");
    let other = app.other_tenant().await;
    let theirs = with_status(app.get("/api/v1/market-prices", &other).await, 200)
        .await
        .unwrap();
    assert!(theirs["items"].as_array().unwrap().is_empty());
    let _ = org_id_of(&app, &other).await;
}
