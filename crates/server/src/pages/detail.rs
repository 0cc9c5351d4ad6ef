//! What the four detail pages share: reading a record as the JSON API does (a visitor sees only
//! public records; anything else is the portal's 404 page), labels, and matches with reasons.

use super::Ctx;
use super::errors::ErrorPage;
use crate::AppState;
use crate::api::v1::resource::{Resource, ViewContext, check};
use crate::api::v1::search::{find_matches, match_item};
use crate::auth::Caller;
use crate::error::ApiError;
use axum::extract::Path;
use axum::extract::rejection::PathRejection;
use axum::response::{IntoResponse, Response};
use techmarket_domain::access::Verb;
use techmarket_domain::standards::{Industry, RegionCode, Trl};
use techmarket_domain::{Contact, Lang, TransferMode, Yuan};
use techmarket_search::Kind;
use techmarket_search::matching::Source;
use techmarket_store::StoreError;
use uuid::Uuid;

/// The record `raw_id` names, if the caller may read it; otherwise the page to answer with:
/// 404 for a malformed or unknown id and for a record the caller may not see (as the API).
/// (A path that does not even decode is a 404 too, not axum's plain-text 400.)
pub async fn load<R: Resource>(
    state: &AppState,
    caller: &Caller,
    ctx: &Ctx,
    raw_id: Result<Path<String>, PathRejection>,
) -> Result<R, Response> {
    let not_found = || ErrorPage::not_found(ctx.clone()).into_response();
    let Some(id) = raw_id.ok().and_then(|Path(raw)| Uuid::parse_str(&raw).ok()) else {
        return Err(not_found());
    };
    let r: R = match state.market().get(id).await {
        Ok(r) => r,
        Err(StoreError::NotFound { .. }) => return Err(not_found()),
        Err(e) => return Err(ErrorPage::internal(ctx.clone(), &ApiError::from(e)).into_response()),
    };
    check(caller, Verb::Read, &r).map_err(|_| not_found())?;
    Ok(r)
}

/// A contact as the caller may see it: masked for visitors by the API's own rule.
pub struct ContactLines {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// The caller sees it masked (the page says who sees it in full).
    pub masked: bool,
}

pub fn contact<R: Resource>(state: &AppState, caller: &Caller, r: &R, c: &Option<Contact>) -> Option<ContactLines> {
    let view = ViewContext::new(state, caller).seeing(r);
    let v = view.contact(c)?;
    Some(ContactLines {
        name: v.name,
        phone: v.phone,
        email: v.email,
        masked: !view.contacts,
    })
}

/// One constraint of a match, judged: `fit`, `miss` or `unknown` (a CSS class) and why.
pub struct CheckLine {
    pub outcome: String,
    pub message: String,
}

/// A matching record, linked to its detail page, with its reasons.
pub struct MatchLine {
    pub href: String,
    /// `achievement`, `demand` or `expert`, and its id (for the feedback and docking forms).
    pub kind: &'static str,
    pub id: String,
    /// The score as shown, 0–1.
    pub score: String,
    /// What the signed-in enterprise said of this match: `Some(true)` useful.
    pub verdict: Option<bool>,
    pub title: String,
    /// 0–100.
    pub percent: u32,
    pub terms: String,
    pub checks: Vec<CheckLine>,
}

/// A list of matches under a heading.
pub struct MatchList {
    pub heading_key: &'static str,
    pub items: Vec<MatchLine>,
    /// The demand whose matches these are, when the caller acts for its enterprise (or is its
    /// operator): each match then offers feedback and a docking.
    pub act_for: Option<String>,
}

/// How many matches a detail page lists.
const MATCHES_SHOWN: usize = 5;

/// The matches `GET /api/v1/{kind}/{id}/matches` would answer, the best five.
pub async fn matches(
    state: &AppState,
    ctx: &Ctx,
    source: Source,
    target: Kind,
    heading_key: &'static str,
) -> Result<MatchList, ApiError> {
    let found = find_matches(state, source, target, MATCHES_SHOWN).await?;
    let sep = if ctx.en() { ", " } else { "、" };
    let items = found
        .into_iter()
        .map(|m| {
            let href = format!("/{}/{}", m.kind.plural(), m.id);
            let kind = match m.kind {
                Kind::Achievement => "achievement",
                Kind::Demand => "demand",
                Kind::Expert => "expert",
                Kind::Organization => "organization",
            };
            let id = m.id.clone();
            let item = match_item(m, ctx.lang);
            MatchLine {
                href,
                kind,
                id,
                score: format!("{:.3}", item.score.clamp(0.0, 1.0)),
                verdict: None,
                title: item.title,
                percent: (item.score.clamp(0.0, 1.0) * 100.0).round() as u32,
                terms: item.matched_terms.join(sep),
                checks: item
                    .checks
                    .into_iter()
                    .map(|c| CheckLine {
                        outcome: c.outcome,
                        message: c.message,
                    })
                    .collect(),
            }
        })
        .collect();
    Ok(MatchList {
        heading_key,
        items,
        act_for: None,
    })
}

pub fn industry(i: &Industry, lang: Lang) -> String {
    if lang == Lang::En {
        format!("{} ({})", i.name_en(), i.code())
    } else {
        format!("{}（{}）", i.name_zh(), i.code())
    }
}

pub fn region(state: &AppState, r: &RegionCode) -> String {
    state.regions().full_name(r).unwrap_or_else(|| r.to_string())
}

pub fn modes(ms: &[TransferMode], lang: Lang) -> Vec<&'static str> {
    ms.iter()
        .map(|m| if lang == Lang::En { m.label_en() } else { m.label_zh() })
        .collect()
}

/// `TRL 6 · 相关环境中的系统或子系统原型通过演示`.
pub fn trl(t: Trl, lang: Lang) -> (String, &'static str) {
    (
        t.to_string(),
        if lang == Lang::En {
            t.meaning_en()
        } else {
            t.meaning_zh()
        },
    )
}

/// An amount, or the page's word for 面议/no limit when there is none.
pub fn money(y: Option<Yuan>, ctx: &Ctx, none_key: &str) -> String {
    match y {
        Some(y) => y.to_string(),
        None => ctx.t(none_key).to_string(),
    }
}
