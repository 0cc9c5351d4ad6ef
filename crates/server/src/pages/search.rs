//! `/achievements`, `/demands`, `/experts`, `/organizations`: the search pages. They take the
//! parameters of `GET /api/v1/search` (parsed by the same code) with the kind from the path,
//! and show the facets the search returns as filters.

use super::errors::ErrorPage;
use super::{Ctx, grouped, href};
use crate::AppState;
use crate::api::v1::params::Params;
use crate::api::v1::search::{param_names, parse_query, run};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use techmarket_domain::standards::Industry;
use techmarket_domain::{HolderType, Lang, OrgKind, TransferMode};
use techmarket_search::{FacetCount, Kind, Query, Results};

/// A filter value the user can tick.
pub struct FacetOption {
    pub value: String,
    pub label: String,
    /// How many results have it (none for a ticked value the results no longer count).
    pub count: Option<String>,
    pub checked: bool,
}

/// The values of one facet, as a checkbox list named like the parameter.
pub struct FacetGroup {
    pub param: &'static str,
    pub label_key: &'static str,
    pub options: Vec<FacetOption>,
}

/// A TRL level as a link (TRL is a range filter: `trl_min`/`trl_max`).
pub struct TrlLink {
    pub label: String,
    pub count: String,
    pub href: String,
    pub current: bool,
}

pub struct ResultItem {
    /// The record's detail page.
    pub href: String,
    /// HTML-escaped by the search engine, matched words in `<mark>`: rendered with `|safe`.
    pub title_html: String,
    /// Likewise.
    pub summary_html: String,
}

/// A bad parameter, shown on the page in its language.
pub struct BadParameter {
    pub message: String,
    pub fields: Vec<String>,
}

#[derive(Template)]
#[template(path = "search.html")]
pub struct SearchPage {
    pub ctx: Ctx,
    /// `achievements`, … (the page's own path without the slash).
    pub kind: &'static str,
    pub title_key: &'static str,
    pub q: String,
    pub sort: String,
    pub sorts: Vec<(&'static str, &'static str)>,
    /// Parameters the form keeps as they are (ranges, status, limit, lang).
    pub hidden: Vec<(String, String)>,
    pub groups: Vec<FacetGroup>,
    pub trl: Vec<TrlLink>,
    pub trl_any_href: Option<String>,
    pub error: Option<BadParameter>,
    pub total: String,
    pub first: usize,
    pub last: usize,
    pub items: Vec<ResultItem>,
    pub prev_href: Option<String>,
    pub next_href: Option<String>,
    /// Whether any filter or words narrow the results (the empty state offers to clear them).
    pub narrowed: bool,
}

pub async fn achievements(state: State<AppState>, ctx: Ctx) -> Response {
    page(state, ctx, Kind::Achievement).await
}

pub async fn demands(state: State<AppState>, ctx: Ctx) -> Response {
    page(state, ctx, Kind::Demand).await
}

pub async fn experts(state: State<AppState>, ctx: Ctx) -> Response {
    page(state, ctx, Kind::Expert).await
}

pub async fn organizations(state: State<AppState>, ctx: Ctx) -> Response {
    page(state, ctx, Kind::Organization).await
}

/// The list parameters the form shows as checkboxes.
const CHECKBOXES: [&str; 4] = ["region", "industry", "mode", "holder_type"];

async fn page(State(state): State<AppState>, ctx: Ctx, kind: Kind) -> Response {
    // The kind comes from the path; a `kind` in the query has no say.
    let mut pairs: Vec<(String, String)> = ctx.query.iter().filter(|(k, _)| k != "kind").cloned().collect();
    pairs.push(("kind".into(), kind.plural().into()));
    let mut p = Params::new(pairs, param_names());
    let parsed = parse_query(&mut p, &state).and_then(|q| p.finish().map(|()| q));
    let mut view = SearchPage::new(ctx, kind);
    match parsed {
        Err(e) if e.code.status().is_client_error() => {
            let fields: Vec<String> = e.fields.iter().map(|f| f.path.clone()).collect();
            // The form must not send the bad value again.
            view.hidden.retain(|(k, _)| !fields.contains(k));
            view.error = Some(BadParameter {
                message: e.message(view.ctx.lang).to_string(),
                fields,
            });
            (StatusCode::BAD_REQUEST, askama_web::WebTemplate(view)).into_response()
        }
        Err(e) => ErrorPage::internal(view.ctx, &e).into_response(),
        Ok(q) => match run(&state, &q).await {
            Ok(r) => {
                view.fill(&state, &q, r);
                askama_web::WebTemplate(view).into_response()
            }
            Err(e) => ErrorPage::internal(view.ctx, &e).into_response(),
        },
    }
}

impl SearchPage {
    fn new(ctx: Ctx, kind: Kind) -> SearchPage {
        let one = |name: &str| {
            ctx.query
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let q = one("q");
        let sort = Some(one("sort"))
            .filter(|s| !s.is_empty())
            .unwrap_or("relevance".into());
        let mut sorts = vec![("relevance", "sort_relevance"), ("newest", "sort_newest")];
        if matches!(kind, Kind::Achievement | Kind::Demand) {
            sorts.push(("price_asc", "sort_price_asc"));
            sorts.push(("price_desc", "sort_price_desc"));
        }
        let hidden = ctx
            .query
            .iter()
            .filter(|(k, v)| {
                !v.is_empty()
                    && !["q", "sort", "offset", "kind"].contains(&k.as_str())
                    && !CHECKBOXES.contains(&k.as_str())
            })
            .cloned()
            .collect();
        let narrowed = ctx
            .query
            .iter()
            .any(|(k, v)| !v.trim().is_empty() && !["sort", "offset", "lang", "limit"].contains(&k.as_str()));
        SearchPage {
            kind: kind.plural(),
            title_key: match kind {
                Kind::Achievement => "search_title_achievements",
                Kind::Demand => "search_title_demands",
                Kind::Expert => "search_title_experts",
                Kind::Organization => "search_title_organizations",
            },
            q,
            sort,
            sorts,
            hidden,
            groups: Vec::new(),
            trl: Vec::new(),
            trl_any_href: None,
            error: None,
            total: "0".into(),
            first: 0,
            last: 0,
            items: Vec::new(),
            prev_href: None,
            next_href: None,
            narrowed,
            ctx,
        }
    }

    /// The values given for a list parameter (repeated or comma-separated).
    fn selected(&self, name: &str) -> Vec<String> {
        self.ctx
            .query
            .iter()
            .filter(|(k, _)| k == name)
            .flat_map(|(_, v)| v.split([',', '，']).map(|s| s.trim().to_string()).collect::<Vec<_>>())
            .filter(|s| !s.is_empty())
            .collect()
    }

    /// This page's address with `name` set to `value` (or removed), from the first result.
    fn with(&self, changes: &[(&str, Option<String>)]) -> String {
        let mut pairs: Vec<(&str, &str)> = self
            .ctx
            .query
            .iter()
            .filter(|(k, v)| k != "offset" && !v.is_empty() && !changes.iter().any(|(c, _)| c == k))
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        for (name, value) in changes {
            if let Some(v) = value {
                pairs.push((name, v.as_str()));
            }
        }
        href(&self.ctx.path, &pairs)
    }

    fn fill(&mut self, state: &AppState, q: &Query, r: Results) {
        let f = r.facets;
        let holder_key = if q.kind == Kind::Organization {
            "facet_org_kind"
        } else {
            "facet_holder_type"
        };
        let groups = [
            ("region", "facet_region", f.region),
            ("industry", "facet_industry", f.industry),
            ("mode", "facet_mode", f.mode),
            ("holder_type", holder_key, f.holder_type),
        ];
        for (param, label_key, counts) in groups {
            let options = self.options(state, q.kind, param, counts);
            if !options.is_empty() {
                self.groups.push(FacetGroup {
                    param,
                    label_key,
                    options,
                });
            }
        }
        let trl_min = q.filters.trl_min.map(|n| n.to_string());
        let trl_max = q.filters.trl_max.map(|n| n.to_string());
        for c in f.trl {
            let current = trl_min.as_deref() == Some(&c.value) && trl_max.as_deref() == Some(&c.value);
            self.trl.push(TrlLink {
                label: format!("TRL {}", c.value),
                count: grouped(c.count as i64),
                href: self.with(&[("trl_min", Some(c.value.clone())), ("trl_max", Some(c.value.clone()))]),
                current,
            });
        }
        if trl_min.is_some() || trl_max.is_some() {
            self.trl_any_href = Some(self.with(&[("trl_min", None), ("trl_max", None)]));
        }
        self.total = grouped(r.total as i64);
        self.first = q.offset + 1;
        self.last = q.offset + r.items.len();
        self.items = r
            .items
            .into_iter()
            .map(|h| ResultItem {
                href: format!("/{}/{}", q.kind.plural(), h.id),
                title_html: h.title_html,
                summary_html: h.summary_html,
            })
            .collect();
        if q.limit > 0 {
            if q.offset > 0 {
                let prev = q.offset.saturating_sub(q.limit);
                self.prev_href = Some(self.with(&[("offset", Some(prev.to_string()).filter(|_| prev > 0))]));
            }
            let next = q.offset + q.limit;
            if next < r.total && next <= techmarket_search::MAX_OFFSET {
                self.next_href = Some(self.with(&[("offset", Some(next.to_string()))]));
            }
        }
    }

    /// The values the results count, ticked ones first (kept even when no longer counted).
    fn options(&self, state: &AppState, kind: Kind, param: &str, counts: Vec<FacetCount>) -> Vec<FacetOption> {
        let selected = self.selected(param);
        let lang = self.ctx.lang;
        let mut out: Vec<FacetOption> = selected
            .iter()
            .map(|v| FacetOption {
                value: v.clone(),
                label: label(state, kind, param, v, lang),
                count: counts.iter().find(|c| &c.value == v).map(|c| grouped(c.count as i64)),
                checked: true,
            })
            .collect();
        for c in counts {
            if !selected.contains(&c.value) {
                out.push(FacetOption {
                    label: label(state, kind, param, &c.value, lang),
                    count: Some(grouped(c.count as i64)),
                    value: c.value,
                    checked: false,
                });
            }
        }
        out
    }
}

/// What a facet value is called in the page's language (the code when it has no name).
pub(super) fn label(state: &AppState, kind: Kind, param: &str, value: &str, lang: Lang) -> String {
    let en = lang == Lang::En;
    let named = match param {
        "region" => state.regions().name(value).map(str::to_string),
        "industry" => Industry::parse(value)
            .ok()
            .map(|i| if en { i.name_en() } else { i.name_zh() }.to_string()),
        "mode" => TransferMode::ALL
            .into_iter()
            .find(|m| m.code() == value)
            .map(|m| if en { m.label_en() } else { m.label_zh() }.to_string()),
        "holder_type" if kind == Kind::Organization => OrgKind::ALL.into_iter().find(|k| k.code() == value).map(|k| {
            if en {
                english(k.code())
            } else {
                k.label_zh().to_string()
            }
        }),
        "holder_type" => HolderType::ALL.into_iter().find(|h| h.code() == value).map(|h| {
            if en {
                english(h.code())
            } else {
                h.label_zh().to_string()
            }
        }),
        _ => None,
    };
    named.unwrap_or_else(|| value.to_string())
}

/// `research_institute` → `research institute` (codes without an English label of their own).
pub(super) fn english(code: &str) -> String {
    code.replace('_', " ")
}
