//! Storage for techmarket: the [`Store`] trait every backend implements (SQLite, PostgreSQL),
//! the market's use cases over it ([`Market`]), and the contract test suite every backend must
//! pass ([`contract`]).
//!
//! A backend is deliberately small: it stores records as a JSON body plus the columns that
//! lists filter on, appends to the event log in the same transaction, and reads both back.
//! Everything with rules in it — validation, lifecycles, diffs for the audit trail — lives
//! once, in [`Market`], above the trait.

pub mod accounts;
pub mod accounts_contract;
pub mod auth;
pub mod contract;
pub mod contract_statistics;
pub mod deal_room;
pub mod deal_room_contract;
pub mod docking;
pub mod docking_contract;
pub mod error;
pub mod market;
pub mod query;
pub mod record;
pub mod registration;
pub mod registration_contract;
pub mod trading;
pub mod trading_contract;

pub use accounts::{AccountError, Accounts, AuthConfig, Authenticated, SignedIn, secret_hash};
pub use auth::{AuditQuery, Secret, SecretKind};
pub use contract_statistics::{AggregateRow, ContractStatistics, StatRow, StatsQuery};
pub use deal_room::DocumentAccess;
pub use docking::{DockingCounts, docking_visibility, feedback_visibility};
pub use error::{StoreError, StoreResult};
pub use market::Market;
pub use query::{Condition, Cursor, ListQuery, Order, SqlValue};
pub use record::{AuctionWrite, Event, NewEvent, Record, StoredRecord, Write};
pub use registration::{ContractQuery, MAX_CONTRACT_ATTACHMENTS, RegistrationConfig, RegistrationOffice};
pub use techmarket_domain::Millis;
pub use trading::{AuctionRow, BidRequest, ListingStep, PlacedBid, TradingConfig};

use async_trait::async_trait;
use techmarket_domain::RecordKind;
use uuid::Uuid;

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// An applied schema migration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedMigration {
    pub version: i64,
    pub description: String,
}

/// What a database backend provides. Methods are few and generic over the record kind; the
/// typed use cases are on [`Market`].
///
/// Every table has the common columns `id, external_id, version, status, created_at,
/// updated_at, body` and the kind's index columns ([`record::index_columns`]).
#[async_trait]
pub trait Store: Send + Sync + 'static {
    fn backend(&self) -> Backend;

    /// Runs the pending migrations of this backend.
    async fn migrate(&self) -> StoreResult<()>;

    /// The migrations applied to the database, in order.
    async fn applied_migrations(&self) -> StoreResult<Vec<AppliedMigration>>;

    /// Checks that the database answers (for `/healthz`).
    async fn ping(&self) -> StoreResult<()>;

    /// Applies the writes and appends their events in ONE transaction: all or nothing.
    ///
    /// An insert whose `external_id` or unique column (an organization's `name`) is taken
    /// fails with [`StoreError::Duplicate`]; an update whose record is missing fails with
    /// [`StoreError::NotFound`], one whose stored version is not `expected_version` with
    /// [`StoreError::VersionConflict`]. Events get consecutive sequence numbers in commit order:
    /// a follower that has read up to `seq` never later sees a smaller one appear.
    async fn write(&self, writes: &[Write]) -> StoreResult<()>;

    /// The body of one record, by id.
    async fn get(&self, kind: RecordKind, id: Uuid) -> StoreResult<Option<String>>;

    /// Bodies of the records whose `column` (one of `external_id`, `name`) is in `values`.
    async fn find_by(&self, kind: RecordKind, column: &'static str, values: &[String]) -> StoreResult<Vec<String>>;

    /// One page of bodies matching the query, in the query's order.
    async fn list(&self, kind: RecordKind, query: &ListQuery) -> StoreResult<Vec<String>>;

    /// One page of bodies matching the query after skipping `offset` of them (numbered pages;
    /// `query.after` is ignored). The default reads the skipped rows too; the backends skip
    /// them in SQL.
    async fn list_at(&self, kind: RecordKind, query: &ListQuery, offset: u64) -> StoreResult<Vec<String>> {
        let mut q = query.clone();
        q.after = None;
        q.limit = query.limit.saturating_add(i64::try_from(offset).unwrap_or(i64::MAX));
        let bodies = self.list(kind, &q).await?;
        Ok(bodies
            .into_iter()
            .skip(usize::try_from(offset).unwrap_or(usize::MAX))
            .collect())
    }

    /// How many records match the conditions.
    async fn count(&self, kind: RecordKind, conditions: &[Condition]) -> StoreResult<i64>;

    /// Counts grouped by one index column (for facets and dashboards).
    async fn count_by(
        &self,
        kind: RecordKind,
        column: &'static str,
        conditions: &[Condition],
    ) -> StoreResult<Vec<(Option<String>, i64)>>;

    /// Events with `seq > after`, oldest first, at most `limit`.
    async fn events_after(&self, after: i64, limit: i64) -> StoreResult<Vec<Event>>;

    /// Events of one record, oldest first (its audit trail).
    async fn events_of(&self, kind: RecordKind, id: Uuid) -> StoreResult<Vec<Event>>;

    /// The sequence number of the last event, 0 when there is none.
    async fn last_event_seq(&self) -> StoreResult<i64>;

    /// Events matching the audit filter, newest first.
    async fn audit(&self, query: &AuditQuery) -> StoreResult<Vec<Event>>;

    // --- signing in (see [`auth`]) ---

    /// An account's password hash (PHC string), set by [`Write::SetPassword`].
    async fn password_hash(&self, account_id: Uuid) -> StoreResult<Option<String>>;

    /// Stores a new secret. A taken hash or id is [`StoreError::Duplicate`].
    async fn insert_secret(&self, secret: &Secret) -> StoreResult<()>;

    /// The secret with this hash, revoked or expired ones included (the caller decides).
    async fn secret_by_hash(&self, hash: &str) -> StoreResult<Option<Secret>>;

    /// An account's secrets of one kind, newest first, revoked ones included.
    async fn secrets_of(&self, account_id: Uuid, kind: SecretKind) -> StoreResult<Vec<Secret>>;

    /// Records a use of the secret at `now`.
    async fn touch_secret(&self, hash: &str, now: Millis) -> StoreResult<()>;

    /// Revokes the account's secret with this public id; false when there is none (or it is
    /// another account's, or already revoked).
    async fn revoke_secret(&self, account_id: Uuid, id: Uuid, now: Millis) -> StoreResult<bool>;

    /// Revokes every live secret of the account of the given kinds, except `keep` (a hash);
    /// returns how many.
    async fn revoke_secrets_of(
        &self,
        account_id: Uuid,
        kinds: &[SecretKind],
        keep: Option<&str>,
        now: Millis,
    ) -> StoreResult<u64>;

    /// Revokes a live (not revoked, not expired at `now`) secret of `kind` by its hash and returns
    /// it, atomically: of two concurrent calls, one gets it. For one-time setup links.
    async fn consume_secret(&self, hash: &str, kind: SecretKind, now: Millis) -> StoreResult<Option<Secret>>;

    /// Until when sign-in under `key` is locked, if it is at `now`.
    async fn throttle_locked_until(&self, key: &str, now: Millis) -> StoreResult<Option<Millis>>;

    /// Counts a failed sign-in under `key`. Failures older than `window` ms start the count
    /// again; the `limit`-th failure within the window locks the key for `lock` ms. Returns
    /// until when the key is locked, if it now is. Atomic across servers.
    async fn throttle_failure(
        &self,
        key: &str,
        now: Millis,
        window: Millis,
        limit: i64,
        lock: Millis,
    ) -> StoreResult<Option<Millis>>;

    /// Forgets the failures under `key` (after a successful sign-in).
    async fn throttle_clear(&self, key: &str) -> StoreResult<()>;

    // --- trading (see [`trading`]) ---

    /// Places a bid: applies [`trading::decide_bid`] at a time from `clock` and stores the bid,
    /// the auction's new state and the notifications in one transaction. The times of accepted
    /// bids rise with their sequence: either the time is read holding the auction (SQLite's
    /// writer), or the write applies only if no other bid came in between, and the bid is decided
    /// again at a new time when one did (PostgreSQL). A replay (same bidder and idempotency key)
    /// writes nothing. An acknowledged bid is committed. No auction for the listing's round is
    /// [`StoreError::NotFound`].
    async fn place_bid(
        &self,
        request: &BidRequest,
        clock: &(dyn Fn() -> Millis + Send + Sync),
    ) -> StoreResult<Result<PlacedBid, techmarket_domain::BidError>>;

    /// The bid `bidder` placed with this idempotency key, if any (read without a lock).
    async fn bid_by_key(
        &self,
        listing_id: Uuid,
        round: u32,
        bidder: Uuid,
        key: &str,
    ) -> StoreResult<Option<techmarket_domain::Bid>>;

    /// The auction of one round of a listing and the bid `bidder` placed in it with this
    /// idempotency key, if any, read together without a lock (the backends in one query).
    async fn auction_and_bid(
        &self,
        listing_id: Uuid,
        round: u32,
        bidder: Uuid,
        key: &str,
    ) -> StoreResult<(Option<AuctionRow>, Option<techmarket_domain::Bid>)> {
        let row = self.auction(listing_id, round).await?;
        let bid = self.bid_by_key(listing_id, round, bidder, key).await?;
        Ok((row, bid))
    }

    /// The auction of one round of a listing.
    async fn auction(&self, listing_id: Uuid, round: u32) -> StoreResult<Option<AuctionRow>>;

    /// Bids of an auction with `seq > after`, in order, at most `limit`.
    async fn bids(
        &self,
        listing_id: Uuid,
        round: u32,
        after: u32,
        limit: i64,
    ) -> StoreResult<Vec<techmarket_domain::Bid>>;

    /// Auctions still open whose deadline is at or before `now`: `(listing_id, round)`.
    async fn due_auctions(&self, now: Millis, limit: i64) -> StoreResult<Vec<(Uuid, u32)>>;

    /// An organization's notifications, newest first.
    async fn notifications(
        &self,
        organization_id: Uuid,
        unread_only: bool,
        limit: i64,
    ) -> StoreResult<Vec<techmarket_domain::Notification>>;

    /// How many of an organization's notifications are unread.
    async fn unread_notifications(&self, organization_id: Uuid) -> StoreResult<i64>;

    /// Marks all of an organization's notifications read; returns how many were unread.
    async fn mark_notifications_read(&self, organization_id: Uuid, now: Millis) -> StoreResult<u64>;

    // --- the deal room (see [`deal_room`]) ---

    /// A listing's documents (added by [`Write::Document`]), oldest first.
    async fn documents(&self, listing_id: Uuid) -> StoreResult<Vec<techmarket_domain::DocumentMeta>>;

    /// One document by id.
    async fn document(&self, id: Uuid) -> StoreResult<Option<techmarket_domain::DocumentMeta>>;

    // --- contract registration (see [`registration`] and [`contract_statistics`]) ---

    /// The last registration sequence issued at `office` in `year` (0 before the first), as
    /// [`Write::Counter`] moves it.
    async fn registration_counter(&self, office: &str, year: i32) -> StoreResult<i64>;

    /// Applies at most `limit` contract events after the statistics' cursor (see
    /// [`contract_statistics`]) and moves the cursor past them, in ONE transaction that holds
    /// the cursor: two followers (two servers) never apply an event twice, and a crash leaves
    /// either all of a batch applied or none. Returns how many events it applied; 0 when the
    /// statistics are current.
    async fn follow_contract_statistics(&self, limit: i64) -> StoreResult<u64>;

    /// The statistics' aggregate rows of a year, or of one month of it.
    async fn contract_statistics_rows(&self, year: i32, month: Option<u8>) -> StoreResult<Vec<AggregateRow>>;
}
