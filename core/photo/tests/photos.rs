//! The real photos in `testdata/photos`: sizes, orientation, metadata, determinism.

mod common;

use common::*;
use farmlive_photo::{PipelineOptions, ProcessedPhoto, process};
use image::imageops;
use sha2::{Digest, Sha256};

const PHONE: &str = "photos/phone-12mp-exif-rotated.jpg";
const WIDE: [&str; 3] = [
    "photos/cups-2560x1600.jpg",
    "photos/forest-2560x1600.jpg",
    "photos/leaf-2560x1600.jpg",
];

fn run(rel: &str) -> ProcessedPhoto {
    process(&testdata(rel), &PipelineOptions::default()).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn wide_photos_give_1280x800_and_320x200_that_look_like_the_source() {
    for rel in WIDE {
        let out = run(rel);
        assert_eq!((out.source_width, out.source_height), (2560, 1600), "{rel}");
        assert_eq!(
            (out.listing.width, out.listing.height),
            (1280, 800),
            "{rel}"
        );
        assert_eq!(
            (out.thumbnail.width, out.thumbnail.height),
            (320, 200),
            "{rel}"
        );
        let listing = decode_jpeg(&out.listing.jpeg);
        let thumb = decode_jpeg(&out.thumbnail.jpeg);
        assert_eq!(
            listing.dimensions(),
            (1280, 800),
            "{rel}: declared vs real size"
        );
        assert_eq!(
            thumb.dimensions(),
            (320, 200),
            "{rel}: declared vs real size"
        );
        // Content check against an independent full-resolution decode + downscale.
        let source = decode_jpeg(&testdata(rel));
        let diff = mean_abs_diff(&thumb, &reference_resize(&source, 320, 200));
        assert!(
            diff < 7.0,
            "{rel}: thumbnail differs from the source by {diff:.2}"
        );
        let diff = mean_abs_diff(&listing, &reference_resize(&source, 1280, 800));
        assert!(
            diff < 7.0,
            "{rel}: listing differs from the source by {diff:.2}"
        );
    }
}

#[test]
fn phone_photo_comes_out_upright_and_landscape() {
    let bytes = testdata(PHONE);
    let out = run(PHONE);
    assert_eq!((out.source_width, out.source_height), (4032, 3024));
    assert_eq!((out.listing.width, out.listing.height), (1280, 960));
    assert_eq!((out.thumbnail.width, out.thumbnail.height), (320, 240));
    let listing = decode_jpeg(&out.listing.jpeg);
    let thumb = decode_jpeg(&out.thumbnail.jpeg);
    assert_eq!(listing.dimensions(), (1280, 960));
    assert_eq!(thumb.dimensions(), (320, 240));

    // The source as stored is portrait (3024×4032); EXIF 6 = rotate 90° clockwise.
    let stored = decode_jpeg(&bytes);
    assert_eq!(stored.dimensions(), (3024, 4032));
    // Compared at 80×60, where JPEG noise averages out and only the layout remains.
    let ours = reference_resize(&thumb, 80, 60);
    let small = reference_resize(&stored, 60, 80);
    let right = mean_abs_diff(&ours, &imageops::rotate90(&small));
    let wrong_ccw = mean_abs_diff(&ours, &imageops::rotate270(&small));
    let mirrored = imageops::flip_horizontal(&imageops::rotate90(&small));
    let wrong_flip = mean_abs_diff(&ours, &mirrored);
    let wrong_180 = mean_abs_diff(&ours, &imageops::flip_vertical(&imageops::rotate90(&small)));
    eprintln!(
        "orientation diffs: right {right:.2}, ccw {wrong_ccw:.2}, mirrored {wrong_flip:.2}, upside down {wrong_180:.2}"
    );
    assert!(
        right < 3.0,
        "correctly rotated reference differs by {right:.2}"
    );
    for (name, wrong) in [
        ("ccw", wrong_ccw),
        ("mirrored", wrong_flip),
        ("upside down", wrong_180),
    ] {
        assert!(
            wrong > 5.0 * right && wrong > 10.0,
            "{name} rotation should differ a lot: {wrong:.2} vs right {right:.2}"
        );
    }
    // The listing itself too, at full listing size.
    let reference = imageops::rotate90(&reference_resize(&stored, 960, 1280));
    let diff = mean_abs_diff(&listing, &reference);
    assert!(
        diff < 7.0,
        "listing differs from rotated source by {diff:.2}"
    );
}

#[test]
fn no_metadata_survives() {
    let source = testdata(PHONE);
    // The test must be able to fail: the source really carries all of this.
    assert!(contains(&source, b"Exif\0\0"));
    assert!(contains(&source, b"FarmPhone"));
    let exif_ifd0_gps_pointer = [0x88, 0x25]; // tag 0x8825, big-endian
    assert!(contains(&source[..400], &exif_ifd0_gps_pointer));

    for rel in WIDE.iter().copied().chain([PHONE]) {
        let out = run(rel);
        for (name, jpeg) in [
            ("listing", &out.listing.jpeg),
            ("thumbnail", &out.thumbnail.jpeg),
        ] {
            let segments = header_segments(jpeg);
            for (marker, payload) in &segments {
                let allowed = matches!(marker, 0xE0 | 0xDB | 0xC0 | 0xC4 | 0xDA);
                assert!(allowed, "{rel} {name}: unexpected segment FF{marker:02X}");
                if *marker == 0xE0 {
                    assert!(
                        payload.starts_with(b"JFIF\0"),
                        "{rel} {name}: APP0 is not JFIF"
                    );
                }
            }
            assert_eq!(segments.iter().filter(|(m, _)| *m == 0xE0).count(), 1);
            let header_len: usize = segments.iter().map(|(_, p)| p.len() + 4).sum();
            let header = &jpeg[..header_len + 2];
            for needle in [
                &b"Exif"[..],
                b"GPS",
                b"ICC_PROFILE",
                b"http://ns.adobe.com",
                b"FarmPhone",
            ] {
                assert!(
                    !contains(header, needle),
                    "{rel} {name}: header has {needle:?}"
                );
            }
            assert!(!contains(jpeg, b"Exif\0\0"), "{rel} {name}: EXIF anywhere");
            assert!(
                !contains(jpeg, b"FarmPhone"),
                "{rel} {name}: camera make anywhere"
            );
            assert_eq!(
                &jpeg[jpeg.len() - 2..],
                &[0xFF, 0xD9],
                "{rel} {name}: ends with EOI"
            );
        }
    }
}

#[test]
fn same_input_gives_byte_identical_output_and_true_hashes() {
    for rel in [PHONE, WIDE[0]] {
        let bytes = testdata(rel);
        let a = process(&bytes, &PipelineOptions::default()).expect("first");
        let b = process(&bytes, &PipelineOptions::default()).expect("second");
        assert_eq!(a, b, "{rel}: two runs differ");
        for img in [&a.listing, &a.thumbnail] {
            let expected: String = Sha256::digest(&img.jpeg)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert_eq!(img.sha256, expected);
        }
        assert_ne!(a.listing.sha256, a.thumbnail.sha256);
    }
}

#[test]
fn outputs_are_reasonably_small_and_options_are_honoured() {
    let out = run(PHONE);
    assert!(
        out.listing.jpeg.len() < 400_000,
        "listing {} bytes",
        out.listing.jpeg.len()
    );
    assert!(
        out.thumbnail.jpeg.len() < 40_000,
        "thumb {} bytes",
        out.thumbnail.jpeg.len()
    );

    let options = PipelineOptions {
        listing_long_edge: 1000,
        thumbnail_long_edge: 100,
        jpeg_quality: 40,
        ..PipelineOptions::default()
    };
    let small = process(&testdata(PHONE), &options).expect("process");
    assert_eq!((small.listing.width, small.listing.height), (1000, 750));
    assert_eq!((small.thumbnail.width, small.thumbnail.height), (100, 75));
    assert!(small.listing.jpeg.len() < out.listing.jpeg.len());
}
