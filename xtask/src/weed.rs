//! SeaweedFS's `weed`, the S3-compatible server the object-storage tests
//! start (`tests/src/weed.rs`), built from the Go module proxy into
//! `~/.cache/farmlive/weed`, outside the repository (as the Swift chroot
//! and the npm packages are). Idempotent: a binary built from [`VERSION`]
//! costs one file read.
//!
//! Why built, not installed: Debian has no SeaweedFS package, and
//! `go install …@version` refuses it (its go.mod has replace directives),
//! so it is built in a scratch module. Why SeaweedFS: Apache-2.0, one
//! binary, runs unprivileged on loopback (MinIO's server is AGPL).

use crate::run;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The SeaweedFS version built (a pseudo-version of its module).
pub const VERSION: &str = "v0.0.0-20261109003541-7506e5f91cd6";
const MODULE: &str = "github.com/seaweedfs/seaweedfs/weed";

/// Where the tests look for `weed`: `$FARMLIVE_WEED`, else
/// `~/.cache/farmlive/weed`.
pub fn binary() -> PathBuf {
    if let Some(path) = std::env::var_os("FARMLIVE_WEED") {
        return PathBuf::from(path);
    }
    cache_dir().join("weed")
}

fn cache_dir() -> PathBuf {
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("/tmp"), PathBuf::from);
    home.join(".cache/farmlive")
}

/// The Go toolchain: `go` on the PATH, else the official tarball's place.
fn go() -> Result<PathBuf, String> {
    for candidate in [PathBuf::from("go"), PathBuf::from("/usr/local/go/bin/go")] {
        if Command::new(&candidate).arg("version").output().is_ok() {
            return Ok(candidate);
        }
    }
    Err(
        "building SeaweedFS (the S3 tests' server) needs Go 1.24 or newer: install it \
         (https://go.dev/dl), or point FARMLIVE_WEED at a weed binary"
            .into(),
    )
}

/// Builds `weed` unless the one at [`binary`] is from [`VERSION`] (or
/// `$FARMLIVE_WEED` names one: then it is the caller's).
pub fn ensure() -> Result<(), String> {
    let bin = binary();
    if std::env::var_os("FARMLIVE_WEED").is_some() {
        return if bin.exists() {
            Ok(())
        } else {
            Err(format!(
                "FARMLIVE_WEED names {}, which is missing",
                bin.display()
            ))
        };
    }
    let stamp = cache_dir().join("weed.version");
    if bin.exists() && std::fs::read_to_string(&stamp).is_ok_and(|v| v.trim() == VERSION) {
        return Ok(());
    }
    let go = go()?;
    let scratch = cache_dir().join("weed-build");
    std::fs::create_dir_all(&scratch).map_err(|e| format!("{}: {e}", scratch.display()))?;
    // Go's module and build caches for SeaweedFS's dependencies take over
    // 5 GB; they live in the scratch folder and go with it once the binary
    // is built (`-modcacherw`: Go makes its module cache read-only).
    let in_scratch = |args: &[&str]| {
        let mut cmd = Command::new(&go);
        cmd.current_dir(&scratch)
            .env("GOMODCACHE", scratch.join("mod"))
            .env("GOCACHE", scratch.join("cache"))
            .env("GOFLAGS", "-modcacherw")
            .args(args);
        cmd
    };
    if !scratch.join("go.mod").exists() {
        run(&mut in_scratch(&["mod", "init", "x"]))?;
    }
    run(&mut in_scratch(&["get", &format!("{MODULE}@{VERSION}")]))?;
    // Built beside, then renamed: an interrupted build leaves no half binary.
    let tmp = scratch.join("weed.tmp");
    run(in_scratch(&["build", "-o"]).arg(&tmp).arg(MODULE))?;
    rename(&tmp, &bin)?;
    std::fs::write(&stamp, VERSION).map_err(|e| format!("{}: {e}", stamp.display()))?;
    std::fs::remove_dir_all(&scratch).map_err(|e| format!("{}: {e}", scratch.display()))
}

fn rename(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::rename(from, to).map_err(|e| format!("{} -> {}: {e}", from.display(), to.display()))
}
