//! `/backoffice`: the operator's pages (issue 5, point 4) — the review queue of their region
//! (approve, reject with a reason), the audit trail, the docking pipeline as a board.

use crate::AppState;
use axum::Router;

/// The back office's routes (gate: operators and the administrator).
pub fn routes() -> Router<AppState> {
    Router::new()
}

/// The back office's templates, for the UI-string test.
pub const TEMPLATES: &[(&str, &str)] = &[];

/// The back office's UI strings.
pub const MESSAGES: &[(&str, &str, &str)] = &[];
