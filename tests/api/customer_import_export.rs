//! Customer CSV import (UTF-8 and GBK, mapping, dry run, report per row, background job) and
//! CSV / XLSX export (masked, scoped, audited): issue 8, item 13.

use diesel::prelude::*;
use reqwest::Response;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, field_errors};

const IMPORTS: &str = "/api/v1/customers/imports";

async fn import(app: &TestApp, token: &str, params: &[(&str, &str)], body: Vec<u8>) -> Response {
    let url = reqwest::Url::parse_with_params(&app.url(IMPORTS), params).unwrap();
    app.client
        .post(url)
        .bearer_auth(token)
        .header("Content-Type", "text/csv")
        .body(body)
        .send()
        .await
        .unwrap()
}

fn gbk(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable);
    bytes.into_owned()
}

/// Each row's line and status, as `line:status`.
fn statuses(report: &Value) -> Vec<String> {
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| format!("{}:{}", r["row"], r["status"].as_str().unwrap()))
        .collect()
}

fn errors_of(problem: &Value) -> Vec<String> {
    field_errors(problem)
        .unwrap()
        .into_iter()
        .map(|(field, code)| format!("{field}/{code}"))
        .collect()
}

#[derive(QueryableByName)]
struct Text {
    #[diesel(sql_type = diesel::sql_types::Text)]
    body: String,
}

/// Every import row as stored: its status, its rows still waiting (ciphertext) and report.
async fn stored_imports(app: &TestApp) -> Vec<String> {
    app.with_db(|conn| {
        diesel::sql_query(
            "SELECT status || ' ' || COALESCE(pending_rows, '-') || ' ' || report AS body \
             FROM customer_imports",
        )
        .load::<Text>(conn)
        .unwrap()
        .into_iter()
        .map(|t| t.body)
        .collect()
    })
    .await
}

/// The audit actions of the whole organisation (newest last).
async fn actions(app: &TestApp, action: &str) -> Vec<Value> {
    let org = app.org_id.clone();
    let action = action.to_owned();
    app.with_db(move |conn| {
        let filter = autocrm_persistence::models::AuditFilter {
            action: Some(action),
            limit: 100,
            ..Default::default()
        };
        autocrm_persistence::models::AuditEntry::list(conn, &org, &filter)
            .unwrap()
            .into_iter()
            .map(|e| serde_json::from_str(&e.detail).unwrap())
            .collect()
    })
    .await
}

const FILE: &str = "姓名,手机,城市,来源,备注\n\
    张伟,13812345678,上海,汽车之家,周末来店试驾\n\
    李娜,1234,北京,到店,\n\
    王芳,+86 139-0000-0001,广州,转介绍,老客户推荐\n";

#[tokio::test]
async fn a_gbk_file_with_a_bad_row_imports_the_rest_in_the_real_run_and_nothing_in_the_dry_run() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token.clone();

    let res = import(&app, &admin, &[("dry_run", "true")], gbk(FILE)).await;
    assert_eq!(res.status(), 200);
    let report: Value = res.json().await.unwrap();
    assert_eq!(report["encoding"], "gbk");
    assert_eq!(report["dry_run"], true);
    assert_eq!(report["id"], Value::Null);
    assert_eq!(statuses(&report), ["2:ok", "3:invalid", "4:ok"]);
    assert_eq!(report["rows"][1]["errors"][0]["field"], "phone");
    assert_eq!(report["rows"][0]["phone"], "138****5678");
    assert_eq!(report["rows"][0]["name"], "张伟");
    assert_eq!(
        (
            report["valid_rows"].as_i64(),
            report["invalid_rows"].as_i64()
        ),
        (Some(2), Some(1))
    );
    // The dry run wrote nothing: no customer, no import, no audit line.
    assert_eq!(app.customer_count().await, 0);
    assert!(stored_imports(&app).await.is_empty());
    assert!(actions(&app, "customer.import_started").await.is_empty());

    let res = import(&app, &admin, &[], gbk(FILE)).await;
    assert_eq!(res.status(), 202);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let queued: Value = res.json().await.unwrap();
    assert_eq!(queued["status"], "queued");
    assert_eq!(
        location,
        format!("{IMPORTS}/{}", queued["id"].as_str().unwrap())
    );
    assert_eq!(
        (
            queued["total_rows"].as_i64(),
            queued["valid_rows"].as_i64(),
            queued["skipped"].as_i64()
        ),
        (Some(3), Some(2), Some(1))
    );
    // Waiting for its job, the rows are kept encrypted: no clear phone in the table.
    let stored = stored_imports(&app).await;
    assert_eq!(stored.len(), 1);
    for clear in [
        "13812345678",
        "+8613812345678",
        "8613900000001",
        "13900000001",
    ] {
        assert!(
            !stored[0].contains(clear),
            "{clear} stored in clear: {}",
            stored[0]
        );
    }
    assert!(
        stored[0].starts_with("queued v"),
        "rows kept as ciphertext: {}",
        stored[0]
    );
    assert_eq!(
        app.customer_count().await,
        0,
        "nothing is created before the job runs"
    );

    assert!(app.run_jobs().await >= 1);
    let done: Value = app.get(&location, &admin).await.json().await.unwrap();
    assert_eq!(done["status"], "done");
    assert_eq!(
        (
            done["processed_rows"].as_i64(),
            done["created"].as_i64(),
            done["failed"].as_i64(),
            done["skipped"].as_i64()
        ),
        (Some(2), Some(2), Some(0), Some(1))
    );
    assert_eq!(statuses(&done), ["2:created", "3:invalid", "4:created"]);
    assert!(done["finished_at"].is_string());
    assert_eq!(app.customer_count().await, 2);
    let id = done["rows"][0]["customer_id"].as_str().unwrap();
    let customer: Value = app
        .get(&format!("/api/v1/customers/{id}"), &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            &customer["name"],
            &customer["city"],
            &customer["source_channel"],
            &customer["phone"]
        ),
        (
            &json!("张伟"),
            &json!("上海"),
            &json!("autohome"),
            &json!("138****5678")
        )
    );
    // Done: the waiting rows are gone, and the report holds masked phones only.
    let stored = stored_imports(&app).await;
    assert!(stored[0].starts_with("done - "), "{}", stored[0]);
    for clear in ["13812345678", "13900000001"] {
        assert!(
            !stored[0].contains(clear),
            "{clear} stored in clear: {}",
            stored[0]
        );
    }
    let import_id = done["id"].as_str().unwrap();
    assert_eq!(
        app.audit_actions("customer_import", import_id).await,
        ["customer.import_started", "customer.import_finished"]
    );
    assert_eq!(
        app.audit_actions("customer", id).await,
        ["customer.created"]
    );
}

#[tokio::test]
async fn duplicates_are_reported_with_the_customer_on_file_or_the_earlier_row() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token.clone();
    let existing = app
        .create_customer(&admin, &json!({"name": "张伟", "phone": "13812345678"}))
        .await;
    let file = "name,phone\n张伟,+86 138-1234-5678\n李娜,13900000001\n李娜,139 0000 0001\n";
    let res = import(
        &app,
        &admin,
        &[("dry_run", "true")],
        file.as_bytes().to_vec(),
    )
    .await;
    assert_eq!(res.status(), 200);
    let report: Value = res.json().await.unwrap();
    assert_eq!(statuses(&report), ["2:duplicate", "3:ok", "4:duplicate"]);
    assert_eq!(report["rows"][0]["existing_id"], existing["id"]);
    assert_eq!(report["rows"][0]["errors"][0]["field"], "phone");
    assert_eq!(report["rows"][2]["duplicate_of_row"], 3);
    assert_eq!(report["duplicate_rows"], 2);

    // The real run imports the one new customer, once.
    let res = import(&app, &admin, &[], file.as_bytes().to_vec()).await;
    assert_eq!(res.status(), 202);
    app.run_jobs().await;
    assert_eq!(app.customer_count().await, 2);
}

#[tokio::test]
async fn importing_is_for_managers_who_import_into_their_store() {
    let app = TestApp::spawn().await;
    let store = app.create_store("浦东店", "上海").await;
    let (_, consultant) = app.user_with_role("sales_consultant", Some(&store)).await;
    let (_, manager) = app.user_with_role("sales_manager", Some(&store)).await;
    let (_, other_manager) = app.user_with_role("sales_manager", Some(&store)).await;
    let file = "姓名,手机\n赵磊,13700000003\n".as_bytes().to_vec();

    let res = import(&app, &consultant, &[("dry_run", "true")], file.clone()).await;
    assert_problem(res, 403, "forbidden").await;

    let res = import(&app, &manager, &[], file).await;
    assert_eq!(res.status(), 202);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    app.run_jobs().await;
    let done: Value = app.get(&location, &manager).await.json().await.unwrap();
    assert_eq!(done["created"], 1);
    let id = done["rows"][0]["customer_id"].as_str().unwrap();
    let customer: Value = app
        .get(&format!("/api/v1/customers/{id}"), &manager)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(customer["store_id"], json!(store));

    // Another manager does not see it, nor does another organisation; the admin does.
    assert_problem(app.get(&location, &other_manager).await, 404, "not_found").await;
    let other = app.other_tenant().await;
    assert_problem(app.get(&location, &other).await, 404, "not_found").await;
    assert_problem(app.get(&location, &consultant).await, 403, "forbidden").await;
    assert_eq!(app.get(&location, &app.admin_token).await.status(), 200);
}

#[tokio::test]
async fn a_mapping_names_the_columns_to_read() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token.clone();
    let file = "客户,联系方式,会员等级\n孙丽,13600000004,金卡\n"
        .as_bytes()
        .to_vec();

    // Without a mapping no column gives the name.
    let res = import(&app, &admin, &[("dry_run", "true")], file.clone()).await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(errors_of(&problem), ["body/invalid_header"]);

    let mapping = r#"{"客户":"name","联系方式":"phone"}"#;
    let res = import(
        &app,
        &admin,
        &[("dry_run", "true"), ("mapping", mapping)],
        file.clone(),
    )
    .await;
    assert_eq!(res.status(), 200);
    let report: Value = res.json().await.unwrap();
    assert_eq!(statuses(&report), ["2:ok"]);
    assert_eq!(report["rows"][0]["phone"], "136****0004");
    assert_eq!(report["ignored_columns"], json!(["会员等级"]));
    assert_eq!(
        report["columns"],
        json!([{"header": "客户", "field": "name"}, {"header": "联系方式", "field": "phone"}])
    );

    for (mapping, status, code) in [
        (r#"{"客户":"salary"}"#, 422, "validation_failed"),
        (r#"{"顾客":"name"}"#, 422, "validation_failed"),
        ("not json", 400, "invalid_query"),
    ] {
        let res = import(
            &app,
            &admin,
            &[("dry_run", "true"), ("mapping", mapping)],
            file.clone(),
        )
        .await;
        assert_problem(res, status, code).await;
    }
    let res = import(&app, &admin, &[("encoding", "big5")], file).await;
    assert_problem(res, 400, "invalid_query").await;
}

#[tokio::test]
async fn a_file_that_is_not_csv_writes_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token.clone();
    let unbalanced = "姓名,手机\n\"张伟,13812345678\n李娜,13900000001\n";
    for dry_run in ["true", "false"] {
        let res = import(
            &app,
            &admin,
            &[("dry_run", dry_run)],
            unbalanced.as_bytes().to_vec(),
        )
        .await;
        let problem = assert_problem(res, 422, "validation_failed").await;
        assert_eq!(errors_of(&problem), ["body/malformed_csv"]);
    }
    let ragged = "姓名,手机\n张伟,13812345678,上海\n";
    let res = import(&app, &admin, &[], ragged.as_bytes().to_vec()).await;
    assert_problem(res, 422, "validation_failed").await;
    // Not GBK either: bytes that are no text.
    let res = import(&app, &admin, &[], vec![0x80, 0xff, 0xfe, 0x81]).await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(errors_of(&problem), ["encoding/invalid_encoding"]);
    // Sent as JSON, not as a file.
    let res = app.post(IMPORTS, &admin, &json!({"name": "张伟"})).await;
    assert_problem(res, 415, "unsupported_media_type").await;

    assert_eq!(app.customer_count().await, 0);
    assert!(stored_imports(&app).await.is_empty());
    assert!(actions(&app, "customer.import_started").await.is_empty());
}

async fn export(app: &TestApp, token: &str, format: &str, params: &[(&str, &str)]) -> Response {
    let url = reqwest::Url::parse_with_params(
        &app.url(&format!("/api/v1/customers/export.{format}")),
        params,
    )
    .unwrap();
    app.client.get(url).bearer_auth(token).send().await.unwrap()
}

#[tokio::test]
async fn the_csv_export_is_masked_scoped_excel_ready_and_audited() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token.clone();
    let store = app.create_store("浦东店", "上海").await;
    let (_, manager) = app.user_with_role("sales_manager", Some(&store)).await;
    let (_, consultant) = app.user_with_role("sales_consultant", Some(&store)).await;
    app.create_customer(
        &admin,
        &json!({"name": "张伟", "phone": "13812345678", "city": "上海", "store_id": store, "source_channel": "autohome"}),
    )
    .await;
    app.create_customer(
        &admin,
        &json!({"name": "=HYPERLINK(\"x\")", "phone": "13900000001", "city": "北京", "email": "li.na@example.com"}),
    )
    .await;

    let res = export(&app, &admin, "csv", &[]).await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let bytes = res.bytes().await.unwrap();
    assert!(
        bytes.starts_with("\u{feff}".as_bytes()),
        "a byte-order mark first"
    );
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "id,name,kind,phone,email,city,source_channel,lifecycle_stage,owner,store,tags,created_at"
    );
    assert_eq!(lines.count(), 2);
    for clear in ["13812345678", "13900000001"] {
        assert!(!text.contains(clear), "{clear} exported in clear");
    }
    assert!(text.contains("138****5678") && text.contains("139****0001"));
    assert!(text.contains(",浦东店,"), "the store by name: {text}");
    assert!(
        text.contains("\"'=HYPERLINK"),
        "a formula is defused: {text}"
    );

    // The list's filters; a manager exports their store's customers only.
    let res = export(&app, &admin, "csv", &[("city", "北京")]).await;
    let text = res.text().await.unwrap();
    assert!(text.contains("li.na@example.com") && !text.contains("张伟"));
    let res = export(&app, &manager, "csv", &[]).await;
    assert_eq!(res.status(), 200);
    let text = res.text().await.unwrap();
    assert!(
        text.contains("张伟") && !text.contains("HYPERLINK"),
        "{text}"
    );
    assert_problem(
        export(&app, &consultant, "csv", &[]).await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        export(&app, &admin, "csv", &[("kind", "robot")]).await,
        400,
        "invalid_query",
    )
    .await;

    let exported = actions(&app, "customer.exported").await;
    let details: Vec<(Value, Value)> = exported
        .iter()
        .map(|d| (d["rows"].clone(), d["filters"]["city"].clone()))
        .collect();
    assert_eq!(details.len(), 3, "{exported:?}");
    assert!(details.contains(&(json!(2), Value::Null)));
    assert!(details.contains(&(json!(1), json!("北京"))));
    assert!(exported.iter().all(|d| d["format"] == "csv"));
}

#[tokio::test]
async fn a_phone_searched_for_an_export_is_masked_in_the_audit_log() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token.clone();
    app.create_customer(&admin, &json!({"name": "张伟", "phone": "13812345678"}))
        .await;
    let res = export(&app, &admin, "csv", &[("q", "13812345678")]).await;
    let text = res.text().await.unwrap();
    assert!(text.contains("张伟"));
    let exported = actions(&app, "customer.exported").await;
    assert_eq!(exported[0]["filters"]["q"], "138****5678");
    assert_eq!(exported[0]["rows"], 1);
}

#[tokio::test]
async fn the_xlsx_export_is_a_workbook_and_audited() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token.clone();
    for (name, phone) in [("张伟", "13812345678"), ("李娜", "13900000001")] {
        app.create_customer(&admin, &json!({"name": name, "phone": phone}))
            .await;
    }
    let res = export(&app, &admin, "xlsx", &[("sort", "name")]).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let bytes = res.bytes().await.unwrap();
    assert!(bytes.starts_with(b"PK\x03\x04"), "a zip file");
    let mut workbook = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut strings = String::new();
    std::io::Read::read_to_string(
        &mut workbook.by_name("xl/sharedStrings.xml").unwrap(),
        &mut strings,
    )
    .unwrap();
    for cell in ["phone", "张伟", "李娜", "138****5678", "139****0001"] {
        assert!(strings.contains(cell), "{cell} not in {strings}");
    }
    assert!(
        !strings.contains("13812345678"),
        "a clear phone in {strings}"
    );
    let exported = actions(&app, "customer.exported").await;
    assert_eq!(
        (&exported[0]["format"], &exported[0]["rows"]),
        (&json!("xlsx"), &json!(2))
    );
}

#[tokio::test]
async fn a_row_that_fails_in_the_job_writes_nothing_and_the_rest_is_imported() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token.clone();
    let file = "姓名,手机\n周杰,13500000005\n吴昊,13500000006\n"
        .as_bytes()
        .to_vec();
    let res = import(&app, &admin, &[], file).await;
    assert_eq!(res.status(), 202);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    // Between the check and the job, someone creates the first row's customer.
    let first = app
        .create_customer(
            &admin,
            &json!({"name": "周杰", "phone": "+86 135-0000-0005"}),
        )
        .await;
    app.run_jobs().await;
    let done: Value = app.get(&location, &admin).await.json().await.unwrap();
    assert_eq!(done["status"], "done");
    assert_eq!(statuses(&done), ["2:duplicate", "3:created"]);
    assert_eq!(done["rows"][0]["existing_id"], first["id"]);
    assert_eq!(
        (
            done["processed_rows"].as_i64(),
            done["created"].as_i64(),
            done["failed"].as_i64()
        ),
        (Some(2), Some(1), Some(1))
    );
    assert_eq!(app.customer_count().await, 2);
    // A job that runs again changes nothing.
    app.clock.advance(chrono::TimeDelta::minutes(1));
    app.run_jobs().await;
    assert_eq!(app.customer_count().await, 2);
}
