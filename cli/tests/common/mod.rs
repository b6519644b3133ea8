//! What the `farmlive` binary's tests share: running it on a data folder,
//! a hub served by `farmlive hub`, and listings added from the command line.
//! Each test file compiles this module on its own and uses part of it.

#![allow(dead_code)] // each test file uses only some of these

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

/// `farmlive --data-dir DATA`, not yet run (the environment's data folder
/// removed, so only `data` counts).
pub fn command(data: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_farmlive"));
    cmd.arg("--data-dir")
        .arg(data)
        .env_remove("FARMLIVE_DATA_DIR");
    cmd
}

/// Runs `farmlive --data-dir DATA ARGS...` to the end.
pub fn farmlive(data: &Path, args: &[&str]) -> Output {
    command(data).args(args).output().unwrap()
}

/// Runs it and expects exit 0; its standard output.
pub fn ok(data: &Path, args: &[&str]) -> String {
    let out = farmlive(data, args);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs it with `--json` and expects exit 0; the JSON it printed.
pub fn ok_json(data: &Path, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    let out = ok(data, &all);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {out}"))
}

/// What it wrote to standard error.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Everything it printed: standard output, then standard error.
pub fn all_output(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(out))
}

/// A file of the repository's test data (`testdata/REL`).
pub fn testdata(rel: &str) -> String {
    format!("{}/../testdata/{rel}", env!("CARGO_MANIFEST_DIR"))
}

/// A hub served by `farmlive hub` on a free loopback port, for "Li farm".
pub struct Hub {
    child: Child,
    /// Its base URL.
    pub url: String,
    /// The second line it printed: the enrolment code, or why there is none.
    pub second_line: String,
}

impl Hub {
    /// Starts `farmlive hub` on the database `db`.
    pub fn start(db: &Path) -> Hub {
        let mut child = Command::new(env!("CARGO_BIN_EXE_farmlive"))
            .args([
                "hub",
                "--listen",
                "127.0.0.1:0",
                "--farm",
                "Li farm",
                "--db",
            ])
            .arg(db)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = lines.next().unwrap().unwrap();
        let second_line = lines.next().unwrap().unwrap();
        Hub {
            child,
            url: first.rsplit(' ').next().unwrap().to_owned(),
            second_line,
        }
    }

    /// A farmer's data folder `farmer` under `dir`, enrolled with this hub,
    /// with "Mangoes" at 10 (stock 50) listed and synced.
    pub fn farmer_with_mangoes(&self, dir: &Path) -> std::path::PathBuf {
        let farmer = dir.join("farmer");
        ok(
            &farmer,
            &["enrol", "--hub", &self.url, "--code", &self.code()],
        );
        ListingArgs::new("Mangoes", "10").stock(50).add(&farmer);
        ok(&farmer, &["sync"]);
        farmer
    }

    /// The enrolment code it printed (the second line's last word).
    pub fn code(&self) -> String {
        self.second_line.rsplit(' ').next().unwrap().to_owned()
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A listing added with `farmlive listing add`: by the kilogram, stock
/// left to the CLI's default, unless told otherwise.
pub struct ListingArgs {
    args: Vec<String>,
}

impl ListingArgs {
    /// A listing titled `title` at `price` (as typed: "10", "8.8", "68 KES").
    pub fn new(title: &str, price: &str) -> ListingArgs {
        let args = [
            "listing", "add", "--title", title, "--unit", "kg", "--price", price,
        ];
        ListingArgs {
            args: args.iter().map(|a| a.to_string()).collect(),
        }
    }

    /// Units in stock.
    pub fn stock(mut self, stock: u32) -> ListingArgs {
        self.args.extend(["--stock".into(), stock.to_string()]);
        self
    }

    /// The command line's arguments.
    pub fn args(&self) -> Vec<&str> {
        self.args.iter().map(String::as_str).collect()
    }

    /// Adds it on `data`'s device; the listing as JSON.
    pub fn add(&self, data: &Path) -> Value {
        ok_json(data, &self.args())
    }
}
