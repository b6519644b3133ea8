//! Reading typed values out of TEXT columns.

use farmlive_protocol::{Currency, Money};

/// Reads a TEXT column into any type with `FromStr`.
pub(crate) use farmlive_sqlite::text_col as parse_col;

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
