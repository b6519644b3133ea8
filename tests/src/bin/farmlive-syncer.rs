//! A device process that syncs once, for the kill-during-sync tests.
//!
//! Usage: `farmlive-syncer DATA_DIR`; exits 0 after a full sync, printing
//! `synced PUSHED PULLED`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .ok_or("usage: farmlive-syncer DATA_DIR")?;
    let core = farmlive_core::Core::open(&dir)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let options = farmlive_core::SyncOptions {
        push_batch: 25,
        pull_page: 50,
        ..Default::default()
    };
    let report = rt.block_on(core.sync(&options, &farmlive_core::CancelToken::new(), &|_| {}))?;
    println!(
        "synced {} {}",
        report.progress.ops_pushed, report.progress.changes_pulled
    );
    Ok(())
}
