//! The ceiling of a sync phase: the rows the phase wrote, inserted by raw
//! rusqlite into an empty copy of the same database (every table, index,
//! trigger and full-text index), in as many transactions as the phase
//! committed, with the writer's pragmas. What the real phase adds on top is
//! everything else: HTTP, JSON, gzip, the checks, reads and the protocol fold.
//!
//! The rows are found by comparing the database before and after the phase,
//! so the ceiling follows the schema as it changes.

use rusqlite::Connection;
use rusqlite::types::Value;
use std::collections::HashSet;
use std::path::Path;
use std::time::Instant;

type Rows = Vec<Vec<Value>>;

/// The rows of every ordinary table, to tell new rows from old ones.
pub struct Snapshot {
    tables: Vec<(String, HashSet<String>)>,
}

/// One table's columns and rows.
struct Table {
    name: String,
    columns: Vec<String>,
    /// Rows that were there before the phase (or in tables it did not grow).
    base: Rows,
    /// Rows the phase added (in tables it grew).
    new: Rows,
}

/// What a phase wrote, with the schema to write it into.
pub struct Written {
    schema: Vec<String>,
    tables: Vec<Table>,
}

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Ordinary tables (not virtual, shadow or SQLite's own), in creation order.
fn ordinary_tables(conn: &Connection) -> Vec<String> {
    let mut stmt = conn
        .prepare(
            "SELECT m.name FROM sqlite_master m
             JOIN pragma_table_list t ON t.name = m.name AND t.schema = 'main'
             WHERE m.type = 'table' AND t.type = 'table' AND m.name NOT LIKE 'sqlite_%'
               AND m.sql NOT LIKE 'CREATE VIRTUAL%'
             ORDER BY m.rowid",
        )
        .expect("list tables");
    stmt.query_map([], |r| r.get(0))
        .expect("list tables")
        .map(|r| r.expect("table name"))
        .collect()
}

fn columns(conn: &Connection, table: &str) -> Vec<String> {
    let mut stmt = conn
        .prepare("SELECT name FROM pragma_table_info(?1)")
        .expect("columns");
    stmt.query_map([table], |r| r.get(0))
        .expect("columns")
        .map(|r| r.expect("column"))
        .collect()
}

fn rows(conn: &Connection, table: &str, columns: &[String]) -> Rows {
    let list: Vec<String> = columns.iter().map(|c| quoted(c)).collect();
    let sql = format!("SELECT {} FROM {}", list.join(", "), quoted(table));
    let mut stmt = conn.prepare(&sql).expect("select rows");
    stmt.query_map([], |r| {
        (0..columns.len())
            .map(|i| r.get::<_, Value>(i))
            .collect::<rusqlite::Result<Vec<Value>>>()
    })
    .expect("select rows")
    .map(|r| r.expect("row"))
    .collect()
}

fn key(row: &[Value]) -> String {
    format!("{row:?}")
}

impl Snapshot {
    /// Every row of every ordinary table of `conn`'s database.
    pub fn take(conn: &Connection) -> Snapshot {
        let tables = ordinary_tables(conn)
            .into_iter()
            .map(|t| {
                let cols = columns(conn, &t);
                let keys = rows(conn, &t, &cols).iter().map(|r| key(r)).collect();
                (t, keys)
            })
            .collect();
        Snapshot { tables }
    }

    /// What was written to `conn`'s database since this snapshot: the new rows
    /// of every table that grew; every other row is the base the phase found.
    pub fn written_since(&self, conn: &Connection) -> Written {
        let mut stmt = conn
            .prepare(
                "SELECT sql FROM sqlite_master
                 WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'
                   AND name NOT IN (SELECT name FROM pragma_table_list WHERE type = 'shadow')
                 ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1
                                    WHEN 'view' THEN 2 ELSE 3 END, rowid",
            )
            .expect("schema");
        let schema = stmt
            .query_map([], |r| r.get(0))
            .expect("schema")
            .map(|r| r.expect("schema sql"))
            .collect();
        let tables = ordinary_tables(conn)
            .into_iter()
            .map(|name| {
                let columns = columns(conn, &name);
                let all = rows(conn, &name, &columns);
                let before = self
                    .tables
                    .iter()
                    .find(|(t, _)| *t == name)
                    .map(|(_, keys)| keys);
                let grew = before.is_none_or(|b| all.len() > b.len());
                let (base, new) = if grew {
                    all.into_iter()
                        .partition(|r| before.is_some_and(|b| b.contains(&key(r))))
                } else {
                    (all, Vec::new())
                };
                Table {
                    name,
                    columns,
                    base,
                    new,
                }
            })
            .collect();
        Written { schema, tables }
    }
}

impl Written {
    /// "table rows, …" of the new rows.
    pub fn describe(&self) -> String {
        self.tables
            .iter()
            .filter(|t| !t.new.is_empty())
            .map(|t| format!("{} {}", t.name, t.new.len()))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Creates the schema in a fresh database at `path`, inserts the base rows
    /// (untimed), then the new rows in `transactions` commits, each holding an
    /// equal share of every grown table's rows. Returns the seconds the new
    /// rows took. `pragmas` are the real writer's (journal mode, synchronous,
    /// foreign keys).
    pub fn insert_into(&self, path: &Path, pragmas: &[(&str, &str)], transactions: usize) -> f64 {
        let conn = Connection::open(path).expect("open ceiling db");
        for (name, value) in pragmas {
            conn.pragma_update(None, name, value).expect("pragma");
        }
        for sql in &self.schema {
            conn.execute_batch(sql).expect("create schema");
        }
        let insert = |tx: &rusqlite::Transaction<'_>, table: &Table, rows: &[Vec<Value>]| {
            let cols: Vec<String> = table.columns.iter().map(|c| quoted(c)).collect();
            let marks: Vec<String> = (1..=cols.len()).map(|i| format!("?{i}")).collect();
            let sql = format!(
                "INSERT INTO {} ({}) VALUES ({})",
                quoted(&table.name),
                cols.join(", "),
                marks.join(", ")
            );
            let mut stmt = tx.prepare_cached(&sql).expect("prepare insert");
            for row in rows {
                stmt.execute(rusqlite::params_from_iter(row.iter()))
                    .expect("insert");
            }
        };
        let mut conn = conn;
        let tx = conn.transaction().expect("begin");
        // Parents may come after children in creation order; check at commit.
        tx.pragma_update(None, "defer_foreign_keys", true)
            .expect("defer");
        for table in &self.tables {
            insert(&tx, table, &table.base);
        }
        tx.commit().expect("commit base");

        let transactions = transactions.max(1);
        let start = Instant::now();
        for i in 0..transactions {
            let tx = conn.transaction().expect("begin");
            tx.pragma_update(None, "defer_foreign_keys", true)
                .expect("defer");
            for table in self.tables.iter().filter(|t| !t.new.is_empty()) {
                let per = table.new.len().div_ceil(transactions);
                let from = (i * per).min(table.new.len());
                let to = ((i + 1) * per).min(table.new.len());
                insert(&tx, table, &table.new[from..to]);
            }
            tx.commit().expect("commit");
        }
        start.elapsed().as_secs_f64()
    }
}
