//! Guides (the one writer of `guides` and `guide_blobs`); the rules in
//! `store/rules/guides.rs`.

use super::{Store, now_ms};
use crate::error::Result;
use crate::store::interface::EXPERTS;
use crate::store::rules::guides::{
    Published, StoredGuide, photo_blobs, photos_json, photos_of, publish_each, texts_json, texts_of,
};
use farmlive_protocol::guides::{Guide, GuideDraft, GuidesPage};
use rusqlite::{OptionalExtension, params};

impl Store {
    /// See [`crate::store::GuideStore::guides_after`].
    pub fn guides_after(&self, after: u64, limit: u32) -> Result<GuidesPage> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT id, seq, revision, texts, published_at, photos FROM guides
             WHERE seq > ?1 ORDER BY seq LIMIT ?2",
        )?;
        let after_i = i64::try_from(after).unwrap_or(i64::MAX);
        // One more than asked, to say whether more wait.
        let mut guides = stmt
            .query_map(params![after_i, i64::from(limit) + 1], |r| {
                Ok(Guide {
                    id: r.get(0)?,
                    seq: r.get::<_, i64>(1)?.max(0) as u64,
                    revision: r.get::<_, i64>(2)?.max(1) as u64,
                    texts: texts_of(&r.get::<_, String>(3)?),
                    published_at: r.get(4)?,
                    photos: photos_of(&r.get::<_, String>(5)?),
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let more = guides.len() > limit as usize;
        guides.truncate(limit as usize);
        let next = guides.last().map_or(after, |g| g.seq);
        Ok(GuidesPage { guides, next, more })
    }

    /// See [`crate::store::GuideStore::publish_guides`].
    pub fn publish_guides(&self, drafts: &[GuideDraft], only_new: bool) -> Result<Vec<Published>> {
        let mut conn = self.writer();
        let tx = conn.transaction()?;
        let now = now_ms();
        let published = publish_each(
            drafts,
            only_new,
            |id| {
                let row: Option<(i64, String, String)> = tx
                    .prepare_cached("SELECT revision, texts, photos FROM guides WHERE id = ?1")?
                    .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                    .optional()?;
                Ok(row.map(|(rev, texts, photos)| StoredGuide {
                    revision: rev.max(1) as u64,
                    texts: texts_of(&texts),
                    photos: photos_of(&photos),
                }))
            },
            |sha| super::blobs::BlobStore::is_attachable(&tx, sha, EXPERTS),
            |draft, revision| {
                tx.execute(
                    "INSERT INTO guides (id, seq, revision, texts, published_at, photos)
                     VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM guides), ?2, ?3, ?4, ?5)
                     ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, revision = excluded.revision,
                         texts = excluded.texts, published_at = excluded.published_at,
                         photos = excluded.photos",
                    params![
                        draft.id,
                        i64::try_from(revision).unwrap_or(i64::MAX),
                        texts_json(&draft.texts),
                        now,
                        photos_json(&draft.photos)
                    ],
                )?;
                // The blobs it shows now, and only those.
                tx.execute("DELETE FROM guide_blobs WHERE guide_id = ?1", [&draft.id])?;
                let mut shown = tx.prepare_cached(
                    "INSERT OR IGNORE INTO guide_blobs (sha256, guide_id) VALUES (?1, ?2)",
                )?;
                for sha in photo_blobs(&draft.photos) {
                    shown.execute([sha, &draft.id])?;
                }
                Ok(())
            },
        )?;
        tx.commit()?;
        Ok(published)
    }
}
