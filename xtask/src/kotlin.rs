//! The Kotlin JVM tests (and the FFI benchmark) of `android/jvm-tests`, built
//! with Maven on the host: JUnit 5, JNA and kotlinx-coroutines from Maven
//! Central; the generated bindings and the library's idiomatic layer compiled
//! together; the host `libfarmlive_ffi.so` loaded through `jna.library.path`.
//! The live-selling test reaches a hub on loopback named in its environment
//! (see `test_hub.rs`).
//!
//! The app shell's Android resources (`android/app/src/main/res`, with
//! `values-zh-rCN`) are compiled here with aapt (v1, Debian's package: aapt2
//! does not resolve on this host) into binary resources, the way an APK holds
//! them, plus an `R` object with the same ids. `app-check` compiles the shell
//! against that `R`; `robo-tests` runs its activities under Robolectric, which
//! loads the binary resources in its default (binary) mode. Robolectric 4.14
//! has no raw-resource ("legacy") mode any more, so this is the way to real
//! `getString` lookups, locale qualifiers included. Gradle builds keep packing
//! the same `res/` folders with aapt2.

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
        ))
        .arg(format!("-Dfarmlive.res.dir={}", res_dir().display()));
    Ok(cmd)
}

/// Where [app_resources] puts the compiled resources (git-ignored).
fn res_dir() -> std::path::PathBuf {
    root().join("android/build/robo-res")
}

/// The app's package (Gradle's `namespace`), which aapt v1 wants in the manifest.
const APP_PACKAGE: &str = "org.farmlive.app";
/// The Android framework jar the resources link against (what android-all holds).
const ANDROID_ALL: &str = "org.robolectric:android-all:14-robolectric-10818077";

/// Compiles the app's `res/` with aapt into `resources.ap_`, writes `R.kt`
/// from aapt's symbol list and Robolectric's `test_config.properties`.
fn app_resources() -> Result<(), String> {
    let root = root();
    let out = res_dir();
    let _ = std::fs::remove_dir_all(&out);
    let io = |e: std::io::Error| format!("{}: {e}", out.display());
    std::fs::create_dir_all(out.join("classpath/com/android/tools")).map_err(io)?;
    std::fs::create_dir_all(out.join("kotlin/org/farmlive/app")).map_err(io)?;
    std::fs::create_dir_all(out.join("java")).map_err(io)?;
    // The framework's resources, from the same Maven artifact Robolectric uses.
    run(Command::new("mvn")
        .args(["-B", "--no-transfer-progress", "-q", "dependency:copy"])
        .arg(format!("-Dartifact={ANDROID_ALL}"))
        .arg(format!("-DoutputDirectory={}", out.display()))
        .arg("-Dmdep.stripVersion=true")
        .current_dir(root.join("android/app-check")))?;
    let app = root.join("android/app/src/main");
    let manifest = std::fs::read_to_string(app.join("AndroidManifest.xml")).map_err(io)?;
    let tag = r#"<manifest xmlns:android="http://schemas.android.com/apk/res/android""#;
    if !manifest.contains(tag) {
        return Err("the app's AndroidManifest.xml does not start as expected".into());
    }
    let manifest = manifest.replacen(tag, &format!(r#"{tag} package="{APP_PACKAGE}""#), 1);
    std::fs::write(out.join("AndroidManifest.xml"), manifest).map_err(io)?;
    if Command::new("aapt").arg("version").output().is_err() {
        return Err("the Robolectric tests need aapt; `cargo xtask setup` installs it".into());
    }
    run(Command::new("aapt")
        .args([
            "package",
            "-f",
            "-m",
            "--min-sdk-version",
            "24",
            "--target-sdk-version",
            "34",
        ])
        .arg("-M")
        .arg(out.join("AndroidManifest.xml"))
        .arg("-S")
        .arg(app.join("res"))
        .arg("-I")
        .arg(out.join("android-all.jar"))
        .arg("-J")
        .arg(out.join("java"))
        .arg("--output-text-symbols")
        .arg(&out)
        .arg("-F")
        .arg(out.join("resources.ap_")))?;
    let symbols = std::fs::read_to_string(out.join("R.txt")).map_err(io)?;
    std::fs::write(
        out.join("kotlin/org/farmlive/app/R.kt"),
        r_kotlin(&symbols)?,
    )
    .map_err(io)?;
    let config = format!(
        "android_merged_manifest={}\nandroid_resource_apk={}\nandroid_custom_package={APP_PACKAGE}\n",
        out.join("AndroidManifest.xml").display(),
        out.join("resources.ap_").display()
    );
    std::fs::write(
        out.join("classpath/com/android/tools/test_config.properties"),
        config,
    )
    .map_err(io)
}

/// `R` as Kotlin from aapt's `R.txt` (`int string app_name 0x7f020000` lines):
/// the same ids as the compiled resources, for the shell's `R.string.x`.
fn r_kotlin(symbols: &str) -> Result<String, String> {
    let mut types: std::collections::BTreeMap<&str, Vec<(&str, &str)>> = Default::default();
    for line in symbols.lines().filter(|l| !l.trim().is_empty()) {
        match line.split_whitespace().collect::<Vec<_>>().as_slice() {
            ["int", kind, name, id] => types.entry(kind).or_default().push((name, id)),
            _ => return Err(format!("R.txt: unexpected line {line:?}")),
        }
    }
    let mut kt = format!(
        "// Generated by `cargo xtask` from aapt's R.txt: do not edit.\npackage {APP_PACKAGE}\n\n\
         @Suppress(\"ClassName\", \"ObjectPropertyName\")\nobject R {{\n"
    );
    for (kind, names) in types {
        kt.push_str(&format!("    object {kind} {{\n"));
        for (name, id) in names {
            kt.push_str(&format!("        const val {name}: Int = {id}\n"));
        }
        kt.push_str("    }\n");
    }
    kt.push_str("}\n");
    Ok(kt)
}

/// Runs the Kotlin tests against the library in `lib_dir` and the hub in
/// `hub`. Fails (never skips) when Maven or its dependencies cannot be had.
pub fn test(lib_dir: &Path, hub: &HubFor) -> Result<(), String> {
    let mut cmd = maven("jvm-tests", lib_dir)?;
    // Surefire's test JVM inherits Maven's environment.
    cmd.envs(hub.vars(&hub.bin.to_string_lossy()))
        // The view-model tests act as the hub's operator too (fresh codes, removing a device).
        .env("FARMLIVE_HUB_DB", &hub.db);
    run(cmd.arg("test")).map_err(|e| format!("Kotlin JVM tests failed: {e}"))?;
    app_resources().map_err(|e| format!("compiling the app's resources failed: {e}"))?;
    // The app shell's Kotlin, type-checked against android-all (Robolectric's
    // Android framework jar on Maven Central): no SDK needed.
    run(maven("app-check", lib_dir)?.arg("compile"))
        .map_err(|e| format!("the Android app shell does not compile against android-all: {e}"))?;
    robo_test(lib_dir, hub)
}

/// The app's activities end to end under Robolectric (`android/robo-tests`),
/// in English and zh-CN, against the hub in `hub`. Each flow enrols into a
/// farm of its own (a fresh name per run), so runs never see each other's
/// orders on this shared hub.
fn robo_test(lib_dir: &Path, hub: &HubFor) -> Result<(), String> {
    let mut robo = maven("robo-tests", lib_dir)?;
    robo.envs(hub.vars(&hub.bin.to_string_lossy()))
        .env("FARMLIVE_HUB_DB", &hub.db);
    run(robo.arg("test")).map_err(|e| format!("the app's Robolectric tests failed: {e}"))
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
