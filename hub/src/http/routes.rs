//! The hub's HTTP routes: all of them, the live-room, photo and device
//! routes from their own files.

use super::caller::{any_device, buyer};
use super::extract::{Auth, JsonBody, QueryParams, parse_id};
use super::state::{AppState, St, blocking};
use super::{
    routes_blobs, routes_changes, routes_devices, routes_guides, routes_media, routes_questions,
    routes_rooms,
};
use crate::error::{HubError, Result};
use crate::store::interface::Principal;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use farmlive_protocol::OrderState;
use farmlive_protocol::api;
use farmlive_protocol::api::{
    BuyerOrder, BuyerSignup, BuyerToken, CancelOrder, EnrolRequest, EnrolResponse, PUSH_BATCH_MAX,
    PlaceOrder, PublicListing, PushRequest, PushResponse,
};
use farmlive_protocol::roles::{self, Capability};
use serde::Deserialize;
use std::sync::Arc;

/// All routes.
pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route(api::HEALTH.path, get(|| async { "ok" }))
        .route(api::LIVE.path, get(super::health::live))
        .route(api::READY.path, get(super::health::ready))
        .route(
            api::devices::ENROL.path,
            post(enrol).get(routes_devices::list),
        )
        .route(api::sync::PUSH.path, post(push))
        .route(
            api::blobs::GET.path,
            get(routes_blobs::get)
                .head(routes_blobs::head)
                .patch(routes_blobs::patch),
        )
        .route(api::buyers::SIGN_UP.path, post(sign_up))
        .route(api::buyers::LISTINGS.path, get(listings))
        .route(api::buyers::DELIVERY.path, get(delivery_quote))
        .route(api::orders::PLACE.path, post(place_order))
        .route(api::orders::SHOW.path, get(get_order))
        .route(api::orders::CANCEL.path, post(cancel_order))
        .route(
            api::orders::DELIVERY_PHOTO.path,
            get(routes_blobs::delivery_photo),
        )
        .merge(routes_rooms::router())
        .merge(routes_devices::router())
        .merge(routes_changes::router())
        .merge(routes_guides::router())
        .merge(routes_media::router())
        .merge(routes_questions::router())
        .fallback(|| async { HubError::NotFound("no such address") })
        .method_not_allowed_fallback(|| async { HubError::MethodNotAllowed })
}

/// A sign-up token taken for the request's client address (or a 429).
struct ClientLimit;

impl axum::extract::FromRequestParts<Arc<AppState>> for ClientLimit {
    type Rejection = HubError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &Arc<AppState>,
    ) -> Result<Self> {
        state.signups.check(parts).map(|()| ClientLimit)
    }
}

async fn enrol(
    State(s): St,
    JsonBody(req): JsonBody<EnrolRequest>,
) -> Result<(StatusCode, Json<EnrolResponse>)> {
    let resp = blocking(move || s.store.enrol(&req)).await?;
    Ok((StatusCode::CREATED, Json(resp)))
}

async fn push(
    State(s): St,
    Auth(p): Auth,
    JsonBody(req): JsonBody<PushRequest>,
) -> Result<Json<PushResponse>> {
    // Any device may push; each op is checked against its role.
    let (device, role, farms) = any_device(p)?;
    if req.ops.len() > PUSH_BATCH_MAX {
        return Err(HubError::bad_request(
            "batch_too_large",
            format!("send at most {PUSH_BATCH_MAX} ops at a time"),
        ));
    }
    let results = blocking(move || s.store.push(&farms, role, &device, &req.ops)).await?;
    Ok(Json(PushResponse { results }))
}

/// Limited per client address (see [`super::signup`]) before the body is read.
async fn sign_up(
    State(s): St,
    ClientLimit: ClientLimit,
    JsonBody(req): JsonBody<BuyerSignup>,
) -> Result<(StatusCode, Json<BuyerToken>)> {
    let (buyer, token) = blocking(move || s.store.sign_up_buyer(&req.contact)).await?;
    Ok((StatusCode::CREATED, Json(BuyerToken { buyer, token })))
}

#[derive(Deserialize)]
struct ListingsQuery {
    limit: Option<u32>,
}

async fn listings(
    State(s): St,
    QueryParams(q): QueryParams<ListingsQuery>,
) -> Result<Json<Vec<PublicListing>>> {
    let limit = q.limit.unwrap_or(100).clamp(1, 500);
    Ok(Json(
        blocking(move || s.store.public_listings(limit)).await?,
    ))
}

async fn delivery_quote(
    State(s): St,
    Path(id): Path<String>,
    QueryParams(q): QueryParams<api::DeliveryQuery>,
) -> Result<Json<api::DeliveryQuote>> {
    let listing = parse_id(&id, "no such listing")?;
    Ok(Json(
        blocking(move || s.store.delivery_quote(listing, &q.city)).await?,
    ))
}

async fn place_order(
    State(s): St,
    Auth(p): Auth,
    JsonBody(req): JsonBody<PlaceOrder>,
) -> Result<(StatusCode, Json<OrderState>)> {
    let buyer = buyer(p)?;
    let (order, created) = blocking(move || s.store.place_order(buyer, &req)).await?;
    Ok((
        if created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        Json(order),
    ))
}

async fn get_order(
    State(s): St,
    Auth(p): Auth,
    Path(id): Path<String>,
) -> Result<Json<BuyerOrder>> {
    if let Principal::Device { role, .. } = &p {
        if !roles::allows(*role, Capability::SeeBuyerContact) {
            return Err(HubError::Forbidden(Capability::SeeBuyerContact.refusal()));
        }
    }
    let id = parse_id(&id, "no such order")?;
    let order = blocking(move || s.store.order_for(&p, id)).await?;
    Ok(Json(BuyerOrder::new(order)))
}

async fn cancel_order(
    State(s): St,
    Auth(p): Auth,
    Path(id): Path<String>,
    JsonBody(req): JsonBody<CancelOrder>,
) -> Result<Json<OrderState>> {
    let buyer = buyer(p)?;
    let id = parse_id(&id, "no such order")?;
    Ok(Json(
        blocking(move || s.store.cancel_by_buyer(buyer, id, &req.reason)).await?,
    ))
}
