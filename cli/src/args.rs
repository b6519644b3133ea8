//! Command-line arguments.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// FarmLive: list produce offline with photos, sync with a hub, sell live.
#[derive(Debug, Parser)]
#[command(name = "farmlive", version, about, long_about = None)]
pub struct Cli {
    /// Where FarmLive keeps its database and photos (default: the platform's
    /// data directory, e.g. ~/.local/share/farmlive).
    #[arg(long, global = true, env = "FARMLIVE_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Print machine-readable JSON instead of tables.
    #[arg(long, global = true)]
    pub json: bool,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the demo: an agent lists offline, the farmer sells live, ships.
    Demo(DemoArgs),
    /// Farms this device lists for.
    #[command(subcommand)]
    Farm(FarmCommand),
    /// Create, edit, search and stock listings; attach photos.
    #[command(subcommand)]
    Listing(ListingCommand),
    /// Run the hub server, or mint enrolment codes.
    // Boxed: the hub's flags are the largest variant by far (clippy's
    // large_enum_variant).
    Hub(Box<crate::args_sync::HubArgs>),
    /// Connect this device to a hub with a one-time code.
    Enrol(crate::args_sync::EnrolArgs),
    /// Push local changes and pull the hub's, with progress.
    Sync(crate::args_sync::SyncArgs),
    /// Orders for this device's farms.
    #[command(subcommand)]
    Orders(crate::args_sync::OrdersCommand),
    /// Changes the hub refused.
    #[command(subcommand)]
    Conflicts(crate::args_sync::ConflictsCommand),
    /// Simulate a buyer on the hub's public API.
    Buyer(crate::args_sync::BuyerArgs),
    /// Go live: stream camera or test pattern to an RTMP(S) ingest or an FLV
    /// file; with `--room`, sell while live.
    Live(crate::live_cmd::LiveArgs),
    /// Live rooms this device opened; with an id, what happened in it.
    Rooms {
        /// A room id: list its stored events.
        id: Option<String>,
    },
    /// The farm's sales from the synced orders: today, the last 7 days,
    /// the season, on air and off air, a sparkline per week, best sellers.
    Stats(StatsArgs),
    /// The programme's guides (live hosting, packing, pricing), synced
    /// from the hub and read offline; with an id, one guide to read.
    Guides {
        /// A guide's id (from the list).
        id: Option<String>,
    },
    /// Ask the experts a question (saved offline, sent at the next sync).
    Ask(crate::args_experts::AskArgs),
    /// This device's farms' questions to the experts, with the answers.
    Questions {
        /// What to do (default: list them).
        #[command(subcommand)]
        cmd: Option<crate::args_experts::QuestionsCommand>,
    },
    /// An expert's device: the queue of open questions, and answering.
    #[command(subcommand)]
    Expert(crate::args_experts::ExpertCommand),
    /// Operations waiting to be synced.
    Outbox {
        /// Show at most this many.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}

/// Arguments of `farmlive stats`.
#[derive(Debug, Args)]
pub struct StatsArgs {
    /// Only this farm (default: every farm of this device).
    #[arg(long)]
    pub farm: Option<String>,
    /// Weeks in the season, this one included.
    #[arg(long, default_value_t = farmlive_core::protocol::sales::SEASON_WEEKS,
          value_parser = clap::value_parser!(u32).range(1..=104))]
    pub weeks: u32,
    /// Best sellers to list.
    #[arg(long, default_value_t = farmlive_core::protocol::sales::TOP_LISTINGS,
          value_parser = clap::value_parser!(u32).range(0..=100))]
    pub top: u32,
    /// The farm's offset from UTC for its days and weeks (e.g. +08:00).
    /// Default: this machine's zone.
    #[arg(long, value_name = "+HH:MM", allow_hyphen_values = true)]
    pub utc_offset: Option<String>,
}

/// Arguments of `farmlive demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Keep the demo's data here (default: a new temporary directory, kept
    /// after the run so you can look at it). Must be empty or not exist.
    #[arg(long, value_name = "DIR")]
    pub demo_dir: Option<PathBuf>,
    /// Publish the demo's live step to this external ingest
    /// (rtmp://HOST/APP/KEY) instead of the demo hub's own ingest and an FLV
    /// recording in the demo directory.
    #[arg(long, value_name = "URL")]
    pub ingest: Option<String>,
    /// After the scripted day, keep the hub and a test-pattern show on air
    /// until Ctrl-C: open the printed address in a browser to watch and
    /// order, and see the orders arrive on the farmer's side.
    #[arg(long)]
    pub serve: bool,
    /// The demo hub's HTTP address (default with --serve: 127.0.0.1:8080,
    /// or a free port if that one is taken; without: a free loopback port).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<std::net::SocketAddr>,
}

/// `farmlive farm ...`
#[derive(Debug, Subcommand)]
pub enum FarmCommand {
    /// Add a farm this device lists for.
    Add {
        /// The farm's name.
        name: String,
    },
    /// List the farms.
    List,
}

/// `farmlive listing ...`
#[derive(Debug, Subcommand)]
pub enum ListingCommand {
    /// Create a listing.
    Add(AddListing),
    /// Change a listing's title, description, unit or price.
    Edit(EditListing),
    /// List listings.
    List(ListListings),
    /// Show one listing with its photos.
    Show {
        /// Listing id (or its last characters, as shown by `list`).
        id: String,
    },
    /// Search titles and descriptions (Chinese and English).
    Search {
        /// Words to find; all must match.
        #[arg(required = true, num_args = 1..)]
        query: Vec<String>,
        /// Show at most this many.
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// Set or adjust stock.
    Stock(StockArgs),
    /// Hide a listing from buyers for now.
    Pause {
        /// Listing id.
        id: String,
    },
    /// Show a paused listing to buyers again.
    Resume {
        /// Listing id.
        id: String,
    },
    /// Withdraw a listing for good.
    Archive {
        /// Listing id.
        id: String,
    },
    /// Add or remove photos.
    #[command(subcommand)]
    Photo(PhotoCommand),
}

/// `farmlive listing add`
#[derive(Debug, Args)]
pub struct AddListing {
    /// Title, 1–60 characters.
    #[arg(long)]
    pub title: String,
    /// Description, up to 2,000 characters.
    #[arg(long, default_value = "")]
    pub description: String,
    /// Selling unit: kg, g, jin, piece, box, bunch, dozen.
    #[arg(long)]
    pub unit: String,
    /// Price per unit, e.g. 12.5 or "12.50 KES".
    #[arg(long, allow_hyphen_values = true)]
    pub price: String,
    /// Currency when the price has none.
    #[arg(long, default_value = "CNY")]
    pub currency: String,
    /// Units in stock.
    #[arg(long, default_value_t = 0, allow_hyphen_values = true)]
    pub stock: i64,
    /// The farm (name or id); optional when the device has one farm.
    #[arg(long)]
    pub farm: Option<String>,
    /// Photos to attach, in order.
    #[arg(long = "photo", value_name = "FILE")]
    pub photos: Vec<PathBuf>,
}

/// `farmlive listing edit`
#[derive(Debug, Args)]
pub struct EditListing {
    /// Listing id.
    pub id: String,
    /// New title.
    #[arg(long)]
    pub title: Option<String>,
    /// New description.
    #[arg(long)]
    pub description: Option<String>,
    /// New unit.
    #[arg(long)]
    pub unit: Option<String>,
    /// New price.
    #[arg(long, allow_hyphen_values = true)]
    pub price: Option<String>,
    /// Currency when the new price has none.
    #[arg(long, default_value = "CNY")]
    pub currency: String,
}

/// `farmlive listing list`
#[derive(Debug, Args)]
pub struct ListListings {
    /// Only this status: active, paused or archived (default: active and paused).
    #[arg(long)]
    pub status: Option<String>,
    /// Only this farm (name or id).
    #[arg(long)]
    pub farm: Option<String>,
    /// Show at most this many.
    #[arg(long, default_value_t = 100)]
    pub limit: u32,
}

/// `farmlive listing stock`
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("change").required(true).args(["set", "add", "remove"]))]
pub struct StockArgs {
    /// Listing id.
    pub id: String,
    /// Set stock to this counted level.
    #[arg(long, allow_hyphen_values = true)]
    pub set: Option<i64>,
    /// Add this many units (a harvest came in).
    #[arg(long, allow_hyphen_values = true)]
    pub add: Option<i64>,
    /// Remove this many units (sold elsewhere, spoiled).
    #[arg(long, allow_hyphen_values = true)]
    pub remove: Option<i64>,
}

/// `farmlive listing photo ...`
#[derive(Debug, Subcommand)]
pub enum PhotoCommand {
    /// Attach photos to the end of a listing's photos.
    Add {
        /// Listing id.
        id: String,
        /// Photo files (JPEG, PNG or WebP).
        #[arg(required = true, num_args = 1..)]
        files: Vec<PathBuf>,
    },
    /// Remove a photo.
    Rm {
        /// Listing id.
        id: String,
        /// The photo's id (its SHA-256, as shown by `show`).
        photo: String,
    },
}
