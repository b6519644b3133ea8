//! The writer on disk: files and modes, the live window, the cap, a resumed
//! recording, the feed's thread. Made-up tags where only the cutting
//! matters; ffmpeg's where a player must read the result.

#![allow(clippy::unwrap_used)]

use super::*;
use crate::error::HubError;
use axum::body::Bytes;
use std::process::Command;

const SPS: &[u8] = &[0x67, 0x42, 0xc0, 0x1e, 0xda, 0x02];
const PPS: &[u8] = &[0x68, 0xce, 0x3c, 0x80];

fn avc_header() -> FlvTag {
    let mut body = vec![0x17, 0, 0, 0, 0, 1, 0x42, 0xc0, 0x1e, 0xff, 0xe1];
    body.extend_from_slice(&(SPS.len() as u16).to_be_bytes());
    body.extend_from_slice(SPS);
    body.push(1);
    body.extend_from_slice(&(PPS.len() as u16).to_be_bytes());
    body.extend_from_slice(PPS);
    FlvTag::received(TagKind::Video, 0, Bytes::from(body))
}

fn picture(ts: u32, keyframe: bool) -> FlvTag {
    let mut body = vec![if keyframe { 0x17 } else { 0x27 }, 1, 0, 0, 0, 0, 0, 1, 0];
    body.push(if keyframe { 0x65 } else { 0x41 });
    body.resize(9 + 256, 0xAB);
    body[5..9].copy_from_slice(&256u32.to_be_bytes());
    FlvTag::received(TagKind::Video, ts, Bytes::from(body))
}

/// `seconds` of made-up 25 fps video with a keyframe a second, from `from` ms.
pub(crate) fn made_up(from: u32, seconds: u32) -> Vec<FlvTag> {
    let mut tags = vec![avc_header()];
    tags.extend((0..seconds * 25).map(|n| picture(from + n * 40, n % 25 == 0)));
    tags
}

/// `seconds` of 320x240 test pattern (25 fps, a keyframe a second) and a
/// tone, encoded by ffmpeg to FLV and read back as tags.
pub(crate) fn ffmpeg_tags(dir: &Path, seconds: u32) -> Vec<FlvTag> {
    let flv = dir.join("source.flv");
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
        .arg("testsrc=size=320x240:rate=25")
        .args(["-f", "lavfi", "-i", "sine=frequency=440", "-t"])
        .arg(seconds.to_string())
        .args(["-c:v", "libx264", "-g", "25", "-c:a", "aac", "-f", "flv"])
        .arg(&flv)
        .output()
        .expect("ffmpeg is missing: run `cargo xtask setup`");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&flv).unwrap();
    farmlive_media::flv::parse_tags(&bytes)
        .unwrap()
        .iter()
        .filter_map(|t| t.to_tag())
        .collect()
}

fn options(window: usize) -> HlsOptions {
    HlsOptions {
        live_window: window,
        ..HlsOptions::default()
    }
}

fn write_all(writer: &mut HlsWriter, tags: &[FlvTag]) {
    for tag in tags {
        writer.push(tag).unwrap();
    }
}

fn segment_files(dir: &Path) -> Vec<u64> {
    let mut out: Vec<u64> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| parse_segment_name(e.unwrap().file_name().to_str()?))
        .collect();
    out.sort();
    out
}

fn listed(playlist: &str) -> Vec<u64> {
    playlist.lines().filter_map(parse_segment_name).collect()
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap()
}

/// The first video packet of a segment has the random access flag.
fn starts_with_a_keyframe(bytes: &[u8]) -> bool {
    let third = &bytes[2 * 188..3 * 188];
    let pid = u16::from_be_bytes([third[1] & 0x1F, third[2]]);
    pid == farmlive_media::ts::VIDEO_PID && third[3] & 0x20 != 0 && third[5] & 0x40 != 0
}

#[test]
fn a_show_is_written_live_then_recorded_in_private_files() {
    let root = tempfile::tempdir().unwrap();
    let room = RoomId::new();
    let mut writer = HlsWriter::open(root.path(), room, options(3)).unwrap();
    let dir = writer.dir().to_owned();
    assert_eq!(dir, room_dir(root.path(), room));
    let mut live_lists = Vec::new();
    for tag in made_up(0, 5) {
        let before = writer.recorded().len();
        writer.push(&tag).unwrap();
        if writer.recorded().len() > before {
            live_lists.push(listed(&read(&dir, LIVE_PLAYLIST)));
        }
    }
    // Each live playlist: at most 3 segments, the newest last.
    assert_eq!(live_lists.len(), 4);
    for (n, list) in live_lists.iter().enumerate() {
        assert!(list.len() <= 3);
        assert_eq!(list.last(), Some(&(n as u64)));
    }
    assert!(!dir.join(REPLAY_PLAYLIST).exists(), "no replay while live");
    writer.finish().unwrap();

    let replay = read(&dir, REPLAY_PLAYLIST);
    assert_eq!(listed(&replay), vec![0, 1, 2, 3, 4]);
    assert!(replay.ends_with("#EXT-X-ENDLIST\n"));
    assert_eq!(replay.matches("#EXTINF:1.000,").count(), 5);
    let live = read(&dir, LIVE_PLAYLIST);
    assert_eq!(listed(&live), vec![2, 3, 4]);
    assert!(live.ends_with("#EXT-X-ENDLIST\n"), "players stop reloading");
    assert_eq!(segment_files(&dir), vec![0, 1, 2, 3, 4], "all kept");
    for n in 0..5 {
        assert!(starts_with_a_keyframe(
            &std::fs::read(dir.join(segment_name(n))).unwrap()
        ));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            assert_eq!(mode(&path), 0o600, "{}", path.display());
            let name = path.file_name().unwrap().to_str().unwrap().to_owned();
            assert!(!name.ends_with(".tmp"), "no temporary file left: {name}");
        }
    }
}

#[test]
fn past_the_cap_the_show_stays_live_but_is_not_recorded() {
    let root = tempfile::tempdir().unwrap();
    let cap = RecordingCap {
        max_bytes: u64::MAX,
        max_ms: 2_500,
    };
    let opts = HlsOptions { cap, ..options(2) };
    let room = RoomId::new();
    let mut writer = HlsWriter::open(root.path(), room, opts).unwrap();
    let dir = writer.dir().to_owned();
    write_all(&mut writer, &made_up(0, 10));
    assert!(!writer.recording());
    writer.finish().unwrap();
    // Two seconds fit under 2.5 s; the third would not.
    assert_eq!(listed(&read(&dir, REPLAY_PLAYLIST)), vec![0, 1]);
    assert_eq!(
        listed(&read(&dir, LIVE_PLAYLIST)),
        vec![8, 9],
        "live to the end"
    );
    // Unrecorded segments are deleted a window after they left the playlist.
    assert_eq!(segment_files(&dir), vec![0, 1, 6, 7, 8, 9]);

    // Resumed after the cap, the recording stays stopped: a short segment
    // that would fit under 2.5 s is not added, so the replay never jumps
    // from the cap to the restart.
    let mut writer = HlsWriter::open(root.path(), room, opts).unwrap();
    assert!(!writer.recording());
    write_all(&mut writer, &made_up(0, 1)[..11]);
    writer.finish().unwrap();
    assert_eq!(listed(&read(&dir, REPLAY_PLAYLIST)), vec![0, 1]);
    assert_eq!(listed(&read(&dir, LIVE_PLAYLIST)), vec![10]);

    // The byte cap works the same way.
    let by_bytes = HlsOptions {
        cap: RecordingCap {
            max_bytes: 30_000,
            max_ms: u64::MAX,
        },
        ..options(2)
    };
    let mut writer = HlsWriter::open(root.path(), RoomId::new(), by_bytes).unwrap();
    write_all(&mut writer, &made_up(0, 6));
    let recorded = writer.recorded().len();
    assert!((1..6).contains(&recorded), "{recorded} recorded");
    let bytes: u64 = writer
        .recorded()
        .iter()
        .map(|s| {
            std::fs::metadata(writer.dir().join(segment_name(s.sequence)))
                .unwrap()
                .len()
        })
        .sum();
    assert!(bytes <= 30_000);
}

#[test]
fn a_restarted_hub_resumes_the_recording_where_it_stopped() {
    let root = tempfile::tempdir().unwrap();
    let room = RoomId::new();
    let mut writer = HlsWriter::open(root.path(), room, options(3)).unwrap();
    let dir = writer.dir().to_owned();
    write_all(&mut writer, &made_up(0, 3));
    // The hub dies mid-show (no finish), in the middle of an index line.
    drop(writer);
    let mut index = std::fs::OpenOptions::new()
        .append(true)
        .open(dir.join(INDEX))
        .unwrap();
    index.write_all(b"7 10").unwrap();
    assert_eq!(segment_files(&dir), vec![0, 1]);

    // The publisher comes back, its clock from 0 again.
    let mut writer = HlsWriter::open(root.path(), room, options(3)).unwrap();
    assert_eq!(writer.recorded().len(), 2);
    write_all(&mut writer, &made_up(0, 3));
    writer.finish().unwrap();
    let replay = read(&dir, REPLAY_PLAYLIST);
    assert_eq!(listed(&replay), vec![0, 1, 2, 3, 4]);
    assert!(!read(&dir, INDEX).contains("7 10"), "the cut line is gone");
}

#[test]
fn a_gap_ends_the_segment_and_the_next_starts_at_a_keyframe() {
    let root = tempfile::tempdir().unwrap();
    let mut writer = HlsWriter::open(root.path(), RoomId::new(), options(3)).unwrap();
    let tags = made_up(0, 3);
    // Lost: everything from 0.52 s to 1.32 s; the gap brings the header again.
    write_all(&mut writer, &tags[..14]);
    writer.gap(&[tags[0].clone()]).unwrap();
    let after: Vec<FlvTag> = tags[34..].to_vec();
    write_all(&mut writer, &after);
    let dir = writer.dir().to_owned();
    writer.finish().unwrap();
    let replay = read(&dir, REPLAY_PLAYLIST);
    assert!(replay.contains("#EXTINF:0.520,\nseg000000.ts"), "{replay}");
    assert_eq!(listed(&replay), vec![0, 1]);
    for n in 0..2 {
        assert!(starts_with_a_keyframe(
            &std::fs::read(dir.join(segment_name(n))).unwrap()
        ));
    }
}

#[tokio::test]
async fn the_feed_writes_on_its_own_thread_and_finish_waits_for_the_replay() {
    let root = tempfile::tempdir().unwrap();
    let room = RoomId::new();
    let mut feed = HlsFeed::start(root.path(), room, options(3)).unwrap();
    // 101 tags: the queue (2,048) never fills.
    for tag in made_up(0, 4) {
        feed.push(&tag);
    }
    assert_eq!(feed.dropped(), 0);
    feed.finish().await.unwrap();
    let replay = read(&room_dir(root.path(), room), REPLAY_PLAYLIST);
    assert_eq!(listed(&replay), vec![0, 1, 2, 3]);
}

#[tokio::test]
async fn a_feed_that_cannot_keep_up_drops_tags_but_never_a_keyframe_start() {
    let root = tempfile::tempdir().unwrap();
    let room = RoomId::new();
    // A queue of nothing: a tag goes only when the writer is waiting.
    let opts = HlsOptions {
        queue_tags: 0,
        ..options(3)
    };
    let mut feed = HlsFeed::start(root.path(), room, opts).unwrap();
    for tag in made_up(0, 20) {
        feed.push(&tag);
    }
    feed.finish().await.unwrap();
    let dir = room_dir(root.path(), room);
    for n in segment_files(&dir) {
        let bytes = std::fs::read(dir.join(segment_name(n))).unwrap();
        assert!(starts_with_a_keyframe(&bytes), "segment {n}");
    }
}

#[tokio::test]
async fn a_writer_that_cannot_open_says_so_at_finish() {
    let root = tempfile::tempdir().unwrap();
    let file = root.path().join("not-a-folder");
    std::fs::write(&file, b"x").unwrap();
    let mut feed = HlsFeed::start(&file, RoomId::new(), options(3)).unwrap();
    // Whether the thread has failed yet or not, pushing never blocks or panics.
    for tag in made_up(0, 1) {
        feed.push(&tag);
    }
    assert!(matches!(feed.finish().await, Err(HubError::Io(_))));
}

#[test]
fn live_root_sits_beside_the_database() {
    assert_eq!(
        live_root(Path::new("/srv/farmlive/hub.db")),
        PathBuf::from("/srv/farmlive/hub.db.live")
    );
}

#[test]
fn a_real_stream_written_here_plays_in_ffmpeg() {
    let root = tempfile::tempdir().unwrap();
    let room = RoomId::new();
    let tags = ffmpeg_tags(root.path(), 4);
    let mut writer = HlsWriter::open(root.path(), room, options(3)).unwrap();
    write_all(&mut writer, &tags);
    assert_eq!(writer.media_errors(), 0);
    writer.finish().unwrap();
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(room_dir(root.path(), room).join(REPLAY_PLAYLIST))
        .args(["-f", "null", "-"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}
