//! The portal's error pages: 404 for an address with nothing at it, 403 for a page the
//! account may not open (a visitor is sent to sign in instead), 500 when a page fails.
//! Addresses under `/api/` keep the JSON error shape of SPEC §3.

use super::Ctx;
use crate::auth::Caller;
use crate::error::{ApiError, ErrorCode};
use askama::Template;
use axum::extract::Request;
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use techmarket_domain::Lang;

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub ctx: Ctx,
    pub status: StatusCode,
    pub title_key: &'static str,
    pub hint_key: &'static str,
    /// What exactly went wrong, when the error says more than its kind (in the page's language).
    pub detail: Option<String>,
}

impl ErrorPage {
    pub fn not_found(ctx: Ctx) -> ErrorPage {
        ErrorPage {
            ctx,
            status: StatusCode::NOT_FOUND,
            title_key: "not_found_title",
            hint_key: "not_found_hint",
            detail: None,
        }
    }

    /// A page that could not be built; the cause goes to the log only.
    pub fn internal(ctx: Ctx, cause: &ApiError) -> ErrorPage {
        tracing::error!(error = ?cause, path = %ctx.path, "page failed");
        ErrorPage {
            ctx,
            status: StatusCode::INTERNAL_SERVER_ERROR,
            title_key: "error_title",
            hint_key: "error_hint",
            detail: None,
        }
    }

    /// The page for an error the API layer answered with (a gate's refusal, a record rule).
    pub fn from_api(ctx: Ctx, e: &ApiError) -> ErrorPage {
        let status = e.code.status();
        if status.is_server_error() {
            return ErrorPage::internal(ctx, e);
        }
        if status == StatusCode::NOT_FOUND {
            return ErrorPage::not_found(ctx);
        }
        let (title_key, hint_key) = match e.code {
            ErrorCode::CsrfFailed => ("csrf_title", "csrf_hint"),
            _ if status == StatusCode::FORBIDDEN => ("forbidden_title", "forbidden_hint"),
            _ => ("request_error_title", "bad_request_hint"),
        };
        let detail = Some(e.message(ctx.lang).to_string());
        ErrorPage {
            ctx,
            status,
            title_key,
            hint_key,
            detail,
        }
    }
}

/// The portal's answer to an [`ApiError`] on a page: a visitor asking for a page that needs
/// an account is sent to sign in and brought back; anyone else sees the error as a page.
pub fn page_for(e: &ApiError, lang: Lang, method: &Method, uri: &Uri, caller: Option<&Caller>) -> Response {
    let ctx = Ctx::new(lang, uri, caller);
    if e.code == ErrorCode::Unauthenticated && (method == Method::GET || method == Method::HEAD) {
        return Redirect::to(&super::href("/login", &[("next", &ctx.here())])).into_response();
    }
    ErrorPage::from_api(ctx, e).into_response()
}

/// Whether a path is the portal's (HTML for people), not the API's or the machines' (`/healthz`,
/// `/metrics`), which answer errors in their own shape.
pub fn is_portal(path: &str) -> bool {
    !is_api(path) && path != "/healthz" && path != "/metrics"
}

impl IntoResponse for ErrorPage {
    fn into_response(self) -> Response {
        let status = self.status;
        let mut res = askama_web::WebTemplate(self).into_response();
        *res.status_mut() = status;
        res
    }
}

/// Whether a path belongs to the JSON API (which answers errors in JSON).
fn is_api(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

/// The router's fallback: the portal's 404 page, or the API's JSON 404 under `/api/`.
pub async fn not_found(axum::extract::State(state): axum::extract::State<crate::AppState>, req: Request) -> Response {
    if is_api(req.uri().path()) {
        return ApiError::new(ErrorCode::NotFound).into_response();
    }
    let (parts, _) = req.into_parts();
    // No route, so no gate has said who asks: the page still shows who is signed in.
    let caller = crate::auth::caller_of(&state, &parts).await;
    let lang = crate::lang::negotiate(&parts.uri, &parts.headers);
    ErrorPage::not_found(Ctx::new(lang, &parts.uri, caller.as_ref())).into_response()
}
