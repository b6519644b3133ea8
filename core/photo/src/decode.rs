//! Format sniffing and bounded decoding to 8-bit RGB.
//!
//! Order of checks, cheapest first, and none of them allocates pixels:
//! magic bytes → header (dimensions, variant) → pixel limit → memory estimate →
//! only then the decoder. JPEG is decoded by `jpeg-decoder` *at reduced size*
//! (DCT scaling: the IDCT is computed at 1/2, 1/4 or 1/8 size, so a 12 MP photo is
//! never expanded to 12 MP of pixels); PNG and WebP by `image` under `image::Limits`.

use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader};
use jpeg_decoder::{PixelFormat, UnsupportedFeature};

use crate::jpeg_header::{self, JpegHeader};
use crate::{Limits, PhotoError, Rgb, orient, resize};

/// A decoded image in *stored* orientation (possibly already reduced by DCT scaling),
/// with what is needed to finish the pipeline.
pub(crate) struct Decoded {
    pub image: Rgb,
    /// Full size of the stored image, before DCT scaling and before orientation.
    pub source_width: u32,
    pub source_height: u32,
    pub orientation: Orientation,
}

/// Sniffs the format from magic bytes and decodes with limits. `target_long_edge`
/// lets the JPEG decoder pick the smallest DCT scale that still covers the target.
pub(crate) fn decode(
    bytes: &[u8],
    limits: &Limits,
    target_long_edge: u32,
) -> Result<Decoded, PhotoError> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return decode_jpeg(bytes, limits, target_long_edge);
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return decode_with_image(bytes, ImageFormat::Png, limits);
    }
    if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
        return decode_with_image(bytes, ImageFormat::WebP, limits);
    }
    Err(match other_image_format(bytes) {
        Some(name) => PhotoError::unsupported(name),
        None => PhotoError::NotAPhoto,
    })
}

/// Recognises image formats we deliberately do not read, so the farmer is told
/// "not supported" (and can convert) rather than "not a photo".
fn other_image_format(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        return Some("GIF");
    }
    if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        return Some("TIFF");
    }
    if bytes.get(4..8) == Some(b"ftyp") {
        return match bytes.get(8..12)? {
            b"avif" | b"avis" => Some("AVIF"),
            b"heic" | b"heix" | b"heim" | b"heis" | b"hevc" | b"hevx" | b"mif1" | b"msf1" => {
                Some("HEIC")
            }
            _ => None,
        };
    }
    None
}

/// Refuses zero or too many pixels. The error reports the size as the farmer sees the
/// photo (after orientation).
fn check_pixels(
    width: u32,
    height: u32,
    orientation: Orientation,
    limits: &Limits,
) -> Result<(), PhotoError> {
    let (width, height) = orient::oriented_dims(width, height, orientation);
    if width == 0 || height == 0 {
        return Err(PhotoError::damaged("zero image dimension"));
    }
    if u64::from(width) * u64::from(height) > limits.max_source_pixels {
        return Err(PhotoError::TooLarge {
            width,
            height,
            max_megapixels: limits.max_source_pixels / 1_000_000,
        });
    }
    Ok(())
}

fn check_memory(needed_bytes: u64, limits: &Limits) -> Result<(), PhotoError> {
    if needed_bytes > limits.max_decoded_bytes as u64 {
        return Err(PhotoError::NeedsTooMuchMemory {
            needed_bytes,
            max_bytes: limits.max_decoded_bytes,
        });
    }
    Ok(())
}

/// Size of a `len`-pixel side after an IDCT of `idct` (1, 2, 4 or 8) pixels per block.
fn dct_scaled(len: u32, idct: u32) -> u32 {
    (len * idct).div_ceil(8)
}

/// Minimum ratio (as num/den) of DCT-scaled size to target size.
///
/// DCT scaling is a block-local reduction (each 8×8 block keeps its low frequencies),
/// not an anti-aliasing filter across blocks. Landing *exactly* on the target (e.g.
/// 2560 → 1280 at 1/2) leaves no real resampling step after it: measured on the test
/// photos, that output is 0.2–0.4 dB PSNR worse and ~3 % larger than a Lanczos3
/// downscale. Requiring the decoded image to be at least 1.5× the target keeps a real
/// Lanczos3 step (e.g. 12 MP 4032 → 2016 at 1/2 → 1280) at a modest cost.
const MIN_RESIDUAL: (u32, u32) = (3, 2);

/// The smallest IDCT size whose output covers `tw`×`th` with [`MIN_RESIDUAL`] to
/// spare on both axes; full size (8) if none does.
fn choose_idct(w: u32, h: u32, tw: u32, th: u32) -> u32 {
    let (num, den) = MIN_RESIDUAL;
    let covers = |len: u32, target: u32, s: u32| {
        u64::from(dct_scaled(len, s)) * u64::from(den) >= u64::from(target) * u64::from(num)
    };
    [1, 2, 4]
        .into_iter()
        .find(|&s| covers(w, tw, s) && covers(h, th, s))
        .unwrap_or(8)
}

fn decode_jpeg(bytes: &[u8], limits: &Limits, long_edge: u32) -> Result<Decoded, PhotoError> {
    let header: JpegHeader = jpeg_header::parse(bytes)?;
    let (w, h) = (u32::from(header.width), u32::from(header.height));
    let orientation = header
        .exif
        .clone()
        .and_then(|range| bytes.get(range))
        .and_then(Orientation::from_exif_chunk)
        .unwrap_or(Orientation::NoTransforms);
    check_pixels(w, h, orientation, limits)?;

    let (tw, th) = resize::fit(w, h, long_edge);
    let idct = choose_idct(w, h, tw, th);
    let (ow, oh) = (dct_scaled(w, idct), dct_scaled(h, idct));
    check_memory(header.decode_memory_estimate(ow, oh), limits)?;

    let mut decoder = jpeg_decoder::Decoder::new(bytes);
    decoder.set_max_decoding_buffer_size(limits.max_decoded_bytes);
    // jpeg-decoder is safe Rust but has unwraps and asserts; a panic there on some
    // malformed input must become "damaged", not take the app down. (The fuzz test
    // checks it does not actually happen on its corpus: see `Damaged::detail`.)
    let decoded = catch_unwind(AssertUnwindSafe(|| {
        // `ow`/`oh` fit in u16: they are at most the JPEG's own u16 dimensions.
        let (sw, sh) = decoder.scale(ow as u16, oh as u16)?;
        if u32::from(sw) < tw || u32::from(sh) < th {
            decoder.scale(header.width, header.height)?;
        }
        let pixels = decoder.decode()?;
        Ok::<_, jpeg_decoder::Error>((pixels, decoder.info()))
    }))
    .map_err(|_| PhotoError::damaged("JPEG decoder panicked"))?
    .map_err(map_jpeg_error)?;
    let (pixels, info) = decoded;
    let info = info.ok_or_else(|| PhotoError::damaged("no frame after decode"))?;
    let (dw, dh) = (u32::from(info.width), u32::from(info.height));
    let n = dw as usize * dh as usize;
    if pixels.len() != n * info.pixel_format.pixel_bytes() {
        return Err(PhotoError::damaged("decoded buffer has the wrong size"));
    }
    let data = match info.pixel_format {
        PixelFormat::RGB24 => pixels,
        PixelFormat::L8 => pixels.iter().flat_map(|&l| [l, l, l]).collect(),
        PixelFormat::CMYK32 => cmyk_to_rgb(&pixels),
        PixelFormat::L16 => return Err(PhotoError::unsupported("16-bit JPEG")),
    };
    Ok(Decoded {
        image: Rgb {
            width: dw,
            height: dh,
            data,
        },
        source_width: w,
        source_height: h,
        orientation,
    })
}

/// jpeg-decoder's CMYK output is ink amounts (it undoes Adobe's inverted storage and
/// the YCCK transform), so white paper is (0,0,0,0). Naive conversion without an ICC
/// profile, as the `image` crate did on top of jpeg-decoder: R = (1-C)(1-K). Print
/// CMYK is rare from phones; colours are close, not colour-managed.
fn cmyk_to_rgb(cmyk: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(cmyk.len() / 4 * 3);
    for p in cmyk.chunks_exact(4) {
        let k = 255 - u32::from(p[3]);
        for &ink in &p[..3] {
            out.push((((255 - u32::from(ink)) * k + 127) / 255) as u8);
        }
    }
    out
}

fn map_jpeg_error(e: jpeg_decoder::Error) -> PhotoError {
    match e {
        jpeg_decoder::Error::Unsupported(feature) => PhotoError::unsupported(match feature {
            UnsupportedFeature::Hierarchical => "hierarchical JPEG".to_owned(),
            UnsupportedFeature::ArithmeticEntropyCoding => "arithmetic-coded JPEG".to_owned(),
            UnsupportedFeature::SamplePrecision(bits) => format!("{bits}-bit JPEG"),
            UnsupportedFeature::ComponentCount(n) => format!("JPEG with {n} colour channels"),
            UnsupportedFeature::DNL => "JPEG with height defined later (DNL)".to_owned(),
            UnsupportedFeature::SubsamplingRatio
            | UnsupportedFeature::NonIntegerSubsamplingRatio => {
                "JPEG with unusual colour subsampling".to_owned()
            }
            UnsupportedFeature::ColorTransform(_) => "JPEG with unusual colour encoding".to_owned(),
        }),
        other => PhotoError::damaged(other.to_string()),
    }
}

fn decode_with_image(
    bytes: &[u8],
    format: ImageFormat,
    limits: &Limits,
) -> Result<Decoded, PhotoError> {
    let mut image_limits = image::Limits::default();
    image_limits.max_alloc = Some(limits.max_decoded_bytes as u64);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(image_limits);
    // Reads the header only (PNG: the chunks before IDAT; WebP: the RIFF headers).
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| map_image_error(e, format, limits))?;
    let (w, h) = decoder.dimensions();
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    check_pixels(w, h, orientation, limits)?;
    // Decoder output plus our RGB copy (and, with alpha, the RGBA conversion).
    check_memory(
        decoder
            .total_bytes()
            .saturating_add(u64::from(w) * u64::from(h) * 3),
        limits,
    )?;
    let image = catch_unwind(AssertUnwindSafe(|| DynamicImage::from_decoder(decoder)))
        .map_err(|_| PhotoError::damaged("image decoder panicked"))?
        .map_err(|e| map_image_error(e, format, limits))?;
    Ok(Decoded {
        image: flatten_to_rgb(image),
        source_width: w,
        source_height: h,
        orientation,
    })
}

/// 8-bit RGB; transparent pixels are composited onto white (a listing photo has no
/// background of its own, and white is what the app shows behind it).
fn flatten_to_rgb(image: DynamicImage) -> Rgb {
    let (width, height) = (image.width(), image.height());
    let data = if image.color().has_alpha() {
        let rgba = image.into_rgba8().into_raw();
        let mut out = Vec::with_capacity(rgba.len() / 4 * 3);
        for p in rgba.chunks_exact(4) {
            let a = u32::from(p[3]);
            for &c in &p[..3] {
                out.push(((u32::from(c) * a + 255 * (255 - a) + 127) / 255) as u8);
            }
        }
        out
    } else {
        image.into_rgb8().into_raw()
    };
    Rgb {
        width,
        height,
        data,
    }
}

fn map_image_error(e: ImageError, format: ImageFormat, limits: &Limits) -> PhotoError {
    match e {
        // Our own checks ran first, so this is the decoder's running allocation budget
        // (e.g. huge metadata chunks): the exact need is unknown.
        ImageError::Limits(_) => PhotoError::NeedsTooMuchMemory {
            needed_bytes: 0,
            max_bytes: limits.max_decoded_bytes,
        },
        ImageError::Unsupported(_) => PhotoError::unsupported(match format {
            ImageFormat::Png => "unusual PNG",
            ImageFormat::WebP => "unusual WebP",
            _ => "unusual image",
        }),
        other => PhotoError::damaged(other.to_string()),
    }
}
