//! The hub's web storefront on a real hub process, as a browser without
//! JavaScript uses it: plain GETs and form POSTs, the guest cookie carried
//! by hand. Listings and escaping on the home page, the language choice,
//! ordering from a room page (stock, live price, stock-out), the order page
//! and its cancel button, cross-site posts, and the sign-up limit.

#![allow(clippy::unwrap_used)]

use farmlive_core::protocol::api::Role;
use farmlive_core::protocol::{FarmId, ListingId, ListingStatus, OrderAction, OrderId, RoomId};
use farmlive_tests::api::Api;
use farmlive_tests::{Device, HubProcess, ListingBuilder, RoomBuilder, rt};
use reqwest::header::HeaderMap;
use serde_json::Value;
use std::collections::BTreeMap;

/// A browser without JavaScript: keeps cookies, never follows redirects,
/// sends `Origin` on posts as browsers do.
struct Browser {
    http: reqwest::Client,
    base: String,
    cookies: BTreeMap<String, String>,
    accept_language: &'static str,
}

/// One answer.
struct Page {
    status: u16,
    headers: HeaderMap,
    body: String,
}

impl Page {
    fn location(&self) -> &str {
        self.headers["location"].to_str().unwrap()
    }

    fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    }
}

/// `application/x-www-form-urlencoded`.
fn form(fields: &[(&str, &str)]) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    char::from(b).to_string()
                }
                b' ' => "+".into(),
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

impl Browser {
    fn new(base: &str, accept_language: &'static str) -> Browser {
        Browser {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: base.to_owned(),
            cookies: BTreeMap::new(),
            accept_language,
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn send(&mut self, req: reqwest::RequestBuilder) -> Page {
        let mut req = req.header("accept-language", self.accept_language);
        if !self.cookies.is_empty() {
            req = req.header("cookie", self.cookie_header());
        }
        let resp = req.send().await.unwrap();
        let page = Page {
            status: resp.status().as_u16(),
            headers: resp.headers().clone(),
            body: String::new(),
        };
        let body = resp.text().await.unwrap();
        let page = Page { body, ..page };
        assert_ne!(page.status, 500, "{}", page.body);
        for c in page.set_cookies() {
            let pair = c.split(';').next().unwrap();
            let (k, v) = pair.split_once('=').unwrap();
            if v.is_empty() {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_owned(), v.to_owned());
            }
        }
        page
    }

    async fn get(&mut self, path: &str) -> Page {
        let req = self.http.get(format!("{}{path}", self.base));
        self.send(req).await
    }

    /// A form post from this site's own page.
    async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let origin = self.base.clone();
        self.post_from(path, fields, Some(&origin)).await
    }

    async fn post_from(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        origin: Option<&str>,
    ) -> Page {
        let mut req = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(fields));
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        self.send(req).await
    }

    /// The guest buyer's token, as the cookie holds it.
    fn token(&self) -> String {
        self.cookies["farmlive_buyer"].clone()
    }
}

struct World {
    hub: HubProcess,
    api: Api,
    farm: FarmId,
    token: String,
    mango: ListingId,
    lychee: ListingId,
    photo: String,
    farmer: Device,
}

const HOSTILE: &str = "<script>alert(1)</script> שלום papaya";

fn world(rt: &tokio::runtime::Runtime, flags: &[&str]) -> World {
    let hub = HubProcess::start_with(flags);
    let a = hub.device(rt, &["Farm A"], Role::Farmer, "A");
    let farm = a.farm("Farm A");
    let mango = a.list("Farm A", &ListingBuilder::new("Guifei mango").stock(5));
    let lychee = a.list(
        "Farm A",
        &ListingBuilder::new("Lychee").price("20.00").stock(50),
    );
    a.list("Farm A", &ListingBuilder::new(HOSTILE).stock(3));
    let paused = a.list("Farm A", &ListingBuilder::new("Hidden jackfruit"));
    let archived = a.list("Farm A", &ListingBuilder::new("Old durian"));
    a.core
        .set_listing_status(paused.id, ListingStatus::Paused)
        .unwrap();
    a.core
        .set_listing_status(archived.id, ListingStatus::Archived)
        .unwrap();
    a.sync(rt);
    let api = Api::new(&hub.url);
    let token = a.token();
    let bytes = std::fs::read(farmlive_tests::photo("leaf-2560x1600.jpg")).unwrap();
    let photo = rt.block_on(async {
        let sha = api.upload(&token, &bytes).await;
        let got = api
            .attach(&token, &mango.id.to_string(), &sha, bytes.len())
            .await;
        assert_eq!(got, "applied");
        sha
    });
    World {
        hub,
        api,
        farm,
        token,
        mango: mango.id,
        lychee: lychee.id,
        photo,
        farmer: a,
    }
}

impl World {
    /// Opens a room on the mango and the lychee; its id.
    async fn room(&self) -> RoomId {
        let room = RoomBuilder::new(self.farm, &[self.mango, self.lychee]).title("Mango harvest");
        self.api.open(&self.token, &room).await.0
    }

    /// A listing's stock as the public API shows it.
    async fn stock(&self, id: ListingId) -> i64 {
        let (s, v, _) = self
            .api
            .send(reqwest::Method::GET, "/v1/listings", None, None, &[])
            .await;
        assert_eq!(s, 200);
        v.as_array()
            .unwrap()
            .iter()
            .find(|l| l["id"] == id.to_string())
            .map(|l| l["stock"].as_i64().unwrap())
            .unwrap()
    }

    /// An order as its buyer sees it through the API.
    async fn order(&self, buyer_token: &str, id: &str) -> Value {
        let path = format!("/v1/orders/{id}");
        self.api
            .expect(reqwest::Method::GET, &path, buyer_token, Value::Null, "200")
            .await
    }

    fn orders(&self) -> i64 {
        self.hub.count("SELECT COUNT(*) FROM orders", [])
    }
}

/// The order id in a `303` to `/o/{id}?placed=1`.
fn placed(page: &Page) -> String {
    assert_eq!(page.status, 303, "{}", page.body);
    let to = page.location();
    let id = to
        .strip_prefix("/o/")
        .unwrap()
        .strip_suffix("?placed=1")
        .unwrap();
    id.to_owned()
}

const CONTACT: [(&str, &str); 3] = [
    ("name", "Wang Fang"),
    ("phone", "+86 138 0000 0000"),
    ("address", "8 Coconut Road, Sanya"),
];

fn order_form<'a>(listing: &'a str, quantity: &'a str, key: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("listing", listing),
        ("quantity", quantity),
        ("idempotency_key", key),
    ]
}

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
