//! The API's one error type: a stable code from ONE table ([`ErrorCode`]), its HTTP status, a
//! message in the user's language and the fields at fault — rendered in the SPEC §3 shape
//! `{"error": {"code", "message", "fields": [{"path", "code", "message"}]}}`.
//!
//! Handlers and extractors return [`ApiError`]; [`crate::middleware::render_errors`] renders it
//! in the language the request asked for. A 5xx is logged with its cause and shows the user
//! only its code and a generic message.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::borrow::Cow;
use std::collections::BTreeMap;
use techmarket_domain::{FieldError, IllegalTransition, Lang, RecordKind, ValidationErrors};
use techmarket_store::StoreError;
use techmarket_store::accounts::AccountError;
use utoipa::openapi::{self, RefOr};

/// Declares the error-code table: variant, code, HTTP status, meaning (zh / en). The meaning is
/// the message shown when the error has no more specific one.
macro_rules! error_codes {
    ($($variant:ident = $code:literal, $status:literal, $zh:literal, $en:literal;)+) => {
        /// Every error code the API answers with. Stable: clients match on these strings.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode { $($variant),+ }

        impl ErrorCode {
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),+];

            pub fn code(self) -> &'static str {
                match self { $(ErrorCode::$variant => $code),+ }
            }

            pub fn status(self) -> StatusCode {
                match self {
                    $(ErrorCode::$variant => StatusCode::from_u16($status).expect("a valid status")),+
                }
            }

            /// The generic message in the given language.
            pub fn message(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $((ErrorCode::$variant, Lang::Zh) => $zh, (ErrorCode::$variant, Lang::En) => $en,)+
                }
            }
        }
    };
}

error_codes! {
    ValidationFailed = "validation_failed", 422,
        "提交的数据有误，请检查标出的字段", "some fields of the request are invalid";
    MalformedJson = "malformed_json", 400,
        "请求体不是有效的 JSON", "the request body is not valid JSON";
    UnsupportedMediaType = "unsupported_media_type", 415,
        "请求体须为 JSON（Content-Type: application/json）",
        "the request body must be JSON (Content-Type: application/json)";
    PayloadTooLarge = "payload_too_large", 413,
        "请求体超过 1 MiB 的上限", "the request body exceeds the limit of 1 MiB";
    InvalidParameter = "invalid_parameter", 400,
        "请求参数有误（路径、查询参数或请求头）", "a parameter of the request (path, query or header) is invalid";
    NotFound = "not_found", 404,
        "没有这个地址", "there is nothing at this address";
    MethodNotAllowed = "method_not_allowed", 405,
        "此地址不支持该请求方法", "this address does not support the request method";
    OrganizationNotFound = "organization_not_found", 404,
        "没有找到该机构", "no such organization";
    ExpertNotFound = "expert_not_found", 404,
        "没有找到该专家", "no such expert";
    BrokerNotFound = "broker_not_found", 404,
        "没有找到该技术经纪人", "no such technology broker";
    AchievementNotFound = "achievement_not_found", 404,
        "没有找到该科技成果", "no such achievement";
    DemandNotFound = "demand_not_found", 404,
        "没有找到该技术需求", "no such demand";
    DockingNotFound = "docking_not_found", 404,
        "没有找到该对接记录", "no such docking record";
    ListingNotFound = "listing_not_found", 404,
        "没有找到该挂牌项目", "no such listing";
    IntentNotFound = "intent_not_found", 404,
        "没有找到该受让意向", "no such intent";
    ContractNotFound = "contract_not_found", 404,
        "没有找到该技术合同", "no such technology contract";
    CertificateNotFound = "certificate_not_found", 404,
        "没有找到该编号的交易鉴证书", "no transaction certificate has this number";
    RegistrationNotFound = "registration_not_found", 404,
        "没有找到该登记号的技术合同", "no contract was registered under this number";
    DocumentNotFound = "document_not_found", 404,
        "该挂牌项目的交易室中没有这个文件", "the listing's deal room has no such document";
    BidRejected = "bid_rejected", 422,
        "出价未被接受", "the bid was not accepted";
    VersionConflict = "version_conflict", 409,
        "记录已被他人修改，请重新读取后再提交", "the record was changed by someone else; read it again and retry";
    Duplicate = "duplicate", 409,
        "已存在相同的记录", "a record with this value already exists";
    IllegalTransition = "illegal_transition", 409,
        "当前状态下不能执行该操作", "the action is not allowed in the record's current status";
    NotEditable = "not_editable", 409,
        "当前状态下不能修改该记录", "the record cannot be edited in its current status";
    Unauthenticated = "unauthenticated", 401,
        "请先登录", "sign in first";
    InvalidToken = "invalid_token", 401,
        "登录凭据无效或已过期，请重新登录", "the session or token is invalid or has expired; sign in again";
    BadCredentials = "bad_credentials", 401,
        "用户名或密码不正确", "wrong username or password";
    Forbidden = "forbidden", 403,
        "您没有执行此操作的权限", "you are not allowed to do this";
    NotYourOrganization = "not_your_organization", 403,
        "您只能以本单位的名义操作", "you can act only for your own organization";
    OutsideYourRegion = "outside_your_region", 403,
        "该记录不在您负责的区域内", "the record is outside your region";
    CsrfFailed = "csrf_failed", 403,
        "页面已过期或请求来源不可信，请刷新页面后重试",
        "the request lacks a valid CSRF token or comes from another site; reload the page and retry";
    TooManyAttempts = "too_many_attempts", 429,
        "登录失败次数过多，请稍后再试", "too many failed sign-ins; try again later";
    InvalidLink = "invalid_link", 400,
        "链接无效、已使用或已过期，请联系管理员重新发送", "the link is invalid, used or expired; ask an administrator for a new one";
    AccountNotFound = "account_not_found", 404,
        "没有找到该账号", "no such account";
    TokenNotFound = "token_not_found", 404,
        "没有找到该令牌", "no such token";
    InternalError = "internal_error", 500,
        "服务器内部错误，请稍后重试", "internal server error; please try again later";
}

impl ErrorCode {
    /// `achievement_not_found` and the like.
    pub fn not_found(kind: RecordKind) -> ErrorCode {
        match kind {
            RecordKind::Organization => ErrorCode::OrganizationNotFound,
            RecordKind::Expert => ErrorCode::ExpertNotFound,
            RecordKind::Broker => ErrorCode::BrokerNotFound,
            RecordKind::Achievement => ErrorCode::AchievementNotFound,
            RecordKind::Demand => ErrorCode::DemandNotFound,
            RecordKind::Account => ErrorCode::AccountNotFound,
            RecordKind::Docking => ErrorCode::DockingNotFound,
            // No route reads one feedback by its id: feedback is found by its match.
            RecordKind::MatchFeedback => ErrorCode::NotFound,
            RecordKind::Listing => ErrorCode::ListingNotFound,
            RecordKind::Intent => ErrorCode::IntentNotFound,
            RecordKind::Contract => ErrorCode::ContractNotFound,
        }
    }

    /// The code a bare error response of this status stands for (see `render_errors`).
    pub fn for_status(status: StatusCode) -> ErrorCode {
        match status.as_u16() {
            401 => ErrorCode::Unauthenticated,
            403 => ErrorCode::Forbidden,
            404 => ErrorCode::NotFound,
            429 => ErrorCode::TooManyAttempts,
            405 => ErrorCode::MethodNotAllowed,
            413 => ErrorCode::PayloadTooLarge,
            415 => ErrorCode::UnsupportedMediaType,
            422 => ErrorCode::ValidationFailed,
            409 => ErrorCode::VersionConflict,
            s if s >= 500 => ErrorCode::InternalError,
            _ => ErrorCode::InvalidParameter,
        }
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

/// The table as Markdown, for the OpenAPI document.
pub fn code_table_markdown() -> String {
    let mut s = String::from("| code | HTTP | meaning |\n|---|---|---|\n");
    for c in ErrorCode::ALL {
        s.push_str(&format!(
            "| `{}` | {} | {} / {} |\n",
            c.code(),
            c.status().as_u16(),
            c.message(Lang::En),
            c.message(Lang::Zh)
        ));
    }
    s
}

impl utoipa::PartialSchema for ErrorCode {
    fn schema() -> RefOr<openapi::schema::Schema> {
        openapi::schema::ObjectBuilder::new()
            .schema_type(openapi::schema::Type::String)
            .enum_values(Some(ErrorCode::ALL.iter().map(|c| c.code())))
            .description(Some(format!("A stable error code.\n\n{}", code_table_markdown())))
            .into()
    }
}

impl utoipa::ToSchema for ErrorCode {}

/// One problem with one field of the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    /// `holder.credit_code`, `patents[1]`, `id` (a path parameter), `trl_min` (a query parameter).
    pub path: String,
    /// The field-level code, e.g. `trl_out_of_range`, `unknown_field`, `wrong_type`.
    pub code: Cow<'static, str>,
    pub zh: String,
    pub en: String,
}

impl FieldProblem {
    pub fn new(
        path: impl Into<String>,
        code: impl Into<Cow<'static, str>>,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) -> FieldProblem {
        FieldProblem {
            path: path.into(),
            code: code.into(),
            zh: zh.into(),
            en: en.into(),
        }
    }

    pub fn message(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

impl From<FieldError> for FieldProblem {
    fn from(e: FieldError) -> Self {
        FieldProblem {
            path: e.path,
            code: Cow::Borrowed(e.code),
            zh: e.zh,
            en: e.en,
        }
    }
}

/// An error the API answers with.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub code: ErrorCode,
    /// A message more specific than the code's own, in Chinese and English.
    message: Option<(String, String)>,
    pub fields: Vec<FieldProblem>,
    /// What went wrong inside, for the log only (5xx).
    cause: Option<String>,
    /// Seconds, sent as `Retry-After` (a 429).
    retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(code: ErrorCode) -> ApiError {
        ApiError {
            code,
            message: None,
            fields: Vec::new(),
            cause: None,
            retry_after: None,
        }
    }

    /// Seconds to wait before trying again (a 429), if any.
    pub fn retry_after(&self) -> Option<u64> {
        self.retry_after
    }

    pub fn with_retry_after(mut self, seconds: u64) -> ApiError {
        self.retry_after = Some(seconds);
        self
    }

    pub fn with_message(mut self, zh: impl Into<String>, en: impl Into<String>) -> ApiError {
        self.message = Some((zh.into(), en.into()));
        self
    }

    pub fn with_field(mut self, f: FieldProblem) -> ApiError {
        self.fields.push(f);
        self
    }

    /// 422 with the problems of the fields.
    pub fn validation(fields: impl IntoIterator<Item = FieldProblem>) -> ApiError {
        let fields: Vec<FieldProblem> = fields.into_iter().collect();
        let n = fields.len();
        let mut e = ApiError::new(ErrorCode::ValidationFailed);
        if n > 1 {
            e = e.with_message(
                format!("提交的数据有 {n} 处错误，请检查标出的字段"),
                format!("{n} fields are invalid"),
            );
        }
        e.fields = fields;
        e
    }

    /// 400 naming a path, query or header parameter.
    pub fn parameter(f: FieldProblem) -> ApiError {
        ApiError::new(ErrorCode::InvalidParameter).with_field(f)
    }

    /// 500; `cause` goes to the log, never to the client.
    pub fn internal(cause: impl std::fmt::Display) -> ApiError {
        ApiError {
            cause: Some(cause.to_string()),
            ..ApiError::new(ErrorCode::InternalError)
        }
    }

    /// The specific message, else the one field's own message, else the code's.
    pub fn message(&self, lang: Lang) -> &str {
        match (&self.message, lang, self.fields.as_slice()) {
            (Some((zh, _)), Lang::Zh, _) => zh,
            (Some((_, en)), Lang::En, _) => en,
            (None, l, [only]) => only.message(l),
            (None, l, _) => self.code.message(l),
        }
    }

    /// The SPEC §3 body in the given language.
    pub fn body(&self, lang: Lang) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: self.message(lang).to_string(),
                fields: self
                    .fields
                    .iter()
                    .map(|f| FieldMessage {
                        path: f.path.clone(),
                        code: f.code.to_string(),
                        message: f.message(lang).to_string(),
                    })
                    .collect(),
            },
        }
    }

    /// The response in the given language.
    pub fn to_response(&self, lang: Lang) -> Response {
        let mut res = (self.code.status(), axum::Json(self.body(lang))).into_response();
        let content_language = match lang {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        };
        res.headers_mut().insert(
            axum::http::header::CONTENT_LANGUAGE,
            axum::http::HeaderValue::from_static(content_language),
        );
        if let Some(s) = self.retry_after {
            res.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from(s));
        }
        res.extensions_mut().insert(self.clone());
        res
    }
}

impl IntoResponse for ApiError {
    /// Renders in Chinese; `render_errors` re-renders in the request's language.
    fn into_response(self) -> Response {
        if self.code.status().is_server_error() {
            tracing::error!(
                code = self.code.code(),
                cause = self.cause.as_deref().unwrap_or("-"),
                "request failed"
            );
        }
        self.to_response(Lang::Zh)
    }
}

impl From<ValidationErrors> for ApiError {
    fn from(e: ValidationErrors) -> Self {
        ApiError::validation(e.0.into_iter().map(FieldProblem::from))
    }
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        ApiError::validation([FieldProblem::from(e)])
    }
}

impl From<IllegalTransition> for ApiError {
    fn from(e: IllegalTransition) -> Self {
        ApiError::new(ErrorCode::IllegalTransition)
            .with_message(
                format!("当前状态为「{}」，不能执行「{}」", e.from_zh, e.action_zh),
                format!("cannot {} a record that is {}", e.action, e.from),
            )
            .with_field(FieldProblem::new(
                "action",
                "illegal_transition",
                format!("当前状态「{}」下不能执行「{}」", e.from_zh, e.action_zh),
                format!("`{}` is not allowed from status `{}`", e.action, e.from),
            ))
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { kind, .. } => ApiError::new(ErrorCode::not_found(kind)),
            StoreError::VersionConflict { expected, found, .. } => version_conflict(expected, found),
            StoreError::Duplicate { kind, column, value } => ApiError::new(ErrorCode::Duplicate)
                .with_message(
                    format!("已存在 {column} 为「{value}」的{}", kind.label_zh()),
                    format!("a {kind} with this {column} already exists: {value}"),
                )
                .with_field(FieldProblem::new(
                    column.clone(),
                    "duplicate",
                    format!("「{value}」已被使用"),
                    format!("`{value}` is already taken"),
                )),
            StoreError::NotEditable { status, .. } => ApiError::new(ErrorCode::NotEditable).with_message(
                format!("当前状态为「{status}」，不能修改内容"),
                format!("a record that is {status} cannot be edited"),
            ),
            StoreError::Invalid(errs) => errs.into(),
            StoreError::IllegalTransition(t) => t.into(),
            e @ (StoreError::Corrupt { .. } | StoreError::Database(_)) => ApiError::internal(e),
        }
    }
}

/// 409 `version_conflict`: the caller read version `expected`, the record is at `found`.
impl From<AccountError> for ApiError {
    fn from(e: AccountError) -> Self {
        match e {
            AccountError::Invalid(errs) => errs.into(),
            AccountError::UsernameTaken(u) => ApiError::new(ErrorCode::Duplicate)
                .with_message(format!("用户名「{u}」已被使用"), format!("the username `{u}` is taken"))
                .with_field(FieldProblem::new(
                    "username",
                    "duplicate",
                    format!("「{u}」已被使用"),
                    format!("`{u}` is already taken"),
                )),
            AccountError::BadCredentials => ApiError::new(ErrorCode::BadCredentials),
            AccountError::Locked { until } => {
                let secs = ((until - techmarket_domain::now_millis()) / 1000).max(1) as u64;
                let minutes = secs.div_ceil(60);
                ApiError::new(ErrorCode::TooManyAttempts)
                    .with_message(
                        format!("登录失败次数过多，该账号已暂时锁定，请在 {minutes} 分钟后再试"),
                        format!("too many failed sign-ins: sign-in is locked; try again in {minutes} minutes"),
                    )
                    .with_retry_after(secs)
            }
            AccountError::InvalidLink => ApiError::new(ErrorCode::InvalidLink),
            AccountError::WrongPassword => ApiError::validation([FieldProblem::new(
                "current_password",
                "wrong_password",
                "当前密码不正确",
                "the current password is wrong",
            )]),
            AccountError::Store(e) => e.into(),
        }
    }
}

pub fn version_conflict(expected: i64, found: i64) -> ApiError {
    ApiError::new(ErrorCode::VersionConflict)
        .with_message(
            format!("记录已被他人修改：您提交的版本为 {expected}，当前版本为 {found}，请重新读取后再提交"),
            format!("the record was changed by someone else: you sent version {expected}, it is now at {found}; read it again and retry"),
        )
        .with_field(FieldProblem::new(
            "version",
            "version_conflict",
            format!("当前版本为 {found}"),
            format!("the current version is {found}"),
        ))
}

/// The error body of SPEC §3.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    pub code: ErrorCode,
    /// In the request's language: `?lang=zh-CN|en`, then the `lang` cookie, then
    /// `Accept-Language`; zh-CN by default.
    pub message: String,
    /// The fields at fault (empty when the error is not about a field).
    pub fields: Vec<FieldMessage>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FieldMessage {
    /// The field: `title`, `holder.credit_code`, `patents[1]`; a path, query or header
    /// parameter by its name (`id`, `trl_min`, `If-Match`).
    #[schema(example = "holder.credit_code")]
    pub path: String,
    /// What is wrong with it, e.g. `credit_code_check_failed`, `unknown_field`, `wrong_type`.
    #[schema(example = "credit_code_check_failed")]
    pub code: String,
    pub message: String,
}

/// Declares which error responses an operation documents: `(status, codes)`.
fn error_responses(list: &[(u16, &[ErrorCode])]) -> BTreeMap<String, RefOr<openapi::response::Response>> {
    let mut out = BTreeMap::new();
    for (status, codes) in list {
        let names: Vec<String> = codes.iter().map(|c| format!("`{}`", c.code())).collect();
        let response = openapi::ResponseBuilder::new()
            .description(format!("Error: {}", names.join(", ")))
            .content(
                "application/json",
                openapi::ContentBuilder::new()
                    .schema(Some(openapi::Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build();
        out.insert(status.to_string(), RefOr::T(response));
    }
    out
}

use ErrorCode as E;
const INTERNAL: (u16, &[ErrorCode]) = (500, &[E::InternalError]);
const NOT_FOUND: (u16, &[ErrorCode]) = (
    404,
    &[
        E::OrganizationNotFound,
        E::ExpertNotFound,
        E::BrokerNotFound,
        E::AchievementNotFound,
        E::DemandNotFound,
        E::DockingNotFound,
    ],
);
const BODY: [(u16, &[ErrorCode]); 6] = [
    (400, &[E::MalformedJson, E::InvalidParameter]),
    (401, &[E::Unauthenticated, E::InvalidToken]),
    (
        403,
        &[
            E::Forbidden,
            E::CsrfFailed,
            E::NotYourOrganization,
            E::OutsideYourRegion,
        ],
    ),
    (413, &[E::PayloadTooLarge]),
    (415, &[E::UnsupportedMediaType]),
    (422, &[E::ValidationFailed]),
];

/// The errors of reading one record (and its history).
pub struct ReadErrors;
impl utoipa::IntoResponses for ReadErrors {
    fn responses() -> BTreeMap<String, RefOr<openapi::response::Response>> {
        error_responses(&[(400, &[E::InvalidParameter]), NOT_FOUND, INTERNAL])
    }
}

/// The errors of a list.
pub struct ListErrors;
impl utoipa::IntoResponses for ListErrors {
    fn responses() -> BTreeMap<String, RefOr<openapi::response::Response>> {
        error_responses(&[(400, &[E::InvalidParameter]), INTERNAL])
    }
}

/// The errors of a creation.
pub struct CreateErrors;
impl utoipa::IntoResponses for CreateErrors {
    fn responses() -> BTreeMap<String, RefOr<openapi::response::Response>> {
        let mut l = BODY.to_vec();
        l.extend([(409, &[E::Duplicate] as &[ErrorCode]), INTERNAL]);
        error_responses(&l)
    }
}

/// The errors of a full replace.
pub struct UpdateErrors;
impl utoipa::IntoResponses for UpdateErrors {
    fn responses() -> BTreeMap<String, RefOr<openapi::response::Response>> {
        let mut l = BODY.to_vec();
        l.extend([
            NOT_FOUND,
            (409, &[E::VersionConflict, E::NotEditable, E::Duplicate] as &[ErrorCode]),
            INTERNAL,
        ]);
        error_responses(&l)
    }
}

/// The errors of a lifecycle transition.
pub struct TransitionErrors;
impl utoipa::IntoResponses for TransitionErrors {
    fn responses() -> BTreeMap<String, RefOr<openapi::response::Response>> {
        let mut l = BODY.to_vec();
        l.extend([
            NOT_FOUND,
            (409, &[E::IllegalTransition, E::VersionConflict] as &[ErrorCode]),
            INTERNAL,
        ]);
        error_responses(&l)
    }
}

/// The errors of a route with no input.
/// Sign-in and account errors.
pub struct AuthErrors;
impl utoipa::IntoResponses for AuthErrors {
    fn responses() -> BTreeMap<String, RefOr<openapi::response::Response>> {
        let mut l = BODY.to_vec();
        l.extend([
            (
                401,
                &[E::Unauthenticated, E::InvalidToken, E::BadCredentials] as &[ErrorCode],
            ),
            (403, &[E::Forbidden, E::CsrfFailed] as &[ErrorCode]),
            (404, &[E::AccountNotFound, E::TokenNotFound] as &[ErrorCode]),
            (
                409,
                &[E::Duplicate, E::VersionConflict, E::IllegalTransition] as &[ErrorCode],
            ),
            (429, &[E::TooManyAttempts] as &[ErrorCode]),
            INTERNAL,
        ]);
        error_responses(&l)
    }
}

pub struct PlainErrors;
impl utoipa::IntoResponses for PlainErrors {
    fn responses() -> BTreeMap<String, RefOr<openapi::response::Response>> {
        error_responses(&[INTERNAL])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_snake_case_and_errors() {
        let mut seen = HashSet::new();
        for c in ErrorCode::ALL {
            assert!(seen.insert(c.code()), "{} twice", c.code());
            assert!(
                c.code().chars().all(|ch| ch.is_ascii_lowercase() || ch == '_'),
                "{}",
                c.code()
            );
            assert!(c.status().is_client_error() || c.status().is_server_error());
        }
    }

    #[test]
    fn the_table_is_the_one_clients_script_against() {
        let codes: Vec<(&str, u16)> = ErrorCode::ALL.iter().map(|c| (c.code(), c.status().as_u16())).collect();
        assert_eq!(
            codes,
            [
                ("validation_failed", 422),
                ("malformed_json", 400),
                ("unsupported_media_type", 415),
                ("payload_too_large", 413),
                ("invalid_parameter", 400),
                ("not_found", 404),
                ("method_not_allowed", 405),
                ("organization_not_found", 404),
                ("expert_not_found", 404),
                ("broker_not_found", 404),
                ("achievement_not_found", 404),
                ("demand_not_found", 404),
                ("docking_not_found", 404),
                ("listing_not_found", 404),
                ("intent_not_found", 404),
                ("contract_not_found", 404),
                ("certificate_not_found", 404),
                ("registration_not_found", 404),
                ("document_not_found", 404),
                ("bid_rejected", 422),
                ("version_conflict", 409),
                ("duplicate", 409),
                ("illegal_transition", 409),
                ("not_editable", 409),
                ("unauthenticated", 401),
                ("invalid_token", 401),
                ("bad_credentials", 401),
                ("forbidden", 403),
                ("not_your_organization", 403),
                ("outside_your_region", 403),
                ("csrf_failed", 403),
                ("too_many_attempts", 429),
                ("invalid_link", 400),
                ("account_not_found", 404),
                ("token_not_found", 404),
                ("internal_error", 500),
            ]
        );
    }

    #[test]
    fn a_5xx_shows_no_cause() {
        let e = ApiError::internal("connection refused to /var/secret.db");
        let body = serde_json::to_string(&e.body(Lang::En)).unwrap();
        assert!(!body.contains("secret"), "{body}");
        assert!(body.contains("internal_error"));
    }

    #[test]
    fn illegal_transitions_are_bilingual() {
        let e: ApiError = IllegalTransition {
            from: "draft",
            from_zh: "草稿",
            action: "approve",
            action_zh: "审核通过并发布",
        }
        .into();
        assert_eq!(e.code, ErrorCode::IllegalTransition);
        assert!(e.message(Lang::Zh).contains("草稿"));
        assert!(e.message(Lang::En).contains("approve"));
    }
}
