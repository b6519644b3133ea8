//! The 72-hour promise kept by a real hub and a real phone: an order packed
//! but not shipped by its ship-by is overdue on the farmer's device, and
//! its buyer may then cancel it (before, a packed order cannot be
//! cancelled); the stock comes back and the phone learns it at its next
//! sync.
//!
//! The order is made 73 hours old by rewriting its placing time in the
//! hub's SQLite file (the hub reads its clock, which a test cannot move).

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use farmlive_core::protocol::api::Role;
use farmlive_core::protocol::{Delivery, OrderAction, OrderStatus};
use farmlive_core::{Clock, Core, CoreOptions, Error, SystemClock};
use std::sync::Arc;

/// The system clock, `0` ms ahead.
struct Ahead(i64);

impl Clock for Ahead {
    fn now_ms(&self) -> i64 {
        SystemClock.now_ms() + self.0
    }
}
use farmlive_tests::{BuyerBuilder, Device, HubProcess, ListingBuilder, now_ms, rt};

/// A farm's phone with 20 mangoes listed and synced, and a buyer's order.
struct World {
    rt: tokio::runtime::Runtime,
    hub: HubProcess,
    phone: Device,
    buyer: farmlive_core::sync::BuyerClient,
    mangoes: farmlive_core::protocol::ListingId,
    order: farmlive_core::protocol::OrderState,
}

/// [`World`] with an order of `quantity`, synced to the phone.
fn ordered(quantity: i64) -> World {
    let rt = rt();
    let hub = HubProcess::start();
    let phone = hub.device(&rt, &["Li orchard"], Role::Farmer, "phone");
    let mangoes = phone
        .list("Li orchard", &ListingBuilder::new("Mangoes").stock(20))
        .id;
    phone.sync(&rt);
    let buyer = rt.block_on(BuyerBuilder::new("Wang").sign_up(&hub.url));
    let order = rt
        .block_on(buyer.order(mangoes, quantity, Delivery::Standard, "k"))
        .unwrap();
    phone.sync(&rt);
    World {
        rt,
        hub,
        phone,
        buyer,
        mangoes,
        order,
    }
}

#[test]
fn a_packed_order_past_its_ship_by_is_overdue_and_its_buyer_may_cancel_it() {
    let World {
        rt,
        hub,
        phone,
        buyer,
        mangoes,
        order,
    } = ordered(5);
    phone
        .core
        .act_on_order(order.id, OrderAction::Accept)
        .unwrap();
    phone
        .core
        .act_on_order(order.id, OrderAction::Pack)
        .unwrap();
    phone.sync(&rt);

    let refused = rt.block_on(buyer.cancel(order.id, "too slow"));
    assert!(
        matches!(&refused, Err(Error::Hub { status: 409, .. })),
        "packed and within 72 h: not cancellable: {refused:?}"
    );

    // 73 hours ago.
    let placed = now_ms() - 73 * 3_600_000;
    let db = hub.sqlite();
    let state: String = db
        .query_row(
            "SELECT state FROM orders WHERE id = ?1",
            [order.id.to_string()],
            |r| r.get(0),
        )
        .unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&state).unwrap();
    v["placed_at"] = placed.into();
    db.execute(
        "UPDATE orders SET state = ?1 WHERE id = ?2",
        [v.to_string(), order.id.to_string()],
    )
    .unwrap();
    drop(db);

    let cancelled = rt
        .block_on(buyer.cancel(order.id, "it never shipped"))
        .unwrap();
    assert_eq!(cancelled.status, OrderStatus::Cancelled);
    assert_eq!(hub.listing(mangoes).stock, 20, "the five come back");
    phone.sync(&rt);
    let mine = phone.core.order(order.id).unwrap();
    assert_eq!(mine.state.status, OrderStatus::Cancelled);
    assert!(!mine.overdue, "a cancelled order waits for nothing");
}

#[test]
fn an_order_waiting_past_its_ship_by_is_flagged_overdue_on_the_device() {
    let World { phone, order, .. } = ordered(1);
    let now = phone.core.order(order.id).unwrap();
    assert!(!now.overdue && !now.at_risk);
    // The same device's data, read with its clock 73 hours on.
    let later = Core::open_with(
        phone.dir.path(),
        CoreOptions {
            clock: Arc::new(Ahead(73 * 3_600_000)),
            ..CoreOptions::default()
        },
    )
    .unwrap();
    let then = later.order(order.id).unwrap();
    assert!(then.overdue && then.at_risk, "{then:?}");
}

/// The ship-by reminders on the farmer's device, from an order placed
/// through the hub and synced: nothing before 12 hours are left; then the
/// 12-hour reminder once; then the 2-hour one once; a shipped order and an
/// overdue one get none. A phone offline through both moments says only
/// the more urgent one.
#[test]
fn the_farmer_is_reminded_12_and_2_hours_before_the_ship_by_each_once() {
    let World {
        rt,
        hub,
        phone,
        buyer,
        mangoes,
        order,
    } = ordered(2);
    let hour = 3_600_000;
    let core = &phone.core;
    let at = |hours_after: i64| order.placed_at + hours_after * hour;
    assert!(core.ship_reminders_at(at(59)).unwrap().is_empty());
    let twelve = core.ship_reminders_at(at(61)).unwrap();
    assert_eq!(twelve.len(), 1, "{twelve:?}");
    let r = &twelve[0];
    assert_eq!((r.order, r.hours_left, r.quantity), (order.id, 12, 2));
    assert_eq!(r.ship_by, order.placed_at + 72 * hour);
    let text = r.message().render(farmlive_core::protocol::Lang::Zh);
    assert!(
        text.contains("12 小时") && text.contains("Mangoes"),
        "{text}"
    );
    assert!(core.ship_reminders_at(at(62)).unwrap().is_empty(), "once");
    let two = core.ship_reminders_at(at(70)).unwrap();
    assert_eq!(two.iter().map(|r| r.hours_left).collect::<Vec<_>>(), [2]);
    assert!(core.ship_reminders_at(at(71)).unwrap().is_empty(), "once");
    assert!(
        core.ship_reminders_at(at(80)).unwrap().is_empty(),
        "late: overdue, not reminded"
    );

    // A second order, the phone offline through both moments: one reminder,
    // the urgent one. A third, shipped: none.
    let second = rt
        .block_on(buyer.order(mangoes, 1, Delivery::Standard, "k2"))
        .unwrap();
    let third = rt
        .block_on(buyer.order(mangoes, 1, Delivery::Standard, "k3"))
        .unwrap();
    phone.sync(&rt);
    for action in [
        OrderAction::Accept,
        OrderAction::Pack,
        OrderAction::Ship {
            carrier: "SF Express".into(),
            tracking: "SF123".into(),
        },
    ] {
        core.act_on_order(third.id, action).unwrap();
    }
    let late = core
        .ship_reminders_at(second.placed_at + 71 * hour)
        .unwrap();
    let ids: Vec<_> = late.iter().map(|r| (r.order, r.hours_left)).collect();
    assert_eq!(ids, [(second.id, 2)], "{late:?}");
    drop(hub);
}

/// A farmer on air hears the ship-by reminder in the show's events, once:
/// the phone (its clock 61 hours after the order) goes live, recording a
/// test pattern; the 12-hour reminder arrives as a show event, is not
/// given again by the app's own check after, nor by a second show.
#[test]
fn a_farmer_on_air_hears_the_ship_by_reminder_among_the_shows_events_once() {
    use farmlive_core::{Show, ShowConfig, ShowEvent};
    use farmlive_live::{AudioInput, LiveConfig, VideoInput};
    use std::sync::Mutex;
    use std::time::{Duration, Instant};

    let World {
        rt, phone, order, ..
    } = ordered(3);
    let later = Arc::new(
        Core::open_with(
            phone.dir.path(),
            CoreOptions {
                clock: Arc::new(Ahead(61 * 3_600_000)),
                ..CoreOptions::default()
            },
        )
        .unwrap(),
    );
    let go_live = |file: &str| {
        let heard = Arc::new(Mutex::new(Vec::new()));
        let h = heard.clone();
        let listener = Arc::new(move |e: ShowEvent| {
            if let ShowEvent::ShipReminder(r) = e {
                h.lock().unwrap().push(r);
            }
        });
        let mut live = LiveConfig::new(320, 240);
        live.video = VideoInput::TestPattern;
        live.audio = AudioInput::Tone(440.0);
        live.record = Some(phone.dir.path().join(file));
        let config = ShowConfig {
            live,
            room: None,
            follow: Default::default(),
        };
        let show = rt
            .block_on(Show::start(later.clone(), config, listener))
            .unwrap();
        (show, heard)
    };
    let (show, heard) = go_live("first.flv");
    let until = Instant::now() + Duration::from_secs(10);
    while heard.lock().unwrap().is_empty() {
        assert!(Instant::now() < until, "no reminder while on air");
        std::thread::sleep(Duration::from_millis(20));
    }
    rt.block_on(show.stop()).unwrap();
    let heard = heard.lock().unwrap().clone();
    assert_eq!(heard.len(), 1, "{heard:?}");
    assert_eq!(
        (heard[0].order, heard[0].hours_left, heard[0].quantity),
        (order.id, 12, 3)
    );
    assert!(later.ship_reminders().unwrap().is_empty(), "given once");
    let (again, heard_again) = go_live("second.flv");
    std::thread::sleep(Duration::from_millis(500));
    rt.block_on(again.stop()).unwrap();
    assert!(
        heard_again.lock().unwrap().is_empty(),
        "not on a second show"
    );
}
