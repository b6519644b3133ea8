//! A TCP proxy that breaks connections on purpose: drops, resets, stalls and
//! replies cut in the middle, chosen per connection by a seeded generator so
//! a failing run can be repeated.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the proxy did to a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Forwarded faithfully.
    Pass,
    /// Closed at once.
    Drop,
    /// Reset (RST) after the client sent a little.
    Reset,
    /// Accepted, then silent for longer than any client timeout.
    Stall,
    /// The request went through; the reply is cut after a few bytes.
    CutReply,
}

/// A running proxy; faults stop when `faults` is turned off.
pub struct FaultyProxy {
    /// Its address, e.g. http://127.0.0.1:PORT.
    pub url: String,
    /// Whether to inject faults (on at start).
    pub faults: Arc<AtomicBool>,
    /// Connections seen, per fault (indexed like `Fault`).
    pub counts: Arc<[AtomicU64; 5]>,
}

fn pick(seed: &mut u64) -> Fault {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    match *seed % 20 {
        0..=7 => Fault::Pass,
        8..=10 => Fault::Drop,
        11..=13 => Fault::Reset,
        14..=15 => Fault::Stall,
        _ => Fault::CutReply,
    }
}

impl FaultyProxy {
    /// Starts a proxy to `upstream` (host:port) on the current tokio runtime.
    pub async fn start(upstream: String, seed: u64) -> FaultyProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let faults = Arc::new(AtomicBool::new(true));
        let counts: Arc<[AtomicU64; 5]> = Arc::new(Default::default());
        let (f, c) = (faults.clone(), counts.clone());
        tokio::spawn(async move {
            let mut seed = seed | 1;
            // Every kind of fault first, so each surely happens; then at random.
            let mut scripted = [
                Fault::Drop,
                Fault::CutReply,
                Fault::Reset,
                Fault::Pass,
                Fault::Stall,
            ]
            .into_iter();
            while let Ok((client, _)) = listener.accept().await {
                let faulty = f.load(Ordering::SeqCst);
                let fault = match (faulty, scripted.next()) {
                    (false, _) => Fault::Pass,
                    (true, Some(f)) => f,
                    (true, None) => pick(&mut seed),
                };
                let lifetime = if faulty {
                    Duration::from_millis(20 + seed % 200)
                } else {
                    Duration::from_secs(3600)
                };
                c[fault as usize].fetch_add(1, Ordering::Relaxed);
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    let _ = handle(client, &upstream, fault, lifetime).await;
                });
            }
        });
        FaultyProxy {
            url,
            faults,
            counts,
        }
    }

    /// How many connections got each fault.
    pub fn count(&self, fault: Fault) -> u64 {
        self.counts[fault as usize].load(Ordering::Relaxed)
    }
}

async fn handle(
    mut client: TcpStream,
    upstream: &str,
    fault: Fault,
    lifetime: Duration,
) -> std::io::Result<()> {
    match fault {
        Fault::Drop => return Ok(()),
        Fault::Reset => {
            let mut buf = [0u8; 64];
            let _ = client.read(&mut buf).await;
            // Deprecated because a non-zero linger blocks on drop; zero
            // linger never blocks: it just sends the RST we want.
            #[allow(deprecated)]
            client.set_linger(Some(Duration::ZERO))?;
            return Ok(()); // dropped with linger 0: RST
        }
        Fault::Stall => {
            tokio::time::sleep(Duration::from_secs(5)).await;
            return Ok(());
        }
        Fault::Pass | Fault::CutReply => {}
    }
    let server = TcpStream::connect(upstream).await?;
    let (mut cr, mut cw) = client.into_split();
    let (mut sr, mut sw) = server.into_split();
    let up = tokio::spawn(async move {
        let _ = tokio::io::copy(&mut cr, &mut sw).await;
        let _ = sw.shutdown().await;
    });
    if fault == Fault::CutReply {
        // Let the request reach the hub and be applied; lose the answer.
        let mut buf = [0u8; 12];
        let n = sr.read(&mut buf).await?;
        cw.write_all(&buf[..n]).await?;
        up.abort();
        return Ok(());
    }
    // Even a good connection dies after a while, as NAT mappings do on
    // mobile networks; this also makes clients open new connections, so
    // the faults keep coming despite keep-alive.
    let _ = tokio::time::timeout(lifetime, tokio::io::copy(&mut sr, &mut cw)).await;
    up.abort();
    Ok(())
}
