//! `/demands/{id}`: one published demand, and the achievements and experts that answer it.

use super::Ctx;
use super::achievement::filled;
use super::detail::{self, ContactLines, MatchList};
use super::errors::ErrorPage;
use crate::AppState;
use crate::api::v1::resource::check;
use crate::auth::Caller;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use techmarket_domain::Demand;
use techmarket_domain::access::Verb;
use techmarket_search::Kind;
use techmarket_search::matching::Source;

#[derive(Template, WebTemplate)]
#[template(path = "demand.html")]
pub struct DemandPage {
    pub ctx: Ctx,
    pub title: String,
    pub description: String,
    pub keywords: Vec<String>,
    pub budget: String,
    /// `(TRL 6, its meaning)`; none when any level will do.
    pub min_trl: Option<(String, &'static str)>,
    pub modes: Vec<&'static str>,
    pub industry: String,
    pub region: String,
    pub enterprise: String,
    pub enterprise_href: Option<String>,
    pub deadline: Option<String>,
    /// 揭榜挂帅: the bounty and when applications close.
    pub challenge: Option<(String, Option<String>)>,
    pub contact: Option<ContactLines>,
    /// Matching achievements, then matching experts.
    pub lists: Vec<MatchList>,
    /// What the last feedback or docking form did.
    pub notice: Option<String>,
}

pub async fn demand(
    State(state): State<AppState>,
    caller: Caller,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
) -> Response {
    let d: Demand = match detail::load(&state, &caller, &ctx, id).await {
        Ok(d) => d,
        Err(page) => return page,
    };
    // The two lists are ranked at the same time (each on a blocking thread).
    let (achievements, experts) = tokio::join!(
        detail::matches(
            &state,
            &ctx,
            Source::demand(&d),
            Kind::Achievement,
            "matching_achievements"
        ),
        detail::matches(&state, &ctx, Source::demand(&d), Kind::Expert, "matching_experts"),
    );
    let mut lists = match (achievements, experts) {
        (Ok(a), Ok(x)) => vec![a, x],
        (Err(e), _) | (_, Err(e)) => return ErrorPage::internal(ctx, &e).into_response(),
    };
    // Its enterprise (or its operator) rates the matches and opens dockings from them.
    if caller.principal().is_some() && check(&caller, Verb::ReadHistory, &d).is_ok() {
        let verdicts = match super::workspace::verdicts(&state, &caller, &ctx, d.id.as_uuid()).await {
            Ok(v) => v,
            Err(e) => return ErrorPage::internal(ctx, &e).into_response(),
        };
        for list in &mut lists {
            list.act_for = Some(d.id.to_string());
            for m in &mut list.items {
                m.verdict = verdicts.get(&m.id).copied();
            }
        }
    }
    let notice = super::workspace::match_notice(&ctx);
    let lang = ctx.lang;
    let f = &d.fields;
    DemandPage {
        notice,
        title: f.title.clone(),
        description: f.description.clone(),
        keywords: f.keywords.clone(),
        budget: detail::money(f.budget_max, &ctx, "budget_no_limit"),
        min_trl: f.min_trl.map(|t| detail::trl(t, lang)),
        modes: detail::modes(&f.cooperation_modes, lang),
        industry: detail::industry(&f.industry, lang),
        region: detail::region(&state, &f.region),
        enterprise: f.enterprise.name.clone(),
        enterprise_href: f
            .enterprise
            .organization_id
            .map(|o| format!("/organizations/{}", o.as_uuid())),
        deadline: filled(&f.deadline.map(|d| d.to_string())),
        challenge: f
            .challenge
            .as_ref()
            .map(|c| (c.bounty.to_string(), c.application_deadline.map(|d| d.to_string()))),
        contact: detail::contact(&state, &caller, &d, &f.contact),
        lists,
        ctx,
    }
    .into_response()
}
