//! The storefront in a real browser: Debian's chromium driven by
//! playwright-core (from npm, locked in `tests/browser/package-lock.json`,
//! installed by `cargo xtask setup` outside the repository) against a real
//! hub process, at a phone's size (390×844). The script
//! (`tests/browser/storefront.mjs`) opens the home page and a room page,
//! orders through the form (and is told when stock runs out), comments
//! through the box and sees the comment
//! come back over the event stream, sees the farmer's new pin arrive
//! without a guest (the room's public events, no polling), and loads the player libraries the hub
//! serves; screenshots go to
//! `target/artifacts/browser/`.
//!
//! Skipped, saying so, only when chromium is absent and
//! `FARMLIVE_REQUIRE_BROWSER` is unset; CI installs chromium, so it runs there.

#![allow(clippy::unwrap_used)]

use farmlive_core::OrderFilter;
use farmlive_core::protocol::api::Role;
use farmlive_core::protocol::api::{pages, rooms};
use farmlive_core::protocol::{Currency, Money};
use farmlive_tests::api::Api;
use farmlive_tests::browser::{Browser, artifacts};
use farmlive_tests::{HubProcess, ListingBuilder, RoomBuilder, rt};

#[test]
fn the_storefront_works_in_chromium_at_phone_size() {
    let Some(browser) = Browser::find() else {
        return;
    };

    let rt = rt();
    let hub = HubProcess::start();
    let farmer = hub.device(&rt, &["Farm A"], Role::Farmer, "A");
    let farm = farmer.farm("Farm A");
    let mango = farmer.list("Farm A", &ListingBuilder::new("Guifei mango").stock(20));
    farmer.list(
        "Farm A",
        &ListingBuilder::new("Lychee").price("20.00").stock(50),
    );
    farmer.sync(&rt);
    let api = Api::new(&hub.url);
    let token = farmer.token();
    let (room, ended) = rt.block_on(async {
        let photo = std::fs::read(farmlive_tests::photo("leaf-2560x1600.jpg")).unwrap();
        let sha = api.upload(&token, &photo).await;
        let got = api
            .attach(&token, &mango.id.to_string(), &sha, photo.len())
            .await;
        assert_eq!(got, "applied");
        // Yesterday's show, ended (a farm has one live room at a time).
        let ended = RoomBuilder::new(farm, &[mango.id]).title("Yesterday's picking");
        let (ended, _) = api.open(&token, &ended).await;
        api.end(&token, ended).await;
        let room = RoomBuilder::new(farm, &[mango.id]).title("Mango harvest, Hainan");
        let (room, _) = api.open(&token, &room).await;
        api.pin(&token, room, mango.id, Some(800)).await;
        (room, ended)
    });

    let out_dir = artifacts();
    let out = browser.run(
        "storefront.mjs",
        &[
            &hub.url,
            &out_dir.to_string_lossy(),
            &pages::ROOM.path_for(room),
            &pages::ROOM.path_for(ended),
            &serde_json::json!({
                "url": format!("{}{}", hub.url, rooms::PIN.path_for(room)),
                "token": token,
                "body": { "listing": mango.id, "live_price": Money::from_minor(750, Currency::CNY) },
                "price": "¥7.50",
                "back": { "listing": mango.id, "live_price": Money::from_minor(800, Currency::CNY) },
            })
            .to_string(),
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the browser script failed:\n{stdout}\n{stderr}"
    );
    for name in [
        "home",
        "home-zh",
        "room",
        "order",
        "room-guest",
        "room-sold-out",
        "room-ended",
    ] {
        let shot = out_dir.join(format!("{name}.png"));
        let bytes = std::fs::read(&shot).unwrap();
        assert!(bytes.starts_with(b"\x89PNG"), "{} is a PNG", shot.display());
    }
    // The order the browser placed reaches the farmer's device, at the live
    // price, and took its stock.
    let orders = hub.census().orders;
    assert_eq!(orders, 1, "{stdout}");
    farmer.sync(&rt);
    let on_phone = farmer.core.orders(&OrderFilter::default()).unwrap();
    assert_eq!(on_phone.len(), 1);
    let order = &on_phone[0].state;
    assert_eq!((order.quantity, order.unit_price.minor), (2, 800));
    assert_eq!(order.contact.name, "Wang Fang");
    assert_eq!(farmer.core.listing(mango.id).unwrap().stock, 18);
}
