//! Storage for techmarket: the [`Store`] trait every backend implements (SQLite, PostgreSQL),
//! the market's use cases over it ([`Market`]), and the contract test suite every backend must
//! pass ([`contract`]).
//!
//! A backend is deliberately small: it stores records as a JSON body plus the columns that
//! lists filter on, appends to the event log in the same transaction, and reads both back.
//! Everything with rules in it — validation, lifecycles, diffs for the audit trail — lives
//! once, in [`Market`], above the trait.

pub mod contract;
pub mod error;
pub mod market;
pub mod query;
pub mod record;

pub use error::{StoreError, StoreResult};
pub use market::Market;
pub use query::{Condition, Cursor, ListQuery, Order, SqlValue};
pub use record::{Event, NewEvent, Record, StoredRecord, Write};

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
}
