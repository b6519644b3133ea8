//! The PostgreSQL schema's numbered migrations (`hub/sql-pg/`) and the
//! runner `farmlive hub migrate` calls. The PostgreSQL store itself is not
//! built yet; its schema is, so that it can be set up and checked now.
//!
//! The runner takes a transaction-scoped advisory lock first, so hubs or
//! operators migrating at once take turns; it applies every pending
//! migration in that one transaction (PostgreSQL's DDL is transactional:
//! all or nothing), and refuses a schema newer than it knows. Each
//! migration records its own number in `schema_version` (the only table
//! the runner creates), so no Rust code here writes a table.

use crate::error::{HubError, Result};
use farmlive_sqlite::{Migrated, Migration};

/// The PostgreSQL migrations, in order; migration `i` brings the schema to
/// version `i + 1`.
pub const PG_MIGRATIONS: &[Migration] = &[
    Migration::new("001_init.sql", include_str!("../../sql-pg/001_init.sql")),
    Migration::new(
        "002_routes.sql",
        include_str!("../../sql-pg/002_routes.sql"),
    ),
    Migration::new(
        "003_ingest_nodes.sql",
        include_str!("../../sql-pg/003_ingest_nodes.sql"),
    ),
    Migration::new(
        "004_questions.sql",
        include_str!("../../sql-pg/004_questions.sql"),
    ),
    Migration::new(
        "005_guides.sql",
        include_str!("../../sql-pg/005_guides.sql"),
    ),
    Migration::new(
        "006_guide_photos.sql",
        include_str!("../../sql-pg/006_guide_photos.sql"),
    ),
];

/// The PostgreSQL schema version this hub writes.
pub const PG_SCHEMA_VERSION: u32 = PG_MIGRATIONS.len() as u32;

/// The advisory lock key migrations hold (an arbitrary constant, "FLmigr").
const MIGRATION_LOCK: i64 = 0x464C_6D69_6772;

fn pg_error(what: &str) -> impl Fn(tokio_postgres::Error) -> HubError + '_ {
    // The error says what the server said; it never holds the URL (or its
    // password).
    move |e| HubError::Internal(format!("PostgreSQL, {what}: {e}"))
}

/// Brings the PostgreSQL database at `url` to [`PG_SCHEMA_VERSION`]; a
/// no-op when it is there. Refuses a newer schema
/// ([`HubError::SchemaTooNew`]) and changes nothing then.
pub async fn migrate_postgres(url: &str) -> Result<Migrated> {
    // Plain TCP or a Unix socket: see the NoTls note in hub/Cargo.toml.
    let (mut client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .map_err(pg_error("connecting"))?;
    let driver = tokio::spawn(connection);
    let result = async {
        let tx = client.transaction().await.map_err(pg_error("begin"))?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await
            .map_err(pg_error("taking the migration lock"))?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_version (
                 version    INTEGER PRIMARY KEY,
                 applied_at BIGINT NOT NULL
             )",
        )
        .await
        .map_err(pg_error("schema_version"))?;
        let version = |row: tokio_postgres::Row| u32::try_from(row.get::<_, i32>(0)).unwrap_or(0);
        let current = "SELECT COALESCE(MAX(version), 0) FROM schema_version";
        let from = version(
            tx.query_one(current, &[])
                .await
                .map_err(pg_error("reading the schema version"))?,
        );
        if from > PG_SCHEMA_VERSION {
            return Err(HubError::SchemaTooNew {
                found: from,
                supported: PG_SCHEMA_VERSION,
            });
        }
        for (done, m) in PG_MIGRATIONS.iter().enumerate().skip(from as usize) {
            tx.batch_execute(m.sql).await.map_err(pg_error(m.name))?;
            let now = version(tx.query_one(current, &[]).await.map_err(pg_error(m.name))?);
            let expected = done as u32 + 1;
            if now != expected {
                return Err(HubError::Internal(format!(
                    "{} left schema version {now}, not {expected}",
                    m.name
                )));
            }
        }
        tx.commit().await.map_err(pg_error("commit"))?;
        Ok(Migrated {
            from,
            to: PG_SCHEMA_VERSION,
        })
    }
    .await;
    drop(client);
    let _ = driver.await;
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sql_pg_file_is_listed_in_order() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/sql-pg");
        if let Err(e) = farmlive_sqlite::check_migration_folder(dir.as_ref(), PG_MIGRATIONS) {
            panic!("hub/sql-pg and PG_MIGRATIONS disagree: {e}");
        }
    }

    #[test]
    fn every_migration_records_its_own_number() {
        for (i, m) in PG_MIGRATIONS.iter().enumerate() {
            let record = format!(
                "INSERT INTO schema_version (version, applied_at)\n    VALUES ({},",
                i + 1
            );
            assert!(
                m.sql.contains(&record),
                "{} records version {}",
                m.name,
                i + 1
            );
        }
    }
}
