//! The change feed devices pull, and its long poll: with `wait`, an empty
//! page is held until one of the device's farms' feed moves (the farms'
//! bell, [`crate::rooms::bell`]), the wait ends, or the hub drains. That
//! is how a farmer whose app is open hears of an expert's answer or an
//! off-air order at once: the device holds one poll, and syncs when it
//! comes back with something.

use super::caller::any_device;
use super::extract::{Auth, QueryParams};
use super::sse::device_stream;
use super::state::{AppState, St, blocking};
use crate::error::Result;
use crate::store::interface::Principal;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use farmlive_protocol::api::{ChangesPage, ChangesQuery, PULL_LIMIT_MAX, TOKEN_EXPIRES};
use farmlive_protocol::roles::{self, Capability};
use farmlive_protocol::{FarmId, api};
use std::sync::Arc;
use tokio::time::Instant;

/// The change-feed route.
pub(super) fn router() -> axum::Router<Arc<AppState>> {
    Router::new().route(api::sync::CHANGES.path, get(changes))
}

async fn changes(
    State(s): St,
    Auth(p): Auth,
    QueryParams(q): QueryParams<ChangesQuery>,
) -> Result<([(&'static str, String); 1], Json<ChangesPage>)> {
    let expires = match &p {
        Principal::Device {
            token_expires_at, ..
        } => *token_expires_at,
        Principal::Buyer(_) => 0,
    };
    let device = match &p {
        Principal::Device { id, .. } => Some(*id),
        Principal::Buyer(_) => None,
    };
    let (_, role, farms) = any_device(p)?;
    let limit = q.limit.unwrap_or(500).clamp(1, PULL_LIMIT_MAX);
    // Orders carry the buyer's contact: only roles that may see it get them.
    let orders = roles::allows(role, Capability::SeeBuyerContact);
    let hold = q.hold();
    let farm_list: Vec<FarmId> = farms.iter().copied().collect();
    // A held poll is one of the device's streams (taken before the first
    // read, like the bell's ear, so no commit falls between them).
    let mut held = match device.filter(|_| !hold.is_zero()) {
        Some(id) => Some((
            device_stream(&s, id)?,
            s.store.fanout().bell.listen(&farm_list),
            s.store.fanout().closing(),
        )),
        None => None,
    };
    let deadline = Instant::now() + hold;
    let mut page = loop {
        let (st, farms) = (s.clone(), farms.clone());
        let page = blocking(move || st.store.changes(&farms, q.after, limit, orders)).await?;
        let Some((_, ear, closing)) = held.as_mut() else {
            break page;
        };
        if !page.changes.is_empty() || *closing.borrow() {
            break page;
        }
        tokio::select! {
            () = ear.rung() => {}
            () = tokio::time::sleep_until(deadline) => break page,
            _ = closing.changed() => break page,
        }
    };
    page.hotline = s.hotline.clone();
    // When the token expires, so that a device renews in time.
    Ok(([(TOKEN_EXPIRES, expires.to_string())], Json(page)))
}
