//! `farmlive live ... --room TITLE`: go live and sell. The stream and the
//! room start and stop together; a dashboard shows the stream's figures, the
//! pinned product, and orders and comments as they arrive. While on air,
//! type `pin N [PRICE]`, `unpin` or `stop` (N: the shelf number).

use crate::live_cmd::{LiveArgs, stats_json, status_line};
use crate::{CmdResult, Failure};
use farmlive_core::protocol::room::{RoomEvent, RoomEventBody, RoomView};
use farmlive_core::protocol::{ListingId, ListingStatus, Money};
use farmlive_core::room::RoomLink;
use farmlive_core::room::display::DisplayEvent;
use farmlive_core::{Core, ListingFilter, RoomSetup, Show, ShowConfig, ShowEvent, ShowSummary};
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

/// One line for a room event, as the farmer's dashboard and `buyer watch` show
/// it (core's display model, shared with the app's live screen).
pub fn describe(event: &RoomEvent) -> String {
    DisplayEvent::from(event.clone()).to_string()
}

/// The pinned product, for the status line.
pub fn pinned_line(room: &RoomView) -> String {
    match room.pinned() {
        Some((listing, price)) => format!(
            "pinned: {} {price}/{}{}",
            listing.title,
            listing.unit,
            if price == listing.price {
                ""
            } else {
                " (live)"
            }
        ),
        None => "nothing pinned".into(),
    }
}

enum Ui {
    Show(ShowEvent),
    Typed(String),
}

/// The room's shelf: the listings named, else the farm's active ones.
fn shelf(
    core: &Core,
    farm: farmlive_core::protocol::FarmId,
    ids: &[String],
) -> Result<Vec<ListingId>, Failure> {
    if !ids.is_empty() {
        return ids
            .iter()
            .map(|s| s.parse().map_err(Failure::input))
            .collect();
    }
    let listings = core.listings(&ListingFilter {
        farm: Some(farm),
        status: Some(ListingStatus::Active),
        limit: farmlive_core::protocol::room::SHELF_MAX as u32,
    })?;
    if listings.is_empty() {
        return Err(Failure::input(
            "this farm has no active listing to sell; add one with `farmlive listing add`",
        ));
    }
    Ok(listings.iter().map(|l| l.id).collect())
}

/// Parses a price for `listing` in its currency.
fn price_for(core: &Core, listing: ListingId, text: &str) -> Result<Money, Failure> {
    let currency = core.listing(listing)?.price.currency;
    Money::parse(text, currency).map_err(Failure::input)
}

/// Runs `farmlive live --room`.
pub fn run(data_dir: &Path, args: LiveArgs, json: bool) -> CmdResult {
    let core = Arc::new(crate::open_dir(data_dir)?);
    if core.hub_url()?.is_none() {
        return Err(farmlive_core::Error::NotEnrolled.into());
    }
    let title = args.room.clone().unwrap_or_default();
    let farm = core.resolve_farm(args.farm.as_deref())?;
    let shelf = shelf(&core, farm.id, &args.shelf)?;
    let pin = args.pin.as_deref().map(|p| pick(&shelf, p)).transpose()?;
    let live_price = match (&args.live_price, pin) {
        (Some(p), Some(l)) => Some(price_for(&core, l, p)?),
        (Some(_), None) => return Err(Failure::input("--live-price needs --pin")),
        _ => None,
    };
    let live = crate::live_cmd::config(&args)?;
    let mut to_ingest = live.ingest.is_some();
    let mut target = live
        .ingest
        .as_ref()
        .map(|u| u.to_string())
        .unwrap_or_default();
    let rt = crate::runtime::runtime()?;
    let (tx, rx) = mpsc::channel::<Ui>();
    let listener = {
        let tx = tx.clone();
        Arc::new(move |e: ShowEvent| {
            let _ = tx.send(Ui::Show(e));
        })
    };
    let setup = RoomSetup {
        farm: farm.id,
        title,
        shelf,
        playback_url: args.playback.clone(),
    };
    let show = rt.block_on(Show::start(
        core.clone(),
        ShowConfig {
            live,
            room: Some(setup),
            follow: Default::default(),
        },
        listener,
    ))?;
    if show.publishes_to_hub() {
        to_ingest = true;
        target = "the hub's ingest".into();
    }
    let room = show.room();
    if !json {
        if let Some(r) = &room {
            eprintln!(
                "on air: \"{}\" for {} — room {} with {} listing(s) on the shelf",
                r.title,
                r.farm.name,
                r.id,
                r.shelf.len()
            );
            for (i, l) in r.shelf.iter().enumerate() {
                eprintln!(
                    "  {}. {}  {}/{}  {} left",
                    i + 1,
                    l.title,
                    l.price,
                    l.unit,
                    l.stock
                );
            }
            if let (true, Some(path), Some(hub)) =
                (show.publishes_to_hub(), &r.live_flv, core.hub_url()?)
            {
                eprintln!(
                    "video: publishing to the hub; buyers watch at {}{path}",
                    hub.trim_end_matches('/')
                );
            }
            eprintln!("type: pin N [PRICE] | unpin | stop   (Ctrl-C stops too)");
        }
    }
    if let Some(listing) = pin {
        rt.block_on(show.pin(listing, live_price))?;
    }
    read_commands(tx);
    let stop = crate::live_cmd::ctrl_c_flag();
    let mut board = Board::new(json, to_ingest, room);
    while !show.stream_finished() && !stop.load(std::sync::atomic::Ordering::Relaxed) {
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(Ui::Show(e)) => board.show(&e),
            Ok(Ui::Typed(line)) => match command(&rt, &core, &show, &line) {
                Ok(Some(())) => break,
                Ok(None) => board.room = show.room(),
                Err(f) => board.note(&format!("error: {}", f.message)),
            },
            Err(_) => {}
        }
    }
    let summary = rt.block_on(show.stop())?;
    while let Ok(Ui::Show(e)) = rx.try_recv() {
        board.show(&e);
    }
    board.finish(&summary);
    crate::live_cmd::nothing_reached_the_ingest(to_ingest, &summary.stream, &target)
}

/// A shelf number (1-based) or a listing id.
fn pick(shelf: &[ListingId], which: &str) -> Result<ListingId, Failure> {
    if let Ok(n) = which.trim().parse::<usize>() {
        return shelf
            .get(n.wrapping_sub(1))
            .copied()
            .ok_or_else(|| Failure::input(format!("the shelf has listings 1 to {}", shelf.len())));
    }
    which.parse().map_err(Failure::input)
}

/// Runs a typed command; `Some` means stop.
fn command(
    rt: &tokio::runtime::Runtime,
    core: &Core,
    show: &Show,
    line: &str,
) -> Result<Option<()>, Failure> {
    let words: Vec<&str> = line.split_whitespace().collect();
    match words.as_slice() {
        [] => Ok(None),
        ["stop" | "quit" | "q"] => Ok(Some(())),
        ["unpin"] => rt.block_on(show.unpin()).map(|_| None).map_err(Into::into),
        ["pin", which, rest @ ..] => {
            let shelf: Vec<ListingId> = show
                .room()
                .map(|r| r.shelf.iter().map(|l| l.id).collect())
                .unwrap_or_default();
            let listing = pick(&shelf, which)?;
            let price = match rest {
                [] => None,
                [p] => Some(price_for(core, listing, p)?),
                _ => return Err(Failure::input("pin N [PRICE]")),
            };
            rt.block_on(show.pin(listing, price))?;
            Ok(None)
        }
        _ => Err(Failure::input("commands: pin N [PRICE] | unpin | stop")),
    }
}

/// Lines typed while on air (only from a terminal: a script's stdin is not
/// read, so it cannot stop the stream by closing).
fn read_commands(tx: mpsc::Sender<Ui>) {
    if !std::io::stdin().is_terminal() {
        return;
    }
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines().map_while(Result::ok) {
            if tx.send(Ui::Typed(line)).is_err() {
                return;
            }
        }
    });
}

/// The dashboard: event lines scroll; on a terminal the last line is the
/// status (stream figures, pinned product, orders), redrawn in place.
struct Board {
    json: bool,
    to_ingest: bool,
    tty: bool,
    room: Option<RoomView>,
    status: String,
    orders: u64,
    link: String,
}

impl Board {
    fn new(json: bool, to_ingest: bool, room: Option<RoomView>) -> Board {
        Board {
            json,
            to_ingest,
            tty: std::io::stderr().is_terminal() && !json,
            room,
            status: String::new(),
            orders: 0,
            link: "connecting".into(),
        }
    }

    fn note(&mut self, line: &str) {
        let mut err = std::io::stderr().lock();
        if self.tty {
            let _ = write!(err, "\r\x1b[2K{line}\n{}", self.status);
        } else {
            let _ = writeln!(err, "{line}");
        }
        let _ = err.flush();
    }

    fn show(&mut self, event: &ShowEvent) {
        if self.json {
            println!("{}", event_json(event));
            return;
        }
        match event {
            ShowEvent::Stream(s) => {
                let pinned = self.room.as_ref().map(pinned_line).unwrap_or_default();
                self.status = format!(
                    "{}  | {pinned} | {} order(s) | events {}",
                    status_line(s, self.to_ingest),
                    self.orders,
                    self.link
                );
                if self.tty {
                    eprint!("\r\x1b[2K{}", self.status);
                    let _ = std::io::stderr().flush();
                } else {
                    eprintln!("{}", self.status);
                }
            }
            ShowEvent::Room(e) => {
                if matches!(e.body, RoomEventBody::OrderPlaced { .. }) {
                    self.orders += 1;
                }
                if let (
                    Some(room),
                    RoomEventBody::Pinned {
                        listing,
                        live_price,
                        ..
                    },
                ) = (&mut self.room, &e.body)
                {
                    room.pin = Some(farmlive_core::protocol::room::Pin {
                        listing: *listing,
                        live_price: *live_price,
                        pinned_at: e.at,
                    });
                } else if let (Some(room), RoomEventBody::Unpinned { .. }) =
                    (&mut self.room, &e.body)
                {
                    room.pin = None;
                }
                self.note(&describe(e));
            }
            ShowEvent::Link(RoomLink::Connected { .. }) => self.link = "live".into(),
            ShowEvent::Link(RoomLink::Reconnecting { attempt, error, .. }) => {
                self.link = format!("reconnecting ({attempt})");
                self.note(&format!("… room events dropped ({error}); reconnecting"));
            }
            ShowEvent::OrdersSynced { changes } => {
                self.note(&format!(
                    "⇅ synced: {changes} change(s) pulled; orders are on this phone"
                ));
            }
            ShowEvent::ShipReminder(r) => {
                self.note(&format!("⏰ {}", crate::lang::say(&r.message())));
            }
            ShowEvent::Problem(p) => self.note(&format!("! {p}")),
        }
    }

    fn finish(&mut self, s: &ShowSummary) {
        if self.tty {
            eprintln!();
        }
        if self.json {
            println!(
                "{}",
                serde_json::json!({
                    "type": "summary",
                    "stream": stats_json(&s.stream),
                    "orders": s.orders,
                    "comments": s.comments,
                    "peak_viewers": s.peak_viewers,
                    "takings": s.takings.map(|m| m.to_string()),
                })
            );
            return;
        }
        println!(
            "stopped: {} frames sent, {} dropped, {} reconnects; {} order(s){}, {} comment(s), {} viewer(s) at most",
            s.stream.frames_sent.max(s.stream.frames_encoded),
            s.stream.dropped_video,
            s.stream.reconnects,
            s.orders,
            s.takings.map(|m| format!(" worth {m}")).unwrap_or_default(),
            s.comments,
            s.peak_viewers
        );
    }
}

/// `farmlive rooms [ID]`: the rooms this device opened, or one room's events.
pub fn rooms(core: &Core, out: &crate::output::Output, id: Option<&str>) -> CmdResult {
    let Some(id) = id else {
        let rooms = core.rooms()?;
        let json: Vec<_> = rooms
            .iter()
            .map(|r| {
                serde_json::json!({
                    "id": r.id, "farm": r.farm, "title": r.title,
                    "status": r.status.as_str(),
                    "opened_at": r.opened_at, "ended_at": r.ended_at, "last_event": r.last_event,
                })
            })
            .collect();
        out.list(&json, &rooms, &["ROOM", "TITLE", "STATUS", "SHELF"], |r| {
            vec![
                r.id.to_string(),
                crate::output::ellipsize(&r.title, 32),
                r.status.as_str().to_owned(),
                r.shelf.len().to_string(),
            ]
        });
        return Ok(());
    };
    let room = id.parse().map_err(Failure::input)?;
    let mut after = 0;
    loop {
        let page = core.room_events(room, after, 500)?;
        let Some(last) = page.last() else {
            break;
        };
        after = last.id;
        for e in &page {
            if out.json {
                println!("{}", serde_json::to_string(e).unwrap_or_default());
            } else {
                println!("{}", describe(e));
            }
        }
    }
    Ok(())
}

/// A show event as one JSON object.
pub fn event_json(event: &ShowEvent) -> serde_json::Value {
    match event {
        ShowEvent::Stream(s) => serde_json::json!({ "type": "stats", "stats": stats_json(s) }),
        ShowEvent::Room(e) => serde_json::json!({ "type": "room", "event": e }),
        ShowEvent::Link(RoomLink::Connected { after }) => {
            serde_json::json!({ "type": "link", "connected": true, "after": after })
        }
        ShowEvent::Link(RoomLink::Reconnecting {
            attempt,
            delay,
            error,
        }) => serde_json::json!({
            "type": "link", "connected": false, "attempt": attempt,
            "delay_ms": delay.as_millis() as u64, "error": error
        }),
        ShowEvent::OrdersSynced { changes } => {
            serde_json::json!({ "type": "synced", "changes": changes })
        }
        ShowEvent::ShipReminder(r) => serde_json::json!({
            "type": "ship_reminder", "order": r.order, "title": r.title,
            "quantity": r.quantity, "hours_left": r.hours_left, "ship_by": r.ship_by,
            "city": r.city,
        }),
        ShowEvent::Problem(p) => serde_json::json!({ "type": "problem", "message": p }),
    }
}
