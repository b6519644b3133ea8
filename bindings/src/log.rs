//! Forwards the core's `tracing` events to a foreign [`LogListener`] (Logcat
//! on Android, `os_log` on iOS). One global subscriber is installed on first
//! use; later calls only swap the listener or its level.
//!
//! Log lines are the core's own, which never carry personal data or secrets.
//! A listener that calls back into FarmLive cannot recurse: events raised
//! while a line is being delivered on the same thread are dropped.

use crate::error::{FarmLiveError, Result};
use std::cell::Cell;
use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, OnceLock, RwLock};
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, SubscriberExt};

/// Severity of a log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, uniffi::Enum)]
pub enum LogLevel {
    /// Very detailed.
    Trace,
    /// For developers.
    Debug,
    /// Normal events.
    Info,
    /// Something unusual.
    Warn,
    /// A failure.
    Error,
}

impl From<&tracing::Level> for LogLevel {
    fn from(l: &tracing::Level) -> Self {
        match *l {
            tracing::Level::TRACE => LogLevel::Trace,
            tracing::Level::DEBUG => LogLevel::Debug,
            tracing::Level::INFO => LogLevel::Info,
            tracing::Level::WARN => LogLevel::Warn,
            _ => LogLevel::Error,
        }
    }
}

/// Receives the core's log lines, on whichever thread logged them.
#[uniffi::export(with_foreign)]
pub trait LogListener: Send + Sync {
    /// One line: its level, its target (`farmlive::sync`) and its text.
    fn on_log(&self, level: LogLevel, target: String, message: String);
}

type Slot = RwLock<Option<(Arc<dyn LogListener>, LogLevel)>>;

static LISTENER: Slot = RwLock::new(None);
static INSTALLED: OnceLock<std::result::Result<(), String>> = OnceLock::new();

thread_local! {
    static DELIVERING: Cell<bool> = const { Cell::new(false) };
}

/// Longest log line delivered, in bytes.
const LINE_MAX_BYTES: usize = 2048;

struct Forward;

#[derive(Default)]
struct Line(String);

impl Visit for Line {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if self.0.len() > LINE_MAX_BYTES {
            return;
        }
        if field.name() == "message" {
            let _ = write!(self.0, "{value:?}");
        } else {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0.push_str(value);
        } else {
            self.record_debug(field, &value);
        }
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Forward {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        let meta = event.metadata();
        let level = LogLevel::from(meta.level());
        let listener = match LISTENER.read() {
            Ok(slot) => match slot.as_ref() {
                Some((l, min)) if level >= *min => l.clone(),
                _ => return,
            },
            Err(_) => return,
        };
        if DELIVERING.with(|d| d.replace(true)) {
            return;
        }
        let mut line = Line::default();
        event.record(&mut line);
        let mut text = line.0;
        if text.len() > LINE_MAX_BYTES {
            let mut cut = LINE_MAX_BYTES;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.truncate(cut);
        }
        let target = meta.target().to_owned();
        let _ = catch_unwind(AssertUnwindSafe(|| listener.on_log(level, target, text)));
        DELIVERING.with(|d| d.set(false));
    }
}

/// Sends the core's log lines at `min_level` and above to `listener`
/// (`None` stops forwarding). Fails only when the host process already
/// installed another global `tracing` subscriber.
#[uniffi::export]
pub fn set_log_listener(listener: Option<Arc<dyn LogListener>>, min_level: LogLevel) -> Result<()> {
    INSTALLED
        .get_or_init(|| {
            let subscriber = tracing_subscriber::registry().with(Forward);
            tracing::subscriber::set_global_default(subscriber)
                .map_err(|_| "another logger is already installed in this process".to_owned())
        })
        .clone()
        .map_err(FarmLiveError::failure)?;
    let mut slot = LISTENER.write().unwrap_or_else(|p| p.into_inner());
    *slot = listener.map(|l| (l, min_level));
    Ok(())
}
