//! The device's link to a hub: the HTTP client ([`HubClient`], typed by
//! [`farmlive_protocol::api`]'s endpoint declarations), a buyer's client
//! ([`BuyerClient`]), retry with backoff, resumable photo uploads, and
//! [`CancelToken`].
//!
//! `sync/` (push, pull, the local view) and `room/` use this; it knows
//! nothing of them.

mod backoff;
mod buyer;
mod cancel;
pub(crate) mod client;
mod retry;
mod upload;

pub use backoff::Backoff;
pub(crate) use backoff::jitter_unit;
pub use buyer::BuyerClient;
pub use cancel::CancelToken;
pub(crate) use client::HubClient;
pub(crate) use retry::{retry, sleep_unless_cancelled, wait_before_retry};
pub(crate) use upload::{next_chunk, upload};
