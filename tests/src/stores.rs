//! One hub API suite over each store: a hub served in this process on a
//! loopback port, over SQLite (a temporary file) or PostgreSQL (a fresh
//! database on this test binary's shared cluster, see [`crate::pg`]),
//! built through the same `farmlive_hub::Hub` the hub process runs.
//!
//! `farmlive hub --db postgres://…` still refuses to serve (rooms are not
//! built on PostgreSQL yet), so the PostgreSQL hub is built here over an
//! open [`farmlive_hub::PgStore`] with `Hub::over_store`, its photos in a
//! local directory. Tests written with [`both_stores!`] run the same body
//! once per store; [`InProcessHub::another_process`] starts a second hub
//! over the same PostgreSQL database and photo directory.

use crate::pg::PgCluster;
use farmlive_hub::store::objects::PhotoStorage;
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
    /// The folder of its photo bytes (`hub.blobs` beside a SQLite file).
    pub photo_dir: PathBuf,
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
    /// Starts a hub over a new, empty store of `kind`.
    pub fn start(kind: StoreKind) -> InProcessHub {
        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("hub.secret");
        match kind {
            StoreKind::Sqlite => {
                let target = DbTarget::Sqlite(dir.path().join("hub.db"));
                let store = farmlive_hub::store::open(&target).unwrap();
                let photos = dir.path().join("hub.blobs");
                Self::serve(store, kind, None, None, photos, secret, dir)
            }
            StoreKind::Postgres => {
                let (cluster, url) = migrated_database();
                let photos = dir.path().join("photos");
                let store = open_pg(&url, &secret, &photos);
                Self::serve(store, kind, Some(cluster), Some(url), photos, secret, dir)
            }
        }
    }

    /// A second hub process over this one's PostgreSQL database, code key
    /// and photo directory (as two processes of one machine run). This hub
    /// must outlive it.
    pub fn another_process(&self) -> InProcessHub {
        let url = self.pg_url.clone().expect("a PostgreSQL hub");
        let store = open_pg(&url, &self.secret, &self.photo_dir);
        let dir = tempfile::tempdir().unwrap();
        Self::serve(
            store,
            self.kind,
            self._cluster.clone(),
            Some(url),
            self.photo_dir.clone(),
            self.secret.clone(),
            dir,
        )
    }

    fn serve(
        store: Arc<dyn OperatorStore>,
        kind: StoreKind,
        cluster: Option<Arc<PgCluster>>,
        pg_url: Option<String>,
        photo_dir: PathBuf,
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
            photo_dir,
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

/// A PostgreSQL store at `url` with its photos in the local `photos`.
fn open_pg(url: &str, secret: &Path, photos: &Path) -> Arc<dyn OperatorStore> {
    let photos = PhotoStorage::local(photos).unwrap();
    Arc::new(PgStore::open(url, secret, photos).unwrap())
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
/// `name::sqlite` and `name::postgres`, each calling `body(StoreKind)`.
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
}
