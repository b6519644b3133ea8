//! Listings, the outbox written atomically with each action, and search.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;

use common::*;
use farmlive_core::protocol::ops::OpBody;
use farmlive_core::protocol::{
    Currency, ListingPatch, ListingStatus, Money, Unit, ValidationError,
};
use farmlive_core::{Error, ListingFilter};

#[test]
fn create_writes_the_row_and_one_op_with_the_same_stamp() {
    let (_dir, core, farm) = open();
    let l = core
        .create_listing(farm.id, draft(" 海南芒果 ", "树上熟"))
        .unwrap();
    assert_eq!(l.title, "海南芒果", "normalised");
    assert_eq!(l.status, ListingStatus::Active);
    let ops = core.pending_ops(10).unwrap();
    assert_eq!(ops.len(), 1);
    match &ops[0].op.body {
        OpBody::ListingCreate {
            listing,
            farm: f,
            fields,
        } => {
            assert_eq!((*listing, *f), (l.id, farm.id));
            assert_eq!(fields.title, "海南芒果");
        }
        other => panic!("unexpected op {other:?}"),
    }
}

#[test]
fn every_action_appends_its_op_in_order() {
    let (_dir, core, farm) = open();
    let l = core.create_listing(farm.id, draft("Mangoes", "")).unwrap();
    let patch = ListingPatch {
        title: Some("Sweet mangoes".into()),
        price: Some(Money::from_minor(990, Currency::CNY)),
        ..Default::default()
    };
    let edited = core.edit_listing(l.id, patch).unwrap();
    assert_eq!(
        (edited.title.as_str(), edited.price.minor),
        ("Sweet mangoes", 990)
    );
    assert_eq!(core.set_stock(l.id, 40).unwrap().stock, 40);
    assert_eq!(core.adjust_stock(l.id, -15).unwrap().stock, 25);
    assert_eq!(
        core.set_listing_status(l.id, ListingStatus::Paused)
            .unwrap()
            .status,
        ListingStatus::Paused
    );
    // Setting the same status again is a no-op: no extra op.
    core.set_listing_status(l.id, ListingStatus::Paused)
        .unwrap();
    core.set_listing_status(l.id, ListingStatus::Active)
        .unwrap();
    let kinds: Vec<&str> = core
        .pending_ops(100)
        .unwrap()
        .iter()
        .map(|p| p.op.body.kind())
        .collect();
    assert_eq!(
        kinds,
        [
            "listing_create",
            "listing_edit",
            "stock_set",
            "stock_adjust",
            "listing_status",
            "listing_status"
        ]
    );
    let stamps: Vec<_> = core
        .pending_ops(100)
        .unwrap()
        .iter()
        .map(|p| p.op.at)
        .collect();
    assert!(
        stamps.windows(2).all(|w| w[0] < w[1]),
        "stamps strictly increase"
    );
}

#[test]
fn rule_violations_reach_the_caller_as_typed_errors_and_write_nothing() {
    let (dir, core, farm) = open();
    let mut bad = draft("Mangoes", "");
    bad.price = Money::from_minor(-1, Currency::CNY);
    let err = core.create_listing(farm.id, bad).unwrap_err();
    assert!(matches!(
        err,
        Error::Invalid(ValidationError::PriceNotPositive)
    ));
    assert!(err.is_bad_input());
    assert_eq!(err.to_string(), "price must be more than 0");

    let l = core.create_listing(farm.id, draft("Mangoes", "")).unwrap();
    let err = core.adjust_stock(l.id, -101).unwrap_err();
    assert_eq!(err.to_string(), "only 100 in stock; cannot take away 101");
    let err = core
        .edit_listing(l.id, ListingPatch::default())
        .unwrap_err();
    assert!(matches!(
        err,
        Error::Invalid(ValidationError::NothingToChange)
    ));

    let conn = raw(&dir);
    assert_eq!(count(&conn, "listings"), 1);
    assert_eq!(
        count(&conn, "outbox"),
        1,
        "only the successful create left an op"
    );
}

#[test]
fn an_action_that_fails_midway_leaves_neither_row_nor_op() {
    let (dir, core, farm) = open();
    let l = core.create_listing(farm.id, draft("Mangoes", "")).unwrap();
    // Another connection makes every outbox insert fail, as a full disk would,
    // after the action has already written its row.
    raw(&dir)
        .execute_batch(
            "CREATE TRIGGER fail_outbox BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'disk full'); END;",
        )
        .unwrap();
    assert!(core.create_listing(farm.id, draft("Lychees", "")).is_err());
    assert!(
        core.edit_listing(
            l.id,
            ListingPatch {
                title: Some("Changed".into()),
                ..Default::default()
            }
        )
        .is_err()
    );
    assert!(core.adjust_stock(l.id, 5).is_err());

    let conn = raw(&dir);
    assert_eq!(count(&conn, "listings"), 1, "the failed create left no row");
    assert_eq!(count(&conn, "outbox"), 1);
    let after = core.listing(l.id).unwrap();
    assert_eq!(
        (after.title.as_str(), after.stock),
        ("Mangoes", 100),
        "failed edits rolled back"
    );
    assert_eq!(
        core.search("Lychees", 10).unwrap().len(),
        0,
        "search index rolled back too"
    );
}

#[test]
fn archived_listings_are_final_and_hidden_by_default() {
    let (_dir, core, farm) = open();
    let l = core.create_listing(farm.id, draft("Mangoes", "")).unwrap();
    core.set_listing_status(l.id, ListingStatus::Archived)
        .unwrap();
    let err = core
        .set_listing_status(l.id, ListingStatus::Active)
        .unwrap_err();
    assert!(matches!(err, Error::Invalid(ValidationError::Archived)));
    assert!(core.set_stock(l.id, 3).is_err());
    assert!(core.listings(&ListingFilter::default()).unwrap().is_empty());
    let archived = ListingFilter {
        status: Some(ListingStatus::Archived),
        ..Default::default()
    };
    assert_eq!(core.listings(&archived).unwrap().len(), 1);
}

#[test]
fn list_filters_by_farm_and_status() {
    let (_dir, core, li) = open();
    let green = core.add_farm("Green Valley").unwrap();
    let a = core.create_listing(li.id, draft("Mangoes", "")).unwrap();
    core.create_listing(green.id, draft("Eggs", "")).unwrap();
    core.create_listing(green.id, draft("Corn", "")).unwrap();
    core.set_listing_status(a.id, ListingStatus::Paused)
        .unwrap();
    let titles = |f: ListingFilter| -> Vec<String> {
        let mut t: Vec<String> = core
            .listings(&f)
            .unwrap()
            .into_iter()
            .map(|l| l.title)
            .collect();
        t.sort();
        t
    };
    assert_eq!(
        titles(ListingFilter {
            farm: Some(green.id),
            ..Default::default()
        }),
        ["Corn", "Eggs"]
    );
    assert_eq!(
        titles(ListingFilter {
            status: Some(ListingStatus::Paused),
            ..Default::default()
        }),
        ["Mangoes"]
    );
    assert_eq!(
        titles(ListingFilter {
            limit: 2,
            ..Default::default()
        })
        .len(),
        2
    );
}

#[test]
fn unknown_ids_and_farms_are_not_found() {
    let (_dir, core, _farm) = open();
    let ghost = farmlive_core::protocol::ListingId::new();
    assert!(matches!(
        core.listing(ghost),
        Err(Error::NotFound {
            what: "listing",
            ..
        })
    ));
    let ghost_farm = farmlive_core::protocol::FarmId::new();
    assert!(matches!(
        core.create_listing(ghost_farm, draft("x", "")),
        Err(Error::NotFound { what: "farm", .. })
    ));
}

#[test]
fn listings_are_found_by_the_end_of_their_id() {
    let (_dir, core, farm) = open();
    let l = core.create_listing(farm.id, draft("Mangoes", "")).unwrap();
    let id = l.id.to_string();
    assert_eq!(core.find_listing_id(&id).unwrap(), l.id);
    assert_eq!(core.find_listing_id(&id[id.len() - 8..]).unwrap(), l.id);
    assert!(core.find_listing_id("zz").is_err());
    assert!(matches!(
        core.find_listing_id("ffffffff"),
        Err(Error::NotFound { .. })
    ));
}

#[test]
fn farm_is_resolved_by_name_or_made_on_a_fresh_device() {
    let dir = tempfile::tempdir().unwrap();
    let core = farmlive_core::Core::open(dir.path()).unwrap();
    let made = core.resolve_farm(None).unwrap();
    assert_eq!(made.name, "My farm");
    assert_eq!(
        core.resolve_farm(None).unwrap(),
        made,
        "the only farm is the default"
    );
    core.add_farm("Green Valley").unwrap();
    assert!(core.resolve_farm(None).is_err(), "two farms: must choose");
    assert_eq!(
        core.resolve_farm(Some("Green Valley")).unwrap().name,
        "Green Valley"
    );
}

#[test]
fn search_finds_chinese_and_english_substrings() {
    let (_dir, core, farm) = open();
    core.create_listing(farm.id, draft("海南贵妃芒果", "树上自然熟，今早现摘"))
        .unwrap();
    core.create_listing(farm.id, draft("妃子笑荔枝", "Feizixiao lychees, sweet"))
        .unwrap();
    let avocado = core
        .create_listing(farm.id, draft("Organic Avocados", "Hass, ripe in 3 days"))
        .unwrap();
    let mut eggs = draft("Free-range eggs", "Brown eggs");
    eggs.unit = Unit::Dozen;
    core.create_listing(farm.id, eggs).unwrap();

    let titles = |q: &str| -> Vec<String> {
        core.search(q, 10)
            .unwrap()
            .into_iter()
            .map(|l| l.title)
            .collect()
    };
    assert_eq!(
        titles("芒果"),
        ["海南贵妃芒果"],
        "two-character Chinese word"
    );
    assert_eq!(
        titles("贵妃芒"),
        ["海南贵妃芒果"],
        "three-character substring via FTS"
    );
    assert_eq!(titles("自然熟"), ["海南贵妃芒果"], "description");
    let mut fei = titles("妃");
    fei.sort();
    assert_eq!(
        fei,
        ["妃子笑荔枝", "海南贵妃芒果"],
        "one character matches both"
    );
    assert_eq!(
        titles("avocado"),
        ["Organic Avocados"],
        "case-insensitive substring"
    );
    assert_eq!(
        titles("lychee sweet"),
        ["妃子笑荔枝"],
        "all words must match"
    );
    assert!(titles("lychee mango").is_empty());
    assert!(titles("durian").is_empty());

    // The index follows edits and archiving.
    core.edit_listing(
        avocado.id,
        ListingPatch {
            title: Some("牛油果 Avocado".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(titles("牛油果"), ["牛油果 Avocado"]);
    assert!(titles("Organic").is_empty());
    core.set_listing_status(avocado.id, ListingStatus::Archived)
        .unwrap();
    assert!(titles("牛油果").is_empty());
}

#[test]
fn search_treats_operators_and_wildcards_as_plain_text() {
    let (_dir, core, farm) = open();
    core.create_listing(farm.id, draft("100% organic rice", ""))
        .unwrap();
    core.create_listing(farm.id, draft("Brown rice", ""))
        .unwrap();
    let titles = |q: &str| -> Vec<String> {
        core.search(q, 10)
            .unwrap()
            .into_iter()
            .map(|l| l.title)
            .collect()
    };
    assert_eq!(titles("0%"), ["100% organic rice"], "% is literal");
    assert!(
        titles("\"rice\" OR NOT").is_empty(),
        "FTS syntax is not interpreted"
    );
    assert!(core.search("", 10).is_err());
}
