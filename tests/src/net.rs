//! Connection-level abuse of a hub process, for the network hardening tests
//! and the slow-clients benchmark: a hub started under an open-file limit
//! with its output captured, slow clients that send one header byte per
//! second, and raw health probes. Loopback only; every loop is bounded in
//! count and time and stops by itself.

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A `farmlive-hubd` process started by [`Hubd::start`].
pub struct Hubd {
    child: Child,
    /// Its address on loopback.
    pub addr: SocketAddr,
    /// Its base URL.
    pub url: String,
    /// Its database file.
    pub db: PathBuf,
    /// Everything it wrote to stderr so far (its log).
    pub log: Arc<Mutex<String>>,
    _dir: tempfile::TempDir,
}

impl Hubd {
    /// Starts `hubd` (the test hub binary, or another build of it) on a fresh
    /// database, under an open-file limit of `nofile` if given (`ulimit -n`
    /// in a shell that then `exec`s the hub), with `env` added.
    pub fn start(hubd: &Path, nofile: Option<u32>, env: &[(&str, &str)]) -> Hubd {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("hub.db");
        let limit = nofile.map_or(String::new(), |n| format!("ulimit -n {n} && "));
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(format!("{limit}exec \"$0\" \"$1\" 127.0.0.1:0"))
            .arg(hubd)
            .arg(&db)
            .env_remove("RUST_LOG")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start farmlive-hubd");
        let log = Arc::new(Mutex::new(String::new()));
        let mut stderr = child.stderr.take().unwrap();
        let sink = log.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stderr.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let url = loop {
            let line = lines
                .next()
                .expect("the hub says where it listens")
                .unwrap();
            if let Some(url) = line.strip_prefix("listening ") {
                break url.to_owned();
            }
        };
        // Keep draining what else it prints, so it never blocks on stdout.
        std::thread::spawn(move || lines.for_each(drop));
        let addr = url.strip_prefix("http://").unwrap().parse().unwrap();
        Hubd {
            child,
            addr,
            url,
            db,
            log,
            _dir: dir,
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// How many files the process has open now (`/proc/PID/fd`).
    pub fn open_files(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.pid()))
            .map(|d| d.count())
            .unwrap_or(0)
    }

    /// Its log so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for Hubd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Raises this process's soft open-file limit to at least `want` (up to
/// the hard limit) with `prlimit`, so that it can hold the slow clients. No
/// unsafe code: util-linux does the system call.
pub fn ensure_open_file_limit(want: u64) {
    let soft = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| l.split_whitespace().nth(3).map(str::to_owned))
        })
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(0);
    if soft >= want {
        return;
    }
    let pid = std::process::id().to_string();
    let ok = Command::new("prlimit")
        .args(["--pid", &pid, &format!("--nofile={want}:{want}")])
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
        || Command::new("prlimit")
            .args(["--pid", &pid, &format!("--nofile={want}:")])
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
    assert!(
        ok,
        "this test needs {want} open files (has {soft}); run `ulimit -n {want}` first"
    );
}

/// Slow clients running in the background until `until`.
pub struct SlowClients {
    stop: Arc<AtomicBool>,
    /// Clients connected right now (as far as they know).
    pub connected: Arc<AtomicUsize>,
    /// Connections opened in all.
    pub opened: Arc<AtomicUsize>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl SlowClients {
    /// Starts `n` clients on `rt` against `addr`. Each connects, sends one
    /// byte per second of a request head that never ends, and connects
    /// again when the hub closes it, until `until`.
    pub fn start(rt: &tokio::runtime::Runtime, addr: SocketAddr, n: usize, until: Instant) -> Self {
        assert!(addr.ip().is_loopback(), "slow clients target loopback only");
        let stop = Arc::new(AtomicBool::new(false));
        let connected = Arc::new(AtomicUsize::new(0));
        let opened = Arc::new(AtomicUsize::new(0));
        let tasks = (0..n)
            .map(|_| {
                let (stop, connected, opened) = (stop.clone(), connected.clone(), opened.clone());
                rt.spawn(slow_client(addr, until, stop, connected, opened))
            })
            .collect();
        SlowClients {
            stop,
            connected,
            opened,
            tasks,
        }
    }

    /// Stops them all and waits until they have.
    pub fn stop(self, rt: &tokio::runtime::Runtime) {
        self.stop.store(true, Ordering::SeqCst);
        for t in self.tasks {
            t.abort();
            let _ = rt.block_on(t);
        }
    }
}

async fn slow_client(
    addr: SocketAddr,
    until: Instant,
    stop: Arc<AtomicBool>,
    connected: Arc<AtomicUsize>,
    opened: Arc<AtomicUsize>,
) {
    const HEAD: &[u8] = b"GET /v1/health HTTP/1.1\r\nhost: farmlive\r\nx-slow: ";
    let live = || Instant::now() < until && !stop.load(Ordering::SeqCst);
    while live() {
        let Ok(Ok(mut s)) =
            tokio::time::timeout(Duration::from_secs(2), TcpStream::connect(addr)).await
        else {
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        };
        opened.fetch_add(1, Ordering::SeqCst);
        connected.fetch_add(1, Ordering::SeqCst);
        let mut sent = 0usize;
        while live() {
            let byte = HEAD.get(sent).copied().unwrap_or(b'a');
            if s.write_all(&[byte]).await.is_err() {
                break;
            }
            sent += 1;
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        connected.fetch_sub(1, Ordering::SeqCst);
    }
}

/// One `GET /v1/health` on a new connection: the status and how long the
/// answer took, or why there was none within `within`.
pub async fn probe_health(addr: SocketAddr, within: Duration) -> Result<(u16, Duration), String> {
    let start = Instant::now();
    let exchange = async {
        let mut s = TcpStream::connect(addr)
            .await
            .map_err(|e| format!("connect: {e}"))?;
        s.write_all(b"GET /v1/health HTTP/1.1\r\nhost: farmlive\r\nconnection: close\r\n\r\n")
            .await
            .map_err(|e| format!("write: {e}"))?;
        let mut got = Vec::new();
        let mut buf = [0u8; 1024];
        loop {
            if let Some(end) = got.windows(2).position(|w| w == b"\r\n") {
                let line = String::from_utf8_lossy(&got[..end]).into_owned();
                return line
                    .split_whitespace()
                    .nth(1)
                    .and_then(|c| c.parse::<u16>().ok())
                    .ok_or(format!("bad status line {line:?}"));
            }
            let n = s.read(&mut buf).await.map_err(|e| format!("read: {e}"))?;
            if n == 0 {
                return Err("closed without an answer".into());
            }
            got.extend_from_slice(&buf[..n]);
        }
    };
    match tokio::time::timeout(within, exchange).await {
        Ok(Ok(status)) => Ok((status, start.elapsed())),
        Ok(Err(e)) => Err(e),
        Err(_) => Err(format!("no answer within {within:?}")),
    }
}
