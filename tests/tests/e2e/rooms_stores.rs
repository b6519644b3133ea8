//! Live rooms through the real HTTP hub on loopback, with the same
//! assertions over each store (SQLite and PostgreSQL): open, pin at a
//! live price, a buyer's room order and its `OrderPlaced` on the event
//! stream, comments, the end, `Last-Event-ID` resume, one live room per
//! farm. Then PostgreSQL only, two hubs on one database (two pools, two
//! `LISTEN` connections, two sets of in-memory feeds), as two processes
//! would be: an order through one hub reaches a follower on the other
//! exactly once, and a stream resumed on the other gets exactly the
//! events it missed, in order.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use farmlive_core::protocol::api::Role;
use farmlive_core::protocol::room::RoomEventBody;
use farmlive_core::protocol::{FarmId, ListingId, RoomId};
use farmlive_tests::api::Api;
use farmlive_tests::rooms::{ids, kinds};
use farmlive_tests::stores::{InProcessHub, StoreKind};
use farmlive_tests::{Device, ListingBuilder, RoomBuilder, both_stores, order, rt};
use reqwest::Method;
use serde_json::{Value, json};

const GET: Method = Method::GET;
const POST: Method = Method::POST;

/// A farm with two listings for sale and its farmer's device.
struct Farm {
    device: Device,
    token: String,
    id: FarmId,
    /// 20 units at 10.00.
    mango: ListingId,
    /// 100 units at 10.00.
    lychee: ListingId,
}

fn farm(rt: &tokio::runtime::Runtime, hub: &InProcessHub, name: &str) -> Farm {
    let device = hub.device(rt, &[name], Role::Farmer, "phone");
    let id = device.farm(name);
    let listing = |title, stock| {
        ListingBuilder::new(title)
            .stock(stock)
            .create(&device.core, id)
            .id
    };
    let (mango, lychee) = (listing("Guifei mango", 20), listing("Lychee", 100));
    device.sync(rt);
    Farm {
        token: device.token(),
        device,
        id,
        mango,
        lychee,
    }
}

fn comment(text: &str) -> Value {
    json!({ "text": text })
}

/// The ids of a room's stored events, as `hub` reads them (on a blocking
/// thread, as the HTTP layer calls the store).
async fn stored_ids(hub: &InProcessHub, room: RoomId) -> Vec<u64> {
    let store = hub.store.clone();
    tokio::task::spawn_blocking(move || {
        let items = store.room_events(room, 0, None, u32::MAX).unwrap();
        items.iter().map(|e| e.id).collect()
    })
    .await
    .unwrap()
}

both_stores!(room_life, super::open_pin_order_comment_end_and_resume);
fn open_pin_order_comment_end_and_resume(kind: StoreKind) {
    let rt = rt();
    let hub = InProcessHub::start(kind);
    let f = farm(&rt, &hub, "Li orchard");
    let api = Api::new(&hub.url);
    rt.block_on(async {
        let x = api.buyer("Xiao Wang").await;
        let (room, view) = api
            .open(&f.token, &RoomBuilder::new(f.id, &[f.mango, f.lychee]))
            .await;
        assert_eq!(view["status"], "live");
        assert_eq!(view["last_event"].as_u64(), Some(0));
        let mut farmer = api.follow(room, &f.token, None).await;
        let listed = api.expect(GET, "/v1/rooms", &x, Value::Null, "200").await;
        assert_eq!(listed["rooms"][0]["id"], room.to_string());

        let v = api.pin(&f.token, room, f.mango, Some(800)).await;
        assert_eq!(v["pin"]["live_price"]["minor"], 800);
        let path = format!("/v1/rooms/{room}/orders");
        let o = api
            .expect(POST, &path, &x, order(None, 2, "x1"), "201")
            .await;
        assert_eq!(
            o["unit_price"]["minor"], 800,
            "the pinned listing at its live price"
        );
        let shop = api
            .expect(
                POST,
                "/v1/orders",
                &x,
                order(Some(f.lychee), 1, "x2"),
                "201",
            )
            .await;
        assert_eq!(
            shop["unit_price"]["minor"], 1000,
            "not pinned: the list price"
        );
        let replay = api
            .expect(POST, &path, &x, order(None, 2, "x1"), "200")
            .await;
        assert_eq!(replay["id"], o["id"], "a replay returns the first order");
        let c = api
            .expect(
                POST,
                &format!("/v1/rooms/{room}/comments"),
                &x,
                comment("甜吗？"),
                "201",
            )
            .await;
        assert_eq!(c["author"], "Xiao");
        let ended = api.end(&f.token, room).await;
        assert_eq!(ended["status"], "ended");
        assert!(ended["pin"].is_null());

        let events = farmer.rest().await;
        assert_eq!(
            kinds(&events),
            [
                "pinned",
                "order_placed",
                "order_placed",
                "comment",
                "unpinned",
                "ended"
            ],
            "every event once, in order, and the stream closes after the end"
        );
        match &events[1].body {
            RoomEventBody::OrderPlaced {
                order,
                live_price,
                buyer,
                ..
            } => {
                assert_eq!(order.to_string(), o["id"].as_str().unwrap());
                assert!(*live_price, "bought at the live price");
                assert_eq!(buyer, "Xiao");
            }
            other => panic!("expected the order, got {other:?}"),
        }
        let stored = stored_ids(&hub, room).await;
        assert_eq!(ids(&events), stored, "the stream is the stored events");
        assert!(stored.windows(2).all(|w| w[0] < w[1]));
        let view = api.view(&f.token, room).await;
        assert_eq!(view["last_event"].as_u64(), stored.last().copied());

        // Last-Event-ID: exactly the events after it, then the stream ends.
        let mut resumed = api.follow(room, &x, Some(stored[2])).await;
        assert_eq!(ids(&resumed.rest().await), stored[3..]);
        let path = format!("/v1/rooms/{room}/comments");
        api.expect(POST, &path, &x, comment("bye"), "409 room_ended")
            .await;
        let path = format!("/v1/rooms/{room}/orders");
        api.expect(POST, &path, &x, order(None, 1, "x3"), "409 room_ended")
            .await;
    });
    drop(f.device);
}

both_stores!(
    one_live_room,
    super::a_farm_has_one_live_room_even_when_opening_at_once
);
fn a_farm_has_one_live_room_even_when_opening_at_once(kind: StoreKind) {
    let rt = rt();
    let hub = InProcessHub::start(kind);
    let f = farm(&rt, &hub, "Li orchard");
    let api = Api::new(&hub.url);
    rt.block_on(async {
        let x = api.buyer("Xiao Wang").await;
        let (first, _) = api
            .open(&f.token, &RoomBuilder::new(f.id, &[f.mango]))
            .await;
        api.pin(&f.token, first, f.mango, None).await;
        let mut follower = api.follow(first, &x, None).await;
        let (second, _) = api
            .open(&f.token, &RoomBuilder::new(f.id, &[f.lychee]))
            .await;
        let old = api.view(&f.token, first).await;
        assert_eq!(
            old["status"], "ended",
            "opening again ends the farm's live room"
        );
        let tail: Vec<&str> = kinds(&follower.rest().await)
            .into_iter()
            .rev()
            .take(2)
            .collect();
        assert_eq!(tail, ["ended", "unpinned"]);

        // Eight opens at once: each ends the one before; one stays live.
        let mut opens = Vec::new();
        for _ in 0..8 {
            let (api, token, room) = (
                api.clone(),
                f.token.clone(),
                RoomBuilder::new(f.id, &[f.mango]),
            );
            opens.push(tokio::spawn(async move { api.open(&token, &room).await.0 }));
        }
        let mut rooms = vec![first, second];
        for o in opens {
            rooms.push(o.await.unwrap());
        }
        let listed = api.expect(GET, "/v1/rooms", &x, Value::Null, "200").await;
        let live: Vec<&str> = listed["rooms"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap())
            .collect();
        assert_eq!(live.len(), 1, "one live room: {live:?}");
        let mut live_views = 0;
        for room in &rooms {
            let view = api.view(&f.token, *room).await;
            if view["status"] == "live" {
                live_views += 1;
                assert_eq!(view["id"].as_str(), Some(live[0]));
            } else {
                let ended = stored_ids(&hub, *room).await;
                assert!(!ended.is_empty(), "an ended room stored its end");
            }
        }
        assert_eq!(live_views, 1);
    });
    drop(f.device);
}

/// Two hubs on one new PostgreSQL database, as two processes.
fn two_hubs() -> (InProcessHub, InProcessHub) {
    let a = InProcessHub::start(StoreKind::Postgres);
    let b = a.another_process();
    (a, b)
}

#[test]
fn an_order_through_one_hub_reaches_a_follower_on_the_other_exactly_once() {
    let rt = rt();
    let (a, b) = two_hubs();
    let f = farm(&rt, &a, "Li orchard");
    let (api_a, api_b) = (Api::new(&a.url), Api::new(&b.url));
    rt.block_on(async {
        let (room, _) = api_a
            .open(&f.token, &RoomBuilder::new(f.id, &[f.mango, f.lychee]))
            .await;
        let mut farmer_b = api_b.follow(room, &f.token, None).await;
        let mut farmer_a = api_a.follow(room, &f.token, None).await;
        api_a.pin(&f.token, room, f.mango, Some(800)).await;
        assert_eq!(
            farmer_b.body().await.kind(),
            "pinned",
            "a pin through A, heard on B"
        );

        // A buyer watching through A: B's follower sees them join.
        let w = api_a.buyer("Wang Fang").await;
        let _watching = api_a.follow(room, &w, None).await;
        match farmer_b.body().await {
            RoomEventBody::ViewerJoined { viewer, viewers } => {
                assert_eq!((viewer.as_str(), viewers), ("Wang", 1));
            }
            other => panic!("expected a viewer, got {other:?}"),
        }

        let path = format!("/v1/rooms/{room}/orders");
        let o = api_a
            .expect(POST, &path, &w, order(None, 3, "w1"), "201")
            .await;
        let replay = api_a
            .expect(POST, &path, &w, order(None, 3, "w1"), "200")
            .await;
        assert_eq!(replay["id"], o["id"]);
        match farmer_b.body().await {
            RoomEventBody::OrderPlaced {
                order, quantity, ..
            } => {
                assert_eq!(order.to_string(), o["id"].as_str().unwrap());
                assert_eq!(quantity, 3);
            }
            other => panic!("expected the order, got {other:?}"),
        }
        api_b.end(&f.token, room).await;
        let stored = stored_ids(&a, room).await;
        assert_eq!(stored, stored_ids(&b, room).await, "one database");
        let rest_b = farmer_b.rest().await;
        assert_eq!(
            kinds(&rest_b),
            ["unpinned", "ended"],
            "nothing twice, nothing after the end"
        );
        let all_a = farmer_a.rest().await;
        let orders_a = all_a
            .iter()
            .filter(|e| e.body.kind() == "order_placed")
            .count();
        assert_eq!(orders_a, 1, "A's own follower hears its order once too");
        let stored_on_a: Vec<u64> = all_a
            .iter()
            .filter(|e| !matches!(e.body, RoomEventBody::ViewerJoined { .. }))
            .map(|e| e.id)
            .collect();
        assert_eq!(
            stored_on_a, stored,
            "A's follower: the stored events, in order"
        );
    });
    drop(f.device);
}

#[test]
fn a_stream_resumed_on_the_other_hub_gets_exactly_the_missed_events_in_order() {
    let rt = rt();
    let (a, b) = two_hubs();
    let f = farm(&rt, &a, "Li orchard");
    let (api_a, api_b) = (Api::new(&a.url), Api::new(&b.url));
    let tablet = b.device(&rt, &["Li orchard"], Role::Farmer, "tablet");
    rt.block_on(async {
        let (room, _) = api_a
            .open(&f.token, &RoomBuilder::new(f.id, &[f.mango, f.lychee]))
            .await;
        // More events than a hub keeps in memory, all written through A.
        for i in 0..150 {
            let listing = if i % 2 == 0 { f.mango } else { f.lychee };
            api_a.pin(&f.token, room, listing, None).await;
        }
        let stored = stored_ids(&a, room).await;
        assert_eq!(stored.len(), 299);
        let mut from_start = api_b.follow(room, &f.token, Some(0)).await;
        let mut mid = api_b.follow(room, &f.token, Some(stored[120])).await;
        let mut late = api_b.follow(room, &tablet.token(), Some(stored[290])).await;
        assert_eq!(ids(&from_start.take(299).await), stored);
        assert_eq!(ids(&mid.take(178).await), stored[121..]);
        assert_eq!(ids(&late.take(8).await), stored[291..]);

        // Writes through both hubs at once, while B's followers follow.
        let mut writers = Vec::new();
        for (k, api) in [api_a.clone(), api_b.clone()].into_iter().enumerate() {
            let (token, mango, lychee) = (f.token.clone(), f.mango, f.lychee);
            let pins = api.clone();
            writers.push(tokio::spawn(async move {
                for i in 0..30 {
                    let listing = if (i + k) % 2 == 0 { mango } else { lychee };
                    pins.pin(&token, room, listing, Some(500 + i as i64)).await;
                }
            }));
            writers.push(tokio::spawn(async move {
                let buyer = api.buyer(&format!("Buyer {k}")).await;
                let path = format!("/v1/rooms/{room}/orders");
                for i in 0..10 {
                    let body = order(Some(lychee), 1, &format!("{k}-{i}"));
                    api.expect(POST, &path, &buyer, body, "201").await;
                }
            }));
        }
        for w in writers {
            w.await.unwrap();
        }
        api_a.end(&f.token, room).await;
        let seen = stored[298];
        let stored = stored_ids(&b, room).await;
        assert!(stored.len() > 299 + 60, "{} events", stored.len());
        let want: Vec<u64> = stored.iter().copied().filter(|id| *id > seen).collect();
        for mut follower in [from_start, mid, late] {
            assert_eq!(
                ids(&follower.rest().await),
                want,
                "no gap, no duplicate, in order"
            );
        }
        // A stream resumed on B after all that: exactly the rest.
        let mut resumed = api_b.follow(room, &f.token, Some(stored[310])).await;
        assert_eq!(ids(&resumed.rest().await), stored[311..]);
    });
    drop((f.device, tablet));
}
