//! `/v1/health` latency while 1,100 slow clients (one request-head byte per
//! second, reconnecting when closed) hold a hub limited to 1,024 open files.
//! Loopback only; bounded in time (about 45 s).
//!
//! Run: `cargo bench -p farmlive-tests --bench slow_clients`. To measure
//! another build of the test hub (e.g. the one before a change), set
//! `HUBD=/path/to/farmlive-hubd`.

#![allow(clippy::unwrap_used)]

#[path = "../../core/benches/common/machine.rs"]
mod machine;

use farmlive_tests::net::{Hubd, SlowClients, ensure_open_file_limit, probe_health};
use farmlive_tests::{bin, rt};
use std::time::{Duration, Instant};

const CLIENTS: usize = 1100;
const FILE_LIMIT: u32 = 1024;
const PROBE_EVERY: Duration = Duration::from_millis(250);
const PROBING: Duration = Duration::from_secs(30);
const PROBE_TIMEOUT: Duration = Duration::from_secs(10);

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() {
    ensure_open_file_limit(4096);
    let hubd = std::env::var_os("HUBD").map_or_else(|| bin("farmlive-hubd"), Into::into);
    println!("{}", machine::describe());
    println!("hub binary: {}", hubd.display());
    let hub = Hubd::start(&hubd, Some(FILE_LIMIT), &[]);
    let rt = rt();

    // Quiet baseline.
    let mut quiet = Vec::new();
    for _ in 0..20 {
        if let Ok((200, t)) = rt.block_on(probe_health(hub.addr, PROBE_TIMEOUT)) {
            quiet.push(t);
        }
    }
    quiet.sort();
    println!(
        "quiet: {} of 20 answered, p50 {:.1} ms",
        quiet.len(),
        percentile(&quiet, 0.5).as_secs_f64() * 1000.0
    );

    let until = Instant::now() + Duration::from_secs(3) + PROBING + PROBE_TIMEOUT;
    let clients = SlowClients::start(&rt, hub.addr, CLIENTS, until);
    std::thread::sleep(Duration::from_secs(3));
    let start = Instant::now();
    let mut probes = Vec::new();
    let mut most_files = 0;
    while start.elapsed() < PROBING {
        probes.push(rt.spawn(probe_health(hub.addr, PROBE_TIMEOUT)));
        most_files = most_files.max(hub.open_files());
        std::thread::sleep(PROBE_EVERY);
    }
    let connected = clients.connected.load(std::sync::atomic::Ordering::SeqCst);
    let results: Vec<_> = probes
        .into_iter()
        .map(|p| rt.block_on(p).unwrap())
        .collect();
    let opened = clients.opened.load(std::sync::atomic::Ordering::SeqCst);
    clients.stop(&rt);

    let mut ok: Vec<Duration> = Vec::new();
    let mut other_status = std::collections::BTreeMap::<u16, usize>::new();
    let mut failed = 0;
    for r in &results {
        match r {
            Ok((200, t)) => ok.push(*t),
            Ok((s, _)) => *other_status.entry(*s).or_default() += 1,
            Err(_) => failed += 1,
        }
    }
    ok.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "under {CLIENTS} slow clients, file limit {FILE_LIMIT}: {} probes over {} s",
        results.len(),
        PROBING.as_secs()
    );
    println!(
        "  200 within {} s: {} | other statuses: {other_status:?} | no answer within {} s: {failed}",
        PROBE_TIMEOUT.as_secs(),
        ok.len(),
        PROBE_TIMEOUT.as_secs()
    );
    println!(
        "  latency of 200s: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        ms(percentile(&ok, 0.5)),
        ms(percentile(&ok, 0.99)),
        ms(ok.last().copied().unwrap_or_default())
    );
    println!(
        "  slow clients connected at the end: {connected}, connections opened in all: {opened}, hub's most open files: {most_files}"
    );
}
