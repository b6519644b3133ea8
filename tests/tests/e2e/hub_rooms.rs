//! Live rooms on a real hub process: open, pin at a live price, orders that
//! pay it only while pinned, comments under a rate limit, viewers, and the
//! event stream (SSE) replayed and followed exactly once, also under
//! concurrent writes and a race for the last units.

#![allow(clippy::unwrap_used)]

use farmlive_core::protocol::api::Role;
use farmlive_core::protocol::room::RoomEventBody;
use farmlive_core::protocol::{FarmId, ListingId, ListingStatus, OrderId, RoomId};
use farmlive_hub::rooms::STREAMS_PER_VIEWER;
use farmlive_tests::api::Api;
use farmlive_tests::rooms::{ids, kinds};
use farmlive_tests::{Device, HubProcess, ListingBuilder, RoomBuilder, order, rt};
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::Duration;

const GET: Method = Method::GET;
const POST: Method = Method::POST;
const PUT: Method = Method::PUT;
const DELETE: Method = Method::DELETE;
const NULL: Value = Value::Null;

fn unit_price(order: &Value) -> i64 {
    order["unit_price"]["minor"].as_i64().unwrap()
}

fn text(t: &str) -> Value {
    json!({ "text": t })
}

/// A room of `farm` as these tests open it: titled, with a playback address.
fn room_of(farm: FarmId, shelf: &[ListingId]) -> RoomBuilder {
    RoomBuilder::new(farm, shelf)
        .title("Mango harvest, Hainan")
        .playback_url("https://cdn.example/live/mango.m3u8")
}

struct World {
    hub: HubProcess,
    api: Api,
    farm_a: FarmId,
    farm_b: FarmId,
    ta: String,
    tb: String,
    /// Farm A, 20 kg at 10.00.
    mango: ListingId,
    /// Farm A, 100 kg at 10.00.
    lychee: ListingId,
    /// Farm A, paused.
    paused: ListingId,
    /// Farm A, never on a shelf.
    durian: ListingId,
    /// Farm B.
    b_listing: ListingId,
    _devices: (Device, Device),
}

fn world(rt: &tokio::runtime::Runtime) -> World {
    let hub = HubProcess::start();
    let a = hub.device(rt, &["Farm A"], Role::Farmer, "A");
    let b = hub.device(rt, &["Farm B"], Role::Farmer, "B");
    let (farm_a, farm_b) = (a.farm("Farm A"), b.farm("Farm B"));
    let listing = |d: &Device, farm, title, stock| {
        ListingBuilder::new(title)
            .stock(stock)
            .create(&d.core, farm)
            .id
    };
    let mango = listing(&a, farm_a, "Guifei mango", 20);
    let lychee = listing(&a, farm_a, "Lychee", 100);
    let paused = listing(&a, farm_a, "Jackfruit", 5);
    let durian = listing(&a, farm_a, "Durian", 5);
    let b_listing = listing(&b, farm_b, "B's papaya", 9);
    a.core
        .set_listing_status(paused, ListingStatus::Paused)
        .unwrap();
    a.sync(rt);
    b.sync(rt);
    let api = Api::new(&hub.url);
    World {
        api,
        farm_a,
        farm_b,
        ta: a.token(),
        tb: b.token(),
        mango,
        lychee,
        paused,
        durian,
        b_listing,
        hub,
        _devices: (a, b),
    }
}

/// One request per line, as the farmer and buyers act.
#[rustfmt::skip]
#[test]
fn open_pin_order_at_the_live_price_unpin_and_end() {
    let rt = rt();
    let w = world(&rt);
    let (api, ta) = (&w.api, w.ta.as_str());
    rt.block_on(async {
        let x = api.buyer("Xiao Wang").await;
        let y = api.buyer("Yu").await;
        let (room, view) = api.open(ta, &room_of(w.farm_a, &[w.mango, w.lychee, w.mango])).await;
        assert_eq!(view["status"], "live");
        assert_eq!(view["shelf"].as_array().unwrap().len(), 2, "repeats dropped");
        assert_eq!((view["viewers"].as_u64(), view["last_event"].as_u64()), (Some(0), Some(0)));
        assert!(view["pin"].is_null());
        let mut farm = api.follow(room, ta, None).await;
        let listed = api.expect(GET, "/v1/rooms", &x, NULL, "200").await;
        assert_eq!(listed["rooms"][0]["id"], room.to_string());
        let (rp, op) = (format!("/v1/rooms/{room}/orders"), "/v1/orders");
        let pin_path = format!("/v1/rooms/{room}/pin");

        let v = api.pin(ta, room, w.mango, Some(800)).await;
        assert_eq!(v["pin"]["listing"], w.mango.to_string());
        assert_eq!(v["pin"]["live_price"]["minor"], 800);
        // Pinned at 8.00: from the room (the pinned listing by default) and from /v1/orders.
        let o1 = api.expect(POST, &rp, &x, order(None, 2, "x1"), "201").await;
        assert_eq!((unit_price(&o1), o1["total"]["minor"].as_i64()), (800, Some(1600)));
        let o2 = api.expect(POST, op, &y, order(Some(w.mango), 1, "y1"), "201").await;
        assert_eq!(unit_price(&o2), 800, "the live price applies through /v1/orders too");
        let o3 = api.expect(POST, op, &x, order(Some(w.lychee), 1, "x2"), "201").await;
        assert_eq!(unit_price(&o3), 1000, "only the pinned listing is at the live price");
        let replay = api.expect(POST, &rp, &x, order(None, 2, "x1"), "200").await;
        assert_eq!(replay["id"], o1["id"], "a replay returns the first order");

        // Another pin: the old one is unpinned first and loses its price.
        api.pin(ta, room, w.lychee, None).await;
        let o4 = api.expect(POST, op, &y, order(Some(w.mango), 1, "y2"), "201").await;
        assert_eq!(unit_price(&o4), 1000);
        api.pin(ta, room, w.mango, Some(750)).await;
        let v = api.expect(DELETE, &pin_path, ta, NULL, "200").await;
        assert!(v["pin"].is_null());
        let o5 = api.expect(POST, &rp, &y, order(Some(w.mango), 1, "y3"), "201").await;
        assert_eq!(unit_price(&o5), 1000, "not after the unpin");
        let before = api.view(ta, room).await;
        let again = api.expect(DELETE, &pin_path, ta, NULL, "200").await;
        assert_eq!(again["last_event"], before["last_event"], "unpinning nothing emits nothing");

        api.pin(ta, room, w.mango, Some(700)).await;
        let ended = api.end(ta, room).await;
        assert_eq!(ended["status"], "ended");
        assert!(ended["pin"].is_null() && ended["ended_at"].is_i64());
        let o6 = api.expect(POST, op, &y, order(Some(w.mango), 1, "y4"), "201").await;
        assert_eq!(unit_price(&o6), 1000, "not after the end");
        let twice = api.end(ta, room).await;
        for field in ["status", "ended_at", "last_event", "pin"] {
            assert_eq!(twice[field], ended[field], "ending is idempotent: {field}");
        }
        api.expect(PUT, &pin_path, ta, json!({ "listing": w.mango }), "409 room_ended").await;
        api.expect(DELETE, &pin_path, ta, NULL, "409 room_ended").await;
        api.expect(POST, &rp, &x, order(Some(w.mango), 1, "x9"), "409 room_ended").await;
        let listed = api.expect(GET, "/v1/rooms", &x, NULL, "200").await;
        assert!(listed["rooms"].as_array().unwrap().is_empty());

        // The farm's device saw it all, in order, and the stream closed after Ended.
        let events = farm.rest().await;
        assert_eq!(kinds(&events), [
            "pinned", "order_placed", "order_placed", "order_placed", "unpinned", "pinned",
            "order_placed", "unpinned", "pinned", "unpinned", "order_placed", "pinned",
            "unpinned", "ended",
        ]);
        let placed: Vec<(String, bool, String)> = events.iter().filter_map(|e| match &e.body {
            RoomEventBody::OrderPlaced { order, live_price, buyer, .. } => {
                Some((order.to_string(), *live_price, buyer.clone()))
            }
            _ => None,
        }).collect();
        let id = |o: &Value| o["id"].as_str().unwrap().to_owned();
        let (xiao, yu) = ("Xiao".to_owned(), "Yu".to_owned());
        assert_eq!(placed, [
            (id(&o1), true, xiao.clone()),
            (id(&o2), true, yu.clone()),
            (id(&o3), false, xiao),
            (id(&o4), false, yu.clone()),
            (id(&o5), false, yu),
        ]);
        let text = serde_json::to_string(&events).unwrap();
        assert!(!text.contains("PHONE") && !text.contains("ADDRESS"), "no phone or address");
        assert_eq!(ids(&events), w.hub.room_event_ids(room));
    });
}

#[test]
fn opening_again_ends_the_farms_previous_room() {
    let rt = rt();
    let w = world(&rt);
    let (api, ta) = (&w.api, w.ta.as_str());
    rt.block_on(async {
        let (first, _) = api.open(ta, &room_of(w.farm_a, &[w.mango])).await;
        api.pin(ta, first, w.mango, Some(900)).await;
        let mut follower = api.follow(first, ta, None).await;
        // The phone crashed mid-stream and goes live again.
        let (second, view) = api.open(ta, &room_of(w.farm_a, &[w.lychee])).await;
        assert_eq!(view["status"], "live");
        assert_eq!(
            kinds(&follower.rest().await),
            ["pinned", "unpinned", "ended"]
        );
        assert_eq!(api.view(ta, first).await["status"], "ended");
        let (b_room, _) = api.open(&w.tb, &room_of(w.farm_b, &[w.b_listing])).await;
        let listed = api.expect(GET, "/v1/rooms", &w.tb, NULL, "200").await;
        let live = listed["rooms"].as_array().unwrap().iter();
        let live: Vec<&str> = live.map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(
            live,
            [b_room.to_string(), second.to_string()],
            "newest first"
        );
    });
}

#[test]
fn the_stream_replays_after_last_event_id_and_follows_under_concurrent_writes() {
    let rt = rt();
    let w = world(&rt);
    let (api, ta) = (&w.api, w.ta.as_str());
    let a2 = w.hub.device(&rt, &["Farm A"], Role::Farmer, "A's tablet");
    let ta2 = a2.token();
    rt.block_on(async {
        let (room, _) = api.open(ta, &room_of(w.farm_a, &[w.mango, w.lychee])).await;
        // 1 + 2 × 139 = 279 events: more than the hub keeps in memory.
        for i in 0..140 {
            let listing = if i % 2 == 0 { w.mango } else { w.lychee };
            api.pin(ta, room, listing, None).await;
        }
        let stored = w.hub.room_event_ids(room);
        assert_eq!(stored.len(), 279);
        let last = api.view(ta, room).await["last_event"].as_u64();
        assert_eq!(last, stored.last().copied());
        let mut all = api.follow(room, ta, None).await;
        assert_eq!(ids(&all.take(279).await), stored, "a full replay");
        let mut mid = api.follow(room, ta, Some(stored[100])).await;
        assert_eq!(
            ids(&mid.take(178).await),
            stored[101..],
            "exactly the events after it"
        );
        let mut late = api.follow(room, ta, Some(stored[270])).await;
        assert_eq!(ids(&late.take(8).await), stored[271..]);
        // An event appended while they follow reaches each once.
        let x = api.buyer("Xu").await;
        let path = format!("/v1/rooms/{room}/comments");
        let c = api.expect(POST, &path, &x, text("甜吗？"), "201").await;
        for f in [&mut all, &mut mid, &mut late] {
            let e = f.next().await.unwrap();
            assert_eq!(e.id, c["id"].as_u64().unwrap());
            let want = RoomEventBody::Comment {
                author: "Xu".into(),
                text: "甜吗？".into(),
            };
            assert_eq!(e.body, want);
        }

        // Heavy concurrent writes while new followers replay from various points.
        let mut writers = Vec::new();
        for k in 0..4i64 {
            let (pins, ta, mango, lychee) = (api.clone(), w.ta.clone(), w.mango, w.lychee);
            writers.push(tokio::spawn(async move {
                for i in 0..40 {
                    let listing = if (i + k) % 2 == 0 { mango } else { lychee };
                    pins.pin(&ta, room, listing, Some(500 + i)).await;
                }
            }));
            let (api, lychee) = (api.clone(), w.lychee);
            writers.push(tokio::spawn(async move {
                let t = api.buyer(&format!("B{k}")).await;
                let path = format!("/v1/rooms/{room}/orders");
                for i in 0..10 {
                    let body = order(Some(lychee), 1, &format!("{k}-{i}"));
                    api.expect(POST, &path, &t, body, "201").await;
                }
            }));
        }
        // Four more followers: a second device of the farm, since one
        // device holds at most STREAMS_PER_DEVICE streams.
        let mut followers = Vec::new();
        for cursor in [0, stored[5], stored[200], stored[278]] {
            followers.push((cursor, api.follow(room, &ta2, Some(cursor)).await));
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
        for t in writers {
            t.await.unwrap();
        }
        api.end(ta, room).await;
        let stored = w.hub.room_event_ids(room);
        for (cursor, mut f) in followers {
            let got = ids(&f.rest().await);
            let want: Vec<u64> = stored.iter().copied().filter(|id| *id > cursor).collect();
            assert_eq!(got, want, "after {cursor}: no gap, no duplicate, in order");
        }
        for mut f in [all, mid, late] {
            let got = f.rest().await;
            assert_eq!(got.last().map(|e| e.body.kind()), Some("ended"));
        }
        // An ended room replays from SQLite and closes.
        let n = stored.len();
        let mut after_end = api.follow(room, &x, Some(stored[n - 3])).await;
        assert_eq!(ids(&after_end.rest().await), stored[n - 2..]);
    });
}

#[test]
fn buyers_watching_are_counted_once_and_leave_when_they_disconnect() {
    let rt = rt();
    let w = world(&rt);
    let (api, ta) = (&w.api, w.ta.as_str());
    let joined = |viewer: &str, viewers| RoomEventBody::ViewerJoined {
        viewer: viewer.into(),
        viewers,
    };
    let left = |viewer: &str, viewers| RoomEventBody::ViewerLeft {
        viewer: viewer.into(),
        viewers,
    };
    rt.block_on(async {
        let (room, _) = api.open(ta, &room_of(w.farm_a, &[w.mango, w.lychee])).await;
        let mut farm = api.follow(room, ta, None).await;
        let x = api.buyer("Xiao Wang").await;
        let y = api.buyer("Yu Lan").await;
        let viewers = |v: Value| v["viewers"].as_u64().unwrap();
        assert_eq!(
            viewers(api.view(&x, room).await),
            0,
            "the farm's device is no viewer"
        );
        let x1 = api.follow(room, &x, None).await;
        assert_eq!(farm.body().await, joined("Xiao", 1));
        let x2 = api.follow(room, &x, None).await;
        // A second connection of the same buyer adds no viewer and no event.
        // Past a few, the hub refuses more and says when to retry.
        let mut more = Vec::new();
        for _ in 2..STREAMS_PER_VIEWER {
            more.push(api.follow(room, &x, None).await);
        }
        let events = format!("/v1/rooms/{room}/events");
        let (s, v, h) = api.send(GET, &events, Some(&x), None, &[]).await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (429, Some("rate_limited")),
            "{v}"
        );
        assert_eq!(h["retry-after"], "15");
        drop(more);
        api.pin(ta, room, w.mango, None).await;
        assert_eq!(farm.body().await.kind(), "pinned");
        assert_eq!(viewers(api.view(&y, room).await), 1);
        let mut y1 = api.follow(room, &y, None).await;
        assert_eq!(farm.body().await, joined("Yu", 2));
        drop(x1);
        drop(x2);
        assert_eq!(farm.body().await, left("Xiao", 1));
        assert_eq!(viewers(api.view(&y, room).await), 1);
        // Y's own stream saw both joins.
        let seen = y1.take(3).await;
        assert_eq!(seen[2].body, joined("Yu", 2));
        // The room ends while Y watches: Y's stream closes after Ended, and
        // no ViewerLeft follows it.
        api.end(ta, room).await;
        assert_eq!(
            kinds(&y1.rest().await),
            ["viewer_left", "unpinned", "ended"]
        );
        assert_eq!(kinds(&farm.rest().await), ["unpinned", "ended"]);
        drop(y1);
        tokio::time::sleep(Duration::from_millis(300)).await;
        let (_, body) = w.hub.stored_room_events(room).pop().unwrap();
        assert!(body.contains("\"ended\""), "{body}");
        assert_eq!(viewers(api.view(&y, room).await), 0);
    });
}

#[rustfmt::skip]
#[test]
fn comments_are_bounded_and_rate_limited_per_buyer_and_room() {
    let rt = rt();
    let w = world(&rt);
    let (api, ta) = (&w.api, w.ta.as_str());
    rt.block_on(async {
        let (room, _) = api.open(ta, &room_of(w.farm_a, &[w.mango])).await;
        let (b_room, _) = api.open(&w.tb, &room_of(w.farm_b, &[w.b_listing])).await;
        let path = format!("/v1/rooms/{room}/comments");
        let x = api.buyer("Xiao Wang").await;
        let z = api.buyer("Zhang").await;
        // Refused comments cost no token.
        for bad in ["", "   ", "a\nb", &"芒".repeat(201)] {
            api.expect(POST, &path, &z, text(bad), "400 invalid").await;
        }
        api.expect(POST, &path, &z, json!({ "txt": "hi" }), "400 invalid").await;
        api.expect(POST, &path, &z, text(&"芒".repeat(200)), "201").await;
        for i in 0..3 {
            let e = api.expect(POST, &path, &x, text(&format!("sweet? {i}")), "201").await;
            assert_eq!((e["type"].as_str(), e["author"].as_str()), (Some("comment"), Some("Xiao")));
        }
        let fourth = Some(text("4th").to_string().into_bytes());
        let (s, body, headers) = api.send(POST, &path, Some(&x), fourth, &[]).await;
        assert_eq!((s, body["error"]["code"].as_str()), (429, Some("rate_limited")));
        let wait: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=2).contains(&wait), "Retry-After: {wait}");
        // Other buyers, and the same buyer elsewhere, have their own buckets.
        api.expect(POST, &path, &z, text("me too"), "201").await;
        api.expect(POST, &format!("/v1/rooms/{b_room}/comments"), &x, text("hi B"), "201").await;
        // Waiting as told is enough.
        tokio::time::sleep(Duration::from_secs(wait)).await;
        api.expect(POST, &path, &x, text("back"), "201").await;
        // Devices do not comment; ended rooms take no comments.
        api.expect(POST, &path, ta, text("hi"), "403 forbidden").await;
        api.end(ta, room).await;
        api.expect(POST, &path, &z, text("bye"), "409 room_ended").await;
    });
}

/// One request per line: what is sent, by whom, and the answer expected.
#[rustfmt::skip]
#[test]
fn hostile_requests_get_a_4xx_json_error() {
    let rt = rt();
    let w = world(&rt);
    let (api, ta, tb) = (&w.api, w.ta.as_str(), w.tb.as_str());
    let (farm_a, farm_b) = (w.farm_a, w.farm_b);
    let (mango, durian, b_listing) = (w.mango, w.durian, w.b_listing);
    rt.block_on(async {
        let x = api.buyer("Xiao").await;
        let x = x.as_str();
        let (room, _) = api.open(ta, &room_of(farm_a, &[mango, w.lychee])).await;
        let r = |tail: &str| format!("/v1/rooms/{room}{tail}");
        let unknown = |tail: &str| format!("/v1/rooms/{}{tail}", RoomId::new());
        let open = |farm: FarmId, shelf: &[ListingId]| RoomBuilder::new(farm, shelf).json();
        let titled = |t: String| RoomBuilder::new(farm_a, &[mango]).title(&t).json();
        let pin = |l: ListingId, p: Value| json!({ "listing": l, "live_price": p });
        let many: Vec<ListingId> = (0..51).map(|_| ListingId::new()).collect();
        let js_url = RoomBuilder::new(farm_a, &[mango]).playback_url("javascript:alert(1)").json();
        let rooms = "/v1/rooms".to_owned();
        // Without a token, or with a body that is not JSON.
        assert_eq!(api.send(POST, &rooms, None, Some(b"{}".to_vec()), &[]).await.0, 401);
        // Browsing a room is public, like browsing listings.
        assert_eq!(api.send(GET, &r(""), None, None, &[]).await.0, 200);
        assert_eq!(api.send(GET, &r("/events"), None, None, &[]).await.0, 401);
        let (s, v, _) = api.send(POST, &rooms, Some(ta), Some(b"{\"farm\":".to_vec()), &[]).await;
        assert_eq!((s, v["error"]["code"].as_str()), (400, Some("malformed_json")));
        let cases = [
            // Opening: the device's own farm, its own active listings, sane fields.
            (POST, rooms.clone(), ta, json!({ "farm": 3, "title": [], "shelf": "x" }), "400 invalid"),
            (POST, rooms.clone(), ta, open(farm_b, &[b_listing]), "403 forbidden"),
            (POST, rooms.clone(), x, open(farm_a, &[mango]), "403 forbidden"),
            (POST, rooms.clone(), ta, open(farm_a, &[b_listing]), "400 invalid"),
            (POST, rooms.clone(), ta, open(farm_a, &[ListingId::new()]), "400 invalid"),
            (POST, rooms.clone(), ta, open(farm_a, &[]), "400 invalid"),
            (POST, rooms.clone(), ta, open(farm_a, &many), "400 invalid"),
            (POST, rooms.clone(), ta, open(farm_a, &[w.paused]), "409 not_available"),
            (POST, rooms.clone(), ta, titled(" ".into()), "400 invalid"),
            (POST, rooms.clone(), ta, titled("t".repeat(81)), "400 invalid"),
            (POST, rooms.clone(), ta, js_url, "400 invalid"),
            // Reading.
            (GET, "/v1/rooms/not-a-room".into(), x, NULL, "404 not_found"),
            (GET, unknown(""), x, NULL, "404 not_found"),
            (GET, "/v1/rooms?limit=lots".into(), x, NULL, "400 invalid"),
            // Pins: only the farm's device, only the shelf, a sane live price.
            (PUT, r("/pin"), tb, pin(mango, NULL), "403 forbidden"),
            (PUT, r("/pin"), x, pin(mango, NULL), "403 forbidden"),
            (PUT, r("/pin"), ta, pin(durian, NULL), "400 invalid"),
            (PUT, r("/pin"), ta, pin(b_listing, NULL), "400 invalid"),
            (PUT, r("/pin"), ta, pin(mango, json!({ "minor": 0, "currency": "CNY" })), "400 invalid"),
            (PUT, r("/pin"), ta, pin(mango, json!({ "minor": 5, "currency": "USD" })), "400 invalid"),
            (PUT, r("/pin"), ta, json!({ "listing": "mango" }), "400 invalid"),
            (PUT, unknown("/pin"), ta, pin(mango, NULL), "404 not_found"),
            (DELETE, r("/pin"), tb, NULL, "403 forbidden"),
            (POST, r("/end"), tb, NULL, "403 forbidden"),
            (POST, r("/end"), x, NULL, "403 forbidden"),
            // Events: strangers, unknown rooms, a cursor that is not a number.
            (GET, r("/events"), tb, NULL, "403 forbidden"),
            (GET, unknown("/events"), x, NULL, "404 not_found"),
            (GET, r("/events?after=xyz"), x, NULL, "400 invalid"),
            (GET, r("/events?after=-5"), x, NULL, "400 invalid"),
            // Room orders: nothing pinned, off the shelf, bad quantities, not a buyer.
            (POST, r("/orders"), x, order(None, 1, "k1"), "400 not_pinned"),
            (POST, r("/orders"), x, order(Some(durian), 1, "k2"), "400 not_on_shelf"),
            (POST, r("/orders"), x, order(Some(b_listing), 1, "k3"), "400 not_on_shelf"),
            (POST, r("/orders"), x, order(Some(mango), 0, "k4"), "400 invalid"),
            (POST, r("/orders"), x, order(Some(mango), 1, ""), "400 invalid"),
            (POST, r("/orders"), x, json!({ "quantity": "two" }), "400 invalid"),
            (POST, r("/orders"), ta, order(Some(mango), 1, "k5"), "403 forbidden"),
            (POST, unknown("/orders"), x, order(Some(mango), 1, "k6"), "404 not_found"),
            (POST, r("/orders"), x, order(Some(mango), 21, "k7"), "409 out_of_stock"),
        ];
        for (method, path, token, body, want) in cases {
            api.expect(method, &path, token, body, want).await;
        }
        assert_eq!(api.view(x, room).await["status"], "live", "no refused open ended it");
        for cursor in ["abc", "-1", "99999999999999999999999", "1e3"] {
            let url = format!("{}{}", api.url, r("/events"));
            let req = api.http.get(url).bearer_auth(x).header("last-event-id", cursor);
            let resp = req.send().await.unwrap();
            assert_eq!(resp.status().as_u16(), 400, "Last-Event-ID: {cursor}");
            let body: Value = resp.json().await.unwrap();
            assert_eq!(body["error"]["code"], "invalid");
        }
        // Ended: no orders, no pins, no comments.
        api.end(ta, room).await;
        api.expect(POST, &r("/orders"), x, order(Some(mango), 1, "k8"), "409 room_ended").await;
        api.expect(PUT, &r("/pin"), ta, pin(mango, NULL), "409 room_ended").await;
        api.expect(POST, &r("/comments"), x, text("hi"), "409 room_ended").await;
        // Nothing above touched the stock.
        assert_eq!(api.view(x, room).await["shelf"][0]["stock"], 20);
    });
}

#[test]
fn fifty_buyers_race_for_twenty_pinned_units() {
    let rt = rt();
    let w = world(&rt);
    let (api, ta) = (&w.api, w.ta.as_str());
    rt.block_on(async {
        let (room, _) = api.open(ta, &room_of(w.farm_a, &[w.mango, w.lychee])).await;
        let view = api.pin(ta, room, w.mango, Some(800)).await;
        let mut farm = api.follow(room, ta, view["last_event"].as_u64()).await;
        let mut tasks = Vec::new();
        for i in 0..50 {
            let token = api.buyer(&format!("Buyer{i}")).await;
            let (api, mango) = (api.clone(), w.mango);
            // Half order from the room (the pinned listing), half through /v1/orders.
            let (path, body) = if i % 2 == 0 {
                (format!("/v1/rooms/{room}/orders"), order(None, 1, "race"))
            } else {
                ("/v1/orders".to_owned(), order(Some(mango), 1, "race"))
            };
            tasks.push(async move { api.call(POST, &path, &token, body).await });
        }
        let tasks: Vec<_> = tasks.into_iter().map(tokio::spawn).collect();
        let mut won = BTreeSet::new();
        let mut lost = 0;
        for t in tasks {
            let (status, body) = t.await.unwrap();
            match status {
                201 => {
                    assert_eq!(unit_price(&body), 800);
                    won.insert(body["id"].as_str().unwrap().parse::<OrderId>().unwrap());
                }
                409 => {
                    assert_eq!(body["error"]["code"], "out_of_stock", "{body}");
                    lost += 1;
                }
                other => panic!("{other}: {body}"),
            }
        }
        assert_eq!((won.len(), lost), (20, 30));
        let shelf = api.view(ta, room).await["shelf"].clone();
        let mango = shelf
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["id"] == w.mango.to_string());
        assert_eq!(mango.unwrap()["stock"], 0);
        api.end(ta, room).await;
        let events = farm.rest().await;
        let placed: Vec<OrderId> = events
            .iter()
            .filter_map(|e| match &e.body {
                RoomEventBody::OrderPlaced {
                    order,
                    live_price: true,
                    ..
                } => Some(*order),
                _ => None,
            })
            .collect();
        assert_eq!(placed.len(), 20, "each successful order once");
        assert_eq!(placed.into_iter().collect::<BTreeSet<_>>(), won);
        assert_eq!(
            kinds(&events),
            [vec!["order_placed"; 20], vec!["unpinned", "ended"]].concat()
        );
    });
}

#[test]
fn the_hub_shuts_down_promptly_while_rooms_are_followed() {
    let rt = rt();
    let mut w = world(&rt);
    let (api, ta) = (w.api.clone(), w.ta.clone());
    let (mut farm, mut buyer) = rt.block_on(async {
        let (room, _) = api.open(&ta, &room_of(w.farm_a, &[w.mango])).await;
        let x = api.buyer("Xiao").await;
        let farm = api.follow(room, &ta, None).await;
        let mut buyer = api.follow(room, &x, None).await;
        assert_eq!(buyer.next().await.unwrap().body.kind(), "viewer_joined");
        (farm, buyer)
    });
    // Graceful shutdown closes the open event streams instead of waiting on them.
    assert!(
        w.hub.terminate(Duration::from_secs(10)),
        "the hub exits on SIGTERM"
    );
    rt.block_on(async {
        assert_eq!(kinds(&farm.rest().await), ["viewer_joined"]);
        assert!(buyer.rest().await.is_empty());
    });
}
