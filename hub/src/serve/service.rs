//! One connection's service: the router with `ConnectInfo` and the
//! connection's [`Hangup`], a request body
//! that must keep arriving, and the bookkeeping that keeps a connection out
//! of [`Waiting`] while a request is in flight.

use super::waiting::{Track, Waiting};
use crate::http::Hangup;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::{Request, Response};
use hyper::body::Incoming;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

/// The router for one connection: adds `ConnectInfo`, and keeps the
/// connection out of [`Waiting`] while a request is in flight (until its
/// response body has been sent or dropped).
#[derive(Clone)]
pub(super) struct ConnService {
    pub(super) router: Router,
    pub(super) addr: SocketAddr,
    pub(super) body_read_timeout: Duration,
    pub(super) waiting: Arc<Waiting>,
    pub(super) track: Arc<Track>,
    /// Fired by a route to close this connection (see [`Hangup`]).
    pub(super) hangup: Hangup,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl hyper::service::Service<Request<Incoming>> for ConnService {
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = BoxFuture<Result<Response<Body>, Infallible>>;

    fn call(&self, req: Request<Incoming>) -> Self::Future {
        let live = self.waiting.busy(&self.track);
        let guard = InFlight {
            waiting: self.waiting.clone(),
            track: self.track.clone(),
        };
        let timeout = self.body_read_timeout;
        let mut req = req.map(|inner| {
            Body::new(BodyDeadline {
                inner,
                timeout,
                sleep: None,
            })
        });
        req.extensions_mut().insert(ConnectInfo(self.addr));
        req.extensions_mut().insert(self.hangup.clone());
        let mut router = self.router.clone();
        Box::pin(async move {
            if !live {
                // Evicted between its request head and here: the connection
                // is closing; do not start work for nobody.
                let mut resp = Response::new(Body::empty());
                *resp.status_mut() = axum::http::StatusCode::SERVICE_UNAVAILABLE;
                return Ok(resp);
            }
            let resp = tower_service::Service::call(&mut router, req).await?;
            Ok(resp.map(|inner| {
                Body::new(Guarded {
                    inner,
                    _guard: guard,
                })
            }))
        })
    }
}

/// While alive, a request is in flight on its connection.
struct InFlight {
    waiting: Arc<Waiting>,
    track: Arc<Track>,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.waiting.wait(&self.track);
    }
}

/// A response body that holds its request's [`InFlight`] until sent.
struct Guarded {
    inner: Body,
    _guard: InFlight,
}

impl http_body::Body for Guarded {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// A request body that fails once it has stopped arriving for `timeout`.
struct BodyDeadline {
    inner: Incoming,
    timeout: Duration,
    /// Armed while the body is awaited.
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl http_body::Body for BodyDeadline {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(frame) => {
                this.sleep = None;
                Poll::Ready(frame.map(|f| f.map_err(Into::into)))
            }
            Poll::Pending => {
                let timeout = this.timeout;
                let sleep = this
                    .sleep
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
                match sleep.as_mut().poll(cx) {
                    Poll::Ready(()) => {
                        this.sleep = None;
                        Poll::Ready(Some(Err("the request body stopped arriving".into())))
                    }
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}
