//! Guides (the one writer of `guides`); the rules in `store/rules/guides.rs`.

use super::{Store, now_ms};
use crate::error::Result;
use crate::store::rules::guides::{Published, publish_each, texts_json, texts_of};
use farmlive_protocol::guides::{Guide, GuideDraft, GuidesPage};
use rusqlite::{OptionalExtension, params};

impl Store {
    /// See [`crate::store::GuideStore::guides_after`].
    pub fn guides_after(&self, after: u64, limit: u32) -> Result<GuidesPage> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT id, seq, revision, texts, published_at FROM guides
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
                let row: Option<(i64, String)> = tx
                    .prepare_cached("SELECT revision, texts FROM guides WHERE id = ?1")?
                    .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()?;
                Ok(row.map(|(rev, texts)| (rev.max(1) as u64, texts_of(&texts))))
            },
            |draft, revision| {
                tx.execute(
                    "INSERT INTO guides (id, seq, revision, texts, published_at)
                     VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM guides), ?2, ?3, ?4)
                     ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, revision = excluded.revision,
                         texts = excluded.texts, published_at = excluded.published_at",
                    params![
                        draft.id,
                        i64::try_from(revision).unwrap_or(i64::MAX),
                        texts_json(&draft.texts),
                        now
                    ],
                )?;
                Ok(())
            },
        )?;
        tx.commit()?;
        Ok(published)
    }
}
