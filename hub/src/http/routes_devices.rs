//! A farm's devices: a device renews its token; the farmer lists and
//! removes the farm's devices. Agents may do neither of the latter: a
//! farmer owns the farm's devices.

use super::caller::farmer;
use super::extract::{Auth, parse_id};
use super::state::{AppState, St, blocking};
use crate::error::{HubError, Result};
use crate::store::interface::Principal;
use axum::extract::{Path, State};
use axum::routing::post;
use axum::{Json, Router};
use farmlive_protocol::DeviceId;
use farmlive_protocol::api::{DeviceInfo, TokenRenewal, devices};
use std::sync::Arc;

/// The device routes (`/v1/devices` itself, enrol and list, is in `routes.rs`).
pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route(devices::RENEW_TOKEN.path, post(renew))
        .route(devices::REVOKE.path, post(revoke))
}

async fn renew(State(s): St, Auth(p): Auth) -> Result<Json<TokenRenewal>> {
    let Principal::Device { id, .. } = p else {
        return Err(HubError::Forbidden("only enrolled devices may do this"));
    };
    Ok(Json(blocking(move || s.store.renew_token(id)).await?))
}

/// `GET /v1/devices`: the farm's devices, for its farmer.
pub(crate) async fn list(State(s): St, Auth(p): Auth) -> Result<Json<Vec<DeviceInfo>>> {
    let (_, farms) = farmer(p)?;
    Ok(Json(blocking(move || s.store.devices(Some(&farms))).await?))
}

async fn revoke(State(s): St, Auth(p): Auth, Path(id): Path<String>) -> Result<Json<DeviceInfo>> {
    let (me, farms) = farmer(p)?;
    let target: DeviceId = parse_id(&id, "no such device on this farm")?;
    if target == me {
        return Err(HubError::bad_request(
            "invalid",
            "a device cannot remove itself; remove it from another of the farm's devices or ask the hub operator",
        ));
    }
    Ok(Json(
        blocking(move || {
            let by = format!("the farmer's device “{}”", s.store.device_name(me)?);
            s.store.revoke_device(target, Some(&farms), &by)
        })
        .await?,
    ))
}
