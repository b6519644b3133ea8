//! The storefront in a real browser: Debian's chromium driven by
//! playwright-core (from npm, locked in `tests/browser/package-lock.json`,
//! installed by `cargo xtask setup` outside the repository) against a real
//! hub process, at a phone's size (390×844). The script
//! (`tests/browser/storefront.mjs`) opens the home page and a room page,
//! orders through the form (and is told when stock runs out), comments
//! through the box and sees the comment
//! come back over the event stream, and loads the player libraries the hub
//! serves; screenshots go to
//! `target/artifacts/browser/`.
//!
//! Skipped, saying so, only when chromium is absent and
//! `FARMLIVE_REQUIRE_BROWSER` is unset; CI installs chromium, so it runs there.

#![allow(clippy::unwrap_used)]

use farmlive_core::OrderFilter;
use farmlive_core::protocol::api::Role;
use farmlive_core::protocol::api::pages;
use farmlive_tests::api::Api;
use farmlive_tests::{HubProcess, ListingBuilder, RoomBuilder, rt};
use std::path::{Path, PathBuf};
use std::process::Command;

const CHROMIUM: &str = "/usr/bin/chromium";

/// Where `cargo xtask setup` ran `npm ci` (see xtask's `packages::npm_dir`).
fn npm_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("FARMLIVE_NPM_DIR") {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("/tmp"), PathBuf::from);
    home.join(".cache/farmlive/npm")
}

/// `target/artifacts/browser`, beside the test binaries.
fn artifacts() -> PathBuf {
    let mut dir = std::env::current_exe().unwrap();
    dir.pop(); // the binary
    if dir.ends_with("deps") {
        dir.pop();
    }
    dir.pop(); // the profile (debug)
    dir.join("artifacts").join("browser")
}

#[test]
fn the_storefront_works_in_chromium_at_phone_size() {
    let required = std::env::var_os("FARMLIVE_REQUIRE_BROWSER").is_some();
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| CHROMIUM.to_owned());
    if !Path::new(&chromium).exists() {
        assert!(
            !required,
            "FARMLIVE_REQUIRE_BROWSER is set but {chromium} is missing: run `cargo xtask setup`"
        );
        eprintln!("SKIPPED: no {chromium} (install it with `cargo xtask setup`)");
        return;
    }
    let npm = npm_dir();
    assert!(
        npm.join("node_modules/playwright-core").is_dir(),
        "playwright-core is not installed in {}: run `cargo xtask setup`",
        npm.display()
    );

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
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("browser/storefront.mjs");
    let out = Command::new("node")
        .arg(&script)
        .arg(&hub.url)
        .arg(&out_dir)
        .arg(pages::ROOM.path_for(room))
        .arg(pages::ROOM.path_for(ended))
        .env("FARMLIVE_NPM_DIR", &npm)
        .env("CHROMIUM", &chromium)
        .output()
        .expect("run node");
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
    let orders = hub.count("SELECT COUNT(*) FROM orders", []);
    assert_eq!(orders, 1, "{stdout}");
    farmer.sync(&rt);
    let on_phone = farmer.core.orders(&OrderFilter::default()).unwrap();
    assert_eq!(on_phone.len(), 1);
    let order = &on_phone[0].state;
    assert_eq!((order.quantity, order.unit_price.minor), (2, 800));
    assert_eq!(order.contact.name, "Wang Fang");
    assert_eq!(farmer.core.listing(mango.id).unwrap().stock, 18);
}
