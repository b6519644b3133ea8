//! Reading typed values out of TEXT columns.

use farmlive_protocol::{Currency, Money};
use std::str::FromStr;

/// Reads a TEXT column into any type with `FromStr`.
pub(crate) fn parse_col<T>(row: &rusqlite::Row<'_>, idx: usize) -> rusqlite::Result<T>
where
    T: FromStr,
    T::Err: std::error::Error + Send + Sync + 'static,
{
    let text: String = row.get(idx)?;
    text.parse().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// Reads an amount from its minor-units column and the currency-code
/// column after it.
pub(crate) fn money_cols(row: &rusqlite::Row<'_>, minor: usize) -> rusqlite::Result<Money> {
    let code: String = row.get(minor + 1)?;
    let currency = Currency::from_code(&code).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(
            minor + 1,
            rusqlite::types::Type::Text,
            Box::new(e),
        )
    })?;
    Ok(Money::from_minor(row.get(minor)?, currency))
}
