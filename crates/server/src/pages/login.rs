//! `/login` and `/logout`: signing in and out with a form (the same accounts, sessions and
//! throttling as `POST /api/v1/auth/login`).
//!
//! A visitor's form carries no CSRF token (there is no session yet); a cross-site post is
//! refused by the browser's `Sec-Fetch-Site` in [`crate::auth::enforce`], and here by an
//! `Origin` that is not this site — so another site cannot sign a browser into its account.

use super::Ctx;
use crate::AppState;
use crate::auth::{Caller, clear_cookie, over_tls, session_cookie_header};
use crate::error::ApiError;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use techmarket_domain::now_millis;

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub ctx: Ctx,
    pub username: String,
    /// Where to go once signed in (a path on this site).
    pub next: String,
    /// Why the last attempt failed, in the page's language.
    pub error: Option<String>,
}

/// Only a path on this site is followed after signing in (`/workspace`), never another site
/// (`//evil.example`, `https://…`) — an open redirect would make phishing easy.
pub fn safe_next(next: Option<&str>) -> String {
    match next.map(str::trim) {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\") && !n.contains(['\r', '\n']) => {
            n.to_string()
        }
        _ => "/workspace".to_string(),
    }
}

/// `GET /login[?next=/path]`. A signed-in account goes straight on.
pub async fn form(ctx: Ctx) -> Response {
    let next = safe_next(ctx.query.iter().find(|(k, _)| k == "next").map(|(_, v)| v.as_str()));
    if ctx.account.is_some() {
        return Redirect::to(&next).into_response();
    }
    let mut res = LoginPage {
        ctx,
        username: String::new(),
        next,
        error: None,
    }
    .into_response();
    no_store(&mut res);
    res
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub next: Option<String>,
}

/// Whether an `Origin` header, when sent, names this site (the `Host` it was sent to).
///
/// Every page is served with `Referrer-Policy: no-referrer`, under which a browser posts even
/// this site's own form with `Origin: null`; then only the browser's `Sec-Fetch-Site:
/// same-origin` (which a page cannot forge) says the form was this site's.
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    if origin == "null" {
        return headers
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("same-origin"));
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    let origin_host = origin.split_once("://").map_or("", |(_, rest)| rest);
    !host.is_empty() && origin_host.eq_ignore_ascii_case(host)
}

/// `POST /login`: signs in and goes on to `next` (303), or shows the form again with the
/// reason and the username kept (never the password).
pub async fn sign_in(
    State(state): State<AppState>,
    ctx: Ctx,
    caller: Caller,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let next = safe_next(f.next.as_deref());
    let lang = ctx.lang;
    let again = |ctx: Ctx, status: StatusCode, error: String| {
        let mut res = LoginPage {
            ctx,
            username: f.username.clone(),
            next: next.clone(),
            error: Some(error),
        }
        .into_response();
        *res.status_mut() = status;
        no_store(&mut res);
        res
    };
    if !same_origin(&headers) {
        let e = ApiError::new(crate::error::ErrorCode::CsrfFailed);
        return again(ctx, StatusCode::FORBIDDEN, e.message(lang).to_string());
    }
    let signed = match state
        .accounts()
        .sign_in(&f.username, &f.password, caller.actor.address.clone())
        .await
    {
        Ok(s) => s,
        Err(e) => {
            let e = ApiError::from(e);
            let mut res = again(ctx, e.code.status(), e.message(lang).to_string());
            if let Some(secs) = e.retry_after()
                && let Ok(v) = HeaderValue::from_str(&secs.to_string())
            {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return res;
        }
    };
    let max_age = signed
        .session
        .expires_at
        .map_or(12 * 3600, |t| (t - now_millis()) / 1000);
    let secure = over_tls(&headers, state.https());
    let mut res = Redirect::to(&next).into_response();
    match session_cookie_header(&signed.secret, max_age, secure) {
        Ok(cookie) => {
            res.headers_mut().insert(header::SET_COOKIE, cookie);
        }
        Err(e) => return super::errors::ErrorPage::internal(ctx, &e).into_response(),
    }
    no_store(&mut res);
    res
}

/// `POST /logout` (with the form's CSRF token): ends the session and goes home.
pub async fn sign_out(State(state): State<AppState>, ctx: Ctx, caller: Caller, headers: HeaderMap) -> Response {
    if let Some(secret) = &caller.presented
        && caller.secret.as_ref().is_some_and(crate::auth::is_session)
        && let Err(e) = state.accounts().sign_out(secret).await
    {
        return super::errors::ErrorPage::internal(ctx, &e.into()).into_response();
    }
    let mut res = Redirect::to("/").into_response();
    res.headers_mut()
        .insert(header::SET_COOKIE, clear_cookie(over_tls(&headers, state.https())));
    res
}

fn no_store(res: &mut Response) {
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_on_this_site_are_followed() {
        assert_eq!(safe_next(Some("/workspace/achievements")), "/workspace/achievements");
        assert_eq!(safe_next(Some("/achievements?q=a&b=c")), "/achievements?q=a&b=c");
        for bad in [
            "//evil.example/",
            "https://evil.example/",
            "/\\evil.example",
            "javascript:alert(1)",
            "",
            "/a\r\nSet-Cookie: x=1",
        ] {
            assert_eq!(safe_next(Some(bad)), "/workspace", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/workspace");
    }

    #[test]
    fn an_origin_must_be_this_site() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert!(same_origin(&h), "no Origin (an old browser) passes");
        h.insert(header::ORIGIN, HeaderValue::from_static("http://127.0.0.1:8080"));
        assert!(same_origin(&h));
        h.insert(header::ORIGIN, HeaderValue::from_static("https://evil.example"));
        assert!(!same_origin(&h));
        h.insert(header::ORIGIN, HeaderValue::from_static("null"));
        assert!(!same_origin(&h));
        // What Chromium sends from the site's own page under `Referrer-Policy: no-referrer`.
        h.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
        assert!(same_origin(&h));
        for elsewhere in ["cross-site", "same-site", "none"] {
            h.insert("sec-fetch-site", HeaderValue::from_static(elsewhere));
            assert!(!same_origin(&h), "{elsewhere}");
        }
    }
}
