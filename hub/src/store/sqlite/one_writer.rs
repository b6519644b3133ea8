//! Every table of the hub's schema has exactly one writer module: the only
//! file of the crate whose (non-test) code holds SQL that inserts into,
//! updates or deletes from it. This test reads the crate's sources and
//! holds them to the list below, so a second writer cannot creep in.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One database backend: the folder of its modules (under `hub/src/`),
/// its migrations (under `hub/`), and table → the one module (in that
/// folder) that writes it. Each backend has its own map, so a second
/// backend's writer of `listings` is not a second writer of SQLite's.
struct Backend {
    src: &'static str,
    sql: &'static str,
    writers: &'static [(&'static str, &'static str)],
    /// The database's own tables (not in the migrations) that code writes.
    internal: &'static [&'static str],
    /// Tables of the schema whose area is not built on this backend yet:
    /// nothing may write them (they get their writer when it is built).
    unbuilt: &'static [&'static str],
}

const BACKENDS: &[Backend] = &[
    Backend {
        src: "store/sqlite",
        sql: "sql",
        writers: &[
            ("applied_ops", "ops.rs"),
            ("blob_owners", "blobs.rs"),
            ("blob_uploads", "blobs.rs"),
            ("blobs", "blobs.rs"),
            ("buyers", "buyers.rs"),
            ("changes", "records.rs"),
            ("device_farms", "devices.rs"),
            ("devices", "devices.rs"),
            ("enrol_codes", "accounts.rs"),
            ("farms", "accounts.rs"),
            ("listing_blobs", "listing_blobs.rs"),
            ("listings", "records.rs"),
            ("orders", "records.rs"),
            ("room_events", "room_events.rs"),
            ("rooms", "room_records.rs"),
            ("routes", "routes.rs"),
            ("farm_origins", "routes.rs"),
            ("guides", "guides.rs"),
            ("guide_blobs", "guides.rs"),
            ("questions", "questions.rs"),
            ("question_blobs", "questions.rs"),
            // SQLite's own table, holding the id sequence of `room_events`.
            ("sqlite_sequence", "room_events.rs"),
        ],
        internal: &["sqlite_sequence"],
        unbuilt: &[],
    },
    Backend {
        src: "store/postgres",
        sql: "sql-pg",
        writers: &[
            ("applied_ops", "ops.rs"),
            ("blob_owners", "blobs.rs"),
            ("blob_uploads", "blobs.rs"),
            ("blobs", "blobs.rs"),
            ("buyers", "buyers.rs"),
            ("changes", "records.rs"),
            ("device_farms", "devices.rs"),
            ("devices", "devices.rs"),
            ("enrol_codes", "accounts.rs"),
            ("farms", "accounts.rs"),
            // The gap-free sequences (changes, room events).
            ("feed_counters", "counters.rs"),
            ("listing_blobs", "listing_blobs.rs"),
            ("listings", "records.rs"),
            ("orders", "records.rs"),
            ("room_events", "room_events.rs"),
            ("rooms", "room_records.rs"),
            ("routes", "routes.rs"),
            ("farm_origins", "routes.rs"),
            ("guides", "guides.rs"),
            ("guide_blobs", "guides.rs"),
            ("questions", "questions.rs"),
            ("question_blobs", "questions.rs"),
        ],
        internal: &[],
        unbuilt: &[],
    },
];

/// The backend whose folder holds `rel` (a path under `hub/src/`); `""`
/// for code outside every backend, which may write no table at all.
fn backend_of(rel: &str) -> &'static str {
    BACKENDS
        .iter()
        .find(|b| rel.starts_with(&format!("{}/", b.src)))
        .map_or("", |b| b.src)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The tables a piece of code writes: the word after `INSERT … INTO`,
/// `UPDATE` or `DELETE FROM`.
fn written_tables(code: &str) -> BTreeSet<String> {
    let words: Vec<&str> = code
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .collect();
    let mut out = BTreeSet::new();
    for (i, w) in words.iter().enumerate() {
        let before = |n: usize| words[..i].iter().rev().take(n).copied().collect::<Vec<_>>();
        let writes = match *w {
            "INTO" => before(3).contains(&"INSERT"),
            // Not an upsert's `DO UPDATE SET` (its table is the INSERT's),
            // nor a row lock (`SELECT … FOR UPDATE`).
            "UPDATE" => before(1) != ["DO"] && before(1) != ["FOR"],
            "FROM" => before(1) == ["DELETE"],
            _ => false,
        };
        let table = words.get(i + 1).filter(|_| writes);
        if let Some(t) = table {
            out.insert(t.to_string());
        }
    }
    out
}

/// The schema's tables, from the migrations.
fn schema_tables(sql_dir: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for entry in std::fs::read_dir(sql_dir).expect("read sql") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "sql") {
            continue;
        }
        let sql = std::fs::read_to_string(path).expect("read");
        let words: Vec<&str> = sql.split_whitespace().collect();
        for w in words.windows(3) {
            if w[0] == "CREATE" && w[1] == "TABLE" {
                out.insert(w[2].trim_end_matches('(').to_string());
            }
        }
        // A table rebuilt under a temporary name (SQLite cannot change a
        // CHECK in place) is the renamed one, not a table of its own.
        for w in words.windows(6) {
            if w[0] == "ALTER" && w[1] == "TABLE" && w[3] == "RENAME" && w[4] == "TO" {
                out.remove(w[2]);
            }
        }
    }
    out
}

#[test]
fn every_table_has_exactly_one_writer_module() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let src = root.join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    // (backend folder, table) → the modules that write it.
    let mut writers: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let rel = file
            .strip_prefix(&src)
            .expect("under src")
            .to_string_lossy()
            .replace('\\', "/");
        if rel == "store/sqlite/one_writer.rs" || rel.ends_with("/tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("read");
        // Test modules set up their own rows; only the hub's code counts.
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for table in written_tables(code) {
            let key = (backend_of(&rel).to_string(), table);
            writers.entry(key).or_default().insert(rel.clone());
        }
    }
    let expected: BTreeMap<(String, String), BTreeSet<String>> = BACKENDS
        .iter()
        .flat_map(|b| {
            b.writers.iter().map(move |(t, m)| {
                let module = format!("{}/{m}", b.src);
                ((b.src.to_string(), t.to_string()), BTreeSet::from([module]))
            })
        })
        .collect();
    assert_eq!(
        writers, expected,
        "(backend, table) → the modules that write it"
    );
    for b in BACKENDS {
        let listed: BTreeSet<String> = b
            .writers
            .iter()
            .map(|(t, _)| t.to_string())
            .filter(|t| !b.internal.contains(&t.as_str()))
            .chain(b.unbuilt.iter().map(|t| t.to_string()))
            .collect();
        assert_eq!(
            listed,
            schema_tables(&root.join(b.sql)),
            "every table of {}'s schema has a writer",
            b.src
        );
    }
}

#[test]
fn a_write_outside_a_backend_or_in_another_backend_is_told_apart() {
    assert_eq!(backend_of("store/sqlite/records.rs"), "store/sqlite");
    assert_eq!(backend_of("store/postgres/records.rs"), "store/postgres");
    assert_eq!(backend_of("store/sqlite_extra/records.rs"), "");
    assert_eq!(backend_of("http/routes.rs"), "");
}

#[test]
fn the_writer_scan_sees_each_kind_of_write() {
    let code = r#"conn.execute("INSERT OR REPLACE INTO a (x) VALUES (1)");
        "UPDATE b SET x = 1"; "DELETE FROM c WHERE 1"; "SELECT x FROM d";
        "INSERT INTO e SELECT * FROM f"; "INSERT INTO g VALUES (1) ON CONFLICT DO UPDATE SET x = 2";
        "SELECT state FROM h WHERE id = $1 FOR UPDATE", &[&i]"#;
    let found: Vec<String> = written_tables(code).into_iter().collect();
    assert_eq!(found, ["a", "b", "c", "e", "g"]);
}
