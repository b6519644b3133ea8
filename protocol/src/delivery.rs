//! How an order reaches the buyer, and the rule that goes with it: a
//! non-contact order is left at the door, so the farmer proves the
//! delivery with a photo; a standard order may have one. Device and hub
//! both check it here, so a device never queues a delivery the hub refuses.

use crate::catalog::MsgCode;
use crate::photo_ref::PhotoRef;
use crate::rejection::Rejection;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The stable code of a non-contact delivery without a photo (a
/// [`Rejection`] code and the catalog's `MsgCode::DeliveryPhotoMissing`).
pub const DELIVERY_PHOTO_MISSING: &str = "delivery_photo_missing";

/// How the buyer wants the order delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// Handed over in person.
    #[default]
    Standard,
    /// Left at the door, with a photo on delivery.
    NonContact,
}

impl Delivery {
    /// Stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Standard => "standard",
            Delivery::NonContact => "non_contact",
        }
    }

    /// True if delivering this way needs a photo of the parcel at the door.
    pub fn needs_photo(self) -> bool {
        self == Delivery::NonContact
    }

    /// Refuses marking an order delivered this way with `photo`: a
    /// non-contact order must carry one (the buyer was not there to take it).
    pub fn check_photo(self, photo: Option<&PhotoRef>) -> Result<(), Rejection> {
        if self.needs_photo() && photo.is_none() {
            return Err(Rejection::new(
                DELIVERY_PHOTO_MISSING,
                MsgCode::DeliveryPhotoMissing.en(),
            ));
        }
        Ok(())
    }
}

impl fmt::Display for Delivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn photo() -> PhotoRef {
        PhotoRef {
            sha256: "a".repeat(64),
            thumb_sha256: "b".repeat(64),
            width: 1280,
            height: 960,
            bytes: 123_456,
        }
    }

    #[test]
    fn non_contact_needs_a_photo_and_standard_may_have_one() {
        let refused = Delivery::NonContact.check_photo(None).unwrap_err();
        assert_eq!(refused.code, DELIVERY_PHOTO_MISSING);
        assert!(refused.message.contains("photo"), "{}", refused.message);
        assert_eq!(
            MsgCode::parse(DELIVERY_PHOTO_MISSING),
            Some(MsgCode::DeliveryPhotoMissing)
        );
        assert_eq!(Delivery::NonContact.check_photo(Some(&photo())), Ok(()));
        assert_eq!(Delivery::Standard.check_photo(None), Ok(()));
        assert_eq!(Delivery::Standard.check_photo(Some(&photo())), Ok(()));
        assert!(Delivery::NonContact.needs_photo() && !Delivery::Standard.needs_photo());
    }

    #[test]
    fn wire_names() {
        assert_eq!(
            serde_json::to_string(&Delivery::NonContact).unwrap(),
            "\"non_contact\""
        );
        assert_eq!(Delivery::default(), Delivery::Standard);
    }
}
