//! The gate of every route, on one screen: who may call it at all. What a caller may do with
//! a particular record (their organization's, their region's) is decided after, by
//! [`techmarket_domain::access::may`] in the record handlers — the same rules everywhere.
//!
//! [`crate::auth::enforce`] looks every routed request up here; a route missing from this
//! table is refused, and the authorization matrix test fails until it has an entry.

use crate::error::{ApiError, ErrorCode};
use axum::http::Method;
use techmarket_domain::{Role, Subject};

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// Anyone, visitors included (what they see is still filtered by the record rules).
    Public,
    /// Any signed-in account; the record rules decide the rest.
    SignedIn,
    /// Accounts of these roles only.
    Roles(&'static [Role]),
}

impl Gate {
    /// 401 for a visitor at a closed gate, 403 for a signed-in account of another role.
    pub fn admits(self, subject: &Subject) -> Result<(), ApiError> {
        match (self, subject) {
            (Gate::Public, _) => Ok(()),
            (_, Subject::Visitor) => Err(ApiError::new(ErrorCode::Unauthenticated)),
            (Gate::SignedIn, Subject::Account(_)) => Ok(()),
            (Gate::Roles(roles), Subject::Account(p)) if roles.contains(&p.role) => Ok(()),
            (Gate::Roles(_), Subject::Account(_)) => Err(ApiError::new(ErrorCode::Forbidden)),
        }
    }
}

use Role::*;
const OPERATORS: Gate = Gate::Roles(&[Operator, Admin]);
const PUBLISHERS: Gate = Gate::Roles(&[Member, Operator, Admin]);
/// Account management: the administrator, and an organization's own admin (a member with
/// `org_admin`, checked on the account).
const ACCOUNT_ADMINS: Gate = Gate::Roles(&[Member, Admin]);
/// Docking (对接): the roles that can be party to one — the two sides' members, the credited
/// broker, the region's operators. Experts and finance staff never are.
const DOCKING: Gate = Gate::Roles(&[Member, Broker, Operator, Admin]);
/// Match feedback: the enterprises that give it and the listers that read it (members), and
/// operators.
const FEEDBACK: Gate = Gate::Roles(&[Member, Operator, Admin]);

/// The gate of a route, by method and route template (`/api/v1/achievements/{id}`).
pub fn gate(method: &Method, route: &str) -> Option<Gate> {
    let m = method.as_str();
    let records = |kind: &str| {
        matches!(
            kind,
            "organizations" | "experts" | "brokers" | "achievements" | "demands"
        )
    };
    let parts: Vec<&str> = route.trim_start_matches('/').split('/').collect();
    Some(match (m, parts.as_slice()) {
        // The API browser's static pages.
        ("GET", ["api", "docs", ..]) => Gate::Public,
        // The portal's public pages (crate::pages): the home page, the four search pages, the
        // stylesheet and icon. `[""]` is `/`.
        ("GET" | "HEAD", [""] | ["achievements" | "demands" | "experts" | "organizations"]) => Gate::Public,
        ("GET" | "HEAD", ["achievements" | "demands" | "experts" | "organizations", "{id}"]) => Gate::Public,
        ("GET" | "HEAD", ["static", "{file}"]) => Gate::Public,
        // Listing trading (crate::pages::trading): the listings, a listing, certificate checks
        // are public; a buyer's steps (intent, confidentiality, withdrawal, bids) are members'.
        (
            "GET" | "HEAD",
            ["listings"] | ["listings", "{id}"] | ["listings", "verify"] | ["listings", "verify", "{number}"],
        ) => Gate::Public,
        (
            "POST",
            ["listings", "{id}", "bid" | "intent"] | ["listings", "{id}", "intent", "confidentiality" | "withdraw"],
        ) => Gate::Roles(&[Member]),
        // Anyone signed in may object to a result during its publicity, as with the API's step.
        ("POST", ["listings", "{id}", "objection"]) => Gate::SignedIn,
        // Signing in and out with a form (a visitor's login form is checked for its origin).
        ("GET" | "HEAD", ["login"]) => Gate::Public,
        ("POST", ["login" | "logout"]) => Gate::Public,
        // The member workspace: any account; the record rules decide what it holds.
        ("GET" | "HEAD" | "POST", ["workspace", ..]) => Gate::SignedIn,
        // In-app notifications (outbid, deposit, …): any account; an organization's members
        // see its own.
        ("GET" | "HEAD" | "POST", ["notifications", ..]) => Gate::SignedIn,
        // The operator's back office and the dashboard.
        ("GET" | "HEAD" | "POST", ["backoffice", ..]) => OPERATORS,
        ("GET" | "HEAD", ["dashboard", ..]) => OPERATORS,
        ("GET", ["healthz"] | ["metrics"] | ["api", "v1", "openapi.json"] | ["api", "v1", "stats"]) => Gate::Public,

        // C1–C3 records: reading is public (the record rules hide what is not published).
        ("GET", ["api", "v1", kind]) if records(kind) => Gate::Public,
        ("GET", ["api", "v1", kind, "{id}"]) if records(kind) => Gate::Public,
        ("POST", ["api", "v1", "achievements" | "demands"]) => PUBLISHERS,
        ("POST", ["api", "v1", "organizations" | "experts" | "brokers"]) => OPERATORS,
        ("PUT", ["api", "v1", kind, "{id}"]) if records(kind) => Gate::SignedIn,
        ("POST", ["api", "v1", kind, "{id}", "transitions"]) if records(kind) => Gate::SignedIn,
        ("GET", ["api", "v1", kind, "{id}", "history"]) if records(kind) => Gate::SignedIn,

        // C4 search and C5 matching: the index holds only what visitors may see; a match's
        // source record is checked like a read of it.
        ("GET", ["api", "v1", "search"]) => Gate::Public,
        ("GET", ["api", "v1", "demands" | "achievements", "{id}", "matches"]) => Gate::Public,

        // C5 docking and match feedback: the record rules decide which dockings and feedback a
        // caller of these roles sees and runs. A broker's counts are public, like their profile.
        ("GET" | "POST", ["api", "v1", "dockings"]) => DOCKING,
        ("GET", ["api", "v1", "dockings", "{id}"] | ["api", "v1", "dockings", "{id}", "history"]) => DOCKING,
        ("POST", ["api", "v1", "dockings", "{id}", "transitions" | "notes"]) => DOCKING,
        ("PUT", ["api", "v1", "dockings", "{id}", "broker"]) => DOCKING,
        ("GET", ["api", "v1", "brokers", "{id}", "dockings", "counts"]) => Gate::Public,
        ("GET" | "POST", ["api", "v1", "match-feedback"]) => FEEDBACK,
        ("GET", ["api", "v1", "achievements", "{id}", "feedback"]) => FEEDBACK,

        // C7 listing trading: listings are read like records (the public sees announced ones);
        // the record rules decide who runs each step. Bids and intents are members'; deposits
        // and schedules operators' (checked on the record).
        ("GET", ["api", "v1", "listings"] | ["api", "v1", "listings", "{id}"]) => Gate::Public,
        ("GET", ["api", "v1", "listings", "{id}", "auction" | "bids"]) => Gate::Public,
        ("GET", ["api", "v1", "listings", "{id}", "auction", "events"]) => Gate::Public,
        ("GET", ["api", "v1", "certificates", "{number}"]) => Gate::Public,
        ("POST", ["api", "v1", "listings"]) => PUBLISHERS,
        ("POST", ["api", "v1", "listings", "{id}", "steps"]) => Gate::SignedIn,
        (
            "GET",
            [
                "api",
                "v1",
                "listings",
                "{id}",
                "history" | "draft-contract" | "intents",
            ],
        ) => Gate::SignedIn,
        ("POST", ["api", "v1", "listings", "{id}", "intents" | "bids"]) => Gate::Roles(&[Member]),
        ("PUT", ["api", "v1", "listings", "{id}", "auction"]) => OPERATORS,
        ("POST", ["api", "v1", "intents", "{id}", "deposit"]) => OPERATORS,
        ("POST", ["api", "v1", "intents", "{id}", "confidentiality" | "withdraw"]) => Gate::Roles(&[Member]),
        // The deal room: the listing and the caller's intent decide (the seller's members and
        // the region's operators upload; they and buyers who accepted the agreement read).
        ("POST", ["api", "v1", "listings", "{id}", "documents"]) => PUBLISHERS,
        (
            "GET",
            ["api", "v1", "listings", "{id}", "documents"] | ["api", "v1", "listings", "{id}", "documents", "{doc}"],
        ) => Gate::SignedIn,
        ("GET" | "HEAD", ["listings", "{id}", "deal-room"]) => Gate::SignedIn,
        ("POST", ["listings", "{id}", "deal-room", "documents"]) => PUBLISHERS,
        ("POST", ["listings", "{id}", "deal-room", "accept"]) => Gate::Roles(&[Member]),
        // C8 contract registration: the record rules decide whose contracts a caller sees and
        // runs (the applicant's members; the office's operators register); verification and
        // the statistics are public.
        ("GET" | "POST", ["api", "v1", "contracts"]) => Gate::SignedIn,
        ("GET" | "PUT", ["api", "v1", "contracts", "{id}"]) => Gate::SignedIn,
        ("GET", ["api", "v1", "contracts", "{id}", "history"]) => Gate::SignedIn,
        ("POST", ["api", "v1", "contracts", "{id}", "attachments"]) => PUBLISHERS,
        ("GET", ["api", "v1", "contracts", "{id}", "attachments", "{file}"]) => Gate::SignedIn,
        ("DELETE", ["api", "v1", "contracts", "{id}", "attachments", "{file}"]) => PUBLISHERS,
        ("POST", ["api", "v1", "contracts", "{id}", "submit" | "withdraw"]) => PUBLISHERS,
        (
            "POST",
            [
                "api",
                "v1",
                "contracts",
                "{id}",
                "register" | "reject" | "amend" | "cancel",
            ],
        ) => OPERATORS,
        (
            "GET",
            ["api", "v1", "contract-registrations", "{number}"]
            | ["api", "v1", "contract-statistics"]
            | ["api", "v1", "contract-statistics", "export"],
        ) => Gate::Public,
        (
            "GET" | "HEAD",
            ["contracts", "verify"] | ["contracts", "verify", "{number}"] | ["contracts", "statistics"],
        ) => Gate::Public,
        ("GET" | "HEAD", ["contracts", "{id}", "certificate"]) => Gate::SignedIn,
        ("GET", ["api", "v1", "notifications"]) => Gate::SignedIn,
        ("POST", ["api", "v1", "notifications", "read"]) => Gate::SignedIn,

        // Signing in.
        ("POST", ["api", "v1", "auth", "login" | "logout" | "setup"]) => Gate::Public,
        ("GET", ["api", "v1", "auth", "me"]) => Gate::SignedIn,
        ("POST", ["api", "v1", "auth", "password"]) => Gate::SignedIn,
        ("GET" | "POST", ["api", "v1", "auth", "tokens"]) => Gate::SignedIn,
        ("DELETE", ["api", "v1", "auth", "tokens", "{id}"]) => Gate::SignedIn,

        // Accounts.
        ("GET" | "POST", ["api", "v1", "accounts"]) => ACCOUNT_ADMINS,
        ("GET", ["api", "v1", "accounts", "{id}"]) => Gate::SignedIn,
        ("POST", ["api", "v1", "accounts", "{id}", "disable" | "enable" | "reset"]) => ACCOUNT_ADMINS,

        // The audit trail.
        ("GET", ["api", "v1", "audit"] | ["api", "v1", "audit", "export"]) => OPERATORS,

        _ => return None,
    })
}
