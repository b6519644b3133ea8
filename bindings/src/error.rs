//! The one public error of the bindings. Kotlin sees it as `FarmLiveException`
//! (uniffi renames `…Error` to `…Exception`), Swift as `FarmLiveError`.
//!
//! It crosses the FFI whole (not a "flat" error): every variant's fields
//! reach the shell, so a hub's refusal keeps its stable code, HTTP status and
//! `Retry-After`. The text for people is the `reason` field (and the
//! `reason()` method, on every variant); it is not called `message` because
//! Kotlin's generated exception overrides `message` itself, with a dump of
//! every field (`reason=…, code=…`) meant for logs, not for people.
//!
//! Reasons are the core's, written for people; they never carry personal
//! data (buyer names, phones, addresses) or secrets (device tokens, stream
//! keys), and they are bounded in length so that a hostile argument echoed in
//! a reason ("no listing with id …") cannot make an error huge.

use farmlive_core::Error as CoreError;
use farmlive_core::error_message::hub_message_code;
use farmlive_core::protocol::api::ErrorCode;
use farmlive_core::protocol::messages::recognise;
use farmlive_core::protocol::{Lang, Message, MsgCode};
use farmlive_live::LiveError;

/// Longest reason handed to the shell, in characters.
const MESSAGE_MAX_CHARS: usize = 300;

/// What went wrong. `BadInput`, `NotFound` and `NotAllowed` mean the user (or
/// the shell) can fix what it passed; the others are failures where a retry
/// may or may not help (`Network` is worth retrying later).
///
/// Shells show `reason()` to people: in Kotlin `e.reason()`, NOT
/// `e.message`, which uniffi fills with a dump of the fields
/// (`reason=…, code=…`); in Swift `e.reason()`, not `localizedDescription`
/// (a debug dump too). They branch on the variant, `hubCode()` (the hub's
/// stable code) and `retryAfterSecs()`.
#[derive(Debug, Clone, thiserror::Error, uniffi::Error)]
// Display (the reason) as Kotlin's `toString()` and Swift's `description`.
#[uniffi::export(Display)]
pub enum FarmLiveError {
    /// An argument broke a rule (a title too long, a price of 0, not a photo);
    /// the reason says which, in words a farmer can act on.
    #[error("{reason}")]
    BadInput {
        /// What was wrong, for people.
        reason: String,
    },
    /// No listing, order, photo or farm with that id.
    #[error("{reason}")]
    NotFound {
        /// What was not found, for people.
        reason: String,
    },
    /// An action not allowed in the current state (shipping a cancelled order).
    #[error("{reason}")]
    NotAllowed {
        /// Why not, for people.
        reason: String,
    },
    /// The device is not enrolled with a hub yet.
    #[error("{reason}")]
    NotEnrolled {
        /// What to do, for people.
        reason: String,
    },
    /// The hub could not be reached or is unavailable; retry later (not
    /// before `retry_after_secs` if the hub said).
    #[error("{reason}")]
    Network {
        /// What went wrong, for people.
        reason: String,
        /// The hub's stable error code, if it answered (e.g. `busy`).
        code: Option<String>,
        /// The hub's `Retry-After`, in seconds, if it sent one.
        retry_after_secs: Option<u64>,
    },
    /// The hub refused the request: `token_expired` or `device_revoked`
    /// (enrol again), `unauthorized` (a wrong enrolment code),
    /// `rate_limited` (wait `retry_after_secs`), …
    #[error("{reason}")]
    Hub {
        /// The hub's message, for people.
        reason: String,
        /// The hub's stable error code (see `protocol::api::ErrorCode`).
        code: String,
        /// The HTTP status.
        status: u16,
        /// The hub's `Retry-After`, in seconds, if it sent one.
        retry_after_secs: Option<u64>,
    },
    /// The operation was cancelled.
    #[error("{reason}")]
    Cancelled {
        /// What was cancelled, for people.
        reason: String,
    },
    /// The local database or files failed.
    #[error("{reason}")]
    Storage {
        /// What failed, for people.
        reason: String,
    },
    /// The live stream failed (encoder, ingest, recording).
    #[error("{reason}")]
    Live {
        /// What failed, for people.
        reason: String,
    },
    /// Anything else (a bug); the reason says what failed, never with data.
    #[error("{reason}")]
    Failure {
        /// What failed, for people.
        reason: String,
    },
}

// Exported to Kotlin and Swift as methods of the error itself (Kotlin: on
// the sealed `FarmLiveException`; Swift: on the `FarmLiveError` enum), so a
// shell needs no `when`/`switch` over ten variants to read the common parts.
// The names may equal a variant's field (`reason`, `retry_after_secs`): a
// Kotlin property and a function of one name live side by side, and Swift's
// enum fields are labels of the case, not members.
#[uniffi::export]
impl FarmLiveError {
    /// The text for people (every variant has one).
    pub fn reason(&self) -> String {
        self.reason_str().to_owned()
    }

    /// True when the caller can fix what it passed and retry.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            FarmLiveError::BadInput { .. }
                | FarmLiveError::NotFound { .. }
                | FarmLiveError::NotAllowed { .. }
        )
    }

    /// The hub's stable error code, if the hub answered with an error that
    /// kept it (`Hub`, or `Network` for a hub that is unavailable).
    pub fn hub_code(&self) -> Option<String> {
        match self {
            FarmLiveError::Hub { code, .. } => Some(code.clone()),
            FarmLiveError::Network { code, .. } => code.clone(),
            _ => None,
        }
    }

    /// The stable code of the message (e.g. `not_enrolled`,
    /// `qr_not_found`, `title_too_long`): the key of the catalog that the CLI
    /// and both shells share (`farmlive_protocol::catalog`).
    pub fn message_code(&self) -> String {
        self.message().code.as_str().to_owned()
    }

    /// The text for people in `lang`, a language tag or locale (`zh-CN`,
    /// `zh_CN.UTF-8`, `en`): Simplified Chinese for `zh…`, else English
    /// (which is `reason()`). Details the core took from outside (an OS
    /// error, the hub's own words) stay as they came.
    pub fn localized_reason(&self, lang: String) -> String {
        bounded(self.message().render(Lang::from_tag(&lang)))
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
}

impl FarmLiveError {
    /// The text for people, borrowed.
    pub fn reason_str(&self) -> &str {
        match self {
            FarmLiveError::BadInput { reason }
            | FarmLiveError::NotFound { reason }
            | FarmLiveError::NotAllowed { reason }
            | FarmLiveError::NotEnrolled { reason }
            | FarmLiveError::Network { reason, .. }
            | FarmLiveError::Hub { reason, .. }
            | FarmLiveError::Cancelled { reason }
            | FarmLiveError::Storage { reason }
            | FarmLiveError::Live { reason }
            | FarmLiveError::Failure { reason } => reason,
        }
    }

    /// The catalog message this error's reason renders: read back from
    /// the English reason among the codes its variant can carry (the error
    /// keeps its FFI shape: the shells match on its fields).
    pub fn message(&self) -> Message {
        use MsgCode as C;
        let (candidates, fallback): (Vec<MsgCode>, MsgCode) = match self {
            FarmLiveError::BadInput { .. } => (BAD_INPUT_CODES.to_vec(), C::InvalidArgument),
            FarmLiveError::NotFound { .. } => (vec![C::NotFound], C::InvalidArgument),
            FarmLiveError::NotAllowed { .. } => {
                (vec![C::NotAllowed, C::DeliveryPhotoMissing], C::NotAllowed)
            }
            FarmLiveError::NotEnrolled { .. } => (vec![C::NotEnrolled], C::NotEnrolled),
            FarmLiveError::Network { code: Some(_), .. } => {
                (vec![C::HubUnavailable], C::HubUnavailable)
            }
            FarmLiveError::Network { .. } => (vec![C::NetworkError], C::NetworkError),
            FarmLiveError::Hub { code, status, .. } => {
                let code = hub_message_code(*status, &ErrorCode::parse(code));
                (vec![code], code)
            }
            FarmLiveError::Cancelled { .. } => (vec![C::Cancelled], C::Cancelled),
            FarmLiveError::Storage { .. } => (
                vec![
                    C::StoredData,
                    C::SchemaTooNew,
                    C::DatabaseCorrupt,
                    C::MigrationFailed,
                    C::DatabaseError,
                    C::IoFailed,
                    C::Failure,
                ],
                C::Failure,
            ),
            FarmLiveError::Live { .. } => (vec![C::LiveStopped, C::LiveFailed], C::LiveFailed),
            FarmLiveError::Failure { .. } => (vec![C::Failure], C::Failure),
        };
        let reason = self.reason_str();
        recognise(reason, &candidates)
            .unwrap_or_else(|| Message::new(fallback).arg("detail", reason))
    }

    /// A bad-input error with a reason.
    pub(crate) fn bad_input(reason: impl Into<String>) -> FarmLiveError {
        FarmLiveError::BadInput {
            reason: bounded(reason.into()),
        }
    }

    /// A not-allowed error with a reason.
    pub(crate) fn not_allowed(reason: impl Into<String>) -> FarmLiveError {
        FarmLiveError::NotAllowed {
            reason: bounded(reason.into()),
        }
    }

    /// A failure (a bug or an unexpected state) with a reason.
    pub(crate) fn failure(reason: impl Into<String>) -> FarmLiveError {
        FarmLiveError::Failure {
            reason: bounded(reason.into()),
        }
    }
}

/// The codes a `BadInput` can carry: listing, price, photo and QR rules,
/// a hub's refusal the user can fix, and any argument the core refused.
const BAD_INPUT_CODES: &[MsgCode] = {
    use MsgCode as C;
    &[
        C::InvalidArgument,
        C::TitleEmpty,
        C::TitleTooLong,
        C::TitleControl,
        C::DescriptionTooLong,
        C::DescriptionControl,
        C::PriceNotPositive,
        C::StockNegative,
        C::StockTooLarge,
        C::StockShort,
        C::StockDeltaZero,
        C::Archived,
        C::TooManyPhotos,
        C::FarmNameEmpty,
        C::FarmNameTooLong,
        C::FarmNameControl,
        C::NothingToChange,
        C::PriceEmpty,
        C::PriceNotANumber,
        C::PriceNegative,
        C::PriceTooPrecise,
        C::PriceTooLarge,
        C::CurrencyUnknown,
        C::PhotoEmpty,
        C::PhotoNotAPhoto,
        C::PhotoDamaged,
        C::QrNotEnrolLink,
        C::QrBadHub,
        C::QrBadCode,
        C::QrNotFound,
        C::QrBadFrame,
        C::HubRefused,
    ]
};

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
        let reason = bounded(e.to_string());
        match e {
            CoreError::NotFound { .. } => FarmLiveError::NotFound { reason },
            CoreError::Rule(_) => FarmLiveError::NotAllowed { reason },
            CoreError::NotEnrolled => FarmLiveError::NotEnrolled { reason },
            CoreError::Network(_) => FarmLiveError::Network {
                reason,
                code: None,
                retry_after_secs: None,
            },
            CoreError::Cancelled => FarmLiveError::Cancelled { reason },
            // A refusal the user can fix stays `BadInput`, as shells expect.
            _ if bad_input => FarmLiveError::BadInput { reason },
            CoreError::Hub {
                code, retry_after, ..
            } if transient => FarmLiveError::Network {
                reason,
                code: Some(code.to_string()),
                retry_after_secs: retry_after.map(|d| d.as_secs()),
            },
            CoreError::Hub {
                status,
                code,
                retry_after,
                ..
            } => FarmLiveError::Hub {
                reason,
                code: code.to_string(),
                status,
                retry_after_secs: retry_after.map(|d| d.as_secs()),
            },
            CoreError::SchemaTooNew { .. }
            | CoreError::Corrupt
            | CoreError::Migration { .. }
            | CoreError::Database(_)
            | CoreError::StoredData(_)
            | CoreError::Io { .. } => FarmLiveError::Storage { reason },
            _ => FarmLiveError::Failure { reason },
        }
    }
}

impl From<LiveError> for FarmLiveError {
    fn from(e: LiveError) -> Self {
        let reason = bounded(e.to_string());
        if e.is_bad_input() {
            FarmLiveError::BadInput { reason }
        } else {
            FarmLiveError::Live { reason }
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
        assert!(matches!(e, FarmLiveError::BadInput { .. }));
        assert!(e.is_bad_input());
        let e: FarmLiveError = CoreError::Network("down".into()).into();
        assert!(matches!(e, FarmLiveError::Network { .. }));
        assert!(!e.is_bad_input());
        let e: FarmLiveError = CoreError::StoredData("outbox entry 1".into()).into();
        assert!(matches!(e, FarmLiveError::Storage { .. }), "{e:?}");
        assert!(!e.is_bad_input());
    }

    #[test]
    fn a_delivery_without_its_photo_keeps_its_code_across_the_ffi() {
        let rule = farmlive_core::protocol::Delivery::NonContact
            .check_photo(None)
            .unwrap_err();
        let e: FarmLiveError = CoreError::Rule(rule).into();
        assert!(matches!(e, FarmLiveError::NotAllowed { .. }), "{e:?}");
        assert_eq!(e.message_code(), "delivery_photo_missing");
        assert!(e.reason().contains("photo"), "{}", e.reason());
        let zh = e.localized_reason("zh-CN".into());
        assert!(zh.contains("照片") && zh.contains("无接触"), "{zh}");
        // Other refusals still read as "not allowed".
        let other: FarmLiveError = CoreError::Rule(farmlive_core::protocol::Rejection::new(
            "transition",
            "cannot ship",
        ))
        .into();
        assert_eq!(other.message_code(), "not_allowed");
    }
}
