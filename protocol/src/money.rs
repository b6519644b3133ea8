//! Money: integer minor units plus an ISO 4217 currency. Never floating point.
//!
//! `"12.5"` in CNY is exactly `1250` fen; a price with more decimals than the
//! currency has (`"12.345"` CNY) is refused rather than rounded, because a
//! farmer's price must mean what they typed.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// Currencies FarmLive prices in, with their number of minor-unit digits.
const CURRENCIES: &[(&str, u8)] = &[
    ("BDT", 2),
    ("BRL", 2),
    ("CNY", 2),
    ("EUR", 2),
    ("GBP", 2),
    ("GHS", 2),
    ("IDR", 2),
    ("INR", 2),
    ("JPY", 0),
    ("KES", 2),
    ("KRW", 0),
    ("MXN", 2),
    ("MYR", 2),
    ("NGN", 2),
    ("PHP", 2),
    ("PKR", 2),
    ("THB", 2),
    ("TZS", 2),
    ("UGX", 0),
    ("USD", 2),
    ("VND", 0),
    ("ZAR", 2),
];

/// An ISO 4217 currency that FarmLive supports.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency {
    code: &'static str,
    exponent: u8,
}

impl Currency {
    /// Chinese yuan, the default currency of the demo.
    pub const CNY: Currency = Currency {
        code: "CNY",
        exponent: 2,
    };

    /// Looks up a currency by its ISO 4217 code (case-insensitive).
    pub fn from_code(code: &str) -> Result<Self, MoneyError> {
        let upper = code.trim().to_ascii_uppercase();
        CURRENCIES
            .iter()
            .find(|(c, _)| *c == upper)
            .map(|&(code, exponent)| Currency { code, exponent })
            .ok_or_else(|| MoneyError::UnknownCurrency(code.trim().chars().take(8).collect()))
    }

    /// The three-letter code, e.g. `CNY`.
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// Digits after the decimal point (2 for CNY, 0 for JPY).
    pub fn exponent(&self) -> u8 {
        self.exponent
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code)
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code)
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code)
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        Currency::from_code(&code).map_err(serde::de::Error::custom)
    }
}

/// Why an amount of money could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// No amount was given.
    #[error("enter a price, like 12.50")]
    Empty,
    /// Not a number.
    #[error("the price must be a number, like 12.50")]
    NotANumber,
    /// A minus sign.
    #[error("the price cannot be negative")]
    Negative,
    /// More decimal places than the currency has.
    #[error("{currency} prices have at most {max} digits after the point")]
    TooManyDecimals {
        /// The currency.
        currency: &'static str,
        /// Its number of minor-unit digits.
        max: u8,
    },
    /// Larger than FarmLive stores.
    #[error("the price is too large")]
    TooLarge,
    /// An ISO 4217 code FarmLive does not support.
    #[error("unknown currency {0:?}; use a code such as CNY, KES or USD")]
    UnknownCurrency(String),
}

/// An amount of money: minor units (fen, cents) of a currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    /// Amount in minor units: `1250` is 12.50 CNY.
    pub minor: i64,
    /// The currency.
    pub currency: Currency,
}

/// The largest amount FarmLive accepts: 10^13 minor units, far above any
/// produce price, and far from `i64` overflow when multiplied by quantities.
const MAX_MINOR: i64 = 10_000_000_000_000;

impl Money {
    /// An amount in minor units.
    pub fn from_minor(minor: i64, currency: Currency) -> Self {
        Money { minor, currency }
    }

    /// Parses what a person typed, exactly: `"12.5"` → 1250 minor units of CNY.
    ///
    /// The amount may be followed by a currency code (`"12.50 KES"`), which
    /// then overrides `default_currency`. Thousands separators are refused, as
    /// `1,250` means different things in different countries.
    pub fn parse(input: &str, default_currency: Currency) -> Result<Self, MoneyError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(MoneyError::Empty);
        }
        let (amount, currency) = match input.rsplit_once(char::is_whitespace) {
            Some((amount, code)) if code.chars().all(|c| c.is_ascii_alphabetic()) => {
                (amount.trim(), Currency::from_code(code)?)
            }
            _ => (input, default_currency),
        };
        let amount = amount.strip_prefix('+').unwrap_or(amount);
        if amount.starts_with('-') {
            return Err(MoneyError::Negative);
        }
        let (whole, frac) = amount.split_once('.').unwrap_or((amount, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if (whole.is_empty() && frac.is_empty()) || !all_digits(whole) || !all_digits(frac) {
            return Err(MoneyError::NotANumber);
        }
        let exponent = usize::from(currency.exponent);
        let frac = frac.trim_end_matches('0');
        if frac.len() > exponent {
            return Err(MoneyError::TooManyDecimals {
                currency: currency.code,
                max: currency.exponent,
            });
        }
        let scale = 10i64.pow(u32::from(currency.exponent));
        let whole: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| MoneyError::TooLarge)?
        };
        let frac_minor: i64 = if frac.is_empty() {
            0
        } else {
            let padded = format!("{frac:0<exponent$}");
            padded.parse().map_err(|_| MoneyError::NotANumber)?
        };
        let minor = whole
            .checked_mul(scale)
            .and_then(|m| m.checked_add(frac_minor))
            .filter(|m| *m <= MAX_MINOR)
            .ok_or(MoneyError::TooLarge)?;
        Ok(Money { minor, currency })
    }

    /// This amount times a quantity, or `None` on overflow.
    pub fn checked_mul(self, quantity: i64) -> Option<Money> {
        self.minor
            .checked_mul(quantity)
            .map(|minor| Money { minor, ..self })
    }

    /// The amount alone, with the currency's decimals: `12.50`.
    pub fn amount_string(&self) -> String {
        let exponent = u32::from(self.currency.exponent);
        if exponent == 0 {
            return self.minor.to_string();
        }
        let scale = 10i64.pow(exponent);
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        let scale = scale.unsigned_abs();
        format!(
            "{sign}{}.{:0width$}",
            abs / scale,
            abs % scale,
            width = exponent as usize
        )
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount_string(), self.currency.code)
    }
}

impl FromStr for Money {
    type Err = MoneyError;
    /// Parses `"12.50 CNY"`; without a code the amount is taken as CNY.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Money::parse(s, Currency::CNY)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cny(s: &str) -> Result<i64, MoneyError> {
        Money::parse(s, Currency::CNY).map(|m| m.minor)
    }

    #[test]
    fn parses_exactly() {
        assert_eq!(cny("12.5"), Ok(1250));
        assert_eq!(cny("12.50"), Ok(1250));
        assert_eq!(cny("12"), Ok(1200));
        assert_eq!(cny(".5"), Ok(50));
        assert_eq!(cny("0.01"), Ok(1));
        assert_eq!(
            cny(" 12.500 "),
            Ok(1250),
            "trailing zeros are not extra precision"
        );
        // 0.1 + 0.2 style float error cannot happen:
        assert_eq!(cny("0.29"), Ok(29));
    }

    #[test]
    fn explicit_currency_overrides_default() {
        let m = Money::parse("300 jpy", Currency::CNY).unwrap();
        assert_eq!((m.minor, m.currency.code()), (300, "JPY"));
        assert_eq!(
            Money::parse("3.5 JPY", Currency::CNY),
            Err(MoneyError::TooManyDecimals {
                currency: "JPY",
                max: 0
            })
        );
    }

    #[test]
    fn refuses_what_is_not_a_price() {
        assert_eq!(cny(""), Err(MoneyError::Empty));
        assert_eq!(cny("-3"), Err(MoneyError::Negative));
        assert_eq!(
            cny("12.345"),
            Err(MoneyError::TooManyDecimals {
                currency: "CNY",
                max: 2
            })
        );
        assert_eq!(cny("1,250"), Err(MoneyError::NotANumber));
        assert_eq!(cny("1e3"), Err(MoneyError::NotANumber));
        assert_eq!(cny("."), Err(MoneyError::NotANumber));
        assert_eq!(cny("99999999999999999999"), Err(MoneyError::TooLarge));
        assert!(matches!(
            Money::parse("5 XYZ", Currency::CNY),
            Err(MoneyError::UnknownCurrency(c)) if c == "XYZ"
        ));
    }

    #[test]
    fn displays_with_currency_decimals() {
        assert_eq!(
            Money::from_minor(1250, Currency::CNY).to_string(),
            "12.50 CNY"
        );
        assert_eq!(Money::from_minor(5, Currency::CNY).to_string(), "0.05 CNY");
        let jpy = Currency::from_code("JPY").unwrap();
        assert_eq!(Money::from_minor(300, jpy).to_string(), "300 JPY");
    }

    #[test]
    fn serialises_currency_as_code() {
        let json = serde_json::to_string(&Money::from_minor(1250, Currency::CNY)).unwrap();
        assert_eq!(json, r#"{"minor":1250,"currency":"CNY"}"#);
        let back: Money = serde_json::from_str(&json).unwrap();
        assert_eq!(back.minor, 1250);
        assert!(serde_json::from_str::<Money>(r#"{"minor":1,"currency":"ZZZ"}"#).is_err());
    }
}
