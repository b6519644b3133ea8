//! Live video in the hub: RTMP ingest, the per-room relay, HTTP-FLV out.
//!
//! - [`relay`]: one room's relay, sans I/O (headers, GOP cache, bounded
//!   viewer queues, stall detection, sinks). With [`stream`] and
//!   [`viewer`], the lowest layer beside `rooms`: it knows neither the
//!   store nor HTTP.

pub mod relay;
mod stream;
mod viewer;
