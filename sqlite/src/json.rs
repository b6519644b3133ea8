//! JSON columns: whole protocol states stored as text.

use crate::error::{Error, Result};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Reads a JSON column holding `what` (named in the error, e.g. "order state").
///
/// The error says where the text broke and how, but never quotes it: serde's
/// own messages can echo stored values, and columns hold personal data
/// (buyer contacts) that must not reach logs or error messages.
pub fn from_json<T: DeserializeOwned>(what: &'static str, text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| Error::StoredDataUnreadable {
        what,
        detail: describe(&e),
    })
}

/// Encodes `value` (a `what`, named in the error) for a JSON column.
pub fn to_json<T: Serialize + ?Sized>(what: &'static str, value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::Unencodable {
        what,
        detail: describe(&e),
    })
}

/// The kind and position of a JSON fault, without any of the text.
fn describe(e: &serde_json::Error) -> String {
    let kind = match e.classify() {
        serde_json::error::Category::Io => "read failure",
        serde_json::error::Category::Syntax => "not valid JSON",
        serde_json::error::Category::Data => "unexpected content",
        serde_json::error::Category::Eof => "cut short",
    };
    format!("{kind} at line {}, column {}", e.line(), e.column())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

    use super::*;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Contact {
        phone: u64,
    }

    #[test]
    fn a_value_round_trips() {
        let text = to_json("contact", &Contact { phone: 5 }).unwrap();
        assert_eq!(
            from_json::<Contact>("contact", &text).unwrap(),
            Contact { phone: 5 }
        );
    }

    #[test]
    fn unreadable_data_is_named_but_never_quoted() {
        let err = from_json::<Contact>("buyer contact", r#"{"phone":"+15551234567"}"#).unwrap_err();
        let shown = err.to_string();
        assert!(matches!(
            err,
            Error::StoredDataUnreadable {
                what: "buyer contact",
                ..
            }
        ));
        assert!(
            shown.starts_with("stored buyer contact unreadable"),
            "{shown}"
        );
        assert!(shown.contains("line 1"), "{shown}");
        assert!(
            !shown.contains("5551234567"),
            "personal data leaked: {shown}"
        );
        assert!(
            !format!("{err:?}").contains("5551234567"),
            "personal data leaked in Debug"
        );

        let cut = from_json::<Contact>("buyer contact", r#"{"phone":12"#).unwrap_err();
        assert!(cut.to_string().contains("cut short"), "{cut}");
        let junk = from_json::<Contact>("buyer contact", "not json").unwrap_err();
        assert!(junk.to_string().contains("not valid JSON"), "{junk}");
    }

    #[test]
    fn an_unencodable_value_is_an_error_not_a_panic() {
        let mut map = std::collections::HashMap::new();
        map.insert(vec![1u8], 1);
        let err = to_json("map", &map).unwrap_err();
        assert!(
            matches!(err, Error::Unencodable { what: "map", .. }),
            "{err:?}"
        );
    }
}
