//! The demo's connected part: an embedded hub on loopback, the farmer's
//! device, simulated buyers, fulfilment and convergence.

use crate::Failure;
use farmlive_core::protocol::api::Role;
use farmlive_core::protocol::{OrderAction, OrderStatus};
use farmlive_core::{
    CancelToken, Core, Listing, ListingFilter, OrderFilter, SyncOptions, SyncReport,
};
use std::path::Path;
use tokio::runtime::Runtime;

/// A hub running inside the demo process.
pub struct DemoHub {
    /// Its URL on loopback.
    pub url: String,
    /// One-time code for the field agent (both farms).
    pub agent_code: String,
    /// One-time code for the farmer (李家果园).
    pub farmer_code: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for DemoHub {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

fn hub_failure(e: farmlive_hub::HubError) -> Failure {
    Failure {
        bad_input: false,
        message: format!("the demo hub failed: {e}"),
    }
}

/// Starts a hub on 127.0.0.1 (a free port) with its data in `dir`.
pub fn start_hub(rt: &Runtime, dir: &Path, farms: [&str; 2]) -> Result<DemoHub, Failure> {
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
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .map_err(|e| Failure {
            bad_input: false,
            message: format!("cannot listen on loopback: {e}"),
        })?;
    let url = format!(
        "http://{}",
        listener.local_addr().map_err(|e| Failure {
            bad_input: false,
            message: e.to_string()
        })?
    );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    rt.spawn(hub.serve(listener, async {
        let _ = stopped.await;
    }));
    Ok(DemoHub {
        url,
        agent_code,
        farmer_code,
        stop: Some(stop),
    })
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
