//! Turns actix's extractor failures into our problems, so bad input is never a 500.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::error::{PathError, QueryPayloadError};
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use serde::de::{DeserializeOwned, IgnoredAny};
use validator::Validate;

use crate::error::{ApiError, Code, FieldError};

/// A JSON request body, checked against its type's field rules. Unlike `web::Json`, it
/// tells a syntax error (400) from a well-formed body with a wrong field (422), names that
/// field by its path (`plans[1].term_months`), whatever serde's message says, and reports
/// every field that breaks a rule at once.
pub struct Json<T>(pub T);

impl<T> Json<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + Validate + 'static> FromRequest for Json<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = matches!(req.mime_type(), Ok(Some(mime)) if is_json_mime(&mime));
        // Reads up to the configured `PayloadConfig` limit (413 beyond it).
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !is_json {
                return Err(ApiError::new(Code::UnsupportedMediaType).into());
            }
            let bytes = bytes.await?;
            let value: T = parse_json(&bytes)?;
            crate::validate::check(&value).map_err(ApiError::from)?;
            Ok(Json(value))
        })
    }
}

fn is_json_mime(mime: &actix_web::mime::Mime) -> bool {
    // JSON Merge Patch bodies are JSON too.
    mime.subtype() == "json" || mime.suffix().is_some_and(|s| s == "json")
}

/// Parses a JSON document into `T`: 400 when it is not JSON, 422 naming the field when
/// it is JSON of the wrong shape.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // Syntax first: serde reports a type error before it reaches a syntax error later on
    // (`[1,` into a struct), and that must still be a 400.
    if let Err(e) = serde_json::from_slice::<IgnoredAny>(bytes) {
        return Err(ApiError::bad_request(
            Code::MalformedJson,
            format!("malformed JSON: {e}"),
        ));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut de).map_err(shape_error)
}

/// Reads a JSON value already parsed (an item of a batch, a mapped payload) into `T`: 422
/// naming the field when it has the wrong shape, as for a body.
pub fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(shape_error)
}

fn shape_error(e: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    {
        let path = e.path().to_string();
        let error = e.into_inner();
        // Skipping a value checks less than reading it: invalid UTF-8 inside a string
        // only shows here, and it is still not JSON.
        if error.classify() != serde_json::error::Category::Data {
            return ApiError::bad_request(Code::MalformedJson, format!("malformed JSON: {error}"));
        }
        let mut field = data_error(&error);
        if path != "." {
            // The path names the value in error (an unknown key included); for a
            // missing field it names the object that lacks it.
            field.field = if field.code == "required" {
                format!("{path}.{}", field.field)
            } else {
                path
            };
        }
        ApiError::validation(vec![field])
    }
}

/// A record id from the path (`/customers/{id}`): anything that is not a UUID cannot name a
/// record, so it is a 404, not a 400.
pub struct PathId(pub String);

impl FromRequest for PathId {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(
            req.match_info()
                .get("id")
                .and_then(|id| uuid::Uuid::parse_str(id).ok())
                .map(|id| PathId(id.to_string()))
                .ok_or_else(ApiError::not_found),
        )
    }
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _req| query_error(err).into())
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err, _req| path_error(err).into())
}

/// Names the field serde complained about, as far as its message says.
fn data_error(e: &serde_json::Error) -> FieldError {
    let message = e.to_string();
    let text = message
        .split(" at line ")
        .next()
        .unwrap_or(&message)
        .to_owned();
    let quoted = |prefix: &str| -> Option<String> {
        let rest = text.split(prefix).nth(1)?;
        let rest = rest.strip_prefix('`')?;
        Some(rest[..rest.find('`')?].to_owned())
    };
    if let Some(field) = quoted("unknown field ") {
        return FieldError::new(field, "unknown_field", text);
    }
    if let Some(field) = quoted("missing field ") {
        return FieldError::new(field, "required", text);
    }
    if text.starts_with("unknown variant") {
        return FieldError::new("body", "not_allowed", text);
    }
    FieldError::new("body", "invalid_type", text)
}

fn query_error(err: QueryPayloadError) -> ApiError {
    let detail = match err {
        QueryPayloadError::Deserialize(e) => e.to_string(),
        other => other.to_string(),
    };
    ApiError::bad_request(Code::InvalidQuery, detail)
}

fn path_error(err: PathError) -> ApiError {
    let PathError::Deserialize(e) = err else {
        return ApiError::bad_request(Code::InvalidPath, "invalid path parameter");
    };
    ApiError::bad_request(Code::InvalidPath, e.to_string())
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::parse_json;
    use crate::error::Code;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Plan {
        term_months: u32,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Compare {
        price_cents: i64,
        plans: Vec<Plan>,
    }

    fn field_of(body: &str) -> (String, String) {
        match parse_json::<Compare>(body.as_bytes()) {
            Err(e) if e.code == Code::ValidationFailed => {
                (e.errors[0].field.clone(), e.errors[0].code.clone())
            }
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn syntax_errors_are_malformed_even_after_a_type_error() {
        for body in ["[1,", "", "{\"price_cents\": 1,}", "{} trailing"] {
            let err = parse_json::<Compare>(body.as_bytes()).unwrap_err();
            assert_eq!(err.code, Code::MalformedJson, "{body:?}");
        }
        // Invalid UTF-8 in a string passes a skim of the document, not a real read.
        let body = b"{\"price_cents\": 1, \"plans\": [], \"x\": \"\xff\xfe\"}";
        let err = parse_json::<serde_json::Value>(body).unwrap_err();
        assert_eq!(err.code, Code::MalformedJson);
    }

    #[test]
    fn shape_errors_name_the_field_by_its_path() {
        let cases = [
            (
                r#"{"price_cents": "x", "plans": []}"#,
                "price_cents",
                "invalid_type",
            ),
            (
                r#"{"price_cents": 1, "plans": [{"term_months": 1}, {"term_months": -3}]}"#,
                "plans[1].term_months",
                "invalid_type",
            ),
            (
                r#"{"price_cents": 1, "plans": [{"term_months": 1, "rate": 2}]}"#,
                "plans[0].rate",
                "unknown_field",
            ),
            (
                r#"{"price_cents": 1, "plans": [{}]}"#,
                "plans[0].term_months",
                "required",
            ),
            (r#"{"plans": []}"#, "price_cents", "required"),
            (
                r#"{"price_cents": 1, "plans": [], "x": 1}"#,
                "x",
                "unknown_field",
            ),
            ("[1]", "body", "invalid_type"),
        ];
        for (body, field, code) in cases {
            assert_eq!(
                field_of(body),
                (field.to_owned(), code.to_owned()),
                "{body}"
            );
        }
    }

    #[test]
    fn numbers_parse_to_the_nearest_double() {
        // Without serde_json's `float_roundtrip` this long form read as 100.0.
        let v: f64 = parse_json(b"99.99999999999999").unwrap();
        assert_eq!(v, 99.99999999999999_f64);
        assert!(v < 100.0);
    }
}
