//! Tests of the server loop: eviction, write deadlines, the file limit,
//! `ConnectInfo` and shutdown.

use super::*;
use axum::extract::ConnectInfo;
use std::sync::atomic::Ordering;

#[test]
fn the_oldest_waiting_connection_is_evicted_and_a_busy_one_never() {
    let waiting = Waiting::default();
    let places = Arc::new(Semaphore::new(3));
    let track = |id| Track::new(id, places.clone().try_acquire_owned().ok());
    let (a, b, c) = (track(1), track(2), track(3));
    assert_eq!(places.available_permits(), 0);
    waiting.wait(&a);
    waiting.wait(&b);
    waiting.wait(&c);
    assert!(waiting.busy(&a)); // a request arrived on a
    let handed = waiting.evict_oldest().expect("b's place"); // b goes, a is busy
    assert!(b.gone.load(Ordering::SeqCst) && !a.gone.load(Ordering::SeqCst));
    assert!(!waiting.busy(&b), "an evicted connection starts no request");
    waiting.wait(&b); // its response guard dropping does not bring it back
    waiting.done(&b); // nor does its end free a second place
    assert_eq!(places.available_permits(), 0);
    drop(handed);
    assert_eq!(places.available_permits(), 1);
    waiting.wait(&a); // a's response is sent: it waits again, newest
    assert!(waiting.evict_oldest().is_some());
    assert!(c.gone.load(Ordering::SeqCst));
    waiting.done(&a);
    assert_eq!(places.available_permits(), 3);
    assert!(waiting.evict_oldest().is_none(), "nothing waits any more");
}

#[tokio::test]
async fn requests_carry_the_peer_address_and_shutdown_ends_the_loop() {
    let router = Router::new().route(
        "/who",
        axum::routing::get(|ConnectInfo(a): ConnectInfo<SocketAddr>| async move { a.to_string() }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(router, listener, ServeOptions::default(), async {
        let _ = stopped.await;
    }));
    let mut s = TcpStream::connect(addr).await.unwrap();
    let me = s.local_addr().unwrap();
    s.write_all(b"GET /who HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).await.unwrap();
    assert!(answer.ends_with(&me.to_string()), "{answer}");
    // An idle keep-alive connection does not hold up shutdown.
    let _idle = TcpStream::connect(addr).await.unwrap();
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("the server stops")
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn a_write_that_makes_no_progress_times_out() {
    // A duplex pipe whose reader never reads: writes stall when full.
    let (client, _server_end_kept) = tokio::io::duplex(1024);
    let mut w = WriteDeadline::new(client, Duration::from_millis(200));
    let started = Instant::now();
    let err = loop {
        if let Err(e) = w.write_all(&[0u8; 4096]).await {
            break e;
        }
    };
    assert_eq!(err.kind(), io::ErrorKind::TimedOut);
    assert!(started.elapsed() < Duration::from_secs(5));
}
