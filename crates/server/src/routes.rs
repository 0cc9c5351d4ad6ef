//! The whole URL space on one screen.
//!
//! Every API route is registered with `routes!`, which takes the route's method and path from
//! the handler's `#[utoipa::path]` — so the router and the OpenAPI document come from this one
//! list and cannot drift apart. The only routes outside the document are the API browser's and
//! the portal's pages ([`crate::pages::routes`]: HTML for people, not API operations).

use crate::api::v1::{
    accounts, achievements, audit, brokers, contract_files, contracts, deal_room, demands, docking, experts, listings,
    organizations, search, session, stats,
};
use crate::extract::BODY_LIMIT;
use crate::{AppState, auth, health, metrics, middleware, openapi, pages};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::HeaderValue;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::router::UtoipaMethodRouterExt;
use utoipa_axum::routes;
use utoipa_swagger_ui::{Config, SwaggerUi};

/// The API browser (Swagger UI, served from the binary: works offline).
pub const DOCS: &str = "/api/docs";

/// Every documented route.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::base())
        // C1 directory
        .routes(routes!(organizations::list, organizations::create))
        .routes(routes!(organizations::get, organizations::update))
        .routes(routes!(organizations::transition))
        .routes(routes!(organizations::history))
        .routes(routes!(experts::list, experts::create))
        .routes(routes!(experts::get, experts::update))
        .routes(routes!(experts::transition))
        .routes(routes!(experts::history))
        .routes(routes!(brokers::list, brokers::create))
        .routes(routes!(brokers::get, brokers::update))
        .routes(routes!(brokers::transition))
        .routes(routes!(brokers::history))
        // C2 achievements
        .routes(routes!(achievements::list, achievements::create))
        .routes(routes!(achievements::get, achievements::update))
        .routes(routes!(achievements::transition))
        .routes(routes!(achievements::history))
        // C3 demands
        .routes(routes!(demands::list, demands::create))
        .routes(routes!(demands::get, demands::update))
        .routes(routes!(demands::transition))
        .routes(routes!(demands::history))
        // C4 search, C5 matching
        .routes(routes!(search::search))
        .routes(routes!(search::demand_matches))
        .routes(routes!(search::achievement_matches))
        // C5 docking (对接) and match feedback
        .routes(routes!(docking::list, docking::open))
        .routes(routes!(docking::get))
        .routes(routes!(docking::transition))
        .routes(routes!(docking::note))
        .routes(routes!(docking::credit))
        .routes(routes!(docking::history))
        .routes(routes!(docking::broker_counts))
        .routes(routes!(docking::list_feedback, docking::give_feedback))
        .routes(routes!(docking::achievement_feedback))
        // Signing in (SPEC §3) and accounts (C1)
        // C7 listing trading
        .routes(routes!(listings::list, listings::create))
        .routes(routes!(listings::get))
        .routes(routes!(listings::step))
        .routes(routes!(listings::history))
        .routes(routes!(listings::draft_contract))
        .routes(routes!(listings::register_intent, listings::list_intents))
        .routes(routes!(listings::confirm_deposit))
        .routes(routes!(listings::accept_confidentiality))
        .routes(routes!(listings::withdraw_intent))
        .routes(routes!(listings::auction, listings::schedule_auction))
        .routes(routes!(listings::auction_events))
        .routes(routes!(listings::bids, listings::place_bid))
        .routes(routes!(listings::verify_certificate))
        .routes(routes!(listings::notifications))
        .routes(routes!(listings::mark_read))
        // The deal room: an upload is read as a stream and held to the deal room's own limits
        // (the file's size, one file, no other fields), not to the 1 MiB of a JSON body.
        .routes(routes!(deal_room::upload, deal_room::list).layer(DefaultBodyLimit::disable()))
        .routes(routes!(deal_room::download))
        // C8 contract registration and its statistics
        .routes(routes!(contracts::list, contracts::create))
        .routes(routes!(contracts::get, contracts::update))
        .routes(routes!(contracts::submit))
        .routes(routes!(contracts::withdraw))
        .routes(routes!(contracts::register))
        .routes(routes!(contracts::reject))
        .routes(routes!(contracts::amend))
        .routes(routes!(contracts::cancel))
        .routes(routes!(contracts::history))
        .routes(routes!(contract_files::upload).layer(DefaultBodyLimit::disable()))
        .routes(routes!(contract_files::download, contract_files::remove))
        .routes(routes!(contracts::verify))
        .routes(routes!(contracts::statistics))
        .routes(routes!(contracts::statistics_export))
        //
        .routes(routes!(session::login))
        .routes(routes!(session::logout))
        .routes(routes!(session::me))
        .routes(routes!(session::password))
        .routes(routes!(session::setup))
        .routes(routes!(session::tokens, session::create_token))
        .routes(routes!(session::revoke_token))
        .routes(routes!(accounts::list, accounts::invite))
        .routes(routes!(accounts::get))
        .routes(routes!(accounts::disable))
        .routes(routes!(accounts::enable))
        .routes(routes!(accounts::reset))
        // The audit trail
        .routes(routes!(audit::list))
        .routes(routes!(audit::export))
        // C12 headline figures
        .routes(routes!(stats::stats))
        // C15 operations
        .routes(routes!(openapi::openapi_json))
        .routes(routes!(health::healthz))
        .routes(routes!(metrics::metrics))
}

/// The application: the API, the API browser, the portal, and what wraps every request.
pub fn router(state: AppState) -> Router {
    let (api, _) = api().split_for_parts();
    let docs = SwaggerUi::new(DOCS).config(Config::new(["/api/v1/openapi.json"]).validator_url("none"));
    // Every routed request passes the gate of `access::gate` (and the CSRF check) first.
    let app = api
        .merge(docs)
        .merge(pages::routes())
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), auth::enforce))
        .fallback(middleware::not_found)
        .method_not_allowed_fallback(middleware::method_not_allowed);
    wrap(app, &state).with_state(state)
}

/// What wraps every request, outermost first: a request id, security headers, the request
/// log, metrics, errors rendered in the user's language, a 500 for a panic, the body limit.
fn wrap(app: Router<AppState>, state: &AppState) -> Router<AppState> {
    let header = |(name, value): &(axum::http::HeaderName, &'static str)| {
        SetResponseHeaderLayer::if_not_present(name.clone(), HeaderValue::from_static(value))
    };
    let [nosniff, referrer, frame, csp] = &middleware::SECURITY_HEADERS;
    let stack = ServiceBuilder::new()
        .layer(axum::middleware::from_fn(middleware::request_id))
        .layer(header(nosniff))
        .layer(header(referrer))
        .layer(header(frame))
        .layer(header(csp))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(middleware::request_span)
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(axum::middleware::from_fn_with_state(state.clone(), metrics::track))
        .layer(axum::middleware::from_fn(middleware::render_errors))
        .layer(CatchPanicLayer::custom(middleware::panic_response))
        .layer(DefaultBodyLimit::max(BODY_LIMIT));
    app.layer(stack)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use std::sync::Arc;
    use tower::ServiceExt;

    #[test]
    fn every_route_is_registered_through_the_documented_list() {
        // Routes added beside `api()` would be served but not documented; the API browser and
        // the portal's pages (HTML, not API operations) are the exceptions.
        let src = include_str!("routes.rs");
        let code = src.split("#[cfg(test)]").next().unwrap();
        for call in [
            ".route(",
            ".route_service(",
            ".nest(",
            ".nest_service(",
            ".fallback_service(",
        ] {
            assert!(
                !code.contains(call),
                "routes.rs registers a route outside `api()`: {call}"
            );
        }
        assert_eq!(
            code.matches(".merge(").count(),
            2,
            "only the API browser and the portal's pages are merged"
        );
    }

    #[tokio::test]
    async fn a_panicking_handler_answers_500_in_the_error_shape() {
        let store = techmarket_store_sqlite::SqliteStore::open_temporary().await.unwrap();
        let state = AppState::new(
            techmarket_store::Market::new(Arc::new(store)),
            techmarket_domain::standards::RegionTable::jilin(),
        );
        let boom = axum::routing::get(|| async {
            panic!("boom");
            #[allow(unreachable_code)]
            ()
        });
        let app = wrap(
            Router::new().route("/api/v1/boom", boom.clone()).route("/a-page", boom),
            &state,
        )
        .with_state(state);
        // A page that panics is the portal's 500 page.
        let res = app
            .clone()
            .oneshot(Request::get("/a-page").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
        let body = axum::body::to_bytes(res.into_body(), 1 << 20).await.unwrap();
        let html = String::from_utf8(body.to_vec()).unwrap();
        assert!(html.contains("出错了") && !html.contains("boom"), "{html}");
        // The API's answer is JSON.
        let res = app
            .oneshot(Request::get("/api/v1/boom?lang=en").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(res.headers()["x-frame-options"], "DENY");
        let body = axum::body::to_bytes(res.into_body(), 1 << 20).await.unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["error"]["code"], "internal_error");
        assert!(!v.to_string().contains("boom"), "the cause stays in the log: {v}");
        assert!(v["error"]["message"].as_str().unwrap().is_ascii(), "{v}");
    }
}
