//! Guides over HTTP: every enrolled device pulls them after a sequence
//! number, as it pulls changes (`GET /v1/guides?after=SEQ&limit=N`), and
//! an expert's device publishes them (`PUT /v1/guides/{id}`), their photos
//! uploaded first (any enrolled device may then read those).

use super::caller::{any_device, device};
use super::extract::{Auth, JsonBody, QueryParams};
use super::state::{AppState, St, blocking};
use crate::error::{HubError, Result};
use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use farmlive_protocol::api;
use farmlive_protocol::guides::{
    GUIDES_PAGE_MAX, GuideDraft, GuidePublished, GuidesPage, PublishGuide,
};
use farmlive_protocol::roles::Capability;
use serde::Deserialize;
use std::sync::Arc;

/// The guide routes.
pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route(api::guides::LIST.path, get(list))
        .route(api::guides::PUBLISH.path, axum::routing::put(publish))
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

async fn publish(
    State(s): St,
    Auth(p): Auth,
    Path(id): Path<String>,
    JsonBody(req): JsonBody<PublishGuide>,
) -> Result<Json<GuidePublished>> {
    device(p, Capability::PublishGuides)?;
    let draft = GuideDraft {
        id,
        texts: req.texts,
        photos: req.photos,
    }
    .checked()
    .map_err(|e| HubError::bad_request("invalid", e))?;
    let mut published = blocking(move || s.store.publish_guides(&[draft], false)).await?;
    let p = published
        .pop()
        .ok_or_else(|| HubError::Internal("a publish said nothing".into()))?;
    Ok(Json(GuidePublished {
        id: p.id,
        revision: p.revision,
        changed: p.changed,
    }))
}
