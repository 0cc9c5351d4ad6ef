//! `/static/{file}`: the portal's stylesheet, icon, the live auction's script and the print
//! button's, compiled into the binary (no CDN: the portal works offline on an intranet).

use super::Ctx;
use super::errors::ErrorPage;
use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use std::sync::LazyLock;

/// `(name, content type, bytes)`.
const FILES: &[(&str, &str, &[u8])] = &[
    (
        "portal.css",
        "text/css; charset=utf-8",
        include_bytes!("../../static/portal.css"),
    ),
    ("icon.svg", "image/svg+xml", include_bytes!("../../static/icon.svg")),
    (
        "auction.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/auction.js"),
    ),
    (
        "print.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/print.js"),
    ),
];

/// A fingerprint of the files, put in their addresses (`?v=`) so a new build's files are
/// fetched at once while browsers may keep each version for a year.
pub static VERSION: LazyLock<String> = LazyLock::new(|| {
    // FNV-1a: stable across builds and platforms, unlike `DefaultHasher`.
    let mut h: u64 = 0xcbf29ce484222325;
    for (_, _, bytes) in FILES {
        for b in *bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x100000001b3);
        }
    }
    format!("{:08x}", h as u32)
});

/// The address of a static file, with the fingerprint.
pub fn url(name: &str) -> String {
    format!("/static/{name}?v={}", *VERSION)
}

pub async fn asset(ctx: Ctx, Path(file): Path<String>) -> Response {
    match FILES.iter().find(|(name, _, _)| *name == file) {
        Some((_, content_type, bytes)) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
                (
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=31536000, immutable"),
                ),
            ],
            *bytes,
        )
            .into_response(),
        None => ErrorPage::not_found(ctx).into_response(),
    }
}
