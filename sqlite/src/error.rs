//! The support crate's error: small on purpose, each user maps it to its own.

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong in the shared SQLite plumbing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// SQLite failed.
    #[error("{0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The database was written by a newer build; nothing was changed.
    #[error("the database has schema {found}, newer than this build reads ({supported})")]
    SchemaTooNew {
        /// `user_version` found in the file.
        found: u32,
        /// The newest schema this build knows.
        supported: u32,
    },
    /// A migration failed; it was rolled back (earlier ones stay applied).
    #[error("migration {name} failed: {message}")]
    Migration {
        /// The migration file, e.g. `002_sync.sql`.
        name: &'static str,
        /// SQLite's message.
        message: String,
    },
    /// A stored JSON column could not be read back: the data is damaged or
    /// was written by something else. Not the caller's input.
    #[error("stored {what} unreadable ({detail})")]
    StoredDataUnreadable {
        /// What the column holds, e.g. "order state".
        what: &'static str,
        /// Where and what kind of fault; never the stored text itself.
        detail: String,
    },
    /// A value could not be encoded as JSON (a bug, e.g. a map with non-string keys).
    #[error("cannot encode {what} as JSON ({detail})")]
    Unencodable {
        /// What was being encoded.
        what: &'static str,
        /// Why.
        detail: String,
    },
}
