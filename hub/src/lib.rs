//! FarmLive's hub: the server devices sync with and buyers order from.
//!
//! axum over one SQLite file (WAL). The hub is the single authority for
//! stock and order status: it applies each device op exactly once, checks
//! every rule again (it trusts no device), and hands out a change feed.
//! Photo bytes live beside the database, content-addressed.
//!
//! Layers, top to bottom (a module imports only from layers below it):
//! - this file (`Hub`, `run`), `serve` (the accept loop) and `upkeep`;
//! - `web`: the buyers' storefront pages, beside `http` (it shares the
//!   HTTP layer's state, sign-up limit and event streams; `http` never
//!   imports it);
//! - `http`: routes, extractors, the sign-up limit, room event streams;
//! - [`store`]: the interface the HTTP layer calls, and its SQLite
//!   implementation;
//! - [`rooms`]: the live rooms' in-memory feeds, viewers and rate limits;
//! - [`media`]: live video. Its relay is a bottom layer like `rooms`; its
//!   RTMP ingest checks keys through the store, beside `http`;
//! - beside all of them, [`error`] and [`logs`].

pub mod error;
mod http;
pub mod logs;
pub mod media;
pub mod rooms;
pub mod serve;
pub mod store;
mod upkeep;
mod web;

pub use error::{HubError, Result};
pub use http::{AppState, signup};
pub use logs::install_log_subscriber;
pub use media::ingest::RtmpListen;
pub use media::{IngestOptions, Media, RelayLimits};
pub use serve::ServeOptions;
pub use store::{DbTarget, EnrolCode, HubFiles, OperatorStore, SqliteStore, Store};

use axum::extract::DefaultBodyLimit;
use farmlive_protocol::api::BODY_MAX_BYTES;
use std::path::Path;
use std::sync::Arc;
use store::HubStore;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_http::decompression::RequestDecompressionLayer;

/// How an operator tunes the hub. Small on purpose: everything else has
/// one right value.
#[derive(Debug, Clone)]
pub struct HubOptions {
    /// A header set by a reverse proxy in front of the hub that carries the
    /// client's address (`x-forwarded-for`, `x-real-ip`). Only trusted when
    /// set; otherwise the TCP peer address is the client's.
    pub trusted_proxy_header: Option<axum::http::HeaderName>,
    /// Buyer sign-ups one client address may make at once ...
    pub signup_burst: u32,
    /// ... and then one more per this long.
    pub signup_every: std::time::Duration,
    /// The connection cap and timeouts (see [`serve`]).
    pub serve: ServeOptions,
    /// Where the RTMP ingest listens (by default beside HTTP, port 1935).
    pub rtmp_listen: RtmpListen,
    /// The ingest as publishers reach it (`rtmp://live.example.com/live`),
    /// when that is not the host they reach the hub's HTTP at (NAT, a
    /// proxy that does not carry RTMP).
    pub rtmp_public: Option<String>,
    /// The ingest's limits.
    pub ingest: IngestOptions,
    /// The relay's bounds per viewer and GOP cache.
    pub relay: RelayLimits,
    /// The storefront's address as buyers reach it (`https://shop.example`),
    /// when that is not this hub's own plain-HTTP address (a TLS proxy in
    /// front). An `https://` address makes the storefront's cookies
    /// `Secure`: set by the operator rather than guessed from a request's
    /// `X-Forwarded-Proto`, which a client could send itself.
    pub public_url: Option<String>,
    /// Where photos, live media and the code key go when the database is
    /// on PostgreSQL (see [`store::HubFiles`]).
    pub files: store::HubFiles,
    /// This process's own HTTP address as viewers reach it directly
    /// (`http://10.0.0.2:8080`), when several processes serve one hub: a
    /// room whose publisher connects to this process's ingest is recorded
    /// with it, and the other processes redirect the room's HTTP-FLV
    /// viewers here. By default [`run`] takes the address it listens on,
    /// unless that is a wildcard (`0.0.0.0`).
    pub node_url: Option<String>,
    /// The experts' hotline (a phone number, checked by
    /// [`farmlive_protocol::questions::check_hotline`]), sent to every
    /// device with its change-feed pages for the apps to show.
    pub hotline: Option<String>,
}

impl Default for HubOptions {
    fn default() -> Self {
        HubOptions {
            trusted_proxy_header: None,
            signup_burst: signup::SIGNUP_BURST,
            signup_every: signup::SIGNUP_EVERY,
            serve: ServeOptions::default(),
            rtmp_listen: RtmpListen::default(),
            rtmp_public: None,
            ingest: IngestOptions::default(),
            relay: RelayLimits::default(),
            public_url: None,
            files: store::HubFiles::default(),
            node_url: None,
            hotline: None,
        }
    }
}

/// Whether a public URL is HTTPS: `Some(true)` for `https://…`,
/// `Some(false)` for `http://…`, `None` for anything else (refused).
pub fn public_url_is_https(url: &str) -> Option<bool> {
    let url = url.trim().to_ascii_lowercase();
    let (https, host) = if let Some(rest) = url.strip_prefix("https://") {
        (true, rest)
    } else {
        (false, url.strip_prefix("http://")?)
    };
    (!host.is_empty() && !host.starts_with('/')).then_some(https)
}

/// Whether the storefront's cookies are `Secure` (an `https://` public URL).
fn secure_cookies(options: &HubOptions) -> Result<bool> {
    Ok(match options.public_url.as_deref() {
        None => false,
        Some(url) => public_url_is_https(url).ok_or_else(|| {
            HubError::Internal(format!("the public URL {url:?} is not http(s)://HOST"))
        })?,
    })
}

/// A hub opened on a database.
pub struct Hub {
    state: Arc<AppState>,
    /// The same store as `state.store`, for operator commands.
    operator: Arc<dyn OperatorStore>,
    /// Where rooms' HLS and recordings live (`<db>.live`).
    hls_root: std::path::PathBuf,
    /// Where recordings are copied, with `--objects` (see [`media::archive`]).
    recordings: Option<Arc<dyn store::objects::RecordingStore>>,
}

impl Hub {
    /// Opens the hub's database at `db` (photos go in `<db>.blobs/`), with
    /// the default options.
    pub fn open(db: &Path) -> Result<Hub> {
        Hub::open_with(&DbTarget::from(db), HubOptions::default())
    }

    /// Opens the hub's database `db` (a SQLite file, or PostgreSQL with
    /// `options.files` naming its data folder) with `options`.
    pub fn open_with(db: &DbTarget, options: HubOptions) -> Result<Hub> {
        let secure_cookies = secure_cookies(&options)?;
        let operator = store::open_with(db, &options.files)?;
        let hls_root = match db {
            DbTarget::Sqlite(file) => media::hls_writer::live_root(file),
            DbTarget::Postgres(_) => options.files.for_postgres()?.0.join("live"),
        };
        // Recordings go where the photos go: beside them in S3, or stay in
        // the live folder.
        let recordings = match (db, &options.files.objects) {
            (DbTarget::Postgres(_), Some(location)) => {
                let s3 = store::objects::S3Recordings::connect(location, &[])?;
                Some(Arc::new(s3) as Arc<dyn store::objects::RecordingStore>)
            }
            _ => None,
        };
        Hub::with_store(operator, hls_root, recordings, options, secure_cookies)
    }

    /// A hub over an open store (any backend), its rooms' HLS and
    /// recordings under `hls_root`: how tests serve several hubs in one
    /// process over one database.
    pub fn over_store(
        operator: Arc<dyn OperatorStore>,
        hls_root: std::path::PathBuf,
        options: HubOptions,
    ) -> Result<Hub> {
        let secure_cookies = secure_cookies(&options)?;
        Hub::with_store(operator, hls_root, None, options, secure_cookies)
    }

    fn with_store(
        operator: Arc<dyn OperatorStore>,
        hls_root: std::path::PathBuf,
        recordings: Option<Arc<dyn store::objects::RecordingStore>>,
        options: HubOptions,
        secure_cookies: bool,
    ) -> Result<Hub> {
        // Every hub offers the programme's guides from its first start; an
        // operator's or expert's edition of one is never replaced.
        let offered = operator.publish_guides(&store::rules::built_in_guides(), true);
        if let Err(e) = offered {
            tracing::warn!(target: "farmlive::hub", "the built-in guides were not offered: {e}");
        }
        let store: Arc<dyn HubStore> = operator.clone().into_hub_store();
        let media = Arc::new(Media::new(options.relay, options.rtmp_public));
        if let Some(url) = &options.node_url {
            public_url_is_https(url).ok_or_else(|| {
                HubError::Internal(format!("the node URL {url:?} is not http(s)://HOST:PORT"))
            })?;
            media.set_node_url(url);
        }
        let hotline = options
            .hotline
            .as_deref()
            .map(farmlive_protocol::questions::check_hotline)
            .transpose()
            .map_err(|r| HubError::Setup(format!("--hotline: {}", r.message)))?;
        // Every room on air is served as HLS and recorded.
        let hls = media::hls_writer::HlsOptions::default();
        let mut recorder = media::recording::HlsRecorder::new(hls_root.clone(), hls);
        if let Some(store) = &recordings {
            let archive =
                media::archive::Archive::start(store.clone(), &hls_root, hls.segments.target_ms);
            recorder = recorder.with_archive(archive);
        }
        media.set_sink_factory(Arc::new(recorder));
        Ok(Hub {
            state: Arc::new(AppState {
                store,
                comments: rooms::CommentLimiter::default(),
                signups: signup::SignupLimiter::new(
                    options.trusted_proxy_header,
                    options.signup_burst,
                    options.signup_every,
                ),
                media,
                secure_cookies,
                health: http::Health::default(),
                hotline,
            }),
            operator,
            hls_root,
            recordings,
        })
    }

    /// The database, for operator commands (minting enrolment codes) and
    /// tests.
    pub fn store(&self) -> &dyn OperatorStore {
        self.operator.as_ref()
    }

    /// The HTTP application: routes, gzip both ways, body limits, a
    /// last-resort guard that turns a panic into a 500, and outermost a
    /// request id on every request (see [`logs`]).
    pub fn router(&self) -> axum::Router {
        http::router()
            .merge(http::hls_router(
                self.hls_root.clone(),
                Some(self.state.clone()),
                self.recordings.clone(),
            ))
            .merge(web::router())
            .layer(DefaultBodyLimit::max(BODY_MAX_BYTES))
            .layer(RequestDecompressionLayer::new())
            // Live video is already compressed, and gzip would buffer it.
            .layer(
                CompressionLayer::new().compress_when(
                    DefaultPredicate::new().and(NotForContentType::const_new("video/")),
                ),
            )
            .layer(CatchPanicLayer::custom(
                |_panic: Box<dyn std::any::Any + Send>| {
                    // The payload may hold anything: it is not logged.
                    axum::response::IntoResponse::into_response(HubError::Internal(
                        "a handler panicked".into(),
                    ))
                },
            ))
            .layer(axum::middleware::from_fn(logs::request_id))
            .with_state(self.state.clone())
    }

    /// Live video: the rooms on air, where other consumers of a room's
    /// tags attach ([`Media::set_sink_factory`], [`Media::attach_sink`]).
    pub fn media(&self) -> &Arc<Media> {
        &self.state.media
    }

    /// Starts the RTMP ingest on `listener` (in the background, on the
    /// current runtime); returns the address it listens on.
    pub fn start_ingest(
        &self,
        listener: tokio::net::TcpListener,
        options: IngestOptions,
    ) -> std::io::Result<std::net::SocketAddr> {
        let addr = listener.local_addr()?;
        self.state.media.set_ingest_addr(addr);
        tokio::spawn(media::ingest::serve(
            listener,
            self.state.store.clone(),
            self.state.media.clone(),
            options,
        ));
        Ok(addr)
    }

    /// Serves on `listener` with the default [`ServeOptions`] until
    /// `shutdown` resolves.
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        self.serve_with(listener, ServeOptions::default(), shutdown)
            .await
    }

    /// Serves on `listener` with `options` (connection cap and timeouts,
    /// see [`serve`]) until `shutdown` resolves. Then it drains: `/readyz`
    /// answers 503, open room event streams end with a reconnect hint (so
    /// that shutdown does not wait on them), new connections are still
    /// taken for `options.drain_grace`, and requests in flight get
    /// `options.drain_timeout` to finish.
    pub async fn serve_with(
        self,
        listener: tokio::net::TcpListener,
        options: ServeOptions,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let state = self.state.clone();
        let grace = options.drain_grace;
        let shutdown = async move {
            shutdown.await;
            // Not ready first, so a load balancer sends new work elsewhere;
            // event streams end now with a reconnect hint (they come back
            // through the balancer to another process, resuming from
            // their last event id); then accept for the grace.
            state.health.start_draining();
            state.store.fanout().close_streams();
            tracing::info!(
                target: "farmlive::hub",
                grace_ms = grace.as_millis() as u64,
                "shutting down: not ready, event streams closed"
            );
            tokio::time::sleep(grace).await;
        };
        serve::serve(self.router(), listener, options, shutdown).await
    }
}

/// What `run` reports once the hub listens.
#[derive(Debug)]
pub struct Ready {
    /// The address bound (useful with port 0).
    pub addr: std::net::SocketAddr,
    /// A farmer enrolment code for `farm`, minted on the hub's first start
    /// (a new database) only; later codes come from `farmlive hub enrol-code`.
    pub code: Option<EnrolCode>,
    /// Where the RTMP ingest listens, unless it is off.
    pub rtmp: Option<std::net::SocketAddr>,
}

/// Opens the hub on `db`, listens on `listen`, mints a farmer enrolment
/// code for `farm` if the database is new, calls `ready`, and serves with
/// `options` until Ctrl-C or SIGTERM. Everything the hub writes is private
/// to its user (files 0600, folders 0700).
pub async fn run(
    listen: std::net::SocketAddr,
    db: &DbTarget,
    farm: &str,
    options: HubOptions,
    ready: impl FnOnce(&Ready),
) -> Result<()> {
    #[cfg(unix)]
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
    let serve_options = options.serve.clone();
    let (rtmp_listen, ingest_options) = (options.rtmp_listen, options.ingest.clone());
    // Opening a store blocks (a PostgreSQL store waits on its own runtime,
    // which must not run inside this one): on a blocking thread.
    let (db, farm) = (db.clone(), farm.to_owned());
    let (hub, code) = http::blocking(move || {
        let hub = Hub::open_with(&db, options)?;
        let code = if hub.store().is_fresh() {
            Some(
                hub.store()
                    .mint_enrol_code(&[farm], farmlive_protocol::api::Role::Farmer)?,
            )
        } else {
            None
        };
        Ok((hub, code))
    })
    .await?;
    upkeep::start(&hub.state.store)?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| HubError::Io(format!("cannot listen on {listen}: {e}")))?;
    let addr = listener
        .local_addr()
        .map_err(|e| HubError::Io(e.to_string()))?;
    // Viewers of a room whose ingest is here are sent to this address
    // (unless the operator named another, or it is a wildcard).
    if !addr.ip().is_unspecified() {
        hub.state.media.set_node_url(&format!("http://{addr}"));
    }
    // From the address asked for: an ephemeral HTTP port means an ephemeral RTMP port.
    let rtmp = match rtmp_listen.resolve(listen) {
        Some(at) => {
            let listener = tokio::net::TcpListener::bind(at).await.map_err(|e| {
                HubError::Io(format!(
                    "cannot listen for RTMP on {at}: {e} (choose another with --rtmp-listen ADDR, or --rtmp-listen off)"
                ))
            })?;
            Some(
                hub.start_ingest(listener, ingest_options)
                    .map_err(|e| HubError::Io(e.to_string()))?,
            )
        }
        None => None,
    };
    ready(&Ready { addr, code, rtmp });
    hub.serve_with(listener, serve_options, shutdown_signal())
        .await
        .map_err(|e| HubError::Io(format!("server failed: {e}")))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_http_or_https_address_is_a_public_url() {
        assert_eq!(public_url_is_https("https://shop.example"), Some(true));
        assert_eq!(public_url_is_https(" HTTPS://shop.example/ "), Some(true));
        assert_eq!(public_url_is_https("http://10.0.0.2:8080"), Some(false));
        for bad in [
            "htps://shop.example",
            "shop.example",
            "https://",
            "https:///x",
            "",
        ] {
            assert_eq!(public_url_is_https(bad), None, "{bad}");
        }
        let dir = tempfile::tempdir().expect("dir");
        let options = HubOptions {
            public_url: Some("ftp://shop.example".into()),
            ..Default::default()
        };
        let db = DbTarget::from(dir.path().join("hub.db"));
        assert!(Hub::open_with(&db, options).is_err());
    }

    #[test]
    fn a_postgres_hub_needs_a_data_folder_and_a_sqlite_hub_takes_none() {
        let db: DbTarget = "postgres://hub@127.0.0.1:1/farmlive".parse().expect("url");
        let err = Hub::open_with(&db, HubOptions::default())
            .err()
            .expect("refused");
        assert!(matches!(err, HubError::Setup(_)), "{err:?}");
        assert!(err.to_string().contains("--hub-data"), "{err}");

        let dir = tempfile::tempdir().expect("dir");
        let options = HubOptions {
            files: store::HubFiles::in_dir(dir.path().join("data")),
            ..Default::default()
        };
        let file = DbTarget::from(dir.path().join("hub.db"));
        let err = Hub::open_with(&file, options).err().expect("refused");
        assert!(err.to_string().contains("beside the file"), "{err}");
        assert!(
            !dir.path().join("hub.db").exists(),
            "refused before opening"
        );
    }
}
