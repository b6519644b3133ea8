//! Issue 13: `farmlive orders deliver ID --photo FILE` for a non-contact
//! order, and the refusal without a photo, in English and (with
//! `LANG=zh_CN.UTF-8`) Chinese. A real hub process.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;

use common::{Hub, command, farmlive, ok, ok_json, stderr, testdata};

#[test]
fn a_non_contact_order_is_delivered_with_a_photo_and_refused_without_one_in_both_languages() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db");
    let hub = Hub::start(&db);
    let farmer = hub.farmer_with_mangoes(dir.path());
    let listings = ok_json(&farmer, &["listing", "list"]);
    let listing = listings[0]["id"].as_str().unwrap().to_owned();
    let buyer = dir.path().join("buyer");
    ok(
        &buyer,
        &[
            "buyer",
            "--hub",
            &hub.url,
            "order",
            "--listing",
            &listing,
            "--qty",
            "2",
            "--non-contact",
        ],
    );
    ok(&farmer, &["sync"]);
    let orders = ok_json(&farmer, &["orders", "list"]);
    let id = orders[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(orders[0]["delivery"], "non_contact");
    ok(&farmer, &["orders", "accept", &id]);
    ok(&farmer, &["orders", "pack", &id]);
    ok(
        &farmer,
        &[
            "orders",
            "ship",
            &id,
            "--carrier",
            "SF Express",
            "--tracking",
            "SF1",
        ],
    );

    // Without a photo: refused, in English and in Chinese.
    let english = command(&farmer)
        .env("LANG", "C")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .args(["orders", "deliver", &id])
        .output()
        .unwrap();
    assert_ne!(english.status.code(), Some(0));
    assert!(
        stderr(&english).contains("a non-contact order is delivered with a photo"),
        "{}",
        stderr(&english)
    );
    let chinese = command(&farmer)
        .env("LANG", "zh_CN.UTF-8")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .args(["orders", "deliver", &id])
        .output()
        .unwrap();
    assert_ne!(chinese.status.code(), Some(0));
    let said = stderr(&chinese);
    assert!(
        said.starts_with("错误：") && said.contains("无接触配送") && said.contains("照片"),
        "{said}"
    );
    // A file that is no photo: the pipeline's own error.
    let bad = testdata("bad-photos/not-an-image.jpg");
    let refused = farmlive(&farmer, &["orders", "deliver", &id, "--photo", &bad]);
    assert_ne!(refused.status.code(), Some(0));
    assert!(
        stderr(&refused).contains("not a photo"),
        "{}",
        stderr(&refused)
    );
    let still = ok_json(&farmer, &["orders", "show", &id]);
    assert_eq!(still["status"], "shipped");

    // With the phone's photo (GPS in its EXIF): delivered, synced, on the hub.
    let photo = testdata("photos/phone-12mp-exif-rotated.jpg");
    let done = ok_json(&farmer, &["orders", "deliver", &id, "--photo", &photo]);
    assert_eq!(done["status"], "delivered", "{done}");
    let sha = done["delivery_photo"]["sha256"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(done["delivery_photo"]["width"], 1280);
    let text = ok(&farmer, &["orders", "show", &id]);
    assert!(text.contains(&sha), "{text}");
    ok(&farmer, &["sync"]);
    let hub_db = rusqlite::Connection::open(&db).unwrap();
    let stored: String = hub_db
        .query_row(
            "SELECT delivery_photo FROM orders WHERE id = ?1",
            [&id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored, sha);
    let outbox = ok(&farmer, &["outbox"]);
    assert!(outbox.contains("0 operation(s) waiting"), "{outbox}");
}
