//! What a backend stores for signing in: secrets (sessions, API tokens, one-time setup links)
//! kept only as hashes, and the sign-in throttle. Accounts themselves are records
//! ([`techmarket_domain::Account`]) with an audited event log like every other record.

use techmarket_domain::Millis;
use uuid::Uuid;

/// The kinds of secret a user holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SecretKind {
    /// A signed-in browser or script (the cookie, or the token `POST /auth/login` returns).
    Session,
    /// A long-lived token for scripts, shown once.
    ApiToken,
    /// A one-time link: an invitation, or a password reset by an admin.
    Setup,
}

impl SecretKind {
    pub fn code(self) -> &'static str {
        match self {
            SecretKind::Session => "session",
            SecretKind::ApiToken => "api_token",
            SecretKind::Setup => "setup",
        }
    }

    pub fn parse(s: &str) -> Option<SecretKind> {
        [SecretKind::Session, SecretKind::ApiToken, SecretKind::Setup]
            .into_iter()
            .find(|k| k.code() == s)
    }
}

/// A secret as stored: its SHA-256 hash, never the secret itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secret {
    /// A public id (to list and revoke tokens without showing them).
    pub id: Uuid,
    pub kind: SecretKind,
    /// SHA-256 of the secret, lower-case hex. Unique.
    pub hash: String,
    pub account_id: Uuid,
    /// A token's name, given by its owner.
    pub label: Option<String>,
    /// The secret's first characters, to recognise a token in a list (`tm_3fA9…`).
    pub hint: Option<String>,
    /// A session's CSRF token, sent back with every state-changing request.
    pub csrf: Option<String>,
    pub created_at: Millis,
    /// Updated at most once a minute (sessions' idle timeout, tokens' "last used").
    pub last_used_at: Millis,
    /// Absolute expiry; `None` never expires (API tokens until revoked).
    pub expires_at: Option<Millis>,
    pub revoked_at: Option<Millis>,
    /// Where it was created from.
    pub address: Option<String>,
}

/// A filter over the event log for the audit trail, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    pub kind: Option<techmarket_domain::RecordKind>,
    pub record_id: Option<Uuid>,
    /// The actor's name exactly (`user:zhang`).
    pub actor: Option<String>,
    /// Events whose region starts with one of these prefixes (an operator's region,
    /// `RegionCode::sql_prefix`); `None` is every region, and events without a region.
    pub region_prefixes: Option<Vec<String>>,
    /// `occurred_at >= since`.
    pub since: Option<Millis>,
    /// `occurred_at < until`.
    pub until: Option<Millis>,
    /// Events with `seq < before` (the cursor of the next page).
    pub before: Option<i64>,
    pub limit: i64,
}
