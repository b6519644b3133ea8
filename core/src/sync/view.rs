//! The local view: last synced server state + pending ops, folded with the
//! hub's own rules. Rebuilt for an entity whenever its base changes (pull)
//! or one of its pending ops is dropped (rejected by the hub). The one
//! writer of `listings_base`; the views go through `listing_rows` and
//! `order_rows`, the same writers local actions use.

use crate::error::Result;
use crate::listing_rows::{self, Touch};
use crate::questions::HOTLINE_KEY;
use crate::{blobs, conflicts, order_rows, outbox, questions};
use farmlive_protocol::api::{ChangeBody, ChangesPage, OpResult, Outcome};
use farmlive_protocol::listing_state::apply_listing_op;
use farmlive_protocol::ops::{Op, OpBody};
use farmlive_protocol::{Hlc, ListingId, ListingState, OrderId};
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
        Some(s) => listing_rows::write(conn, &s, Touch::At(now)),
        None => listing_rows::delete(conn, id),
    }
}

/// Recomputes an order's local view from its base and pending actions.
pub(crate) fn rebuild_order(conn: &Connection, id: OrderId) -> Result<()> {
    let Some(mut state) = order_rows::read_base(conn, id)? else {
        return Ok(());
    };
    for op in pending_for(conn, &id.to_string())? {
        if let OpBody::OrderAction { action, .. } = &op.body {
            if let Ok(next) = state.apply(action, op.at.wall_ms) {
                state = next;
            }
        }
    }
    order_rows::write_view(conn, &state)
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
                if let Some(p) = &o.delivery_photo {
                    for sha in [&p.sha256, &p.thumb_sha256] {
                        // Known by hash; another device of the farm took it.
                        blobs::record_known(conn, sha, p.bytes, now)?;
                    }
                }
                order_rows::write_base(conn, o)?;
                rebuild_order(conn, o.id)?;
            }
            ChangeBody::Question(q) => questions::write_base(conn, q, now)?,
        }
    }
    set_meta(conn, CURSOR_KEY, &page.next.to_string())?;
    // The hub says its experts' hotline on every page: none means none now.
    match &page.hotline {
        Some(number) => set_meta(conn, HOTLINE_KEY, number)?,
        None => delete_meta(conn, HOTLINE_KEY)?,
    }
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
        outbox::remove(conn, &r.op.to_string())?;
        match &r.outcome {
            Outcome::Applied | Outcome::Duplicate => acked += 1,
            Outcome::Rejected { rejection } => {
                rejected += 1;
                let op_id = r.op.to_string();
                conflicts::record(conn, &op_id, (&kind, &entity, &body), rejection, now)?;
                let op: Op = json(&body)?;
                match op.body {
                    OpBody::OrderAction { order, .. } => rebuild_order(conn, order)?,
                    other => {
                        if let Some(listing) = other.listing() {
                            rebuild_listing(conn, listing, now)?;
                        }
                        if let Some(question) = other.question() {
                            questions::rebuild(conn, question)?;
                        }
                    }
                }
            }
        }
    }
    Ok((acked, rejected))
}

/// The meta key of the pull cursor.
pub(crate) const CURSOR_KEY: &str = "pull_cursor";

// The meta table's writer lives in `crate::meta`; sync reaches it here.
pub(crate) use crate::meta::{delete_meta, get_meta, set_meta};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Core;
    use farmlive_protocol::api::Change;
    use farmlive_protocol::{Currency, ListingDraft, ListingPatch, Money, Unit};

    /// A fresh device with one listing, and the stamp of its create op.
    fn with_mangoes() -> (tempfile::TempDir, Core, crate::Listing, Hlc) {
        let dir = tempfile::tempdir().unwrap();
        let core = Core::open(dir.path()).unwrap();
        let farm = core.add_farm("Li orchard").unwrap();
        let l = core.create_listing(farm.id, mangoes()).unwrap();
        let create_at = core.pending_ops(1).unwrap()[0].op.at;
        (dir, core, l, create_at)
    }

    fn mangoes() -> ListingDraft {
        ListingDraft {
            title: "Mangoes".into(),
            description: String::new(),
            unit: Unit::Kg,
            price: Money::from_minor(800, Currency::CNY),
            stock: 10,
        }
    }

    #[test]
    fn local_actions_write_the_row_the_fold_of_their_ops_gives() {
        let (_dir, core, l, _) = with_mangoes();
        let retitle = ListingPatch {
            title: Some("Sweet mangoes".into()),
            price: Some(Money::from_minor(950, Currency::CNY)),
            ..Default::default()
        };
        core.edit_listing(l.id, retitle).unwrap();
        core.set_stock(l.id, 40).unwrap();
        core.adjust_stock(l.id, -3).unwrap();
        core.set_listing_status(l.id, farmlive_protocol::ListingStatus::Paused)
            .unwrap();
        let read = |core: &Core| {
            core.write_tx(|tx| crate::listing_rows::read_state(tx, l.id))
                .unwrap()
                .unwrap()
        };
        let local = read(&core);
        assert_eq!(
            (
                local.title.value.as_str(),
                local.price.value.minor,
                local.stock
            ),
            ("Sweet mangoes", 950, 37)
        );
        // Nothing synced yet: the row rebuilt from the pending ops alone,
        // as a pull would write it, is the same row.
        core.write_tx(|tx| rebuild_listing(tx, l.id, 0)).unwrap();
        assert_eq!(read(&core), local);
        let stamps = core.pending_ops(10).unwrap();
        assert_eq!(local.stock_set_at, stamps[2].op.at, "stamped by its op");
        assert_eq!(local.status.at, stamps[4].op.at);
    }

    #[test]
    fn a_pull_never_overwrites_a_field_with_a_pending_local_edit() {
        let (_dir, core, l, create_at) = with_mangoes();
        // The hub's state after the create was pushed: the base.
        let fields = mangoes().validate().unwrap();
        let mut server = ListingState::create(l.id, l.farm_id, fields, create_at);
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
        server.price = farmlive_protocol::listing_state::Stamped {
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
            hotline: None,
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
        let (_dir, core, l, create_at) = with_mangoes();
        let hub_now = create_at.wall_ms;
        let fields = mangoes().validate().unwrap();
        let mut server = ListingState::create(l.id, l.farm_id, fields, create_at);
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
            hotline: None,
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
            delivery_photo: None,
            room: None,
            route: None,
        };
        let page = ChangesPage {
            changes: vec![Change {
                seq: 1,
                body: ChangeBody::Order(Box::new(order.clone())),
            }],
            next: 1,
            more: false,
            hub_time_ms: None,
            hotline: None,
        };
        core.write_tx(|tx| {
            apply_page(tx, &page, 0)?;
            set_meta(tx, crate::role::ROLE_KEY, "agent")
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
        core.write_tx(|tx| set_meta(tx, crate::role::ROLE_KEY, "farmer"))
            .unwrap();
        core.act_on_order(order.id, OrderAction::Accept).unwrap();
        assert_eq!(core.pending_count().unwrap(), 1);
    }
}
