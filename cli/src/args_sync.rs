//! Arguments of the hub, sync, orders and buyer commands.

use clap::{Args, Subcommand};
use farmlive_hub::DbTarget;
use std::net::SocketAddr;
use std::path::PathBuf;

/// `farmlive hub ...`
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct HubArgs {
    /// Operator commands; without one, the hub runs.
    #[command(subcommand)]
    pub command: Option<HubCommand>,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// The hub's database, and where its files go.
    #[command(flatten)]
    pub store: HubDb,
    /// Farm for the farmer enrolment code printed at the first start (a new
    /// database); later codes come from `farmlive hub enrol-code`.
    #[arg(long, default_value = "My farm")]
    pub farm: String,
    /// Connections served at once. Past it, a new connection replaces the
    /// one that has waited longest for a request, or gets a 503. Default:
    /// the open-file limit (`ulimit -n`) less 128 kept for the database,
    /// photos and answers.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: Option<u32>,
    /// Seconds a client has to send a request head (also how long an idle
    /// keep-alive connection is kept).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub header_timeout: u64,
    /// Seconds a response may make no progress (the client stopped
    /// reading) before its connection is closed.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub write_timeout: u64,
    /// Seconds a request body may stop arriving before the request fails
    /// and its connection is closed.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub body_timeout: u64,
    /// Seconds to keep accepting after SIGTERM or Ctrl-C while /readyz
    /// answers 503, so a load balancer in front stops sending new work
    /// first (a rolling restart).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=600))]
    pub drain_grace: u64,
    /// Then seconds that requests in flight get to finish before their
    /// connections are cut.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(0..=3600))]
    pub drain_timeout: u64,
    /// Behind a reverse proxy: the header it sets to the client's address
    /// (e.g. x-forwarded-for), used to limit sign-ups per client. Without
    /// it, the TCP peer is the client and such headers are ignored.
    #[arg(long, value_name = "HEADER")]
    pub trusted_proxy_header: Option<String>,
    /// Where the RTMP ingest listens for live video (farmers' phones, OBS,
    /// ffmpeg publish to rtmp://HOST:PORT/live/<room key>), or `off`.
    /// Default: the --listen address's IP, port 1935.
    #[arg(long, value_name = "ADDR|off")]
    pub rtmp_listen: Option<farmlive_hub::RtmpListen>,
    /// The ingest's address as publishers reach it, when not the hub's own
    /// host name and RTMP port (NAT, a proxy): e.g. rtmp://live.example.com/live.
    #[arg(long, value_name = "URL")]
    pub rtmp_public: Option<String>,
    /// The storefront's address as buyers reach it, behind a TLS proxy:
    /// e.g. https://shop.example.com. An https:// address makes the guest
    /// cookie Secure (then plain-HTTP visits cannot keep a guest).
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
    /// This process's own address as viewers reach it directly, when
    /// several processes serve one hub: rooms whose phone publishes to this
    /// process are recorded with it, and the other processes send their
    /// HTTP-FLV viewers here. Default: the --listen address, unless it is
    /// 0.0.0.0 (then name it: e.g. http://10.0.0.2:8080).
    #[arg(long, value_name = "URL")]
    pub node_url: Option<String>,
    /// The experts' hotline (a phone number, e.g. "400-820-8820"), sent to
    /// every device at sync and shown beside the questions to the experts.
    #[arg(long, value_name = "NUMBER")]
    pub hotline: Option<String>,
}

/// A hub's database and where its files go: `--db`, `--hub-data`,
/// `--secret-file`.
#[derive(Debug, Args)]
pub struct HubDb {
    /// The hub's database: a SQLite file (photos, live media and the code
    /// key go beside it), or a postgres:// URL (then name --hub-data).
    #[arg(long, default_value = "farmlive-hub.db")]
    pub db: DbTarget,
    /// For a hub on PostgreSQL: the folder for its photos, live media and
    /// code key, shared by every process of the hub (e.g. on one machine,
    /// or a network mount).
    #[arg(long = "hub-data", value_name = "DIR")]
    pub hub_data: Option<PathBuf>,
    /// For a hub on PostgreSQL: the file holding the key that hashes
    /// enrolment codes, when not DIR/hub.secret. Every process must read
    /// the same key, or codes minted by one are refused by another.
    #[arg(long, value_name = "FILE")]
    pub secret_file: Option<PathBuf>,
    /// For a hub on PostgreSQL: keep photos (and uploads in progress) in
    /// S3-compatible object storage, s3://BUCKET[/PREFIX], instead of
    /// DIR/blobs, so processes on several machines share no folder. The
    /// endpoint, region and keys come from AWS_ENDPOINT_URL, AWS_REGION,
    /// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.
    #[arg(long, value_name = "s3://BUCKET[/PREFIX]")]
    pub objects: Option<farmlive_hub::store::objects::S3Location>,
}

impl HubDb {
    /// Where the hub's files go.
    pub fn files(&self) -> farmlive_hub::HubFiles {
        farmlive_hub::HubFiles {
            data_dir: self.hub_data.clone(),
            secret_file: self.secret_file.clone(),
            objects: self.objects.clone(),
        }
    }
}

/// `farmlive hub <operator command>`
#[derive(Debug, Subcommand)]
pub enum HubCommand {
    /// Mint a one-time enrolment code (valid 24 hours unless --valid-hours).
    ///
    /// Also how a device whose token expired, or that was removed, comes
    /// back: give it a code for the same role and farm(s) and run `farmlive
    /// enrol` on it; its unsynced changes are kept and sent. Unused codes
    /// simply expire; minting a new one does not cancel older ones.
    EnrolCode {
        /// The hub's database (and, on PostgreSQL, its data folder).
        #[command(flatten)]
        store: HubDb,
        /// Farm(s) the device will list for (repeat for an agent; none
        /// for an expert, who serves every farm).
        #[arg(long = "farm")]
        farms: Vec<String>,
        /// farmer (one farm), agent (one or more) or expert (none).
        #[arg(long, default_value = "farmer")]
        role: String,
        /// Hours until the code stops working (1 to 168).
        #[arg(long, default_value_t = 24, value_parser = clap::value_parser!(u16).range(1..=168))]
        valid_hours: u16,
        /// Also draw the code as a QR code in the terminal, for the phone
        /// app to scan: it holds the hub's address (--hub) and the code.
        #[arg(long, requires = "hub")]
        qr: bool,
        /// The hub's address as phones reach it (e.g. http://192.168.1.20:8080),
        /// put into the QR code.
        #[arg(long)]
        hub: Option<String>,
    },
    /// List or remove enrolled devices (run beside the hub's database).
    #[command(subcommand)]
    Devices(DevicesCommand),
    /// Delivery routes: import them from CSV, list them, set a farm's
    /// origin, or list the cities FarmLive knows.
    #[command(subcommand)]
    Routes(RoutesCommand),
    /// Guides (the programme's courses): publish them from Markdown files,
    /// list them. Devices sync them and read them offline.
    #[command(subcommand)]
    Guides(GuidesCommand),
    /// Bring the hub's database to this hub's schema (a no-op when it is
    /// there; a hub on SQLite also does it when it starts). Refuses a
    /// database from a newer hub.
    Migrate {
        /// The hub's database: a SQLite file or a postgres:// URL.
        #[arg(long, default_value = "farmlive-hub.db")]
        db: DbTarget,
    },
}

/// `farmlive hub routes ...`
#[derive(Debug, Subcommand)]
pub enum RoutesCommand {
    /// Add routes from a CSV file with the header
    /// `origin,destination,carrier,transit_days` (cities by id, Chinese
    /// name or pinyin; 1 to 14 days). A route already there is replaced.
    /// Nothing is stored unless every line is good.
    Import {
        /// The CSV file.
        file: PathBuf,
        /// The hub's database (and, on PostgreSQL, its data folder).
        #[command(flatten)]
        store: HubDb,
    },
    /// Every route, and each farm's origin.
    List {
        /// The hub's database (and, on PostgreSQL, its data folder).
        #[command(flatten)]
        store: HubDb,
    },
    /// Set where a farm's orders leave from (its routes start there).
    Origin {
        /// The farm's name.
        #[arg(long)]
        farm: String,
        /// The city (id, Chinese name or pinyin), e.g. haikou.
        city: String,
        /// The hub's database (and, on PostgreSQL, its data folder).
        #[command(flatten)]
        store: HubDb,
    },
    /// The cities routes may name: id, Chinese, pinyin, province.
    Cities,
}

/// `farmlive hub guides ...`
#[derive(Debug, Subcommand)]
pub enum GuidesCommand {
    /// Publish guides from Markdown files named `<id>.<lang>.md` (lang en
    /// or zh), each starting with `# Title`; a folder stands for the
    /// guides in it. A guide already published with the same texts is
    /// left alone; new texts raise its revision, and devices get it at
    /// their next sync. Nothing is published unless every file is good.
    Import {
        /// Files or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// The hub's database (and, on PostgreSQL, its data folder).
        #[command(flatten)]
        store: HubDb,
    },
    /// Every guide: id, revision, languages and titles.
    List {
        /// The hub's database (and, on PostgreSQL, its data folder).
        #[command(flatten)]
        store: HubDb,
    },
}

/// `farmlive hub devices ...`
#[derive(Debug, Subcommand)]
pub enum DevicesCommand {
    /// Every enrolled device: id, name, role, farms, token expiry, removed.
    List {
        /// The hub's database (and, on PostgreSQL, its data folder).
        #[command(flatten)]
        store: HubDb,
        /// Only devices of this farm.
        #[arg(long)]
        farm: Option<String>,
    },
    /// Remove a device: its token stops working at once and it is told
    /// "removed from the farm by the hub operator". It can come back only
    /// with a new code (`farmlive hub enrol-code`).
    Revoke {
        /// The device's id (or its last characters, as `list` shows).
        id: String,
        /// The hub's database (and, on PostgreSQL, its data folder).
        #[command(flatten)]
        store: HubDb,
    },
}

/// `farmlive enrol`
#[derive(Debug, Args)]
pub struct EnrolArgs {
    /// The hub's address, e.g. https://hub.example.com.
    #[arg(long, required_unless_present = "qr_image")]
    pub hub: Option<String>,
    /// The one-time code from the hub operator.
    #[arg(long, required_unless_present = "qr_image")]
    pub code: Option<String>,
    /// Read the hub's address and the code from a photo or screenshot of
    /// the enrolment QR code (JPEG, PNG or WebP), instead of --hub and --code.
    #[arg(long, value_name = "PHOTO", conflicts_with_all = ["hub", "code"])]
    pub qr_image: Option<std::path::PathBuf>,
    /// A name for this device.
    #[arg(long, default_value = "farmlive CLI")]
    pub name: String,
    /// Enrol again although enrolled (same hub), keeping unsynced changes.
    /// Not needed once the hub said the token expired or the device was
    /// removed: then plain `farmlive enrol` with a new code does it.
    #[arg(long)]
    pub again: bool,
}

/// `farmlive sync`
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Stay in touch until interrupted: sync now, then again as soon as
    /// the hub has something new for this device's farms (an expert's
    /// answer, an order), printing answers and ship-by reminders as they
    /// come. One held request at a time; offline, it tries again later.
    #[arg(long)]
    pub watch: bool,
    /// With --watch: seconds the hub holds each request when nothing is
    /// new (1–25).
    #[arg(long, default_value_t = 25, value_parser = clap::value_parser!(u64).range(1..=25))]
    pub wait: u64,
}

/// `farmlive orders ...`
#[derive(Debug, Subcommand)]
pub enum OrdersCommand {
    /// List orders, at-risk first.
    List {
        /// Only this status.
        #[arg(long)]
        status: Option<String>,
    },
    /// Show one order with the buyer's delivery details.
    Show {
        /// Order id (or its last characters).
        id: String,
    },
    /// Accept an order.
    Accept {
        /// Order id.
        id: String,
    },
    /// Mark an order packed.
    Pack {
        /// Order id.
        id: String,
    },
    /// Ship an order.
    Ship {
        /// Order id.
        id: String,
        /// Carrier, e.g. "SF Express".
        #[arg(long)]
        carrier: String,
        /// Tracking number.
        #[arg(long)]
        tracking: String,
    },
    /// Cancel an order (before it is packed).
    Cancel {
        /// Order id.
        id: String,
        /// Why; the buyer sees it.
        #[arg(long)]
        reason: String,
    },
    /// Mark an order delivered (a non-contact order needs --photo).
    Deliver {
        /// Order id.
        id: String,
        /// A photo of the parcel at the door (JPEG, PNG or WebP); its
        /// metadata and GPS position are removed before it is stored.
        #[arg(long, value_name = "FILE")]
        photo: Option<PathBuf>,
    },
    /// The dispatch manifest: orders still to ship, by route and ship-by
    /// day; a summary here, the CSV and the printable labels in files.
    Manifest {
        /// Only orders to this city (id, Chinese name or pinyin).
        #[arg(long, value_name = "CITY")]
        route: Option<String>,
        /// Only orders to ship by this day (YYYY-MM-DD, local).
        #[arg(long)]
        day: Option<String>,
        /// Write the CSV here.
        #[arg(long, value_name = "FILE")]
        csv: Option<PathBuf>,
        /// Write the printable labels (HTML, A4) here.
        #[arg(long, value_name = "FILE")]
        html: Option<PathBuf>,
        /// The farm's offset from UTC for its days (e.g. +08:00). Default:
        /// this machine's zone.
        #[arg(long, value_name = "+HH:MM", allow_hyphen_values = true)]
        utc_offset: Option<String>,
    },
}

/// `farmlive conflicts ...`
#[derive(Debug, Subcommand)]
pub enum ConflictsCommand {
    /// List what the hub refused.
    List {
        /// Include dismissed ones.
        #[arg(long)]
        all: bool,
    },
    /// Dismiss a conflict once seen: the hub's state stands.
    Resolve {
        /// Its number.
        id: i64,
    },
    /// Make the refused change again, stamped now, once its cause is gone
    /// (the phone's date corrected, the listing resumed); refused here if
    /// the rules still refuse it.
    Retry {
        /// Its number.
        id: i64,
    },
}

/// `farmlive buyer ...`: a buyer simulator on the hub's public API.
#[derive(Debug, Args)]
pub struct BuyerArgs {
    /// The hub's address.
    #[arg(long, global = true, default_value = "http://127.0.0.1:8080")]
    pub hub: String,
    /// What to do.
    #[command(subcommand)]
    pub command: BuyerCommand,
}

/// Buyer actions. A buyer signs up on first use (name, phone and address
/// go to the hub only); the token is kept in the data directory.
#[derive(Debug, Subcommand)]
pub enum BuyerCommand {
    /// Browse active listings.
    Listings,
    /// The live rooms on air now.
    Rooms,
    /// Watch a room (the newest live one by default): comments, orders,
    /// pins, as they happen, until it ends or Ctrl-C.
    Watch {
        /// Room id.
        #[arg(long)]
        room: Option<String>,
        #[command(flatten)]
        who: BuyerIdentity,
    },
    /// Comment in a room (the newest live one by default).
    Comment {
        /// What to say.
        text: String,
        /// Room id.
        #[arg(long)]
        room: Option<String>,
        #[command(flatten)]
        who: BuyerIdentity,
    },
    /// Order a listing, or from a live room (its pinned listing at the live
    /// price unless `--listing` says another on its shelf).
    Order {
        /// Listing id (required without `--room`).
        #[arg(long, required_unless_present = "room")]
        listing: Option<String>,
        /// Order from this live room (`live` for the newest one).
        #[arg(long)]
        room: Option<String>,
        /// Units to buy.
        #[arg(long)]
        qty: i64,
        /// Leave at the door.
        #[arg(long)]
        non_contact: bool,
        /// The city it goes to (id, Chinese name or pinyin: beijing, 北京,
        /// Beijing): the farm must have a route there; the order then shows
        /// its promised delivery date. Run `farmlive buyer quote` first to
        /// see it.
        #[arg(long)]
        city: Option<String>,
        #[command(flatten)]
        who: BuyerIdentity,
    },
    /// What ordering a listing to a city would promise now: carrier,
    /// transit, ship-by and delivery dates (or the nearest served cities).
    Quote {
        /// Listing id.
        #[arg(long)]
        listing: String,
        /// The city (id, Chinese name or pinyin).
        #[arg(long)]
        city: String,
    },
    /// Cancel one of your orders.
    Cancel {
        /// Order id.
        id: String,
        /// Why.
        #[arg(long)]
        reason: String,
    },
}

/// Who the buyer is, used only when signing up on first use.
#[derive(Debug, Clone, Args)]
pub struct BuyerIdentity {
    /// Buyer name (first use).
    #[arg(long, default_value = "Test Buyer")]
    pub name: String,
    /// Buyer phone (first use).
    #[arg(long, default_value = "+86 138 0000 0000")]
    pub phone: String,
    /// Delivery address (first use).
    #[arg(long, default_value = "1 Market Street, Sanya")]
    pub address: String,
}
