//! Delivery routes and the 72-hour promise end to end (issue 15), over a
//! hub process on SQLite and on PostgreSQL: the operator sets the farm's
//! origin and imports routes with `farmlive hub routes` beside the running
//! hub; a buyer sees the promised date before ordering, orders to a served
//! city and gets it on the order, is refused for an unserved city with the
//! nearest served ones named, and the farmer's phone pulls the order with
//! its route. A bad routes file is refused line by line, importing nothing.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use farmlive_core::manifest::ManifestFilter;
use farmlive_core::protocol::api::Role;
use farmlive_core::protocol::order::ship_by;
use farmlive_core::protocol::{Delivery, ListingId};
use farmlive_core::{Error, OrderFilter};
use farmlive_tests::stores::migrated_database;
use farmlive_tests::{BuyerBuilder, HubProcess, ListingBuilder, bin, now_ms, rt};
use std::process::{Command, Output};

const DAY: i64 = 86_400_000;

fn hub_cmd(hub: &HubProcess, args: &[&str]) -> Output {
    Command::new(bin("farmlive"))
        .arg("hub")
        .args(args)
        .args(hub.db_args())
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn routes_then_orders(hub: HubProcess) {
    let rt = rt();
    let phone = hub.device(&rt, &["Li orchard"], Role::Farmer, "phone");
    let mangoes: ListingId = phone
        .list("Li orchard", &ListingBuilder::new("Mangoes").stock(100))
        .id;
    phone.sync(&rt);

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "origin,destination,carrier,transit_days\nhaikou,beijing,Cold chain,3\nhaikou,Atlantis,X,2\n",
    )
    .unwrap();
    let out = hub_cmd(&hub, &["routes", "import", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("line 3") && text(&out).contains("Atlantis"));
    assert!(hub.store().routes().unwrap().is_empty(), "nothing imported");

    let good = dir.path().join("routes.csv");
    std::fs::write(
        &good,
        "origin,destination,carrier,transit_days\n\
         haikou,北京,Hainan Cold Chain,3\n\
         Haikou,Shanghai,Hainan Cold Chain,2\n\
         haikou,guangzhou,SF Express,1\n",
    )
    .unwrap();
    let out = hub_cmd(&hub, &["routes", "import", good.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    let out = hub_cmd(&hub, &["routes", "origin", "--farm", "Li orchard", "海口"]);
    assert!(out.status.success(), "{}", text(&out));
    let listed = hub_cmd(&hub, &["routes", "list"]);
    assert!(
        text(&listed).contains("Li orchard: ships from haikou"),
        "{}",
        text(&listed)
    );

    let buyer = rt.block_on(BuyerBuilder::new("Wang").sign_up(&hub.url));
    let before = now_ms();
    let quote = rt
        .block_on(buyer.delivery_quote(mangoes, "Beijing"))
        .unwrap();
    assert_eq!((quote.city.as_str(), quote.transit_days), ("beijing", 3));
    assert_eq!(quote.promised_by, quote.ship_by + 3 * DAY);
    assert!(quote.ship_by >= ship_by(before) && quote.ship_by <= ship_by(now_ms()));

    let order = rt
        .block_on(buyer.order_to(mangoes, 2, Delivery::Standard, "k1", Some("北京市")))
        .unwrap();
    let route = order.route.clone().expect("the order carries its route");
    assert_eq!(
        (route.city.as_str(), route.carrier.as_str()),
        ("beijing", "Hainan Cold Chain")
    );
    assert_eq!(
        route.promised_by,
        order.placed_at + 72 * 3_600_000 + 3 * DAY
    );

    let refused =
        rt.block_on(buyer.order_to(mangoes, 1, Delivery::Standard, "k2", Some("tianjin")));
    match &refused {
        Err(Error::Hub {
            status: 409,
            code,
            message,
            ..
        }) => {
            assert_eq!(code, "unserved_city");
            assert!(
                message.contains("Tianjin") && message.contains("天津"),
                "{message}"
            );
            assert!(
                message.contains("Beijing"),
                "the nearest served city: {message}"
            );
        }
        other => panic!("{other:?}"),
    }
    let unknown =
        rt.block_on(buyer.order_to(mangoes, 1, Delivery::Standard, "k3", Some("Atlantis")));
    assert!(
        matches!(&unknown, Err(Error::Hub { status: 400, .. })),
        "{unknown:?}"
    );
    assert_eq!(
        hub.listing(mangoes).stock,
        98,
        "refused orders took nothing"
    );

    phone.sync(&rt);
    let orders = phone.core.orders(&OrderFilter::default()).unwrap();
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0].state.route, Some(route));

    // Loading the trucks: more orders, then the manifest lists each once.
    for (key, city) in [("k4", Some("beijing")), ("k5", Some("上海")), ("k6", None)] {
        rt.block_on(buyer.order_to(mangoes, 1, Delivery::NonContact, key, city))
            .unwrap();
    }
    phone.sync(&rt);
    let all = phone
        .core
        .manifest(&ManifestFilter {
            utc_offset_minutes: 480,
            ..Default::default()
        })
        .unwrap();
    let mut ids: Vec<&str> = all
        .groups
        .iter()
        .flat_map(|g| g.lines.iter().map(|l| l.order.as_str()))
        .collect();
    assert_eq!(ids.len(), 4);
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 4, "each order once");
    let cities: Vec<&str> = all.groups.iter().map(|g| g.city.as_str()).collect();
    assert_eq!(cities, ["-", "beijing", "shanghai"]);
    let html = all.to_html(farmlive_core::protocol::Lang::Zh);
    assert_eq!(html.matches("<svg").count(), 4, "one label per order");
    assert!(html.contains("北京") && html.contains("无接触配送"));

    let csv = dir.path().join("beijing.csv");
    let out = Command::new(bin("farmlive"))
        .args([
            "orders",
            "manifest",
            "--route",
            "Beijing",
            "--utc-offset",
            "+08:00",
            "--csv",
        ])
        .arg(&csv)
        .env("FARMLIVE_DATA_DIR", phone.dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("2 orders"), "{}", text(&out));
    let rows = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(
        rows.lines().count(),
        3,
        "header and two Beijing orders: {rows}"
    );
    assert!(
        rows.lines()
            .skip(1)
            .all(|l| l.contains(",beijing,Hainan Cold Chain,")),
        "{rows}"
    );
}

#[test]
fn routes_and_promises_on_a_sqlite_hub() {
    routes_then_orders(HubProcess::start());
}

#[test]
fn routes_and_promises_on_a_postgres_hub() {
    let (_cluster, url) = migrated_database();
    let data = tempfile::tempdir().unwrap();
    routes_then_orders(HubProcess::start_on_postgres(
        &url,
        data.path(),
        "127.0.0.1:0",
    ));
}
