//! Issue 11: a room follower told to wait (503 or 429 with `Retry-After`)
//! waits that long before reconnecting, instead of hammering a busy hub
//! with its own short backoff. A small loopback server plays the hub.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use farmlive_core::protocol::RoomId;
use farmlive_core::protocol::room::{RoomEvent, RoomEventBody};
use farmlive_core::{BuyerClient, CancelToken, FollowEnd, RoomLink};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Reads a request head (up to the blank line) and returns its first line.
fn read_head(stream: &std::net::TcpStream) -> String {
    let mut reader = BufReader::new(stream);
    let mut first = String::new();
    reader.read_line(&mut first).unwrap();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap() == 0 || line == "\r\n" {
            return first;
        }
    }
}

/// Answers the first request `status` with `Retry-After: 2`, then serves
/// the room's `Ended` event; returns when each connection came.
fn fake_hub(listener: TcpListener, room: RoomId, status: &'static str) -> Vec<(Instant, String)> {
    let mut seen = Vec::new();
    let (mut first, _) = listener.accept().unwrap();
    seen.push((Instant::now(), read_head(&first)));
    let body = r#"{"error":{"code":"busy","message":"try again in 2 s"}}"#;
    write!(
        first,
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         retry-after: 2\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    drop(first);
    let (mut second, _) = listener.accept().unwrap();
    seen.push((Instant::now(), read_head(&second)));
    let ended = RoomEvent {
        id: 1,
        room,
        at: 0,
        body: RoomEventBody::Ended,
    };
    let event = format!(
        "id: 1\nevent: room\ndata: {}\n\n",
        serde_json::to_string(&ended).unwrap()
    );
    write!(
        second,
        "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncontent-length: {}\r\n\
         connection: close\r\n\r\n{event}",
        event.len()
    )
    .unwrap();
    seen
}

fn follow_through(status: &'static str) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let room = RoomId::new();
    let server = std::thread::spawn(move || fake_hub(listener, room, status));

    let links = Mutex::new(Vec::new());
    let events = Mutex::new(Vec::new());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let buyer = BuyerClient::with_token(&url, "").unwrap();
    let cancel = CancelToken::new();
    let on_event = |e: &RoomEvent| events.lock().unwrap().push(e.clone());
    let on_link = |l: &RoomLink| links.lock().unwrap().push(l.clone());
    let watched = rt.block_on(async {
        let watch = buyer.watch(room, 0, &cancel, &on_event, &on_link);
        tokio::time::timeout(Duration::from_secs(60), watch).await
    });
    assert_eq!(watched.unwrap().unwrap(), FollowEnd::Ended);
    let seen = server.join().unwrap();
    assert!(
        seen.iter()
            .all(|(_, head)| head.contains(&format!("/v1/rooms/{room}/events")))
    );
    let gap = seen[1].0 - seen[0].0;
    assert!(
        gap >= Duration::from_millis(1900),
        "{status}: reconnected after {gap:?}, before the hub's Retry-After of 2 s"
    );
    let links = links.into_inner().unwrap();
    let waited = links.iter().find_map(|l| match l {
        RoomLink::Reconnecting { delay, error, .. } => Some((*delay, error.clone())),
        RoomLink::Connected { .. } => None,
    });
    let (delay, error) = waited.expect("a reconnection was reported");
    assert!(delay >= Duration::from_secs(2), "{status}: {delay:?}");
    assert!(!error.is_empty());
    let events = events.into_inner().unwrap();
    assert!(matches!(
        events.as_slice(),
        [RoomEvent {
            body: RoomEventBody::Ended,
            ..
        }]
    ));
}

#[test]
fn a_busy_hub_s_retry_after_is_honoured_before_reconnecting() {
    follow_through("503 Service Unavailable");
}

#[test]
fn a_rate_limited_viewer_waits_the_retry_after_too() {
    follow_through("429 Too Many Requests");
}
