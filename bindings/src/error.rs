//! The one public error of the bindings. Kotlin sees it as `FarmLiveException`
//! (uniffi renames `…Error` to `…Exception`), Swift as `FarmLiveError`.
//!
//! Messages are the core's, written for people; they never carry personal
//! data (buyer names, phones, addresses) or secrets (device tokens, stream
//! keys), and they are bounded in length so that a hostile argument echoed in
//! a message ("no listing with id …") cannot make an error huge.

use farmlive_core::Error as CoreError;
use farmlive_live::LiveError;

/// Longest message handed to the shell, in characters.
const MESSAGE_MAX_CHARS: usize = 300;

/// What went wrong. `BadInput`, `NotFound` and `NotAllowed` mean the user (or
/// the shell) can fix what it passed; the others are failures where a retry
/// may or may not help (`Network` is worth retrying later).
#[derive(Debug, thiserror::Error, uniffi::Error)]
#[uniffi(flat_error)]
pub enum FarmLiveError {
    /// An argument broke a rule (a title too long, a price of 0, not a photo);
    /// the message says which, in words a farmer can act on.
    #[error("{0}")]
    BadInput(String),
    /// No listing, order, photo or farm with that id.
    #[error("{0}")]
    NotFound(String),
    /// An action not allowed in the current state (shipping a cancelled order).
    #[error("{0}")]
    NotAllowed(String),
    /// The device is not enrolled with a hub yet.
    #[error("{0}")]
    NotEnrolled(String),
    /// The hub could not be reached or is unavailable; retry later (not
    /// before `retry_after_secs` if the hub said).
    #[error("{message}")]
    Network {
        /// What went wrong.
        message: String,
        /// The hub's stable error code, if it answered (e.g. `busy`).
        code: Option<String>,
        /// The hub's `Retry-After`, in seconds, if it sent one.
        retry_after_secs: Option<u64>,
    },
    /// The hub refused the request: `token_expired` or `device_revoked`
    /// (enrol again), `rate_limited` (wait `retry_after_secs`), …
    #[error("{message}")]
    Hub {
        /// The hub's message.
        message: String,
        /// The hub's stable error code (see `protocol::api::ErrorCode`).
        code: String,
        /// The HTTP status.
        status: u16,
        /// The hub's `Retry-After`, in seconds, if it sent one.
        retry_after_secs: Option<u64>,
    },
    /// The operation was cancelled.
    #[error("{0}")]
    Cancelled(String),
    /// The local database or files failed.
    #[error("{0}")]
    Storage(String),
    /// The live stream failed (encoder, ingest, recording).
    #[error("{0}")]
    Live(String),
    /// Anything else (a bug); the message says what failed, never with data.
    #[error("{0}")]
    Failure(String),
}

impl FarmLiveError {
    /// True when the caller can fix what it passed and retry.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            FarmLiveError::BadInput(_) | FarmLiveError::NotFound(_) | FarmLiveError::NotAllowed(_)
        )
    }

    /// The hub's stable error code, if the hub answered with an error that
    /// kept it (`Hub`, or `Network` for a hub that is unavailable).
    pub fn hub_code(&self) -> Option<&str> {
        match self {
            FarmLiveError::Hub { code, .. } => Some(code),
            FarmLiveError::Network { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    /// The hub's `Retry-After` in seconds, if it sent one.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            FarmLiveError::Hub {
                retry_after_secs, ..
            }
            | FarmLiveError::Network {
                retry_after_secs, ..
            } => *retry_after_secs,
            _ => None,
        }
    }

    /// A bad-input error with a message.
    pub(crate) fn bad_input(message: impl Into<String>) -> FarmLiveError {
        FarmLiveError::BadInput(bounded(message.into()))
    }
}

/// Cuts `message` to [`MESSAGE_MAX_CHARS`] characters (on a char boundary).
pub(crate) fn bounded(message: String) -> String {
    match message.char_indices().nth(MESSAGE_MAX_CHARS) {
        Some((cut, _)) => format!("{}…", &message[..cut]),
        None => message,
    }
}

impl From<CoreError> for FarmLiveError {
    fn from(e: CoreError) -> Self {
        // The stream's own errors keep their kind (`Live`, or `BadInput`).
        let e = match e {
            CoreError::Live(live) => return live.into(),
            other => other,
        };
        let bad_input = e.is_bad_input();
        let transient = e.is_transient();
        let message = bounded(e.to_string());
        match e {
            CoreError::NotFound { .. } => FarmLiveError::NotFound(message),
            CoreError::Rule(_) => FarmLiveError::NotAllowed(message),
            CoreError::NotEnrolled => FarmLiveError::NotEnrolled(message),
            CoreError::Network(_) => FarmLiveError::Network {
                message,
                code: None,
                retry_after_secs: None,
            },
            CoreError::Cancelled => FarmLiveError::Cancelled(message),
            // A refusal the user can fix stays `BadInput`, as shells expect.
            _ if bad_input => FarmLiveError::BadInput(message),
            CoreError::Hub {
                code, retry_after, ..
            } if transient => FarmLiveError::Network {
                message,
                code: Some(code.to_string()),
                retry_after_secs: retry_after.map(|d| d.as_secs()),
            },
            CoreError::Hub {
                status,
                code,
                retry_after,
                ..
            } => FarmLiveError::Hub {
                message,
                code: code.to_string(),
                status,
                retry_after_secs: retry_after.map(|d| d.as_secs()),
            },
            CoreError::SchemaTooNew { .. }
            | CoreError::Corrupt
            | CoreError::Migration { .. }
            | CoreError::Database(_)
            | CoreError::StoredData(_)
            | CoreError::Io { .. } => FarmLiveError::Storage(message),
            _ => FarmLiveError::Failure(message),
        }
    }
}

impl From<LiveError> for FarmLiveError {
    fn from(e: LiveError) -> Self {
        let message = bounded(e.to_string());
        if e.is_bad_input() {
            FarmLiveError::BadInput(message)
        } else {
            FarmLiveError::Live(message)
        }
    }
}

/// Result with [`FarmLiveError`].
pub type Result<T, E = FarmLiveError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_messages_are_cut_on_a_char_boundary() {
        let long = "芒".repeat(1000);
        let cut = bounded(long);
        assert_eq!(cut.chars().count(), MESSAGE_MAX_CHARS + 1);
    }

    #[test]
    fn core_errors_keep_the_bad_input_distinction() {
        let e: FarmLiveError = CoreError::InvalidArgument("no".into()).into();
        assert!(matches!(e, FarmLiveError::BadInput(_)));
        assert!(e.is_bad_input());
        let e: FarmLiveError = CoreError::Network("down".into()).into();
        assert!(matches!(e, FarmLiveError::Network { .. }));
        assert!(!e.is_bad_input());
        let e: FarmLiveError = CoreError::StoredData("outbox entry 1".into()).into();
        assert!(matches!(e, FarmLiveError::Storage(_)), "{e:?}");
        assert!(!e.is_bad_input());
    }
}
