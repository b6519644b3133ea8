//! Fitting a picture into the stream's frame without stretching it: where the
//! picture goes (pure rectangle arithmetic) and a bilinear copy of one plane's
//! rectangle into another's.
//!
//! The stream has one size for its whole life (the encoder's, the ingest's),
//! but the picture's shape changes when the phone turns. Stretching a
//! portrait picture over a landscape frame makes people and produce look
//! squashed, so the picture keeps its aspect: [`Fit::Letterbox`] (the default)
//! shows all of it between black bars, [`Fit::Crop`] fills the frame and cuts
//! the overflow off both sides equally.
//!
//! Every rectangle has even coordinates and sizes, so that the same
//! rectangle halved is exact in the 4:2:0 chroma planes.

/// How a picture whose shape differs from the stream's fills the stream's frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Fit {
    /// All of the picture, as large as fits, centred between black bars
    /// (above and below, or left and right). The default: nothing the farmer
    /// holds up to the camera is cut off.
    #[default]
    Letterbox,
    /// The picture scaled to cover the whole frame, centred, with what
    /// overflows cut off equally on both sides.
    Crop,
}

/// A rectangle of a luma plane, in pixels; every field is even.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    /// Left edge.
    pub x: u32,
    /// Top edge.
    pub y: u32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

impl Rect {
    /// The whole of a `width`×`height` plane.
    pub fn full(width: u32, height: u32) -> Rect {
        Rect {
            x: 0,
            y: 0,
            width,
            height,
        }
    }

    /// The same rectangle in a plane of half the size (4:2:0 chroma).
    pub fn half(self) -> Rect {
        Rect {
            x: self.x / 2,
            y: self.y / 2,
            width: self.width / 2,
            height: self.height / 2,
        }
    }
}

/// Which part of the source picture is drawn where in the output frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    /// The part of the source that is shown (all of it, unless cropping).
    pub from: Rect,
    /// Where it lands in the output; the rest of the output is black.
    pub to: Rect,
}

/// `num / den` rounded to the nearest even number, at least 2 and at most `max`.
fn even_share(num: u64, den: u64, max: u32) -> u32 {
    let n = (num + den) / (2 * den) * 2;
    (n.min(max as u64) as u32).max(2)
}

/// The even offset that centres `part` in `whole`.
fn centred(whole: u32, part: u32) -> u32 {
    ((whole - part) / 2) & !1
}

/// Where a `src_w`×`src_h` picture goes in a `out_w`×`out_h` frame. All
/// sizes even and at least 2 (checked by the callers).
pub fn placement(src_w: u32, src_h: u32, out_w: u32, out_h: u32, fit: Fit) -> Placement {
    let (sw, sh, ow, oh) = (src_w as u64, src_h as u64, out_w as u64, out_h as u64);
    // Compare the aspects without dividing: sw/sh ≤ ow/oh ⇔ sw·oh ≤ ow·sh.
    let narrower = sw * oh <= ow * sh;
    match fit {
        Fit::Letterbox => {
            let to = if narrower {
                // Full height, bars left and right (pillarbox).
                let w = even_share(sw * oh, sh, out_w);
                Rect {
                    x: centred(out_w, w),
                    y: 0,
                    width: w,
                    height: out_h,
                }
            } else {
                // Full width, bars above and below.
                let h = even_share(sh * ow, sw, out_h);
                Rect {
                    x: 0,
                    y: centred(out_h, h),
                    width: out_w,
                    height: h,
                }
            };
            Placement {
                from: Rect::full(src_w, src_h),
                to,
            }
        }
        Fit::Crop => {
            let from = if narrower {
                // Keep the full width, cut the top and bottom.
                let h = even_share(sw * oh, ow, src_h);
                Rect {
                    x: 0,
                    y: centred(src_h, h),
                    width: src_w,
                    height: h,
                }
            } else {
                // Keep the full height, cut the sides.
                let w = even_share(sh * ow, oh, src_w);
                Rect {
                    x: centred(src_w, w),
                    y: 0,
                    width: w,
                    height: src_h,
                }
            };
            Placement {
                from,
                to: Rect::full(out_w, out_h),
            }
        }
    }
}

/// Bilinear copy of `from` in `src` (rows of `src_stride` bytes) onto `to` in
/// `dst` (rows of `dst_stride`). Both rectangles must lie inside their planes.
pub fn scale_region(
    src: &[u8],
    src_stride: usize,
    from: Rect,
    dst: &mut [u8],
    dst_stride: usize,
    to: Rect,
) {
    let (sx0, sy0) = (from.x as usize, from.y as usize);
    let (sw, sh) = (from.width as usize, from.height as usize);
    let (dx0, dy0) = (to.x as usize, to.y as usize);
    let (dw, dh) = (to.width as usize, to.height as usize);
    if sw == 0 || sh == 0 || dw == 0 || dh == 0 {
        return;
    }
    if (sw, sh) == (dw, dh) {
        // Same size (a crop, or bars without scaling): rows are copied as they are.
        for row in 0..dh {
            let s = (sy0 + row) * src_stride + sx0;
            let d = (dy0 + row) * dst_stride + dx0;
            dst[d..d + dw].copy_from_slice(&src[s..s + sw]);
        }
        return;
    }
    // 16.16 fixed point, sampling at pixel centres.
    let step_x = ((sw << 16) / dw) as i64;
    let step_y = ((sh << 16) / dh) as i64;
    // The horizontal taps are the same for every row: work them out once.
    let taps: Vec<(usize, usize, i64)> = (0..dw)
        .map(|dx| {
            let fx = ((dx as i64 * step_x) + step_x / 2 - 0x8000).max(0);
            let x0 = ((fx >> 16) as usize).min(sw - 1);
            let x1 = (x0 + 1).min(sw - 1);
            (sx0 + x0, sx0 + x1, fx & 0xffff)
        })
        .collect();
    for dy in 0..dh {
        let fy = ((dy as i64 * step_y) + step_y / 2 - 0x8000).max(0);
        let y0 = ((fy >> 16) as usize).min(sh - 1);
        let y1 = (y0 + 1).min(sh - 1);
        let wy = fy & 0xffff;
        let top_row = &src[(sy0 + y0) * src_stride..];
        let bot_row = &src[(sy0 + y1) * src_stride..];
        let out = &mut dst[(dy0 + dy) * dst_stride + dx0..][..dw];
        for (px, &(x0, x1, wx)) in out.iter_mut().zip(&taps) {
            let top = top_row[x0] as i64 * (0x10000 - wx) + top_row[x1] as i64 * wx;
            let bot = bot_row[x0] as i64 * (0x10000 - wx) + bot_row[x1] as i64 * wx;
            let val = (top * (0x10000 - wy) + bot * wy + (1 << 31)) >> 32;
            *px = val.clamp(0, 255) as u8;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rect(x: u32, y: u32, width: u32, height: u32) -> Rect {
        Rect {
            x,
            y,
            width,
            height,
        }
    }

    #[test]
    fn a_portrait_picture_is_pillarboxed_in_a_landscape_frame() {
        // 720x1280 into 1280x720: 405 wide, to an even 406 (ties go up),
        // centred at an even 436 (bars of 436 and 438).
        let p = placement(720, 1280, 1280, 720, Fit::Letterbox);
        assert_eq!(p.from, Rect::full(720, 1280));
        assert_eq!(p.to, rect(436, 0, 406, 720));
    }

    #[test]
    fn a_landscape_picture_is_letterboxed_in_a_portrait_frame() {
        // 1280x720 into 720x1280: 405 high → 406, at 436.
        let p = placement(1280, 720, 720, 1280, Fit::Letterbox);
        assert_eq!(p.to, rect(0, 436, 720, 406));
    }

    #[test]
    fn the_same_aspect_fills_the_frame_either_way() {
        for fit in [Fit::Letterbox, Fit::Crop] {
            let p = placement(640, 360, 1280, 720, fit);
            assert_eq!(p.from, Rect::full(640, 360));
            assert_eq!(p.to, Rect::full(1280, 720));
        }
    }

    #[test]
    fn cropping_cuts_the_overflow_off_both_sides_equally() {
        // Portrait into landscape: the full width, the middle 405 → 406 rows.
        let p = placement(720, 1280, 1280, 720, Fit::Crop);
        assert_eq!(p.from, rect(0, 436, 720, 406));
        assert_eq!(p.to, Rect::full(1280, 720));
        // Landscape into portrait: the full height, the middle columns.
        let p = placement(1280, 720, 720, 1280, Fit::Crop);
        assert_eq!(p.from, rect(436, 0, 406, 720));
    }

    #[test]
    fn placements_keep_the_aspect_and_stay_inside_and_even() {
        let sizes = [
            2u32, 4, 6, 10, 64, 90, 120, 160, 176, 240, 320, 720, 1080, 1280, 1920,
        ];
        for &sw in &sizes {
            for &sh in &sizes {
                for &(ow, oh) in &[(320u32, 180u32), (180, 320), (2, 2), (1280, 720), (64, 64)] {
                    for fit in [Fit::Letterbox, Fit::Crop] {
                        let p = placement(sw, sh, ow, oh, fit);
                        for (r, (w, h)) in [(p.from, (sw, sh)), (p.to, (ow, oh))] {
                            assert!(r.x % 2 == 0 && r.y % 2 == 0, "{p:?}");
                            assert!(r.width % 2 == 0 && r.height % 2 == 0, "{p:?}");
                            assert!(r.width >= 2 && r.height >= 2, "{p:?}");
                            assert!(r.x + r.width <= w && r.y + r.height <= h, "{p:?}");
                        }
                        // Centred: the two bars (or cut margins) differ by at most 2 px.
                        for (r, (w, h)) in [(p.from, (sw, sh)), (p.to, (ow, oh))] {
                            let (left, right) = (r.x, w - r.x - r.width);
                            let (top, bottom) = (r.y, h - r.y - r.height);
                            assert!(left.abs_diff(right) <= 2, "{sw}x{sh} in {ow}x{oh}: {p:?}");
                            assert!(top.abs_diff(bottom) <= 2, "{sw}x{sh} in {ow}x{oh}: {p:?}");
                        }
                        // The aspect of what is shown equals the aspect where it
                        // is drawn, within the rounding to even pixels (unless
                        // a side was clamped to the 2 px minimum).
                        let (f, t) = (p.from, p.to);
                        if f.width > 2 && f.height > 2 && t.width > 2 && t.height > 2 {
                            let shown = f.width as f64 / f.height as f64;
                            let drawn = t.width as f64 / t.height as f64;
                            let slack =
                                2.0 / f.width.min(f.height).min(t.width).min(t.height) as f64;
                            assert!(
                                (shown / drawn - 1.0).abs() <= slack + 1e-9,
                                "{sw}x{sh} in {ow}x{oh} {fit:?}: {p:?}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn a_region_copied_at_the_same_size_is_exact_and_leaves_the_rest() {
        let src: Vec<u8> = (0..8 * 6).map(|i| i as u8).collect();
        let mut dst = vec![0u8; 6 * 4];
        scale_region(&src, 8, rect(2, 2, 4, 2), &mut dst, 6, rect(2, 2, 4, 2));
        assert_eq!(&dst[..12], &[0; 12]);
        assert_eq!(&dst[12..], &[0, 0, 18, 19, 20, 21, 0, 0, 26, 27, 28, 29]);
    }

    #[test]
    fn a_flat_region_scales_to_a_flat_region() {
        let src = vec![77u8; 10 * 10];
        let mut dst = vec![0u8; 8 * 8];
        scale_region(&src, 10, Rect::full(10, 10), &mut dst, 8, rect(2, 0, 4, 8));
        for row in 0..8 {
            assert_eq!(&dst[row * 8..row * 8 + 8], &[0, 0, 77, 77, 77, 77, 0, 0]);
        }
    }
}
