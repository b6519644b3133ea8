//! Photos on listings: processed by `farmlive-photo` (bounded decode, EXIF
//! orientation, metadata stripped, 1280 px image and 320 px thumbnail),
//! stored content-addressed, ordered within their listing.
//!
//! The slow part (decoding and encoding) runs before the transaction, so the
//! database is never locked while a 12 MP photo is processed. A photo that is
//! refused writes nothing.

use crate::action::Action;
use crate::error::{Error, Result};
use crate::listings::{ListingPhoto, apply_local, load_for_change};
use crate::{Core, blobs};
use farmlive_photo::{EncodedImage, ProcessedPhoto};
use farmlive_protocol::listing::check_photo_count;
use farmlive_protocol::ops::{OpBody, PhotoRef};
use farmlive_protocol::{ListingId, ListingStatus, ValidationError};
use rusqlite::{OptionalExtension, params};
use std::io::Read;
use std::path::{Path, PathBuf};

impl Core {
    /// Adds the photo at `path` to a listing; see [`Core::add_photo_bytes`].
    pub fn add_photo_file(
        &self,
        listing: ListingId,
        path: impl AsRef<Path>,
    ) -> Result<ListingPhoto> {
        let bytes = self.read_photo_file(path.as_ref())?;
        self.add_photo_bytes(listing, &bytes)
    }

    /// Reads a photo file for the pipeline, refusing what is not a file and
    /// reading no more than the pipeline would take.
    pub(crate) fn read_photo_file(&self, path: &Path) -> Result<Vec<u8>> {
        let max = self.photo_options.limits.max_input_bytes;
        // Look before opening: opening a FIFO blocks until someone writes to
        // it, and a directory or device is never a photo. A missing file is
        // the caller's mistake too, not a disk failure.
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_file() => {}
            Ok(_) => {
                return Err(Error::InvalidArgument(
                    "this is not a photo file (a folder, pipe or device); choose a JPEG, PNG or WebP file".into(),
                ));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::InvalidArgument(
                    "there is no photo at this path".into(),
                ));
            }
            Err(e) => return Err(Error::io("open the photo", e)),
        }
        let file = std::fs::File::open(path).map_err(|e| Error::io("open the photo", e))?;
        let mut bytes = Vec::new();
        // Read one byte past the limit so an oversized file is refused without
        // reading it all into memory.
        file.take(max as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io("read the photo", e))?;
        Ok(bytes)
    }

    /// Adds a photo (JPEG, PNG or WebP bytes) to the end of a listing's photos.
    ///
    /// The same photo added twice to a listing is kept once; the same photo on
    /// two listings is stored once.
    pub fn add_photo_bytes(&self, listing: ListingId, bytes: &[u8]) -> Result<ListingPhoto> {
        // Fail fast, before the expensive work, on a listing that cannot take a photo.
        let current = self.listing(listing)?;
        if current.status == ListingStatus::Archived {
            return Err(ValidationError::Archived.into());
        }
        check_photo_count(current.photos.len())?;

        self.with_new_photo(bytes, |a, new| {
            let existing = load_for_change(a, listing)?;
            if let Some(photo) = existing.photos.iter().find(|p| p.sha256 == new.sha256()) {
                return Ok(photo.clone());
            }
            check_photo_count(existing.photos.len())?;
            new.record(a)?;
            let body = OpBody::PhotoAttach {
                listing,
                photo: new.photo_ref(),
                position: existing.photos.len() as u32,
            };
            // Photos alone do not move the listing up the farmer's lists.
            apply_local(a, listing, body, false)?
                .photos
                .into_iter()
                .find(|p| p.sha256 == new.sha256())
                .ok_or_else(|| Error::not_found("photo", new.sha256()))
        })
    }

    /// Runs `bytes` through the photo pipeline, writes the listing image
    /// and thumbnail to the blob store, then runs `use_it` in one action;
    /// if the action fails, the files written only for it are deleted.
    /// The one way a new photo (a listing's, a delivery's) enters the core.
    pub(crate) fn with_new_photo<T>(
        &self,
        bytes: &[u8],
        use_it: impl FnOnce(&mut Action<'_>, &NewPhoto) -> Result<T>,
    ) -> Result<T> {
        self.with_new_photos(&[bytes], |a, new| match new {
            [one] => use_it(a, one),
            _ => Err(Error::InvalidArgument("expected one photo".into())),
        })
    }

    /// [`Core::with_new_photo`] for several photos at once (a question's):
    /// all go through the pipeline before the one action runs; if any is
    /// refused, nothing is written.
    pub(crate) fn with_new_photos<T>(
        &self,
        photos: &[&[u8]],
        use_it: impl FnOnce(&mut Action<'_>, &[NewPhoto]) -> Result<T>,
    ) -> Result<T> {
        let new = self.process_photos(photos)?;
        let written = self.store_photos(&new)?;
        let result = self.act(|a| use_it(a, &new));
        if result.is_err() {
            // The action rolled back: files written only for it go too.
            for sha in &written {
                self.collect_blob(sha)?;
            }
        }
        result
    }

    /// Runs each photo through the pipeline (nothing is stored yet).
    pub(crate) fn process_photos(&self, photos: &[&[u8]]) -> Result<Vec<NewPhoto>> {
        photos
            .iter()
            .map(|b| Ok(NewPhoto(farmlive_photo::process(b, &self.photo_options)?)))
            .collect()
    }

    /// Writes the photos' files to the blob store; the hashes of those
    /// written now (not there before), to delete if their use fails.
    pub(crate) fn store_photos(&self, new: &[NewPhoto]) -> Result<Vec<String>> {
        let mut written = Vec::new();
        for blob in new.iter().flat_map(NewPhoto::blobs) {
            if self.blobs.put(&blob.sha256, &blob.jpeg)? {
                written.push(blob.sha256.clone());
            }
        }
        Ok(written)
    }

    /// Removes a photo from a listing; the photos after it move up.
    pub fn remove_photo(&self, listing: ListingId, sha256: &str) -> Result<()> {
        let sha256 = sha256.trim().to_ascii_lowercase();
        let removed = self.act(|a| {
            load_for_change(a, listing)?;
            let thumb: Option<String> =
                a.tx.query_row(
                    "SELECT thumb_sha256 FROM listing_photos
                     WHERE listing_id = ?1 AND sha256 = ?2",
                    params![listing.to_string(), sha256],
                    |r| r.get(0),
                )
                .optional()?;
            let thumb = thumb.ok_or_else(|| Error::not_found("photo", &sha256))?;
            let body = OpBody::PhotoRemove {
                listing,
                sha256: sha256.clone(),
            };
            apply_local(a, listing, body, false)?;
            Ok(thumb)
        })?;
        self.collect_blob(&sha256)?;
        self.collect_blob(&removed)
    }

    /// Path of a stored photo file (listing image or thumbnail) by its hash.
    pub fn photo_path(&self, sha256: &str) -> Result<PathBuf> {
        let path = self.blobs.path(sha256)?;
        if !path.exists() {
            return Err(Error::not_found("photo", sha256));
        }
        Ok(path)
    }

    /// Deletes a blob that nothing references any more: no listing shows it,
    /// no order was delivered with it, no question's thread or guide shows
    /// it and no pending op still needs to upload it.
    pub(crate) fn collect_blob(&self, sha256: &str) -> Result<()> {
        let conn = self.store.writer();
        let referenced: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM listing_photos WHERE sha256 = ?1 OR thumb_sha256 = ?1)
                 OR EXISTS (SELECT 1 FROM outbox WHERE kind IN ('photo_attach', 'order_action', 'question_ask')
                                                   AND instr(body, ?1) > 0)
                 OR EXISTS (SELECT 1 FROM orders WHERE instr(state, ?1) > 0 OR instr(base, ?1) > 0)
                 OR EXISTS (SELECT 1 FROM questions WHERE instr(state, ?1) > 0)
                 OR EXISTS (SELECT 1 FROM questions_base WHERE instr(state, ?1) > 0)
                 OR EXISTS (SELECT 1 FROM guides WHERE instr(photos, ?1) > 0)",
            [sha256],
            |r| r.get(0),
        )?;
        if referenced {
            return Ok(());
        }
        blobs::forget(&conn, sha256)?;
        self.blobs.remove(sha256)
    }
}

/// A photo through the pipeline, its two files in the blob store, not yet
/// recorded: see [`Core::with_new_photo`].
pub(crate) struct NewPhoto(ProcessedPhoto);

impl NewPhoto {
    pub(crate) fn blobs(&self) -> [&EncodedImage; 2] {
        [&self.0.listing, &self.0.thumbnail]
    }

    /// The listing-size image's hash.
    pub(crate) fn sha256(&self) -> &str {
        &self.0.listing.sha256
    }

    /// How ops and orders name it.
    pub(crate) fn photo_ref(&self) -> PhotoRef {
        let (image, thumb) = (&self.0.listing, &self.0.thumbnail);
        PhotoRef {
            sha256: image.sha256.clone(),
            thumb_sha256: thumb.sha256.clone(),
            width: image.width,
            height: image.height,
            bytes: image.jpeg.len() as u64,
        }
    }

    /// Records both files as stored, in the action that uses them.
    pub(crate) fn record(&self, a: &Action<'_>) -> Result<()> {
        for blob in self.blobs() {
            blobs::record_stored(&a.tx, &blob.sha256, blob.jpeg.len() as u64, a.now_ms)?;
        }
        Ok(())
    }
}
