//! Storage errors: what went wrong, in terms a caller can act on.

use techmarket_domain::{IllegalTransition, RecordKind, ValidationErrors};

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{kind} {id} not found")]
    NotFound { kind: RecordKind, id: String },

    /// The record changed since it was read (optimistic concurrency).
    #[error("{kind} {id} was changed by someone else (expected version {expected}, found {found})")]
    VersionConflict {
        kind: RecordKind,
        id: String,
        expected: i64,
        found: i64,
    },

    /// A unique column already holds the value.
    #[error("{kind} with this {column} already exists: {value}")]
    Duplicate {
        kind: RecordKind,
        column: String,
        value: String,
    },

    /// The record's status does not allow editing its content (e.g. a listed achievement).
    #[error("{kind} {id} cannot be edited while it is {status}")]
    NotEditable {
        kind: RecordKind,
        id: String,
        status: &'static str,
    },

    #[error(transparent)]
    Invalid(#[from] ValidationErrors),

    #[error(transparent)]
    IllegalTransition(#[from] IllegalTransition),

    /// A stored body that does not decode: a bug or a hand-edited database.
    #[error("stored {kind} is corrupt: {message}")]
    Corrupt { kind: RecordKind, message: String },

    /// The database failed or could not be reached.
    #[error("database error: {0}")]
    Database(String),
}

impl StoreError {
    pub fn database(e: impl std::fmt::Display) -> StoreError {
        StoreError::Database(e.to_string())
    }
}
