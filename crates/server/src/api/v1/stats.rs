//! `/api/v1/stats`: the market's headline figures.

use crate::AppState;
use crate::error::{ApiError, PlainErrors};
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

/// Headline figures: directory sizes and the records visible to the public.
#[derive(Debug, Serialize, ToSchema)]
pub struct Stats {
    pub organizations: i64,
    pub experts: i64,
    pub brokers: i64,
    /// Achievements that are published, listed, in a deal or transferred.
    pub achievements_published: i64,
    /// Demands that are published, in docking, fulfilled or closed.
    pub demands_published: i64,
}

/// The market's headline figures.
#[utoipa::path(
    get, path = "/api/v1/stats", tag = "stats",
    responses((status = 200, description = "Headline figures", body = Stats), PlainErrors)
)]
pub async fn stats(State(state): State<AppState>) -> Result<Json<Stats>, ApiError> {
    let c = state.market().counts().await?;
    Ok(Json(Stats {
        organizations: c.organizations,
        experts: c.experts,
        brokers: c.brokers,
        achievements_published: c.achievements_published,
        demands_published: c.demands_published,
    }))
}
