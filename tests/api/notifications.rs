//! Staff notifications: the in-app list, the live stream (SSE) with resume, tickets and
//! re-authentication, preferences, and the outbound gateways. Notifications are raised the
//! real way: a finance user moves a consultant's financing application along.

use std::time::Duration;

use autocrm_persistence::models::{NotificationGateway, TenantRecord};
use base64::Engine;
use reqwest::Method;
use serde_json::{Value, json};

use crate::financing::{APPLICATIONS, plan};
use crate::helpers::{
    Call, Expect, FORBIDDEN, Mismatches, NOT_FOUND, TestApp, VALIDATION_FAILED, assert_problem,
    with_status,
};

const LIST: &str = "/api/v1/me/notifications";
const STREAM: &str = "/api/v1/me/notifications/stream";
const TICKET: &str = "/api/v1/me/notifications/stream-ticket";
const PREFERENCES: &str = "/api/v1/me/notification-preferences";
const GATEWAYS: &str = "/api/v1/notification-gateways";

/// A consultant with a submitted financing application, and a finance user who moves it.
struct Inbox {
    consultant_id: String,
    consultant: String,
    finance: String,
    application: String,
}

async fn status(app: &TestApp, token: &str, id: &str, to: &str) {
    let res = app
        .post(
            &format!("{APPLICATIONS}/{id}/status"),
            token,
            &json!({"status": to}),
        )
        .await;
    with_status(res, 200).await.expect("status change");
}

async fn inbox(app: &TestApp) -> Inbox {
    let store = app.create_store("浦东店", "上海").await;
    let (consultant_id, consultant) = app.user_with_role("sales_consultant", Some(&store)).await;
    let (_, finance) = app.user_with_role("finance", None).await;
    let customer = app
        .create_customer(
            &consultant,
            &json!({"name": "王芳", "phone": "13700001111"}),
        )
        .await;
    let res = app
        .post(
            APPLICATIONS,
            &consultant,
            &json!({"customer_id": customer["id"], "plan": plan("equal_installment")}),
        )
        .await;
    let created = with_status(res, 201).await.expect("open an application");
    let application = created["id"].as_str().unwrap().to_owned();
    status(app, &consultant, &application, "submitted").await;
    Inbox {
        consultant_id,
        consultant,
        finance,
        application,
    }
}

/// Raises one notification for the consultant: finance asks for more information (the
/// consultant's own resubmission notifies nobody).
async fn raise(app: &TestApp, inbox: &Inbox) {
    status(app, &inbox.finance, &inbox.application, "more_info_needed").await;
    status(app, &inbox.consultant, &inbox.application, "submitted").await;
}

async fn json_ok(app: &TestApp, token: &str, path: &str) -> Value {
    with_status(app.get(path, token).await, 200)
        .await
        .unwrap_or_else(|e| panic!("GET {path}: {e}"))
}

async fn unread(app: &TestApp, token: &str) -> i64 {
    json_ok(app, token, &format!("{LIST}/unread-count")).await["unread"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn the_inbox_lists_marks_read_and_counts_only_the_callers_notifications() {
    let app = TestApp::spawn().await;
    let inbox = inbox(&app).await;
    let store = app.create_store("静安店", "上海").await;
    let (_, colleague) = app.user_with_role("sales_consultant", Some(&store)).await;
    let machine = app.integration_token(&["customers:read"]).await;
    assert_eq!(unread(&app, &inbox.consultant).await, 0);
    for _ in 0..3 {
        raise(&app, &inbox).await;
    }
    // Nobody else was told: not the finance user who acted, not a colleague.
    assert_eq!(unread(&app, &inbox.finance).await, 0);
    assert_eq!(unread(&app, &inbox.consultant).await, 3);

    let first = json_ok(&app, &inbox.consultant, &format!("{LIST}?limit=2")).await;
    let items = first["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["position"], 3, "newest first: {first}");
    assert_eq!(items[1]["position"], 2);
    let n = &items[0];
    assert_eq!(n["kind"], "financing.status_changed");
    assert_eq!(n["read"], false);
    assert!(n["title"].as_str().unwrap().contains("需补充材料"), "{n}");
    assert_eq!(
        n["link"],
        format!("{APPLICATIONS}/{}", inbox.application),
        "{n}"
    );
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = json_ok(
        &app,
        &inbox.consultant,
        &format!("{LIST}?limit=2&cursor={cursor}"),
    )
    .await;
    assert_eq!(second["items"].as_array().unwrap().len(), 1);
    assert_eq!(second["items"][0]["position"], 1);
    assert!(second["next_cursor"].is_null());

    let id = n["id"].as_str().unwrap().to_owned();
    let read_path = format!("{LIST}/{id}/read");
    let mut m = Mismatches::new();
    #[rustfmt::skip]
    let calls = [
        Call::post("a colleague marks it read", &colleague, &read_path, json!({})).expect(NOT_FOUND),
        Call::post("the finance user marks it read", &inbox.finance, &read_path, json!({})).expect(NOT_FOUND),
        Call::post("an unknown id", &inbox.consultant, format!("{LIST}/{}/read", uuid::Uuid::now_v7()), json!({}))
            .expect(NOT_FOUND),
        Call::get("a machine client lists", &machine, LIST).expect(FORBIDDEN),
        Call::get("a machine client counts", &machine, format!("{LIST}/unread-count")).expect(FORBIDDEN),
        Call::post("a machine client asks for a ticket", &machine, TICKET, json!({})).expect(FORBIDDEN),
        Call::get("a machine client opens the stream", &machine, STREAM).expect(FORBIDDEN),
        Call::get("a machine client reads preferences", &machine, PREFERENCES).expect(FORBIDDEN),
        Call::get("nobody lists", "", LIST).anonymous().expect(Expect::Problem(401, "unauthorized")),
        Call::get("nobody streams", "", STREAM).anonymous().expect(Expect::Problem(401, "unauthorized")),
        Call::get("a forged cursor", &inbox.consultant, format!("{LIST}?cursor=abc"))
            .expect(Expect::Problem(400, "invalid_cursor")),
    ];
    app.run_calls(&mut m, calls).await;
    m.assert_none();
    assert_eq!(
        unread(&app, &inbox.consultant).await,
        3,
        "refusals change nothing"
    );
    let colleague_list = json_ok(&app, &colleague, LIST).await;
    assert_eq!(colleague_list["items"], json!([]));

    let read = with_status(
        app.post(&read_path, &inbox.consultant, &json!({})).await,
        200,
    )
    .await
    .unwrap();
    assert_eq!(read["read"], true);
    assert!(read["read_at"].is_string());
    // Again: still read, nothing changes.
    let again = with_status(
        app.post(&read_path, &inbox.consultant, &json!({})).await,
        200,
    )
    .await
    .unwrap();
    assert_eq!(again["read_at"], read["read_at"]);
    assert_eq!(unread(&app, &inbox.consultant).await, 2);
    let unread_list = json_ok(&app, &inbox.consultant, &format!("{LIST}?unread_only=true")).await;
    let positions: Vec<i64> = unread_list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["position"].as_i64().unwrap())
        .collect();
    assert_eq!(positions, [2, 1]);

    let all = with_status(
        app.post(&format!("{LIST}/read-all"), &inbox.consultant, &json!({}))
            .await,
        200,
    )
    .await
    .unwrap();
    assert_eq!(all["marked"], 2);
    assert_eq!(unread(&app, &inbox.consultant).await, 0);
    assert_eq!(inbox.consultant_id.len(), 36);
}

#[tokio::test]
async fn preferences_round_trip_and_refuse_unknown_kinds_and_channels() {
    let app = TestApp::spawn().await;
    let store = app.create_store("浦东店", "上海").await;
    let (_, consultant) = app.user_with_role("sales_consultant", Some(&store)).await;
    let defaults = json_ok(&app, &consultant, PREFERENCES).await;
    assert_eq!(
        defaults["channels"],
        json!({"lead.assigned": ["in_app"], "lead.lost_request": ["in_app"],
               "task.assigned": ["in_app"], "task.escalated": ["in_app"],
               "deal.mention": ["in_app"], "test_drive.booked": ["in_app"],
               "reservation.cancelled": ["in_app"],
               "inventory.alert": ["in_app"], "transfer.updated": ["in_app"],
               "financing.status_changed": ["in_app"], "system": ["in_app"],
               "handover.received": ["in_app"]})
    );
    let put = |body: Value| {
        app.request(Method::PUT, PREFERENCES, Some(&consultant))
            .json(&body)
            .send()
    };
    let saved = with_status(
        put(json!({"channels": {"lead.assigned": ["sms", "in_app", "sms"], "system": []}}))
            .await
            .unwrap(),
        200,
    )
    .await
    .unwrap();
    assert_eq!(saved["channels"]["lead.assigned"], json!(["in_app", "sms"]));
    assert_eq!(saved["channels"]["system"], json!([]));
    assert_eq!(
        saved["channels"]["reservation.cancelled"],
        json!(["in_app"])
    );
    assert_eq!(json_ok(&app, &consultant, PREFERENCES).await, saved);

    for bad in [
        json!({"channels": {"lead.stolen": ["in_app"]}}),
        json!({"channels": {"lead.assigned": ["pager"]}}),
        json!({"channels": {}}),
        json!({"channels": {"lead.assigned": "sms"}}),
        json!({"channels": {"lead.assigned": ["in_app"]}, "extra": 1}),
        json!({}),
    ] {
        let res = put(bad.clone()).await.unwrap();
        assert_problem(res, 422, "validation_failed").await;
    }
    assert_eq!(
        json_ok(&app, &consultant, PREFERENCES).await,
        saved,
        "refused changes write nothing"
    );
}

/// The SQLite database's bytes (with its write-ahead log), or nothing on PostgreSQL.
fn sqlite_bytes(app: &TestApp) -> Vec<u8> {
    let Some(path) = app.db_url.strip_prefix("sqlite://") else {
        return Vec::new();
    };
    let mut bytes = std::fs::read(path).unwrap_or_default();
    bytes.extend(std::fs::read(format!("{path}-wal")).unwrap_or_default());
    bytes
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn gateways_are_for_admins_show_their_secret_once_and_keep_it_encrypted() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token.clone();
    let (_, manager) = app.user_with_role("general_manager", None).await;
    let other = app.other_tenant().await;
    let body = json!({"channel": "sms", "url": "https://sms.huadong-auto.cn/notify", "description": "阿里云短信"});
    let mut m = Mismatches::new();
    #[rustfmt::skip]
    let calls = [
        Call::post("a manager creates one", &manager, GATEWAYS, body.clone()).expect(FORBIDDEN),
        Call::get("a manager lists", &manager, GATEWAYS).expect(FORBIDDEN),
        Call::post("plain http", &admin, GATEWAYS,
            json!({"channel": "sms", "url": "http://sms.huadong-auto.cn/notify"})).expect(VALIDATION_FAILED),
        Call::post("not a URL", &admin, GATEWAYS,
            json!({"channel": "sms", "url": "sms gateway"})).expect(VALIDATION_FAILED),
        Call::post("an unknown channel", &admin, GATEWAYS,
            json!({"channel": "fax", "url": "https://fax.example.cn"})).expect(VALIDATION_FAILED),
    ];
    app.run_calls(&mut m, calls).await;
    m.assert_none();

    let created = with_status(app.post(GATEWAYS, &admin, &body).await, 201)
        .await
        .unwrap();
    let secret = created["secret"].as_str().unwrap().to_owned();
    let raw = base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix("whsec_").expect("whsec_ prefix"))
        .unwrap();
    assert_eq!(raw.len(), 32);
    assert_eq!(created["channel"], "sms");
    assert_eq!(created["active"], true);
    let id = created["id"].as_str().unwrap().to_owned();
    let one = format!("{GATEWAYS}/{id}");

    let listed = json_ok(&app, &admin, GATEWAYS).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    assert!(
        !listed.to_string().contains(&secret),
        "the list shows no secret"
    );
    let fetched = json_ok(&app, &admin, &one).await;
    assert!(fetched.get("secret").is_none(), "{fetched}");
    assert_problem(app.post(GATEWAYS, &admin, &body).await, 409, "duplicate").await;
    assert_problem(app.get(&one, &other).await, 404, "not_found").await;

    // Stored encrypted: not in the database in clear (the SQLite file's bytes, WAL included).
    let (org, gid, s) = (app.org_id.clone(), id.clone(), secret.clone());
    let stored = app
        .with_db(move |conn| {
            NotificationGateway::find(conn, &org, &gid)
                .unwrap()
                .unwrap()
        })
        .await;
    assert!(!stored.secret_ciphertext.contains(&s));
    assert!(!contains(&sqlite_bytes(&app), secret.as_bytes()));
    assert!(!contains(
        &sqlite_bytes(&app),
        &secret.as_bytes()["whsec_".len()..]
    ));

    let patched = with_status(
        app.patch(
            &one,
            &admin,
            &json!({"active": false, "description": null}),
            Some(1),
        )
        .await,
        200,
    )
    .await
    .unwrap();
    assert_eq!(patched["active"], false);
    assert!(patched["description"].is_null());
    assert_eq!(patched["version"], 2);
    assert_problem(
        app.patch(&one, &admin, &json!({"active": true}), Some(1))
            .await,
        412,
        "version_mismatch",
    )
    .await;
    assert_problem(
        app.patch(
            &one,
            &admin,
            &json!({"url": "http://plain.example.cn"}),
            None,
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    let res = app
        .request(Method::DELETE, &one, Some(&manager))
        .send()
        .await
        .unwrap();
    assert_problem(res, 403, "forbidden").await;
    let res = app
        .request(Method::DELETE, &one, Some(&admin))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_problem(app.get(&one, &admin).await, 404, "not_found").await;
}

#[tokio::test]
async fn notify_sends_one_signed_message_per_wanted_channel_with_an_active_gateway() {
    let app = crate::webhooks::app_with_private_targets().await;
    let receiver = crate::webhooks::Receiver::start(200).await;
    let inbox = inbox(&app).await;
    let admin = app.admin_token.clone();
    let mut email_gateway = (String::new(), String::new());
    for (channel, active) in [("sms", false), ("email", true)] {
        let body = json!({"channel": channel, "url": format!("https://{channel}.huadong-auto.cn/hook"), "active": active});
        let created = with_status(app.post(GATEWAYS, &admin, &body).await, 201)
            .await
            .unwrap();
        if channel == "email" {
            email_gateway = (
                created["id"].as_str().unwrap().to_owned(),
                created["secret"].as_str().unwrap().to_owned(),
            );
        }
    }
    // The API takes only https gateways; the test points this one at a loopback receiver.
    let (gateway_id, secret) = email_gateway;
    let url = receiver.url.clone();
    app.with_db(move |conn| {
        use autocrm_persistence::schema::notification_gateways::dsl as g;
        use diesel::prelude::*;
        diesel::update(g::notification_gateways.filter(g::id.eq(&gateway_id)))
            .set(g::url.eq(&url))
            .execute(conn)
            .unwrap();
    })
    .await;
    let res = app
        .request(Method::PUT, PREFERENCES, Some(&inbox.consultant))
        .json(&json!({"channels": {"financing.status_changed": ["in_app", "sms", "email", "app_push"]}}))
        .send()
        .await
        .unwrap();
    with_status(res, 200).await.unwrap();
    raise(&app, &inbox).await;
    let list = json_ok(&app, &inbox.consultant, LIST).await;
    let notification = list["items"][0]["id"].as_str().unwrap().to_owned();
    let org = app.org_id.clone();
    let queued = app
        .with_db(move |conn| {
            use autocrm_persistence::schema::deliveries::dsl as d;
            use diesel::prelude::*;
            d::deliveries
                .filter(d::org_id.eq(&org))
                .filter(d::target_kind.eq("gateway"))
                .select((d::event_type, d::payload))
                .load::<(String, String)>(conn)
                .unwrap()
        })
        .await;
    // email: wanted, active gateway; sms: gateway inactive; app_push: no gateway.
    assert_eq!(queued.len(), 1, "{queued:?}");
    let (event_type, stored) = &queued[0];
    assert_eq!(event_type, "notification.email");
    let payload: Value = serde_json::from_str(stored).unwrap();
    assert_eq!(payload["notification_id"], notification.as_str());
    assert_eq!(payload["kind"], "financing.status_changed");
    assert_eq!(
        payload["recipient"],
        json!({"user_id": inbox.consultant_id})
    );
    assert!(!stored.contains("13700001111"), "no clear phone stored");
    assert!(!stored.contains("@acme.test"), "no e-mail address stored");

    // The job runner sends it like a webhook: signed, with the e-mail added at send time.
    crate::webhooks::tick(&app).await;
    let got = receiver.received();
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(
        crate::webhooks::verifies(&secret, &got[0]),
        "signature verifies"
    );
    let sent = got[0].json();
    assert_eq!(sent["channel"], "email");
    assert_eq!(sent["recipient"]["user_id"], inbox.consultant_id.as_str());
    assert!(
        sent["recipient"]["email"]
            .as_str()
            .is_some_and(|e| e.ends_with("@acme.test")),
        "{sent}"
    );
    assert!(
        sent["recipient"].get("phone").is_none(),
        "only the contact the channel needs"
    );

    // Without in-app, the outbound message still goes, and the inbox stays as it was.
    let res = app
        .request(Method::PUT, PREFERENCES, Some(&inbox.consultant))
        .json(&json!({"channels": {"financing.status_changed": ["sms"]}}))
        .send()
        .await
        .unwrap();
    with_status(res, 200).await.unwrap();
    raise(&app, &inbox).await;
    assert_eq!(unread(&app, &inbox.consultant).await, 1);
}

// ---- the live stream ----------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
struct Event {
    id: Option<String>,
    event: String,
    data: String,
}

/// A Server-Sent Events reader over a streamed response.
struct Sse {
    res: reqwest::Response,
    buf: String,
}

impl Sse {
    async fn open(
        app: &TestApp,
        path: &str,
        token: Option<&str>,
        last_event_id: Option<i64>,
    ) -> Sse {
        let mut req = app.request(Method::GET, path, token);
        if let Some(id) = last_event_id {
            req = req.header("Last-Event-ID", id.to_string());
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 200, "open {path}");
        let content_type = res.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(
            content_type.starts_with("text/event-stream"),
            "{content_type}"
        );
        Sse {
            res,
            buf: String::new(),
        }
    }

    /// The next event (comments and `retry:` lines skipped) within `within`; `None` on a
    /// timeout or when the stream ended.
    async fn next(&mut self, within: Duration) -> Option<Event> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            while let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let mut event = Event {
                    id: None,
                    event: String::new(),
                    data: String::new(),
                };
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id: ") {
                        event.id = Some(v.to_owned());
                    } else if let Some(v) = line.strip_prefix("event: ") {
                        event.event = v.to_owned();
                    } else if let Some(v) = line.strip_prefix("data: ") {
                        event.data.push_str(v);
                    }
                }
                if !event.event.is_empty() || !event.data.is_empty() {
                    return Some(event);
                }
            }
            let chunk = tokio::time::timeout_at(deadline, self.res.chunk())
                .await
                .ok()?;
            match chunk.unwrap() {
                Some(bytes) => self.buf.push_str(std::str::from_utf8(&bytes).unwrap()),
                None => return None,
            }
        }
    }

    /// The next event, which must be a notification; its position.
    async fn notification(&mut self) -> i64 {
        let event = self
            .next(Duration::from_secs(3))
            .await
            .expect("a notification within 3 s");
        assert_eq!(event.event, "notification", "{event:?}");
        let data: Value = serde_json::from_str(&event.data).unwrap();
        assert_eq!(
            event.id.as_deref(),
            Some(data["position"].to_string().as_str())
        );
        data["position"].as_i64().unwrap()
    }
}

/// Short enough to show nothing else is coming, longer than a few polls (500 ms).
const QUIET: Duration = Duration::from_millis(1500);

#[tokio::test]
async fn the_stream_delivers_notifications_raised_by_other_requests_and_resumes_without_duplicates()
{
    let app = TestApp::spawn().await;
    let inbox = inbox(&app).await;
    raise(&app, &inbox).await;
    // A fresh stream sends only what comes after it opened.
    let mut live = Sse::open(&app, STREAM, Some(&inbox.consultant), None).await;
    assert_eq!(live.next(QUIET).await, None, "nothing old is replayed");
    raise(&app, &inbox).await;
    assert_eq!(live.notification().await, 2);
    raise(&app, &inbox).await;
    assert_eq!(live.notification().await, 3);
    drop(live);

    // Resuming after 1 sends 2 and 3, once each, then the next new one.
    let mut resumed = Sse::open(&app, STREAM, Some(&inbox.consultant), Some(1)).await;
    assert_eq!(resumed.notification().await, 2);
    assert_eq!(resumed.notification().await, 3);
    raise(&app, &inbox).await;
    assert_eq!(resumed.notification().await, 4);
    assert_eq!(resumed.next(QUIET).await, None, "no duplicates");

    // The query parameter does the same for clients that cannot set the header.
    let mut from_start = Sse::open(
        &app,
        &format!("{STREAM}?last_event_id=3"),
        Some(&inbox.consultant),
        None,
    )
    .await;
    assert_eq!(from_start.notification().await, 4);

    // Another person's stream hears nothing of it.
    let mut finance = Sse::open(&app, STREAM, Some(&inbox.finance), Some(0)).await;
    assert_eq!(finance.next(QUIET).await, None);

    let res = app
        .request(Method::GET, STREAM, Some(&inbox.consultant))
        .header("Last-Event-ID", "yesterday")
        .send()
        .await
        .unwrap();
    assert_problem(res, 400, "invalid_header").await;
}

#[tokio::test]
async fn a_stream_ticket_opens_the_stream_once() {
    let app = TestApp::spawn().await;
    let inbox = inbox(&app).await;
    let issued = with_status(app.post(TICKET, &inbox.consultant, &json!({})).await, 201)
        .await
        .unwrap();
    let ticket = issued["ticket"].as_str().unwrap().to_owned();
    assert!(ticket.starts_with("nst_"));
    assert_eq!(issued["expires_in"], 60);
    let path = format!("{STREAM}?ticket={ticket}");
    assert_eq!(issued["stream_url"], path);

    let mut stream = Sse::open(&app, &path, None, None).await;
    raise(&app, &inbox).await;
    assert_eq!(stream.notification().await, 1);

    // Used: refused, on this node as on any other (it is consumed in the database).
    let again = app.request(Method::GET, &path, None).send().await.unwrap();
    assert_problem(again, 401, "unauthorized").await;
    let forged = app
        .request(Method::GET, &format!("{STREAM}?ticket=nst_forged"), None)
        .send()
        .await
        .unwrap();
    assert_problem(forged, 401, "unauthorized").await;

    // An unused ticket expires after a minute.
    let late = with_status(app.post(TICKET, &inbox.consultant, &json!({})).await, 201)
        .await
        .unwrap();
    app.clock.advance(chrono::TimeDelta::seconds(61));
    let res = app
        .request(
            Method::GET,
            &format!("{STREAM}?ticket={}", late["ticket"].as_str().unwrap()),
            None,
        )
        .send()
        .await
        .unwrap();
    assert_problem(res, 401, "unauthorized").await;
    // The ticket's stream ends with the token that asked for it (15 minutes).
    app.clock.advance(chrono::TimeDelta::minutes(15));
    let event = stream.next(Duration::from_secs(3)).await.expect("an event");
    assert_eq!(event.event, "reauthenticate");
}

#[tokio::test]
async fn a_stream_whose_token_expires_asks_to_reauthenticate_and_closes() {
    let app = TestApp::spawn().await;
    let store = app.create_store("浦东店", "上海").await;
    let (_, consultant) = app.user_with_role("sales_consultant", Some(&store)).await;
    let mut stream = Sse::open(&app, STREAM, Some(&consultant), None).await;
    assert_eq!(stream.next(QUIET).await, None);
    app.clock.advance(chrono::TimeDelta::minutes(14));
    assert_eq!(stream.next(QUIET).await, None, "still valid");
    app.clock.advance(chrono::TimeDelta::minutes(1));
    let event = stream
        .next(Duration::from_secs(3))
        .await
        .expect("reauthenticate");
    assert_eq!(event.event, "reauthenticate");
    assert!(event.data.contains("token_expired"), "{event:?}");
    assert_eq!(
        stream.next(Duration::from_secs(3)).await,
        None,
        "and the stream ends"
    );
    assert!(stream.res.chunk().await.unwrap().is_none(), "closed");
}

/// The node's one poller fans out: two streams of one person both hear a notification, and
/// one closing leaves the other listening.
#[tokio::test]
async fn two_streams_of_one_person_both_hear_and_outlive_each_other() {
    let app = TestApp::spawn().await;
    let inbox = inbox(&app).await;
    let mut phone = Sse::open(&app, STREAM, Some(&inbox.consultant), None).await;
    let mut desktop = Sse::open(&app, STREAM, Some(&inbox.consultant), None).await;
    raise(&app, &inbox).await;
    assert_eq!(phone.notification().await, 1);
    assert_eq!(desktop.notification().await, 1);
    drop(phone);
    raise(&app, &inbox).await;
    assert_eq!(desktop.notification().await, 2);
}

/// Heartbeats keep an idle stream open; a person deactivated meanwhile is told to
/// re-authenticate at the next one (the access token alone would last 15 minutes).
#[tokio::test]
async fn heartbeats_flow_and_a_deactivated_person_is_asked_to_reauthenticate() {
    let app = TestApp::spawn_with(|s| s.notification_heartbeat_secs = 1).await;
    let store = app.create_store("浦东店", "上海").await;
    let (id, consultant) = app.user_with_role("sales_consultant", Some(&store)).await;
    let mut stream = Sse::open(&app, STREAM, Some(&consultant), None).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
    while !stream.buf.contains(": heartbeat\n\n") {
        let chunk = tokio::time::timeout_at(deadline, stream.res.chunk())
            .await
            .expect("a heartbeat within 3 s")
            .unwrap()
            .expect("the stream is open");
        stream.buf.push_str(std::str::from_utf8(&chunk).unwrap());
    }
    let res = app
        .post(
            &format!("/api/v1/users/{id}/deactivate"),
            &app.admin_token,
            &json!({}),
        )
        .await;
    with_status(res, 200).await.unwrap();
    let event = stream
        .next(Duration::from_secs(3))
        .await
        .expect("reauthenticate");
    assert_eq!(event.event, "reauthenticate");
    assert!(event.data.contains("access_revoked"), "{event:?}");
    assert_eq!(stream.next(Duration::from_secs(2)).await, None);
}
