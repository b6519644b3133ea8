//! `farmlive_photo::process` against libvips' `vipsthumbnail`, photo by photo.
//!
//! ```text
//! cargo bench -p farmlive-photo --bench vs_vipsthumbnail
//! FARMLIVE_PHOTOS_DIR=/some/photos FARMLIVE_BENCH_RUNS=9 cargo bench -p farmlive-photo
//! ```
//!
//! Fairness:
//! - Same job: a 1280 px listing and a 320 px thumbnail, JPEG quality 75, 4:2:0,
//!   metadata stripped (`strip`), EXIF orientation applied (vips auto-rotates).
//! - Same plan: ours makes the thumbnail from the listing image in memory; vips
//!   makes its thumbnail from its own 1280 px output file, so neither decodes the
//!   source twice. The old plan (vips' thumbnail from the source, a second
//!   decode of it) is shown beside it as "from source" (see `common/vips.rs`).
//! - Same encoder effort: vips gets `optimize_coding` because we optimise Huffman
//!   tables too. The bytes of vips' default (no optimisation) are shown as well.
//! - vipsthumbnail is a separate process; three vips figures per photo (raw,
//!   minus start-up, in-process: see `common/vips.rs`). In-process is libvips
//!   used as a library, the figure to hold ours against. Ours here is the
//!   pipeline in memory (bytes already read, JPEGs not written); core's
//!   `photo_add` bench times it as the CLI runs it, with the files.
//! - Both may use every core: vips its thread pool, ours jpeg-decoder's per-component
//!   threads and a thread for the thumbnail. Medians of N rounds after a warm-up round;
//!   each round runs ours and every vips measurement back to back, so that load from
//!   other processes hits all alike.
//! - Quality: PSNR (dB, RGB, higher is better) of each decoded output against a common
//!   reference: the source decoded at full resolution, oriented, and downscaled with the
//!   `image` crate's Lanczos3 (an implementation neither pipeline uses).

#[path = "../../benches/common/machine.rs"]
mod machine;
#[path = "common/vips.rs"]
mod vips;

use std::path::Path;
use std::time::Instant;

use farmlive_photo::{PipelineOptions, process};
use image::metadata::Orientation;
use image::{DynamicImage, RgbImage, imageops};
use vips::median;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/photos");
    let (dir, photos) = vips::photos(dir, &["jpg", "jpeg", "png", "webp"]);
    let runs = vips::runs();

    let tmp = std::env::temp_dir().join(format!("farmlive-bench-{}", std::process::id()));
    let version = vips::version();
    println!("{}", machine::describe());
    println!(
        "photos: {} ({} files); median of {runs} rounds after 1 warm-up",
        dir.display(),
        photos.len()
    );
    match &version {
        Some(v) => println!(
            "vipsthumbnail: libvips {v}; thumbnail from its 1280 px output; in-process figure uses K = {}",
            vips::K
        ),
        None => println!(
            "vipsthumbnail: NOT FOUND (apt-get install libvips-tools); measuring ours only"
        ),
    }

    let mut timing = Vec::new();
    let mut before = Vec::new();
    let mut sizes = Vec::new();
    let mut startups = Vec::new();
    for path in &photos {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("?")
            .to_owned();
        let bytes = std::fs::read(path).expect("read photo");
        let options = PipelineOptions::default();
        let ours = match process(&bytes, &options) {
            Ok(out) => out,
            Err(e) => {
                println!("{name}: refused: {e}");
                continue;
            }
        };
        let run_ours = || {
            let start = Instant::now();
            let ok = std::hint::black_box(process(std::hint::black_box(&bytes), &options)).is_ok();
            assert!(ok);
            start.elapsed().as_secs_f64() * 1000.0
        };
        let (l, t) = (&ours.listing, &ours.thumbnail);
        let quality = Quality::new(&bytes, (l.width, l.height), (t.width, t.height));
        let ours_bytes = l.jpeg.len() + t.jpeg.len();
        let ours_psnr = (quality.listing(&l.jpeg), quality.thumbnail(&t.jpeg));

        if version.is_none() {
            run_ours();
            let ms = median((0..runs).map(|_| run_ours()).collect());
            timing.push(format!("{name:<28} {ms:>8.1}"));
            sizes.push(format!(
                "{name:<28} {ours_bytes:>9}   PSNR listing {} thumb {}",
                db(ours_psnr.0),
                db(ours_psnr.1)
            ));
            continue;
        }
        let scratch = vips::Scratch::new(&tmp, path);
        let (mut t_ours, mut rounds) = (vec![], vec![]);
        for round in 0..=runs {
            let ours_ms = run_ours();
            let vips_round = vips::round(path, &scratch);
            if round > 0 {
                t_ours.push(ours_ms);
                startups.push(vips_round.startup);
                rounds.push(vips_round);
            }
        }
        let ours_ms = median(t_ours);
        let v = vips::medians(&rounds);
        timing.push(format!(
            "{name:<28} {ours_ms:>8.1} {:>9.1} {:>11.1} {:>11.1} {:>9.2} {:>11.2} {:>11.2}",
            v.raw,
            v.minus_startup,
            v.in_process,
            ours_ms / v.raw,
            ours_ms / v.minus_startup,
            ours_ms / v.in_process
        ));
        before.push(format!(
            "{name:<28} {ours_ms:>8.1} {:>9.1} {:>11.1} {:>11.1} {:>9.2} {:>11.2} {:>11.2}",
            v.raw_from_source,
            v.minus_startup_from_source,
            v.in_process_from_source,
            ours_ms / v.raw_from_source,
            ours_ms / v.minus_startup_from_source,
            ours_ms / v.in_process_from_source
        ));

        // vips' default encoding (no optimize_coding), same plan, for its bytes.
        let (dl, dt) = (scratch.file("dl"), scratch.file("dt"));
        vips::thumbnail_ms(&[path], vips::LISTING, &dl, false);
        vips::thumbnail_ms(&[&dl], vips::THUMB, &dt, false);
        let read = |p: &Path| std::fs::read(p).unwrap_or_default();
        let (vl, vt) = (read(&scratch.file("l")), read(&scratch.file("t")));
        let (vips_bytes, default_bytes) = (vl.len() + vt.len(), read(&dl).len() + read(&dt).len());
        sizes.push(format!(
            "{name:<28} {ours_bytes:>9} {vips_bytes:>9} {:>8.2} {:>13} {:>13} {default_bytes:>12} {:>8.2}",
            ours_bytes as f64 / vips_bytes as f64,
            format!("{}/{}", db(ours_psnr.0), db(quality.listing(&vl))),
            format!("{}/{}", db(ours_psnr.1), db(quality.thumbnail(&vt))),
            ours_bytes as f64 / default_bytes as f64,
        ));
    }

    println!();
    let heading = || {
        println!(
            "{:<28} {:>8} {:>9} {:>11} {:>11} {:>9} {:>11} {:>11}",
            "photo",
            "ours",
            "vips raw",
            "vips −su",
            "vips in-p",
            "ratio raw",
            "ratio −su",
            "ratio in-p"
        );
    };
    if version.is_some() {
        println!(
            "Wall time, ms (listing + thumbnail; vips' thumbnail from its listing image); ratio = ours / vips"
        );
        heading();
    } else {
        println!("{:<28} {:>8}", "photo", "ours ms");
    }
    timing.iter().for_each(|l| println!("{l}"));
    if !before.is_empty() {
        println!();
        println!(
            "Before (unfair peer): vips' thumbnail from the source, a second decode; same rounds"
        );
        heading();
        before.iter().for_each(|l| println!("{l}"));
    }
    if !startups.is_empty() {
        println!(
            "(vipsthumbnail start-up, 16×16 JPEG: median {:.1} ms per invocation)",
            median(startups)
        );
    }
    println!();
    if version.is_some() {
        println!("Output bytes (listing + thumbnail) and PSNR dB vs reference (ours/vips)");
        println!(
            "{:<28} {:>9} {:>9} {:>8} {:>13} {:>13} {:>12} {:>8}",
            "photo",
            "ours B",
            "vips B",
            "B ratio",
            "PSNR listing",
            "PSNR thumb",
            "vips dflt B",
            "B ratio"
        );
    } else {
        println!("Output bytes (listing + thumbnail) and PSNR dB vs reference");
    }
    sizes.iter().for_each(|l| println!("{l}"));
    println!("load average at the end: {}", machine::load_average());
    let _ = std::fs::remove_dir_all(&tmp);
}

/// Reference downscales of one source, and PSNR of candidate outputs against them.
struct Quality {
    listing: Option<RgbImage>,
    thumbnail: Option<RgbImage>,
}

impl Quality {
    fn new(source: &[u8], (lw, lh): (u32, u32), (tw, th): (u32, u32)) -> Self {
        let full = reference_image(source);
        let lanczos = |w, h| {
            full.as_ref()
                .map(|f| imageops::resize(f, w, h, imageops::FilterType::Lanczos3))
        };
        Self {
            listing: lanczos(lw, lh),
            thumbnail: lanczos(tw, th),
        }
    }
    fn listing(&self, jpeg: &[u8]) -> Option<f64> {
        psnr(&decode_any(jpeg)?, self.listing.as_ref()?)
    }
    fn thumbnail(&self, jpeg: &[u8]) -> Option<f64> {
        psnr(&decode_any(jpeg)?, self.thumbnail.as_ref()?)
    }
}

/// Decodes a JPEG (jpeg-decoder, full size) or PNG/WebP (image) to RGB.
fn decode_any(bytes: &[u8]) -> Option<RgbImage> {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return image::load_from_memory(bytes)
            .ok()
            .map(DynamicImage::into_rgb8);
    }
    let mut d = jpeg_decoder::Decoder::new(bytes);
    let px = d.decode().ok()?;
    let info = d.info()?;
    let rgb = match info.pixel_format {
        jpeg_decoder::PixelFormat::RGB24 => px,
        jpeg_decoder::PixelFormat::L8 => px.iter().flat_map(|&l| [l, l, l]).collect(),
        _ => return None,
    };
    RgbImage::from_raw(u32::from(info.width), u32::from(info.height), rgb)
}

/// The source at full resolution in display orientation.
fn reference_image(bytes: &[u8]) -> Option<RgbImage> {
    let img = decode_any(bytes)?;
    let mut orientation = None;
    if bytes.starts_with(&[0xFF, 0xD8]) {
        let mut d = jpeg_decoder::Decoder::new(bytes);
        d.read_info().ok()?;
        orientation = d.exif_data().and_then(Orientation::from_exif_chunk);
    }
    let mut img = DynamicImage::ImageRgb8(img);
    img.apply_orientation(orientation.unwrap_or(Orientation::NoTransforms));
    Some(img.into_rgb8())
}

/// PSNR in dB; `None` if the sizes differ (e.g. a 1-pixel rounding difference).
fn psnr(a: &RgbImage, b: &RgbImage) -> Option<f64> {
    if a.dimensions() != b.dimensions() {
        return None;
    }
    let se: f64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(&x, &y)| (f64::from(x) - f64::from(y)).powi(2))
        .sum();
    let mse = se / a.as_raw().len() as f64;
    Some(10.0 * (255.0f64 * 255.0 / mse.max(1e-9)).log10())
}

fn db(v: Option<f64>) -> String {
    v.map_or("n/a".to_owned(), |v| format!("{v:.1}"))
}
