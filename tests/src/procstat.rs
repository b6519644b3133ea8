//! What a server process costs, read from `/proc`: CPU time (user and
//! system, all threads) and memory (resident now and at its peak). For
//! benchmarks that measure a server's process and not the clients'.

use std::time::{Duration, Instant};

/// Clock ticks per second of `/proc/PID/stat` (`getconf CLK_TCK`; 100 on
/// every Linux we run on).
pub fn clock_ticks() -> u64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100)
}

/// CPU seconds (user + system) `pid` has used so far; `None` once it is gone.
pub fn cpu_secs(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces and parentheses: fields count
    // from after its closing parenthesis (field 3, the state, comes first).
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) as f64 / clock_ticks() as f64)
}

/// Resident memory of `pid`: (peak `VmHWM`, now `VmRSS`), in KiB.
pub fn memory_kib(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
    };
    Some((field("VmHWM:")?, field("VmRSS:")?))
}

/// CPU used by `pid` over a stretch of wall time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CpuUse {
    /// CPU seconds used.
    pub cpu_secs: f64,
    /// Wall seconds it was measured over.
    pub wall_secs: f64,
}

impl CpuUse {
    /// CPU seconds per wall second (1.0 is one core busy).
    pub fn cores(&self) -> f64 {
        if self.wall_secs > 0.0 {
            self.cpu_secs / self.wall_secs
        } else {
            0.0
        }
    }
}

/// Measures `pid`'s CPU over `window` (sleeping meanwhile).
pub fn measure_cpu(pid: u32, window: Duration) -> CpuUse {
    let (c0, t0) = (cpu_secs(pid).unwrap_or(0.0), Instant::now());
    std::thread::sleep(window);
    let (c1, t1) = (cpu_secs(pid).unwrap_or(0.0), Instant::now());
    CpuUse {
        cpu_secs: c1 - c0,
        wall_secs: (t1 - t0).as_secs_f64(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_uses_cpu_and_memory() {
        let pid = std::process::id();
        let before = cpu_secs(pid).unwrap();
        let until = Instant::now() + Duration::from_millis(300);
        let mut x = 0u64;
        while Instant::now() < until {
            x = x.wrapping_mul(31).wrapping_add(7);
        }
        std::hint::black_box(x);
        assert!(cpu_secs(pid).unwrap() > before, "a busy loop costs CPU");
        let (hwm, rss) = memory_kib(pid).unwrap();
        assert!(hwm >= rss && rss > 0, "{hwm} {rss}");
        assert!(cpu_secs(u32::MAX).is_none());
    }
}
