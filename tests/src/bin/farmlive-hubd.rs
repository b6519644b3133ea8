//! The hub as its own process for the end-to-end tests: the same
//! `farmlive_hub::run` that `farmlive hub` calls.
//!
//! Usage: `farmlive-hubd DB [LISTEN] [--trusted-proxy-header H]
//! [--signup-burst N] [--rtmp-listen ADDR|off] [--public-url URL]
//! [--node-url URL] [--hub-data DIR] [--secret-file FILE]
//! [--objects s3://BUCKET[/PREFIX]]`; prints `listening
//! http://ADDR`, `code CODE` (a farmer code for "Test farm") and `rtmp
//! ADDR` (or `rtmp off`), then serves until killed. The RTMP ingest listens
//! on an ephemeral port of LISTEN's address unless told otherwise (never
//! on 1935, which parallel tests would fight over).
//! The hub mints that code only on its first start; on a restart (an
//! existing database) this harness mints one through the store's operator
//! interface instead. DB is a SQLite file or a postgres:// URL.
//! Logs go to stderr, filtered by `RUST_LOG` (default `info`), as with
//! `farmlive hub`. Tests may change the server's limits with
//! `FARMLIVE_HUBD_MAX_CONNECTIONS`, `FARMLIVE_HUBD_HEADER_TIMEOUT_MS`,
//! `FARMLIVE_HUBD_WRITE_TIMEOUT_MS`, `FARMLIVE_HUBD_BODY_TIMEOUT_MS`,
//! `FARMLIVE_HUBD_DRAIN_GRACE_MS` and `FARMLIVE_HUBD_DRAIN_TIMEOUT_MS`.

use std::io::Write;

/// The server's limits: the defaults, with the test's overrides.
fn options() -> Result<farmlive_hub::ServeOptions, Box<dyn std::error::Error>> {
    let var = |name: &str| -> Result<Option<u64>, Box<dyn std::error::Error>> {
        match std::env::var(name) {
            Ok(v) => Ok(Some(v.parse().map_err(|e| format!("{name}: {e}"))?)),
            Err(_) => Ok(None),
        }
    };
    let mut o = farmlive_hub::ServeOptions::default();
    if let Some(n) = var("FARMLIVE_HUBD_MAX_CONNECTIONS")? {
        o.max_connections = usize::try_from(n)?;
    }
    if let Some(ms) = var("FARMLIVE_HUBD_HEADER_TIMEOUT_MS")? {
        o.header_read_timeout = std::time::Duration::from_millis(ms);
    }
    if let Some(ms) = var("FARMLIVE_HUBD_WRITE_TIMEOUT_MS")? {
        o.write_timeout = std::time::Duration::from_millis(ms);
    }
    if let Some(ms) = var("FARMLIVE_HUBD_BODY_TIMEOUT_MS")? {
        o.body_read_timeout = std::time::Duration::from_millis(ms);
    }
    if let Some(ms) = var("FARMLIVE_HUBD_DRAIN_GRACE_MS")? {
        o.drain_grace = std::time::Duration::from_millis(ms);
    }
    if let Some(ms) = var("FARMLIVE_HUBD_DRAIN_TIMEOUT_MS")? {
        o.drain_timeout = std::time::Duration::from_millis(ms);
    }
    Ok(o)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    farmlive_hub::install_log_subscriber();
    let mut args = std::env::args().skip(1);
    let db: farmlive_hub::DbTarget = args
        .next()
        .ok_or("usage: farmlive-hubd DB [LISTEN]")?
        .parse()?;
    let listen = args
        .next()
        .unwrap_or_else(|| "127.0.0.1:0".into())
        .parse()?;
    let mut options = farmlive_hub::HubOptions {
        serve: options()?,
        rtmp_listen: farmlive_hub::RtmpListen::At(std::net::SocketAddr::new(
            std::net::SocketAddr::ip(&listen),
            0,
        )),
        ..Default::default()
    };
    while let Some(flag) = args.next() {
        let value = args.next().ok_or("a flag needs a value")?;
        match flag.as_str() {
            "--trusted-proxy-header" => options.trusted_proxy_header = Some(value.parse()?),
            "--signup-burst" => options.signup_burst = value.parse()?,
            "--rtmp-listen" => options.rtmp_listen = value.parse()?,
            "--public-url" => options.public_url = Some(value),
            "--node-url" => options.node_url = Some(value),
            "--hotline" => options.hotline = Some(value),
            "--hub-data" => options.files.data_dir = Some(value.into()),
            "--secret-file" => options.files.secret_file = Some(value.into()),
            "--objects" => options.files.objects = Some(value.parse()?),
            other => return Err(format!("unknown flag {other}").into()),
        }
    }
    let files = options.files.clone();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(farmlive_hub::run(
        listen,
        &db,
        "Test farm",
        options,
        |ready| {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "listening http://{}", ready.addr);
            let code = match &ready.code {
                Some(code) => code.code.clone(),
                // A store blocks on its own runtime (PostgreSQL's): not
                // on this async thread.
                None => std::thread::scope(|s| {
                    s.spawn(|| {
                        farmlive_hub::store::open_with(&db, &files)
                            .and_then(|s| {
                                s.mint_enrol_code(
                                    &["Test farm".to_owned()],
                                    farmlive_core::protocol::api::Role::Farmer,
                                )
                            })
                            .map(|c| c.code)
                            .unwrap_or_default()
                    })
                    .join()
                    .unwrap_or_default()
                }),
            };
            let _ = writeln!(out, "code {code}");
            match ready.rtmp {
                Some(addr) => writeln!(out, "rtmp {addr}"),
                None => writeln!(out, "rtmp off"),
            }
            .ok();
            let _ = out.flush();
        },
    ))?;
    Ok(())
}
