//! The `farmlive` binary: exit codes, JSON output, human output, the demo.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;

use common::{ListingArgs, farmlive, ok_json, stderr, testdata};
use serde_json::Value;
use std::process::Command;

#[test]
fn add_show_list_search_edit_and_stock_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let added = ok_json(
        d,
        &[
            "listing",
            "add",
            "--title",
            "海南芒果",
            "--unit",
            "斤",
            "--price",
            "8.8",
            "--stock",
            "50",
            "--description",
            "树上熟",
        ],
    );
    assert_eq!(added["title"], "海南芒果");
    assert_eq!(added["unit"], "jin");
    assert_eq!(added["price"]["minor"], 880);
    assert_eq!(added["price"]["currency"], "CNY");
    let id = added["id"].as_str().unwrap().to_owned();
    let short = &id[id.len() - 8..];

    let shown = ok_json(d, &["listing", "show", short]);
    assert_eq!(shown["id"], id.as_str());
    ok_json(
        d,
        &[
            "listing", "add", "--title", "Avocados", "--unit", "box", "--price", "68 KES",
            "--stock", "4",
        ],
    );
    let list = ok_json(d, &["listing", "list"]);
    assert_eq!(list.as_array().unwrap().len(), 2);
    let hits = ok_json(d, &["listing", "search", "芒果"]);
    assert_eq!(hits.as_array().unwrap().len(), 1);
    assert_eq!(hits[0]["title"], "海南芒果");

    let edited = ok_json(d, &["listing", "edit", short, "--price", "9.5"]);
    assert_eq!(edited["price"]["minor"], 950);
    assert_eq!(
        ok_json(d, &["listing", "stock", short, "--add", "10"])["stock"],
        60
    );
    assert_eq!(
        ok_json(d, &["listing", "stock", short, "--remove", "20"])["stock"],
        40
    );
    assert_eq!(
        ok_json(d, &["listing", "stock", short, "--set", "7"])["stock"],
        7
    );
    assert_eq!(ok_json(d, &["listing", "pause", short])["status"], "paused");
    assert_eq!(
        ok_json(d, &["listing", "archive", short])["status"],
        "archived"
    );
    let outbox = ok_json(d, &["outbox"]);
    assert_eq!(outbox["pending"], 8);
}

#[test]
fn photos_are_added_and_removed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let leaf = testdata("photos/leaf-2560x1600.jpg");
    let added = ok_json(
        d,
        &[
            "listing", "add", "--title", "Leaf tea", "--unit", "g", "--price", "0.5", "--photo",
            &leaf,
        ],
    );
    assert_eq!(added["photos"].as_array().unwrap().len(), 1);
    assert_eq!(added["photos"][0]["width"], 1280);
    let id = added["id"].as_str().unwrap();
    let cups = testdata("photos/cups-2560x1600.jpg");
    let two = ok_json(d, &["listing", "photo", "add", id, &cups]);
    assert_eq!(two["photos"].as_array().unwrap().len(), 2);
    let first = two["photos"][0]["sha256"].as_str().unwrap();
    let one = ok_json(d, &["listing", "photo", "rm", id, first]);
    assert_eq!(one["photos"].as_array().unwrap().len(), 1);
    assert_eq!(one["photos"][0]["position"], 0);
}

#[test]
fn bad_input_exits_2_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "listing", "add", "--title", "Mango", "--unit", "kg", "--price", "-3",
            ],
            "cannot be negative",
        ),
        (
            &[
                "listing", "add", "--title", "Mango", "--unit", "kg", "--price", "0",
            ],
            "price must be more than 0",
        ),
        (
            &[
                "listing", "add", "--title", "", "--unit", "kg", "--price", "3",
            ],
            "give the listing a title",
        ),
        (
            &[
                "listing", "add", "--title", "Mango", "--unit", "barrel", "--price", "3",
            ],
            "unknown unit",
        ),
        (
            &[
                "listing", "add", "--title", "Mango", "--unit", "kg", "--price", "3", "--stock",
                "-1",
            ],
            "stock cannot be less than 0",
        ),
        (
            &[
                "listing",
                "add",
                "--title",
                "Mango",
                "--unit",
                "kg",
                "--price",
                "3",
                "--currency",
                "XYZ",
            ],
            "unknown currency",
        ),
        (&["listing", "show", "ffffffff"], "no listing"),
        (&["listing", "show", "not an id"], "not a listing id"),
        (
            &["listing", "list", "--status", "sold"],
            "unknown listing status",
        ),
        (&["listing", "stock", "ffffffff"], "required"),
        (&["listing", "frobnicate"], "unrecognized subcommand"),
        (&["listing", "search", ""], "type something"),
    ];
    for (args, message) in cases {
        let out = farmlive(d, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(message), "{args:?}: {}", stderr(&out));
    }
}

#[test]
fn a_bad_photo_exits_2_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let added = ListingArgs::new("Mango", "3").add(d);
    let id = added["id"].as_str().unwrap();
    for bad in [
        "bad-photos/truncated.jpg",
        "bad-photos/not-an-image.jpg",
        "bad-photos/empty.jpg",
    ] {
        let out = farmlive(d, &["listing", "photo", "add", id, &testdata(bad)]);
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(bad.rsplit('/').next().unwrap()),
            "names the file: {}",
            stderr(&out)
        );
    }
    // A path that is no photo file is the person's mistake (issue 10): exit 2.
    let out = farmlive(d, &["listing", "photo", "add", id, "/no/such/photo.jpg"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a missing file is bad input: {}",
        stderr(&out)
    );
    assert_eq!(
        ok_json(d, &["listing", "show", id])["photos"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(ok_json(d, &["outbox"])["pending"], 1);
}

#[test]
fn failures_exit_1_and_json_errors_are_json() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, "x").unwrap();
    let out = farmlive(&file, &["listing", "list"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("could not create the data directory"),
        "{}",
        stderr(&out)
    );

    let out = farmlive(dir.path(), &["listing", "show", "ffffffff", "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let err: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["error"]["bad_input"], true);
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no listing")
    );
}

#[test]
fn human_output_is_a_table() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    farmlive(
        d,
        &[
            "listing",
            "add",
            "--title",
            "海南贵妃芒果",
            "--unit",
            "jin",
            "--price",
            "8.8",
            "--stock",
            "5",
        ],
    );
    let out = farmlive(d, &["listing", "list"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("REF"), "{text}");
    assert!(
        text.contains("海南贵妃芒果") && text.contains("8.80 CNY/jin") && text.contains("5 jin"),
        "{text}"
    );
}

#[test]
fn the_demo_runs_and_prints_its_summary() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    let out = Command::new(env!("CARGO_BIN_EXE_farmlive"))
        .args(["demo", "--demo-dir"])
        .arg(&demo)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}\n{}", stderr(&out));
    assert!(text.contains("Summary"), "{text}");
    assert!(
        text.contains("12 MP phone photo, EXIF-rotated, with GPS → 1280x960"),
        "{text}"
    );
    assert!(
        text.contains("refused: \"price must be more than 0\""),
        "{text}"
    );
    assert!(
        text.contains("3 listings of 李家果园 identical on both"),
        "{text}"
    );
    assert!(
        text.contains("refused: \"the hub refused: only 682 jin left\""),
        "{text}"
    );
    // On air: mangoes pinned at the live price, orders and comments seen
    // by the farmer while streaming, the live price gone after the unpin.
    for line in [
        "📌 pinned 海南贵妃芒果 at 7.80 CNY live (usually 9.50 CNY)",
        "🛒 王芳 ordered 6 jin 海南贵妃芒果 at 7.80 CNY (live price) = 46.80 CNY, NON-CONTACT delivery",
        "💬 Amina: Do you ship to Nairobi?",
        "🛒 陈伟 ordered 2 jin 海南贵妃芒果 at 9.50 CNY = 19.00 CNY",
        "■ the live session ended",
        "4 orders worth 203.80 CNY while on air (5 on the phone before the stream ended), 2 comments, 2 watching at most",
    ] {
        assert!(text.contains(line), "{line}\n{text}");
    }
    assert!(text.contains("5 placed, 5 shipped"), "{text}");
    // The programme's promises: a route-aware order, an unserved city
    // answered with the nearest served ones, the manifest, the sales.
    for line in [
        "Beijing: 海南冷链 Hainan Cold Chain in 3 days, arrives by",
        "Tianjin refused: this farm does not deliver to Tianjin yet; it delivers to Beijing, Shanghai, Guangzhou",
        "5 orders to ship by route: - (4), beijing (1)",
        "today 5 orders, ¥222.80, 12.5 公斤 sold (4 on air)",
    ] {
        assert!(text.contains(line), "{line}\n{text}");
    }
    let labels = std::fs::read_to_string(demo.join("labels.html")).unwrap();
    assert_eq!(labels.matches("<svg").count(), 5, "one label per order");
    assert!(std::fs::metadata(demo.join("live.flv")).unwrap().len() > 100_000);
    // What the demo left behind are real stores the CLI can read.
    let list = ok_json(&demo.join("agent"), &["listing", "list"]);
    assert_eq!(list.as_array().unwrap().len(), 5);
    let orders = ok_json(&demo.join("farmer"), &["orders", "list"]);
    assert_eq!(orders.as_array().unwrap().len(), 5);
    assert!(
        orders
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["status"] == "shipped")
    );
    assert_eq!(ok_json(&demo.join("agent"), &["outbox"])["pending"], 0);
    let out = Command::new(env!("CARGO_BIN_EXE_farmlive"))
        .args(["demo", "--demo-dir"])
        .arg(&demo)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "refuses a used directory");
}

#[test]
fn live_records_a_stream_that_ffprobe_reads_and_refuses_bad_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let flv = dir.path().join("out.flv");
    let out = Command::new(env!("CARGO_BIN_EXE_farmlive"))
        .args([
            "live",
            "--source",
            "test",
            "--audio",
            "tone",
            "--size",
            "320x240",
            "--fps",
            "15",
            "--bitrate",
            "400k",
            "--duration",
            "2s",
            "--to",
        ])
        .arg(&flv)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let probe = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "stream=codec_name,width,height",
            "-of",
            "csv=p=0",
        ])
        .arg(&flv)
        .output()
        .expect("ffprobe is installed by `cargo xtask test`");
    let streams = String::from_utf8_lossy(&probe.stdout);
    assert!(streams.contains("h264,320,240"), "{streams}");
    assert!(streams.contains("aac"), "{streams}");

    for (args, code, message) in [
        (&["--size", "320by240"][..], 2, "size must look like"),
        (&["--bitrate", "fast"][..], 2, "bitrate must look like"),
        // An unreadable file is a failure, as with photos.
        (
            &["--source", "/no/such/file.y4m"][..],
            1,
            "cannot open /no/such/file.y4m",
        ),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_farmlive"))
            .args(["live", "--to"])
            .arg(dir.path().join("x.flv"))
            .args(args)
            .args(["--duration", "1s"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(code), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(message), "{args:?}: {}", stderr(&out));
    }
}
