//! `/metrics` in the Prometheus text format: requests by route and status, a latency
//! histogram per route, and the market's headline counts.
//!
//! Routes are labelled by their template (`/api/v1/achievements/{id}`), never by the raw URL,
//! so the number of series stays bounded whatever clients send.

use crate::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 11] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

#[derive(Default)]
struct Histogram {
    /// Cumulative counts are computed when rendering; these are per bucket.
    buckets: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

#[derive(Default)]
struct Registry {
    requests: BTreeMap<(String, String, u16), u64>,
    durations: BTreeMap<(String, String), Histogram>,
}

/// The server's request metrics.
#[derive(Default)]
pub struct Metrics {
    registry: Mutex<Registry>,
}

impl Metrics {
    pub fn observe(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let secs = elapsed.as_secs_f64();
        let mut r = self.registry.lock().unwrap_or_else(|p| p.into_inner());
        *r.requests
            .entry((method.to_string(), route.to_string(), status))
            .or_default() += 1;
        let h = r.durations.entry((method.to_string(), route.to_string())).or_default();
        if let Some(i) = BUCKETS.iter().position(|b| secs <= *b) {
            h.buckets[i] += 1;
        }
        h.sum += secs;
        h.count += 1;
    }

    fn render_requests(&self, out: &mut String) {
        let r = self.registry.lock().unwrap_or_else(|p| p.into_inner());
        out.push_str("# HELP techmarket_http_requests_total HTTP requests by method, route and status.\n");
        out.push_str("# TYPE techmarket_http_requests_total counter\n");
        for ((method, route, status), n) in &r.requests {
            let _ = writeln!(
                out,
                "techmarket_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {n}",
                escape(method),
                escape(route)
            );
        }
        out.push_str("# HELP techmarket_http_request_duration_seconds Time to answer a request.\n");
        out.push_str("# TYPE techmarket_http_request_duration_seconds histogram\n");
        for ((method, route), h) in &r.durations {
            let labels = format!("method=\"{}\",route=\"{}\"", escape(method), escape(route));
            let mut cumulative = 0;
            for (le, n) in BUCKETS.iter().zip(h.buckets) {
                cumulative += n;
                let _ = writeln!(
                    out,
                    "techmarket_http_request_duration_seconds_bucket{{{labels},le=\"{le}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "techmarket_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "techmarket_http_request_duration_seconds_sum{{{labels}}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "techmarket_http_request_duration_seconds_count{{{labels}}} {}",
                h.count
            );
        }
    }
}

/// A label value with `\`, `"` and newlines escaped.
fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// Middleware: counts and times every request under its route template.
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().to_string();
    let route = req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_string());
    let res = next.run(req).await;
    let route = route.unwrap_or_else(|| "unmatched".to_string());
    state
        .metrics()
        .observe(&method, &route, res.status().as_u16(), started.elapsed());
    res
}

/// The metrics in the Prometheus text format (version 0.0.4).
#[utoipa::path(
    get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain", body = String))
)]
pub async fn metrics(State(state): State<AppState>) -> Response {
    let mut out = String::new();
    state.metrics().render_requests(&mut out);
    let counts = tokio::time::timeout(Duration::from_secs(5), state.market().counts()).await;
    out.push_str("# HELP techmarket_database_up Whether the database answered the counts below.\n");
    out.push_str("# TYPE techmarket_database_up gauge\n");
    match counts {
        Ok(Ok(c)) => {
            out.push_str("techmarket_database_up 1\n");
            out.push_str("# HELP techmarket_records Records in the directory, by kind.\n");
            out.push_str("# TYPE techmarket_records gauge\n");
            for (kind, n) in [
                ("organizations", c.organizations),
                ("experts", c.experts),
                ("brokers", c.brokers),
            ] {
                let _ = writeln!(out, "techmarket_records{{kind=\"{kind}\"}} {n}");
            }
            out.push_str("# HELP techmarket_published_records Records visible to the public, by kind.\n");
            out.push_str("# TYPE techmarket_published_records gauge\n");
            for (kind, n) in [
                ("achievements", c.achievements_published),
                ("demands", c.demands_published),
            ] {
                let _ = writeln!(out, "techmarket_published_records{{kind=\"{kind}\"}} {n}");
            }
        }
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "metrics: market counts failed");
            out.push_str("techmarket_database_up 0\n");
        }
        Err(_) => {
            tracing::warn!("metrics: market counts timed out");
            out.push_str("techmarket_database_up 0\n");
        }
    }
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        out,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative() {
        let m = Metrics::default();
        m.observe("GET", "/a/{id}", 200, Duration::from_millis(3));
        m.observe("GET", "/a/{id}", 404, Duration::from_millis(30));
        let mut out = String::new();
        m.render_requests(&mut out);
        assert!(
            out.contains("techmarket_http_requests_total{method=\"GET\",route=\"/a/{id}\",status=\"404\"} 1"),
            "{out}"
        );
        assert!(out.contains("le=\"0.005\"} 1"), "{out}");
        assert!(out.contains("le=\"0.05\"} 2"), "{out}");
        assert!(out.contains("le=\"+Inf\"} 2"), "{out}");
        assert!(out.contains("_count{method=\"GET\",route=\"/a/{id}\"} 2"), "{out}");
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
