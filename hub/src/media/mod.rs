//! Live video in the hub.
//!
//! - [`hls_writer`]: a room's HLS (segments, live and replay playlists) and
//!   its recording, on disk.

pub mod hls_writer;
