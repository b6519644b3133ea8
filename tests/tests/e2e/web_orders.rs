//! Ordering from the storefront on a real hub process, as a browser
//! without JavaScript does: a room page's order form (stock taken as the
//! API takes it, the live price while pinned and the usual after, a 409
//! page when stock runs out), comments, the order page and its cancel
//! button, cross-site posts, and the sign-up limit for page guests.

#![allow(clippy::unwrap_used)]

use super::web_support::{Browser, CONTACT, order_form, placed, world};
use farmlive_core::protocol::{OrderAction, OrderId};
use farmlive_tests::{now_ms, rt};
use serde_json::Value;

#[test]
fn a_room_page_orders_at_the_live_price_then_the_usual_and_says_when_stock_runs_out() {
    let rt = rt();
    let w = world(&rt, &[]);
    rt.block_on(async {
        let room = w.room().await;
        w.api.pin(&w.token, room, w.mango, Some(800)).await;
        let mut b = Browser::new(&w.hub.url, "en");
        let path = format!("/r/{room}");
        let page = b.get(&path).await;
        assert_eq!(page.status, 200);
        let body = &page.body;
        assert!(body.contains("Mango harvest") && body.contains("Guifei mango"));
        assert!(
            body.contains("¥8.00") && body.contains("<s id=\"pin-usual\""),
            "{body}"
        );
        assert!(
            body.contains(&format!("data-flv=\"/live/{room}.flv\"")),
            "{body}"
        );
        assert!(
            body.contains(&format!("data-hls=\"/live/{room}/live.m3u8\"")),
            "{body}"
        );
        assert!(body.contains(&format!("action=\"/r/{room}/order\"")));

        // The first order signs up a guest and pays the live price.
        let (mango, lychee) = (w.mango.to_string(), w.lychee.to_string());
        let order_path = format!("/r/{room}/order");
        let mut fields = order_form(&mango, "2", "k1");
        fields.extend(CONTACT);
        fields.push(("non_contact", "1"));
        let posted = b.post(&order_path, &fields).await;
        let first = placed(&posted);
        let cookie = posted
            .set_cookies()
            .into_iter()
            .find(|c| c.starts_with("farmlive_buyer="))
            .unwrap();
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
            "{cookie}"
        );
        assert!(!cookie.contains("Secure"), "a plain-HTTP hub: {cookie}");
        let token = b.token();
        let o = w.order(&token, &first).await;
        assert_eq!(o["unit_price"]["minor"], 800);
        assert_eq!(
            (o["quantity"].as_i64(), o["delivery"].as_str()),
            (Some(2), Some("non_contact"))
        );
        assert_eq!(o["contact"]["name"], "Wang Fang");
        assert_eq!(w.stock(w.mango).await, 3, "stock taken");
        // The same form posted again (a double tap) orders once.
        assert_eq!(placed(&b.post(&order_path, &fields).await), first);
        assert_eq!(w.orders(), 1);

        // After the unpin the usual price; the guest's cookie is enough.
        let unpin = format!("/v1/rooms/{room}/pin");
        w.api
            .expect(
                reqwest::Method::DELETE,
                &unpin,
                &w.token,
                Value::Null,
                "200",
            )
            .await;
        let second = placed(&b.post(&order_path, &order_form(&mango, "1", "k2")).await);
        assert_eq!(w.order(&token, &second).await["unit_price"]["minor"], 1000);
        assert_eq!(w.stock(w.mango).await, 2);

        // Stock runs out: 409, a clear message in the page, no order.
        let before = w.orders();
        let out = b.post(&order_path, &order_form(&mango, "3", "k3")).await;
        assert_eq!(out.status, 409);
        assert!(out.body.contains("Sold out"), "{}", out.body);
        assert!(out.body.contains("role=\"alert\""));
        assert_eq!((w.orders(), w.stock(w.mango).await), (before, 2));
        // Another listing of the shelf still sells.
        placed(&b.post(&order_path, &order_form(&lychee, "1", "k4")).await);

        // The room's events for the page's script: the guest's cookie opens them.
        let events = b
            .http
            .get(format!("{}/r/{room}/events", w.hub.url))
            .send()
            .await
            .unwrap();
        assert_eq!(events.status(), 401, "not without the guest");
        let events = b
            .http
            .get(format!("{}/r/{room}/events", w.hub.url))
            .header("cookie", b.cookie_header())
            .send()
            .await
            .unwrap();
        assert_eq!(events.status(), 200);
        assert!(
            events.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/event-stream")
        );
        drop(events);

        // The guest comments; hostile markup is kept as text, bidi controls refused.
        let comment_path = format!("/r/{room}/comment");
        let c = b
            .post(
                &comment_path,
                &[("text", "<img src=x onerror=alert(1)> tasty")],
            )
            .await;
        assert_eq!(
            (c.status, c.location()),
            (303, format!("{path}#comments").as_str())
        );
        let refused = b.post(&comment_path, &[("text", "abc\u{202E}cba")]).await;
        assert_eq!(refused.status, 400);
        // A visitor without a guest (or JavaScript) sees the recent comments
        // and orders in the page, escaped and isolated.
        let seen = Browser::new(&w.hub.url, "en").get(&path).await.body;
        assert!(
            seen.contains("<bdi class=\"author\">Wang</bdi><bdi>&#60;img src=x onerror=alert(1)&#62; tasty</bdi>"),
            "{seen}"
        );
        assert!(!seen.contains("<img src=x"));
        assert!(seen.contains("<bdi>Wang</bdi> 2 × <bdi>Guifei mango</bdi> ¥8.00"), "{seen}");

        // Ended: the page says so and links the replay.
        w.api.end(&w.token, room).await;
        let mut follower = w.api.follow(room, &token, None).await;
        let texts: Vec<String> = follower
            .rest()
            .await
            .into_iter()
            .filter_map(|e| match e.body {
                farmlive_core::protocol::room::RoomEventBody::Comment { text, .. } => Some(text),
                _ => None,
            })
            .collect();
        assert_eq!(texts, vec!["<img src=x onerror=alert(1)> tasty".to_owned()]);
        let ended = b.get(&path).await;
        assert!(
            ended.body.contains("This live show has ended"),
            "{}",
            ended.body
        );
        assert!(ended.body.contains(&format!("/live/{room}/replay.m3u8")));
        assert!(!ended.body.contains("id=\"order-form\""));
    });
}

#[test]
fn the_order_page_shows_the_status_and_cancels_only_while_allowed() {
    let rt = rt();
    let w = world(&rt, &[]);
    let (mut b, second) = rt.block_on(async {
        let room = w.room().await;
        let mut b = Browser::new(&w.hub.url, "en");
        let order_path = format!("/r/{room}/order");
        let mango = w.mango.to_string();
        let mut fields = order_form(&mango, "1", "a");
        fields.extend(CONTACT);
        let first = placed(&b.post(&order_path, &fields).await);
        let second = placed(&b.post(&order_path, &order_form(&mango, "1", "b")).await);

        let page = b.get(&format!("/o/{first}?placed=1")).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("Your order is placed") && page.body.contains("Placed"));
        assert!(page.body.contains("Ships by") && page.body.contains("¥10.00"));
        // Ship-by reads in Beijing time, named; the machine-readable time
        // stays UTC, and is 72 h after the order was placed.
        let placed_at = w.order(&b.token(), &first).await["placed_at"]
            .as_i64()
            .unwrap();
        let (iso, shown) = ship_by_on(&page.body);
        let utc = minutes_since_epoch(iso.strip_suffix('Z').unwrap(), 'T');
        assert_eq!(
            utc,
            (placed_at + 72 * 3_600_000).div_euclid(60_000),
            "{iso}"
        );
        let beijing = shown
            .strip_suffix(" Beijing time")
            .unwrap_or_else(|| panic!("{shown}"));
        assert_eq!(
            minutes_since_epoch(beijing, ' '),
            utc + 8 * 60,
            "{shown} vs {iso}"
        );
        assert!(
            page.body.contains(&format!("action=\"/o/{first}/cancel\"")),
            "{}",
            page.body
        );
        let cancel = b
            .post(&format!("/o/{first}/cancel"), &[("reason", "too many")])
            .await;
        assert_eq!(
            (cancel.status, cancel.location()),
            (303, format!("/o/{first}").as_str())
        );
        let page = b.get(&format!("/o/{first}")).await;
        assert!(page.body.contains("Cancelled") && page.body.contains("too many"));
        assert!(
            !page.body.contains("/cancel\""),
            "no cancel button once cancelled"
        );
        assert_eq!(w.order(&b.token(), &first).await["status"], "cancelled");
        let again = b
            .post(&format!("/o/{first}/cancel"), &[("reason", "x")])
            .await;
        assert_eq!(again.status, 409);
        assert!(again.body.contains("can no longer be cancelled"));
        (b, second)
    });

    // The farm packs and ships the second: no cancel, the tracking shows.
    w.farmer.sync(&rt);
    let id: OrderId = second.parse().unwrap();
    w.farmer.core.act_on_order(id, OrderAction::Accept).unwrap();
    w.farmer.core.act_on_order(id, OrderAction::Pack).unwrap();
    w.farmer.sync(&rt);
    let mut b = rt.block_on(async {
        let page = b.get(&format!("/o/{second}")).await;
        assert!(page.body.contains("Packed") && !page.body.contains("/cancel\""));
        let refused = b
            .post(&format!("/o/{second}/cancel"), &[("reason", "late")])
            .await;
        assert_eq!(refused.status, 409);
        b
    });
    let ship = OrderAction::Ship {
        carrier: "SF Express".into(),
        tracking: "SF123<b>".into(),
    };
    w.farmer.core.act_on_order(id, ship).unwrap();
    w.farmer.sync(&rt);
    rt.block_on(async {
        let page = b.get(&format!("/o/{second}")).await;
        assert!(page.body.contains("Shipped") && page.body.contains("SF Express"));
        assert!(
            page.body.contains("<bdi>SF123&#60;b&#62;</bdi>"),
            "{}",
            page.body
        );
        assert_eq!(w.order(&b.token(), &second).await["status"], "shipped");

        // The order page is only for the browser that placed it.
        let mut other = Browser::new(&w.hub.url, "en");
        assert_eq!(other.get(&format!("/o/{second}")).await.status, 404);
    });
}

#[test]
fn a_cross_site_post_does_not_order_or_cancel_as_someone_else() {
    let rt = rt();
    let w = world(&rt, &[]);
    rt.block_on(async {
        let room = w.room().await;
        let order_path = format!("/r/{room}/order");
        let mango = w.mango.to_string();
        let mut victim = Browser::new(&w.hub.url, "en");
        let mut fields = order_form(&mango, "1", "v");
        fields.extend(CONTACT);
        let theirs = placed(&victim.post(&order_path, &fields).await);
        assert_eq!(w.orders(), 1);

        // Another site's form: its browser does not send the victim's Lax
        // cookie on a cross-site POST, and the hub refuses the post anyway.
        let mut attacker = Browser::new(&w.hub.url, "en");
        let evil = Some("https://evil.example");
        let p = attacker
            .post_from(&order_path, &order_form(&mango, "1", "e"), evil)
            .await;
        assert_eq!(p.status, 403);
        // Even carrying the victim's cookie, a post from another site is refused.
        attacker.cookies = victim.cookies.clone();
        let p = attacker
            .post_from(&order_path, &order_form(&mango, "1", "e2"), evil)
            .await;
        assert_eq!(p.status, 403);
        let p = attacker
            .post_from(&format!("/o/{theirs}/cancel"), &[("reason", "x")], evil)
            .await;
        assert_eq!(p.status, 403);
        // Without the cookie and without contact details: no order at all.
        let mut stranger = Browser::new(&w.hub.url, "en");
        let p = stranger
            .post(&order_path, &order_form(&mango, "1", "s"))
            .await;
        assert_eq!(p.status, 400);
        assert!(p.body.contains("Give your name"), "{}", p.body);
        // Nor may a stranger see or cancel the victim's order.
        assert_eq!(stranger.get(&format!("/o/{theirs}")).await.status, 404);
        let p = stranger
            .post(&format!("/o/{theirs}/cancel"), &[("reason", "x")])
            .await;
        assert_eq!(p.status, 404);
        assert_eq!(w.orders(), 1);
        assert_eq!(w.order(&victim.token(), &theirs).await["status"], "placed");
        // An unknown or expired cookie is a fresh guest at the next order.
        stranger
            .cookies
            .insert("farmlive_buyer".into(), "flb_not_a_token".into());
        let mut fields = order_form(&mango, "1", "s2");
        fields.extend(CONTACT);
        let mine = placed(&stranger.post(&order_path, &fields).await);
        assert_ne!(stranger.token(), "flb_not_a_token");
        assert_eq!(w.order(&stranger.token(), &mine).await["status"], "placed");
    });
}

#[test]
fn page_guests_count_against_the_sign_up_limit() {
    let rt = rt();
    let w = world(&rt, &["--signup-burst", "2"]);
    rt.block_on(async {
        let room = w.room().await;
        let order_path = format!("/r/{room}/order");
        let mango = w.mango.to_string();
        let mut fields = order_form(&mango, "1", "k");
        fields.extend(CONTACT);
        for _ in 0..2 {
            let mut fresh = Browser::new(&w.hub.url, "en");
            placed(&fresh.post(&order_path, &fields).await);
        }
        let mut third = Browser::new(&w.hub.url, "en");
        let p = third.post(&order_path, &fields).await;
        assert_eq!(p.status, 429);
        assert!(p.headers.contains_key("retry-after"));
        assert!(p.body.contains("Too many tries"), "{}", p.body);
        assert!(!third.cookies.contains_key("farmlive_buyer"));
        assert_eq!(w.orders(), 2);
        // The API's sign-up shares the same allowance.
        let (s, _, _) = w
            .api
            .sign_up(&farmlive_tests::BuyerBuilder::new("Li"), &[])
            .await;
        assert_eq!(s, 429);
    });
}

/// The ship-by `<time>` of an order page: its `datetime` and its text.
fn ship_by_on(body: &str) -> (String, String) {
    let time = body
        .split("<time datetime=\"")
        .nth(1)
        .unwrap_or_else(|| panic!("a ship-by time in {body}"));
    let iso = time.split('"').next().unwrap().to_owned();
    let shown = time
        .split('>')
        .nth(1)
        .and_then(|t| t.split("</time").next())
        .unwrap()
        .to_owned();
    (iso, shown)
}

/// Minutes since 1970 of `YYYY-MM-DD{sep}HH:MM` (proleptic Gregorian).
fn minutes_since_epoch(s: &str, sep: char) -> i64 {
    let (date, time) = s.split_once(sep).unwrap_or_else(|| panic!("{s}"));
    let n: Vec<i64> = date
        .split('-')
        .chain(time.split(':'))
        .map(|p| p.parse().unwrap_or_else(|_| panic!("{s}")))
        .collect();
    let (y, m, d) = if n[1] <= 2 {
        (n[0] - 1, n[1] + 9, n[2])
    } else {
        (n[0], n[1] - 3, n[2])
    };
    // Days from civil (Howard Hinnant), March-based years.
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    days * 1440 + n[3] * 60 + n[4]
}

#[test]
fn behind_an_https_public_url_the_storefronts_cookies_are_secure() {
    let rt = rt();
    let w = world(&rt, &["--public-url", "https://shop.example"]);
    rt.block_on(async {
        let room = w.room().await;
        let mut b = Browser::new(&w.hub.url, "en");
        let mango = w.mango.to_string();
        let mut fields = order_form(&mango, "1", "s1");
        fields.extend(CONTACT);
        let posted = b.post(&format!("/r/{room}/order"), &fields).await;
        placed(&posted);
        let cookie = posted
            .set_cookies()
            .into_iter()
            .find(|c| c.starts_with("farmlive_buyer="))
            .unwrap();
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("; Secure"),
            "{cookie}"
        );
        let switched = b.get(&format!("/lang/zh?back=/r/{room}")).await;
        let lang = switched.set_cookies().join("\n");
        assert!(
            lang.starts_with("lang=zh") && lang.contains("; Secure"),
            "{lang}"
        );
        let forgot = b.post("/guest/forget", &[("back", "/")]).await;
        let cleared = forgot.set_cookies().join("\n");
        assert!(
            cleared.contains("farmlive_buyer=;") && cleared.contains("; Secure"),
            "{cleared}"
        );
    });
}

/// The date (`YYYY-MM-DD`, Beijing time) a label shows after `prefix`.
fn date_after<'a>(body: &'a str, prefix: &str) -> &'a str {
    let at = body
        .find(prefix)
        .unwrap_or_else(|| panic!("{prefix:?} in {body}"))
        + prefix.len();
    &body[at..at + 10]
}

/// A farm that ships over routes: its room's order form offers the cities
/// it serves, soonest first, each with the day an order placed now would
/// arrive (ship-by plus transit); an order to one carries its route, and
/// its page shows the city and the day; a city it does not serve (a forged
/// form) is refused with a page naming the nearest served city.
#[test]
fn a_room_page_offers_the_farms_cities_with_the_day_an_order_arrives() {
    use farmlive_core::protocol::calendar::china_date;
    use farmlive_core::protocol::routes::parse_csv;
    let rt = rt();
    let w = world(&rt, &[]);
    let routes = parse_csv(
        "origin,destination,carrier,transit_days\n\
         haikou,beijing,Hainan Cold Chain,3\n\
         haikou,shanghai,Hainan Cold Chain,2\n",
    )
    .unwrap();
    let store = w.hub.store();
    store.import_routes(&routes).unwrap();
    store.set_farm_origin("Farm A", "haikou").unwrap();
    let (id, promised) = rt.block_on(async {
        let room = w.room().await;
        let before = farmlive_core::protocol::order::ship_by(now_ms());
        let mut zh = Browser::new(&w.hub.url, "zh-CN");
        let page = zh.get(&format!("/r/{room}")).await;
        let after = farmlive_core::protocol::order::ship_by(now_ms());
        let body = &page.body;
        assert!(body.contains("<select name=\"city\""), "{body}");
        let (shanghai, beijing) = ("上海 · 预计送达 ", "北京 · 预计送达 ");
        assert!(
            body.find(shanghai).unwrap() < body.find(beijing).unwrap(),
            "soonest first: {body}"
        );
        let day = 86_400_000;
        let arrives = date_after(body, beijing);
        assert!(
            [china_date(before + 3 * day), china_date(after + 3 * day)]
                .contains(&arrives.to_owned()),
            "{arrives}"
        );
        assert!(
            [china_date(before + 2 * day), china_date(after + 2 * day)]
                .contains(&date_after(body, shanghai).to_owned())
        );
        let mut en = Browser::new(&w.hub.url, "en");
        let english = en.get(&format!("/r/{room}")).await.body;
        assert!(english.contains("Beijing · arrives by "), "{english}");

        // An order to Beijing carries the route; its page says where and when.
        let mango = w.mango.to_string();
        let order_path = format!("/r/{room}/order");
        let mut fields = order_form(&mango, "1", "city-1");
        fields.extend(CONTACT);
        fields.push(("city", "beijing"));
        let id = placed(&zh.post(&order_path, &fields).await);
        let order_page = zh.get(&format!("/o/{id}")).await.body;
        assert!(
            order_page.contains("<dd class=\"city\">北京</dd>"),
            "{order_page}"
        );
        let promised = date_after(&order_page, "<dd class=\"promised\">");
        assert_eq!(promised, arrives, "the page promised what the form said");

        // A forged form naming a city the farm does not serve.
        let mut fields = order_form(&mango, "1", "city-2");
        fields.push(("city", "tianjin"));
        let refused = zh.post(&order_path, &fields).await;
        assert_eq!(refused.status, 409, "{}", refused.body);
        assert!(
            refused.body.contains("天津") && refused.body.contains("北京"),
            "names the nearest served city: {}",
            refused.body
        );
        (id, promised.to_owned())
    });
    // The farmer's phone gets the order with its route.
    w.farmer.sync(&rt);
    let order = w.farmer.core.order(id.parse().unwrap()).unwrap();
    let route = order.state.route.expect("ordered with a route");
    assert_eq!(route.city, "beijing");
    assert_eq!(china_date(route.promised_by), promised);
}
