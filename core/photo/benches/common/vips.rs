//! libvips' `vipsthumbnail`, timed as the photo benchmarks' peer. Shared by
//! `vs_vipsthumbnail` (the pipeline in memory) and core's `photo_add` (the
//! pipeline as the CLI runs it) through `#[path]`.
//!
//! The plan matches ours: a 1280 px listing image from the source, then the
//! 320 px thumbnail **from that listing image** (ours makes the thumbnail from
//! the listing image too, so neither side decodes the source twice). The old
//! plan, both sizes from the source, is timed beside it as "from source".
//!
//! Three figures per plan:
//! - *raw*: the invocations as run (what an app shelling out would see);
//! - *−start-up*: raw minus the same number of invocations on a 16×16 JPEG at
//!   `--size 16` (not 1280: vipsthumbnail enlarges small images by default,
//!   which would be real work), taken in the same round;
//! - *in-process*: one invocation with its input given K times, minus one
//!   invocation with it once, divided by K−1: the marginal cost inside a
//!   running libvips, i.e. libvips used as a library.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// The benchmark photos: `FARMLIVE_PHOTOS_DIR`, or the repo's
/// `testdata/photos` (`default_dir`): the folder, and its files with one of
/// `extensions`, sorted.
pub fn photos(default_dir: PathBuf, extensions: &[&str]) -> (PathBuf, Vec<PathBuf>) {
    let dir = std::env::var_os("FARMLIVE_PHOTOS_DIR")
        .map(PathBuf::from)
        .unwrap_or(default_dir);
    let mut photos: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
            extensions.contains(&ext.to_lowercase().as_str())
        })
        .collect();
    photos.sort();
    (dir, photos)
}

/// Rounds to time: `FARMLIVE_BENCH_RUNS`, else 5.
pub fn runs() -> usize {
    std::env::var("FARMLIVE_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5)
        .max(1)
}

/// JPEG quality on both sides.
pub const QUALITY: u8 = 75;
/// Copies of the input in one invocation for the in-process figure.
pub const K: usize = 4;
/// The listing image's long edge.
pub const LISTING: u32 = 1280;
/// The thumbnail's long edge.
pub const THUMB: u32 = 320;

/// libvips' version, or `None` when `vipsthumbnail` is not installed.
pub fn version() -> Option<String> {
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
pub fn thumbnail_ms(inputs: &[&Path], size: u32, output: &Path, optimize: bool) -> f64 {
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

/// The scratch files of one photo's vips runs.
pub struct Scratch {
    dir: PathBuf,
    /// A 16×16 JPEG for the start-up figure.
    tiny: PathBuf,
}

impl Scratch {
    /// Makes the scratch folder and its 16×16 JPEG (by vips, from `any_photo`).
    pub fn new(dir: &Path, any_photo: &Path) -> Self {
        std::fs::create_dir_all(dir).expect("scratch dir");
        let tiny = dir.join("tiny.jpg");
        thumbnail_ms(&[any_photo], 16, &tiny, true);
        Self {
            dir: dir.to_owned(),
            tiny,
        }
    }
    /// A file in the scratch folder.
    pub fn file(&self, tag: &str) -> PathBuf {
        self.dir.join(format!("{tag}.jpg"))
    }
}

/// One round of vips figures for one photo, in ms.
pub struct Round {
    /// Listing from the source, thumbnail from the listing: two invocations.
    pub raw: f64,
    /// `raw` minus two start-ups.
    pub minus_startup: f64,
    /// The same two steps' marginal cost inside one libvips process.
    pub in_process: f64,
    /// The old plan, both sizes from the source: two invocations.
    pub raw_from_source: f64,
    /// The old plan minus two start-ups.
    pub minus_startup_from_source: f64,
    /// The old plan inside one libvips process.
    pub in_process_from_source: f64,
    /// One start-up (half of two on the 16×16 JPEG).
    pub startup: f64,
}

/// Runs one round for `photo`; leaves the listing image in `scratch.file("l")`
/// and its thumbnail in `scratch.file("t")` (optimised Huffman tables).
pub fn round(photo: &Path, scratch: &Scratch) -> Round {
    let (l, t, x) = (scratch.file("l"), scratch.file("t"), scratch.file("x"));
    let listing = thumbnail_ms(&[photo], LISTING, &l, true);
    let thumb = thumbnail_ms(&[&l], THUMB, &t, true);
    let thumb_from_source = thumbnail_ms(&[photo], THUMB, &x, true);
    let startup =
        thumbnail_ms(&[&scratch.tiny], 16, &x, true) + thumbnail_ms(&[&scratch.tiny], 16, &x, true);
    let marginal = |input: &Path, size: u32| {
        let many = vec![input; K];
        (thumbnail_ms(&many, size, &x, true) - thumbnail_ms(&[input], size, &x, true))
            / (K - 1) as f64
    };
    let listing_in_process = marginal(photo, LISTING);
    let thumb_in_process = marginal(&l, THUMB);
    let thumb_from_source_in_process = marginal(photo, THUMB);
    Round {
        raw: listing + thumb,
        minus_startup: listing + thumb - startup,
        in_process: listing_in_process + thumb_in_process,
        raw_from_source: listing + thumb_from_source,
        minus_startup_from_source: listing + thumb_from_source - startup,
        in_process_from_source: listing_in_process + thumb_from_source_in_process,
        startup: startup / 2.0,
    }
}

/// Medians of each figure over `rounds`.
pub fn medians(rounds: &[Round]) -> Round {
    let m = |f: fn(&Round) -> f64| median(rounds.iter().map(f).collect());
    Round {
        raw: m(|r| r.raw),
        minus_startup: m(|r| r.minus_startup),
        in_process: m(|r| r.in_process),
        raw_from_source: m(|r| r.raw_from_source),
        minus_startup_from_source: m(|r| r.minus_startup_from_source),
        in_process_from_source: m(|r| r.in_process_from_source),
        startup: m(|r| r.startup),
    }
}

/// The median (the upper one of an even count).
pub fn median(mut times: Vec<f64>) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}
