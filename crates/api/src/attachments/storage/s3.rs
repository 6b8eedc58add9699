//! Objects in an S3-compatible bucket (AWS S3, MinIO, Aliyun OSS, Tencent COS). Requests are
//! signed with AWS Signature V4 by `rusty-s3` (presigned for a few minutes, sent at once) and
//! sent with reqwest.
//!
//! A write buffers at most one part ([`PART`], the smallest part S3 accepts): an object that
//! fits in one part is a single `PUT`; a larger one is a multipart upload, aborted if the
//! write is abandoned, so no half object is ever visible.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use actix_web::web::Bytes;
use futures_util::stream;
use rusty_s3::actions::{CompleteMultipartUpload, CreateMultipartUpload};
use rusty_s3::{Bucket, Credentials, S3Action, UrlStyle};

use super::{BlobStore, BlobWriter, BoxFuture, ByteStream, check_key};
use crate::config::S3Settings;

/// Bytes per part of a multipart upload (S3's minimum, but for the last part).
pub const PART: usize = 5 * 1024 * 1024;
/// How long a signed request stays valid: it is sent right after signing.
const SIGNED_FOR: Duration = Duration::from_secs(15 * 60);

struct Inner {
    bucket: Bucket,
    credentials: Credentials,
    client: reqwest::Client,
    prefix: String,
}

pub struct S3Store {
    inner: Arc<Inner>,
}

impl S3Store {
    pub fn new(settings: &S3Settings) -> Result<Self, String> {
        let endpoint = settings
            .endpoint
            .parse()
            .map_err(|e| format!("{}: {e}", settings.endpoint))?;
        let style = if settings.path_style {
            UrlStyle::Path
        } else {
            UrlStyle::VirtualHost
        };
        let region = if settings.region.is_empty() {
            "us-east-1".to_owned()
        } else {
            settings.region.clone()
        };
        let bucket = Bucket::new(endpoint, style, settings.bucket.clone(), region)
            .map_err(|e| format!("{}: {e}", settings.endpoint))?;
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(300))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self {
            inner: Arc::new(Inner {
                bucket,
                credentials: Credentials::new(
                    settings.access_key.clone(),
                    settings.secret_key.clone(),
                ),
                client,
                prefix: settings.prefix.clone(),
            }),
        })
    }
}

impl Inner {
    fn object(&self, key: &str) -> io::Result<String> {
        check_key(key)?;
        Ok(format!("{}{key}", self.prefix))
    }

    /// Sends a signed request; a non-success answer is an error naming the operation.
    async fn send(
        &self,
        operation: &str,
        request: reqwest::RequestBuilder,
    ) -> io::Result<reqwest::Response> {
        let response = request
            .send()
            .await
            .map_err(|e| io::Error::other(format!("S3 {operation}: {}", e.without_url())))?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let kind = if status == reqwest::StatusCode::NOT_FOUND {
            io::ErrorKind::NotFound
        } else {
            io::ErrorKind::Other
        };
        let body = response.text().await.unwrap_or_default();
        let excerpt: String = body.chars().take(300).collect();
        Err(io::Error::new(
            kind,
            format!("S3 {operation}: {status}: {excerpt}"),
        ))
    }
}

impl BlobStore for S3Store {
    fn name(&self) -> &'static str {
        "s3"
    }

    fn create<'a>(&'a self, key: &'a str) -> BoxFuture<'a, io::Result<Box<dyn BlobWriter>>> {
        Box::pin(async move {
            let object = self.inner.object(key)?;
            Ok(Box::new(S3Writer {
                inner: self.inner.clone(),
                object,
                buffer: Vec::new(),
                upload_id: None,
                etags: Vec::new(),
            }) as Box<dyn BlobWriter>)
        })
    }

    fn open<'a>(&'a self, key: &'a str) -> BoxFuture<'a, io::Result<ByteStream>> {
        Box::pin(async move {
            let inner = &self.inner;
            let object = inner.object(key)?;
            let url = inner
                .bucket
                .get_object(Some(&inner.credentials), &object)
                .sign(SIGNED_FOR);
            let response = inner.send("GetObject", inner.client.get(url)).await?;
            let chunks = stream::try_unfold(response, |mut response| async move {
                match response.chunk().await {
                    Ok(Some(bytes)) => Ok(Some((bytes, response))),
                    Ok(None) => Ok(None),
                    Err(e) => Err(io::Error::other(format!(
                        "S3 GetObject: {}",
                        e.without_url()
                    ))),
                }
            });
            Ok(Box::pin(chunks) as ByteStream)
        })
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, io::Result<()>> {
        Box::pin(async move {
            let inner = &self.inner;
            let object = inner.object(key)?;
            let url = inner
                .bucket
                .delete_object(Some(&inner.credentials), &object)
                .sign(SIGNED_FOR);
            match inner.send("DeleteObject", inner.client.delete(url)).await {
                Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            }
        })
    }
}

struct S3Writer {
    inner: Arc<Inner>,
    object: String,
    buffer: Vec<u8>,
    /// Set once the object outgrew one part.
    upload_id: Option<String>,
    etags: Vec<String>,
}

impl S3Writer {
    async fn start_multipart(&mut self) -> io::Result<String> {
        if let Some(id) = &self.upload_id {
            return Ok(id.clone());
        }
        let inner = &self.inner;
        let url = inner
            .bucket
            .create_multipart_upload(Some(&inner.credentials), &self.object)
            .sign(SIGNED_FOR);
        let response = inner
            .send("CreateMultipartUpload", inner.client.post(url))
            .await?;
        let body = response
            .text()
            .await
            .map_err(|e| io::Error::other(format!("S3 CreateMultipartUpload: {e}")))?;
        let parsed = CreateMultipartUpload::parse_response(&body)
            .map_err(|e| io::Error::other(format!("S3 CreateMultipartUpload answer: {e}")))?;
        let id = parsed.upload_id().to_owned();
        self.upload_id = Some(id.clone());
        Ok(id)
    }

    async fn upload_part(&mut self, part: Vec<u8>) -> io::Result<()> {
        let upload_id = self.start_multipart().await?;
        let number = u16::try_from(self.etags.len() + 1)
            .ok()
            .filter(|n| *n <= 10_000)
            .ok_or_else(|| io::Error::other("S3 allows at most 10,000 parts"))?;
        let inner = &self.inner;
        let url = inner
            .bucket
            .upload_part(Some(&inner.credentials), &self.object, number, &upload_id)
            .sign(SIGNED_FOR);
        let response = inner
            .send("UploadPart", inner.client.put(url).body(part))
            .await?;
        let etag = response
            .headers()
            .get(reqwest::header::ETAG)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| io::Error::other("S3 UploadPart: no ETag in the answer"))?;
        self.etags.push(etag.to_owned());
        Ok(())
    }
}

impl BlobWriter for S3Writer {
    fn write(&mut self, bytes: Bytes) -> BoxFuture<'_, io::Result<()>> {
        Box::pin(async move {
            self.buffer.extend_from_slice(&bytes);
            while self.buffer.len() >= PART {
                let rest = self.buffer.split_off(PART);
                let part = std::mem::replace(&mut self.buffer, rest);
                self.upload_part(part).await?;
            }
            Ok(())
        })
    }

    fn finish(mut self: Box<Self>) -> BoxFuture<'static, io::Result<()>> {
        Box::pin(async move {
            let buffer = std::mem::take(&mut self.buffer);
            let Some(upload_id) = self.upload_id.clone() else {
                // It fits in one request.
                let inner = &self.inner;
                let url = inner
                    .bucket
                    .put_object(Some(&inner.credentials), &self.object)
                    .sign(SIGNED_FOR);
                inner
                    .send("PutObject", inner.client.put(url).body(buffer))
                    .await?;
                return Ok(());
            };
            if !buffer.is_empty() {
                self.upload_part(buffer).await?;
            }
            let inner = self.inner.clone();
            let action = CompleteMultipartUpload::new(
                &inner.bucket,
                Some(&inner.credentials),
                &self.object,
                &upload_id,
                self.etags.iter().map(String::as_str),
            );
            let url = action.sign(SIGNED_FOR);
            let body = action.body();
            let result = inner
                .send("CompleteMultipartUpload", inner.client.post(url).body(body))
                .await;
            if result.is_err() {
                self.abort_upload(&upload_id).await;
            }
            result.map(drop)
        })
    }

    fn abort(self: Box<Self>) -> BoxFuture<'static, ()> {
        Box::pin(async move {
            if let Some(upload_id) = self.upload_id.clone() {
                self.abort_upload(&upload_id).await;
            }
        })
    }
}

impl S3Writer {
    async fn abort_upload(&self, upload_id: &str) {
        let inner = &self.inner;
        let url = inner
            .bucket
            .abort_multipart_upload(Some(&inner.credentials), &self.object, upload_id)
            .sign(SIGNED_FOR);
        if let Err(e) = inner
            .send("AbortMultipartUpload", inner.client.delete(url))
            .await
        {
            tracing::warn!(error = %e, "could not abort a multipart upload");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// AWS's published example of a presigned URL (Signature V4, query authentication):
    /// <https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html>.
    #[test]
    fn signs_as_the_aws_example_does() {
        let bucket = Bucket::new(
            "https://s3.amazonaws.com".parse().unwrap(),
            UrlStyle::VirtualHost,
            "examplebucket",
            "us-east-1",
        )
        .unwrap();
        let credentials = Credentials::new(
            "AKIAIOSFODNN7EXAMPLE",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        );
        let time = "2013-05-24T00:00:00Z".parse().unwrap();
        let url = bucket
            .get_object(Some(&credentials), "test.txt")
            .sign_with_time(Duration::from_secs(86400), &time);
        let signature = url
            .query_pairs()
            .find(|(k, _)| k == "X-Amz-Signature")
            .map(|(_, v)| v.into_owned());
        assert_eq!(
            signature.as_deref(),
            Some("aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
        );
        assert_eq!(url.host_str(), Some("examplebucket.s3.amazonaws.com"));
    }

    #[test]
    fn objects_carry_the_prefix_and_path_style_puts_the_bucket_in_the_path() {
        let store = S3Store::new(&S3Settings {
            endpoint: "http://127.0.0.1:9000".into(),
            bucket: "crm".into(),
            region: String::new(),
            access_key: "k".into(),
            secret_key: "s".into(),
            path_style: true,
            prefix: "autocrm/".into(),
        })
        .unwrap();
        let inner = &store.inner;
        let object = inner.object("0193/0194").unwrap();
        assert_eq!(object, "autocrm/0193/0194");
        let url = inner
            .bucket
            .put_object(Some(&inner.credentials), &object)
            .sign(SIGNED_FOR);
        assert_eq!(url.path(), "/crm/autocrm/0193/0194");
        assert!(url.query().unwrap().contains("X-Amz-Credential=k%2F"));
        assert!(url.query().unwrap().contains("us-east-1"));
        assert!(inner.object("../x").is_err());
    }
}
