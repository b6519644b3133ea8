//! The Swift package's XCTest tests, run on Linux with Swift 6.0.3 from Debian
//! trixie's `swiftlang`, inside a debootstrap chroot cached outside the repo
//! (`$XDG_CACHE_HOME/farmlive/swift-trixie`, else `~/.cache/...`). Setting it
//! up takes about 80 s and 2.6 GB once; later runs reuse it. The package and
//! the host `libfarmlive_ffi.so` are copied in and `swift test` runs there.
//! The live-selling test reaches the hub on the host's loopback (a chroot
//! shares it) and runs the `farmlive` binary, staged in as `/work/bin/farmlive`,
//! to play buyers.
//!
//! Needs root (chroot, mount) — directly or through `sudo -n`.

use crate::bindings::{LIB_FILE, root};
use crate::run;
use crate::test_hub::HubFor;
use std::path::{Path, PathBuf};
use std::process::Command;

const MIRROR: &str = "http://deb.debian.org/debian";
const PACKAGES: &[&str] = &["swiftlang", "libc6-dev", "libstdc++-14-dev"];
/// Written when the chroot is complete; its content names what is in it.
const READY: &str = ".farmlive-swift-ready";

fn cache_dir() -> PathBuf {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from("/var/cache"));
    base.join("farmlive/swift-trixie")
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A command run as root (directly, or through `sudo -n`).
fn as_root(program: &str) -> Command {
    if is_root() {
        Command::new(program)
    } else {
        let mut c = Command::new("sudo");
        c.args(["-n", program]);
        c
    }
}

fn in_chroot(chroot: &Path, script: &str) -> Command {
    let mut cmd = as_root("chroot");
    cmd.arg(chroot)
        .args([
            "/usr/bin/env",
            "-i",
            "HOME=/root",
            "PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
            "LANG=C.UTF-8",
            "DEBIAN_FRONTEND=noninteractive",
            "/bin/sh",
            "-c",
        ])
        .arg(script);
    cmd
}

fn is_mounted(path: &Path) -> bool {
    Command::new("mountpoint")
        .arg("-q")
        .arg(path)
        .status()
        .is_ok_and(|s| s.success())
}

/// Keeps /proc and /dev mounted in the chroot while alive.
struct Mounts(Vec<PathBuf>);

impl Mounts {
    fn new(chroot: &Path) -> Result<Mounts, String> {
        let mut mounts = Mounts(Vec::new());
        let proc_dir = chroot.join("proc");
        if !is_mounted(&proc_dir) {
            run(as_root("mount").args(["-t", "proc", "proc"]).arg(&proc_dir))?;
            mounts.0.push(proc_dir);
        }
        let dev = chroot.join("dev");
        if !is_mounted(&dev) {
            run(as_root("mount").args(["--bind", "/dev"]).arg(&dev))?;
            mounts.0.push(dev);
        }
        Ok(mounts)
    }
}

impl Drop for Mounts {
    fn drop(&mut self) {
        for m in self.0.iter().rev() {
            let _ = as_root("umount").arg("-l").arg(m).status();
        }
    }
}

/// Makes sure the chroot exists with Swift installed (idempotent).
fn ensure_chroot() -> Result<PathBuf, String> {
    let dir = cache_dir();
    let chroot = dir.join("root");
    if chroot.join(READY).is_file() {
        return Ok(chroot);
    }
    crate::packages::ensure(&[&["debootstrap"]])?;
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let bootstrapped = dir.join(".debootstrap-done");
    if !bootstrapped.is_file() {
        if chroot.exists() {
            // A half-made chroot from an interrupted run: start it again.
            run(as_root("rm").arg("-rf").arg(&chroot))?;
        }
        eprintln!(
            "xtask: creating a Debian trixie chroot for Swift in {} (a few minutes and about 2.7 GB, once)",
            chroot.display()
        );
        run(as_root("debootstrap")
            .args(["--variant=minbase", "trixie"])
            .arg(&chroot)
            .arg(MIRROR))?;
        std::fs::write(&bootstrapped, "trixie minbase\n")
            .map_err(|e| format!("cannot write {}: {e}", bootstrapped.display()))?;
    }
    let _ = std::fs::copy("/etc/resolv.conf", chroot.join("etc/resolv.conf"));
    let _mounts = Mounts::new(&chroot)?;
    run(&mut in_chroot(
        &chroot,
        &format!(
            // `clean`: the downloaded .debs are 600+ MB of disk nobody reads again.
            "apt-get update -qq && apt-get install -y -qq --no-install-recommends {} && apt-get clean",
            PACKAGES.join(" ")
        ),
    ))?;
    run(&mut in_chroot(&chroot, "swift --version"))?;
    std::fs::write(chroot.join(READY), PACKAGES.join(" ") + "\n")
        .map_err(|e| format!("cannot mark the chroot ready: {e}"))?;
    Ok(chroot)
}

/// Copies the package (without build folders) and the library into the chroot.
fn stage(chroot: &Path, lib_dir: &Path) -> Result<(), String> {
    let work = chroot.join("work");
    let pkg = work.join("ios");
    std::fs::create_dir_all(&pkg).map_err(|e| format!("cannot create {}: {e}", pkg.display()))?;
    // Replace the sources but keep the chroot's own `.build` (incremental builds).
    // `App` is not built (SwiftUI), but a test checks its Info.plist and strings.
    for entry in [
        "Package.swift",
        "Sources",
        "Tests",
        "App",
        ".build-generated",
    ] {
        let dst = pkg.join(entry);
        if dst.exists() {
            run(Command::new("rm").arg("-rf").arg(&dst))?;
        }
        run(Command::new("cp")
            .arg("-a")
            .arg(root().join("ios").join(entry))
            .arg(&dst))?;
    }
    let lib = work.join("lib");
    std::fs::create_dir_all(&lib).map_err(|e| format!("cannot create {}: {e}", lib.display()))?;
    std::fs::copy(lib_dir.join(LIB_FILE), lib.join(LIB_FILE))
        .map_err(|e| format!("cannot copy {LIB_FILE} into the chroot: {e}"))?;
    let testdata = work.join("testdata");
    if testdata.exists() {
        run(Command::new("rm").arg("-rf").arg(&testdata))?;
    }
    run(Command::new("cp")
        .arg("-a")
        .arg(root().join("testdata"))
        .arg(&testdata))
}

/// Where the `farmlive` binary is inside the chroot.
const CHROOT_BIN: &str = "/work/bin/farmlive";

/// Puts the `farmlive` binary into the chroot: a hard link when the cache is
/// on the same file system (the debug binary is hundreds of MB), else a copy.
/// Built on the host's older Debian, it runs on trixie's newer glibc.
fn stage_bin(chroot: &Path, bin: &Path) -> Result<(), String> {
    let dst = chroot.join(CHROOT_BIN.trim_start_matches('/'));
    if let Some(dir) = dst.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let _ = std::fs::remove_file(&dst);
    if std::fs::hard_link(bin, &dst).is_ok() {
        return Ok(());
    }
    std::fs::copy(bin, &dst)
        .map(|_| ())
        .map_err(|e| format!("cannot copy {} into the chroot: {e}", bin.display()))
}

/// `NAME='value' ...` for the chroot's shell (values have no single quote).
fn shell_env(vars: &[(&str, String)]) -> Result<String, String> {
    let mut out = String::new();
    for (name, value) in vars {
        if value.contains('\'') {
            return Err(format!("{name} cannot be passed to the chroot"));
        }
        out.push_str(&format!("{name}='{value}' "));
    }
    Ok(out)
}

fn swift(lib_dir: &Path, args: &str, env: &str) -> Result<(), String> {
    let chroot = ensure_chroot().map_err(|e| {
        format!("cannot set up Swift (a debootstrap chroot of Debian trixie with swiftlang): {e}")
    })?;
    stage(&chroot, lib_dir)?;
    let _mounts = Mounts::new(&chroot)?;
    run(&mut in_chroot(
        &chroot,
        &format!(
            "cd /work/ios && LD_LIBRARY_PATH=/work/lib FARMLIVE_TESTDATA=/work/testdata {env} \
             swift {args} -Xlinker -L/work/lib -Xlinker -rpath=/work/lib"
        ),
    ))
}

/// How many farmer codes (one farm each) the view-model tests need
/// (`ModelHub.Code` in Tests/FarmLiveKitTests/ModelTestSupport.swift).
pub const MODEL_FARMS: usize = 9;

/// How many expert codes the view-model tests need (`ModelHub.ExpertCode`).
pub const MODEL_EXPERTS: usize = 4;

/// Runs the XCTest tests against the library in `lib_dir`, with the hub in
/// `hub` and `model_codes` (more one-time farmer codes, in
/// FARMLIVE_MODEL_CODES) and one-time expert codes (FARMLIVE_EXPERT_CODES) for
/// the view-model tests. Fails (never skips) when
/// the Swift toolchain cannot be set up.
pub fn test(
    lib_dir: &Path,
    hub: &HubFor,
    model_codes: &[String],
    expert_codes: &[String],
) -> Result<(), String> {
    let chroot = ensure_chroot().map_err(|e| {
        format!("cannot set up Swift (a debootstrap chroot of Debian trixie with swiftlang): {e}")
    })?;
    stage_bin(&chroot, &hub.bin)?;
    let mut vars = hub.vars(CHROOT_BIN).to_vec();
    vars.push(("FARMLIVE_MODEL_CODES", model_codes.join(" ")));
    vars.push(("FARMLIVE_EXPERT_CODES", expert_codes.join(" ")));
    let env = shell_env(&vars)?;
    swift(lib_dir, "test", &env).map_err(|e| format!("Swift tests failed: {e}"))
}

/// Runs the Swift FFI benchmark and the view models' cold start in a
/// release build (prints figures only).
pub fn bench(lib_dir: &Path) -> Result<(), String> {
    swift(
        lib_dir,
        "test -c release --filter 'FfiBench|ModelColdStartBench'",
        "FARMLIVE_BENCH=1",
    )
    .map_err(|e| format!("Swift benchmark failed: {e}"))
}
