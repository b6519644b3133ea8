//! `farmlive-ffi`: the uniffi facade over the FarmLive core for the Kotlin
//! (Android) and Swift (iOS) shells.
//!
//! - [`FarmLive`] — one object, opened at a data directory: farms, listings,
//!   photos, the outbox, orders, conflicts; `enrol` and `sync` are async
//!   (Kotlin `suspend`, Swift `async`) and run on one tokio runtime owned by
//!   the library; `start_live` (async) returns a [`LiveSession`] that takes
//!   camera frames and microphone PCM pushed by the shell and, when started
//!   with a room, sells: buyers watch, comment and order, the farmer pins a
//!   listing at a live price (`pin`, `unpin`), and `stop` sums it up.
//! - Questions to the experts: `ask_question` (offline, with photos),
//!   `questions`, `follow_up`, `resolve_question`; answers arrive by `sync`
//!   (`new_answers` for notifications, `hotline`), or within seconds while
//!   the app holds `watch` open ([`WatchListener`], [`WatchEvent`]). An
//!   expert's device reads the queue and answers (`expert_queue`,
//!   `expert_question`, `question_photo`, `answer_question`).
//! - Listeners are foreign traits: [`SyncListener`], [`ShowListener`] (one
//!   stream of [`ShowEvent`]s per live session: stream figures and room
//!   events), [`LogListener`] (the core's `tracing` output, see
//!   [`set_log_listener`]).
//! - One public error, [`FarmLiveError`], with messages for people, bounded in
//!   length and free of personal data and secrets; each has a stable
//!   `message_code()` and its text in English or Chinese (`localized_reason`).
//! - Enrolment by QR code: [`decode_enrol_qr`] reads a camera frame's luma
//!   plane, [`decode_enrol_qr_photo`] a photo, into an [`EnrolLink`].
//!
//! No panic crosses the FFI: uniffi catches panics at every export (they reach
//! the shell as an internal error), arguments are checked before the core sees
//! them, and calls into foreign listeners are wrapped in `catch_unwind`.
//!
//! Generate the bindings with `cargo xtask bindings` (the `uniffi-bindgen`
//! binary of the `farmlive-bindgen` package beside this one, in library mode).

// uniffi's macros expand to `extern "C"` scaffolding with `#[unsafe(no_mangle)]`
// and unsafe FFI glue; besides that generated code, the only unsafe in this
// crate is the `unsafe impl Lift` of `ShellBytes` (bytes.rs; it calls no
// unsafe function, see its SAFETY comment).
#![allow(unsafe_code)]

mod bytes;
mod enrol_qr;
mod error;
mod experts;
mod facade;
mod guides;
mod live;
mod log;
mod manifest;
mod questions;
mod reminders;
mod remote;
mod room;
mod runtime;
mod sales;
mod show;
mod sync;
mod types;
mod watch;

pub use bytes::ShellBytes;
pub use enrol_qr::{EnrolLink, decode_enrol_qr, decode_enrol_qr_photo, parse_enrol_link};
pub use error::{FarmLiveError, Result};
pub use experts::{ExpertQuestion, ExpertQueue, ExpertQueueQuery};
pub use facade::FarmLive;
pub use live::{LiveOptions, LiveSession, upright_rotation_degrees};
pub use log::{LogLevel, LogListener, set_log_listener};
pub use questions::{
    AnswerNotice, Question, QuestionDraft, QuestionPhoto, QuestionPost, QuestionStatus,
};
pub use remote::*;
pub use room::{LiveRoom, LiveSummary, RoomOptions, RoomPin, ShelfListing};
pub use show::{RoomComment, RoomOrder, RoomViewer, ShowEvent, ShowListener};
pub use sync::SyncListener;
pub use types::*;
pub use watch::{WatchEvent, WatchListener};

uniffi::setup_scaffolding!();
