//! Target sizes and SIMD resampling.
//!
//! Filter: Lanczos3 (a windowed sinc over 3 lobes). For *downscaling* photos it keeps
//! fine detail (produce texture, labels) sharper than bicubic filters without the
//! aliasing of bilinear/box, and it is what libvips uses by default, so our output is
//! directly comparable with `vipsthumbnail`. Its cost is kept low by two things: the
//! JPEG decoder already did most of the reduction (DCT scaling), so the remaining
//! factor is between 1.5× and 3× for large JPEG sources, and `fast_image_resize` runs
//! the convolution with AVX2/SSE4.1/NEON, selected at run time. (CatmullRom would save
//! a few ms per photo at a small loss of sharpness; Lanczos3 kept PSNR level with libvips.)

use fast_image_resize::images::{TypedImage, TypedImageRef};
use fast_image_resize::pixels::U8x3;
use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};

use crate::{PhotoError, Rgb};

/// The resampling filter used for every downscale (see the module docs for why).
pub(crate) const FILTER: FilterType = FilterType::Lanczos3;

/// Fits `width`×`height` inside a `long_edge` square, keeping the aspect ratio
/// (rounded to the nearest pixel, at least 1). Never enlarges: an image that
/// already fits keeps its size.
pub(crate) fn fit(width: u32, height: u32, long_edge: u32) -> (u32, u32) {
    let long = width.max(height);
    if long <= long_edge || long == 0 {
        return (width, height);
    }
    let scale = |side: u32| -> u32 {
        let v = (u64::from(side) * u64::from(long_edge) + u64::from(long) / 2) / u64::from(long);
        u32::try_from(v).unwrap_or(long_edge).max(1)
    };
    if width >= height {
        (long_edge, scale(height))
    } else {
        (scale(width), long_edge)
    }
}

/// Resamples `src` to exactly `width`×`height` (a no-op move when the size is already
/// right, e.g. when DCT scaling landed exactly on the target).
pub(crate) fn resize_owned(
    resizer: &mut Resizer,
    src: Rgb,
    width: u32,
    height: u32,
) -> Result<Rgb, PhotoError> {
    if (src.width, src.height) == (width, height) {
        return Ok(src);
    }
    resize(resizer, &src, width, height)
}

/// Resamples `src` into a new `width`×`height` image.
///
/// Typed to RGB (`U8x3`) rather than through `fast_image_resize`'s
/// run-time `PixelType`: the untyped call reaches every pixel type's
/// convolution for every CPU extension, and so keeps all of them in the
/// mobile library (1.4 MiB of it on x86-64); typed, only RGB's are built.
pub(crate) fn resize(
    resizer: &mut Resizer,
    src: &Rgb,
    width: u32,
    height: u32,
) -> Result<Rgb, PhotoError> {
    if (src.width, src.height) == (width, height) {
        return Ok(src.clone());
    }
    let src_view = TypedImageRef::<U8x3>::from_buffer(src.width, src.height, &src.data)
        .map_err(PhotoError::internal)?;
    let len = width as usize * height as usize * 3;
    let mut data = vec![0u8; len];
    let mut dst =
        TypedImage::<U8x3>::from_buffer(width, height, &mut data).map_err(PhotoError::internal)?;
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FILTER));
    resizer
        .resize_typed(&src_view, &mut dst, &options)
        .map_err(PhotoError::internal)?;
    Ok(Rgb {
        width,
        height,
        data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_keeps_aspect_and_never_enlarges() {
        assert_eq!(fit(2560, 1600, 1280), (1280, 800));
        assert_eq!(fit(1600, 2560, 1280), (800, 1280));
        assert_eq!(fit(4032, 3024, 1280), (1280, 960));
        assert_eq!(fit(3024, 4032, 1280), (960, 1280));
        assert_eq!(fit(1280, 960, 320), (320, 240));
        assert_eq!(fit(640, 480, 1280), (640, 480));
        assert_eq!(fit(10_000, 1, 100), (100, 1));
        assert_eq!(fit(1, 1, 1), (1, 1));
    }

    #[test]
    fn resize_averages_a_flat_image_to_the_same_colour() {
        let src = Rgb {
            width: 64,
            height: 48,
            data: [10u8, 200, 90].repeat(64 * 48),
        };
        let mut r = Resizer::new();
        let out = resize(&mut r, &src, 16, 12).expect("resize");
        assert_eq!(
            (out.width, out.height, out.data.len()),
            (16, 12, 16 * 12 * 3)
        );
        assert!(out.data.chunks(3).all(|p| p == [10, 200, 90]));
    }
}
