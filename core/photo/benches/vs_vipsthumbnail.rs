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
//!   vipsthumbnail runs once per size, both from the source (its normal use); ours makes
//!   both in one call.
//! - Same encoder effort: vips gets `optimize_coding` because we optimise Huffman
//!   tables too. The bytes of vips' default (no optimisation) are shown as well.
//! - vipsthumbnail is a separate process. Three vips figures per photo:
//!   *raw*: two invocations, what an app shelling out would see;
//!   *−start-up*: raw minus two invocations on a 16×16 JPEG at `--size 16` (not 1280:
//!   vipsthumbnail enlarges small images by default, which would be real work), taken
//!   in the same round (noisy when the machine is loaded: a difference of two process
//!   timings);
//!   *in-process*: one invocation with the photo given K times, minus one invocation
//!   with it once, divided by K−1: the marginal cost per photo inside a running libvips,
//!   i.e. libvips used as a library. This is the figure to hold ours against.
//! - Both may use every core: vips its thread pool, ours jpeg-decoder's per-component
//!   threads and a thread for the thumbnail. Medians of N rounds after a warm-up round;
//!   each round runs ours and every vips measurement back to back, so that load from
//!   other processes hits all alike.
//! - Quality: PSNR (dB, RGB, higher is better) of each decoded output against a common
//!   reference: the source decoded at full resolution, oriented, and downscaled with the
//!   `image` crate's Lanczos3 (an implementation neither pipeline uses).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use farmlive_photo::{PipelineOptions, process};
use image::metadata::Orientation;
use image::{DynamicImage, RgbImage, imageops};

const QUALITY: u8 = 75;
/// Copies of the photo in one vipsthumbnail call for the in-process figure.
const K: usize = 4;

fn main() {
    let dir = std::env::var_os("FARMLIVE_PHOTOS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/photos"));
    let runs: usize = std::env::var("FARMLIVE_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5)
        .max(1);
    let mut photos: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
            matches!(ext.to_lowercase().as_str(), "jpg" | "jpeg" | "png" | "webp")
        })
        .collect();
    photos.sort();

    let tmp = std::env::temp_dir().join(format!("farmlive-bench-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("temp dir");
    let tiny = tmp.join("tiny.jpg");
    std::fs::write(&tiny, tiny_jpeg()).expect("write tiny");
    let vips = vips_version();
    println!(
        "photos: {} ({} files); median of {runs} rounds after 1 warm-up",
        dir.display(),
        photos.len()
    );
    match &vips {
        Some(v) => println!("vipsthumbnail: libvips {v}; in-process figure uses K = {K}"),
        None => println!(
            "vipsthumbnail: NOT FOUND (apt-get install libvips-tools); measuring ours only"
        ),
    }

    let mut timing = Vec::new();
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

        if vips.is_none() {
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
        let out = |tag: &str| tmp.join(format!("{tag}.jpg"));
        let (mut t_ours, mut t_raw, mut t_su, mut t_inproc) = (vec![], vec![], vec![], vec![]);
        for round in 0..=runs {
            let ours_ms = run_ours();
            let raw =
                vips_ms(&[path], 1280, &out("l"), true) + vips_ms(&[path], 320, &out("t"), true);
            let startup =
                vips_ms(&[&tiny], 16, &out("x"), true) + vips_ms(&[&tiny], 16, &out("x"), true);
            let many = vec![path; K];
            let inproc = (vips_ms(&many, 1280, &out("x"), true)
                - vips_ms(&[path], 1280, &out("x"), true)
                + vips_ms(&many, 320, &out("x"), true)
                - vips_ms(&[path], 320, &out("x"), true))
                / (K - 1) as f64;
            if round > 0 {
                t_ours.push(ours_ms);
                t_raw.push(raw);
                t_su.push(raw - startup);
                t_inproc.push(inproc);
                startups.push(startup / 2.0);
            }
        }
        let (ours_ms, raw, su, inproc) = (
            median(t_ours),
            median(t_raw),
            median(t_su),
            median(t_inproc),
        );
        timing.push(format!(
            "{name:<28} {ours_ms:>8.1} {raw:>9.1} {su:>11.1} {inproc:>11.1} {:>9.2} {:>11.2} {:>11.2}",
            ours_ms / raw,
            ours_ms / su,
            ours_ms / inproc
        ));

        vips_ms(&[path], 1280, &out("dl"), false);
        vips_ms(&[path], 320, &out("dt"), false);
        let read = |tag: &str| std::fs::read(out(tag)).unwrap_or_default();
        let (vl, vt, dl, dt) = (read("l"), read("t"), read("dl"), read("dt"));
        let (vips_bytes, default_bytes) = (vl.len() + vt.len(), dl.len() + dt.len());
        sizes.push(format!(
            "{name:<28} {ours_bytes:>9} {vips_bytes:>9} {:>8.2} {:>13} {:>13} {default_bytes:>12} {:>8.2}",
            ours_bytes as f64 / vips_bytes as f64,
            format!("{}/{}", db(ours_psnr.0), db(quality.listing(&vl))),
            format!("{}/{}", db(ours_psnr.1), db(quality.thumbnail(&vt))),
            ours_bytes as f64 / default_bytes as f64,
        ));
    }

    println!();
    if vips.is_some() {
        println!("Wall time, ms (listing + thumbnail); ratio = ours / vips");
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
    } else {
        println!("{:<28} {:>8}", "photo", "ours ms");
    }
    timing.iter().for_each(|l| println!("{l}"));
    if !startups.is_empty() {
        println!(
            "(vipsthumbnail start-up, 16×16 JPEG: median {:.1} ms per invocation)",
            median(startups)
        );
    }
    println!();
    if vips.is_some() {
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
    let _ = std::fs::remove_dir_all(&tmp);
}

fn vips_version() -> Option<String> {
    let out = Command::new("vipsthumbnail")
        .arg("--vips-version")
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    out.status
        .success()
        .then(|| text.trim().trim_start_matches("libvips ").to_owned())
}

/// Times `vipsthumbnail IN... --size N -o OUT[Q=75,strip(,optimize_coding)]`, in ms.
fn vips_ms(inputs: &[&PathBuf], size: u32, output: &Path, optimize: bool) -> f64 {
    let opts = if optimize { ",optimize_coding" } else { "" };
    let start = Instant::now();
    let status = Command::new("vipsthumbnail")
        .args(inputs)
        .arg("--size")
        .arg(size.to_string())
        .arg("-o")
        .arg(format!("{}[Q={QUALITY},strip{opts}]", output.display()))
        .stderr(Stdio::null()) // libvips warns about odd EXIF fields
        .status();
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    assert!(
        status.map(|s| s.success()).unwrap_or(false),
        "vipsthumbnail failed"
    );
    ms
}

fn median(mut times: Vec<f64>) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn tiny_jpeg() -> Vec<u8> {
    let mut out = Vec::new();
    let pixels = vec![128u8; 16 * 16 * 3];
    jpeg_encoder::Encoder::new(&mut out, 75)
        .encode(&pixels, 16, 16, jpeg_encoder::ColorType::Rgb)
        .expect("tiny jpeg");
    out
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
