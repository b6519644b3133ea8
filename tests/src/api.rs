//! Raw HTTP to the hub, for tests of its API: every answer must be a JSON
//! body, never a 500, and every error the `{"error":{"code","message"}}` shape.

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
