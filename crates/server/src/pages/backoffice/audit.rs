//! `GET /backoffice/audit`: the audit trail as a table — the API's own list
//! ([`crate::api::v1::audit::list`]: the same filters, the same region scope), newest first,
//! with a link to its CSV export under the same filters.

use super::{Ctx, NavLink, iso_of, nav, no_store};
use crate::AppState;
use crate::api::v1::audit::{self, AUDITED_KINDS, AuditEntry};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::QueryPairs;
use crate::pages::href;
use crate::pages::search::english;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use techmarket_domain::lifecycle::{Action, Status};
use techmarket_domain::{
    AccountAction, AchievementAction, DemandAction, DockingAction, Lang, OrganizationAction, PersonAction,
};

/// The filters the page offers (those of `GET /api/v1/audit`), and `before` for the pages.
const FILTERS: [&str; 5] = ["kind", "record", "actor", "since", "until"];

/// Entries per page.
const LIMIT: &str = "50";

/// One change, as the table shows it.
pub struct AuditRow {
    pub when: String,
    pub iso: String,
    pub actor: String,
    pub address: String,
    pub kind: String,
    /// The record's own changes (a filter of this page).
    pub record_href: String,
    pub record_short: String,
    /// Where an operator reviews it, for the kinds they review.
    pub review_href: Option<String>,
    pub version: i64,
    pub action: String,
    pub details: Vec<String>,
}

/// A choice of the kind filter.
pub struct KindChoice {
    pub code: &'static str,
    pub label: String,
    pub selected: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "backoffice_audit.html")]
pub struct AuditPage {
    pub ctx: Ctx,
    pub nav: Vec<NavLink>,
    pub kinds: Vec<KindChoice>,
    pub record: String,
    pub actor: String,
    pub since: String,
    pub until: String,
    /// Problems of the filters, by the parameter they name.
    pub errors: Vec<(String, String)>,
    /// Problems no field shows.
    pub general: Vec<String>,
    pub rows: Vec<AuditRow>,
    pub next_href: Option<String>,
    pub export_href: String,
    pub filtered: bool,
}

impl AuditPage {
    /// The problem with the filter `name`, shown beside its box.
    pub fn error_of(&self, name: &str) -> Option<&str> {
        self.errors.iter().find(|(k, _)| k == name).map(|(_, m)| m.as_str())
    }
}

fn action_zh(kind: &str, code: &str) -> Option<&'static str> {
    fn of<A: Action>(c: &str) -> Option<&'static str> {
        A::parse(c).map(|a| a.label_zh())
    }
    match kind {
        "achievement" => of::<AchievementAction>(code),
        "demand" => of::<DemandAction>(code),
        "organization" => of::<OrganizationAction>(code),
        "expert" | "broker" => of::<PersonAction>(code),
        "account" => of::<AccountAction>(code),
        "docking" => of::<DockingAction>(code),
        _ => None,
    }
}

fn status_zh(kind: &str, code: &str) -> Option<&'static str> {
    fn of<A: Action>(c: &str) -> Option<&'static str> {
        <A::Status as Status>::parse(c).map(|s| s.label_zh())
    }
    match kind {
        "achievement" => of::<AchievementAction>(code),
        "demand" => of::<DemandAction>(code),
        "organization" => of::<OrganizationAction>(code),
        "expert" | "broker" => of::<PersonAction>(code),
        "account" => of::<AccountAction>(code),
        "docking" => of::<DockingAction>(code),
        _ => None,
    }
}

fn row(e: AuditEntry, ctx: &Ctx) -> AuditRow {
    let zh = ctx.lang == Lang::Zh;
    let kind_label = AUDITED_KINDS
        .iter()
        .find(|k| k.code() == e.kind)
        .map(|k| {
            if zh {
                k.label_zh().to_string()
            } else {
                english(k.code())
            }
        })
        .unwrap_or_else(|| e.kind.clone());
    let action = match e.action.as_str() {
        "created" => ctx.t("bo_action_created").to_string(),
        "updated" => ctx.t("bo_action_updated").to_string(),
        "imported" => ctx.t("bo_action_imported").to_string(),
        code => match action_zh(&e.kind, code) {
            Some(l) if zh => l.to_string(),
            _ => english(code),
        },
    };
    let status = |v: Option<&Value>| -> String {
        let Some(code) = v.and_then(Value::as_str) else {
            return String::new();
        };
        match status_zh(&e.kind, code) {
            Some(l) if zh => l.to_string(),
            _ => english(code),
        }
    };
    let details = super::change_details(&e.changes, &e.action, ctx, status);
    let id = e.record_id.to_string();
    let review_href = match e.kind.as_str() {
        "achievement" | "demand" | "organization" => Some(format!("/backoffice/review/{}s/{id}", e.kind)),
        _ => None,
    };
    AuditRow {
        when: crate::pages::local_time(e.occurred_at),
        iso: iso_of(e.occurred_at),
        actor: e.actor,
        address: e.address.unwrap_or_default(),
        kind: kind_label,
        record_href: href("/backoffice/audit", &[("record", &id)]),
        record_short: id.chars().take(8).collect(),
        review_href,
        version: e.record_version,
        action,
        details,
    }
}

/// `GET /backoffice/audit[?kind=…&record=…&actor=…&since=…&until=…&before=…]`.
pub async fn audit(State(state): State<AppState>, ctx: Ctx, caller: Caller) -> Result<Response, ApiError> {
    let value = |name: &str| -> String {
        ctx.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    // The filters as the API reads them: an empty box is no filter.
    let filters: Vec<(String, String)> = FILTERS
        .iter()
        .map(|n| (n.to_string(), value(n)))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    let mut pairs = filters.clone();
    let before = value("before");
    if !before.is_empty() {
        pairs.push(("before".into(), before));
    }
    pairs.push(("limit".into(), LIMIT.into()));
    let (rows, next, errors, general, status) =
        match audit::list(State(state.clone()), caller.clone(), QueryPairs(pairs)).await {
            Ok(axum::Json(page)) => {
                let rows = page.items.into_iter().map(|e| row(e, &ctx)).collect();
                (rows, page.next, Vec::new(), Vec::new(), StatusCode::OK)
            }
            Err(e) if e.code.status().is_server_error() => return Err(e),
            Err(e) => {
                let mut errors = Vec::new();
                let mut general = Vec::new();
                for f in &e.fields {
                    if FILTERS.contains(&f.path.as_str()) {
                        errors.push((f.path.clone(), f.message(ctx.lang).to_string()));
                    } else {
                        general.push(f.message(ctx.lang).to_string());
                    }
                }
                if e.fields.is_empty() {
                    general.push(e.message(ctx.lang).to_string());
                }
                (Vec::new(), None, errors, general, e.code.status())
            }
        };
    let with = |extra: &[(&str, &str)]| -> Vec<(String, String)> {
        let mut p = filters.clone();
        p.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        p
    };
    let link = |path: &str, p: Vec<(String, String)>| {
        let refs: Vec<(&str, &str)> = p.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        href(path, &refs)
    };
    let next_href = next.map(|n| link("/backoffice/audit", with(&[("before", &n.to_string())])));
    let export_href = link("/api/v1/audit/export", with(&[("format", "csv")]));
    let kind = value("kind");
    let kinds = AUDITED_KINDS
        .iter()
        .map(|k| KindChoice {
            code: k.code(),
            label: if ctx.lang == Lang::Zh {
                k.label_zh().to_string()
            } else {
                english(k.code())
            },
            selected: k.code() == kind,
        })
        .collect();
    let page = AuditPage {
        nav: nav(&ctx),
        kinds,
        record: value("record"),
        actor: value("actor"),
        since: value("since"),
        until: value("until"),
        errors,
        general,
        rows,
        next_href,
        export_href,
        filtered: !filters.is_empty(),
        ctx,
    };
    let mut res = page.into_response();
    *res.status_mut() = status;
    Ok(no_store(res))
}
