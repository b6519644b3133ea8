//! FarmLive's media containers: pure functions and types, no I/O, no clock.
//!
//! The device's publisher (`farmlive-live`) muxes encoded frames into these
//! tags; the hub's relay receives the same tags from RTMP and hands them to
//! viewers (HTTP-FLV) and segmenters (HLS). One definition of a tag keeps
//! both sides agreeing on what a keyframe and a sequence header are.

pub mod flv;
