//! Issue 10, findings 2 and 10 (logs), against a real hub process: slow
//! clients cannot starve `/v1/health` under a 1,024 open-file limit, a
//! stalled request head and a reader that never reads are disconnected, a
//! full hub answers new connections at once, event streams outlive the idle
//! timeout, and a 500 is logged with a request id and without secrets.

#![allow(clippy::unwrap_used)]

use farmlive_core::protocol::OrderId;
use farmlive_core::protocol::api::Role;
use farmlive_tests::api::Api;
use farmlive_tests::net::{Hubd, SlowClients, ensure_open_file_limit, probe_health};
use farmlive_tests::{Device, ListingBuilder, RoomBuilder, bin, rt};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

fn hubd(nofile: Option<u32>, env: &[(&str, &str)]) -> Hubd {
    Hubd::start(&bin("farmlive-hubd"), nofile, env)
}

/// Waits up to `within` for the hub to close `s` (EOF or reset), reading
/// and discarding whatever it sent. True if it did.
fn closed_within(s: &mut TcpStream, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    s.set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let mut buf = vec![0u8; 64 * 1024];
    while Instant::now() < deadline {
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return true,
        }
    }
    false
}

/// The hub still serves: a fresh `/v1/health` gets a 200.
fn assert_serves(hub: &Hubd) {
    let (status, _) = rt()
        .block_on(probe_health(hub.addr, Duration::from_secs(10)))
        .unwrap();
    assert_eq!(status, 200);
}

#[test]
fn health_is_answered_while_1100_slow_clients_hold_a_hub_limited_to_1024_files() {
    ensure_open_file_limit(4096);
    let hub = hubd(Some(1024), &[]);
    let rt = rt();
    let attack_ends = Instant::now() + Duration::from_secs(30);
    let clients = SlowClients::start(&rt, hub.addr, 1100, attack_ends);
    // Let them all connect and start dribbling.
    std::thread::sleep(Duration::from_secs(3));
    let mut answers = Vec::new();
    let mut most_files = 0;
    // Probe for longer than the header timeout, so the hub also sheds and
    // the clients reconnect while we probe.
    let probe_until = Instant::now() + Duration::from_secs(15);
    while Instant::now() < probe_until {
        let got = rt.block_on(probe_health(hub.addr, Duration::from_secs(10)));
        most_files = most_files.max(hub.open_files());
        answers.push(got);
        std::thread::sleep(Duration::from_millis(500));
    }
    let connected = clients.connected.load(std::sync::atomic::Ordering::SeqCst);
    clients.stop(&rt);
    let failed: Vec<_> = answers
        .iter()
        .filter(|a| !matches!(a, Ok((200, _))))
        .collect();
    assert!(
        failed.is_empty(),
        "{} of {} health probes failed under attack: {failed:?}",
        failed.len(),
        answers.len()
    );
    assert!(
        connected > 500,
        "the attack was real: {connected} slow clients connected"
    );
    assert!(
        most_files < 1024,
        "the hub stays below its open-file limit: {most_files} open"
    );
}

#[test]
fn a_client_that_stalls_in_its_request_head_is_disconnected() {
    let hub = hubd(None, &[]);
    let mut s = TcpStream::connect(hub.addr).unwrap();
    s.write_all(b"GET /v1/health HTTP/1.1\r\nhost: farml")
        .unwrap();
    // The default header timeout is 10 s; a generous bound.
    assert!(
        closed_within(&mut s, Duration::from_secs(30)),
        "a half-sent request head held its connection for 30 s"
    );
    // An idle keep-alive connection goes too.
    let mut s = TcpStream::connect(hub.addr).unwrap();
    s.write_all(b"GET /v1/health HTTP/1.1\r\nhost: farmlive\r\n\r\n")
        .unwrap();
    assert!(
        closed_within(&mut s, Duration::from_secs(30)),
        "an idle keep-alive connection was kept for 30 s"
    );
    // And the hub still serves.
    assert_serves(&hub);
}

#[test]
fn a_reader_that_never_reads_is_disconnected_after_the_write_timeout() {
    let hub = hubd(None, &[("FARMLIVE_HUBD_WRITE_TIMEOUT_MS", "2000")]);
    let mut s = TcpStream::connect(hub.addr).unwrap();
    // 40,000 pipelined requests: megabytes of answers, more than the
    // kernel's buffers hold for a client that never reads.
    let mut writer = s.try_clone().unwrap();
    std::thread::spawn(move || {
        let one = b"GET /v1/health HTTP/1.1\r\nhost: farmlive\r\n\r\n";
        let batch: Vec<u8> = one.iter().copied().cycle().take(one.len() * 1000).collect();
        for _ in 0..40 {
            if writer.write_all(&batch).is_err() {
                return;
            }
        }
    });
    // Not reading for longer than the write timeout...
    std::thread::sleep(Duration::from_secs(6));
    // ...got us disconnected (reading now only drains what was sent).
    assert!(
        closed_within(&mut s, Duration::from_secs(20)),
        "the hub kept writing to a client that never read"
    );
    assert_serves(&hub);
}

#[test]
fn a_client_that_stalls_in_its_request_body_is_disconnected() {
    let hub = hubd(None, &[("FARMLIVE_HUBD_BODY_TIMEOUT_MS", "2000")]);
    let mut s = TcpStream::connect(hub.addr).unwrap();
    s.write_all(
        b"POST /v1/buyers HTTP/1.1\r\nhost: farmlive\r\ncontent-type: application/json\r\n\
          content-length: 100\r\n\r\n{\"name\": \"Sl",
    )
    .unwrap();
    assert!(
        closed_within(&mut s, Duration::from_secs(20)),
        "a half-sent request body held its connection for 20 s"
    );
}

/// A raw GET that, unlike the harness's API client, lets a 500 through.
async fn raw_get(
    http: &reqwest::Client,
    url: &str,
    path: &str,
    token: Option<&str>,
) -> (u16, Value, reqwest::header::HeaderMap) {
    let mut req = http.get(format!("{url}{path}"));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let bytes = resp.bytes().await.unwrap();
    let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, value, headers)
}

/// A farmer's token (raw enrolment) and a room it opened on "Net farm",
/// with one listing that a second farmer device created and synced.
fn farmer_room(hub: &Hubd, rt: &tokio::runtime::Runtime, api: &Api) -> (String, String) {
    let code = || {
        farmlive_hub::store::open(&farmlive_hub::DbTarget::from(hub.db.as_path()))
            .unwrap()
            .mint_enrol_code(&["Net farm".to_owned()], Role::Farmer)
            .unwrap()
            .code
    };
    let phone = Device::enrolled(rt, &hub.url, &code(), "listing phone");
    let listing = phone.list("Net farm", &ListingBuilder::new("Mangoes"));
    phone.sync(rt);
    rt.block_on(async {
        let token = api.enrol(&code(), "net phone").await;
        let room = RoomBuilder::new(phone.farm("Net farm"), &[listing.id]);
        let (room, _) = api.open(&token, &room).await;
        (token, room.to_string())
    })
}

#[test]
fn an_event_stream_outlives_the_idle_timeout_and_a_full_hub_answers_503_at_once() {
    let hub = hubd(
        None,
        &[
            ("FARMLIVE_HUBD_HEADER_TIMEOUT_MS", "1000"),
            ("FARMLIVE_HUBD_MAX_CONNECTIONS", "4"),
        ],
    );
    let rt = rt();
    let api = Api::new(&hub.url);
    let (_farmer, room) = farmer_room(&hub, &rt, &api);
    let b = rt.block_on(api.buyer("Wang"));
    drop(api);
    // The set-up connections close (idle timeout) and free their places.
    std::thread::sleep(Duration::from_secs(3));
    rt.block_on(async {
        // Four event streams fill the hub's four connections.
        let mut streams = Vec::new();
        for _ in 0..4 {
            let http = reqwest::Client::new();
            let resp = http
                .get(format!("{}/v1/rooms/{room}/events", hub.url))
                .bearer_auth(&b)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status().as_u16(), 200);
            streams.push((http, resp));
        }
        // Longer than the 1 s header (and idle) timeout: the streams stay.
        tokio::time::sleep(Duration::from_secs(3)).await;
        // A fifth connection is answered at once: 503, JSON, Retry-After.
        let start = Instant::now();
        let resp = reqwest::Client::new()
            .get(format!("{}/v1/health", hub.url))
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 503);
        assert!(start.elapsed() < Duration::from_secs(5));
        assert!(resp.headers().contains_key("retry-after"));
        assert_eq!(resp.headers()["connection"], "close");
        let v: Value = resp.json().await.unwrap();
        assert_eq!(v["error"]["code"], "busy", "{v}");
        // Every stream is still open: each still delivers.
        for (_, resp) in &mut streams {
            let chunk = tokio::time::timeout(Duration::from_millis(300), resp.chunk()).await;
            match chunk {
                Err(_) => {}          // open, nothing to say
                Ok(Ok(Some(_))) => {} // open, said something
                Ok(other) => panic!("the stream ended: {other:?}"),
            }
        }
        // Closing one frees a place for the next client.
        drop(streams.pop());
        let mut status = 0;
        for _ in 0..50 {
            match probe_health(hub.addr, Duration::from_secs(5)).await {
                Ok((200, _)) => {
                    status = 200;
                    break;
                }
                _ => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
        assert_eq!(status, 200, "a freed place serves again");
    });
}

#[test]
fn a_500_is_logged_with_a_request_id_and_without_secrets() {
    let hub = hubd(None, &[("RUST_LOG", "info")]);
    let rt = rt();
    let http = reqwest::Client::new();
    let token = rt.block_on(Api::new(&hub.url).buyer("Li"));
    // Break the hub's database under it: authenticating a buyer now fails
    // inside the hub (a 500), not because of anything the client sent.
    rusqlite::Connection::open(&hub.db)
        .unwrap()
        .execute_batch("ALTER TABLE buyers RENAME TO buyers_gone")
        .unwrap();
    let path = format!("/v1/orders/{}?secret=QUERYSECRET", OrderId::new());
    let (status, body, headers) = rt.block_on(raw_get(&http, &hub.url, &path, Some(&token)));
    assert_eq!(status, 500, "{body}");
    let id = headers
        .get("x-request-id")
        .expect("a 500 carries x-request-id")
        .to_str()
        .unwrap()
        .to_owned();
    assert!(id.len() >= 8, "{id}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains(&id), "the user can quote it: {message}");
    // The log names the request id, the method, path and status.
    let deadline = Instant::now() + Duration::from_secs(10);
    let line = loop {
        let log = hub.log();
        if let Some(l) = log.lines().find(|l| l.contains(&id) && l.contains("500")) {
            break l.to_owned();
        }
        assert!(Instant::now() < deadline, "no 500 logged with {id}:\n{log}");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(
        line.contains("GET") && line.contains("/v1/orders/"),
        "{line}"
    );
    // Ordinary requests also carry an id.
    let ok = rt.block_on(raw_get(&http, &hub.url, "/v1/health", None));
    assert!(ok.2.contains_key("x-request-id"));
    let log = hub.log();
    let bearer_secret = token.split('_').next_back().unwrap();
    for secret in [
        token.as_str(),
        bearer_secret,
        "QUERYSECRET",
        "PHONE",
        "ADDRESS",
    ] {
        assert!(!log.contains(secret), "{secret:?} in the log:\n{log}");
    }
}
