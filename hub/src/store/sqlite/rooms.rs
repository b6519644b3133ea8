//! Live rooms: opening, pinning, ending, comments, and the views buyers
//! and the farm's device fetch. Every change is one immediate transaction
//! that appends its events; they are published after commit.

use super::records::load_listing;
use super::room_events::{Emitted, append_event, buyer_display_name, commit};
use super::room_records::{
    RoomRecord, live_room_by_stream_key, live_rooms_of_farm, load_room, save_room,
    set_stream_key_hash,
};
use super::{Store, from_json, now_ms};
use crate::error::{HubError, Result};
use crate::rooms::Feed;
use crate::store::interface::ROOM_LIST_MAX;
use crate::store::rules::accounts::{hash_token, new_token};
use crate::store::rules::listings::public_listing;
use farmlive_protocol::api::{FarmInfo, media};
use farmlive_protocol::room::{
    OpenRoom, Pin, PinRequest, RoomError, RoomEvent, RoomEventBody, RoomStatus, RoomView,
    StreamKey, validate_pin, validate_playback_url, validate_room_title, validate_shelf,
};
use farmlive_protocol::{BuyerId, FarmId, ListingStatus, RoomId};
use rusqlite::{Connection, TransactionBehavior};
use std::collections::BTreeSet;
use std::sync::Arc;

fn invalid(e: RoomError) -> HubError {
    HubError::bad_request("invalid", e)
}

fn room_ended() -> HubError {
    HubError::Conflict("room_ended", "this live session has ended".into())
}

/// Loads a room for one of its farm's devices.
fn device_room(conn: &Connection, farms: &BTreeSet<FarmId>, id: RoomId) -> Result<RoomRecord> {
    let rec = load_room(conn, id)?.ok_or(HubError::NotFound("no such room"))?;
    if !farms.contains(&rec.farm) {
        return Err(HubError::Forbidden(
            "only a device of the room's farm may do this",
        ));
    }
    Ok(rec)
}

impl Store {
    /// The view of a room: its shelf as buyers see it now (active listings
    /// only), the viewers now, and the id of its latest event.
    fn view(&self, conn: &Connection, rec: &RoomRecord) -> Result<RoomView> {
        let farm_name: String = conn
            .prepare_cached("SELECT name FROM farms WHERE id = ?1")?
            .query_row([rec.farm.to_string()], |r| r.get(0))?;
        let mut shelf = Vec::with_capacity(rec.shelf.len());
        for id in &rec.shelf {
            if let Some(l) = load_listing(conn, *id)? {
                if l.status.value == ListingStatus::Active {
                    shelf.push(public_listing(l, farm_name.clone()));
                }
            }
        }
        let last_event: i64 = conn
            .prepare_cached("SELECT COALESCE(MAX(id), 0) FROM room_events WHERE room_id = ?1")?
            .query_row([rec.id.to_string()], |r| r.get(0))?;
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
                RoomStatus::Live => self.fanout.viewers().count(rec.id),
                RoomStatus::Ended => 0,
            },
            opened_at: rec.opened_at,
            ended_at: rec.ended_at,
            last_event: u64::try_from(last_event).unwrap_or(0),
        })
    }

    /// A room, as anyone signed in sees it.
    pub fn room(&self, id: RoomId) -> Result<RoomView> {
        let mut conn = self.reader();
        // One read transaction: the state and `last_event` agree.
        let tx = conn.transaction()?;
        let rec = load_room(&tx, id)?.ok_or(HubError::NotFound("no such room"))?;
        self.view(&tx, &rec)
    }

    /// The live rooms, newest first, at most `limit` (≤ [`ROOM_LIST_MAX`]).
    pub fn live_rooms(&self, limit: u32) -> Result<Vec<RoomView>> {
        let mut conn = self.reader();
        let tx = conn.transaction()?;
        let recs: Vec<RoomRecord> = {
            let mut stmt = tx.prepare_cached(
                "SELECT state FROM rooms WHERE status = 'live'
                 ORDER BY opened_at DESC, id DESC LIMIT ?1",
            )?;
            let rows =
                stmt.query_map([limit.clamp(1, ROOM_LIST_MAX)], |r| r.get::<_, String>(0))?;
            let mut recs = Vec::new();
            for row in rows {
                recs.push(from_json(&row?)?);
            }
            recs
        };
        recs.iter().map(|r| self.view(&tx, r)).collect()
    }

    /// Opens a room for one of the device's farms; a live room the farm
    /// still has (a phone that crashed mid-stream) is ended first (and its
    /// stream key revoked). Returns the room and its new secret stream key
    /// (only its hash is stored).
    pub fn open_room(
        &self,
        farms: &BTreeSet<FarmId>,
        req: &OpenRoom,
    ) -> Result<(RoomView, StreamKey)> {
        let title = validate_room_title(&req.title).map_err(invalid)?;
        let shelf = validate_shelf(&req.shelf).map_err(invalid)?;
        let playback_url = validate_playback_url(req.playback_url.as_deref()).map_err(invalid)?;
        if !farms.contains(&req.farm) {
            return Err(HubError::Forbidden(
                "this device may not go live for that farm",
            ));
        }
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        for id in &shelf {
            let listing = load_listing(&tx, *id)?
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
        let now = now_ms();
        let mut emitted = Emitted::new();
        for old in live_rooms_of_farm(&tx, req.farm)? {
            end_in(&tx, old, now, &mut emitted)?;
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
        save_room(&tx, &rec)?;
        let key = StreamKey::new(new_token("sk")?);
        set_stream_key_hash(&tx, rec.id, &hash_token(key.expose()))?;
        let view = self.view(&tx, &rec)?;
        commit(tx, &self.fanout, emitted)?;
        Ok((view, key))
    }

    /// The live room `key` publishes to, and its feed (whose `Ended` tells
    /// the publisher to stop). Runs under the writer, as following does, so
    /// a room ending after this answer still reaches the feed. `None` for a
    /// wrong key or one revoked with its room.
    pub fn publishing_room(&self, key: &StreamKey) -> Result<Option<(RoomId, Arc<Feed>)>> {
        let conn = self.writer();
        let Some(room) = live_room_by_stream_key(&conn, &hash_token(key.expose()))? else {
            return Ok(None);
        };
        Ok(Some((room, self.fanout.feeds.feed(room))))
    }

    /// Pins a listing of the shelf, optionally at a live price.
    pub fn pin(&self, farms: &BTreeSet<FarmId>, id: RoomId, req: &PinRequest) -> Result<RoomView> {
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut rec = device_room(&tx, farms, id)?;
        if rec.status == RoomStatus::Ended {
            return Err(room_ended());
        }
        let listing = load_listing(&tx, req.listing)?
            .filter(|l| rec.shelf.contains(&l.id))
            .ok_or_else(|| invalid(RoomError::NotOnShelf))?;
        validate_pin(req, &rec.shelf, listing.price.value).map_err(invalid)?;
        if listing.status.value != ListingStatus::Active {
            return Err(HubError::Conflict(
                "not_available",
                "this listing is not for sale right now".into(),
            ));
        }
        let now = now_ms();
        let mut emitted = Emitted::new();
        if let Some(old) = rec.pin.filter(|p| p.listing != req.listing) {
            let body = RoomEventBody::Unpinned {
                listing: old.listing,
            };
            append_event(&tx, rec.id, now, body, &mut emitted)?;
        }
        rec.pin = Some(Pin {
            listing: req.listing,
            live_price: req.live_price,
            pinned_at: now,
        });
        save_room(&tx, &rec)?;
        let body = RoomEventBody::Pinned {
            listing: req.listing,
            title: listing.title.value,
            price: listing.price.value,
            live_price: req.live_price,
        };
        append_event(&tx, rec.id, now, body, &mut emitted)?;
        let view = self.view(&tx, &rec)?;
        commit(tx, &self.fanout, emitted)?;
        Ok(view)
    }

    /// Unpins the pinned listing, if any; its live price stops applying.
    pub fn unpin(&self, farms: &BTreeSet<FarmId>, id: RoomId) -> Result<RoomView> {
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut rec = device_room(&tx, farms, id)?;
        if rec.status == RoomStatus::Ended {
            return Err(room_ended());
        }
        let mut emitted = Emitted::new();
        if let Some(old) = rec.pin.take() {
            save_room(&tx, &rec)?;
            let body = RoomEventBody::Unpinned {
                listing: old.listing,
            };
            append_event(&tx, rec.id, now_ms(), body, &mut emitted)?;
        }
        let view = self.view(&tx, &rec)?;
        commit(tx, &self.fanout, emitted)?;
        Ok(view)
    }

    /// Ends a room (`Unpinned` if pinned, then `Ended`). Ending an ended
    /// room returns it unchanged.
    pub fn end_room(&self, farms: &BTreeSet<FarmId>, id: RoomId) -> Result<RoomView> {
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut rec = device_room(&tx, farms, id)?;
        let mut emitted = Emitted::new();
        if rec.status == RoomStatus::Live {
            rec = end_in(&tx, rec, now_ms(), &mut emitted)?;
        }
        let view = self.view(&tx, &rec)?;
        commit(tx, &self.fanout, emitted)?;
        Ok(view)
    }

    /// A buyer's comment (already validated) in a live room.
    pub fn post_comment(&self, buyer: BuyerId, id: RoomId, text: String) -> Result<RoomEvent> {
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let rec = load_room(&tx, id)?.ok_or(HubError::NotFound("no such room"))?;
        if rec.status == RoomStatus::Ended {
            return Err(room_ended());
        }
        let author = buyer_display_name(&tx, buyer)?;
        let mut emitted = Emitted::new();
        let body = RoomEventBody::Comment { author, text };
        let event = append_event(&tx, rec.id, now_ms(), body, &mut emitted)?;
        commit(tx, &self.fanout, emitted)?;
        Ok(event)
    }
}

/// Ends a live room inside a transaction.
fn end_in(
    conn: &Connection,
    mut rec: RoomRecord,
    now: i64,
    emitted: &mut Emitted,
) -> Result<RoomRecord> {
    if let Some(old) = rec.pin.take() {
        let body = RoomEventBody::Unpinned {
            listing: old.listing,
        };
        append_event(conn, rec.id, now, body, emitted)?;
    }
    rec.status = RoomStatus::Ended;
    rec.ended_at = Some(now);
    save_room(conn, &rec)?;
    append_event(conn, rec.id, now, RoomEventBody::Ended, emitted)?;
    Ok(rec)
}
