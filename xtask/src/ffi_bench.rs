//! `cargo xtask bench-ffi`: the mobile bindings' figures. Prints, never asserts.
//!
//! - the cost per call of pushing a 1280x720 NV12 frame through the FFI, from
//!   Kotlin on the JVM and from Swift, against the release library;
//! - the same frame as the camera gives it, pushed as its planes
//!   (`push_video_planes`: direct buffers in Kotlin, borrowed `Data` in Swift,
//!   no RustBuffer), beside packing it in the shell and pushing the packed bytes;
//! - the cost of a listing query returning 100 listings, from both;
//! - the view models' cold start to the first listings list (200 listings),
//!   from both (Kotlin's in a JVM of its own);
//! - the stripped size of the release library for x86_64 Linux (and for the
//!   Android ABIs when cargo-ndk and an NDK are installed).

// The benches' own description of the machine (std only), shared by path so
// the FFI figures name the CPU and load the same way as the others.
#[path = "../../core/benches/common/machine.rs"]
mod machine;

use crate::bindings::{self, LIB_FILE};
use crate::{kotlin, packages, run, swift};
use std::process::Command;

const ANDROID_TARGETS: &[&str] = &[
    "aarch64-linux-android",
    "armv7-linux-androideabi",
    "x86_64-linux-android",
    "i686-linux-android",
];

fn mib(bytes: u64) -> String {
    format!(
        "{:.2} MB, {:.2} MiB ({bytes} bytes; the limit is 12 MB)",
        bytes as f64 / 1e6,
        bytes as f64 / (1024.0 * 1024.0)
    )
}

/// Runs the benchmark.
pub fn bench_ffi() -> Result<(), String> {
    packages::ensure(packages::TEST)?;
    println!("FFI-BENCH {}", machine::describe());
    // Bindings come from the debug build: uniffi reads its metadata from the
    // library's symbols, which the release profile strips.
    bindings::task()?;
    eprintln!("xtask: building the release library (fat LTO; slow)");
    let release = bindings::build_host("release")?;
    let lib = release.join(LIB_FILE);
    let size = std::fs::metadata(&lib)
        .map_err(|e| format!("cannot read {}: {e}", lib.display()))?
        .len();
    // The release profile already strips; strip a copy again to be sure.
    let copy = std::env::temp_dir().join("farmlive-ffi-stripped.so");
    std::fs::copy(&lib, &copy).map_err(|e| format!("cannot copy the library: {e}"))?;
    run(Command::new("strip").arg("--strip-all").arg(&copy))?;
    let stripped = std::fs::metadata(&copy).map(|m| m.len()).unwrap_or(size);
    let _ = std::fs::remove_file(&copy);
    println!(
        "FFI-BENCH before Kotlin: load average {}",
        machine::load_average()
    );
    kotlin::bench(&release)?;
    println!(
        "FFI-BENCH before Swift: load average {}",
        machine::load_average()
    );
    swift::bench(&release)?;
    println!(
        "FFI-BENCH after Swift: load average {}",
        machine::load_average()
    );
    println!(
        "FFI-BENCH size x86_64-unknown-linux-gnu release {LIB_FILE}: {}",
        mib(size)
    );
    println!(
        "FFI-BENCH size x86_64-unknown-linux-gnu after strip --strip-all: {}",
        mib(stripped)
    );
    let ndk = std::env::var_os("ANDROID_NDK_HOME").is_some()
        && Command::new("cargo-ndk").arg("--version").output().is_ok();
    if ndk {
        for target in ANDROID_TARGETS {
            run(Command::new("cargo-ndk")
                .args([
                    "-t",
                    target,
                    "build",
                    "--release",
                    "-p",
                    "farmlive-ffi",
                    "--lib",
                ])
                .current_dir(bindings::root()))?;
            let so = bindings::target_dir()?
                .join(target)
                .join("release")
                .join(LIB_FILE);
            let len = std::fs::metadata(&so).map(|m| m.len()).unwrap_or(0);
            println!("FFI-BENCH size {target} release {LIB_FILE}: {}", mib(len));
        }
    } else {
        println!(
            "FFI-BENCH size Android ABIs: not built here (no Android NDK / cargo-ndk on this machine)"
        );
    }
    Ok(())
}
