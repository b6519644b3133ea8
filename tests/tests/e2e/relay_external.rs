//! The at-scale path: a room that names an external media server (here
//! nginx-rtmp, publishing HLS in 1 s fragments) is published there and
//! played from there. The hub carries no video for it, and its room page
//! gives players the external address.

#![allow(clippy::unwrap_used)]

use farmlive_core::protocol::api::Role;
use farmlive_tests::api::Api;
use farmlive_tests::media::{ffmpeg_publish, ffprobe, video_stream, wait_exit, wait_on_air};
use farmlive_tests::nginx::NginxHls;
use farmlive_tests::{HubProcess, ListingBuilder, RoomBuilder, rt};
use std::time::{Duration, Instant};

#[test]
fn a_room_with_an_external_ingest_plays_from_it_and_the_hub_carries_no_video() {
    let rt = rt();
    let dir = tempfile::tempdir().unwrap();
    let nginx = NginxHls::start(dir.path());
    let hub = HubProcess::start();
    let device = hub.device(&rt, &["Test farm"], Role::Farmer, "phone");
    let farm = device.farm("Test farm");
    let mango = device.list("Test farm", &ListingBuilder::new("Mango").stock(10));
    device.sync(&rt);
    let token = device.token();
    let playback = nginx.playback("mango");
    let room = RoomBuilder::new(farm, &[mango.id]).playback_url(&playback);
    let (id, opened) = rt.block_on(Api::new(&hub.url).open(&token, &room));
    assert_eq!(opened["playback_url"], playback.as_str());

    let mut ffmpeg = ffmpeg_publish(&nginx.ingest("mango"), 8);
    // nginx writes its playlist once the first fragment is cut.
    let until = Instant::now() + Duration::from_secs(20);
    loop {
        let playlist = rt.block_on(async {
            let resp = reqwest::get(&playback).await.ok()?;
            resp.status().is_success().then_some(())?;
            resp.text().await.ok()
        });
        if playlist.is_some_and(|p| p.contains("#EXTINF")) {
            break;
        }
        assert!(Instant::now() < until, "no HLS from nginx: {}", nginx.log());
        std::thread::sleep(Duration::from_millis(200));
    }
    let probe = ffprobe(&playback);
    let video = video_stream(&probe);
    assert_eq!(video["codec_name"], "h264");
    assert_eq!(
        (video["width"].as_u64(), video["height"].as_u64()),
        (Some(320), Some(240))
    );

    // The hub carries no video for this room ...
    let flv = format!("{}/live/{id}.flv", hub.url);
    assert_eq!(rt.block_on(wait_on_air(&flv, Duration::ZERO)), 404);
    // ... and its room page sends players to the external address.
    let page = rt.block_on(async {
        reqwest::get(format!("{}/r/{id}", hub.url))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    });
    assert!(
        page.contains(&format!("data-hls=\"{playback}\"")),
        "the player plays the external address: {page}"
    );
    assert!(
        !page.contains(&format!("/live/{id}.flv")),
        "and not the hub's own relay"
    );
    assert_eq!(wait_exit(&mut ffmpeg, Duration::from_secs(15)), Some(0));
}
