//! The hub's logs: a subscriber for the processes that run a hub, and a
//! request id on every request.
//!
//! Every response carries `x-request-id`; a 5xx is logged at `error` with
//! that id, the method, the path (never the query string), the status and
//! the latency, and the id is also in the JSON error's message, so an
//! operator can find a user's report in the log. Nothing else of a request
//! is logged: no headers (so no `Authorization`), no query, no body.

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use std::time::Instant;
use tracing::Instrument;
use tracing_subscriber::Layer;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;

/// The response header that names the request.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Paths longer than this are cut in the log.
const PATH_LOG_MAX: usize = 160;

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The id of the request being handled, inside a handler.
pub fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// The log filter that `RUST_LOG` asks for: `target=level` pairs and a
/// default level, e.g. `info` or `warn,farmlive=debug` (no regexes, no span
/// filters). `info` when unset or unreadable (then also the reason).
pub fn filter_from(rust_log: Option<&str>) -> (Targets, Option<String>) {
    let default = Targets::new().with_default(LevelFilter::INFO);
    match rust_log.map(str::trim).filter(|s| !s.is_empty()) {
        None => (default, None),
        Some(spec) => match spec.parse::<Targets>() {
            Ok(t) => (t, None),
            Err(e) => (
                default,
                Some(format!(
                    "RUST_LOG={spec:?} is not understood ({e}); logging at info"
                )),
            ),
        },
    }
}

/// Installs the hub's log subscriber: plain text lines on stderr, filtered
/// by `RUST_LOG` (see [`filter_from`]). Does nothing if one is installed.
pub fn install_log_subscriber() {
    let (filter, problem) = filter_from(std::env::var("RUST_LOG").ok().as_deref());
    let subscriber = tracing_subscriber::registry().with(
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_filter(filter),
    );
    if tracing::subscriber::set_global_default(subscriber).is_ok() {
        if let Some(problem) = problem {
            tracing::warn!(target: "farmlive::hub", "{problem}");
        }
    }
}

fn new_request_id() -> String {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        // No randomness: a time-based id still tells requests apart.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        bytes = nanos.to_be_bytes();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Middleware: gives each request an id (task-local for the handlers and
/// [`crate::error::HubError`], and in a tracing span), returns it in
/// `x-request-id`, and logs the request: 5xx at `error`, others at `debug`.
pub(crate) async fn request_id(req: Request, next: Next) -> Response {
    let id = new_request_id();
    let method = req.method().clone();
    let mut path = req.uri().path().to_owned();
    if path.len() > PATH_LOG_MAX {
        let mut cut = PATH_LOG_MAX;
        while !path.is_char_boundary(cut) {
            cut -= 1;
        }
        path.truncate(cut);
        path.push('…');
    }
    let started = Instant::now();
    let span = tracing::info_span!(target: "farmlive::hub", "request", id = %id);
    let mut resp = REQUEST_ID
        .scope(id.clone(), next.run(req).instrument(span))
        .await;
    let status = resp.status().as_u16();
    let latency_ms = started.elapsed().as_millis() as u64;
    if resp.status().is_server_error() {
        tracing::error!(
            target: "farmlive::hub::http",
            request_id = %id, %method, %path, status, latency_ms,
            "request failed"
        );
    } else {
        tracing::debug!(
            target: "farmlive::hub::http",
            request_id = %id, %method, %path, status, latency_ms,
            "request"
        );
    }
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert(REQUEST_ID_HEADER, v);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing::level_filters::LevelFilter as L;

    #[test]
    fn rust_log_is_read_as_targets_with_info_by_default() {
        let (t, problem) = filter_from(None);
        assert!(problem.is_none());
        assert!(t.would_enable("farmlive::hub", &tracing::Level::INFO));
        assert!(!t.would_enable("farmlive::hub", &tracing::Level::DEBUG));
        let (t, _) = filter_from(Some("warn,farmlive::hub=debug"));
        assert!(t.would_enable("farmlive::hub::http", &tracing::Level::DEBUG));
        assert!(!t.would_enable("hyper", &tracing::Level::INFO));
        let (t, problem) = filter_from(Some("farmlive=[{x}]"));
        assert!(problem.is_some(), "span filters are not understood");
        assert_eq!(t.default_level(), Some(L::INFO));
    }

    #[test]
    fn request_ids_are_distinct_hex() {
        let (a, b) = (new_request_id(), new_request_id());
        assert_eq!(a.len(), 16);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
