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
//!
//! WorkManager (`androidx.work:work-runtime`, background sync) comes as AARs,
//! which Maven fetches but cannot put on a classpath: [androidx] unpacks them
//! (`android/androidx/pom.xml` names the one we use; Maven resolves the rest)
//! into one `androidx.jar` of classes, which both Maven projects name as a
//! system dependency, and compiles work-runtime's own `res/` (its
//! `R.bool.enable_system_*` switches) with the app's, under an
//! `androidx.work.R` of the same ids, as Gradle's resource merge would.

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

/// The AARs whose `res/` joins the app's, with the package of their `R`.
const AAR_RES: &[(&str, &str)] = &[("work-runtime", "androidx.work")];

/// Unpacks the AndroidX dependencies (`android/androidx/pom.xml`, with what
/// they need) into `out/androidx.jar` (every AAR's `classes.jar` and every
/// plain jar, merged) and `out/aar/NAME/` (each AAR's `res/` and `R.txt`).
/// Kotlin's own jars stay out: the Maven projects pin their versions.
fn androidx(out: &Path) -> Result<(), String> {
    let io = |e: std::io::Error| format!("{}: {e}", out.display());
    let deps = out.join("androidx-deps");
    let classes = out.join("androidx-classes");
    std::fs::create_dir_all(&classes).map_err(io)?;
    run(Command::new("mvn")
        .args([
            "-B",
            "--no-transfer-progress",
            "-q",
            "dependency:copy-dependencies",
        ])
        .arg(format!("-DoutputDirectory={}", deps.display()))
        .arg("-DexcludeGroupIds=org.jetbrains.kotlin,org.jetbrains.kotlinx,org.jetbrains")
        .arg("-Dmdep.stripVersion=true")
        .current_dir(root().join("android/androidx")))?;
    let mut files: Vec<_> = std::fs::read_dir(&deps)
        .map_err(io)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    for file in files {
        let name = file
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        match file.extension().and_then(|e| e.to_str()) {
            Some("aar") => {
                let dir = out.join("aar").join(&name);
                std::fs::create_dir_all(&dir).map_err(io)?;
                run(Command::new("jar").arg("xf").arg(&file).current_dir(&dir))?;
                let jar = dir.join("classes.jar");
                if jar.is_file() {
                    run(Command::new("jar")
                        .arg("xf")
                        .arg(&jar)
                        .current_dir(&classes))?;
                }
            }
            Some("jar") => run(Command::new("jar")
                .arg("xf")
                .arg(&file)
                .current_dir(&classes))?,
            _ => {}
        }
    }
    // Multi-release and module descriptors of single jars mean nothing merged.
    let _ = std::fs::remove_file(classes.join("module-info.class"));
    let _ = std::fs::remove_dir_all(classes.join("META-INF/versions"));
    run(Command::new("jar")
        .arg("cf")
        .arg(out.join("androidx.jar"))
        .arg("-C")
        .arg(&classes)
        .arg("."))
}

/// The app's manifest as aapt v1 takes it: with its package, and without the
/// elements that only amend what the libraries' manifests bring (Gradle's
/// manifest merger): `tools:node="merge"` elements go whole (aapt merges no
/// library manifest, so there is nothing to amend), `tools:node="remove"`
/// ones too (nothing to remove them from).
fn aapt_manifest(manifest: &str) -> Result<String, String> {
    let tag = r#"<manifest xmlns:android="http://schemas.android.com/apk/res/android""#;
    if !manifest.contains(tag) {
        return Err("the app's AndroidManifest.xml does not start as expected".into());
    }
    let mut out = manifest.replacen(tag, &format!(r#"{tag} package="{APP_PACKAGE}""#), 1);
    while let Some(at) = out.find(r#"tools:node="merge""#) {
        let start = out[..at]
            .rfind('<')
            .ok_or("tools:node outside an element")?;
        let name: String = out[start + 1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        let close = format!("</{name}>");
        let end = at
            + out[at..]
                .find(&close)
                .ok_or("a merged element must be closed")?
            + close.len();
        out.replace_range(start..end, "");
    }
    while let Some(at) = out.find(r#"tools:node="remove""#) {
        let start = out[..at]
            .rfind('<')
            .ok_or("tools:node outside an element")?;
        let end = at
            + out[at..]
                .find("/>")
                .ok_or("a removed element must be self-closing")?
            + 2;
        out.replace_range(start..end, "");
    }
    Ok(out)
}

/// Compiles the app's `res/` (and the AARs' of [AAR_RES]) with aapt into
/// `resources.ap_`, writes `R.kt` for the app and each AAR from aapt's symbol
/// list, and Robolectric's `test_config.properties`.
fn app_resources() -> Result<(), String> {
    let root = root();
    let out = res_dir();
    let _ = std::fs::remove_dir_all(&out);
    let io = |e: std::io::Error| format!("{}: {e}", out.display());
    std::fs::create_dir_all(out.join("classpath/com/android/tools")).map_err(io)?;
    std::fs::create_dir_all(out.join("kotlin/org/farmlive/app")).map_err(io)?;
    std::fs::create_dir_all(out.join("java")).map_err(io)?;
    androidx(&out)?;
    // The framework's resources, from the same Maven artifact Robolectric uses.
    run(Command::new("mvn")
        .args(["-B", "--no-transfer-progress", "-q", "dependency:copy"])
        .arg(format!("-Dartifact={ANDROID_ALL}"))
        .arg(format!("-DoutputDirectory={}", out.display()))
        .arg("-Dmdep.stripVersion=true")
        .current_dir(root.join("android/app-check")))?;
    let app = root.join("android/app/src/main");
    let manifest = std::fs::read_to_string(app.join("AndroidManifest.xml")).map_err(io)?;
    let manifest = aapt_manifest(&manifest)?;
    std::fs::write(out.join("AndroidManifest.xml"), manifest).map_err(io)?;
    if Command::new("aapt").arg("version").output().is_err() {
        return Err("the Robolectric tests need aapt; `cargo xtask setup` installs it".into());
    }
    let mut aapt = Command::new("aapt");
    aapt.args([
        "package",
        "-f",
        "-m",
        "--min-sdk-version",
        "24",
        "--target-sdk-version",
        "34",
        // The AARs' res/ folders add to the app's, which wins on a clash.
        "--auto-add-overlay",
    ])
    .arg("-M")
    .arg(out.join("AndroidManifest.xml"))
    .arg("-S")
    .arg(app.join("res"));
    for (aar, _) in AAR_RES {
        aapt.arg("-S").arg(out.join("aar").join(aar).join("res"));
    }
    run(aapt
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
        r_kotlin(&symbols, APP_PACKAGE, None)?,
    )
    .map_err(io)?;
    for (aar, package) in AAR_RES {
        // The AAR's R.txt names its resources (ids 0: they are given at the app's build).
        let own = std::fs::read_to_string(out.join("aar").join(aar).join("R.txt")).map_err(io)?;
        let names: std::collections::BTreeSet<(&str, &str)> = own
            .lines()
            .filter_map(
                |l| match l.split_whitespace().collect::<Vec<_>>().as_slice() {
                    ["int", kind, name, _] => Some((*kind, *name)),
                    _ => None,
                },
            )
            .collect();
        let dir = out.join("kotlin").join(package.replace('.', "/"));
        std::fs::create_dir_all(&dir).map_err(io)?;
        std::fs::write(dir.join("R.kt"), r_kotlin(&symbols, package, Some(&names))?).map_err(io)?;
    }
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

/// `R` of `package` as Kotlin from aapt's `R.txt` (`int string app_name
/// 0x7f020000` lines): the same ids as the compiled resources, for the shell's
/// `R.string.x` (and a library's `R`, with only its own names when `only`).
fn r_kotlin(
    symbols: &str,
    package: &str,
    only: Option<&std::collections::BTreeSet<(&str, &str)>>,
) -> Result<String, String> {
    let mut types: std::collections::BTreeMap<&str, Vec<(&str, &str)>> = Default::default();
    for line in symbols.lines().filter(|l| !l.trim().is_empty()) {
        match line.split_whitespace().collect::<Vec<_>>().as_slice() {
            ["int", kind, name, _] if only.is_some_and(|o| !o.contains(&(*kind, *name))) => {}
            ["int", kind, name, id] => types.entry(kind).or_default().push((name, id)),
            _ => return Err(format!("R.txt: unexpected line {line:?}")),
        }
    }
    let mut kt = format!(
        "// Generated by `cargo xtask` from aapt's R.txt: do not edit.\npackage {package}\n\n\
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

/// Runs the Kotlin FFI benchmark, then the view models' cold start to the
/// first listings list (prints figures, asserts none). Two Maven runs: the
/// cold start needs a JVM of its own (Surefire keeps one per run), so that
/// its first figure includes loading the bindings and the native library.
pub fn bench(lib_dir: &Path) -> Result<(), String> {
    for (class, what) in [
        ("FfiBench", "Kotlin benchmark"),
        ("ColdStartBench", "Kotlin view models' cold start"),
    ] {
        run(maven("jvm-tests", lib_dir)?.args([
            "test",
            "-Dfarmlive.bench=true",
            &format!("-Dtest={class}"),
            "-Dsurefire.failIfNoSpecifiedTests=false",
        ]))
        .map_err(|e| format!("{what} failed: {e}"))?;
    }
    Ok(())
}
