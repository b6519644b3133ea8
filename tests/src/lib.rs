//! End-to-end tests across FarmLive's crates, with real processes and real
//! peers: the hub runs as its own process on loopback, devices are real
//! cores on real SQLite files. The tests live in `tests/`; `src/bin/` holds
//! the small programs they drive and kill; this library is their harness.

#![allow(clippy::unwrap_used, clippy::missing_panics_doc)] // test harness: a failed unwrap is a failed test

pub mod api;
pub mod blobs;
pub mod browser;
pub mod builders;
pub mod flv_scan;
pub mod glass;
pub mod media;
pub mod net;
pub mod nginx;
pub mod nginx_live;
pub mod pg;
pub mod procstat;
pub mod proxy;
pub mod rooms;
pub mod rtmp_play;
pub mod stamp;
pub mod stores;
pub mod swarm;
pub mod weed;

pub use builders::{BuyerBuilder, ListingBuilder, OrderBuilder, RoomBuilder, order};
pub use stamp::{now_ms, stamp_now};

use farmlive_core::protocol::api::Role;
use farmlive_core::protocol::{ListingState, RoomId};
use farmlive_core::sync::BuyerClient;
use farmlive_core::{CancelToken, Core, SyncOptions, SyncReport};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// Path of one of this crate's programs (built by cargo with the tests).
pub fn bin(name: &str) -> PathBuf {
    let mut dir = std::env::current_exe().unwrap();
    dir.pop();
    if dir.ends_with("deps") {
        dir.pop();
    }
    dir.join(name)
}

/// A hub running as its own process on a free loopback port.
pub struct HubProcess {
    child: Child,
    /// Its base URL.
    pub url: String,
    /// Its database file (SQLite); for a hub on PostgreSQL, its data folder.
    pub db: PathBuf,
    /// Its database.
    target: farmlive_hub::DbTarget,
    /// Where its files go (a hub on PostgreSQL names its data folder).
    files: farmlive_hub::HubFiles,
    /// The farmer code for "Test farm" it printed at start.
    pub code: String,
    /// Where its RTMP ingest listens (`127.0.0.1:PORT`), unless it is off.
    pub rtmp: Option<String>,
    _dir: Option<tempfile::TempDir>,
    _cluster: Option<std::sync::Arc<pg::PgCluster>>,
}

impl HubProcess {
    /// Starts a hub with a fresh database: a SQLite file, or with
    /// `FARMLIVE_TEST_STORE=postgres` a fresh PostgreSQL database (see
    /// [`test_store`]), so one suite runs over either store.
    pub fn start() -> HubProcess {
        Self::fresh(&[], &[])
    }

    /// Starts a hub with a fresh database and these environment variables.
    pub fn start_with_env(env: &[(&str, &str)]) -> HubProcess {
        Self::fresh(env, &[])
    }

    /// Starts a hub with a fresh database and `farmlive-hubd` flags
    /// (`--trusted-proxy-header H`, `--signup-burst N`).
    pub fn start_with(flags: &[&str]) -> HubProcess {
        Self::fresh(&[], flags)
    }

    fn fresh(env: &[(&str, &str)], flags: &[&str]) -> HubProcess {
        let dir = tempfile::tempdir().unwrap();
        let mut hub = match test_store() {
            stores::StoreKind::Sqlite => {
                Self::spawn(&dir.path().join("hub.db"), "127.0.0.1:0", env, flags)
            }
            stores::StoreKind::Postgres | stores::StoreKind::PostgresS3 => {
                let (cluster, url) = stores::migrated_database();
                let target = farmlive_hub::DbTarget::Postgres(url);
                let files = farmlive_hub::HubFiles::in_dir(dir.path().join("data"));
                let mut hub = Self::spawn_on(target, files, "127.0.0.1:0", env, flags);
                hub._cluster = Some(cluster);
                hub
            }
        };
        hub._dir = Some(dir);
        hub
    }

    /// Starts a hub on `db` with these environment variables.
    pub fn start_with_env_at(db: &Path, env: &[(&str, &str)]) -> HubProcess {
        Self::spawn(db, "127.0.0.1:0", env, &[])
    }

    /// Starts a hub on `db` listening on `listen`.
    pub fn start_at(db: &Path, listen: &str) -> HubProcess {
        Self::spawn(db, listen, &[], &[])
    }

    /// Starts a hub process on the PostgreSQL database `url` (migrated),
    /// its photos, live media and code key in `data_dir`, listening on
    /// `listen`: one of several processes of one hub when they share both.
    pub fn start_on_postgres(url: &str, data_dir: &Path, listen: &str) -> HubProcess {
        Self::start_on_postgres_with(url, data_dir, listen, &[], &[])
    }

    /// [`HubProcess::start_on_postgres`] with these environment variables
    /// and `farmlive-hubd` flags.
    pub fn start_on_postgres_with(
        url: &str,
        data_dir: &Path,
        listen: &str,
        env: &[(&str, &str)],
        flags: &[&str],
    ) -> HubProcess {
        let files = farmlive_hub::HubFiles::in_dir(data_dir);
        let target = farmlive_hub::DbTarget::Postgres(url.to_owned());
        Self::spawn_on(target, files, listen, env, flags)
    }

    fn spawn(db: &Path, listen: &str, env: &[(&str, &str)], flags: &[&str]) -> HubProcess {
        let target = farmlive_hub::DbTarget::from(db);
        Self::spawn_on(
            target,
            farmlive_hub::HubFiles::default(),
            listen,
            env,
            flags,
        )
    }

    fn spawn_on(
        target: farmlive_hub::DbTarget,
        files: farmlive_hub::HubFiles,
        listen: &str,
        env: &[(&str, &str)],
        flags: &[&str],
    ) -> HubProcess {
        let mut command = Command::new(bin("farmlive-hubd"));
        match &target {
            farmlive_hub::DbTarget::Sqlite(file) => command.arg(file),
            farmlive_hub::DbTarget::Postgres(url) => command.arg(url),
        };
        if let Some(dir) = &files.data_dir {
            command.arg(listen).arg("--hub-data").arg(dir);
        } else {
            command.arg(listen);
        }
        let mut child = command
            .envs(env.iter().copied())
            .args(flags)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start farmlive-hubd");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let url = lines
            .next()
            .unwrap()
            .unwrap()
            .strip_prefix("listening ")
            .unwrap()
            .to_owned();
        let code = lines
            .next()
            .unwrap()
            .unwrap()
            .strip_prefix("code ")
            .unwrap()
            .to_owned();
        let rtmp = lines
            .next()
            .unwrap()
            .unwrap()
            .strip_prefix("rtmp ")
            .unwrap()
            .to_owned();
        let db = match (&target, &files.data_dir) {
            (farmlive_hub::DbTarget::Sqlite(file), _) => file.clone(),
            (_, Some(dir)) => dir.clone(),
            (_, None) => PathBuf::new(),
        };
        HubProcess {
            child,
            url,
            db,
            target,
            files,
            code,
            rtmp: (rtmp != "off").then_some(rtmp),
            _dir: None,
            _cluster: None,
        }
    }

    /// Stops this hub and starts it again on the same database, files
    /// and address (without the flags it was first started with): a hub
    /// restarted, or a link that comes back.
    pub fn restart(&mut self) {
        self.stop();
        let listen = self.url.trim_start_matches("http://").to_owned();
        let mut next = Self::spawn_on(self.target.clone(), self.files.clone(), &listen, &[], &[]);
        next._dir = self._dir.take();
        next._cluster = self._cluster.take();
        *self = next;
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Which database the hub runs on.
    pub fn target(&self) -> farmlive_hub::DbTarget {
        self.target.clone()
    }

    /// The `farmlive hub …` arguments naming this hub's database (and, on
    /// PostgreSQL, its data folder), for operator commands beside it.
    pub fn db_args(&self) -> Vec<String> {
        let mut args = vec!["--db".to_owned(), self.target.to_string()];
        if let Some(dir) = &self.files.data_dir {
            args.push("--hub-data".to_owned());
            args.push(dir.display().to_string());
        }
        args
    }

    /// The hub's store, opened beside the running process, as operators
    /// reach it: through the store interface, whichever database it is.
    /// Not from inside an async block with PostgreSQL (its calls block on
    /// a runtime of their own): the helpers below run it on a thread.
    pub fn store(&self) -> std::sync::Arc<dyn farmlive_hub::OperatorStore> {
        farmlive_hub::store::open_with(&self.target, &self.files).unwrap()
    }

    /// `f` over the hub's store on a thread of its own, so that it may be
    /// called from async test code with either store.
    fn with_store<T: Send>(
        &self,
        f: impl FnOnce(&dyn farmlive_hub::OperatorStore) -> T + Send,
    ) -> T {
        std::thread::scope(|s| s.spawn(|| f(self.store().as_ref())).join().unwrap())
    }

    /// A one-time code for `farms` and `role`.
    pub fn code(&self, farms: &[&str], role: Role) -> String {
        let farms: Vec<String> = farms.iter().map(|f| f.to_string()).collect();
        self.with_store(|s| s.mint_enrol_code(&farms, role).unwrap().code)
    }

    /// A new device enrolled here with a fresh code for `farms` and `role`.
    pub fn device(
        &self,
        rt: &tokio::runtime::Runtime,
        farms: &[&str],
        role: Role,
        name: &str,
    ) -> Device {
        Device::enrolled(rt, &self.url, &self.code(farms, role), name)
    }

    /// A buyer named `name` signed up through the device's buyer client
    /// (see [`BuyerBuilder`]).
    pub fn buyer(&self, rt: &tokio::runtime::Runtime, name: &str) -> BuyerClient {
        rt.block_on(BuyerBuilder::new(name).sign_up(&self.url))
    }

    /// How many of each record the hub holds.
    pub fn census(&self) -> farmlive_hub::store::Census {
        self.with_store(|s| s.census().unwrap())
    }

    /// A room's stored events as the hub keeps them, in id order: each
    /// event's id and its JSON.
    pub fn stored_room_events(&self, room: RoomId) -> Vec<(u64, String)> {
        self.with_store(|s| {
            let items = s.room_events(room, 0, None, u32::MAX).unwrap();
            items.iter().map(|e| (e.id, e.json.clone())).collect()
        })
    }

    /// The ids of a room's events as the hub stored them, in order.
    pub fn room_event_ids(&self, room: RoomId) -> Vec<u64> {
        self.stored_room_events(room)
            .into_iter()
            .map(|(id, _)| id)
            .collect()
    }

    /// A listing as the hub holds it (panics if it has none).
    pub fn listing(&self, id: farmlive_core::protocol::ListingId) -> ListingState {
        self.with_store(|s| s.listing(id).unwrap())
            .expect("the hub holds the listing")
    }

    /// SQLite only: the number `sql` (a `SELECT COUNT(*) ...`) finds in the
    /// hub's file. For tests about what the file itself holds (secrets
    /// kept hashed, and the like); others ask [`HubProcess::census`] or
    /// [`HubProcess::store`].
    pub fn sqlite_count(&self, sql: &str, params: impl rusqlite::Params) -> i64 {
        self.sqlite().query_row(sql, params, |r| r.get(0)).unwrap()
    }

    /// SQLite only: a raw connection to the hub's file, for tests about the
    /// file itself (what it stores, corrupting it, an older hub's rows).
    pub fn sqlite(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(&self.db).unwrap()
    }

    /// Asks the process to shut down (SIGTERM) and waits up to `within`
    /// for it to exit. True if it did.
    pub fn terminate(&mut self, within: std::time::Duration) -> bool {
        self.send_term();
        self.wait_exit(within)
    }

    /// Asks the process to shut down (SIGTERM), without waiting.
    pub fn send_term(&self) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
    }

    /// Waits up to `within` for the process to exit. True if it did.
    pub fn wait_exit(&mut self, within: std::time::Duration) -> bool {
        let deadline = std::time::Instant::now() + within;
        while std::time::Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return true;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        false
    }

    /// Stops the process.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for HubProcess {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The store [`HubProcess::start`] runs hubs on: PostgreSQL when
/// `FARMLIVE_TEST_STORE=postgres` (how `cargo xtask test` runs the hub API
/// suite a second time), else SQLite.
pub fn test_store() -> stores::StoreKind {
    match std::env::var("FARMLIVE_TEST_STORE").as_deref() {
        Ok("postgres") => stores::StoreKind::Postgres,
        Ok("sqlite") | Err(_) => stores::StoreKind::Sqlite,
        Ok(other) => panic!("FARMLIVE_TEST_STORE={other}: use sqlite or postgres"),
    }
}

/// A device: a core on its own data directory.
pub struct Device {
    /// The core (shared: a live show holds it too).
    pub core: std::sync::Arc<Core>,
    /// Its data directory.
    pub dir: tempfile::TempDir,
}

/// A tokio runtime for driving async calls from plain tests.
pub fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

impl Device {
    /// A new device enrolled at `hub` with `code`.
    pub fn enrolled(rt: &tokio::runtime::Runtime, hub_url: &str, code: &str, name: &str) -> Device {
        let dir = tempfile::tempdir().unwrap();
        let core = Core::open(dir.path()).unwrap();
        rt.block_on(core.enrol(hub_url, code, name)).unwrap();
        Device {
            core: std::sync::Arc::new(core),
            dir,
        }
    }

    /// Syncs fully; panics on error.
    pub fn sync(&self, rt: &tokio::runtime::Runtime) -> SyncReport {
        self.try_sync(rt, &SyncOptions::default()).unwrap()
    }

    /// Syncs with options.
    pub fn try_sync(
        &self,
        rt: &tokio::runtime::Runtime,
        options: &SyncOptions,
    ) -> farmlive_core::Result<SyncReport> {
        rt.block_on(self.core.sync(options, &CancelToken::new(), &|_| {}))
    }

    /// Creates `listing` on the farm named `farm`; panics if refused.
    pub fn list(&self, farm: &str, listing: &ListingBuilder) -> farmlive_core::Listing {
        listing.create(&self.core, self.farm(farm))
    }

    /// The device's bearer token, read from its database, for raw API calls.
    pub fn token(&self) -> String {
        let db = self.dir.path().join(farmlive_core::DB_FILE);
        rusqlite::Connection::open(db)
            .unwrap()
            .query_row(
                "SELECT value FROM meta WHERE key = 'device_token'",
                [],
                |r| r.get(0),
            )
            .unwrap()
    }

    /// The ops this device has not pushed yet, oldest first (to push raw).
    pub fn pending(&self) -> Vec<farmlive_core::protocol::ops::Op> {
        let ops = self.core.pending_ops(u32::MAX).unwrap();
        ops.into_iter().map(|p| p.op).collect()
    }

    /// The id of the farm named `name` on this device.
    pub fn farm(&self, name: &str) -> farmlive_core::protocol::FarmId {
        self.core.resolve_farm(Some(name)).unwrap().id
    }
}

/// A photo of the repository's test data (`testdata/photos/NAME`).
pub fn photo(name: &str) -> String {
    format!("{}/../testdata/photos/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// A listing draft: `stock` kg of `title` at 10.00 CNY (see [`ListingBuilder`]).
pub fn draft(title: &str, stock: i64) -> farmlive_core::protocol::ListingDraft {
    ListingBuilder::new(title).stock(stock).draft()
}
