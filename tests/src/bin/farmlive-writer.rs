//! A device process for the kill tests: performs user actions on a data
//! directory forever, printing each one only after the core acknowledged it.
//!
//! Usage: `farmlive-writer DATA_DIR PHOTO...`
//! Prints `created ID`, `photo ID SHA256`, `stock ID LEVEL`.

use farmlive_core::Core;
use farmlive_core::protocol::{Currency, ListingDraft, Money, Unit};
use std::io::Write;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args
        .next()
        .ok_or("usage: farmlive-writer DATA_DIR PHOTO...")?;
    let photos: Vec<Vec<u8>> = args.map(std::fs::read).collect::<Result<_, _>>()?;
    let core = Core::open(&dir)?;
    let farm = core.resolve_farm(None)?;
    let mut out = std::io::stdout().lock();
    for i in 0u64.. {
        let draft = ListingDraft {
            title: format!("芒果 batch {i}"),
            description: "kill test".into(),
            unit: Unit::Kg,
            price: Money::from_minor(100 + i as i64, Currency::CNY),
            stock: 1_000,
        };
        let listing = core.create_listing(farm.id, draft)?;
        writeln!(out, "created {}", listing.id)?;
        out.flush()?;
        if !photos.is_empty() && i % 3 == 0 {
            let photo =
                core.add_photo_bytes(listing.id, &photos[(i / 3) as usize % photos.len()])?;
            writeln!(out, "photo {} {}", listing.id, photo.sha256)?;
            out.flush()?;
        }
        for _ in 0..3 {
            let l = core.adjust_stock(listing.id, -1)?;
            writeln!(out, "stock {} {}", l.id, l.stock)?;
            out.flush()?;
        }
    }
    Ok(())
}
