//! Buyers' orders (place, replay a key, race for the last boxes, cancel,
//! a cancel racing the farmer's accept, read) through the real HTTP hub on loopback, with the same assertions
//! over each store: SQLite and PostgreSQL. The farmer's phone is a real
//! core that pulls the orders and stock from the change feed.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use farmlive_core::protocol::api::{Outcome, PushResponse, Role};
use farmlive_core::protocol::ops::Op;
use farmlive_core::protocol::{Delivery, OrderAction, OrderStatus};
use farmlive_core::sync::BuyerClient;
use farmlive_core::{Error, OrderFilter};
use farmlive_tests::api::Api;
use farmlive_tests::stores::{InProcessHub, StoreKind};
use farmlive_tests::{ListingBuilder, both_stores, rt};
use reqwest::Method;
use serde_json::json;
use std::sync::Arc;

/// Runs futures concurrently on the runtime; their outputs in order.
async fn join_all<F>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

/// True if `r` is the hub's refusal with this status and code.
fn refused<T: std::fmt::Debug>(r: &Result<T, Error>, want_status: u16, want_code: &str) -> bool {
    matches!(r, Err(Error::Hub { status, code, .. }) if *status == want_status && code == want_code)
}

both_stores!(
    place_and_pull,
    super::a_buyer_orders_and_the_farmers_phone_pulls_it
);
fn a_buyer_orders_and_the_farmers_phone_pulls_it(kind: StoreKind) {
    let rt = rt();
    let hub = InProcessHub::start(kind);
    let farmer = hub.device(&rt, &["Li orchard"], Role::Farmer, "phone");
    let l = farmer.list("Li orchard", &ListingBuilder::new("Mangoes").stock(20));
    farmer.sync(&rt);

    let wang = hub.buyer(&rt, "Wang");
    let order = rt
        .block_on(wang.order(l.id, 4, Delivery::NonContact, "o1"))
        .unwrap();
    assert_eq!(order.status, OrderStatus::Placed);
    assert_eq!((order.listing, order.quantity), (l.id, 4));
    assert_eq!(order.delivery, Delivery::NonContact);

    farmer.sync(&rt);
    let orders = farmer.core.orders(&OrderFilter::default()).unwrap();
    assert_eq!(orders.len(), 1, "the farmer's phone pulled the order");
    assert_eq!(orders[0].state.id, order.id);
    assert_eq!(orders[0].state.status, OrderStatus::Placed);
    assert_eq!(farmer.core.listing(l.id).unwrap().stock, 16);
    let seen = rt.block_on(wang.get_order(order.id)).unwrap();
    assert_eq!(seen.order, order, "the buyer reads back what was placed");
}

both_stores!(
    idempotency_key,
    super::the_same_idempotency_key_is_one_order
);
fn the_same_idempotency_key_is_one_order(kind: StoreKind) {
    let rt = rt();
    let hub = InProcessHub::start(kind);
    let farmer = hub.device(&rt, &["Li orchard"], Role::Farmer, "phone");
    let l = farmer.list("Li orchard", &ListingBuilder::new("Lychees").stock(10));
    farmer.sync(&rt);
    let api = Api::new(&hub.url);
    let wang = rt.block_on(api.buyer("Wang"));
    let body = json!({ "listing": l.id, "quantity": 2, "idempotency_key": "tap-1" });

    let (status, first) = rt.block_on(api.call(Method::POST, "/v1/orders", &wang, body.clone()));
    assert_eq!(status, 201, "{first}");
    let (status, again) = rt.block_on(api.call(Method::POST, "/v1/orders", &wang, body.clone()));
    assert_eq!(status, 200, "a replay is not a new order: {again}");
    assert_eq!(again["id"], first["id"]);

    // The same key sent eight times at once (a retrying phone): one order.
    // The client's connections are opened first, so the requests overlap.
    let api = Arc::new(api);
    let warm = (0..8).map(|_| {
        let api = api.clone();
        async move { api.call(Method::GET, "/v1/listings", "", json!(null)).await }
    });
    rt.block_on(join_all(warm));
    let racing = (0..8).map(|_| {
        let (api, wang) = (api.clone(), wang.clone());
        let body = json!({ "listing": l.id, "quantity": 1, "idempotency_key": "tap-2" });
        async move { api.call(Method::POST, "/v1/orders", &wang, body).await }
    });
    let answers = rt.block_on(join_all(racing));
    let created = answers.iter().filter(|(s, _)| *s == 201).count();
    assert_eq!(created, 1, "{answers:?}");
    assert!(
        answers.iter().all(|(s, _)| *s == 201 || *s == 200),
        "{answers:?}"
    );
    assert!(
        answers.iter().all(|(_, b)| b["id"] == answers[0].1["id"]),
        "{answers:?}"
    );

    farmer.sync(&rt);
    assert_eq!(
        farmer.core.orders(&OrderFilter::default()).unwrap().len(),
        2
    );
    assert_eq!(farmer.core.listing(l.id).unwrap().stock, 10 - 2 - 1);
}

both_stores!(
    last_boxes,
    super::concurrent_buyers_never_both_buy_the_last_boxes
);
fn concurrent_buyers_never_both_buy_the_last_boxes(kind: StoreKind) {
    let rt = rt();
    let hub = InProcessHub::start(kind);
    let farmer = hub.device(&rt, &["Li orchard"], Role::Farmer, "phone");
    let l = farmer.list(
        "Li orchard",
        &ListingBuilder::new("Last boxes of durian").stock(3),
    );
    farmer.sync(&rt);

    let buyers: Vec<Arc<BuyerClient>> = (0..8)
        .map(|i| Arc::new(hub.buyer(&rt, &format!("buyer {i}"))))
        .collect();
    let results = rt.block_on(join_all(buyers.iter().enumerate().map(|(i, b)| {
        let (b, id) = (b.clone(), l.id);
        async move { b.order(id, 1, Delivery::Standard, &format!("k{i}")).await }
    })));
    let won = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(
        won, 3,
        "exactly three buyers get the three boxes: {results:?}"
    );
    for r in results.iter().filter(|r| r.is_err()) {
        assert!(refused(r, 409, "out_of_stock"), "{r:?}");
    }
    farmer.sync(&rt);
    assert_eq!(farmer.core.listing(l.id).unwrap().stock, 0);
    assert_eq!(
        farmer.core.orders(&OrderFilter::default()).unwrap().len(),
        3
    );
}

both_stores!(
    buyer_cancel,
    super::a_buyer_cancels_a_placed_order_and_the_stock_returns
);
fn a_buyer_cancels_a_placed_order_and_the_stock_returns(kind: StoreKind) {
    let rt = rt();
    let hub = InProcessHub::start(kind);
    let farmer = hub.device(&rt, &["Li orchard"], Role::Farmer, "phone");
    let l = farmer.list("Li orchard", &ListingBuilder::new("Mangoes").stock(20));
    farmer.sync(&rt);
    let wang = hub.buyer(&rt, "Wang");
    let order = rt
        .block_on(wang.order(l.id, 4, Delivery::Standard, "o1"))
        .unwrap();
    farmer.sync(&rt);
    assert_eq!(farmer.core.listing(l.id).unwrap().stock, 16);

    let cancelled = rt
        .block_on(wang.cancel(order.id, "found some at the market"))
        .unwrap();
    assert_eq!(cancelled.status, OrderStatus::Cancelled);
    let again = rt.block_on(wang.cancel(order.id, "twice"));
    assert!(refused(&again, 409, "transition"), "{again:?}");

    farmer.sync(&rt);
    assert_eq!(
        farmer.core.listing(l.id).unwrap().stock,
        20,
        "the cancelled units are back"
    );
    let pulled = farmer.core.order(order.id).unwrap();
    assert_eq!(pulled.state.status, OrderStatus::Cancelled);
}

both_stores!(
    others_orders,
    super::a_buyer_cannot_read_or_cancel_another_buyers_order
);
fn a_buyer_cannot_read_or_cancel_another_buyers_order(kind: StoreKind) {
    let rt = rt();
    let hub = InProcessHub::start(kind);
    let farmer = hub.device(&rt, &["Li orchard"], Role::Farmer, "phone");
    let other_farm = hub.device(&rt, &["Wang farm"], Role::Farmer, "other");
    let l = farmer.list("Li orchard", &ListingBuilder::new("Mangoes").stock(20));
    farmer.sync(&rt);
    let wang = hub.buyer(&rt, "Wang");
    let mei = hub.buyer(&rt, "Mei");
    let order = rt
        .block_on(wang.order(l.id, 2, Delivery::Standard, "o1"))
        .unwrap();

    let read = rt.block_on(mei.get_order(order.id));
    assert!(refused(&read, 404, "not_found"), "{read:?}");
    let cancel = rt.block_on(mei.cancel(order.id, "not mine"));
    assert!(refused(&cancel, 404, "not_found"), "{cancel:?}");

    let api = Api::new(&hub.url);
    let path = format!("/v1/orders/{}", order.id);
    let (status, body) =
        rt.block_on(api.call(Method::GET, &path, &other_farm.token(), json!(null)));
    assert_eq!(status, 404, "another farm's device: {body}");
    let (status, body) = rt.block_on(api.call(Method::GET, &path, &farmer.token(), json!(null)));
    assert_eq!(status, 200, "the order's farm: {body}");
    assert_eq!(body["id"], json!(order.id));

    let still = rt.block_on(wang.get_order(order.id)).unwrap();
    assert_eq!(still.order.status, OrderStatus::Placed, "untouched by Mei");
    farmer.sync(&rt);
    assert_eq!(farmer.core.listing(l.id).unwrap().stock, 18);
}

both_stores!(
    cancel_races_pack,
    super::a_buyer_cancel_racing_the_farmers_pack_has_one_winner
);
/// The buyer cancels while the farmer's phone pushes its acceptance and
/// packing in one batch (a buyer may cancel only before packing), five
/// times over:
/// each time exactly one of them wins, and the stock matches (cancelled
/// units back, packed ones still taken).
fn a_buyer_cancel_racing_the_farmers_pack_has_one_winner(kind: StoreKind) {
    let rt = rt();
    let hub = InProcessHub::start(kind);
    let farmer = hub.device(&rt, &["Li orchard"], Role::Farmer, "phone");
    let l = farmer.list("Li orchard", &ListingBuilder::new("Mangoes").stock(20));
    farmer.sync(&rt);
    let wang = Arc::new(hub.buyer(&rt, "Wang"));
    let api = Arc::new(Api::new(&hub.url));
    let token = farmer.token();
    let mut packed = 0;
    for i in 0..5 {
        let order = rt
            .block_on(wang.order(l.id, 1, Delivery::Standard, &format!("o{i}")))
            .unwrap();
        farmer.sync(&rt);
        farmer
            .core
            .act_on_order(order.id, OrderAction::Accept)
            .unwrap();
        farmer
            .core
            .act_on_order(order.id, OrderAction::Pack)
            .unwrap();
        let ops: Vec<Op> = farmer
            .core
            .pending_ops(u32::MAX)
            .unwrap()
            .into_iter()
            .map(|p| p.op)
            .collect();
        assert_eq!(ops.len(), 2, "accept, then pack: {ops:?}");
        let (api, token, wang2) = (api.clone(), token.clone(), wang.clone());
        let push = async move {
            let body = json!({ "ops": ops });
            api.call(Method::POST, "/v1/ops", &token, body).await
        };
        let cancel = async move { wang2.cancel(order.id, "changed my mind").await };
        let (pushed, cancelled) = rt.block_on(async {
            let push = tokio::spawn(push);
            let cancel = tokio::spawn(cancel);
            (push.await.unwrap(), cancel.await.unwrap())
        });
        assert_eq!(pushed.0, 200, "{}", pushed.1);
        let resp: PushResponse = serde_json::from_value(pushed.1).unwrap();
        match (&resp.results[1].outcome, &cancelled) {
            (Outcome::Applied, Err(_)) => {
                assert!(refused(&cancelled, 409, "transition"), "{cancelled:?}");
                packed += 1;
            }
            (Outcome::Rejected { .. }, Ok(c)) => {
                assert_eq!(c.status, OrderStatus::Cancelled);
            }
            other => panic!("not exactly one winner: {other:?}"),
        }
        farmer.sync(&rt);
        farmer.core.conflicts(false).unwrap().iter().for_each(|c| {
            farmer.core.resolve_conflict(c.id).unwrap();
        });
    }
    let stock = farmer.core.listing(l.id).unwrap().stock;
    assert_eq!(
        stock,
        20 - packed,
        "packed units stay taken, cancelled come back"
    );
}
