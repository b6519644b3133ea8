//! A show published to a real hub process is also served as HLS, and
//! recorded: ffprobe reads the live playlist while it is on air, and after
//! the room ends its replay plays from start to end without a decoding
//! error.

#![allow(clippy::unwrap_used)]

use farmlive_tests::api::Api;
use farmlive_tests::media::{ffmpeg_publish, ffprobe, wait_exit, wait_on_air};
use farmlive_tests::{HubProcess, rt};
use std::process::Command;
use std::time::{Duration, Instant};

/// The body at `url` once it answers 200 and `ready` accepts it, polling
/// for up to `within`.
fn poll_text(
    rt: &tokio::runtime::Runtime,
    url: &str,
    within: Duration,
    ready: impl Fn(&str) -> bool,
) -> String {
    let until = Instant::now() + within;
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
fn a_show_on_the_hub_is_served_as_hls_and_its_replay_plays_after_it_ends() {
    let rt = rt();
    let hub = HubProcess::start();
    let room = hub.live_room(&rt);
    let live = format!("{}/live/{}/live.m3u8", hub.url, room.id);
    let replay = format!("{}/live/{}/replay.m3u8", hub.url, room.id);

    let mut ffmpeg = ffmpeg_publish(&room.ingest, 8);
    assert_eq!(
        rt.block_on(wait_on_air(&room.flv, Duration::from_secs(10))),
        200
    );
    // Segments are cut at keyframes (every 2 s here): wait for two.
    let playlist = poll_text(&rt, &live, Duration::from_secs(15), |p| {
        p.matches("#EXTINF").count() >= 2
    });
    assert!(playlist.starts_with("#EXTM3U"), "{playlist}");
    assert!(
        !playlist.contains("#EXT-X-ENDLIST"),
        "still live: {playlist}"
    );
    let probe = ffprobe(&live);
    let streams = probe["streams"].as_array().unwrap();
    let video = streams.iter().find(|s| s["codec_type"] == "video").unwrap();
    assert_eq!(video["codec_name"], "h264");
    assert_eq!(
        (video["width"].as_u64(), video["height"].as_u64()),
        (Some(320), Some(240))
    );
    assert!(streams.iter().any(|s| s["codec_name"] == "aac"), "{probe}");
    assert_eq!(wait_exit(&mut ffmpeg, Duration::from_secs(15)), Some(0));

    let ended = rt.block_on(Api::new(&hub.url).end(&room.token, room.id));
    assert_eq!(ended["status"], "ended");
    // The writer finishes on its own thread: the replay appears shortly.
    let vod = poll_text(&rt, &replay, Duration::from_secs(30), |p| {
        p.contains("#EXT-X-ENDLIST")
    });
    assert!(vod.contains("#EXT-X-PLAYLIST-TYPE:VOD"), "{vod}");
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-show_entries", "format=duration", "-of"])
        .args(["default=noprint_wrappers=1:nokey=1", &replay])
        .output()
        .unwrap();
    let seconds: f64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    assert!(
        (6.0..=9.5).contains(&seconds),
        "the replay holds the 8 s show: {seconds} s"
    );
    let decode = Command::new("ffmpeg")
        .args(["-v", "error", "-nostdin", "-i", &replay, "-f", "null", "-"])
        .output()
        .unwrap();
    assert!(decode.status.success());
    assert_eq!(
        String::from_utf8_lossy(&decode.stderr),
        "",
        "the replay decodes without an error"
    );
}
