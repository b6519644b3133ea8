//! The core's error type. Messages are for people: they say what went wrong
//! and what to do, and never carry personal data or secrets.

use farmlive_photo::PhotoError;
use farmlive_protocol::ValidationError;

/// The code of an [`Error::Hub`] made on the device: the hub's reply was unusable.
pub const BAD_REPLY: &str = "bad_reply";

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
    /// An order action not allowed now (the message says why).
    #[error("{0}")]
    Rule(farmlive_protocol::Rejection),
    /// The hub could not be reached or is unavailable; retry later.
    #[error("could not sync: {0}")]
    Network(String),
    /// The hub refused the request.
    #[error("the hub refused: {message}")]
    Hub {
        /// HTTP status.
        status: u16,
        /// The hub's stable code.
        code: String,
        /// The hub's message.
        message: String,
    },
    /// This device has not been enrolled with a hub.
    #[error(
        "this device is not connected to a hub yet; enrol it with a code from the hub operator"
    )]
    NotEnrolled,
    /// The caller cancelled.
    #[error("cancelled")]
    Cancelled,
    /// The live stream failed (bad settings, encoder, camera, ingest).
    #[error("{0}")]
    Live(#[from] farmlive_live::LiveError),
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

    /// The hub answered (with HTTP `status`) but the answer makes no sense:
    /// malformed, too large, or breaking the protocol's rules.
    pub(crate) fn bad_reply(status: u16, message: impl Into<String>) -> Error {
        Error::Hub {
            status,
            code: BAD_REPLY.into(),
            message: message.into(),
        }
    }

    pub(crate) fn not_found(what: &'static str, id: impl ToString) -> Error {
        Error::NotFound {
            what,
            id: id.to_string(),
        }
    }

    /// True for failures worth retrying later (network, hub unavailable).
    pub fn is_transient(&self) -> bool {
        matches!(self, Error::Network(_))
    }

    /// True when the hub asked to slow down (HTTP 429): worth retrying after
    /// a pause, but not a failure of the network.
    pub fn is_rate_limited(&self) -> bool {
        matches!(self, Error::Hub { status: 429, .. })
    }

    /// True when the error comes from what the user gave (fix the input and
    /// retry), false when something failed (a retry may not help).
    pub fn is_bad_input(&self) -> bool {
        if let Error::Hub { status, .. } = self {
            return (400..500).contains(status) && *status != 401 && !self.is_rate_limited();
        }
        if let Error::Live(e) = self {
            return matches!(e, farmlive_live::LiveError::BadInput(_));
        }
        matches!(
            self,
            Error::Invalid(_)
                | Error::Photo(_)
                | Error::InvalidArgument(_)
                | Error::NotFound { .. }
        )
    }
}
