//! Content-addressed file names, so a served file can be cached for a year:
//! a changed file gets a new name. Shared by the embedded assets and the
//! player libraries read from npm.

use sha2::{Digest, Sha256};

/// `name` with the first bytes of `body`'s SHA-256 before its extension:
/// `app.css` → `app.3f2a9c1b.css`.
pub fn hashed(name: &str, body: &[u8]) -> String {
    let hash = Sha256::digest(body);
    let short: String = hash[..4].iter().map(|b| format!("{b:02x}")).collect();
    let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
    format!("{stem}.{short}.{ext}")
}
