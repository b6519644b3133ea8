//! The hub as its own process for the end-to-end tests: the same
//! `farmlive_hub::run` that `farmlive hub` calls.
//!
//! Usage: `farmlive-hubd DB [LISTEN] [--trusted-proxy-header H]
//! [--signup-burst N]`; prints `listening http://ADDR` and `code CODE` (a
//! farmer code for "Test farm"), then serves until killed.

use std::io::Write;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let db = args.next().ok_or("usage: farmlive-hubd DB [LISTEN]")?;
    let listen = args
        .next()
        .unwrap_or_else(|| "127.0.0.1:0".into())
        .parse()?;
    let mut options = farmlive_hub::HubOptions::default();
    while let Some(flag) = args.next() {
        let value = args.next().ok_or("a flag needs a value")?;
        match flag.as_str() {
            "--trusted-proxy-header" => options.trusted_proxy_header = Some(value.parse()?),
            "--signup-burst" => options.signup_burst = value.parse()?,
            other => return Err(format!("unknown flag {other}").into()),
        }
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(farmlive_hub::run_with(
        listen,
        std::path::Path::new(&db),
        "Test farm",
        options,
        |ready| {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "listening http://{}", ready.addr);
            let _ = writeln!(out, "code {}", ready.code.code);
            let _ = out.flush();
        },
    ))?;
    Ok(())
}
