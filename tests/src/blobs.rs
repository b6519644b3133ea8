//! Photo blobs over raw HTTP: resumable uploads (`PATCH`/`HEAD`), public
//! reads, and the raw ops that attach a photo or show a listing.

use crate::api::Api;
use crate::stamp::stamp_now;
use farmlive_core::protocol::OpId;
use reqwest::Method;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// A chunk of an upload.
pub const MIB: usize = 1024 * 1024;

/// The lowercase hex SHA-256 of `bytes`: a blob's name.
pub fn sha_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Api {
    /// `PATCH` one chunk; the status and the JSON error code, if any.
    pub async fn blob_patch(
        &self,
        token: &str,
        sha: &str,
        offset: usize,
        length: usize,
        chunk: &[u8],
    ) -> (u16, Option<String>) {
        let headers = [
            ("upload-offset", offset.to_string()),
            ("upload-length", length.to_string()),
        ];
        let path = format!("/v1/blobs/{sha}");
        let (s, body, _) = self
            .send(
                Method::PATCH,
                &path,
                Some(token),
                Some(chunk.to_vec()),
                &headers,
            )
            .await;
        (s, body["error"]["code"].as_str().map(str::to_owned))
    }

    /// `HEAD`: the status and the upload offset it reports.
    pub async fn blob_head(&self, token: &str, sha: &str) -> (u16, Option<u64>) {
        let path = format!("/v1/blobs/{sha}");
        let (s, _, h) = self.send(Method::HEAD, &path, Some(token), None, &[]).await;
        let at = h
            .get("upload-offset")
            .and_then(|v| v.to_str().ok()?.parse().ok());
        (s, at)
    }

    /// `GET` a blob with or without a token: the status and the bytes.
    pub async fn blob_get(&self, token: Option<&str>, sha: &str) -> (u16, Vec<u8>) {
        let mut req = self.http.get(format!("{}/v1/blobs/{sha}", self.url));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        assert_ne!(status, 500);
        (status, resp.bytes().await.unwrap().to_vec())
    }

    /// Uploads `bytes` whole in 1 MiB chunks; returns their hash.
    pub async fn upload(&self, token: &str, bytes: &[u8]) -> String {
        let sha = sha_hex(bytes);
        for (i, chunk) in bytes.chunks(MIB).enumerate() {
            let (s, code) = self
                .blob_patch(token, &sha, i * MIB, bytes.len(), chunk)
                .await;
            assert_eq!((s, code), (204, None), "chunk {i}");
        }
        sha
    }

    /// Pushes one op; returns its outcome (`applied`, or the rejection code).
    pub async fn op(&self, token: &str, op: Value) -> String {
        let (s, body, _) = self
            .send(
                Method::POST,
                "/v1/ops",
                Some(token),
                Some(json!({ "ops": [op] }).to_string().into_bytes()),
                &[],
            )
            .await;
        assert_eq!(s, 200, "{body}");
        let result = &body["results"][0];
        match result["outcome"].as_str().unwrap() {
            "rejected" => result["code"].as_str().unwrap().to_owned(),
            other => other.to_owned(),
        }
    }

    /// Attaches photo `sha` (as its own thumbnail) to `listing` by a raw
    /// `photo_attach` op; the outcome.
    pub async fn attach(&self, token: &str, listing: &str, sha: &str, bytes: usize) -> String {
        self.op(
            token,
            json!({ "id": OpId::new(), "at": stamp_now(), "type": "photo_attach", "listing": listing,
                    "photo": { "sha256": sha, "thumb_sha256": sha, "width": 1280, "height": 960, "bytes": bytes },
                    "position": 0 }),
        )
        .await
    }

    /// Sets `listing`'s status by a raw `listing_status` op; the outcome.
    pub async fn set_status(&self, token: &str, listing: &str, status: &str) -> String {
        self.op(
            token,
            json!({ "id": OpId::new(), "at": stamp_now(), "type": "listing_status", "listing": listing, "status": status }),
        )
        .await
    }

    /// The photos the public listing `id` shows, if it is public.
    pub async fn public_photos(&self, id: &str) -> Option<Vec<String>> {
        let (s, body, _) = self
            .send(Method::GET, "/v1/listings?limit=500", None, None, &[])
            .await;
        assert_eq!(s, 200);
        body.as_array()?
            .iter()
            .find(|l| l["id"] == id)
            .map(|l| serde_json::from_value(l["photos"].clone()).unwrap())
    }
}
