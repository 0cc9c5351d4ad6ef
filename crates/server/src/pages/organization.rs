//! `/organizations/{id}`: one organization of the directory and its published achievements.

use super::Ctx;
use super::achievement::filled;
use super::detail::{self, ContactLines};
use super::errors::ErrorPage;
use super::search::english;
use crate::AppState;
use crate::api::v1::resource::Resource;
use crate::auth::Caller;
use crate::error::ApiError;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use techmarket_domain::{Achievement, Lang, Organization};
use techmarket_store::{Condition, ListQuery, Order, SqlValue};

/// How many of its achievements an organization's page lists.
const ACHIEVEMENTS_SHOWN: i64 = 20;

/// A published achievement of the organization, linked.
pub struct AchievementLink {
    pub href: String,
    pub title: String,
    pub trl: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "organization.html")]
pub struct OrganizationPage {
    pub ctx: Ctx,
    pub name: String,
    pub kind: String,
    pub credit_code: Option<String>,
    pub region: String,
    pub tags: Vec<String>,
    pub description: Option<String>,
    pub address: Option<String>,
    pub website: Option<String>,
    pub contact: Option<ContactLines>,
    pub achievements: Vec<AchievementLink>,
    /// How many it has published (more than listed when over [`ACHIEVEMENTS_SHOWN`]).
    pub achievements_total: i64,
}

pub async fn organization(
    State(state): State<AppState>,
    caller: Caller,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
) -> Response {
    let o: Organization = match detail::load(&state, &caller, &ctx, id).await {
        Ok(o) => o,
        Err(page) => return page,
    };
    let (achievements, achievements_total) = match published_achievements(&state, &o).await {
        Ok(a) => a,
        Err(e) => return ErrorPage::internal(ctx, &e).into_response(),
    };
    let en = ctx.lang == Lang::En;
    let f = &o.fields;
    OrganizationPage {
        name: f.name.clone(),
        kind: if en {
            english(f.kind.code())
        } else {
            f.kind.label_zh().to_string()
        },
        credit_code: f.credit_code.as_ref().map(|c| c.as_str().to_string()),
        region: detail::region(&state, &f.region),
        tags: f
            .tags
            .iter()
            .map(|t| {
                if en {
                    english(t.code())
                } else {
                    t.label_zh().to_string()
                }
            })
            .collect(),
        description: filled(&f.description),
        address: filled(&f.address),
        website: filled(&f.website).filter(|w| w.starts_with("https://") || w.starts_with("http://")),
        contact: detail::contact(&state, &caller, &o, &f.contact),
        achievements,
        achievements_total,
        ctx,
    }
    .into_response()
}

/// Its public achievements, newest first — what anyone may list (the search has no holder filter).
async fn published_achievements(state: &AppState, o: &Organization) -> Result<(Vec<AchievementLink>, i64), ApiError> {
    let public = Achievement::public_statuses().into_iter().map(SqlValue::from).collect();
    let q = ListQuery {
        conditions: vec![
            Condition::Eq(Achievement::OWNER_COLUMN, SqlValue::from(o.id.to_string())),
            Condition::In("status", public),
        ],
        order: Order::NewestFirst,
        after: None,
        limit: ACHIEVEMENTS_SHOWN,
    };
    let page = state.market().list::<Achievement>(&q).await?;
    let links = page
        .items
        .iter()
        .map(|a| AchievementLink {
            href: format!("/achievements/{}", a.id.as_uuid()),
            title: a.fields.title.clone(),
            trl: a.fields.trl.to_string(),
        })
        .collect();
    Ok((links, page.total))
}
