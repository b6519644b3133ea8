//! Camera frames as separate Y, U and V planes with row and pixel strides, as
//! Android's Camera2 and CameraX hand them (`YUV_420_888`) and iOS's
//! bi-planar buffers can be described: packed into tight I420 in one pass.
//!
//! The shell would otherwise pack the planes itself (a per-pixel loop on the
//! JVM) and then hand the packed copy over; here the planes are read where
//! the camera left them and the one copy the queue needs anyway is already
//! the encoder's layout, so the capture thread has nothing left to convert.
//!
//! Every length and stride is checked before a byte is read: a wrong plane
//! from a shell is a [`LiveError::BadInput`] naming what is wrong, never a
//! panic or a read past the slice.

use crate::error::LiveError;
use crate::frame::{FrameData, PixelFormat, check_size};

/// One plane of a 4:2:0 image: its bytes, the distance between the starts of
/// two rows and between two samples of a row (1 when packed; 2 when U and V
/// are interleaved in the same memory, as most Android cameras do).
#[derive(Debug, Clone, Copy)]
pub struct Plane<'a> {
    /// The plane's bytes, from its first sample. The last row may stop at its
    /// last sample (Camera2's buffers have no padding after it).
    pub data: &'a [u8],
    /// Bytes from the start of one row to the start of the next.
    pub row_stride: usize,
    /// Bytes from one sample to the next within a row (at least 1).
    pub pixel_stride: usize,
}

impl Plane<'_> {
    /// Checks that a `width`×`height` plane fits in the bytes with these
    /// strides (without overflow) and that rows do not overlap.
    fn check(&self, name: &str, width: usize, height: usize) -> Result<(), LiveError> {
        let bad = |why: String| Err(LiveError::BadInput(format!("the {name} plane: {why}")));
        if self.pixel_stride == 0 {
            return bad("its pixel stride is 0".into());
        }
        // The bytes one row's samples span.
        let span = (width - 1)
            .checked_mul(self.pixel_stride)
            .and_then(|n| n.checked_add(1));
        let Some(span) = span else {
            return bad(format!(
                "a pixel stride of {} is too large",
                self.pixel_stride
            ));
        };
        if self.row_stride < span {
            return bad(format!(
                "a row stride of {} is shorter than a row of {width} samples {} bytes apart ({span} bytes)",
                self.row_stride, self.pixel_stride
            ));
        }
        let needed = (height - 1)
            .checked_mul(self.row_stride)
            .and_then(|n| n.checked_add(span));
        match needed {
            Some(needed) if needed <= self.data.len() => Ok(()),
            Some(needed) => bad(format!(
                "{width}x{height} samples with a row stride of {} and a pixel stride of {} need {needed} bytes, got {}",
                self.row_stride,
                self.pixel_stride,
                self.data.len()
            )),
            None => bad(format!("a row stride of {} is too large", self.row_stride)),
        }
    }

    /// Row `row`'s samples: `span` bytes from its start (checked by [`Plane::check`]).
    fn row(&self, row: usize, span: usize) -> &[u8] {
        let start = row * self.row_stride;
        &self.data[start..start + span]
    }

    /// Copies the `width`×`height` samples into `out`, `width` bytes a row.
    fn copy_into(&self, width: usize, height: usize, out: &mut [u8]) {
        let span = (width - 1) * self.pixel_stride + 1;
        for (row, dst) in out.chunks_exact_mut(width).take(height).enumerate() {
            let src = self.row(row, span);
            match self.pixel_stride {
                1 => dst.copy_from_slice(src),
                // The common interleaved case, written so that it vectorises:
                // every sample but the last in pairs, then the last.
                2 => {
                    if let Some((last, rest)) = dst.split_last_mut() {
                        for (d, pair) in rest.iter_mut().zip(src.chunks_exact(2)) {
                            *d = pair[0];
                        }
                        *last = src[span - 1];
                    }
                }
                step => {
                    for (d, s) in dst.iter_mut().zip(src.iter().step_by(step)) {
                        *d = *s;
                    }
                }
            }
        }
    }
}

/// A 4:2:0 camera frame as three planes: Y at full size, U and V at half
/// width and height.
#[derive(Debug, Clone, Copy)]
pub struct YuvPlanes<'a> {
    /// Width in pixels (even).
    pub width: u32,
    /// Height in pixels (even).
    pub height: u32,
    /// Luma.
    pub y: Plane<'a>,
    /// Chroma blue.
    pub u: Plane<'a>,
    /// Chroma red.
    pub v: Plane<'a>,
}

impl YuvPlanes<'_> {
    /// Checks the size and every plane, then copies the samples into one
    /// tight I420 buffer (Y, U, V): the pushed frame in the layout the encoder
    /// takes, so the pipeline has no conversion left to do.
    pub fn to_i420(&self) -> Result<FrameData, LiveError> {
        // The size rules of every pushed frame (even, at most 7680x4320),
        // before any size is multiplied out.
        check_size(self.width, self.height)?;
        let len = PixelFormat::I420.frame_len(self.width, self.height);
        let (w, h) = (self.width as usize, self.height as usize);
        let (cw, ch) = (w / 2, h / 2);
        self.y.check("Y", w, h)?;
        self.u.check("U", cw, ch)?;
        self.v.check("V", cw, ch)?;
        // Every byte is written below; zeroed memory costs little next to the copy.
        let mut out = vec![0u8; len];
        let (y, uv) = out.split_at_mut(w * h);
        let (u, v) = uv.split_at_mut(cw * ch);
        self.y.copy_into(w, h, y);
        self.u.copy_into(cw, ch, u);
        self.v.copy_into(cw, ch, v);
        Ok(FrameData::new(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::{I420Frame, Rotation};

    /// A `w`×`h` plane of `samples` laid out with these strides, 0xEE
    /// in the padding, the last row cut after its last sample when `cut`.
    fn lay_out(
        samples: &[u8],
        w: usize,
        h: usize,
        row_stride: usize,
        pixel_stride: usize,
        cut: bool,
    ) -> Vec<u8> {
        let mut out = vec![0xEE; row_stride * h];
        for r in 0..h {
            for c in 0..w {
                out[r * row_stride + c * pixel_stride] = samples[r * w + c];
            }
        }
        if cut {
            out.truncate((h - 1) * row_stride + (w - 1) * pixel_stride + 1);
        }
        out
    }

    fn p(data: &[u8], row_stride: usize, pixel_stride: usize) -> Plane<'_> {
        Plane {
            data,
            row_stride,
            pixel_stride,
        }
    }

    fn picture(w: usize, h: usize) -> Vec<u8> {
        (0..w * h * 3 / 2).map(|i| (i * 7 % 251) as u8).collect()
    }

    #[test]
    fn odd_strides_and_pixel_strides_1_and_2_give_the_packed_frame() {
        let (w, h) = (10usize, 6usize);
        let want = picture(w, h);
        let (ys, rest) = want.split_at(w * h);
        let (us, vs) = rest.split_at(w * h / 4);
        for (y_stride, c_stride, pixel_stride, cut) in [
            (10, 5, 1, false),
            (13, 7, 1, true),
            (11, 11, 2, true),
            (16, 16, 2, false),
            (17, 15, 3, true),
        ] {
            let y = lay_out(ys, w, h, y_stride, 1, cut);
            let u = lay_out(us, w / 2, h / 2, c_stride, pixel_stride, cut);
            let v = lay_out(vs, w / 2, h / 2, c_stride, pixel_stride, cut);
            let planes = YuvPlanes {
                width: w as u32,
                height: h as u32,
                y: p(&y, y_stride, 1),
                u: p(&u, c_stride, pixel_stride),
                v: p(&v, c_stride, pixel_stride),
            };
            let got = planes.to_i420().unwrap();
            assert_eq!(
                &*got,
                &want[..],
                "strides {y_stride}/{c_stride}/{pixel_stride}"
            );
        }
    }

    #[test]
    fn interleaved_chroma_gives_what_nv12_gives() {
        // Camera2's usual layout: U and V planes over the same memory, one
        // byte apart, each with pixel stride 2 (NV12 with a padded row).
        let (w, h) = (8usize, 4usize);
        let nv12 = picture(w, h);
        let (ys, uv) = nv12.split_at(w * h);
        let stride = 12;
        let mut chroma = vec![0xEE; stride * (h / 2)];
        for r in 0..h / 2 {
            chroma[r * stride..r * stride + w].copy_from_slice(&uv[r * w..(r + 1) * w]);
        }
        chroma.truncate(stride + w);
        let planes = YuvPlanes {
            width: w as u32,
            height: h as u32,
            y: p(ys, w, 1),
            u: p(&chroma[..chroma.len() - 1], stride, 2),
            v: p(&chroma[1..], stride, 2),
        };
        let got = I420Frame::from_bytes(w as u32, h as u32, planes.to_i420().unwrap().into_vec());
        let want = I420Frame::convert(&nv12, w as u32, h as u32, PixelFormat::Nv12).unwrap();
        assert_eq!(got.unwrap(), want);
    }

    #[test]
    fn bad_lengths_and_strides_are_errors_naming_the_plane() {
        let y = vec![0u8; 64];
        let c = vec![0u8; 16];
        let ok = p(&c, 4, 1);
        let planes = |y: Plane<'_>, u: Plane<'_>, w: u32, h: u32| {
            YuvPlanes {
                width: w,
                height: h,
                y,
                u,
                v: ok,
            }
            .to_i420()
        };
        let good_y = p(&y, 8, 1);
        assert!(planes(good_y, ok, 8, 8).is_ok());
        let err = |r: Result<FrameData, LiveError>| match r {
            Err(LiveError::BadInput(m)) => m,
            other => panic!("{other:?}"),
        };
        // One byte short of the last row.
        let short = Plane {
            data: &y[..63],
            ..good_y
        };
        assert!(err(planes(short, ok, 8, 8)).contains("the Y plane"));
        // A row stride shorter than a row.
        let narrow = Plane {
            row_stride: 7,
            ..good_y
        };
        assert!(err(planes(narrow, ok, 8, 8)).contains("row stride of 7"));
        // Pixel stride 2 needs twice the row.
        let spread = Plane {
            pixel_stride: 2,
            ..ok
        };
        assert!(err(planes(good_y, spread, 8, 8)).contains("the U plane"));
        let zero = Plane {
            pixel_stride: 0,
            ..ok
        };
        assert!(err(planes(good_y, zero, 8, 8)).contains("pixel stride is 0"));
        // Strides that overflow are refused, not wrapped.
        let huge = Plane {
            row_stride: usize::MAX,
            ..ok
        };
        assert!(err(planes(good_y, huge, 8, 8)).contains("too large"));
        let huge = Plane {
            pixel_stride: usize::MAX / 2,
            row_stride: usize::MAX,
            ..ok
        };
        assert!(err(planes(good_y, huge, 8, 8)).contains("too large"));
        // Odd and absurd sizes, before any plane is looked at.
        assert!(planes(good_y, ok, 7, 8).is_err());
        assert!(planes(good_y, ok, u32::MAX, u32::MAX).is_err());
        assert!(planes(good_y, ok, 0, 0).is_err());
    }

    #[test]
    fn pushed_planes_give_the_picture_an_nv12_push_gives() {
        use crate::video::{Next, VideoSource, pushed_source};
        let (mut src, pusher) = pushed_source();
        let (w, h) = (8usize, 4usize);
        let nv12: Vec<u8> = (0..w * h * 3 / 2).map(|i| (i * 5) as u8).collect();
        let (y, uv) = nv12.split_at(w * h);
        let planes = YuvPlanes {
            width: w as u32,
            height: h as u32,
            y: p(y, w, 1),
            u: p(&uv[..uv.len() - 1], w, 2),
            v: p(&uv[1..], w, 2),
        };
        pusher
            .push(&nv12, 8, 4, PixelFormat::Nv12, Rotation::Cw270, 1)
            .unwrap();
        pusher.push_planes(&planes, Rotation::Cw270, 2).unwrap();
        let short = YuvPlanes {
            y: p(&y[..w * h - 1], w, 1),
            ..planes
        };
        assert!(matches!(
            pusher.push_planes(&short, Rotation::None, 3),
            Err(LiveError::BadInput(_))
        ));
        let mut frames = Vec::new();
        for _ in 0..2 {
            match src.next_frame().unwrap() {
                Next::Frame(f) => frames.push(f),
                other => panic!("{other:?}"),
            }
        }
        assert_eq!((frames[1].frame.width(), frames[1].frame.height()), (4, 8));
        assert_eq!(frames[0].frame, frames[1].frame);
        assert_eq!(frames[1].timestamp_us, 2);
        drop(pusher);
        assert!(matches!(src.next_frame().unwrap(), Next::End));
    }
}
