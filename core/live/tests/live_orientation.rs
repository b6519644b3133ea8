//! Issue 13: frames pushed the way a phone's camera delivers them, at each of
//! 0/90/180/270° and with the phone held in portrait and in landscape, come
//! out of the recording upright and unstretched: letterboxed (or
//! pillarboxed) when the phone is held the other way than the stream, filling
//! it otherwise. Checked by decoding the recording with ffmpeg and comparing
//! every frame we pick against the expected upright picture, region by region.
//!
//! The sensor frames and the expected pictures are drawn here from their
//! definitions (what a clockwise turn does, what keeping the aspect means),
//! not with the crate's own rotation or fitting, so a mistake there cannot
//! cancel itself out.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use farmlive_live::frame::{PixelFormat, Rotation};
use farmlive_live::{LiveConfig, LiveSession, VideoInput};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// The upright test picture: four flat quadrants, clockwise from the top left,
/// each with its own luma and chroma, so that any turn or mirror shows.
const QUADRANTS: [(u8, u8, u8); 4] = [
    (50, 90, 170),
    (100, 170, 90),
    (160, 60, 110),
    (210, 140, 200),
];
/// Black in limited-range YUV: the bars.
const BLACK_Y: u8 = 16;
/// Frames pushed per case, at 30 fps; the later half is checked.
const FRAMES_PER_CASE: u64 = 12;

/// The quadrant of the upright picture at (x, y) of a `w`×`h` picture.
fn quadrant(x: u32, y: u32, w: u32, h: u32) -> usize {
    match (x < w / 2, y < h / 2) {
        (true, true) => 0,
        (false, true) => 1,
        (false, false) => 2,
        (true, false) => 3,
    }
}

/// Where the buffer pixel (sx, sy) of a `sw`×`sh` sensor buffer lands in the
/// upright picture, when turning the buffer clockwise by `rotation` makes it upright.
fn to_upright(rotation: Rotation, sx: u32, sy: u32, sw: u32, sh: u32) -> (u32, u32) {
    match rotation {
        Rotation::None => (sx, sy),
        // A quarter turn clockwise: the buffer's top-left goes to the top-right.
        Rotation::Cw90 => (sh - 1 - sy, sx),
        Rotation::Cw180 => (sw - 1 - sx, sh - 1 - sy),
        // Three quarters: the buffer's top-left goes to the bottom-left.
        Rotation::Cw270 => (sy, sw - 1 - sx),
    }
}

/// The NV12 buffer a camera delivers of a `uw`×`uh` upright picture when its
/// frames need turning clockwise by `rotation`; returns (bytes, width, height).
fn sensor_nv12(uw: u32, uh: u32, rotation: Rotation) -> (Vec<u8>, u32, u32) {
    let (sw, sh) = match rotation {
        Rotation::Cw90 | Rotation::Cw270 => (uh, uw),
        _ => (uw, uh),
    };
    let mut buf = vec![0u8; (sw * sh * 3 / 2) as usize];
    for sy in 0..sh {
        for sx in 0..sw {
            let (ux, uy) = to_upright(rotation, sx, sy, sw, sh);
            let (y, u, v) = QUADRANTS[quadrant(ux, uy, uw, uh)];
            buf[(sy * sw + sx) as usize] = y;
            if sx % 2 == 0 && sy % 2 == 0 {
                let c = (sw * sh + (sy / 2) * sw + sx) as usize;
                buf[c] = u;
                buf[c + 1] = v;
            }
        }
    }
    (buf, sw, sh)
}

/// One region of the expected picture: a bar or a quadrant.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Region {
    Bar,
    Quadrant(usize),
}

/// The expected region of each output pixel, `None` near an edge between
/// regions (scaling and the codec blur those): a `uw`×`uh` upright picture
/// kept at its aspect, as large as fits, centred in `ow`×`oh`. With
/// `stretched`, what a stretch would show instead (the picture over the
/// whole frame), to show that the check tells them apart.
fn expected_regions(uw: u32, uh: u32, ow: u32, oh: u32, stretched: bool) -> Vec<Option<Region>> {
    let scale = if stretched {
        0.0
    } else {
        (ow as f64 / uw as f64).min(oh as f64 / uh as f64)
    };
    let (pw, ph) = if stretched {
        (ow as f64, oh as f64)
    } else {
        (uw as f64 * scale, uh as f64 * scale)
    };
    let (px, py) = ((ow as f64 - pw) / 2.0, (oh as f64 - ph) / 2.0);
    const MARGIN: f64 = 3.0;
    let mut out = Vec::with_capacity((ow * oh) as usize);
    for y in 0..oh {
        for x in 0..ow {
            let (cx, cy) = (x as f64 + 0.5 - px, y as f64 + 0.5 - py);
            let edges_x = [0.0, pw / 2.0, pw];
            let edges_y = [0.0, ph / 2.0, ph];
            let near = edges_x.iter().any(|e| (cx - e).abs() < MARGIN)
                && (-MARGIN..ph + MARGIN).contains(&cy)
                || edges_y.iter().any(|e| (cy - e).abs() < MARGIN)
                    && (-MARGIN..pw + MARGIN).contains(&cx);
            let inside = (0.0..pw).contains(&cx) && (0.0..ph).contains(&cy);
            out.push(if near {
                None
            } else if inside {
                Some(Region::Quadrant(match (cx < pw / 2.0, cy < ph / 2.0) {
                    (true, true) => 0,
                    (false, true) => 1,
                    (false, false) => 2,
                    (true, false) => 3,
                }))
            } else {
                Some(Region::Bar)
            });
        }
    }
    out
}

/// The mean absolute luma difference of each region of the decoded picture
/// from what the region should be, and how many pixels it has.
fn region_diffs(luma: &[u8], regions: &[Option<Region>]) -> Vec<(Region, f64, usize)> {
    let all = [
        Region::Bar,
        Region::Quadrant(0),
        Region::Quadrant(1),
        Region::Quadrant(2),
        Region::Quadrant(3),
    ];
    all.iter()
        .map(|&r| {
            let want = match r {
                Region::Bar => BLACK_Y,
                Region::Quadrant(q) => QUADRANTS[q].0,
            };
            let (mut sum, mut n) = (0u64, 0usize);
            for (px, reg) in luma.iter().zip(regions) {
                if *reg == Some(r) {
                    sum += px.abs_diff(want) as u64;
                    n += 1;
                }
            }
            (r, if n == 0 { 0.0 } else { sum as f64 / n as f64 }, n)
        })
        .collect()
}

/// Every decoded video frame of `file` (`w`×`h`): its frame number at 30 fps
/// (from its timestamp) and its luma plane.
fn decoded_frames(file: &Path, w: u32, h: u32) -> Vec<(u64, Vec<u8>)> {
    need("ffmpeg");
    let stamps: Vec<u64> = ffprobe(
        &[
            "-select_streams",
            "v:0",
            "-show_entries",
            "frame=pts_time",
            "-of",
            "csv=p=0",
        ],
        file,
    )
    .lines()
    .filter_map(|l| l.trim().trim_end_matches(',').parse::<f64>().ok())
    .map(|t| (t * 30.0).round() as u64)
    .collect();
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(file)
        .args([
            "-an",
            "-fps_mode",
            "passthrough",
            "-pix_fmt",
            "yuv420p",
            "-f",
            "rawvideo",
            "-",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let frame_len = (w * h * 3 / 2) as usize;
    assert_eq!(out.stdout.len() % frame_len, 0);
    let frames: Vec<Vec<u8>> = out
        .stdout
        .chunks_exact(frame_len)
        .map(|f| f[..(w * h) as usize].to_vec())
        .collect();
    assert_eq!(frames.len(), stamps.len(), "ffmpeg and ffprobe disagree");
    stamps.into_iter().zip(frames).collect()
}

/// One case: the phone held so that the upright picture is `uw`×`uh`, the
/// camera's frames needing `rotation`.
#[derive(Debug, Clone, Copy)]
struct Case {
    held: &'static str,
    uw: u32,
    uh: u32,
    rotation: Rotation,
}

const ROTATIONS: [Rotation; 4] = [
    Rotation::None,
    Rotation::Cw90,
    Rotation::Cw180,
    Rotation::Cw270,
];

fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for (held, uw, uh) in [("landscape", 384, 216), ("portrait", 216, 384)] {
        for rotation in ROTATIONS {
            cases.push(Case {
                held,
                uw,
                uh,
                rotation,
            });
        }
    }
    cases
}

/// Streams every case into a `ow`×`oh` recording and checks each case's picture.
fn every_case_comes_out_upright_in(ow: u32, oh: u32) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("orientation.flv");
    let mut cfg = LiveConfig::new(ow, oh);
    cfg.video = VideoInput::Pushed;
    cfg.audio = farmlive_live::AudioInput::None;
    cfg.record = Some(file.clone());
    cfg.keyframe_interval = Duration::from_secs(1);
    let session = LiveSession::start(cfg).unwrap();
    let video = session.video_pusher().unwrap();
    let cases = cases();
    let start = Instant::now();
    let mut n = 0u64;
    for case in &cases {
        let (nv12, sw, sh) = sensor_nv12(case.uw, case.uh, case.rotation);
        for _ in 0..FRAMES_PER_CASE {
            video
                .push(&nv12, sw, sh, PixelFormat::Nv12, case.rotation, n * 33_334)
                .unwrap();
            n += 1;
            let due = start + Duration::from_micros(n * 33_334);
            std::thread::sleep(due.saturating_duration_since(Instant::now()));
        }
    }
    std::thread::sleep(Duration::from_millis(300));
    drop(video);
    let stats = session.stop().unwrap();
    assert!(stats.frames_encoded > 0, "{stats:?}");
    assert!(
        streams(&file).contains(&("h264".into(), ow.to_string(), oh.to_string())),
        "{:?}",
        streams(&file)
    );
    let frames = decoded_frames(&file, ow, oh);
    for (i, case) in cases.iter().enumerate() {
        let first = i as u64 * FRAMES_PER_CASE;
        // A settled frame of this case: the last one decoded in its later half.
        let Some((_, luma)) = frames
            .iter()
            .rev()
            .find(|(k, _)| (first + FRAMES_PER_CASE / 2..first + FRAMES_PER_CASE).contains(k))
        else {
            panic!(
                "no frame of {case:?} in the recording: {:?}",
                frames.iter().map(|f| f.0).collect::<Vec<_>>()
            );
        };
        let want = expected_regions(case.uw, case.uh, ow, oh, false);
        let diffs = region_diffs(luma, &want);
        let case = format!(
            "held in {}, turned {}°: {case:?}",
            case.held,
            case.rotation.degrees()
        );
        let letterboxed = (cases[i].uw > cases[i].uh) != (ow > oh);
        for &(region, diff, pixels) in &diffs {
            let expected_pixels = region != Region::Bar || letterboxed;
            assert_eq!(
                pixels > 0,
                expected_pixels,
                "{case} in {ow}x{oh}: {region:?}"
            );
            assert!(
                diff <= 8.0,
                "{case} in {ow}x{oh}: {region:?} is off by {diff:.1} on average: {diffs:?}"
            );
        }
        if letterboxed {
            // A stretched picture would fail the same check: the check can tell.
            let stretched = expected_regions(cases[i].uw, cases[i].uh, ow, oh, true);
            let worst = region_diffs(luma, &stretched)
                .iter()
                .map(|d| d.1)
                .fold(0.0, f64::max);
            assert!(worst > 30.0, "{case}: stretched looks alike ({worst:.1})");
        }
    }
}

#[test]
fn frames_at_every_rotation_held_either_way_are_upright_in_a_landscape_stream() {
    every_case_comes_out_upright_in(320, 180);
}

#[test]
fn frames_at_every_rotation_held_either_way_are_upright_in_a_portrait_stream() {
    every_case_comes_out_upright_in(180, 320);
}

#[test]
fn the_check_catches_a_picture_turned_the_wrong_way() {
    // The upright picture against itself turned by 180°: every quadrant is off.
    let (uw, uh) = (64, 36);
    let (nv12, _, _) = sensor_nv12(uw, uh, Rotation::Cw180);
    let regions = expected_regions(uw, uh, uw, uh, false);
    let diffs = region_diffs(&nv12[..(uw * uh) as usize], &regions);
    assert!(
        diffs.iter().filter(|d| d.1 > 50.0).count() == 4,
        "{diffs:?}"
    );
    let (upright, _, _) = sensor_nv12(uw, uh, Rotation::None);
    let diffs = region_diffs(&upright[..(uw * uh) as usize], &regions);
    assert!(diffs.iter().all(|d| d.1 == 0.0), "{diffs:?}");
}
