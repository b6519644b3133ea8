//! Guides on the device: the programme's courses, pulled from the hub at
//! each sync after the highest guide number this device has seen, and read
//! offline. The one writer of `guides`.

use crate::Core;
use crate::error::{Error, Result};
use crate::meta::set_meta;
use farmlive_protocol::Lang;
use farmlive_protocol::guides::{Guide, GuideDraft, GuidePublished, GuidesPage, PublishGuide};
use farmlive_protocol::roles::Capability;
use rusqlite::{Connection, OptionalExtension, params};

/// Where the guide cursor is kept in `meta`.
pub(crate) const CURSOR_KEY: &str = "guides_after";

/// A guide in one language, as a reader sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuideView {
    /// The guide's id.
    pub id: String,
    /// Its revision on this device.
    pub revision: u64,
    /// The language of the text shown (the reader's, else English).
    pub lang: String,
    /// Its title.
    pub title: String,
    /// Its body (paragraphs, `- ` items and `## ` headings).
    pub body: String,
    /// When this revision was published (UTC ms).
    pub published_at: i64,
}

impl GuideView {
    fn of(guide: &Guide, lang: Lang) -> Option<GuideView> {
        let text = guide.text(lang)?;
        Some(GuideView {
            id: guide.id.clone(),
            revision: guide.revision,
            lang: text.lang.clone(),
            title: text.title.clone(),
            body: text.body.clone(),
            published_at: guide.published_at,
        })
    }
}

/// Stores a page of guides (each replacing an older revision, never a
/// newer one) and moves the cursor, in the caller's transaction.
pub(crate) fn apply_page(conn: &Connection, page: &GuidesPage) -> Result<()> {
    for g in &page.guides {
        let texts = serde_json::to_string(&g.texts)
            .map_err(|e| Error::bad_reply(200, format!("a guide's texts: {e}")))?;
        conn.execute(
            "INSERT INTO guides (id, revision, texts, published_at, seq) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (id) DO UPDATE SET revision = excluded.revision, texts = excluded.texts,
                 published_at = excluded.published_at, seq = excluded.seq
             WHERE excluded.revision >= guides.revision",
            params![
                g.id,
                i64::try_from(g.revision).unwrap_or(i64::MAX),
                texts,
                g.published_at,
                i64::try_from(g.seq).unwrap_or(i64::MAX)
            ],
        )?;
    }
    set_meta(conn, CURSOR_KEY, &page.next.to_string())
}

fn guide_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<Guide> {
    Ok(Guide {
        id: r.get(0)?,
        revision: r.get::<_, i64>(1)?.max(1) as u64,
        texts: serde_json::from_str(&r.get::<_, String>(2)?).unwrap_or_default(),
        published_at: r.get(3)?,
        seq: r.get::<_, i64>(4)?.max(0) as u64,
    })
}

impl Core {
    /// Publishes `drafts` (checked first, all of them) from an expert's
    /// device, online, one guide a request; what each publish did. The
    /// devices of every farm get them at their next sync, this one too.
    pub async fn publish_guides(&self, drafts: &[GuideDraft]) -> Result<Vec<GuidePublished>> {
        self.require(Capability::PublishGuides)?;
        let drafts = drafts
            .iter()
            .map(|d| {
                d.clone()
                    .checked()
                    .map_err(|e| Error::InvalidArgument(e.to_string()))
            })
            .collect::<Result<Vec<_>>>()?;
        let client = self.hub_client(std::time::Duration::from_secs(30))?;
        let mut out = Vec::with_capacity(drafts.len());
        for draft in drafts {
            let call = farmlive_protocol::api::guides::PUBLISH.call_for(draft.id.as_str());
            let body = PublishGuide { texts: draft.texts };
            out.push(client.call(call, &body).await?);
        }
        Ok(out)
    }

    /// The guides this device has synced, in `lang` (else English), by
    /// title; readable offline.
    pub fn guides(&self, lang: Lang) -> Result<Vec<GuideView>> {
        let conn = self.store.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT id, revision, texts, published_at, seq FROM guides ORDER BY id",
        )?;
        let guides = stmt
            .query_map([], guide_of)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut views: Vec<GuideView> = guides
            .iter()
            .filter_map(|g| GuideView::of(g, lang))
            .collect();
        views.sort_by(|a, b| a.title.cmp(&b.title));
        Ok(views)
    }

    /// One guide in `lang` (else English); `None` if this device has not
    /// synced it.
    pub fn guide(&self, id: &str, lang: Lang) -> Result<Option<GuideView>> {
        let conn = self.store.reader();
        let guide = conn
            .prepare_cached(
                "SELECT id, revision, texts, published_at, seq FROM guides WHERE id = ?1",
            )?
            .query_row([id], guide_of)
            .optional()?;
        Ok(guide.and_then(|g| GuideView::of(&g, lang)))
    }

    /// The highest guide number this device has pulled.
    pub(crate) fn guides_cursor(&self) -> Result<u64> {
        Ok(self
            .read_meta(CURSOR_KEY)?
            .and_then(|c| c.parse().ok())
            .unwrap_or(0))
    }
}
