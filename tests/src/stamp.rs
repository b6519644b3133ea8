//! Clock stamps for ops written by hand.

/// A clock stamp for now in its wire form, for ops sent as raw JSON. (The
/// hub refuses stamps far ahead of its clock, so tests must not make up
/// future ones.)
pub fn stamp_now() -> String {
    format!(
        "{:016}-0000000000-{}",
        now_ms(),
        farmlive_core::protocol::OpId::new()
    )
}

/// Milliseconds since the Unix epoch, by this machine's clock.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}
