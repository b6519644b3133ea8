//! The cost of a pushed camera frame, 1280x720 NV12 as phones deliver it:
//! the shell's call (`VideoPusher::push_owned`, which only queues the frame)
//! and the capture thread's work on it (to I420, turned upright, fitted to
//! the stream's size), before and after issue 13: a stretch to 1280x720
//! then, a letterbox (or nothing, when the stream follows the screen) now.
//! Prints p50 and p90 per frame.
//!
//! `cargo bench -p farmlive-live --bench frame_fit`.

#![allow(clippy::unwrap_used)]

#[path = "../../benches/common/machine.rs"]
mod machine;

use farmlive_live::Fit;
use farmlive_live::frame::{FrameData, I420Frame, PixelFormat, Rotation};
use farmlive_live::video::{Next, VideoSource, pushed_source};
use std::time::{Duration, Instant};

const W: u32 = 1280;
const H: u32 = 720;
const ROUNDS: usize = 300;

fn nv12() -> Vec<u8> {
    (0..PixelFormat::Nv12.frame_len(W, H))
        .map(|i| (i * 31 % 251) as u8)
        .collect()
}

/// p50 and p90 of `work` over `ROUNDS` runs, in milliseconds, each on a
/// fresh input from `input` (made outside the timing).
fn time<T>(mut input: impl FnMut() -> T, mut work: impl FnMut(T)) -> (f64, f64) {
    let mut took: Vec<Duration> = (0..ROUNDS)
        .map(|_| {
            let data = input();
            let start = Instant::now();
            work(data);
            start.elapsed()
        })
        .collect();
    took.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (ms(took[ROUNDS / 2]), ms(took[ROUNDS * 9 / 10]))
}

/// The capture thread's work on one pushed frame, `out_w`×`out_h` out.
fn capture_work(
    data: FrameData,
    scratch: &mut Vec<u8>,
    rotation: Rotation,
    out_w: u32,
    out_h: u32,
    stretch: bool,
) {
    let frame = I420Frame::convert_owned(data, W, H, PixelFormat::Nv12, scratch).unwrap();
    let turned = if rotation == Rotation::None {
        frame
    } else {
        frame.rotate(rotation)
    };
    let out = if stretch {
        turned.scale(out_w, out_h).unwrap()
    } else {
        turned.fit(out_w, out_h, Fit::Letterbox).unwrap()
    };
    std::hint::black_box(out);
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    println!("\n{}", machine::describe());
    let bytes = nv12();

    // The shell's call, with the capture end drained by its own thread (the
    // conversion happens there, as in a session).
    let (mut source, pusher) = pushed_source();
    let drain = std::thread::spawn(
        move || {
            while !matches!(source.next_frame(), Ok(Next::End) | Err(_)) {}
        },
    );
    // The shell's bytes already exist when it pushes (ShellBytes hands them
    // over without a copy): made outside the timing, at about a camera's
    // pace so that the queue never fills.
    let push = time(
        || {
            std::thread::sleep(Duration::from_millis(20));
            FrameData::new(bytes.clone())
        },
        |data| {
            pusher
                .push_owned(data, W, H, PixelFormat::Nv12, Rotation::Cw90, 0)
                .unwrap()
        },
    );
    let dropped = pusher.dropped();
    drop(pusher);
    drain.join().unwrap();

    println!("\n1280x720 NV12 frames, {ROUNDS} rounds each (p50 / p90, ms per frame)\n");
    println!("| step | p50 | p90 |");
    println!("|---|---|---|");
    println!(
        "| shell's push (`push_owned`), {dropped} dropped | {:.3} | {:.3} |",
        push.0, push.1
    );
    for (what, rotation, w, h, stretch) in [
        (
            "held sideways, 1280x720 stream (rotation 0): convert only",
            Rotation::None,
            W,
            H,
            false,
        ),
        (
            "held upright, 1280x720 stream, before: rotate 90 + stretch",
            Rotation::Cw90,
            W,
            H,
            true,
        ),
        (
            "held upright, 1280x720 stream, now: rotate 90 + pillarbox",
            Rotation::Cw90,
            W,
            H,
            false,
        ),
        (
            "held upright, 720x1280 stream (follows the screen): rotate 90",
            Rotation::Cw90,
            H,
            W,
            false,
        ),
        (
            "held sideways, 720x1280 stream (turned mid-show): letterbox",
            Rotation::None,
            H,
            W,
            false,
        ),
    ] {
        let mut scratch = Vec::new();
        let (p50, p90) = time(
            || FrameData::new(bytes.clone()),
            |data| capture_work(data, &mut scratch, rotation, w, h, stretch),
        );
        println!("| capture thread: {what} | {p50:.3} | {p90:.3} |");
    }
}
