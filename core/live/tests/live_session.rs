//! The session API without an ingest: frames and PCM pushed the way the phone
//! shells push them, recorded to FLV and checked with ffprobe; the bitrate cap.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use farmlive_live::frame::{PixelFormat, Rotation};
use farmlive_live::{AudioInput, LiveConfig, LiveSession, VideoInput};
use std::time::{Duration, Instant};

#[test]
fn pushed_nv12_frames_and_48k_mono_pcm_become_a_playable_recording() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pushed.flv");
    let mut cfg = LiveConfig::new(320, 240);
    cfg.video = VideoInput::Pushed;
    cfg.audio = AudioInput::Pushed;
    cfg.record = Some(file.clone());
    let session = LiveSession::start(cfg).unwrap();
    let video = session.video_pusher().unwrap();
    let audio = session.audio_pusher().unwrap();
    // A phone held sideways: 240x320 NV12 frames that a 90° turn makes
    // 320x240; 2 s at 30 fps, with 48 kHz mono PCM alongside.
    let start = Instant::now();
    for n in 0..60u64 {
        let (w, h) = (240u32, 320u32);
        let mut nv12 = vec![0u8; (w * h * 3 / 2) as usize];
        for (i, px) in nv12[..(w * h) as usize].iter_mut().enumerate() {
            *px = ((i as u64 + n * 3) % 220 + 16) as u8;
        }
        nv12[(w * h) as usize..].fill(128);
        video
            .push(&nv12, w, h, PixelFormat::Nv12, Rotation::Cw90, n * 33_333)
            .unwrap();
        let pcm: Vec<i16> = (0..1600)
            .map(|i| ((i as f64 / 10.0).sin() * 5000.0) as i16)
            .collect();
        audio.push(&pcm, 48_000, 1).unwrap();
        let due = start + Duration::from_micros((n + 1) * 33_333);
        std::thread::sleep(due.saturating_duration_since(Instant::now()));
    }
    std::thread::sleep(Duration::from_millis(300));
    let stats = session.stop().unwrap();
    assert!(stats.frames_encoded >= 55, "{stats:?}");
    let s = streams(&file);
    assert!(
        s.contains(&("h264".into(), "320".into(), "240".into())),
        "{s:?}"
    );
    assert!(s.iter().any(|(c, _, _)| c == "aac"), "{s:?}");
    assert!(decodes(&file));
    let n = video_frames(&file);
    assert!((55..=60).contains(&n), "{n}");
}

#[test]
fn the_bitrate_cap_lowers_the_encoder_target() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = LiveConfig::new(160, 120);
    cfg.record = Some(dir.path().join("cap.flv"));
    cfg.duration = Some(Duration::from_secs(3));
    let session = LiveSession::start(cfg).unwrap();
    let stats = session.subscribe();
    session.set_bitrate_cap(500_000);
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut target = 0;
    while Instant::now() < deadline {
        if let Ok(s) = stats.recv_timeout(Duration::from_secs(2)) {
            target = s.target_bps;
            if target == 500_000 {
                break;
            }
        }
    }
    assert_eq!(target, 500_000);
    let _ = session.stop().unwrap();
}

#[test]
fn bad_configurations_are_refused_in_plain_words() {
    let mut cfg = LiveConfig::new(321, 240);
    cfg.record = Some("/tmp/x.flv".into());
    let e = LiveSession::start(cfg).unwrap_err();
    assert!(e.is_bad_input() && e.to_string().contains("even"), "{e}");
    let e = LiveSession::start(LiveConfig::new(320, 240)).unwrap_err();
    assert!(e.to_string().contains("nowhere to stream"), "{e}");
    let mut cfg = LiveConfig::new(320, 240);
    cfg.record = Some("/no/such/dir/x.flv".into());
    let e = LiveSession::start(cfg).unwrap_err();
    assert!(e.to_string().contains("cannot create the recording"), "{e}");
    let mut cfg = LiveConfig::new(320, 240);
    cfg.video = VideoInput::Y4m("/no/such.y4m".into());
    cfg.record = Some("/tmp/x.flv".into());
    assert!(LiveSession::start(cfg).is_err());
}
