//! Debian packages the project needs, installed idempotently: a package that
//! is already installed costs one `dpkg-query`, and `apt-get update` runs only
//! when something is missing.

use crate::run;
use std::process::Command;

/// To compile the workspace: C toolchain, nasm for openh264's assembly,
/// libclang for nokhwa's bindings (the camera feature).
const BUILD: &[&str] = &["build-essential", "pkg-config", "nasm", "libclang-dev"];
/// The real peers of the live tests: an RTMP ingest and ffmpeg/ffprobe.
const LIVE_PEERS: &[&str] = &["nginx", "libnginx-mod-rtmp", "ffmpeg"];
/// The Kotlin JVM tests (Maven, a JDK) and the Swift tests' chroot.
const MOBILE: &[&str] = &["maven", "openjdk-17-jdk-headless", "debootstrap"];
/// The photo benchmark's peer.
const VIPS: &[&str] = &["libvips-tools"];

/// Needed to build and run every test.
pub const TEST: &[&[&str]] = &[BUILD, LIVE_PEERS, MOBILE];
/// Needed to build and run the demo.
pub const DEMO: &[&[&str]] = &[BUILD];
/// Needed for the benchmarks and their peers.
pub const BENCH: &[&[&str]] = &[BUILD, LIVE_PEERS, VIPS];
/// Everything.
pub const ALL: &[&[&str]] = &[BUILD, LIVE_PEERS, MOBILE, VIPS];

fn installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
}

/// Installs whichever of `packages` are missing.
pub fn ensure(groups: &[&[&str]]) -> Result<(), String> {
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
