//! `farmlive buyer ...`: a buyer simulator on the hub's public API — browse,
//! watch a live room, comment, order (from a room at the live price), cancel.

use crate::args_sync::{BuyerArgs, BuyerCommand, BuyerIdentity};
use crate::output::{Output, ellipsize};
use crate::room_cmd::describe;
use crate::runtime::runtime;
use crate::sync_cmd::write_private;
use crate::{CmdResult, Failure};
use farmlive_core::protocol::room::RoomView;
use farmlive_core::protocol::{BuyerContact, Delivery, RoomId};
use farmlive_core::room::RoomLink;
use farmlive_core::sync::BuyerClient;
use farmlive_core::{CancelToken, FollowEnd};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::runtime::Runtime;

#[derive(serde::Serialize, serde::Deserialize)]
struct SavedBuyer {
    hub: String,
    token: String,
}

fn buyer_file(data_dir: &Path) -> PathBuf {
    data_dir.join("buyer.json")
}

fn now_ms() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0)
}

/// The buyer saved in `data_dir` for `hub`, or a new one signed up now.
fn buyer(
    rt: &Runtime,
    data_dir: &Path,
    hub: &str,
    who: BuyerIdentity,
) -> Result<BuyerClient, Failure> {
    let path = buyer_file(data_dir);
    let saved: Option<SavedBuyer> = std::fs::read(&path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .filter(|s: &SavedBuyer| s.hub == hub);
    if let Some(s) = saved {
        return Ok(BuyerClient::with_token(hub, &s.token)?);
    }
    let contact = BuyerContact {
        name: who.name,
        phone: who.phone,
        address: who.address,
    };
    let (client, token) = rt.block_on(BuyerClient::sign_up(hub, &contact))?;
    std::fs::create_dir_all(data_dir).map_err(|e| Failure {
        bad_input: false,
        message: format!("cannot create {}: {e}", data_dir.display()),
        localized: None,
        context: None,
    })?;
    let body = serde_json::to_vec(&SavedBuyer {
        hub: hub.to_owned(),
        token: token.token,
    })
    .unwrap_or_default();
    write_private(&path, &body)?;
    Ok(client)
}

/// Maps a failed buyer call to a failure. A 401 means the hub no longer
/// knows this buyer's token (expired after 180 days unused, or another
/// hub): the saved sign-in is forgotten, so the next command signs up anew
/// instead of failing the same way for ever.
fn signed_out(data_dir: &Path) -> impl Fn(farmlive_core::Error) -> Failure + '_ {
    move |e| {
        if matches!(e, farmlive_core::Error::Hub { status: 401, .. }) {
            let _ = std::fs::remove_file(buyer_file(data_dir));
            return Failure {
                bad_input: false,
                message: format!(
                    "{e} — this buyer's sign-in is no longer valid here and was forgotten; run the command again to sign up anew"
                ),
                localized: None,
                context: None,
            };
        }
        e.into()
    }
}

/// The room named, or the newest live one.
fn room(rt: &Runtime, client: &BuyerClient, which: Option<&str>) -> Result<RoomView, Failure> {
    match which.filter(|w| *w != "live") {
        Some(id) => {
            let id: RoomId = id.parse().map_err(Failure::input)?;
            Ok(rt.block_on(client.room(id))?)
        }
        None => rt
            .block_on(client.live_rooms())?
            .into_iter()
            .next()
            .ok_or_else(|| Failure::input("no room is live now")),
    }
}

/// `farmlive buyer ...`
pub fn run(data_dir: &Path, out: &Output, args: BuyerArgs) -> CmdResult {
    let rt = runtime()?;
    let hub = args.hub;
    match args.command {
        BuyerCommand::Listings => {
            let client = BuyerClient::with_token(&hub, "")?;
            let listings = rt.block_on(client.listings())?;
            let header = ["ID", "TITLE", "PRICE", "STOCK", "FARM"];
            out.list(&listings, &listings, &header, |l| {
                vec![
                    l.id.to_string(),
                    ellipsize(&l.title, 28),
                    format!("{}/{}", l.price, l.unit),
                    format!("{} {}", l.stock, l.unit),
                    l.farm.name.clone(),
                ]
            });
            Ok(())
        }
        BuyerCommand::Rooms => {
            let client = BuyerClient::with_token(&hub, "")?;
            let rooms = rt.block_on(client.live_rooms())?;
            let header = ["ROOM", "TITLE", "FARM", "WATCHING", "PINNED"];
            out.list(&rooms, &rooms, &header, |r| {
                vec![
                    r.id.to_string(),
                    ellipsize(&r.title, 28),
                    r.farm.name.clone(),
                    r.viewers.to_string(),
                    crate::room_cmd::pinned_line(r),
                ]
            });
            Ok(())
        }
        BuyerCommand::Watch { room: which, who } => {
            let client = buyer(&rt, data_dir, &hub, who)?;
            let room = self::room(&rt, &client, which.as_deref())?;
            if !out.json {
                println!(
                    "watching \"{}\" by {} ({} watching; {})",
                    room.title,
                    room.farm.name,
                    room.viewers,
                    crate::room_cmd::pinned_line(&room)
                );
                if let Some(url) = &room.playback_url {
                    println!("play: {url}");
                }
            }
            let cancel = CancelToken::new();
            let stop = crate::live_cmd::ctrl_c_flag();
            let watcher = cancel.clone();
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(100));
                }
                watcher.cancel();
            });
            let json = out.json;
            let on_event = move |e: &farmlive_core::protocol::room::RoomEvent| {
                if json {
                    println!("{}", serde_json::to_string(e).unwrap_or_default());
                } else {
                    println!("{}", describe(e));
                }
            };
            let on_link = |l: &RoomLink| {
                if let RoomLink::Reconnecting { error, .. } = l {
                    eprintln!("… connection dropped ({error}); reconnecting");
                }
            };
            // From the room's latest event on: a viewer sees what happens next.
            let end = rt
                .block_on(client.watch(room.id, room.last_event, &cancel, &on_event, &on_link))
                .map_err(signed_out(data_dir))?;
            if end == FollowEnd::Ended && !out.json {
                println!("the stream is over");
            }
            Ok(())
        }
        BuyerCommand::Comment {
            text,
            room: which,
            who,
        } => {
            let client = buyer(&rt, data_dir, &hub, who)?;
            let room = self::room(&rt, &client, which.as_deref())?;
            let event = rt
                .block_on(client.comment(room.id, &text))
                .map_err(signed_out(data_dir))?;
            if out.json {
                out.print_json(&event);
            } else {
                println!("{}", describe(&event));
            }
            Ok(())
        }
        BuyerCommand::Order {
            listing,
            room: which,
            qty,
            non_contact,
            city,
            who,
        } => {
            let client = buyer(&rt, data_dir, &hub, who)?;
            let listing = listing
                .as_deref()
                .map(|l| l.parse().map_err(Failure::input))
                .transpose()?;
            let delivery = if non_contact {
                Delivery::NonContact
            } else {
                Delivery::Standard
            };
            let key = format!("cli-{}", now_ms());
            let order = match (&which, listing) {
                (Some(_), listing) => {
                    let room = self::room(&rt, &client, which.as_deref())?;
                    rt.block_on(client.order_in_room(room.id, listing, qty, delivery, &key))
                        .map_err(signed_out(data_dir))?
                }
                (None, Some(listing)) => rt
                    .block_on(client.order_to(listing, qty, delivery, &key, city.as_deref()))
                    .map_err(signed_out(data_dir))?,
                (None, None) => return Err(Failure::input("say --listing ID or --room ROOM")),
            };
            if out.json {
                out.print_json(&order);
            } else {
                println!(
                    "ordered {} {} {} at {} = {} (order {})",
                    order.quantity,
                    order.unit,
                    order.title,
                    order.unit_price,
                    order.total,
                    order.id
                );
                if let Some(route) = &order.route {
                    println!(
                        "to {} by {} ({} days on the road): ships by {}, arrives by {}",
                        route.city,
                        route.carrier,
                        route.transit_days,
                        crate::stats_cmd::local_date(order.ship_by()),
                        crate::stats_cmd::local_date(route.promised_by)
                    );
                }
            }
            Ok(())
        }
        BuyerCommand::Quote { listing, city } => {
            let client = BuyerClient::with_token(&hub, "")?;
            let listing = listing.parse().map_err(Failure::input)?;
            let q = rt.block_on(client.delivery_quote(listing, &city))?;
            if out.json {
                out.print_json(&q);
            } else {
                println!(
                    "to {} by {} ({} days on the road): if ordered now, ships by {} and arrives by {}",
                    q.city,
                    q.carrier,
                    q.transit_days,
                    crate::stats_cmd::local_date(q.ship_by),
                    crate::stats_cmd::local_date(q.promised_by)
                );
            }
            Ok(())
        }
        BuyerCommand::Cancel { id, reason } => {
            let saved: SavedBuyer = std::fs::read(buyer_file(data_dir))
                .ok()
                .and_then(|b| serde_json::from_slice(&b).ok())
                .ok_or_else(|| Failure::input("no buyer here yet: place an order first"))?;
            let client = BuyerClient::with_token(&saved.hub, &saved.token)?;
            let order = rt
                .block_on(client.cancel(id.parse().map_err(Failure::input)?, &reason))
                .map_err(signed_out(data_dir))?;
            println!("order {} is {}", order.id, order.status);
            Ok(())
        }
    }
}
