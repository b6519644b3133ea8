//! Photos on listings: orientation, metadata stripping, dedupe, bad photos.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;

use common::*;
use farmlive_core::protocol::ops::OpBody;
use farmlive_core::protocol::{ListingStatus, ValidationError};
use farmlive_core::{Error, PhotoError};

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn a_sideways_phone_photo_comes_out_upright_without_exif_or_gps() {
    let (_dir, core, farm) = open();
    let l = core.create_listing(farm.id, draft("Mangoes", "")).unwrap();
    let source = std::fs::read(testdata("photos/phone-12mp-exif-rotated.jpg")).unwrap();
    assert!(
        contains(&source, b"Exif"),
        "the fixture carries EXIF (with GPS)"
    );

    let photo = core
        .add_photo_file(l.id, testdata("photos/phone-12mp-exif-rotated.jpg"))
        .unwrap();
    assert_eq!(
        (photo.width, photo.height),
        (1280, 960),
        "landscape after orientation"
    );
    for sha in [&photo.sha256, &photo.thumb_sha256] {
        let stored = std::fs::read(core.photo_path(sha).unwrap()).unwrap();
        assert!(stored.starts_with(&[0xFF, 0xD8]), "a JPEG");
        assert!(!contains(&stored, b"Exif"), "no EXIF");
        // 0xFF is always stuffed inside entropy-coded data, so FF E1 can only be an
        // APP1 marker (EXIF, where GPS lives, or XMP).
        assert!(!contains(&stored, &[0xFF, 0xE1]), "no APP1 segment");
        let digest = sha256_hex(&stored);
        assert_eq!(&digest, sha, "named by its content");
    }
    let thumb = image_dims(&std::fs::read(core.photo_path(&photo.thumb_sha256).unwrap()).unwrap());
    assert_eq!(thumb, (320, 240));
}

fn image_dims(jpeg: &[u8]) -> (u32, u32) {
    // SOF0/SOF2 marker: FF C0|C2, len(2), precision(1), height(2), width(2).
    let i = jpeg
        .windows(2)
        .position(|w| w[0] == 0xFF && (w[1] == 0xC0 || w[1] == 0xC2))
        .unwrap();
    let h = u16::from_be_bytes([jpeg[i + 5], jpeg[i + 6]]) as u32;
    let w = u16::from_be_bytes([jpeg[i + 7], jpeg[i + 8]]) as u32;
    (w, h)
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn the_same_photo_is_stored_once() {
    let (dir, core, farm) = open();
    let a = core.create_listing(farm.id, draft("Mangoes", "")).unwrap();
    let b = core.create_listing(farm.id, draft("Lychees", "")).unwrap();
    let bytes = std::fs::read(testdata("photos/leaf-2560x1600.jpg")).unwrap();
    let first = core.add_photo_bytes(a.id, &bytes).unwrap();
    let again = core.add_photo_bytes(a.id, &bytes).unwrap();
    assert_eq!(
        first, again,
        "adding it again to the same listing changes nothing"
    );
    assert_eq!(core.listing(a.id).unwrap().photos.len(), 1);
    core.add_photo_bytes(b.id, &bytes).unwrap();
    assert_eq!(
        blob_files(&dir).len(),
        2,
        "one image and one thumbnail on disk for both listings"
    );
    assert_eq!(count(&raw(&dir), "blobs"), 2);
    let attaches = core
        .pending_ops(100)
        .unwrap()
        .iter()
        .filter(|p| matches!(p.op.body, OpBody::PhotoAttach { .. }))
        .count();
    assert_eq!(attaches, 2, "one attach per listing, none for the repeat");
}

#[test]
fn photos_keep_their_order_and_can_be_removed() {
    let (dir, core, farm) = open();
    let l = core.create_listing(farm.id, draft("Mangoes", "")).unwrap();
    let names = [
        "photos/leaf-2560x1600.jpg",
        "photos/cups-2560x1600.jpg",
        "photos/forest-2560x1600.jpg",
    ];
    let added: Vec<_> = names
        .iter()
        .map(|n| core.add_photo_file(l.id, testdata(n)).unwrap())
        .collect();
    assert_eq!(
        added.iter().map(|p| p.position).collect::<Vec<_>>(),
        [0, 1, 2]
    );
    assert_eq!((added[0].width, added[0].height), (1280, 800));

    core.remove_photo(l.id, &added[1].sha256).unwrap();
    let photos = core.listing(l.id).unwrap().photos;
    assert_eq!(
        photos
            .iter()
            .map(|p| (&p.sha256, p.position))
            .collect::<Vec<_>>(),
        [(&added[0].sha256, 0), (&added[2].sha256, 1)]
    );
    // The attach op has not been synced yet, so its files stay for the upload.
    assert_eq!(blob_files(&dir).len(), 6);
    assert!(matches!(
        core.remove_photo(l.id, &added[1].sha256),
        Err(Error::NotFound { .. })
    ));
    let last = core.pending_ops(100).unwrap().pop().unwrap();
    assert!(
        matches!(last.op.body, OpBody::PhotoRemove { ref sha256, .. } if *sha256 == added[1].sha256)
    );
}

#[test]
fn a_photo_nothing_needs_any_more_is_deleted() {
    let (dir, core, farm) = open();
    let l = core.create_listing(farm.id, draft("Mangoes", "")).unwrap();
    let photo = core
        .add_photo_file(l.id, testdata("photos/leaf-2560x1600.jpg"))
        .unwrap();
    // As after a sync: the hub has the photo, the outbox no longer holds the attach.
    raw(&dir).execute("DELETE FROM outbox", []).unwrap();
    core.remove_photo(l.id, &photo.sha256).unwrap();
    assert!(blob_files(&dir).is_empty());
    assert_eq!(count(&raw(&dir), "blobs"), 0);
}

#[test]
fn each_bad_photo_is_refused_clearly_and_writes_nothing() {
    let (dir, core, farm) = open();
    let l = core.create_listing(farm.id, draft("Mangoes", "")).unwrap();
    let ops_before = core.pending_count().unwrap();
    for (file, expect) in [
        ("bad-photos/truncated.jpg", "damaged"),
        ("bad-photos/not-an-image.jpg", "not a photo"),
        ("bad-photos/empty.jpg", "empty"),
    ] {
        let err = core.add_photo_file(l.id, testdata(file)).unwrap_err();
        assert!(matches!(err, Error::Photo(_)), "{file}: {err:?}");
        assert!(err.is_bad_input());
        assert!(err.to_string().contains(expect), "{file}: {err}");
        assert!(
            !err.to_string().contains('/'),
            "no paths in the message: {err}"
        );
    }
    assert!(blob_files(&dir).is_empty(), "no file written");
    assert_eq!(core.pending_count().unwrap(), ops_before, "no op written");
    assert_eq!(count(&raw(&dir), "listing_photos"), 0);
    assert_eq!(count(&raw(&dir), "blobs"), 0);
}

#[test]
fn a_photo_that_fails_to_commit_leaves_no_files_behind() {
    let (dir, core, farm) = open();
    let l = core.create_listing(farm.id, draft("Mangoes", "")).unwrap();
    raw(&dir)
        .execute_batch("CREATE TRIGGER fail BEFORE INSERT ON listing_photos BEGIN SELECT RAISE(ABORT, 'disk full'); END;")
        .unwrap();
    assert!(
        core.add_photo_file(l.id, testdata("photos/leaf-2560x1600.jpg"))
            .is_err()
    );
    assert!(blob_files(&dir).is_empty());
    assert_eq!(count(&raw(&dir), "outbox"), 1, "only the create");
}

#[test]
fn archived_listings_take_no_photos_and_the_count_is_bounded() {
    let (_dir, core, farm) = open();
    let l = core.create_listing(farm.id, draft("Mangoes", "")).unwrap();
    for i in 0..farmlive_core::protocol::listing::PHOTOS_MAX {
        core.add_photo_bytes(l.id, &tiny_png(i as u8 * 20)).unwrap();
    }
    let err = core.add_photo_bytes(l.id, &tiny_png(250)).unwrap_err();
    assert!(
        matches!(err, Error::Invalid(ValidationError::TooManyPhotos { .. })),
        "{err:?}"
    );
    core.set_listing_status(l.id, ListingStatus::Archived)
        .unwrap();
    core.remove_photo(l.id, &core.listing(l.id).unwrap().photos[0].sha256)
        .unwrap_err();
}

#[test]
fn an_oversized_file_is_refused_before_it_is_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    let mut options = farmlive_core::CoreOptions::default();
    options.photos.limits.max_input_bytes = 100_000;
    let core = farmlive_core::Core::open_with(dir.path(), options).unwrap();
    let farm = core.add_farm("Farm").unwrap();
    let l = core.create_listing(farm.id, draft("Mangoes", "")).unwrap();
    let err = core
        .add_photo_file(l.id, testdata("photos/leaf-2560x1600.jpg"))
        .unwrap_err();
    assert!(
        matches!(err, Error::Photo(PhotoError::FileTooBig { .. })),
        "{err:?}"
    );
}

/// A small PNG of one colour, different per `seed`.
fn tiny_png(seed: u8) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(64, 48, image::Rgb([seed, 255 - seed, seed / 2]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}
