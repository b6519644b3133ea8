//! `cargo xtask bindings`: builds the host `libfarmlive_ffi` and generates the
//! Kotlin and Swift bindings from it (uniffi library mode) into the shells'
//! build folders, which are git-ignored: generated code is never committed.
//!
//! - Kotlin → `android/build/generated/kotlin/org/farmlive/ffi/farmlive_ffi.kt`
//! - Swift  → `ios/.build-generated/FarmLiveFFI/FarmLiveFFI.swift` and the C
//!   header `ios/.build-generated/include/farmlive_ffiFFI.h`, which the
//!   package's system-library target (`ios/Sources/farmlive_ffiFFI`) includes.

use crate::{cargo, run};
use std::path::{Path, PathBuf};

/// The workspace root (xtask lives one level down).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Cargo's target directory: `CARGO_TARGET_DIR`, else what `cargo metadata`
/// says (so a custom `build.target-dir` is honoured too).
pub fn target_dir() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        let dir = PathBuf::from(dir);
        return Ok(if dir.is_absolute() {
            dir
        } else {
            root().join(dir)
        });
    }
    let out = cargo()
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .current_dir(root())
        .output()
        .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
    if !out.status.success() {
        return Err("cargo metadata failed".into());
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let key = "\"target_directory\":\"";
    let start = text
        .find(key)
        .map(|i| i + key.len())
        .ok_or("cargo metadata gave no target_directory")?;
    let end = text[start..]
        .find('"')
        .ok_or("cargo metadata: unterminated target_directory")?;
    Ok(PathBuf::from(
        text[start..start + end].replace("\\\\", "\\"),
    ))
}

/// Name of the host library file.
pub const LIB_FILE: &str = "libfarmlive_ffi.so";

/// Builds the host library in `profile` ("debug" or "release") and returns
/// the folder holding it.
pub fn build_host(profile: &str) -> Result<PathBuf, String> {
    let mut cmd = cargo();
    cmd.args(["build", "-p", "farmlive-ffi", "--lib"]);
    if profile == "release" {
        cmd.arg("--release");
    }
    run(cmd.current_dir(root()))?;
    let dir = target_dir()?.join(profile);
    if !dir.join(LIB_FILE).is_file() {
        return Err(format!(
            "the build made no {}",
            dir.join(LIB_FILE).display()
        ));
    }
    Ok(dir)
}

/// Builds uniffi's generator (the `farmlive-bindgen` package) and returns
/// its executable. Alone, so the FFI library already built is not touched.
fn build_bindgen() -> Result<PathBuf, String> {
    run(cargo()
        .args(["build", "-p", "farmlive-bindgen", "--bin", "uniffi-bindgen"])
        .current_dir(root()))?;
    let exe = target_dir()?.join("debug").join("uniffi-bindgen");
    if !exe.is_file() {
        return Err(format!("the build made no {}", exe.display()));
    }
    Ok(exe)
}

fn bindgen(exe: &Path, lib: &Path, language: &str, out: &Path) -> Result<(), String> {
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    run(std::process::Command::new(exe)
        .args(["generate", "--no-format", "--library"])
        .arg(lib)
        .args(["--language", language, "--out-dir"])
        .arg(out)
        .current_dir(root()))
}

fn fresh_dir(dir: &Path) -> Result<(), String> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(|e| format!("cannot clear {}: {e}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))
}

fn rename(from: &Path, to: &Path) -> Result<(), String> {
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    std::fs::rename(from, to).map_err(|e| format!("cannot move {}: {e}", from.display()))
}

/// Generates Kotlin and Swift from the library in `lib_dir`.
pub fn generate(lib_dir: &Path) -> Result<(), String> {
    let lib = lib_dir.join(LIB_FILE);
    let exe = build_bindgen()?;
    let root = root();
    let kotlin = root.join("android/build/generated/kotlin");
    fresh_dir(&kotlin)?;
    bindgen(&exe, &lib, "kotlin", &kotlin)?;
    let swift = root.join("ios/.build-generated");
    fresh_dir(&swift)?;
    let raw = swift.join("raw");
    bindgen(&exe, &lib, "swift", &raw)?;
    rename(
        &raw.join("FarmLiveFFI.swift"),
        &swift.join("FarmLiveFFI/FarmLiveFFI.swift"),
    )?;
    rename(
        &raw.join("farmlive_ffiFFI.h"),
        &swift.join("include/farmlive_ffiFFI.h"),
    )?;
    let _ = std::fs::remove_dir_all(&raw);
    eprintln!(
        "xtask: bindings generated into {} and {}",
        kotlin.display(),
        swift.display()
    );
    Ok(())
}

/// `cargo xtask bindings`: build the debug host library and generate.
pub fn task() -> Result<PathBuf, String> {
    let dir = build_host("debug")?;
    generate(&dir)?;
    Ok(dir)
}

/// After `cargo test --workspace`: that build made the host library (a
/// cdylib is one of farmlive-ffi's crate types), with the workspace's
/// features, in `debug/deps` (only `cargo build` copies it up a level).
/// `cargo build -p farmlive-ffi` would resolve features for that package
/// alone and rebuild tokio, hyper, reqwest... under it (≈ 150 s in CI) for
/// the same code; so use it, and generate from it.
pub fn task_after_tests() -> Result<PathBuf, String> {
    let dir = target_dir()?.join("debug").join("deps");
    if !dir.join(LIB_FILE).is_file() {
        return task();
    }
    generate(&dir)?;
    Ok(dir)
}
