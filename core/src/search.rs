//! Full-text search over titles and descriptions.
//!
//! The FTS5 trigram tokenizer matches any substring of three or more
//! characters, which suits Chinese (no spaces between words) as well as
//! English. Many Chinese words are two characters (芒果, mango), shorter than
//! a trigram, so shorter terms are matched with LIKE instead. Terms combine
//! with AND.

use crate::Core;
use crate::error::{Error, Result};
use crate::listings::{LISTING_COLUMNS, Listing, query_listings};
use rusqlite::types::Value;

/// Longest query, in characters.
const QUERY_MAX_CHARS: usize = 100;
/// Most words in one query.
const TERMS_MAX: usize = 8;

/// A query turned into SQL: an FTS5 expression for the long terms, LIKE
/// patterns for the short ones.
#[derive(Debug, PartialEq, Eq)]
struct Plan {
    fts: Option<String>,
    likes: Vec<String>,
}

fn plan(query: &str) -> Result<Plan> {
    let query = farmlive_protocol::text::clean(query, QUERY_MAX_CHARS, false).map_err(|_| {
        Error::InvalidArgument(format!(
            "search for at most {QUERY_MAX_CHARS} characters of plain text"
        ))
    })?;
    let terms: Vec<&str> = query.split_whitespace().take(TERMS_MAX).collect();
    if terms.is_empty() {
        return Err(Error::InvalidArgument(
            "type something to search for".into(),
        ));
    }
    let (long, short): (Vec<&str>, Vec<&str>) =
        terms.into_iter().partition(|t| t.chars().count() >= 3);
    let fts = (!long.is_empty()).then(|| {
        long.iter()
            .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
            .collect::<Vec<_>>()
            .join(" ")
    });
    let likes = short
        .iter()
        .map(|t| {
            let escaped = t
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            format!("%{escaped}%")
        })
        .collect();
    Ok(Plan { fts, likes })
}

impl Core {
    /// Listings (not archived) whose title or description contain every word
    /// of `query`; best matches first.
    pub fn search(&self, query: &str, limit: u32) -> Result<Vec<Listing>> {
        let plan = plan(query)?;
        let mut sql = format!("SELECT {LISTING_COLUMNS} FROM listings l");
        let mut args: Vec<Value> = Vec::new();
        let ranked = plan.fts.is_some();
        if let Some(fts) = plan.fts {
            sql.push_str(" JOIN listings_fts f ON f.rowid = l.rowid AND listings_fts MATCH ?");
            args.push(Value::Text(fts));
        }
        sql.push_str(" WHERE l.status != 'archived'");
        for like in plan.likes {
            sql.push_str(" AND (l.title LIKE ? ESCAPE '\\' OR l.description LIKE ? ESCAPE '\\')");
            args.push(Value::Text(like.clone()));
            args.push(Value::Text(like));
        }
        sql.push_str(if ranked {
            " ORDER BY bm25(listings_fts, 10.0, 1.0), l.updated_at DESC LIMIT ?"
        } else {
            " ORDER BY l.updated_at DESC LIMIT ?"
        });
        args.push(Value::Integer(i64::from(limit)));
        query_listings(&self.store.reader(), &sql, rusqlite::params_from_iter(args))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_terms_go_to_fts_and_short_ones_to_like() {
        let p = plan("海南 芒果 mango 5%").unwrap();
        assert_eq!(p.fts.as_deref(), Some("\"mango\""));
        assert_eq!(p.likes, vec!["%海南%", "%芒果%", "%5\\%%"]);
    }

    #[test]
    fn quotes_cannot_break_out_of_the_fts_phrase() {
        let p = plan("a\"b OR cc*").unwrap();
        assert_eq!(p.fts.as_deref(), Some("\"a\"\"b\" \"cc*\""));
        assert_eq!(p.likes, vec!["%OR%"]);
    }

    #[test]
    fn empty_and_oversized_queries_are_refused() {
        assert!(plan("   ").is_err());
        assert!(plan(&"x".repeat(101)).is_err());
        assert!(plan("a\u{0}b").is_err());
    }
}
