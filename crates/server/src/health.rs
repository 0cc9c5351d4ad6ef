//! `/healthz`: whether the server and its database answer — for load balancers and probes.

use crate::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use std::time::Duration;
use utoipa::ToSchema;

/// How long the database may take to answer a ping.
const PING_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`, or `unavailable` when a dependency is down.
    #[schema(example = "ok")]
    pub status: &'static str,
    /// `ok` or `down`.
    #[schema(example = "ok")]
    pub database: &'static str,
}

/// 200 when the database answers, 503 when it does not.
#[utoipa::path(
    get, path = "/healthz", tag = "operations",
    responses(
        (status = 200, description = "Serving", body = Health),
        (status = 503, description = "The database is down", body = Health),
    )
)]
pub async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let ping = tokio::time::timeout(PING_TIMEOUT, state.market().store().ping()).await;
    match ping {
        Ok(Ok(())) => (
            StatusCode::OK,
            Json(Health {
                status: "ok",
                database: "ok",
            }),
        ),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "healthz: database ping failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(Health {
                    status: "unavailable",
                    database: "down",
                }),
            )
        }
        Err(_) => {
            tracing::warn!("healthz: database ping timed out");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(Health {
                    status: "unavailable",
                    database: "down",
                }),
            )
        }
    }
}
