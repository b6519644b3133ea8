//! `farmlive demo`: a field agent's offline day, with embedded defaults.
//!
//! The agent lists produce for two farms with real photos (one a 12 MP phone
//! photo stored sideways with GPS in its EXIF), edits prices and stock,
//! searches in Chinese and English, and ends with everything queued for sync.

use crate::args::DemoArgs;
use crate::output::{Output, short_id};
use crate::{CmdResult, Failure};
use farmlive_core::protocol::{Currency, ListingDraft, ListingPatch, ListingStatus, Money, Unit};
use farmlive_core::{Core, Listing, ListingFilter};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use unicode_width::UnicodeWidthStr;

/// Photos shipped in the binary (attribution: testdata/README.md).
const PHONE_PHOTO: &[u8] = include_bytes!("../../testdata/photos/phone-12mp-exif-rotated.jpg");
const CUPS: &[u8] = include_bytes!("../../testdata/photos/cups-2560x1600.jpg");
const LEAF: &[u8] = include_bytes!("../../testdata/photos/leaf-2560x1600.jpg");
const FOREST: &[u8] = include_bytes!("../../testdata/photos/forest-2560x1600.jpg");
const NOT_A_PHOTO: &[u8] = include_bytes!("../../testdata/bad-photos/not-an-image.jpg");

struct Produce {
    farm: usize,
    title: &'static str,
    description: &'static str,
    unit: Unit,
    price: &'static str,
    stock: i64,
    photo: Option<(&'static str, &'static [u8])>,
}

const FARMS: [&str; 2] = ["李家果园", "Green Valley Farm"];

const PRODUCE: &[Produce] = &[
    Produce {
        farm: 0,
        title: "海南贵妃芒果",
        description: "树上自然熟，今早现摘。Tree-ripened Guifei mangoes, picked this morning.",
        unit: Unit::Jin,
        price: "8.8",
        stock: 500,
        photo: Some(("12 MP phone photo, EXIF-rotated, with GPS", PHONE_PHOTO)),
    },
    Produce {
        farm: 0,
        title: "妃子笑荔枝",
        description: "Feizixiao lychees, sweet and juicy. 当天发货。",
        unit: Unit::Jin,
        price: "12",
        stock: 300,
        photo: Some(("leaf 2560x1600", LEAF)),
    },
    Produce {
        farm: 0,
        title: "龙眼 Longan",
        description: "",
        unit: Unit::Kg,
        price: "16.50",
        stock: 120,
        photo: None,
    },
    Produce {
        farm: 1,
        title: "Organic avocados",
        description: "Hass avocados, ripe in 3 days.",
        unit: Unit::Box,
        price: "68",
        stock: 40,
        photo: Some(("cups 2560x1600", CUPS)),
    },
    Produce {
        farm: 1,
        title: "Free-range eggs",
        description: "Brown eggs from pasture-raised hens.",
        unit: Unit::Dozen,
        price: "18",
        stock: 60,
        photo: None,
    },
    Produce {
        farm: 1,
        title: "Sweet corn",
        description: "Picked at dawn.",
        unit: Unit::Piece,
        price: "2.5",
        stock: 400,
        photo: Some(("forest 2560x1600", FOREST)),
    },
];

struct Timer {
    total: Duration,
}

impl Timer {
    /// Runs one step and prints what it did and how long it took.
    fn step<T>(
        &mut self,
        label: &str,
        f: impl FnOnce() -> Result<(T, String), Failure>,
    ) -> Result<T, Failure> {
        let start = Instant::now();
        let (value, detail) = f()?;
        let elapsed = start.elapsed();
        self.total += elapsed;
        let pad = " ".repeat(38usize.saturating_sub(label.width()));
        println!(
            "  ✓ {label}{pad}{:>8.1} ms  {detail}",
            elapsed.as_secs_f64() * 1e3
        );
        Ok(value)
    }
}

fn demo_dir(args: &DemoArgs) -> Result<PathBuf, Failure> {
    match &args.demo_dir {
        Some(dir) => {
            let empty = std::fs::read_dir(dir).map_or(true, |mut d| d.next().is_none());
            if !empty {
                return Err(Failure::input(format!(
                    "{} is not empty; the demo needs a fresh directory",
                    dir.display()
                )));
            }
            Ok(dir.clone())
        }
        None => {
            let stamp = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis())
                .unwrap_or_default();
            Ok(std::env::temp_dir().join(format!("farmlive-demo-{}-{stamp}", std::process::id())))
        }
    }
}

/// Runs the demo.
pub fn run(args: &DemoArgs) -> CmdResult {
    let dir = demo_dir(args)?;
    println!("FarmLive demo — a field agent's day offline");
    println!("data directory: {}\n", dir.display());
    let mut t = Timer {
        total: Duration::ZERO,
    };

    let core = t.step("open the device store", || {
        let core = Core::open(&dir)?;
        let detail = format!(
            "schema v{}, device {}",
            farmlive_core::SCHEMA_VERSION,
            short_id(&core.device_id())
        );
        Ok((core, detail))
    })?;
    let farms = t.step("add the farms the agent serves", || {
        let farms = FARMS
            .iter()
            .map(|n| core.add_farm(n))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((farms, FARMS.join(", ")))
    })?;
    let listings = t.step("create listings (中文 + English)", || {
        let mut out = Vec::new();
        for p in PRODUCE {
            let draft = ListingDraft {
                title: p.title.into(),
                description: p.description.into(),
                unit: p.unit,
                price: Money::parse(p.price, Currency::CNY).map_err(Failure::input)?,
                stock: p.stock,
            };
            out.push(core.create_listing(farms[p.farm].id, draft)?);
        }
        let n = out.len();
        Ok((out, format!("{n} listings")))
    })?;

    let input_bytes: usize = PRODUCE
        .iter()
        .filter_map(|p| p.photo)
        .map(|(_, b)| b.len())
        .sum();
    for (listing, p) in listings.iter().zip(PRODUCE) {
        if let Some((what, bytes)) = p.photo {
            t.step(&format!("photo for {}", listing.title), || {
                let photo = core.add_photo_bytes(listing.id, bytes)?;
                Ok(((), format!("{what} → {}x{}", photo.width, photo.height)))
            })?;
        }
    }
    t.step("same photo again on another listing", || {
        let photo = core.add_photo_bytes(listings[2].id, LEAF)?;
        Ok(((), format!("stored once (sha256 {}…)", &photo.sha256[..12])))
    })?;
    t.step("a text file picked as a photo", || {
        match core.add_photo_bytes(listings[4].id, NOT_A_PHOTO) {
            Err(e) => Ok(((), format!("refused: \"{e}\"; nothing written"))),
            Ok(_) => Err(Failure {
                bad_input: false,
                message: "a text file was accepted as a photo".into(),
            }),
        }
    })?;
    t.step("a negative price", || {
        let patch = ListingPatch {
            price: Some(Money::from_minor(-100, Currency::CNY)),
            ..Default::default()
        };
        match core.edit_listing(listings[0].id, patch) {
            Err(e) => Ok(((), format!("refused: \"{e}\""))),
            Ok(_) => Err(Failure {
                bad_input: false,
                message: "a negative price was accepted".into(),
            }),
        }
    })?;
    t.step("edit price and description", || {
        let price = Money::parse("9.5", Currency::CNY).map_err(Failure::input)?;
        let l = core.edit_listing(
            listings[0].id,
            ListingPatch {
                price: Some(price),
                ..Default::default()
            },
        )?;
        core.edit_listing(
            listings[3].id,
            ListingPatch {
                description: Some("Hass avocados, ripe in 2–3 days. 牛油果".into()),
                ..Default::default()
            },
        )?;
        Ok(((), format!("{} now {}/{}", l.title, l.price, l.unit)))
    })?;
    t.step("stock: harvest in, eggs sold, recount", || {
        let mango = core.adjust_stock(listings[0].id, 200)?;
        let eggs = core.adjust_stock(listings[4].id, -12)?;
        core.set_stock(listings[1].id, 280)?;
        Ok((
            (),
            format!("mangoes {} jin, eggs {} dozen", mango.stock, eggs.stock),
        ))
    })?;
    t.step("pause corn, archive longan", || {
        core.set_listing_status(listings[5].id, ListingStatus::Paused)?;
        core.set_listing_status(listings[2].id, ListingStatus::Archived)?;
        Ok(((), String::new()))
    })?;
    for query in ["芒果", "妃子笑", "avocado", "brown eggs"] {
        t.step(&format!("search \"{query}\""), || {
            let hits: Vec<Listing> = core.search(query, 10)?;
            let titles: Vec<&str> = hits.iter().map(|l| l.title.as_str()).collect();
            Ok(((), format!("{} hit(s): {}", hits.len(), titles.join(", "))))
        })?;
    }

    println!();
    let all = core.listings(&ListingFilter::default())?;
    Output { json: false }.listings(&all);
    println!();
    summary(&core, &dir, input_bytes, t.total)
}

fn summary(core: &Core, dir: &Path, input_bytes: usize, total: Duration) -> CmdResult {
    let photos: usize = core
        .listings(&ListingFilter::default())?
        .iter()
        .map(|l| l.photos.len())
        .sum();
    let (files, stored) = dir_usage(&dir.join("blobs"));
    println!("Summary");
    println!(
        "  listings        {} shown (+1 archived)",
        core.listings(&ListingFilter::default())?.len()
    );
    println!(
        "  photos          {photos} on listings, {files} files on disk: {:.0} KB from {:.0} KB of camera photos, EXIF and GPS stripped",
        stored as f64 / 1024.0,
        input_bytes as f64 / 1024.0
    );
    println!(
        "  waiting to sync {} operations in the outbox",
        core.pending_count()?
    );
    println!("  total time      {:.1} ms", total.as_secs_f64() * 1e3);
    println!(
        "\nLook around: farmlive --data-dir {} listing list",
        dir.display()
    );
    Ok(())
}

/// Counts files and bytes under a folder.
fn dir_usage(dir: &Path) -> (usize, u64) {
    let mut files = 0;
    let mut bytes = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            match entry.metadata() {
                Ok(m) if m.is_dir() => stack.push(entry.path()),
                Ok(m) => {
                    files += 1;
                    bytes += m.len();
                }
                Err(_) => {}
            }
        }
    }
    (files, bytes)
}
