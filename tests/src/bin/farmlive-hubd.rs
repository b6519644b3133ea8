//! The hub as its own process for the end-to-end tests: the same
//! `farmlive_hub::run` that `farmlive hub` calls.
//!
//! Usage: `farmlive-hubd DB [LISTEN]`; prints `listening http://ADDR` and
//! `code CODE` (a farmer code for "Test farm"), then serves until killed.

use std::io::Write;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let db = args.next().ok_or("usage: farmlive-hubd DB [LISTEN]")?;
    let listen = args
        .next()
        .unwrap_or_else(|| "127.0.0.1:0".into())
        .parse()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(farmlive_hub::run(
        listen,
        std::path::Path::new(&db),
        "Test farm",
        |ready| {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "listening http://{}", ready.addr);
            let _ = writeln!(out, "code {}", ready.code.code);
            let _ = out.flush();
        },
    ))?;
    Ok(())
}
