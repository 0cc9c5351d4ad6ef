//! `/achievements/{id}`: one published achievement, its facts and the demands it answers.

use super::Ctx;
use super::detail::{self, ContactLines, MatchList};
use super::errors::ErrorPage;
use crate::AppState;
use crate::auth::Caller;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use techmarket_domain::{Achievement, Lang};
use techmarket_search::Kind;
use techmarket_search::matching::Source;

/// A patent: its number and its kind (发明, 实用新型 …).
pub struct PatentLine {
    pub number: String,
    pub kind: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "achievement.html")]
pub struct AchievementPage {
    pub ctx: Ctx,
    pub title: String,
    pub summary: String,
    pub keywords: Vec<String>,
    pub problem_solved: Option<String>,
    pub advantages: Option<String>,
    pub economic_comparison: Option<String>,
    pub trl: String,
    pub trl_meaning: &'static str,
    pub patents: Vec<PatentLine>,
    pub holder: String,
    /// The holder's page, when the holder is an organization of the directory.
    pub holder_href: Option<String>,
    pub holder_type: String,
    pub inventors: Vec<String>,
    pub discipline: Option<String>,
    pub region: String,
    pub industry: String,
    pub price: String,
    pub modes: Vec<&'static str>,
    pub contact: Option<ContactLines>,
    /// The demands it answers, best first (one list, for `_matches.html`).
    pub lists: Vec<MatchList>,
}

pub async fn achievement(
    State(state): State<AppState>,
    caller: Caller,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
) -> Response {
    let a: Achievement = match detail::load(&state, &caller, &ctx, id).await {
        Ok(a) => a,
        Err(page) => return page,
    };
    let matches = match detail::matches(&state, &ctx, Source::achievement(&a), Kind::Demand, "matching_demands").await {
        Ok(m) => m,
        Err(e) => return ErrorPage::internal(ctx, &e).into_response(),
    };
    let lang = ctx.lang;
    let f = &a.fields;
    let (trl, trl_meaning) = detail::trl(f.trl, lang);
    AchievementPage {
        title: f.title.clone(),
        summary: f.summary.clone(),
        keywords: f.keywords.clone(),
        problem_solved: filled(&f.problem_solved),
        advantages: filled(&f.advantages),
        economic_comparison: filled(&f.economic_comparison),
        trl,
        trl_meaning,
        patents: f
            .patents
            .iter()
            .map(|p| PatentLine {
                number: p.to_string(),
                kind: if lang == Lang::En {
                    p.kind().label_en()
                } else {
                    p.kind().label_zh()
                },
            })
            .collect(),
        holder: f.holder.name.clone(),
        holder_href: f
            .holder
            .organization_id
            .map(|o| format!("/organizations/{}", o.as_uuid())),
        holder_type: super::search::label(&state, Kind::Achievement, "holder_type", f.holder_type.code(), lang),
        inventors: f.inventors.clone(),
        discipline: filled(&f.discipline),
        region: detail::region(&state, &f.region),
        industry: detail::industry(&f.industry, lang),
        price: detail::money(f.price, &ctx, "price_negotiable"),
        modes: detail::modes(&f.transfer_modes, lang),
        contact: detail::contact(&state, &caller, &a, &f.contact),
        lists: vec![matches],
        ctx,
    }
    .into_response()
}

/// A free-text field worth a section: set and not blank.
pub(super) fn filled(s: &Option<String>) -> Option<String> {
    s.as_ref().filter(|s| !s.trim().is_empty()).cloned()
}
