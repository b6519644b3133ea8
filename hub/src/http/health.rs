//! Liveness and readiness for supervisors and load balancers, and the
//! draining state a shutting-down process is in.
//!
//! A process asked to stop first says it is not ready (`/readyz` 503
//! `draining`) while it keeps serving for the drain grace, so a load
//! balancer stops sending it new work before it stops accepting; `/livez`
//! stays 200 until the process is gone, so a supervisor does not kill it
//! in the middle of finishing its requests.

use super::state::{St, blocking};
use axum::extract::State;
use axum::http::StatusCode;

/// `GET /livez`: the process serves.
pub(super) async fn live() -> &'static str {
    "live"
}

/// `GET /readyz`: the process takes new work.
pub(super) async fn ready(State(s): St) -> (StatusCode, &'static str) {
    if s.health.is_draining() {
        return (StatusCode::SERVICE_UNAVAILABLE, "draining");
    }
    let store = s.store.clone();
    match blocking(move || store.ping()).await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(e) => {
            tracing::warn!(target: "farmlive::hub", "not ready: {e}");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}
