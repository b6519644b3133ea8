//! Issue 13: a non-contact order is delivered with a photo. The farmer's
//! device runs it through the photo pipeline (no GPS left), queues the
//! deliver op, and sync uploads the photo before the op; the hub keeps the
//! photo with the order, refuses a non-contact delivery without one (or
//! with a photo it does not hold), and shows it to the order's buyer only:
//! in the API and on the storefront's order page. A real hub process.

#![allow(clippy::unwrap_used)]

use super::web_support::Browser;
use farmlive_core::protocol::api::Role;
use farmlive_core::protocol::{Delivery, Lang, MsgCode, OrderAction, OrderId, OrderStatus};
use farmlive_core::{BuyerClient, Error, PhotoError};
use farmlive_tests::api::Api;
use farmlive_tests::{Device, HubProcess, ListingBuilder, OrderBuilder, rt, stamp_now};
use reqwest::Method;
use serde_json::json;
use sha2::Digest;
use std::path::PathBuf;

fn testdata(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata")
        .join(rel)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn sha256_hex(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A farmer with a shipped order of `delivery` from a buyer (token and client).
struct Shipped {
    farmer: Device,
    buyer_token: String,
    buyer: BuyerClient,
    order: OrderId,
}

fn shipped(rt: &tokio::runtime::Runtime, hub: &HubProcess, delivery: Delivery) -> Shipped {
    let farmer = hub.device(rt, &["Li orchard"], Role::Farmer, "Li's phone");
    let l = farmer.list("Li orchard", &ListingBuilder::new("Mangoes").stock(20));
    farmer.sync(rt);
    let buyer_token = rt.block_on(Api::new(&hub.url).buyer("Wang Fang"));
    let buyer = BuyerClient::with_token(&hub.url, &buyer_token).unwrap();
    let placed = OrderBuilder::new(l.id).quantity(2).delivery(delivery);
    let order = rt.block_on(placed.place(&buyer)).unwrap().id;
    farmer.sync(rt);
    for action in [
        OrderAction::Accept,
        OrderAction::Pack,
        OrderAction::Ship {
            carrier: "SF Express".into(),
            tracking: "SF100200300".into(),
        },
    ] {
        farmer.core.act_on_order(order, action).unwrap();
    }
    farmer.sync(rt);
    Shipped {
        farmer,
        buyer_token,
        buyer,
        order,
    }
}

#[test]
fn a_non_contact_delivery_photo_goes_through_the_pipeline_syncs_and_only_its_buyer_sees_it() {
    let rt = rt();
    let hub = HubProcess::start();
    let s = shipped(&rt, &hub, Delivery::NonContact);
    let core = &s.farmer.core;
    let queued = core.pending_count().unwrap();

    // Without a photo: refused on the device, in both languages, nothing queued.
    let bare = core.deliver_order(s.order, None).unwrap_err();
    assert!(
        matches!(&bare, Error::Rule(r) if r.code == "delivery_photo_missing"),
        "{bare:?}"
    );
    assert_eq!(bare.code(), MsgCode::DeliveryPhotoMissing);
    assert!(bare.localized(Lang::Zh).contains("照片"), "{bare}");
    let also_bare = core.act_on_order(s.order, OrderAction::Deliver { photo: None });
    assert!(matches!(also_bare, Err(Error::Rule(_))), "{also_bare:?}");

    // A photo that is not one: the pipeline's clear errors, nothing kept.
    let blobs_before = device_rows(&s.farmer, "SELECT count(*) FROM blobs");
    for (bad, want) in [
        ("bad-photos/truncated.jpg", MsgCode::PhotoDamaged),
        ("bad-photos/not-an-image.jpg", MsgCode::PhotoNotAPhoto),
        ("bad-photos/empty.jpg", MsgCode::PhotoEmpty),
    ] {
        let e = core
            .deliver_order(s.order, Some(&testdata(bad)))
            .unwrap_err();
        assert!(matches!(e, Error::Photo(_)), "{bad}: {e:?}");
        assert_eq!(e.code(), want, "{bad}");
    }
    assert!(matches!(
        core.deliver_order_bytes(s.order, Some(b"")),
        Err(Error::Photo(PhotoError::Empty))
    ));
    assert_eq!(
        device_rows(&s.farmer, "SELECT count(*) FROM blobs"),
        blobs_before
    );
    assert_eq!(core.pending_count().unwrap(), queued, "nothing queued");
    assert_eq!(
        core.order(s.order).unwrap().state.status,
        OrderStatus::Shipped
    );

    // The phone's 12 MP photo with its GPS position in EXIF.
    let source = testdata("photos/phone-12mp-exif-rotated.jpg");
    assert!(contains(&std::fs::read(&source).unwrap(), b"Exif"));
    let delivered = core.deliver_order(s.order, Some(&source)).unwrap();
    assert_eq!(delivered.state.status, OrderStatus::Delivered);
    assert!(delivered.pending_sync);
    let photo = delivered.state.delivery_photo.clone().unwrap();
    assert_eq!((photo.width, photo.height), (1280, 960), "upright, resized");
    for sha in [&photo.sha256, &photo.thumb_sha256] {
        let stored = std::fs::read(core.photo_path(sha).unwrap()).unwrap();
        assert!(stored.starts_with(&[0xFF, 0xD8]), "a JPEG");
        assert!(!contains(&stored, b"Exif"), "no EXIF, so no GPS");
        assert!(!contains(&stored, &[0xFF, 0xE1]), "no APP1 segment");
        assert_eq!(&sha256_hex(&stored), sha, "content-addressed");
    }
    let ops = core.pending_ops(100).unwrap();
    let op = ops.last().unwrap();
    assert_eq!(
        op.op.body.photo_blobs(),
        [&photo.sha256, &photo.thumb_sha256]
    );

    // Sync uploads the photo first; the hub takes the op and keeps the photo.
    let report = s.farmer.sync(&rt);
    assert_eq!(report.rejected, 0);
    assert_eq!(report.progress.photos_uploaded, 2);
    assert_eq!(core.pending_count().unwrap(), 0);
    let store = hub.store();
    for sha in [&photo.sha256, &photo.thumb_sha256] {
        assert!(store.photo_complete(sha).unwrap(), "{sha} complete");
    }
    assert_eq!(
        store.order_photo_refs(s.order).unwrap(),
        Some((photo.sha256.clone(), photo.thumb_sha256.clone())),
        "the order holds both against collection"
    );
    let synced = core.order(s.order).unwrap();
    assert!(!synced.pending_sync);
    assert_eq!(synced.state.delivery_photo.as_ref(), Some(&photo));

    rt.block_on(async {
        // The buyer's order (JSON) names the photo's address, and it serves.
        let seen = s.buyer.get_order(s.order).await.unwrap();
        assert_eq!(seen.order.status, OrderStatus::Delivered);
        assert_eq!(seen.order.delivery_photo.as_ref(), Some(&photo));
        let url = seen.delivery_photo_url.clone().unwrap();
        assert_eq!(url, format!("/v1/orders/{}/delivery-photo", s.order));
        let jpeg = s.buyer.delivery_photo(s.order).await.unwrap();
        assert_eq!(sha256_hex(&jpeg), photo.sha256);
        assert!(!contains(&jpeg, b"Exif"));

        // Another buyer gets nothing, by the order's address or the hash.
        let api = Api::new(&hub.url);
        let other_token = api.buyer("Li Wei").await;
        let other = BuyerClient::with_token(&hub.url, &other_token).unwrap();
        match other.delivery_photo(s.order).await {
            Err(Error::Hub { status: 404, .. }) => {}
            got => panic!("another buyer read the photo: {got:?}"),
        }
        let blob = format!("/v1/blobs/{}", photo.sha256);
        for token in [None, Some(other_token.as_str()), Some(&s.buyer_token)] {
            let (status, _, _) = api.send(Method::GET, &blob, token, None, &[]).await;
            assert_eq!(status, 404, "a doorstep photo is not public by its hash");
        }
        let (status, _, _) = api
            .send(Method::GET, &url, Some(&other_token), None, &[])
            .await;
        assert_eq!(status, 404);
        let (status, _, headers) = api
            .send(Method::GET, &url, Some(&s.buyer_token), None, &[])
            .await;
        assert_eq!(status, 200);
        assert_eq!(headers["content-type"], "image/jpeg");

        // The storefront's order page shows it to the buyer's browser only.
        let page = format!("/o/{}", s.order);
        let img = format!("/o/{}/delivery-photo", s.order);
        for (lang, caption) in [("en", "your parcel at the door"), ("zh-CN", "送达照片")] {
            let mut mine = Browser::new(&hub.url, lang);
            mine.cookies
                .insert("farmlive_buyer".into(), s.buyer_token.clone());
            let shown = mine.get(&page).await;
            assert_eq!(shown.status, 200);
            assert!(
                shown.body.contains(&format!("<img src=\"{img}\"")),
                "{}",
                shown.body
            );
            assert!(shown.body.contains(caption), "{}", shown.body);
            let served = mine.get(&img).await;
            assert_eq!(served.status, 200);
            assert_eq!(served.headers["content-type"], "image/jpeg");
        }
        let mut theirs = Browser::new(&hub.url, "en");
        theirs.cookies.insert("farmlive_buyer".into(), other_token);
        assert_eq!(theirs.get(&page).await.status, 404);
        let refused = theirs.get(&img).await;
        assert_eq!(refused.status, 404);
        assert!(!refused.body.contains("JFIF"));
        let mut stranger = Browser::new(&hub.url, "en");
        assert_eq!(stranger.get(&img).await.status, 404);
    });
}

#[test]
fn the_hub_refuses_a_non_contact_delivery_without_a_photo_or_with_one_it_does_not_hold() {
    let rt = rt();
    let hub = HubProcess::start();
    let s = shipped(&rt, &hub, Delivery::NonContact);
    let api = Api::new(&hub.url);
    let token = s.farmer.token();
    let push = |action: serde_json::Value| {
        let mut op = json!({
            "id": farmlive_core::protocol::OpId::new().to_string(),
            "at": stamp_now(),
            "type": "order_action",
            "order": s.order.to_string(),
        });
        op.as_object_mut()
            .unwrap()
            .extend(action.as_object().unwrap().clone());
        json!({ "ops": [op] })
    };
    rt.block_on(async {
        // An older device's deliver op, without a photo.
        let v = api
            .expect(
                Method::POST,
                "/v1/ops",
                &token,
                push(json!({"action": "deliver"})),
                "200",
            )
            .await;
        let result = &v["results"][0];
        assert_eq!(result["outcome"], "rejected", "{v}");
        assert_eq!(result["code"], "delivery_photo_missing", "{v}");
        // A photo the hub never received.
        let ghost = json!({"sha256": "a".repeat(64), "thumb_sha256": "b".repeat(64),
                           "width": 1280, "height": 960, "bytes": 1000});
        let v = api
            .expect(
                Method::POST,
                "/v1/ops",
                &token,
                push(json!({"action": "deliver", "photo": ghost})),
                "200",
            )
            .await;
        let rejection = &v["results"][0];
        assert_eq!(rejection["outcome"], "rejected", "{v}");
        assert_eq!(rejection["code"], "blob_missing", "{v}");
        assert!(
            rejection["message"]
                .as_str()
                .unwrap()
                .contains("delivery photo"),
            "{v}"
        );
        let o = s.buyer.get_order(s.order).await.unwrap();
        assert_eq!(o.order.status, OrderStatus::Shipped);
        assert_eq!((o.order.delivery_photo, o.delivery_photo_url), (None, None));
    });
}

#[test]
fn a_standard_order_may_be_delivered_without_a_photo_as_before() {
    let rt = rt();
    let hub = HubProcess::start();
    let s = shipped(&rt, &hub, Delivery::Standard);
    let done = s.farmer.core.deliver_order(s.order, None).unwrap();
    assert_eq!(done.state.status, OrderStatus::Delivered);
    assert_eq!(s.farmer.sync(&rt).rejected, 0);
    let seen = rt.block_on(s.buyer.get_order(s.order)).unwrap();
    assert_eq!(seen.order.status, OrderStatus::Delivered);
    assert_eq!(seen.delivery_photo_url, None);
    match rt.block_on(s.buyer.delivery_photo(s.order)) {
        Err(Error::Hub { status: 404, .. }) => {}
        got => panic!("an order without a photo served one: {got:?}"),
    }
}

/// A count from the device's own database.
fn device_rows(device: &Device, sql: &str) -> i64 {
    let db = device.dir.path().join(farmlive_core::DB_FILE);
    rusqlite::Connection::open(db)
        .unwrap()
        .query_row(sql, [], |r| r.get(0))
        .unwrap()
}
