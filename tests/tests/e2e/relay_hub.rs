//! Live video through a real hub process: ffmpeg (or the device's own
//! publisher) sends RTMP with the room's secret key, players read HTTP-FLV.
//! ffprobe reads what the hub serves; a viewer joining mid-stream starts at
//! a keyframe; a viewer that never reads does not hold up the others; a
//! wrong key, or the key of an ended room, is refused.

#![allow(clippy::unwrap_used)]

use farmlive_core::{Show, ShowConfig};
use farmlive_tests::api::Api;
use farmlive_tests::media::{
    FlvViewer, ffmpeg_publish, ffprobe, is_keyframe, is_sequence_header, video_stream, wait_exit,
    wait_on_air,
};
use farmlive_tests::{HubProcess, ListingBuilder, RoomBuilder, rt};
use std::io::{Read, Write};
use std::sync::Arc;
use std::time::Duration;

/// A client that asks for the stream (gzip welcome), reads the response
/// head, and then never reads again.
fn stalled_viewer(hub_url: &str, path: &str) -> (std::net::TcpStream, String) {
    let addr = hub_url.strip_prefix("http://").unwrap();
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept-Encoding: gzip\r\n\r\n"
    )
    .unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && s.read(&mut byte).unwrap() == 1 {
        head.push(byte[0]);
    }
    (s, String::from_utf8_lossy(&head).to_ascii_lowercase())
}

#[test]
fn ffmpeg_publishes_and_players_start_at_a_keyframe_whoever_else_stalls() {
    let rt = rt();
    let hub = HubProcess::start();
    let room = hub.live_room(&rt);
    let rtmp = hub.rtmp.clone().expect("the ingest is on by default");
    assert!(
        room.ingest.starts_with(&format!("rtmp://{rtmp}/live/sk_")),
        "{}",
        room.ingest
    );
    assert_eq!(room.opened["live_flv"], format!("/live/{}.flv", room.id));
    // Nobody else sees the key: not the public view of the room.
    let key = room.ingest.rsplit('/').next().unwrap().to_owned();
    let public = rt.block_on(async {
        reqwest::get(format!("{}/v1/rooms/{}", hub.url, room.id))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    });
    assert!(
        !public.contains(&key) && !public.contains("ingest"),
        "{public}"
    );
    assert_eq!(
        rt.block_on(wait_on_air(&room.flv, Duration::ZERO)),
        404,
        "not on air before a publisher"
    );

    let mut ffmpeg = ffmpeg_publish(&room.ingest, 8);
    assert_eq!(
        rt.block_on(wait_on_air(&room.flv, Duration::from_secs(10))),
        200
    );
    // Join mid-GOP (a keyframe every 2 s).
    std::thread::sleep(Duration::from_millis(2_700));
    let path = format!("/live/{}.flv", room.id);
    let (_stalled, head) = stalled_viewer(&hub.url, &path);
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(head.contains("content-type: video/x-flv"), "{head}");
    assert!(!head.contains("content-encoding"), "never gzipped: {head}");

    let tags = rt.block_on(async {
        let mut viewer = FlvViewer::open(&room.flv).await;
        let tags = viewer.tags(80, Duration::from_secs(6)).await;
        assert!(viewer.is_flv());
        tags
    });
    assert_eq!(tags[0].kind, 18, "onMetaData first");
    let first_video = tags.iter().position(|t| t.kind == 9).unwrap();
    assert!(
        is_sequence_header(&tags[first_video]),
        "the AVC header first"
    );
    let picture = tags
        .iter()
        .position(|t| t.kind == 9 && !is_sequence_header(t))
        .unwrap();
    assert!(
        is_keyframe(&tags[picture]),
        "the first picture is a keyframe"
    );
    assert!(
        tags[..picture]
            .iter()
            .any(|t| t.kind == 8 && is_sequence_header(t)),
        "the AAC header before it"
    );
    assert!(
        tags.windows(2)
            .all(|w| w[0].timestamp_ms <= w[1].timestamp_ms),
        "timestamps never go back"
    );
    let pictures = tags.iter().filter(|t| t.kind == 9).count();
    assert!(pictures >= 25, "frames kept coming: {pictures}");

    let probe = ffprobe(&room.flv);
    let streams = probe["streams"].as_array().unwrap();
    let video = streams
        .iter()
        .find(|s| s["codec_type"] == "video")
        .expect("a video stream");
    assert_eq!(video["codec_name"], "h264");
    assert_eq!(
        (video["width"].as_u64(), video["height"].as_u64()),
        (Some(320), Some(240))
    );
    let audio = streams
        .iter()
        .find(|s| s["codec_type"] == "audio")
        .expect("an audio stream");
    assert_eq!(audio["codec_name"], "aac");
    assert_eq!(wait_exit(&mut ffmpeg, Duration::from_secs(15)), Some(0));
}

#[test]
fn a_wrong_key_is_refused_and_a_room_key_dies_with_the_room() {
    let rt = rt();
    let hub = HubProcess::start();
    let room = hub.live_room(&rt);
    let (server, key) = room.ingest.rsplit_once('/').unwrap();
    // The hub's SQLite file keeps only a hash of the key.
    let stored =
        "SELECT count(*) FROM rooms WHERE stream_key_hash = ?1 OR state LIKE '%' || ?1 || '%'";
    assert_eq!(hub.sqlite_count(stored, [key]), 0);
    let with_key = "SELECT count(*) FROM rooms WHERE stream_key_hash IS NOT NULL";
    assert_eq!(hub.sqlite_count(with_key, []), 1);

    let mut wrong = ffmpeg_publish(&format!("{server}/sk_{}", "0".repeat(64)), 3);
    let code = wait_exit(&mut wrong, Duration::from_secs(10));
    assert!(matches!(code, Some(c) if c != 0), "refused: {code:?}");
    assert_eq!(rt.block_on(wait_on_air(&room.flv, Duration::ZERO)), 404);

    let mut ffmpeg = ffmpeg_publish(&room.ingest, 30);
    assert_eq!(
        rt.block_on(wait_on_air(&room.flv, Duration::from_secs(10))),
        200
    );
    let api = Api::new(&hub.url);
    rt.block_on(async {
        let mut viewer = FlvViewer::open(&room.flv).await;
        assert!(!viewer.tags(10, Duration::from_secs(5)).await.is_empty());
        let ended = api.end(&room.token, room.id).await;
        assert_eq!(ended["status"], "ended");
        assert!(ended["live_flv"].is_null());
        assert!(
            viewer.ends_within(Duration::from_secs(5)).await,
            "viewers see the end"
        );
    });
    let code = wait_exit(&mut ffmpeg, Duration::from_secs(10));
    assert!(
        matches!(code, Some(c) if c != 0),
        "the publisher was cut off: {code:?}"
    );
    assert_eq!(rt.block_on(wait_on_air(&room.flv, Duration::ZERO)), 404);
    assert_eq!(hub.sqlite_count(with_key, []), 0, "revoked with the room");

    // The ended room's key publishes no more.
    let mut again = ffmpeg_publish(&room.ingest, 3);
    let code = wait_exit(&mut again, Duration::from_secs(10));
    assert!(matches!(code, Some(c) if c != 0), "revoked: {code:?}");
    assert_eq!(rt.block_on(wait_on_air(&room.flv, Duration::ZERO)), 404);
    // A new room has a new key.
    let next = hub.live_room(&rt);
    assert_ne!(next.ingest.rsplit('/').next(), Some(key));
    let unknown = format!(
        "{}/live/{}.flv",
        hub.url,
        farmlive_core::protocol::RoomId::new()
    );
    assert_eq!(rt.block_on(wait_on_air(&unknown, Duration::ZERO)), 404);
}

#[test]
fn a_show_with_a_room_and_no_ingest_publishes_to_the_hub() {
    let rt = rt();
    let hub = HubProcess::start();
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
    live.duration = Some(Duration::from_secs(8));
    assert!(live.ingest.is_none());
    let config = ShowConfig {
        live,
        room: Some(RoomBuilder::new(farm, &[mango.id]).setup()),
        follow: Default::default(),
    };
    let core = device.core.clone();
    let show = rt
        .block_on(Show::start(core, config, Arc::new(|_| {})))
        .unwrap();
    assert!(show.publishes_to_hub());
    let path = show.room().unwrap().live_flv.unwrap();
    let flv = format!("{}{path}", hub.url);
    assert_eq!(rt.block_on(wait_on_air(&flv, Duration::from_secs(15))), 200);
    let tags = rt.block_on(async {
        let mut viewer = FlvViewer::open(&flv).await;
        viewer.tags(40, Duration::from_secs(6)).await
    });
    let picture = tags
        .iter()
        .position(|t| t.kind == 9 && !is_sequence_header(t))
        .expect("pictures");
    assert!(is_keyframe(&tags[picture]));
    let probe = ffprobe(&flv);
    let video = video_stream(&probe);
    assert_eq!(
        (video["width"].as_u64(), video["height"].as_u64()),
        (Some(320), Some(240))
    );
    let summary = rt.block_on(show.stop()).unwrap();
    assert!(summary.stream.frames_sent > 0, "{:?}", summary.stream);
}

#[test]
fn a_second_publisher_with_the_key_replaces_the_first_and_viewers_carry_on() {
    let rt = rt();
    let hub = HubProcess::start();
    let room = hub.live_room(&rt);
    let mut first = ffmpeg_publish(&room.ingest, 30);
    assert_eq!(
        rt.block_on(wait_on_air(&room.flv, Duration::from_secs(10))),
        200
    );
    let mut viewer = rt.block_on(FlvViewer::open(&room.flv));
    let before = rt.block_on(viewer.tags(20, Duration::from_secs(5))).len();
    assert!(before >= 20);
    // The phone reconnects while its old connection still looks alive.
    let mut second = ffmpeg_publish(&room.ingest, 30);
    let code = wait_exit(&mut first, Duration::from_secs(10));
    assert!(
        matches!(code, Some(c) if c != 0),
        "the older publisher is cut off: {code:?}"
    );
    let tags = rt.block_on(viewer.tags(before + 60, Duration::from_secs(8)));
    assert!(
        tags.len() >= before + 60,
        "the viewer carried on: {}",
        tags.len()
    );
    assert!(
        tags.windows(2)
            .all(|w| w[0].timestamp_ms <= w[1].timestamp_ms),
        "timestamps go on from the first publisher's"
    );
    let after: Vec<_> = tags[before..].iter().filter(|t| t.kind == 9).collect();
    assert!(after.iter().any(|t| is_keyframe(t)));
    let _ = second.kill();
    let _ = second.wait();
}

#[test]
fn a_hub_with_its_ingest_off_hands_out_no_key() {
    let rt = rt();
    let hub = HubProcess::start_with(&["--rtmp-listen", "off"]);
    assert_eq!(hub.rtmp, None);
    let device = hub.device(
        &rt,
        &["Test farm"],
        farmlive_core::protocol::api::Role::Farmer,
        "phone",
    );
    let farm = device.farm("Test farm");
    let mango = device.list("Test farm", &ListingBuilder::new("Mango").stock(10));
    device.sync(&rt);
    let api = Api::new(&hub.url);
    let (_, opened) = rt.block_on(api.open(&device.token(), &RoomBuilder::new(farm, &[mango.id])));
    assert!(opened.get("ingest").is_none(), "{opened}");
    assert_eq!(opened["status"], "live");
}

#[test]
fn players_count_as_viewers_and_a_buyer_who_also_plays_counts_once() {
    let rt = rt();
    let hub = HubProcess::start();
    let room = hub.live_room(&rt);
    let mut ffmpeg = ffmpeg_publish(&room.ingest, 30);
    assert_eq!(
        rt.block_on(wait_on_air(&room.flv, Duration::from_secs(10))),
        200
    );
    let viewers = || -> u64 {
        rt.block_on(async {
            let view: serde_json::Value = reqwest::get(format!("{}/v1/rooms/{}", hub.url, room.id))
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            view["viewers"].as_u64().unwrap()
        })
    };
    // Counts follow connections opening and closing: poll a moment.
    let wait_viewers = |n: u64| {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let mut now = viewers();
        while now != n && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
            now = viewers();
        }
        assert_eq!(now, n, "viewers");
    };
    wait_viewers(0);
    let mut one = rt.block_on(FlvViewer::open(&room.flv));
    let mut two = rt.block_on(FlvViewer::open(&room.flv));
    assert!(!rt.block_on(one.tags(5, Duration::from_secs(5))).is_empty());
    assert!(!rt.block_on(two.tags(5, Duration::from_secs(5))).is_empty());
    wait_viewers(2);
    // The storefront shows the same count.
    let page = rt.block_on(async {
        reqwest::get(format!("{}/r/{}", hub.url, room.id))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    });
    assert!(page.contains(r#"<span id="viewers">2</span>"#), "{page}");
    // A buyer who follows the room's events while playing (the second
    // player) counts once: still two.
    let api = Api::new(&hub.url);
    let token = rt.block_on(api.buyer("Xiao Wang"));
    let events = rt.block_on(async {
        reqwest::Client::new()
            .get(format!("{}/v1/rooms/{}/events", hub.url, room.id))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
    });
    assert_eq!(events.status().as_u16(), 200);
    std::thread::sleep(Duration::from_millis(500));
    wait_viewers(2);
    drop(one);
    drop(two);
    wait_viewers(1);
    drop(events);
    wait_viewers(0);
    let _ = ffmpeg.kill();
    let _ = ffmpeg.wait();
}
