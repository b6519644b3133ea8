//! Live video in the hub: RTMP ingest, the per-room relay, HTTP-FLV out.
//!
//! - [`relay`]: one room's relay, sans I/O (headers, GOP cache, bounded
//!   viewer queues, stall detection, sinks), with `stream` and `viewer`;
//!   `rtmp`: one publisher's connection, sans I/O. Like `rooms`, these
//!   know neither the store nor HTTP.
//! - [`live`]: the rooms on air in this process ([`Media`]), the thin
//!   driver over the relays that the ingest publishes to and HTTP-FLV
//!   viewers read from; `wake` decides which pushes wake the viewers.
//! - [`hls_writer`]: a room's HLS (segments, live and replay playlists) and
//!   its recording, on disk, fed as one of a relay's sinks.
//! - [`archive`]: recordings copied into shared storage (S3) on a thread
//!   of their own, so a replay plays from every process.
//! - [`recording`]: the sink factory that gives every room on air its
//!   HLS feed.
//! - [`ingest`]: the RTMP listener. It checks stream keys through the
//!   store interface, so it sits beside `http`, at the top.

pub mod archive;
mod hls_files;
pub mod hls_writer;
pub mod ingest;
pub mod live;
pub mod recording;
pub mod relay;
mod rtmp;
mod stream;
mod viewer;
mod wake;

pub use ingest::IngestOptions;
pub use live::{Media, Publisher, SinkFactory, ViewerFeed};
pub use relay::{RelayLimits, TagSink};
