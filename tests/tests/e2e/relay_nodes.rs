//! Live video when several hub processes serve one hub over PostgreSQL:
//! a room's publisher connects to one process's RTMP ingest, and only that
//! process relays it. The room records that process; a viewer who reaches
//! another one is redirected to it (307), never bounced back; HLS is read
//! by every process from a shared data folder, and a process without it
//! redirects HLS players too; and when the phone reconnects through the
//! other process, the room moves with it.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use farmlive_tests::HubProcess;
use farmlive_tests::media::{ffmpeg_publish, ffprobe, video_stream, wait_exit};
use farmlive_tests::rt;
use farmlive_tests::stores::migrated_database;
use std::time::{Duration, Instant};

/// A client that reports redirects instead of following them.
fn no_follow() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// `GET url` without following: its status and `Location`.
async fn head_of(http: &reqwest::Client, url: &str) -> (u16, Option<String>) {
    let r = http.get(url).send().await.unwrap();
    let location = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    (r.status().as_u16(), location)
}

/// Polls `GET url` (not following) until `want` holds, up to `within`;
/// the last answer.
async fn poll(
    http: &reqwest::Client,
    url: &str,
    within: Duration,
    want: impl Fn(&(u16, Option<String>)) -> bool,
) -> (u16, Option<String>) {
    let until = Instant::now() + within;
    loop {
        let got = head_of(http, url).await;
        if want(&got) || Instant::now() > until {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// `rtmp://ADDR/live/KEY` for the process `hub`'s ingest, with the key of
/// the room's open reply: where a balancer in front of the ingests may
/// send the phone.
fn ingest_of(hub: &HubProcess, opened_ingest: &str) -> String {
    let key = opened_ingest.rsplit('/').next().unwrap();
    format!("rtmp://{}/live/{key}", hub.rtmp.as_ref().unwrap())
}

#[test]
fn viewers_reaching_another_process_are_sent_to_the_one_holding_the_ingest() {
    let (_cluster, url) = migrated_database();
    let data = tempfile::tempdir().unwrap();
    let a = HubProcess::start_on_postgres(&url, data.path(), "127.0.0.1:0");
    let b = HubProcess::start_on_postgres(&url, data.path(), "127.0.0.1:0");
    // A process sharing no folder with them (photos in S3, say).
    let apart = tempfile::tempdir().unwrap();
    let c = HubProcess::start_on_postgres(&url, apart.path(), "127.0.0.1:0");
    let rt = rt();
    let http = no_follow();
    // Opened through A; the phone's RTMP connection lands on B.
    let room = a.live_room(&rt);
    let path = format!("/live/{}.flv", room.id);
    let (on_a, on_b) = (format!("{}{path}", a.url), format!("{}{path}", b.url));
    assert_eq!(
        rt.block_on(head_of(&http, &on_a)).0,
        404,
        "nothing to send anyone to before a publisher"
    );
    let mut phone = ffmpeg_publish(&ingest_of(&b, &room.ingest), 60);
    let ok = |got: &(u16, Option<String>)| got.0 == 200;
    assert_eq!(
        rt.block_on(poll(&http, &on_b, Duration::from_secs(15), ok))
            .0,
        200
    );

    // A sends its viewers to B, marked so that B never sends them on.
    let (status, location) = rt.block_on(head_of(&http, &on_a));
    assert_eq!(status, 307);
    assert_eq!(location.as_deref(), Some(&*format!("{on_b}?sent=1")));
    // A player that follows redirects (ffprobe) plays the show through A.
    let probe = ffprobe(&on_a);
    assert_eq!(video_stream(&probe)["codec_name"], "h264", "{probe}");
    // A viewer already sent once is not sent again, whatever it asks.
    assert_eq!(
        rt.block_on(head_of(&http, &format!("{on_a}?sent=1"))).0,
        404
    );
    // B, holding the ingest, serves rather than redirects.
    assert_eq!(
        rt.block_on(head_of(&http, &format!("{on_b}?sent=1"))).0,
        200
    );

    // HLS: B writes the room's playlist into the shared folder, and A
    // serves it as it is.
    let playlist = format!("/live/{}/live.m3u8", room.id);
    let from_a = rt.block_on(async {
        let until = Instant::now() + Duration::from_secs(20);
        loop {
            let r = reqwest::get(format!("{}{playlist}", a.url)).await.unwrap();
            if r.status() == 200 {
                let text = r.text().await.unwrap();
                if text.contains("seg") {
                    return text;
                }
            }
            assert!(Instant::now() < until, "A never served B's HLS");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    assert!(from_a.starts_with("#EXTM3U"), "{from_a}");
    // C has none of it: it sends the player to B, for the playlist and
    // for a segment, and B's playlist is the one it gets.
    let (status, location) = rt.block_on(head_of(&http, &format!("{}{playlist}", c.url)));
    assert_eq!(status, 307);
    assert_eq!(
        location.as_deref(),
        Some(&*format!("{}{playlist}?sent=1", b.url))
    );
    let segment = format!("/live/{}/seg000000.ts", room.id);
    let (status, location) = rt.block_on(head_of(&http, &format!("{}{segment}", c.url)));
    assert_eq!(status, 307);
    assert_eq!(
        location.as_deref(),
        Some(&*format!("{}{segment}?sent=1", b.url))
    );
    let followed = rt.block_on(async {
        reqwest::get(format!("{}{playlist}", c.url))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    });
    assert!(followed.starts_with("#EXTM3U"), "{followed}");
    // Not sent on twice.
    let sent = format!("{}{playlist}?sent=1", c.url);
    assert_eq!(rt.block_on(head_of(&http, &sent)).0, 404);

    // The phone's connection drops and comes back through A: the room
    // moves to A. B keeps its viewers waiting for the publisher's grace
    // (15 s), then sends them to A.
    let _ = phone.kill();
    wait_exit(&mut phone, Duration::from_secs(5));
    let mut phone = ffmpeg_publish(&ingest_of(&a, &room.ingest), 60);
    assert_eq!(
        rt.block_on(poll(&http, &on_a, Duration::from_secs(15), ok))
            .0,
        200,
        "A serves once the phone publishes there"
    );
    let moved = |got: &(u16, Option<String>)| got.0 == 307;
    let (status, location) = rt.block_on(poll(&http, &on_b, Duration::from_secs(30), moved));
    assert_eq!(status, 307, "B sends viewers to A once its grace is over");
    assert_eq!(location.as_deref(), Some(&*format!("{on_a}?sent=1")));
    let _ = phone.kill();
    wait_exit(&mut phone, Duration::from_secs(5));
}
