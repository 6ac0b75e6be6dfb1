//! Store errors: each names what failed.

use std::path::PathBuf;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The data directory could not be created.
    #[error("cannot create data directory {path}: {source}")]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The database file could not be opened or configured.
    #[error("cannot open database {path}: {source}")]
    Open {
        /// The database file.
        path: PathBuf,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// A migration failed; the database is left at the previous version.
    #[error("migration to schema version {version} failed: {source}")]
    Migration {
        /// The version being migrated to.
        version: i64,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// The database was written by a newer Vigie.
    #[error("database schema version {found} is newer than this build supports ({supported})")]
    SchemaTooNew {
        /// `PRAGMA user_version` in the file.
        found: i64,
        /// [`crate::SCHEMA_VERSION`].
        supported: i64,
    },
    /// A query failed.
    #[error("{context}: {source}")]
    Sql {
        /// What the store was doing (`recording decision for item p-1`).
        context: String,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// A transaction failed, so none of its writes were kept (group commit: every submission
    /// of the group gets this error).
    #[error("{context}: {message}")]
    Commit {
        /// What the store was doing (`committing a group of 12 decisions`).
        context: String,
        /// SQLite's message.
        message: String,
    },
    /// A stored JSON column did not parse, or a value did not serialize.
    #[error("{context}: {source}")]
    Json {
        /// Which value (`decision of item p-1`).
        context: String,
        /// serde_json's error.
        #[source]
        source: serde_json::Error,
    },
    /// A stored value is not one this build knows (a scope, a status...).
    #[error("corrupt value in {column}: {value:?}")]
    Corrupt {
        /// The table and column.
        column: &'static str,
        /// The value found.
        value: String,
    },
    /// No such record.
    #[error("{what} {id} not found")]
    NotFound {
        /// `case`, `delivery`...
        what: &'static str,
        /// Its id.
        id: String,
    },
    /// The case is already closed.
    #[error("case {id} is already closed")]
    CaseClosed {
        /// The case id.
        id: i64,
    },
    /// The reviewer who made a decision may not decide its appeal.
    #[error(
        "case {id} is an appeal of a decision {reviewer} made: a different reviewer decides it"
    )]
    SameReviewer {
        /// The case id.
        id: i64,
        /// The reviewer.
        reviewer: String,
    },
    /// Something already exists (an appeal of this item).
    #[error("{0}")]
    Conflict(String),
    /// The decision's id is not the item's id.
    #[error("decision id {decision_id:?} does not match item id {item_id:?}")]
    IdMismatch {
        /// The item's id.
        item_id: String,
        /// The decision's id.
        decision_id: String,
    },
    /// The system's random number generator failed (token creation).
    #[error("random number generator failed: {0}")]
    Random(String),
    /// The thread committing this submission's group panicked: nothing of it was stored.
    #[error("a panic interrupted the transaction; nothing was stored")]
    Poisoned,
}

/// Adds a context to SQLite errors.
pub(crate) trait SqlContext<T> {
    /// Wraps the error in [`StoreError::Sql`] with `context()`.
    fn context(self, context: impl FnOnce() -> String) -> Result<T, StoreError>;
}

impl<T> SqlContext<T> for Result<T, rusqlite::Error> {
    fn context(self, context: impl FnOnce() -> String) -> Result<T, StoreError> {
        self.map_err(|source| StoreError::Sql {
            context: context(),
            source,
        })
    }
}
