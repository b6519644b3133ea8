//! Decompression bombs: a valid small image whose header claims 60000×60000 pixels
//! must be refused from the header alone, without allocating pixel buffers and without
//! decoding (a decode of 3.6 gigapixels would take minutes, so a generous 10 s bound
//! still tells the two apart). How fast the refusal is: `cargo bench -p farmlive-photo
//! --bench bomb`.
//!
//! This test binary installs a counting global allocator (hence its own file, and the
//! one `unsafe` block in the crate's tests) that records the largest single allocation.
#![allow(unsafe_code)]

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::*;
use farmlive_photo::{PhotoError, PipelineOptions, process};
use image::{DynamicImage, ImageFormat};

struct Counting;

static LARGEST: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every method forwards to `System` with the caller's arguments unchanged; the
// only addition is an atomic max on the requested size, which neither allocates nor panics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LARGEST.fetch_max(new_size, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Runs `process` and returns its error, the time taken and the largest allocation.
fn measure(bytes: &[u8]) -> (PhotoError, Duration, usize) {
    LARGEST.store(0, Ordering::Relaxed);
    let start = Instant::now();
    let result = process(bytes, &PipelineOptions::default());
    let elapsed = start.elapsed();
    let largest = LARGEST.load(Ordering::Relaxed);
    (result.expect_err("bomb accepted"), elapsed, largest)
}

const SIXTY_K: PhotoError = PhotoError::TooLarge {
    width: 60_000,
    height: 60_000,
    max_megapixels: 120,
};

// One test function: the allocator counter is global, so nothing may run beside it.
#[test]
fn forged_60000x60000_headers_are_refused_before_allocating() {
    let small = pattern(64, 48);

    // Sanity: the counter sees a real decode's buffers (so it can catch a bomb).
    let real = make_rgb_jpeg(&pattern(1600, 1200), None);
    LARGEST.store(0, Ordering::Relaxed);
    process(&real, &PipelineOptions::default()).expect("real image");
    assert!(LARGEST.load(Ordering::Relaxed) >= 1280 * 960 * 3);

    let jpeg = forge_jpeg_size(&make_rgb_jpeg(&small, None), 60_000, 60_000);
    let png = forge_png_size(
        &encode_with_image(&DynamicImage::ImageRgb8(small.clone()), ImageFormat::Png),
        60_000,
        60_000,
    );
    let rgba = DynamicImage::ImageRgba8(DynamicImage::ImageRgb8(small).into_rgba8());
    let png_rgba = forge_png_size(&encode_with_image(&rgba, ImageFormat::Png), 60_000, 60_000);

    for (name, bytes) in [("jpeg", jpeg), ("png", png), ("png rgba", png_rgba)] {
        let (e, elapsed, largest) = measure(&bytes);
        eprintln!("{name}: largest allocation {largest} B, {elapsed:?}");
        assert_eq!(e, SIXTY_K, "{name}");
        assert_eq!(
            e.to_string(),
            "the photo is too large (60000×60000 pixels; at most 120 megapixels)"
        );
        // A 60000-pixel row of RGBA is 240 kB; a pixel buffer would be ≥ 10 GB.
        assert!(
            largest < 1 << 20,
            "{name}: allocated {largest} bytes at once"
        );
        assert!(
            elapsed < Duration::from_secs(10),
            "{name}: took {elapsed:?}, as if it decoded the image"
        );
    }
}
