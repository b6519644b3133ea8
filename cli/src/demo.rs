//! `farmlive demo`: a field agent's offline day, with embedded defaults.
//!
//! The agent lists produce for two farms with real photos (one a 12 MP phone
//! photo stored sideways with GPS in its EXIF), edits prices and stock,
//! searches in Chinese and English, and ends with everything queued for sync.

use crate::args::DemoArgs;
use crate::demo_live::LiveOutcome;
use crate::demo_sync::{self, DemoHub, SyncTotals};
use crate::output::{Output, short_id};
use crate::{CmdResult, Failure};
use farmlive_core::protocol::{
    Currency, Delivery, ListingDraft, ListingPatch, ListingStatus, Money, OrderStatus, Unit,
};
use farmlive_core::{Core, Listing, ListingFilter, OrderFilter};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
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
    println!("FarmLive demo — a field agent's day offline, then the farm sells");
    println!("data directory: {}\n", dir.display());
    let rt = crate::runtime::runtime()?;
    let mut t = Timer {
        total: Duration::ZERO,
    };
    let mut totals = SyncTotals::default();

    let (listen, fallback) = match args.listen {
        Some(at) => (at, false),
        None if args.serve => (demo_sync::SERVE_LISTEN, true),
        None => (SocketAddr::from(([127, 0, 0, 1], 0)), false),
    };
    let hub = t.step("start the hub", || {
        let hub = demo_sync::start_hub(&rt, &dir.join("hub"), FARMS, listen, fallback)?;
        let url = format!("{}, RTMP ingest on {}", hub.url, hub.rtmp);
        Ok((hub, url))
    })?;
    let agent = t.step("enrol the agent's tablet (at the office)", || {
        let core = Core::open(dir.join("agent"))?;
        let e = rt.block_on(core.enrol(&hub.url, &hub.agent_code, "field agent tablet"))?;
        let farms: Vec<&str> = e.farms.iter().map(|f| f.name.as_str()).collect();
        Ok((core, format!("agent for {}", farms.join(", "))))
    })?;

    println!("\nIn the villages, offline:");
    let (listings, input_bytes) = offline_session(&agent, &mut t)?;

    println!("\nBack in coverage:");
    let mut timed_sync = |t: &mut Timer, label: &str, core: &Core| -> Result<(), Failure> {
        t.step(label, || {
            let start = Instant::now();
            let r = demo_sync::sync(&rt, core)?;
            totals.add(&r, start.elapsed());
            Ok(((), SyncTotals::describe(&r)))
        })
    };
    timed_sync(&mut t, "the agent syncs (photos first)", &agent)?;
    let farmer = t.step("the farmer enrols their phone", || {
        let core = Core::open(dir.join("farmer"))?;
        rt.block_on(core.enrol(&hub.url, &hub.farmer_code, "Li's phone"))?;
        Ok((core, FARMS[0].to_owned()))
    })?;
    timed_sync(&mut t, "the farmer's phone pulls", &farmer)?;
    t.step("a buyer in Beijing sees the promise, orders", || {
        Ok((
            (),
            crate::demo_promise::route_orders(&rt, &hub, listings[0].id)?,
        ))
    })?;
    let farmer = Arc::new(farmer);
    let live = crate::demo_live::run(
        &rt,
        &hub,
        &farmer,
        &dir,
        args.ingest.as_deref(),
        listings[0].id,
        listings[1].id,
    )?;
    println!("\nAfter the stream, the orders on the farmer's phone:");
    println!();
    let orders = farmer.orders(&OrderFilter::default())?;
    for o in &orders {
        let s = &o.state;
        let delivery = if s.delivery == Delivery::NonContact {
            "NON-CONTACT"
        } else {
            "standard"
        };
        println!(
            "    {}  {} × {} {}  {}  {}  ship {}",
            short_id(&s.id),
            s.title,
            s.quantity,
            s.unit,
            s.total,
            delivery,
            crate::sync_cmd::countdown(o.ship_by - now_ms())
        );
    }
    println!();
    t.step("the dispatch manifest for the trucks", || {
        Ok(((), crate::demo_promise::manifest(&farmer, &dir)?))
    })?;
    t.step("the farmer accepts, packs and ships", || {
        let n = demo_sync::fulfil(&farmer)?;
        Ok((
            (),
            format!("{n} orders shipped with SF Express tracking numbers"),
        ))
    })?;
    timed_sync(&mut t, "the farmer syncs the shipments", &farmer)?;
    timed_sync(&mut t, "the agent syncs again", &agent)?;
    let converged = t.step("compare the two devices", || {
        let (a, f) = (
            demo_sync::fingerprint(&agent, FARMS[0])?,
            demo_sync::fingerprint(&farmer, FARMS[0])?,
        );
        let same = a == f;
        Ok((
            same,
            if same {
                format!("{} listings of {} identical on both", a.len(), FARMS[0])
            } else {
                "the devices DIFFER".into()
            },
        ))
    })?;
    if !converged {
        return Err(Failure {
            bad_input: false,
            message: "the agent's and the farmer's devices did not converge".into(),
            localized: None,
            context: None,
        });
    }

    t.step("the farm's sales", || {
        Ok(((), crate::demo_promise::sales(&farmer)?))
    })?;
    t.step(
        "a question to the experts, heard at once by the watching phone",
        || {
            let line = crate::demo_experts::question(&rt, &hub, &farmer, &dir, LEAF, CUPS)?;
            Ok(((), line))
        },
    )?;
    t.step("an expert publishes a guide with a photo", || {
        let line = crate::demo_experts::publish_guide(&rt, &hub, &dir, CUPS)?;
        crate::demo_sync::sync(&rt, &farmer)?;
        Ok(((), line))
    })?;
    t.step("the programme's guides, offline", || {
        Ok(((), crate::demo_experts::guides(&farmer)?))
    })?;
    println!();
    Output::new(false).listings(&farmer.listings(&ListingFilter::default())?);
    println!();
    summary(
        &agent,
        &farmer,
        &dir,
        input_bytes,
        &totals,
        (&hub, &live),
        t.total,
    )?;
    if args.serve {
        crate::demo_serve::run(&rt, &hub, &farmer, &dir, listings[0].id, listings[1].id)?;
    }
    Ok(())
}

/// The agent's offline work: listings with photos, edits, stock, search.
/// Returns the listings created and the bytes of camera photos used.
fn offline_session(core: &Core, t: &mut Timer) -> Result<(Vec<Listing>, usize), Failure> {
    let farms: Vec<_> = FARMS
        .iter()
        .map(|n| core.resolve_farm(Some(n)))
        .collect::<Result<_, _>>()?;
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
                localized: None,
                context: None,
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
                localized: None,
                context: None,
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
    t.step("operations queued for sync", || {
        let n = core.pending_count()?;
        Ok(((), format!("{n} in the outbox")))
    })?;
    Ok((listings, input_bytes))
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn summary(
    agent: &Core,
    farmer: &Core,
    dir: &Path,
    input_bytes: usize,
    s: &SyncTotals,
    (hub, live): (&DemoHub, &LiveOutcome),
    total: Duration,
) -> CmdResult {
    let photos: usize = agent
        .listings(&ListingFilter::default())?
        .iter()
        .map(|l| l.photos.len())
        .sum();
    let (files, stored) = dir_usage(&dir.join("agent").join("blobs"));
    let orders = farmer.orders(&OrderFilter::default())?;
    let shipped = orders
        .iter()
        .filter(|o| o.state.status == OrderStatus::Shipped)
        .count();
    let revenue: i64 = orders.iter().map(|o| o.state.total.minor).sum();
    println!("Summary");
    println!(
        "  listings   {} shown on the agent's tablet (+1 archived), {photos} with photos",
        agent.listings(&ListingFilter::default())?.len()
    );
    println!(
        "  photos     {files} files, {:.0} KB from {:.0} KB of camera photos, EXIF and GPS stripped",
        stored as f64 / 1024.0,
        input_bytes as f64 / 1024.0
    );
    println!(
        "  orders     {} placed, {shipped} shipped, {} in total",
        orders.len(),
        Money::from_minor(revenue, Currency::CNY)
    );
    let show = &live.summary;
    println!(
        "  stream     {:.1} s on air, {} frames encoded, {} sent, {} dropped, {} reconnects{}",
        show.stream.elapsed_ms as f64 / 1e3,
        show.stream.frames_encoded,
        show.stream.frames_sent,
        show.stream.dropped_video,
        show.stream.reconnects,
        live.recording
            .as_ref()
            .map(|(p, b)| format!(", {:.2} MB recorded to {}", *b as f64 / 1e6, p.display()))
            .unwrap_or_default()
    );
    println!(
        "  live room  {} orders worth {} while on air ({} on the phone before the stream ended), {} comments, {} watching at most",
        show.orders,
        show.takings
            .map(|m| m.to_string())
            .unwrap_or_else(|| "nothing".into()),
        live.orders_on_phone_while_live,
        show.comments,
        show.peak_viewers
    );
    println!(
        "  storefront {}  (served while the demo runs; `farmlive demo --serve` keeps it up)",
        hub.storefront()
    );
    println!(
        "  room page  {}{}",
        live.room_page,
        live.replay
            .as_ref()
            .map(|r| format!(", replay {r}"))
            .unwrap_or_default()
    );
    println!(
        "  sync       {} syncs in {:.0} ms: {} ops pushed ({:.0} B/op gzip), {} photo files ({:.0} KB), {} changes pulled",
        s.syncs,
        s.time.as_secs_f64() * 1e3,
        s.ops,
        if s.ops == 0 {
            0.0
        } else {
            s.push_bytes as f64 / s.ops as f64
        },
        s.photos,
        s.photo_bytes as f64 / 1024.0,
        s.pulled
    );
    println!(
        "  pending    {} ops on the agent, {} on the farmer",
        agent.pending_count()?,
        farmer.pending_count()?
    );
    println!("  total time {:.1} ms", total.as_secs_f64() * 1e3);
    println!(
        "\nLook around: farmlive --data-dir {} orders list",
        dir.join("farmer").display()
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
