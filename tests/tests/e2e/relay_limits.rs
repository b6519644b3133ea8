//! The live relay's limits. The RTMP ingest's, on a hub in this process:
//! a cap on connections at once (more are closed at once) and a handshake
//! timeout (a client that connects and says nothing is closed). HTTP-FLV's,
//! on a real hub process: a viewer that stops reading is disconnected after
//! the relay's stall time (5 s), not the server's 30 s write timeout, while
//! the others play on.

#![allow(clippy::unwrap_used)]

use farmlive_hub::{Hub, IngestOptions};
use farmlive_tests::media::{FlvViewer, wait_on_air};
use farmlive_tests::{HubProcess, rt};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
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

/// A viewer of `path` with a small receive buffer that reads the response
/// head and the FLV file header, and then stops reading.
fn stalling_viewer(rt: &tokio::runtime::Runtime, hub_url: &str, path: &str) -> TcpStream {
    let host = hub_url.strip_prefix("http://").unwrap();
    let addr: SocketAddr = host.parse().unwrap();
    let s = rt.block_on(async {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(4096).unwrap();
        socket.connect(addr).await.unwrap().into_std().unwrap()
    });
    s.set_nonblocking(false).unwrap();
    let mut s = s;
    write!(s, "GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n").unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"FLV\x01") && s.read(&mut byte).unwrap() == 1 {
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(head.ends_with("flv\x01"), "the FLV header: {head}");
    s
}

/// The state of the hub's end of the TCP connection `hub` ⇄ `client` in
/// `/proc/net/tcp` (`01` while established; another state, or none, once
/// the hub closed it, even if its FIN still waits behind data the client
/// has not read).
fn hub_side_state(hub: SocketAddr, client: SocketAddr) -> Option<String> {
    let hex = |a: SocketAddr| match a {
        SocketAddr::V4(a) => format!(
            "{:08X}:{:04X}",
            u32::from_le_bytes(a.ip().octets()),
            a.port()
        ),
        SocketAddr::V6(_) => unreachable!("IPv4 loopback"),
    };
    let (local, remote) = (hex(hub), hex(client));
    let table = std::fs::read_to_string("/proc/net/tcp").unwrap();
    table.lines().skip(1).find_map(|line| {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.get(1) == Some(&local.as_str()) && f.get(2) == Some(&remote.as_str()) {
            f.get(3).map(|s| (*s).to_owned())
        } else {
            None
        }
    })
}

/// ffmpeg publishing `seconds` of a noisy 320x240 picture at about 4 Mbit/s
/// (so a stalled viewer's kernel buffers, which grow to megabytes on
/// loopback, fill in seconds), in real time.
fn ffmpeg_publish_noise(url: &str, seconds: u32) -> std::process::Child {
    std::process::Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-re"])
        .args(["-f", "lavfi", "-i"])
        .arg("testsrc=size=320x240:rate=25,noise=alls=60:allf=t+u")
        .args(["-t", &seconds.to_string()])
        .args([
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-tune",
            "zerolatency",
        ])
        .args(["-pix_fmt", "yuv420p", "-g", "50"])
        .args(["-b:v", "4M", "-maxrate", "4M", "-bufsize", "1M"])
        .args(["-f", "flv", url])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .expect("ffmpeg runs")
}

#[test]
fn a_stalled_flv_viewer_is_disconnected_in_seconds_and_the_others_play_on() {
    let rt = rt();
    let hub = HubProcess::start();
    let room = hub.live_room(&rt);
    let mut ffmpeg = ffmpeg_publish_noise(&room.ingest, 45);
    assert_eq!(
        rt.block_on(wait_on_air(&room.flv, Duration::from_secs(10))),
        200
    );
    let mut stalled = stalling_viewer(&rt, &hub.url, &format!("/live/{}.flv", room.id));
    let stopped = Instant::now();
    let (hub_addr, client) = (stalled.peer_addr().unwrap(), stalled.local_addr().unwrap());
    // A viewer reading at full speed meanwhile.
    let flv = room.flv.clone();
    let reader = rt.spawn(async move {
        let mut viewer = FlvViewer::open(&flv).await;
        let tags = viewer.tags(usize::MAX, Duration::from_secs(20)).await;
        tags.iter().filter(|t| t.kind == 9).count()
    });

    assert_eq!(
        hub_side_state(hub_addr, client).as_deref(),
        Some("01"),
        "the hub's end is found, established"
    );
    let mut closed = None;
    while stopped.elapsed() < Duration::from_secs(45) {
        if hub_side_state(hub_addr, client).as_deref() != Some("01") {
            closed = Some(stopped.elapsed());
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    eprintln!("the hub closed the stalled viewer after {closed:?}");
    let closed = closed.expect("the hub closed the stalled viewer's connection");
    // The kernels' buffers fill first (seconds), then the relay waits 5 s:
    // the write timeout alone would close it 30 s after they filled.
    assert!(
        closed < Duration::from_secs(20),
        "closed at the relay's stall time (5 s), not the 30 s write timeout: {closed:?}"
    );
    // What the kernels held drains, then the end.
    stalled
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut buf = vec![0u8; 64 * 1024];
    let ended = loop {
        match stalled.read(&mut buf) {
            Ok(0) => break true,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break true,
            Ok(_) => {}
            Err(_) => break false,
        }
    };
    assert!(ended, "the stalled viewer reads to the end");
    let pictures = rt.block_on(reader).unwrap();
    assert!(
        pictures >= 250,
        "the other viewer played on throughout (20 s at 25 fps): {pictures}"
    );
    let _ = ffmpeg.kill();
    let _ = ffmpeg.wait();
}
