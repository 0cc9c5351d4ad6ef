//! The portal in a real browser (issue 5, point 7): headless Chromium driven over WebDriver by
//! Debian's chromedriver, against the real server on 127.0.0.1:0 over a fresh SQLite database
//! per test. What a visitor, a member and an operator do with the mouse and the keyboard;
//! screenshots of the main pages at 1440 and 375 px wide under `target/screenshots/`.
//!
//! Needs `chromium`, `chromium-driver` and `fonts-noto-cjk` (`.ci/run` installs them): without
//! them these tests fail, saying so.

// The API tests' server and fixtures, shared as they are (this binary uses only some of them).
#[allow(dead_code)]
#[path = "../api/client.rs"]
mod client;
#[allow(dead_code)]
#[path = "../api/fixtures.rs"]
mod fixtures;

mod contracts;
mod flows;
// Only its accounts with a password are used here; its form helpers serve the API tests.
mod harness;
#[path = "../api/portal.rs"]
#[allow(dead_code)]
mod portal;
mod signin;
mod trading;
mod visitor;
mod workspace;
