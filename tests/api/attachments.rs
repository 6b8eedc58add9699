//! Attachments: upload (raw and multipart), download byte for byte, encryption at rest,
//! limits and sniffing, access through the owner, idempotent uploads, deletion, the sweep.

use std::path::{Path, PathBuf};

use autocrm_api::attachments::crypto::sealed_len;
use autocrm_api::attachments::demo::{pdf, png};
use autocrm_domain::time::Clock;
use reqwest::{Method, Response};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{ADMIN_EMAIL, PASSWORD, TestApp, assert_problem};

/// Percent-encodes a query value (RFC 3986 unreserved characters stay).
pub fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub fn upload_path(owner_type: &str, owner_id: &str, filename: Option<&str>) -> String {
    let mut path = format!("/api/v1/attachments?owner_type={owner_type}&owner_id={owner_id}");
    if let Some(name) = filename {
        path.push_str(&format!("&filename={}", encode(name)));
    }
    path
}

/// A raw upload: the body is the file, with this content type.
pub async fn upload_raw(
    app: &TestApp,
    token: &str,
    path: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> Response {
    app.request(Method::POST, path, Some(token))
        .header("content-type", content_type)
        .body(bytes)
        .send()
        .await
        .unwrap()
}

/// Uploads `bytes` to a customer, expects 201, and answers the attachment.
pub async fn upload_ok(
    app: &TestApp,
    token: &str,
    customer_id: &str,
    name: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> Value {
    let path = upload_path("customer", customer_id, Some(name));
    let res = upload_raw(app, token, &path, content_type, bytes).await;
    let status = res.status();
    let text = res.text().await.unwrap();
    assert_eq!(status, 201, "upload {name}: {text}");
    serde_json::from_str(&text).unwrap()
}

/// A multipart/form-data body of these parts: (name, file name, content type, bytes).
fn multipart(parts: &[(&str, Option<&str>, &str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----autocrm-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, filename, content_type, bytes) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        let filename = filename
            .map(|f| format!("; filename=\"{f}\""))
            .unwrap_or_default();
        body.extend_from_slice(
            format!(
                "Content-Disposition: form-data; name=\"{name}\"{filename}\r\nContent-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload_multipart(
    app: &TestApp,
    token: &str,
    path: &str,
    parts: &[(&str, Option<&str>, &str, &[u8])],
) -> Response {
    let (content_type, body) = multipart(parts);
    upload_raw(app, token, path, &content_type, body).await
}

async fn customer(app: &TestApp, token: &str, name: &str) -> String {
    app.create_customer(token, &json!({"name": name})).await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Every file under the server's attachment store.
pub fn stored_files(data_dir: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(&data_dir.join("attachments"), &mut out);
    out
}

/// Attachment rows of every status, straight from the database.
async fn attachment_rows(app: &TestApp) -> Vec<autocrm_persistence::models::Attachment> {
    app.with_db(|conn| {
        use autocrm_persistence::schema::attachments;
        use diesel::prelude::*;
        attachments::table
            .select(autocrm_persistence::models::Attachment::as_select())
            .load(conn)
            .unwrap()
    })
    .await
}

/// A photo big enough to span several encryption chunks (64 KiB each).
fn photo() -> Vec<u8> {
    png(160, 160, [200, 120, 40])
}

#[tokio::test]
async fn a_raw_upload_round_trips_byte_for_byte_and_is_encrypted_at_rest() {
    let app = TestApp::spawn().await;
    let token = app.admin_token.clone();
    let customer_id = customer(&app, &token, "张伟").await;
    let bytes = photo();
    assert!(bytes.len() > 64 * 1024);
    let name = "张伟-身份证正面.png";
    let res = upload_raw(
        &app,
        &token,
        &upload_path("customer", &customer_id, Some(name)),
        "image/png",
        bytes.clone(),
    )
    .await;
    assert_eq!(res.status(), 201);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = res.json().await.unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("/api/v1/attachments/{id}"));
    assert_eq!(created["owner_type"], "customer");
    assert_eq!(created["owner_id"], customer_id.as_str());
    assert_eq!(created["filename"], name);
    assert_eq!(created["content_type"], "image/png");
    assert_eq!(created["size_bytes"], bytes.len());
    assert_eq!(created["sha256"], sha256_hex(&bytes).as_str());
    assert_eq!(
        created["content_url"],
        format!("/api/v1/attachments/{id}/content")
    );

    let meta: Value = app.get(&location, &token).await.json().await.unwrap();
    assert_eq!(meta, created);

    let res = app.get(&format!("{location}/content"), &token).await;
    assert_eq!(res.status(), 200);
    let headers = res.headers().clone();
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!(headers["content-length"], bytes.len().to_string().as_str());
    assert_eq!(headers["cache-control"], "private");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(
        disposition.contains(&format!("filename*=UTF-8''{}", encode(name))),
        "{disposition}"
    );
    assert!(disposition.starts_with("attachment; filename=\"attachment.png\""));
    assert!(
        headers["repr-digest"]
            .to_str()
            .unwrap()
            .starts_with("sha-256=:")
    );
    let downloaded = res.bytes().await.unwrap();
    assert_eq!(downloaded.as_ref(), bytes.as_slice(), "byte for byte");

    // On disk: ciphertext only, of the size the chunked format gives.
    let files = stored_files(&app.data_dir);
    assert_eq!(files.len(), 1, "{files:?}");
    let on_disk = std::fs::read(&files[0]).unwrap();
    assert!(files[0].ends_with(format!("{}/{id}", app.org_id)));
    assert_eq!(on_disk.len() as u64, sealed_len(bytes.len() as u64));
    assert_ne!(on_disk, bytes);
    assert!(
        !on_disk.windows(4).any(|w| w == b"IHDR"),
        "no PNG structure visible"
    );

    // The row: the name only encrypted, the hash and the key id recorded.
    let rows = attachment_rows(&app).await;
    let row = &rows[0];
    assert_eq!(row.status, "stored");
    assert_eq!(row.sha256.as_deref(), Some(sha256_hex(&bytes).as_str()));
    assert!(row.key_id.starts_with("pii-"));
    let cipher = row.filename_ciphertext.as_deref().unwrap();
    assert!(!cipher.contains("张伟") && !cipher.contains(&encode("张伟")));

    let actions = app.audit_actions("attachment", &id).await;
    assert_eq!(actions, ["attachment.created", "attachment.downloaded"]);

    // The owner's list.
    let list: Value = app
        .get(
            &format!("/api/v1/attachments?owner_type=customer&owner_id={customer_id}"),
            &token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["id"], id.as_str());
    assert!(list["next_cursor"].is_null());
}

#[tokio::test]
async fn a_multipart_upload_takes_its_part_and_refuses_a_second_one() {
    let app = TestApp::spawn().await;
    let token = app.admin_token.clone();
    let customer_id = customer(&app, &token, "李娜").await;
    let contract = pdf("Vehicle purchase contract 2026-0001");
    let path = upload_path("customer", &customer_id, None);

    let res = upload_multipart(
        &app,
        &token,
        &path,
        &[(
            "file",
            Some("contract-2026.pdf"),
            "application/pdf",
            &contract,
        )],
    )
    .await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["filename"], "contract-2026.pdf");
    assert_eq!(created["content_type"], "application/pdf");
    assert_eq!(created["sha256"], sha256_hex(&contract).as_str());
    let content = app
        .get(created["content_url"].as_str().unwrap(), &token)
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(content.as_ref(), contract.as_slice());

    // The query's name wins over the part's; a generic part type lets the content decide.
    let res = upload_multipart(
        &app,
        &token,
        &upload_path("customer", &customer_id, Some("购车合同.pdf")),
        &[(
            "file",
            Some("scan.pdf"),
            "application/octet-stream",
            &contract,
        )],
    )
    .await;
    assert_eq!(res.status(), 201);
    assert_eq!(
        res.json::<Value>().await.unwrap()["filename"],
        "购车合同.pdf"
    );

    // Two files in one request: refused, and the first one is not kept.
    let photo = photo();
    let res = upload_multipart(
        &app,
        &token,
        &path,
        &[
            ("file", Some("a.pdf"), "application/pdf", &contract),
            ("file", Some("b.png"), "image/png", &photo),
        ],
    )
    .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["code"], "too_many_parts");
    // A part under another name.
    let res = upload_multipart(
        &app,
        &token,
        &path,
        &[("document", Some("a.pdf"), "application/pdf", &contract)],
    )
    .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "file");

    let stored: Vec<_> = attachment_rows(&app).await;
    assert_eq!(stored.len(), 2, "only the two accepted uploads");
    assert!(stored.iter().all(|r| r.status == "stored"));
    assert_eq!(stored_files(&app.data_dir).len(), 2);
}

#[tokio::test]
async fn an_oversize_upload_is_413_and_leaves_no_row_and_no_file() {
    let limit = 48 * 1024;
    let app = TestApp::spawn_with(|s| s.max_upload_bytes = limit).await;
    let token = app.admin_token.clone();
    let customer_id = customer(&app, &token, "王强").await;
    let path = upload_path("customer", &customer_id, Some("big.png"));
    let big = photo();
    assert!(big.len() as u64 > limit);

    // Announced too large: refused before it is read.
    let res = upload_raw(&app, &token, &path, "image/png", big.clone()).await;
    let problem = assert_problem(res, 413, "payload_too_large").await;
    assert!(problem["detail"].as_str().unwrap().contains("49152"));

    // Found too large while streaming (the multipart body's announced length is within the
    // allowance for part headers): the partial content and the pending row are removed.
    let mut smaller = big.clone();
    smaller.truncate(limit as usize + 10 * 1024);
    let res = upload_multipart(
        &app,
        &token,
        &path,
        &[("file", Some("big.png"), "image/png", &smaller)],
    )
    .await;
    assert_problem(res, 413, "payload_too_large").await;

    // Exactly at the limit is fine.
    let mut fits = big.clone();
    fits.truncate(limit as usize);
    let res = upload_raw(&app, &token, &path, "image/png", fits).await;
    assert_eq!(res.status(), 201);
    let rows = attachment_rows(&app).await;
    assert_eq!(rows.len(), 1, "only the upload that fits");
    assert_eq!(stored_files(&app.data_dir).len(), 1);
}

#[tokio::test]
async fn a_disguised_or_unaccepted_file_is_refused_and_stores_nothing() {
    let app = TestApp::spawn_with(|s| {
        s.upload_types = vec!["pdf".into(), "image/png".into()];
    })
    .await;
    let token = app.admin_token.clone();
    let customer_id = customer(&app, &token, "赵敏").await;
    let path = |name: &str| upload_path("customer", &customer_id, Some(name));
    let mut exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00".to_vec();
    exe.extend_from_slice(
        b"This program cannot be run in DOS mode.\r\n"
            .repeat(50)
            .as_slice(),
    );

    // An .exe sent as a PNG: the bytes say otherwise.
    let res = upload_raw(&app, &token, &path("photo.png"), "image/png", exe.clone()).await;
    let problem = assert_problem(res, 415, "unsupported_media_type").await;
    assert!(problem["detail"].as_str().unwrap().contains("image/png"));
    let res = upload_multipart(
        &app,
        &token,
        &path("photo.png"),
        &[("file", Some("photo.png"), "image/png", &exe)],
    )
    .await;
    assert_problem(res, 415, "unsupported_media_type").await;
    // A real kind that this deployment does not accept (JPEG).
    let jpeg = [
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1,
    ];
    let res = upload_raw(
        &app,
        &token,
        &path("photo.jpg"),
        "image/jpeg",
        jpeg.to_vec(),
    )
    .await;
    assert_problem(res, 415, "unsupported_media_type").await;
    // A PNG declared as a PDF.
    let res = upload_raw(&app, &token, &path("scan.pdf"), "application/pdf", photo()).await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "content_type");
    assert_eq!(problem["errors"][0]["code"], "content_type_mismatch");
    let res = app
        .request(Method::POST, &path("scan.pdf"), Some(&token))
        .header("content-type", "application/pdf")
        .header("accept-language", "zh-CN")
        .body(photo())
        .send()
        .await
        .unwrap();
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["title"], "字段校验失败");
    assert_eq!(problem["errors"][0]["message"], "声明的类型与文件内容不符");
    // A PNG named as an executable.
    let res = upload_raw(&app, &token, &path("setup.exe"), "image/png", photo()).await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "filename");
    // A path for a name; an empty file.
    let res = upload_raw(
        &app,
        &token,
        &path("../../etc/passwd"),
        "image/png",
        photo(),
    )
    .await;
    assert_problem(res, 422, "validation_failed").await;
    let res = upload_raw(&app, &token, &path("empty.png"), "image/png", Vec::new()).await;
    assert_problem(res, 415, "unsupported_media_type").await;
    // Unknown owner type, malformed owner id.
    let res = upload_raw(
        &app,
        &token,
        &format!("/api/v1/attachments?owner_type=planet&owner_id={customer_id}"),
        "image/png",
        photo(),
    )
    .await;
    assert_problem(res, 400, "invalid_query").await;

    assert!(attachment_rows(&app).await.is_empty());
    assert!(stored_files(&app.data_dir).is_empty());
    // A plain octet-stream is typed from its bytes.
    let res = upload_raw(
        &app,
        &token,
        &path("ok.png"),
        "application/octet-stream",
        photo(),
    )
    .await;
    assert_eq!(res.status(), 201);
    assert_eq!(
        res.json::<Value>().await.unwrap()["content_type"],
        "image/png"
    );
}

#[tokio::test]
async fn another_tenants_attachment_is_404() {
    let app = TestApp::spawn().await;
    let token = app.admin_token.clone();
    let customer_id = customer(&app, &token, "孙悦").await;
    let created = upload_ok(&app, &token, &customer_id, "a.png", "image/png", photo()).await;
    let id = created["id"].as_str().unwrap();
    let other = app.other_tenant().await;
    for path in [
        format!("/api/v1/attachments/{id}"),
        format!("/api/v1/attachments/{id}/content"),
        format!("/api/v1/attachments?owner_type=customer&owner_id={customer_id}"),
    ] {
        assert_problem(app.get(&path, &other).await, 404, "not_found").await;
    }
    let res = app
        .request(
            Method::DELETE,
            &format!("/api/v1/attachments/{id}"),
            Some(&other),
        )
        .send()
        .await
        .unwrap();
    assert_problem(res, 404, "not_found").await;
    let res = upload_raw(
        &app,
        &other,
        &upload_path("customer", &customer_id, Some("b.png")),
        "image/png",
        photo(),
    )
    .await;
    assert_problem(res, 404, "not_found").await;
    // Still there for its own organisation.
    assert_eq!(
        app.get(&format!("/api/v1/attachments/{id}"), &token)
            .await
            .status(),
        200
    );
    assert_eq!(attachment_rows(&app).await.len(), 1);
}

#[tokio::test]
async fn attachments_follow_their_owners_permissions_and_scope() {
    let app = TestApp::spawn().await;
    let store = app.create_store("浦东店", "上海").await;
    let (_, mine) = app.user_with_role("sales_consultant", Some(&store)).await;
    let (_, theirs) = app.user_with_role("sales_consultant", Some(&store)).await;
    let (_, finance) = app.user_with_role("finance", None).await;
    let (_, manager) = app.user_with_role("sales_manager", Some(&store)).await;
    let customer_id = customer(&app, &mine, "周杰").await;
    let path = upload_path("customer", &customer_id, Some("id.png"));
    let res = upload_raw(&app, &mine, &path, "image/png", photo()).await;
    assert_eq!(res.status(), 201);
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Another consultant does not see the customer: its attachments are 404 to them.
    for path in [
        format!("/api/v1/attachments/{id}"),
        format!("/api/v1/attachments/{id}/content"),
        format!("/api/v1/attachments?owner_type=customer&owner_id={customer_id}"),
    ] {
        assert_problem(app.get(&path, &theirs).await, 404, "not_found").await;
        // The store's manager sees it.
        assert_eq!(app.get(&path, &manager).await.status(), 200, "{path}");
    }
    assert_problem(
        upload_raw(&app, &theirs, &path, "image/png", photo()).await,
        404,
        "not_found",
    )
    .await;
    let res = app
        .request(
            Method::DELETE,
            &format!("/api/v1/attachments/{id}"),
            Some(&theirs),
        )
        .send()
        .await
        .unwrap();
    assert_problem(res, 404, "not_found").await;
    // Finance staff may not read customers at all: 403.
    assert_problem(
        app.get(&format!("/api/v1/attachments/{id}"), &finance)
            .await,
        403,
        "forbidden",
    )
    .await;

    // A financing application's documents: finance works every application.
    let res = app
        .post(
            "/api/v1/financing-applications",
            &mine,
            &json!({"customer_id": customer_id, "plan": {
                "vehicle_price_cents": 20_000_000, "down_payment_cents": 6_000_000,
                "term_months": 36, "annual_rate_percent": 4.5, "method": "equal_installment"}}),
        )
        .await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let application = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let app_path = upload_path("financing_application", &application, Some("收入证明.pdf"));
    let res = upload_raw(
        &app,
        &finance,
        &app_path,
        "application/pdf",
        pdf("Income proof"),
    )
    .await;
    assert_eq!(res.status(), 201);
    let doc = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        app.get(&format!("/api/v1/attachments/{doc}/content"), &mine)
            .await
            .status(),
        200
    );
    assert_problem(
        app.get(&format!("/api/v1/attachments/{doc}"), &theirs)
            .await,
        404,
        "not_found",
    )
    .await;
    // Marketing may not touch applications at all.
    let (_, marketing) = app.user_with_role("marketing", None).await;
    assert_problem(
        upload_raw(&app, &marketing, &app_path, "application/pdf", pdf("x")).await,
        403,
        "forbidden",
    )
    .await;
}

#[tokio::test]
async fn an_upload_with_an_idempotency_key_is_replayed_not_repeated() {
    let limit = 48 * 1024;
    let app = TestApp::spawn_with(|s| s.max_upload_bytes = limit).await;
    let token = app.admin_token.clone();
    let customer_id = customer(&app, &token, "钱多多").await;
    let path = upload_path("customer", &customer_id, Some("合同.pdf"));
    let contract = pdf("Contract 1");
    let send = |key: &'static str, bytes: Vec<u8>| {
        app.request(Method::POST, &path, Some(&token))
            .header("content-type", "application/pdf")
            .header("Idempotency-Key", key)
            .body(bytes)
            .send()
    };
    let first = send("up-1", contract.clone()).await.unwrap();
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let again = send("up-1", contract.clone()).await.unwrap();
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<Value>().await.unwrap()["id"], first["id"]);
    // The same key with other bytes.
    let res = send("up-1", pdf("Contract 2")).await.unwrap();
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["code"], "idempotency_key_reused");
    assert_eq!(attachment_rows(&app).await.len(), 1);

    // A refusal that never read the body does not hold the key: the retry with a good body
    // goes through.
    let mut big = photo();
    big.truncate(limit as usize + 1);
    let res = app
        .request(Method::POST, &path.replace(".pdf", ".png"), Some(&token))
        .header("content-type", "image/png")
        .header("Idempotency-Key", "up-2")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_problem(res, 413, "payload_too_large").await;
    let res = send("up-2", contract.clone()).await.unwrap();
    assert_eq!(res.status(), 201);
    assert_eq!(attachment_rows(&app).await.len(), 2);

    // Multipart too: the body (closing boundary included) is what is compared.
    let (content_type, body) = multipart(&[("file", Some("c.pdf"), "application/pdf", &contract)]);
    let send_form = |body: Vec<u8>| {
        app.request(Method::POST, &path, Some(&token))
            .header("content-type", content_type.clone())
            .header("Idempotency-Key", "up-3")
            .body(body)
            .send()
    };
    let first = send_form(body.clone()).await.unwrap();
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let again = send_form(body).await.unwrap();
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<Value>().await.unwrap()["id"], first["id"]);
    assert_eq!(attachment_rows(&app).await.len(), 3);
}

#[tokio::test]
async fn a_deleted_attachment_is_gone_but_its_record_stays() {
    let app = TestApp::spawn().await;
    let token = app.admin_token.clone();
    let customer_id = customer(&app, &token, "吴磊").await;
    let created = upload_ok(
        &app,
        &token,
        &customer_id,
        "吴磊-驾驶证.png",
        "image/png",
        photo(),
    )
    .await;
    let id = created["id"].as_str().unwrap();
    let res = app
        .request(
            Method::DELETE,
            &format!("/api/v1/attachments/{id}"),
            Some(&token),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_problem(
        app.get(&format!("/api/v1/attachments/{id}"), &token).await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.get(&format!("/api/v1/attachments/{id}/content"), &token)
            .await,
        404,
        "not_found",
    )
    .await;
    assert!(
        stored_files(&app.data_dir).is_empty(),
        "the content is erased"
    );
    let rows = attachment_rows(&app).await;
    assert_eq!(rows[0].status, "deleted");
    assert!(rows[0].filename_ciphertext.is_none(), "the name is erased");
    assert!(rows[0].purged_at.is_some() && rows[0].deleted_by.is_some());
    assert_eq!(
        app.audit_actions("attachment", id).await,
        ["attachment.created", "attachment.deleted"]
    );
}

#[tokio::test]
async fn orphans_are_swept_after_a_day() {
    let app = TestApp::spawn().await;
    let token = app.admin_token.clone();
    let kept_customer = customer(&app, &token, "保留客户").await;
    let gone_customer = customer(&app, &token, "已删除客户").await;
    let id_of = |v: Value| v["id"].as_str().unwrap().to_owned();
    let kept = id_of(upload_ok(&app, &token, &kept_customer, "x.png", "image/png", photo()).await);
    let orphan =
        id_of(upload_ok(&app, &token, &gone_customer, "x.png", "image/png", photo()).await);
    // An upload whose process died: a pending row and part of its content.
    let org = app.org_id.clone();
    let dead = uuid::Uuid::now_v7().to_string();
    let now = app.clock.now().naive_utc();
    let (dead_row, data_dir) = (dead.clone(), app.data_dir.clone());
    app.with_db(move |conn| {
        use autocrm_persistence::models::{Attachment, TenantRecord};
        use diesel::prelude::*;
        let row = Attachment {
            id: dead_row.clone(),
            org_id: org.clone(),
            owner_type: "customer".into(),
            owner_id: kept_customer,
            status: "pending".into(),
            content_type: "image/png".into(),
            size_bytes: 0,
            sha256: None,
            filename_ciphertext: None,
            storage: "local".into(),
            storage_key: format!("{org}/{dead_row}"),
            key_id: "pii-test".into(),
            created_by: "x".into(),
            created_at: now,
            stored_at: None,
            deleted_at: None,
            deleted_by: None,
            purged_at: None,
        };
        row.insert(conn).unwrap();
        std::fs::write(
            data_dir.join(format!("attachments/{org}/{dead_row}.partial")),
            b"half",
        )
        .unwrap();
        // The owner goes (as an erasure would take it).
        use autocrm_persistence::schema::customers;
        diesel::delete(customers::table.filter(customers::id.eq(gone_customer)))
            .execute(conn)
            .unwrap();
    })
    .await;
    assert_eq!(stored_files(&app.data_dir).len(), 3);

    // Within the day nothing is swept.
    app.clock.advance(chrono::TimeDelta::hours(23));
    app.run_jobs().await;
    assert_eq!(stored_files(&app.data_dir).len(), 3);
    app.clock.advance(chrono::TimeDelta::hours(2));
    app.run_jobs().await;

    let rows = attachment_rows(&app).await;
    assert!(
        rows.iter().all(|r| r.id != dead),
        "the dead upload's row is gone"
    );
    let status = |id: &str| rows.iter().find(|r| r.id == id).unwrap().status.clone();
    assert_eq!(status(&kept), "stored");
    assert_eq!(status(&orphan), "deleted");
    let files = stored_files(&app.data_dir);
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(files[0].ends_with(&kept));
    let token = app.login_ok(ADMIN_EMAIL, PASSWORD).await;
    assert_eq!(
        app.get(&format!("/api/v1/attachments/{kept}/content"), &token)
            .await
            .status(),
        200
    );
    // The sweep's deletion is audited as the system's.
    let entries: Value = app
        .get(
            &format!("/api/v1/audit-log?entity_type=attachment&entity_id={orphan}"),
            &token,
        )
        .await
        .json()
        .await
        .unwrap();
    let deleted = &entries["items"][0];
    assert_eq!(deleted["action"], "attachment.deleted");
    assert_eq!(deleted["actor_role"], "system:attachments.sweep");
    assert_eq!(deleted["detail"]["reason"], "owner_gone");
}
