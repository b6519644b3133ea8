//! The farm's sales on the device, checked against orders placed through a
//! real hub: buyers order from the shop and from a live room, one cancels,
//! the farmer's phone syncs, and its offline totals (orders, revenue,
//! kilograms and counted units, on air and off air, best sellers) are the
//! sums of what the hub answered. `farmlive stats` prints the same, in
//! Chinese with 公斤 and ¥.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use farmlive_core::protocol::api::Role;
use farmlive_core::protocol::{Currency, Delivery, OrderState, Unit};
use farmlive_tests::api::Api;
use farmlive_tests::{BuyerBuilder, HubProcess, ListingBuilder, RoomBuilder, bin, rt};
use std::process::Command;

#[test]
fn the_devices_sales_are_the_sums_of_the_orders_placed_through_the_hub() {
    let rt = rt();
    let hub = HubProcess::start();
    let phone = hub.device(&rt, &["Li orchard"], Role::Farmer, "phone");
    let farm = phone.farm("Li orchard");
    let mangoes = phone
        .list(
            "Li orchard",
            &ListingBuilder::new("Guifei mangoes")
                .unit(Unit::Jin)
                .price("8.00")
                .stock(1_000),
        )
        .id;
    let lychees = phone
        .list(
            "Li orchard",
            &ListingBuilder::new("Lychee gift box")
                .unit(Unit::Box)
                .price("120.00")
                .stock(50),
        )
        .id;
    phone.sync(&rt);

    let buyers: Vec<_> = (0..4)
        .map(|i| rt.block_on(BuyerBuilder::new(&format!("buyer {i}")).sign_up(&hub.url)))
        .collect();
    let mut placed: Vec<OrderState> = Vec::new();
    // Off air: 10 斤 and 3 boxes from the shop.
    placed.push(
        rt.block_on(buyers[0].order(mangoes, 10, Delivery::Standard, "a"))
            .unwrap(),
    );
    placed.push(
        rt.block_on(buyers[1].order(lychees, 3, Delivery::NonContact, "b"))
            .unwrap(),
    );
    let cancelled = rt
        .block_on(buyers[2].order(mangoes, 40, Delivery::Standard, "c"))
        .unwrap();
    rt.block_on(buyers[2].cancel(cancelled.id, "changed my mind"))
        .unwrap();

    // On air: mangoes on the shelf of a live room, pinned at 7.80.
    let api = Api::new(&hub.url);
    let token = phone.token();
    let (room, _) = rt.block_on(api.open(&token, &RoomBuilder::new(farm, &[mangoes])));
    rt.block_on(api.pin(&token, room, mangoes, Some(780)));
    placed.push(
        rt.block_on(buyers[3].order_in_room(room, None, 6, Delivery::Standard, "d"))
            .unwrap(),
    );
    placed.push(
        rt.block_on(buyers[0].order(mangoes, 2, Delivery::Standard, "e"))
            .unwrap(),
    );
    rt.block_on(api.end(&token, room));
    phone.sync(&rt);

    let report = phone.core.sales(None, 480).unwrap();
    let cny = |o: &OrderState| o.total.minor;
    let revenue: i64 = placed.iter().map(cny).sum();
    assert_eq!(report.today.orders, 4, "the cancelled order is not a sale");
    assert_eq!(report.today.revenue_minor(Currency::CNY), revenue);
    assert_eq!(revenue, 10 * 800 + 3 * 12_000 + 6 * 780 + 2 * 780);
    assert_eq!(
        report.today.grams,
        (10 + 6 + 2) * 500,
        "斤 weighed as 500 g"
    );
    assert_eq!(report.today.counted, vec![(Unit::Box, 3)]);
    assert_eq!(report.season, report.today);
    assert_eq!(
        (report.on_air.orders, report.off_air.orders),
        (2, 2),
        "the room order and the shop order of a shelved listing were on air"
    );
    assert_eq!(report.on_air.grams, 8 * 500);
    assert_eq!(report.top[0].listing, lychees, "¥360 of lychees lead");
    assert_eq!(report.top[1].totals.orders, 3);

    // The command line shows it, in Chinese.
    let out = Command::new(bin("farmlive"))
        .args(["stats", "--utc-offset", "+08:00"])
        .env("FARMLIVE_DATA_DIR", phone.dir.path())
        .env("LANG", "zh_CN.UTF-8")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("今天"), "{text}");
    assert!(text.contains("9 公斤"), "{text}");
    assert!(text.contains("3 箱"), "{text}");
    assert!(text.contains(&format!("¥{}.", revenue / 100)), "{text}");
    assert!(text.contains("本季畅销"), "{text}");
    let json = Command::new(bin("farmlive"))
        .args(["--json", "stats", "--utc-offset", "+08:00"])
        .env("FARMLIVE_DATA_DIR", phone.dir.path())
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["today"]["orders"], 4);
    assert_eq!(v["today"]["grams"], 9_000);
}
