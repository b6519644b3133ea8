//! Order-to-farmer latency: from a buyer's POST to the order event reaching
//! the streaming farmer's device, with 100 buyers ordering during a live
//! session (a real hub process on loopback, the farmer's core recording a
//! live stream and following the room). Beside it, the peer: the same
//! buyers' POST round trips, which bound what any push design could reach.
//!
//! Run: `cargo bench -p farmlive-tests --bench live_orders` (or `cargo xtask bench`).

#![allow(clippy::unwrap_used)]

#[path = "../../core/benches/common/machine.rs"]
mod machine;

use farmlive_core::protocol::api::Role;
use farmlive_core::protocol::room::RoomEventBody;
use farmlive_core::protocol::{BuyerContact, Currency, Delivery, Money, OrderId};
use farmlive_core::sync::BuyerClient;
use farmlive_core::{FollowOptions, RoomSetup, Show, ShowConfig, ShowEvent};
use farmlive_live::{AudioInput, LiveConfig, VideoInput};
use farmlive_tests::{HubProcess, draft, rt};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BUYERS: usize = 100;
const ORDERS_EACH: usize = 3;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() {
    let rt = rt();
    // 100 buyers from one address: more than the sign-up burst allows.
    let hub = HubProcess::start_with(&["--signup-burst", "1000"]);
    let farmer = hub.device(&rt, &["Li orchard"], Role::Farmer, "Li's phone");
    let farm = farmer.farm("Li orchard");
    let mango = farmer
        .core
        .create_listing(farm, draft("Mangoes", 1_000_000))
        .unwrap();
    farmer.sync(&rt);
    let buyers: Vec<Arc<BuyerClient>> = (0..BUYERS)
        .map(|i| {
            let contact = BuyerContact {
                name: format!("Buyer{i}"),
                phone: format!("+86 139 0000 {i:04}"),
                address: "Sanya".into(),
            };
            Arc::new(
                rt.block_on(BuyerClient::sign_up(&hub.url, &contact))
                    .unwrap()
                    .0,
            )
        })
        .collect();

    let arrived: Arc<Mutex<HashMap<OrderId, Instant>>> = Arc::default();
    let listener = {
        let arrived = arrived.clone();
        Arc::new(move |e: ShowEvent| {
            if let ShowEvent::Room(e) = e {
                if let RoomEventBody::OrderPlaced { order, .. } = e.body {
                    arrived.lock().unwrap().insert(order, Instant::now());
                }
            }
        })
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut live = LiveConfig::new(640, 360);
    live.video = VideoInput::TestPattern;
    live.audio = AudioInput::Tone(440.0);
    live.record = Some(tmp.path().join("live.flv"));
    let show = rt
        .block_on(Show::start(
            farmer.core.clone(),
            ShowConfig {
                live,
                room: Some(RoomSetup {
                    farm,
                    title: "Mango harvest".into(),
                    shelf: vec![mango.id],
                    playback_url: None,
                }),
                follow: FollowOptions::default(),
            },
            listener,
        ))
        .unwrap();
    let room = show.room().unwrap().id;
    rt.block_on(show.pin(mango.id, Some(Money::from_minor(780, Currency::CNY))))
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));

    // Each buyer orders ORDERS_EACH times at staggered moments over ~6 s.
    let sent: Vec<(OrderId, Instant, Duration)> = rt.block_on(async {
        let mut tasks = Vec::new();
        for (i, b) in buyers.iter().enumerate() {
            let b = b.clone();
            tasks.push(tokio::spawn(async move {
                let mut out = Vec::new();
                for k in 0..ORDERS_EACH {
                    let offset = ((i * 7919 + k * 104_729) % 2_000) as u64;
                    tokio::time::sleep(Duration::from_millis(offset)).await;
                    let t0 = Instant::now();
                    let o = b
                        .order_in_room(room, None, 1, Delivery::Standard, &format!("b{i}o{k}"))
                        .await
                        .unwrap();
                    out.push((o.id, t0, t0.elapsed()));
                }
                out
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap());
        }
        all
    });
    let until = Instant::now() + Duration::from_secs(30);
    while arrived.lock().unwrap().len() < sent.len() && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(10));
    }
    let summary = rt.block_on(show.stop()).unwrap();
    let arrived = arrived.lock().unwrap();
    let missing = sent.iter().filter(|s| !arrived.contains_key(&s.0)).count();
    let mut to_farmer: Vec<f64> = sent
        .iter()
        .filter_map(|(id, t0, _)| arrived.get(id).map(|t1| (*t1 - *t0).as_secs_f64() * 1e3))
        .collect();
    let mut post: Vec<f64> = sent.iter().map(|s| s.2.as_secs_f64() * 1e3).collect();
    to_farmer.sort_by(f64::total_cmp);
    post.sort_by(f64::total_cmp);
    let (p50, p99) = (percentile(&to_farmer, 0.5), percentile(&to_farmer, 0.99));
    let (q50, q99) = (percentile(&post, 0.5), percentile(&post, 0.99));
    println!("{}", machine::describe());
    println!(
        "live orders: {} orders from {BUYERS} buyers during a live session ({} frames recorded); {missing} never reached the farmer",
        sent.len(),
        summary.stream.frames_encoded
    );
    println!(
        "order to farmer (buyer POST → event on the farmer's device): p50 {p50:.1} ms, p99 {p99:.1} ms, max {:.1} ms (target p99 ≤ 250 ms: {})",
        to_farmer.last().copied().unwrap_or(0.0),
        if p99 <= 250.0 && missing == 0 {
            "met"
        } else {
            "MISSED"
        }
    );
    println!(
        "peer: the buyer's own POST round trip: p50 {q50:.1} ms, p99 {q99:.1} ms; ratio order-to-farmer / POST: {:.2}× p50, {:.2}× p99",
        p50 / q50,
        p99 / q99
    );
}
