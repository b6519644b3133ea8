//! `farmlive demo --serve`, a real process: its scripted day prints a room
//! page that answers while the show is on air, then it keeps a show on air
//! whose room page answers; buyers order from it (the buyer API, and the
//! page's own form); the farmer's side prints each order and syncs it, and
//! Ctrl-C ends the room with its replay written.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;

use common::ok;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A plain HTTP/1.1 GET on loopback: the status and the start of the
/// response after the headers (at most `limit` bytes; live video never ends).
fn get(url: &str, limit: usize) -> (u16, String) {
    let (status, _, body) = request(url, None, limit);
    (status, body)
}

/// A plain HTTP/1.1 request on loopback: a GET, or a form POST with `form`
/// (already URL-encoded). The status, the headers and (the start of) the body.
fn request(url: &str, form: Option<&str>, limit: usize) -> (u16, String, String) {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = if path.is_empty() { "/" } else { path };
    let mut s = TcpStream::connect(host).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    match form {
        None => write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        ),
        Some(body) => write!(
            s,
            "POST {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nOrigin: http://{host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    }
    .unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    while got.len() < limit {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) => panic!("GET {url}: {e}"),
        }
    }
    let text = String::from_utf8_lossy(&got).into_owned();
    let status = text.split(' ').nth(1).unwrap().parse().unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    (status, head.to_owned(), body.to_owned())
}

/// The demo's standard output, line by line as it prints them.
struct Lines {
    rx: mpsc::Receiver<String>,
    all: String,
}

impl Lines {
    /// Waits for a line containing `needle`; returns it.
    fn wait_for(&mut self, needle: &str, within: Duration) -> String {
        let until = Instant::now() + within;
        loop {
            let left = until.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(line) => {
                    self.all.push_str(&line);
                    self.all.push('\n');
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(_) => panic!("no line with {needle:?} in time:\n{}", self.all),
            }
        }
    }
}

/// The URL a line names (its first word starting with `http://`).
fn url_in(line: &str) -> String {
    line.split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap()
        .trim_end_matches(',')
        .to_owned()
}

#[test]
fn the_served_demo_sells_in_the_browser_and_the_farmer_sees_the_order() {
    let dir = tempfile::tempdir().unwrap();
    let demo_dir = dir.path().join("demo");
    let mut child = Command::new(env!("CARGO_BIN_EXE_farmlive"))
        .args(["demo", "--serve", "--listen", "127.0.0.1:0", "--demo-dir"])
        .arg(&demo_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    let mut out = Lines {
        rx,
        all: String::new(),
    };

    // The scripted day: the room page is printed while on air, and answers.
    let line = out.wait_for("  room page  http://", Duration::from_secs(180));
    let day_room = url_in(&line);
    let base = day_room.split("/r/").next().unwrap().to_owned();
    assert!(
        day_room.starts_with("http://127.0.0.1:") && day_room.contains("/r/"),
        "{line}"
    );
    let (status, page) = get(&day_room, 1 << 20);
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("芒果现摘直播"), "{page}");
    out.wait_for("🌐 the room page answered 200", Duration::from_secs(60));
    out.wait_for("the hub recorded the show:", Duration::from_secs(120));
    // The summary names the storefront and the same room page.
    let line = out.wait_for("  storefront http://", Duration::from_secs(60));
    assert_eq!(url_in(&line), format!("{base}/"), "{line}");
    let line = out.wait_for("  room page  http://", Duration::from_secs(10));
    assert_eq!(url_in(&line), day_room, "{line}");

    // Serving: a show stays on air; its page, the storefront and its video answer.
    let storefront = url_in(&out.wait_for("  storefront   http://", Duration::from_secs(60)));
    let room_page = url_in(&out.wait_for("  room page    http://", Duration::from_secs(10)));
    assert_eq!(storefront, format!("{base}/"));
    assert_ne!(room_page, day_room, "a new room is served");
    let room = room_page.rsplit('/').next().unwrap().to_owned();
    let watch = out.wait_for("  watch        ffplay ", Duration::from_secs(10));
    assert!(
        watch.ends_with(&format!("ffplay {base}/live/{room}.flv")),
        "{watch}"
    );
    out.wait_for("Open the room page in a browser", Duration::from_secs(10));
    let (status, page) = get(&room_page, 1 << 20);
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("李家果园全天直播"), "{page}");
    let (status, home) = get(&storefront, 1 << 20);
    assert_eq!(status, 200, "{home}");
    assert!(home.contains("李家果园全天直播"), "the room on air: {home}");
    // The video reaches the hub (a publisher needs a moment to connect).
    let until = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, video) = get(&format!("{base}/live/{room}.flv"), 8 * 1024);
        if status == 200 {
            assert!(video.contains("FLV"), "{video}");
            break;
        }
        assert!(Instant::now() < until, "no video on air: {status}");
        std::thread::sleep(Duration::from_millis(200));
    }

    // A buyer comments and orders; the farmer's side prints both and syncs.
    let buyer = dir.path().join("buyer");
    let hub = ["buyer", "--hub", base.as_str()];
    ok(
        &buyer,
        &[
            &hub[..],
            &["comment", "Sweet?", "--room", &room, "--name", "Wang Fang"],
        ]
        .concat(),
    );
    let order: Value = serde_json::from_str(&ok(
        &buyer,
        &[
            &["--json"][..],
            &hub[..],
            &["order", "--room", &room, "--qty", "3"],
        ]
        .concat(),
    ))
    .unwrap();
    assert_eq!(order["unit_price"]["minor"], 850, "{order}");
    out.wait_for("💬 Wang: Sweet?", Duration::from_secs(20));
    out.wait_for(
        "🛒 Wang ordered 3 jin 海南贵妃芒果 at 8.50 CNY (live price) = 25.50 CNY",
        Duration::from_secs(20),
    );
    // The order took stock on the farmer's device: 680 jin after the day
    // (the Beijing buyer's 2 jin included), 677 now.
    out.wait_for(
        "⇅ the farmer's phone synced: 6 order(s) on it; 海南贵妃芒果 677 jin left",
        Duration::from_secs(30),
    );

    // A buyer orders in the browser: the room page's own form.
    let (_, page) = get(&room_page, 1 << 20);
    let key = page
        .split("name=\"idempotency_key\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no order form: {page}"));
    let form = format!(
        "listing=&quantity=2&name=Li+Na&phone=%2B86+137+0000+0000&address=1+Beach+Road%2C+Sanya&idempotency_key={key}"
    );
    let (status, head, body) = request(&format!("{room_page}/order"), Some(&form), 1 << 20);
    assert_eq!(status, 303, "{head}\n{body}");
    out.wait_for(
        "🛒 Li ordered 2 jin 海南贵妃芒果 at 8.50 CNY (live price) = 17.00 CNY",
        Duration::from_secs(20),
    );
    out.wait_for(
        "⇅ the farmer's phone synced: 7 order(s) on it; 海南贵妃芒果 675 jin left",
        Duration::from_secs(30),
    );

    // Ctrl-C: the room ends, the replay is written, exit 0.
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let line = out.wait_for("  replay       http://", Duration::from_secs(60));
    assert_eq!(
        url_in(&line),
        format!("{base}/live/{room}/replay.m3u8"),
        "{line}"
    );
    let until = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < until, "the demo did not exit after Ctrl-C");
        std::thread::sleep(Duration::from_millis(100));
    };
    while let Ok(line) = out.rx.recv_timeout(Duration::from_secs(1)) {
        out.all.push_str(&line);
        out.all.push('\n');
    }
    assert_eq!(status.code(), Some(0), "{}", out.all);
    assert!(
        out.all.contains("2 order(s) worth 42.50 CNY"),
        "{}",
        out.all
    );
    let replay = demo_dir
        .join("hub")
        .join("hub.db.live")
        .join(&room)
        .join("replay.m3u8");
    let replay = std::fs::read_to_string(&replay).unwrap();
    assert!(replay.contains("#EXT-X-ENDLIST"), "{replay}");
    // The order is on the farmer's device, as the demo left it.
    let orders: Value =
        serde_json::from_str(&ok(&demo_dir.join("farmer"), &["--json", "orders", "list"])).unwrap();
    let placed: Vec<&Value> = orders
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["status"] == "placed")
        .collect();
    let mut quantities: Vec<i64> = placed
        .iter()
        .map(|o| o["quantity"].as_i64().unwrap())
        .collect();
    quantities.sort();
    assert_eq!(quantities, [2, 3], "{orders}");
}
