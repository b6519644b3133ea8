//! The core's errors as catalog messages ([`farmlive_protocol::catalog`]):
//! one stable code each, English and Chinese text. The English rendering
//! is the error's `Display`, so the catalog is the one place the words live.

use crate::Error;
use crate::enrol_qr::QrError;
use farmlive_photo::PhotoError;
use farmlive_protocol::api::ErrorCode;
use farmlive_protocol::{Lang, Message, MsgCode};
use std::fmt;

impl Error {
    /// The message for people: a stable code and its values.
    pub fn message(&self) -> Message {
        use MsgCode as C;
        match self {
            Error::Invalid(e) => e.into(),
            Error::Photo(e) => photo_message(e),
            Error::InvalidArgument(detail) => {
                Message::new(C::InvalidArgument).arg("detail", detail)
            }
            Error::StoredData(detail) => Message::new(C::StoredData).arg("detail", detail),
            Error::NotFound { what, id } => {
                let m = Message::new(C::NotFound).arg("id", id);
                match noun(what) {
                    Some(word) => m.word("what", word),
                    None => m.arg("what", what),
                }
            }
            Error::SchemaTooNew { found, supported } => Message::new(C::SchemaTooNew)
                .arg("found", found)
                .arg("supported", supported),
            Error::Corrupt => Message::new(C::DatabaseCorrupt),
            Error::Migration { name, message } => Message::new(C::MigrationFailed)
                .arg("name", name)
                .arg("detail", message),
            Error::Database(e) => Message::new(C::DatabaseError).arg("detail", e),
            Error::Rule(rejection) => rejection.into(),
            Error::Network(detail) => Message::new(C::NetworkError).arg("detail", detail),
            Error::Hub {
                status,
                code,
                message,
                ..
            } => Message::new(hub_message_code(*status, code)).arg("detail", message),
            Error::NotEnrolled => Message::new(C::NotEnrolled),
            Error::Cancelled => Message::new(C::Cancelled),
            Error::Live(farmlive_live::LiveError::Stopped) => Message::new(C::LiveStopped),
            Error::Live(e) => Message::new(C::LiveFailed).arg("detail", e),
            Error::Qr(QrError::NotFound) => Message::new(C::QrNotFound),
            Error::Qr(QrError::BadFrame(why)) => Message::new(C::QrBadFrame).arg("detail", why),
            Error::Qr(QrError::Link(e)) => e.into(),
            Error::Io { action, source } => Message::new(C::IoFailed)
                .arg("action", action)
                .arg("detail", source),
        }
    }

    /// The stable code of [`Error::message`], e.g. `not_enrolled`.
    pub fn code(&self) -> MsgCode {
        self.message().code
    }

    /// The text for people in `lang`.
    pub fn localized(&self, lang: Lang) -> String {
        self.message().render(lang)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.localized(Lang::En))
    }
}

/// The catalog code of a hub's error answer (HTTP `status`, the hub's `code`).
pub fn hub_message_code(status: u16, code: &ErrorCode) -> MsgCode {
    if status >= 500 {
        return MsgCode::HubUnavailable;
    }
    match code {
        ErrorCode::Unauthorized => MsgCode::HubUnauthorized,
        ErrorCode::TokenExpired => MsgCode::HubTokenExpired,
        ErrorCode::DeviceRevoked => MsgCode::HubDeviceRevoked,
        ErrorCode::RateLimited => MsgCode::HubRateLimited,
        ErrorCode::OutOfStock => MsgCode::HubOutOfStock,
        ErrorCode::NotAvailable => MsgCode::HubNotAvailable,
        ErrorCode::RoomEnded => MsgCode::HubRoomEnded,
        _ => MsgCode::HubRefused,
    }
}

/// The catalog word for a `NotFound`'s `what`.
fn noun(what: &str) -> Option<MsgCode> {
    Some(match what {
        "listing" => MsgCode::NounListing,
        "photo" => MsgCode::NounPhoto,
        "order" => MsgCode::NounOrder,
        "farm" => MsgCode::NounFarm,
        "room" => MsgCode::NounRoom,
        "conflict" => MsgCode::NounConflict,
        _ => return None,
    })
}

fn photo_message(e: &PhotoError) -> Message {
    let code = match e {
        PhotoError::Empty => MsgCode::PhotoEmpty,
        PhotoError::NotAPhoto => MsgCode::PhotoNotAPhoto,
        PhotoError::Damaged { .. } => MsgCode::PhotoDamaged,
        PhotoError::InvalidOptions { .. } | PhotoError::Internal { .. } => MsgCode::PhotoFailed,
        _ => MsgCode::PhotoRefused,
    };
    Message::new(code).arg("detail", e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn has_han(text: &str) -> bool {
        text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
    }

    /// One of each variant, with the English text it always had.
    fn samples() -> Vec<(Error, &'static str)> {
        vec![
            (Error::InvalidArgument("bad".into()), "bad"),
            (Error::StoredData("x".into()), "stored data unreadable: x"),
            (Error::not_found("listing", "abc"), "no listing with id abc"),
            (Error::not_found("blob", "abc"), "no blob with id abc"),
            (
                Error::SchemaTooNew {
                    found: 9,
                    supported: 8,
                },
                "this data was saved by a newer version of FarmLive (schema 9; this version reads up to 8); update the app",
            ),
            (Error::Corrupt, "the local database is damaged"),
            (
                Error::Migration {
                    name: "007_x.sql",
                    message: "boom".into(),
                },
                "could not upgrade the local database (007_x.sql): boom",
            ),
            (
                Error::Network("timed out".into()),
                "could not sync: timed out",
            ),
            (
                Error::Hub {
                    status: 401,
                    code: ErrorCode::TokenExpired,
                    message: "token expired".into(),
                    retry_after: None,
                },
                "the hub refused: token expired",
            ),
            (
                Error::Hub {
                    status: 503,
                    code: ErrorCode::Busy,
                    message: "busy".into(),
                    retry_after: Some(Duration::from_secs(1)),
                },
                "could not sync: busy",
            ),
            (
                Error::Hub {
                    status: 409,
                    code: ErrorCode::OutOfStock,
                    message: "only 2 left".into(),
                    retry_after: None,
                },
                "the hub refused: only 2 left",
            ),
            (
                Error::NotEnrolled,
                "this device is not connected to a hub yet; enrol it with a code from the hub operator",
            ),
            (Error::Cancelled, "cancelled"),
            (
                Error::Live(farmlive_live::LiveError::Stopped),
                "the live session has stopped",
            ),
            (Error::Photo(PhotoError::Empty), "the photo file is empty"),
            (
                Error::Rule(farmlive_protocol::Rejection::new(
                    "transition",
                    "cannot ship",
                )),
                "cannot ship",
            ),
            (
                Error::Rule(
                    farmlive_protocol::Delivery::NonContact
                        .check_photo(None)
                        .unwrap_err(),
                ),
                "a non-contact order is delivered with a photo of the parcel at the door; take one",
            ),
            (
                Error::Qr(QrError::NotFound),
                "no QR code found; hold the code flat, in the middle, in good light",
            ),
            (
                Error::io("read the photo", std::io::Error::other("gone")),
                "could not read the photo: gone",
            ),
        ]
    }

    #[test]
    fn english_is_what_the_errors_always_said() {
        for (e, english) in samples() {
            assert_eq!(e.to_string(), english, "{:?}", e.code());
        }
    }

    #[test]
    fn every_error_speaks_chinese_with_its_code() {
        for (e, _) in samples() {
            let zh = e.localized(Lang::Zh);
            assert!(has_han(&zh), "{:?}: {zh}", e.code());
            assert_eq!(MsgCode::parse(e.code().as_str()), Some(e.code()));
        }
        let gone = Error::Hub {
            status: 403,
            code: ErrorCode::DeviceRevoked,
            message: "removed from the farm by the hub operator".into(),
            retry_after: None,
        };
        assert_eq!(gone.code(), MsgCode::HubDeviceRevoked);
        assert!(gone.localized(Lang::Zh).contains("重新注册"));
        assert_eq!(
            Error::not_found("order", "42").localized(Lang::Zh),
            "找不到编号为 42 的订单"
        );
    }
}
