//! What an endpoint is: a method, a path (with at most one `{…}` parameter),
//! the request and reply types, and the error codes it may answer with.
//! The hub registers its routes from these and the device builds its calls
//! from them, so the two cannot disagree. No I/O here.

use super::ErrorCode;
use std::borrow::Borrow;
use std::fmt::Display;
use std::marker::PhantomData;

/// An HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// `GET`
    Get,
    /// `HEAD`
    Head,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `PATCH`
    Patch,
    /// `DELETE`
    Delete,
}

impl Method {
    /// The method's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }

    /// True if a request with this method carries a JSON body.
    pub fn has_body(self) -> bool {
        matches!(self, Method::Post | Method::Put)
    }
}

/// The body of a request that carries nothing but must be JSON: `{}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Empty {}

/// No path parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoParam {}

/// One endpoint of the hub's API. `Req` is the JSON request body (`()` for
/// none), `Reply` the JSON reply, `Param` the type of the one `{…}` path
/// parameter ([`NoParam`] if the path has none).
pub struct Endpoint<Req, Reply, Param: ?Sized = NoParam> {
    /// The method.
    pub method: Method,
    /// The path as the hub's router takes it, e.g. `/v1/rooms/{id}/pin`.
    pub path: &'static str,
    /// Error codes this endpoint answers with, besides those any endpoint
    /// may give (`unauthorized`, `rate_limited`, `internal`, `busy`, and
    /// `malformed_json`/`too_large` for a body).
    pub errors: &'static [ErrorCode],
    types: PhantomData<fn(Req, &Param) -> Reply>,
}

// Derives would demand `Req: Clone` and so on; an endpoint is only names.
impl<Req, Reply, Param: ?Sized> Clone for Endpoint<Req, Reply, Param> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<Req, Reply, Param: ?Sized> Copy for Endpoint<Req, Reply, Param> {}

impl<Req, Reply, Param: ?Sized> std::fmt::Debug for Endpoint<Req, Reply, Param> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.method.as_str(), self.path)
    }
}

impl<Req, Reply, Param: ?Sized> Endpoint<Req, Reply, Param> {
    /// Declares an endpoint.
    pub const fn new(method: Method, path: &'static str, errors: &'static [ErrorCode]) -> Self {
        Endpoint {
            method,
            path,
            errors,
            types: PhantomData,
        }
    }
}

impl<Req, Reply> Endpoint<Req, Reply, NoParam> {
    /// The call of an endpoint without a path parameter.
    pub fn call(&self) -> Call<Req, Reply> {
        Call::new(self.method, self.path.to_owned())
    }
}

impl<Req, Reply, Param: Display + ?Sized> Endpoint<Req, Reply, Param> {
    /// The path with its parameter filled in: `rooms::PIN.path_for(room)`.
    pub fn path_for(&self, param: impl Borrow<Param>) -> String {
        fill(self.path, &param.borrow().to_string())
    }

    /// The call of this endpoint for `param`.
    pub fn call_for(&self, param: impl Borrow<Param>) -> Call<Req, Reply> {
        Call::new(self.method, self.path_for(param))
    }
}

/// Replaces the one `{…}` segment of `template` with `value`.
fn fill(template: &str, value: &str) -> String {
    match (template.find('{'), template.find('}')) {
        (Some(open), Some(close)) if open < close => {
            format!("{}{value}{}", &template[..open], &template[close + 1..])
        }
        _ => template.to_owned(),
    }
}

/// One concrete request to an endpoint: its method and filled-in path,
/// typed by what it sends and what it gets back.
pub struct Call<Req, Reply> {
    /// The method.
    pub method: Method,
    /// The path, parameter filled in, perhaps with a query (`?after=3`).
    pub path: String,
    types: PhantomData<fn(Req) -> Reply>,
}

impl<Req, Reply> std::fmt::Debug for Call<Req, Reply> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.method.as_str(), self.path)
    }
}

impl<Req, Reply> Call<Req, Reply> {
    fn new(method: Method, path: String) -> Self {
        Call {
            method,
            path,
            types: PhantomData,
        }
    }

    /// The same call with a query string appended (`query` without `?`).
    pub fn with_query(mut self, query: &str) -> Self {
        if !query.is_empty() {
            self.path.push('?');
            self.path.push_str(query);
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::super::{blobs, devices, media, rooms};
    use crate::RoomId;

    #[test]
    fn paths_fill_their_one_parameter() {
        let room = RoomId::new();
        assert_eq!(rooms::PIN.path_for(room), format!("/v1/rooms/{room}/pin"));
        assert_eq!(rooms::SHOW.path_for(room), format!("/v1/rooms/{room}"));
        assert_eq!(blobs::GET.path_for("ab12"), "/v1/blobs/ab12");
        assert_eq!(devices::ENROL.call().path, "/v1/devices");
        let call = rooms::EVENTS.call_for(room).with_query("after=3");
        assert_eq!(call.path, format!("/v1/rooms/{room}/events?after=3"));
        assert_eq!(format!("{:?}", rooms::UNPIN), "DELETE /v1/rooms/{id}/pin");
        assert_eq!(
            media::HLS_LIVE.path_for(room),
            format!("/live/{room}/live.m3u8")
        );
        assert_eq!(
            media::hls_segment(room, "seg000007.ts"),
            media::HLS_SEGMENT
                .replace("{room}", &room.to_string())
                .replace("{segment}", "seg000007.ts")
        );
    }
}
