//! The HLS routes on a real server on loopback: ffprobe and ffmpeg read the
//! live and replay playlists over HTTP; types, caching and refusals.

#![allow(clippy::unwrap_used)]

use super::*;
use crate::media::hls_writer::tests::ffmpeg_tags;
use crate::media::hls_writer::{HlsOptions, HlsWriter};
use farmlive_media::flv::FlvTag;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::process::Command;

/// The HLS router served on 127.0.0.1 from a thread of its own until dropped.
struct Server {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    fn start(root: PathBuf) -> Server {
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                addr_tx.send(listener.local_addr().unwrap()).unwrap();
                axum::serve(listener, router::<()>(root, None, None))
                    .with_graceful_shutdown(async {
                        let _ = stopped.await;
                    })
                    .await
                    .unwrap();
            });
        });
        Server {
            addr: addr_rx.recv().unwrap(),
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A plain HTTP/1.1 GET: status, headers (lower-case names), body.
fn get(addr: SocketAddr, path: &str) -> (u16, HashMap<String, String>, Vec<u8>) {
    let mut conn = std::net::TcpStream::connect(addr).unwrap();
    write!(
        conn,
        "GET {path} HTTP/1.1\r\nHost: hub\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    conn.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8(raw[..split].to_vec()).unwrap();
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    (status, headers, raw[split + 4..].to_vec())
}

fn ffprobe_streams(url: &str) -> Vec<String> {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "stream=codec_name,width,height",
        ])
        .args(["-of", "csv=p=0", url])
        .output()
        .expect("ffprobe is missing: run `cargo xtask setup`");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut seen = Vec::new();
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let line = line.trim_end_matches(',').to_owned();
        if !line.is_empty() && !seen.contains(&line) {
            seen.push(line);
        }
    }
    seen
}

fn ffprobe_duration(url: &str) -> f64 {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "format=duration",
            "-of",
            "csv=p=0",
            url,
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    text.lines()
        .find(|l| !l.trim().is_empty())
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

fn push_all(writer: &mut HlsWriter, tags: &[FlvTag]) {
    for tag in tags {
        writer.push(tag).unwrap();
    }
}

#[test]
fn players_read_the_live_and_the_replay_playlists_over_http() {
    let root = tempfile::tempdir().unwrap();
    let room = RoomId::new();
    let tags = ffmpeg_tags(root.path(), 6);
    let options = HlsOptions {
        live_window: 3,
        ..HlsOptions::default()
    };
    let mut writer = HlsWriter::open(root.path(), room, options).unwrap();
    let server = Server::start(root.path().to_owned());

    // On air: four seconds in, the live playlist plays.
    let (on_air, rest) = tags.split_at(tags.len() * 2 / 3);
    push_all(&mut writer, on_air);
    let live = server.url(&media::HLS_LIVE.path_for(room));
    assert_eq!(ffprobe_streams(&live), vec!["h264,320,240", "aac"]);
    let (status, _, _) = get(server.addr, &media::HLS_REPLAY.path_for(room));
    assert_eq!(status, 404, "no replay while on air");

    // Over: the replay plays whole, without a decoding error.
    push_all(&mut writer, rest);
    writer.finish().unwrap();
    let replay = server.url(&media::HLS_REPLAY.path_for(room));
    assert_eq!(ffprobe_streams(&replay), vec!["h264,320,240", "aac"]);
    let seconds = ffprobe_duration(&replay);
    assert!((seconds - 6.0).abs() <= 0.5, "duration {seconds}");
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i", &replay, "-f", "null", "-"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn each_file_has_its_type_and_caching_and_nothing_else_is_served() {
    let root = tempfile::tempdir().unwrap();
    let room = RoomId::new();
    let mut writer = HlsWriter::open(root.path(), room, HlsOptions::default()).unwrap();
    push_all(&mut writer, &crate::media::hls_writer::tests::made_up(0, 3));
    writer.finish().unwrap();
    let dir = room_dir(root.path(), room);
    let server = Server::start(root.path().to_owned());

    let (status, h, body) = get(server.addr, &media::HLS_LIVE.path_for(room));
    assert_eq!(status, 200);
    assert_eq!(h["content-type"], PLAYLIST_TYPE);
    assert_eq!(h["cache-control"], "no-cache");
    assert_eq!(h["access-control-allow-origin"], "*");
    assert!(body.starts_with(b"#EXTM3U\n"));

    let (status, h, _) = get(server.addr, &media::HLS_REPLAY.path_for(room));
    assert_eq!(status, 200);
    assert_eq!(h["content-type"], PLAYLIST_TYPE);
    assert_eq!(h["cache-control"], "public, max-age=60");

    let (status, h, body) = get(server.addr, &media::hls_segment(room, "seg000001.ts"));
    assert_eq!(status, 200);
    assert_eq!(h["content-type"], "video/mp2t");
    assert_eq!(h["cache-control"], "public, max-age=31536000, immutable");
    assert_eq!(body, std::fs::read(dir.join("seg000001.ts")).unwrap());
    assert_eq!(h["content-length"], body.len().to_string());

    // A file in the room's folder that is not a playlist or a segment.
    std::fs::write(dir.join("secret.ts"), b"x").unwrap();
    let other = RoomId::new();
    for path in [
        media::hls_segment(room, "segments.idx"),
        media::hls_segment(room, "secret.ts"),
        media::hls_segment(room, "seg1.ts"),
        media::hls_segment(room, "seg000099.ts"),
        media::hls_segment(room, ".seg000001.ts.tmp"),
        media::hls_segment(room, "..%2Fsegments.idx"),
        media::hls_segment(room, "%2e%2e"),
        format!("/live/{room}/../{room}/segments.idx"),
        media::HLS_LIVE.path_for(other),
        "/live/not-a-room/live.m3u8".to_owned(),
        "/live/..%2F..%2Fetc/live.m3u8".to_owned(),
        format!("/live/{}/live.m3u8", room.0.simple()),
        format!("/live/{}/live.m3u8", room.to_string().to_uppercase()),
    ] {
        let (status, h, body) = get(server.addr, &path);
        assert_eq!(status, 404, "{path}");
        assert_ne!(
            h.get("content-type").map(String::as_str),
            Some("video/mp2t"),
            "{path}"
        );
        assert!(!body.starts_with(b"#EXTM3U"), "{path}");
    }
}
