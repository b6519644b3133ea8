//! Numbered schema migrations from `core/sql/NNN_name.sql`, applied in order
//! by the shared runner ([`farmlive_sqlite::migrate`]), each in its own
//! transaction together with the `user_version` it reaches.

use crate::error::Result;
use farmlive_sqlite::Migration;
use rusqlite::Connection;

/// The migrations, in order; migration `i` brings the schema to version `i + 1`.
const MIGRATIONS: &[Migration] = &[
    Migration::new("001_init.sql", include_str!("../../sql/001_init.sql")),
    Migration::new("002_sync.sql", include_str!("../../sql/002_sync.sql")),
    Migration::new("003_rooms.sql", include_str!("../../sql/003_rooms.sql")),
    Migration::new(
        "004_reminders.sql",
        include_str!("../../sql/004_reminders.sql"),
    ),
    Migration::new(
        "005_questions.sql",
        include_str!("../../sql/005_questions.sql"),
    ),
    Migration::new("006_guides.sql", include_str!("../../sql/006_guides.sql")),
    Migration::new(
        "007_guide_photos.sql",
        include_str!("../../sql/007_guide_photos.sql"),
    ),
];

/// The schema version this build writes.
pub const LATEST_VERSION: u32 = MIGRATIONS.len() as u32;

/// Brings the schema up to date; returns (from, to) if anything was applied.
pub(super) fn migrate(conn: &mut Connection) -> Result<Option<(u32, u32)>> {
    let applied = farmlive_sqlite::migrate(conn, MIGRATIONS)?.applied();
    if let Some((from, to)) = applied {
        for m in &MIGRATIONS[from as usize..to as usize] {
            tracing::info!(target: "farmlive::store", "applied migration {}", m.name);
        }
    }
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sql_file_is_listed_in_order() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/sql");
        if let Err(e) = farmlive_sqlite::check_migration_folder(dir.as_ref(), MIGRATIONS) {
            panic!("core/sql and MIGRATIONS disagree: {e}");
        }
    }
}
