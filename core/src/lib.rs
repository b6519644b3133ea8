//! FarmLive's device-side core.
//!
//! Open a [`Core`] at a data directory; everything a farmer or field agent
//! does offline goes through it: farms, listings, stock, photos. Every user
//! action is one SQLite transaction that writes its rows and appends its
//! operation(s) to the outbox — or does neither — so that sync can later push
//! exactly what happened.
//!
//! This crate knows nothing of FFI; `farmlive-ffi` wraps it for Kotlin and
//! Swift, and the `farmlive` CLI drives it directly.

mod action;
mod blobs;
pub mod clock;
mod columns;
mod conflict_retry;
mod conflicts;
pub mod deliveries;
pub mod enrol_qr;
pub mod error;
pub mod error_message;
pub mod experts;
mod farms;
pub mod guides;
pub mod hub;
mod listing_rows;
pub mod listings;
pub mod manifest;
mod meta;
mod order_rows;
pub mod orders;
mod outbox;
pub mod photos;
mod private;
pub mod questions;
pub mod reminders;
mod role;
pub mod room;
mod sales;
mod search;
pub mod show;
mod store;
pub mod sync;
pub mod watch;

pub use clock::{Clock, SystemClock};
pub use enrol_qr::{QrError, decode_enrol_qr, decode_enrol_qr_photo};
pub use error::{Error, Result};
pub use farms::Farm;
pub use guides::GuideView;
pub use hub::{BuyerClient, CancelToken};
pub use listings::{Listing, ListingFilter, ListingPhoto};
pub use orders::{Conflict, Order, OrderFilter};
pub use outbox::PendingOp;
pub use questions::{NewAnswer, Question, QuestionDraft};
pub use reminders::ShipReminder;
pub use room::{FollowEnd, FollowOptions, RoomLink, RoomRecord, RoomSetup};
pub use show::{Show, ShowConfig, ShowEvent, ShowListener, ShowSummary};
pub use store::{DB_FILE, LATEST_VERSION as SCHEMA_VERSION, OpenReport};
pub use sync::{
    Enrolment, SyncFailure, SyncOptions, SyncPhase, SyncProgress, SyncReport, SyncStatus,
};
pub use watch::{WatchEvent, WatchOptions};

pub use farmlive_photo::{PhotoError, PipelineOptions};
pub use farmlive_protocol as protocol;

use blobs::BlobStore;
use farmlive_protocol::{DeviceId, Hlc, hlc::HlcClock};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use store::Store;

/// Settings for [`Core::open_with`].
#[derive(Clone)]
pub struct CoreOptions {
    /// Wall time; the system clock unless a test supplies one.
    pub clock: Arc<dyn Clock>,
    /// Photo sizes, quality and decode limits.
    pub photos: PipelineOptions,
}

impl Default for CoreOptions {
    fn default() -> Self {
        CoreOptions {
            clock: Arc::new(SystemClock),
            photos: PipelineOptions::default(),
        }
    }
}

/// The core, opened at a data directory. Cheap to share across threads.
pub struct Core {
    data_dir: PathBuf,
    store: Store,
    blobs: BlobStore,
    clock: Arc<dyn Clock>,
    device: DeviceId,
    hlc: Mutex<HlcClock>,
    photo_options: PipelineOptions,
    report: OpenReport,
    /// One sync at a time (a sync started while one runs waits for it).
    sync_gate: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Core {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Core")
            .field("data_dir", &self.data_dir)
            .field("device", &self.device)
            .finish_non_exhaustive()
    }
}

impl Core {
    /// Opens the core at `data_dir`, creating it if needed, with default options.
    pub fn open(data_dir: impl AsRef<Path>) -> Result<Core> {
        Self::open_with(data_dir, CoreOptions::default())
    }

    /// Opens the core at `data_dir` with the given options.
    ///
    /// A database from a newer app is refused ([`Error::SchemaTooNew`]); a
    /// damaged one is moved aside (see [`OpenReport::set_aside`]) and a new one
    /// started, so the app keeps working and nothing is deleted.
    pub fn open_with(data_dir: impl AsRef<Path>, options: CoreOptions) -> Result<Core> {
        let data_dir = data_dir.as_ref().to_path_buf();
        private::private_dir(&data_dir)?;
        private::restrict(&data_dir.join("blobs"))?;
        let (store, report) = Store::open(&data_dir, options.clock.now_ms())?;
        let (device, last) = action::load_device(&store)?;
        Ok(Core {
            blobs: BlobStore::new(data_dir.join("blobs")),
            data_dir,
            store,
            clock: options.clock,
            device,
            hlc: Mutex::new(HlcClock::new(device, last)),
            photo_options: options.photos,
            report,
            sync_gate: tokio::sync::Mutex::new(()),
        })
    }

    /// What opening found: a damaged database set aside, migrations applied.
    pub fn open_report(&self) -> &OpenReport {
        &self.report
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// This device's id, made on first open and kept in the database.
    pub fn device_id(&self) -> DeviceId {
        self.device
    }

    /// The latest clock stamp this device has made or seen.
    pub fn last_stamp(&self) -> Hlc {
        self.hlc.lock().unwrap_or_else(|p| p.into_inner()).last()
    }

    pub(crate) fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }
}
