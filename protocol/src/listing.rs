//! What a valid listing is. Both the device (before it accepts an edit
//! offline) and the hub (before it applies a pushed op) call these rules.

use crate::money::{Money, MoneyError};
use crate::text::{self, TextProblem};
use crate::unit::Unit;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Longest title, in characters.
pub const TITLE_MAX_CHARS: usize = 60;
/// Longest description, in characters.
pub const DESCRIPTION_MAX_CHARS: usize = 2_000;
/// Most units one listing can hold in stock.
pub const STOCK_MAX: i64 = 1_000_000;
/// Most photos on one listing.
pub const PHOTOS_MAX: usize = 10;

/// A listing rule that was broken, in words a farmer can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    /// No title.
    #[error("give the listing a title")]
    TitleEmpty,
    /// Title over the limit.
    #[error("the title is {len} characters long; keep it to {max}")]
    TitleTooLong {
        /// Characters given.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A control character in the title.
    #[error("the title contains an invisible control character; retype it")]
    TitleControlCharacter,
    /// Description over the limit.
    #[error("the description is {len} characters long; keep it to {max}")]
    DescriptionTooLong {
        /// Characters given.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A control character in the description.
    #[error("the description contains an invisible control character; retype it")]
    DescriptionControlCharacter,
    /// The price could not be read.
    #[error("{0}")]
    Price(#[from] MoneyError),
    /// Zero price.
    #[error("price must be more than 0")]
    PriceNotPositive,
    /// Negative stock.
    #[error("stock cannot be less than 0")]
    StockNegative,
    /// Too much stock.
    #[error("stock cannot be more than {max}")]
    StockTooLarge {
        /// The limit.
        max: i64,
    },
    /// A stock adjustment that would take stock below zero.
    #[error("only {available} in stock; cannot take away {requested}")]
    StockWouldGoNegative {
        /// Current stock.
        available: i64,
        /// Units asked to remove.
        requested: i64,
    },
    /// A stock adjustment of zero.
    #[error("the stock change must not be 0")]
    StockDeltaZero,
    /// An archived listing can no longer change.
    #[error("this listing is archived and can no longer be changed")]
    Archived,
    /// Too many photos.
    #[error("a listing can have at most {max} photos")]
    TooManyPhotos {
        /// The limit.
        max: usize,
    },
    /// A farm with no name.
    #[error("give the farm a name")]
    FarmNameEmpty,
    /// A farm name over the limit.
    #[error("the farm name is {len} characters long; keep it to {max}")]
    FarmNameTooLong {
        /// Characters given.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A control character in a farm name.
    #[error("the farm name contains an invisible control character; retype it")]
    FarmNameControlCharacter,
    /// An edit that changes nothing.
    #[error("nothing to change: give at least one new value")]
    NothingToChange,
}

/// Whether buyers can see and order a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListingStatus {
    /// Visible and orderable.
    Active,
    /// Temporarily hidden by the farmer (e.g. harvest not ready).
    Paused,
    /// Withdrawn for good; kept for order history.
    Archived,
}

impl ListingStatus {
    /// Stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ListingStatus::Active => "active",
            ListingStatus::Paused => "paused",
            ListingStatus::Archived => "archived",
        }
    }

    /// Checks a status change: archived is final.
    pub fn change_to(self, to: ListingStatus) -> Result<ListingStatus, ValidationError> {
        match self {
            ListingStatus::Archived => Err(ValidationError::Archived),
            _ => Ok(to),
        }
    }
}

impl fmt::Display for ListingStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A status name that is not one of active, paused, archived.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown listing status {0:?}; use active, paused or archived")]
pub struct UnknownStatus(pub String);

impl FromStr for ListingStatus {
    type Err = UnknownStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "active" => Ok(ListingStatus::Active),
            "paused" => Ok(ListingStatus::Paused),
            "archived" => Ok(ListingStatus::Archived),
            other => Err(UnknownStatus(other.chars().take(16).collect())),
        }
    }
}

/// A listing as a person entered it, not yet checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListingDraft {
    /// Title, e.g. "Hainan mangoes".
    pub title: String,
    /// Free text; may be empty.
    pub description: String,
    /// Selling unit.
    pub unit: Unit,
    /// Price per unit.
    pub price: Money,
    /// Units in stock.
    pub stock: i64,
}

/// The fields of a listing that passed validation (text normalised).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingFields {
    /// Title, NFC, trimmed, 1–60 characters.
    pub title: String,
    /// Description, NFC, trimmed, up to 2,000 characters.
    pub description: String,
    /// Selling unit.
    pub unit: Unit,
    /// Price per unit, more than 0.
    pub price: Money,
    /// Units in stock, 0..=1,000,000.
    pub stock: i64,
}

impl ListingDraft {
    /// Checks every rule and returns the normalised fields.
    pub fn validate(self) -> Result<ListingFields, ValidationError> {
        Ok(ListingFields {
            title: validate_title(&self.title)?,
            description: validate_description(&self.description)?,
            unit: self.unit,
            price: validate_price(self.price)?,
            stock: validate_stock(self.stock)?,
        })
    }
}

/// A change to some plain fields of a listing (last writer wins per field).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingPatch {
    /// New title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// New description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// New unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<Unit>,
    /// New price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<Money>,
}

impl ListingPatch {
    /// Checks each given field and normalises its text.
    pub fn validate(self) -> Result<ListingPatch, ValidationError> {
        if self.is_empty() {
            return Err(ValidationError::NothingToChange);
        }
        Ok(ListingPatch {
            title: self.title.as_deref().map(validate_title).transpose()?,
            description: self
                .description
                .as_deref()
                .map(validate_description)
                .transpose()?,
            unit: self.unit,
            price: self.price.map(validate_price).transpose()?,
        })
    }

    /// True when no field is set.
    pub fn is_empty(&self) -> bool {
        self.title.is_none()
            && self.description.is_none()
            && self.unit.is_none()
            && self.price.is_none()
    }
}

/// Checks and normalises a title.
pub fn validate_title(title: &str) -> Result<String, ValidationError> {
    let title = text::clean(title, TITLE_MAX_CHARS, false).map_err(|p| match p {
        TextProblem::TooLong { max, len } => ValidationError::TitleTooLong { len, max },
        TextProblem::ControlCharacter => ValidationError::TitleControlCharacter,
    })?;
    if title.is_empty() {
        return Err(ValidationError::TitleEmpty);
    }
    Ok(title)
}

/// Checks and normalises a farm's name (same length rule as titles).
pub fn validate_farm_name(name: &str) -> Result<String, ValidationError> {
    let name = text::clean(name, TITLE_MAX_CHARS, false).map_err(|p| match p {
        TextProblem::TooLong { max, len } => ValidationError::FarmNameTooLong { len, max },
        TextProblem::ControlCharacter => ValidationError::FarmNameControlCharacter,
    })?;
    if name.is_empty() {
        return Err(ValidationError::FarmNameEmpty);
    }
    Ok(name)
}

/// Checks and normalises a description (may be empty, may hold newlines).
pub fn validate_description(description: &str) -> Result<String, ValidationError> {
    text::clean(description, DESCRIPTION_MAX_CHARS, true).map_err(|p| match p {
        TextProblem::TooLong { max, len } => ValidationError::DescriptionTooLong { len, max },
        TextProblem::ControlCharacter => ValidationError::DescriptionControlCharacter,
    })
}

/// Checks a price: more than 0.
pub fn validate_price(price: Money) -> Result<Money, ValidationError> {
    if price.minor <= 0 {
        return Err(ValidationError::PriceNotPositive);
    }
    Ok(price)
}

/// Checks an absolute stock level.
pub fn validate_stock(stock: i64) -> Result<i64, ValidationError> {
    if stock < 0 {
        return Err(ValidationError::StockNegative);
    }
    if stock > STOCK_MAX {
        return Err(ValidationError::StockTooLarge { max: STOCK_MAX });
    }
    Ok(stock)
}

/// Applies a stock delta, refusing one that takes stock below zero or over the limit.
pub fn apply_stock_delta(current: i64, delta: i64) -> Result<i64, ValidationError> {
    if delta == 0 {
        return Err(ValidationError::StockDeltaZero);
    }
    let next = current.saturating_add(delta);
    if next < 0 {
        return Err(ValidationError::StockWouldGoNegative {
            available: current,
            requested: delta.saturating_neg(),
        });
    }
    validate_stock(next)
}

/// Checks that one more photo fits on a listing holding `current`.
pub fn check_photo_count(current: usize) -> Result<(), ValidationError> {
    if current >= PHOTOS_MAX {
        return Err(ValidationError::TooManyPhotos { max: PHOTOS_MAX });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    fn draft() -> ListingDraft {
        ListingDraft {
            title: "Hainan mangoes".into(),
            description: "Tree-ripened, picked this morning.".into(),
            unit: Unit::Kg,
            price: Money::from_minor(1250, Currency::CNY),
            stock: 200,
        }
    }

    fn err(d: ListingDraft) -> ValidationError {
        d.validate().unwrap_err()
    }

    #[test]
    fn a_good_draft_validates_and_normalises() {
        let f = ListingDraft {
            title: "  海南芒果 ".into(),
            ..draft()
        }
        .validate()
        .unwrap();
        assert_eq!(f.title, "海南芒果");
        assert_eq!(f.price.minor, 1250);
    }

    #[test]
    fn each_rule_has_its_own_error_and_message() {
        let cases: Vec<(ListingDraft, ValidationError, &str)> = vec![
            (
                ListingDraft {
                    title: " ".into(),
                    ..draft()
                },
                ValidationError::TitleEmpty,
                "give the listing a title",
            ),
            (
                ListingDraft {
                    title: "x".repeat(61),
                    ..draft()
                },
                ValidationError::TitleTooLong { len: 61, max: 60 },
                "the title is 61 characters long; keep it to 60",
            ),
            (
                ListingDraft {
                    title: "Mango\u{0}".into(),
                    ..draft()
                },
                ValidationError::TitleControlCharacter,
                "control character",
            ),
            (
                ListingDraft {
                    description: "y".repeat(2001),
                    ..draft()
                },
                ValidationError::DescriptionTooLong {
                    len: 2001,
                    max: 2000,
                },
                "keep it to 2000",
            ),
            (
                ListingDraft {
                    description: "bad\u{1b}[31m".into(),
                    ..draft()
                },
                ValidationError::DescriptionControlCharacter,
                "control character",
            ),
            (
                ListingDraft {
                    price: Money::from_minor(0, Currency::CNY),
                    ..draft()
                },
                ValidationError::PriceNotPositive,
                "price must be more than 0",
            ),
            (
                ListingDraft {
                    price: Money::from_minor(-5, Currency::CNY),
                    ..draft()
                },
                ValidationError::PriceNotPositive,
                "price must be more than 0",
            ),
            (
                ListingDraft {
                    stock: -1,
                    ..draft()
                },
                ValidationError::StockNegative,
                "stock cannot be less than 0",
            ),
            (
                ListingDraft {
                    stock: STOCK_MAX + 1,
                    ..draft()
                },
                ValidationError::StockTooLarge { max: STOCK_MAX },
                "stock cannot be more than 1000000",
            ),
        ];
        for (d, expected, message) in cases {
            let got = err(d);
            assert_eq!(got, expected);
            assert!(
                got.to_string().contains(message),
                "{got} should say {message:?}"
            );
        }
    }

    #[test]
    fn farm_names_follow_the_title_rules() {
        assert_eq!(validate_farm_name(" 李家果园 ").unwrap(), "李家果园");
        assert_eq!(validate_farm_name(""), Err(ValidationError::FarmNameEmpty));
        assert_eq!(
            validate_farm_name(&"x".repeat(61)),
            Err(ValidationError::FarmNameTooLong { len: 61, max: 60 })
        );
        assert_eq!(
            validate_farm_name("a\tb"),
            Err(ValidationError::FarmNameControlCharacter)
        );
    }

    #[test]
    fn descriptions_may_be_empty_and_multiline() {
        let f = ListingDraft {
            description: "Line one\nLine two".into(),
            ..draft()
        }
        .validate()
        .unwrap();
        assert!(f.description.contains('\n'));
        assert!(
            ListingDraft {
                description: String::new(),
                ..draft()
            }
            .validate()
            .is_ok()
        );
    }

    #[test]
    fn patch_validates_only_given_fields_and_refuses_empty() {
        assert_eq!(
            ListingPatch::default().validate(),
            Err(ValidationError::NothingToChange)
        );
        let p = ListingPatch {
            title: Some(" Mangoes ".into()),
            ..Default::default()
        }
        .validate()
        .unwrap();
        assert_eq!(p.title.as_deref(), Some("Mangoes"));
        let bad = ListingPatch {
            price: Some(Money::from_minor(0, Currency::CNY)),
            ..Default::default()
        };
        assert_eq!(bad.validate(), Err(ValidationError::PriceNotPositive));
    }

    #[test]
    fn stock_deltas_never_go_below_zero() {
        assert_eq!(apply_stock_delta(10, -3), Ok(7));
        assert_eq!(apply_stock_delta(10, 5), Ok(15));
        let e = apply_stock_delta(2, -3).unwrap_err();
        assert_eq!(
            e,
            ValidationError::StockWouldGoNegative {
                available: 2,
                requested: 3
            }
        );
        assert_eq!(e.to_string(), "only 2 in stock; cannot take away 3");
        assert_eq!(
            apply_stock_delta(2, 0),
            Err(ValidationError::StockDeltaZero)
        );
        assert!(apply_stock_delta(STOCK_MAX, 1).is_err());
    }

    #[test]
    fn archived_is_final() {
        assert_eq!(
            ListingStatus::Active.change_to(ListingStatus::Paused),
            Ok(ListingStatus::Paused)
        );
        assert_eq!(
            ListingStatus::Paused.change_to(ListingStatus::Archived),
            Ok(ListingStatus::Archived)
        );
        assert_eq!(
            ListingStatus::Archived.change_to(ListingStatus::Active),
            Err(ValidationError::Archived)
        );
    }

    #[test]
    fn photo_count_is_bounded() {
        assert!(check_photo_count(PHOTOS_MAX - 1).is_ok());
        assert_eq!(
            check_photo_count(PHOTOS_MAX),
            Err(ValidationError::TooManyPhotos { max: PHOTOS_MAX })
        );
    }
}
