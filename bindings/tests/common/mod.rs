//! A real hub in-process on loopback, for the bindings' tests.

use std::sync::Arc;

/// A real hub on a loopback port, serving until dropped.
pub struct TestHub {
    /// Its address.
    pub url: String,
    /// A one-time enrolment code for a farmer of the hub's one farm.
    pub code: String,
    /// A second handle on the hub's database, for the operator's part.
    #[allow(dead_code)] // not every test file plays the operator
    pub store: Arc<dyn farmlive_hub::OperatorStore>,
    _rt: tokio::runtime::Runtime,
    _dir: tempfile::TempDir,
}

/// A hub with one farm, `farm`, serving at most `max_connections` at once.
pub fn hub_with(farm: &str, max_connections: usize) -> TestHub {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("hub.db");
    let hub = farmlive_hub::Hub::open(&db).expect("hub");
    let code = hub
        .store()
        .mint_enrol_code(
            &[farm.to_owned()],
            farmlive_core::protocol::api::Role::Farmer,
        )
        .expect("code")
        .code;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let options = farmlive_hub::ServeOptions {
        max_connections,
        ..Default::default()
    };
    rt.spawn(hub.serve_with(listener, options, std::future::pending()));
    TestHub {
        url: format!("http://{addr}"),
        code,
        store: farmlive_hub::store::open(&farmlive_hub::DbTarget::from(db)).expect("store"),
        _rt: rt,
        _dir: dir,
    }
}

/// A hub with one farm and the default connection cap.
#[allow(dead_code)] // not every test file needs the default
pub fn hub(farm: &str) -> TestHub {
    hub_with(farm, farmlive_hub::ServeOptions::default().max_connections)
}

/// Runs `f` to completion on a fresh runtime.
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(f)
}

/// A `FarmLive` on a fresh data directory.
pub fn open() -> (tempfile::TempDir, Arc<farmlive_ffi::FarmLive>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let fl = farmlive_ffi::FarmLive::open(dir.path().join("data").to_string_lossy().into_owned())
        .expect("open");
    (dir, fl)
}
