//! The dispatch manifest for 2,000 orders on the farmer's phone, offline:
//! reading the synced orders, grouping them by route and day, and writing
//! the CSV and the printable labels (a QR code each). Beside it, the peer:
//! raw rusqlite reading and parsing the same orders' JSON, which bounds
//! what any manifest could cost. The orders are placed through a real hub
//! process by buyers in three cities and synced to a real core first.
//!
//! Run: `cargo bench -p farmlive-tests --bench manifest`. Without `--bench`
//! (as `cargo test` runs it) a round of 100 orders checks it works.

#![allow(clippy::unwrap_used)]

#[path = "../../core/benches/common/machine.rs"]
mod machine;

use farmlive_core::SyncOptions;
use farmlive_core::manifest::ManifestFilter;
use farmlive_core::protocol::api::Role;
use farmlive_core::protocol::{Delivery, Lang, OrderState};
use farmlive_tests::{BuyerBuilder, HubProcess, ListingBuilder, bin, rt};
use std::process::Command;
use std::time::Instant;

fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::MAX;
    let mut out = None;
    for _ in 0..runs {
        let t = Instant::now();
        let v = f();
        best = best.min(t.elapsed().as_secs_f64() * 1e3);
        out = Some(v);
    }
    (best, out.unwrap())
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let orders = if full { 2_000 } else { 100 };
    let rt = rt();
    let hub = HubProcess::start_with(&["--signup-burst", "1000"]);
    let phone = hub.device(&rt, &["Li orchard"], Role::Farmer, "phone");
    let mangoes = phone
        .list(
            "Li orchard",
            &ListingBuilder::new("Mangoes").stock(1_000_000),
        )
        .id;
    phone.sync(&rt);
    let routes = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        routes.path(),
        "origin,destination,carrier,transit_days\nhaikou,beijing,Cold chain,3\nhaikou,shanghai,Cold chain,2\nhaikou,guangzhou,SF,1\n",
    )
    .unwrap();
    for args in [
        vec![
            "routes".to_owned(),
            "import".to_owned(),
            routes.path().display().to_string(),
        ],
        vec![
            "routes".into(),
            "origin".into(),
            "--farm".into(),
            "Li orchard".into(),
            "haikou".into(),
        ],
    ] {
        let out = Command::new(bin("farmlive"))
            .arg("hub")
            .args(&args)
            .args(hub.db_args())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let buyers: Vec<_> = (0..20)
        .map(|i| rt.block_on(BuyerBuilder::new(&format!("buyer {i}")).sign_up(&hub.url)))
        .collect();
    let cities = ["beijing", "shanghai", "guangzhou"];
    rt.block_on(async {
        for i in 0..orders {
            let b = &buyers[i % buyers.len()];
            let delivery = if i % 3 == 0 {
                Delivery::NonContact
            } else {
                Delivery::Standard
            };
            b.order_to(mangoes, 1, delivery, &format!("k{i}"), Some(cities[i % 3]))
                .await
                .unwrap();
        }
    });
    let options = SyncOptions {
        pull_page: 1_000,
        ..Default::default()
    };
    phone.try_sync(&rt, &options).unwrap();

    let filter = ManifestFilter {
        utc_offset_minutes: 480,
        ..Default::default()
    };
    let (build_ms, manifest) = best_of(5, || phone.core.manifest(&filter).unwrap());
    assert_eq!(manifest.len(), orders, "every order once");
    let (csv_ms, csv) = best_of(5, || manifest.to_csv());
    let (html_ms, html) = best_of(5, || manifest.to_html(Lang::Zh));
    assert_eq!(html.matches("<svg").count(), orders);

    let db = phone.dir.path().join(farmlive_core::DB_FILE);
    let (peer_ms, parsed) = best_of(5, || {
        let conn = rusqlite::Connection::open(&db).unwrap();
        let mut stmt = conn.prepare("SELECT state FROM orders").unwrap();
        let rows: Vec<OrderState> = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .map(|s| serde_json::from_str(&s.unwrap()).unwrap())
            .collect();
        rows.len()
    });
    assert_eq!(parsed, orders);
    println!("{}", machine::describe());
    println!(
        "manifest of {orders} orders ({} groups): read and group {build_ms:.1} ms, CSV {csv_ms:.1} ms ({} KB), labels HTML with QR codes {html_ms:.1} ms ({} KB); total {:.1} ms",
        manifest.groups.len(),
        csv.len() / 1024,
        html.len() / 1024,
        build_ms + csv_ms + html_ms
    );
    println!(
        "peer: raw rusqlite read + JSON parse of the same orders {peer_ms:.1} ms; read-and-group / peer = {:.2}×",
        build_ms / peer_ms
    );
}
