//! The hub's HTTP API from the device: reqwest over rustls, gzip both ways,
//! a timeout on every request, replies read with a size bound and checked.

use crate::error::{Error, Result};
use farmlive_protocol::api::{
    ApiError, Call, ChangesPage, ChangesQuery, Empty, EnrolRequest, EnrolResponse, ErrorCode,
    Method, PushRequest, PushResponse, TOKEN_EXPIRES, TokenRenewal, UPLOAD_LENGTH, UPLOAD_OFFSET,
    blobs, devices, sync,
};
use farmlive_protocol::guides::GuidesPage;
use reqwest::{RequestBuilder, Response, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::io::Write;
use std::time::Duration;

/// Largest reply the device reads (a page of changes with photos' metadata).
const REPLY_MAX_BYTES: usize = 16 * 1024 * 1024;

/// A connection to one hub.
pub(crate) struct HubClient {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
}

/// Timeouts for requests to the hub.
pub(crate) fn http_client(request_timeout: Duration) -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(request_timeout)
        .gzip(true)
        .user_agent(concat!("farmlive/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::Network(format!("cannot set up HTTP: {e}")))
}

/// For long-lived streams (server-sent events): a connect timeout and a
/// per-read timeout, no total timeout. The hub sends a keep-alive every 15 s,
/// so a read that waits `idle` is a dead link.
pub(crate) fn streaming_client(idle: Duration) -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .read_timeout(idle)
        .user_agent(concat!("farmlive/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::Network(format!("cannot set up HTTP: {e}")))
}

/// Checks and normalises a hub URL: http(s)://host[:port], no trailing slash.
pub(crate) fn normalise_hub_url(url: &str) -> Result<String> {
    let url = url.trim().trim_end_matches('/');
    let parsed = reqwest::Url::parse(url).map_err(|_| {
        Error::InvalidArgument(format!(
            "{url:?} is not a hub address like https://hub.example.com"
        ))
    })?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(Error::InvalidArgument(
            "the hub address must start with http:// or https://".into(),
        ));
    }
    Ok(url.to_owned())
}

impl HubClient {
    pub(crate) fn new(
        http: reqwest::Client,
        base: &str,
        token: Option<String>,
    ) -> Result<HubClient> {
        Ok(HubClient {
            http,
            base: normalise_hub_url(base)?,
            token,
        })
    }

    /// The same hub and token over another HTTP client (e.g. one without a
    /// total timeout, for event streams).
    pub(crate) fn over(&self, http: reqwest::Client) -> HubClient {
        HubClient {
            http,
            base: self.base.clone(),
            token: self.token.clone(),
        }
    }

    fn authed(&self, req: RequestBuilder) -> RequestBuilder {
        match &self.token {
            Some(t) => req.bearer_auth(t),
            None => req,
        }
    }

    /// A request for `call`, to this hub, with the token.
    fn request<Req, Reply>(&self, call: &Call<Req, Reply>) -> RequestBuilder {
        let method = match call.method {
            Method::Get => reqwest::Method::GET,
            Method::Head => reqwest::Method::HEAD,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Patch => reqwest::Method::PATCH,
            Method::Delete => reqwest::Method::DELETE,
        };
        self.authed(
            self.http
                .request(method, format!("{}{}", self.base, call.path)),
        )
    }

    /// Makes `call` with `body` (sent as JSON if the method carries one)
    /// and reads its JSON reply.
    pub(crate) async fn call<Req: Serialize, Reply: DeserializeOwned>(
        &self,
        call: Call<Req, Reply>,
        body: &Req,
    ) -> Result<Reply> {
        let mut req = self.request(&call);
        if call.method.has_body() {
            req = req.json(body);
        }
        json_reply(send(req).await?).await
    }

    /// Makes `call`, which sends no body, and reads its JSON reply.
    pub(crate) async fn fetch<Reply: DeserializeOwned>(
        &self,
        call: Call<(), Reply>,
    ) -> Result<Reply> {
        self.call(call, &()).await
    }

    /// Opens a server-sent event stream after `last_event_id`. The caller
    /// reads it chunk by chunk; the client must have no total timeout.
    pub(crate) async fn open_events<T>(
        &self,
        call: &Call<(), T>,
        last_event_id: u64,
    ) -> Result<Response> {
        let req = self
            .request(call)
            .header(reqwest::header::ACCEPT, "text/event-stream")
            .header("last-event-id", last_event_id.to_string());
        send(req).await
    }

    /// Enrols with a one-time code (no token yet).
    pub(crate) async fn enrol(&self, req: &EnrolRequest) -> Result<EnrolResponse> {
        self.call(devices::ENROL.call(), req).await
    }

    /// Pushes ops with a gzip-compressed body; returns the reply and the bytes sent.
    pub(crate) async fn push(&self, req: &PushRequest) -> Result<(PushResponse, usize)> {
        let json = serde_json::to_vec(req).map_err(|e| Error::stored("cannot encode ops", e))?;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&json)
            .map_err(|e| Error::io("compress the push", e))?;
        let body = gz.finish().map_err(|e| Error::io("compress the push", e))?;
        let sent = body.len();
        let req = self
            .request(&sync::PUSH.call())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(reqwest::header::CONTENT_ENCODING, "gzip")
            .body(body);
        let resp = send(req).await?;
        Ok((json_reply(resp).await?, sent))
    }

    /// A page of the change feed after `after`, and when the token
    /// expires; with `wait` (seconds), a long poll the hub holds until
    /// something is new (the client's timeout must outlast it).
    pub(crate) async fn changes(
        &self,
        after: u64,
        limit: u32,
        wait: Option<u32>,
    ) -> Result<(ChangesPage, Option<i64>)> {
        let query = ChangesQuery {
            after,
            limit: Some(limit),
            wait,
        };
        let call = sync::CHANGES.call().with_query(&query.to_query());
        let resp = send(self.request(&call)).await?;
        let expires = resp
            .headers()
            .get(TOKEN_EXPIRES)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .filter(|v: &i64| *v > 0);
        Ok((json_reply(resp).await?, expires))
    }

    /// A page of guides published after `after`; an empty last page from
    /// a hub older than guides (404), so that syncing with it still works.
    pub(crate) async fn guides(&self, after: u64, limit: u32) -> Result<GuidesPage> {
        let call = farmlive_protocol::api::guides::LIST
            .call()
            .with_query(&format!("after={after}&limit={limit}"));
        match send(self.request(&call)).await {
            Ok(resp) => json_reply(resp).await,
            Err(Error::Hub { status: 404, .. }) => Ok(GuidesPage {
                guides: Vec::new(),
                next: after,
                more: false,
            }),
            Err(e) => Err(e),
        }
    }

    /// A fresh token for this device (the current one works until it is used).
    pub(crate) async fn renew_token(&self) -> Result<TokenRenewal> {
        self.call(devices::RENEW_TOKEN.call(), &Empty {}).await
    }

    /// Bytes of a blob the hub already has (0 if none).
    pub(crate) async fn blob_offset(&self, sha: &str) -> Result<u64> {
        let req = self.request(&blobs::HEAD.call_for(sha));
        let resp = req.send().await.map_err(transport)?;
        match resp.status() {
            StatusCode::NOT_FOUND => Ok(0),
            s if s.is_success() => header_u64(&resp, UPLOAD_OFFSET),
            s => Err(status_error(s, retry_after(&resp), None)),
        }
    }

    /// Downloads a blob, at most `max` bytes.
    pub(crate) async fn blob_get(&self, sha: &str, max: usize) -> Result<Vec<u8>> {
        self.fetch_bytes(blobs::GET.call_for(sha), max).await
    }

    /// Makes `call`, which sends no body, and reads its raw reply (at most
    /// `max` bytes).
    pub(crate) async fn fetch_bytes(&self, call: Call<(), ()>, max: usize) -> Result<Vec<u8>> {
        let req = self.request(&call);
        read_limited(send(req).await?, max).await
    }

    /// Appends a chunk; returns the hub's new offset.
    pub(crate) async fn blob_patch(
        &self,
        sha: &str,
        offset: u64,
        length: u64,
        chunk: Vec<u8>,
    ) -> Result<u64> {
        let req = self
            .request(&blobs::PATCH.call_for(sha))
            .header(UPLOAD_OFFSET, offset)
            .header(UPLOAD_LENGTH, length)
            .body(chunk);
        let resp = send(req).await?;
        header_u64(&resp, UPLOAD_OFFSET)
    }
}

fn header_u64(resp: &Response, name: &str) -> Result<u64> {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| {
            Error::bad_reply(
                resp.status().as_u16(),
                format!("the hub's reply lacks a valid {name} header"),
            )
        })
}

pub(crate) fn transport(e: reqwest::Error) -> Error {
    // Never echo the URL: it is harmless here, but keep errors uniform and short.
    let e = e.without_url();
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "connection failed"
    };
    Error::Network(format!("{what}: {e}"))
}

/// The hub's `Retry-After`, in seconds (the HTTP-date form is not used by
/// the hub and is ignored).
fn retry_after(resp: &Response) -> Option<Duration> {
    resp.headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .map(Duration::from_secs)
}

fn status_error(
    status: StatusCode,
    retry_after: Option<Duration>,
    body: Option<ApiError>,
) -> Error {
    let (code, message) = body.map_or_else(
        || (ErrorCode::Http, format!("the hub answered {status}")),
        |b| (b.error.code, b.error.message),
    );
    // A hub that is down says so in the same words whatever its body says;
    // the code and Retry-After still tell a client when to come back.
    let message = if status.is_server_error() {
        format!("the hub is unavailable ({status})")
    } else {
        message
    };
    Error::Hub {
        status: status.as_u16(),
        code,
        message,
        retry_after,
    }
}

async fn send(req: RequestBuilder) -> Result<Response> {
    let resp = req.send().await.map_err(transport)?;
    let status = resp.status();
    if status.is_success() {
        return Ok(resp);
    }
    let wait = retry_after(&resp);
    let body = read_limited(resp, 64 * 1024)
        .await
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    Err(status_error(status, wait, body))
}

async fn read_limited(mut resp: Response, max: usize) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(transport)? {
        if out.len() + chunk.len() > max {
            return Err(Error::bad_reply(200, "the hub's reply is too large"));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

async fn json_reply<T: DeserializeOwned>(resp: Response) -> Result<T> {
    let status = resp.status().as_u16();
    let bytes = read_limited(resp, REPLY_MAX_BYTES).await?;
    serde_json::from_slice(&bytes)
        .map_err(|e| Error::bad_reply(status, format!("the hub's reply is malformed: {e}")))
}
