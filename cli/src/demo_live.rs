//! The demo's live step: the farmer goes live (test pattern and tone,
//! published to the demo hub's own ingest and recorded to an FLV file, or
//! published to an external `--ingest`), opens a room with
//! mangoes and lychees on the shelf, pins mangoes at a live price, and
//! watches simulated buyers comment and order — one with non-contact
//! delivery, one after the unpin at the usual price, one for more than
//! there is. The orders reach the farmer's phone while on air. The room's
//! page is printed while on air, and checked: it answers, its video
//! streams, and once the room ends the hub has its recording.

use crate::demo_sync::{DemoHub, get};
use crate::room_cmd::describe;
use crate::{CmdResult, Failure};
use farmlive_core::protocol::api::media;
use farmlive_core::protocol::room::{RoomEvent, RoomEventBody};
use farmlive_core::protocol::{
    BuyerContact, Currency, Delivery, ListingId, Money, OrderState, RoomId,
};
use farmlive_core::sync::BuyerClient;
use farmlive_core::{
    CancelToken, Core, FollowOptions, OrderFilter, RoomSetup, Show, ShowConfig, ShowEvent,
    ShowSummary,
};
use farmlive_live::{AudioInput, IngestUrl, LiveConfig, VideoInput};
use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};
use tokio::runtime::Runtime;

/// How long the demo stays on air.
const ON_AIR: Duration = Duration::from_secs(12);
/// When the farmer unpins the mangoes.
const UNPIN_AT: Duration = Duration::from_secs(8);
/// The mangoes' live price.
const LIVE_PRICE: &str = "7.80";

/// What the live step did, for the summary.
pub struct LiveOutcome {
    /// The show's own figures.
    pub summary: ShowSummary,
    /// Orders in the farmer's local store before the stream ended.
    pub orders_on_phone_while_live: usize,
    /// The recording and its size in bytes, when not publishing to an ingest.
    pub recording: Option<(std::path::PathBuf, u64)>,
    /// The room's page on the demo hub.
    pub room_page: String,
    /// The hub's recording of the show (HLS VOD), when it carried the video.
    pub replay: Option<String>,
}

fn fail(message: impl Into<String>) -> Failure {
    Failure {
        bad_input: false,
        message: message.into(),
        localized: None,
        context: None,
    }
}

fn contact(name: &str, phone: &str, address: &str) -> BuyerContact {
    BuyerContact {
        name: name.into(),
        phone: phone.into(),
        address: address.into(),
    }
}

/// Goes live for [`ON_AIR`] with a room selling `mango` (pinned at a live
/// price) and `lychee`.
pub fn run(
    rt: &Runtime,
    hub: &DemoHub,
    farmer: &Arc<Core>,
    dir: &Path,
    ingest: Option<&str>,
    mango: ListingId,
    lychee: ListingId,
) -> Result<LiveOutcome, Failure> {
    let mut live = LiveConfig::new(1280, 720);
    live.video = VideoInput::TestPattern;
    live.audio = AudioInput::Tone(440.0);
    live.duration = Some(ON_AIR);
    let record = dir.join("live.flv");
    let target = match ingest {
        Some(url) => {
            let url = IngestUrl::parse(url).map_err(|e| Failure::input(e.to_string()))?;
            let shown = url.to_string();
            live.ingest = Some(url);
            shown
        }
        None => {
            // The room's own ingest on the demo hub (Show::start's default).
            live.record = Some(record.clone());
            format!(
                "the demo hub's ingest (rtmp://{}/{}/…), recorded to {}",
                hub.rtmp,
                media::INGEST_APP,
                record.display()
            )
        }
    };
    let farm = farmer.listing(mango)?.farm_id;
    println!(
        "\nOn air: {} s of test pattern and tone, 1280x720@30 → {target}",
        ON_AIR.as_secs()
    );
    let (tx, rx) = mpsc::channel::<ShowEvent>();
    let show = rt.block_on(Show::start(
        farmer.clone(),
        ShowConfig {
            live,
            room: Some(RoomSetup {
                farm,
                title: "芒果现摘直播 · Mango harvest, live".into(),
                shelf: vec![mango, lychee],
                playback_url: None,
            }),
            follow: FollowOptions::default(),
        },
        Arc::new(move |e| {
            let _ = tx.send(e);
        }),
    ))?;
    let start = Instant::now();
    let room = show.room().ok_or_else(|| fail("the show has no room"))?;
    let to_ingest = ingest.is_some() || show.publishes_to_hub();
    let room_page = hub.room_page(room.id);
    println!("  room page  {room_page}  (open it in a browser while on air)");
    let web = rt.spawn(check_web(
        room_page.clone(),
        show.publishes_to_hub().then(|| hub.live_flv(room.id)),
        room.title.clone(),
    ));
    let mut web = Some(web);
    let live_price = Money::parse(LIVE_PRICE, Currency::CNY).map_err(Failure::input)?;
    rt.block_on(show.pin(mango, Some(live_price)))?;
    let buyers = rt.spawn(buyers(hub.url.clone(), room.id, mango, start));
    let mut unpinned = false;
    let mut on_phone = 0;
    let mut room_events: Vec<RoomEvent> = Vec::new();
    while !show.stream_finished() {
        if !unpinned && start.elapsed() >= UNPIN_AT {
            rt.block_on(show.unpin())?;
            unpinned = true;
        }
        if web.as_ref().is_some_and(|w| w.is_finished()) {
            if let Some(checked) = web.take() {
                let line = rt
                    .block_on(checked)
                    .map_err(|e| fail(format!("the web check failed: {e}")))??;
                println!("  +{:>4.1} s  {line}", start.elapsed().as_secs_f64());
            }
        }
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(ShowEvent::Room(e)) => {
                println!(
                    "  +{:>4.1} s  {}",
                    start.elapsed().as_secs_f64(),
                    describe(&e)
                );
                room_events.push(e);
            }
            Ok(ShowEvent::OrdersSynced { .. }) => {
                on_phone = farmer.orders(&OrderFilter::default())?.len();
                println!(
                    "  +{:>4.1} s  ⇅ the phone synced: {on_phone} order(s) on it now, ready to pack",
                    start.elapsed().as_secs_f64()
                );
            }
            Ok(ShowEvent::Stream(s)) if s.elapsed_ms / 1000 % 4 == 0 => {
                println!(
                    "  +{:>4.1} s  {}",
                    start.elapsed().as_secs_f64(),
                    crate::live_cmd::status_line(&s, to_ingest)
                );
            }
            Ok(ShowEvent::Problem(p)) => println!("  ! {p}"),
            _ => {}
        }
    }
    let lines = rt
        .block_on(buyers)
        .map_err(|e| fail(format!("the buyers failed: {e}")))??;
    if let Some(checked) = web.take() {
        let line = rt
            .block_on(checked)
            .map_err(|e| fail(format!("the web check failed: {e}")))??;
        println!("  +{:>4.1} s  {line}", start.elapsed().as_secs_f64());
    }
    let to_hub = show.publishes_to_hub();
    let summary = rt.block_on(show.stop())?;
    while let Ok(ShowEvent::Room(e)) = rx.try_recv() {
        println!(
            "  +{:>4.1} s  {}",
            start.elapsed().as_secs_f64(),
            describe(&e)
        );
        room_events.push(e);
    }
    for line in lines {
        println!("  buyer side: {line}");
    }
    check(&room_events, live_price)?;
    let replay = if to_hub {
        let url = hub.replay(room.id);
        let segments = rt.block_on(replay_written(&url))?;
        println!("  the hub recorded the show: {segments} HLS segments, replay at {url}");
        Some(url)
    } else {
        None
    };
    let recording = ingest.is_none().then(|| {
        (
            record.clone(),
            std::fs::metadata(&record).map(|m| m.len()).unwrap_or(0),
        )
    });
    Ok(LiveOutcome {
        summary,
        orders_on_phone_while_live: on_phone,
        recording,
        room_page,
        replay,
    })
}

/// A buyer's browser, a few seconds in: the room page answers with the
/// room in it, and (when the hub carries the video) its HTTP-FLV streams.
async fn check_web(page: String, flv: Option<String>, title: String) -> Result<String, Failure> {
    tokio::time::sleep(Duration::from_secs(3)).await;
    let got = get(&page, 1 << 20).await?;
    let html = String::from_utf8_lossy(&got.body);
    let first_words = title.split(" · ").next().unwrap_or(&title);
    if got.status != 200 || !html.contains(first_words) {
        return Err(fail(format!(
            "the room page {page} answered {} without the room's title",
            got.status
        )));
    }
    let mut line = format!(
        "🌐 the room page answered 200 ({} KB)",
        got.body.len() / 1024
    );
    if let Some(flv) = flv {
        let video = get(&flv, 64 * 1024).await?;
        if video.status != 200 || !video.body.starts_with(b"FLV") {
            return Err(fail(format!(
                "the room's video {flv} answered {} without FLV",
                video.status
            )));
        }
        line.push_str(&format!(
            "; the hub relays the video: {} KB of FLV read from {flv}",
            video.body.len() / 1024
        ));
    }
    Ok(line)
}

/// Waits (briefly) for the hub to write an ended room's replay playlist;
/// how many segments it lists.
pub async fn replay_written(url: &str) -> Result<usize, Failure> {
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        let got = get(url, 1 << 20).await?;
        let text = String::from_utf8_lossy(&got.body);
        if got.status == 200 && text.contains("#EXT-X-ENDLIST") {
            return Ok(text.lines().filter(|l| l.starts_with("#EXTINF")).count());
        }
        if Instant::now() >= until {
            return Err(fail(format!(
                "the hub wrote no replay at {url} (it answered {})",
                got.status
            )));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The live price went to every order placed while pinned, and to none after.
fn check(events: &[RoomEvent], live: Money) -> CmdResult {
    let mut pinned = false;
    let mut orders = 0;
    for e in events {
        match &e.body {
            RoomEventBody::Pinned { .. } => pinned = true,
            RoomEventBody::Unpinned { .. } | RoomEventBody::Ended => pinned = false,
            RoomEventBody::OrderPlaced {
                unit_price,
                live_price,
                title,
                ..
            } => {
                orders += 1;
                let is_mango = title.contains("芒果");
                if is_mango && pinned != (*live_price && *unit_price == live) {
                    return Err(fail(format!(
                        "an order for {title} got {unit_price} while the live price was {}",
                        if pinned { "on" } else { "off" }
                    )));
                }
            }
            _ => {}
        }
    }
    if orders < 4 {
        return Err(fail(format!(
            "the farmer saw {orders} orders on air, not 4"
        )));
    }
    Ok(())
}

/// The buyers' side, on a timeline: watch, comment, order.
async fn buyers(
    hub: String,
    room: RoomId,
    mango: ListingId,
    on_air: Instant,
) -> Result<Vec<String>, Failure> {
    let at = |secs: f64| tokio::time::sleep(Duration::from_secs_f64(secs));
    let (fang, _) = BuyerClient::sign_up(
        &hub,
        &contact("王芳", "+86 138 0013 8000", "三亚市天涯区椰梦路 8 号"),
    )
    .await?;
    let (amina, _) = BuyerClient::sign_up(
        &hub,
        &contact(
            "Amina Wanjiru",
            "+254 700 123 456",
            "14 Moi Avenue, Nairobi",
        ),
    )
    .await?;
    let (wei, _) = BuyerClient::sign_up(
        &hub,
        &contact("陈伟", "+86 139 0000 1234", "海口市美兰区 2 号"),
    )
    .await?;
    let (greedy, _) =
        BuyerClient::sign_up(&hub, &contact("Greedy Gus", "+86 1", "somewhere")).await?;
    let fang = Arc::new(fang);
    let amina = Arc::new(amina);
    // Two of them watch; the farmer sees them join and leave.
    let watching = CancelToken::new();
    let mut watchers = Vec::new();
    for viewer in [fang.clone(), amina.clone()] {
        let cancel = watching.clone();
        watchers.push(tokio::spawn(async move {
            let _ = viewer.watch(room, 0, &cancel, &|_| {}, &|_| {}).await;
        }));
    }
    let mut lines = Vec::new();
    let ordered = |o: &OrderState| {
        format!(
            "bought {} {} {} at {} = {}",
            o.quantity, o.unit, o.title, o.unit_price, o.total
        )
    };
    at(1.5).await;
    fang.comment(room, "甜吗？今天能发货吗？").await?;
    at(1.0).await;
    let o = fang
        .order_in_room(room, None, 6, Delivery::NonContact, "fang-1")
        .await?;
    lines.push(format!("王芳 {}", ordered(&o)));
    at(0.8).await;
    amina.comment(room, "Do you ship to Nairobi? 🥭").await?;
    at(0.7).await;
    let o = amina
        .order_in_room(room, None, 10, Delivery::Standard, "amina-1")
        .await?;
    lines.push(format!("Amina {}", ordered(&o)));
    at(0.8).await;
    let shelf = wei.room(room).await?.shelf;
    let lychee = shelf.iter().find(|l| l.id != mango).map(|l| l.id);
    let o = wei
        .order_in_room(room, lychee, 5, Delivery::Standard, "wei-1")
        .await?;
    lines.push(format!("陈伟 {}", ordered(&o)));
    at(0.5).await;
    match greedy
        .order_in_room(room, None, 5_000, Delivery::Standard, "greedy-1")
        .await
    {
        Err(e) => lines.push(format!("an order for 5000 jin refused: \"{e}\"")),
        Ok(_) => return Err(fail("an impossible order was accepted")),
    }
    // After the farmer unpins (at 8 s), mangoes cost their usual price again.
    tokio::time::sleep_until((on_air + UNPIN_AT + Duration::from_millis(700)).into()).await;
    let o = wei.order(mango, 2, Delivery::Standard, "wei-2").await?;
    lines.push(format!("陈伟 (after the unpin) {}", ordered(&o)));
    at(1.0).await;
    watching.cancel();
    for w in watchers {
        let _ = w.await;
    }
    Ok(lines)
}
