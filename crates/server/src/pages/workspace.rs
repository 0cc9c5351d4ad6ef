//! `/workspace`: a signed-in account's own pages (issue 5, point 3) — my organization, my
//! achievements and demands by status, publishing and editing them, submitting for review,
//! my docking records and the match feedback on my achievements.

use crate::AppState;
use axum::Router;

/// The workspace's routes (gate: any signed-in account; the record rules decide the rest).
pub fn routes() -> Router<AppState> {
    Router::new()
}

/// The workspace's templates, for the UI-string test.
pub const TEMPLATES: &[(&str, &str)] = &[];

/// The workspace's UI strings.
pub const MESSAGES: &[(&str, &str, &str)] = &[];
