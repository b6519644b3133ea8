//! FarmLive's media containers: pure functions and types, no I/O, no clock.
//!
//! The device's publisher (`farmlive-live`) muxes encoded frames into these
//! tags; the hub's relay receives the same tags from RTMP and hands them to
//! viewers (HTTP-FLV) and segmenters (HLS). One definition of a tag keeps
//! both sides agreeing on what a keyframe and a sequence header are.
//!
//! HLS: [`avc`] and [`aac`] turn FLV's H.264 and AAC into what MPEG-TS
//! carries, [`ts`] muxes them, and [`hls`] cuts segments and writes the
//! playlists. Hostile input gives a [`MediaError`], never a panic.

pub mod aac;
pub mod avc;
mod error;
pub mod flv;
pub mod hls;
pub mod ts;

pub use error::MediaError;
