//! Live rooms, whichever database holds them: opening one (one live room
//! per farm, a new stream key), pinning at a live price, unpinning,
//! ending, comments, which listing a room order buys and the events an
//! order adds to the rooms showing it, who may follow, and the view.
//!
//! A backend runs these inside one write transaction, on rooms locked as
//! its database needs ([`RoomRecords`]), and keeps only SQL, transaction
//! plumbing and the publication of the events it appended.

use crate::error::{HubError, Result};
use crate::store::interface::Principal;
use crate::store::rules::accounts::{hash_token, new_token};
use crate::store::rules::listings::public_listing;
use crate::store::rules::orders::{self, OrderRecords, OrderRequest};
use farmlive_protocol::api::{FarmInfo, media};
use farmlive_protocol::order_place::Placed;
use farmlive_protocol::roles::{Capability, allows};
use farmlive_protocol::room::{
    OpenRoom, Pin, PinRequest, RoomError, RoomEventBody, RoomStatus, RoomView, StreamKey,
    display_name, validate_pin, validate_playback_url, validate_room_title, validate_shelf,
};
use farmlive_protocol::{
    BuyerContact, BuyerId, FarmId, ListingId, ListingState, ListingStatus, OrderState, RoomId,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// A room as stored (`rooms.state`). Viewers and the last event id are not
/// stored here: the first lives in memory, the second in `room_events`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct RoomRecord {
    pub id: RoomId,
    pub farm: FarmId,
    pub title: String,
    pub shelf: Vec<ListingId>,
    pub pin: Option<Pin>,
    pub playback_url: Option<String>,
    pub status: RoomStatus,
    pub opened_at: i64,
    pub ended_at: Option<i64>,
}

/// The rooms, listings and names a room's rules read and write, inside
/// one transaction.
pub(crate) trait RoomRecords {
    /// A room (locked for the transaction where the database needs it).
    fn load_room(&mut self, id: RoomId) -> Result<Option<RoomRecord>>;
    /// The live rooms of `farm` (at most one, by the schema).
    fn live_rooms_of_farm(&mut self, farm: FarmId) -> Result<Vec<RoomRecord>>;
    /// Saves a room; one saved ended loses its stream key.
    fn save_room(&mut self, rec: &RoomRecord) -> Result<()>;
    /// Gives a live room the stream key with this hash.
    fn set_stream_key_hash(&mut self, id: RoomId, key_hash: &str) -> Result<()>;
    /// A listing as stored now (for the shelf and the pin).
    fn shelf_listing(&mut self, id: ListingId) -> Result<Option<ListingState>>;
    /// How to reach a buyer (for the name rooms show).
    fn commenter(&mut self, buyer: BuyerId) -> Result<BuyerContact>;
    /// A farm's name.
    fn farm_name_of(&mut self, farm: FarmId) -> Result<String>;
    /// The id of the room's latest stored event (0 if none).
    fn last_event(&mut self, room: RoomId) -> Result<u64>;
    /// Appends an event to `room`, published once the transaction commits.
    fn append_event(&mut self, room: RoomId, at: i64, body: RoomEventBody) -> Result<()>;
}

fn invalid(e: RoomError) -> HubError {
    HubError::bad_request("invalid", e)
}

/// The refusal of a change to a room that has ended.
pub(crate) fn room_ended() -> HubError {
    HubError::Conflict("room_ended", "this live session has ended".into())
}

/// Loads a room for one of its farm's devices.
fn device_room(
    records: &mut impl RoomRecords,
    farms: &BTreeSet<FarmId>,
    id: RoomId,
) -> Result<RoomRecord> {
    let rec = records
        .load_room(id)?
        .ok_or(HubError::NotFound("no such room"))?;
    if !farms.contains(&rec.farm) {
        return Err(HubError::Forbidden(
            "only a device of the room's farm may do this",
        ));
    }
    Ok(rec)
}

/// A live room of a device's farm.
fn live_device_room(
    records: &mut impl RoomRecords,
    farms: &BTreeSet<FarmId>,
    id: RoomId,
) -> Result<RoomRecord> {
    let rec = device_room(records, farms, id)?;
    if rec.status == RoomStatus::Ended {
        return Err(room_ended());
    }
    Ok(rec)
}

/// Checks a request to open a room, before any transaction: its title,
/// shelf and playback address, and the device's right to the farm.
/// Returns the cleaned title, shelf and address.
pub(crate) fn check_open(
    farms: &BTreeSet<FarmId>,
    req: &OpenRoom,
) -> Result<(String, Vec<ListingId>, Option<String>)> {
    let title = validate_room_title(&req.title).map_err(invalid)?;
    let shelf = validate_shelf(&req.shelf).map_err(invalid)?;
    let playback_url = validate_playback_url(req.playback_url.as_deref()).map_err(invalid)?;
    if !farms.contains(&req.farm) {
        return Err(HubError::Forbidden(
            "this device may not go live for that farm",
        ));
    }
    Ok((title, shelf, playback_url))
}

/// Opens a room (checked by [`check_open`]): every shelf listing is one
/// of the farm's and for sale; a live room the farm still has (a phone
/// that crashed mid-stream) is ended first. Returns the room and its new
/// secret stream key (only its hash is stored).
pub(crate) fn open(
    records: &mut impl RoomRecords,
    req: &OpenRoom,
    (title, shelf, playback_url): (String, Vec<ListingId>, Option<String>),
    now: i64,
) -> Result<(RoomRecord, StreamKey)> {
    for id in &shelf {
        let listing = records
            .shelf_listing(*id)?
            .filter(|l| l.farm == req.farm)
            .ok_or_else(|| {
                HubError::bad_request(
                    "invalid",
                    format!("listing {id} is not one of this farm's listings"),
                )
            })?;
        if listing.status.value != ListingStatus::Active {
            return Err(HubError::Conflict(
                "not_available",
                format!(
                    "“{}” is not for sale right now; resume it first",
                    listing.title.value
                ),
            ));
        }
    }
    for old in records.live_rooms_of_farm(req.farm)? {
        end_live(records, old, now)?;
    }
    let rec = RoomRecord {
        id: RoomId::new(),
        farm: req.farm,
        title,
        shelf,
        pin: None,
        playback_url,
        status: RoomStatus::Live,
        opened_at: now,
        ended_at: None,
    };
    records.save_room(&rec)?;
    let key = StreamKey::new(new_token("sk")?);
    records.set_stream_key_hash(rec.id, &hash_token(key.expose()))?;
    Ok((rec, key))
}

/// The hash a stream key is stored and looked up by.
pub(crate) fn stream_key_hash(key: &StreamKey) -> String {
    hash_token(key.expose())
}

/// Pins a listing of the shelf, optionally at a live price (a different
/// listing pinned before is unpinned first).
pub(crate) fn pin(
    records: &mut impl RoomRecords,
    farms: &BTreeSet<FarmId>,
    id: RoomId,
    req: &PinRequest,
    now: i64,
) -> Result<RoomRecord> {
    let mut rec = live_device_room(records, farms, id)?;
    let listing = records
        .shelf_listing(req.listing)?
        .filter(|l| rec.shelf.contains(&l.id))
        .ok_or_else(|| invalid(RoomError::NotOnShelf))?;
    validate_pin(req, &rec.shelf, listing.price.value).map_err(invalid)?;
    if listing.status.value != ListingStatus::Active {
        return Err(HubError::Conflict(
            "not_available",
            "this listing is not for sale right now".into(),
        ));
    }
    if let Some(old) = rec.pin.filter(|p| p.listing != req.listing) {
        let body = RoomEventBody::Unpinned {
            listing: old.listing,
        };
        records.append_event(rec.id, now, body)?;
    }
    rec.pin = Some(Pin {
        listing: req.listing,
        live_price: req.live_price,
        pinned_at: now,
    });
    records.save_room(&rec)?;
    let body = RoomEventBody::Pinned {
        listing: req.listing,
        title: listing.title.value,
        price: listing.price.value,
        live_price: req.live_price,
    };
    records.append_event(rec.id, now, body)?;
    Ok(rec)
}

/// Unpins the pinned listing, if any; its live price stops applying.
pub(crate) fn unpin(
    records: &mut impl RoomRecords,
    farms: &BTreeSet<FarmId>,
    id: RoomId,
    now: i64,
) -> Result<RoomRecord> {
    let mut rec = live_device_room(records, farms, id)?;
    if let Some(old) = rec.pin.take() {
        records.save_room(&rec)?;
        let body = RoomEventBody::Unpinned {
            listing: old.listing,
        };
        records.append_event(rec.id, now, body)?;
    }
    Ok(rec)
}

/// Ends a room (`Unpinned` if pinned, then `Ended`). Ending an ended
/// room returns it unchanged.
pub(crate) fn end(
    records: &mut impl RoomRecords,
    farms: &BTreeSet<FarmId>,
    id: RoomId,
    now: i64,
) -> Result<RoomRecord> {
    let rec = device_room(records, farms, id)?;
    match rec.status {
        RoomStatus::Live => end_live(records, rec, now),
        RoomStatus::Ended => Ok(rec),
    }
}

/// Ends a live room.
fn end_live(records: &mut impl RoomRecords, mut rec: RoomRecord, now: i64) -> Result<RoomRecord> {
    if let Some(old) = rec.pin.take() {
        let body = RoomEventBody::Unpinned {
            listing: old.listing,
        };
        records.append_event(rec.id, now, body)?;
    }
    rec.status = RoomStatus::Ended;
    rec.ended_at = Some(now);
    records.save_room(&rec)?;
    records.append_event(rec.id, now, RoomEventBody::Ended)?;
    Ok(rec)
}

/// A buyer's comment (already validated) in a live room.
pub(crate) fn comment(
    records: &mut impl RoomRecords,
    buyer: BuyerId,
    id: RoomId,
    text: String,
    now: i64,
) -> Result<()> {
    let rec = records
        .load_room(id)?
        .ok_or(HubError::NotFound("no such room"))?;
    if rec.status == RoomStatus::Ended {
        return Err(room_ended());
    }
    let author = display_name(&records.commenter(buyer)?.name);
    records.append_event(rec.id, now, RoomEventBody::Comment { author, text })
}

/// Which listing an order from `room` buys: the one asked for, or the
/// pinned one; it must be on the shelf of a live room.
fn room_listing(
    records: &mut impl RoomRecords,
    room: RoomId,
    asked: Option<ListingId>,
) -> Result<ListingId> {
    let rec = records
        .load_room(room)?
        .ok_or(HubError::NotFound("no such room"))?;
    if rec.status != RoomStatus::Live {
        return Err(room_ended());
    }
    let listing = match asked {
        Some(l) => l,
        None => {
            rec.pin
                .ok_or_else(|| {
                    HubError::bad_request(
                        "not_pinned",
                        "nothing is pinned right now; choose a listing",
                    )
                })?
                .listing
        }
    };
    if !rec.shelf.contains(&listing) {
        return Err(HubError::bad_request(
            "not_on_shelf",
            "this listing is not on the live session's shelf",
        ));
    }
    Ok(listing)
}

/// The live rooms whose shelf shows `listing`: an order of it is
/// announced there, at the live price while it is pinned in one.
fn rooms_showing(
    records: &mut impl RoomRecords,
    listing: &ListingState,
) -> Result<Vec<RoomRecord>> {
    Ok(records
        .live_rooms_of_farm(listing.farm)?
        .into_iter()
        .filter(|r| r.shelf.contains(&listing.id))
        .collect())
}

/// The pin of `listing` in one of `rooms`, if pinned (for its live price).
fn pinned_in(rooms: &[RoomRecord], listing: ListingId) -> Option<(RoomStatus, &Pin)> {
    rooms.iter().find_map(|r| {
        r.pin
            .as_ref()
            .filter(|p| p.listing == listing)
            .map(|p| (r.status, p))
    })
}

/// Announces a placed order in every room of `rooms` (`OrderPlaced`).
fn announce_order(
    records: &mut impl RoomRecords,
    rooms: &[RoomRecord],
    placed: &Placed,
    now: i64,
) -> Result<()> {
    let order = &placed.order;
    for r in rooms {
        let body = RoomEventBody::OrderPlaced {
            order: order.id,
            listing: order.listing,
            title: order.title.clone(),
            quantity: order.quantity,
            unit: order.unit,
            unit_price: order.unit_price,
            total: order.total,
            delivery: order.delivery,
            live_price: placed.live_price,
            buyer: display_name(&order.contact.name),
        };
        records.append_event(r.id, now, body)?;
    }
    Ok(())
}

/// Places a new order under `key` (from `orders::start`): from `room`
/// (the listing asked for or the pinned one, on its shelf, while live)
/// or from the shop; at the live price while the listing is pinned in a
/// live room of its farm; announced in every live room showing it.
pub(crate) fn place_order(
    records: &mut impl OrderRecords,
    rooms: &mut impl RoomRecords,
    buyer: BuyerId,
    req: &OrderRequest<'_>,
    key: &str,
    room: Option<RoomId>,
    now: i64,
) -> Result<OrderState> {
    let listing_id = match room {
        None => req.listing,
        Some(room) => Some(room_listing(rooms, room, req.listing)?),
    }
    .ok_or(HubError::NotFound("no such listing"))?;
    let listing = orders::listing(records, listing_id)?;
    let showing = rooms_showing(rooms, &listing)?;
    let pinned = pinned_in(&showing, listing.id);
    let on_air = showing.first().map(|r| r.id);
    let placed = orders::place(records, buyer, req, key, &listing, pinned, on_air, now)?;
    announce_order(rooms, &showing, &placed, now)?;
    Ok(placed.order)
}

/// Whether `who` may follow the room: any buyer, and the devices of its
/// farm that may run rooms.
pub(crate) fn may_follow(who: &Principal, rec: &RoomRecord) -> Result<()> {
    if let Principal::Device { farms, role, .. } = who {
        if !allows(*role, Capability::RunRooms) {
            return Err(HubError::Forbidden(Capability::RunRooms.refusal()));
        }
        if !farms.contains(&rec.farm) {
            return Err(HubError::Forbidden(
                "only the farm's devices and buyers may follow a room",
            ));
        }
    }
    Ok(())
}

/// The view of a room: its shelf as buyers see it now (active listings
/// only), `viewers` (counted while live), and the id of its latest event.
pub(crate) fn view(
    records: &mut impl RoomRecords,
    rec: &RoomRecord,
    viewers: u32,
) -> Result<RoomView> {
    let farm_name = records.farm_name_of(rec.farm)?;
    let mut shelf = Vec::with_capacity(rec.shelf.len());
    for id in &rec.shelf {
        if let Some(l) = records.shelf_listing(*id)? {
            if l.status.value == ListingStatus::Active {
                shelf.push(public_listing(l, farm_name.clone()));
            }
        }
    }
    Ok(RoomView {
        id: rec.id,
        farm: FarmInfo {
            id: rec.farm,
            name: farm_name,
        },
        title: rec.title.clone(),
        status: rec.status,
        shelf,
        pin: rec.pin,
        playback_url: rec.playback_url.clone(),
        live_flv: (rec.status == RoomStatus::Live).then(|| media::live_flv_path(rec.id)),
        viewers: match rec.status {
            RoomStatus::Live => viewers,
            RoomStatus::Ended => 0,
        },
        opened_at: rec.opened_at,
        ended_at: rec.ended_at,
        last_event: records.last_event(rec.id)?,
    })
}
