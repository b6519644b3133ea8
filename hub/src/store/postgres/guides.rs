//! Guides (the one writer of `guides` and `guide_blobs`); the rules in
//! `store/rules/guides.rs`.

use super::backend::PgStore;
use super::now_ms;
use crate::error::Result;
use crate::store::interface::EXPERTS;
use crate::store::rules::guides::{
    Published, StoredGuide, photo_blobs, photos_json, photos_of, publish_each, texts_json, texts_of,
};
use farmlive_protocol::guides::{Guide, GuideDraft, GuidesPage};

impl PgStore {
    /// See [`crate::store::GuideStore::guides_after`].
    pub(super) fn guides_page(&self, after: u64, limit: u32) -> Result<GuidesPage> {
        let after_i = i64::try_from(after).unwrap_or(i64::MAX);
        let rows = self.pool.get()?.query(
            "SELECT id, seq, revision, texts, published_at, photos FROM guides
             WHERE seq > $1 ORDER BY seq LIMIT $2",
            &[&after_i, &(i64::from(limit) + 1)],
        )?;
        let mut guides: Vec<Guide> = rows
            .iter()
            .map(|r| Guide {
                id: r.get(0),
                seq: r.get::<_, i64>(1).max(0) as u64,
                revision: r.get::<_, i64>(2).max(1) as u64,
                texts: texts_of(r.get(3)),
                published_at: r.get(4),
                photos: photos_of(r.get(5)),
            })
            .collect();
        let more = guides.len() > limit as usize;
        guides.truncate(limit as usize);
        let next = guides.last().map_or(after, |g| g.seq);
        Ok(GuidesPage { guides, next, more })
    }

    /// See [`crate::store::GuideStore::publish_guides`].
    pub(super) fn publish_guide_drafts(
        &self,
        drafts: &[GuideDraft],
        only_new: bool,
    ) -> Result<Vec<Published>> {
        let now = now_ms();
        self.pool.get()?.transaction("BEGIN", |conn| {
            // Publishes take turns (reads go on): a number is given and
            // committed before the next is, so a device that has seen N
            // never misses a guide numbered below it.
            conn.execute("LOCK TABLE guides IN EXCLUSIVE MODE", &[])?;
            publish_each(
                drafts,
                only_new,
                |id| {
                    Ok(conn
                        .query_opt(
                            "SELECT revision, texts, photos FROM guides WHERE id = $1",
                            &[&id],
                        )?
                        .map(|r| StoredGuide {
                            revision: r.get::<_, i64>(0).max(1) as u64,
                            texts: texts_of(r.get(1)),
                            photos: photos_of(r.get(2)),
                        }))
                },
                |sha| super::blobs::is_attachable(conn, sha, EXPERTS),
                |draft, revision| {
                    conn.execute(
                        "INSERT INTO guides (id, seq, revision, texts, published_at, photos)
                         VALUES ($1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM guides), $2, $3, $4, $5)
                         ON CONFLICT (id) DO UPDATE SET seq = EXCLUDED.seq,
                             revision = EXCLUDED.revision, texts = EXCLUDED.texts,
                             published_at = EXCLUDED.published_at, photos = EXCLUDED.photos",
                        &[
                            &draft.id,
                            &i64::try_from(revision).unwrap_or(i64::MAX),
                            &texts_json(&draft.texts),
                            &now,
                            &photos_json(&draft.photos),
                        ],
                    )?;
                    // The blobs it shows now, and only those.
                    conn.execute("DELETE FROM guide_blobs WHERE guide_id = $1", &[&draft.id])?;
                    let shas: Vec<&str> = photo_blobs(&draft.photos).collect();
                    conn.execute(
                        "INSERT INTO guide_blobs (sha256, guide_id)
                         SELECT DISTINCT s, $2 FROM UNNEST($1::text[]) AS s
                         ON CONFLICT DO NOTHING",
                        &[&shas, &draft.id],
                    )?;
                    Ok(())
                },
            )
        })
    }
}
