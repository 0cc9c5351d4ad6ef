//! The portal's error pages: 404 for an address with nothing at it, 500 when a page fails.
//! Addresses under `/api/` keep the JSON error shape of SPEC §3.

use super::Ctx;
use crate::error::{ApiError, ErrorCode};
use askama::Template;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub ctx: Ctx,
    pub status: StatusCode,
    pub title_key: &'static str,
    pub hint_key: &'static str,
}

impl ErrorPage {
    pub fn not_found(ctx: Ctx) -> ErrorPage {
        ErrorPage {
            ctx,
            status: StatusCode::NOT_FOUND,
            title_key: "not_found_title",
            hint_key: "not_found_hint",
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
        }
    }
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
pub async fn not_found(req: Request) -> Response {
    if is_api(req.uri().path()) {
        return ApiError::new(ErrorCode::NotFound).into_response();
    }
    let (parts, _) = req.into_parts();
    ErrorPage::not_found(Ctx::from_parts(&parts)).into_response()
}
