//! A farmer's app open, waiting for news, two ways side by side on one
//! real hub process: the long poll (`Core::watch`: one held request, a
//! sync when the farm's feed moves) and the peer it replaces, a sync every
//! 30 s (a foreground timer, what `farmlive sync --watch` did before). For
//! each: how long an off-air order takes to reach the phone (p50, max),
//! and what waiting costs on the phone's link, bytes per phone-hour up and
//! down, counted by a TCP proxy between the phones and the hub. Each phone
//! gets one order at a random moment. Then the hub's side of holding:
//! memory per held poll, with 1,000 held, and how fast a phone's push
//! wakes its farm's held poll among them.
//!
//! Run: `cargo bench -p farmlive-tests --bench watch` (about 5 minutes).
//! Without `--bench` (as `cargo test` runs it) a small smoke round checks
//! it works.

#![allow(clippy::unwrap_used)]

#[path = "../../core/benches/common/machine.rs"]
mod machine;

use farmlive_core::protocol::Delivery;
use farmlive_core::protocol::api::Role;
use farmlive_core::sync::SyncOptions;
use farmlive_core::{CancelToken, WatchEvent, WatchOptions};
use farmlive_tests::api::Api;
use farmlive_tests::{BuyerBuilder, Device, HubProcess, ListingBuilder, procstat, rt};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};

/// A pass-through TCP proxy that counts the bytes each way.
struct Counting {
    url: String,
    up: Arc<AtomicU64>,
    down: Arc<AtomicU64>,
}

impl Counting {
    async fn start(upstream: String) -> Counting {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (up, down) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
        let (u, d) = (up.clone(), down.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let (upstream, u, d) = (upstream.clone(), u.clone(), d.clone());
                tokio::spawn(async move {
                    let Ok(mut hub) = TcpStream::connect(&upstream).await else {
                        return;
                    };
                    if let Ok((sent, got)) =
                        tokio::io::copy_bidirectional(&mut client, &mut hub).await
                    {
                        u.fetch_add(sent, Ordering::Relaxed);
                        d.fetch_add(got, Ordering::Relaxed);
                    }
                });
            }
        });
        Counting { url, up, down }
    }

    /// Bytes (up, down) so far, counted as connections close.
    fn take(&self) -> (u64, u64) {
        (
            self.up.swap(0, Ordering::Relaxed),
            self.down.swap(0, Ordering::Relaxed),
        )
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// `Core::watch`, holding a poll.
    Watch,
    /// A sync every so often.
    Every(Duration),
}

impl Mode {
    fn name(self) -> String {
        match self {
            Mode::Watch => "long poll (watch)".into(),
            Mode::Every(p) => format!("sync every {} s", p.as_secs()),
        }
    }
}

struct Figures {
    p50: f64,
    max: f64,
    up_per_hour: f64,
    down_per_hour: f64,
    missing: usize,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// A small deterministic generator: the same order moments each run.
fn next(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

/// One mode over `window`: each phone waits for news; each gets one order
/// at a random moment in the first part of the window.
fn round(
    rt: &tokio::runtime::Runtime,
    hub: &HubProcess,
    proxy: &Counting,
    phones: &[(Device, farmlive_core::protocol::ListingId)],
    mode: Mode,
    window: Duration,
) -> Figures {
    let cancel = CancelToken::new();
    let (tx, arrivals) = std::sync::mpsc::channel::<(usize, Instant)>();
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    // Let the phones settle (a first sync), then count from zero.
    for (i, (phone, _)) in phones.iter().enumerate() {
        let (core, cancel, tx) = (phone.core.clone(), cancel.clone(), tx.clone());
        let phase = Duration::from_millis(next(&mut seed) % 1_000);
        rt.spawn(async move {
            match mode {
                Mode::Watch => {
                    let options = WatchOptions {
                        wait: Duration::from_secs(25),
                        ..WatchOptions::default()
                    };
                    let tell = move |e: WatchEvent| {
                        if let WatchEvent::Synced(r) = e {
                            if r.progress.changes_pulled > 0 {
                                let _ = tx.send((i, Instant::now()));
                            }
                        }
                    };
                    let _ = core.watch(&options, &cancel, &tell).await;
                }
                Mode::Every(period) => {
                    tokio::time::sleep(phase.mul_f64(period.as_secs_f64())).await;
                    while !cancel.is_cancelled() {
                        let quiet = |_: &farmlive_core::SyncProgress| {};
                        if let Ok(r) = core.sync(&SyncOptions::default(), &cancel, &quiet).await {
                            if r.progress.changes_pulled > 0 {
                                let _ = tx.send((i, Instant::now()));
                            }
                        }
                        tokio::select! {
                            () = tokio::time::sleep(period) => {}
                            () = cancel.cancelled() => {}
                        }
                    }
                }
            }
        });
    }
    std::thread::sleep(Duration::from_secs(1));
    while arrivals.try_recv().is_ok() {}
    proxy.take();
    let started = Instant::now();
    let buyer = rt.block_on(BuyerBuilder::new("Wang").sign_up(&hub.url));
    let latest = window.mul_f64(0.5);
    let mut moments: Vec<(Duration, usize)> = (0..phones.len())
        .map(|i| {
            let at = Duration::from_millis(next(&mut seed) % latest.as_millis().max(1) as u64);
            (at, i)
        })
        .collect();
    moments.sort();
    let mut placed = vec![None; phones.len()];
    for (at, i) in moments {
        if let Some(wait) = at.checked_sub(started.elapsed()) {
            std::thread::sleep(wait);
        }
        let key = format!("{}-{i}", mode.name());
        rt.block_on(buyer.order(phones[i].1, 1, Delivery::Standard, &key))
            .unwrap();
        placed[i] = Some(Instant::now());
    }
    let mut latencies = Vec::new();
    let mut seen = vec![false; phones.len()];
    while let Some(left) = window.checked_sub(started.elapsed()) {
        match arrivals.recv_timeout(left) {
            Ok((i, at)) => {
                if let (Some(p), false) = (placed[i], seen[i]) {
                    seen[i] = true;
                    latencies.push(at.saturating_duration_since(p).as_secs_f64() * 1000.0);
                }
            }
            Err(_) => break,
        }
    }
    let elapsed = started.elapsed();
    cancel.cancel();
    // Held requests close with the cancel; their bytes count then.
    std::thread::sleep(Duration::from_millis(500));
    let (up, down) = proxy.take();
    latencies.sort_by(f64::total_cmp);
    let per_hour = 3600.0 / elapsed.as_secs_f64() / phones.len() as f64;
    Figures {
        p50: percentile(&latencies, 0.5),
        max: latencies.last().copied().unwrap_or(f64::NAN),
        up_per_hour: up as f64 * per_hour,
        down_per_hour: down as f64 * per_hour,
        missing: phones.len() - latencies.len(),
    }
}

/// Holds `n` polls of fresh farms' empty feeds (raw HTTP, one device
/// each): the hub's resident memory before and while holding; then, among
/// them, `wakes` times a phone of another farm pushes a new listing while
/// its own poll is held: how long from the push's start to that poll's
/// answer.
fn held(rt: &tokio::runtime::Runtime, hub: &HubProcess, n: usize, wakes: usize) {
    let api = Api::new(&hub.url);
    let tokens: Vec<String> = (0..n)
        .map(|i| {
            let code = hub.code(&[&format!("Held farm {i}")], Role::Farmer);
            rt.block_on(api.enrol(&code, &format!("phone {i}")))
        })
        .collect();
    let (_, before) = procstat::memory_kib(hub.pid()).unwrap();
    let http = reqwest::Client::new();
    let poll = |token: &str| {
        http.get(format!("{}/v1/changes?after=0&limit=1&wait=25", hub.url))
            .bearer_auth(token)
            .send()
    };
    let polls: Vec<_> = tokens.iter().map(|t| rt.spawn(poll(t))).collect();
    std::thread::sleep(Duration::from_secs(3));
    let (_, holding) = procstat::memory_kib(hub.pid()).unwrap();
    let mut wake_ms = Vec::new();
    for i in 0..wakes {
        let farm = format!("Woken farm {i}");
        let phone = hub.device(rt, &[&farm], Role::Farmer, "phone");
        phone.list(&farm, &ListingBuilder::new("Melons").stock(10));
        let waiting = rt.spawn(poll(&phone.token()));
        std::thread::sleep(Duration::from_millis(300));
        let pushed = Instant::now();
        phone.sync(rt);
        let reply = rt.block_on(waiting).unwrap().unwrap();
        assert_eq!(reply.status(), 200);
        wake_ms.push(pushed.elapsed().as_secs_f64() * 1000.0);
    }
    wake_ms.sort_by(f64::total_cmp);
    println!(
        "\nThe hub holding {n} polls: resident memory {:.1} MiB before, {:.1} MiB holding ({:.1} KiB a poll); a phone's push → its farm's held poll answered, among them: p50 {:.1} ms, max {:.1} ms ({wakes} pushes, each a whole sync)",
        before as f64 / 1024.0,
        holding as f64 / 1024.0,
        holding.saturating_sub(before) as f64 / n as f64,
        percentile(&wake_ms, 0.5),
        wake_ms.last().copied().unwrap_or(f64::NAN),
    );
    for p in polls {
        p.abort();
    }
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (farms, window, period) = if full {
        (8, Duration::from_secs(120), Duration::from_secs(30))
    } else {
        (2, Duration::from_secs(4), Duration::from_secs(2))
    };
    let rt = rt();
    let hub = HubProcess::start_with(&["--signup-burst", "1000"]);
    let proxy = rt.block_on(Counting::start(
        hub.url.trim_start_matches("http://").to_owned(),
    ));
    let phones: Vec<_> = (0..farms)
        .map(|i| {
            let farm = format!("Farm {i}");
            let code = hub.code(&[&farm], Role::Farmer);
            let phone = Device::enrolled(&rt, &proxy.url, &code, &format!("phone {i}"));
            let listing = phone
                .list(&farm, &ListingBuilder::new("Mangoes").stock(1_000))
                .id;
            phone.sync(&rt);
            (phone, listing)
        })
        .collect();
    println!("{}", machine::describe());
    println!(
        "{farms} phones, one off-air order each at a random moment in the first half of {} s; bytes through a counting proxy\n",
        window.as_secs()
    );
    println!(
        "{:<22} {:>12} {:>12} {:>16} {:>18} {:>8}",
        "waiting by", "order p50", "order max", "up B/phone·h", "down B/phone·h", "missed"
    );
    let mut rows = Vec::new();
    for mode in [Mode::Watch, Mode::Every(period)] {
        let f = round(&rt, &hub, &proxy, &phones, mode, window);
        println!(
            "{:<22} {:>9.0} ms {:>9.0} ms {:>16.0} {:>18.0} {:>8}",
            mode.name(),
            f.p50,
            f.max,
            f.up_per_hour,
            f.down_per_hour,
            f.missing
        );
        rows.push(f);
    }
    let (w, e) = (&rows[0], &rows[1]);
    println!(
        "\nlong poll vs sync every {} s: order latency p50 {:.3}×, bytes up {:.2}×, down {:.2}×",
        period.as_secs(),
        w.p50 / e.p50,
        w.up_per_hour / e.up_per_hour,
        w.down_per_hour / e.down_per_hour
    );
    assert_eq!(w.missing, 0, "the long poll missed an order");
    if full {
        held(&rt, &hub, 1_000, 20);
    }
}
