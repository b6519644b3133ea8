//! A photo added as the CLI adds it (`farmlive listing photo add ID FILE`),
//! beside vipsthumbnail doing the same job from file to files.
//!
//! Ours, two figures per photo, each on a fresh data folder holding one
//! listing (so nothing dedupes):
//! - *add*: `Core::add_photo_file`: read the file, process it (1280 px listing
//!   image and 320 px thumbnail from it), write both JPEGs to the blob store
//!   (each `fsync`ed, as the store does), and record the op in one SQLite
//!   transaction;
//! - *command*: what the CLI command does besides: open the store, add, read
//!   the listing back, close. Only the process start and printing are left
//!   out (a few ms, like vips' start-up).
//!
//! And, in the same rounds, the pipeline in memory (`farmlive_photo::process`
//! on bytes already read) and vips with the same plan (thumbnail from its own
//! 1280 px output; see `../photo/benches/common/vips.rs`). vips' *raw* is two
//! processes reading and writing files: the peer of *command*. Its
//! *−start-up* and *in-process* figures leave the processes out: the peers of
//! *add*, which still pays for its `fsync`s and transaction.
//!
//! Run: `cargo bench -p farmlive-core --bench photo_add` (the `bench`
//! profile: release with thin LTO; `--profile release` for the mobile
//! release profile). `FARMLIVE_PHOTOS_DIR`, `FARMLIVE_BENCH_RUNS` as for
//! `vs_vipsthumbnail`.

#[path = "common/machine.rs"]
mod machine;
#[path = "../photo/benches/common/vips.rs"]
#[allow(dead_code)] // shared with vs_vipsthumbnail, which uses the rest
mod vips;

use farmlive_core::Core;
use farmlive_core::protocol::{Currency, ListingDraft, ListingId, Money, Unit};
use std::path::Path;
use std::time::Instant;
use vips::median;

/// A data folder holding one listing, closed, as the CLI finds it.
fn prepared_store() -> (tempfile::TempDir, ListingId) {
    let dir = tempfile::tempdir().expect("temp dir");
    let core = Core::open(dir.path()).expect("open");
    let farm = core.add_farm("Bench farm").expect("farm");
    let listing = core
        .create_listing(
            farm.id,
            ListingDraft {
                title: "Guifei mangoes".into(),
                description: "Tree-ripened.".into(),
                unit: Unit::Jin,
                price: Money::from_minor(880, Currency::CNY),
                stock: 500,
            },
        )
        .expect("listing");
    (dir, listing.id)
}

/// (add, command) in ms, on a fresh store.
fn ours_as_cli(photo: &Path) -> (f64, f64) {
    let (dir, listing) = prepared_store();
    let start = Instant::now();
    let core = Core::open(dir.path()).expect("open");
    let added = Instant::now();
    core.add_photo_file(listing, photo).expect("add photo");
    let add_ms = added.elapsed().as_secs_f64() * 1e3;
    let shown = core.listing(listing).expect("read back");
    assert_eq!(shown.photos.len(), 1);
    drop(core);
    (add_ms, start.elapsed().as_secs_f64() * 1e3)
}

fn ours_in_memory(photo: &Path) -> f64 {
    let bytes = std::fs::read(photo).expect("read photo");
    let options = farmlive_core::PipelineOptions::default();
    let start = Instant::now();
    let out = farmlive_photo::process(std::hint::black_box(&bytes), &options);
    let ms = start.elapsed().as_secs_f64() * 1e3;
    assert!(out.is_ok());
    ms
}

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/photos");
    let (dir, photos) = vips::photos(dir, &["jpg", "jpeg"]);
    let runs = vips::runs();
    let version = vips::version();
    println!("{}", machine::describe());
    println!(
        "photo add as the CLI runs it; photos: {} ({} files); median of {runs} rounds after 1 warm-up",
        dir.display(),
        photos.len()
    );
    match &version {
        Some(v) => println!("vipsthumbnail: libvips {v}, thumbnail from its 1280 px output"),
        None => println!("vipsthumbnail: NOT FOUND (apt-get install libvips-tools); ours only"),
    }
    let tmp = std::env::temp_dir().join(format!("farmlive-photo-add-{}", std::process::id()));

    let mut lines = Vec::new();
    for path in &photos {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("?");
        let scratch = version.as_ref().map(|_| vips::Scratch::new(&tmp, path));
        let (mut memory, mut add, mut command, mut rounds) = (vec![], vec![], vec![], vec![]);
        for round in 0..=runs {
            let m = ours_in_memory(path);
            let (a, c) = ours_as_cli(path);
            let v = scratch.as_ref().map(|s| vips::round(path, s));
            if round > 0 {
                memory.push(m);
                add.push(a);
                command.push(c);
                rounds.extend(v);
            }
        }
        let (m, a, c) = (median(memory), median(add), median(command));
        let mut line = format!("{name:<28} {m:>8.1} {a:>8.1} {c:>8.1}");
        if !rounds.is_empty() {
            let v = vips::medians(&rounds);
            line += &format!(
                " {:>9.1} {:>9.1} {:>9.1} {:>11.2} {:>11.2} {:>11.2}",
                v.raw,
                v.minus_startup,
                v.in_process,
                c / v.raw,
                a / v.minus_startup,
                a / v.in_process
            );
        }
        lines.push(line);
    }
    println!();
    println!("Wall time, ms (listing + thumbnail); ratio = ours / vips");
    println!(
        "{:<28} {:>8} {:>8} {:>8} {:>9} {:>9} {:>9} {:>11} {:>11} {:>11}",
        "photo",
        "memory",
        "add",
        "command",
        "vips raw",
        "vips −su",
        "vips in-p",
        "cmd / raw",
        "add / −su",
        "add / in-p"
    );
    lines.iter().for_each(|l| println!("{l}"));
    println!("load average at the end: {}", machine::load_average());
    let _ = std::fs::remove_dir_all(&tmp);
}
