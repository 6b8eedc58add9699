//! Inspection reports (车况检测): the checklist, writing and reading reports of a car, photos
//! as attachments, the summary, and the cars a customer looked at in the 360° view.

use autocrm_persistence::models::{TenantRecord, Vehicle};
use chrono::NaiveDate;
use serde_json::{Value, json};

use crate::attachments::{upload_path, upload_raw};
use crate::helpers::{Mismatches, TestApp, field_errors, with_status};

/// Puts a car in the app's first organisation's stock (straight into the database: the
/// vehicles API is another capability's), answering its id.
pub async fn add_car(
    app: &TestApp,
    org_id: &str,
    store_id: Option<&str>,
    (brand, model): (&str, &str),
    status: &str,
    in_stock_since: NaiveDate,
) -> String {
    let now = app.clock_now().naive_utc();
    let brand_key = autocrm_domain::vehicle::catalog::brand_key(brand);
    let car = Vehicle {
        id: uuid::Uuid::now_v7().to_string(),
        org_id: org_id.to_owned(),
        store_id: store_id.map(str::to_owned),
        vin: format!("LTEST{}", &uuid::Uuid::now_v7().simple().to_string()[20..]).to_uppercase(),
        vin_override_reason: None,
        stock_number: None,
        condition: "used".into(),
        brand: brand.into(),
        model_key: autocrm_domain::vehicle::catalog::model_key(&brand_key, model),
        brand_key,
        model: model.into(),
        model_year: Some(2023),
        body_type: Some("sedan".into()),
        energy_type: Some("bev".into()),
        transmission: Some("automatic".into()),
        colour: Some("汉宫红".into()),
        colour_family: Some("red".into()),
        seats: Some(5),
        mileage_km: 18600,
        first_registration_date: Some("2023-05-18".into()),
        age_from: Some("2023-05-18".into()),
        asking_price_cents: 15_980_000,
        status: status.into(),
        in_stock_since: Some(in_stock_since.to_string()),
        sold_at: None,
        sold_price_cents: None,
        features: "[]".into(),
        specs: "{}".into(),
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let id = car.id.clone();
    app.with_db(move |conn| car.insert(conn).unwrap()).await;
    id
}

/// Sets a car's status straight in the database (what a sale or an ERP sync would do).
pub async fn set_status(app: &TestApp, id: &str, status: &str) {
    use autocrm_persistence::schema::vehicles as v;
    use diesel::prelude::*;
    let (id, status) = (id.to_owned(), status.to_owned());
    app.with_db(move |conn| {
        diesel::update(v::table.filter(v::id.eq(id)))
            .set(v::status.eq(status))
            .execute(conn)
            .unwrap()
    })
    .await;
}

pub fn today(app: &TestApp) -> NaiveDate {
    // Test organisations run on Asia/Shanghai.
    (app.clock_now() + chrono::TimeDelta::hours(8)).date_naive()
}

fn report(on: NaiveDate) -> Value {
    json!({
        "inspector_name": "王建国", "inspected_on": on.to_string(), "mileage_km": 18600,
        "items": [
            {"section": "frame", "code": "frame.01", "result": "ok"},
            {"section": "exterior", "code": "exterior.01", "result": "minor", "note": "前保险杠轻微划痕"},
            {"section": "road_test", "code": "road_test.05", "result": "ok"}
        ],
        "accident": false, "flood": false, "fire": false, "odometer_check": "ok",
        "maintenance": [{"date": "2025-06-12", "mileage_km": 15000,
                         "description": "常规保养：更换机油、机滤", "shop": "比亚迪深圳龙岗4S店"}],
        "grade": "A", "notes": "车况良好"
    })
}

fn reports_of(car: &str) -> String {
    format!("/api/v1/vehicles/{car}/inspection-reports")
}

async fn report_count(app: &TestApp) -> usize {
    app.all_rows()
        .await
        .get("inspection_reports")
        .map_or(0, Vec::len)
}

#[tokio::test]
async fn the_checklist_has_over_a_hundred_items_in_seven_sections() {
    let app = TestApp::spawn().await;
    let store = app.create_store("南山店", "深圳").await;
    let (_, consultant) = app.user_with_role("sales_consultant", Some(&store)).await;
    let list = with_status(
        app.get("/api/v1/inspection-checklist", &consultant).await,
        200,
    )
    .await
    .unwrap();
    let items = list["items"].as_array().unwrap();
    assert!(items.len() >= 100, "{}", items.len());
    let sections: std::collections::BTreeSet<&str> = items
        .iter()
        .map(|i| i["section"].as_str().unwrap())
        .collect();
    assert_eq!(sections.len(), 7, "{sections:?}");
    assert_eq!(items[0]["section_name"], "骨架");
}

#[tokio::test]
async fn a_report_is_written_read_listed_newest_first_and_carries_photos() {
    let app = TestApp::spawn().await;
    let today = today(&app);
    let car = add_car(&app, &app.org_id, None, ("比亚迪", "汉"), "in_stock", today).await;
    let admin = app.admin_token.clone();

    let first = with_status(
        app.post(
            &reports_of(&car),
            &admin,
            &report(today - chrono::TimeDelta::days(3)),
        )
        .await,
        201,
    )
    .await
    .unwrap();
    assert_eq!(
        first["summary"],
        "无重大事故、无泡水、无火烧、里程真实、轻微问题1项"
    );
    assert_eq!(first["clean"], true);
    assert_eq!(first["items"][0]["name"], "左A柱");
    assert_eq!(first["maintenance"][0]["shop"], "比亚迪深圳龙岗4S店");

    let mut flooded = report(today);
    flooded["flood"] = json!(true);
    flooded["odometer_check"] = json!("suspected");
    flooded["items"][0] = json!({"section": "frame", "code": "frame.07", "result": "major"});
    let second = with_status(app.post(&reports_of(&car), &admin, &flooded).await, 201)
        .await
        .unwrap();
    assert_eq!(
        second["summary"],
        "骨架有损伤、泡水车、无火烧、疑似调表、重大问题：骨架左前纵梁、轻微问题1项"
    );
    assert_eq!(second["clean"], false);

    // A photo of the report, through the attachments capability.
    let photo = autocrm_api::attachments::demo::png(8, 8, [200, 120, 40]);
    let second_id = second["id"].as_str().unwrap();
    let res = upload_raw(
        &app,
        &admin,
        &upload_path("inspection_report", second_id, Some("左前纵梁.png")),
        "image/png",
        photo,
    )
    .await;
    let photo = with_status(res, 201).await.unwrap();

    let store = app.create_store("南山店", "深圳").await;
    let (_, consultant) = app.user_with_role("sales_consultant", Some(&store)).await;
    let list = with_status(app.get(&reports_of(&car), &consultant).await, 200)
        .await
        .unwrap();
    let ids: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![second_id, first["id"].as_str().unwrap()]);
    let one = with_status(
        app.get(
            &format!("/api/v1/inspection-reports/{second_id}"),
            &consultant,
        )
        .await,
        200,
    )
    .await
    .unwrap();
    assert_eq!(one["photos"][0]["id"], photo["id"]);
    assert_eq!(one["summary"], second["summary"]);
}

#[tokio::test]
async fn who_may_write_and_read_and_another_tenant_sees_nothing() {
    let app = TestApp::spawn().await;
    let today = today(&app);
    let car = add_car(&app, &app.org_id, None, ("比亚迪", "汉"), "in_stock", today).await;
    let report_id = with_status(
        app.post(&reports_of(&car), &app.admin_token, &report(today))
            .await,
        201,
    )
    .await
    .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let store = app.create_store("南山店", "深圳").await;
    let (_, consultant) = app.user_with_role("sales_consultant", Some(&store)).await;
    let (_, manager) = app.user_with_role("general_manager", None).await;
    let other = app.other_tenant().await;
    let mut m = Mismatches::new();
    let one = format!("/api/v1/inspection-reports/{report_id}");
    for (case, res, status) in [
        (
            "consultant writes",
            app.post(&reports_of(&car), &consultant, &report(today))
                .await,
            403,
        ),
        (
            "manager writes",
            app.post(&reports_of(&car), &manager, &report(today)).await,
            201,
        ),
        (
            "consultant lists",
            app.get(&reports_of(&car), &consultant).await,
            200,
        ),
        (
            "other tenant writes",
            app.post(&reports_of(&car), &other, &report(today)).await,
            404,
        ),
        (
            "other tenant lists",
            app.get(&reports_of(&car), &other).await,
            404,
        ),
        ("other tenant reads", app.get(&one, &other).await, 404),
        (
            "other tenant uploads a photo",
            upload_raw(
                &app,
                &other,
                &upload_path("inspection_report", &report_id, Some("a.png")),
                "image/png",
                autocrm_api::attachments::demo::png(4, 4, [1, 2, 3]),
            )
            .await,
            404,
        ),
        (
            "unknown car",
            app.post(
                &reports_of(&uuid::Uuid::now_v7().to_string()),
                &app.admin_token,
                &report(today),
            )
            .await,
            404,
        ),
    ] {
        m.eq(case, res.status().as_u16(), status);
    }
    m.assert_none();
    assert_eq!(report_count(&app).await, 2);
}

#[tokio::test]
async fn bad_reports_are_refused_with_every_field_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let today = today(&app);
    let car = add_car(&app, &app.org_id, None, ("比亚迪", "汉"), "in_stock", today).await;
    let with = |f: &dyn Fn(&mut Value)| {
        let mut body = report(today);
        f(&mut body);
        body
    };
    let tomorrow = (today + chrono::TimeDelta::days(1)).to_string();
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "unknown code",
            with(&|b| b["items"][0]["code"] = json!("frame.99")),
            "items[0].code",
        ),
        (
            "wrong section",
            with(&|b| b["items"][1]["section"] = json!("interior")),
            "items[1].code",
        ),
        (
            "item twice",
            with(&|b| {
                b["items"][2] = json!({"section": "frame", "code": "frame.01", "result": "ok"})
            }),
            "items[2].code",
        ),
        (
            "bad result",
            with(&|b| b["items"][0]["result"] = json!("great")),
            "items[0].result",
        ),
        ("no items", with(&|b| b["items"] = json!([])), "items"),
        (
            "future date",
            with(&|b| b["inspected_on"] = json!(tomorrow)),
            "inspected_on",
        ),
        (
            "future maintenance",
            with(&|b| b["maintenance"][0]["date"] = json!(tomorrow)),
            "maintenance[0].date",
        ),
        ("bad grade", with(&|b| b["grade"] = json!("E")), "grade"),
        (
            "bad odometer",
            with(&|b| b["odometer_check"] = json!("fine")),
            "odometer_check",
        ),
        (
            "blank inspector",
            with(&|b| b["inspector_name"] = json!("  ")),
            "inspector_name",
        ),
        (
            "negative mileage",
            with(&|b| b["mileage_km"] = json!(-1)),
            "mileage_km",
        ),
        (
            "unknown inspector user",
            with(&|b| b["inspector_user_id"] = json!(uuid::Uuid::now_v7().to_string())),
            "inspector_user_id",
        ),
    ];
    let mut m = Mismatches::new();
    for (case, body, field) in cases {
        let res = app.post(&reports_of(&car), &app.admin_token, &body).await;
        let outcome = with_status(res, 422).await.and_then(|p| field_errors(&p));
        if let Some(errors) = m.check(case, outcome) {
            m.that(
                case,
                errors.iter().any(|(f, _)| f == field),
                format!("{errors:?} lacks {field}"),
            );
        }
    }
    let res = app
        .post(
            &reports_of(&car),
            &app.admin_token,
            &with(&|b| b["colour"] = json!("red")),
        )
        .await;
    m.eq("unknown field", res.status().as_u16(), 422);
    m.assert_none();
    assert_eq!(report_count(&app).await, 0);
}

#[tokio::test]
async fn the_360_view_shows_the_cars_of_the_models_the_customer_looked_at_with_their_summary() {
    let app = TestApp::spawn().await;
    let today = today(&app);
    let han = add_car(&app, &app.org_id, None, ("比亚迪", "汉"), "in_stock", today).await;
    let _sold = add_car(&app, &app.org_id, None, ("比亚迪", "汉"), "sold", today).await;
    let _other_model = add_car(
        &app,
        &app.org_id,
        None,
        ("吉利", "星越L"),
        "in_stock",
        today,
    )
    .await;
    with_status(
        app.post(&reports_of(&han), &app.admin_token, &report(today))
            .await,
        201,
    )
    .await
    .unwrap();
    let store = app.create_store("南山店", "深圳").await;
    let (_, consultant) = app.user_with_role("sales_consultant", Some(&store)).await;
    let customer = app
        .create_customer(
            &consultant,
            &json!({"name": "张伟", "phone": "13812345678"}),
        )
        .await;
    let id = customer["id"].as_str().unwrap();
    with_status(
        app.post(
            "/api/v1/behavior-events",
            &consultant,
            &json!({"events": [{"event_type": "vehicle_viewed",
                "occurred_at": app.clock_now().to_rfc3339(), "customer_id": id,
                "models": [{"brand": "比亚迪", "model": "汉"}]}]}),
        )
        .await,
        200,
    )
    .await
    .unwrap();
    let view = with_status(
        app.get(&format!("/api/v1/customers/{id}/360"), &consultant)
            .await,
        200,
    )
    .await
    .unwrap();
    let cars = view["viewed_cars"].as_array().unwrap();
    assert_eq!(cars.len(), 1, "{cars:?}");
    assert_eq!(cars[0]["vehicle"]["id"], han.as_str());
    assert_eq!(
        cars[0]["latest_inspection"]["summary"],
        "无重大事故、无泡水、无火烧、里程真实、轻微问题1项"
    );
    let text = view.to_string();
    assert!(!text.contains("acquisition_cost") && !text.contains("floor_price"));
}
