//! HLS from a real FLV: ffmpeg encodes a test pattern and a tone (H.264 +
//! AAC) to FLV, the segmenter cuts its tags, a tiny writer stores the
//! segments and playlists, and ffprobe and ffmpeg read them back.
//! ffmpeg and ffprobe missing is a failure, not a skip (`cargo xtask setup`
//! installs them).

#![allow(clippy::unwrap_used)]

use farmlive_media::flv::{FlvTag, parse_tags};
use farmlive_media::hls::{
    LiveWindow, SegmentEntry, Segmenter, SegmenterOptions, segment_name, vod_playlist,
};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Live playlist window in these tests.
const WINDOW: usize = 3;

fn run(cmd: &mut Command) -> std::process::Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?} ({e}): run `cargo xtask setup`"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `seconds` of 320x240 test pattern at 25 fps (a keyframe a second) and a
/// 440 Hz tone, as FLV tags.
fn ffmpeg_flv(dir: &Path, seconds: u32) -> Vec<FlvTag> {
    let flv = dir.join("out.flv");
    run(Command::new("ffmpeg")
        .args(["-v", "error", "-y"])
        .args([
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=320x240:rate=25",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440",
            "-t",
            &seconds.to_string(),
            "-c:v",
            "libx264",
            "-g",
            "25",
            "-c:a",
            "aac",
            "-f",
            "flv",
        ])
        .arg(&flv));
    let bytes = std::fs::read(&flv).unwrap();
    parse_tags(&bytes)
        .unwrap()
        .iter()
        .filter_map(|t| t.to_tag())
        .collect()
}

/// What a writer does with the segmenter's output: segment files, the live
/// playlist after each, the replay at the end.
struct TinyWriter {
    dir: PathBuf,
    target_ms: u64,
    window: LiveWindow,
    all: Vec<SegmentEntry>,
    /// The live playlist's text after each segment.
    live_texts: Vec<String>,
}

impl TinyWriter {
    fn new(dir: &Path, target_ms: u64) -> TinyWriter {
        TinyWriter {
            dir: dir.to_owned(),
            target_ms,
            window: LiveWindow::new(WINDOW),
            all: Vec::new(),
            live_texts: Vec::new(),
        }
    }

    fn write(&mut self, segment: farmlive_media::hls::Segment) {
        let entry = SegmentEntry {
            sequence: self.all.len() as u64,
            duration_ms: segment.duration_ms,
        };
        std::fs::write(self.dir.join(segment_name(entry.sequence)), &segment.bytes).unwrap();
        self.all.push(entry);
        self.window.push(entry);
        let live = self.window.playlist(self.target_ms, false);
        std::fs::write(self.dir.join("live.m3u8"), &live).unwrap();
        self.live_texts.push(live);
    }

    fn run(mut self, tags: &[FlvTag], options: SegmenterOptions) -> TinyWriter {
        let mut segmenter = Segmenter::new(options);
        for tag in tags {
            if let Some(segment) = segmenter.push(tag).unwrap() {
                self.write(segment);
            }
        }
        if let Some(segment) = segmenter.finish() {
            self.write(segment);
        }
        let replay = vod_playlist(&self.all, self.target_ms);
        std::fs::write(self.dir.join("replay.m3u8"), replay).unwrap();
        self
    }
}

fn ffprobe(args: &[&str], input: &Path) -> String {
    let out = run(Command::new("ffprobe")
        .args(["-v", "error"])
        .args(args)
        .arg(input));
    String::from_utf8(out.stdout).unwrap()
}

/// (codec, width, height) of each stream. ffprobe lists an HLS input's
/// streams twice (its program's, then its own): once is enough.
fn streams(input: &Path) -> Vec<String> {
    let mut seen = Vec::new();
    for line in ffprobe(
        &[
            "-show_entries",
            "stream=codec_name,width,height",
            "-of",
            "csv=p=0",
        ],
        input,
    )
    .lines()
    {
        let line = line.trim_end_matches(',').to_owned();
        if !line.is_empty() && !seen.contains(&line) {
            seen.push(line);
        }
    }
    seen
}

/// The first value ffprobe printed.
fn first_value(text: &str) -> &str {
    text.lines()
        .map(|l| l.trim().trim_end_matches(','))
        .find(|l| !l.is_empty())
        .unwrap_or("")
}

fn duration(input: &Path) -> f64 {
    let text = ffprobe(
        &["-show_entries", "format=duration", "-of", "csv=p=0"],
        input,
    );
    first_value(&text).parse().unwrap()
}

fn video_frames(input: &Path) -> u64 {
    let text = ffprobe(
        &[
            "-count_frames",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=nb_read_frames",
            "-of",
            "csv=p=0",
        ],
        input,
    );
    first_value(&text).parse().unwrap()
}

/// ffmpeg's complaints while decoding everything (empty when clean).
fn decode_errors(input: &Path) -> String {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(input)
        .args(["-f", "null", "-"])
        .output()
        .unwrap();
    assert!(out.status.success(), "ffmpeg failed on {}", input.display());
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn media_sequence(playlist: &str) -> u64 {
    playlist
        .lines()
        .find_map(|l| l.strip_prefix("#EXT-X-MEDIA-SEQUENCE:"))
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn the_replay_of_a_real_stream_plays_whole_in_ffmpeg() {
    let dir = tempfile::tempdir().unwrap();
    let tags = ffmpeg_flv(dir.path(), 6);
    let writer = TinyWriter::new(dir.path(), 1_000).run(&tags, SegmenterOptions::low_latency());
    // A keyframe a second and a 1 s target: six segments of about 1 s (the
    // last holds the audio encoder's tail too).
    assert_eq!(writer.all.len(), 6, "{:?}", writer.all);
    for s in &writer.all {
        assert!((960..=1_150).contains(&s.duration_ms), "{s:?}");
    }

    let replay = dir.path().join("replay.m3u8");
    assert_eq!(streams(&replay), vec!["h264,320,240", "aac"]);
    let seconds = duration(&replay);
    assert!((seconds - 6.0).abs() <= 0.5, "duration {seconds}");
    assert_eq!(video_frames(&replay), 150, "every picture, decoded");
    assert_eq!(decode_errors(&replay), "");

    // The live playlist: at most WINDOW segments, its media sequence rising.
    let sequences: Vec<u64> = writer
        .live_texts
        .iter()
        .map(|t| media_sequence(t))
        .collect();
    for text in &writer.live_texts {
        assert!(text.matches("#EXTINF").count() <= WINDOW, "{text}");
        assert!(!text.contains("#EXT-X-ENDLIST"));
    }
    assert!(sequences.windows(2).all(|w| w[0] <= w[1]), "{sequences:?}");
    assert_eq!(sequences.last(), Some(&3));
    // A live player reads the last window.
    assert_eq!(
        streams(&dir.path().join("live.m3u8")),
        vec!["h264,320,240", "aac"]
    );
}

#[test]
fn two_second_segments_and_a_reconnect_still_give_one_clean_replay() {
    let dir = tempfile::tempdir().unwrap();
    let once = ffmpeg_flv(dir.path(), 6);
    // The publisher reconnects: the same stream again from timestamp 0.
    let mut tags = once.clone();
    tags.extend(once);
    let writer = TinyWriter::new(dir.path(), 2_000).run(&tags, SegmenterOptions::two_seconds());
    assert_eq!(writer.all.len(), 6, "{:?}", writer.all);
    for s in &writer.all {
        assert!((1_960..=2_150).contains(&s.duration_ms), "{s:?}");
    }
    let replay = dir.path().join("replay.m3u8");
    let seconds = duration(&replay);
    assert!((seconds - 12.0).abs() <= 0.5, "duration {seconds}");
    assert_eq!(video_frames(&replay), 300);
    assert_eq!(decode_errors(&replay), "");
}
