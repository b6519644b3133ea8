//! RTMPS: TLS (rustls) to a TLS-terminating proxy in front of nginx-rtmp, with
//! a certificate made for the test by the openssl command line.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use farmlive_live::{AudioInput, IngestUrl, LiveConfig, LiveSession, VideoInput};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_rustls::rustls;

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("openssl is missing");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A private CA and a certificate for `localhost` signed by it:
/// (CA certificate DER, leaf certificate DER, leaf PKCS#8 key DER).
fn make_certs(dir: &Path) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let mut ca = vec![
        "req",
        "-x509",
        "-days",
        "1",
        "-subj",
        "/CN=FarmLive test CA",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
    ];
    ca.extend(ec);
    openssl(dir, &ca);
    let mut leaf = vec![
        "req",
        "-subj",
        "/CN=localhost",
        "-keyout",
        "leaf.key",
        "-out",
        "leaf.csr",
    ];
    leaf.extend(ec);
    openssl(dir, &leaf);
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n",
    )
    .unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "1",
            "-extfile",
            "ext.cnf",
            "-outform",
            "DER",
            "-out",
            "leaf.der",
        ],
    );
    openssl(
        dir,
        &["x509", "-in", "ca.pem", "-outform", "DER", "-out", "ca.der"],
    );
    openssl(
        dir,
        &[
            "pkcs8",
            "-topk8",
            "-nocrypt",
            "-in",
            "leaf.key",
            "-outform",
            "DER",
            "-out",
            "leaf.key.der",
        ],
    );
    let read = |f: &str| std::fs::read(dir.join(f)).unwrap();
    (read("ca.der"), read("leaf.der"), read("leaf.key.der"))
}

/// Accepts TLS on a free port and forwards the plaintext to `upstream`.
fn tls_proxy(cert: Vec<u8>, key: Vec<u8>, upstream: u16) -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let config = rustls::ServerConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_no_client_auth()
                .with_single_cert(
                    vec![cert.into()],
                    rustls::pki_types::PrivateKeyDer::Pkcs8(key.into()),
                )
                .unwrap();
            let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let Ok(mut plain) =
                        tokio::net::TcpStream::connect(("127.0.0.1", upstream)).await
                    else {
                        return;
                    };
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                });
            }
        });
    });
    port
}

#[test]
fn publishes_over_rtmps_with_a_private_root() {
    let dir = tempfile::tempdir().unwrap();
    let nginx = Nginx::start(dir.path());
    let (ca, cert, key) = make_certs(dir.path());
    let port = tls_proxy(cert, key, nginx.port);
    let mut cfg = LiveConfig::new(160, 120);
    cfg.video = VideoInput::TestPattern;
    cfg.audio = AudioInput::Tone(440.0);
    cfg.duration = Some(Duration::from_secs(2));
    cfg.ingest = Some(IngestUrl::parse(&format!("rtmps://localhost:{port}/live/tls-key")).unwrap());

    // Without the private root the certificate is refused, with a clear error.
    let mut untrusted = LiveConfig::new(160, 120);
    untrusted.ingest = cfg.ingest.clone();
    untrusted.duration = Some(Duration::from_secs(1));
    let s = LiveSession::start(untrusted).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while s.latest_stats().last_error.is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let err = s.latest_stats().last_error.unwrap_or_default();
    assert!(err.contains("TLS"), "{err}");
    drop(s);

    cfg.extra_root_cert_der = Some(ca);
    let session = LiveSession::start(cfg).unwrap();
    while !session.is_finished() {
        std::thread::sleep(Duration::from_millis(50));
    }
    let stats = session.stop().unwrap();
    assert!(stats.frames_sent >= 59, "{stats:?}");
    std::thread::sleep(Duration::from_millis(300));
    let rec = nginx.recordings();
    let last = rec.last().expect("nginx recorded nothing");
    let s = streams(last);
    assert!(
        s.contains(&("h264".into(), "160".into(), "120".into())),
        "{s:?}"
    );
    assert!(decodes(last));
}
