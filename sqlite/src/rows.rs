//! Row mapping: text columns parsed into typed ids and values, and looking
//! an id up by its last few characters (as the CLI's tables show ids).

use crate::error::Result;
use rusqlite::{Connection, Row};
use std::str::FromStr;

/// Reads text column `idx` and parses it (ids, enums stored as text). A
/// value that does not parse is a conversion failure naming the column.
pub fn text_col<T>(row: &Row<'_>, idx: usize) -> rusqlite::Result<T>
where
    T: FromStr,
    T::Err: std::error::Error + Send + Sync + 'static,
{
    let text: String = row.get(idx)?;
    text.parse().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// The end of an id as a person types it: 4 to 36 characters of hex digits
/// and dashes (a UUID's alphabet), lowercased. Anything else cannot be the
/// end of an id, and is refused before it reaches SQL (so it can hold no
/// `LIKE` wildcard either).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdSuffix(String);

impl IdSuffix {
    /// The fewest characters accepted: fewer would match too many ids.
    pub const MIN_LEN: usize = 4;
    /// The most: a whole UUID.
    pub const MAX_LEN: usize = 36;

    /// `key` trimmed and lowercased, if it can be the end of an id.
    pub fn parse(key: &str) -> Option<IdSuffix> {
        let key = key.trim().to_ascii_lowercase();
        let alphabet = key.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-');
        (alphabet && (Self::MIN_LEN..=Self::MAX_LEN).contains(&key.len())).then_some(IdSuffix(key))
    }

    /// The characters.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for IdSuffix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a lookup by [`IdSuffix`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SuffixMatch<T> {
    /// Exactly one id ends so.
    Unique(T),
    /// None does.
    NoMatch,
    /// More than one does: the person must type more characters.
    Ambiguous,
}

/// Finds the row of `table` (a fixed name from code, never input) whose
/// text `id` column ends in `suffix`.
pub fn find_by_id_suffix<T>(
    conn: &Connection,
    table: &'static str,
    suffix: &IdSuffix,
) -> Result<SuffixMatch<T>>
where
    T: FromStr,
    T::Err: std::error::Error + Send + Sync + 'static,
{
    let sql = format!("SELECT id FROM {table} WHERE id LIKE '%' || ?1 LIMIT 2");
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut ids = stmt
        .query_map([suffix.as_str()], |r| text_col::<T>(r, 0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(match ids.len() {
        0 => SuffixMatch::NoMatch,
        1 => SuffixMatch::Unique(ids.remove(0)),
        _ => SuffixMatch::Ambiguous,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

    use super::*;

    fn things() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE things (id TEXT PRIMARY KEY, n INTEGER);
             INSERT INTO things VALUES ('0190aaaa-0000-7000-8000-00000000abcd', 1);
             INSERT INTO things VALUES ('0190aaaa-0000-7000-8000-00000001abcd', 2);
             INSERT INTO things VALUES ('0190aaaa-0000-7000-8000-000000001234', 3);",
        )
        .unwrap();
        conn
    }

    #[test]
    fn a_suffix_finds_one_none_or_too_many() {
        let conn = things();
        let find = |key: &str| {
            find_by_id_suffix::<String>(&conn, "things", &IdSuffix::parse(key).unwrap()).unwrap()
        };
        assert_eq!(
            find(" 1234 "),
            SuffixMatch::Unique("0190aaaa-0000-7000-8000-000000001234".into())
        );
        assert_eq!(
            find("1ABCD"),
            SuffixMatch::Unique("0190aaaa-0000-7000-8000-00000001abcd".into())
        );
        assert_eq!(find("abcd"), SuffixMatch::Ambiguous);
        assert_eq!(find("ffff"), SuffixMatch::NoMatch);
    }

    #[test]
    fn a_key_that_cannot_end_an_id_is_refused() {
        for key in ["", "abc", "zzzz", "12%4", "ab_d", &"a".repeat(37)] {
            assert_eq!(IdSuffix::parse(key), None, "{key:?}");
        }
        assert_eq!(IdSuffix::parse("AB-CD").unwrap().as_str(), "ab-cd");
    }

    #[test]
    fn a_text_column_parses_or_names_the_column() {
        let conn = things();
        let n: u32 = conn
            .query_row("SELECT '42'", [], |r| text_col(r, 0))
            .unwrap();
        assert_eq!(n, 42);
        let err = conn
            .query_row("SELECT 'x', 'forty-two'", [], |r| text_col::<u32>(r, 1))
            .unwrap_err();
        assert!(
            matches!(err, rusqlite::Error::FromSqlConversionFailure(1, _, _)),
            "{err:?}"
        );
    }
}
