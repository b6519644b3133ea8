//! Issue 10, the hub's smaller defects: a corrupt gzip body is a bad
//! request (not "too large"), and invisible or direction-control titles are
//! refused by the hub as by the device.

#![allow(clippy::unwrap_used)]

use farmlive_core::protocol::OpId;
use farmlive_core::protocol::api::Role;
use farmlive_tests::api::Api;
use farmlive_tests::{HubProcess, ListingBuilder, rt};
use reqwest::Method;
use serde_json::json;

#[test]
fn a_corrupt_gzip_body_is_a_bad_request_not_too_large() {
    let rt = rt();
    let hub = HubProcess::start();
    let farmer = hub.device(&rt, &["Gzip farm"], Role::Farmer, "farmer");
    let token = farmer.token();
    let api = Api::new(&hub.url);
    // A gzip header, then bytes that are no deflate stream.
    let mut corrupt = vec![0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff];
    corrupt.extend_from_slice(&[0xde, 0xad, 0xbe, 0xef, 0x00, 0x11, 0x22, 0x33, 0x44]);
    rt.block_on(async {
        for (path, token) in [("/v1/ops", Some(token.as_str())), ("/v1/buyers", None)] {
            let gzip = [("content-encoding", "gzip".into())];
            let corrupt = Some(corrupt.clone());
            let (status, body, _) = api.send(Method::POST, path, token, corrupt, &gzip).await;
            assert_eq!(status, 400, "{path}: {body}");
            assert_eq!(body["error"]["code"], "unreadable_body", "{path}: {body}");
        }
    });
}

#[test]
fn the_hub_refuses_invisible_and_direction_control_titles() {
    let rt = rt();
    let hub = HubProcess::start();
    let farmer = hub.device(&rt, &["Text farm"], Role::Farmer, "farmer");
    let listing = farmer.list("Text farm", &ListingBuilder::new("Mangoes")).id;
    farmer.sync(&rt);
    let token = farmer.token();
    let api = Api::new(&hub.url);
    rt.block_on(async {
        for title in [
            "\u{200B}\u{200C}",
            "\u{FEFF}",
            "abc\u{202E}gpj",
            "\u{2067}x",
        ] {
            let ops = json!({ "ops": [{ "id": OpId::new(), "at": farmlive_tests::stamp_now(), "type": "listing_edit",
                "listing": listing, "patch": { "title": title } }] });
            let (status, body) = api.call(Method::POST, "/v1/ops", &token, ops).await;
            let refused =
                status == 400 || (status == 200 && body["results"][0]["outcome"] == "rejected");
            assert!(refused, "{title:?} was accepted: {status} {body}");
        }
    });
    assert_eq!(farmer.core.listing(listing).unwrap().title, "Mangoes");
}
