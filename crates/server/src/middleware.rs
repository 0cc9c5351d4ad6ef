//! What wraps every request: a request id, security headers, errors in the SPEC §3 shape and
//! the user's language, and a 500 instead of a dropped connection when a handler panics.

use crate::error::{ApiError, ErrorCode};
use crate::lang;
use axum::body::Body;
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use techmarket_domain::Lang;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The headers every response carries (unless a handler set them).
pub const SECURITY_HEADERS: [(HeaderName, &str); 4] = [
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, "no-referrer"),
    (header::X_FRAME_OPTIONS, "DENY"),
    // Scripts only from the site's own files (no inline scripts, no eval); styles may be inline
    // (the API browser sets style attributes); never framed.
    (
        header::CONTENT_SECURITY_POLICY,
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    ),
];

/// A request id for the logs and the client: the caller's `X-Request-Id` when it looks like
/// one (letters, digits, `-`, at most 64), otherwise a new UUIDv7.
pub async fn request_id(mut req: Request, next: Next) -> Response {
    let given = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 64 && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .map(str::to_string);
    let id = given.unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    let value = HeaderValue::from_str(&id).expect("checked characters");
    req.headers_mut().insert(REQUEST_ID, value.clone());
    let mut res = next.run(req).await;
    res.headers_mut().insert(REQUEST_ID, value);
    res
}

/// The span of one request in the logs: method, path, route template and request id.
pub fn request_span(req: &Request) -> tracing::Span {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str())
        .unwrap_or("unmatched");
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), route, request_id = id)
}

fn is_json(res: &Response) -> bool {
    res.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

fn is_html(res: &Response) -> bool {
    res.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"))
}

/// Renders errors in the request's language, and turns any bare error response (axum's 404
/// and 405, a body-limit 413, …) into the SPEC §3 shape.
pub async fn render_errors(req: Request, next: Next) -> Response {
    let lang = lang::negotiate(req.uri(), req.headers());
    let portal = crate::pages::errors::is_portal(req.uri().path());
    let (method, uri) = (req.method().clone(), req.uri().clone());
    let res = next.run(req).await;
    if portal && let Some(e) = res.extensions().get::<ApiError>() {
        // A page refused at its gate or failed: the portal's own page, not the API's JSON.
        let caller = res.extensions().get::<crate::auth::Caller>();
        return crate::pages::errors::page_for(e, lang, &method, &uri, caller);
    }
    let status = res.status();
    let error = match res.extensions().get::<ApiError>() {
        Some(_) if lang == Lang::Zh => return res,
        Some(e) => e.clone(),
        None if status.is_client_error() || status.is_server_error() => {
            if is_json(&res) || is_html(&res) {
                // A handler's own JSON (the 503 of /healthz) or a portal page (its 400 and 404
                // pages are already in the user's language).
                return res;
            }
            let e = ApiError::new(ErrorCode::for_status(status));
            if status.is_server_error() {
                tracing::error!(status = status.as_u16(), "bare server error response");
            }
            if portal {
                // A form the extractor could not read (wrong type, too large): a page too.
                return crate::pages::errors::page_for(&e, lang, &method, &uri, None);
            }
            e
        }
        None => return res,
    };
    let rendered = error.to_response(lang);
    let (mut parts, _) = res.into_parts();
    let (new_parts, body) = rendered.into_parts();
    parts.status = new_parts.status;
    for name in [header::CONTENT_TYPE, header::CONTENT_LANGUAGE] {
        if let Some(v) = new_parts.headers.get(&name) {
            parts.headers.insert(name, v.clone());
        }
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.extensions.insert(error);
    Response::from_parts(parts, body)
}

/// The answer to a handler's panic: a 500 in the SPEC §3 shape, the panic in the log.
pub fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response<Body> {
    let msg = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    ApiError::internal(format!("handler panicked: {msg}")).into_response()
}

/// The fallback of the router: nothing here — the portal's 404 page, or under `/api/` the
/// JSON error.
pub use crate::pages::errors::not_found;

/// The answer for a method a route does not take.
pub async fn method_not_allowed() -> ApiError {
    ApiError::new(ErrorCode::MethodNotAllowed)
}
