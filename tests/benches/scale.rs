//! The hub on one SQLite file, on one PostgreSQL database, and as three
//! processes over that database, side by side in one run on this machine:
//! push ops/s, pull changes/s, orders/s, and order → farmer latency with
//! 100 buyers ordering in a live room (the farmer following the room's
//! event stream on another process than most buyers reach).
//!
//! Real hub processes on loopback; PostgreSQL 15 with its durable defaults
//! (fsync, synchronous commit), as the SQLite hub syncs every commit
//! (`synchronous=FULL`). Ops are made by real cores offline, then pushed
//! raw over HTTP by concurrent devices (batches of 500), so the figures are
//! the hub's, not a device's SQLite. For PostgreSQL, the server's own
//! counters (`pg_stat_database`) give the cost per op: transactions, rows
//! written and read.
//!
//! Run: `cargo bench -p farmlive-tests --bench scale`. Without `--bench`
//! (as `cargo test` runs it) a small smoke round checks it works.

#![allow(clippy::unwrap_used)]

#[path = "../../core/benches/common/machine.rs"]
mod machine;

use farmlive_core::protocol::api::{ChangesPage, PushResponse, Role, sync};
use farmlive_core::protocol::ops::Op;
use farmlive_core::protocol::room::RoomEventBody;
use farmlive_core::protocol::{Delivery, ListingId, OrderId};
use farmlive_core::sync::BuyerClient;
use farmlive_tests::api::Api;
use farmlive_tests::pg::{PgCluster, database_of};
use farmlive_tests::{BuyerBuilder, Device, HubProcess, RoomBuilder, draft, rt};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How much work one configuration does.
struct Load {
    devices: usize,
    ops: usize,
    buyers: usize,
    orders_each: usize,
    room_orders_each: usize,
}

const FULL: Load = Load {
    devices: 4,
    ops: 20_000,
    buyers: 100,
    orders_each: 10,
    room_orders_each: 3,
};

const SMOKE: Load = Load {
    devices: 2,
    ops: 200,
    buyers: 6,
    orders_each: 2,
    room_orders_each: 1,
};

const PUSH_BATCH: usize = 500;
const PULL_PAGE: u32 = 1_000;

/// What one configuration measured.
#[derive(Default)]
struct Figures {
    push: f64,
    pull: f64,
    orders: f64,
    to_farmer_p50: f64,
    to_farmer_p99: f64,
    missing: usize,
    /// PostgreSQL's counters per pushed op: commits, rows written, rows read.
    pg_per_op: Option<(f64, f64, f64)>,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// A PostgreSQL database's counters: commits, rows written, rows read.
fn pg_counters(pg: &PgCluster, db: &str) -> (f64, f64, f64) {
    // Each server process flushes its counters at most once a second when
    // idle: wait for the hub's connections to flush, then read.
    std::thread::sleep(Duration::from_millis(1_500));
    let sql = format!(
        "SELECT pg_stat_force_next_flush(); SELECT xact_commit, \
         tup_inserted + tup_updated + tup_deleted, tup_fetched \
         FROM pg_stat_database WHERE datname = '{db}'"
    );
    let out = pg.psql(db, &sql);
    let row = out.lines().last().unwrap();
    let n: Vec<f64> = row.split('|').map(|v| v.parse().unwrap()).collect();
    (n[0], n[1], n[2])
}

/// Pushes `ops` raw, batch by batch, as the device with `token`.
async fn push_all(http: reqwest::Client, base: String, token: String, ops: Vec<Op>) {
    for batch in ops.chunks(PUSH_BATCH) {
        let reply: PushResponse = http
            .post(format!("{base}{}", sync::PUSH.path))
            .bearer_auth(&token)
            .json(&serde_json::json!({ "ops": batch }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(reply.results.len(), batch.len());
    }
}

/// Pulls the whole change feed in pages; how many changes.
async fn pull_all(http: reqwest::Client, base: String, token: String) -> usize {
    let (mut after, mut n) = (0, 0);
    loop {
        let call = sync::CHANGES
            .call()
            .with_query(&format!("after={after}&limit={PULL_PAGE}"));
        let page: ChangesPage = http
            .get(format!("{base}{}", call.path))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        n += page.changes.len();
        after = page.next;
        if !page.more {
            return n;
        }
    }
}

fn measure(hubs: &[HubProcess], pg: Option<(&PgCluster, &str)>, load: &Load) -> Figures {
    let rt = rt();
    let mut figures = Figures::default();
    let at = |i: usize| hubs[i % hubs.len()].url.clone();

    // Devices of one farm, each with its share of listings made offline.
    let devices: Vec<Device> = (0..load.devices)
        .map(|i| hubs[i % hubs.len()].device(&rt, &["Bench farm"], Role::Farmer, &format!("d{i}")))
        .collect();
    let farm = devices[0].farm("Bench farm");
    let mut work = Vec::new();
    for (i, d) in devices.iter().enumerate() {
        for k in 0..load.ops / load.devices {
            let title = format!("海南芒果 Guifei mangoes lot {i}-{k}");
            d.core
                .create_listing(farm, draft(&title, 1_000_000))
                .unwrap();
        }
        let ops: Vec<Op> = d.pending();
        work.push((at(i), d.token(), ops));
    }
    let listings: Vec<ListingId> = devices[0]
        .core
        .listings(&Default::default())
        .unwrap()
        .iter()
        .map(|l| l.id)
        .take(50)
        .collect();
    let http = reqwest::Client::new();

    // Push.
    let before = pg.map(|(c, db)| pg_counters(c, db));
    let started = Instant::now();
    rt.block_on(async {
        let tasks: Vec<_> = work
            .iter()
            .map(|(base, token, ops)| {
                tokio::spawn(push_all(
                    http.clone(),
                    base.clone(),
                    token.clone(),
                    ops.clone(),
                ))
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
    });
    let pushed: usize = work.iter().map(|w| w.2.len()).sum();
    figures.push = pushed as f64 / started.elapsed().as_secs_f64();
    if let (Some((c, db)), Some(b)) = (pg, before) {
        let a = pg_counters(c, db);
        let per = |x: f64, y: f64| (x - y) / pushed as f64;
        figures.pg_per_op = Some((per(a.0, b.0), per(a.1, b.1), per(a.2, b.2)));
    }

    // Pull: every device reads the whole feed at once.
    let started = Instant::now();
    let pulled: usize = rt.block_on(async {
        let tasks: Vec<_> = work
            .iter()
            .map(|(base, token, _)| {
                tokio::spawn(pull_all(http.clone(), base.clone(), token.clone()))
            })
            .collect();
        let mut n = 0;
        for t in tasks {
            n += t.await.unwrap();
        }
        n
    });
    assert!(pulled >= pushed, "every device pulls every change");
    figures.pull = pulled as f64 / started.elapsed().as_secs_f64();

    // Orders from the shop, buyers spread over the processes.
    let buyers: Vec<Arc<BuyerClient>> = (0..load.buyers)
        .map(|i| Arc::new(rt.block_on(BuyerBuilder::new(&format!("b{i}")).sign_up(&at(i)))))
        .collect();
    let started = Instant::now();
    rt.block_on(async {
        let tasks: Vec<_> = buyers
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let (b, listings, n) = (b.clone(), listings.clone(), load.orders_each);
                tokio::spawn(async move {
                    for k in 0..n {
                        let l = listings[(i * 7 + k) % listings.len()];
                        b.order(l, 1, Delivery::Standard, &format!("s{i}-{k}"))
                            .await
                            .unwrap();
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
    });
    figures.orders = (load.buyers * load.orders_each) as f64 / started.elapsed().as_secs_f64();

    // Order → farmer: the farmer follows the room on the last process.
    let farmer = &devices[0];
    let token = farmer.token();
    let api = Api::new(&hubs[0].url);
    let (room, _) = rt.block_on(api.open(&token, &RoomBuilder::new(farm, &listings[..1])));
    rt.block_on(api.pin(&token, room, listings[0], Some(780)));
    let follow_at = Api::new(&hubs[hubs.len() - 1].url);
    let mut follower = rt.block_on(follow_at.follow(room, &token, None));
    let arrived: Arc<Mutex<HashMap<OrderId, Instant>>> = Arc::default();
    let expected = load.buyers * load.room_orders_each;
    let listen = {
        let arrived = arrived.clone();
        rt.spawn(async move {
            while let Some(e) = follower.next().await {
                if let RoomEventBody::OrderPlaced { order, .. } = e.body {
                    let mut a = arrived.lock().unwrap();
                    a.insert(order, Instant::now());
                    if a.len() == expected {
                        return;
                    }
                }
            }
        })
    };
    std::thread::sleep(Duration::from_millis(300));
    let sent: Vec<(OrderId, Instant)> = rt.block_on(async {
        let tasks: Vec<_> = buyers
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let (b, n) = (b.clone(), load.room_orders_each);
                tokio::spawn(async move {
                    let mut out = Vec::new();
                    for k in 0..n {
                        let offset = ((i * 7919 + k * 104_729) % 2_000) as u64;
                        tokio::time::sleep(Duration::from_millis(offset)).await;
                        let t0 = Instant::now();
                        let o = b
                            .order_in_room(room, None, 1, Delivery::Standard, &format!("r{i}-{k}"))
                            .await
                            .unwrap();
                        out.push((o.id, t0));
                    }
                    out
                })
            })
            .collect();
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap());
        }
        all
    });
    let until = Instant::now() + Duration::from_secs(30);
    while !listen.is_finished() && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(10));
    }
    listen.abort();
    let arrived = arrived.lock().unwrap();
    figures.missing = sent.iter().filter(|s| !arrived.contains_key(&s.0)).count();
    let mut lat: Vec<f64> = sent
        .iter()
        .filter_map(|(id, t0)| arrived.get(id).map(|t1| (*t1 - *t0).as_secs_f64() * 1e3))
        .collect();
    lat.sort_by(f64::total_cmp);
    if !lat.is_empty() {
        figures.to_farmer_p50 = percentile(&lat, 0.5);
        figures.to_farmer_p99 = percentile(&lat, 0.99);
    }
    figures
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let load = if full { &FULL } else { &SMOKE };
    let flags = ["--signup-burst", "100000"];
    println!("{}", machine::describe());

    let mut rows = Vec::new();
    {
        let hub = HubProcess::start_with(&flags);
        rows.push((
            "one SQLite hub",
            measure(std::slice::from_ref(&hub), None, load),
        ));
    }
    let pg = if full {
        PgCluster::start_durable()
    } else {
        PgCluster::start()
    };
    for n in [1, 3] {
        let url = pg.create_database();
        let db = database_of(&url).to_owned();
        rt().block_on(farmlive_hub::store::migrate(
            &farmlive_hub::DbTarget::Postgres(url.clone()),
        ))
        .unwrap();
        let data = tempfile::tempdir().unwrap();
        let hubs: Vec<HubProcess> = (0..n)
            .map(|_| {
                HubProcess::start_on_postgres_with(&url, data.path(), "127.0.0.1:0", &[], &flags)
            })
            .collect();
        let name = if n == 1 {
            "one PostgreSQL hub"
        } else {
            "three PostgreSQL hubs"
        };
        rows.push((name, measure(&hubs, Some((&pg, &db)), load)));
    }

    println!(
        "{} ops pushed by {} devices (batches of {PUSH_BATCH}); each device pulls the feed (pages of {PULL_PAGE}); {} buyers × {} shop orders; {} buyers × {} room orders",
        load.ops, load.devices, load.buyers, load.orders_each, load.buyers, load.room_orders_each
    );
    println!(
        "| | push ops/s | pull changes/s | orders/s | order → farmer p50 / p99 ms | missing |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: |");
    for (name, f) in &rows {
        println!(
            "| {name} | {:.0} | {:.0} | {:.0} | {:.1} / {:.1} | {} |",
            f.push, f.pull, f.orders, f.to_farmer_p50, f.to_farmer_p99, f.missing
        );
        assert_eq!(f.missing, 0, "{name}: every room order reached the farmer");
    }
    let sqlite = &rows[0].1;
    let one_pg = &rows[1].1;
    println!(
        "one PostgreSQL hub / one SQLite hub: push {:.2}×, pull {:.2}×, orders {:.2}× (target ≥ 0.5× push and pull)",
        one_pg.push / sqlite.push,
        one_pg.pull / sqlite.pull,
        one_pg.orders / sqlite.orders
    );
    for (name, f) in &rows {
        if let Some((commits, written, read)) = f.pg_per_op {
            println!(
                "{name}: per pushed op, {commits:.3} commits, {written:.2} rows written, {read:.1} rows read"
            );
        }
    }
}
