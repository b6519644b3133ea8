//! How fast a decompression bomb is refused: a small valid JPEG or PNG whose header
//! claims 60000×60000 pixels goes through `farmlive_photo::process`, which must refuse
//! it from the header alone. The test (`tests/bomb.rs`) checks that it is refused
//! without a large allocation and within a generous bound; this prints the time.
//!
//! ```text
//! cargo bench -p farmlive-photo --bench bomb
//! FARMLIVE_BENCH_RUNS=1000 cargo bench -p farmlive-photo --bench bomb
//! ```

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::{encode_with_image, forge_jpeg_size, forge_png_size, make_rgb_jpeg, pattern};
use farmlive_photo::{PhotoError, PipelineOptions, process};
use image::{DynamicImage, ImageFormat};

fn main() {
    let runs: usize = std::env::var("FARMLIVE_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200)
        .max(1);
    let small = pattern(64, 48);
    let jpeg = forge_jpeg_size(&make_rgb_jpeg(&small, None), 60_000, 60_000);
    let png = forge_png_size(
        &encode_with_image(&DynamicImage::ImageRgb8(small.clone()), ImageFormat::Png),
        60_000,
        60_000,
    );
    let rgba = DynamicImage::ImageRgba8(DynamicImage::ImageRgb8(small).into_rgba8());
    let png_rgba = forge_png_size(&encode_with_image(&rgba, ImageFormat::Png), 60_000, 60_000);
    println!("refusing a 60000×60000 header, {runs} runs each (after one warm-up)");
    for (name, bytes) in [("jpeg", jpeg), ("png", png), ("png rgba", png_rgba)] {
        let mut times: Vec<Duration> = Vec::with_capacity(runs);
        for i in 0..=runs {
            let start = Instant::now();
            let result = process(&bytes, &PipelineOptions::default());
            let elapsed = start.elapsed();
            assert!(
                matches!(result, Err(PhotoError::TooLarge { .. })),
                "{name}: not refused as too large: {result:?}"
            );
            if i > 0 {
                times.push(elapsed);
            }
        }
        times.sort();
        let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
        println!(
            "{name:<9} p50 {:>10.1?}  p90 {:>10.1?}  max {:>10.1?}",
            at(0.5),
            at(0.9),
            at(1.0)
        );
    }
}
