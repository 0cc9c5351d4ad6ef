//! Accounts and signing in (SPEC §1, §4 Security): creating and inviting accounts, passwords
//! (argon2id), sessions, API tokens, one-time setup links and the sign-in throttle — the use
//! cases the server and the CLI call, over any [`Store`](crate::Store).
//!
//! Every change to an account goes through the event log with its actor; a password never does,
//! not even hashed: its change is recorded as an event with no content (`password_changed`,
//! `password_reset`), written in the same transaction as the hash.

use crate::auth::{Secret, SecretKind};
use crate::error::StoreError;
use crate::market::{Editable, Lifecycle, Market};
use crate::record::{NewEvent, Record, Write, stored};
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::TryRngCore;
use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::sync::OnceLock;
use techmarket_domain::account::{PASSWORD_MAX, check_password, normalize_username};
use techmarket_domain::lifecycle::{Action, Status, transition};
use techmarket_domain::{
    Account, AccountAction, AccountFields, AccountId, AccountStatus, Actor, FieldError, Millis, RecordKind,
    ValidationErrors, now_millis,
};
use uuid::Uuid;

const MINUTE: Millis = 60 * 1000;

/// Timeouts and the sign-in throttle. The defaults follow OWASP's session guidance for an
/// application handling contracts and money: a short idle timeout, a working-day absolute one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthConfig {
    /// A session unused this long ends (30 minutes).
    pub session_idle: Millis,
    /// A session ends this long after sign-in whatever its use (12 hours).
    pub session_absolute: Millis,
    /// An invitation or reset link works this long (7 days).
    pub setup_link_ttl: Millis,
    /// Failed sign-ins are counted over this window (15 minutes)…
    pub throttle_window: Millis,
    /// …and this many of them lock the username (5)…
    pub throttle_limit: i64,
    /// …for this long (15 minutes).
    pub throttle_lock: Millis,
}

impl Default for AuthConfig {
    fn default() -> AuthConfig {
        AuthConfig {
            session_idle: 30 * MINUTE,
            session_absolute: 12 * 60 * MINUTE,
            setup_link_ttl: 7 * 24 * 60 * MINUTE,
            throttle_window: 15 * MINUTE,
            throttle_limit: 5,
            throttle_lock: 15 * MINUTE,
        }
    }
}

/// A successful sign-in.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub account: Account,
    /// The session secret: the cookie's value, and the bearer token `POST /auth/login` returns.
    /// Shown once; only its hash is stored.
    pub secret: String,
    pub session: Secret,
}

/// The account behind a live session or API token.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub account: Account,
    /// The session or API token the request used.
    pub secret: Secret,
}

/// Why an account use case refused. Messages are Chinese first, then English.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// Field errors: the password policy, the username, the role's fields.
    #[error(transparent)]
    Invalid(ValidationErrors),

    #[error("用户名「{0}」已被使用 / username `{0}` is already taken")]
    UsernameTaken(String),

    /// Unknown user, wrong password, a disabled or invited account: one error, so that signing
    /// in never tells whether an account exists.
    #[error("用户名或密码不正确 / wrong username or password")]
    BadCredentials,

    /// Too many failed sign-ins: refused until `until`, even with the right password.
    #[error("登录失败次数过多，请稍后再试 / too many failed sign-ins; try again later")]
    Locked { until: Millis },

    /// A setup link that is unknown, used or expired.
    #[error("链接无效、已使用或已过期 / the link is invalid, used or expired")]
    InvalidLink,

    /// Changing a password: the current one given is wrong.
    #[error("当前密码不正确 / the current password is wrong")]
    WrongPassword,

    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for AccountError {
    /// Field errors stay field errors and a taken username says so, whichever layer found them.
    fn from(e: StoreError) -> AccountError {
        match e {
            StoreError::Invalid(v) => AccountError::Invalid(v),
            StoreError::Duplicate {
                kind: RecordKind::Account,
                column,
                value,
            } if column == "username" => AccountError::UsernameTaken(value),
            e => AccountError::Store(e),
        }
    }
}

impl From<ValidationErrors> for AccountError {
    fn from(e: ValidationErrors) -> AccountError {
        AccountError::Invalid(e)
    }
}

impl From<FieldError> for AccountError {
    fn from(e: FieldError) -> AccountError {
        AccountError::Invalid(e.into())
    }
}

/// SHA-256 of a secret, lower-case hex: how secrets are stored and looked up. A plain hash is
/// enough (no salt, no argon2): the secrets are 256 random bits, not guessable passwords.
pub fn secret_hash(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    let mut hex = String::with_capacity(64);
    for b in digest.iter() {
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

const SESSION_PREFIX: &str = "tms_";
const TOKEN_PREFIX: &str = "tmt_";
const LINK_PREFIX: &str = "tml_";

/// 32 bytes from the OS's random number generator, base64url without padding.
fn random_string() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng
        .try_fill_bytes(&mut bytes)
        .expect("the operating system's random number generator failed");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A new secret of `kind`: its prefix tells the kinds apart in logs and in leak scanners.
fn new_secret(kind: SecretKind) -> String {
    let prefix = match kind {
        SecretKind::Session => SESSION_PREFIX,
        SecretKind::ApiToken => TOKEN_PREFIX,
        SecretKind::Setup => LINK_PREFIX,
    };
    format!("{prefix}{}", random_string())
}

/// The kind a presented secret claims by its prefix.
fn claimed_kind(secret: &str) -> Option<SecretKind> {
    if secret.starts_with(SESSION_PREFIX) {
        Some(SecretKind::Session)
    } else if secret.starts_with(TOKEN_PREFIX) {
        Some(SecretKind::ApiToken)
    } else if secret.starts_with(LINK_PREFIX) {
        Some(SecretKind::Setup)
    } else {
        None
    }
}

fn internal(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Database(format!("{what}: {e}"))
}

/// Hashes a password with argon2id and the crate's default parameters (a PHC string), off the
/// async threads: it takes tens of milliseconds of CPU on purpose.
async fn hash_password(password: &str) -> Result<String, StoreError> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| internal("password hashing failed", e))
    })
    .await
    .map_err(|e| internal("password hashing failed", e))?
}

/// Verifies against a hash that stands for no account, so a sign-in under an unknown username
/// takes as long as one under a known username.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        Argon2::default()
            .hash_password(random_string().as_bytes())
            .expect("hashing a fixed-length string cannot fail")
            .to_string()
    })
}

/// Whether `password` matches the PHC string `phc`. `None` (no account, no password set) and
/// an unreadable hash still cost one argon2 verification.
async fn verify_password(password: &str, phc: Option<String>) -> Result<bool, StoreError> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || {
        let parsed = phc.as_deref().and_then(|p| PasswordHash::new(p).ok());
        match parsed {
            Some(h) => Argon2::default().verify_password(password.as_bytes(), &h).is_ok(),
            None => {
                let dummy = PasswordHash::new(dummy_hash()).expect("the dummy hash is a PHC string");
                let _ = Argon2::default().verify_password(password.as_bytes(), &dummy);
                false
            }
        }
    })
    .await
    .map_err(|e| internal("password verification failed", e))
}

/// The event of an account change, recorded like [`Market`]'s own.
fn account_event(actor: &Actor, a: &Account, action: &str, changes: serde_json::Value, now: Millis) -> NewEvent {
    NewEvent {
        occurred_at: now,
        actor: actor.clone(),
        kind: RecordKind::Account,
        record_id: a.uuid(),
        record_version: a.version(),
        action: action.to_string(),
        changes,
        region: a.region().map(|c| c.to_string()),
    }
}

/// The next version of `old` with `change` applied, as an update write with its event.
fn account_update(
    actor: &Actor,
    old: &Account,
    action: &str,
    changes: serde_json::Value,
    now: Millis,
    change: impl FnOnce(&mut Account),
) -> (Account, Write) {
    let mut new = old.clone();
    change(&mut new);
    new.version = old.version + 1;
    new.updated_at = now;
    let event = account_event(actor, &new, action, changes, now);
    let write = Write::Update {
        record: stored(&new),
        expected_version: old.version,
        event,
    };
    (new, write)
}

/// A lifecycle step of an account, as [`Market::transition`] records it.
fn account_transition(
    actor: &Actor,
    old: &Account,
    action: AccountAction,
    now: Millis,
) -> Result<(Account, Write), StoreError> {
    let to = transition(old.status, action)?;
    let changes = serde_json::json!({
        "status": {"old": old.status.code(), "new": to.code()},
        "reason": null,
    });
    Ok(account_update(actor, old, action.code(), changes, now, |a| {
        a.set_status(to, None, now)
    }))
}

/// Account and sign-in use cases over a [`Market`].
#[derive(Clone)]
pub struct Accounts {
    market: Market,
    config: AuthConfig,
}

impl Accounts {
    pub fn new(market: Market, config: AuthConfig) -> Accounts {
        Accounts { market, config }
    }

    pub fn config(&self) -> &AuthConfig {
        &self.config
    }

    pub fn market(&self) -> &Market {
        &self.market
    }

    /// Validates new account fields (and a first password), normalizes the username and
    /// checks that it is free.
    async fn prepare_new(
        &self,
        mut fields: AccountFields,
        password: Option<&str>,
    ) -> Result<AccountFields, AccountError> {
        let mut errors = match fields.validate() {
            Ok(()) => ValidationErrors::new(),
            Err(e) => e,
        };
        if let Some(p) = password
            && let Err(e) = check_password(p, &fields.username)
        {
            errors.push(e);
        }
        if !errors.is_empty() {
            return Err(AccountError::Invalid(errors));
        }
        fields.username = normalize_username(&fields.username)?;
        if self.find(&fields.username).await?.is_some() {
            return Err(AccountError::UsernameTaken(fields.username));
        }
        Ok(fields)
    }

    /// An active account with a password (CLI `admin create` / `user create`, the demo):
    /// created, activated and given its password in one transaction.
    pub async fn create_with_password(
        &self,
        actor: &Actor,
        fields: AccountFields,
        password: &str,
    ) -> Result<Account, AccountError> {
        let fields = self.prepare_new(fields, Some(password)).await?;
        let hash = hash_password(password).await?;
        let now = now_millis();
        let invited = Account::new_record(Uuid::now_v7(), None, fields, now);
        let insert = Write::Insert {
            record: stored(&invited),
            event: account_event(
                actor,
                &invited,
                "created",
                serde_json::json!({"status": invited.status.code()}),
                now,
            ),
        };
        let (active, activate) = account_transition(actor, &invited, AccountAction::Activate, now)?;
        let set = Write::SetPassword {
            account_id: active.uuid(),
            hash,
        };
        self.market.store().write(&[insert, activate, set]).await?;
        Ok(active)
    }

    /// An invited account and its one-time setup link secret (shown once; the invitee sets a
    /// password with it, which activates the account).
    pub async fn invite(&self, actor: &Actor, fields: AccountFields) -> Result<(Account, String), AccountError> {
        let fields = self.prepare_new(fields, None).await?;
        let account: Account = self.market.create(actor, None, fields).await?;
        let link = self
            .new_setup_link(account.id, actor.address.clone(), now_millis())
            .await?;
        Ok((account, link))
    }

    async fn new_setup_link(
        &self,
        account_id: AccountId,
        address: Option<String>,
        now: Millis,
    ) -> Result<String, StoreError> {
        let secret = new_secret(SecretKind::Setup);
        let stored = Secret {
            id: Uuid::now_v7(),
            kind: SecretKind::Setup,
            hash: secret_hash(&secret),
            account_id: account_id.as_uuid(),
            label: None,
            hint: None,
            csrf: None,
            created_at: now,
            last_used_at: now,
            expires_at: Some(now + self.config.setup_link_ttl),
            revoked_at: None,
            address,
        };
        self.market.store().insert_secret(&stored).await?;
        Ok(secret)
    }

    /// Sets the password through a setup link (an invitation or a reset); activates an invited
    /// account. A password the policy refuses does not use up the link.
    pub async fn complete_setup(
        &self,
        link_secret: &str,
        password: &str,
        address: Option<String>,
    ) -> Result<Account, AccountError> {
        let store = self.market.store();
        let now = now_millis();
        let hash = secret_hash(link_secret);
        let link = match store.secret_by_hash(&hash).await? {
            Some(s)
                if s.kind == SecretKind::Setup && s.revoked_at.is_none() && s.expires_at.is_none_or(|e| e > now) =>
            {
                s
            }
            _ => return Err(AccountError::InvalidLink),
        };
        let account: Account = self.market.get(link.account_id).await?;
        check_password(password, &account.fields.username)?;
        let phc = hash_password(password).await?;
        // One use: of two concurrent completions, one gets the link.
        if store.consume_secret(&hash, SecretKind::Setup, now).await?.is_none() {
            return Err(AccountError::InvalidLink);
        }
        let actor = Actor::user(&account.fields.username, address);
        let (account, update) = if account.status == AccountStatus::Invited {
            account_transition(&actor, &account, AccountAction::Activate, now)?
        } else {
            // A reset: a disabled account gets its password but stays disabled.
            account_update(&actor, &account, "password_changed", serde_json::json!({}), now, |_| {})
        };
        let set = Write::SetPassword {
            account_id: account.uuid(),
            hash: phc,
        };
        store.write(&[update, set]).await?;
        Ok(account)
    }

    /// Signs in with a username and password. Unknown users, wrong passwords and accounts that
    /// are not active all get [`AccountError::BadCredentials`] after the same work; the
    /// username is locked after `throttle_limit` failures, existing or not.
    pub async fn sign_in(
        &self,
        username: &str,
        password: &str,
        address: Option<String>,
    ) -> Result<SignedIn, AccountError> {
        let store = self.market.store();
        let now = now_millis();
        let Ok(username) = normalize_username(username) else {
            // Not a possible username: nothing to throttle, but the same work and answer.
            verify_password(password, None).await?;
            return Err(AccountError::BadCredentials);
        };
        let key = format!("user:{username}");
        if let Some(until) = store.throttle_locked_until(&key, now).await? {
            return Err(AccountError::Locked { until });
        }
        let account = self.find(&username).await?;
        let phc = match &account {
            Some(a) => store.password_hash(a.uuid()).await?,
            None => None,
        };
        // argon2 takes any length; a megabyte "password" is an attack, not a password.
        let plausible = password.chars().count() <= PASSWORD_MAX;
        let verified = plausible && verify_password(password, phc).await?;
        let account = match account {
            Some(a) if verified && a.status == AccountStatus::Active => a,
            _ => {
                let c = &self.config;
                return Err(
                    match store
                        .throttle_failure(&key, now, c.throttle_window, c.throttle_limit, c.throttle_lock)
                        .await?
                    {
                        Some(until) => AccountError::Locked { until },
                        None => AccountError::BadCredentials,
                    },
                );
            }
        };
        store.throttle_clear(&key).await?;
        let secret = new_secret(SecretKind::Session);
        let session = Secret {
            id: Uuid::now_v7(),
            kind: SecretKind::Session,
            hash: secret_hash(&secret),
            account_id: account.uuid(),
            label: None,
            hint: None,
            csrf: Some(random_string()),
            created_at: now,
            last_used_at: now,
            expires_at: Some(now + self.config.session_absolute),
            revoked_at: None,
            address,
        };
        store.insert_secret(&session).await?;
        Ok(SignedIn {
            account,
            secret,
            session,
        })
    }

    /// The account behind a session secret or API token, if it is live: not revoked, not past
    /// its absolute expiry, a session not idle longer than `session_idle`, the account active.
    /// Touches `last_used_at` at most once a minute.
    pub async fn authenticate(&self, secret: &str, now: Millis) -> Result<Option<Authenticated>, StoreError> {
        let kind = match claimed_kind(secret) {
            Some(k @ (SecretKind::Session | SecretKind::ApiToken)) => k,
            _ => return Ok(None),
        };
        let store = self.market.store();
        let Some(mut s) = store.secret_by_hash(&secret_hash(secret)).await? else {
            return Ok(None);
        };
        let idle = kind == SecretKind::Session && now - s.last_used_at > self.config.session_idle;
        if s.kind != kind || s.revoked_at.is_some() || s.expires_at.is_some_and(|e| now >= e) || idle {
            return Ok(None);
        }
        let account: Account = match self.market.get(s.account_id).await {
            Ok(a) => a,
            Err(StoreError::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        if account.status != AccountStatus::Active {
            return Ok(None);
        }
        if now - s.last_used_at >= MINUTE {
            store.touch_secret(&s.hash, now).await?;
            s.last_used_at = now;
        }
        Ok(Some(Authenticated { account, secret: s }))
    }

    /// Ends the session with this secret. Anything else (an API token, an unknown secret) is left
    /// alone: tokens are revoked by [`Accounts::revoke_token`].
    pub async fn sign_out(&self, secret: &str) -> Result<(), StoreError> {
        if claimed_kind(secret) != Some(SecretKind::Session) {
            return Ok(());
        }
        let store = self.market.store();
        if let Some(s) = store.secret_by_hash(&secret_hash(secret)).await?
            && s.kind == SecretKind::Session
        {
            store.revoke_secret(s.account_id, s.id, now_millis()).await?;
        }
        Ok(())
    }

    /// Checks the current password, applies the policy to the new one, sets it, and ends the
    /// account's other sessions and pending setup links (keeps `keep_session`, a secret). Wrong
    /// current passwords count against the sign-in throttle: a stolen session cannot guess it.
    pub async fn change_password(
        &self,
        actor: &Actor,
        account_id: AccountId,
        current: &str,
        new: &str,
        keep_session: Option<&str>,
    ) -> Result<(), AccountError> {
        let store = self.market.store();
        let now = now_millis();
        let account: Account = self.market.get(account_id.as_uuid()).await?;
        let key = format!("user:{}", account.fields.username);
        if let Some(until) = store.throttle_locked_until(&key, now).await? {
            return Err(AccountError::Locked { until });
        }
        let phc = store.password_hash(account.uuid()).await?;
        let plausible = current.chars().count() <= PASSWORD_MAX;
        if !(plausible && verify_password(current, phc).await?) {
            let c = &self.config;
            return Err(
                match store
                    .throttle_failure(&key, now, c.throttle_window, c.throttle_limit, c.throttle_lock)
                    .await?
                {
                    Some(until) => AccountError::Locked { until },
                    None => AccountError::WrongPassword,
                },
            );
        }
        check_password(new, &account.fields.username)?;
        let phc = hash_password(new).await?;
        let (_, update) = account_update(actor, &account, "password_changed", serde_json::json!({}), now, |_| {});
        let set = Write::SetPassword {
            account_id: account.uuid(),
            hash: phc,
        };
        store.write(&[update, set]).await?;
        let keep = keep_session.map(secret_hash);
        store
            .revoke_secrets_of(
                account.uuid(),
                &[SecretKind::Session, SecretKind::Setup],
                keep.as_deref(),
                now,
            )
            .await?;
        Ok(())
    }

    /// An admin's reset: the old password stops working, every session and pending setup link
    /// of the account ends, and a new one-time setup link secret is returned. API tokens are
    /// left alone (disable the account to stop them).
    pub async fn reset(&self, actor: &Actor, account_id: AccountId) -> Result<String, AccountError> {
        let store = self.market.store();
        let now = now_millis();
        let account: Account = self.market.get(account_id.as_uuid()).await?;
        // A hash of a random secret nobody holds: the old password no longer signs in.
        let unusable = hash_password(&random_string()).await?;
        let (_, update) = account_update(actor, &account, "password_reset", serde_json::json!({}), now, |_| {});
        let set = Write::SetPassword {
            account_id: account.uuid(),
            hash: unusable,
        };
        store.write(&[update, set]).await?;
        store
            .revoke_secrets_of(account.uuid(), &[SecretKind::Session, SecretKind::Setup], None, now)
            .await?;
        Ok(self.new_setup_link(account.id, actor.address.clone(), now).await?)
    }

    /// Disables the account: its sessions, API tokens and setup links end at once.
    pub async fn disable(
        &self,
        actor: &Actor,
        account_id: AccountId,
        reason: Option<String>,
    ) -> Result<Account, AccountError> {
        let account: Account = self
            .market
            .transition(actor, account_id.as_uuid(), None, AccountAction::Disable, reason)
            .await?;
        self.market
            .store()
            .revoke_secrets_of(
                account.uuid(),
                &[SecretKind::Session, SecretKind::ApiToken, SecretKind::Setup],
                None,
                now_millis(),
            )
            .await?;
        Ok(account)
    }

    /// Enables a disabled account (not its old sessions or tokens: they stay ended).
    pub async fn enable(&self, actor: &Actor, account_id: AccountId) -> Result<Account, AccountError> {
        Ok(self
            .market
            .transition(actor, account_id.as_uuid(), None, AccountAction::Enable, None)
            .await?)
    }

    /// A new API token (its secret shown once) that acts with its owner's role.
    pub async fn create_token(
        &self,
        account_id: AccountId,
        label: &str,
        address: Option<String>,
    ) -> Result<(Secret, String), AccountError> {
        let label = techmarket_domain::error::text("label", label, true, 60)?;
        let account: Account = self.market.get(account_id.as_uuid()).await?;
        let now = now_millis();
        let secret = new_secret(SecretKind::ApiToken);
        let token = Secret {
            id: Uuid::now_v7(),
            kind: SecretKind::ApiToken,
            hash: secret_hash(&secret),
            account_id: account.uuid(),
            label: Some(label),
            hint: Some(secret.chars().take(8).collect()),
            csrf: None,
            created_at: now,
            last_used_at: now,
            expires_at: None,
            revoked_at: None,
            address,
        };
        self.market.store().insert_secret(&token).await?;
        Ok((token, secret))
    }

    /// The account's API tokens, newest first, revoked ones included; never their secrets.
    pub async fn tokens(&self, account_id: AccountId) -> Result<Vec<Secret>, StoreError> {
        self.market
            .store()
            .secrets_of(account_id.as_uuid(), SecretKind::ApiToken)
            .await
    }

    /// Revokes one of the account's API tokens; false when it has no live token with this id.
    pub async fn revoke_token(&self, account_id: AccountId, token_id: Uuid) -> Result<bool, StoreError> {
        let tokens = self.tokens(account_id).await?;
        if !tokens.iter().any(|t| t.id == token_id && t.revoked_at.is_none()) {
            return Ok(false);
        }
        self.market
            .store()
            .revoke_secret(account_id.as_uuid(), token_id, now_millis())
            .await
    }

    /// The account with this username (normalized first); `None` for a username that cannot
    /// exist.
    pub async fn find(&self, username: &str) -> Result<Option<Account>, StoreError> {
        let Ok(username) = normalize_username(username) else {
            return Ok(None);
        };
        let bodies = self
            .market
            .store()
            .find_by(RecordKind::Account, "username", &[username])
            .await?;
        bodies
            .first()
            .map(|b| {
                serde_json::from_str(b).map_err(|e| StoreError::Corrupt {
                    kind: RecordKind::Account,
                    message: e.to_string(),
                })
            })
            .transpose()
    }

    pub async fn get(&self, id: AccountId) -> Result<Account, StoreError> {
        self.market.get(id.as_uuid()).await
    }

    /// Updates the profile: display name, e-mail, phone and the role's fields. The username
    /// never changes (the audit trail names users by it): giving another one is an error.
    pub async fn update(
        &self,
        actor: &Actor,
        id: AccountId,
        expected_version: Option<i64>,
        mut fields: AccountFields,
    ) -> Result<Account, AccountError> {
        let old = self.get(id).await?;
        let same = normalize_username(&fields.username).is_ok_and(|u| u == old.fields.username);
        if !same {
            return Err(FieldError::new(
                "username",
                "username_fixed",
                "用户名创建后不能修改",
                "the username cannot be changed once the account exists",
            )
            .into());
        }
        fields.username = old.fields.username.clone();
        fields.validate()?;
        Ok(self
            .market
            .update(actor, id.as_uuid(), expected_version, fields)
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_prefixed_random_and_hashed_as_hex() {
        let a = new_secret(SecretKind::Session);
        let b = new_secret(SecretKind::Session);
        assert_ne!(a, b);
        assert!(a.starts_with("tms_") && a.len() == 4 + 43, "{a}");
        assert!(new_secret(SecretKind::ApiToken).starts_with("tmt_"));
        assert!(new_secret(SecretKind::Setup).starts_with("tml_"));
        assert_eq!(
            secret_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[tokio::test]
    async fn passwords_hash_to_argon2id_phc_strings() {
        let h = hash_password("长白山-天池-2026").await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$"), "{h}");
        assert!(verify_password("长白山-天池-2026", Some(h.clone())).await.unwrap());
        assert!(!verify_password("长白山-天池-2027", Some(h)).await.unwrap());
        assert!(!verify_password("anything", None).await.unwrap());
        assert!(!verify_password("anything", Some("not a hash".into())).await.unwrap());
    }
}
