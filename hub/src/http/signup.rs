//! The buyer sign-up limit, per client address.
//!
//! Rural buyers often share one public address (carrier-grade NAT), and a
//! show that catches on brings a village at once, so the limit is generous
//! to a crowd and hard on a script: [`SIGNUP_BURST`] (60) at once, then one
//! more every [`SIGNUP_EVERY`] (5 s: 12 a minute, 720 an hour per address).
//! A script that made 300 accounts in 0.2 s now makes 60, then waits. Past
//! the limit the hub answers 429 with `Retry-After`. IPv6 clients are counted per /64, the
//! block one subscriber usually holds.
//!
//! The client address is the TCP peer's, unless the operator names a
//! trusted proxy header (`farmlive hub --trusted-proxy-header
//! x-forwarded-for`): then the last address in that header, the one the
//! proxy itself saw, is the client's. The header is ignored when not
//! configured, since anyone can send it.

use crate::error::Result;
use crate::rooms::SharedLimiter;
use axum::extract::ConnectInfo;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName};
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::time::Duration;

/// Sign-ups one address may make at once.
pub const SIGNUP_BURST: u32 = 60;
/// Then one more per this long.
pub const SIGNUP_EVERY: Duration = Duration::from_secs(5);

/// Sign-up buckets per client address.
#[derive(Debug)]
pub struct SignupLimiter {
    header: Option<HeaderName>,
    buckets: SharedLimiter<IpAddr>,
}

impl SignupLimiter {
    /// A limiter of `burst` sign-ups at once per address, then one per
    /// `every`; the client address is read from `trusted_proxy_header` if
    /// set (see `HubOptions`).
    pub fn new(trusted_proxy_header: Option<HeaderName>, burst: u32, every: Duration) -> Self {
        let every = u64::try_from(every.as_millis()).unwrap_or(u64::MAX);
        SignupLimiter {
            header: trusted_proxy_header,
            buckets: SharedLimiter::new(burst, every),
        }
    }

    /// Takes a sign-up for the client of this request, or says how long
    /// to wait (429).
    pub fn check(&self, parts: &Parts) -> Result<()> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        self.buckets.check(&self.client(peer, &parts.headers))
    }

    /// The client as per-address limits count it: its address (from the
    /// trusted proxy header when one is configured), an IPv6 client by its
    /// /64.
    pub fn client(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> IpAddr {
        bucket_key(client_address(peer, headers, self.header.as_ref()))
    }
}

/// The client's address: from the trusted header if one is configured and
/// holds an address, else the peer's (unspecified if unknown).
pub fn client_address(
    peer: Option<IpAddr>,
    headers: &HeaderMap,
    trusted: Option<&HeaderName>,
) -> IpAddr {
    let forwarded = trusted
        .and_then(|name| headers.get_all(name).iter().next_back())
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .and_then(|v| parse_ip(v.trim()));
    forwarded
        .or(peer)
        .unwrap_or(IpAddr::V6(Ipv6Addr::UNSPECIFIED))
}

/// An address as a proxy writes it: bare, `[v6]`, `v4:port` or `[v6]:port`.
fn parse_ip(s: &str) -> Option<IpAddr> {
    s.parse::<IpAddr>()
        .ok()
        .or_else(|| s.parse::<SocketAddr>().ok().map(|a| a.ip()))
        .or_else(|| s.strip_prefix('[')?.strip_suffix(']')?.parse().ok())
}

/// What one bucket counts: an IPv4 address (or a v4-mapped one), or an
/// IPv6 /64.
fn bucket_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    #[test]
    fn the_header_counts_only_when_trusted() {
        let peer: IpAddr = "127.0.0.1".parse().unwrap();
        let xff = HeaderName::from_static("x-forwarded-for");
        let h = headers(&[("x-forwarded-for", "1.2.3.4, 10.0.0.9")]);
        assert_eq!(client_address(Some(peer), &h, None), peer, "not configured");
        assert_eq!(
            client_address(Some(peer), &h, Some(&xff)),
            "10.0.0.9".parse::<IpAddr>().unwrap(),
            "the address the proxy saw, not what the client claimed"
        );
        let h = headers(&[("x-forwarded-for", "garbage")]);
        assert_eq!(client_address(Some(peer), &h, Some(&xff)), peer);
        let h = headers(&[("x-forwarded-for", "[2001:db8::1]:443")]);
        assert_eq!(
            client_address(None, &h, Some(&xff)),
            "2001:db8::1".parse::<IpAddr>().unwrap()
        );
        let h = headers(&[("x-forwarded-for", "5.6.7.8:1234")]);
        assert_eq!(
            client_address(None, &h, Some(&xff)),
            "5.6.7.8".parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn ipv6_counts_per_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(bucket_key(a), bucket_key(b));
        assert_ne!(bucket_key(a), bucket_key(c));
        let mapped: IpAddr = "::ffff:1.2.3.4".parse().unwrap();
        assert_eq!(bucket_key(mapped), "1.2.3.4".parse::<IpAddr>().unwrap());
    }
}
