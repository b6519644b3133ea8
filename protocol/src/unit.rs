//! Units a listing is priced and stocked in.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A selling unit. A listing is priced per unit and stocked in whole units.
///
/// New units may be added; match with a wildcard arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Unit {
    /// Kilogram.
    Kg,
    /// Gram.
    G,
    /// Jin (斤), the Chinese market unit: exactly 500 g.
    Jin,
    /// A single item.
    Piece,
    /// A box.
    Box,
    /// A bunch (bananas, herbs).
    Bunch,
    /// Twelve items.
    Dozen,
}

impl Unit {
    /// Every unit, in display order.
    pub const ALL: [Unit; 7] = [
        Unit::Kg,
        Unit::G,
        Unit::Jin,
        Unit::Piece,
        Unit::Box,
        Unit::Bunch,
        Unit::Dozen,
    ];

    /// The canonical short name, as stored and sent on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Kg => "kg",
            Unit::G => "g",
            Unit::Jin => "jin",
            Unit::Piece => "piece",
            Unit::Box => "box",
            Unit::Bunch => "bunch",
            Unit::Dozen => "dozen",
        }
    }

    /// Grams in one unit, for units of mass.
    pub fn grams(self) -> Option<u32> {
        match self {
            Unit::Kg => Some(1000),
            Unit::G => Some(1),
            Unit::Jin => Some(500),
            _ => None,
        }
    }

    /// Items in one unit, for counted units.
    pub fn items(self) -> Option<u32> {
        match self {
            Unit::Piece => Some(1),
            Unit::Dozen => Some(12),
            _ => None,
        }
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A unit name FarmLive does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown unit {0:?}; use one of kg, g, jin, piece, box, bunch, dozen")]
pub struct UnknownUnit(pub String);

impl FromStr for Unit {
    type Err = UnknownUnit;
    /// Accepts the canonical names, plurals, and common local names (斤, 公斤, 个, 箱).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_lowercase();
        let unit = match lower.as_str() {
            "kg" | "kgs" | "kilo" | "kilos" | "kilogram" | "kilograms" | "公斤" | "千克" => {
                Unit::Kg
            }
            "g" | "gram" | "grams" | "克" => Unit::G,
            "jin" | "斤" => Unit::Jin,
            "piece" | "pieces" | "pc" | "pcs" | "个" | "只" => Unit::Piece,
            "box" | "boxes" | "箱" => Unit::Box,
            "bunch" | "bunches" | "把" | "串" => Unit::Bunch,
            "dozen" | "dozens" | "打" => Unit::Dozen,
            _ => return Err(UnknownUnit(s.trim().chars().take(16).collect())),
        };
        Ok(unit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jin_is_half_a_kilo() {
        assert_eq!(Unit::Jin.grams(), Some(500));
        assert_eq!(Unit::Kg.grams(), Some(1000));
        assert_eq!(Unit::Box.grams(), None);
        assert_eq!(Unit::Dozen.items(), Some(12));
    }

    #[test]
    fn parses_names_and_aliases_and_round_trips() {
        for unit in Unit::ALL {
            assert_eq!(unit.as_str().parse::<Unit>().unwrap(), unit);
        }
        assert_eq!("斤".parse::<Unit>().unwrap(), Unit::Jin);
        assert_eq!(" KG ".parse::<Unit>().unwrap(), Unit::Kg);
        assert!(
            "barrel"
                .parse::<Unit>()
                .unwrap_err()
                .to_string()
                .contains("barrel")
        );
    }
}
