//! `farmlive demo --serve`: after the scripted day, the demo hub stays up
//! with a test-pattern show on air until Ctrl-C, so that a newcomer can open
//! the storefront in a browser, watch, order, and see the order arrive on
//! the farmer's side: the farmer's device follows the room (the core's
//! [`Show`], as `farmlive live --room` does) and prints each order and
//! comment as it arrives; each order is synced to the device, taking stock
//! there too.

use crate::demo_live::replay_written;
use crate::demo_sync::DemoHub;
use crate::room_cmd::describe;
use crate::{CmdResult, Failure};
use farmlive_core::protocol::{Currency, ListingId, Money};
use farmlive_core::room::RoomLink;
use farmlive_core::{Core, FollowOptions, OrderFilter, RoomSetup, Show, ShowConfig, ShowEvent};
use farmlive_live::{AudioInput, LiveConfig, VideoInput};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::time::{Duration, Instant};
use tokio::runtime::Runtime;

/// The served room's title.
const TITLE: &str = "李家果园全天直播 · Li's orchard, live all day";
/// The mangoes' live price while served.
const LIVE_PRICE: &str = "8.50";
/// How often a line says the show is still on air.
const STATUS_EVERY: Duration = Duration::from_secs(60);

/// Minutes and seconds since `start`, for event lines.
fn clock(start: Instant) -> String {
    let s = start.elapsed().as_secs();
    format!("{:>3}:{:02}", s / 60, s % 60)
}

/// Keeps a show selling `mango` (pinned at a live price) and `lychee` on
/// air through `hub` until Ctrl-C, printing what the farmer's device sees;
/// then ends the room (the hub writes its replay) and returns.
pub fn run(
    rt: &Runtime,
    hub: &DemoHub,
    farmer: &Arc<Core>,
    dir: &Path,
    mango: ListingId,
    lychee: ListingId,
) -> CmdResult {
    // Installed first: from here on Ctrl-C ends the show cleanly.
    let stop = crate::live_cmd::ctrl_c_flag();
    // Small and steady: it may stay on air for hours on a laptop.
    let mut live = LiveConfig::new(640, 360);
    live.fps = 25;
    live.keyframe_interval = Duration::from_secs(1);
    live.video = VideoInput::TestPattern;
    live.audio = AudioInput::Tone(440.0);
    live.duration = None;
    let farm = farmer.listing(mango)?.farm_id;
    let (tx, rx) = mpsc::channel::<ShowEvent>();
    let show = rt.block_on(Show::start(
        farmer.clone(),
        ShowConfig {
            live,
            room: Some(RoomSetup {
                farm,
                title: TITLE.into(),
                shelf: vec![mango, lychee],
                playback_url: None,
            }),
            follow: FollowOptions::default(),
        },
        Arc::new(move |e| {
            let _ = tx.send(e);
        }),
    ))?;
    let room = show.room().ok_or_else(|| Failure {
        bad_input: false,
        message: "the show has no room".into(),
        localized: None,
        context: None,
    })?;
    let live_price = Money::parse(LIVE_PRICE, Currency::CNY).map_err(Failure::input)?;
    rt.block_on(show.pin(mango, Some(live_price)))?;
    let flv = hub.live_flv(room.id);
    println!("\nServing — the hub and a test-pattern show stay on air until Ctrl-C:");
    println!("  storefront   {}", hub.storefront());
    println!("  room page    {}", hub.room_page(room.id));
    println!("  watch        ffplay {flv}");
    println!(
        "  publish      the show goes to the hub's RTMP ingest on {}",
        hub.rtmp
    );
    println!(
        "  farmer data  farmlive --data-dir {} orders list",
        dir.join("farmer").display()
    );
    println!(
        "Open the room page in a browser and order: the farmer's phone follows the room, and each order or comment appears below."
    );

    let start = Instant::now();
    let mut last_status = Instant::now();
    while !stop.load(Ordering::Relaxed) && !show.stream_finished() {
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(ShowEvent::Room(e)) => println!("  {}  {}", clock(start), describe(&e)),
            Ok(ShowEvent::OrdersSynced { .. }) => {
                let orders = farmer.orders(&OrderFilter::default())?.len();
                let l = farmer.listing(mango)?;
                println!(
                    "  {}  ⇅ the farmer's phone synced: {orders} order(s) on it; {} {} {} left",
                    clock(start),
                    l.title,
                    l.stock,
                    l.unit
                );
            }
            Ok(ShowEvent::Link(RoomLink::Reconnecting { error, .. })) => {
                println!(
                    "  {}  … room events dropped ({error}); reconnecting",
                    clock(start)
                );
            }
            Ok(ShowEvent::Stream(s)) if last_status.elapsed() >= STATUS_EVERY => {
                last_status = Instant::now();
                println!(
                    "  {}  {}",
                    clock(start),
                    crate::live_cmd::status_line(&s, true)
                );
            }
            Ok(ShowEvent::Problem(p)) => println!("  ! {p}"),
            _ => {}
        }
    }
    let interrupted = stop.load(Ordering::Relaxed);
    println!("\nStopping: the room ends and the hub writes its replay…");
    let summary = rt.block_on(show.stop())?;
    // The room's last events (its end) arrived while stopping.
    for event in rx.try_iter() {
        if let ShowEvent::Room(e) = event {
            println!("  {}  {}", clock(start), describe(&e));
        }
    }
    println!(
        "  served {:.0} s: {} order(s){}, {} comment(s), {} watching at most",
        start.elapsed().as_secs_f64(),
        summary.orders,
        summary
            .takings
            .map(|m| format!(" worth {m}"))
            .unwrap_or_default(),
        summary.comments,
        summary.peak_viewers
    );
    let replay = hub.replay(room.id);
    let segments = rt.block_on(replay_written(&replay))?;
    let files = farmlive_hub::media::hls_writer::live_root(&dir.join("hub").join("hub.db"))
        .join(room.id.to_string());
    println!(
        "  replay       {replay} ({segments} segments, kept in {})",
        files.display()
    );
    if !interrupted {
        return Err(Failure {
            bad_input: false,
            message: "the served show's stream stopped by itself".into(),
            localized: None,
            context: None,
        });
    }
    Ok(())
}
