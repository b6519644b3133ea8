//! Throwaway PostgreSQL clusters for the tests: Debian's `postgresql-15`
//! (`cargo xtask setup` installs it), `initdb` into a temporary directory,
//! `postgres` listening only on a Unix socket there, stopped and removed
//! when the last test using it lets go. No Docker, no port to fight over.
//!
//! PostgreSQL refuses to run as root, so as root the cluster's commands run
//! as the `postgres` user the package created (`setpriv`, which execs: the
//! child is the server itself, and stopping it stops the server).
//! Durability is off (`fsync`, `synchronous_commit`, `full_page_writes`):
//! these clusters hold test data only, never a benchmark's.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

/// Where Debian's PostgreSQL 15 keeps its programs.
const BIN: &str = "/usr/lib/postgresql/15/bin";
/// The cluster's superuser (trust auth on its private socket).
const USER: &str = "farmlive";

/// One running cluster.
pub struct PgCluster {
    dir: PathBuf,
    child: Mutex<Child>,
    next_db: AtomicU32,
}

fn program(name: &str) -> PathBuf {
    let path = Path::new(BIN).join(name);
    assert!(
        path.exists(),
        "{} is missing: install postgresql-15 (`cargo xtask setup`)",
        path.display()
    );
    path
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// `program args…`, as the `postgres` user when this process is root.
fn as_cluster_owner(name: &str) -> Command {
    if is_root() {
        let mut cmd = Command::new("setpriv");
        cmd.args([
            "--reuid=postgres",
            "--regid=postgres",
            "--clear-groups",
            "--",
        ]);
        cmd.arg(program(name));
        cmd
    } else {
        Command::new(program(name))
    }
}

impl PgCluster {
    /// The cluster this test binary's tests share: started by the first
    /// test that asks, stopped when the last one holding it drops it.
    pub fn shared() -> Arc<PgCluster> {
        static SHARED: Mutex<Weak<PgCluster>> = Mutex::new(Weak::new());
        let mut shared = SHARED.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(cluster) = shared.upgrade() {
            return cluster;
        }
        let cluster = Arc::new(PgCluster::start());
        *shared = Arc::downgrade(&cluster);
        cluster
    }

    /// A new cluster of its own, for tests: no fsync, no synchronous
    /// commit (nothing here must survive a power cut).
    pub fn start() -> PgCluster {
        PgCluster::launch(&[
            ("fsync", "off"),
            ("synchronous_commit", "off"),
            ("full_page_writes", "off"),
        ])
    }

    /// A new cluster with PostgreSQL's durable defaults (fsync, synchronous
    /// commit, full-page writes), for benchmarks beside a SQLite hub that
    /// syncs every commit.
    pub fn start_durable() -> PgCluster {
        PgCluster::launch(&[])
    }

    fn launch(settings: &[(&str, &str)]) -> PgCluster {
        // Short (a socket path has ~107 bytes), and 0755: the server's user
        // must reach its folders inside.
        let dir = PathBuf::from(
            String::from_utf8(
                Command::new("mktemp")
                    .args(["-d", "/tmp/pgXXXXXX"])
                    .output()
                    .expect("mktemp")
                    .stdout,
            )
            .expect("a path")
            .trim(),
        );
        let chmod = Command::new("chmod").arg("755").arg(&dir).status();
        assert!(chmod.is_ok_and(|s| s.success()), "chmod {}", dir.display());
        let (data, socket) = (dir.join("data"), dir.join("s"));
        for d in [&data, &socket] {
            std::fs::create_dir(d).expect("cluster folders");
        }
        if is_root() {
            let chown = Command::new("chown")
                .arg("postgres:postgres")
                .args([&data, &socket])
                .status();
            assert!(chown.is_ok_and(|s| s.success()), "chown to postgres");
        }
        let initdb = as_cluster_owner("initdb")
            .arg("-D")
            .arg(&data)
            .args(["-U", USER, "--auth=trust", "--no-sync", "--no-locale"])
            .args(["-E", "UTF8", "--no-instructions"])
            .output()
            .expect("initdb runs");
        assert!(
            initdb.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&initdb.stderr)
        );
        let log = std::fs::File::create(dir.join("server.log")).expect("log file");
        let child = as_cluster_owner("postgres")
            .arg("-D")
            .arg(&data)
            .arg("-k")
            .arg(&socket)
            .args(["-c", "listen_addresses="])
            .args(
                settings
                    .iter()
                    .flat_map(|(k, v)| ["-c".to_owned(), format!("{k}={v}")]),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("postgres starts");
        let cluster = PgCluster {
            dir,
            child: Mutex::new(child),
            next_db: AtomicU32::new(1),
        };
        cluster.wait_ready(Duration::from_secs(30));
        cluster
    }

    fn wait_ready(&self, within: Duration) {
        let deadline = Instant::now() + within;
        loop {
            let ready = Command::new(program("pg_isready"))
                .arg("-q")
                .arg("-h")
                .arg(self.socket_dir())
                .status()
                .is_ok_and(|s| s.success());
            if ready {
                return;
            }
            let exited = self.child.lock().unwrap().try_wait().ok().flatten();
            assert!(
                exited.is_none() && Instant::now() < deadline,
                "postgres did not start ({exited:?}): {}",
                std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The folder of the server's Unix socket.
    pub fn socket_dir(&self) -> PathBuf {
        self.dir.join("s")
    }

    /// The URL of database `name` on this cluster.
    pub fn url(&self, name: &str) -> String {
        format!(
            "postgres:///{name}?host={}&user={USER}",
            self.socket_dir().display()
        )
    }

    /// A new, empty database (`t_1`, `t_2`, …): its URL. One per hub.
    pub fn create_database(&self) -> String {
        let name = format!("t_{}", self.next_db.fetch_add(1, Ordering::Relaxed));
        self.psql("postgres", &format!("CREATE DATABASE {name}"));
        self.url(&name)
    }

    /// Runs `sql` in database `db` with `psql` (stopping at the first
    /// error); what it printed, unaligned and without headers. Panics if
    /// it fails.
    pub fn psql(&self, db: &str, sql: &str) -> String {
        let out = self.try_psql(db, sql);
        out.unwrap_or_else(|e| panic!("psql {sql:?}: {e}"))
    }

    /// [`PgCluster::psql`], the error as text.
    pub fn try_psql(&self, db: &str, sql: &str) -> Result<String, String> {
        let out = Command::new(program("psql"))
            .arg("-h")
            .arg(self.socket_dir())
            .args(["-U", USER, "-d", db, "-X", "-A", "-t", "-q"])
            .args(["-v", "ON_ERROR_STOP=1", "-c", sql])
            .output()
            .map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }
}

/// The database name in a URL from [`PgCluster::create_database`].
pub fn database_of(url: &str) -> &str {
    let rest = url.strip_prefix("postgres:///").expect("a cluster URL");
    rest.split('?').next().unwrap_or(rest)
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let mut child = self.child.lock().unwrap_or_else(|p| p.into_inner());
        // SIGQUIT: immediate shutdown (nothing here is worth a checkpoint).
        let _ = Command::new("kill")
            .args(["-QUIT", &child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline && matches!(child.try_wait(), Ok(None)) {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
