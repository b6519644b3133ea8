//! The core's error type. Messages are for people: they say what went wrong
//! and what to do, and never carry personal data or secrets.

use farmlive_photo::PhotoError;
use farmlive_protocol::ValidationError;

/// Result with the core's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the core.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A listing rule was broken (the message says which).
    #[error("{0}")]
    Invalid(#[from] ValidationError),
    /// A photo was refused (empty, not a photo, damaged, too large).
    #[error("{0}")]
    Photo(#[from] PhotoError),
    /// An argument the caller gave is not usable.
    #[error("{0}")]
    InvalidArgument(String),
    /// No such thing.
    #[error("no {what} with id {id}")]
    NotFound {
        /// What was looked up ("listing", "photo").
        what: &'static str,
        /// The id given.
        id: String,
    },
    /// The database was written by a newer app; it is left untouched.
    #[error(
        "this data was saved by a newer version of FarmLive (schema {found}; this version reads up to {supported}); update the app"
    )]
    SchemaTooNew {
        /// Schema version found in the file.
        found: u32,
        /// The newest this build understands.
        supported: u32,
    },
    /// The database is damaged and could not be set aside.
    #[error("the local database is damaged")]
    Corrupt,
    /// A schema migration failed; the database is unchanged.
    #[error("could not upgrade the local database ({name}): {message}")]
    Migration {
        /// The migration file.
        name: &'static str,
        /// SQLite's message.
        message: String,
    },
    /// SQLite failed.
    #[error("local database error: {0}")]
    Database(#[from] rusqlite::Error),
    /// A file operation failed.
    #[error("could not {action}: {source}")]
    Io {
        /// What the core was doing.
        action: &'static str,
        /// The OS error.
        source: std::io::Error,
    },
}

impl Error {
    pub(crate) fn io(action: &'static str, source: std::io::Error) -> Error {
        Error::Io { action, source }
    }

    pub(crate) fn not_found(what: &'static str, id: impl ToString) -> Error {
        Error::NotFound {
            what,
            id: id.to_string(),
        }
    }

    /// True when the error comes from what the user gave (fix the input and
    /// retry), false when something failed (a retry may not help).
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            Error::Invalid(_)
                | Error::Photo(_)
                | Error::InvalidArgument(_)
                | Error::NotFound { .. }
        )
    }
}
