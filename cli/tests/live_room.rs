//! `farmlive live --room` and `farmlive buyer ...` against a hub served by
//! `farmlive hub`, each a real process.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn farmlive(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_farmlive"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .output()
        .unwrap()
}

fn ok(data: &Path, args: &[&str]) -> String {
    let out = farmlive(data, args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

struct Hub {
    child: Child,
    url: String,
    code: String,
}

impl Drop for Hub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn hub(dir: &Path) -> Hub {
    let mut child = Command::new(env!("CARGO_BIN_EXE_farmlive"))
        .args([
            "hub",
            "--listen",
            "127.0.0.1:0",
            "--farm",
            "Li farm",
            "--db",
        ])
        .arg(dir.join("hub.db"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let second = lines.next().unwrap().unwrap();
    Hub {
        child,
        url: first.rsplit(' ').next().unwrap().to_owned(),
        code: second.rsplit(' ').next().unwrap().to_owned(),
    }
}

#[test]
fn a_farmer_sells_live_from_the_command_line_while_buyers_comment_and_order() {
    let dir = tempfile::tempdir().unwrap();
    let hub = hub(dir.path());
    let farmer = dir.path().join("farmer");
    ok(&farmer, &["enrol", "--hub", &hub.url, "--code", &hub.code]);
    ok(
        &farmer,
        &[
            "listing", "add", "--title", "Mangoes", "--unit", "kg", "--price", "10", "--stock",
            "50",
        ],
    );
    ok(&farmer, &["sync"]);

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
    let live = Command::new(env!("CARGO_BIN_EXE_farmlive"))
        .arg("--data-dir")
        .arg(&farmer)
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
