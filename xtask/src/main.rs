//! `cargo xtask`: FarmLive's task runner. std only, so it builds in seconds.
//!
//! - `cargo xtask test`  — install what the tests need, then run every test.
//! - `cargo xtask lint`  — rustfmt and clippy, warnings as errors.
//! - `cargo xtask demo`  — build and run `farmlive demo` (arguments pass through).
//! - `cargo xtask bench` — run the benchmarks side by side with their peers.
//! - `cargo xtask setup` — only install the system packages.
//! - `cargo xtask bindings` — build libfarmlive_ffi and generate Kotlin and Swift.
//! - `cargo xtask bench-ffi` — the mobile-bindings benchmark (FFI call costs, library size).
//! - `cargo xtask shells [kotlin|swift]` — only the Kotlin and/or Swift shells' tests (bindings, a hub).

mod bindings;
mod ffi_bench;
mod kotlin;
mod packages;
mod swift;
mod test_hub;
mod watchdog;
mod weed;

use std::process::{Command, ExitCode};

const USAGE: &str =
    "usage: cargo xtask <test|lint|demo|bench|setup|bindings|bench-ffi|shells> [args]

  test    install what the tests need, then run every test
  lint    cargo fmt --check and cargo clippy -D warnings
  demo    run `farmlive demo` in an optimised build (extra args go to the demo)
  bench   run the benchmarks beside their peers (vipsthumbnail, raw rusqlite)
  setup   install the Debian packages the project needs (idempotent)
  bindings  build libfarmlive_ffi and generate the Kotlin and Swift bindings
  bench-ffi  FFI call costs from Kotlin and Swift, and the release library's size
  shells  only the Kotlin and Swift shells' tests (as `test` runs them);
          `shells kotlin` or `shells swift` runs one language";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (task, rest) = match args.split_first() {
        Some((t, r)) => (t.as_str(), r),
        None => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let result = match task {
        "test" => test(rest),
        "lint" => lint(),
        "demo" => demo(rest),
        "bench" => bench(rest),
        "setup" => packages::ensure(packages::ALL),
        "bindings" => bindings::task().map(|_| ()),
        "bench-ffi" => ffi_bench::bench_ffi(),
        "shells" => packages::ensure(packages::TEST).and_then(|()| shells(rest)),
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            Ok(())
        }
        other => {
            eprintln!("unknown task {other:?}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask {task}: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs a command, failing with its exit status.
pub fn run(cmd: &mut Command) -> Result<(), String> {
    run_within(cmd, None)
}

/// [`run`], failing the step (with its test binaries' stacks) if it is not
/// done within `limit`: see [`watchdog`].
fn run_within(cmd: &mut Command, limit: Option<std::time::Duration>) -> Result<(), String> {
    eprintln!("$ {}", describe(cmd));
    let started = std::time::Instant::now();
    let child = cmd
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", describe(cmd)))?;
    let status = match limit {
        Some(limit) => watchdog::wait_within(child, &short(&describe(cmd)), limit)?,
        None => wait(child, cmd)?,
    };
    // Where a CI run's minutes go (BENCHMARKS.md, "What a clean CI run costs").
    // And its disk: CI machines share a disk, and a full one once failed a run.
    eprintln!(
        "xtask: {:.0} s for `{}`{}",
        started.elapsed().as_secs_f64(),
        short(&describe(cmd)),
        disk_free().map_or_else(String::new, |gb| format!(" ({gb:.1} GB free on disk)"))
    );
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{}` failed ({status})", describe(cmd)))
    }
}

fn wait(mut child: std::process::Child, cmd: &Command) -> Result<std::process::ExitStatus, String> {
    child
        .wait()
        .map_err(|e| format!("cannot wait for {}: {e}", describe(cmd)))
}

/// Free space, in GB, on the disk holding the working directory (`df`).
fn disk_free() -> Option<f64> {
    let out = Command::new("df").args(["-Pk", "."]).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let kib: f64 = text
        .lines()
        .nth(1)?
        .split_whitespace()
        .nth(3)?
        .parse()
        .ok()?;
    Some(kib * 1024.0 / 1e9)
}

/// A command line cut to its first 100 characters, for the timing lines.
fn short(line: &str) -> String {
    match line.char_indices().nth(100) {
        Some((at, _)) => format!("{}…", &line[..at]),
        None => line.to_owned(),
    }
}

fn describe(cmd: &Command) -> String {
    std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|s| s.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// The modules of the end-to-end tests (`tests/tests/e2e/`) that `test`
/// runs a second time with every hub process on PostgreSQL
/// (`FARMLIVE_TEST_STORE=postgres`, see `farmlive_tests::test_store`).
/// Modules that read the SQLite file itself (harden_devices, relay_hub)
/// stay SQLite only; the *_stores modules run over both stores by themselves.
const POSTGRES_SUITE: &[&str] = &[
    "hub_api",
    "hub_rooms",
    "sync",
    "sync_faults",
    "harden_roles",
    "harden_inputs",
    "live_selling",
    "deliver_photo",
    "storefront_public_events",
    "web_orders",
    "experts",
    "guides",
];

/// The most the workspace's tests may take, built from cold included: they
/// take about 30 min on a fresh 2-core CI machine. Past it a test hangs,
/// and stopping there still ends the run inside CI's 90 min.
const ALL_TESTS_MAX: std::time::Duration = std::time::Duration::from_secs(55 * 60);
/// The most the PostgreSQL pass may take: it takes about 1 min.
const POSTGRES_PASS_MAX: std::time::Duration = std::time::Duration::from_secs(12 * 60);

fn test(extra: &[String]) -> Result<(), String> {
    packages::ensure(packages::TEST)?;
    // The S3 tests' server (SeaweedFS), built once into ~/.cache/farmlive.
    // Without it the S3 tests skip, saying so, unless FARMLIVE_REQUIRE_S3
    // is set (CI): then a failed build fails the run here.
    if let Err(e) = weed::ensure() {
        if std::env::var_os("FARMLIVE_REQUIRE_S3").is_some() {
            return Err(e);
        }
        eprintln!("xtask: no S3 test server, the S3 tests will skip: {e}");
    }
    run_within(
        cargo()
            .args(["test", "--workspace", "--all-targets"])
            .args(extra),
        Some(ALL_TESTS_MAX),
    )?;
    // Doc tests are not part of --all-targets.
    run(cargo().args(["test", "--workspace", "--doc"]))?;
    // The hub API suite again, every hub process on a fresh PostgreSQL
    // database: the same tests, not a copy. `--workspace` as above gives
    // the same features, so the same binary: this costs only its run time.
    let mut again = cargo();
    again
        .args(["test", "--workspace", "--test", "e2e"])
        .args(extra)
        .arg("--");
    for module in POSTGRES_SUITE {
        // A test's name starts with its module's: `experts::a_farmer_…`.
        again.arg(format!("{module}::"));
    }
    run_within(
        again.env("FARMLIVE_TEST_STORE", "postgres"),
        Some(POSTGRES_PASS_MAX),
    )?;
    // The library the test build made serves the shells, unless extra
    // arguments (another profile, features) built something else.
    let library = if extra.is_empty() {
        bindings::task_after_tests
    } else {
        bindings::task
    };
    shells_over(&[], library)
}

/// The Kotlin and Swift shells' tests, against the real generated bindings
/// and a real hub on loopback (stopped when `hub` drops). `test` ends with
/// them; `shells` runs only them, `shells kotlin` / `shells swift` one language.
fn shells(which: &[String]) -> Result<(), String> {
    shells_over(which, bindings::task)
}

/// The shells' tests over the host library that `library` builds (or finds)
/// and generates the bindings from.
fn shells_over(
    which: &[String],
    library: fn() -> Result<std::path::PathBuf, String>,
) -> Result<(), String> {
    let (kotlin, swift) = match which {
        [] => (true, true),
        [one] if one == "kotlin" => (true, false),
        [one] if one == "swift" => (false, true),
        _ => {
            return Err(format!(
                "shells takes kotlin, swift or nothing, not {which:?}"
            ));
        }
    };
    let lib_dir = library()?;
    let hub = test_hub::TestHub::start()?;
    if kotlin {
        kotlin::test(&lib_dir, &hub.for_farm("Kotlin test farm")?)?;
    }
    if swift {
        // The view-model tests enrol several phones, each for a farm of its own.
        let model_codes = (1..=swift::MODEL_FARMS)
            .map(|i| {
                hub.for_farm(&format!("Swift model farm {i}"))
                    .map(|h| h.code)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let expert_codes = (0..swift::MODEL_EXPERTS)
            .map(|_| hub.expert_code())
            .collect::<Result<Vec<_>, _>>()?;
        swift::test(
            &lib_dir,
            &hub.for_farm("Swift test farm")?,
            &model_codes,
            &expert_codes,
        )?;
    }
    Ok(())
}

fn lint() -> Result<(), String> {
    // Clippy builds everything: the camera feature needs libclang, openh264 nasm.
    packages::ensure(packages::TEST)?;
    run(cargo().args(["fmt", "--all", "--", "--check"]))?;
    run(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))
}

fn demo(extra: &[String]) -> Result<(), String> {
    packages::ensure(packages::DEMO)?;
    // The bench profile: release speed without the long fat-LTO link of a
    // mobile release build.
    run(cargo()
        .args([
            "run",
            "--quiet",
            "--profile",
            "bench",
            "-p",
            "farmlive",
            "--",
            "demo",
        ])
        .args(extra))
}

fn bench(extra: &[String]) -> Result<(), String> {
    packages::ensure(packages::BENCH)?;
    run(cargo()
        .args([
            "bench",
            "-p",
            "farmlive-core",
            "-p",
            "farmlive-photo",
            "-p",
            "farmlive-tests",
        ])
        .args(extra))
}
