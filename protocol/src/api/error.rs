//! The hub's error answers: a stable [`ErrorCode`] and a message for people,
//! as `{"error": {"code": ..., "message": ...}}`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Declares [`ErrorCode`] with its wire strings in one list, so the enum,
/// its parser and its printer cannot drift apart.
macro_rules! error_codes {
    ($( $(#[$doc:meta])* $variant:ident = $wire:literal, )*) => {
        /// A stable error code on the wire (`snake_case` strings). Clients
        /// match on it; the message is for people and may change.
        ///
        /// A code this build does not know (from a newer hub) arrives as
        /// [`ErrorCode::Other`], unchanged, so it still reaches the user.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $( $(#[$doc])* $variant, )*
            /// A code this build does not know, as the hub sent it.
            Other(String),
        }

        impl ErrorCode {
            /// Every code this build knows.
            pub const KNOWN: &'static [ErrorCode] = &[$(ErrorCode::$variant),*];

            /// The wire string.
            pub fn as_str(&self) -> &str {
                match self {
                    $( ErrorCode::$variant => $wire, )*
                    ErrorCode::Other(code) => code,
                }
            }

            /// The code for a wire string ([`ErrorCode::Other`] if unknown).
            pub fn parse(wire: &str) -> ErrorCode {
                match wire {
                    $( $wire => ErrorCode::$variant, )*
                    other => ErrorCode::Other(other.to_owned()),
                }
            }
        }
    };
}

error_codes! {
    /// 400: a field breaks a rule (the message says which).
    Invalid = "invalid",
    /// 400: the body is not JSON of the expected shape.
    MalformedJson = "malformed_json",
    /// 400: the body could not be read (e.g. bad gzip).
    UnreadableBody = "unreadable_body",
    /// 400: the body is not `application/json`.
    UnsupportedMediaType = "unsupported_media_type",
    /// 400 or 413: the request or a field is too large.
    TooLarge = "too_large",
    /// 400: a text is too long.
    TooLong = "too_long",
    /// 400: more ops in one push than [`super::PUSH_BATCH_MAX`].
    BatchTooLarge = "batch_too_large",
    /// 400: an uploaded blob does not match its hash.
    HashMismatch = "hash_mismatch",
    /// 400: the listing is not on the room's shelf.
    NotOnShelf = "not_on_shelf",
    /// 400: nothing is pinned in the room.
    NotPinned = "not_pinned",
    /// 401: no or unknown credentials.
    Unauthorized = "unauthorized",
    /// 401: the device's token has expired; enrol again with a new code.
    TokenExpired = "token_expired",
    /// 401: the farmer or the operator removed this device.
    DeviceRevoked = "device_revoked",
    /// 401: a buyer's token has expired; sign up again.
    BuyerTokenExpired = "buyer_token_expired",
    /// 403: not allowed for this caller.
    Forbidden = "forbidden",
    /// 404: no such thing (or not visible to this caller).
    NotFound = "not_found",
    /// 405: the address does not take that method.
    MethodNotAllowed = "method_not_allowed",
    /// 409: another device already enrolled with this id.
    DeviceExists = "device_exists",
    /// 409: an upload's declared length changed.
    LengthMismatch = "length_mismatch",
    /// 409: an upload chunk does not start at the hub's offset.
    OffsetMismatch = "offset_mismatch",
    /// 409: the listing cannot be ordered now.
    NotAvailable = "not_available",
    /// 409: not enough stock for the order.
    OutOfStock = "out_of_stock",
    /// 409: no delivery route from the farm reaches the buyer's city (the
    /// message names the nearest cities it does reach).
    UnservedCity = "unserved_city",
    /// 409: the farm's photo storage is full.
    QuotaExceeded = "quota_exceeded",
    /// 409: the live room has ended.
    RoomEnded = "room_ended",
    /// 409: an order action not allowed in the order's state, or an
    /// answer to a question that was resolved.
    Transition = "transition",
    /// 409: a photo named in the request has not finished uploading.
    BlobMissing = "blob_missing",
    /// 429: too many requests; see `Retry-After`.
    RateLimited = "rate_limited",
    /// 503: the hub serves as many connections as it can; see `Retry-After`.
    Busy = "busy",
    /// 500: something failed on the hub.
    Internal = "internal",
    /// Made on the device: the hub's reply was unusable.
    BadReply = "bad_reply",
    /// Made on the device: the hub answered an HTTP error without a JSON body.
    Http = "http",
}

impl From<&str> for ErrorCode {
    fn from(wire: &str) -> Self {
        ErrorCode::parse(wire)
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<str> for ErrorCode {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let wire = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Ok(ErrorCode::parse(&wire))
    }
}

/// Every error body: `{"error": {"code": ..., "message": ...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// The error.
    pub error: ApiErrorBody,
}

/// The inside of [`ApiError`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiErrorBody {
    /// Stable code, e.g. [`ErrorCode::OutOfStock`].
    pub code: ErrorCode,
    /// For people.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_code_round_trips_as_its_snake_case_string() {
        for code in ErrorCode::KNOWN {
            let json = serde_json::to_string(code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert!(
                code.as_str()
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_')
            );
            let back: ErrorCode = serde_json::from_str(&json).unwrap();
            assert_eq!(&back, code);
        }
        assert_eq!(
            serde_json::to_string(&ErrorCode::OutOfStock).unwrap(),
            "\"out_of_stock\""
        );
    }

    #[test]
    fn a_code_from_a_newer_hub_is_kept_as_other() {
        let body: ApiError =
            serde_json::from_str(r#"{"error":{"code":"moon_phase","message":"wait"}}"#).unwrap();
        assert_eq!(body.error.code, ErrorCode::Other("moon_phase".into()));
        assert_eq!(body.error.code, "moon_phase");
        // And it goes out again as it came in.
        let again = serde_json::to_string(&body).unwrap();
        assert!(again.contains(r#""code":"moon_phase""#), "{again}");
        assert_eq!(ErrorCode::from("token_expired"), ErrorCode::TokenExpired);
    }
}
