//! Photo routes: resumable uploads by devices (`HEAD`, `PATCH`), and reads
//! (`GET`, streamed from disk when the photo is a file), public for photos that an active listing
//! shows and for a farm's devices also their farm's photos.

use super::caller::uploader;
use super::extract::Auth;
use super::state::{AppState, St, blocking};
use crate::error::{HubError, Result};
use crate::store::interface::photo_farms;
use crate::store::interface::{PhotoBytes, PhotoSource, Principal, Reader, Uploader};
use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use farmlive_protocol::api::{UPLOAD_LENGTH, UPLOAD_OFFSET};
use farmlive_protocol::roles::Capability;
use std::sync::Arc;

/// Bytes read from disk at a time.
const READ_BYTES: usize = 32 * 1024;
/// Bytes per piece handed to the connection. HTTP/1 queues at most 16
/// pieces per connection before it waits for the reader, so a reader that
/// never reads holds about 16 of these (plus the read they come from).
const PIECE_BYTES: usize = 4 * 1024;

/// A file's bytes as a stream of small pieces (slices of larger reads).
fn file_pieces(
    file: tokio::fs::File,
) -> impl futures_util::Stream<Item = std::io::Result<Bytes>> + Send {
    use futures_util::StreamExt;
    tokio_util::io::ReaderStream::with_capacity(file, READ_BYTES).flat_map(|read| {
        let pieces: Vec<std::io::Result<Bytes>> = match read {
            Ok(bytes) => (0..bytes.len())
                .step_by(PIECE_BYTES)
                .map(|at| Ok(bytes.slice(at..bytes.len().min(at + PIECE_BYTES))))
                .collect(),
            Err(e) => vec![Err(e)],
        };
        futures_util::stream::iter(pieces)
    })
}

fn header_u64(headers: &HeaderMap, name: &str) -> Result<u64> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| {
            HubError::bad_request("invalid", format!("the {name} header must be a number"))
        })
}

pub(crate) async fn head(State(s): St, auth: Auth, Path(sha): Path<String>) -> Result<Response> {
    let (id, farms) = uploader(auth.0)?;
    let status = blocking(move || {
        let who = Uploader {
            device: &id,
            farms: &farms,
        };
        s.store.photo_status(who, &sha)
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
    auth: Auth,
    Path(sha): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response> {
    let (id, farms) = uploader(auth.0)?;
    let offset = header_u64(&headers, UPLOAD_OFFSET)?;
    let length = header_u64(&headers, UPLOAD_LENGTH)?;
    let status = blocking(move || {
        let who = Uploader {
            device: &id,
            farms: &farms,
        };
        s.store.append_photo(who, &sha, offset, length, &body)
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
        let Auth(p) = Auth::from_request_parts(parts, state).await?;
        Ok(MaybeAuth(Some(p)))
    }
}

pub(crate) async fn get(
    State(s): St,
    MaybeAuth(p): MaybeAuth,
    Path(sha): Path<String>,
) -> Result<Response> {
    // An expert's device reads as the experts' pseudo-farm: the photos of
    // every question's thread.
    let farms = match p {
        Some(Principal::Device { farms, role, .. }) => Some(photo_farms(role, farms)),
        _ => None,
    };
    let photo = blocking(move || {
        let reader = farms.as_ref().map_or(Reader::Public, Reader::Farms);
        s.store.open_photo(reader, &sha)
    })
    .await?;
    jpeg_file(photo).await
}

/// A stored JPEG, streamed from disk when it is a file, cached only by
/// the reader's browser.
pub(crate) async fn jpeg_file(photo: PhotoBytes) -> Result<Response> {
    let body = match photo.source {
        PhotoSource::File(path) => {
            // Collected since the check: as if it never was.
            let file = tokio::fs::File::open(path)
                .await
                .map_err(|_| HubError::NotFound("no such photo"))?;
            Body::from_stream(file_pieces(file))
        }
        PhotoSource::Bytes(bytes) => Body::from(bytes),
    };
    let mut resp = body.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/jpeg"));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(photo.length));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=3600"),
    );
    Ok(resp)
}

/// `GET /v1/orders/{id}/delivery-photo`: the order's buyer, or a device of
/// its farm that may see buyers' details, gets the photo; anyone else 404.
/// Not by hash under `/v1/blobs/`: the photo shows the buyer's door, so
/// knowing (or guessing) its hash must give no one else access.
pub(crate) async fn delivery_photo(
    State(s): St,
    Auth(p): Auth,
    Path(id): Path<String>,
) -> Result<Response> {
    if let Principal::Device { role, .. } = &p {
        if !farmlive_protocol::roles::allows(*role, Capability::SeeBuyerContact) {
            return Err(HubError::Forbidden(Capability::SeeBuyerContact.refusal()));
        }
    }
    let id = super::extract::parse_id(&id, "no such order")?;
    let photo = blocking(move || s.store.open_delivery_photo(&p, id)).await?;
    jpeg_file(photo).await
}
