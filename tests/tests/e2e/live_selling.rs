//! Live selling end to end: the real hub (its own process), the farmer's
//! core streaming to a real nginx-rtmp ingest while following the room, and
//! simulated buyers ordering and commenting over HTTP.

#![allow(clippy::unwrap_used)]

#[path = "../../../core/live/tests/common/mod.rs"]
mod ingest;

use farmlive_core::protocol::api::Role;
use farmlive_core::protocol::room::{RoomEvent, RoomEventBody, RoomStatus};
use farmlive_core::protocol::{Currency, Delivery, ListingId, Money, OrderId};
use farmlive_core::sync::BuyerClient;
use farmlive_core::{
    CancelToken, FollowEnd, FollowOptions, OrderFilter, RoomLink, RoomSetup, Show, ShowConfig,
    ShowEvent,
};
use farmlive_hub::rooms::STREAMS_PER_VIEWER;
use farmlive_live::{AudioInput, IngestUrl, LiveConfig, VideoInput};
use farmlive_tests::proxy::{Fault, FaultyProxy};
use farmlive_tests::{BuyerBuilder, Device, HubProcess, ListingBuilder, RoomBuilder, rt};
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::runtime::Runtime;

const FARM: &str = "Li orchard";

fn cny(minor: i64) -> Money {
    Money::from_minor(minor, Currency::CNY)
}

fn buyers(rt: &Runtime, hub: &str, n: usize) -> Vec<Arc<BuyerClient>> {
    (0..n)
        .map(|i| {
            let buyer = BuyerBuilder::new(&format!("Buyer{i} Surname"))
                .phone(&format!("+86 139 0000 {i:04}"))
                .address(&format!("{i} Coconut Road, Sanya"));
            Arc::new(rt.block_on(buyer.sign_up(hub)))
        })
        .collect()
}

/// A farmer's phone with mangoes (10.00/kg) and lychees on the hub.
fn farm(rt: &Runtime, hub: &HubProcess, mango_stock: i64) -> (Device, ListingId, ListingId) {
    let farmer = hub.device(rt, &[FARM], Role::Farmer, "Li's phone");
    let mango = farmer.list(FARM, &ListingBuilder::new("Mangoes").stock(mango_stock));
    let lychee = farmer.list(FARM, &ListingBuilder::new("Lychees").stock(500));
    farmer.sync(rt);
    (farmer, mango.id, lychee.id)
}

fn setup(farmer: &Device, shelf: Vec<ListingId>) -> RoomSetup {
    RoomBuilder::new(farmer.farm(FARM), &shelf).setup()
}

fn collector() -> (Arc<Mutex<Vec<RoomEvent>>>, farmlive_core::ShowListener) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    let listener = Arc::new(move |e: ShowEvent| {
        if let ShowEvent::Room(e) = e {
            s.lock().unwrap().push(e);
        }
    });
    (seen, listener)
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let until = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < until, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn orders_seen(events: &[RoomEvent]) -> Vec<(OrderId, Money, bool)> {
    events
        .iter()
        .filter_map(|e| match &e.body {
            RoomEventBody::OrderPlaced {
                order,
                unit_price,
                live_price,
                ..
            } => Some((*order, *unit_price, *live_price)),
            _ => None,
        })
        .collect()
}

#[test]
fn orders_during_the_pin_get_the_live_price_and_reach_the_streaming_farmer() {
    ingest::need("ffprobe");
    let rt = rt();
    let hub = HubProcess::start();
    let (farmer, mango, lychee) = farm(&rt, &hub, 1_000);
    let tmp = tempfile::tempdir().unwrap();
    let nginx = ingest::Nginx::start(tmp.path());
    let mut live = LiveConfig::new(640, 360);
    live.video = VideoInput::TestPattern;
    live.audio = AudioInput::Tone(440.0);
    live.ingest = Some(IngestUrl::parse(&nginx.url("mango-live")).unwrap());
    let (seen, listener) = collector();
    let config = ShowConfig {
        live,
        room: Some(setup(&farmer, vec![mango, lychee])),
        follow: FollowOptions::default(),
    };
    let show = rt
        .block_on(Show::start(farmer.core.clone(), config, listener))
        .unwrap();
    let room = show.room().unwrap().id;
    let shoppers = buyers(&rt, &hub.url, 6);

    // Before the pin: the usual price.
    let before = rt
        .block_on(shoppers[0].order(mango, 1, Delivery::Standard, "before"))
        .unwrap();
    assert_eq!(before.unit_price, cny(1000));

    // Pinned at 7.80: every order for mangoes placed now pays it, from the
    // room or through the plain order API, concurrently.
    rt.block_on(show.pin(mango, Some(cny(780)))).unwrap();
    let during: Vec<_> = rt.block_on(async {
        let mut tasks = Vec::new();
        for (i, b) in shoppers.iter().enumerate() {
            let b = b.clone();
            tasks.push(tokio::spawn(async move {
                if i % 2 == 0 {
                    b.order_in_room(room, None, 2, Delivery::NonContact, &format!("d{i}"))
                        .await
                } else {
                    b.order(mango, 2, Delivery::Standard, &format!("d{i}"))
                        .await
                }
            }));
        }
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.unwrap().unwrap());
        }
        out
    });
    assert!(
        during
            .iter()
            .all(|o| o.unit_price == cny(780) && o.total == cny(1560))
    );
    // Another listing of the shelf, not pinned: its own price.
    let other = rt
        .block_on(shoppers[1].order_in_room(room, Some(lychee), 1, Delivery::Standard, "ly"))
        .unwrap();
    assert_eq!(other.unit_price, cny(1000));

    // Unpinned: the live price is gone at once.
    rt.block_on(show.unpin()).unwrap();
    let after = rt
        .block_on(shoppers[2].order(mango, 1, Delivery::Standard, "after"))
        .unwrap();
    assert_eq!(after.unit_price, cny(1000));
    let no_pin = rt.block_on(shoppers[3].order_in_room(room, None, 1, Delivery::Standard, "np"));
    assert!(
        no_pin.is_err(),
        "ordering \"the pinned one\" with none pinned"
    );

    // The farmer, still on air, sees each order once, with its price.
    let placed: Vec<OrderId> = during
        .iter()
        .chain([&before, &other, &after])
        .map(|o| o.id)
        .collect();
    wait_for("the orders on the farmer's phone", || {
        orders_seen(&seen.lock().unwrap()).len() >= placed.len()
    });
    // The stream reaches the ingest all the while.
    wait_for("frames at the ingest", || {
        let s = show.stream_stats();
        s.connected && s.frames_sent > 0
    });
    assert!(!show.stream_finished());
    let summary = rt.block_on(show.stop()).unwrap();

    let events = seen.lock().unwrap().clone();
    let orders = orders_seen(&events);
    let ids: BTreeSet<OrderId> = orders.iter().map(|o| o.0).collect();
    assert_eq!(orders.len(), ids.len(), "an order was delivered twice");
    // Every order for a listing of the shelf while the room is live.
    assert_eq!(ids, placed.iter().copied().collect());
    let by_id: HashMap<OrderId, (Money, bool)> = orders.iter().map(|o| (o.0, (o.1, o.2))).collect();
    for o in &during {
        assert_eq!(by_id[&o.id], (cny(780), true));
    }
    assert_eq!(by_id[&before.id], (cny(1000), false));
    assert_eq!(by_id[&after.id], (cny(1000), false));
    assert!(matches!(events.last().unwrap().body, RoomEventBody::Ended));
    assert!(events.windows(2).all(|w| w[0].id < w[1].id));
    assert_eq!(summary.orders, placed.len() as u64);

    // The orders landed in the phone's store through sync.
    let local: BTreeSet<OrderId> = farmer
        .core
        .orders(&OrderFilter::default())
        .unwrap()
        .iter()
        .map(|o| o.state.id)
        .collect();
    assert!(placed.iter().all(|id| local.contains(id)));
    // And the stream reached the ingest while all this went on.
    let recordings = nginx.recordings();
    assert_eq!(recordings.len(), 1);
    let streams = ingest::streams(&recordings[0]);
    assert!(
        streams.iter().any(|s| s.0 == "h264") && streams.iter().any(|s| s.0 == "aac"),
        "{streams:?}"
    );
}

#[test]
fn the_farmer_sees_every_order_and_comment_exactly_once_across_dropped_connections() {
    let rt = rt();
    let hub = HubProcess::start();
    let (farmer, mango, _) = farm(&rt, &hub, 1_000);
    let view = rt
        .block_on(farmer.core.open_room(&setup(&farmer, vec![mango])))
        .unwrap();
    rt.block_on(farmer.core.pin(view.id, mango, Some(cny(800))))
        .unwrap();
    // From now on the phone reaches the hub only through a proxy that drops,
    // resets, stalls and cuts connections, and kills even good ones within
    // 20–220 ms, as a weak mobile link does.
    let upstream = hub.url.trim_start_matches("http://").to_owned();
    let proxy = rt.block_on(FaultyProxy::start(upstream, 0x5ee));
    rusqlite::Connection::open(farmer.dir.path().join(farmlive_core::DB_FILE))
        .unwrap()
        .execute(
            "UPDATE meta SET value = ?1 WHERE key = 'hub_url'",
            [&proxy.url],
        )
        .unwrap();

    let seen: Arc<Mutex<Vec<RoomEvent>>> = Arc::default();
    let reconnects = Arc::new(Mutex::new(0u32));
    let follow = |cancel: CancelToken| {
        let core = farmer.core.clone();
        let (seen, reconnects) = (seen.clone(), reconnects.clone());
        rt.spawn(async move {
            let options = FollowOptions {
                backoff: farmlive_core::sync::Backoff {
                    base: Duration::from_millis(20),
                    max: Duration::from_millis(200),
                    attempts: u32::MAX,
                },
                ..FollowOptions::default()
            };
            core.follow_room(
                view.id,
                &options,
                &cancel,
                &|e| seen.lock().unwrap().push(e.clone()),
                &|l| {
                    if matches!(l, farmlive_core::RoomLink::Reconnecting { .. }) {
                        *reconnects.lock().unwrap() += 1;
                    }
                },
            )
            .await
        })
    };
    let first_run = CancelToken::new();
    let mut follower = Some(follow(first_run.clone()));

    let shoppers = buyers(&rt, &hub.url, 20);
    let mut placed = BTreeSet::new();
    let mut said = BTreeSet::new();
    for round in 0..3 {
        if round == 2 {
            // The app is killed and restarted mid-stream: a new follower
            // resumes from the cursor stored with the last event.
            first_run.cancel();
            let first = follower.take().unwrap();
            assert_eq!(rt.block_on(first).unwrap().unwrap(), FollowEnd::Cancelled);
        }
        let results = rt.block_on(async {
            let mut tasks = Vec::new();
            for (i, b) in shoppers.iter().enumerate() {
                let b = b.clone();
                tasks.push(tokio::spawn(async move {
                    let text = format!("round {round} from buyer {i}");
                    let c = b.comment(view.id, &text).await.unwrap();
                    let o = b
                        .order_in_room(
                            view.id,
                            None,
                            1,
                            Delivery::Standard,
                            &format!("r{round}b{i}"),
                        )
                        .await
                        .unwrap();
                    (text, c, o)
                }));
                tokio::time::sleep(Duration::from_millis(15)).await;
            }
            let mut out = Vec::new();
            for t in tasks {
                out.push(t.await.unwrap());
            }
            out
        });
        for (text, _, order) in results {
            said.insert(text);
            placed.insert(order.id);
        }
    }
    let restarted = follow(CancelToken::new());
    std::thread::sleep(Duration::from_millis(500));
    proxy
        .faults
        .store(false, std::sync::atomic::Ordering::SeqCst);
    rt.block_on(farmer.core.end_room(view.id)).unwrap();
    assert_eq!(rt.block_on(restarted).unwrap().unwrap(), FollowEnd::Ended);

    let events = seen.lock().unwrap().clone();
    assert!(
        events.windows(2).all(|w| w[0].id < w[1].id),
        "out of order or repeated"
    );
    let orders: Vec<OrderId> = orders_seen(&events).iter().map(|o| o.0).collect();
    let comments: Vec<String> = events
        .iter()
        .filter_map(|e| match &e.body {
            RoomEventBody::Comment { text, .. } => Some(text.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(orders.len(), placed.len(), "orders missed or repeated");
    assert_eq!(orders.into_iter().collect::<BTreeSet<_>>(), placed);
    assert_eq!(comments.len(), said.len(), "comments missed or repeated");
    assert_eq!(comments.into_iter().collect::<BTreeSet<_>>(), said);
    // The faults really happened, and the follower really reconnected.
    assert!(proxy.count(Fault::Pass) > 3 && proxy.count(Fault::Drop) > 0);
    assert!(*reconnects.lock().unwrap() >= 3);
    // Every event is kept on the phone, once.
    let stored = farmer.core.room_events(view.id, 0, 10_000).unwrap();
    assert_eq!(stored, events);
}

#[test]
fn fifty_buyers_at_once_never_take_stock_below_zero() {
    let rt = rt();
    let hub = HubProcess::start();
    let (farmer, mango, _) = farm(&rt, &hub, 20);
    let (seen, listener) = collector();
    let mut live = LiveConfig::new(320, 240);
    let tmp = tempfile::tempdir().unwrap();
    live.record = Some(tmp.path().join("rush.flv"));
    let config = ShowConfig {
        live,
        room: Some(setup(&farmer, vec![mango])),
        follow: FollowOptions::default(),
    };
    let show = rt
        .block_on(Show::start(farmer.core.clone(), config, listener))
        .unwrap();
    let room = show.room().unwrap().id;
    rt.block_on(show.pin(mango, Some(cny(500)))).unwrap();
    let shoppers = buyers(&rt, &hub.url, 50);
    let results = rt.block_on(async {
        let start = Arc::new(tokio::sync::Barrier::new(shoppers.len()));
        let mut tasks = Vec::new();
        for (i, b) in shoppers.iter().enumerate() {
            let (b, start) = (b.clone(), start.clone());
            tasks.push(tokio::spawn(async move {
                start.wait().await;
                b.order_in_room(room, None, 1, Delivery::Standard, &format!("rush{i}"))
                    .await
            }));
        }
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.unwrap());
        }
        out
    });
    let sold: Vec<_> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(sold.len(), 20, "exactly the stock is sold");
    for r in results.iter().filter_map(|r| r.as_ref().err()) {
        assert!(
            matches!(r, farmlive_core::Error::Hub { code, .. } if code == "out_of_stock"),
            "{r}"
        );
    }
    wait_for("20 orders on the farmer's phone", || {
        orders_seen(&seen.lock().unwrap()).len() >= 20
    });
    rt.block_on(show.stop()).unwrap();
    assert_eq!(orders_seen(&seen.lock().unwrap()).len(), 20);
    assert_eq!(hub.listing(mango).stock, 0);
    assert_eq!(farmer.core.listing(mango).unwrap().stock, 0);
}

#[test]
fn a_show_dropped_without_stop_ends_its_room() {
    let rt = rt();
    let hub = HubProcess::start();
    let (farmer, mango, _) = farm(&rt, &hub, 20);
    let tmp = tempfile::tempdir().unwrap();
    let mut live = LiveConfig::new(320, 240);
    live.record = Some(tmp.path().join("dropped.flv"));
    let config = ShowConfig {
        live,
        room: Some(setup(&farmer, vec![mango])),
        follow: FollowOptions::default(),
    };
    let (_, listener) = collector();
    let show = rt
        .block_on(Show::start(farmer.core.clone(), config, listener))
        .unwrap();
    let room = show.room().unwrap().id;
    // One store for the whole wait, not one opened per look.
    let store = hub.store();
    let status = || store.room(room).unwrap().status;
    assert_eq!(status(), RoomStatus::Live);
    drop(show);
    wait_for("the dropped show's room to end", || {
        status() == RoomStatus::Ended
    });
}

#[test]
fn a_buyer_over_the_stream_cap_waits_for_a_place_and_then_watches() {
    let rt = rt();
    let hub = HubProcess::start();
    let (farmer, mango, _) = farm(&rt, &hub, 20);
    let room = rt
        .block_on(farmer.core.open_room(&setup(&farmer, vec![mango])))
        .unwrap()
        .id;
    let buyer = buyers(&rt, &hub.url, 1).remove(0);
    rt.block_on(async {
        let (links_tx, mut links) = tokio::sync::mpsc::unbounded_channel();
        let mut watches = Vec::new();
        // One more watch than the hub allows this buyer, started one by one.
        for n in 0..=STREAMS_PER_VIEWER {
            let (cancel, buyer, tx) = (CancelToken::new(), buyer.clone(), links_tx.clone());
            let stop = cancel.clone();
            let task = tokio::spawn(async move {
                let on_link = move |l: &RoomLink| {
                    let _ = tx.send((n, l.clone()));
                };
                buyer.watch(room, 0, &stop, &|_| {}, &on_link).await
            });
            watches.push((cancel, task));
            let (who, link) = tokio::time::timeout(Duration::from_secs(30), links.recv())
                .await
                .expect("a link state within 30 s")
                .unwrap();
            assert_eq!(who, n);
            if n < STREAMS_PER_VIEWER {
                assert_eq!(link, RoomLink::Connected { after: 0 });
            } else {
                let RoomLink::Reconnecting { error, .. } = link else {
                    panic!("the extra watch was let in: {link:?}");
                };
                assert!(error.contains("try again"), "{error}");
            }
        }
        // One watch ends: the waiting one gets its place.
        let (cancel, task) = watches.remove(0);
        cancel.cancel();
        assert!(matches!(task.await.unwrap(), Ok(FollowEnd::Cancelled)));
        loop {
            let (who, link) = tokio::time::timeout(Duration::from_secs(30), links.recv())
                .await
                .expect("the waiting watch connects within 30 s")
                .unwrap();
            assert_eq!(who, STREAMS_PER_VIEWER, "only the waiting watch changes");
            if matches!(link, RoomLink::Connected { .. }) {
                break;
            }
        }
        for (cancel, task) in watches {
            cancel.cancel();
            assert!(matches!(task.await.unwrap(), Ok(FollowEnd::Cancelled)));
        }
    });
}
