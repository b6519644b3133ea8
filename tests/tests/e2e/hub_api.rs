//! The hub's HTTP API under hostile use: every cross-farm and cross-buyer
//! access refused on every endpoint, and bad input of every kind answered
//! with a 4xx JSON error, never a 500 or a panic.

#![allow(clippy::unwrap_used)]

use farmlive_core::protocol::api::Role;
use farmlive_core::protocol::{ListingPatch, OrderAction};
use farmlive_core::sync::BuyerClient;
use farmlive_tests::api::Api;
use farmlive_tests::{BuyerBuilder, Device, HubProcess, ListingBuilder, OrderBuilder, rt};
use reqwest::Method;
use serde_json::{Value, json};

/// Sends an oversized body. The hub refuses it without reading it all,
/// so HTTP/1.1 lets it answer 413 and close the connection while the
/// client is still sending: the client sees the 413 or a cut connection.
/// Either way the hub must still answer afterwards.
async fn oversized(
    api: &Api,
    path: &str,
    token: Option<&str>,
    body: Vec<u8>,
    headers: &[(&str, String)],
) {
    let mut req = api
        .http
        .post(format!("{}{path}", api.url))
        .header("content-type", "application/json")
        .body(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    match req.send().await {
        Ok(resp) => assert_eq!(resp.status().as_u16(), 413, "{path}"),
        Err(e) => assert!(e.is_request() || e.is_body(), "{path}: {e:?}"),
    }
    let health = api
        .http
        .get(format!("{}/v1/health", api.url))
        .send()
        .await
        .unwrap();
    assert_eq!(
        health.status().as_u16(),
        200,
        "the hub still answers after {path}"
    );
}

struct World {
    hub: HubProcess,
    a: Device,
    b: Device,
    a_listing: farmlive_core::protocol::ListingId,
    b_listing: farmlive_core::protocol::ListingId,
    x_token: String,
    y_token: String,
    x_order: String,
    y_order: String,
}

fn world(rt: &tokio::runtime::Runtime) -> World {
    let hub = HubProcess::start();
    let a = Device::enrolled(rt, &hub.url, &hub.code(&["Farm A"], Role::Farmer), "A");
    let b = Device::enrolled(rt, &hub.url, &hub.code(&["Farm B"], Role::Farmer), "B");
    let a_listing = a
        .list("Farm A", &ListingBuilder::new("A's mangoes").stock(50))
        .id;
    let b_listing = b
        .list("Farm B", &ListingBuilder::new("B's lychees").stock(50))
        .id;
    a.sync(rt);
    b.sync(rt);
    let sign_up = |n: &str| {
        let contact = BuyerBuilder::new(n).contact();
        rt.block_on(BuyerClient::sign_up(&hub.url, &contact))
            .unwrap()
    };
    let ((x, xt), (y, yt)) = (sign_up("X"), sign_up("Y"));
    let place = |buyer: &BuyerClient, order: OrderBuilder| {
        rt.block_on(order.place(buyer)).unwrap().id.to_string()
    };
    let x_order = place(&x, OrderBuilder::new(a_listing).key("x1"));
    let y_order = place(&y, OrderBuilder::new(b_listing).key("y1"));
    World {
        hub,
        a,
        b,
        a_listing,
        b_listing,
        x_token: xt.token,
        y_token: yt.token,
        x_order,
        y_order,
    }
}

#[test]
fn every_cross_farm_and_cross_buyer_access_is_refused() {
    let rt = rt();
    let w = world(&rt);
    let api = Api::unpooled(&w.hub.url);
    let (ta, tb) = (w.a.token(), w.b.token());
    let sha = "ab".repeat(32);
    rt.block_on(async {
        // Device A acting on farm B's listing and order: each op refused.
        let edit = json!({ "ops": [
            { "id": uuid(), "at": farmlive_tests::stamp_now(), "type": "listing_edit", "listing": w.b_listing, "patch": { "title": "hijacked" } },
            { "id": uuid(), "at": farmlive_tests::stamp_now(), "type": "stock_adjust", "listing": w.b_listing, "delta": -10 },
            ListingBuilder::new("x").description("").price("0.01").stock(1).op(w.b.farm("Farm B")),
            { "id": uuid(), "at": farmlive_tests::stamp_now(), "type": "order_action", "order": w.y_order, "action": "accept" },
        ]});
        let (status, body) = api.json(Method::POST, "/v1/ops", Some(&ta), edit).await;
        assert_eq!(status, 200);
        for r in body["results"].as_array().unwrap() {
            assert_eq!(r["outcome"], "rejected", "{r}");
            assert_eq!(r["code"], "forbidden", "{r}");
        }
        // A's change feed holds nothing of farm B.
        let (_, page) = api.json(Method::GET, "/v1/changes?after=0&limit=1000", Some(&ta), json!(null)).await;
        let text = page.to_string();
        assert!(text.contains(&w.a_listing.to_string()) && !text.contains(&w.b_listing.to_string()), "{text}");
        assert!(!text.contains(&w.y_order));
        // Orders: not visible across farms or buyers (404, as if absent).
        for (token, order) in [(&ta, &w.y_order), (&tb, &w.x_order), (&w.x_token, &w.y_order), (&w.y_token, &w.x_order)] {
            let (s, _) = api.json(Method::GET, &format!("/v1/orders/{order}"), Some(token), json!(null)).await;
            assert_eq!(s, 404);
        }
        let (s, _) = api.json(Method::POST, &format!("/v1/orders/{}/cancel", w.y_order), Some(&w.x_token), json!({ "reason": "mine now" })).await;
        assert_eq!(s, 404);
        // Roles: devices cannot act as buyers and buyers not as devices.
        let order = OrderBuilder::new(w.a_listing).json();
        assert_eq!(api.json(Method::POST, "/v1/orders", Some(&ta), order.clone()).await.0, 403);
        assert_eq!(api.json(Method::POST, &format!("/v1/orders/{}/cancel", w.x_order), Some(&ta), json!({ "reason": "r" })).await.0, 403);
        assert_eq!(api.json(Method::POST, "/v1/ops", Some(&w.x_token), json!({ "ops": [] })).await.0, 403);
        assert_eq!(api.json(Method::GET, "/v1/changes", Some(&w.x_token), json!(null)).await.0, 403);
        let patch_headers = [("upload-offset", "0".to_string()), ("upload-length", "3".to_string())];
        assert_eq!(api.send(Method::PATCH, &format!("/v1/blobs/{sha}"), Some(&w.x_token), Some(b"abc".to_vec()), &patch_headers).await.0, 403);
        assert_eq!(api.send(Method::HEAD, &format!("/v1/blobs/{sha}"), Some(&w.x_token), None, &[]).await.0, 403);
        // No token, forged tokens.
        let forged = ["fld_".to_string() + &"0".repeat(64), "flb_".to_string() + &"f".repeat(64), "garbage".into(), "x".repeat(500)];
        for path in ["/v1/ops", "/v1/orders"] {
            assert_eq!(api.json(Method::POST, path, None, json!({})).await.0, 401);
            for t in &forged {
                assert_eq!(api.json(Method::POST, path, Some(t), json!({})).await.0, 401, "{path} with forged token");
            }
        }
        for t in &forged {
            assert_eq!(api.json(Method::GET, "/v1/changes", Some(t), json!(null)).await.0, 401);
            assert_eq!(api.json(Method::GET, &format!("/v1/orders/{}", w.x_order), Some(t), json!(null)).await.0, 401);
        }
    });
    // An expired device token is refused with a message that says so.
    w.hub
        .store()
        .expire_device(w.a.core.device_id(), 0)
        .unwrap();
    rt.block_on(async {
        let (s, body) = api
            .json(Method::GET, "/v1/changes", Some(&ta), json!(null))
            .await;
        assert_eq!(s, 401);
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("expired"),
            "{body}"
        );
    });
    let err = w.a.try_sync(&rt, &Default::default()).unwrap_err();
    assert!(
        matches!(err, farmlive_core::Error::Hub { status: 401, .. }),
        "{err:?}"
    );
    // Nothing of B changed.
    w.b.sync(&rt);
    let l = w.b.core.listing(w.b_listing).unwrap();
    assert_eq!((l.title.as_str(), l.stock), ("B's lychees", 49));
    let _ = (ListingPatch::default(), OrderAction::Accept);
}

fn uuid() -> String {
    farmlive_core::protocol::OpId::new().to_string()
}

#[test]
fn bad_input_on_every_endpoint_gets_a_4xx_json_error() {
    let rt = rt();
    let w = world(&rt);
    let api = Api::unpooled(&w.hub.url);
    let ta = w.a.token();
    let x = w.x_token.clone();
    let big = vec![b'x'; 3 * 1024 * 1024];
    rt.block_on(async {
        let raw = |m: Method, p: &'static str, t: Option<String>, b: Vec<u8>| {
            let api = &api;
            async move { api.send(m, p, t.as_deref(), Some(b), &[]).await.0 }
        };
        // POST /v1/devices
        assert_eq!(raw(Method::POST, "/v1/devices", None, b"{not json".to_vec()).await, 400);
        assert_eq!(api.json(Method::POST, "/v1/devices", None, json!({ "code": 5, "device_name": [], "device_id": "x" })).await.0, 400);
        assert_eq!(api.json(Method::POST, "/v1/devices", None, json!({ "code": "NOPE-NOPE-NO", "device_name": "d", "device_id": uuid() })).await.0, 401);
        assert_eq!(api.json(Method::POST, "/v1/devices", None, json!({ "code": w.hub.code.clone(), "device_name": "", "device_id": uuid() })).await.0, 400);
        oversized(&api, "/v1/devices", None, big.clone(), &[]).await;
        // POST /v1/ops
        assert_eq!(raw(Method::POST, "/v1/ops", Some(ta.clone()), b"[1,2".to_vec()).await, 400);
        assert_eq!(api.json(Method::POST, "/v1/ops", Some(&ta), json!({ "ops": "many" })).await.0, 400);
        assert_eq!(api.json(Method::POST, "/v1/ops", Some(&ta), json!({ "ops": [{ "id": uuid(), "at": farmlive_tests::stamp_now(), "type": "drop_tables" }] })).await.0, 400);
        assert_eq!(api.json(Method::POST, "/v1/ops", Some(&ta), json!({ "ops": [{ "id": uuid(), "at": "yesterday", "type": "stock_set", "listing": w.a_listing, "stock": 1 }] })).await.0, 400);
        let too_many: Vec<Value> = (0..501).map(|_| json!({ "id": uuid(), "at": farmlive_tests::stamp_now(), "type": "stock_set", "listing": w.a_listing, "stock": 1 })).collect();
        let (s, body) = api.json(Method::POST, "/v1/ops", Some(&ta), json!({ "ops": too_many })).await;
        assert_eq!((s, body["error"]["code"].as_str()), (400, Some("batch_too_large")));
        oversized(&api, "/v1/ops", Some(&ta), big.clone(), &[]).await;
        // A gzip bomb: small on the wire, huge once inflated.
        let bomb = {
            use std::io::Write;
            let mut gz = flate2_encoder();
            gz.write_all(&vec![b' '; 50 * 1024 * 1024]).unwrap();
            gz.finish().unwrap()
        };
        assert!(bomb.len() < 200 * 1024);
        // Cut off at the body limit as it inflates.
        oversized(&api, "/v1/ops", Some(&ta), bomb, &[("content-encoding", "gzip".into())]).await;
        // Out-of-range and unknown ids inside ops are rejected per op.
        let (s, body) = api.json(Method::POST, "/v1/ops", Some(&ta), json!({ "ops": [
            { "id": uuid(), "at": farmlive_tests::stamp_now(), "type": "stock_set", "listing": uuid(), "stock": 1 },
            { "id": uuid(), "at": farmlive_tests::stamp_now(), "type": "stock_set", "listing": w.a_listing, "stock": -5 },
            { "id": uuid(), "at": farmlive_tests::stamp_now(), "type": "listing_edit", "listing": w.a_listing, "patch": { "title": "x".repeat(61) } },
        ]})).await;
        assert_eq!(s, 200);
        let codes: Vec<&str> = body["results"].as_array().unwrap().iter().map(|r| r["code"].as_str().unwrap()).collect();
        assert_eq!(codes, ["not_found", "invalid", "invalid"]);
        // GET /v1/changes
        assert_eq!(api.json(Method::GET, "/v1/changes?after=-1", Some(&ta), json!(null)).await.0, 400);
        assert_eq!(api.json(Method::GET, "/v1/changes?limit=lots", Some(&ta), json!(null)).await.0, 400);
        // Blobs
        let sha = "cd".repeat(32);
        assert_eq!(api.send(Method::HEAD, "/v1/blobs/../../etc/passwd", Some(&ta), None, &[]).await.0, 404);
        assert_eq!(api.send(Method::GET, "/v1/blobs/not-a-hash", None, None, &[]).await.0, 404);
        assert_eq!(api.send(Method::GET, &format!("/v1/blobs/{sha}"), None, None, &[]).await.0, 404);
        assert_eq!(api.send(Method::PATCH, &format!("/v1/blobs/{sha}"), Some(&ta), Some(b"abc".to_vec()), &[]).await.0, 400);
        let h = |o: u64, l: u64| [("upload-offset", o.to_string()), ("upload-length", l.to_string())];
        assert_eq!(api.send(Method::PATCH, &format!("/v1/blobs/{sha}"), Some(&ta), Some(b"abc".to_vec()), &h(0, 100 * 1024 * 1024)).await.0, 400);
        assert_eq!(api.send(Method::PATCH, &format!("/v1/blobs/{sha}"), Some(&ta), Some(b"abc".to_vec()), &h(0, 6)).await.0, 204);
        assert_eq!(api.send(Method::PATCH, &format!("/v1/blobs/{sha}"), Some(&ta), Some(b"def".to_vec()), &h(1, 6)).await.0, 409, "wrong offset");
        assert_eq!(api.send(Method::PATCH, &format!("/v1/blobs/{sha}"), Some(&ta), Some(b"defghi".to_vec()), &h(3, 6)).await.0, 400, "past the length");
        let (s, body, _) = api.send(Method::PATCH, &format!("/v1/blobs/{sha}"), Some(&ta), Some(b"def".to_vec()), &h(3, 6)).await;
        assert_eq!((s, body["error"]["code"].as_str()), (400, Some("hash_mismatch")));
        assert_eq!(api.send(Method::GET, &format!("/v1/blobs/{sha}"), None, None, &[]).await.0, 404, "a bad upload is never served");
        // Buyers
        assert_eq!(api.json(Method::POST, "/v1/buyers", None, json!({ "name": "n" })).await.0, 400);
        assert_eq!(api.json(Method::POST, "/v1/buyers", None, json!({ "name": "n".repeat(61), "phone": "1", "address": "a" })).await.0, 400);
        assert_eq!(api.json(Method::POST, "/v1/buyers", None, json!({ "name": "n\u{0}", "phone": "1", "address": "a" })).await.0, 400);
        assert_eq!(api.json(Method::GET, "/v1/listings?limit=-3", None, json!(null)).await.0, 400);
        // Orders
        let order = |listing: Value, q: Value, key: Value| json!({ "listing": listing, "quantity": q, "idempotency_key": key });
        assert_eq!(api.json(Method::POST, "/v1/orders", Some(&x), order(json!(uuid()), json!(1), json!("k"))).await.0, 404);
        assert_eq!(api.json(Method::POST, "/v1/orders", Some(&x), order(json!(w.a_listing), json!(0), json!("k"))).await.0, 400);
        assert_eq!(api.json(Method::POST, "/v1/orders", Some(&x), order(json!(w.a_listing), json!(-2), json!("k"))).await.0, 400);
        assert_eq!(api.json(Method::POST, "/v1/orders", Some(&x), order(json!(w.a_listing), json!("two"), json!("k"))).await.0, 400);
        assert_eq!(api.json(Method::POST, "/v1/orders", Some(&x), order(json!(w.a_listing), json!(1), json!(""))).await.0, 400);
        assert_eq!(api.json(Method::POST, "/v1/orders", Some(&x), order(json!(w.a_listing), json!(1), json!("k".repeat(65)))).await.0, 400);
        let (s, body) = api.json(Method::POST, "/v1/orders", Some(&x), order(json!(w.a_listing), json!(1000), json!("k2"))).await;
        assert_eq!((s, body["error"]["code"].as_str()), (409, Some("out_of_stock")));
        assert!(body["error"]["message"].as_str().unwrap().contains("only 49 kg left"), "{body}");
        assert_eq!(api.json(Method::GET, "/v1/orders/not-a-uuid", Some(&x), json!(null)).await.0, 404);
        assert_eq!(api.json(Method::GET, &format!("/v1/orders/{}", uuid()), Some(&x), json!(null)).await.0, 404);
        assert_eq!(api.json(Method::POST, &format!("/v1/orders/{}/cancel", w.x_order), Some(&x), json!({ "reason": "" })).await.0, 409);
        assert_eq!(api.json(Method::POST, &format!("/v1/orders/{}/cancel", w.x_order), Some(&x), json!({ "why": 1 })).await.0, 400);
        // Unknown routes and methods.
        assert_eq!(api.send(Method::DELETE, "/v1/orders", Some(&x), None, &[]).await.0, 405);
    });
}

fn flate2_encoder() -> flate2::write::GzEncoder<Vec<u8>> {
    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best())
}
