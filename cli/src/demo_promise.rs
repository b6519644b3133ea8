//! The demo's part for the programme's promises (issue 15): a buyer in
//! Beijing sees the promised date and orders; one in Tianjin is refused
//! with the nearest served cities; then the farmer's dispatch manifest and
//! the farm's sales, briefly.

use crate::demo_sync::DemoHub;
use crate::{Failure, stats_cmd};
use farmlive_core::Core;
use farmlive_core::protocol::messages::{money_text, weight_text};
use farmlive_core::protocol::{BuyerContact, Currency, Delivery, Lang, ListingId};
use farmlive_core::sync::BuyerClient;
use std::path::Path;
use tokio::runtime::Runtime;

/// A buyer in Beijing: the quote, then the order; and one in Tianjin,
/// refused. Lines for the demo's output.
pub fn route_orders(rt: &Runtime, hub: &DemoHub, listing: ListingId) -> Result<String, Failure> {
    let contact = BuyerContact {
        name: "Zhao Lei".into(),
        phone: "+86 139 1000 2000".into(),
        address: "北京市朝阳区 建国路 88 号".into(),
    };
    let (buyer, _) = rt.block_on(BuyerClient::sign_up(&hub.url, &contact))?;
    let quote = rt.block_on(buyer.delivery_quote(listing, "北京"))?;
    let order =
        rt.block_on(buyer.order_to(listing, 2, Delivery::Standard, "demo-beijing", Some("北京")))?;
    let promised = order
        .route
        .as_ref()
        .map_or(quote.promised_by, |r| r.promised_by);
    let refused = match rt.block_on(buyer.order_to(
        listing,
        1,
        Delivery::Standard,
        "demo-tianjin",
        Some("天津"),
    )) {
        Err(farmlive_core::Error::Hub { message, .. }) => message,
        Ok(_) => "accepted?!".into(),
        Err(e) => e.to_string(),
    };
    Ok(format!(
        "Beijing: {} in {} days, arrives by {}; Tianjin refused: {refused}",
        quote.carrier,
        quote.transit_days,
        stats_cmd::local_date(promised)
    ))
}

/// The farmer's dispatch manifest, written into the demo folder.
pub fn manifest(farmer: &Core, dir: &Path) -> Result<String, Failure> {
    let m = farmer.manifest(&farmlive_core::manifest::ManifestFilter {
        utc_offset_minutes: 480,
        ..Default::default()
    })?;
    let (csv, html) = (dir.join("manifest.csv"), dir.join("labels.html"));
    let write = |path: &Path, text: String| {
        std::fs::write(path, text)
            .map_err(|e| Failure::input(format!("cannot write {}: {e}", path.display())))
    };
    write(&csv, m.to_csv())?;
    write(&html, m.to_html(Lang::Zh))?;
    let routes: Vec<String> = m
        .groups
        .iter()
        .map(|g| format!("{} ({})", g.city, g.lines.len()))
        .collect();
    Ok(format!(
        "{} orders to ship by route: {}; labels in {}",
        m.len(),
        routes.join(", "),
        html.display()
    ))
}

/// The farm's sales today, from the synced orders.
pub fn sales(farmer: &Core) -> Result<String, Failure> {
    let r = farmer.sales(None, 480)?;
    let t = &r.today;
    let revenue =
        farmlive_core::protocol::Money::from_minor(t.revenue_minor(Currency::CNY), Currency::CNY);
    Ok(format!(
        "today {} orders, {}, {} sold ({} on air); season {}",
        t.orders,
        money_text(&revenue, Lang::Zh),
        weight_text(t.grams, Lang::Zh),
        r.on_air.orders,
        weight_text(r.season.grams, Lang::Zh)
    ))
}
