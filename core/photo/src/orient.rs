//! EXIF orientation: the eight ways a camera may have stored the pixels, undone on
//! the (small) listing image rather than on the source, so it costs ~1 MP of copying.

use image::metadata::Orientation;

use crate::Rgb;

/// Width and height after applying `orientation` to a `width`×`height` image.
pub(crate) fn oriented_dims(width: u32, height: u32, orientation: Orientation) -> (u32, u32) {
    if swaps_axes(orientation) {
        (height, width)
    } else {
        (width, height)
    }
}

fn swaps_axes(orientation: Orientation) -> bool {
    matches!(
        orientation,
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    )
}

/// Returns the image as it should be displayed: rotated and/or mirrored per EXIF.
pub(crate) fn apply(src: Rgb, orientation: Orientation) -> Rgb {
    if orientation == Orientation::NoTransforms {
        return src;
    }
    let (w, h) = (src.width as usize, src.height as usize);
    let (ow, oh) = if swaps_axes(orientation) {
        (h, w)
    } else {
        (w, h)
    };
    // Source coordinates of output pixel (x, y), for a source of w×h.
    let map = |x: usize, y: usize| -> (usize, usize) {
        match orientation {
            Orientation::NoTransforms => (x, y),
            Orientation::FlipHorizontal => (w - 1 - x, y),
            Orientation::Rotate180 => (w - 1 - x, h - 1 - y),
            Orientation::FlipVertical => (x, h - 1 - y),
            // EXIF 5: transpose.
            Orientation::Rotate90FlipH => (y, x),
            // EXIF 6: rotate 90° clockwise.
            Orientation::Rotate90 => (y, h - 1 - x),
            // EXIF 7: transverse.
            Orientation::Rotate270FlipH => (w - 1 - y, h - 1 - x),
            // EXIF 8: rotate 90° counter-clockwise.
            Orientation::Rotate270 => (w - 1 - y, x),
        }
    };
    let mut out = vec![0u8; ow * oh * 3];
    // Tiles keep both the reads and the writes of a rotation inside the cache.
    const TILE: usize = 32;
    for ty in (0..oh).step_by(TILE) {
        for tx in (0..ow).step_by(TILE) {
            for y in ty..(ty + TILE).min(oh) {
                let row = &mut out[y * ow * 3..(y + 1) * ow * 3];
                for x in tx..(tx + TILE).min(ow) {
                    let (sx, sy) = map(x, y);
                    let s = (sy * w + sx) * 3;
                    row[x * 3..x * 3 + 3].copy_from_slice(&src.data[s..s + 3]);
                }
            }
        }
    }
    Rgb {
        width: ow as u32,
        height: oh as u32,
        data: out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every orientation must match the `image` crate's own implementation.
    #[test]
    fn matches_image_crate_for_all_eight() {
        let (w, h) = (37u32, 53u32);
        let data: Vec<u8> = (0..w * h * 3).map(|i| (i * 7 % 251) as u8).collect();
        for exif in 1..=8u8 {
            let o = Orientation::from_exif(exif).expect("valid");
            let ours = apply(
                Rgb {
                    width: w,
                    height: h,
                    data: data.clone(),
                },
                o,
            );
            let mut theirs = image::DynamicImage::ImageRgb8(
                image::RgbImage::from_raw(w, h, data.clone()).expect("buffer"),
            );
            theirs.apply_orientation(o);
            let theirs = theirs.into_rgb8();
            assert_eq!(
                (ours.width, ours.height),
                theirs.dimensions(),
                "exif {exif}"
            );
            assert_eq!(ours.data, theirs.into_raw(), "exif {exif}");
            assert_eq!(oriented_dims(w, h, o), (ours.width, ours.height));
        }
    }
}
