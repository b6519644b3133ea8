//! What the storefront tests share: a browser without JavaScript (plain
//! GETs and form posts, cookies kept by hand, `Origin` sent on posts) and a
//! hub with a farm's listings (one with a photo, one with a hostile title,
//! one paused, one archived).

#![allow(dead_code, clippy::unwrap_used)] // each test file uses a part

use farmlive_core::protocol::api::Role;
use farmlive_core::protocol::{FarmId, ListingId, ListingStatus, RoomId};
use farmlive_tests::api::Api;
use farmlive_tests::{Device, HubProcess, ListingBuilder, RoomBuilder};
use reqwest::header::HeaderMap;
use serde_json::Value;
use std::collections::BTreeMap;

/// A browser without JavaScript: keeps cookies, never follows redirects,
/// sends `Origin` on posts as browsers do.
pub struct Browser {
    pub http: reqwest::Client,
    pub base: String,
    pub cookies: BTreeMap<String, String>,
    pub accept_language: &'static str,
}

/// One answer.
pub struct Page {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> &str {
        self.headers["location"].to_str().unwrap()
    }

    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    }
}

/// `application/x-www-form-urlencoded`.
pub fn form(fields: &[(&str, &str)]) -> String {
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
    pub fn new(base: &str, accept_language: &'static str) -> Browser {
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

    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub async fn send(&mut self, req: reqwest::RequestBuilder) -> Page {
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

    pub async fn get(&mut self, path: &str) -> Page {
        let req = self.http.get(format!("{}{path}", self.base));
        self.send(req).await
    }

    /// A form post from this site's own page.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let origin = self.base.clone();
        self.post_from(path, fields, Some(&origin)).await
    }

    pub async fn post_from(
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
    pub fn token(&self) -> String {
        self.cookies["farmlive_buyer"].clone()
    }
}

pub struct World {
    pub hub: HubProcess,
    pub api: Api,
    pub farm: FarmId,
    pub token: String,
    pub mango: ListingId,
    pub lychee: ListingId,
    pub photo: String,
    pub farmer: Device,
}

pub const HOSTILE: &str = "<script>alert(1)</script> שלום papaya";

pub fn world(rt: &tokio::runtime::Runtime, flags: &[&str]) -> World {
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
    pub async fn room(&self) -> RoomId {
        let room = RoomBuilder::new(self.farm, &[self.mango, self.lychee]).title("Mango harvest");
        self.api.open(&self.token, &room).await.0
    }

    /// A listing's stock as the public API shows it.
    pub async fn stock(&self, id: ListingId) -> i64 {
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
    pub async fn order(&self, buyer_token: &str, id: &str) -> Value {
        let path = format!("/v1/orders/{id}");
        self.api
            .expect(reqwest::Method::GET, &path, buyer_token, Value::Null, "200")
            .await
    }

    pub fn orders(&self) -> u64 {
        self.hub.census().orders
    }
}

/// The order id in a `303` to `/o/{id}?placed=1`.
pub fn placed(page: &Page) -> String {
    assert_eq!(page.status, 303, "{}", page.body);
    let to = page.location();
    let id = to
        .strip_prefix("/o/")
        .unwrap()
        .strip_suffix("?placed=1")
        .unwrap();
    id.to_owned()
}

pub const CONTACT: [(&str, &str); 3] = [
    ("name", "Wang Fang"),
    ("phone", "+86 138 0000 0000"),
    ("address", "8 Coconut Road, Sanya"),
];

pub fn order_form<'a>(
    listing: &'a str,
    quantity: &'a str,
    key: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("listing", listing),
        ("quantity", quantity),
        ("idempotency_key", key),
    ]
}
