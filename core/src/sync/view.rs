//! The local view: last synced server state + pending ops, folded with the
//! hub's own rules. Rebuilt for an entity whenever its base changes (pull)
//! or one of its pending ops is dropped (rejected by the hub).

use crate::error::Result;
use farmlive_protocol::api::{ChangeBody, ChangesPage, OpResult, Outcome};
use farmlive_protocol::ops::{Op, OpBody};
use farmlive_protocol::state::apply_listing_op;
use farmlive_protocol::{Hlc, ListingId, ListingState, OrderId, OrderState};
use rusqlite::{Connection, OptionalExtension, params};

fn json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T> {
    Ok(farmlive_sqlite::from_json("sync state", text)?)
}

fn to_json<T: serde::Serialize + ?Sized>(v: &T) -> Result<String> {
    Ok(farmlive_sqlite::to_json("sync state", v)?)
}

/// Pending ops about one entity, oldest first.
fn pending_for(conn: &Connection, entity: &str) -> Result<Vec<Op>> {
    let mut stmt =
        conn.prepare_cached("SELECT body FROM outbox WHERE entity_id = ?1 ORDER BY seq")?;
    let bodies = stmt
        .query_map([entity], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    bodies.iter().map(|b| json(b)).collect()
}

/// Recomputes a listing's local row from its base and pending ops.
pub(crate) fn rebuild_listing(conn: &Connection, id: ListingId, now: i64) -> Result<()> {
    let base: Option<String> = conn
        .prepare_cached("SELECT state FROM listings_base WHERE id = ?1")?
        .query_row([id.to_string()], |r| r.get(0))
        .optional()?;
    let mut state: Option<ListingState> = base.as_deref().map(json).transpose()?;
    for op in pending_for(conn, &id.to_string())? {
        // An op the current state refuses will be refused by the hub too: it
        // does not show locally, and comes back as a conflict after the push.
        if let Ok(next) = apply_listing_op(state.as_ref(), &op) {
            state = Some(next);
        }
    }
    match state {
        Some(s) => write_listing(conn, &s, now),
        None => {
            conn.execute(
                "DELETE FROM listing_photos WHERE listing_id = ?1",
                [id.to_string()],
            )?;
            conn.execute("DELETE FROM listings WHERE id = ?1", [id.to_string()])?;
            Ok(())
        }
    }
}

fn write_listing(conn: &Connection, s: &ListingState, now: i64) -> Result<()> {
    let id = s.id.to_string();
    conn.execute(
        "INSERT OR IGNORE INTO farms (id, name, created_at) VALUES (?1, ?1, ?2)",
        params![s.farm.to_string(), now],
    )?;
    conn.prepare_cached(
        "INSERT INTO listings (id, farm_id, title, title_hlc, description, description_hlc, unit, unit_hlc,
            price_minor, currency, price_hlc, stock, stock_hlc, status, status_hlc, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)
         ON CONFLICT (id) DO UPDATE SET farm_id = ?2, title = ?3, title_hlc = ?4, description = ?5,
            description_hlc = ?6, unit = ?7, unit_hlc = ?8, price_minor = ?9, currency = ?10,
            price_hlc = ?11, stock = ?12, stock_hlc = ?13, status = ?14, status_hlc = ?15,
            updated_at = max(updated_at, ?17)",
    )?
    .execute(params![
        id,
        s.farm.to_string(),
        s.title.value,
        s.title.at.to_string(),
        s.description.value,
        s.description.at.to_string(),
        s.unit.value.as_str(),
        s.unit.at.to_string(),
        s.price.value.minor,
        s.price.value.currency.code(),
        s.price.at.to_string(),
        s.stock,
        s.stock_set_at.to_string(),
        s.status.value.as_str(),
        s.status.at.to_string(),
        s.created_at,
        now
    ])?;
    conn.execute("DELETE FROM listing_photos WHERE listing_id = ?1", [&id])?;
    for (position, p) in s.photos.iter().enumerate() {
        for sha in [&p.photo.sha256, &p.photo.thumb_sha256] {
            // Known by hash; its bytes may live only on the hub.
            conn.prepare_cached(
                "INSERT OR IGNORE INTO blobs (sha256, bytes, created_at, present, uploaded) VALUES (?1, ?2, ?3, 0, 1)",
            )?
            .execute(params![sha, p.photo.bytes as i64, now])?;
        }
        conn.prepare_cached(
            "INSERT INTO listing_photos (listing_id, sha256, thumb_sha256, width, height, position, added_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![id, p.photo.sha256, p.photo.thumb_sha256, p.photo.width, p.photo.height, position as u32, p.at.wall_ms])?;
    }
    Ok(())
}

/// Recomputes an order's local view from its base and pending actions.
pub(crate) fn rebuild_order(conn: &Connection, id: OrderId) -> Result<()> {
    let base: Option<String> = conn
        .prepare_cached("SELECT base FROM orders WHERE id = ?1")?
        .query_row([id.to_string()], |r| r.get(0))
        .optional()?;
    let Some(base) = base else { return Ok(()) };
    let mut state: OrderState = json(&base)?;
    for op in pending_for(conn, &id.to_string())? {
        if let OpBody::OrderAction { action, .. } = &op.body {
            if let Ok(next) = state.apply(action, op.at.wall_ms) {
                state = next;
            }
        }
    }
    conn.prepare_cached("UPDATE orders SET status = ?1, state = ?2 WHERE id = ?3")?
        .execute(params![
            state.status.as_str(),
            to_json(&state)?,
            id.to_string()
        ])?;
    Ok(())
}

/// Stores one pulled page and its cursor (in the caller's transaction);
/// returns the newest stamp seen, for the device's clock. A stamp far ahead
/// of the hub's clock (as the page reports it, else ours) is never returned:
/// observing it would make every later local edit lose to it.
pub(crate) fn apply_page(conn: &Connection, page: &ChangesPage, now: i64) -> Result<Option<Hlc>> {
    let trusted_now = page.hub_time_ms.unwrap_or(now);
    let mut newest: Option<Hlc> = None;
    for change in &page.changes {
        match &change.body {
            ChangeBody::Listing(s) => {
                conn.prepare_cached(
                    "INSERT OR REPLACE INTO listings_base (id, state) VALUES (?1, ?2)",
                )?
                .execute(params![s.id.to_string(), to_json(s.as_ref())?])?;
                let stamps = [
                    s.title.at,
                    s.description.at,
                    s.unit.at,
                    s.price.at,
                    s.status.at,
                    s.stock_set_at,
                ];
                let (sane, ahead): (Vec<Hlc>, Vec<Hlc>) = stamps
                    .into_iter()
                    .partition(|at| at.check_not_ahead(trusted_now).is_ok());
                if !ahead.is_empty() {
                    tracing::warn!(
                        target: "farmlive::sync",
                        listing = %s.id,
                        "ignoring {} clock stamp(s) far ahead of the hub's clock",
                        ahead.len()
                    );
                }
                newest = newest.max(sane.into_iter().max());
                rebuild_listing(conn, s.id, now)?;
            }
            ChangeBody::Order(o) => {
                let state = to_json(o.as_ref())?;
                conn.prepare_cached(
                    "INSERT INTO orders (id, farm_id, status, placed_at, base, state) VALUES (?1, ?2, ?3, ?4, ?5, ?5)
                     ON CONFLICT (id) DO UPDATE SET base = ?5",
                )?
                .execute(params![o.id.to_string(), o.farm.to_string(), o.status.as_str(), o.placed_at, state])?;
                rebuild_order(conn, o.id)?;
            }
        }
    }
    set_meta(conn, CURSOR_KEY, &page.next.to_string())?;
    Ok(newest)
}

/// Applies the hub's answers to a push (in the caller's transaction):
/// acknowledged ops leave the outbox; rejected ones become conflicts and
/// their entity's local view is rebuilt without them. Returns (acked, rejected).
pub(crate) fn apply_push_results(
    conn: &Connection,
    results: &[OpResult],
    now: i64,
) -> Result<(usize, usize)> {
    let (mut acked, mut rejected) = (0, 0);
    for r in results {
        let row: Option<(String, String, String)> = conn
            .prepare_cached("SELECT kind, entity_id, body FROM outbox WHERE op_id = ?1")?
            .query_row([r.op.to_string()], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?))
            })
            .optional()?;
        let Some((kind, entity, body)) = row else {
            continue;
        };
        conn.prepare_cached("DELETE FROM outbox WHERE op_id = ?1")?
            .execute([r.op.to_string()])?;
        match &r.outcome {
            Outcome::Applied | Outcome::Duplicate => acked += 1,
            Outcome::Rejected { rejection } => {
                rejected += 1;
                conn.prepare_cached(
                    "INSERT OR IGNORE INTO conflicts (op_id, kind, entity_id, code, message, op, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )?
                .execute(params![r.op.to_string(), kind, entity, rejection.code, rejection.message, body, now])?;
                let op: Op = json(&body)?;
                match op.body {
                    OpBody::OrderAction { order, .. } => rebuild_order(conn, order)?,
                    other => {
                        if let Some(listing) = other.listing() {
                            rebuild_listing(conn, listing, now)?;
                        }
                    }
                }
            }
        }
    }
    Ok((acked, rejected))
}

pub(crate) const CURSOR_KEY: &str = "pull_cursor";

pub(crate) fn get_meta(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?)
}

pub(crate) fn set_meta(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.prepare_cached("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)")?
        .execute(params![key, value])?;
    Ok(())
}

pub(crate) fn delete_meta(conn: &Connection, key: &str) -> Result<()> {
    conn.prepare_cached("DELETE FROM meta WHERE key = ?1")?
        .execute([key])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Core;
    use farmlive_protocol::api::Change;
    use farmlive_protocol::{Currency, ListingDraft, ListingPatch, Money, Unit};

    #[test]
    fn a_pull_never_overwrites_a_field_with_a_pending_local_edit() {
        let dir = tempfile::tempdir().unwrap();
        let core = Core::open(dir.path()).unwrap();
        let farm = core.add_farm("Li orchard").unwrap();
        let draft = ListingDraft {
            title: "Mangoes".into(),
            description: String::new(),
            unit: Unit::Kg,
            price: Money::from_minor(800, Currency::CNY),
            stock: 10,
        };
        let l = core.create_listing(farm.id, draft.clone()).unwrap();
        // The hub's state after the create was pushed: the base.
        let create_at = core.pending_ops(1).unwrap()[0].op.at;
        let fields = draft.validate().unwrap();
        let mut server = ListingState::create(l.id, farm.id, fields, create_at);
        core.write_tx(|tx| {
            tx.execute("DELETE FROM outbox", [])?;
            Ok(())
        })
        .unwrap();
        // Offline, the farmer retitles; meanwhile another device changed the
        // price and sold 3 on the hub.
        core.edit_listing(
            l.id,
            ListingPatch {
                title: Some("Sweet mangoes".into()),
                ..Default::default()
            },
        )
        .unwrap();
        let mut other = create_at;
        other.wall_ms += 1;
        other.device = farmlive_protocol::DeviceId::new();
        server.price = farmlive_protocol::state::Stamped {
            value: Money::from_minor(950, Currency::CNY),
            at: other,
        };
        server.stock = 7;
        let page = ChangesPage {
            changes: vec![Change {
                seq: 1,
                body: ChangeBody::Listing(Box::new(server)),
            }],
            next: 1,
            more: false,
            hub_time_ms: None,
        };
        core.write_tx(|tx| apply_page(tx, &page, 0)).unwrap();

        let view = core.listing(l.id).unwrap();
        assert_eq!(
            view.title, "Sweet mangoes",
            "the pending local edit survives the pull"
        );
        assert_eq!(view.price.minor, 950, "the other device's price arrives");
        assert_eq!(view.stock, 7, "the hub's stock arrives");
        assert_eq!(
            core.read_meta(CURSOR_KEY).unwrap().as_deref(),
            Some("1"),
            "cursor stored with the page"
        );
    }

    #[test]
    fn a_pulled_stamp_far_ahead_of_the_hub_clock_is_not_observed() {
        let dir = tempfile::tempdir().unwrap();
        let core = Core::open(dir.path()).unwrap();
        let farm = core.add_farm("Li orchard").unwrap();
        let draft = ListingDraft {
            title: "Mangoes".into(),
            description: String::new(),
            unit: Unit::Kg,
            price: Money::from_minor(800, Currency::CNY),
            stock: 10,
        };
        let l = core.create_listing(farm.id, draft.clone()).unwrap();
        let create_at = core.pending_ops(1).unwrap()[0].op.at;
        let hub_now = create_at.wall_ms;
        let mut server = ListingState::create(l.id, farm.id, draft.validate().unwrap(), create_at);
        let mut poisoned = create_at;
        poisoned.wall_ms = farmlive_protocol::hlc::MAX_WALL_MS;
        poisoned.counter = u32::MAX;
        server.title.at = poisoned;
        let mut fair = create_at;
        fair.wall_ms += 1_000;
        server.price.at = fair;
        let page = |hub_time_ms| ChangesPage {
            changes: vec![Change {
                seq: 1,
                body: ChangeBody::Listing(Box::new(server.clone())),
            }],
            next: 1,
            more: false,
            hub_time_ms,
        };
        let newest = core
            .write_tx(|tx| apply_page(tx, &page(Some(hub_now)), hub_now))
            .unwrap();
        assert_eq!(newest, Some(fair), "the poisoned stamp is skipped");
        // Without the hub's time, the device's own clock is the reference.
        let newest = core
            .write_tx(|tx| apply_page(tx, &page(None), hub_now))
            .unwrap();
        assert_eq!(newest, Some(fair));
    }

    #[test]
    fn an_agents_device_refuses_order_actions_and_rooms_before_queuing() {
        use crate::Error;
        use farmlive_protocol::{
            BuyerContact, BuyerId, Delivery, ListingId, OrderAction, OrderId, OrderState,
            OrderStatus,
        };
        let dir = tempfile::tempdir().unwrap();
        let core = Core::open(dir.path()).unwrap();
        let farm = core.add_farm("Li orchard").unwrap();
        let price = Money::from_minor(800, Currency::CNY);
        let order = OrderState {
            id: OrderId::new(),
            listing: ListingId::new(),
            farm: farm.id,
            buyer: BuyerId::new(),
            title: "Mangoes".into(),
            quantity: 2,
            unit: Unit::Kg,
            unit_price: price,
            total: Money::from_minor(1600, Currency::CNY),
            delivery: Delivery::Standard,
            status: OrderStatus::Placed,
            placed_at: 0,
            updated_at: 0,
            shipment: None,
            cancellation: None,
            contact: BuyerContact::default(),
        };
        let page = ChangesPage {
            changes: vec![Change {
                seq: 1,
                body: ChangeBody::Order(Box::new(order.clone())),
            }],
            next: 1,
            more: false,
            hub_time_ms: None,
        };
        core.write_tx(|tx| {
            apply_page(tx, &page, 0)?;
            set_meta(tx, super::super::ROLE_KEY, "agent")
        })
        .unwrap();
        assert_eq!(
            core.role().unwrap(),
            Some(farmlive_protocol::api::Role::Agent)
        );
        for action in [
            OrderAction::Accept,
            OrderAction::Cancel {
                by: farmlive_protocol::CancelledBy::Farmer,
                reason: "no".into(),
            },
        ] {
            match core.act_on_order(order.id, action) {
                Err(Error::Rule(r)) => {
                    assert_eq!(r.code, "not_allowed");
                    assert!(r.message.contains("farmer"), "{}", r.message);
                }
                other => panic!("an agent acted on an order: {other:?}"),
            }
        }
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let setup = crate::RoomSetup {
            farm: farm.id,
            title: "Harvest".into(),
            shelf: vec![],
            playback_url: None,
        };
        let opened = rt.block_on(core.open_room(&setup));
        assert!(
            matches!(&opened, Err(Error::Rule(r)) if r.code == "not_allowed"),
            "{opened:?}"
        );
        let pinned = rt.block_on(core.pin(farmlive_protocol::RoomId::new(), order.listing, None));
        assert!(matches!(pinned, Err(Error::Rule(_))), "{pinned:?}");
        assert_eq!(core.pending_count().unwrap(), 0, "nothing queued");
        assert_eq!(
            core.order(order.id).unwrap().state.status,
            OrderStatus::Placed
        );
        // The farmer's phone may.
        core.write_tx(|tx| set_meta(tx, super::super::ROLE_KEY, "farmer"))
            .unwrap();
        core.act_on_order(order.id, OrderAction::Accept).unwrap();
        assert_eq!(core.pending_count().unwrap(), 1);
    }
}
