//! One hub as several processes over one PostgreSQL database: real
//! `farmlive-hubd` processes sharing the database and a data folder, as a
//! programme runs them behind a load balancer. What must hold across
//! processes, with clients switching between them, retrying, and
//! processes killed (SIGKILL) and restarted:
//! - stock is never oversold, whichever process each buyer reaches;
//! - each op is applied exactly once, and the change feed every process
//!   serves is the same and has no gap;
//! - a process killed in the middle of a device's push loses nothing and
//!   doubles nothing once the device syncs again;
//! - a room's events reach followers on every process, and a rolling
//!   restart loses none: the stream ends with a reconnect hint and resumes
//!   on the other process.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use farmlive_core::protocol::api::{ChangesPage, Outcome, PushResponse, Role, sync};
use farmlive_core::protocol::ops::Op;
use farmlive_core::protocol::room::{RoomEvent, RoomEventBody};
use farmlive_core::protocol::{Delivery, ListingId, OrderId};
use farmlive_core::sync::BuyerClient;
use farmlive_core::{Error, OrderFilter, SyncOptions};
use farmlive_tests::api::Api;
use farmlive_tests::stores::migrated_database;
use farmlive_tests::{BuyerBuilder, Device, HubProcess, ListingBuilder, RoomBuilder, rt};
use std::path::Path;
use std::time::{Duration, Instant};

/// `n` hub processes over the database `url`, sharing `data`.
fn processes(url: &str, data: &Path, n: usize) -> Vec<HubProcess> {
    (0..n)
        .map(|_| HubProcess::start_on_postgres(url, data, "127.0.0.1:0"))
        .collect()
}

/// The address a process listens on (`127.0.0.1:PORT`), to restart it there.
fn listen_of(hub: &HubProcess) -> String {
    hub.url.trim_start_matches("http://").to_owned()
}

/// Pushes `ops` to the hub at `base` with `token`: each op's outcome, or
/// the transport error if the process is gone (killed mid-request).
async fn try_push(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    ops: &[Op],
) -> Result<Vec<Outcome>, String> {
    let reply = http
        .post(format!("{base}{}", sync::PUSH.path))
        .bearer_auth(token)
        .json(&serde_json::json!({ "ops": ops }))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = reply.status();
    let body = reply.text().await.map_err(|e| e.to_string())?;
    assert_eq!(status, 200, "{body}");
    let reply: PushResponse = serde_json::from_str(&body).unwrap();
    Ok(reply.results.into_iter().map(|r| r.outcome).collect())
}

/// Every change's seq the hub at `base` serves, pulled in pages of 7.
async fn feed(http: &reqwest::Client, base: &str, token: &str) -> Vec<u64> {
    let (mut after, mut seqs) = (0, Vec::new());
    loop {
        let call = sync::CHANGES
            .call()
            .with_query(&format!("after={after}&limit=7"));
        let page: ChangesPage = http
            .get(format!("{base}{}", call.path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        seqs.extend(page.changes.iter().map(|c| c.seq));
        after = page.next;
        if !page.more {
            return seqs;
        }
    }
}

/// A device of "Li farm" enrolled through `hub`, with a listing of `stock`
/// boxes synced: the device and the listing.
fn farmer_with_listing(
    rt: &tokio::runtime::Runtime,
    hub: &HubProcess,
    stock: i64,
) -> (Device, ListingId) {
    let phone = hub.device(rt, &["Li farm"], Role::Farmer, "phone");
    let listing = phone
        .list("Li farm", &ListingBuilder::new("Durian").stock(stock))
        .id;
    phone.sync(rt);
    (phone, listing)
}

/// Fifty buyers, spread over three processes, race for the last three
/// boxes at once: exactly three orders, the rest refused as out of stock,
/// and the farm's phones, syncing through different processes, see stock
/// 0 and the three orders.
#[test]
fn fifty_buyers_on_three_processes_buy_exactly_the_last_three_boxes() {
    const BUYERS: usize = 50;
    let (_cluster, url) = migrated_database();
    let data = tempfile::tempdir().unwrap();
    let hubs = processes(&url, data.path(), 3);
    let rt = rt();
    let (phone, listing) = farmer_with_listing(&rt, &hubs[0], 3);

    let buyers: Vec<_> = (0..BUYERS)
        .map(|i| {
            let hub = &hubs[i % hubs.len()].url;
            std::sync::Arc::new(rt.block_on(BuyerBuilder::new(&format!("buyer {i}")).sign_up(hub)))
        })
        .collect();
    let results: Vec<Result<_, Error>> = rt.block_on(async {
        let racers: Vec<_> = buyers
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let b = b.clone();
                tokio::spawn(async move {
                    b.order(listing, 1, Delivery::Standard, &format!("k{i}"))
                        .await
                })
            })
            .collect();
        let mut out = Vec::new();
        for r in racers {
            out.push(r.await.unwrap());
        }
        out
    });
    let sold = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(sold, 3, "exactly three boxes sold: {results:?}");
    for r in results.iter().filter(|r| r.is_err()) {
        assert!(
            matches!(r, Err(Error::Hub { status: 409, code, .. }) if code == "out_of_stock"),
            "{r:?}"
        );
    }
    let winners: std::collections::BTreeSet<usize> = results
        .iter()
        .enumerate()
        .filter(|(_, r)| r.is_ok())
        .map(|(i, _)| i % hubs.len())
        .collect();
    println!("the three orders went through processes {winners:?}");

    // The farm's other phone, enrolled and syncing through process C,
    // and the first phone syncing again through A: both see the same.
    let tablet = hubs[2].device(&rt, &["Li farm"], Role::Farmer, "tablet");
    tablet.sync(&rt);
    phone.sync(&rt);
    for device in [&phone, &tablet] {
        assert_eq!(device.core.listing(listing).unwrap().stock, 0);
        let orders = device.core.orders(&OrderFilter::default()).unwrap();
        assert_eq!(orders.len(), 3);
    }
    assert_eq!(
        hubs[1].census().orders,
        3,
        "the database holds three orders"
    );
}

/// A device's ops pushed alternately through two processes, each batch
/// sent to one and then retried on the other, with the first process
/// SIGKILLed and restarted between rounds: each op is applied exactly
/// once, every stock edit counts, and both processes serve the same
/// gap-free change feed.
#[test]
fn ops_pushed_through_alternating_processes_with_kills_apply_exactly_once() {
    const EDITS: usize = 24;
    let (_cluster, url) = migrated_database();
    let data = tempfile::tempdir().unwrap();
    let mut hubs = processes(&url, data.path(), 2);
    let rt = rt();
    let (phone, listing) = farmer_with_listing(&rt, &hubs[0], 100);
    for _ in 0..EDITS {
        phone.core.adjust_stock(listing, -1).unwrap();
    }
    let ops: Vec<Op> = phone.pending();
    assert_eq!(ops.len(), EDITS);
    let token = phone.token();
    let http = reqwest::Client::new();

    let mut applied = 0;
    for (round, batch) in ops.chunks(4).enumerate() {
        let (first, second) = if round % 2 == 0 { (0, 1) } else { (1, 0) };
        for (i, at) in [first, second].into_iter().enumerate() {
            let outcomes = rt
                .block_on(try_push(&http, &hubs[at].url, &token, batch))
                .unwrap();
            for o in outcomes {
                match (i, o) {
                    (0, Outcome::Applied) => applied += 1,
                    (1, Outcome::Duplicate) => {}
                    other => panic!("round {round}, push {i}: {other:?}"),
                }
            }
        }
        if round % 2 == 1 {
            // SIGKILL process A between rounds and bring it back where it was.
            let at = listen_of(&hubs[0]);
            hubs[0].stop();
            hubs[0] = HubProcess::start_on_postgres(&url, data.path(), &at);
        }
    }
    assert_eq!(applied, EDITS, "each op applied once");
    assert_eq!(hubs[1].listing(listing).stock, 100 - EDITS as i64);
    assert_eq!(hubs[0].census().ops, 1 + EDITS as u64);

    let a = rt.block_on(feed(&http, &hubs[0].url, &token));
    let b = rt.block_on(feed(&http, &hubs[1].url, &token));
    assert_eq!(a, b, "both processes serve the same feed");
    let want: Vec<u64> = (1..=a.len() as u64).collect();
    assert_eq!(a, want, "the feed has no gap and no repeat");
    assert_eq!(a.len(), 1 + EDITS, "one change per op");
}

/// A device syncing many ops through a process that is SIGKILLed while
/// the push is under way (some ops already applied, not all): the sync
/// fails, the process is restarted, the device syncs again, and the hub
/// holds every op exactly once with every stock edit counted.
#[test]
fn a_process_killed_mid_push_then_restarted_loses_and_doubles_nothing() {
    const EDITS: usize = 1_500;
    let (_cluster, url) = migrated_database();
    let data = tempfile::tempdir().unwrap();
    let mut hub = HubProcess::start_on_postgres(&url, data.path(), "127.0.0.1:0");
    let rt = rt();
    let (phone, listing) = farmer_with_listing(&rt, &hub, 10_000);
    for _ in 0..EDITS {
        phone.core.adjust_stock(listing, -1).unwrap();
    }
    // Small batches, so the push is many requests and the kill lands
    // between or inside them rather than after the last.
    let options = SyncOptions {
        push_batch: 20,
        ..SyncOptions::default()
    };
    let store = hub.store();
    let before = store.census().unwrap().ops;
    let syncing = {
        let (core, options) = (phone.core.clone(), options.clone());
        std::thread::spawn(move || {
            rt.block_on(core.sync(&options, &farmlive_core::CancelToken::new(), &|_| {}))
        })
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while store.census().unwrap().ops < before + 40 {
        assert!(Instant::now() < deadline, "the push never started");
        std::thread::sleep(Duration::from_millis(2));
    }
    let at = listen_of(&hub);
    hub.stop();
    let applied_at_kill = store.census().unwrap().ops - before;
    let first = syncing.join().unwrap();
    assert!(first.is_err(), "the sync saw its hub die: {first:?}");
    assert!(
        (applied_at_kill as usize) < EDITS,
        "the kill landed mid-push ({applied_at_kill} of {EDITS} applied)"
    );

    let hub = HubProcess::start_on_postgres(&url, data.path(), &at);
    let rt = farmlive_tests::rt();
    let report = phone.try_sync(&rt, &options).unwrap();
    assert!(report.progress.ops_pushed as usize <= EDITS, "{report:?}");
    assert!(
        phone.core.pending_ops(10).unwrap().is_empty(),
        "nothing left to send"
    );
    assert_eq!(hub.census().ops, before + EDITS as u64, "each op once");
    assert_eq!(hub.listing(listing).stock, 10_000 - EDITS as i64);
    assert_eq!(
        phone.core.listing(listing).unwrap().stock,
        10_000 - EDITS as i64
    );
}

/// A buyer follows a room on process A while orders arrive through B; A
/// is stopped (SIGTERM, as in a rolling restart) and the stream ends with
/// its reconnect hint; the buyer resumes on B with `Last-Event-ID` while
/// more orders arrive, then A comes back and takes orders again: every
/// order's event is seen exactly once, in id order, and none is lost.
#[test]
fn a_rolling_restart_loses_no_room_event_and_followers_resume_on_the_other_process() {
    let (_cluster, url) = migrated_database();
    let data = tempfile::tempdir().unwrap();
    let mut hubs = processes(&url, data.path(), 2);
    let rt = rt();
    let (phone, listing) = farmer_with_listing(&rt, &hubs[0], 100);
    let farm = phone.farm("Li farm");
    let (api_a, api_b) = (Api::new(&hubs[0].url), Api::new(&hubs[1].url));
    let token = phone.token();
    let (room, _) = rt.block_on(api_a.open(&token, &RoomBuilder::new(farm, &[listing])));
    let buyer_token = rt.block_on(api_a.buyer("Wang"));
    let order_via = |base: &str, key: &str| {
        let buyer = BuyerClient::with_token(base, &buyer_token).unwrap();
        rt.block_on(buyer.order_in_room(room, Some(listing), 1, Delivery::Standard, key))
            .unwrap()
            .id
    };
    let placed_events = |events: Vec<RoomEvent>| -> Vec<(u64, OrderId)> {
        events
            .into_iter()
            .filter_map(|e| match e.body {
                RoomEventBody::OrderPlaced { order, .. } => Some((e.id, order)),
                _ => None,
            })
            .collect()
    };

    let mut on_a = rt.block_on(api_a.follow(room, &buyer_token, None));
    let mut placed = Vec::new();
    for k in 0..3 {
        placed.push(order_via(&hubs[1].url, &format!("b{k}")));
    }
    let mut seen: Vec<(u64, OrderId)> = Vec::new();
    while seen.len() < 3 {
        let e = rt.block_on(on_a.next()).expect("events from B reach A");
        seen.extend(placed_events(vec![e]));
    }

    hubs[0].send_term();
    seen.extend(placed_events(rt.block_on(on_a.rest())));
    assert_eq!(
        on_a.retry_ms(),
        Some(1000),
        "the stream ended with its reconnect hint"
    );
    for k in 3..5 {
        placed.push(order_via(&hubs[1].url, &format!("b{k}")));
    }
    let last = seen.last().map(|(id, _)| *id);
    let mut on_b = rt.block_on(api_b.follow(room, &buyer_token, last));
    while seen.len() < 5 {
        let e = rt.block_on(on_b.next()).expect("resumed on B");
        seen.extend(placed_events(vec![e]));
    }
    assert!(hubs[0].wait_exit(Duration::from_secs(30)), "A stopped");
    let at = listen_of(&hubs[0]);
    hubs[0] = HubProcess::start_on_postgres(&url, data.path(), &at);
    placed.push(order_via(&hubs[0].url, "a5"));
    while seen.len() < 6 {
        let e = rt
            .block_on(on_b.next())
            .expect("an order through the restarted A");
        seen.extend(placed_events(vec![e]));
    }

    let ids: Vec<u64> = seen.iter().map(|(id, _)| *id).collect();
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "in id order, no repeat: {ids:?}"
    );
    let orders: Vec<OrderId> = seen.iter().map(|(_, o)| *o).collect();
    assert_eq!(orders, placed, "each order's event exactly once");
    assert_eq!(hubs[1].census().orders, 6);
}
