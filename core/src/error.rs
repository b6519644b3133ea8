//! The core's error type. Messages are for people: they say what went wrong
//! and what to do, and never carry personal data or secrets.

use farmlive_photo::PhotoError;
use farmlive_protocol::ValidationError;
use farmlive_protocol::api::ErrorCode;
use std::time::Duration;

/// Result with the core's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the core.
///
/// Its `Display` is the English text of its catalog message
/// ([`Error::message`]); [`Error::localized`] gives it in another language,
/// [`Error::code`] the stable code.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A listing rule was broken (the message says which).
    Invalid(#[from] ValidationError),
    /// A photo was refused (empty, not a photo, damaged, too large).
    Photo(#[from] PhotoError),
    /// An argument the caller gave is not usable.
    InvalidArgument(String),
    /// Data this device stored (an outbox entry, a pulled order, a room)
    /// cannot be read back, or cannot be encoded to store or send: a fault
    /// of the device, not of what the user gave.
    StoredData(String),
    /// No such thing.
    NotFound {
        /// What was looked up ("listing", "photo").
        what: &'static str,
        /// The id given.
        id: String,
    },
    /// The database was written by a newer app; it is left untouched.
    SchemaTooNew {
        /// Schema version found in the file.
        found: u32,
        /// The newest this build understands.
        supported: u32,
    },
    /// The database is damaged and could not be set aside.
    Corrupt,
    /// A schema migration failed; the database is unchanged.
    Migration {
        /// The migration file.
        name: &'static str,
        /// SQLite's message.
        message: String,
    },
    /// SQLite failed.
    Database(#[from] rusqlite::Error),
    /// An order action not allowed now (the message says why).
    Rule(farmlive_protocol::Rejection),
    /// The hub could not be reached or is unavailable; retry later.
    Network(String),
    /// The hub answered with an error: it refused the request (4xx), or
    /// it is unavailable (5xx, transient).
    Hub {
        /// HTTP status.
        status: u16,
        /// The hub's stable code.
        code: ErrorCode,
        /// The hub's message.
        message: String,
        /// How long the hub asked to wait before trying again (`Retry-After`).
        retry_after: Option<Duration>,
    },
    /// This device has not been enrolled with a hub.
    NotEnrolled,
    /// The caller cancelled.
    Cancelled,
    /// The live stream failed (bad settings, encoder, camera, ingest).
    Live(#[from] farmlive_live::LiveError),
    /// An enrolment QR code could not be read from a camera frame.
    Qr(#[from] crate::enrol_qr::QrError),
    /// A file operation failed.
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
            code: ErrorCode::BadReply,
            message: message.into(),
            retry_after: None,
        }
    }

    /// Stored data that cannot be read back or encoded (`what` failed).
    pub(crate) fn stored(what: &str, e: impl std::fmt::Display) -> Error {
        Error::StoredData(format!("{what}: {e}"))
    }

    /// The hub's stable error code, if the hub answered with an error.
    pub fn hub_code(&self) -> Option<&ErrorCode> {
        match self {
            Error::Hub { code, .. } => Some(code),
            _ => None,
        }
    }

    /// How long the hub asked to wait before trying again (`Retry-After`).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Hub { retry_after, .. } => *retry_after,
            _ => None,
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
        match self {
            Error::Network(_) => true,
            Error::Hub { status, .. } => *status >= 500,
            _ => false,
        }
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
                | Error::Qr(_)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreadable_stored_data_is_not_bad_input() {
        let e = Error::stored("outbox entry 3 is unreadable", "expected value");
        assert!(!e.is_bad_input());
        assert!(!e.is_transient());
        assert_eq!(
            e.to_string(),
            "stored data unreadable: outbox entry 3 is unreadable: expected value"
        );
    }

    #[test]
    fn a_hub_that_is_down_is_transient_and_keeps_its_retry_after() {
        let down = Error::Hub {
            status: 503,
            code: ErrorCode::Busy,
            message: "the hub is unavailable (503 Service Unavailable)".into(),
            retry_after: Some(Duration::from_secs(2)),
        };
        assert!(down.is_transient() && !down.is_bad_input());
        assert_eq!(down.retry_after(), Some(Duration::from_secs(2)));
        assert_eq!(down.hub_code(), Some(&ErrorCode::Busy));
        assert!(down.to_string().starts_with("could not sync: "), "{down}");
        let refused = Error::Hub {
            status: 409,
            code: ErrorCode::OutOfStock,
            message: "only 2 left".into(),
            retry_after: None,
        };
        assert!(!refused.is_transient() && refused.is_bad_input());
        assert_eq!(refused.to_string(), "the hub refused: only 2 left");
    }
}
