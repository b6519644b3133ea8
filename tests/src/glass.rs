//! A glass-to-glass test source: every frame carries its capture time
//! (milliseconds since the Unix epoch) as a band of large black and white
//! blocks at the top of the picture, which a page can read back from a
//! canvas (`tests/browser/latency.mjs` does, with the same layout), plus a
//! moving box so the picture changes. One ffmpeg encodes the frames (H.264
//! and AAC silence, which the hub's FLV header announces) and sends the
//! same packets to several RTMP servers at once (its `tee` muxer), so each
//! server gets identical bytes at the same moment.

use std::io::Write;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A block's side in pixels: large enough to survive H.264 at a low rate.
pub const BLOCK: usize = 20;
/// Blocks per row of the band.
pub const PER_ROW: usize = 32;
/// Bits in the band: 8 of start pattern, 48 of time, 8 of check.
pub const BITS: usize = 64;
/// The start pattern (first 8 blocks), so a reader can tell a stamp from
/// whatever else is in the picture.
pub const START: u8 = 0b1011_0010;
/// Mixed into the check byte, so an all-black or all-white band is invalid.
const CHECK_SALT: u8 = 0xA5;
/// Luma of a white and a black block (video range: the browser shows 255
/// and 0).
const WHITE: u8 = 235;
const BLACK: u8 = 16;
const GREY: u8 = 110;

/// The smallest picture the band fits in.
pub const MIN_WIDTH: usize = BLOCK * PER_ROW;

/// The check byte of a 48-bit time: its six bytes XORed, salted.
fn check(ms: u64) -> u8 {
    (0..6).fold(CHECK_SALT, |c, i| c ^ (ms >> (8 * i)) as u8)
}

/// The band's bits for `ms` (only its low 48 bits are kept), in reading
/// order: start pattern, time (most significant first), check.
pub fn stamp_bits(ms: u64) -> [bool; BITS] {
    let ms = ms & ((1 << 48) - 1);
    let mut bits = [false; BITS];
    for (i, bit) in bits.iter_mut().enumerate() {
        *bit = match i {
            0..8 => START >> (7 - i) & 1 == 1,
            8..56 => ms >> (55 - i) & 1 == 1,
            _ => check(ms) >> (63 - i) & 1 == 1,
        };
    }
    bits
}

/// The time in a band's bits, if the start pattern and check hold.
pub fn decode_bits(bits: &[bool; BITS]) -> Option<u64> {
    let byte = |from: usize| {
        bits[from..from + 8]
            .iter()
            .fold(0u8, |b, &x| b << 1 | x as u8)
    };
    let ms = bits[8..56].iter().fold(0u64, |m, &x| m << 1 | x as u64);
    (byte(0) == START && byte(56) == check(ms)).then_some(ms)
}

/// Reads the band back from a luma plane `width` pixels wide: the mean of
/// each block's centre against mid-grey. What the page does from a canvas.
pub fn read_stamp(luma: &[u8], width: usize) -> Option<u64> {
    let mut bits = [false; BITS];
    for (i, bit) in bits.iter_mut().enumerate() {
        let (x0, y0) = ((i % PER_ROW) * BLOCK, (i / PER_ROW) * BLOCK);
        let (mut sum, mut n) = (0u32, 0u32);
        for y in y0 + BLOCK / 4..y0 + 3 * BLOCK / 4 {
            for x in x0 + BLOCK / 4..x0 + 3 * BLOCK / 4 {
                sum += u32::from(*luma.get(y * width + x)?);
                n += 1;
            }
        }
        *bit = sum / n > 128;
    }
    decode_bits(&bits)
}

/// Draws frame `index` stamped with `ms` into `frame`, an I420 picture of
/// `width` × `height` (both even, `width` ≥ [`MIN_WIDTH`]).
pub fn draw_frame(frame: &mut [u8], width: usize, height: usize, index: u64, ms: u64) {
    let luma = width * height;
    frame[..luma].fill(GREY);
    frame[luma..].fill(128); // no colour
    for (i, bit) in stamp_bits(ms).iter().enumerate() {
        let (x0, y0) = ((i % PER_ROW) * BLOCK, (i / PER_ROW) * BLOCK);
        let value = if *bit { WHITE } else { BLACK };
        for y in y0..y0 + BLOCK {
            frame[y * width + x0..y * width + x0 + BLOCK].fill(value);
        }
    }
    // The moving part: a box crossing the picture below the band, once in
    // two seconds at 30 fps.
    let side = height / 6;
    let top = 3 * BLOCK + (height - 3 * BLOCK - side) / 2;
    let left = (index as usize * (width - side) / 60) % (width - side);
    for y in top..top + side {
        frame[y * width + left..y * width + left + side].fill(WHITE);
    }
}

/// Noise of ±32 on the grey luma below the stamp band (the band and the
/// box stay as drawn, so stamps still read back), different each frame.
pub fn add_grain(luma: &mut [u8], width: usize, index: u64) {
    // xorshift64: cheap, and plenty random for an encoder.
    let mut x =
        0x9E37_79B9_7F4A_7C15u64 ^ (index.wrapping_add(1)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    for px in luma[3 * BLOCK * width..].iter_mut() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        if *px == GREY {
            *px = GREY - 32 + (x & 63) as u8;
        }
    }
}

/// Now, in milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// What the stamped source sends.
#[derive(Clone, Debug)]
pub struct SourceConfig {
    /// Picture width (≥ [`MIN_WIDTH`], even).
    pub width: usize,
    /// Picture height (even).
    pub height: usize,
    /// Frames per second.
    pub fps: u32,
    /// Frames between keyframes.
    pub gop: u32,
    /// Video bit rate, kbit/s.
    pub kbps: u32,
    /// How long it publishes at most.
    pub duration: Duration,
    /// Sensor-like noise on the grey below the band, new each frame, so the
    /// encoder spends its whole bit rate as on a real camera (the plain
    /// picture encodes to ≈ 18 kB/s whatever `kbps` says).
    pub grain: bool,
}

impl Default for SourceConfig {
    fn default() -> Self {
        SourceConfig {
            width: 640,
            height: 360,
            fps: 30,
            gop: 30,
            kbps: 1000,
            duration: Duration::from_secs(240),
            grain: false,
        }
    }
}

/// The stamped source publishing: a thread writes raw frames to ffmpeg in
/// real time, each stamped as it is written. Stopped when dropped.
pub struct StampedSource {
    child: Child,
    stop: Arc<AtomicBool>,
    writer: Option<JoinHandle<u64>>,
}

impl StampedSource {
    /// Starts publishing to every RTMP address in `urls` (one encoder, the
    /// same packets to each).
    pub fn start(urls: &[String], config: &SourceConfig) -> StampedSource {
        assert!(config.width >= MIN_WIDTH && config.width % 2 == 0 && config.height % 2 == 0);
        let size = format!("{}x{}", config.width, config.height);
        let rate = config.fps.to_string();
        let gop = config.gop.to_string();
        let kbps = format!("{}k", config.kbps);
        // onfail=ignore: one server going away must not stop the other.
        let outputs = urls
            .iter()
            .map(|u| format!("[f=flv:onfail=ignore:flvflags=no_duration_filesize]{u}"))
            .collect::<Vec<_>>()
            .join("|");
        let mut child = Command::new("ffmpeg")
            .args(["-hide_banner", "-loglevel", "error", "-nostdin"])
            .args(["-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", &size])
            .args(["-r", &rate, "-i", "-"])
            .args(["-f", "lavfi", "-i", "anullsrc=r=44100:cl=mono"])
            .args(["-map", "0:v", "-map", "1:a"])
            .args(["-c:v", "libx264", "-preset", "ultrafast", "-tune"])
            .args(["zerolatency", "-pix_fmt", "yuv420p", "-g", &gop])
            .args(["-keyint_min", &gop, "-sc_threshold", "0", "-b:v", &kbps])
            .args(["-maxrate", &kbps, "-bufsize", &kbps])
            .args(["-c:a", "aac", "-b:a", "32k"])
            // The tee muxer does not ask for global headers itself; FLV
            // needs them (the AVC and AAC sequence headers).
            .args(["-flags", "+global_header"])
            .args(["-f", "tee", &outputs])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("ffmpeg runs");
        let stdin = child.stdin.take().expect("ffmpeg's stdin");
        let stop = Arc::new(AtomicBool::new(false));
        let writer = {
            let (stop, config) = (stop.clone(), config.clone());
            std::thread::spawn(move || write_frames(stdin, &config, &stop))
        };
        StampedSource {
            child,
            stop,
            writer: Some(writer),
        }
    }

    /// Stops publishing; the frames written.
    pub fn stop(mut self) -> u64 {
        self.finish()
    }

    fn finish(&mut self) -> u64 {
        self.stop.store(true, Ordering::SeqCst);
        let frames = self.writer.take().map_or(0, |w| w.join().unwrap_or(0));
        let _ = self.child.kill();
        let _ = self.child.wait();
        frames
    }
}

impl Drop for StampedSource {
    fn drop(&mut self) {
        self.finish();
    }
}

/// Writes frames on a fixed schedule (frame i at start + i / fps), each
/// stamped just before it goes to ffmpeg; the count written.
fn write_frames(mut stdin: ChildStdin, config: &SourceConfig, stop: &AtomicBool) -> u64 {
    let (w, h) = (config.width, config.height);
    let mut frame = vec![0u8; w * h * 3 / 2];
    let started = Instant::now();
    let every = Duration::from_secs(1) / config.fps;
    let mut index = 0u64;
    while !stop.load(Ordering::SeqCst) && started.elapsed() < config.duration {
        let due = started + every * index as u32;
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        draw_frame(&mut frame, w, h, index, now_ms());
        if config.grain {
            add_grain(&mut frame[..w * h], w, index);
        }
        if stdin.write_all(&frame).is_err() {
            break;
        }
        index += 1;
    }
    index
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_drawn_stamp_reads_back() {
        let (w, h) = (640, 360);
        let mut frame = vec![0u8; w * h * 3 / 2];
        for ms in [0, 1, 1_764_600_000_123, (1 << 48) - 1] {
            draw_frame(&mut frame, w, h, ms % 97, ms);
            assert_eq!(read_stamp(&frame[..w * h], w), Some(ms));
        }
    }

    #[test]
    fn grain_leaves_the_stamp_readable_and_changes_each_frame() {
        let (w, h) = (640, 360);
        let mut a = vec![0u8; w * h * 3 / 2];
        let mut b = a.clone();
        draw_frame(&mut a, w, h, 7, 1_764_600_000_123);
        draw_frame(&mut b, w, h, 8, 1_764_600_000_123);
        add_grain(&mut a[..w * h], w, 7);
        add_grain(&mut b[..w * h], w, 8);
        assert_eq!(read_stamp(&a[..w * h], w), Some(1_764_600_000_123));
        let below = 3 * BLOCK * w;
        let differ = a[below..w * h]
            .iter()
            .zip(&b[below..w * h])
            .filter(|(x, y)| x != y)
            .count();
        assert!(differ > (w * h - below) / 2, "only {differ} pixels changed");
    }

    #[test]
    fn a_flipped_block_or_a_blank_band_is_no_stamp() {
        let mut bits = stamp_bits(1_764_600_000_123);
        assert_eq!(decode_bits(&bits), Some(1_764_600_000_123));
        bits[30] = !bits[30];
        assert_eq!(decode_bits(&bits), None, "the check byte catches it");
        assert_eq!(decode_bits(&[false; BITS]), None);
        assert_eq!(decode_bits(&[true; BITS]), None);
        let grey = vec![GREY; 640 * 360];
        assert_eq!(read_stamp(&grey, 640), None);
    }

    #[test]
    fn the_box_moves_and_stays_inside() {
        let (w, h) = (640, 360);
        let mut a = vec![0u8; w * h * 3 / 2];
        let mut b = a.clone();
        draw_frame(&mut a, w, h, 0, 5);
        draw_frame(&mut b, w, h, 1, 5);
        assert_ne!(a, b);
        for i in 0..200 {
            draw_frame(&mut a, w, h, i, 5); // panics if the box left the picture
        }
    }
}
