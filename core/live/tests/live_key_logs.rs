//! The stream key never appears in the log lines the session writes (its own
//! test binary: it installs a global tracing subscriber that records them).

#![allow(clippy::unwrap_used)]

mod common;

use farmlive_live::{IngestUrl, LiveConfig, LiveSession};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<String>>>);

struct Line<'a>(&'a mut String);

impl Visit for Line<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.push_str(&format!("{}={value:?} ", field.name()));
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut line = String::new();
        span.record(&mut Line(&mut line));
        self.0.lock().unwrap().push(line);
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, values: &Record<'_>) {
        let mut line = String::new();
        values.record(&mut Line(&mut line));
        self.0.lock().unwrap().push(line);
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut line = format!("{} ", event.metadata().level());
        event.record(&mut Line(&mut line));
        self.0.lock().unwrap().push(line);
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

#[test]
fn log_lines_never_show_the_stream_key() {
    let recorder = Recorder::default();
    tracing::subscriber::set_global_default(recorder.clone()).unwrap();
    let key = "LoG-sEcReT-7781";
    let dir = tempfile::tempdir().unwrap();
    let mut nginx = common::Nginx::start(dir.path());
    let mut cfg = LiveConfig::new(64, 64);
    cfg.ingest = Some(IngestUrl::parse(&nginx.url(key)).unwrap());
    cfg.duration = Some(Duration::from_secs(4));
    let session = LiveSession::start(cfg).unwrap();
    std::thread::sleep(Duration::from_millis(1200));
    // lose the ingest: the session logs the loss and its reconnect attempts
    nginx.stop();
    let deadline = Instant::now() + Duration::from_secs(10);
    while recorder.0.lock().unwrap().len() < 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = session.stop();
    let lines = recorder.0.lock().unwrap().clone();
    assert!(
        lines.len() >= 2,
        "expected log lines about the lost ingest: {lines:?}"
    );
    assert!(lines.iter().any(|l| l.contains("127.0.0.1")), "{lines:?}");
    for l in &lines {
        assert!(
            !l.contains(key),
            "the stream key leaked into a log line: {l}"
        );
    }
}
