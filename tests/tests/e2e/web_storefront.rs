//! The hub's web storefront on a real hub process, as a browser without
//! JavaScript uses it: the home page's listings, photos and prices, hostile
//! text escaped and isolated, security headers and cached assets, and the
//! language chosen by `Accept-Language` or the switch.

#![allow(clippy::unwrap_used)]

use super::web_support::{Browser, world};
use farmlive_tests::ListingBuilder;
use farmlive_tests::rt;

#[test]
fn the_home_page_lists_active_listings_with_prices_and_photos_escaped() {
    let rt = rt();
    let w = world(&rt, &[]);
    rt.block_on(async {
        let mut b = Browser::new(&w.hub.url, "en");
        let home = b.get("/").await;
        assert_eq!(home.status, 200);
        assert!(
            home.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let body = &home.body;
        assert!(
            body.contains("Guifei mango") && body.contains("Lychee"),
            "{body}"
        );
        assert!(
            body.contains("¥10.00") && body.contains("¥20.00"),
            "prices: {body}"
        );
        assert!(
            body.contains(&format!("/v1/blobs/{}", w.photo)),
            "photo: {body}"
        );
        assert!(
            !body.contains("Hidden jackfruit"),
            "a paused listing is not shown"
        );
        assert!(
            !body.contains("Old durian"),
            "an archived listing is not shown"
        );
        // The photo the page links is served to anyone.
        assert_eq!(w.api.blob_get(None, &w.photo).await.0, 200);
        // Hostile text is escaped, and isolated so right-to-left text cannot
        // reorder what surrounds it.
        assert!(!body.contains("<script>alert"), "{body}");
        assert!(
            body.contains("<bdi>&#60;script&#62;alert(1)&#60;/script&#62; שלום papaya</bdi>"),
            "{body}"
        );
        // Security headers.
        let csp = home.headers["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("default-src 'self'") && csp.contains("media-src 'self' blob:"),
            "{csp}"
        );
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{csp}"
        );
        assert_eq!(home.headers["x-content-type-options"], "nosniff");
        assert!(home.headers.contains_key("referrer-policy"));
        // The stylesheet it links is served, cached for good.
        let css = body
            .split("href=\"/assets/")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        let asset = b.get(&format!("/assets/{css}")).await;
        assert_eq!(asset.status, 200);
        assert!(
            asset.headers["cache-control"]
                .to_str()
                .unwrap()
                .contains("immutable")
        );
        assert_eq!(b.get("/assets/app.00000000.css").await.status, 404);
        // Bidi controls cannot get in at all: the hub refuses them in titles.
        let op = ListingBuilder::new("abc\u{202E}gpj.exe").op(w.farm);
        assert_ne!(w.api.op(&w.token, op).await, "applied");
    });
}

#[test]
fn the_language_follows_accept_language_and_the_switch_overrides_it() {
    let rt = rt();
    let w = world(&rt, &[]);
    rt.block_on(async {
        let mut zh = Browser::new(&w.hub.url, "zh-CN,zh;q=0.9,en;q=0.5");
        let page = zh.get("/").await;
        assert!(
            page.body.contains("lang=\"zh-CN\"") && page.body.contains("正在直播"),
            "{}",
            page.body
        );
        let mut en = Browser::new(&w.hub.url, "en-US,en;q=0.9");
        let page = en.get("/").await;
        assert!(page.body.contains("lang=\"en\"") && page.body.contains("On air now"));
        assert!(!page.body.contains("正在直播"));
        // The switch: a link that sets the cookie and goes back.
        let switch = en.get("/lang/zh?back=/").await;
        assert_eq!((switch.status, switch.location()), (303, "/"));
        let page = en.get("/").await;
        assert!(
            page.body.contains("正在直播"),
            "the cookie overrides Accept-Language"
        );
        let back = en.get("/lang/en?back=//evil.example/").await;
        assert_eq!(back.location(), "/", "no open redirect");
        assert!(en.get("/").await.body.contains("On air now"));
    });
}

#[test]
fn a_room_with_an_external_playback_address_lets_only_that_origin_in() {
    let rt = rt();
    let w = world(&rt, &[]);
    rt.block_on(async {
        let room = farmlive_tests::RoomBuilder::new(w.farm, &[w.mango])
            .title("On the CDN")
            .playback_url("https://cdn.example:8443/live/mango.m3u8");
        let (room, _) = w.api.open(&w.token, &room).await;
        let page = Browser::new(&w.hub.url, "en")
            .get(&format!("/r/{room}"))
            .await;
        assert_eq!(page.status, 200);
        let csp = page.headers["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("media-src 'self' blob: https://cdn.example:8443;"),
            "{csp}"
        );
        assert!(
            csp.contains("connect-src 'self' https://cdn.example:8443;"),
            "{csp}"
        );
        assert!(
            csp.contains("script-src 'self';"),
            "no script from elsewhere: {csp}"
        );
        assert!(
            page.body
                .contains("data-hls=\"https://cdn.example:8443/live/mango.m3u8\""),
            "{}",
            page.body
        );
        assert!(
            !page.body.contains("data-flv"),
            "the hub relays nothing here"
        );
    });
}

#[test]
fn listing_cards_load_the_photos_thumbnail_and_the_hub_serves_it() {
    let rt = rt();
    let hub = farmlive_tests::HubProcess::start();
    let farmer = hub.device(
        &rt,
        &["Li orchard"],
        farmlive_core::protocol::api::Role::Farmer,
        "phone",
    );
    let l = farmer.list("Li orchard", &ListingBuilder::new("Mangoes").stock(5));
    // The device's own pipeline makes the listing image and the thumbnail.
    let photo = farmer
        .core
        .add_photo_file(l.id, farmlive_tests::photo("phone-12mp-exif-rotated.jpg"))
        .unwrap();
    assert_ne!(photo.thumb_sha256, photo.sha256);
    farmer.sync(&rt);
    let thumb = std::fs::read(farmer.core.photo_path(&photo.thumb_sha256).unwrap()).unwrap();
    let full = std::fs::read(farmer.core.photo_path(&photo.sha256).unwrap()).unwrap();
    assert!(thumb.len() * 3 < full.len(), "a thumbnail is much smaller");
    rt.block_on(async {
        // The public listing names the thumbnail, with the photo's shape.
        let listings: serde_json::Value = reqwest::get(format!("{}/v1/listings", hub.url))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let listing = listings
            .as_array()
            .or_else(|| listings["listings"].as_array())
            .and_then(|a| a.iter().find(|x| x["id"] == l.id.to_string()))
            .cloned()
            .unwrap_or_else(|| panic!("the listing in {listings}"));
        assert_eq!(listing["photos"][0], photo.sha256);
        assert_eq!(listing["thumbnails"][0]["sha256"], photo.thumb_sha256);
        assert_eq!(
            (
                listing["thumbnails"][0]["width"].as_u64(),
                listing["thumbnails"][0]["height"].as_u64()
            ),
            (Some(u64::from(photo.width)), Some(u64::from(photo.height)))
        );
        // The card loads the thumbnail, lazily, with a size for layout; not
        // the listing-size image.
        let mut b = Browser::new(&hub.url, "en");
        let home = b.get("/").await;
        assert_eq!(home.status, 200);
        let card = home
            .body
            .split(&format!(r#"id="l-{}""#, l.id))
            .nth(1)
            .and_then(|rest| rest.split("</li>").next())
            .unwrap_or_else(|| panic!("the card in {}", home.body));
        let img = card
            .split("<img ")
            .nth(1)
            .and_then(|i| i.split('>').next())
            .unwrap_or_else(|| panic!("an image in {card}"));
        assert!(
            img.contains(&format!(r#"src="/v1/blobs/{}""#, photo.thumb_sha256)),
            "{img}"
        );
        assert!(img.contains(r#"loading="lazy""#), "{img}");
        assert!(
            img.contains("width=\"") && img.contains("height=\""),
            "{img}"
        );
        assert!(!home.body.contains(&photo.sha256), "no full-size photo");
        // And the hub serves it to anyone: the device's exact bytes.
        let served = reqwest::get(format!("{}/v1/blobs/{}", hub.url, photo.thumb_sha256))
            .await
            .unwrap();
        assert_eq!(served.status().as_u16(), 200);
        assert_eq!(served.bytes().await.unwrap().as_ref(), thumb.as_slice());
    });
}
