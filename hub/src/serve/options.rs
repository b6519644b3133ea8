//! The server's limits and their defaults, from the process's open-file limit.

use std::time::Duration;

/// Open files the hub keeps for itself beside its connections: the
/// database and its WAL (two connections, plus operator commands), photo
/// files being read or written, the runtime, standard streams, and the
/// connections being answered `503` (at most [`BUSY_ANSWERS`]).
pub const FILE_RESERVE: u64 = 128;

/// Connections over the cap being answered `503` at once; more are closed
/// without an answer.
pub const BUSY_ANSWERS: usize = 32;

/// What a client over the cap is told to wait, in seconds.
pub const BUSY_RETRY_AFTER_SECS: u64 = 2;

/// The most hyper buffers of one connection's response (and request head)
/// before it waits for the socket: small, so a live stream's backlog stays
/// in the relay's bounded queue (hyper's default is ~400 kB).
pub const WRITE_BUFFER_MAX: usize = 64 << 10;

/// The most connections a default cap allows, whatever the file limit.
const CAP_CEILING: u64 = 16_384;

/// The server's limits. [`ServeOptions::default`] suits a small hub.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeOptions {
    /// Connections served at once (at least 1). Default: the process's
    /// open-file limit less [`FILE_RESERVE`] (896 under the common 1,024),
    /// at most 16,384.
    pub max_connections: usize,
    /// How long a client has to send a complete request head, counted from
    /// connecting or from the end of its previous response (so this is also
    /// the keep-alive idle timeout). Default 10 s.
    pub header_read_timeout: Duration,
    /// How long a response write may make no progress (the client stopped
    /// reading) before the connection is closed. Default 30 s.
    pub write_timeout: Duration,
    /// How long a request body may stop arriving before the request fails
    /// and the connection is closed. Default 30 s.
    pub body_read_timeout: Duration,
    /// After a shutdown is asked for, how long the process keeps accepting
    /// while it reports not ready, so a load balancer stops sending it
    /// work first. Default 0 (nothing in front to tell).
    pub drain_grace: Duration,
    /// Then how long requests in flight get to finish before their
    /// connections are cut. Default 30 s.
    pub drain_timeout: Duration,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            max_connections: default_max_connections(),
            header_read_timeout: Duration::from_secs(10),
            write_timeout: Duration::from_secs(30),
            body_read_timeout: Duration::from_secs(30),
            drain_grace: Duration::ZERO,
            drain_timeout: Duration::from_secs(30),
        }
    }
}

/// The soft limit on open files of this process, from `/proc/self/limits`
/// (Linux; `None` elsewhere or if unreadable, `Some(u64::MAX)` if unlimited).
///
/// Read from `/proc` rather than `getrlimit`: the workspace denies unsafe
/// code, and a new dependency (`rlimit`, `libc`) for one number is not
/// worth it.
pub fn open_file_limit() -> Option<u64> {
    parse_open_file_limit(&std::fs::read_to_string("/proc/self/limits").ok()?)
}

fn parse_open_file_limit(limits: &str) -> Option<u64> {
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    let soft = line["Max open files".len()..].split_whitespace().next()?;
    if soft == "unlimited" {
        return Some(u64::MAX);
    }
    soft.parse().ok()
}

/// The default connection cap: the open-file limit less [`FILE_RESERVE`],
/// between 16 and 16,384 (896 if the limit cannot be read).
pub fn default_max_connections() -> usize {
    let cap = open_file_limit().map_or(1024 - FILE_RESERVE, |n| {
        n.saturating_sub(FILE_RESERVE).clamp(16, CAP_CEILING)
    });
    usize::try_from(cap).unwrap_or(16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_open_file_limit_is_read_from_proc() {
        let limits = "Limit                     Soft Limit           Hard Limit           Units     \n\
                      Max cpu time              unlimited            unlimited            seconds   \n\
                      Max open files            1024                 524288               files     \n";
        assert_eq!(parse_open_file_limit(limits), Some(1024));
        let unlimited = limits.replace("1024  ", "unlimited");
        assert_eq!(parse_open_file_limit(&unlimited), Some(u64::MAX));
        assert_eq!(parse_open_file_limit("nothing here"), None);
        // This machine's own, if it has /proc.
        if std::path::Path::new("/proc/self/limits").exists() {
            assert!(open_file_limit().is_some());
        }
    }
}
