//! The Kotlin JVM tests (and the FFI benchmark) of `android/jvm-tests`, built
//! with Maven on the host: JUnit 5, JNA and kotlinx-coroutines from Maven
//! Central; the generated bindings and the library's idiomatic layer compiled
//! together; the host `libfarmlive_ffi.so` loaded through `jna.library.path`.
//! The live-selling test reaches a hub on loopback named in its environment
//! (see `test_hub.rs`).

use crate::bindings::root;
use crate::run;
use crate::test_hub::HubFor;
use std::path::Path;
use std::process::Command;

fn maven(project: &str, lib_dir: &Path) -> Result<Command, String> {
    if Command::new("mvn").arg("--version").output().is_err() {
        return Err(
            "the Kotlin tests need Maven (`mvn`), which is not installed; \
             `cargo xtask setup` installs it (Debian package maven)"
                .into(),
        );
    }
    let root = root();
    let mut cmd = Command::new("mvn");
    cmd.current_dir(root.join("android").join(project))
        .args(["-B", "--no-transfer-progress"])
        .arg(format!("-Dfarmlive.lib.dir={}", lib_dir.display()))
        .arg(format!(
            "-Dfarmlive.generated.dir={}",
            root.join("android/build/generated/kotlin").display()
        ))
        .arg(format!(
            "-Dfarmlive.testdata.dir={}",
            root.join("testdata").display()
        ));
    Ok(cmd)
}

/// Runs the Kotlin tests against the library in `lib_dir` and the hub in
/// `hub`. Fails (never skips) when Maven or its dependencies cannot be had.
pub fn test(lib_dir: &Path, hub: &HubFor) -> Result<(), String> {
    let mut cmd = maven("jvm-tests", lib_dir)?;
    // Surefire's test JVM inherits Maven's environment.
    cmd.envs(hub.vars(&hub.bin.to_string_lossy()));
    run(cmd.arg("test")).map_err(|e| format!("Kotlin JVM tests failed: {e}"))?;
    // The app shell's Kotlin, type-checked against android-all (Robolectric's
    // Android framework jar on Maven Central): no SDK needed.
    run(maven("app-check", lib_dir)?.arg("compile"))
        .map_err(|e| format!("the Android app shell does not compile against android-all: {e}"))
}

/// Runs the Kotlin FFI benchmark (prints figures, asserts none).
pub fn bench(lib_dir: &Path) -> Result<(), String> {
    run(maven("jvm-tests", lib_dir)?.args([
        "test",
        "-Dfarmlive.bench=true",
        "-Dtest=FfiBench",
        "-Dsurefire.failIfNoSpecifiedTests=false",
    ]))
    .map_err(|e| format!("Kotlin benchmark failed: {e}"))
}
