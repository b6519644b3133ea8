//! The room page's player in a real browser: Debian's chromium (driven by
//! playwright-core, see `browser_storefront.rs`) against a real hub process
//! with a real publisher, at a phone's size. The script
//! (`tests/browser/playback.mjs`) checks that the live page plays by itself
//! (HTTP-FLV through mpegts.js): currentTime advances by 3 s, the picture
//! has the published size, frames drawn to a canvas are not blank and
//! change. Once with ffmpeg as the publisher (the page opens before it
//! publishes and says it waits; the publisher is then replaced and the
//! picture goes on; a page without MSE plays the live HLS natively; after
//! the room ends its replay plays through hls.js),
//! once with the farmer's own device (`Show`, its
//! test pattern), where a comment typed on the page reaches the device
//! through the core's follower. Screenshots go to `target/artifacts/browser/`.
//!
//! Skipped, saying so, only when chromium is absent and
//! `FARMLIVE_REQUIRE_BROWSER` is unset.

#![allow(clippy::unwrap_used)]

use farmlive_core::protocol::api::pages;
use farmlive_core::protocol::room::{RoomEvent, RoomEventBody};
use farmlive_core::{Show, ShowConfig, ShowEvent};
use farmlive_tests::api::Api;
use farmlive_tests::browser::{Browser, artifacts};
use farmlive_tests::media::{ffmpeg_publish, wait_exit, wait_on_air};
use farmlive_tests::{HubProcess, ListingBuilder, RoomBuilder, rt};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The tests take turns: each runs chromium, a hub and a publisher, and the
/// machine may have two cores.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// A hub that serves the player libraries from the tests' npm folder.
fn hub(browser: &Browser) -> HubProcess {
    let libs = browser.player_libs();
    HubProcess::start_with_env(&[("FARMLIVE_PLAYER_LIBS", &libs.to_string_lossy())])
}

/// Runs `playback.mjs` on `room_path`; what it measured (it asserts itself).
fn play(browser: &Browser, hub: &HubProcess, room_path: &str, mode: &str, name: &str) -> Value {
    play_with(browser, hub, room_path, mode, name, None, |_| ())
}

/// Runs `playback.mjs` on `room_path` (with `extra`, if any: see the
/// script), calling `on_line` with each line it prints ("opened" once the
/// page has loaded, "republish"); what it measured.
fn play_with(
    browser: &Browser,
    hub: &HubProcess,
    room_path: &str,
    mode: &str,
    name: &str,
    extra: Option<&str>,
    mut on_line: impl FnMut(&str),
) -> Value {
    let out_dir = artifacts();
    let dir = out_dir.to_string_lossy();
    let mut args = vec![&*hub.url, &*dir, room_path, mode, name, "320", "240"];
    args.extend(extra);
    let mut child = browser.spawn("playback.mjs", &args);
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut stdout = String::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        stdout.push_str(&line);
        stdout.push('\n');
        on_line(&line);
    }
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the browser script failed:\n{stdout}\n{stderr}"
    );
    let shot = out_dir.join(format!("{name}.png"));
    assert!(
        std::fs::read(&shot).unwrap().starts_with(b"\x89PNG"),
        "{} is a PNG",
        shot.display()
    );
    let measured: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    // Informal figures for the report; the script's bounds are the test.
    eprintln!("{name}: {measured}");
    measured
}

/// `url`'s body once it answers 200 with a body `ready` accepts.
fn poll_text(rt: &tokio::runtime::Runtime, url: &str, ready: impl Fn(&str) -> bool) -> String {
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        let got = rt.block_on(async {
            let resp = reqwest::get(url).await.ok()?;
            if resp.status().as_u16() != 200 {
                return None;
            }
            resp.text().await.ok()
        });
        match got {
            Some(text) if ready(&text) => return text,
            last if Instant::now() > until => panic!("{url} not ready: {last:?}"),
            _ => std::thread::sleep(Duration::from_millis(200)),
        }
    }
}

#[test]
fn the_room_page_plays_ffmpegs_stream_live_and_then_its_replay() {
    let Some(browser) = Browser::find() else {
        return;
    };
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let rt = rt();
    let hub = hub(&browser);
    let room = hub.live_room(&rt);
    let page = pages::ROOM.path_for(room.id);
    // The buyer opens the page before the farm is on air: the page says
    // so, keeps trying, and plays once ffmpeg publishes.
    // The buyer opens the page before the farm is on air: the page says
    // so, keeps trying, and plays once ffmpeg publishes. Then the publisher
    // is replaced (a phone reconnecting) and the picture goes on.
    let mut publisher = None;
    let live = play_with(
        &browser,
        &hub,
        &page,
        "live",
        "playing-ffmpeg",
        Some("republish"),
        |line| match line {
            "opened" => publisher = Some(ffmpeg_publish(&room.ingest, 15)),
            "republish" => {
                let mut old = publisher.take().expect("publishing");
                let _ = old.kill();
                let _ = old.wait();
                std::thread::sleep(Duration::from_secs(1));
                publisher = Some(ffmpeg_publish(&room.ingest, 30));
            }
            _ => {}
        },
    );
    let mut ffmpeg = publisher.expect("the page opened");
    assert_eq!(live["engine"], "mpegts");
    // Where there is no MSE (an iPhone), the live HLS plays natively.
    let hls = play(&browser, &hub, &page, "live-hls", "playing-hls");
    assert_eq!(hls["engine"], "native");
    assert!(hls["advance_s"].as_f64().unwrap() >= 3.0, "{hls}");
    assert_eq!(
        live["waiting_note"], "The video starts when the farm goes on air.",
        "a note while the stream is not on air: {live}"
    );
    assert!(live["advance_s"].as_f64().unwrap() >= 3.0, "{live}");
    assert!(live["republish_resumed_ms"].is_u64(), "{live}");
    // Players count as viewers, and a page without a guest hears it.
    let n = |k: &str| live[k].as_u64().unwrap_or(0);
    assert!(n("watching") >= 1, "its own player: {live}");
    assert!(n("watching_two") > n("watching"), "a second player: {live}");
    assert!(n("watching_after") < n("watching_two"), "it left: {live}");

    assert_eq!(wait_exit(&mut ffmpeg, Duration::from_secs(40)), Some(0));
    let ended = rt.block_on(Api::new(&hub.url).end(&room.token, room.id));
    assert_eq!(ended["status"], "ended");
    let replay = format!("{}/live/{}/replay.m3u8", hub.url, room.id);
    poll_text(&rt, &replay, |p| p.contains("#EXT-X-ENDLIST"));

    let replayed = play(&browser, &hub, &page, "replay", "replay-ffmpeg");
    assert_eq!(replayed["engine"], "hls.js");
    assert!(replayed["advance_s"].as_f64().unwrap() >= 3.0, "{replayed}");
}

#[test]
fn the_room_page_plays_the_farmers_own_show_and_its_comments_reach_the_device() {
    let Some(browser) = Browser::find() else {
        return;
    };
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let rt = rt();
    let hub = hub(&browser);
    let device = hub.device(
        &rt,
        &["Test farm"],
        farmlive_core::protocol::api::Role::Farmer,
        "phone",
    );
    let farm = device.farm("Test farm");
    let mango = device.list("Test farm", &ListingBuilder::new("Mango").stock(10));
    device.sync(&rt);
    let mut live = farmlive_live::LiveConfig::new(320, 240);
    live.fps = 25;
    live.duration = Some(Duration::from_secs(60));
    assert!(live.ingest.is_none(), "the hub's own ingest");
    let config = ShowConfig {
        live,
        room: Some(RoomBuilder::new(farm, &[mango.id]).setup()),
        follow: Default::default(),
    };
    let seen: Arc<Mutex<Vec<RoomEvent>>> = Arc::default();
    let listener = {
        let seen = seen.clone();
        Arc::new(move |e: ShowEvent| {
            if let ShowEvent::Room(event) = e {
                seen.lock().unwrap().push(event);
            }
        })
    };
    let show = rt
        .block_on(Show::start(device.core.clone(), config, listener))
        .unwrap();
    assert!(show.publishes_to_hub());
    rt.block_on(show.pin(mango.id, None)).unwrap();
    let room = show.room().unwrap();
    let flv = format!("{}{}", hub.url, room.live_flv.clone().unwrap());
    assert_eq!(rt.block_on(wait_on_air(&flv, Duration::from_secs(15))), 200);

    let comment = "Are they ripe? 熟了吗";
    let page = pages::ROOM.path_for(room.id);
    let live = play_with(
        &browser,
        &hub,
        &page,
        "live",
        "playing-show",
        Some(&format!("comment:{comment}")),
        |_| (),
    );
    assert_eq!(live["engine"], "mpegts");
    assert_eq!(live["commented"], true);

    // The farmer's device hears it through the show's follower.
    let until = Instant::now() + Duration::from_secs(15);
    let heard = loop {
        let heard = seen
            .lock()
            .unwrap()
            .iter()
            .any(|e| matches!(&e.body, RoomEventBody::Comment { text, .. } if text == comment));
        if heard || Instant::now() > until {
            break heard;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(heard, "the comment reached the device: {:?}", seen.lock());
    let summary = rt.block_on(show.stop()).unwrap();
    assert!(summary.comments >= 1, "{summary:?}");
    assert_eq!(summary.orders, 1, "the order placed on the page");
}
