//! Photos in S3-compatible object storage (`--objects s3://BUCKET[/PREFIX]`),
//! through the `object_store` crate, for hub processes on several machines.
//!
//! The endpoint, region and credentials come from the standard AWS
//! environment (`AWS_ENDPOINT_URL`, `AWS_REGION`, `AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY`, …), as every S3 tool reads them. Plain HTTP is
//! allowed to a loopback endpoint (a server beside the hub, as in the
//! tests) or when `AWS_ALLOW_HTTP=true`; anything else must be HTTPS.
//!
//! Layout under the prefix: a complete photo is `<prefix>/<sha>`; an upload
//! in progress is the folder `<prefix>/uploads/<sha>.<device>/` of chunk
//! objects (see `s3_parts.rs`).
//!
//! Secrets: the client's own `Debug` would print its credentials, so it is
//! never shown; [`S3Objects`] shows only its bucket, prefix and endpoint,
//! and errors carry the client's message (a URL without credentials: S3
//! requests are signed in headers).

use super::ObjectStore;
use crate::error::{HubError, Result};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as ObjectPath;
use object_store::{ClientOptions, ObjectStore as _, ObjectStoreExt as _, RetryConfig};
use std::ops::Range;
use std::sync::Arc;
use std::time::Duration;

/// How long one S3 request may take before it fails (photos are at most
/// 8 MiB; a chunk less).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Retries of a failed request, and how long retrying may go on: short,
/// because an upload's chunk waits inside a database transaction holding
/// its upload's lock, and the phone retries the chunk anyway.
const RETRIES: usize = 2;
const RETRY_FOR: Duration = Duration::from_secs(10);

/// Where in S3 photos go: a bucket and a key prefix (perhaps empty), as
/// `s3://BUCKET[/PREFIX]` names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Location {
    /// The bucket.
    pub bucket: String,
    /// The key prefix, without slashes at either end ("" for none).
    pub prefix: String,
}

impl std::str::FromStr for S3Location {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<S3Location, String> {
        let rest = s.trim().strip_prefix("s3://").ok_or_else(|| {
            format!("{s:?} is not an object store the hub writes to: name s3://BUCKET[/PREFIX]")
        })?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let bucket_ok = (3..=63).contains(&bucket.len())
            && bucket
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-.".contains(&b));
        if !bucket_ok {
            return Err(format!(
                "{bucket:?} is not an S3 bucket name (3 to 63 lower-case letters, digits, '-' or '.')"
            ));
        }
        let prefix = prefix.trim_matches('/');
        ObjectPath::parse(prefix).map_err(|e| format!("not a key prefix: {e}"))?;
        Ok(S3Location {
            bucket: bucket.to_owned(),
            prefix: prefix.to_owned(),
        })
    }
}

impl std::fmt::Display for S3Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.prefix.is_empty() {
            write!(f, "s3://{}", self.bucket)
        } else {
            write!(f, "s3://{}/{}", self.bucket, self.prefix)
        }
    }
}

/// An S3 client with the runtime that drives it: the object store's calls
/// are synchronous (they run on blocking threads, like the store's), so
/// each waits for its request with `block_on` on this runtime, as the
/// PostgreSQL pool does.
pub(super) struct S3Client {
    rt: Option<tokio::runtime::Runtime>,
    pub(super) store: AmazonS3,
    pub(super) location: S3Location,
    /// The endpoint as configured (no credentials in it), for messages.
    endpoint: String,
}

fn is_loopback(endpoint: &str) -> bool {
    let host = endpoint
        .split_once("://")
        .map_or(endpoint, |(_, rest)| rest)
        .split(['/', '?'])
        .next()
        .unwrap_or_default();
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let host = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host.split(':').next().unwrap_or_default(),
    };
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl S3Client {
    /// A client for `location`, configured from the AWS environment, the
    /// variables of `env` (`AWS_…` names) taking precedence over the
    /// process's; it lists the prefix once, so an unreachable endpoint, a
    /// missing bucket or refused credentials stop the hub at start with a
    /// clear error.
    pub(super) fn connect(location: &S3Location, env: &[(String, String)]) -> Result<S3Client> {
        let var = |name: &str| {
            env.iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .or_else(|| std::env::var(name).ok())
        };
        let endpoint = var("AWS_ENDPOINT_URL")
            .or_else(|| var("AWS_ENDPOINT"))
            .unwrap_or_default();
        let allow_http = is_loopback(&endpoint)
            || var("AWS_ALLOW_HTTP").is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let retry = RetryConfig {
            max_retries: RETRIES,
            retry_timeout: RETRY_FOR,
            ..RetryConfig::default()
        };
        let mut builder = AmazonS3Builder::from_env();
        for (name, value) in env {
            // Unknown names are refused by name only: a value may be a key.
            let key = name.to_ascii_lowercase().parse().map_err(|_| {
                HubError::Setup(format!("{name} is not an S3 setting the hub knows"))
            })?;
            builder = builder.with_config(key, value);
        }
        let store = builder
            .with_bucket_name(&location.bucket)
            .with_allow_http(allow_http)
            .with_retry(retry)
            .with_client_options(
                ClientOptions::new()
                    .with_timeout(REQUEST_TIMEOUT)
                    .with_connect_timeout(CONNECT_TIMEOUT)
                    .with_allow_http(allow_http),
            )
            .build()
            .map_err(|e| {
                HubError::Setup(format!("cannot set up the object store {location}: {e}"))
            })?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("farmlive-s3")
            .enable_all()
            .build()
            .map_err(|e| HubError::Setup(format!("cannot start the S3 runtime: {e}")))?;
        let client = S3Client {
            rt: Some(rt),
            store,
            location: location.clone(),
            endpoint: if endpoint.is_empty() {
                "the AWS default endpoint".into()
            } else {
                endpoint
            },
        };
        client
            .block_on(client.store.list_with_delimiter(Some(&client.root())))
            .map_err(|e| {
                HubError::Setup(format!(
                    "the object store {} at {} cannot be read: {e} (check AWS_ENDPOINT_URL, \
                     AWS_REGION, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, and that the \
                     bucket exists)",
                    client.location, client.endpoint
                ))
            })?;
        Ok(client)
    }

    /// Runs `future` on the client's runtime (from a thread that is not one
    /// of a runtime's async threads).
    pub(super) fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        match &self.rt {
            Some(rt) => rt.block_on(future),
            None => unreachable!("the runtime lives until drop"),
        }
    }

    /// The prefix as a path ("" is the bucket's root).
    pub(super) fn root(&self) -> ObjectPath {
        ObjectPath::from(self.location.prefix.as_str())
    }

    /// A storage error naming the store and what failed, for the log.
    pub(super) fn error(&self, what: &str, e: object_store::Error) -> HubError {
        HubError::Io(format!(
            "object store {} at {}: {what}: {e}",
            self.location, self.endpoint
        ))
    }
}

impl Drop for S3Client {
    fn drop(&mut self) {
        // The last handle may go on an async thread (a store dropped in a
        // test's runtime): a runtime cannot be dropped there, only let go.
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

impl std::fmt::Debug for S3Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the `AmazonS3` itself: its Debug shows the credentials.
        f.debug_struct("S3Client")
            .field("location", &self.location.to_string())
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

/// Complete photos in S3: `<prefix>/<sha>`.
#[derive(Debug, Clone)]
pub struct S3Objects {
    pub(super) client: Arc<S3Client>,
}

fn is_key(name: &str) -> bool {
    !name.is_empty() && !name.contains(['.', '/', '\\'])
}

impl S3Objects {
    fn path(&self, key: &str) -> Result<ObjectPath> {
        if is_key(key) {
            Ok(self.client.root().join(key))
        } else {
            Err(HubError::Internal(format!("not an object key: {key:?}")))
        }
    }
}

impl ObjectStore for S3Objects {
    fn put(&self, key: &str, bytes: &[u8]) -> Result<()> {
        let path = self.path(key)?;
        let payload = bytes::Bytes::copy_from_slice(bytes);
        // A PUT is whole and durable when S3 answers it.
        self.client
            .block_on(self.client.store.put(&path, payload.into()))
            .map_err(|e| self.client.error("storing a photo", e))?;
        Ok(())
    }

    fn get_range(&self, key: &str, range: Range<u64>) -> Result<Vec<u8>> {
        let path = self.path(key)?;
        if range.is_empty() {
            return Ok(Vec::new());
        }
        let got = self.client.block_on(async {
            let meta = self.client.store.head(&path).await?;
            let end = range.end.min(meta.size);
            if range.start >= end {
                return Ok(bytes::Bytes::new());
            }
            self.client.store.get_range(&path, range.start..end).await
        });
        match got {
            Ok(bytes) => Ok(bytes.to_vec()),
            Err(object_store::Error::NotFound { .. }) => Err(HubError::NotFound("no such photo")),
            Err(e) => Err(self.client.error("reading a photo", e)),
        }
    }

    fn delete(&self, key: &str) -> Result<()> {
        let path = self.path(key)?;
        match self.client.block_on(self.client.store.delete(&path)) {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(self.client.error("deleting a photo", e)),
        }
    }

    fn list(&self) -> Result<Vec<String>> {
        // Only the objects right under the prefix: uploads are a level down.
        let listed = self
            .client
            .block_on(
                self.client
                    .store
                    .list_with_delimiter(Some(&self.client.root())),
            )
            .map_err(|e| self.client.error("listing photos", e))?;
        Ok(listed
            .objects
            .iter()
            .filter_map(|o| o.location.filename())
            .filter(|name| is_key(name))
            .map(str::to_owned)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_location_is_a_bucket_and_a_prefix() {
        let plain: S3Location = "s3://photos".parse().expect("bucket");
        assert_eq!(
            (plain.bucket.as_str(), plain.prefix.as_str()),
            ("photos", "")
        );
        let deep: S3Location = "s3://farm-photos/hub/one/".parse().expect("prefix");
        assert_eq!(deep.prefix, "hub/one");
        assert_eq!(deep.to_string(), "s3://farm-photos/hub/one");
        for bad in ["photos", "gs://photos", "s3://", "s3://Photos", "s3://a"] {
            assert!(bad.parse::<S3Location>().is_err(), "{bad}");
        }
    }

    #[test]
    fn http_is_for_loopback_endpoints() {
        for yes in [
            "http://127.0.0.1:8333",
            "http://localhost:9000/",
            "http://[::1]:8333",
            "http://u@127.0.0.2",
        ] {
            assert!(is_loopback(yes), "{yes}");
        }
        for no in ["http://s3.example.com", "http://10.0.0.1:8333", ""] {
            assert!(!is_loopback(no), "{no}");
        }
    }
}
