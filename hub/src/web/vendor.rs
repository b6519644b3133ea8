//! The player libraries (mpegts.js for HTTP-FLV, hls.js for HLS where the
//! browser has no native HLS), served by the hub from the npm packages
//! `cargo xtask setup` installs with `npm ci` from `tests/browser`'s lock
//! file. Not embedded: the hub builds without npm, and their code is not
//! pasted into the repository. Read once, at first use, from
//! `$FARMLIVE_PLAYER_LIBS` (a `node_modules` folder), else
//! `$FARMLIVE_NPM_DIR/node_modules`, else `~/.cache/farmlive/npm/node_modules`;
//! when they are not there the room page simply offers none (Safari and
//! iOS play HLS natively), and says so once in the log.

use axum::body::Bytes;
use std::path::PathBuf;
use std::sync::OnceLock;

/// One library file: the name the page asks for, and where npm puts it.
struct Library {
    name: &'static str,
    path: &'static str,
}

/// The libraries, by the name their address starts with.
const LIBRARIES: &[Library] = &[
    Library {
        name: "mpegts.js",
        path: "mpegts.js/dist/mpegts.js",
    },
    Library {
        name: "hls.mjs",
        path: "hls.js/dist/hls.min.mjs",
    },
];

/// A library read into memory.
pub struct Loaded {
    /// Its name (`mpegts.js`).
    pub name: &'static str,
    /// The name it is served under, content hash included.
    pub served: String,
    /// Its bytes.
    pub body: Bytes,
}

/// The `node_modules` folder the libraries are read from.
fn folder() -> PathBuf {
    if let Some(dir) = std::env::var_os("FARMLIVE_PLAYER_LIBS") {
        return PathBuf::from(dir);
    }
    if let Some(dir) = std::env::var_os("FARMLIVE_NPM_DIR") {
        return PathBuf::from(dir).join("node_modules");
    }
    let home =
        std::env::var_os("HOME").map_or_else(|| PathBuf::from("/nonexistent"), PathBuf::from);
    home.join(".cache/farmlive/npm/node_modules")
}

/// The libraries found (read once).
pub fn loaded() -> &'static [Loaded] {
    static LOADED: OnceLock<Vec<Loaded>> = OnceLock::new();
    LOADED.get_or_init(|| {
        let dir = folder();
        let found: Vec<Loaded> = LIBRARIES
            .iter()
            .filter_map(|lib| {
                let body = std::fs::read(dir.join(lib.path)).ok()?;
                Some(Loaded {
                    name: lib.name,
                    served: super::hashed::hashed(lib.name, &body),
                    body: Bytes::from(body),
                })
            })
            .collect();
        if found.len() < LIBRARIES.len() {
            tracing::info!(
                target: "farmlive::hub",
                "player libraries not found in {} (run `cargo xtask setup` or set FARMLIVE_PLAYER_LIBS); rooms offer native HLS only",
                dir.display()
            );
        }
        found
    })
}
