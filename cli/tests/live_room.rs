//! `farmlive live --room` and `farmlive buyer ...` against a hub served by
//! `farmlive hub`, each a real process.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;

use common::{Hub, command, farmlive, ok};
use serde_json::Value;
use std::process::Stdio;
use std::time::{Duration, Instant};

#[test]
fn a_farmer_sells_live_from_the_command_line_while_buyers_comment_and_order() {
    let dir = tempfile::tempdir().unwrap();
    let hub = Hub::start(&dir.path().join("hub.db"));
    let farmer = hub.farmer_with_mangoes(dir.path());

    // Going live without saying which listing the live price is for.
    let out = farmlive(
        &farmer,
        &[
            "live",
            "--to",
            "x.flv",
            "--room",
            "Harvest",
            "--live-price",
            "7",
        ],
    );
    assert_eq!(out.status.code(), Some(2));

    let flv = dir.path().join("live.flv");
    let live = command(&farmer)
        .args(["--json", "live", "--size", "320x240", "--duration", "6s"])
        .args([
            "--room",
            "Mango harvest",
            "--pin",
            "1",
            "--live-price",
            "7.80",
        ])
        .arg("--to")
        .arg(&flv)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();

    // Buyers find the room once it is on air, with mangoes pinned.
    let buyer = dir.path().join("buyer");
    let until = Instant::now() + Duration::from_secs(20);
    loop {
        let rooms: Value = serde_json::from_str(&ok(
            &buyer,
            &["--json", "buyer", "--hub", &hub.url, "rooms"],
        ))
        .unwrap();
        if rooms[0]["pin"]["live_price"]["minor"] == 780 {
            break;
        }
        assert!(Instant::now() < until, "no room with a pin: {rooms}");
        std::thread::sleep(Duration::from_millis(100));
    }
    let said = ok(
        &buyer,
        &[
            "buyer",
            "--hub",
            &hub.url,
            "comment",
            "Sweet?",
            "--name",
            "Wang Fang",
        ],
    );
    assert!(said.contains("💬 Wang: Sweet?"), "{said}");
    let order: Value = serde_json::from_str(&ok(
        &buyer,
        &[
            "--json",
            "buyer",
            "--hub",
            &hub.url,
            "order",
            "--room",
            "live",
            "--qty",
            "2",
            "--non-contact",
        ],
    ))
    .unwrap();
    assert_eq!(order["unit_price"]["minor"], 780);
    // A comment over the limit is the buyer's mistake: exit 2, with why.
    let long = "x".repeat(201);
    let out = farmlive(&buyer, &["buyer", "--hub", &hub.url, "comment", &long]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("keep it to 200"));

    let out = live.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let room_event = |kind: &str| {
        lines
            .iter()
            .filter(|l| l["type"] == "room" && l["event"]["type"] == kind)
            .count()
    };
    assert_eq!(room_event("order_placed"), 1, "{stdout}");
    assert_eq!(room_event("comment"), 1, "{stdout}");
    assert_eq!(room_event("ended"), 1, "{stdout}");
    let summary = lines.last().unwrap();
    assert_eq!(summary["type"], "summary");
    assert_eq!(summary["orders"], 1);
    assert!(std::fs::metadata(&flv).unwrap().len() > 10_000);
    // The order reached the farmer's store, non-contact.
    let orders: Value = serde_json::from_str(&ok(&farmer, &["--json", "orders", "list"])).unwrap();
    assert_eq!(orders[0]["delivery"], "non_contact", "{orders}");
    // And the room's events stay on the phone, to look back at.
    let rooms: Value = serde_json::from_str(&ok(&farmer, &["--json", "rooms"])).unwrap();
    assert_eq!(rooms[0]["status"], "ended");
    let room = rooms[0]["id"].as_str().unwrap();
    let told = ok(&farmer, &["rooms", room]);
    assert!(
        told.contains("💬 Wang: Sweet?") && told.contains("(live price)"),
        "{told}"
    );
}

#[test]
fn going_live_with_a_room_needs_a_hub() {
    let dir = tempfile::tempdir().unwrap();
    let out = farmlive(
        dir.path(),
        &[
            "live",
            "--to",
            "x.flv",
            "--duration",
            "1s",
            "--room",
            "Harvest",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not connected to a hub yet"));
}
