//! `farmlive listing ...`

use crate::args::{AddListing, EditListing, ListListings, ListingCommand, PhotoCommand, StockArgs};
use crate::output::Output;
use crate::{CmdResult, Failure};
use farmlive_core::protocol::{
    Currency, ListingDraft, ListingPatch, ListingStatus, Message, Money, MoneyError, Unit,
};
use farmlive_core::{Core, ListingFilter};

fn money(price: &str, currency: &str) -> Result<Money, Failure> {
    let refused = |e: MoneyError| Failure::input_msg(Message::from(&e));
    let currency = Currency::from_code(currency).map_err(refused)?;
    Money::parse(price, currency).map_err(refused)
}

fn unit(name: &str) -> Result<Unit, Failure> {
    name.parse().map_err(Failure::input)
}

/// Runs one listing command.
pub fn run(core: &Core, out: &Output, cmd: ListingCommand) -> CmdResult {
    match cmd {
        ListingCommand::Add(a) => add(core, out, a),
        ListingCommand::Edit(e) => edit(core, out, e),
        ListingCommand::List(l) => list(core, out, l),
        ListingCommand::Show { id } => {
            out.listing(&core.listing(core.find_listing_id(&id)?)?);
            Ok(())
        }
        ListingCommand::Search { query, limit } => {
            out.listings(&core.search(&query.join(" "), limit)?);
            Ok(())
        }
        ListingCommand::Stock(s) => stock(core, out, s),
        ListingCommand::Pause { id } => status(core, out, &id, ListingStatus::Paused),
        ListingCommand::Resume { id } => status(core, out, &id, ListingStatus::Active),
        ListingCommand::Archive { id } => status(core, out, &id, ListingStatus::Archived),
        ListingCommand::Photo(PhotoCommand::Add { id, files }) => {
            let id = core.find_listing_id(&id)?;
            for file in files {
                core.add_photo_file(id, &file)
                    .map_err(|e| Failure::from(e).with_context(&file.display().to_string()))?;
            }
            out.listing(&core.listing(id)?);
            Ok(())
        }
        ListingCommand::Photo(PhotoCommand::Rm { id, photo }) => {
            let id = core.find_listing_id(&id)?;
            core.remove_photo(id, &photo)?;
            out.listing(&core.listing(id)?);
            Ok(())
        }
    }
}

fn add(core: &Core, out: &Output, a: AddListing) -> CmdResult {
    let draft = ListingDraft {
        title: a.title,
        description: a.description,
        unit: unit(&a.unit)?,
        price: money(&a.price, &a.currency)?,
        stock: a.stock,
    };
    // Check every photo can be read before creating anything.
    for photo in &a.photos {
        if !photo.is_file() {
            return Err(Failure::input(format!("no photo at {}", photo.display())));
        }
    }
    let farm = core.resolve_farm(a.farm.as_deref())?;
    let listing = core.create_listing(farm.id, draft)?;
    for photo in &a.photos {
        core.add_photo_file(listing.id, photo).map_err(|e| {
            Failure::from(e).with_context(&format!(
                "{} (the listing was created without it; add it again with `farmlive listing photo add {}`)",
                photo.display(),
                crate::output::short_id(&listing.id)
            ))
        })?;
    }
    out.listing(&core.listing(listing.id)?);
    Ok(())
}

fn edit(core: &Core, out: &Output, e: EditListing) -> CmdResult {
    let id = core.find_listing_id(&e.id)?;
    let patch = ListingPatch {
        title: e.title,
        description: e.description,
        unit: e.unit.as_deref().map(unit).transpose()?,
        price: e
            .price
            .as_deref()
            .map(|p| money(p, &e.currency))
            .transpose()?,
    };
    out.listing(&core.edit_listing(id, patch)?);
    Ok(())
}

fn list(core: &Core, out: &Output, l: ListListings) -> CmdResult {
    let status = l
        .status
        .as_deref()
        .map(str::parse::<ListingStatus>)
        .transpose()
        .map_err(Failure::input)?;
    let farm = match l.farm.as_deref() {
        Some(f) => Some(core.resolve_farm(Some(f))?.id),
        None => None,
    };
    let filter = ListingFilter {
        farm,
        status,
        limit: l.limit,
    };
    out.listings(&core.listings(&filter)?);
    Ok(())
}

fn stock(core: &Core, out: &Output, s: StockArgs) -> CmdResult {
    let id = core.find_listing_id(&s.id)?;
    let listing = match (s.set, s.add, s.remove) {
        (Some(level), _, _) => core.set_stock(id, level)?,
        (_, Some(n), _) => core.adjust_stock(id, n)?,
        (_, _, Some(n)) if n < 0 => {
            return Err(Failure::input("--remove takes a positive number of units"));
        }
        (_, _, Some(n)) => core.adjust_stock(id, -n)?,
        _ => return Err(Failure::input("give --set, --add or --remove")),
    };
    out.listing(&listing);
    Ok(())
}

fn status(core: &Core, out: &Output, id: &str, to: ListingStatus) -> CmdResult {
    let id = core.find_listing_id(id)?;
    out.listing(&core.set_listing_status(id, to)?);
    Ok(())
}
