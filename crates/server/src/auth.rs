//! Who is calling: the one place a request becomes a [`Caller`] — a visitor, or an account
//! signed in by its session cookie or by a bearer token (SPEC §3) — and the one place each
//! route's gate ([`crate::access`]) and the CSRF check are enforced.

use crate::AppState;
use crate::access;
use crate::error::{ApiError, ErrorCode};
use axum::extract::{ConnectInfo, FromRequestParts, MatchedPath, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use techmarket_domain::{Account, Actor, Principal, Subject, now_millis};
use techmarket_store::{Secret, SecretKind};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "techmarket_session";
/// The header a cookie-signed-in client sends its CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// How the caller proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// Nothing: a visitor.
    Nothing,
    /// The session cookie (a browser): state-changing requests need the CSRF token.
    Cookie,
    /// `Authorization: Bearer` (a script): no ambient credential, so no CSRF token needed.
    Bearer,
}

/// The caller of a request.
#[derive(Debug, Clone)]
pub struct Caller {
    /// As recorded in the audit trail: `user:<username>` or `api:anonymous`, with the address.
    pub actor: Actor,
    /// As the access rules see them.
    pub subject: Subject,
    pub account: Option<Account>,
    /// The session or API token used.
    pub secret: Option<Secret>,
    /// The secret itself, when it came with this request (to keep this session on a password change).
    pub presented: Option<String>,
    pub via: Via,
}

impl Caller {
    pub fn visitor(address: Option<String>) -> Caller {
        Caller {
            actor: Actor {
                name: "api:anonymous".to_string(),
                address,
            },
            subject: Subject::Visitor,
            account: None,
            secret: None,
            presented: None,
            via: Via::Nothing,
        }
    }

    fn signed_in(account: Account, secret: Secret, presented: String, via: Via, address: Option<String>) -> Caller {
        let f = &account.fields;
        let subject = Subject::Account(Principal {
            account_id: account.id,
            username: f.username.clone(),
            role: f.role,
            organization_id: f.organization_id,
            org_admin: f.org_admin,
            region: f.region,
            broker_id: f.broker_id,
            expert_id: f.expert_id,
        });
        Caller {
            actor: Actor::user(&f.username, address),
            subject,
            account: Some(account),
            secret: Some(secret),
            presented: Some(presented),
            via,
        }
    }

    pub fn principal(&self) -> Option<&Principal> {
        self.subject.principal()
    }

    /// The signed-in account, or 401.
    pub fn require_account(&self) -> Result<&Account, ApiError> {
        self.account
            .as_ref()
            .ok_or_else(|| ApiError::new(ErrorCode::Unauthenticated))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        Ok(parts
            .extensions
            .get::<Caller>()
            .cloned()
            .unwrap_or_else(|| Caller::visitor(address(parts.extensions.get::<ConnectInfo<SocketAddr>>()))))
    }
}

/// The socket's address, not X-Forwarded-For: a header is whatever the client says.
fn address(info: Option<&ConnectInfo<SocketAddr>>) -> Option<String> {
    info.map(|c| c.0.ip().to_string())
}

/// The session cookie's value, if the request has one.
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

fn bearer(headers: &HeaderMap) -> Option<Result<String, ()>> {
    let v = headers.get(header::AUTHORIZATION)?;
    let v = v.to_str().map_err(|_| ());
    Some(v.and_then(|v| {
        let (scheme, token) = v.trim().split_once(' ').ok_or(())?;
        if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() {
            Ok(token.trim().to_string())
        } else {
            Err(())
        }
    }))
}

/// Who the request comes from. A bad bearer token is an error (a script should hear it); a
/// stale cookie makes a visitor (a browser simply shows the sign-in link).
async fn identify(state: &AppState, headers: &HeaderMap, address: Option<String>) -> Result<Caller, ApiError> {
    let (presented, via) = match bearer(headers) {
        Some(Ok(token)) => (token, Via::Bearer),
        Some(Err(())) => {
            return Err(ApiError::new(ErrorCode::InvalidToken).with_message(
                "Authorization 请求头应为「Bearer <令牌>」",
                "the Authorization header must be `Bearer <token>`",
            ));
        }
        None => match session_cookie(headers) {
            Some(c) => (c, Via::Cookie),
            None => return Ok(Caller::visitor(address)),
        },
    };
    match state.accounts().authenticate(&presented, now_millis()).await? {
        Some(a) => Ok(Caller::signed_in(a.account, a.secret, presented, via, address)),
        None if via == Via::Bearer => Err(ApiError::new(ErrorCode::InvalidToken)),
        None => Ok(Caller::visitor(address)),
    }
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Compares two secrets in time independent of where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// Refuses a state-changing request a browser sent on another site's behalf: one marked
/// cross-site by the browser (`Sec-Fetch-Site`), and — when it rides on the session cookie —
/// one without the session's CSRF token.
fn check_csrf(req: &Request, caller: &Caller, form_token: Option<&str>) -> Result<(), ApiError> {
    if is_safe(req.method()) || caller.via == Via::Bearer {
        return Ok(());
    }
    let cross_site = req
        .headers()
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("cross-site"));
    if cross_site {
        return Err(ApiError::new(ErrorCode::CsrfFailed));
    }
    if caller.via == Via::Cookie {
        let expected = caller.secret.as_ref().and_then(|s| s.csrf.as_deref()).unwrap_or("");
        let sent = req
            .headers()
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .or(form_token)
            .unwrap_or("");
        if expected.is_empty() || !constant_time_eq(sent.as_bytes(), expected.as_bytes()) {
            return Err(ApiError::new(ErrorCode::CsrfFailed));
        }
    }
    Ok(())
}

/// The largest form body read for its CSRF field; a bigger form is refused as a CSRF failure.
const FORM_LIMIT: usize = 1 << 20;

/// An HTML form cannot send a header, so a cookie-authenticated unsafe request with an
/// `application/x-www-form-urlencoded` body and no `x-csrf-token` header may carry the token
/// as the form field `csrf`. The body is read here and put back for the handler.
async fn form_csrf_token(req: Request, caller: &Caller) -> Result<(Request, Option<String>), ApiError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim_start().to_string())
        .unwrap_or_default();
    let is_form = content_type
        .to_ascii_lowercase()
        .starts_with("application/x-www-form-urlencoded");
    if is_safe(req.method()) || caller.via != Via::Cookie || req.headers().contains_key(CSRF_HEADER) {
        return Ok((req, None));
    }
    if let Some(boundary) = multipart_boundary(&content_type) {
        return multipart_csrf_token(req, &boundary).await;
    }
    if !is_form {
        return Ok((req, None));
    }
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, FORM_LIMIT)
        .await
        .map_err(|_| ApiError::new(ErrorCode::CsrfFailed))?;
    let token = form_urlencoded::parse(&bytes)
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.into_owned());
    Ok((Request::from_parts(parts, axum::body::Body::from(bytes)), token))
}

/// The boundary of a `multipart/form-data` body.
fn multipart_boundary(content_type: &str) -> Option<String> {
    let mut params = content_type.split(';');
    if !params.next()?.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params
        .filter_map(|p| p.trim().split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("boundary"))
        .map(|(_, v)| v.trim().trim_matches('"').to_string())
        .filter(|b| !b.is_empty() && b.len() <= 70)
}

/// How much of a multipart body is read looking for its `csrf` field.
const MULTIPART_PEEK: usize = 16 * 1024;

/// A multipart form (an upload) carries the token as its first field, `csrf`, as the portal's
/// forms put it: only the body up to the end of that field is read here (the file after it
/// streams on to the handler), and what was read is put back in front of the rest.
async fn multipart_csrf_token(req: Request, boundary: &str) -> Result<(Request, Option<String>), ApiError> {
    use futures_util::StreamExt;
    let (parts, body) = req.into_parts();
    let mut rest = body.into_data_stream();
    let mut head: Vec<u8> = Vec::new();
    let token = loop {
        match first_field(&head, boundary, "csrf") {
            Peek::Value(t) => break Some(t),
            Peek::Other => break None,
            Peek::More if head.len() > MULTIPART_PEEK => break None,
            Peek::More => match rest.next().await {
                Some(Ok(chunk)) => head.extend_from_slice(&chunk),
                Some(Err(_)) => return Err(ApiError::new(ErrorCode::CsrfFailed)),
                None => break None,
            },
        }
    };
    let head = futures_util::stream::once(async move { Ok::<_, axum::Error>(axum::body::Bytes::from(head)) });
    Ok((
        Request::from_parts(parts, axum::body::Body::from_stream(head.chain(rest))),
        token,
    ))
}

#[derive(Debug, PartialEq, Eq)]
enum Peek {
    /// The first field is `name`, with this value.
    Value(String),
    /// The first field is another, or the body is not multipart as announced.
    Other,
    /// Not enough read yet.
    More,
}

/// The first field of a multipart body read so far, if it is `name`.
fn first_field(head: &[u8], boundary: &str, name: &str) -> Peek {
    let open = format!("--{boundary}\r\n");
    if head.len() < open.len() {
        return if open.as_bytes().starts_with(head) {
            Peek::More
        } else {
            Peek::Other
        };
    }
    if !head.starts_with(open.as_bytes()) {
        return Peek::Other;
    }
    let after = &head[open.len()..];
    let Some(end) = find(after, b"\r\n\r\n") else {
        return Peek::More;
    };
    let headers = String::from_utf8_lossy(&after[..end]).to_ascii_lowercase();
    let wanted = format!("name=\"{name}\"");
    let is_it = headers.lines().any(|l| {
        l.starts_with("content-disposition:") && l.split(';').any(|p| p.trim() == wanted) && !l.contains("filename")
    });
    if !is_it {
        return Peek::Other;
    }
    let value = &after[end + 4..];
    let close = format!("\r\n--{boundary}");
    match find(value, close.as_bytes()) {
        Some(n) => Peek::Value(String::from_utf8_lossy(&value[..n]).trim().to_string()),
        None => Peek::More,
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Who sends a request that no route took (the portal's 404 page shows them as signed in);
/// `None` for a visitor or a credential that no longer signs anyone in.
pub async fn caller_of(state: &AppState, parts: &Parts) -> Option<Caller> {
    let from = address(parts.extensions.get::<ConnectInfo<SocketAddr>>());
    identify(state, &parts.headers, from)
        .await
        .ok()
        .filter(|c| c.account.is_some())
}

/// Every routed request passes here: it learns who calls, checks the route's gate from the
/// table in [`crate::access::gate`] (a route missing from the table is refused) and the CSRF
/// token, then hands the [`Caller`] to the handler.
pub async fn enforce(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let from = address(req.extensions().get::<ConnectInfo<SocketAddr>>());
    let caller = match identify(&state, req.headers(), from).await {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    let route = req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_string());
    let gate = route.as_deref().and_then(|r| access::gate(req.method(), r));
    let Some(gate) = gate else {
        tracing::error!(route = ?route, method = %req.method(), "route without a gate: refused");
        return ApiError::new(ErrorCode::Forbidden).into_response();
    };
    // A refusal carries the caller, so that the portal's error page still shows who is signed in.
    let refuse = |e: ApiError, caller: &Caller| {
        let mut res = e.into_response();
        res.extensions_mut().insert(caller.clone());
        res
    };
    let (mut req, form_token) = match form_csrf_token(req, &caller).await {
        Ok(pair) => pair,
        Err(e) => return refuse(e, &caller),
    };
    if let Err(e) = check_csrf(&req, &caller, form_token.as_deref()) {
        return refuse(e, &caller);
    }
    if let Err(e) = gate.admits(&caller.subject) {
        return refuse(e, &caller);
    }
    // A cookie that no longer signs anyone in is removed, so the browser stops sending it.
    let stale_cookie = caller.via == Via::Nothing && session_cookie(req.headers()).is_some();
    let secure = over_tls(req.headers(), state.https());
    req.extensions_mut().insert(caller.clone());
    let mut res = next.run(req).await;
    if res.extensions().get::<ApiError>().is_some() {
        res.extensions_mut().insert(caller);
    }
    if stale_cookie && !res.headers().contains_key(header::SET_COOKIE) {
        res.headers_mut().insert(header::SET_COOKIE, clear_cookie(secure));
    }
    res
}

/// The `Set-Cookie` of a new session. `secure` when the site is served over TLS.
pub fn session_cookie_header(secret: &str, max_age_secs: i64, secure: bool) -> Result<HeaderValue, ApiError> {
    let secure = if secure { "; Secure" } else { "" };
    // A session secret is URL-safe base64; anything else is a bug, answered as a 500.
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}"
    ))
    .map_err(ApiError::internal)
}

/// The `Set-Cookie` that removes the session cookie.
pub fn clear_cookie(secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"
    ))
    .expect("ASCII")
}

/// Whether the request reached us over TLS: directly (never, today) or through a proxy that
/// says so. Setting `Secure` on a client's word only makes the cookie stricter.
pub fn over_tls(headers: &HeaderMap, configured_https: bool) -> bool {
    configured_https
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// Whether a secret is a session (it has a CSRF token and idles out).
pub fn is_session(s: &Secret) -> bool {
    s.kind == SecretKind::Session
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_multipart_forms_csrf_field_is_read_from_its_head() {
        assert_eq!(
            multipart_boundary("multipart/form-data; boundary=\"abc\""),
            Some("abc".to_string())
        );
        assert_eq!(multipart_boundary("text/plain; boundary=abc"), None);
        let body = b"--xyz\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\ntok123\r\n--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nhello\r\n--xyz--\r\n";
        assert_eq!(first_field(body, "xyz", "csrf"), Peek::Value("tok123".into()));
        for cut in [0, 3, 20, 50, 60] {
            assert_eq!(first_field(&body[..cut], "xyz", "csrf"), Peek::More, "{cut}");
        }
        let file_first = b"--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"csrf\"\r\n\r\n";
        assert_eq!(first_field(file_first, "xyz", "csrf"), Peek::Other);
        assert_eq!(first_field(b"garbage", "xyz", "csrf"), Peek::Other);
    }
}
