//! The RTMP ingest's limits, on a hub in this process: a cap on
//! connections at once (more are closed at once) and a handshake timeout
//! (a client that connects and says nothing is closed).

#![allow(clippy::unwrap_used)]

use farmlive_hub::{Hub, IngestOptions};
use std::io::Read;
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// Reads until the hub closes the connection; how long that took (None if
/// it stayed open for `within`).
fn closed_within(s: &mut TcpStream, within: Duration) -> Option<Duration> {
    let start = Instant::now();
    s.set_read_timeout(Some(within)).unwrap();
    let mut buf = [0u8; 64];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return Some(start.elapsed()),
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                return Some(start.elapsed());
            }
            Err(_) => return None,
        }
    }
}

#[test]
fn the_ingest_caps_connections_and_closes_silent_ones() {
    let rt = farmlive_tests::rt();
    let dir = tempfile::tempdir().unwrap();
    let hub = Hub::open(&dir.path().join("hub.db")).unwrap();
    let options = IngestOptions {
        max_connections: 2,
        max_per_address: 10,
        handshake_timeout: Duration::from_millis(1_500),
        ..Default::default()
    };
    let addr = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        hub.start_ingest(listener, options).unwrap()
    });
    let mut first = TcpStream::connect(addr).unwrap();
    let mut second = TcpStream::connect(addr).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let mut third = TcpStream::connect(addr).unwrap();
    let over = closed_within(&mut third, Duration::from_secs(1));
    assert!(over.is_some(), "over the cap: closed at once");
    // The silent ones go when the handshake time is up, freeing places.
    assert!(closed_within(&mut first, Duration::from_secs(5)).is_some());
    assert!(closed_within(&mut second, Duration::from_secs(5)).is_some());
    let mut fourth = TcpStream::connect(addr).unwrap();
    assert!(
        closed_within(&mut fourth, Duration::from_millis(500)).is_none(),
        "a place is free again"
    );
    drop(rt);
}

#[test]
fn one_address_cannot_take_every_place() {
    let rt = farmlive_tests::rt();
    let dir = tempfile::tempdir().unwrap();
    let hub = Hub::open(&dir.path().join("hub.db")).unwrap();
    let options = IngestOptions {
        max_per_address: 2,
        ..Default::default()
    };
    let addr = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        hub.start_ingest(listener, options).unwrap()
    });
    let _one = TcpStream::connect(addr).unwrap();
    let _two = TcpStream::connect(addr).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let mut three = TcpStream::connect(addr).unwrap();
    assert!(closed_within(&mut three, Duration::from_secs(1)).is_some());
    // Another address still gets in.
    let other = rt.block_on(async {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.2:0".parse().unwrap()).unwrap();
        socket.connect(addr).await.unwrap().into_std().unwrap()
    });
    other.set_nonblocking(false).unwrap();
    let mut other = other;
    assert!(closed_within(&mut other, Duration::from_millis(500)).is_none());
    drop(rt);
}
