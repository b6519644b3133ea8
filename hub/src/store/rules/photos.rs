//! The photo rules both stores keep: which names are photos, how a
//! resumable upload goes on (offsets, lengths, starting again), the quota
//! and who may read a photo, and how long the collector waits.

use crate::error::{HubError, Result};
use crate::store::interface::{BlobStatus, Reader, Uploader};
use farmlive_protocol::FarmId;
use farmlive_protocol::api::BLOB_MAX_BYTES;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::ops::Range;
use std::time::Duration;

/// An upload is dropped this long after its last chunk.
pub const UPLOAD_EXPIRY_MS: i64 = 24 * 60 * 60 * 1000;
/// A complete photo no listing shows is kept this long after a farm last
/// uploaded or confirmed it.
pub const ORPHAN_GRACE_MS: i64 = 24 * 60 * 60 * 1000;
/// How often the hub collects.
pub const COLLECT_EVERY: Duration = Duration::from_secs(60 * 60);
/// Environment variable: photo storage per farm, in MiB (default 2048).
pub const PHOTO_QUOTA_ENV: &str = "FARMLIVE_HUB_PHOTO_QUOTA_MB";
/// Photo bytes a farm may keep on the hub unless the operator sets another
/// quota (`FARMLIVE_HUB_PHOTO_QUOTA_MB`): 2 GiB, some 10 000 listing photos.
pub const PHOTO_QUOTA_DEFAULT: u64 = 2 * 1024 * 1024 * 1024;

/// A photo's name is its SHA-256 in lower-case hex; anything else is no photo.
pub(crate) fn check_sha(sha: &str) -> Result<()> {
    if sha.len() == 64 && sha.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        Ok(())
    } else {
        Err(HubError::NotFound("no such photo"))
    }
}

/// A finished hash in lower-case hex.
pub(crate) fn sha256_hex(hasher: Sha256) -> String {
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Refuses an upload no photo can be: empty, too large, or by a device
/// acting for no farm (no one to charge it to).
pub(crate) fn check_upload(who: Uploader<'_>, length: u64) -> Result<()> {
    if length == 0 || length > BLOB_MAX_BYTES {
        return Err(HubError::bad_request(
            "too_large",
            format!("a photo may be at most {BLOB_MAX_BYTES} bytes"),
        ));
    }
    if who.farms.is_empty() {
        return Err(HubError::Forbidden("this device acts for no farm"));
    }
    Ok(())
}

/// A device's upload in progress, as stored.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Partial {
    /// Bytes recorded so far.
    pub received: u64,
    /// Its declared length.
    pub length: u64,
}

impl Partial {
    /// Its status.
    pub fn status(self) -> BlobStatus {
        BlobStatus {
            received: self.received,
            length: self.length,
            complete: false,
        }
    }
}

/// The status of a complete photo.
pub(crate) fn complete(length: u64) -> BlobStatus {
    BlobStatus {
        received: length,
        length,
        complete: true,
    }
}

/// What a chunk does to the device's upload before its bytes are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Begin {
    /// No upload yet: it starts (the quota is checked for all of `length`).
    New,
    /// The owner starts again at 0, perhaps with another length (the quota
    /// is checked for the new length instead of `old_length`).
    Restart { old_length: u64 },
    /// It goes on where it was.
    Resume,
}

/// How a chunk of `chunk` bytes at `offset` of an upload of `length` bytes
/// goes on from `partial`: offset 0 with another length starts again; any
/// other offset must be exactly where the upload is; a chunk may not go
/// past the length.
pub(crate) fn begin_chunk(
    partial: Option<Partial>,
    offset: u64,
    length: u64,
    chunk: u64,
) -> Result<Begin> {
    let (begin, received) = match partial {
        Some(p) if offset == 0 && (p.received > 0 || p.length != length) => (
            Begin::Restart {
                old_length: p.length,
            },
            0,
        ),
        Some(p) if p.length == length => (Begin::Resume, p.received),
        Some(p) => {
            return Err(HubError::Conflict(
                "length_mismatch",
                format!(
                    "this upload is {} bytes long; to change its length start again at offset 0",
                    p.length
                ),
            ));
        }
        None if offset == 0 => (Begin::New, 0),
        None => (Begin::Resume, 0),
    };
    if offset != received {
        return Err(HubError::Conflict(
            "offset_mismatch",
            format!("expected offset {received}"),
        ));
    }
    if offset + chunk > length {
        return Err(HubError::bad_request(
            "too_long",
            "the chunk goes past the declared length",
        ));
    }
    Ok(begin)
}

/// What the upload rules need of a store's photo tables; each backend's
/// `blobs.rs` (the tables' one writer) implements it over one connection
/// or transaction, holding whatever lock makes the upload's writer unique.
pub(crate) trait PhotoRows {
    /// The length of a complete photo.
    fn complete_length(&self, sha: &str) -> Result<Option<u64>>;
    /// Which of `farms` hold the photo (uploaded it, show it on a
    /// listing, or were delivered with it), in order.
    fn holders_among(&self, sha: &str, farms: &BTreeSet<FarmId>) -> Result<Vec<String>>;
    /// Records that `farms` have the photo now (renews its grace period).
    fn touch_owners(&self, sha: &str, farms: &[String], now: i64) -> Result<()>;
    /// Drops a device's upload; true if there was one.
    fn drop_upload(&self, sha: &str, device: &str) -> Result<bool>;
    /// A device's upload in progress.
    fn partial(&self, sha: &str, device: &str) -> Result<Option<Partial>>;
    /// Refuses `more` bytes (replacing `less`) past any uploader farm's quota.
    fn check_quota(&self, who: Uploader<'_>, more: u64, less: u64) -> Result<()>;
    /// Starts (or starts again) a device's upload at 0 with `length`.
    fn start_upload(&self, sha: &str, device: &str, length: u64, now: i64) -> Result<()>;
    /// Records how many bytes of the upload have arrived.
    fn record_received(&self, sha: &str, device: &str, received: u64, now: i64) -> Result<()>;
}

/// If the photo is complete and one of the device's farms holds it,
/// renews it for them and drops the device's own upload of it: its
/// status, and whether the caller is to remove that upload's file.
pub(crate) fn confirm(
    rows: &impl PhotoRows,
    who: Uploader<'_>,
    sha: &str,
    now: i64,
) -> Result<Option<(BlobStatus, bool)>> {
    let Some(length) = rows.complete_length(sha)? else {
        return Ok(None);
    };
    let holders = rows.holders_among(sha, who.farms)?;
    if holders.is_empty() {
        return Ok(None);
    }
    rows.touch_owners(sha, &holders, now)?;
    let dropped = rows.drop_upload(sha, who.device)?;
    Ok(Some((complete(length), dropped)))
}

/// Where a chunk left its upload.
pub(crate) enum Written {
    /// The photo was complete already (and the device's farms hold it);
    /// true if the device's upload file is to be removed.
    Held(BlobStatus, bool),
    /// More bytes are to come.
    Partial(BlobStatus),
    /// The last byte arrived: the caller checks the hash and stores it.
    Last,
}

/// The rules of one chunk, up to the last byte: a photo the device's
/// farms hold is complete; otherwise the chunk must go on exactly where
/// the upload is (or start it again at 0, within the quota), and it is
/// written to the upload's file (by `write_part`) and recorded. `at` is
/// the chunk's offset and the upload's declared length.
pub(crate) fn write_chunk(
    rows: &impl PhotoRows,
    who: Uploader<'_>,
    sha: &str,
    at: Range<u64>,
    chunk: &[u8],
    now: i64,
    write_part: impl FnOnce() -> Result<()>,
) -> Result<Written> {
    let (offset, length) = (at.start, at.end);
    if let Some((done, dropped)) = confirm(rows, who, sha, now)? {
        return Ok(Written::Held(done, dropped));
    }
    let partial = rows.partial(sha, who.device)?;
    match begin_chunk(partial, offset, length, chunk.len() as u64)? {
        Begin::Restart { old_length } => {
            // The owner starts again, perhaps with another length.
            rows.check_quota(who, length, old_length)?;
            rows.start_upload(sha, who.device, length, now)?;
        }
        Begin::New => {
            rows.check_quota(who, length, 0)?;
            rows.start_upload(sha, who.device, length, now)?;
        }
        Begin::Resume => {}
    }
    write_part()?;
    let received = offset + chunk.len() as u64;
    if received < length {
        rows.record_received(sha, who.device, received, now)?;
        return Ok(Written::Partial(Partial { received, length }.status()));
    }
    Ok(Written::Last)
}

/// The refusal of a complete upload whose bytes are not the photo named.
pub(crate) fn hash_mismatch() -> HubError {
    HubError::bad_request(
        "hash_mismatch",
        "the uploaded bytes do not match their SHA-256; upload again",
    )
}

fn mib(bytes: u64) -> u64 {
    bytes.div_ceil(1024 * 1024)
}

/// Refuses `more` bytes for a farm that has `used` (counting the `less`
/// bytes they replace) if that takes it past `quota`.
pub(crate) fn check_quota(used: u64, less: u64, more: u64, quota: u64) -> Result<()> {
    let used = used.saturating_sub(less);
    if used.saturating_add(more) > quota {
        return Err(HubError::Conflict(
            "quota_exceeded",
            format!(
                "this farm's photos on the hub take {} of its {} MiB; remove photos from old listings, or ask the hub's operator for more room",
                mib(used),
                mib(quota)
            ),
        ));
    }
    Ok(())
}

/// True if `reader` may read a complete photo: anyone one an active
/// listing shows (`public`), any enrolled device one a guide shows
/// (`guide`: guides are for every farm), a device also one its farms hold
/// (`holds(farms)`). Anything else is not found, never forbidden.
pub(crate) fn may_read(
    reader: Reader<'_>,
    public: bool,
    guide: bool,
    holds: impl FnOnce(&BTreeSet<FarmId>) -> Result<bool>,
) -> Result<()> {
    let allowed = public
        || match reader {
            Reader::Public => false,
            Reader::Farms(_) if guide => true,
            Reader::Farms(farms) => holds(farms)?,
        };
    if allowed {
        Ok(())
    } else {
        Err(HubError::NotFound("no such photo"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(r: Result<Begin>) -> String {
        match r {
            Err(HubError::Conflict(code, _)) => code.to_string(),
            Err(e) => e.to_string(),
            Ok(b) => format!("{b:?}"),
        }
    }

    #[test]
    fn a_chunk_goes_on_exactly_where_the_upload_is() {
        let at = |received, length| Some(Partial { received, length });
        assert_eq!(
            begin_chunk(None, 0, 10, 4).unwrap_or(Begin::Resume),
            Begin::New
        );
        assert_eq!(code(begin_chunk(None, 4, 10, 4)), "offset_mismatch");
        assert_eq!(code(begin_chunk(at(4, 10), 4, 10, 6)), "Resume");
        assert_eq!(code(begin_chunk(at(4, 10), 8, 10, 2)), "offset_mismatch");
        assert_eq!(code(begin_chunk(at(4, 10), 4, 12, 2)), "length_mismatch");
        assert_eq!(
            code(begin_chunk(at(4, 10), 0, 10, 4)),
            "Restart { old_length: 10 }"
        );
        assert_eq!(
            code(begin_chunk(at(0, 10), 0, 20, 4)),
            "Restart { old_length: 10 }"
        );
        assert_eq!(code(begin_chunk(at(0, 10), 0, 10, 4)), "Resume");
        assert!(code(begin_chunk(at(4, 10), 4, 10, 7)).contains("past the declared length"));
    }

    #[test]
    fn the_quota_counts_what_an_upload_replaces() {
        let mib = 1024 * 1024;
        assert!(check_quota(9 * mib, 0, mib, 10 * mib).is_ok());
        let refused = check_quota(9 * mib, 0, mib + 1, 10 * mib).unwrap_err();
        assert!(refused.to_string().contains("9 of its 10 MiB"), "{refused}");
        assert!(check_quota(10 * mib, 2 * mib, 2 * mib, 10 * mib).is_ok());
    }

    #[test]
    fn only_names_that_are_hashes_are_photos() {
        assert!(check_sha(&"a".repeat(64)).is_ok());
        assert!(check_sha(&"A".repeat(64)).is_err());
        assert!(check_sha(&"a".repeat(63)).is_err());
        assert!(check_sha("../etc/passwd").is_err());
    }
}
