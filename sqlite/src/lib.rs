//! SQLite plumbing shared by the device core and the hub, so both open,
//! migrate and read their databases the same way:
//!
//! - [`open`]: a connection with the pragmas both sides rely on (WAL, foreign
//!   keys, a busy timeout) and the caller's durability ([`Synchronous`]);
//! - [`migrate`]: numbered `NNN_name.sql` migrations tracked in
//!   `PRAGMA user_version`, and [`check_migration_folder`] for each user
//!   crate's test that its `sql/` folder matches its list, and
//!   [`build_old_schema`] for upgrade tests;
//! - [`from_json`] / [`to_json`]: JSON columns, with errors that name what
//!   was unreadable but never echo the stored data (it may be personal);
//! - [`text_col`] and [`find_by_id_suffix`]: row mapping and the "last few
//!   characters of an id" lookup the CLI's short ids use.
//!
//! It returns its own small [`Error`]; the core and the hub map it to theirs.

mod error;
mod json;
mod migrate;
mod open;
mod rows;

pub use error::{Error, Result};
pub use json::{from_json, to_json};
pub use migrate::{
    Migrated, Migration, build_old_schema, check_migration_folder, migrate, schema_version,
};
pub use open::{BUSY_TIMEOUT, Synchronous, is_corruption, open};
pub use rows::{IdSuffix, SuffixMatch, find_by_id_suffix, text_col};
