//! A room's public events (`GET /v1/rooms/{id}/public-events`), what a
//! room page without a guest follows, on a real hub process: anyone may
//! follow them without a token; they carry the pin and its price, the
//! ticker's line of an order, comments and the viewer count, and never an
//! order id, a total, the delivery choice, a phone, an address or who
//! joined; one client address holds a bounded number of them.

#![allow(clippy::unwrap_used)]

use farmlive_core::protocol::ListingId;
use farmlive_core::protocol::api::rooms;
use farmlive_tests::api::Api;
use farmlive_tests::builders::{BUYER_ADDRESS, BUYER_PHONE};
use farmlive_tests::{HubProcess, rt};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Reads `resp` until `done` holds for the text so far (at most 20 s).
async fn read_until(resp: &mut reqwest::Response, done: impl Fn(&str) -> bool) -> String {
    let mut text = String::new();
    let until = Instant::now() + Duration::from_secs(20);
    while !done(&text) {
        let left = until.saturating_duration_since(Instant::now());
        assert!(!left.is_zero(), "not all seen in time:\n{text}");
        match tokio::time::timeout(left, resp.chunk()).await {
            Ok(Ok(Some(chunk))) => text.push_str(&String::from_utf8_lossy(&chunk)),
            other => panic!("the stream ended: {other:?}\n{text}"),
        }
    }
    text
}

#[test]
fn anyone_follows_a_rooms_public_events_and_sees_no_personal_data() {
    let rt = rt();
    let hub = HubProcess::start();
    let room = hub.live_room(&rt);
    let listing: ListingId = serde_json::from_value(room.opened["shelf"][0]["id"].clone()).unwrap();
    let api = Api::new(&hub.url);
    let url = format!("{}{}", hub.url, rooms::PUBLIC_EVENTS.path_for(room.id));
    rt.block_on(async {
        // No token at all.
        let mut stream = reqwest::get(&url).await.unwrap();
        assert_eq!(stream.status(), 200);
        assert!(
            stream.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/event-stream")
        );
        // A buyer follows the room (a presence event with their name),
        // the farmer pins, the buyer orders and comments.
        let buyer = api.buyer("Wang Fang").await;
        let (s, follower) = api.events(room.id, &buyer).await;
        assert_eq!(s, 200);
        api.pin(&room.token, room.id, listing, Some(901)).await;
        let order = api
            .expect(
                Method::POST,
                &rooms::ORDER.path_for(room.id),
                &buyer,
                json!({ "quantity": 2, "delivery": "non_contact", "idempotency_key": "k-1" }),
                "201",
            )
            .await;
        let order_id = order["id"].as_str().unwrap().to_owned();
        api.expect(
            Method::POST,
            &rooms::COMMENT.path_for(room.id),
            &buyer,
            json!({ "text": "so sweet" }),
            "201",
        )
        .await;
        let text = read_until(&mut stream, |t| t.contains("so sweet")).await;
        let events: Vec<Value> = text
            .lines()
            .filter_map(|l| l.strip_prefix("data:"))
            .map(|d| serde_json::from_str(d.trim()).unwrap())
            .collect();
        let kinds: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
        assert!(kinds.contains(&"viewers"), "{kinds:?}");
        assert!(
            kinds.contains(&"pinned") && kinds.contains(&"order_placed"),
            "{kinds:?}"
        );
        let pinned = events.iter().find(|e| e["type"] == "pinned").unwrap();
        assert_eq!(pinned["live_price"]["minor"], 901, "{pinned}");
        let placed = events.iter().find(|e| e["type"] == "order_placed").unwrap();
        assert_eq!(
            (placed["quantity"].as_i64(), placed["buyer"].as_str()),
            (Some(2), Some("Wang"))
        );
        assert_eq!(
            placed["unit_price"]["minor"], 901,
            "the live price: {placed}"
        );
        // Nothing personal, and nothing the page does not show everyone.
        for secret in [
            order_id.as_str(),
            BUYER_PHONE,
            BUYER_ADDRESS,
            "Fang",
            "non_contact",
            "\"total\"",
            "\"viewer\"",
            "\"order\"",
        ] {
            assert!(
                !text.contains(secret),
                "{secret} in the public events:\n{text}"
            );
        }
        drop(follower);

        // One address holds a bounded number of streams; past it, 429.
        let mut held = vec![stream];
        let refused = loop {
            let r = reqwest::get(&url).await.unwrap();
            if r.status() != 200 {
                break r;
            }
            held.push(r);
            assert!(held.len() <= 64, "more than 64 streams from one address");
        };
        assert_eq!(refused.status(), 429);
        assert!(refused.headers().contains_key("retry-after"));
        assert_eq!(held.len(), 64);
        // A closed stream frees its place.
        held.pop();
        let until = Instant::now() + Duration::from_secs(30);
        loop {
            let r = reqwest::get(&url).await.unwrap();
            if r.status() == 200 {
                break;
            }
            assert!(Instant::now() < until, "the place was not freed");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }

        // An unknown room: 404.
        let other = rooms::PUBLIC_EVENTS.path_for(farmlive_core::protocol::RoomId::new());
        let r = reqwest::get(format!("{}{other}", hub.url)).await.unwrap();
        assert_eq!(r.status(), 404);
    });
}
