//! Inputs that must be refused, each with its own plain error, and never a panic.

mod common;

use common::*;
use farmlive_photo::{PhotoError, PipelineOptions, process};

fn err(bytes: &[u8]) -> PhotoError {
    match process(bytes, &PipelineOptions::default()) {
        Ok(out) => panic!("accepted: {}x{}", out.listing.width, out.listing.height),
        Err(e) => e,
    }
}

#[test]
fn empty_file() {
    let bytes = testdata("bad-photos/empty.jpg");
    assert!(bytes.is_empty());
    let e = err(&bytes);
    assert_eq!(e, PhotoError::Empty);
    assert_eq!(e.to_string(), "the photo file is empty");
    assert_eq!(e.code(), "empty");
}

#[test]
fn text_file_named_jpg() {
    let e = err(&testdata("bad-photos/not-an-image.jpg"));
    assert_eq!(e, PhotoError::NotAPhoto);
    assert_eq!(
        e.to_string(),
        "this file is not a photo (JPEG, PNG or WebP expected)"
    );
    assert_eq!(e.code(), "not_a_photo");
}

#[test]
fn truncated_jpeg_is_refused_not_half_grey() {
    let bytes = testdata("bad-photos/truncated.jpg");
    let e = err(&bytes);
    assert!(matches!(e, PhotoError::Damaged { .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        "the photo is damaged or incomplete; take it again"
    );
    assert_eq!(e.code(), "damaged");
}

#[test]
fn real_photos_cut_anywhere_are_refused() {
    // Baseline (forest), progressive (cups) and the phone photo, cut at several points
    // including just before the final EOI marker.
    for rel in [
        "photos/forest-2560x1600.jpg",
        "photos/cups-2560x1600.jpg",
        "photos/phone-12mp-exif-rotated.jpg",
    ] {
        let bytes = testdata(rel);
        for cut in [
            bytes.len() / 10,
            bytes.len() / 2,
            bytes.len() * 9 / 10,
            bytes.len() - 2,
        ] {
            let e = err(&bytes[..cut]);
            assert!(
                matches!(e, PhotoError::Damaged { .. }),
                "{rel} cut at {cut}: {e:?}"
            );
        }
    }
}

#[test]
fn oversized_file_and_too_many_pixels_and_memory() {
    let bytes = testdata("photos/phone-12mp-exif-rotated.jpg");
    let mut options = PipelineOptions::default();
    options.limits.max_input_bytes = 1_000_000;
    let e = process(&bytes, &options).expect_err("too big");
    assert!(
        matches!(e, PhotoError::FileTooBig { size_bytes, max_bytes: 1_000_000 } if size_bytes == bytes.len())
    );
    assert_eq!(
        e.to_string(),
        "the photo file is too big (2.8 MB; at most 1 MB)"
    );

    let mut options = PipelineOptions::default();
    options.limits.max_source_pixels = 10_000_000;
    let e = process(&bytes, &options).expect_err("too many pixels");
    assert_eq!(
        e,
        PhotoError::TooLarge {
            width: 4032,
            height: 3024,
            max_megapixels: 10
        }
    );
    assert_eq!(
        e.to_string(),
        "the photo is too large (4032×3024 pixels; at most 10 megapixels)"
    );

    // Progressive JPEG: DCT scaling does not shrink the coefficient buffer.
    let progressive = testdata("photos/cups-2560x1600.jpg");
    let mut options = PipelineOptions::default();
    options.limits.max_decoded_bytes = 8_000_000;
    let e = process(&progressive, &options).expect_err("too much memory");
    assert!(
        matches!(
            e,
            PhotoError::NeedsTooMuchMemory {
                max_bytes: 8_000_000,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(
        e.to_string()
            .starts_with("the photo needs too much memory to prepare (")
    );
    // A baseline 12 MP photo decodes at 1/2 scale (2016×1512: ~18 MB of planes and
    // output), so 20 MB is enough for it, while its full size (~73 MB) would not be.
    options.limits.max_decoded_bytes = 20_000_000;
    process(&bytes, &options).expect("baseline 12 MP decodes in 20 MB");
}

#[test]
fn other_image_formats_are_named_not_called_not_a_photo() {
    let mut heic = vec![0, 0, 0, 24];
    heic.extend(b"ftypheic\0\0\0\0mif1heic");
    let e = err(&heic);
    assert_eq!(
        e,
        PhotoError::Unsupported {
            format: "HEIC".into()
        }
    );
    assert_eq!(
        e.to_string(),
        "this kind of photo is not supported (HEIC); save it as an ordinary JPEG and try again"
    );
    assert_eq!(
        err(b"GIF89a\x01\x00\x01\x00"),
        PhotoError::Unsupported {
            format: "GIF".into()
        }
    );
    // A 12-bit JPEG (SOF1 with precision 12) is refused as unsupported, not damaged.
    let mut jpeg12 = make_rgb_jpeg(&pattern(16, 16), None);
    let sof = header_segments(&jpeg12)
        .iter()
        .take_while(|(m, _)| *m != 0xC0)
        .map(|(_, p)| p.len() + 4)
        .sum::<usize>()
        + 2;
    assert_eq!(jpeg12[sof + 1], 0xC0);
    jpeg12[sof + 1] = 0xC1;
    jpeg12[sof + 4] = 12;
    assert_eq!(
        err(&jpeg12),
        PhotoError::Unsupported {
            format: "12-bit JPEG".into()
        }
    );
}

#[test]
fn invalid_options_are_refused() {
    let bytes = testdata("photos/leaf-2560x1600.jpg");
    for options in [
        PipelineOptions {
            jpeg_quality: 0,
            ..Default::default()
        },
        PipelineOptions {
            jpeg_quality: 101,
            ..Default::default()
        },
        PipelineOptions {
            listing_long_edge: 0,
            ..Default::default()
        },
        PipelineOptions {
            thumbnail_long_edge: 70_000,
            ..Default::default()
        },
    ] {
        let e = process(&bytes, &options).expect_err("invalid");
        assert_eq!(e.code(), "invalid_options");
    }
}

/// xorshift64*: deterministic pseudo-random numbers for the fuzz loop.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

fn assert_graceful(bytes: &[u8], what: &str) -> bool {
    match process(bytes, &PipelineOptions::default()) {
        Ok(out) => {
            assert!(out.listing.width > 0 && out.thumbnail.width > 0, "{what}");
            true
        }
        Err(PhotoError::Damaged { detail }) => {
            assert!(!detail.contains("panicked"), "{what}: decoder panicked");
            false
        }
        Err(_) => false,
    }
}

#[test]
fn fuzz_truncations_and_bit_flips_never_panic() {
    let small = pattern(72, 40);
    let baseline = make_rgb_jpeg(&small, Some(&exif_orientation(6)));
    let progressive = make_jpeg(
        small.as_raw(),
        72,
        40,
        jpeg_encoder::ColorType::Rgb,
        None,
        true,
    );
    let gray: Vec<u8> = small.pixels().map(|p| p[1]).collect();
    let gray = make_jpeg(&gray, 72, 40, jpeg_encoder::ColorType::Luma, None, false);
    let png = encode_with_image(
        &image::DynamicImage::ImageRgb8(small.clone()),
        image::ImageFormat::Png,
    );
    let webp = encode_with_image(
        &image::DynamicImage::ImageRgb8(small.clone()),
        image::ImageFormat::WebP,
    );

    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for (name, sample) in [
        ("baseline", &baseline),
        ("progressive", &progressive),
        ("gray", &gray),
        ("png", &png),
        ("webp", &webp),
    ] {
        assert!(
            assert_graceful(sample, name),
            "{name}: intact sample must decode"
        );
        let is_jpeg = sample.starts_with(&[0xFF, 0xD8]);
        for cut in 0..sample.len() {
            let ok = assert_graceful(&sample[..cut], &format!("{name} cut at {cut}"));
            // Every strict prefix of a JPEG lacks the final EOI and must be refused.
            assert!(!(is_jpeg && ok), "{name} cut at {cut} was accepted");
        }
        for round in 0..2000 {
            let mut bytes = sample.to_vec();
            let flips = 1 + (rng.next() % 4) as usize;
            for _ in 0..flips {
                let at = (rng.next() % bytes.len() as u64) as usize;
                bytes[at] ^= 1 << (rng.next() % 8);
            }
            assert_graceful(&bytes, &format!("{name} flip round {round}"));
        }
    }
}
