//! Throwaway S3-compatible servers for the tests: SeaweedFS's `weed
//! server` (master, volume, filer and S3 gateway in one process), its data
//! in a temporary directory, every port a free loopback one, requests
//! signed with a test identity (`-s3.config`), stopped and removed when
//! the last test using it lets go. `cargo xtask test` builds the binary
//! into `~/.cache/farmlive/weed` (`$FARMLIVE_WEED` overrides it).
//!
//! Without the binary the S3 tests are skipped, saying so, unless
//! `FARMLIVE_REQUIRE_S3` is set (CI sets it): then they fail.

use farmlive_hub::store::objects::S3Location;
use object_store::ObjectStoreExt as _;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

/// The bucket every test server has (made at start).
pub const BUCKET: &str = "farmlive";
/// The test identity's keys (the server accepts only requests they sign).
pub const ACCESS_KEY: &str = "farmlive-test";
/// Its secret: tests check it never shows in a hub's logs or errors.
pub const SECRET_KEY: &str = "farmlive-test-secret-0c9a7f";

/// The `weed` binary, or `None` (after saying why) when it is absent and
/// `FARMLIVE_REQUIRE_S3` is unset; panics when it is set and missing.
pub fn binary() -> Option<PathBuf> {
    let path = match std::env::var_os("FARMLIVE_WEED") {
        Some(path) => PathBuf::from(path),
        None => {
            let home = std::env::var_os("HOME").map_or_else(|| "/tmp".into(), PathBuf::from);
            home.join(".cache/farmlive/weed")
        }
    };
    if path.exists() {
        return Some(path);
    }
    assert!(
        std::env::var_os("FARMLIVE_REQUIRE_S3").is_none(),
        "FARMLIVE_REQUIRE_S3 is set but {} is missing: run `cargo xtask test` (it builds SeaweedFS)",
        path.display()
    );
    eprintln!(
        "SKIPPED: no S3 server ({} is missing; `cargo xtask test` builds it)",
        path.display()
    );
    None
}

/// One running SeaweedFS server.
pub struct Weed {
    dir: tempfile::TempDir,
    bin: PathBuf,
    ports: Vec<u16>,
    child: Mutex<Option<Child>>,
    next_prefix: AtomicU32,
}

/// `n` distinct free loopback ports (held open together while chosen).
fn free_ports(n: usize) -> Vec<u16> {
    let held: Vec<TcpListener> = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0").expect("a free port"))
        .collect();
    held.iter()
        .map(|l| l.local_addr().expect("its address").port())
        .collect()
}

impl Weed {
    /// The server this test binary's tests share (each takes its own key
    /// prefix, [`Weed::location`]); `None` when there is no binary.
    pub fn shared() -> Option<Arc<Weed>> {
        static SHARED: Mutex<Weak<Weed>> = Mutex::new(Weak::new());
        let mut shared = SHARED.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(weed) = shared.upgrade() {
            return Some(weed);
        }
        let weed = Arc::new(Weed::start()?);
        *shared = Arc::downgrade(&weed);
        Some(weed)
    }

    /// A server of its own (for a test that stops and restarts it).
    pub fn start() -> Option<Weed> {
        let bin = binary()?;
        let dir = tempfile::tempdir().expect("a temporary directory");
        let config = serde_json::json!({
            "identities": [{
                "name": "farmlive",
                "credentials": [{ "accessKey": ACCESS_KEY, "secretKey": SECRET_KEY }],
                "actions": ["Admin", "Read", "List", "Tagging", "Write"],
            }],
        });
        std::fs::write(dir.path().join("s3.json"), config.to_string()).expect("s3.json");
        std::fs::create_dir(dir.path().join("data")).expect("data folder");
        let weed = Weed {
            dir,
            bin,
            ports: free_ports(8),
            child: Mutex::new(None),
            next_prefix: AtomicU32::new(1),
        };
        weed.run();
        Some(weed)
    }

    /// Starts the server process on this server's folder and ports, and
    /// waits until a signed PUT succeeds (which also makes the bucket).
    fn run(&self) {
        let p = &self.ports;
        let data = self.dir.path().join("data");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join("weed.log"))
            .expect("log file");
        let child = Command::new(&self.bin)
            .arg("server")
            .arg(format!("-dir={}", data.display()))
            .args(["-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-s3", "-filer"])
            .arg(format!("-master.port={}", p[0]))
            .arg(format!("-master.port.grpc={}", p[1]))
            .arg(format!("-volume.port={}", p[2]))
            .arg(format!("-volume.port.grpc={}", p[3]))
            .arg(format!("-filer.port={}", p[4]))
            .arg(format!("-filer.port.grpc={}", p[5]))
            .arg(format!("-s3.port={}", p[6]))
            .arg(format!("-s3.port.grpc={}", p[7]))
            .args(["-s3.port.iceberg=0", "-s3.port.lance=0"])
            .args(["-master.telemetry=false", "-master.volumeSizeLimitMB=64"])
            .arg("-volume.max=0")
            // The default (1% of the disk, 2.7 GB of a 270 GB disk) made the
            // volume server refuse every write on a CI machine whose shared
            // disk had 0.5 GB free: the tests write a few MB.
            .arg("-volume.minFreeSpace=64MiB")
            .arg(format!(
                "-s3.config={}",
                self.dir.path().join("s3.json").display()
            ))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .expect("weed starts");
        *self.child.lock().unwrap_or_else(|p| p.into_inner()) = Some(child);
        self.wait_ready(Duration::from_secs(60));
    }

    fn wait_ready(&self, within: Duration) {
        let deadline = Instant::now() + within;
        let client = self.client();
        let rt = crate::rt();
        loop {
            let put = rt.block_on(client.put(&"ready".into(), "ready".into()));
            if put.is_ok() {
                return;
            }
            let exited = self
                .child
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten());
            assert!(
                exited.is_none() && Instant::now() < deadline,
                "weed did not start ({exited:?}, {put:?}): {}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// A client of the bucket, for the harness (no retries: it polls).
    fn client(&self) -> object_store::aws::AmazonS3 {
        let retry = object_store::RetryConfig {
            max_retries: 0,
            ..Default::default()
        };
        object_store::aws::AmazonS3Builder::new()
            .with_endpoint(self.endpoint())
            .with_bucket_name(BUCKET)
            .with_region("us-east-1")
            .with_access_key_id(ACCESS_KEY)
            .with_secret_access_key(SECRET_KEY)
            .with_allow_http(true)
            .with_retry(retry)
            .build()
            .expect("an S3 client")
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("weed.log")).unwrap_or_default()
    }

    /// Its S3 endpoint, `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.ports[6])
    }

    /// The AWS variables a hub needs to reach it.
    pub fn env(&self) -> Vec<(String, String)> {
        [
            ("AWS_ENDPOINT_URL", self.endpoint()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY.into()),
            ("AWS_SECRET_ACCESS_KEY", SECRET_KEY.into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    /// A fresh place for one hub's photos: the bucket, a new prefix.
    pub fn location(&self) -> S3Location {
        let n = self.next_prefix.fetch_add(1, Ordering::Relaxed);
        format!("s3://{BUCKET}/hub{n}").parse().expect("a location")
    }

    /// Stops the server (SIGKILL: as a crash or a lost network would),
    /// and removes the Unix sockets it leaves in /tmp (named by our ports).
    pub fn stop(&self) {
        if let Some(mut child) = self.child.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let ports: Vec<String> = self.ports.iter().map(|p| format!("-{p}.sock")).collect();
        for entry in std::fs::read_dir("/tmp").into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with("seaweedfs-") && ports.iter().any(|p| name.ends_with(p)) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }

    /// Starts it again on the same folder and ports.
    pub fn restart(&self) {
        self.stop();
        self.run();
    }
}

impl Drop for Weed {
    fn drop(&mut self) {
        self.stop();
    }
}
