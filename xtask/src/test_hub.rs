//! A FarmLive hub on loopback for the Kotlin and Swift live-selling tests:
//! the `farmlive` binary's `hub` on a free port with a fresh database, one
//! farmer enrolment code per language (each for a farm of its own, so the two
//! languages' rooms never meet), stopped when dropped. The tests learn of it
//! through environment variables ([`HubFor`]) and simulate buyers with the
//! same binary (`farmlive buyer`).

use crate::bindings::{root, target_dir};
use crate::{cargo, run};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The experts' hotline the test hub is started with, for the apps'
/// questions screens to show (FARMLIVE_HUB_HOTLINE).
pub const HOTLINE: &str = "400-820-8820";

/// A hub process serving on loopback.
pub struct TestHub {
    child: Child,
    dir: PathBuf,
    db: PathBuf,
    bin: PathBuf,
    url: String,
}

/// What one language's tests get: the hub, a one-time farmer code, and the
/// `farmlive` binary for buyers.
pub struct HubFor {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// A one-time farmer enrolment code for this language's farm.
    pub code: String,
    /// The `farmlive` binary (on the host).
    pub bin: PathBuf,
    /// The hub's database (on the host), for tests that act as its operator
    /// (`farmlive hub enrol-code`, `farmlive hub devices revoke`).
    pub db: PathBuf,
}

impl HubFor {
    /// The variables the tests read, with the binary at `bin` (where the
    /// tests see it: the host path, or its path inside the Swift chroot).
    pub fn vars(&self, bin: &str) -> [(&'static str, String); 4] {
        [
            ("FARMLIVE_HUB_URL", self.url.clone()),
            ("FARMLIVE_HUB_CODE", self.code.clone()),
            ("FARMLIVE_BIN", bin.to_owned()),
            ("FARMLIVE_HUB_HOTLINE", HOTLINE.to_owned()),
        ]
    }
}

impl TestHub {
    /// Builds `farmlive` and starts its hub on a free loopback port.
    pub fn start() -> Result<TestHub, String> {
        run(cargo()
            .args(["build", "-p", "farmlive", "--bin", "farmlive"])
            .current_dir(root()))?;
        let target = target_dir()?;
        let bin = target.join("debug/farmlive");
        let dir = target.join(format!("xtask-hub-{}", std::process::id()));
        if dir.exists() {
            let _ = std::fs::remove_dir_all(&dir);
        }
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let db = dir.join("hub.db");
        let mut child = Command::new(&bin)
            .args(["hub", "--listen", "127.0.0.1:0", "--farm", "xtask"])
            .args(["--hotline", HOTLINE])
            .arg("--db")
            .arg(&db)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
        let Some(stdout) = child.stdout.take() else {
            let _ = child.kill();
            return Err("the hub's output is not readable".into());
        };
        let (tx, rx) = mpsc::channel();
        // Drains the hub's output for as long as it runs (a full pipe would
        // stall it); the first lines say where it listens.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let _ = tx.send(line);
            }
        });
        let mut hub = TestHub {
            child,
            dir,
            db,
            bin,
            url: String::new(),
        };
        let prefix = "FarmLive hub listening on ";
        loop {
            match rx.recv_timeout(Duration::from_secs(60)) {
                Ok(line) => {
                    if let Some(url) = line.strip_prefix(prefix) {
                        hub.url = url.trim().to_owned();
                        break;
                    }
                }
                Err(_) => return Err("the hub did not say where it listens within 60 s".into()),
            }
        }
        eprintln!("xtask: a hub for the mobile tests listens on {}", hub.url);
        Ok(hub)
    }

    /// A fresh farmer enrolment code for `farm`, for one language's tests.
    pub fn for_farm(&self, farm: &str) -> Result<HubFor, String> {
        Ok(HubFor {
            url: self.url.clone(),
            code: self.mint(&["--farm", farm, "--role", "farmer"])?,
            bin: self.bin.clone(),
            db: self.db.clone(),
        })
    }

    /// A fresh expert enrolment code (an expert serves every farm), for the
    /// Swift questions test, which cannot reach the hub's database.
    pub fn expert_code(&self) -> Result<String, String> {
        self.mint(&["--role", "expert"])
    }

    /// `farmlive hub enrol-code ARGS` on the hub's database: the code.
    fn mint(&self, args: &[&str]) -> Result<String, String> {
        let out = Command::new(&self.bin)
            .args(["hub", "enrol-code"])
            .args(args)
            .arg("--db")
            .arg(&self.db)
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", self.bin.display()))?;
        let code = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        if !out.status.success() || code.is_empty() {
            return Err(format!("minting an enrolment code failed ({})", out.status));
        }
        Ok(code)
    }
}

impl Drop for TestHub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
