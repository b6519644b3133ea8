//! Live video through a hub: a room opened with its ingest, ffmpeg as the
//! publisher, HTTP-FLV read back tag by tag, ffprobe as an independent
//! reader.

use crate::api::Api;
use crate::builders::{ListingBuilder, RoomBuilder};
use crate::{Device, HubProcess};
use farmlive_core::protocol::RoomId;
use farmlive_core::protocol::api::Role;
use farmlive_media::flv::{ParsedTag, parse_tags};
use serde_json::Value;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A room open on a hub, with where to publish and where to watch.
pub struct LiveRoom {
    /// The room.
    pub id: RoomId,
    /// `rtmp://…/live/KEY` from the open reply.
    pub ingest: String,
    /// `http://…/live/ID.flv`.
    pub flv: String,
    /// The farmer's device token.
    pub token: String,
    /// The open reply.
    pub opened: Value,
    /// The farmer's device (kept alive with the room).
    pub device: Device,
}

impl HubProcess {
    /// Enrols a farmer of "Test farm", lists one product, syncs, and opens a
    /// room over the API.
    pub fn live_room(&self, rt: &tokio::runtime::Runtime) -> LiveRoom {
        let device = self.device(rt, &["Test farm"], Role::Farmer, "phone");
        let farm = device.farm("Test farm");
        let mango = device.list("Test farm", &ListingBuilder::new("Mango").stock(10));
        device.sync(rt);
        let token = device.token();
        let api = Api::new(&self.url);
        let (id, opened) = rt.block_on(api.open(&token, &RoomBuilder::new(farm, &[mango.id])));
        let ingest = format!(
            "{}/{}",
            opened["ingest"]["server"]
                .as_str()
                .expect("an ingest server"),
            opened["ingest"]["key"].as_str().expect("a stream key")
        );
        LiveRoom {
            id,
            ingest,
            flv: format!("{}/live/{id}.flv", self.url),
            token,
            opened,
            device,
        }
    }
}

/// ffmpeg publishing `seconds` of a 320x240 test pattern at 25 fps
/// (a keyframe every 2 s) with a sine tone as AAC, in real time, to `url`.
pub fn ffmpeg_publish(url: &str, seconds: u32) -> Child {
    Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-re"])
        .args(["-f", "lavfi", "-i", "testsrc=size=320x240:rate=25"])
        .args(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100"])
        .args(["-t", &seconds.to_string()])
        .args([
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-tune",
            "zerolatency",
        ])
        .args([
            "-pix_fmt", "yuv420p", "-g", "50", "-c:a", "aac", "-b:a", "64k",
        ])
        .args(["-f", "flv", url])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ffmpeg runs")
}

/// Waits for a child to exit, up to `within`; its exit code (None if it
/// had to be killed).
pub fn wait_exit(child: &mut Child, within: Duration) -> Option<i32> {
    let until = Instant::now() + within;
    while Instant::now() < until {
        if let Ok(Some(status)) = child.try_wait() {
            return status.code();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

/// `GET url`'s status, polled until it is 200 or `within` passes.
pub async fn wait_on_air(url: &str, within: Duration) -> u16 {
    let until = Instant::now() + within;
    loop {
        let status = reqwest::get(url).await.map_or(0, |r| r.status().as_u16());
        if status == 200 || Instant::now() > until {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// ffprobe's `-show_streams` of `url`, as JSON.
pub fn ffprobe(url: &str) -> Value {
    let out = Command::new("timeout")
        .args([
            "20",
            "ffprobe",
            "-v",
            "error",
            "-show_streams",
            "-of",
            "json",
        ])
        .arg(url)
        .output()
        .expect("ffprobe runs");
    assert!(
        out.status.success(),
        "ffprobe failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("ffprobe JSON")
}

/// The video stream of an [`ffprobe`] answer.
pub fn video_stream(probe: &Value) -> Value {
    probe["streams"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["codec_type"] == "video"))
        .cloned()
        .unwrap_or_else(|| panic!("no video stream in {probe}"))
}

/// An HTTP-FLV viewer reading tags as they come.
pub struct FlvViewer {
    resp: reqwest::Response,
    bytes: Vec<u8>,
    /// The response's headers.
    pub headers: reqwest::header::HeaderMap,
}

impl FlvViewer {
    /// Opens `url`; panics unless it answers 200.
    pub async fn open(url: &str) -> FlvViewer {
        let resp = reqwest::get(url).await.expect("GET the stream");
        assert_eq!(resp.status().as_u16(), 200, "{url}");
        FlvViewer {
            headers: resp.headers().clone(),
            resp,
            bytes: Vec::new(),
        }
    }

    /// Every complete tag read so far, once at least `n` are in or `within`
    /// passes (or the stream ends).
    pub async fn tags(&mut self, n: usize, within: Duration) -> Vec<ParsedTag> {
        let until = tokio::time::Instant::now() + within;
        loop {
            let tags = parse_tags(&self.bytes).unwrap_or_default();
            if tags.len() >= n {
                return tags;
            }
            match tokio::time::timeout_at(until, self.resp.chunk()).await {
                Ok(Ok(Some(chunk))) => self.bytes.extend_from_slice(&chunk),
                _ => return tags,
            }
        }
    }

    /// True once the stream has ended (within `within`): what is left is read.
    pub async fn ends_within(&mut self, within: Duration) -> bool {
        let until = tokio::time::Instant::now() + within;
        loop {
            match tokio::time::timeout_at(until, self.resp.chunk()).await {
                Ok(Ok(Some(chunk))) => self.bytes.extend_from_slice(&chunk),
                Ok(Ok(None)) | Ok(Err(_)) => return true,
                Err(_) => return false,
            }
        }
    }

    /// The bytes read so far start with an FLV header.
    pub fn is_flv(&self) -> bool {
        self.bytes.starts_with(b"FLV\x01")
    }
}

/// True for a video tag holding a keyframe picture (not a sequence header).
pub fn is_keyframe(tag: &ParsedTag) -> bool {
    tag.kind == 9 && tag.body.first().is_some_and(|b| b >> 4 == 1) && tag.body.get(1) == Some(&1)
}

/// True for a sequence header (AVC or AAC).
pub fn is_sequence_header(tag: &ParsedTag) -> bool {
    matches!(tag.kind, 8 | 9) && tag.body.get(1) == Some(&0)
}
