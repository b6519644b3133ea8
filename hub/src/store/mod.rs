//! The hub's store: the interface the HTTP layer and operators use
//! ([`interface`]), which database a hub runs on ([`DbTarget`], [`open`]),
//! its SQLite implementation ([`sqlite`]), its PostgreSQL one
//! ([`postgres`]), and the rules both share
//! (`rules`).
//!
//! Below it sits only the in-memory room fan-out (`crate::rooms`) and the
//! crate's errors; nothing here knows HTTP.

pub mod interface;
pub mod objects;
mod pg_migrate;
pub mod postgres;
pub(crate) mod rules;
pub mod sqlite;
mod target;

pub use farmlive_sqlite::Migrated;
pub use interface::{
    AccountStore, BlobStatus, CODE_TTL_MAX_MS, CODE_TTL_MS, Census, ChangeStore, Collected,
    EnrolCode, Following, GuideStore, HealthStore, HubStore, ListingStore, OperatorStore,
    OrderStore, PhotoBytes, PhotoSource, PhotoStore, Principal, Published, QuestionStore,
    ROOM_LIST_MAX, Reader, RoomStore, Uploader,
};
pub use pg_migrate::{PG_MIGRATIONS, PG_SCHEMA_VERSION, migrate_postgres};
pub use postgres::PgStore;
pub use sqlite::{
    BUYER_TOKEN_TTL_MS, BlobStore, COLLECT_EVERY, DEVICE_TOKEN_TTL_MS, OPERATOR, ORPHAN_GRACE_MS,
    PHOTO_QUOTA_DEFAULT, PHOTO_QUOTA_ENV, SCHEMA_VERSION, SqliteStore, Store, UPLOAD_EXPIRY_MS,
    now_ms, secret_path,
};
pub use target::{DATA_DIR_NEEDED, DbTarget, HubFiles};

use crate::error::{HubError, Result};
use std::sync::Arc;

/// Opens (creating and migrating) the hub database `target` names, with
/// its files where they go by default: [`open_with`] without a data folder
/// (enough for a SQLite file; a hub on PostgreSQL is refused, naming
/// `--data-dir`).
pub fn open(target: &DbTarget) -> Result<Arc<dyn OperatorStore>> {
    open_with(target, &HubFiles::default())
}

/// Opens the hub database `target` names, with its photos and code key
/// where `files` says, for the HTTP layer ([`OperatorStore::into_hub_store`])
/// and operators alike. A SQLite file is created and migrated; a
/// PostgreSQL database must have been migrated (`farmlive hub migrate`).
pub fn open_with(target: &DbTarget, files: &HubFiles) -> Result<Arc<dyn OperatorStore>> {
    files.check_for(target)?;
    match target {
        DbTarget::Sqlite(path) => Ok(Arc::new(SqliteStore::open(path)?)),
        DbTarget::Postgres(url) => {
            let (dir, secret) = files.for_postgres()?;
            std::fs::create_dir_all(&dir).map_err(|e| {
                HubError::Io(format!(
                    "cannot make the data folder {}: {e}",
                    dir.display()
                ))
            })?;
            let photos = match &files.objects {
                Some(location) => objects::PhotoStorage::s3(location, &[])?,
                None => objects::PhotoStorage::local(&dir.join("blobs"))?,
            };
            Ok(Arc::new(PgStore::open(url, &secret, photos)?))
        }
    }
}

/// Brings the database `target` names to the schema this hub writes (a
/// no-op when it is there): `farmlive hub migrate`. A SQLite file is
/// migrated as a hub opening it would; PostgreSQL by [`migrate_postgres`].
pub async fn migrate(target: &DbTarget) -> Result<Migrated> {
    match target {
        DbTarget::Sqlite(path) => sqlite::migrate_file(path),
        DbTarget::Postgres(url) => migrate_postgres(url).await,
    }
}
