//! A hub process asked to stop (SIGTERM), as in a rolling restart: it
//! says it is not ready (`/readyz` 503) while still alive (`/livez` 200)
//! and still accepting for its drain grace; room event streams end at once
//! with a reconnect hint; a request in flight (a device's push whose body
//! is still arriving) finishes and its op is kept; then the process exits.
//! Over a SQLite file and over PostgreSQL, with the same assertions.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use farmlive_core::protocol::api::{self, Role};
use farmlive_core::protocol::ops::Op;
use farmlive_tests::api::Api;
use farmlive_tests::stores::migrated_database;
use farmlive_tests::{HubProcess, ListingBuilder, RoomBuilder, rt};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// How long a stopping process keeps accepting while not ready.
const GRACE_MS: &str = "2500";

/// GET `path` on a new connection: the status and the body as text.
fn get(base: &str, path: &str) -> (u16, String) {
    let url = format!("{base}{path}");
    rt().block_on(async move {
        let reply = reqwest::Client::new().get(url).send().await.unwrap();
        let status = reply.status().as_u16();
        (status, reply.text().await.unwrap())
    })
}

/// A push sent by hand over one TCP connection: the head and the first
/// half of the body now, the rest when asked, so it is in flight when the
/// process is told to stop.
struct SlowPush {
    stream: TcpStream,
    rest: Vec<u8>,
}

impl SlowPush {
    fn start(base: &str, token: &str, ops: &[Op]) -> SlowPush {
        let body = serde_json::to_vec(&serde_json::json!({ "ops": ops })).unwrap();
        let mut stream = TcpStream::connect(base.trim_start_matches("http://")).unwrap();
        let head = format!(
            "POST {} HTTP/1.1\r\nhost: hub\r\nauthorization: Bearer {token}\r\n\
             content-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
            api::sync::PUSH.path,
            body.len()
        );
        let half = body.len() / 2;
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(&body[..half]).unwrap();
        stream.flush().unwrap();
        SlowPush {
            stream,
            rest: body[half..].to_vec(),
        }
    }

    /// Sends the rest of the body; the whole answer.
    fn finish(mut self) -> String {
        self.stream.write_all(&self.rest).unwrap();
        let mut answer = String::new();
        self.stream.read_to_string(&mut answer).unwrap();
        answer
    }
}

fn a_stopping_process_drains(mut hub: HubProcess, restart: impl FnOnce() -> HubProcess) {
    let rt = rt();
    assert_eq!(get(&hub.url, api::READY.path), (200, "ready".into()));
    assert_eq!(get(&hub.url, api::LIVE.path), (200, "live".into()));

    let phone = hub.device(&rt, &["Li farm"], Role::Farmer, "phone");
    let farm = phone.farm("Li farm");
    let listing = phone
        .list("Li farm", &ListingBuilder::new("Mangoes").stock(50))
        .id;
    phone.sync(&rt);
    let token = phone.token();
    let api = Api::new(&hub.url);
    let buyer = rt.block_on(api.buyer("Wang"));
    let (room, _) = rt.block_on(api.open(&token, &RoomBuilder::new(farm, &[listing])));
    let (status, stream) = rt.block_on(api.events(room, &buyer));
    assert_eq!(status, 200);
    let mut stream = stream.unwrap();

    phone.core.adjust_stock(listing, -5).unwrap();
    let ops: Vec<Op> = phone.pending();
    let push = SlowPush::start(&hub.url, &token, &ops);
    std::thread::sleep(Duration::from_millis(200));
    hub.send_term();

    // The event stream ends at once, saying when to come back.
    let said = rt.block_on(async {
        let mut text = String::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while let Some(chunk) = tokio::time::timeout_at(deadline, stream.chunk())
            .await
            .expect("the stream ends within 10 s, well before the grace and drain")
            .unwrap()
        {
            text.push_str(&String::from_utf8_lossy(&chunk));
        }
        text
    });
    let tail = &said[said.rfind(": draining").expect(&said)..];
    assert!(tail.contains("retry: 1000"), "{said}");

    // Still alive and accepting, but not ready.
    let (status, body) = get(&hub.url, api::READY.path);
    assert_eq!((status, body.as_str()), (503, "draining"));
    assert_eq!(get(&hub.url, api::LIVE.path).0, 200);

    // The push in flight finishes, and the op is applied.
    let answer = push.finish();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"applied\""), "{answer}");

    let began = Instant::now();
    assert!(hub.wait_exit(Duration::from_secs(20)), "the process exits");
    println!("exited {:?} after the push finished", began.elapsed());

    let hub = restart();
    assert_eq!(hub.listing(listing).stock, 45, "the in-flight op was kept");
    assert_eq!(hub.census().ops, 2);
}

#[test]
fn a_stopping_sqlite_process_drains() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db");
    let env = [("FARMLIVE_HUBD_DRAIN_GRACE_MS", GRACE_MS)];
    let hub = HubProcess::start_with_env_at(&db, &env);
    a_stopping_process_drains(hub, || HubProcess::start_at(&db, "127.0.0.1:0"));
}

#[test]
fn a_stopping_postgres_process_drains() {
    let (_cluster, url) = migrated_database();
    let data = tempfile::tempdir().unwrap();
    let env = [("FARMLIVE_HUBD_DRAIN_GRACE_MS", GRACE_MS)];
    let hub = HubProcess::start_on_postgres_with(&url, data.path(), "127.0.0.1:0", &env, &[]);
    a_stopping_process_drains(hub, || {
        HubProcess::start_on_postgres(&url, data.path(), "127.0.0.1:0")
    });
}
