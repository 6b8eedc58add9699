//! The API's one error type and its RFC 9457 `application/problem+json` rendering.
//!
//! Policy: user mistakes map to a specific 4xx with a stable `code`; anything unexpected is a
//! 500 whose cause is logged with the request id and never sent. Every code's status and
//! titles (English and Chinese) stand in one table, `codes!` below.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

pub use crate::app::FieldError;
use crate::app::{Limit, ServiceError};

pub const PROBLEM_JSON: &str = "application/problem+json";

macro_rules! codes {
    ($($variant:ident = $name:literal, $status:literal, $en:literal, $zh:literal;)+) => {
        /// A problem's stable machine code, with its status and titles.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Code {
            $($variant,)+
        }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant,)+];

            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $name,)+
                }
            }

            pub fn status(self) -> StatusCode {
                match self {
                    $(Code::$variant => StatusCode::from_u16($status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),)+
                }
            }

            pub const fn title(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $((Code::$variant, Lang::En) => $en, (Code::$variant, Lang::Zh) => $zh,)+
                }
            }
        }
    };
}

codes! {
    BadRequest = "bad_request", 400, "Bad request", "请求无效";
    MalformedJson = "malformed_json", 400, "Malformed JSON body", "JSON 格式错误";
    MalformedXml = "malformed_xml", 400, "Malformed or refused XML body", "XML 格式错误或不被接受";
    InvalidQuery = "invalid_query", 400, "Invalid query parameters", "查询参数无效";
    InvalidPath = "invalid_path", 400, "Invalid path parameter", "路径参数无效";
    InvalidHeader = "invalid_header", 400, "Invalid header", "请求头无效";
    InvalidCursor = "invalid_cursor", 400, "Invalid pagination cursor", "分页游标无效";
    Unauthorized = "unauthorized", 401, "Authentication required", "需要身份认证";
    InvalidCredentials = "invalid_credentials", 401, "Invalid credentials", "账号或密码错误";
    Forbidden = "forbidden", 403, "Your role may not do this", "无权执行此操作";
    NotFound = "not_found", 404, "Not found", "资源不存在";
    MethodNotAllowed = "method_not_allowed", 405, "Method not allowed", "不支持该请求方法";
    NotAcceptable = "not_acceptable", 406, "Not acceptable", "无法提供所需的格式";
    RequestTimeout = "request_timeout", 408, "Request timeout", "请求超时";
    Duplicate = "duplicate", 409, "A record with these details already exists", "记录已存在";
    Conflict = "conflict", 409, "Conflicting state", "状态冲突";
    AlreadyApplied = "already_applied", 409, "This request was already applied", "该请求已执行";
    InvalidTransition = "invalid_transition", 409, "Not allowed in the record's current state", "当前状态不允许此操作";
    Merged = "merged", 410, "This customer was merged into another one", "该客户已合并到另一客户";
    VersionMismatch = "version_mismatch", 412, "The record was changed by someone else", "数据已被他人修改";
    PayloadTooLarge = "payload_too_large", 413, "Request body too large", "请求体过大";
    UriTooLong = "uri_too_long", 414, "Request URI too long", "请求地址过长";
    UnsupportedMediaType = "unsupported_media_type", 415, "Unsupported content type", "不支持的内容类型";
    ValidationFailed = "validation_failed", 422, "Some fields are invalid", "字段校验失败";
    AccountLocked = "account_locked", 429, "Account temporarily locked", "账号已被临时锁定";
    RateLimited = "rate_limited", 429, "Too many requests", "请求过于频繁";
    CodeThrottled = "code_throttled", 429, "A code was sent a moment ago", "验证码发送过于频繁";
    RevealLimitReached = "reveal_limit_reached", 429, "Daily limit of personal-data reveals reached", "今日查看个人信息次数已达上限";
    HeadersTooLarge = "headers_too_large", 431, "Request headers too large", "请求头过大";
    InternalError = "internal_error", 500, "Internal server error", "服务器内部错误";
    Unavailable = "unavailable", 503, "Service temporarily unavailable", "服务暂时不可用";
}

impl Code {
    /// The code for an error status that no handler described (actix's own 404, 405, ...).
    pub fn for_status(status: StatusCode) -> Option<Code> {
        let generic = [
            Code::BadRequest,
            Code::Unauthorized,
            Code::Forbidden,
            Code::NotFound,
            Code::MethodNotAllowed,
            Code::NotAcceptable,
            Code::RequestTimeout,
            Code::PayloadTooLarge,
            Code::UriTooLong,
            Code::UnsupportedMediaType,
            Code::ValidationFailed,
            Code::RateLimited,
            Code::HeadersTooLarge,
            Code::Unavailable,
        ];
        generic
            .into_iter()
            .find(|c| c.status() == status)
            .or_else(|| status.is_server_error().then_some(Code::InternalError))
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:autocrm:problem:validation_failed", "title": "字段校验失败", "status": 422,
    "code": "validation_failed",
    "errors": [{"field": "phone", "code": "invalid_format", "message": "格式不正确"}]
}))]
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
    /// For 409 `duplicate`: the record that already exists; for 410 `merged`: the customer
    /// it was merged into.
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

/// A problem to answer: its code decides the status and title; the rest is detail.
#[derive(Debug, thiserror::Error)]
#[error("{}{}", code.as_str(), detail.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
pub struct ApiError {
    pub code: Code,
    pub detail: Option<String>,
    pub errors: Vec<FieldError>,
    pub existing_id: Option<String>,
    pub current_version: Option<i64>,
    pub retry_after_secs: Option<u64>,
}

impl ApiError {
    pub fn new(code: Code) -> Self {
        Self {
            code,
            detail: None,
            errors: Vec::new(),
            existing_id: None,
            current_version: None,
            retry_after_secs: None,
        }
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn bad_request(code: Code, detail: impl Into<String>) -> Self {
        Self::new(code).with_detail(detail)
    }

    pub fn not_found() -> Self {
        Self::new(Code::NotFound)
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(Code::Unauthorized).with_detail(detail)
    }

    pub fn validation(errors: Vec<FieldError>) -> Self {
        Self {
            errors,
            ..Self::new(Code::ValidationFailed)
        }
    }

    pub fn invalid(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError::new(field, code, message)])
    }

    pub fn conflict(code: Code, detail: impl Into<String>, existing_id: Option<String>) -> Self {
        Self {
            existing_id,
            ..Self::new(code).with_detail(detail)
        }
    }

    pub fn too_many(code: Code, detail: impl Into<String>, retry_after_secs: u64) -> Self {
        Self {
            retry_after_secs: Some(retry_after_secs),
            ..Self::new(code).with_detail(detail)
        }
    }

    /// Logs an unexpected failure with the current request span and hides it.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(Code::InternalError)
    }

    /// The problem document in `lang`.
    pub fn problem(&self, lang: Lang) -> Problem {
        let code = self.code.as_str();
        Problem {
            problem_type: format!("urn:autocrm:problem:{code}"),
            title: self.code.title(lang).to_owned(),
            status: self.code.status().as_u16(),
            detail: self.detail.clone(),
            code: code.to_owned(),
            errors: (!self.errors.is_empty()).then(|| {
                self.errors
                    .iter()
                    .map(|e| FieldError {
                        message: localise_field_message(e, lang),
                        ..e.clone()
                    })
                    .collect()
            }),
            existing_id: self.existing_id.clone(),
            current_version: self.current_version,
        }
    }

    pub fn render(&self, lang: Lang) -> HttpResponse {
        let mut response = problem_response(&self.problem(lang));
        let headers = response.headers_mut();
        if self.code.status() == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        let retry_after = match self.code {
            Code::Unavailable => Some(self.retry_after_secs.unwrap_or(1)),
            _ => self.retry_after_secs,
        };
        if let Some(secs) = retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.code.status()
    }

    fn error_response(&self) -> HttpResponse {
        self.render(Lang::En)
    }
}

/// Where service answers meet HTTP: the one mapping from use-case errors to problems.
impl From<ServiceError> for ApiError {
    fn from(err: ServiceError) -> Self {
        match err {
            ServiceError::NotFound => ApiError::not_found(),
            ServiceError::Forbidden => ApiError::new(Code::Forbidden),
            ServiceError::Unauthorized(detail) => ApiError::unauthorized(detail),
            ServiceError::InvalidCredentials(detail) => {
                ApiError::new(Code::InvalidCredentials).with_detail(detail)
            }
            ServiceError::Invalid(errors) => ApiError::validation(errors),
            ServiceError::Duplicate {
                detail,
                existing_id,
            } => ApiError::conflict(Code::Duplicate, detail, existing_id),
            ServiceError::Merged { survivor_id } => ApiError::conflict(
                Code::Merged,
                "this customer was merged; use existing_id",
                Some(survivor_id),
            ),
            ServiceError::Conflict(detail) => ApiError::conflict(Code::Conflict, detail, None),
            ServiceError::InvalidTransition(detail) => {
                ApiError::conflict(Code::InvalidTransition, detail, None)
            }
            ServiceError::Stale { current_version } => ApiError {
                current_version: Some(current_version),
                ..ApiError::new(Code::VersionMismatch)
            },
            ServiceError::Limited {
                limit,
                detail,
                retry_after_secs,
            } => {
                let code = match limit {
                    Limit::AccountLocked => Code::AccountLocked,
                    Limit::SignInCodeThrottled => Code::CodeThrottled,
                    Limit::RevealDailyLimit => Code::RevealLimitReached,
                };
                ApiError::too_many(code, detail, retry_after_secs)
            }
            ServiceError::Unavailable => ApiError::new(Code::Unavailable),
            ServiceError::Internal => ApiError::new(Code::InternalError),
        }
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(err: diesel::result::Error) -> Self {
        ApiError::internal(format!("database: {err}"))
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
    let code = Code::for_status(status);
    let name = code.map_or("client_error", Code::as_str);
    Problem {
        problem_type: format!("urn:autocrm:problem:{name}"),
        title: code.unwrap_or(Code::BadRequest).title(lang).to_owned(),
        status: status.as_u16(),
        detail: None,
        code: name.to_owned(),
        errors: None,
        existing_id: None,
        current_version: None,
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
        "idempotency_key_reused" => "幂等键已用于其他请求",
        "content_type_mismatch" => "声明的类型与文件内容不符",
        "extension_mismatch" => "文件扩展名与文件内容不符",
        "too_many_parts" => "每次请求只能上传一个文件",
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

    #[test]
    fn every_code_has_a_distinct_name_and_an_error_status() {
        let mut names: Vec<_> = Code::ALL.iter().map(|c| c.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Code::ALL.len());
        for code in Code::ALL {
            let status = code.status();
            assert!(
                status.is_client_error() || status.is_server_error(),
                "{code:?}"
            );
            assert!(!code.title(Lang::Zh).is_empty());
        }
        assert_eq!(Code::InvalidTransition.status(), StatusCode::CONFLICT);
        assert_ne!(Code::InvalidTransition.title(Lang::En), "Bad request");
    }
}
