//! Numbered schema migrations: `sql/NNN_name.sql` files compiled in with
//! `include_str!`, applied in order, each in its own transaction together
//! with the `PRAGMA user_version` it reaches.

use crate::error::{Error, Result};
use rusqlite::Connection;
use std::path::Path;

/// One migration file; the `i`-th in a list brings the schema to version `i + 1`.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// File name, e.g. `002_sync.sql`.
    pub name: &'static str,
    /// Its SQL (`include_str!` of the file).
    pub sql: &'static str,
}

impl Migration {
    /// A migration named `name` running `sql`.
    pub const fn new(name: &'static str, sql: &'static str) -> Migration {
        Migration { name, sql }
    }
}

/// What [`migrate`] found and did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Migrated {
    /// The schema version found (0 for a new database).
    pub from: u32,
    /// The version now (the newest known).
    pub to: u32,
}

impl Migrated {
    /// (from, to) if any migration ran.
    pub fn applied(self) -> Option<(u32, u32)> {
        (self.from != self.to).then_some((self.from, self.to))
    }
}

/// The schema version recorded in the database (`PRAGMA user_version`).
pub fn schema_version(conn: &Connection) -> Result<u32> {
    Ok(conn.pragma_query_value(None, "user_version", |row| row.get(0))?)
}

/// Brings the schema up to date with `migrations`. A schema newer than the
/// list is refused before anything is written ([`Error::SchemaTooNew`]).
pub fn migrate(conn: &mut Connection, migrations: &[Migration]) -> Result<Migrated> {
    let latest = u32::try_from(migrations.len()).unwrap_or(u32::MAX);
    let found = schema_version(conn)?;
    if found > latest {
        return Err(Error::SchemaTooNew {
            found,
            supported: latest,
        });
    }
    for (version, migration) in (1..).zip(migrations).skip(found as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(migration.sql)
            .map_err(|e| Error::Migration {
                name: migration.name,
                message: e.to_string(),
            })?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    Ok(Migrated {
        from: found,
        to: latest,
    })
}

/// Checks that the `.sql` files in `dir` are exactly `migrations`: none
/// forgotten from the list, numbered 001, 002, ... without gaps, each listed
/// text the file's. For a test in each crate that keeps a `sql/` folder.
pub fn check_migration_folder(dir: &Path, migrations: &[Migration]) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut files = Vec::new();
    for entry in entries {
        let name = entry
            .map_err(|e| format!("{}: {e}", dir.display()))?
            .file_name()
            .to_string_lossy()
            .into_owned();
        if name.ends_with(".sql") {
            files.push(name);
        }
    }
    files.sort();
    let listed: Vec<&str> = migrations.iter().map(|m| m.name).collect();
    if files != listed {
        return Err(format!(
            "{} holds {files:?} but the migration list is {listed:?}",
            dir.display()
        ));
    }
    for (number, migration) in (1..).zip(migrations) {
        if !migration.name.starts_with(&format!("{number:03}_")) {
            return Err(format!(
                "{} is out of sequence: migration {number} must be named {number:03}_*.sql",
                migration.name
            ));
        }
        let text = std::fs::read_to_string(dir.join(migration.name))
            .map_err(|e| format!("{}: {e}", migration.name))?;
        if text != migration.sql {
            return Err(format!(
                "{} is listed with text that is not the file's",
                migration.name
            ));
        }
    }
    Ok(())
}

/// Builds the schema an older build left: applies the first `version`
/// `.sql` files of `dir`, in name order, as that build's runner did. For
/// upgrade tests, which then fill it with that version's rows and open it
/// with today's code.
pub fn build_old_schema(conn: &mut Connection, dir: &Path, version: u32) -> Result<(), String> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .collect();
    files.sort();
    if files.len() < version as usize {
        return Err(format!("{} has no migration {version}", dir.display()));
    }
    for (number, file) in (1u32..).zip(&files[..version as usize]) {
        let sql = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
        let tx = conn.transaction().map_err(|e| e.to_string())?;
        tx.execute_batch(&sql)
            .and_then(|()| tx.pragma_update(None, "user_version", number))
            .and_then(|()| tx.commit())
            .map_err(|e| format!("{}: {e}", file.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

    use super::*;

    const TWO: &[Migration] = &[
        Migration::new("001_a.sql", "CREATE TABLE a (x INTEGER);"),
        Migration::new("002_b.sql", "CREATE TABLE b (y INTEGER);"),
    ];

    fn memory() -> Connection {
        Connection::open_in_memory().unwrap()
    }

    #[test]
    fn migrations_apply_in_order_once() {
        let mut conn = memory();
        let first = migrate(&mut conn, &TWO[..1]).unwrap();
        assert_eq!(first.applied(), Some((0, 1)));
        let second = migrate(&mut conn, TWO).unwrap();
        assert_eq!(second.applied(), Some((1, 2)));
        assert_eq!(migrate(&mut conn, TWO).unwrap().applied(), None);
        assert_eq!(schema_version(&conn).unwrap(), 2);
        conn.execute("INSERT INTO b (y) VALUES (1)", []).unwrap();
    }

    #[test]
    fn a_newer_schema_is_refused_untouched() {
        let mut conn = memory();
        conn.pragma_update(None, "user_version", 7).unwrap();
        let err = migrate(&mut conn, TWO).unwrap_err();
        assert!(
            matches!(
                err,
                Error::SchemaTooNew {
                    found: 7,
                    supported: 2
                }
            ),
            "{err:?}"
        );
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
            .unwrap();
        assert_eq!(tables, 0);
    }

    #[test]
    fn a_failed_migration_is_rolled_back_and_named() {
        let mut conn = memory();
        let broken = [
            TWO[0],
            Migration::new(
                "002_bad.sql",
                "CREATE TABLE c (z); SELECT nonsense FROM nowhere;",
            ),
        ];
        let err = migrate(&mut conn, &broken).unwrap_err();
        assert!(
            matches!(
                &err,
                Error::Migration {
                    name: "002_bad.sql",
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(schema_version(&conn).unwrap(), 1, "the first one stays");
        let c: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE name = 'c'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(c, 0, "the failed one is rolled back whole");
    }

    fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        dir
    }

    #[test]
    fn an_old_schema_is_built_from_the_first_files_only() {
        let dir = folder(&[(TWO[0].name, TWO[0].sql), (TWO[1].name, TWO[1].sql)]);
        let mut conn = memory();
        build_old_schema(&mut conn, dir.path(), 1).unwrap();
        assert_eq!(schema_version(&conn).unwrap(), 1);
        assert!(
            conn.execute("INSERT INTO b (y) VALUES (1)", []).is_err(),
            "b is from 002"
        );
        assert_eq!(migrate(&mut conn, TWO).unwrap().applied(), Some((1, 2)));
        assert!(build_old_schema(&mut memory(), dir.path(), 3).is_err());
    }

    #[test]
    fn the_folder_check_accepts_a_matching_folder() {
        let dir = folder(&[
            (TWO[0].name, TWO[0].sql),
            (TWO[1].name, TWO[1].sql),
            ("README", ""),
        ]);
        check_migration_folder(dir.path(), TWO).unwrap();
    }

    #[test]
    fn the_folder_check_finds_a_forgotten_file() {
        let dir = folder(&[
            (TWO[0].name, TWO[0].sql),
            (TWO[1].name, TWO[1].sql),
            ("003_c.sql", ""),
        ]);
        let err = check_migration_folder(dir.path(), TWO).unwrap_err();
        assert!(err.contains("003_c.sql"), "{err}");
    }

    #[test]
    fn the_folder_check_finds_a_gap_in_the_numbers() {
        let gap = [TWO[0], Migration::new("003_b.sql", TWO[1].sql)];
        let dir = folder(&[(gap[0].name, gap[0].sql), (gap[1].name, gap[1].sql)]);
        let err = check_migration_folder(dir.path(), &gap).unwrap_err();
        assert!(err.contains("out of sequence"), "{err}");
    }

    #[test]
    fn the_folder_check_finds_a_listed_text_from_another_file() {
        let swapped = [TWO[0], Migration::new(TWO[1].name, TWO[0].sql)];
        let dir = folder(&[(TWO[0].name, TWO[0].sql), (TWO[1].name, TWO[1].sql)]);
        let err = check_migration_folder(dir.path(), &swapped).unwrap_err();
        assert!(err.contains("002_b.sql"), "{err}");
    }
}
