//! Debian packages the project needs, installed idempotently: a package that
//! is already installed costs one `dpkg-query`, and `apt-get update` runs only
//! when something is missing.

use crate::run;
use std::path::PathBuf;
use std::process::Command;

/// To compile the workspace: C toolchain, nasm for openh264's assembly,
/// libclang for nokhwa's bindings (the camera feature).
const BUILD: &[&str] = &["build-essential", "pkg-config", "nasm", "libclang-dev"];
/// The real peers of the live tests: an RTMP ingest and ffmpeg/ffprobe.
const LIVE_PEERS: &[&str] = &["nginx", "libnginx-mod-rtmp", "ffmpeg"];
/// The Kotlin JVM tests (Maven, a JDK), the Swift tests' chroot, and aapt
/// (v1, Debian's; aapt2 is not packaged): it compiles the app's res/ for the
/// Robolectric tests.
const MOBILE: &[&str] = &["maven", "openjdk-17-jdk-headless", "debootstrap", "aapt"];
/// The hub's PostgreSQL store: the tests start throwaway clusters with its
/// `initdb` and `postgres` (as the `postgres` user when run as root); the
/// package's own cluster is left alone.
const DATABASE: &[&str] = &["postgresql-15"];
/// The photo benchmark's peer.
const VIPS: &[&str] = &["libvips-tools"];
/// The storefront's browser tests: Debian's Chromium, driven by
/// playwright-core from npm (see [`ensure_npm`]; no browser download), and a
/// small Chinese font so the screenshots show the Chinese pages.
const BROWSER: &[&str] = &["chromium", "fonts-wqy-microhei"];

/// What shows a hung test's threads (`watchdog.rs`).
const DEBUGGER: &[&str] = &["gdb"];

/// Needed to build and run every test.
pub const TEST: &[&[&str]] = &[BUILD, LIVE_PEERS, DATABASE, MOBILE, BROWSER, DEBUGGER];
/// Needed to build and run the demo.
pub const DEMO: &[&[&str]] = &[BUILD];
/// Needed for the benchmarks and their peers.
pub const BENCH: &[&[&str]] = &[BUILD, LIVE_PEERS, DATABASE, VIPS];
/// Everything.
pub const ALL: &[&[&str]] = &[BUILD, LIVE_PEERS, DATABASE, MOBILE, VIPS, BROWSER, DEBUGGER];

fn installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
}

/// Installs whichever of `packages` are missing; with the browser group,
/// also the npm packages of `tests/browser` ([`ensure_npm`]).
pub fn ensure(groups: &[&[&str]]) -> Result<(), String> {
    ensure_debian(groups)?;
    if groups.contains(&BROWSER) {
        ensure_npm()?;
    }
    Ok(())
}

/// Where `npm ci` installs `tests/browser`'s packages: `$FARMLIVE_NPM_DIR`,
/// else `~/.cache/farmlive/npm`, outside the repository. The browser test
/// looks in the same place.
pub fn npm_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("FARMLIVE_NPM_DIR") {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("/tmp"), PathBuf::from);
    home.join(".cache/farmlive/npm")
}

/// `npm ci` of `tests/browser/package-lock.json` into [`npm_dir`]: the
/// browser driver (playwright-core, pointed at Debian's chromium) and the
/// player libraries, exactly as locked, install scripts off. Skipped when
/// the lock installed there last is the same.
pub fn ensure_npm() -> Result<(), String> {
    let src = crate::bindings::root().join("tests/browser");
    let dir = npm_dir();
    let lock = std::fs::read(src.join("package-lock.json"))
        .map_err(|e| format!("tests/browser/package-lock.json: {e}"))?;
    let stamp = dir.join("installed-package-lock.json");
    if std::fs::read(&stamp).is_ok_and(|s| s == lock) && dir.join("node_modules").is_dir() {
        return Ok(());
    }
    if Command::new("npm").arg("--version").output().is_err() {
        ensure_debian(&[&["nodejs", "npm"]])?;
    }
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for file in ["package.json", "package-lock.json"] {
        std::fs::copy(src.join(file), dir.join(file)).map_err(|e| format!("{file}: {e}"))?;
    }
    run(Command::new("npm").current_dir(&dir).args([
        "ci",
        "--ignore-scripts",
        "--no-audit",
        "--no-fund",
    ]))?;
    std::fs::write(&stamp, lock).map_err(|e| format!("{}: {e}", stamp.display()))
}

fn ensure_debian(groups: &[&[&str]]) -> Result<(), String> {
    let packages: Vec<&str> = groups.iter().flat_map(|g| g.iter().copied()).collect();
    if Command::new("dpkg-query")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!(
            "xtask: not a Debian-like system; make sure these are installed: {}",
            packages.join(" ")
        );
        return Ok(());
    }
    let missing: Vec<&str> = packages.iter().copied().filter(|p| !installed(p)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    eprintln!("xtask: installing {}", missing.join(" "));
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let apt = |args: &[&str]| {
        let mut cmd = if root {
            Command::new("apt-get")
        } else {
            let mut c = Command::new("sudo");
            c.args(["-n", "apt-get"]);
            c
        };
        cmd.env("DEBIAN_FRONTEND", "noninteractive").args(args);
        cmd
    };
    run(&mut apt(&["update", "-qq"]))?;
    run(apt(&["install", "-y", "-qq", "--no-install-recommends"]).args(&missing))
        .map_err(|e| format!("{e}; install these packages by hand: {}", missing.join(" ")))
}
