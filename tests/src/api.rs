//! Raw HTTP to the hub, for tests of its API: every answer must be a JSON
//! body, never a 500, and every error the `{"error":{"code","message"}}` shape.

use crate::builders::BuyerBuilder;
use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

/// Sends one request to `base` + `path`; returns the status, the JSON body
/// (`Null` if empty, `{"raw": ...}` if not JSON) and the headers. Panics on a
/// 500 or an error body of another shape.
pub async fn request(
    http: &reqwest::Client,
    base: &str,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Vec<u8>>,
    headers: &[(&str, String)],
) -> (u16, Value, HeaderMap) {
    let mut req = http.request(method.clone(), format!("{base}{path}"));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    if let Some(b) = body {
        req = req.header("content-type", "application/json").body(b);
    }
    let resp = req.send().await.expect("the hub answers");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let bytes = resp.bytes().await.expect("the hub's body arrives");
    let value = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| json!({ "raw": String::from_utf8_lossy(&bytes) }))
    };
    assert_ne!(status, 500, "{method} {path}: a 500: {value}");
    if status >= 400 && method != Method::HEAD {
        assert!(
            value["error"]["code"].is_string() && value["error"]["message"].is_string(),
            "{method} {path} {status}: not a JSON error: {value}"
        );
    }
    (status, value, headers)
}

/// A client of one hub's API, for tests that speak raw HTTP to it. Every
/// answer goes through [`request`]: never a 500, every error a JSON error.
#[derive(Clone)]
pub struct Api {
    /// The HTTP client (public for requests the methods do not cover).
    pub http: reqwest::Client,
    /// The hub's base URL.
    pub url: String,
}

impl Api {
    /// A client of the hub at `url`.
    pub fn new(url: &str) -> Api {
        Api {
            http: reqwest::Client::new(),
            url: url.to_owned(),
        }
    }

    /// A client that opens one connection per request: after the hub cuts
    /// a connection (an oversized body), no later request may land on a
    /// stale pooled one.
    pub fn unpooled(url: &str) -> Api {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .build()
            .unwrap();
        Api {
            http,
            url: url.to_owned(),
        }
    }

    /// Sends a request; returns status, JSON body (`Null` if empty) and headers.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Vec<u8>>,
        headers: &[(&str, String)],
    ) -> (u16, Value, HeaderMap) {
        request(&self.http, &self.url, method, path, token, body, headers).await
    }

    /// Sends `body` as JSON (none if `Null`) with `token`; status and JSON body.
    pub async fn call(&self, method: Method, path: &str, token: &str, body: Value) -> (u16, Value) {
        let body = (!body.is_null()).then(|| body.to_string().into_bytes());
        let (s, v, _) = self.send(method, path, Some(token), body, &[]).await;
        (s, v)
    }

    /// Sends `body` as JSON, even `null`, with `token` if given; status and
    /// JSON body.
    pub async fn json(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Value,
    ) -> (u16, Value) {
        let body = Some(body.to_string().into_bytes());
        let (s, v, _) = self.send(method, path, token, body, &[]).await;
        (s, v)
    }

    /// Like [`Api::call`], and expects `want`: a status (`"201"`) or a status
    /// and error code (`"409 room_ended"`). Returns the body.
    pub async fn expect(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Value,
        want: &str,
    ) -> Value {
        let (s, v) = self.call(method.clone(), path, token, body).await;
        let got = match v["error"]["code"].as_str() {
            Some(code) if want.contains(' ') => format!("{s} {code}"),
            _ => s.to_string(),
        };
        assert_eq!(got, want, "{method} {path}: {v}");
        v
    }

    /// Signs `buyer` up (`POST /v1/buyers`) with extra `headers`; the answer.
    pub async fn sign_up(
        &self,
        buyer: &BuyerBuilder,
        headers: &[(&str, String)],
    ) -> (u16, Value, HeaderMap) {
        let body = Some(buyer.json().to_string().into_bytes());
        self.send(Method::POST, "/v1/buyers", None, body, headers)
            .await
    }

    /// Signs up a buyer named `name` (see [`BuyerBuilder`]); their token.
    pub async fn buyer(&self, name: &str) -> String {
        let (s, v, _) = self.sign_up(&BuyerBuilder::new(name), &[]).await;
        assert_eq!(s, 201, "{v}");
        v["token"].as_str().unwrap().to_owned()
    }

    /// Enrols a device with `code` over raw HTTP (`POST /v1/devices`); its token.
    pub async fn enrol(&self, code: &str, device_name: &str) -> String {
        let body = json!({ "code": code, "device_name": device_name,
                           "device_id": farmlive_core::protocol::DeviceId::new() });
        let (s, v) = self.json(Method::POST, "/v1/devices", None, body).await;
        assert_eq!(s, 201, "{v}");
        v["token"].as_str().unwrap().to_owned()
    }
}
