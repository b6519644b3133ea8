//! Issue 10, findings 6 and 7, against a real hub process: an agent lists
//! produce and nothing more (no rooms, no pins, no order actions, no buyer
//! contact anywhere); viewer presence is coalesced and never stored; a
//! device holds a few event streams (and held polls of its change feed)
//! at most; sign-ups are limited per client address, through a trusted
//! proxy header only when configured.

#![allow(clippy::unwrap_used)]

use farmlive_core::protocol::api::{PushRequest, Role};
use farmlive_core::protocol::ops::{Op, OpBody};
use farmlive_core::protocol::room::{RoomEvent, RoomEventBody};
use farmlive_core::protocol::{
    CancelledBy, DeviceId, Hlc, ListingId, OpId, OrderAction, OrderId, RoomId,
};
use farmlive_core::{CancelToken, Error, FollowOptions, OrderFilter};
use farmlive_hub::rooms::{PRESENCE_EVERY, STREAMS_PER_DEVICE};
use farmlive_hub::signup::SIGNUP_BURST;
use farmlive_tests::api::Api;
use farmlive_tests::builders::{BUYER_ADDRESS, BUYER_PHONE};
use farmlive_tests::{
    BuyerBuilder, Device, HubProcess, ListingBuilder, OrderBuilder, RoomBuilder, now_ms, rt,
};
use reqwest::Method;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const FARM: &str = "Li orchard";

/// A pushed op, as a device's outbox would send it.
fn push_body(body: OpBody) -> Value {
    let op = Op {
        id: OpId::new(),
        at: Hlc {
            wall_ms: now_ms(),
            counter: 0,
            device: DeviceId::new(),
        },
        body,
    };
    serde_json::to_value(PushRequest { ops: vec![op] }).unwrap()
}

/// True if any file of the device's data directory holds `needle`.
fn device_files_contain(device: &Device, needle: &str) -> bool {
    std::fs::read_dir(device.dir.path()).unwrap().any(|e| {
        let path = e.unwrap().path();
        path.is_file()
            && std::fs::read(&path)
                .unwrap()
                .windows(needle.len())
                .any(|w| w == needle.as_bytes())
    })
}

/// A farmer's phone and an agent's tablet on one farm; the agent has
/// listed mangoes, and a buyer has ordered some.
struct Farm {
    hub: HubProcess,
    api: Api,
    farmer: Device,
    agent: Device,
    mango: ListingId,
    order: OrderId,
    buyer: String,
}

fn farm(rt: &tokio::runtime::Runtime) -> Farm {
    let hub = HubProcess::start();
    let farmer = hub.device(rt, &[FARM], Role::Farmer, "Li's phone");
    let agent = hub.device(rt, &[FARM], Role::Agent, "field tablet");
    // What an agent is for: listings, stock (photos: see sync.rs).
    let mango = agent
        .list(FARM, &ListingBuilder::new("Mangoes").stock(50))
        .id;
    agent.core.adjust_stock(mango, -5).unwrap();
    let report = agent.sync(rt);
    assert_eq!(report.rejected, 0, "an agent lists produce");
    farmer.sync(rt);
    let api = Api::new(&hub.url);
    let (buyer, order) = rt.block_on(async {
        let buyer = api.buyer("Wang Fang").await;
        let body = OrderBuilder::new(mango).quantity(2).key("k1").json();
        let (s, v) = api.call(Method::POST, "/v1/orders", &buyer, body).await;
        assert_eq!(s, 201, "{v}");
        (buyer, v["id"].as_str().unwrap().parse().unwrap())
    });
    Farm {
        hub,
        api,
        farmer,
        agent,
        mango,
        order,
        buyer,
    }
}

#[test]
fn an_agent_cannot_run_rooms_pin_or_act_on_orders_and_never_sees_buyer_contact() {
    let rt = rt();
    let f = farm(&rt);
    let (api, ta, tf) = (&f.api, f.agent.token(), f.farmer.token());
    let farm_id = f.farmer.farm(FARM);
    rt.block_on(async {
        // The farmer is on air.
        let open = RoomBuilder::new(farm_id, &[f.mango]).json();
        let (s, room) = api.call(Method::POST, "/v1/rooms", &tf, open.clone()).await;
        assert_eq!(s, 201, "{room}");
        let room: RoomId = room["id"].as_str().unwrap().parse().unwrap();
        let pin = json!({ "listing": f.mango, "live_price": { "minor": 800, "currency": "CNY" } });
        let pin_path = format!("/v1/rooms/{room}/pin");
        assert_eq!(api.call(Method::PUT, &pin_path, &tf, pin).await.0, 200);

        // The agent can do none of it: opening would take the show off air,
        // a pin at 0.01 CNY would sell the harvest for nothing.
        let refused = |(s, v): (u16, Value)| {
            assert_eq!(
                (s, v["error"]["code"].as_str()),
                (403, Some("forbidden")),
                "{v}"
            );
            assert!(
                v["error"]["message"].as_str().unwrap().contains("farmer"),
                "{v}"
            );
        };
        refused(api.call(Method::POST, "/v1/rooms", &ta, open).await);
        let cheap = json!({ "listing": f.mango, "live_price": { "minor": 1, "currency": "CNY" } });
        refused(api.call(Method::PUT, &pin_path, &ta, cheap).await);
        refused(api.call(Method::DELETE, &pin_path, &ta, Value::Null).await);
        let end_path = format!("/v1/rooms/{room}/end");
        refused(api.call(Method::POST, &end_path, &ta, Value::Null).await);
        assert_eq!(api.events(room, &ta).await.0, 403, "nor follow the room");
        let (_, view) = api
            .call(Method::GET, &format!("/v1/rooms/{room}"), &tf, Value::Null)
            .await;
        assert_eq!(view["status"], "live", "still on air");
        assert_eq!(
            view["pin"]["live_price"]["minor"], 800,
            "the farmer's price"
        );

        // Order actions pushed by the agent are rejected, and change nothing.
        let order_path = format!("/v1/orders/{}", f.order);
        for action in [
            OrderAction::Cancel {
                by: CancelledBy::Farmer,
                reason: "sold out".into(),
            },
            OrderAction::Accept,
        ] {
            let body = push_body(OpBody::OrderAction {
                order: f.order,
                action,
            });
            let (s, v) = api.call(Method::POST, "/v1/ops", &ta, body).await;
            assert_eq!(s, 200, "{v}");
            assert_eq!(v["results"][0]["outcome"], "rejected", "{v}");
            assert_eq!(v["results"][0]["code"], "not_allowed", "{v}");
        }
        let (_, o) = api
            .call(Method::GET, &order_path, &f.buyer, Value::Null)
            .await;
        assert_eq!(o["status"], "placed");

        // No buyer contact for the agent: not by order id, not in the feed.
        refused(api.call(Method::GET, &order_path, &ta, Value::Null).await);
        let (s, page) = api
            .call(Method::GET, "/v1/changes?after=0", &ta, Value::Null)
            .await;
        assert_eq!(s, 200);
        let text = page.to_string();
        assert!(
            !text.contains("PHONE") && !text.contains("ADDRESS"),
            "{text}"
        );
        assert!(!text.contains("Wang"), "{text}");
        assert!(
            page["changes"]
                .as_array()
                .unwrap()
                .iter()
                .all(|c| c["kind"] == "listing")
        );
        // The agent still sees the stock the order took.
        let last = page["changes"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["state"]["stock"], 43, "{last}");

        // The farmer may do all of it, and sees the buyer.
        let (s, o) = api.call(Method::GET, &order_path, &tf, Value::Null).await;
        assert_eq!(
            (s, o["contact"]["phone"].as_str()),
            (200, Some(BUYER_PHONE))
        );
        let (_, page) = api
            .call(Method::GET, "/v1/changes?after=0", &tf, Value::Null)
            .await;
        assert!(page.to_string().contains(BUYER_ADDRESS));
        let body = push_body(OpBody::OrderAction {
            order: f.order,
            action: OrderAction::Accept,
        });
        let (_, v) = api.call(Method::POST, "/v1/ops", &tf, body).await;
        assert_eq!(v["results"][0]["outcome"], "applied", "{v}");
        assert_eq!(
            api.call(Method::DELETE, &pin_path, &tf, Value::Null)
                .await
                .0,
            200
        );
        assert_eq!(
            api.call(Method::POST, &end_path, &tf, Value::Null).await.0,
            200
        );
    });

    // Through sync, too: the agent's device never stores the buyer's contact.
    f.agent.sync(&rt);
    f.farmer.sync(&rt);
    assert!(
        f.agent
            .core
            .orders(&OrderFilter::default())
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        f.farmer.core.orders(&OrderFilter::default()).unwrap().len(),
        1
    );
    assert_eq!(f.agent.core.listing(f.mango).unwrap().stock, 43);
    assert!(!device_files_contain(&f.agent, BUYER_PHONE));
    assert!(
        device_files_contain(&f.farmer, BUYER_PHONE),
        "the check can see it"
    );
}

#[test]
fn an_agents_core_refuses_order_actions_and_rooms_offline_before_queuing() {
    let rt = rt();
    let f = farm(&rt);
    // Synced after the order was placed: everything the hub lets it see.
    f.agent.sync(&rt);
    let agent = &f.agent.core;
    assert_eq!(agent.role().unwrap(), Some(Role::Agent));
    let queued = agent.pending_count().unwrap();
    let not_allowed = |r: farmlive_core::Result<_>| match r {
        Err(Error::Rule(r)) => {
            assert_eq!(r.code, "not_allowed");
            assert!(r.message.contains("farmer"), "{}", r.message);
        }
        Err(e) => panic!("refused for another reason: {e}"),
        Ok(_) => panic!("allowed"),
    };
    not_allowed(agent.act_on_order(f.order, OrderAction::Accept).map(|_| ()));
    let cancel = OrderAction::Cancel {
        by: CancelledBy::Farmer,
        reason: "no".into(),
    };
    not_allowed(agent.act_on_order(f.order, cancel).map(|_| ()));
    let setup = RoomBuilder::new(f.agent.farm(FARM), &[f.mango])
        .title("Harvest")
        .setup();
    not_allowed(rt.block_on(agent.open_room(&setup)).map(|_| ()));
    not_allowed(
        rt.block_on(agent.pin(RoomId::new(), f.mango, None))
            .map(|_| ()),
    );
    not_allowed(rt.block_on(agent.end_room(RoomId::new())).map(|_| ()));
    assert_eq!(agent.pending_count().unwrap(), queued, "nothing queued");
    // Listing produce offline is still the agent's job.
    agent.adjust_stock(f.mango, 10).unwrap();
    assert_eq!(agent.pending_count().unwrap(), queued + 1);
    // The farmer's phone acts on the order offline, as before.
    f.farmer.sync(&rt);
    let farmer = &f.farmer.core;
    assert_eq!(farmer.role().unwrap(), Some(Role::Farmer));
    farmer.act_on_order(f.order, OrderAction::Accept).unwrap();
    assert_eq!(f.farmer.sync(&rt).rejected, 0);
}

#[test]
fn a_hundred_reconnects_store_no_room_events_and_viewers_still_reach_the_farmer() {
    let rt = rt();
    let f = farm(&rt);
    let api = &f.api;
    let farmer = f.farmer.core.clone();
    let setup = RoomBuilder::new(f.farmer.farm(FARM), &[f.mango]).setup();
    let room = rt.block_on(farmer.open_room(&setup)).unwrap().id;
    // The farmer's core follows the room, as the phone does while on air.
    let seen: Arc<Mutex<Vec<RoomEvent>>> = Arc::default();
    let cancel = CancelToken::new();
    let follower = {
        let (seen, cancel, farmer) = (seen.clone(), cancel.clone(), farmer.clone());
        rt.spawn(async move {
            let on_event = move |e: &RoomEvent| seen.lock().unwrap().push(e.clone());
            farmer
                .follow_room(room, &FollowOptions::default(), &cancel, &on_event, &|_| {})
                .await
        })
    };
    let presence = |seen: &Mutex<Vec<RoomEvent>>| -> Vec<RoomEventBody> {
        let seen = seen.lock().unwrap();
        seen.iter()
            .map(|e| e.body.clone())
            .filter(|b| {
                matches!(
                    b,
                    RoomEventBody::ViewerJoined { .. } | RoomEventBody::ViewerLeft { .. }
                )
            })
            .collect()
    };
    let wait_for = |what: &str, ok: &dyn Fn(&[RoomEventBody]) -> bool| {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !ok(&presence(&seen)) {
            assert!(Instant::now() < deadline, "{what}: {:?}", presence(&seen));
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    let (x, y) = rt.block_on(async { (api.buyer("Xiao Wang").await, api.buyer("Yu Lan").await) });
    let viewers_now = || {
        let path = format!("/v1/rooms/{room}");
        rt.block_on(api.call(Method::GET, &path, &y, Value::Null)).1["viewers"]
            .as_u64()
            .unwrap()
    };
    let started = Instant::now();
    // The first viewer reaches the farmer at once.
    let first = rt.block_on(api.events(room, &x)).1.unwrap();
    wait_for("Xiao joined", &|p| {
        p == [RoomEventBody::ViewerJoined {
            viewer: "Xiao".into(),
            viewers: 1,
        }]
    });
    drop(first);
    // A hundred reconnects of one buyer.
    rt.block_on(async {
        for _ in 0..100 {
            let (s, stream) = api.events(room, &x).await;
            assert_eq!(s, 200);
            drop(stream);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    while viewers_now() != 0 {
        assert!(Instant::now() < deadline, "Xiao's streams never closed");
        std::thread::sleep(Duration::from_millis(50));
    }
    // Then another buyer watches and stays: the count reaches the farmer.
    let _yu = rt.block_on(api.events(room, &y)).1.unwrap();
    // Presence reaches the farmer at most once a window, as the window's
    // last change: `Yu joined, 1` — or, when Xiao's leave (announced after
    // its grace) lands in the same window as Yu's join, `Xiao left, 1`.
    // Either way the farmer's count says Yu is watching.
    let counted = |b: &RoomEventBody| match b {
        RoomEventBody::ViewerJoined { viewers, .. } | RoomEventBody::ViewerLeft { viewers, .. } => {
            *viewers
        }
        _ => 0,
    };
    wait_for("Yu watching, Xiao gone", &|p| {
        p.len() >= 2 && p.last().map(counted) == Some(1)
    });
    assert_eq!(viewers_now(), 1);
    let elapsed = started.elapsed();
    let got = presence(&seen).len();
    let windows = (elapsed.as_millis() / PRESENCE_EVERY.as_millis()) as usize;
    println!(
        "{got} presence events reached the farmer for 100 reconnects and 2 buyers over {elapsed:?}"
    );
    assert!(
        got <= windows + 2,
        "{got} presence events for 100 reconnects over {elapsed:?}: at most one a second"
    );
    // Nothing of it is stored.
    let stored = f.hub.room_event_ids(room).len();
    assert_eq!(stored, 0, "presence is not stored");
    // The follower keeps its place across them: a pin still arrives once, in order.
    rt.block_on(farmer.pin(room, f.mango, None)).unwrap();
    rt.block_on(farmer.end_room(room)).unwrap();
    let end = rt.block_on(follower).unwrap().unwrap();
    assert_eq!(end, farmlive_core::FollowEnd::Ended);
    cancel.cancel();
    let seen = seen.lock().unwrap();
    let ids: Vec<u64> = seen.iter().map(|e| e.id).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    let tail: Vec<_> = seen.iter().rev().take(3).map(|e| e.body.kind()).collect();
    assert_eq!(tail, ["ended", "unpinned", "pinned"]);
    let stored = f.hub.room_event_ids(room).len();
    assert_eq!(stored, 3, "pinned, unpinned and ended only");
}

#[test]
fn a_device_holds_at_most_a_few_event_streams() {
    let rt = rt();
    let f = farm(&rt);
    let (api, tf) = (&f.api, f.farmer.token());
    let farm_id = f.farmer.farm(FARM);
    rt.block_on(async {
        let (room, _) = api.open(&tf, &RoomBuilder::new(farm_id, &[f.mango])).await;
        let mut open = Vec::new();
        for _ in 0..STREAMS_PER_DEVICE {
            let (s, stream) = api.events(room, &tf).await;
            assert_eq!(s, 200);
            open.push(stream.unwrap());
        }
        // (Not read whole: a stream that was let in would never end.)
        let fifth = api
            .http
            .get(format!("{}/v1/rooms/{room}/events", api.url))
            .bearer_auth(&tf)
            .send()
            .await
            .unwrap();
        assert_eq!(fifth.status().as_u16(), 429, "the fifth stream is refused");
        assert_eq!(fifth.headers()["retry-after"], "15");
        let v: Value = fifth.json().await.unwrap();
        assert_eq!(v["error"]["code"], "rate_limited", "{v}");
        // A held long poll of the change feed is one of those streams; a
        // poll that holds nothing is not.
        let feed = |query: &str| {
            api.http
                .get(format!("{}/v1/changes?{query}", api.url))
                .bearer_auth(&tf)
                .send()
        };
        let held = feed("after=0&wait=5").await.unwrap();
        assert_eq!(held.status().as_u16(), 429, "a held poll counts");
        assert_eq!(feed("after=0").await.unwrap().status().as_u16(), 200);
        let bad = feed("after=0&wait=soon").await.unwrap();
        assert_eq!(bad.status().as_u16(), 400, "an unreadable wait");
        // A closed stream frees a place.
        drop(open.pop());
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let (s, stream) = api.events(room, &tf).await;
            if s == 200 {
                open.push(stream.unwrap());
                break;
            }
            assert_eq!(s, 429);
            assert!(Instant::now() < deadline, "the place never freed");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
}

/// Signs up `n` villagers, the i-th sending `headers(i)`; each is let in.
async fn village_signs_up(
    api: &Api,
    n: usize,
    headers: impl Fn(usize) -> Vec<(&'static str, String)>,
) {
    for i in 0..n {
        let villager = BuyerBuilder::new(&format!("Villager {i}"));
        let (s, v, _) = api.sign_up(&villager, &headers(i)).await;
        assert_eq!(s, 201, "a village signs up together: {i} {v}");
    }
}

#[test]
fn sign_ups_are_limited_per_client_address() {
    let rt = rt();
    let burst = SIGNUP_BURST as usize;
    let xff = |ip: &str| vec![("x-forwarded-for", ip.to_owned())];
    // No proxy configured: the peer address counts, the header is ignored.
    let hub = HubProcess::start();
    let api = Api::new(&hub.url);
    rt.block_on(async {
        village_signs_up(&api, burst, |i| xff(&format!("10.0.0.{i}"))).await;
        let (s, v, h) = api.sign_up(&BuyerBuilder::new("Spammer"), &[]).await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (429, Some("rate_limited")),
            "{v}"
        );
        assert!(h["retry-after"].to_str().unwrap().parse::<u64>().unwrap() >= 1);
        let (s, _, _) = api
            .sign_up(&BuyerBuilder::new("Spammer"), &xff("203.0.113.99"))
            .await;
        assert_eq!(s, 429, "a header anyone can send is not trusted");
    });
    drop(hub);
    // Behind a proxy that sets x-forwarded-for.
    let hub = HubProcess::start_with(&["--trusted-proxy-header", "x-forwarded-for"]);
    let api = Api::new(&hub.url);
    rt.block_on(async {
        let village = xff("198.51.100.7");
        village_signs_up(&api, burst, |_| village.clone()).await;
        let (s, _, _) = api.sign_up(&BuyerBuilder::new("Spammer"), &village).await;
        assert_eq!(s, 429, "past the burst from that address");
        // The proxy appends the address it saw: a client cannot pick its own.
        let (s, _, _) = api
            .sign_up(
                &BuyerBuilder::new("Spammer"),
                &xff("192.0.2.1, 198.51.100.7"),
            )
            .await;
        assert_eq!(s, 429);
        let (s, v, _) = api
            .sign_up(
                &BuyerBuilder::new("Li from the next town"),
                &xff("192.0.2.44"),
            )
            .await;
        assert_eq!(s, 201, "another address is not blocked: {v}");
        let (s, v, _) = api
            .sign_up(&BuyerBuilder::new("Straight to the hub"), &[])
            .await;
        assert_eq!(s, 201, "no header: the peer address counts: {v}");
    });
}
