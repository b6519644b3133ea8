//! Arguments of the expert-help commands: `ask`, `questions`, `expert`.

use clap::{Args, Subcommand};
use std::path::PathBuf;

/// `farmlive ask`: a question to the experts, saved offline.
#[derive(Debug, Args)]
pub struct AskArgs {
    /// The question.
    pub text: String,
    /// The crop it is about (e.g. mango, 荔枝).
    #[arg(long)]
    pub crop: String,
    /// Where the farm is (e.g. "Hainan, Sanya").
    #[arg(long)]
    pub region: String,
    /// The farm asking (by name; default: this device's only farm).
    #[arg(long)]
    pub farm: Option<String>,
    /// A photo to send with it (JPEG, PNG or WebP; repeat, at most 4).
    #[arg(long = "photo", value_name = "FILE")]
    pub photos: Vec<PathBuf>,
}

/// `farmlive questions …`: this device's farms' questions.
#[derive(Debug, Subcommand)]
pub enum QuestionsCommand {
    /// Every question, unresolved first (the default).
    List,
    /// One question with its answers and follow-ups.
    Show {
        /// Question id (or its last characters, as listed).
        id: String,
    },
    /// Ask more about a question; it goes back to the experts.
    FollowUp {
        /// Question id (or its last characters).
        id: String,
        /// What to ask.
        text: String,
    },
    /// Mark a question resolved: it leaves the experts' queue.
    Resolve {
        /// Question id (or its last characters).
        id: String,
    },
}

/// `farmlive expert …`: an expert's device (enrolled with an expert code).
#[derive(Debug, Subcommand)]
pub enum ExpertCommand {
    /// Open questions of every farm: waiting ones first, oldest first.
    Queue {
        /// Only this crop (any case).
        #[arg(long)]
        crop: Option<String>,
        /// Only this region (any case).
        #[arg(long)]
        region: Option<String>,
        /// Skip this many (the previous page said where to go on).
        #[arg(long, default_value_t = 0)]
        offset: u32,
        /// At most this many.
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// One question with its thread; its photos are downloaded and their
    /// files named.
    Show {
        /// Question id (or its last characters, as the queue shows them).
        id: String,
    },
    /// Answer a question, with photos.
    Answer {
        /// Question id (or its last characters, as the queue shows them).
        id: String,
        /// The answer.
        text: String,
        /// A photo to send with it (repeat, at most 4).
        #[arg(long = "photo", value_name = "FILE")]
        photos: Vec<PathBuf>,
    },
    /// Publish guides from Markdown files `<id>.<lang>.md` (lang en or
    /// zh) starting with `# Title`, or the folders holding them; every
    /// farm's devices get them at their next sync. All are checked before
    /// any is sent.
    PublishGuides {
        /// Files or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
}
