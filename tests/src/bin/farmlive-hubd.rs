//! The hub as its own process for the end-to-end tests: the same
//! `farmlive_hub::run` that `farmlive hub` calls.
//!
//! Usage: `farmlive-hubd DB [LISTEN]`; prints `listening http://ADDR` and
//! `code CODE` (a farmer code for "Test farm"), then serves until killed.
//! The hub mints that code only on its first start; on a restart (an
//! existing database) this harness mints one through the store instead.

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
            let code = match &ready.code {
                Some(code) => code.code.clone(),
                None => farmlive_hub::Store::open(std::path::Path::new(&db))
                    .and_then(|s| {
                        s.mint_enrol_code(
                            &["Test farm".to_owned()],
                            farmlive_core::protocol::api::Role::Farmer,
                        )
                    })
                    .map(|c| c.code)
                    .unwrap_or_default(),
            };
            let _ = writeln!(out, "code {code}");
            let _ = out.flush();
        },
    ))?;
    Ok(())
}
