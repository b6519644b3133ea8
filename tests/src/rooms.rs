//! Live rooms over raw HTTP: opening, pinning and ending a room, and
//! following its event stream (SSE) with the device's own decoder.

use crate::api::Api;
use crate::builders::RoomBuilder;
use farmlive_core::protocol::room::{RoomEvent, RoomEventBody, SSE_EVENT_NAME};
use farmlive_core::protocol::sse::{SseDecoder, SseEvent};
use farmlive_core::protocol::{ListingId, RoomId};
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::time::Duration;

impl Api {
    /// Opens `room` as the device with `token`; its id and view.
    pub async fn open(&self, token: &str, room: &RoomBuilder) -> (RoomId, Value) {
        let v = self
            .expect(Method::POST, "/v1/rooms", token, room.json(), "201")
            .await;
        (v["id"].as_str().unwrap().parse().unwrap(), v)
    }

    /// Pins `listing`, at `live` minor units of CNY if given; the room's view.
    pub async fn pin(
        &self,
        token: &str,
        room: RoomId,
        listing: ListingId,
        live: Option<i64>,
    ) -> Value {
        let live = live.map(|m| json!({ "minor": m, "currency": "CNY" }));
        let body = json!({ "listing": listing, "live_price": live });
        let path = format!("/v1/rooms/{room}/pin");
        self.expect(Method::PUT, &path, token, body, "200").await
    }

    /// Ends the room; its view.
    pub async fn end(&self, token: &str, room: RoomId) -> Value {
        let path = format!("/v1/rooms/{room}/end");
        self.expect(Method::POST, &path, token, Value::Null, "200")
            .await
    }

    /// The room's view.
    pub async fn view(&self, token: &str, room: RoomId) -> Value {
        let path = format!("/v1/rooms/{room}");
        self.expect(Method::GET, &path, token, Value::Null, "200")
            .await
    }

    /// Opens a room's event stream; the status and, if 200, the open
    /// response (drop it to disconnect).
    pub async fn events(&self, room: RoomId, token: &str) -> (u16, Option<reqwest::Response>) {
        let resp = self
            .http
            .get(format!("{}/v1/rooms/{room}/events", self.url))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        (status, (status == 200).then_some(resp))
    }

    /// Starts following a room; `last` goes in `Last-Event-ID`.
    pub async fn follow(&self, room: RoomId, token: &str, last: Option<u64>) -> Follower {
        let url = format!("{}/v1/rooms/{room}/events", self.url);
        let mut req = self.http.get(url).bearer_auth(token);
        if let Some(l) = last {
            req = req.header("last-event-id", l.to_string());
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        let ct = resp.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(ct.starts_with("text/event-stream"), "{ct}");
        Follower {
            resp,
            decoder: SseDecoder::new(),
            queue: VecDeque::new(),
        }
    }
}

/// A room's event stream, decoded with the device's own decoder.
pub struct Follower {
    resp: reqwest::Response,
    decoder: SseDecoder,
    queue: VecDeque<SseEvent>,
}

impl Follower {
    /// The next room event; `None` once the hub closes the stream. Fails
    /// after 30 s without one (keep-alive comments do not count).
    pub async fn next(&mut self) -> Option<RoomEvent> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(e) = self.queue.pop_front() {
                assert_eq!(e.event, SSE_EVENT_NAME);
                let event: RoomEvent = serde_json::from_str(&e.data).unwrap();
                assert_eq!(
                    e.id,
                    Some(event.id.to_string()),
                    "the SSE id is the event id"
                );
                return Some(event);
            }
            let chunk = tokio::time::timeout_at(deadline, self.resp.chunk())
                .await
                .expect("an event within 30 s")
                .unwrap();
            let bytes = chunk?;
            let events = self.decoder.feed(&bytes).unwrap();
            if !events.is_empty() {
                assert_eq!(
                    self.decoder.retry_ms(),
                    Some(1000),
                    "retry: 1000 comes first"
                );
            }
            self.queue.extend(events);
        }
    }

    /// The next `n` events; fails if the stream ends first.
    pub async fn take(&mut self, n: usize) -> Vec<RoomEvent> {
        let mut out = Vec::new();
        for _ in 0..n {
            out.push(self.next().await.expect("the stream ended early"));
        }
        out
    }

    /// Every event until the hub closes the stream.
    pub async fn rest(&mut self) -> Vec<RoomEvent> {
        let mut out = Vec::new();
        while let Some(e) = self.next().await {
            out.push(e);
        }
        out
    }

    /// The reconnect delay the hub last sent (`retry:`), in ms.
    pub fn retry_ms(&self) -> Option<u64> {
        self.decoder.retry_ms()
    }

    /// The next event's body; fails if the stream ends first.
    pub async fn body(&mut self) -> RoomEventBody {
        self.next().await.expect("the stream ended early").body
    }
}

/// The kinds of `events`, in order.
pub fn kinds(events: &[RoomEvent]) -> Vec<&'static str> {
    events.iter().map(|e| e.body.kind()).collect()
}

/// The ids of `events`, in order.
pub fn ids(events: &[RoomEvent]) -> Vec<u64> {
    events.iter().map(|e| e.id).collect()
}
