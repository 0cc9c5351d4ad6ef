//! `/experts/{id}`: one expert of the directory, as the public sees them.

use super::Ctx;
use super::detail::{self, ContactLines};
use crate::AppState;
use crate::auth::Caller;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use techmarket_domain::Expert;

#[derive(Template, WebTemplate)]
#[template(path = "expert.html")]
pub struct ExpertPage {
    pub ctx: Ctx,
    pub name: String,
    /// 职称.
    pub title: String,
    pub organization: String,
    pub organization_href: Option<String>,
    pub fields: Vec<String>,
    pub industries: Vec<String>,
    pub bio: String,
    pub region: String,
    pub contact: Option<ContactLines>,
}

pub async fn expert(
    State(state): State<AppState>,
    caller: Caller,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
) -> Response {
    let e: Expert = match detail::load(&state, &caller, &ctx, id).await {
        Ok(e) => e,
        Err(page) => return page,
    };
    let f = &e.fields;
    ExpertPage {
        name: f.name.clone(),
        title: f.title.clone(),
        organization: f.organization.clone(),
        organization_href: f.organization_id.map(|o| format!("/organizations/{}", o.as_uuid())),
        fields: f.fields.clone(),
        industries: f.industries.iter().map(|i| detail::industry(i, ctx.lang)).collect(),
        bio: f.bio.clone(),
        region: detail::region(&state, &f.region),
        contact: detail::contact(&state, &caller, &e, &f.contact),
        ctx,
    }
    .into_response()
}
