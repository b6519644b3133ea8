//! Issue 10, finding 5: a device clock can never be poisoned. Against a real
//! hub process: stamps that do not parse or that run far ahead of the hub's
//! clock are refused, a device pulling never advances its clock to such a
//! stamp, and a cursor past the end of the feed sees nothing.

#![allow(clippy::unwrap_used)]

use farmlive_core::protocol::api::Role;
use farmlive_core::protocol::hlc::{MAX_AHEAD_MS, MAX_WALL_MS};
use farmlive_core::protocol::{ListingPatch, OpId};
use farmlive_tests::api::Api;
use farmlive_tests::{Device, HubProcess, ListingBuilder, now_ms, rt};
use reqwest::Method;
use serde_json::{Value, json};

/// Asserts the device's clock reads a sane time: not ahead of now by more
/// than the allowed skew, and its text form parses back.
fn assert_sane_clock(device: &Device) {
    let last = device.core.last_stamp();
    assert!(
        last.wall_ms >= 0 && last.wall_ms <= now_ms() + MAX_AHEAD_MS,
        "the device clock was poisoned: {last}"
    );
    assert_eq!(
        last.to_string()
            .parse::<farmlive_core::protocol::Hlc>()
            .unwrap(),
        last
    );
}

#[test]
fn the_hub_refuses_stamps_that_wrap_or_run_ahead_and_later_edits_still_win() {
    let rt = rt();
    let hub = HubProcess::start();
    let farmer = hub.device(&rt, &["Clock farm"], Role::Farmer, "farmer");
    let listing = farmer
        .list("Clock farm", &ListingBuilder::new("Mangoes").stock(10))
        .id;
    farmer.sync(&rt);
    let token = farmer.token();
    let api = Api::new(&hub.url);
    let device = OpId::new(); // any UUID stands for a device in a stamp
    let edit = |at: String, title: &str| {
        json!({ "ops": [{ "id": OpId::new(), "at": at, "type": "listing_edit",
            "listing": listing, "patch": { "title": title } }] })
    };

    rt.block_on(async {
        // The stamp of the finding: i64::MAX wall, u32::MAX counter.
        let poison = format!("9223372036854775807-4294967295-{device}");
        let (status, body) = api
            .call(Method::POST, "/v1/ops", &token, edit(poison, "Poisoned"))
            .await;
        assert_eq!(status, 400, "{body}");
        // The largest stamp that parses, and one just past the allowed skew.
        for wall in [MAX_WALL_MS, now_ms() + MAX_AHEAD_MS + 60_000] {
            let at = format!("{wall:016}-0000000000-{device}");
            let (status, body) = api
                .call(Method::POST, "/v1/ops", &token, edit(at, "Poisoned"))
                .await;
            assert_eq!(status, 200, "{body}");
            assert_eq!(body["results"][0]["outcome"], "rejected", "{body}");
            assert_eq!(body["results"][0]["code"], "clock_ahead", "{body}");
        }
        // A stamp a little ahead (a phone whose clock drifts) is fine.
        let at = format!("{:016}-0000000000-{device}", now_ms() + 30_000);
        let (status, body) = api
            .call(Method::POST, "/v1/ops", &token, edit(at, "Ripe mangoes"))
            .await;
        assert_eq!(
            (status, body["results"][0]["outcome"].as_str()),
            (200, Some("applied")),
            "{body}"
        );
    });

    // The device pulls, keeps a sane clock, and its next edit wins everywhere.
    farmer.sync(&rt);
    assert_sane_clock(&farmer);
    assert_eq!(farmer.core.listing(listing).unwrap().title, "Ripe mangoes");
    let patch = ListingPatch {
        title: Some("Sweet mangoes".into()),
        ..Default::default()
    };
    farmer.core.edit_listing(listing, patch).unwrap();
    farmer.sync(&rt);
    assert_eq!(
        hub.listing(listing).title.value,
        "Sweet mangoes",
        "the later edit won on the hub"
    );
}

#[test]
fn a_device_pulling_a_poisoned_stamp_keeps_a_sane_clock() {
    let rt = rt();
    let hub = HubProcess::start();
    let farmer = hub.device(&rt, &["Old farm"], Role::Farmer, "farmer");
    let listing = farmer
        .list("Old farm", &ListingBuilder::new("Melons").stock(10))
        .id;
    farmer.sync(&rt);
    // A hub from before the fix accepted a poisoned stamp: put one in its
    // change feed, as such a hub would have (into the SQLite file itself).
    let sql = hub.sqlite();
    let (farm, state): (String, String) = sql
        .query_row(
            "SELECT farm_id, state FROM changes WHERE entity_id = ?1 ORDER BY seq DESC LIMIT 1",
            [listing.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let mut state: Value = serde_json::from_str(&state).unwrap();
    let device = OpId::new();
    state["state"]["title"] =
        json!({ "value": "Melons!", "at": format!("{MAX_WALL_MS}-4294967295-{device}") });
    sql.execute(
        "INSERT INTO changes (farm_id, kind, entity_id, state) VALUES (?1, 'listing', ?2, ?3)",
        rusqlite::params![farm, listing.to_string(), state.to_string()],
    )
    .unwrap();

    let agent = hub.device(&rt, &["Old farm"], Role::Agent, "agent");
    agent.sync(&rt);
    assert_eq!(
        agent.core.listing(listing).unwrap().title,
        "Melons!",
        "the state arrives"
    );
    assert_sane_clock(&agent);
    // Its own next stamp is a plain current time, not past the poison.
    let patch = ListingPatch {
        description: Some("juicy".into()),
        ..Default::default()
    };
    agent.core.edit_listing(listing, patch).unwrap();
    assert_sane_clock(&agent);
    agent.sync(&rt);
    assert_sane_clock(&agent);
}

#[test]
fn a_cursor_past_the_end_of_the_feed_sees_nothing() {
    let rt = rt();
    let hub = HubProcess::start();
    let farmer = hub.device(&rt, &["Feed farm"], Role::Farmer, "farmer");
    farmer.list("Feed farm", &ListingBuilder::new("Lychees").stock(10));
    farmer.sync(&rt);
    let token = farmer.token();
    let api = Api::new(&hub.url);
    rt.block_on(async {
        let (status, all) = api
            .call(Method::GET, "/v1/changes?after=0", &token, Value::Null)
            .await;
        assert_eq!(status, 200);
        assert!(!all["changes"].as_array().unwrap().is_empty());
        assert!(
            all["hub_time_ms"].as_i64().unwrap() > 0,
            "the page carries the hub's clock"
        );
        for after in [u64::MAX, i64::MAX as u64 + 1, i64::MAX as u64] {
            let (status, page) = api
                .call(
                    Method::GET,
                    &format!("/v1/changes?after={after}"),
                    &token,
                    Value::Null,
                )
                .await;
            assert_eq!(status, 200, "{after}: {page}");
            assert_eq!(
                page["changes"],
                json!([]),
                "after={after} must not wrap to the whole feed"
            );
            assert_eq!(page["more"], false);
        }
    });
}
