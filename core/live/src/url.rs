//! Ingest URLs (`rtmp://host[:port]/app/KEY`, `rtmps://...`) with a stream key
//! that is never printed: `Debug` and `Display` show `***` in its place.

use crate::error::LiveError;

// One definition of a stream key (and of its `Debug` that hides it), shared
// with the hub, which mints them for its rooms.
pub use farmlive_protocol::room::StreamKey;

/// Where to publish.
#[derive(Clone, PartialEq, Eq)]
pub struct IngestUrl {
    /// True for `rtmps://` (TLS).
    pub tls: bool,
    /// Host name or IP address.
    pub host: String,
    /// TCP port (1935 for RTMP, 443 for RTMPS unless given).
    pub port: u16,
    /// The application path (`live`, or `app/inst`).
    pub app: String,
    /// The stream key (last path segment, with any `?query`).
    pub key: StreamKey,
}

impl IngestUrl {
    /// Parses `rtmp://HOST[:PORT]/APP/KEY` or `rtmps://...`.
    pub fn parse(text: &str) -> Result<IngestUrl, LiveError> {
        let bad = |why: &str| {
            LiveError::BadInput(format!(
                "bad ingest URL ({why}); expected rtmp://HOST/APP/KEY or rtmps://HOST/APP/KEY"
            ))
        };
        let (tls, rest) = if let Some(r) = text.strip_prefix("rtmps://") {
            (true, r)
        } else if let Some(r) = text.strip_prefix("rtmp://") {
            (false, r)
        } else {
            return Err(bad("it must start with rtmp:// or rtmps://"));
        };
        let (authority, path) = rest
            .split_once('/')
            .ok_or_else(|| bad("no application or stream key"))?;
        if authority.contains('@') {
            // RTMP has no use for URL credentials; keeping them would only
            // put a password where logs and status lines can show it.
            return Err(bad(
                "it holds a user name or password, which RTMP does not use; put credentials in the stream key or query your service gives you",
            ));
        }
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => {
                let port: u16 = p.parse().map_err(|_| bad("the port is not a number"))?;
                (
                    h.trim_start_matches('[').trim_end_matches(']').to_string(),
                    port,
                )
            }
            _ => (authority.to_string(), if tls { 443 } else { 1935 }),
        };
        if host.is_empty() || port == 0 {
            return Err(bad("no host"));
        }
        let (app, key) = path
            .rsplit_once('/')
            .ok_or_else(|| bad("no stream key after the application"))?;
        if app.is_empty() || key.is_empty() {
            return Err(bad("the application or the stream key is empty"));
        }
        Ok(IngestUrl {
            tls,
            host,
            port,
            app: app.to_string(),
            key: StreamKey::new(key),
        })
    }

    /// `rtmp://host:port/app`, the `tcUrl` sent in `connect` (no key).
    pub fn tc_url(&self) -> String {
        format!(
            "{}://{}:{}/{}",
            if self.tls { "rtmps" } else { "rtmp" },
            self.host,
            self.port,
            self.app
        )
    }
}

/// Shown with the stream key and any query (`?token=…`, `?authmod=…`)
/// replaced by `***`: both are credentials.
impl std::fmt::Display for IngestUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (app, query) = match self.app.split_once('?') {
            Some((app, _)) => (app, "?***"),
            None => (self.app.as_str(), ""),
        };
        write!(
            f,
            "{}://{}:{}/{app}{query}/***",
            if self.tls { "rtmps" } else { "rtmp" },
            self.host,
            self.port,
        )
    }
}

impl std::fmt::Debug for IngestUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IngestUrl({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_hides_the_key() {
        let u = IngestUrl::parse("rtmp://127.0.0.1:19350/live/sekret-KEY-42").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.app.as_str()),
            ("127.0.0.1", 19350, "live")
        );
        assert_eq!(u.key.expose(), "sekret-KEY-42");
        for shown in [format!("{u}"), format!("{u:?}"), format!("{:?}", u.key)] {
            assert!(!shown.contains("sekret"), "{shown}");
        }
        let s = IngestUrl::parse("rtmps://live.example.com/app/inst/k?x=1").unwrap();
        assert!(s.tls);
        assert_eq!(
            (s.port, s.app.as_str(), s.key.expose()),
            (443, "app/inst", "k?x=1")
        );
    }

    #[test]
    fn hides_the_query_and_refuses_credentials() {
        let u = IngestUrl::parse("rtmp://ingest.example.com:1935/live?token=SECRET/KEY").unwrap();
        assert_eq!(
            u.tc_url(),
            "rtmp://ingest.example.com:1935/live?token=SECRET",
            "sent as is"
        );
        for shown in [u.to_string(), format!("{u:?}")] {
            assert!(
                !shown.contains("SECRET") && !shown.contains("KEY"),
                "{shown}"
            );
            assert_eq!(u.to_string(), "rtmp://ingest.example.com:1935/live?***/***");
        }
        for with_password in [
            "rtmp://user:PASSWD@host/live?token=SECRET/STREAMK",
            "rtmp://user:PASSWD@host:1935/live/STREAMK",
            "rtmps://PASSWD@host/live/STREAMK",
        ] {
            let e = IngestUrl::parse(with_password).unwrap_err();
            assert!(e.is_bad_input());
            let shown = format!("{e} {e:?}");
            for secret in ["PASSWD", "SECRET", "STREAMK"] {
                assert!(!shown.contains(secret), "{secret} in {shown}");
            }
        }
    }

    #[test]
    fn refuses_bad_urls_without_echoing_them() {
        for bad in [
            "http://x/a/k",
            "rtmp://host",
            "rtmp://host/app",
            "rtmp://:1/a/k",
            "rtmp://h:x/a/k",
            "rtmp://h/a/",
        ] {
            let e = IngestUrl::parse(bad).unwrap_err();
            assert!(e.is_bad_input());
        }
        let e = IngestUrl::parse("rtmp://h/a-topsecret")
            .unwrap_err()
            .to_string();
        assert!(!e.contains("topsecret"));
    }
}
