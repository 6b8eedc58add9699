//! Attachments in an S3-compatible store, against a fake S3 that runs in the test: it keeps
//! objects in memory, speaks the few operations the store uses (PutObject, GetObject,
//! DeleteObject, and the multipart upload), and refuses any request whose AWS Signature V4
//! (presigned, query-string form) does not verify. The verification here is written from
//! AWS's specification, independently of the server's signing crate.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use hmac::{Hmac, Mac};
use reqwest::Method;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::attachments::{encode, sha256_hex, stored_files, upload_ok, upload_path, upload_raw};
use crate::helpers::{TestApp, assert_problem};

const ACCESS_KEY: &str = "AKIDEXAMPLE0000AUTOCRM";
const SECRET_KEY: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const REGION: &str = "cn-east-1";
const BUCKET: &str = "autocrm-files";

#[derive(Default)]
pub struct FakeS3 {
    pub objects: Mutex<HashMap<String, Vec<u8>>>,
    uploads: Mutex<HashMap<String, BTreeMap<u16, Vec<u8>>>>,
    /// Every request as (method, path, operation).
    pub requests: Mutex<Vec<(String, String, String)>>,
    pub refused: Mutex<Vec<String>>,
}

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap();
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&text[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

/// Checks a presigned request: Signature V4 over the method, path, query (less the
/// signature), the host header and `UNSIGNED-PAYLOAD`, with the test's secret.
fn verify(req: &HttpRequest) -> Result<(), String> {
    let query: Vec<(String, String)> = req
        .query_string()
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect();
    let get = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .ok_or(format!("no {name}"))
    };
    if get("X-Amz-Algorithm")? != "AWS4-HMAC-SHA256" {
        return Err("algorithm".into());
    }
    let credential = get("X-Amz-Credential")?;
    let parts: Vec<&str> = credential.split('/').collect();
    if parts.len() != 5 || parts[0] != ACCESS_KEY || parts[2] != REGION || parts[3] != "s3" {
        return Err(format!("credential {credential}"));
    }
    let date = get("X-Amz-Date")?;
    if !date.starts_with(parts[1]) {
        return Err("date".into());
    }
    let signed_headers = get("X-Amz-SignedHeaders")?;
    if signed_headers != "host" {
        return Err(format!("signed headers {signed_headers}"));
    }
    let expires: i64 = get("X-Amz-Expires")?.parse().map_err(|_| "expires")?;
    let signed_at = chrono::NaiveDateTime::parse_from_str(&date, "%Y%m%dT%H%M%SZ")
        .map_err(|_| "date format")?
        .and_utc();
    let age = (chrono::Utc::now() - signed_at).num_seconds();
    if !(-300..=expires).contains(&age) {
        return Err("expired".into());
    }
    let mut canonical_query: Vec<(String, String)> = query
        .iter()
        .filter(|(k, _)| k != "X-Amz-Signature")
        .map(|(k, v)| (encode(k), encode(v)))
        .collect();
    canonical_query.sort();
    let canonical_query = canonical_query
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let host = req
        .headers()
        .get("host")
        .and_then(|h| h.to_str().ok())
        .ok_or("no host")?;
    let canonical_request = format!(
        "{}\n{}\n{canonical_query}\nhost:{host}\n\nhost\nUNSIGNED-PAYLOAD",
        req.method(),
        req.uri().path(),
    );
    let scope = format!("{}/{REGION}/s3/aws4_request", parts[1]);
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{date}\n{scope}\n{}",
        hex(&Sha256::digest(canonical_request.as_bytes()))
    );
    let key = hmac(format!("AWS4{SECRET_KEY}").as_bytes(), parts[1]);
    let key = hmac(&key, REGION);
    let key = hmac(&key, "s3");
    let key = hmac(&key, "aws4_request");
    let expected = hex(&hmac(&key, &string_to_sign));
    if get("X-Amz-Signature")? != expected {
        return Err(format!("signature mismatch for {canonical_request:?}"));
    }
    Ok(())
}

fn xml(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/xml")
        .body(body)
}

async fn handle(req: HttpRequest, body: Bytes, fake: web::Data<FakeS3>) -> HttpResponse {
    let query: HashMap<String, String> = req
        .query_string()
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect();
    let path = req.uri().path().to_owned();
    let method = req.method().as_str().to_owned();
    let operation = match (
        method.as_str(),
        query.contains_key("uploads"),
        query.get("uploadId"),
        query.get("partNumber"),
    ) {
        ("POST", true, _, _) => "CreateMultipartUpload",
        ("PUT", _, Some(_), Some(_)) => "UploadPart",
        ("POST", _, Some(_), _) => "CompleteMultipartUpload",
        ("DELETE", _, Some(_), _) => "AbortMultipartUpload",
        ("PUT", ..) => "PutObject",
        ("GET", ..) => "GetObject",
        ("DELETE", ..) => "DeleteObject",
        _ => "Unknown",
    };
    fake.requests
        .lock()
        .unwrap()
        .push((method.clone(), path.clone(), operation.to_owned()));
    if let Err(why) = verify(&req) {
        fake.refused.lock().unwrap().push(why);
        return HttpResponse::Forbidden()
            .content_type("application/xml")
            .body("<Error><Code>SignatureDoesNotMatch</Code></Error>");
    }
    let Some(key) = path.strip_prefix(&format!("/{BUCKET}/")).map(str::to_owned) else {
        return HttpResponse::NotFound().body("<Error><Code>NoSuchBucket</Code></Error>");
    };
    match operation {
        "CreateMultipartUpload" => {
            let id = uuid::Uuid::now_v7().simple().to_string();
            fake.uploads
                .lock()
                .unwrap()
                .insert(id.clone(), BTreeMap::new());
            xml(format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<InitiateMultipartUploadResult \
xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Bucket>{BUCKET}</Bucket><Key>{key}</Key>\
<UploadId>{id}</UploadId></InitiateMultipartUploadResult>"
            ))
        }
        "UploadPart" => {
            let number: u16 = query["partNumber"].parse().unwrap();
            let mut uploads = fake.uploads.lock().unwrap();
            let Some(parts) = uploads.get_mut(&query["uploadId"]) else {
                return HttpResponse::NotFound().finish();
            };
            let etag = format!("\"{}\"", &sha256_hex(&body)[..32]);
            parts.insert(number, body.to_vec());
            HttpResponse::Ok().insert_header(("etag", etag)).finish()
        }
        "CompleteMultipartUpload" => {
            let Some(parts) = fake.uploads.lock().unwrap().remove(&query["uploadId"]) else {
                return HttpResponse::NotFound().finish();
            };
            // The part list is XML: its ETags' quotes may come escaped.
            let listed = String::from_utf8_lossy(&body)
                .replace("&quot;", "\"")
                .replace("&#34;", "\"");
            let mut object = Vec::new();
            for (number, part) in &parts {
                let etag = format!("\"{}\"", &sha256_hex(part)[..32]);
                if !listed.contains(&format!("<PartNumber>{number}</PartNumber>"))
                    || !listed.contains(&etag)
                {
                    return HttpResponse::BadRequest()
                        .body("<Error><Code>InvalidPart</Code></Error>");
                }
                object.extend_from_slice(part);
            }
            fake.objects.lock().unwrap().insert(key.clone(), object);
            xml(format!(
                "<CompleteMultipartUploadResult><Bucket>{BUCKET}</Bucket><Key>{key}</Key></CompleteMultipartUploadResult>"
            ))
        }
        "AbortMultipartUpload" => {
            fake.uploads.lock().unwrap().remove(&query["uploadId"]);
            HttpResponse::NoContent().finish()
        }
        "PutObject" => {
            fake.objects.lock().unwrap().insert(key, body.to_vec());
            HttpResponse::Ok().insert_header(("etag", "\"x\"")).finish()
        }
        "GetObject" => match fake.objects.lock().unwrap().get(&key) {
            Some(object) => HttpResponse::Ok().body(object.clone()),
            None => HttpResponse::NotFound().body("<Error><Code>NoSuchKey</Code></Error>"),
        },
        "DeleteObject" => {
            fake.objects.lock().unwrap().remove(&key);
            HttpResponse::NoContent().finish()
        }
        _ => HttpResponse::MethodNotAllowed().finish(),
    }
}

/// Starts the fake on a loopback port; returns its endpoint.
pub async fn start_fake_s3() -> (String, Arc<FakeS3>) {
    let fake = web::Data::new(FakeS3::default());
    let state = fake.clone();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = actix_web::HttpServer::new(move || {
        actix_web::App::new()
            .app_data(state.clone())
            .app_data(web::PayloadConfig::new(64 * 1024 * 1024))
            .default_service(web::to(handle))
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    tokio::spawn(server);
    (format!("http://127.0.0.1:{port}"), fake.into_inner())
}

#[tokio::test]
async fn attachments_live_encrypted_in_an_s3_store_with_signed_requests() {
    let (endpoint, fake) = start_fake_s3().await;
    let app = TestApp::spawn_with(|s| {
        s.max_upload_bytes = 7 * 1024 * 1024;
        s.s3.endpoint = endpoint.clone();
        s.s3.bucket = BUCKET.into();
        s.s3.region = REGION.into();
        s.s3.access_key = ACCESS_KEY.into();
        s.s3.secret_key = SECRET_KEY.into();
        s.s3.path_style = true;
        s.s3.prefix = "crm/".into();
    })
    .await;
    let token = app.admin_token.clone();
    let customer = app.create_customer(&token, &json!({"name": "冯雪"})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // A small file: one signed PUT.
    let small = autocrm_api::attachments::demo::pdf("Small contract");
    let created = upload_ok(
        &app,
        &token,
        &customer,
        "合同.pdf",
        "application/pdf",
        small.clone(),
    )
    .await;
    let small_id = created["id"].as_str().unwrap().to_owned();

    // A file over one part (5 MiB): a multipart upload of two parts.
    let mut large = b"%PDF-1.7\n".to_vec();
    large.extend(
        (0..6 * 1024 * 1024 + 12_345).map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 24) as u8),
    );
    let created = upload_ok(
        &app,
        &token,
        &customer,
        "scan.pdf",
        "application/pdf",
        large.clone(),
    )
    .await;
    let large_id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["sha256"], sha256_hex(&large).as_str());

    assert!(
        fake.refused.lock().unwrap().is_empty(),
        "{:?}",
        fake.refused.lock().unwrap()
    );
    let operations: Vec<String> = fake
        .requests
        .lock()
        .unwrap()
        .iter()
        .map(|r| r.2.clone())
        .collect();
    assert_eq!(
        operations,
        [
            "PutObject",
            "CreateMultipartUpload",
            "UploadPart",
            "UploadPart",
            "CompleteMultipartUpload"
        ]
    );
    // The objects: under the prefix and the organisation, encrypted.
    {
        let objects = fake.objects.lock().unwrap();
        assert_eq!(objects.len(), 2);
        let stored = &objects[&format!("crm/{}/{large_id}", app.org_id)];
        assert_eq!(
            stored.len() as u64,
            autocrm_api::attachments::crypto::sealed_len(large.len() as u64)
        );
        assert!(!stored.windows(8).any(|w| w == b"%PDF-1.7"));
        assert!(objects.contains_key(&format!("crm/{}/{small_id}", app.org_id)));
    }
    assert!(
        stored_files(&app.data_dir).is_empty(),
        "nothing on local disk"
    );

    // Downloads come back byte for byte.
    for (id, bytes) in [(&small_id, &small), (&large_id, &large)] {
        let res = app
            .get(&format!("/api/v1/attachments/{id}/content"), &token)
            .await;
        assert_eq!(res.status(), 200);
        assert_eq!(res.bytes().await.unwrap().as_ref(), bytes.as_slice());
    }
    // A deletion removes the object.
    let res = app
        .request(
            Method::DELETE,
            &format!("/api/v1/attachments/{small_id}"),
            Some(&token),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(fake.objects.lock().unwrap().len(), 1);
    // An oversize upload through S3 aborts its multipart upload and leaves nothing.
    let mut too_big = large.clone();
    too_big.extend(std::iter::repeat_n(7u8, 1024 * 1024));
    let (content_type, body) = {
        let boundary = "b0undary";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(&too_big[..7 * 1024 * 1024 + 1000]);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        (format!("multipart/form-data; boundary={boundary}"), body)
    };
    let res = upload_raw(
        &app,
        &token,
        &upload_path("customer", &customer, None),
        &content_type,
        body,
    )
    .await;
    assert_problem(res, 413, "payload_too_large").await;
    assert_eq!(fake.objects.lock().unwrap().len(), 1);
    assert!(
        fake.uploads.lock().unwrap().is_empty(),
        "the multipart upload was aborted"
    );
    assert!(fake.refused.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_forged_signature_is_refused_by_the_fake() {
    // The fake's check is what the test above relies on: it must refuse a bad signature.
    let (endpoint, fake) = start_fake_s3().await;
    let client = reqwest::Client::new();
    let now = chrono::Utc::now();
    let (day, stamp) = (now.format("%Y%m%d"), now.format("%Y%m%dT%H%M%SZ"));
    let res = client
        .put(format!(
            "{endpoint}/{BUCKET}/x?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential={ACCESS_KEY}%2F{day}%2F{REGION}%2Fs3%2Faws4_request&X-Amz-Date={stamp}&X-Amz-Expires=600&X-Amz-SignedHeaders=host&X-Amz-Signature=00"
        ))
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let refused = fake.refused.lock().unwrap().clone();
    assert!(refused[0].starts_with("signature mismatch"), "{refused:?}");
    assert!(fake.objects.lock().unwrap().is_empty());
}
