//! Guides over HTTP: every enrolled device pulls them after a sequence
//! number, as it pulls changes (`GET /v1/guides?after=SEQ&limit=N`).

use super::caller::any_device;
use super::extract::{Auth, QueryParams};
use super::state::{AppState, St, blocking};
use crate::error::Result;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use farmlive_protocol::api;
use farmlive_protocol::guides::{GUIDES_PAGE_MAX, GuidesPage};
use serde::Deserialize;
use std::sync::Arc;

/// The guide routes.
pub fn router() -> Router<Arc<AppState>> {
    Router::new().route(api::guides::LIST.path, get(list))
}

#[derive(Deserialize)]
struct GuidesQuery {
    #[serde(default)]
    after: u64,
    limit: Option<u32>,
}

async fn list(
    State(s): St,
    Auth(p): Auth,
    QueryParams(q): QueryParams<GuidesQuery>,
) -> Result<Json<GuidesPage>> {
    // Every role reads the courses; buyers do not (they are for farms).
    any_device(p)?;
    let limit = q.limit.unwrap_or(GUIDES_PAGE_MAX).clamp(1, GUIDES_PAGE_MAX);
    Ok(Json(
        blocking(move || s.store.guides_after(q.after, limit)).await?,
    ))
}
