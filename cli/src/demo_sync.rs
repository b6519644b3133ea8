//! The demo's connected part: an embedded hub on loopback, the farmer's
//! device, simulated buyers, fulfilment and convergence.

use crate::Failure;
use farmlive_core::protocol::RoomId;
use farmlive_core::protocol::api::{Role, media, pages};
use farmlive_core::protocol::{OrderAction, OrderStatus};
use farmlive_core::{
    CancelToken, Core, Listing, ListingFilter, OrderFilter, SyncOptions, SyncReport,
};
use farmlive_hub::IngestOptions;
use std::net::SocketAddr;
use std::path::Path;
use tokio::runtime::Runtime;

/// A hub running inside the demo process: HTTP (API, storefront, video)
/// and its own RTMP ingest.
pub struct DemoHub {
    /// Its URL, e.g. `http://127.0.0.1:8080`.
    pub url: String,
    /// One-time code for the field agent (both farms).
    pub agent_code: String,
    /// One-time code for the farmer (李家果园).
    pub farmer_code: String,
    /// One-time code for an agricultural expert (no farm).
    pub expert_code: String,
    /// Where its RTMP ingest listens.
    pub rtmp: std::net::SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for DemoHub {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl DemoHub {
    /// The full URL of a page or media path on this hub.
    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// The storefront's home page.
    pub fn storefront(&self) -> String {
        self.at(pages::HOME.path)
    }

    /// A room's page.
    pub fn room_page(&self, room: RoomId) -> String {
        self.at(&pages::ROOM.path_for(room))
    }

    /// A room's live video as HTTP-FLV.
    pub fn live_flv(&self, room: RoomId) -> String {
        self.at(&media::live_flv_path(room))
    }

    /// A room's recording (HLS VOD), there once the room has ended.
    pub fn replay(&self, room: RoomId) -> String {
        self.at(&media::HLS_REPLAY.path_for(room))
    }
}

fn hub_failure(e: farmlive_hub::HubError) -> Failure {
    Failure {
        bad_input: false,
        message: format!("the demo hub failed: {e}"),
        localized: None,
        context: None,
    }
}

fn io_failure(what: String) -> impl FnOnce(std::io::Error) -> Failure {
    move |e| Failure {
        bad_input: false,
        message: format!("{what}: {e}"),
        localized: None,
        context: None,
    }
}

/// Where the demo hub listens by default with `--serve`.
pub const SERVE_LISTEN: SocketAddr = SocketAddr::V4(std::net::SocketAddrV4::new(
    std::net::Ipv4Addr::LOCALHOST,
    8080,
));

/// Starts a hub with its data in `dir`, serving HTTP on `listen` and RTMP
/// on a free port of the same address. With `fallback`, an HTTP address
/// already taken gives way to a free port (and the demo says so).
/// The demo farm's routes: Hainan's fruit to Beijing in three days, to
/// Shanghai in two, to Guangzhou in one.
const DEMO_ROUTES: &str = "origin,destination,carrier,transit_days
haikou,北京,海南冷链 Hainan Cold Chain,3
haikou,上海,海南冷链 Hainan Cold Chain,2
haikou,广州,SF Express,1
";

pub fn start_hub(
    rt: &Runtime,
    dir: &Path,
    farms: [&str; 2],
    listen: SocketAddr,
    fallback: bool,
) -> Result<DemoHub, Failure> {
    let hub = farmlive_hub::Hub::open(&dir.join("hub.db")).map_err(hub_failure)?;
    let both: Vec<String> = farms.iter().map(|f| f.to_string()).collect();
    let agent_code = hub
        .store()
        .mint_enrol_code(&both, Role::Agent)
        .map_err(hub_failure)?
        .code;
    let farmer_code = hub
        .store()
        .mint_enrol_code(&both[..1], Role::Farmer)
        .map_err(hub_failure)?
        .code;
    let expert_code = hub
        .store()
        .mint_enrol_code(&[], Role::Expert)
        .map_err(hub_failure)?
        .code;
    // The programme's trucks from Hainan (issue 15): the farm ships from
    // Haikou to three cities; others are refused naming these.
    let routes = farmlive_core::protocol::routes::parse_csv(DEMO_ROUTES).map_err(|e| {
        io_failure("the demo's routes".into())(std::io::Error::other(format!("{e:?}")))
    })?;
    hub.store().import_routes(&routes).map_err(hub_failure)?;
    hub.store()
        .set_farm_origin(farms[0], "haikou")
        .map_err(hub_failure)?;
    let bind = |at: SocketAddr| rt.block_on(tokio::net::TcpListener::bind(at));
    let listener = match bind(listen) {
        Ok(l) => l,
        Err(e) if fallback && e.kind() == std::io::ErrorKind::AddrInUse => {
            let free = SocketAddr::new(listen.ip(), 0);
            let l = bind(free).map_err(io_failure(format!("cannot listen on {free}")))?;
            println!(
                "({listen} is taken, so the demo hub listens on a free port instead; pass --listen to choose)"
            );
            l
        }
        Err(e) => return Err(io_failure(format!("cannot listen on {listen}"))(e)),
    };
    let addr = listener
        .local_addr()
        .map_err(io_failure("the hub's address".into()))?;
    let rtmp_at = SocketAddr::new(addr.ip(), 0);
    let rtmp_listener =
        bind(rtmp_at).map_err(io_failure(format!("cannot listen for RTMP on {rtmp_at}")))?;
    // The ingest runs on the demo's runtime, beside the HTTP server.
    let rtmp = {
        let _in_runtime = rt.enter();
        hub.start_ingest(rtmp_listener, IngestOptions::default())
            .map_err(io_failure("cannot start the RTMP ingest".into()))?
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    rt.spawn(hub.serve(listener, async {
        let _ = stopped.await;
    }));
    Ok(DemoHub {
        url: format!("http://{addr}"),
        agent_code,
        farmer_code,
        expert_code,
        rtmp,
        stop: Some(stop),
    })
}

/// What a GET answered: its status and (up to `limit` bytes of) its body.
pub struct Fetched {
    /// The HTTP status.
    pub status: u16,
    /// The start of the body.
    pub body: Vec<u8>,
}

/// GETs `url`, reading at most `limit` bytes of the body (live video never
/// ends, so it is cut there), within 10 s.
pub async fn get(url: &str, limit: usize) -> Result<Fetched, Failure> {
    let fetch = async {
        let mut reply = reqwest::get(url).await?;
        let status = reply.status().as_u16();
        let mut body = Vec::new();
        while body.len() < limit {
            match reply.chunk().await? {
                Some(chunk) => body.extend_from_slice(&chunk),
                None => break,
            }
        }
        body.truncate(limit);
        Ok::<_, reqwest::Error>(Fetched { status, body })
    };
    match tokio::time::timeout(std::time::Duration::from_secs(10), fetch).await {
        Ok(Ok(f)) => Ok(f),
        Ok(Err(e)) => Err(Failure {
            bad_input: false,
            message: format!("GET {url} failed: {e}"),
            localized: None,
            context: None,
        }),
        Err(_) => Err(Failure {
            bad_input: false,
            message: format!("GET {url} took more than 10 s"),
            localized: None,
            context: None,
        }),
    }
}

/// Syncs a device fully.
pub fn sync(rt: &Runtime, core: &Core) -> Result<SyncReport, Failure> {
    Ok(rt.block_on(core.sync(&SyncOptions::default(), &CancelToken::new(), &|_| {}))?)
}

/// Figures across all of the demo's syncs.
#[derive(Default)]
pub struct SyncTotals {
    /// Syncs run.
    pub syncs: u32,
    /// Ops pushed.
    pub ops: u64,
    /// Compressed bytes of ops pushed.
    pub push_bytes: u64,
    /// Photo files uploaded.
    pub photos: u64,
    /// Photo bytes uploaded.
    pub photo_bytes: u64,
    /// Changes pulled.
    pub pulled: u64,
    /// Wall time in syncs.
    pub time: std::time::Duration,
}

impl SyncTotals {
    /// Adds one sync's report.
    pub fn add(&mut self, r: &SyncReport, time: std::time::Duration) {
        self.syncs += 1;
        self.ops += r.progress.ops_pushed;
        self.push_bytes += r.progress.push_bytes;
        self.photos += r.progress.photos_uploaded;
        self.photo_bytes += r.progress.photo_bytes;
        self.pulled += r.progress.changes_pulled;
        self.time += time;
    }

    /// One line describing a sync.
    pub fn describe(r: &SyncReport) -> String {
        format!(
            "pushed {} ops ({} B gzip), {} photo files up ({:.0} KB), pulled {} changes, {} photo files down",
            r.progress.ops_pushed,
            r.progress.push_bytes,
            r.progress.photos_uploaded,
            r.progress.photo_bytes as f64 / 1024.0,
            r.progress.changes_pulled,
            r.progress.photos_downloaded
        )
    }
}

/// The farmer accepts, packs and ships every placed order. Returns how many.
pub fn fulfil(farmer: &Core) -> Result<usize, Failure> {
    let placed = farmer.orders(&OrderFilter {
        status: Some(OrderStatus::Placed),
    })?;
    for (i, o) in placed.iter().enumerate() {
        farmer.act_on_order(o.state.id, OrderAction::Accept)?;
        farmer.act_on_order(o.state.id, OrderAction::Pack)?;
        let tracking = format!("SF{:010}", 1_000_000 + i);
        farmer.act_on_order(
            o.state.id,
            OrderAction::Ship {
                carrier: "SF Express".into(),
                tracking,
            },
        )?;
    }
    Ok(placed.len())
}

/// What must agree between two devices about a listing.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Fingerprint {
    title: String,
    description: String,
    price_minor: i64,
    stock: i64,
    status: String,
    photos: usize,
}

/// A farm's listings, comparable across devices.
pub fn fingerprint(core: &Core, farm: &str) -> Result<Vec<Fingerprint>, Failure> {
    let farm = Some(core.resolve_farm(Some(farm))?.id);
    let mut all: Vec<Listing> = Vec::new();
    for status in [None, Some(farmlive_core::protocol::ListingStatus::Archived)] {
        all.extend(core.listings(&ListingFilter {
            status,
            farm,
            limit: 1000,
        })?);
    }
    let mut out: Vec<_> = all
        .into_iter()
        .map(|l| Fingerprint {
            title: l.title,
            description: l.description,
            price_minor: l.price.minor,
            stock: l.stock,
            status: l.status.to_string(),
            photos: l.photos.len(),
        })
        .collect();
    out.sort();
    Ok(out)
}
