//! One hub API suite over each store: a hub served in this process on a
//! loopback port, over SQLite (a temporary file) or PostgreSQL (a fresh
//! database on this test binary's shared cluster, see [`crate::pg`]),
//! built through the same `farmlive_hub::Hub` the hub process runs.
//!
//! `farmlive hub --db postgres://…` still refuses to serve (rooms are not
//! built on PostgreSQL yet), so the PostgreSQL hub is built here over an
//! open [`farmlive_hub::PgStore`] with `Hub::over_store`, its photos in a
//! local directory, or in S3 (a SeaweedFS server, [`crate::weed`]).
//! Tests written with [`both_stores!`] run the same body once per store
//! (and, with `with_s3`, once more on PostgreSQL with photos in S3);
//! [`InProcessHub::another_process`] starts a second hub over the same
//! PostgreSQL database and photo directory (or bucket prefix).

use crate::pg::PgCluster;
use crate::weed::Weed;
use farmlive_hub::store::objects::{PhotoStorage, S3Location};
use farmlive_hub::store::{DbTarget, OperatorStore, PgStore};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Which database a hub runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    /// A SQLite file.
    Sqlite,
    /// A PostgreSQL database.
    Postgres,
    /// A PostgreSQL database, photos and uploads in S3 (SeaweedFS).
    PostgresS3,
}

/// Where a PostgreSQL hub's photos go.
#[derive(Clone)]
enum Photos {
    /// A local directory its processes share.
    Dir(PathBuf),
    /// A bucket prefix on a test server (each process its own client).
    S3(Arc<Weed>, S3Location),
}

impl Photos {
    fn open(&self) -> PhotoStorage {
        match self {
            Photos::Dir(dir) => PhotoStorage::local(dir).unwrap(),
            Photos::S3(weed, location) => PhotoStorage::s3(location, &weed.env()).unwrap(),
        }
    }
}

/// A hub served in this process on a free loopback port.
pub struct InProcessHub {
    /// Its base URL.
    pub url: String,
    /// Its store, as operators reach it.
    pub store: Arc<dyn OperatorStore>,
    /// Which database it runs on.
    pub kind: StoreKind,
    /// The PostgreSQL database's URL, if it runs on one.
    pub pg_url: Option<String>,
    /// Its photo bytes (`hub.blobs` beside a SQLite file; a folder or an
    /// S3 prefix on PostgreSQL), as the store reaches them.
    pub photos: PhotoStorage,
    /// The S3 server, if its photos are in one.
    pub weed: Option<Arc<Weed>>,
    /// Where a PostgreSQL hub's photos are, for another process.
    photo_place: Option<Photos>,
    /// Its code key file (PostgreSQL; every process of a hub shares it).
    secret: PathBuf,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<std::thread::JoinHandle<()>>,
    _cluster: Option<Arc<PgCluster>>,
    _dir: tempfile::TempDir,
}

/// Makes a fresh PostgreSQL database on the shared cluster and migrates
/// it as `farmlive hub migrate` does; the cluster and the URL.
pub fn migrated_database() -> (Arc<PgCluster>, String) {
    let cluster = PgCluster::shared();
    let url = cluster.create_database();
    crate::rt()
        .block_on(farmlive_hub::store::migrate(&DbTarget::Postgres(
            url.clone(),
        )))
        .unwrap();
    (cluster, url)
}

impl InProcessHub {
    /// Starts a hub over a new, empty store of `kind`. On
    /// [`StoreKind::PostgresS3`] without a `weed` binary it panics: test
    /// bodies are started by [`both_stores!`], which skips them first.
    pub fn start(kind: StoreKind) -> InProcessHub {
        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("hub.secret");
        match kind {
            StoreKind::Sqlite => {
                let target = DbTarget::Sqlite(dir.path().join("hub.db"));
                let store = farmlive_hub::store::open(&target).unwrap();
                let photos = PhotoStorage::local(&dir.path().join("hub.blobs")).unwrap();
                Self::serve(store, kind, None, None, (photos, None), secret, dir)
            }
            StoreKind::Postgres | StoreKind::PostgresS3 => {
                let (cluster, url) = migrated_database();
                let place = if kind == StoreKind::Postgres {
                    Photos::Dir(dir.path().join("photos"))
                } else {
                    let weed = Weed::shared().expect("an S3 server (weed)");
                    let location = weed.location();
                    Photos::S3(weed, location)
                };
                let (store, photos) = open_pg(&url, &secret, &place);
                let photos = (photos, Some(place));
                Self::serve(store, kind, Some(cluster), Some(url), photos, secret, dir)
            }
        }
    }

    /// A second hub process over this one's PostgreSQL database, code key
    /// and photos (as two processes of one machine run; with photos in
    /// S3, it shares no folder with this one). This hub must outlive it.
    pub fn another_process(&self) -> InProcessHub {
        let url = self.pg_url.clone().expect("a PostgreSQL hub");
        let place = self.photo_place.clone().expect("a PostgreSQL hub");
        let (store, photos) = open_pg(&url, &self.secret, &place);
        let dir = tempfile::tempdir().unwrap();
        Self::serve(
            store,
            self.kind,
            self._cluster.clone(),
            Some(url),
            (photos, Some(place)),
            self.secret.clone(),
            dir,
        )
    }

    /// The names of its photo bytes, sorted: complete photos (`<sha>`) and
    /// uploads in progress (`<sha>.<device>.part`), wherever they are.
    pub fn photo_files(&self) -> Vec<String> {
        let mut names = self.photos.objects.list().unwrap();
        names.extend(self.photos.parts.names().unwrap());
        names.sort();
        names
    }

    fn serve(
        store: Arc<dyn OperatorStore>,
        kind: StoreKind,
        cluster: Option<Arc<PgCluster>>,
        pg_url: Option<String>,
        (photos, photo_place): (PhotoStorage, Option<Photos>),
        secret: PathBuf,
        dir: tempfile::TempDir,
    ) -> InProcessHub {
        let hub = farmlive_hub::Hub::over_store(
            store.clone(),
            dir.path().join("live"),
            farmlive_hub::HubOptions::default(),
        )
        .unwrap();
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        std_listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}", std_listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = std::thread::spawn(move || {
            let rt = crate::rt();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(std_listener).unwrap();
                let shutdown = async move {
                    let _ = stopped.await;
                };
                hub.serve(listener, shutdown).await.unwrap();
            });
        });
        InProcessHub {
            url,
            store,
            kind,
            pg_url,
            weed: match &photo_place {
                Some(Photos::S3(weed, _)) => Some(weed.clone()),
                _ => None,
            },
            photos,
            photo_place,
            secret,
            stop: Some(stop),
            server: Some(server),
            _cluster: cluster,
            _dir: dir,
        }
    }

    /// A one-time code for `farms` and `role`.
    pub fn code(&self, farms: &[&str], role: farmlive_core::protocol::api::Role) -> String {
        let farms: Vec<String> = farms.iter().map(|f| f.to_string()).collect();
        self.store.mint_enrol_code(&farms, role).unwrap().code
    }

    /// A new device enrolled here with a fresh code for `farms` and `role`.
    pub fn device(
        &self,
        rt: &tokio::runtime::Runtime,
        farms: &[&str],
        role: farmlive_core::protocol::api::Role,
        name: &str,
    ) -> crate::Device {
        crate::Device::enrolled(rt, &self.url, &self.code(farms, role), name)
    }

    /// A buyer named `name` signed up through the device's buyer client.
    pub fn buyer(
        &self,
        rt: &tokio::runtime::Runtime,
        name: &str,
    ) -> farmlive_core::sync::BuyerClient {
        rt.block_on(crate::BuyerBuilder::new(name).sign_up(&self.url))
    }
}

/// A PostgreSQL store at `url` with its photos at `place`; the store,
/// and the photo storage it writes (another handle on the same bytes).
fn open_pg(url: &str, secret: &Path, place: &Photos) -> (Arc<dyn OperatorStore>, PhotoStorage) {
    let photos = place.open();
    let store = PgStore::open(url, secret, photos.clone()).unwrap();
    (Arc::new(store), photos)
}

impl Drop for InProcessHub {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.join();
        }
    }
}

/// `both_stores!(name, body)`: a module `name` with one test per store,
/// `name::sqlite` and `name::postgres`, each calling `body(StoreKind)`;
/// `both_stores!(name, body, with_s3)` adds `name::postgres_s3`, photos
/// in S3.
#[macro_export]
macro_rules! both_stores {
    ($name:ident, $body:path) => {
        mod $name {
            #[test]
            fn sqlite() {
                $body($crate::stores::StoreKind::Sqlite);
            }

            #[test]
            fn postgres() {
                $body($crate::stores::StoreKind::Postgres);
            }
        }
    };
    ($name:ident, $body:path, with_s3) => {
        mod $name {
            #[test]
            fn sqlite() {
                $body($crate::stores::StoreKind::Sqlite);
            }

            #[test]
            fn postgres() {
                $body($crate::stores::StoreKind::Postgres);
            }

            /// Skipped, saying so, without a `weed` binary (unless
            /// `FARMLIVE_REQUIRE_S3` is set).
            #[test]
            fn postgres_s3() {
                if $crate::weed::binary().is_some() {
                    $body($crate::stores::StoreKind::PostgresS3);
                }
            }
        }
    };
}
