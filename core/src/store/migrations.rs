//! Numbered schema migrations from `core/sql/NNN_name.sql`, applied in order,
//! each in its own transaction together with the `user_version` it reaches.

use crate::error::{Error, Result};
use rusqlite::Connection;

/// The migrations, in order; migration `i` brings the schema to version `i + 1`.
const MIGRATIONS: &[(&str, &str)] = &[
    ("001_init.sql", include_str!("../../sql/001_init.sql")),
    ("002_sync.sql", include_str!("../../sql/002_sync.sql")),
    ("003_rooms.sql", include_str!("../../sql/003_rooms.sql")),
];

/// The schema version this build writes.
pub const LATEST_VERSION: u32 = MIGRATIONS.len() as u32;

/// Brings the schema up to date; returns (from, to) if anything was applied.
pub(super) fn migrate(conn: &mut Connection) -> Result<Option<(u32, u32)>> {
    let found: u32 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if found > LATEST_VERSION {
        return Err(Error::SchemaTooNew {
            found,
            supported: LATEST_VERSION,
        });
    }
    if found == LATEST_VERSION {
        return Ok(None);
    }
    for (index, (name, sql)) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let version = index as u32 + 1;
        let tx = conn.transaction()?;
        tx.execute_batch(sql).map_err(|e| Error::Migration {
            name,
            message: e.to_string(),
        })?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
        tracing::info!(target: "farmlive::store", "applied migration {name}");
    }
    Ok(Some((found, LATEST_VERSION)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sql_file_is_listed_in_order() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/sql");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".sql"))
            .collect();
        files.sort();
        let listed: Vec<&str> = MIGRATIONS.iter().map(|(n, _)| *n).collect();
        assert_eq!(files, listed, "core/sql and MIGRATIONS disagree");
        for (i, name) in listed.iter().enumerate() {
            assert!(
                name.starts_with(&format!("{:03}_", i + 1)),
                "{name} is out of sequence"
            );
        }
    }
}
