//! Devices and a real hub process over loopback HTTP: offline edits converge,
//! stock adds up, the last box sells once, refused ops become conflicts.

#![allow(clippy::unwrap_used)]

use farmlive_core::protocol::api::Role;
use farmlive_core::protocol::{Currency, Delivery, ListingPatch, Money, OrderAction, OrderStatus};
use farmlive_core::sync::BuyerClient;
use farmlive_core::{Error, OrderFilter};
use farmlive_tests::{Device, HubProcess, ListingBuilder, OrderBuilder, photo, rt};

#[test]
fn a_farmer_and_an_agent_editing_offline_converge_everywhere() {
    let rt = rt();
    let hub = HubProcess::start();
    let farmer = hub.device(&rt, &["Li orchard"], Role::Farmer, "Li's phone");
    let agent = hub.device(
        &rt,
        &["Li orchard", "Green Valley"],
        Role::Agent,
        "agent tablet",
    );

    let listing = agent.list("Li orchard", &ListingBuilder::new("Mangoes").stock(100));
    agent.sync(&rt);
    farmer.sync(&rt);
    assert_eq!(farmer.core.listing(listing.id).unwrap().title, "Mangoes");

    // Both offline: the farmer edits price and description, the agent edits
    // title and (later) the description too.
    let price = |m| Some(Money::from_minor(m, Currency::CNY));
    farmer
        .core
        .edit_listing(
            listing.id,
            ListingPatch {
                price: price(1200),
                description: Some("farmer's words".into()),
                ..Default::default()
            },
        )
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(5));
    agent
        .core
        .edit_listing(
            listing.id,
            ListingPatch {
                title: Some("Guifei mangoes".into()),
                description: Some("agent's words".into()),
                ..Default::default()
            },
        )
        .unwrap();

    farmer.sync(&rt);
    agent.sync(&rt);
    farmer.sync(&rt);

    let on_farmer = farmer.core.listing(listing.id).unwrap();
    let on_agent = agent.core.listing(listing.id).unwrap();
    let on_hub = rt
        .block_on(hub.buyer(&rt, "b").listings())
        .unwrap()
        .into_iter()
        .find(|l| l.id == listing.id)
        .unwrap();
    for (title, description, price) in [
        (
            &on_farmer.title,
            &on_farmer.description,
            on_farmer.price.minor,
        ),
        (&on_agent.title, &on_agent.description, on_agent.price.minor),
        (&on_hub.title, &on_hub.description, on_hub.price.minor),
    ] {
        assert_eq!(title, "Guifei mangoes", "the agent's title");
        assert_eq!(
            description, "agent's words",
            "the later description edit wins"
        );
        assert_eq!(
            price, 1200,
            "the farmer's price, which the agent did not touch"
        );
    }
    assert_eq!(
        farmer.core.pending_count().unwrap() + agent.core.pending_count().unwrap(),
        0
    );
}

#[test]
fn stock_adjustments_from_two_devices_add_up() {
    let rt = rt();
    let hub = HubProcess::start();
    let farmer = hub.device(&rt, &["Li orchard"], Role::Farmer, "phone");
    let agent = hub.device(&rt, &["Li orchard"], Role::Agent, "tablet");
    let l = farmer.list("Li orchard", &ListingBuilder::new("Lychees").stock(50));
    farmer.sync(&rt);
    agent.sync(&rt);

    farmer.core.adjust_stock(l.id, 30).unwrap(); // harvest in
    agent.core.adjust_stock(l.id, -12).unwrap(); // sold at the village market
    agent.core.adjust_stock(l.id, -3).unwrap();
    farmer.sync(&rt);
    agent.sync(&rt);
    farmer.sync(&rt);
    assert_eq!(farmer.core.listing(l.id).unwrap().stock, 65);
    assert_eq!(agent.core.listing(l.id).unwrap().stock, 65);
}

#[test]
fn concurrent_buyers_never_both_buy_the_last_box() {
    let rt = rt();
    let hub = HubProcess::start();
    let farmer = hub.device(&rt, &["Li orchard"], Role::Farmer, "phone");
    let l = farmer.list(
        "Li orchard",
        &ListingBuilder::new("Last box of durian").stock(1),
    );
    farmer.sync(&rt);

    let buyers: Vec<std::sync::Arc<BuyerClient>> = (0..12)
        .map(|i| std::sync::Arc::new(hub.buyer(&rt, &format!("buyer {i}"))))
        .collect();
    let results = rt.block_on(async {
        let orders = buyers.iter().enumerate().map(|(i, b)| {
            let (b, id) = (b.clone(), l.id);
            async move { b.order(id, 1, Delivery::Standard, &format!("k{i}")).await }
        });
        futures_join_all(orders).await
    });
    let won = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(won, 1, "exactly one buyer gets the last box: {results:?}");
    for r in results.iter().filter_map(|r| r.as_ref().err()) {
        assert!(
            matches!(r, Error::Hub { status: 409, code, .. } if code == "out_of_stock"),
            "{r:?}"
        );
    }
    farmer.sync(&rt);
    assert_eq!(farmer.core.listing(l.id).unwrap().stock, 0);
    assert_eq!(
        farmer.core.orders(&OrderFilter::default()).unwrap().len(),
        1
    );
}

/// Runs futures concurrently on the current task (no extra crate needed).
async fn futures_join_all<F>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

/// A farmer with 20 kg of mangoes on the hub and buyer Wang's order for
/// `qty`, synced to the farmer's phone.
fn farm_with_an_order(
    rt: &tokio::runtime::Runtime,
    hub: &HubProcess,
    qty: i64,
    delivery: Delivery,
) -> (
    Device,
    farmlive_core::Listing,
    BuyerClient,
    farmlive_core::protocol::OrderState,
) {
    let farmer = hub.device(rt, &["Li orchard"], Role::Farmer, "phone");
    let l = farmer.list("Li orchard", &ListingBuilder::new("Mangoes").stock(20));
    farmer.sync(rt);
    let wang = hub.buyer(rt, "Wang");
    let order = OrderBuilder::new(l.id)
        .quantity(qty)
        .delivery(delivery)
        .key("o1");
    let order = rt.block_on(order.place(&wang)).unwrap();
    farmer.sync(rt);
    (farmer, l, wang, order)
}

#[test]
fn a_buyer_cancel_before_the_farmer_accepts_shows_as_a_conflict() {
    let rt = rt();
    let hub = HubProcess::start();
    let (farmer, l, wang, order) = farm_with_an_order(&rt, &hub, 4, Delivery::NonContact);
    assert_eq!(farmer.core.listing(l.id).unwrap().stock, 16);

    rt.block_on(wang.cancel(order.id, "found some at the market"))
        .unwrap();
    // The farmer, offline, accepts: locally it looks accepted.
    let local = farmer
        .core
        .act_on_order(order.id, OrderAction::Accept)
        .unwrap();
    assert_eq!(local.state.status, OrderStatus::Accepted);
    assert!(local.pending_sync);

    let report = farmer.sync(&rt);
    assert_eq!(report.rejected, 1);
    let conflicts = farmer.core.conflicts(false).unwrap();
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].code, "cancelled_by_buyer");
    assert_eq!(
        conflicts[0].message,
        "the buyer cancelled this order before you could accept it: found some at the market"
    );
    let now = farmer.core.order(order.id).unwrap();
    assert_eq!(
        now.state.status,
        OrderStatus::Cancelled,
        "the local view falls back to the hub's truth"
    );
    assert!(!now.pending_sync);
    assert_eq!(
        farmer.core.listing(l.id).unwrap().stock,
        20,
        "the cancelled units are back"
    );
    farmer.core.resolve_conflict(conflicts[0].id).unwrap();
    assert!(farmer.core.conflicts(false).unwrap().is_empty());
}

#[test]
fn the_farmer_fulfils_an_order_offline_and_the_buyer_sees_it() {
    let rt = rt();
    let hub = HubProcess::start();
    let (farmer, l, wang, order) = farm_with_an_order(&rt, &hub, 2, Delivery::Standard);
    for action in [
        OrderAction::Accept,
        OrderAction::Pack,
        OrderAction::Ship {
            carrier: "SF Express".into(),
            tracking: "SF100200300".into(),
        },
    ] {
        farmer.core.act_on_order(order.id, action).unwrap();
    }
    farmer.sync(&rt);
    let seen = rt.block_on(wang.get_order(order.id)).unwrap().order;
    assert_eq!(seen.status, OrderStatus::Shipped);
    assert_eq!(seen.shipment.unwrap().tracking, "SF100200300");
    // A retried order with the same key does not order twice.
    let again = rt
        .block_on(wang.order(l.id, 2, Delivery::Standard, "o1"))
        .unwrap();
    assert_eq!(again.id, order.id);
    farmer.sync(&rt);
    assert_eq!(farmer.core.listing(l.id).unwrap().stock, 18);
}

#[test]
fn photos_upload_before_their_ops_and_reach_the_other_device() {
    let rt = rt();
    let hub = HubProcess::start();
    let agent = hub.device(&rt, &["Li orchard"], Role::Agent, "tablet");
    let farmer = hub.device(&rt, &["Li orchard"], Role::Farmer, "phone");
    let l = agent.list("Li orchard", &ListingBuilder::new("Mangoes").stock(5));
    let photo = agent
        .core
        .add_photo_file(l.id, photo("phone-12mp-exif-rotated.jpg"))
        .unwrap();
    let report = agent.sync(&rt);
    assert_eq!(report.progress.photos_uploaded, 2, "image and thumbnail");
    let local = std::fs::read(agent.core.photo_path(&photo.sha256).unwrap()).unwrap();
    let served = rt.block_on(async {
        reqwest::get(format!("{}/v1/blobs/{}", hub.url, photo.sha256))
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
    });
    assert_eq!(
        served.as_ref(),
        local.as_slice(),
        "the hub serves the exact bytes"
    );

    let pulled = farmer.sync(&rt);
    assert_eq!(
        pulled.progress.photos_downloaded, 2,
        "image and thumbnail fetched for offline display"
    );
    let on_phone = std::fs::read(farmer.core.photo_path(&photo.sha256).unwrap()).unwrap();
    assert_eq!(
        on_phone, local,
        "the farmer's phone holds the agent's exact photo"
    );
    let seen = farmer.core.listing(l.id).unwrap();
    assert_eq!(seen.photos.len(), 1);
    assert_eq!((seen.photos[0].width, seen.photos[0].height), (1280, 960));
    // A second sync uploads nothing again.
    assert_eq!(agent.sync(&rt).progress.photos_uploaded, 0);
}

#[test]
fn listings_made_before_enrolling_move_to_the_hubs_farm() {
    let rt = rt();
    let hub = HubProcess::start();
    let dir = tempfile::tempdir().unwrap();
    let core = farmlive_core::Core::open(dir.path()).unwrap();
    let local_farm = core.resolve_farm(None).unwrap(); // "My farm", made offline
    let l = ListingBuilder::new("Eggs")
        .stock(30)
        .create(&core, local_farm.id);
    rt.block_on(core.enrol(&hub.url, &hub.code(&["Li orchard"], Role::Farmer), "phone"))
        .unwrap();
    let farms = core.farms().unwrap();
    assert_eq!(farms.len(), 1);
    assert_eq!(farms[0].name, "Li orchard");
    rt.block_on(core.sync(&Default::default(), &Default::default(), &|_| {}))
        .unwrap();
    assert_eq!(
        core.conflicts(false).unwrap().len(),
        0,
        "the hub accepted the listing"
    );
    assert_eq!(core.listing(l.id).unwrap().farm_id, farms[0].id);
}
