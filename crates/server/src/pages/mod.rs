//! The web portal (issue 5): server-rendered pages, Chinese first, usable without JavaScript.
//!
//! Each page is an askama struct beside its handler (one file per page) with its template in
//! `templates/`; every page struct carries a [`Ctx`] — the language, the signed-in account and
//! the current address — which `base.html` needs. To add a page: a file here with the struct
//! and the handler, a template extending `base.html`, a line in [`routes`], its gate in
//! [`crate::access::gate`], and its strings in [`messages`].

pub mod achievement;
pub mod assets;
pub mod backoffice;
pub mod charts;
pub mod contracts;
pub mod dashboard;
pub mod deal_room;
pub mod demand;
pub mod detail;
pub mod errors;
pub mod expert;
pub mod form;
pub mod home;
pub mod login;
pub mod messages;
pub mod notifications;
pub mod organization;
pub mod search;
pub mod trading;
pub mod workspace;
pub mod workspace_listings;

use crate::AppState;
use crate::auth::Caller;
use crate::lang;
use axum::Router;
use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::get;
use std::convert::Infallible;
use techmarket_domain::{Lang, Role};

/// The portal's routes (outside the OpenAPI document: they answer HTML, not API operations).
/// Their gates are in [`crate::access::gate`] like every other route's.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home::home))
        .route("/achievements", get(search::achievements))
        .route("/demands", get(search::demands))
        .route("/experts", get(search::experts))
        .route("/organizations", get(search::organizations))
        .route("/achievements/{id}", get(achievement::achievement))
        .route("/demands/{id}", get(demand::demand))
        .route("/experts/{id}", get(expert::expert))
        .route("/organizations/{id}", get(organization::organization))
        .route("/static/{file}", get(assets::asset))
        .route("/login", get(login::form).post(login::sign_in))
        .route("/logout", axum::routing::post(login::sign_out))
        .merge(workspace::routes())
        .merge(workspace_listings::routes())
        .merge(notifications::routes())
        .merge(backoffice::routes())
        .merge(dashboard::routes())
        .merge(trading::routes())
        .merge(deal_room::routes())
        .merge(contracts::routes())
        .route_layer(axum::middleware::from_fn(remember_lang))
}

/// Every public page path, for the gate test (the static files are under `/static/{file}`).
pub const PATHS: [&str; 18] = [
    "/",
    "/achievements",
    "/demands",
    "/experts",
    "/organizations",
    "/achievements/{id}",
    "/demands/{id}",
    "/experts/{id}",
    "/organizations/{id}",
    "/static/{file}",
    "/login",
    trading::PATHS[0],
    trading::PATHS[1],
    trading::PATHS[2],
    trading::PATHS[3],
    contracts::PATHS[0],
    contracts::PATHS[1],
    contracts::PATHS[2],
];

/// The templates' sources, for the test that every UI string they ask for exists (each
/// area's own are in its module: [`all_templates`]).
pub const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("home.html", include_str!("../../templates/home.html")),
    ("search.html", include_str!("../../templates/search.html")),
    ("error.html", include_str!("../../templates/error.html")),
    ("achievement.html", include_str!("../../templates/achievement.html")),
    ("demand.html", include_str!("../../templates/demand.html")),
    ("expert.html", include_str!("../../templates/expert.html")),
    ("organization.html", include_str!("../../templates/organization.html")),
    ("_matches.html", include_str!("../../templates/_matches.html")),
    ("_contact.html", include_str!("../../templates/_contact.html")),
    ("login.html", include_str!("../../templates/login.html")),
];

/// Every template of the portal, for the UI-string test.
pub fn all_templates() -> Vec<(&'static str, &'static str)> {
    [
        TEMPLATES,
        workspace::TEMPLATES,
        workspace_listings::TEMPLATES,
        notifications::TEMPLATES,
        backoffice::TEMPLATES,
        dashboard::TEMPLATES,
        trading::TEMPLATES,
        deal_room::TEMPLATES,
        contracts::TEMPLATES,
    ]
    .concat()
}

/// How long the `lang` cookie keeps a choice made with `?lang=` (a year).
const LANG_COOKIE_MAX_AGE: u32 = 365 * 24 * 3600;

/// A language chosen with `?lang=` is remembered in the `lang` cookie, so the next page —
/// reached by any link — is in it too (SPEC §3: query, then cookie, then Accept-Language).
/// A page's language depends on those headers, which caches are told (not the static files').
async fn remember_lang(req: Request, next: Next) -> Response {
    let chosen = lang::from_query(req.uri());
    let mut res = next.run(req).await;
    let html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if html {
        res.headers_mut()
            .insert(header::VARY, HeaderValue::from_static("cookie, accept-language"));
    }
    if let Some(l) = chosen {
        let cookie = format!(
            "lang={}; Path=/; Max-Age={LANG_COOKIE_MAX_AGE}; SameSite=Lax",
            lang::tag(l)
        );
        // The tag is one of two ASCII constants; a value a header cannot carry is not sent.
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            res.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    res
}

/// What every page knows about its request: the language, who is signed in, where it is.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub lang: Lang,
    /// The signed-in account's display name; `None` for a visitor.
    pub account: Option<String>,
    /// The signed-in account's role.
    pub role: Option<Role>,
    /// The session's CSRF token, for the hidden `csrf` field of every form that changes
    /// something (`None` for a visitor or a bearer token).
    pub csrf: Option<String>,
    /// The path of this page (`/achievements`).
    pub path: String,
    /// The query string's pairs, in order.
    pub query: Vec<(String, String)>,
    /// How many of the signed-in account's notifications are unread (`None`: not counted —
    /// a visitor, an account without an organization, an error page).
    pub unread: Option<i64>,
}

impl Ctx {
    pub fn from_parts(parts: &Parts) -> Ctx {
        let lang = lang::negotiate(&parts.uri, &parts.headers);
        Ctx::new(lang, &parts.uri, parts.extensions.get::<Caller>())
    }

    /// A page's context from its language, its address and who asks (none: a visitor).
    pub fn new(lang: Lang, uri: &axum::http::Uri, caller: Option<&Caller>) -> Ctx {
        let account = caller
            .and_then(|c| c.account.as_ref())
            .map(|a| a.fields.display_name.clone());
        Ctx {
            lang,
            account,
            role: caller.and_then(|c| c.principal()).map(|p| p.role),
            csrf: caller
                .filter(|c| c.via == crate::auth::Via::Cookie)
                .and_then(|c| c.secret.as_ref())
                .and_then(|s| s.csrf.clone()),
            path: uri.path().to_string(),
            query: form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
            unread: None,
        }
    }

    /// The unread count for the header's notifications link (empty when there is none).
    pub fn unread_count(&self) -> String {
        self.unread.filter(|n| *n > 0).map(grouped).unwrap_or_default()
    }

    /// The UI string `key` in the page's language.
    pub fn t(&self, key: impl AsRef<str>) -> &'static str {
        messages::t(self.lang, key.as_ref())
    }

    /// The address of a file under `/static/`, with its fingerprint.
    pub fn asset(&self, name: &str) -> String {
        assets::url(name)
    }

    pub fn en(&self) -> bool {
        self.lang == Lang::En
    }

    /// For `<html lang>`: `zh-CN` or `en`.
    pub fn html_lang(&self) -> &'static str {
        lang::tag(self.lang)
    }

    /// This page in another language: the same address with `lang` replaced.
    pub fn lang_href(&self, tag: &str) -> String {
        let mut pairs: Vec<(&str, &str)> = self
            .query
            .iter()
            .filter(|(k, _)| k != "lang")
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        pairs.push(("lang", tag));
        href(&self.path, &pairs)
    }

    /// Whether the nav link to `path` is the current section (for `aria-current`).
    pub fn is_current(&self, path: &str) -> bool {
        self.path == path || self.path.starts_with(&format!("{path}/"))
    }

    /// The hidden CSRF token of a form (empty for a visitor, whose forms need none).
    pub fn csrf_token(&self) -> &str {
        self.csrf.as_deref().unwrap_or("")
    }

    /// A member (publishes for an organization): the workspace's publishing pages.
    pub fn is_member(&self) -> bool {
        self.role == Some(Role::Member)
    }

    /// An operator or the administrator: the back office and the dashboard.
    pub fn is_operator(&self) -> bool {
        matches!(self.role, Some(Role::Operator | Role::Admin))
    }

    /// This page's address with its query, for `/login?next=`.
    pub fn here(&self) -> String {
        let pairs: Vec<(&str, &str)> = self.query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        href(&self.path, &pairs)
    }
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = Infallible;

    /// The page's context, with the signed-in account's unread notifications counted (one
    /// `COUNT` of an indexed column; a failure to count leaves the header without the number).
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        let mut ctx = Ctx::from_parts(parts);
        if let Some(caller) = parts.extensions.get::<Caller>() {
            ctx.unread = notifications::unread(state, caller).await;
        }
        Ok(ctx)
    }
}

/// `path?k=v&…`, form-encoded; just `path` without pairs.
pub fn href(path: &str, pairs: &[(&str, &str)]) -> String {
    if pairs.is_empty() {
        return path.to_string();
    }
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    format!("{path}?{}", s.finish())
}

/// A status in the page's language: its Chinese label, or its code in words (`in_deal` →
/// `in deal`).
pub fn status_label<S: techmarket_domain::lifecycle::Status>(s: S, lang: Lang) -> String {
    match lang {
        Lang::Zh => s.label_zh().to_string(),
        Lang::En => search::english(s.code()),
    }
}

/// `2026-03-01 14:05` in the market's time (Beijing), for the lists' dates.
pub fn local_time(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .map(|t| {
            let t = t.to_offset(dashboard::china_time());
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02}",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute()
            )
        })
        .unwrap_or_default()
}

/// `12345` → `12,345`.
pub fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Method;

    #[test]
    fn every_page_route_has_a_public_get_gate() {
        for path in PATHS {
            assert_eq!(
                crate::access::gate(&Method::GET, path),
                Some(crate::access::Gate::Public),
                "{path}"
            );
            if path != "/login" {
                assert_eq!(crate::access::gate(&Method::POST, path), None, "{path}");
            }
        }
    }

    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(26000), "26,000");
        assert_eq!(grouped(1234567), "1,234,567");
    }

    #[test]
    fn the_language_switch_keeps_the_query() {
        let ctx = Ctx {
            lang: Lang::Zh,
            account: None,
            role: None,
            csrf: None,
            path: "/achievements".into(),
            query: vec![("q".into(), "地膜 秸秆".into()), ("lang".into(), "zh-CN".into())],
            unread: None,
        };
        assert_eq!(
            ctx.lang_href("en"),
            "/achievements?q=%E5%9C%B0%E8%86%9C+%E7%A7%B8%E7%A7%86&lang=en"
        );
    }
}
