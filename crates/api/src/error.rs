//! The API's one error type and its RFC 9457 `application/problem+json` rendering.
//!
//! Policy: user mistakes map to a specific 4xx with a stable `code`; anything
//! unexpected is a 500 whose cause is logged with the request id and never sent.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// One invalid field of a request.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct FieldError {
    /// The request field, as written in the request (`phone`, `plans[1].term_months`).
    pub field: String,
    /// Stable machine code, e.g. `required`, `invalid_format`, `out_of_range`.
    pub code: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code: code.to_owned(),
            message: message.into(),
        }
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem: `urn:autocrm:problem:<code>`.
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Stable machine-readable code.
    pub code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
    /// For 409: the record that already exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub existing_id: Option<String>,
    /// For 412: the version the record is at now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Zh,
}

impl Lang {
    /// Picks the preferred of English and Chinese from an `Accept-Language` header.
    pub fn from_accept_language(value: Option<&str>) -> Lang {
        let Some(value) = value else { return Lang::En };
        let mut best = (Lang::En, -1.0_f32);
        for part in value.split(',') {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = pieces
                .find_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.parse::<f32>().ok())
                })
                .unwrap_or(1.0);
            let lang = if tag.starts_with("zh") {
                Lang::Zh
            } else if tag.starts_with("en") || tag == "*" {
                Lang::En
            } else {
                continue;
            };
            if q > best.1 {
                best = (lang, q);
            }
        }
        best.0
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("bad request: {detail}")]
    BadRequest { code: &'static str, detail: String },
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// A wrong login, password or client secret (401 `invalid_credentials`).
    #[error("invalid credentials: {0}")]
    InvalidCredentials(String),
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("conflict: {detail}")]
    Conflict {
        code: &'static str,
        detail: String,
        existing_id: Option<String>,
    },
    #[error("version mismatch")]
    PreconditionFailed { current_version: i64 },
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("too many requests: {detail}")]
    TooManyRequests {
        code: &'static str,
        detail: String,
        retry_after_secs: u64,
    },
    #[error("service unavailable")]
    Unavailable,
    /// Logged where it is made; the client sees only a generic 500.
    #[error("internal error")]
    Internal,
}

impl ApiError {
    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        ApiError::BadRequest {
            code,
            detail: detail.into(),
        }
    }

    pub fn invalid(field: &str, code: &str, message: impl Into<String>) -> Self {
        ApiError::Validation(vec![FieldError::new(field, code, message)])
    }

    pub fn conflict(
        code: &'static str,
        detail: impl Into<String>,
        existing_id: Option<String>,
    ) -> Self {
        ApiError::Conflict {
            code,
            detail: detail.into(),
            existing_id,
        }
    }

    /// Logs an unexpected failure with the current request span and hides it.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        ApiError::Internal
    }

    /// The stable machine code sent as the problem's `code`.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest { code, .. } => code,
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::InvalidCredentials(_) => "invalid_credentials",
            ApiError::Forbidden => "forbidden",
            ApiError::NotFound => "not_found",
            ApiError::Conflict { code, .. } => code,
            ApiError::PreconditionFailed { .. } => "version_mismatch",
            ApiError::PayloadTooLarge => "payload_too_large",
            ApiError::UnsupportedMediaType => "unsupported_media_type",
            ApiError::Validation(_) => "validation_failed",
            ApiError::TooManyRequests { code, .. } => code,
            ApiError::Unavailable => "unavailable",
            ApiError::Internal => "internal_error",
        }
    }

    /// The problem document in `lang`.
    pub fn problem(&self, lang: Lang) -> Problem {
        let status = self.status_code();
        let code = self.code();
        let detail = match self {
            ApiError::BadRequest { detail, .. }
            | ApiError::Conflict { detail, .. }
            | ApiError::TooManyRequests { detail, .. } => Some(detail.clone()),
            ApiError::Unauthorized(detail) | ApiError::InvalidCredentials(detail) => {
                Some(detail.clone())
            }
            _ => None,
        };
        let errors = match self {
            ApiError::Validation(errors) => Some(
                errors
                    .iter()
                    .map(|e| FieldError {
                        message: localise_field_message(e, lang),
                        ..e.clone()
                    })
                    .collect(),
            ),
            _ => None,
        };
        Problem {
            problem_type: format!("urn:autocrm:problem:{code}"),
            title: title(code, status, lang).to_owned(),
            status: status.as_u16(),
            detail,
            code: code.to_owned(),
            errors,
            existing_id: match self {
                ApiError::Conflict { existing_id, .. } => existing_id.clone(),
                _ => None,
            },
            current_version: match self {
                ApiError::PreconditionFailed { current_version } => Some(*current_version),
                _ => None,
            },
        }
    }

    pub fn render(&self, lang: Lang) -> HttpResponse {
        let mut response = problem_response(&self.problem(lang));
        let headers = response.headers_mut();
        match self {
            ApiError::Unauthorized(_) | ApiError::InvalidCredentials(_) => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            ApiError::TooManyRequests {
                retry_after_secs, ..
            } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
            }
            ApiError::Unavailable => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(1u64));
            }
            _ => {}
        }
        response
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) | ApiError::InvalidCredentials(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::PreconditionFailed { .. } => StatusCode::PRECONDITION_FAILED,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        self.render(Lang::En)
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(err: diesel::result::Error) -> Self {
        ApiError::internal(format!("database: {err}"))
    }
}

impl From<autocrm_persistence::PoolError> for ApiError {
    fn from(err: autocrm_persistence::PoolError) -> Self {
        tracing::warn!(error = %err, "no database connection");
        ApiError::Unavailable
    }
}

pub fn problem_response(problem: &Problem) -> HttpResponse {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, PROBLEM_JSON))
        .body(serde_json::to_string(problem).unwrap_or_default())
}

/// A problem for an error status that no handler described (actix's own 404, 405, ...).
pub fn problem_for_status(status: StatusCode, lang: Lang) -> Problem {
    let code = match status.as_u16() {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        406 => "not_acceptable",
        408 => "request_timeout",
        413 => "payload_too_large",
        414 => "uri_too_long",
        415 => "unsupported_media_type",
        422 => "validation_failed",
        429 => "rate_limited",
        431 => "headers_too_large",
        503 => "unavailable",
        s if s >= 500 => "internal_error",
        _ => "client_error",
    };
    Problem {
        problem_type: format!("urn:autocrm:problem:{code}"),
        title: title(code, status, lang).to_owned(),
        status: status.as_u16(),
        detail: None,
        code: code.to_owned(),
        errors: None,
        existing_id: None,
        current_version: None,
    }
}

fn title(code: &str, status: StatusCode, lang: Lang) -> &'static str {
    let (en, zh) = match code {
        "unauthorized" => ("Authentication required", "需要身份认证"),
        "invalid_credentials" => ("Invalid credentials", "账号或密码错误"),
        "forbidden" => ("Your role may not do this", "无权执行此操作"),
        "not_found" => ("Not found", "资源不存在"),
        "method_not_allowed" => ("Method not allowed", "不支持该请求方法"),
        "version_mismatch" => ("The record was changed by someone else", "数据已被他人修改"),
        "payload_too_large" => ("Request body too large", "请求体过大"),
        "unsupported_media_type" => ("Unsupported content type", "不支持的内容类型"),
        "validation_failed" => ("Some fields are invalid", "字段校验失败"),
        "account_locked" => ("Account temporarily locked", "账号已被临时锁定"),
        "rate_limited" => ("Too many requests", "请求过于频繁"),
        "unavailable" => ("Service temporarily unavailable", "服务暂时不可用"),
        "internal_error" => ("Internal server error", "服务器内部错误"),
        "malformed_json" => ("Malformed JSON body", "JSON 格式错误"),
        "invalid_query" => ("Invalid query parameters", "查询参数无效"),
        "invalid_path" => ("Invalid path parameter", "路径参数无效"),
        "invalid_header" => ("Invalid header", "请求头无效"),
        "invalid_cursor" => ("Invalid pagination cursor", "分页游标无效"),
        "idempotency_key_reused" => (
            "Idempotency key reused with another request",
            "幂等键已用于其他请求",
        ),
        "duplicate" => ("A record with these details already exists", "记录已存在"),
        "conflict" => ("Conflicting state", "状态冲突"),
        "already_applied" => ("This request was already applied", "该请求已执行"),
        _ if status.is_server_error() => ("Internal server error", "服务器内部错误"),
        _ => ("Bad request", "请求无效"),
    };
    match lang {
        Lang::En => en,
        Lang::Zh => zh,
    }
}

fn localise_field_message(error: &FieldError, lang: Lang) -> String {
    if lang == Lang::En {
        return error.message.clone();
    }
    let zh = match error.code.as_str() {
        "required" => "必填字段",
        "invalid_format" => "格式不正确",
        "out_of_range" => "取值超出范围",
        "too_long" => "长度超出限制",
        "too_short" => "长度不足",
        "unknown_field" => "未知字段",
        "invalid_type" => "类型不正确",
        "invalid_value" => "取值无效",
        "not_allowed" => "不允许的取值",
        "exclusive" => "字段互斥，只能提供其一",
        "too_many_decimals" => "小数位数过多",
        "duplicate" => "取值重复",
        "not_found" => "引用的记录不存在",
        _ => return error.message.clone(),
    };
    zh.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_prefers_the_highest_q() {
        assert_eq!(
            Lang::from_accept_language(Some("zh-CN,zh;q=0.9,en;q=0.8")),
            Lang::Zh
        );
        assert_eq!(
            Lang::from_accept_language(Some("en-US,zh-CN;q=0.5")),
            Lang::En
        );
        assert_eq!(
            Lang::from_accept_language(Some("fr-FR, zh;q=0.3")),
            Lang::Zh
        );
        assert_eq!(Lang::from_accept_language(None), Lang::En);
        assert_eq!(Lang::from_accept_language(Some(";;q=x,,")), Lang::En);
    }

    #[test]
    fn validation_problems_carry_field_errors_in_chinese() {
        let err = ApiError::invalid("phone", "invalid_format", "bad phone");
        let p = err.problem(Lang::Zh);
        assert_eq!(p.status, 422);
        assert_eq!(p.title, "字段校验失败");
        assert_eq!(p.errors.unwrap()[0].message, "格式不正确");
    }
}
