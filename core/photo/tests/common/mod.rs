//! Helpers shared by the integration tests: reading test data, decoding outputs with an
//! independent decoder path, comparing images, and making small synthetic inputs.
#![allow(dead_code)]

use image::{RgbImage, imageops};
use jpeg_encoder::{ColorType, Encoder};

/// Bytes of `<workspace>/testdata/<rel>`.
pub fn testdata(rel: &str) -> Vec<u8> {
    let path = format!("{}/../../testdata/{rel}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Full-resolution decode of a JPEG to RGB (jpeg-decoder at scale 1, then to RGB).
pub fn decode_jpeg(bytes: &[u8]) -> RgbImage {
    let mut d = jpeg_decoder::Decoder::new(bytes);
    let px = d.decode().expect("decodable JPEG");
    let info = d.info().expect("info");
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    let rgb = match info.pixel_format {
        jpeg_decoder::PixelFormat::RGB24 => px,
        jpeg_decoder::PixelFormat::L8 => px.iter().flat_map(|&l| [l, l, l]).collect(),
        other => panic!("unexpected pixel format {other:?}"),
    };
    RgbImage::from_raw(w, h, rgb).expect("buffer size")
}

/// Number of colour components in a JPEG's frame header.
pub fn jpeg_components(bytes: &[u8]) -> usize {
    let mut d = jpeg_decoder::Decoder::new(bytes);
    d.read_info().expect("header");
    match d.info().expect("info").pixel_format {
        jpeg_decoder::PixelFormat::L8 | jpeg_decoder::PixelFormat::L16 => 1,
        jpeg_decoder::PixelFormat::RGB24 => 3,
        jpeg_decoder::PixelFormat::CMYK32 => 4,
    }
}

/// Reference downscale with the `image` crate (an implementation independent of ours),
/// same filter family as the pipeline so the comparison measures errors, not blur.
pub fn reference_resize(img: &RgbImage, w: u32, h: u32) -> RgbImage {
    imageops::resize(img, w, h, imageops::FilterType::Lanczos3)
}

/// Mean absolute difference per channel, 0..=255.
pub fn mean_abs_diff(a: &RgbImage, b: &RgbImage) -> f64 {
    assert_eq!(
        a.dimensions(),
        b.dimensions(),
        "compared images differ in size"
    );
    let sum: u64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(&x, &y)| u64::from(x.abs_diff(y)))
        .sum();
    sum as f64 / a.as_raw().len() as f64
}

/// The (marker, payload) of every segment before the first scan.
pub fn header_segments(jpeg: &[u8]) -> Vec<(u8, Vec<u8>)> {
    assert_eq!(&jpeg[..2], &[0xFF, 0xD8], "not a JPEG");
    let mut out = Vec::new();
    let mut pos = 2;
    while pos + 4 <= jpeg.len() {
        assert_eq!(jpeg[pos], 0xFF, "segment expected at {pos}");
        let marker = jpeg[pos + 1];
        let len = usize::from(u16::from_be_bytes([jpeg[pos + 2], jpeg[pos + 3]]));
        out.push((marker, jpeg[pos + 4..pos + 2 + len].to_vec()));
        if marker == 0xDA {
            break;
        }
        pos += 2 + len;
    }
    out
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A test pattern that looks different under each of the 8 orientations: four
/// coloured quadrants of unequal size plus a diagonal gradient.
pub fn pattern(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        let left = x < w / 3;
        let top = y < h / 3;
        let g = ((x + y) * 255 / (w + h)) as u8;
        match (left, top) {
            (true, true) => image::Rgb([230, 30, 30]),
            (false, true) => image::Rgb([30, 200, 40]),
            (true, false) => image::Rgb([30, 40, 220]),
            (false, false) => image::Rgb([g, g, 255 - g]),
        }
    })
}

/// A minimal big-endian TIFF/EXIF block with only the Orientation tag.
pub fn exif_orientation(value: u16) -> Vec<u8> {
    let mut t = b"MM\0\x2a\0\0\0\x08\0\x01".to_vec();
    t.extend([0x01, 0x12, 0, 3, 0, 0, 0, 1]);
    t.extend(value.to_be_bytes());
    t.extend([0, 0, 0, 0, 0, 0]);
    t
}

/// Encodes pixels as a JPEG at quality 95 with optional EXIF and progressive mode.
pub fn make_jpeg(
    data: &[u8],
    w: u16,
    h: u16,
    color: ColorType,
    exif: Option<&[u8]>,
    progressive: bool,
) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = Encoder::new(&mut out, 95);
    if let Some(exif) = exif {
        enc.add_exif_metadata(exif).expect("exif");
    }
    enc.set_progressive(progressive);
    enc.encode(data, w, h, color).expect("encode");
    out
}

pub fn make_rgb_jpeg(img: &RgbImage, exif: Option<&[u8]>) -> Vec<u8> {
    let (w, h) = img.dimensions();
    make_jpeg(
        img.as_raw(),
        w as u16,
        h as u16,
        ColorType::Rgb,
        exif,
        false,
    )
}

/// Encodes any `image` buffer as PNG (or WebP lossless) in memory.
pub fn encode_with_image(img: &image::DynamicImage, format: image::ImageFormat) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, format).expect("encode");
    out.into_inner()
}

/// CRC-32 (IEEE), for patching PNG chunks.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Rewrites the declared size of a PNG (IHDR) and fixes its CRC.
pub fn forge_png_size(png: &[u8], w: u32, h: u32) -> Vec<u8> {
    let mut v = png.to_vec();
    assert_eq!(&v[12..16], b"IHDR");
    v[16..20].copy_from_slice(&w.to_be_bytes());
    v[20..24].copy_from_slice(&h.to_be_bytes());
    let crc = crc32(&v[12..29]);
    v[29..33].copy_from_slice(&crc.to_be_bytes());
    v
}

/// Rewrites the declared size in a JPEG's SOF0/SOF2 header (found by walking segments).
pub fn forge_jpeg_size(jpeg: &[u8], w: u16, h: u16) -> Vec<u8> {
    let mut v = jpeg.to_vec();
    let mut pos = 2;
    loop {
        assert_eq!(v[pos], 0xFF, "segment expected");
        let len = usize::from(u16::from_be_bytes([v[pos + 2], v[pos + 3]]));
        if matches!(v[pos + 1], 0xC0 | 0xC2) {
            v[pos + 5..pos + 7].copy_from_slice(&h.to_be_bytes());
            v[pos + 7..pos + 9].copy_from_slice(&w.to_be_bytes());
            return v;
        }
        pos += 2 + len;
    }
}
