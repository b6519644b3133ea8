//! The machine a benchmark ran on, printed above its tables: the CPU model
//! (as `lscpu | grep 'Model name'` shows it), the cores, and the load average,
//! since the figures only mean something next to them.
//!
//! Shared by every benchmark through `#[path]` (core, photo, live and the
//! end-to-end ones), so all of them describe the machine the same way.

/// The CPU model, from `lscpu` (falling back to `/proc/cpuinfo`).
pub fn cpu_model() -> String {
    let from_lscpu = std::process::Command::new("lscpu")
        .env("LC_ALL", "C")
        .output()
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .find_map(|l| l.strip_prefix("Model name:").map(|m| m.trim().to_owned()))
        });
    from_lscpu
        .or_else(|| {
            std::fs::read_to_string("/proc/cpuinfo")
                .ok()
                .and_then(|text| {
                    text.lines().find_map(|l| {
                        let (key, value) = l.split_once(':')?;
                        (key.trim() == "model name").then(|| value.trim().to_owned())
                    })
                })
        })
        .unwrap_or_else(|| "unknown CPU".to_owned())
}

/// The 1, 5 and 15 minute load averages, as `/proc/loadavg` gives them.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|t| t.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_owned())
}

/// One line for the top of a benchmark's output: CPU model, cores, AVX2, load.
pub fn describe() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let avx2 = if avx2() { "AVX2" } else { "no AVX2" };
    format!(
        "machine: {} ({cores} cores, {avx2}); load average {}",
        cpu_model(),
        load_average()
    )
}

#[cfg(target_arch = "x86_64")]
fn avx2() -> bool {
    std::arch::is_x86_feature_detected!("avx2")
}

#[cfg(not(target_arch = "x86_64"))]
fn avx2() -> bool {
    false
}
