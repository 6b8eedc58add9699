//! Test drives: one booking per car and per consultant even under concurrent requests, the
//! status machine and feedback, free slots, the masked licence number, the customer's own
//! bookings, the consultant's iCalendar feed, another tenant's records.

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, status_and_body};
use crate::reservations::vehicle;

/// 08:00 in Shanghai three days from now (tests set the server's clock to it).
fn morning() -> DateTime<Utc> {
    let day = (Utc::now() + TimeDelta::days(3)).date_naive();
    day.and_hms_opt(0, 0, 0).unwrap().and_utc()
}

fn day() -> String {
    morning().date_naive().to_string()
}

/// `hh:mm` Shanghai time on that day, as UTC text.
fn at(local: &str) -> String {
    let (h, m) = local.split_once(':').unwrap();
    let t = morning()
        + TimeDelta::hours(h.parse::<i64>().unwrap() - 8)
        + TimeDelta::minutes(m.parse().unwrap());
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

struct Setup {
    app: TestApp,
    store: String,
    consultant: String,
    consultant_token: String,
    customer: String,
    car: String,
}

async fn setup() -> Setup {
    let app = TestApp::spawn_at(morning()).await;
    let store = app.create_store("深圳南山店", "深圳").await;
    let (consultant, consultant_token) = app.user_with_role("sales_consultant", Some(&store)).await;
    let customer = app
        .create_customer(&app.admin_token, &json!({"name": "王建国"}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let car = vehicle(&app, Some(&store)).await;
    Setup {
        app,
        store,
        consultant,
        consultant_token,
        customer,
        car,
    }
}

fn booking(s: &Setup, car: &str, consultant: &str, from: &str, to: &str) -> Value {
    json!({"vehicle_id": car, "customer_id": s.customer, "consultant_id": consultant,
           "starts_at": at(from), "ends_at": at(to)})
}

async fn book(s: &Setup, body: &Value) -> (u16, Value) {
    status_and_body(
        s.app
            .post("/api/v1/test-drives", &s.app.admin_token, body)
            .await,
    )
    .await
}

#[tokio::test]
async fn twenty_concurrent_bookings_of_one_car_in_one_slot_give_exactly_one() {
    let s = setup().await;
    let mut consultants = Vec::new();
    for _ in 0..20 {
        consultants.push(
            s.app
                .user_with_role("sales_consultant", Some(&s.store))
                .await
                .0,
        );
    }
    let mut calls = tokio::task::JoinSet::new();
    for consultant in &consultants {
        // Different consultants: only the car collides.
        let body = booking(&s, &s.car, consultant, "10:00", "11:00");
        let req = s
            .app
            .request(
                reqwest::Method::POST,
                "/api/v1/test-drives",
                Some(&s.app.admin_token),
            )
            .json(&body);
        calls.spawn(async move { status_and_body(req.send().await.unwrap()).await });
    }
    let answers = calls.join_all().await;
    let created = answers.iter().filter(|(s, _)| *s == 201).count();
    assert_eq!(created, 1, "{answers:?}");
    assert!(
        answers
            .iter()
            .filter(|(s, _)| *s != 201)
            .all(|(s, b)| *s == 409 && b["code"] == "conflict"),
        "{answers:?}"
    );
    let page: Value = s
        .app
        .get(
            &format!("/api/v1/test-drives?vehicle_id={}", s.car),
            &s.app.admin_token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 1);

    // The same for one consultant and twenty cars.
    let mut cars = Vec::new();
    for _ in 0..20 {
        cars.push(vehicle(&s.app, Some(&s.store)).await);
    }
    let mut calls = tokio::task::JoinSet::new();
    for car in &cars {
        let body = booking(&s, car, &s.consultant, "14:00", "14:30");
        let req = s
            .app
            .request(
                reqwest::Method::POST,
                "/api/v1/test-drives",
                Some(&s.app.admin_token),
            )
            .json(&body);
        calls.spawn(async move { status_and_body(req.send().await.unwrap()).await });
    }
    let answers = calls.join_all().await;
    assert_eq!(
        answers.iter().filter(|(s, _)| *s == 201).count(),
        1,
        "{answers:?}"
    );
}

#[tokio::test]
async fn a_booking_holds_its_slots_until_it_ends_and_takes_feedback_when_completed() {
    let s = setup().await;
    let mut body = booking(&s, &s.car, &s.consultant, "10:00", "11:00");
    body["driving_licence_number"] = json!("440305 199001011234");
    let (status, drive) = book(&s, &body).await;
    assert_eq!(status, 201, "{drive}");
    assert_eq!(drive["status"], "booked");
    assert_eq!(drive["driving_licence_number"], "**************1234");
    assert_eq!(drive["store_id"], s.store.as_str());
    let id = drive["id"].as_str().unwrap().to_owned();
    // The licence number is nowhere in clear.
    let stored = s.app.stored_text().await;
    assert!(!stored.contains("440305199001011234"));

    // Overlaps of the car, or of the consultant with another car, are refused; a
    // back-to-back booking is not.
    let other_car = vehicle(&s.app, Some(&s.store)).await;
    let (other_consultant, _) = s
        .app
        .user_with_role("sales_consultant", Some(&s.store))
        .await;
    for (car, consultant, from, to) in [
        (&s.car, &other_consultant, "10:30", "11:30"),
        (&other_car, &s.consultant, "09:30", "10:30"),
    ] {
        let (status, problem) = book(&s, &booking(&s, car, consultant, from, to)).await;
        assert_eq!((status, problem["code"].as_str()), (409, Some("conflict")));
    }
    let (status, _) = book(
        &s,
        &booking(&s, &s.car, &other_consultant, "11:00", "11:30"),
    )
    .await;
    assert_eq!(status, 201);

    // Bad times: off the grid, too long, closed, in the past, end before start.
    for (from, to, code) in [
        ("10:10", "10:40", "off_grid"),
        ("12:00", "14:30", "too_long"),
        ("20:00", "20:30", "outside_opening_hours"),
        ("07:00", "07:30", "outside_opening_hours"),
        ("13:00", "12:30", "end_not_after_start"),
    ] {
        let res = s
            .app
            .post(
                "/api/v1/test-drives",
                &s.app.admin_token,
                &booking(&s, &s.car, &s.consultant, from, to),
            )
            .await;
        let problem = assert_problem(res, 422, "validation_failed").await;
        assert!(problem.to_string().contains(code), "{from}: {problem}");
    }
    s.app.clock.set(morning() + TimeDelta::hours(4));
    let res = s
        .app
        .post(
            "/api/v1/test-drives",
            &s.app.admin_token,
            &booking(&s, &s.car, &s.consultant, "11:30", "12:00"),
        )
        .await;
    assert_problem(res, 422, "validation_failed").await;
    s.app.clock.set(morning());

    // Free slots: 09:00–20:00 in 30-minute slots, less 10:00–11:30.
    let slots: Value = s
        .app
        .get(
            &format!("/api/v1/vehicles/{}/test-drive-slots?date={}", s.car, day()),
            &s.app.admin_token,
        )
        .await
        .json()
        .await
        .unwrap();
    let starts: Vec<&str> = slots["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["starts_at"].as_str().unwrap())
        .collect();
    assert_eq!(starts.len(), 22 - 3, "{slots}");
    assert!(!starts.contains(&at("10:30").as_str()));
    assert!(starts.contains(&at("11:30").as_str()));

    // Completing before the start is refused; so is feedback before completion.
    let post = |path: String| {
        s.app
            .request(reqwest::Method::POST, &path, Some(&s.consultant_token))
            .json(&json!({}))
            .send()
    };
    assert_problem(
        post(format!("/api/v1/test-drives/{id}/complete"))
            .await
            .unwrap(),
        409,
        "invalid_transition",
    )
    .await;
    let feedback = json!({"liked": ["加速快"], "disliked": ["后排窄"],
                          "ratings": {"overall": 4, "comfort": 5}, "comment": "满意"});
    let put = |body: &Value| {
        s.app
            .request(
                reqwest::Method::PUT,
                &format!("/api/v1/test-drives/{id}/feedback"),
                Some(&s.consultant_token),
            )
            .json(body)
            .send()
    };
    assert_problem(put(&feedback).await.unwrap(), 409, "invalid_transition").await;

    // Another consultant cannot move it, nor see it.
    let (_, stranger) = s
        .app
        .user_with_role("sales_consultant", Some(&s.store))
        .await;
    assert_problem(
        s.app
            .post(
                &format!("/api/v1/test-drives/{id}/cancel"),
                &stranger,
                &json!({}),
            )
            .await,
        404,
        "not_found",
    )
    .await;

    s.app
        .clock
        .set(morning() + TimeDelta::hours(2) + TimeDelta::minutes(15));
    let (status, done) = status_and_body(
        post(format!("/api/v1/test-drives/{id}/complete"))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, done["status"].as_str()), (200, Some("completed")));
    let bad = json!({"ratings": {"overall": 6, "smell": 3}});
    let problem = assert_problem(put(&bad).await.unwrap(), 422, "validation_failed").await;
    assert!(problem.to_string().contains("ratings.smell"), "{problem}");
    let (status, with) = status_and_body(put(&feedback).await.unwrap()).await;
    assert_eq!(status, 200, "{with}");
    assert_eq!(with["feedback"]["ratings"]["comfort"], 5);
    assert_eq!(with["feedback"]["liked"], json!(["加速快"]));
    // Completed early: the car is free again from 10:30 (the slots went with it).
    let (status, _) = book(&s, &booking(&s, &s.car, &s.consultant, "12:00", "12:30")).await;
    assert_eq!(status, 201);
    assert_problem(
        post(format!("/api/v1/test-drives/{id}/cancel"))
            .await
            .unwrap(),
        409,
        "invalid_transition",
    )
    .await;

    // Another tenant sees none of it.
    let other = s.app.other_tenant().await;
    assert_problem(
        s.app
            .get(&format!("/api/v1/test-drives/{id}"), &other)
            .await,
        404,
        "not_found",
    )
    .await;
    let page: Value = s
        .app
        .get("/api/v1/test-drives", &other)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"], json!([]));
    let res = s
        .app
        .post(
            "/api/v1/test-drives",
            &other,
            &booking(&s, &s.car, &s.consultant, "15:00", "15:30"),
        )
        .await;
    assert_problem(res, 422, "validation_failed").await;
}

#[tokio::test]
async fn a_cancelled_booking_frees_its_slot_and_the_consultant_hears_of_bookings() {
    let s = setup().await;
    let (status, drive) = book(&s, &booking(&s, &s.car, &s.consultant, "16:00", "16:30")).await;
    assert_eq!(status, 201);
    let id = drive["id"].as_str().unwrap();
    let inbox: Value = s
        .app
        .get("/api/v1/me/notifications", &s.consultant_token)
        .await
        .json()
        .await
        .unwrap();
    assert!(inbox.to_string().contains("test_drive.booked"), "{inbox}");
    let (status, cancelled) = status_and_body(
        s.app
            .post(
                &format!("/api/v1/test-drives/{id}/cancel"),
                &s.consultant_token,
                &json!({}),
            )
            .await,
    )
    .await;
    assert_eq!(
        (status, cancelled["status"].as_str()),
        (200, Some("cancelled"))
    );
    let (status, _) = book(&s, &booking(&s, &s.car, &s.consultant, "16:00", "16:30")).await;
    assert_eq!(status, 201);
}

#[tokio::test]
async fn the_calendar_feed_is_a_secret_revocable_icalendar_url() {
    let s = setup().await;
    let mut body = booking(&s, &s.car, &s.consultant, "10:00", "10:30");
    body["driving_licence_number"] = json!("440305199001011234");
    body["note"] = json!("带家人, 想试高速; 备注\\测试");
    let (status, _) = book(&s, &body).await;
    assert_eq!(status, 201);

    let (status, feed) = status_and_body(
        s.app
            .post("/api/v1/me/calendar-feed", &s.consultant_token, &json!({}))
            .await,
    )
    .await;
    assert_eq!(status, 201, "{feed}");
    let token = feed["token"].as_str().unwrap().to_owned();
    assert!(
        feed["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/api/v1/calendar/{token}.ics"))
    );
    assert!(!s.app.stored_text().await.contains(&token));

    let get = |token: String| {
        s.app
            .request(
                reqwest::Method::GET,
                &format!("/api/v1/calendar/{token}.ics"),
                None,
            )
            .send()
    };
    let res = get(token.clone()).await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let text = res.text().await.unwrap();
    // CRLF everywhere, no line over 75 octets, the required properties.
    assert!(
        text.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"),
        "{text}"
    );
    assert!(text.ends_with("END:VCALENDAR\r\n"));
    assert!(!text.replace("\r\n", "").contains('\n'));
    for line in text.split("\r\n") {
        assert!(line.len() <= 75, "{line}");
    }
    let unfolded = text.replace("\r\n ", "");
    assert_eq!(unfolded.matches("BEGIN:VEVENT").count(), 1);
    for needle in [
        &format!("DTSTART:{}T020000Z", day().replace('-', "")),
        &format!("DTEND:{}T023000Z", day().replace('-', "")),
        "UID:test-drive-",
        "DTSTAMP:",
        "SUMMARY:试驾：比亚迪 汉（王*",
    ] {
        assert!(unfolded.contains(needle), "{needle} in {unfolded}");
    }
    assert!(!unfolded.contains("王建国"));
    assert!(!unfolded.contains("440305"));

    // Another staff member's feed shows only their own appointments.
    let (_, other_token) = s
        .app
        .user_with_role("sales_consultant", Some(&s.store))
        .await;
    let other: Value = s
        .app
        .post("/api/v1/me/calendar-feed", &other_token, &json!({}))
        .await
        .json()
        .await
        .unwrap();
    let text = get(other["token"].as_str().unwrap().to_owned())
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!text.contains("BEGIN:VEVENT"));

    // Rotating ends the old URL; revoking ends the new one.
    let rotated: Value = s
        .app
        .post("/api/v1/me/calendar-feed", &s.consultant_token, &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(get(token.clone()).await.unwrap().status(), 404);
    let new_token = rotated["token"].as_str().unwrap().to_owned();
    assert_eq!(get(new_token.clone()).await.unwrap().status(), 200);
    let res = s
        .app
        .request(
            reqwest::Method::DELETE,
            "/api/v1/me/calendar-feed",
            Some(&s.consultant_token),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(get(new_token).await.unwrap().status(), 404);
    assert_eq!(get("cal_nonsense".into()).await.unwrap().status(), 404);
}

#[tokio::test]
async fn settings_change_the_slot_grid() {
    let s = setup().await;
    let put = |body: Value, token: &str| {
        s.app
            .request(
                reqwest::Method::PUT,
                "/api/v1/settings/test-drives",
                Some(token),
            )
            .json(&body)
            .send()
    };
    let (status, got) = status_and_body(
        s.app
            .get("/api/v1/settings/test-drives", &s.app.admin_token)
            .await,
    )
    .await;
    assert_eq!(
        (status, got),
        (200, json!({"slot_minutes": 30, "max_slots": 4}))
    );
    assert_problem(
        put(
            json!({"slot_minutes": 7, "max_slots": 4}),
            &s.app.admin_token,
        )
        .await
        .unwrap(),
        422,
        "validation_failed",
    )
    .await;
    assert_problem(
        put(
            json!({"slot_minutes": 15, "max_slots": 4}),
            &s.consultant_token,
        )
        .await
        .unwrap(),
        403,
        "forbidden",
    )
    .await;
    let res = put(
        json!({"slot_minutes": 15, "max_slots": 4}),
        &s.app.admin_token,
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 200);
    let (status, _) = book(&s, &booking(&s, &s.car, &s.consultant, "10:15", "10:45")).await;
    assert_eq!(status, 201);
}

/// 10:00 Shanghai time tomorrow (real clock: customer tokens are short-lived).
fn tomorrow_at(hour: i64) -> (String, String) {
    let day = (Utc::now() + TimeDelta::days(1)).date_naive();
    let start = day.and_hms_opt(0, 0, 0).unwrap().and_utc() + TimeDelta::hours(hour - 8);
    let f = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    (f(start), f(start + TimeDelta::minutes(30)))
}

#[tokio::test]
async fn a_customer_books_for_itself_with_a_free_consultant_of_the_store() {
    let (app, _wechat) = crate::customer_wechat::app_with_wechat().await;
    let (me, token) = crate::customer_wechat::customer_token(&app, "code-zhang").await;
    let (_, li) = crate::customer_wechat::customer_token(&app, "code-li").await;
    let store = app.create_store("广州天河店", "广州").await;
    let (consultant, consultant_token) = app.user_with_role("sales_consultant", Some(&store)).await;
    let car = vehicle(&app, Some(&store)).await;
    let (starts_at, ends_at) = tomorrow_at(10);
    let body = json!({"vehicle_id": car, "starts_at": starts_at, "ends_at": ends_at,
                      "driving_licence_number": "440106198805056789"});
    let (status, drive) =
        status_and_body(app.post("/api/v1/me/test-drives", &token, &body).await).await;
    assert_eq!(status, 201, "{drive}");
    assert_eq!(drive["customer_id"], me.as_str());
    assert_eq!(drive["consultant_id"], consultant.as_str());
    assert_eq!(drive["booked_via"], "customer");
    assert_eq!(drive["driving_licence_number"], "**************6789");
    let mine: Value = app
        .get("/api/v1/me/test-drives", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    let theirs: Value = app
        .get("/api/v1/me/test-drives", &li)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(theirs["items"], json!([]));
    // The only consultant is busy then: nobody is free.
    let res = app.post("/api/v1/me/test-drives", &li, &body).await;
    assert_problem(res, 409, "conflict").await;
    // The consultant sees it; a customer cannot reach the staff endpoints, nor staff these.
    let id = drive["id"].as_str().unwrap();
    let res = app
        .get(&format!("/api/v1/test-drives/{id}"), &consultant_token)
        .await;
    assert_eq!(res.status(), 200);
    let res = app.get(&format!("/api/v1/test-drives/{id}"), &token).await;
    assert_problem(res, 403, "forbidden").await;
    let res = app.get("/api/v1/me/test-drives", &consultant_token).await;
    assert_problem(res, 403, "forbidden").await;
}

#[tokio::test]
async fn the_erasure_of_the_customer_clears_the_licence_and_notes() {
    let s = setup().await;
    let mut body = booking(&s, &s.car, &s.consultant, "10:00", "10:30");
    body["driving_licence_number"] = json!("440305199001011234");
    body["note"] = json!("客户王建国想试高速");
    let (status, drive) = book(&s, &body).await;
    assert_eq!(status, 201);
    let id = drive["id"].as_str().unwrap().to_owned();
    let res = s
        .app
        .post(
            &format!("/api/v1/customers/{}/erase", s.customer),
            &s.app.admin_token,
            &json!({"reason": "本人依《个人信息保护法》申请删除"}),
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let (status, after) = status_and_body(
        s.app
            .get(&format!("/api/v1/test-drives/{id}"), &s.app.admin_token)
            .await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(after["driving_licence_number"], Value::Null);
    assert_eq!(after["note"], Value::Null);
    // Every row of every table (the raw SQLite file may keep old pages).
    let stored: String = s.app.all_rows().await.into_values().flatten().collect();
    assert!(
        !stored.contains("**************1234"),
        "masked licence left"
    );
    assert!(!stored.contains("客户王建国想试高速"));
}
