//! Photo routes: resumable uploads by devices (`HEAD`, `PATCH`), and reads
//! streamed from disk (`GET`), public for photos that an active listing
//! shows and for a farm's devices also their farm's photos.

use crate::AppState;
use crate::error::{HubError, Result};
use crate::routes::{blocking, device};
use crate::store::{Principal, Reader, Uploader};
use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use farmlive_protocol::api::{UPLOAD_LENGTH, UPLOAD_OFFSET};
use std::sync::Arc;

type St = State<Arc<AppState>>;

/// Bytes read from disk per piece of a reply: what one slow reader holds.
const READ_PIECE_BYTES: usize = 64 * 1024;

fn header_u64(headers: &HeaderMap, name: &str) -> Result<u64> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| {
            HubError::bad_request("invalid", format!("the {name} header must be a number"))
        })
}

pub(crate) async fn head(State(s): St, auth: crate::extract::Auth, Path(sha): Path<String>) -> Result<Response> {
    let (id, farms) = device(auth.0)?;
    let status = blocking(move || {
        let who = Uploader {
            device: &id,
            farms: &farms,
        };
        s.blobs.status(&s.store, who, &sha)
    })
    .await?
    .ok_or(HubError::NotFound("no such photo"))?;
    let mut resp = StatusCode::OK.into_response();
    resp.headers_mut()
        .insert(UPLOAD_OFFSET, HeaderValue::from(status.received));
    resp.headers_mut()
        .insert(UPLOAD_LENGTH, HeaderValue::from(status.length));
    Ok(resp)
}

pub(crate) async fn patch(
    State(s): St,
    auth: crate::extract::Auth,
    Path(sha): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response> {
    let (id, farms) = device(auth.0)?;
    let offset = header_u64(&headers, UPLOAD_OFFSET)?;
    let length = header_u64(&headers, UPLOAD_LENGTH)?;
    let status = blocking(move || {
        let who = Uploader {
            device: &id,
            farms: &farms,
        };
        s.blobs.append(&s.store, who, &sha, offset, length, &body)
    })
    .await?;
    let mut resp = StatusCode::NO_CONTENT.into_response();
    resp.headers_mut()
        .insert(UPLOAD_OFFSET, HeaderValue::from(status.received));
    Ok(resp)
}

/// The caller if it sent credentials (which must then be valid), else none.
pub(crate) struct MaybeAuth(Option<Principal>);

impl FromRequestParts<Arc<AppState>> for MaybeAuth {
    type Rejection = HubError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, HubError> {
        if !parts.headers.contains_key(header::AUTHORIZATION) {
            return Ok(MaybeAuth(None));
        }
        let crate::extract::Auth(p) =
            crate::extract::Auth::from_request_parts(parts, state).await?;
        Ok(MaybeAuth(Some(p)))
    }
}

pub(crate) async fn get(State(s): St, MaybeAuth(p): MaybeAuth, Path(sha): Path<String>) -> Result<Response> {
    let farms = match p {
        Some(Principal::Device { farms, .. }) => Some(farms),
        _ => None,
    };
    let (path, length) = blocking(move || {
        let reader = farms.as_ref().map_or(Reader::Public, Reader::Farms);
        s.blobs.open_for(&s.store, reader, &sha)
    })
    .await?;
    // Collected since the check: as if it never was.
    let file = tokio::fs::File::open(&path)
        .await
        .map_err(|_| HubError::NotFound("no such photo"))?;
    let stream = tokio_util::io::ReaderStream::with_capacity(file, READ_PIECE_BYTES);
    let mut resp = Body::from_stream(stream).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/jpeg"));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=3600"),
    );
    Ok(resp)
}
