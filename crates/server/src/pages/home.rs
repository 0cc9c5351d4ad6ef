//! `/`: the market in figures and a search box.

use super::{Ctx, grouped};
use crate::AppState;
use crate::error::ApiError;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use techmarket_domain::RecordKind;
use techmarket_domain::docking::DockingStatus;
use techmarket_domain::lifecycle::Status;
use techmarket_store::{Condition, SqlValue};

/// One headline figure, linked to where its records can be browsed.
pub struct Figure {
    pub label_key: &'static str,
    pub value: String,
    pub href: Option<&'static str>,
}

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
pub struct HomePage {
    pub ctx: Ctx,
    pub figures: Vec<Figure>,
}

/// The figures of `GET /api/v1/stats`, plus the dockings that ended in a signed deal.
async fn figures(state: &AppState) -> Result<Vec<Figure>, ApiError> {
    let c = state.market().counts().await?;
    let signed = Condition::In("status", vec![SqlValue::from(DockingStatus::Signed.code())]);
    let dockings_signed = state.market().store().count(RecordKind::Docking, &[signed]).await?;
    let figure = |label_key, n, href| Figure {
        label_key,
        value: grouped(n),
        href,
    };
    Ok(vec![
        figure("fig_achievements", c.achievements_published, Some("/achievements")),
        figure("fig_demands", c.demands_published, Some("/demands")),
        figure("fig_experts", c.experts, Some("/experts")),
        figure("fig_organizations", c.organizations, Some("/organizations")),
        figure("fig_dockings", dockings_signed, None),
    ])
}

pub async fn home(State(state): State<AppState>, ctx: Ctx) -> Response {
    match figures(&state).await {
        Ok(figures) => HomePage { ctx, figures }.into_response(),
        Err(e) => super::errors::ErrorPage::internal(ctx, &e).into_response(),
    }
}
