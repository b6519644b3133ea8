//! `farmlive`: the FarmLive command line.
//!
//! Speaks Simplified Chinese under a `zh` locale (`LANG=zh_CN.UTF-8`), with
//! the words of the protocol's catalog (see `lang.rs`).
//!
//! Exit codes: 0 success, 1 failure (disk, database, stored data
//! unreadable), 2 bad input (a rule broken, an unknown id, a bad photo, bad
//! arguments).

// Every `println!` in this crate goes through `output::stdout`,
// which ends the process quietly when the reader has gone away
// (`farmlive outbox | head -1`) instead of panicking on the broken pipe.
// Defined before the modules so that their textual scope covers them all.
macro_rules! println {
    () => { $crate::output::stdout(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::output::stdout(format_args!("{}\n", format_args!($($arg)*))) };
}

mod args;
mod args_experts;
mod args_sync;
mod buyer_cmd;
mod demo;
mod demo_experts;
mod demo_live;
mod demo_promise;
mod demo_serve;
mod demo_sync;
mod experts_cmd;
mod guides_cmd;
mod hub_cmd;
mod lang;
mod listing_cmd;
mod live_cmd;
mod output;
mod qr_text;
mod room_cmd;
mod routes_cmd;
mod runtime;
mod stats_cmd;
mod sync_cmd;

use args::{Cli, Command, FarmCommand};
use clap::Parser;
use farmlive_core::protocol::{Lang, Message, MsgCode};
use farmlive_core::{Core, Error};
use std::path::PathBuf;
use std::process::ExitCode;

/// A command's failure, with the exit code it maps to.
#[derive(Debug)]
pub struct Failure {
    /// True for bad input (exit 2), false for a failure (exit 1).
    pub bad_input: bool,
    /// What to tell the person (English).
    pub message: String,
    /// The same as a catalog message, when there is one: shown in the
    /// locale's language, and its code goes into `--json` errors.
    pub localized: Option<Message>,
    /// What the message is about (a file name), put before it.
    pub context: Option<String>,
}

impl Failure {
    /// Bad input: the person can fix it.
    pub fn input(message: impl std::fmt::Display) -> Failure {
        Failure {
            bad_input: true,
            message: message.to_string(),
            localized: None,
            context: None,
        }
    }

    /// Bad input, as a catalog message.
    pub fn input_msg(message: Message) -> Failure {
        Failure {
            bad_input: true,
            message: message.render(Lang::En),
            localized: Some(message),
            context: None,
        }
    }

    /// Prefixes the message with what it is about (e.g. a file name).
    pub fn with_context(mut self, context: &str) -> Failure {
        self.message = format!("{context}: {}", self.message);
        self.context = Some(match self.context {
            Some(inner) => format!("{context}: {inner}"),
            None => context.to_owned(),
        });
        self
    }

    /// What to tell the person, in the locale's language.
    pub fn text(&self) -> String {
        match (&self.localized, &self.context) {
            (Some(m), Some(context)) => format!("{context}: {}", lang::say(m)),
            (Some(m), None) => lang::say(m),
            (None, _) => self.message.clone(),
        }
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure {
            bad_input: e.is_bad_input(),
            message: e.to_string(),
            localized: Some(e.message()),
            context: None,
        }
    }
}

/// What a command returns.
pub type CmdResult = Result<(), Failure>;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = cli.json;
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            if json {
                let code = failure.localized.as_ref().map(|m| m.code.as_str());
                let body = serde_json::json!({
                    "error": {
                        "message": failure.message,
                        "bad_input": failure.bad_input,
                        "code": code,
                        "localized": failure.text(),
                        "lang": lang::lang().tag(),
                    }
                });
                eprintln!("{body}");
            } else {
                let line = Message::new(MsgCode::CliError).arg("detail", failure.text());
                eprintln!("{}", lang::say(&line));
            }
            ExitCode::from(if failure.bad_input { 2 } else { 1 })
        }
    }
}

fn run(cli: Cli) -> CmdResult {
    match cli.command {
        Command::Demo(demo_args) => return demo::run(&demo_args),
        Command::Live(args) if args.room.is_some() => {
            return room_cmd::run(&data_dir(cli.data_dir)?, args, cli.json);
        }
        Command::Live(args) => return live_cmd::run(args, cli.json),
        Command::Hub(args) => return sync_cmd::hub(*args, cli.json),
        Command::Buyer(args) => {
            return buyer_cmd::run(
                &data_dir(cli.data_dir)?,
                &output::Output::new(cli.json),
                args,
            );
        }
        _ => {}
    }
    let core = open(cli.data_dir)?;
    let out = output::Output::new(cli.json);
    match cli.command {
        Command::Demo(_) | Command::Hub(_) | Command::Buyer(_) | Command::Live(_) => Ok(()),
        Command::Rooms { id } => room_cmd::rooms(&core, &out, id.as_deref()),
        Command::Enrol(args) => sync_cmd::enrol(&core, &out, args),
        Command::Sync(args) => sync_cmd::sync(&core, &out, args),
        Command::Orders(cmd) => sync_cmd::orders(&core, &out, cmd),
        Command::Stats(args) => stats_cmd::run(&core, &out, args),
        Command::Guides { id } => guides_cmd::run_device(&core, &out, id),
        Command::Conflicts(cmd) => sync_cmd::conflicts(&core, &out, cmd),
        Command::Farm(FarmCommand::Add { name }) => {
            let farm = core.add_farm(&name)?;
            out.farms(&[farm]);
            Ok(())
        }
        Command::Farm(FarmCommand::List) => {
            out.farms(&core.farms()?);
            Ok(())
        }
        Command::Listing(cmd) => listing_cmd::run(&core, &out, cmd),
        Command::Ask(args) => experts_cmd::ask(&core, &out, args),
        Command::Questions { cmd } => experts_cmd::questions(&core, &out, cmd),
        Command::Expert(cmd) => experts_cmd::expert(&core, &out, cmd),
        Command::Outbox { limit } => {
            let ops = core.pending_ops(limit)?;
            out.outbox(&ops, core.pending_count()?);
            Ok(())
        }
    }
}

/// Opens the core at the given or default data directory, reporting a
/// database that had to be set aside.
fn data_dir(data_dir: Option<PathBuf>) -> Result<PathBuf, Failure> {
    match data_dir {
        Some(dir) => Ok(dir),
        None => dirs::data_dir()
            .map(|d| d.join("farmlive"))
            .ok_or_else(|| Failure::input_msg(Message::new(MsgCode::CliNoDataDir))),
    }
}

fn open(data_dir: Option<PathBuf>) -> Result<Core, Failure> {
    open_dir(&self::data_dir(data_dir)?)
}

/// Opens the core at `dir`, reporting a database that had to be set aside.
pub fn open_dir(dir: &std::path::Path) -> Result<Core, Failure> {
    let core = Core::open(dir)?;
    if let Some(aside) = &core.open_report().set_aside {
        eprintln!(
            "warning: the database was damaged and has been moved to {}; a new one was started. Nothing was deleted.",
            aside.display()
        );
    }
    Ok(core)
}
