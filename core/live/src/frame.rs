//! Raw video frames: conversion of camera formats to I420, rotation and scaling.
//!
//! Everything here is plain safe Rust over byte slices; sizes are checked before
//! any pixel is touched, so a wrong buffer from a shell is an error, never a panic.

use crate::error::LiveError;
use crate::fit::{Fit, Rect, placement, scale_region};

/// Pixel layouts a caller (a phone shell, a desktop camera) can push.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PixelFormat {
    /// Planar Y, then U, then V, chroma at half width and height.
    I420,
    /// Y plane, then interleaved U,V at half resolution (Android camera2, iOS).
    Nv12,
    /// Y plane, then interleaved V,U at half resolution (old Android camera).
    Nv21,
    /// Packed Y0 U Y1 V, 4:2:2 (USB webcams).
    Yuyv,
    /// Packed B, G, R, A bytes (screen capture, iOS BGRA buffers).
    Bgra,
}

impl PixelFormat {
    /// Bytes needed for a tightly packed frame of this size.
    pub fn frame_len(self, width: u32, height: u32) -> usize {
        let (w, h) = (width as usize, height as usize);
        match self {
            PixelFormat::I420 | PixelFormat::Nv12 | PixelFormat::Nv21 => {
                w * h + 2 * (w / 2) * (h / 2)
            }
            PixelFormat::Yuyv => w * h * 2,
            PixelFormat::Bgra => w * h * 4,
        }
    }
}

/// Clockwise rotation to apply to a pushed frame so that it is upright.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Rotation {
    /// As captured.
    #[default]
    None,
    /// 90° clockwise.
    Cw90,
    /// 180°.
    Cw180,
    /// 270° clockwise (90° anticlockwise).
    Cw270,
}

/// The bytes of one pushed frame, owned: a buffer and the offset at which the
/// frame starts in it.
///
/// A caller that already owns the bytes hands the buffer over as it is, so
/// the push copies nothing, even when the pixels follow a header in that
/// buffer (the FFI bindings receive them after a 4-byte length prefix).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct FrameData {
    buf: Vec<u8>,
    /// Never past `buf.len()`.
    start: usize,
}

impl FrameData {
    /// The frame is all of `buf`.
    pub fn new(buf: Vec<u8>) -> FrameData {
        FrameData { buf, start: 0 }
    }

    /// The frame is `buf[start..]`; `None` when `start` is past the end.
    pub fn with_offset(buf: Vec<u8>, start: usize) -> Option<FrameData> {
        (start <= buf.len()).then_some(FrameData { buf, start })
    }

    /// The frame's bytes.
    pub fn as_slice(&self) -> &[u8] {
        self.buf.get(self.start..).unwrap_or_default()
    }

    /// The frame's bytes in a `Vec` of their own: the same allocation, with
    /// the bytes moved to its front when there was an offset (no allocation).
    pub fn into_vec(self) -> Vec<u8> {
        let FrameData { mut buf, start } = self;
        if start > 0 {
            buf.copy_within(start.., 0);
            buf.truncate(buf.len() - start);
        }
        buf
    }
}

impl std::ops::Deref for FrameData {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl From<Vec<u8>> for FrameData {
    fn from(buf: Vec<u8>) -> FrameData {
        FrameData::new(buf)
    }
}

impl std::fmt::Debug for FrameData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FrameData({} bytes)", self.len())
    }
}

/// A frame in I420 (planar 4:2:0), the encoders' input. Width and height are even.
#[derive(Clone, PartialEq, Eq)]
pub struct I420Frame {
    width: u32,
    height: u32,
    data: Vec<u8>,
}

impl std::fmt::Debug for I420Frame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "I420Frame({}x{})", self.width, self.height)
    }
}

pub(crate) fn check_size(width: u32, height: u32) -> Result<(), LiveError> {
    if width < 2 || height < 2 || width % 2 != 0 || height % 2 != 0 || width > 7680 || height > 4320
    {
        return Err(LiveError::BadInput(format!(
            "a video frame must have an even width and height between 2 and 7680x4320, not {width}x{height}"
        )));
    }
    Ok(())
}

/// Checks the size of a `format` frame of `len` bytes (without touching or
/// allocating any pixel) and returns how many bytes the frame takes; bytes
/// past those are ignored.
pub(crate) fn check_frame(
    len: usize,
    width: u32,
    height: u32,
    format: PixelFormat,
) -> Result<usize, LiveError> {
    check_size(width, height)?;
    let want = format.frame_len(width, height);
    if len < want {
        return Err(LiveError::BadInput(format!(
            "a {format:?} frame of {width}x{height} needs {want} bytes, got {len}"
        )));
    }
    Ok(want)
}

impl I420Frame {
    /// A black frame.
    pub fn black(width: u32, height: u32) -> Result<I420Frame, LiveError> {
        check_size(width, height)?;
        let luma = (width * height) as usize;
        let mut data = vec![16u8; luma + luma / 2];
        data[luma..].fill(128);
        Ok(I420Frame {
            width,
            height,
            data,
        })
    }

    /// Wraps tightly packed I420 bytes.
    pub fn from_bytes(width: u32, height: u32, data: Vec<u8>) -> Result<I420Frame, LiveError> {
        check_size(width, height)?;
        let want = PixelFormat::I420.frame_len(width, height);
        if data.len() != want {
            return Err(LiveError::BadInput(format!(
                "an I420 frame of {width}x{height} needs {want} bytes, got {}",
                data.len()
            )));
        }
        Ok(I420Frame {
            width,
            height,
            data,
        })
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// All three planes, tightly packed.
    pub fn as_bytes(&self) -> &[u8] {
        &self.data
    }

    /// The Y, U and V planes.
    pub fn planes(&self) -> (&[u8], &[u8], &[u8]) {
        let luma = (self.width * self.height) as usize;
        let (y, uv) = self.data.split_at(luma);
        let (u, v) = uv.split_at(luma / 4);
        (y, u, v)
    }

    /// The Y, U and V planes, writable.
    pub fn planes_mut(&mut self) -> (&mut [u8], &mut [u8], &mut [u8]) {
        let luma = (self.width * self.height) as usize;
        let (y, uv) = self.data.split_at_mut(luma);
        let (u, v) = uv.split_at_mut(luma / 4);
        (y, u, v)
    }

    /// Converts a packed or semi-planar frame to I420.
    pub fn convert(
        data: &[u8],
        width: u32,
        height: u32,
        format: PixelFormat,
    ) -> Result<I420Frame, LiveError> {
        let want = check_frame(data.len(), width, height, format)?;
        let data = &data[..want];
        let (w, h) = (width as usize, height as usize);
        // Every byte is written below: no need to paint the frame black first.
        let mut out = I420Frame {
            width,
            height,
            data: vec![0; PixelFormat::I420.frame_len(width, height)],
        };
        let (y, u, v) = out.planes_mut();
        match format {
            PixelFormat::I420 => {
                y.copy_from_slice(&data[..w * h]);
                u.copy_from_slice(&data[w * h..w * h + w * h / 4]);
                v.copy_from_slice(&data[w * h + w * h / 4..]);
            }
            PixelFormat::Nv12 | PixelFormat::Nv21 => {
                y.copy_from_slice(&data[..w * h]);
                deinterleave_chroma(&data[w * h..], u, v, format);
            }
            PixelFormat::Yuyv => {
                for row in 0..h {
                    let src = &data[row * w * 2..(row + 1) * w * 2];
                    for (x, px) in src.chunks_exact(4).enumerate() {
                        y[row * w + 2 * x] = px[0];
                        y[row * w + 2 * x + 1] = px[2];
                        if row % 2 == 0 {
                            let below = &data[(row + 1) * w * 2 + 4 * x..];
                            u[(row / 2) * (w / 2) + x] =
                                (px[1] as u16 + below[1] as u16).div_ceil(2) as u8;
                            v[(row / 2) * (w / 2) + x] =
                                (px[3] as u16 + below[3] as u16).div_ceil(2) as u8;
                        }
                    }
                }
            }
            PixelFormat::Bgra => bgra_to_i420(data, w, h, y, u, v),
        }
        Ok(out)
    }

    /// Converts a pushed frame to I420 like [`I420Frame::convert`], but in the
    /// frame's own buffer when the layouts allow it (I420, NV12, NV21 share
    /// the luma plane): no frame-sized allocation, and the luma moves at most
    /// once (over the offset). `scratch` holds the interleaved chroma while it
    /// is split; keep it between frames so that it is allocated once. YUYV and
    /// BGRA are converted into a new buffer.
    pub fn convert_owned(
        data: FrameData,
        width: u32,
        height: u32,
        format: PixelFormat,
        scratch: &mut Vec<u8>,
    ) -> Result<I420Frame, LiveError> {
        let want = check_frame(data.len(), width, height, format)?;
        let luma = width as usize * height as usize;
        match format {
            PixelFormat::I420 => {
                let mut buf = data.into_vec();
                buf.truncate(want);
                Ok(I420Frame {
                    width,
                    height,
                    data: buf,
                })
            }
            PixelFormat::Nv12 | PixelFormat::Nv21 => {
                let FrameData { mut buf, start } = data;
                // The chroma out of the way first, then the luma to the front.
                scratch.clear();
                scratch.extend_from_slice(&buf[start + luma..start + want]);
                if start > 0 {
                    buf.copy_within(start..start + luma, 0);
                }
                buf.truncate(want);
                let (u, v) = buf[luma..].split_at_mut(luma / 4);
                deinterleave_chroma(scratch, u, v, format);
                Ok(I420Frame {
                    width,
                    height,
                    data: buf,
                })
            }
            PixelFormat::Yuyv | PixelFormat::Bgra => {
                I420Frame::convert(data.as_slice(), width, height, format)
            }
        }
    }

    /// Rotates clockwise by the given amount.
    pub fn rotate(&self, rotation: Rotation) -> I420Frame {
        if rotation == Rotation::None {
            return self.clone();
        }
        let (w, h) = (self.width as usize, self.height as usize);
        let (nw, nh) = match rotation {
            Rotation::Cw90 | Rotation::Cw270 => (h, w),
            _ => (w, h),
        };
        let mut out = I420Frame {
            width: nw as u32,
            height: nh as u32,
            data: vec![0; self.data.len()],
        };
        let (sy, su, sv) = self.planes();
        let (dy, du, dv) = out.planes_mut();
        rotate_plane(sy, w, h, dy, rotation);
        rotate_plane(su, w / 2, h / 2, du, rotation);
        rotate_plane(sv, w / 2, h / 2, dv, rotation);
        out
    }

    /// Stretches to the given size (bilinear): the aspect changes with the
    /// size. The live pipeline never does this; it uses [`I420Frame::fit`].
    pub fn scale(&self, width: u32, height: u32) -> Result<I420Frame, LiveError> {
        check_size(width, height)?;
        if width == self.width && height == self.height {
            return Ok(self.clone());
        }
        let mut out = I420Frame::black(width, height)?;
        self.draw(
            Rect::full(self.width, self.height),
            &mut out,
            Rect::full(width, height),
        );
        Ok(out)
    }

    /// The picture at `width`×`height` with its aspect kept: scaled
    /// (bilinear) and letterboxed with black bars, or centre-cropped, as
    /// `fit` says. A frame already of that size is returned as it is.
    pub fn fit(self, width: u32, height: u32, fit: Fit) -> Result<I420Frame, LiveError> {
        check_size(width, height)?;
        if width == self.width && height == self.height {
            return Ok(self);
        }
        let place = placement(self.width, self.height, width, height, fit);
        let mut out = I420Frame::black(width, height)?;
        self.draw(place.from, &mut out, place.to);
        Ok(out)
    }

    /// Draws `from` of this frame onto `to` of `out`, scaled (even rectangles
    /// inside both frames).
    fn draw(&self, from: Rect, out: &mut I420Frame, to: Rect) {
        let (sw, dw) = (self.width as usize, out.width as usize);
        let (sy, su, sv) = self.planes();
        let (dy, du, dv) = out.planes_mut();
        scale_region(sy, sw, from, dy, dw, to);
        scale_region(su, sw / 2, from.half(), du, dw / 2, to.half());
        scale_region(sv, sw / 2, from.half(), dv, dw / 2, to.half());
    }
}

/// Splits NV12 (U,V pairs) or NV21 (V,U pairs) chroma into the U and V planes.
fn deinterleave_chroma(pairs: &[u8], u: &mut [u8], v: &mut [u8], format: PixelFormat) {
    let (ui, vi) = if format == PixelFormat::Nv21 {
        (1, 0)
    } else {
        (0, 1)
    };
    for ((pair, u), v) in pairs.chunks_exact(2).zip(u.iter_mut()).zip(v.iter_mut()) {
        *u = pair[ui];
        *v = pair[vi];
    }
}

fn bgra_to_i420(data: &[u8], w: usize, h: usize, y: &mut [u8], u: &mut [u8], v: &mut [u8]) {
    // BT.601 limited range, fixed point.
    for row in 0..h {
        for col in 0..w {
            let p = &data[(row * w + col) * 4..];
            let (b, g, r) = (p[0] as i32, p[1] as i32, p[2] as i32);
            y[row * w + col] = (((66 * r + 129 * g + 25 * b + 128) >> 8) + 16).clamp(0, 255) as u8;
        }
    }
    for row in (0..h).step_by(2) {
        for col in (0..w).step_by(2) {
            let (mut r, mut g, mut b) = (0i32, 0i32, 0i32);
            for (dr, dc) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
                let p = &data[((row + dr) * w + col + dc) * 4..];
                b += p[0] as i32;
                g += p[1] as i32;
                r += p[2] as i32;
            }
            let (r, g, b) = (r / 4, g / 4, b / 4);
            let i = (row / 2) * (w / 2) + col / 2;
            u[i] = (((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128).clamp(0, 255) as u8;
            v[i] = (((112 * r - 94 * g - 18 * b + 128) >> 8) + 128).clamp(0, 255) as u8;
        }
    }
}

fn rotate_plane(src: &[u8], w: usize, h: usize, dst: &mut [u8], rotation: Rotation) {
    for row in 0..h {
        for col in 0..w {
            let px = src[row * w + col];
            let idx = match rotation {
                Rotation::None => row * w + col,
                Rotation::Cw90 => col * h + (h - 1 - row),
                Rotation::Cw180 => (h - 1 - row) * w + (w - 1 - col),
                Rotation::Cw270 => (w - 1 - col) * h + row,
            };
            dst[idx] = px;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nv12_and_nv21_convert_to_the_same_planes() {
        let (w, h) = (4u32, 2u32);
        let mut nv12 = vec![50u8; 8];
        nv12.extend([10, 20, 30, 40]);
        let mut nv21 = vec![50u8; 8];
        nv21.extend([20, 10, 40, 30]);
        let a = I420Frame::convert(&nv12, w, h, PixelFormat::Nv12).unwrap();
        let b = I420Frame::convert(&nv21, w, h, PixelFormat::Nv21).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.planes().1, &[10, 30]);
        assert_eq!(a.planes().2, &[20, 40]);
    }

    #[test]
    fn converting_in_place_matches_converting_into_a_new_buffer() {
        let (w, h) = (8u32, 6u32);
        let mut scratch = Vec::new();
        for format in [
            PixelFormat::I420,
            PixelFormat::Nv12,
            PixelFormat::Nv21,
            PixelFormat::Yuyv,
            PixelFormat::Bgra,
        ] {
            let len = format.frame_len(w, h);
            let pixels: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
            let want = I420Frame::convert(&pixels, w, h, format).unwrap();
            for offset in [0, 4, 13] {
                // A header before the pixels and junk after them, as a caller may hand over.
                let mut buf = vec![0xEE; offset];
                buf.extend(&pixels);
                buf.extend([0xAB; 5]);
                let data = FrameData::with_offset(buf, offset).unwrap();
                assert_eq!(data.as_slice().len(), len + 5);
                let got = I420Frame::convert_owned(data, w, h, format, &mut scratch).unwrap();
                assert_eq!(got, want, "{format:?} at offset {offset}");
            }
        }
    }

    #[test]
    fn frame_data_offsets_are_checked() {
        assert!(FrameData::with_offset(vec![1, 2, 3], 4).is_none());
        let empty = FrameData::with_offset(vec![1, 2, 3], 3).unwrap();
        assert!(empty.is_empty());
        assert_eq!(empty.into_vec(), Vec::<u8>::new());
        let tail = FrameData::with_offset(vec![1, 2, 3, 4, 5], 2).unwrap();
        assert_eq!(&*tail, &[3, 4, 5]);
        assert_eq!(tail.into_vec(), vec![3, 4, 5]);
        let mut scratch = Vec::new();
        assert!(
            I420Frame::convert_owned(
                FrameData::with_offset(vec![0; 4 + 8 * 4 + 15], 4).unwrap(),
                8,
                4,
                PixelFormat::Nv12,
                &mut scratch,
            )
            .is_err()
        );
        assert!(
            I420Frame::convert_owned(
                FrameData::new(vec![0; 64]),
                u32::MAX,
                u32::MAX,
                PixelFormat::Bgra,
                &mut scratch,
            )
            .is_err()
        );
    }

    #[test]
    fn bgra_white_and_black() {
        let white = [255u8; 4 * 4 * 4];
        let f = I420Frame::convert(&white, 4, 4, PixelFormat::Bgra).unwrap();
        assert!(f.planes().0.iter().all(|&y| y == 235));
        assert!(f.planes().1.iter().all(|&u| u == 128));
        let yuyv = [16u8, 128, 16, 128].repeat(8);
        let g = I420Frame::convert(&yuyv, 4, 4, PixelFormat::Yuyv).unwrap();
        assert!(g.planes().0.iter().all(|&y| y == 16));
    }

    #[test]
    fn short_buffers_and_odd_sizes_are_errors() {
        assert!(I420Frame::convert(&[0; 10], 4, 4, PixelFormat::I420).is_err());
        assert!(I420Frame::black(3, 4).is_err());
        assert!(I420Frame::black(0, 0).is_err());
    }

    #[test]
    fn rotation_round_trips_and_swaps_sizes() {
        let data: Vec<u8> = (0..(8 * 4 + 16)).map(|i| i as u8).collect();
        let f = I420Frame::from_bytes(8, 4, data).unwrap();
        let r = f.rotate(Rotation::Cw90);
        assert_eq!((r.width(), r.height()), (4, 8));
        // top-left of the rotated picture is the bottom-left of the source
        assert_eq!(r.planes().0[0], f.planes().0[3 * 8]);
        assert_eq!(r.rotate(Rotation::Cw270), f);
        assert_eq!(f.rotate(Rotation::Cw180).rotate(Rotation::Cw180), f);
    }

    #[test]
    fn scaling_a_flat_frame_stays_flat() {
        let f = I420Frame::black(64, 36).unwrap();
        let s = f.scale(32, 18).unwrap();
        assert!(s.planes().0.iter().all(|&y| y == 16));
        let up = f.scale(128, 72).unwrap();
        assert_eq!(up.as_bytes().len(), 128 * 72 * 3 / 2);
    }
}
