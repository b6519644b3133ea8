//! Synthetic inputs: every EXIF orientation, grey/CMYK JPEG, PNG with alpha, WebP,
//! and small photos that must not be enlarged.

mod common;

use common::*;
use farmlive_photo::{PipelineOptions, process};
use image::metadata::Orientation;
use image::{DynamicImage, ImageFormat, Rgba, RgbaImage};
use jpeg_encoder::ColorType;

fn mean_colour(img: &image::RgbImage, x0: u32, y0: u32, x1: u32, y1: u32) -> [f64; 3] {
    let mut sum = [0f64; 3];
    let mut n = 0f64;
    for y in y0..y1 {
        for x in x0..x1 {
            let p = img.get_pixel(x, y);
            for c in 0..3 {
                sum[c] += f64::from(p[c]);
            }
            n += 1.0;
        }
    }
    sum.map(|s| s / n)
}

fn close(a: [f64; 3], b: [u8; 3], tolerance: f64) -> bool {
    a.iter()
        .zip(b)
        .all(|(x, y)| (x - f64::from(y)).abs() <= tolerance)
}

#[test]
fn all_eight_exif_orientations_come_out_upright() {
    // 2000×1200 so that the pipeline really resizes (1280×768) and DCT-scales.
    let upright = pattern(2000, 1200);
    for exif in 1..=8u16 {
        let o = Orientation::from_exif(exif as u8).expect("valid");
        // Store the pixels the way a camera with this orientation would: apply the
        // inverse transform, so that applying `o` gives back the upright pattern.
        let mut stored = DynamicImage::ImageRgb8(upright.clone());
        stored.apply_orientation(inverse(o));
        let jpeg = make_rgb_jpeg(&stored.into_rgb8(), Some(&exif_orientation(exif)));

        let out = process(&jpeg, &PipelineOptions::default()).expect("process");
        assert_eq!(
            (out.source_width, out.source_height),
            (2000, 1200),
            "exif {exif}"
        );
        assert_eq!(
            (out.listing.width, out.listing.height),
            (1280, 768),
            "exif {exif}"
        );
        assert_eq!(
            (out.thumbnail.width, out.thumbnail.height),
            (320, 192),
            "exif {exif}"
        );
        let thumb = decode_jpeg(&out.thumbnail.jpeg);
        let expected = reference_resize(&upright, 320, 192);
        let diff = mean_abs_diff(&thumb, &expected);
        assert!(diff < 4.0, "exif {exif}: differs from upright by {diff:.2}");
        // And it is not merely "any" image: the un-rotated stored pixels differ.
        let mirrored = image::imageops::flip_horizontal(&expected);
        assert!(
            mean_abs_diff(&thumb, &mirrored) > 5.0 * diff.max(1.0),
            "exif {exif}"
        );
    }
}

fn inverse(o: Orientation) -> Orientation {
    match o {
        Orientation::Rotate90 => Orientation::Rotate270,
        Orientation::Rotate270 => Orientation::Rotate90,
        other => other, // flips, 180°, transpose and transverse are their own inverse
    }
}

#[test]
fn grayscale_jpeg_becomes_rgb() {
    let grey: Vec<u8> = (0..400 * 300)
        .map(|i| ((i % 400) * 255 / 399) as u8)
        .collect();
    let jpeg = make_jpeg(&grey, 400, 300, ColorType::Luma, None, false);
    assert_eq!(jpeg_components(&jpeg), 1);
    let out = process(&jpeg, &PipelineOptions::default()).expect("process");
    assert_eq!(jpeg_components(&out.listing.jpeg), 3);
    assert_eq!((out.listing.width, out.listing.height), (400, 300));
    let img = decode_jpeg(&out.listing.jpeg);
    assert!(close(mean_colour(&img, 0, 0, 20, 300), [6, 6, 6], 6.0));
    assert!(close(
        mean_colour(&img, 380, 0, 400, 300),
        [249, 249, 249],
        6.0
    ));
}

#[test]
fn cmyk_jpeg_becomes_rgb_with_the_right_colours() {
    // Four bands: cyan ink, magenta ink, yellow ink, black ink (ink amounts, 255 = full).
    let (w, h) = (256u16, 64u16);
    let mut cmyk = Vec::new();
    for _ in 0..h {
        for x in 0..w {
            cmyk.extend(match x / 64 {
                0 => [255, 0, 0, 0],
                1 => [0, 255, 0, 0],
                2 => [0, 0, 255, 0],
                _ => [0, 0, 0, 255],
            });
        }
    }
    for color in [ColorType::Cmyk, ColorType::CmykAsYcck] {
        let jpeg = make_jpeg(&cmyk, w, h, color, None, false);
        assert_eq!(jpeg_components(&jpeg), 4);
        let out = process(&jpeg, &PipelineOptions::default()).expect("process");
        let img = decode_jpeg(&out.listing.jpeg);
        for (band, rgb) in [[0, 255, 255], [255, 0, 255], [255, 255, 0], [0, 0, 0]]
            .into_iter()
            .enumerate()
        {
            let x = band as u32 * 64;
            let got = mean_colour(&img, x + 8, 8, x + 56, 56);
            assert!(
                close(got, rgb, 24.0),
                "{color:?} band {band}: {got:?} vs {rgb:?}"
            );
        }
    }
}

#[test]
fn png_with_alpha_is_flattened_onto_white() {
    // Left third opaque red, middle third fully transparent (black with alpha 0),
    // right third half-transparent black. 2400 px wide so it is also resized.
    let img = RgbaImage::from_fn(2400, 600, |x, _| match x / 800 {
        0 => Rgba([200, 20, 20, 255]),
        1 => Rgba([0, 0, 0, 0]),
        _ => Rgba([0, 0, 0, 128]),
    });
    let png = encode_with_image(&DynamicImage::ImageRgba8(img), ImageFormat::Png);
    let out = process(&png, &PipelineOptions::default()).expect("process");
    assert_eq!((out.source_width, out.source_height), (2400, 600));
    assert_eq!((out.listing.width, out.listing.height), (1280, 320));
    assert_eq!((out.thumbnail.width, out.thumbnail.height), (320, 80));
    let listing = decode_jpeg(&out.listing.jpeg);
    assert!(close(
        mean_colour(&listing, 20, 20, 400, 300),
        [200, 20, 20],
        8.0
    ));
    assert!(close(
        mean_colour(&listing, 460, 20, 800, 300),
        [255, 255, 255],
        4.0
    ));
    assert!(close(
        mean_colour(&listing, 900, 20, 1260, 300),
        [127, 127, 127],
        6.0
    ));
}

#[test]
fn webp_and_16_bit_png_are_read() {
    let rgb = pattern(900, 600);
    let webp = encode_with_image(&DynamicImage::ImageRgb8(rgb.clone()), ImageFormat::WebP);
    let out = process(&webp, &PipelineOptions::default()).expect("webp");
    assert_eq!((out.listing.width, out.listing.height), (900, 600));
    assert!(mean_abs_diff(&decode_jpeg(&out.listing.jpeg), &rgb) < 4.0);

    let deep = DynamicImage::ImageRgb16(DynamicImage::ImageRgb8(rgb.clone()).into_rgb16());
    let png16 = encode_with_image(&deep, ImageFormat::Png);
    let out = process(&png16, &PipelineOptions::default()).expect("png16");
    assert!(mean_abs_diff(&decode_jpeg(&out.listing.jpeg), &rgb) < 4.0);
}

#[test]
fn small_photos_are_never_enlarged() {
    for (w, h, listing, thumb) in [
        (200u32, 150u32, (200, 150), (200, 150)),
        (640, 480, (640, 480), (320, 240)),
        (1280, 720, (1280, 720), (320, 180)),
        (1, 1, (1, 1), (1, 1)),
    ] {
        let jpeg = make_rgb_jpeg(&pattern(w, h), None);
        let out = process(&jpeg, &PipelineOptions::default()).expect("process");
        assert_eq!((out.listing.width, out.listing.height), listing, "{w}x{h}");
        assert_eq!(
            (out.thumbnail.width, out.thumbnail.height),
            thumb,
            "{w}x{h}"
        );
        assert_eq!(decode_jpeg(&out.listing.jpeg).dimensions(), listing);
    }
    // Same for PNG.
    let png = encode_with_image(
        &DynamicImage::ImageRgb8(pattern(300, 100)),
        ImageFormat::Png,
    );
    let out = process(&png, &PipelineOptions::default()).expect("png");
    assert_eq!((out.listing.width, out.listing.height), (300, 100));
    assert_eq!((out.thumbnail.width, out.thumbnail.height), (300, 100));
}

#[test]
fn data_after_the_end_marker_is_ignored() {
    // Phones append depth maps or a second (MPF) image after the first EOI.
    let img = pattern(300, 200);
    let mut jpeg = make_rgb_jpeg(&img, None);
    let clean = process(&jpeg, &PipelineOptions::default()).expect("clean");
    jpeg.extend(make_rgb_jpeg(&pattern(40, 40), None));
    jpeg.extend(b"trailing bytes \xFF\xD9 and more");
    let with_tail = process(&jpeg, &PipelineOptions::default()).expect("with trailing data");
    assert_eq!(clean, with_tail);
}
