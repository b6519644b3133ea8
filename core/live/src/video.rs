//! Video sources: a moving test pattern, a Y4M file, and frames pushed by a
//! caller (the phone shells' path). The desktop camera is in `camera.rs`.

use crate::error::LiveError;
use crate::frame::{FrameData, I420Frame, PixelFormat, Rotation, check_frame};
use crate::planes::YuvPlanes;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::Duration;

/// One captured picture with its capture time.
#[derive(Debug, Clone)]
pub struct VideoFrame {
    /// The picture.
    pub frame: I420Frame,
    /// Capture time in microseconds on the source's own clock (only differences matter).
    pub timestamp_us: u64,
}

/// What a source has for the pipeline.
#[derive(Debug)]
pub enum Next {
    /// A frame.
    Frame(VideoFrame),
    /// Nothing yet (a live source that is waiting); ask again.
    Pending,
    /// The source has ended (end of file, the pusher was dropped).
    End,
}

/// Where pictures come from.
pub trait VideoSource: Send {
    /// The next frame. Live sources wait at most about 100 ms and return [`Next::Pending`].
    fn next_frame(&mut self) -> Result<Next, LiveError>;
    /// True when the source delivers in real time by itself (camera, pushed frames);
    /// false when the pipeline must pace it to the frame rate (pattern, file).
    fn is_live(&self) -> bool;
}

/// A moving test pattern with a frame counter and a clock burnt in, plus
/// sensor-like grain so that the encoder has real work to do.
#[derive(Debug)]
pub struct TestPattern {
    width: u32,
    height: u32,
    fps: u32,
    n: u64,
    seed: u32,
}

impl TestPattern {
    /// A pattern of the given size and frame rate.
    pub fn new(width: u32, height: u32, fps: u32) -> Result<TestPattern, LiveError> {
        I420Frame::black(width, height)?;
        if fps == 0 || fps > 120 {
            return Err(LiveError::BadInput(format!(
                "the frame rate must be 1 to 120, not {fps}"
            )));
        }
        Ok(TestPattern {
            width,
            height,
            fps,
            n: 0,
            seed: 0x1234_5678,
        })
    }

    /// Renders frame number `n`.
    pub fn render(&mut self, n: u64) -> I420Frame {
        let (w, h) = (self.width as usize, self.height as usize);
        let mut f = I420Frame::black(self.width, self.height)
            .expect("the size was checked in TestPattern::new");
        let shift = (n as usize * 4) % w.max(1);
        const BARS: [(u8, u8, u8); 8] = [
            (235, 128, 128),
            (210, 16, 146),
            (170, 166, 16),
            (145, 54, 34),
            (106, 202, 222),
            (81, 90, 240),
            (41, 240, 110),
            (16, 128, 128),
        ];
        let (y, u, v) = f.planes_mut();
        for row in 0..h {
            for col in 0..w {
                let bar = ((col + shift) % w) * 8 / w;
                // a vertical luma ramp inside each bar
                let ramp = (row * 40 / h) as i32 - 20;
                self.seed = self
                    .seed
                    .wrapping_mul(1_664_525)
                    .wrapping_add(1_013_904_223);
                let grain = ((self.seed >> 24) as i32 & 15) - 8;
                y[row * w + col] = (BARS[bar].0 as i32 + ramp + grain).clamp(16, 235) as u8;
            }
        }
        for row in 0..h / 2 {
            for col in 0..w / 2 {
                let bar = ((col * 2 + shift) % w) * 8 / w;
                u[row * (w / 2) + col] = BARS[bar].1;
                v[row * (w / 2) + col] = BARS[bar].2;
            }
        }
        // a bouncing box
        let size = (h / 6).max(2);
        let span_x = w.saturating_sub(size).max(1);
        let span_y = h.saturating_sub(size).max(1);
        let t = n as usize * 7;
        let bx = if (t / span_x) % 2 == 0 {
            t % span_x
        } else {
            span_x - t % span_x
        };
        let by = if (t / span_y) % 2 == 0 {
            t % span_y
        } else {
            span_y - t % span_y
        };
        fill_rect(y, w, bx, by, size, size, 235);
        // frame counter and clock
        let ms = n * 1000 / self.fps as u64;
        let text = format!(
            "{:06} {:02}:{:02}:{:02}.{:03}",
            n,
            ms / 3_600_000,
            ms / 60_000 % 60,
            ms / 1000 % 60,
            ms % 1000
        );
        let scale = (h / 60).max(1);
        let text_w = text.len() * 4 * scale;
        let tx = w.saturating_sub(text_w) / 2;
        let ty = h.saturating_sub(7 * scale).saturating_sub(h / 20);
        fill_rect(
            y,
            w,
            tx.saturating_sub(scale),
            ty.saturating_sub(scale),
            text_w + 2 * scale,
            7 * scale,
            16,
        );
        draw_text(y, w, h, tx, ty, scale, &text);
        f
    }
}

fn fill_rect(plane: &mut [u8], stride: usize, x: usize, y: usize, w: usize, h: usize, val: u8) {
    let rows = plane.len() / stride;
    for row in y..(y + h).min(rows) {
        let end = (x + w).min(stride);
        if x < end {
            plane[row * stride + x..row * stride + end].fill(val);
        }
    }
}

/// 3x5 glyphs for digits, ':' and '.', one row per 3 bits.
fn glyph(c: char) -> [u8; 5] {
    match c {
        '0' => [7, 5, 5, 5, 7],
        '1' => [2, 6, 2, 2, 7],
        '2' => [7, 1, 7, 4, 7],
        '3' => [7, 1, 7, 1, 7],
        '4' => [5, 5, 7, 1, 1],
        '5' => [7, 4, 7, 1, 7],
        '6' => [7, 4, 7, 5, 7],
        '7' => [7, 1, 1, 1, 1],
        '8' => [7, 5, 7, 5, 7],
        '9' => [7, 5, 7, 1, 7],
        ':' => [0, 2, 0, 2, 0],
        '.' => [0, 0, 0, 0, 2],
        _ => [0; 5],
    }
}

fn draw_text(plane: &mut [u8], w: usize, h: usize, x: usize, y: usize, scale: usize, text: &str) {
    for (i, c) in text.chars().enumerate() {
        let g = glyph(c);
        for (gy, bits) in g.iter().enumerate() {
            for gx in 0..3 {
                if bits & (4 >> gx) != 0 {
                    let px = x + (i * 4 + gx) * scale;
                    let py = y + (gy + 1) * scale;
                    if px + scale <= w && py + scale <= h {
                        fill_rect(plane, w, px, py, scale, scale, 235);
                    }
                }
            }
        }
    }
}

impl VideoSource for TestPattern {
    fn next_frame(&mut self) -> Result<Next, LiveError> {
        let n = self.n;
        self.n += 1;
        let frame = self.render(n);
        Ok(Next::Frame(VideoFrame {
            frame,
            timestamp_us: n * 1_000_000 / self.fps as u64,
        }))
    }

    fn is_live(&self) -> bool {
        false
    }
}

/// Frames from a YUV4MPEG2 (`.y4m`) file, 4:2:0 only.
pub struct Y4mSource {
    reader: BufReader<std::fs::File>,
    width: u32,
    height: u32,
    fps_num: u64,
    fps_den: u64,
    n: u64,
}

impl std::fmt::Debug for Y4mSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Y4mSource({}x{})", self.width, self.height)
    }
}

impl Y4mSource {
    /// Opens a file and reads its header.
    pub fn open(path: &Path) -> Result<Y4mSource, LiveError> {
        let file = std::fs::File::open(path)
            .map_err(|e| LiveError::io(format!("cannot open {}", path.display()), e))?;
        let mut reader = BufReader::with_capacity(1 << 20, file);
        let mut header = Vec::new();
        (&mut reader)
            .take(1024)
            .read_until(b'\n', &mut header)
            .map_err(|e| LiveError::io(format!("cannot read {}", path.display()), e))?;
        let bad = |why: &str| {
            LiveError::BadInput(format!(
                "{} is not a usable Y4M file: {why}",
                path.display()
            ))
        };
        let header = String::from_utf8(header).map_err(|_| bad("the header is not text"))?;
        let mut parts = header.trim_end().split(' ');
        if parts.next() != Some("YUV4MPEG2") {
            return Err(bad("it does not start with YUV4MPEG2"));
        }
        let (mut width, mut height, mut fps_num, mut fps_den) = (0u32, 0u32, 30u64, 1u64);
        for p in parts {
            let (tag, val) = p.split_at(p.len().min(1));
            match tag {
                "W" => width = val.parse().map_err(|_| bad("bad width"))?,
                "H" => height = val.parse().map_err(|_| bad("bad height"))?,
                "F" => {
                    let (a, b) = val.split_once(':').ok_or_else(|| bad("bad frame rate"))?;
                    fps_num = a.parse().map_err(|_| bad("bad frame rate"))?;
                    fps_den = b.parse().map_err(|_| bad("bad frame rate"))?;
                }
                "C" if !val.starts_with("420") => {
                    return Err(bad("only 4:2:0 colour (C420) is supported"));
                }
                "I" if val != "p" && val != "?" => {
                    return Err(bad("only progressive video is supported"));
                }
                _ => {}
            }
        }
        if fps_num == 0 || fps_den == 0 {
            return Err(bad("bad frame rate"));
        }
        I420Frame::black(width, height).map_err(|e| bad(&e.to_string()))?;
        Ok(Y4mSource {
            reader,
            width,
            height,
            fps_num,
            fps_den,
            n: 0,
        })
    }

    /// Picture size in the file.
    pub fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }
}

impl VideoSource for Y4mSource {
    fn next_frame(&mut self) -> Result<Next, LiveError> {
        let mut line = Vec::new();
        let read = (&mut self.reader)
            .take(256)
            .read_until(b'\n', &mut line)
            .map_err(|e| LiveError::io("cannot read the Y4M file", e))?;
        if read == 0 {
            return Ok(Next::End);
        }
        if !line.starts_with(b"FRAME") {
            return Err(LiveError::BadInput(
                "the Y4M file is damaged: a frame does not start with FRAME".into(),
            ));
        }
        let mut data = vec![0u8; PixelFormat::I420.frame_len(self.width, self.height)];
        match self.reader.read_exact(&mut data) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(Next::End),
            Err(e) => return Err(LiveError::io("cannot read the Y4M file", e)),
        }
        let ts = self.n * 1_000_000 * self.fps_den / self.fps_num;
        self.n += 1;
        Ok(Next::Frame(VideoFrame {
            frame: I420Frame::from_bytes(self.width, self.height, data)?,
            timestamp_us: ts,
        }))
    }

    fn is_live(&self) -> bool {
        false
    }
}

struct Pushed {
    data: FrameData,
    width: u32,
    height: u32,
    format: PixelFormat,
    rotation: Rotation,
    timestamp_us: u64,
}

/// The caller's end of a pushed-frames source. Cheap to clone; when every
/// pusher is dropped, the source ends.
#[derive(Clone)]
pub struct VideoPusher {
    tx: mpsc::SyncSender<Pushed>,
    dropped: Arc<AtomicU64>,
}

impl std::fmt::Debug for VideoPusher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VideoPusher")
    }
}

impl VideoPusher {
    /// Hands over one camera frame, copying its bytes. Never blocks: if the
    /// pipeline is behind, the frame is dropped (and counted) rather than
    /// adding latency.
    pub fn push(
        &self,
        data: &[u8],
        width: u32,
        height: u32,
        format: PixelFormat,
        rotation: Rotation,
        timestamp_us: u64,
    ) -> Result<(), LiveError> {
        let want = check_frame(data.len(), width, height, format)?;
        self.push_owned(
            FrameData::new(data[..want].to_vec()),
            width,
            height,
            format,
            rotation,
            timestamp_us,
        )
    }

    /// Hands over one camera frame whose bytes the caller owns, without
    /// copying them: the capture thread converts the frame to I420 in that
    /// same buffer where it can. Otherwise as [`VideoPusher::push`].
    pub fn push_owned(
        &self,
        data: FrameData,
        width: u32,
        height: u32,
        format: PixelFormat,
        rotation: Rotation,
        timestamp_us: u64,
    ) -> Result<(), LiveError> {
        let want = check_frame(data.len(), width, height, format)?;
        // Frames wait in the queue: keep no buffer there that is far larger
        // than its frame (copy the frame out of it instead).
        let data = if data.len() / 2 > want {
            FrameData::new(data[..want].to_vec())
        } else {
            data
        };
        let item = Pushed {
            data,
            width,
            height,
            format,
            rotation,
            timestamp_us,
        };
        match self.tx.try_send(item) {
            Ok(()) => Ok(()),
            Err(mpsc::TrySendError::Full(_)) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
                Ok(())
            }
            Err(mpsc::TrySendError::Disconnected(_)) => Err(LiveError::Stopped),
        }
    }

    /// Hands over one camera frame given as Y, U and V planes with strides
    /// (Android's `YUV_420_888`): the planes are checked and copied straight
    /// into I420 (see [`YuvPlanes::to_i420`]), the one copy the queue needs.
    /// Otherwise as [`VideoPusher::push`].
    pub fn push_planes(
        &self,
        planes: &YuvPlanes<'_>,
        rotation: Rotation,
        timestamp_us: u64,
    ) -> Result<(), LiveError> {
        let data = planes.to_i420()?;
        self.push_owned(
            data,
            planes.width,
            planes.height,
            PixelFormat::I420,
            rotation,
            timestamp_us,
        )
    }

    /// Frames dropped because the pipeline was behind.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

/// The pipeline's end of a pushed-frames source.
pub struct PushedSource {
    rx: mpsc::Receiver<Pushed>,
    /// Chroma scratch for in-place NV12/NV21 conversion, kept between frames.
    scratch: Vec<u8>,
}

impl std::fmt::Debug for PushedSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PushedSource")
    }
}

/// A source fed by a caller, and the caller's handle to feed it.
pub fn pushed_source() -> (PushedSource, VideoPusher) {
    let (tx, rx) = mpsc::sync_channel(3);
    (
        PushedSource {
            rx,
            scratch: Vec::new(),
        },
        VideoPusher {
            tx,
            dropped: Arc::new(AtomicU64::new(0)),
        },
    )
}

impl VideoSource for PushedSource {
    fn next_frame(&mut self) -> Result<Next, LiveError> {
        match self.rx.recv_timeout(Duration::from_millis(100)) {
            Ok(p) => {
                let mut frame = I420Frame::convert_owned(
                    p.data,
                    p.width,
                    p.height,
                    p.format,
                    &mut self.scratch,
                )?;
                if p.rotation != Rotation::None {
                    frame = frame.rotate(p.rotation);
                }
                Ok(Next::Frame(VideoFrame {
                    frame,
                    timestamp_us: p.timestamp_us,
                }))
            }
            Err(mpsc::RecvTimeoutError::Timeout) => Ok(Next::Pending),
            Err(mpsc::RecvTimeoutError::Disconnected) => Ok(Next::End),
        }
    }

    fn is_live(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pattern_moves_and_counts() {
        let mut p = TestPattern::new(320, 180, 30).unwrap();
        let a = p.render(0);
        let b = p.render(1);
        assert_ne!(a, b);
        assert_eq!((a.width(), a.height()), (320, 180));
    }

    #[test]
    fn y4m_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.y4m");
        let mut bytes = b"YUV4MPEG2 W4 H2 F25:1 Ip A1:1 C420jpeg\n".to_vec();
        for i in 0..3u8 {
            bytes.extend(b"FRAME\n");
            bytes.extend([i; 12]);
        }
        std::fs::write(&path, &bytes).unwrap();
        let mut s = Y4mSource::open(&path).unwrap();
        let mut stamps = vec![];
        while let Next::Frame(f) = s.next_frame().unwrap() {
            stamps.push(f.timestamp_us);
        }
        assert_eq!(stamps, vec![0, 40_000, 80_000]);
        std::fs::write(&path, b"YUV4MPEG2 W4 H2 C444\n").unwrap();
        assert!(Y4mSource::open(&path).is_err());
    }

    #[test]
    fn pushed_frames_are_converted_rotated_and_end_when_dropped() {
        let (mut src, pusher) = pushed_source();
        let nv12 = vec![100u8; 8 * 4 + 16];
        pusher
            .push(&nv12, 8, 4, PixelFormat::Nv12, Rotation::Cw90, 5)
            .unwrap();
        assert!(
            pusher
                .push(&nv12[..10], 8, 4, PixelFormat::Nv12, Rotation::None, 6)
                .is_err()
        );
        match src.next_frame().unwrap() {
            Next::Frame(f) => assert_eq!(
                (f.frame.width(), f.frame.height(), f.timestamp_us),
                (4, 8, 5)
            ),
            other => panic!("{other:?}"),
        }
        drop(pusher);
        assert!(matches!(src.next_frame().unwrap(), Next::End));
    }

    #[test]
    fn owned_frames_after_a_header_give_the_same_picture_as_copied_ones() {
        let (mut src, pusher) = pushed_source();
        let nv12: Vec<u8> = (0..8 * 4 * 3 / 2).map(|i| i as u8).collect();
        let mut framed = vec![0, 0, 0, 48];
        framed.extend(&nv12);
        pusher
            .push(&nv12, 8, 4, PixelFormat::Nv12, Rotation::None, 1)
            .unwrap();
        pusher
            .push_owned(
                FrameData::with_offset(framed, 4).unwrap(),
                8,
                4,
                PixelFormat::Nv12,
                Rotation::None,
                2,
            )
            .unwrap();
        let mut oversized = nv12.clone();
        oversized.resize(nv12.len() * 3, 0xAB);
        pusher
            .push_owned(oversized.into(), 8, 4, PixelFormat::Nv12, Rotation::None, 3)
            .unwrap();
        let short = FrameData::with_offset(nv12.clone(), 4).unwrap();
        assert!(
            pusher
                .push_owned(short, 8, 4, PixelFormat::Nv12, Rotation::None, 3)
                .is_err()
        );
        assert!(
            pusher
                .push_owned(
                    nv12.into(),
                    u32::MAX,
                    u32::MAX,
                    PixelFormat::Bgra,
                    Rotation::None,
                    3
                )
                .is_err()
        );
        let mut frames = Vec::new();
        for _ in 0..3 {
            match src.next_frame().unwrap() {
                Next::Frame(f) => frames.push(f),
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(frames[0].frame, frames[1].frame);
        assert_eq!(frames[0].frame, frames[2].frame);
        let stamps: Vec<u64> = frames.iter().map(|f| f.timestamp_us).collect();
        assert_eq!(stamps, vec![1, 2, 3]);
    }
}
