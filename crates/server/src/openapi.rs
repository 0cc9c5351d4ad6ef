//! The OpenAPI 3 document of the API, generated from the handlers' `#[utoipa::path]`
//! attributes as `routes.rs` registers them — a route cannot be served without being
//! documented — and served at `/api/v1/openapi.json`.

use crate::error::{ErrorBody, ErrorCode, ErrorDetail, FieldMessage, code_table_markdown};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use std::sync::OnceLock;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "techmarket API",
        description = "The JSON API of a regional technology market (科技大市场).",
        license(name = "Apache-2.0"),
    ),
    tags(
        (name = "organizations", description = "The directory: organizations (机构)"),
        (name = "experts", description = "The directory: experts (专家)"),
        (name = "brokers", description = "The directory: technology brokers (技术经纪人)"),
        (name = "achievements", description = "Scientific and technological achievements (科技成果)"),
        (name = "demands", description = "Enterprise technology demands (企业技术需求)"),
        (name = "docking", description = "Docking records (对接) from matches, credited to brokers; feedback on matches (匹配反馈)"),
        (name = "contracts", description = "Technology contract registration (技术合同认定登记) and its statistics"),
        (name = "auth", description = "Signing in and out, password, one-time links, API tokens"),
        (name = "accounts", description = "User accounts: invitations, disabling, resets"),
        (name = "audit", description = "The audit trail (administrators; operators for their region)"),
        (name = "stats", description = "Headline figures"),
        (name = "operations", description = "Health, metrics and this document"),
    ),
    components(schemas(ErrorBody, ErrorDetail, FieldMessage, ErrorCode))
)]
struct Base;

const INTRO: &str = "\
The JSON API of a regional technology market (科技大市场).

Request bodies are the interchange records of the specification (the same JSON as a JSONL \
import line; `external_id` is optional here). Unknown fields are an error, not dropped. \
Bodies are limited to 1 MiB.

**Signing in**: `POST /api/v1/auth/login` sets the session cookie (HttpOnly, SameSite=Lax) and \
returns a token. Scripts send `Authorization: Bearer <token>` (a session token or an API token \
from `POST /api/v1/auth/tokens`). A browser signed in by the cookie sends the session's CSRF \
token as `X-CSRF-Token` with every POST, PUT and DELETE. Visitors read published records only; \
members act for their own organization, operators within their region (SPEC §1).

**Errors** have a 4xx/5xx status and the body \
`{\"error\": {\"code\": \"validation_failed\", \"message\": \"…\", \"fields\": [{\"path\": \"…\", \"code\": \"…\", \"message\": \"…\"}]}}`. \
Messages are in the user's language: `?lang=zh-CN|en`, then the `lang` cookie, then \
`Accept-Language`; zh-CN by default. The codes are stable:

";

/// The document's frame (info, tags, shared schemas) before the routes are added.
pub fn base() -> utoipa::openapi::OpenApi {
    let mut doc = Base::openapi();
    doc.info.description = Some(format!("{INTRO}{}", code_table_markdown()));
    doc.info.version = env!("CARGO_PKG_VERSION").to_string();
    doc
}

/// The whole document.
pub fn document() -> utoipa::openapi::OpenApi {
    crate::routes::api().into_openapi()
}

/// This document.
#[utoipa::path(
    get, path = "/api/v1/openapi.json", tag = "operations",
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json", body = Object))
)]
pub async fn openapi_json() -> Response {
    static JSON: OnceLock<String> = OnceLock::new();
    let json = JSON.get_or_init(|| document().to_pretty_json().expect("the document serializes"));
    ([(header::CONTENT_TYPE, "application/json")], json.as_str()).into_response()
}
