//! Running the browser tests' Node scripts (`tests/browser/*.mjs`):
//! Debian's chromium driven by playwright-core, which `cargo xtask setup`
//! installs with `npm ci` outside the repository.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

/// Where Debian puts chromium (`$CHROMIUM` overrides it).
const CHROMIUM: &str = "/usr/bin/chromium";

/// The browser and the npm folder a script needs.
pub struct Browser {
    /// The chromium binary.
    pub chromium: String,
    /// Where `npm ci` ran (holds `node_modules`).
    pub npm: PathBuf,
}

impl Browser {
    /// The browser, or `None` (after saying so) when chromium is absent and
    /// `FARMLIVE_REQUIRE_BROWSER` is unset; panics when it is set and
    /// chromium is missing, or when playwright-core is not installed.
    pub fn find() -> Option<Browser> {
        let required = std::env::var_os("FARMLIVE_REQUIRE_BROWSER").is_some();
        let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| CHROMIUM.to_owned());
        if !Path::new(&chromium).exists() {
            assert!(
                !required,
                "FARMLIVE_REQUIRE_BROWSER is set but {chromium} is missing: run `cargo xtask setup`"
            );
            eprintln!("SKIPPED: no {chromium} (install it with `cargo xtask setup`)");
            return None;
        }
        let npm = npm_dir();
        assert!(
            npm.join("node_modules/playwright-core").is_dir(),
            "playwright-core is not installed in {}: run `cargo xtask setup`",
            npm.display()
        );
        Some(Browser { chromium, npm })
    }

    /// The folder the hub reads the player libraries from
    /// (`FARMLIVE_PLAYER_LIBS`).
    pub fn player_libs(&self) -> PathBuf {
        self.npm.join("node_modules")
    }

    /// Runs `tests/browser/{script}` with Node and `args`; its output.
    pub fn run(&self, script: &str, args: &[&str]) -> Output {
        self.command(script, args).output().expect("run node")
    }

    /// Starts `tests/browser/{script}` with Node and `args`, its output
    /// piped, to be read while it runs.
    pub fn spawn(&self, script: &str, args: &[&str]) -> Child {
        self.command(script, args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run node")
    }

    fn command(&self, script: &str, args: &[&str]) -> Command {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("browser")
            .join(script);
        let mut cmd = Command::new("node");
        cmd.arg(&path)
            .args(args)
            .env("FARMLIVE_NPM_DIR", &self.npm)
            .env("CHROMIUM", &self.chromium);
        cmd
    }
}

/// Where `cargo xtask setup` ran `npm ci` (see xtask's `packages::npm_dir`).
pub fn npm_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("FARMLIVE_NPM_DIR") {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("/tmp"), PathBuf::from);
    home.join(".cache/farmlive/npm")
}

/// `target/artifacts/browser`, beside the test binaries.
pub fn artifacts() -> PathBuf {
    let mut dir = std::env::current_exe().unwrap();
    dir.pop(); // the binary
    if dir.ends_with("deps") {
        dir.pop();
    }
    dir.pop(); // the profile (debug)
    dir.join("artifacts").join("browser")
}
