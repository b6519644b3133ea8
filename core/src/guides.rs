//! Guides on the device: the programme's courses, pulled from the hub at
//! each sync after the highest guide number this device has seen, and read
//! offline with their photos (fetched at sync like any other). The one
//! writer of `guides`. An expert's device publishes them, photos first.

use crate::error::{Error, Result};
use crate::meta::set_meta;
use crate::{Core, blobs};
use farmlive_protocol::Lang;
use farmlive_protocol::guides::{
    GUIDE_PHOTOS_MAX, Guide, GuideDraft, GuidePublished, GuidesPage, PublishGuide, numbered,
    photo_files, rewrite_photo_files,
};
use farmlive_protocol::ops::PhotoRef;
use farmlive_protocol::roles::Capability;
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;

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
    /// Its body (paragraphs, `- ` items, `## ` headings and
    /// `![caption](photo:N)` photo lines).
    pub body: String,
    /// Its photos: `photo:1` is the first ([`Core::photo_path`] finds a
    /// file once a sync has fetched it).
    pub photos: Vec<PhotoRef>,
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
            photos: guide.photos.clone(),
            published_at: guide.published_at,
        })
    }
}

/// Stores a page of guides (each replacing an older revision, never a
/// newer one), records their photos to fetch, and moves the cursor, in
/// the caller's transaction.
pub(crate) fn apply_page(conn: &Connection, page: &GuidesPage, now: i64) -> Result<()> {
    let json = |what: &str, v: serde_json::Result<String>| {
        v.map_err(|e| Error::bad_reply(200, format!("a guide's {what}: {e}")))
    };
    for g in &page.guides {
        let texts = json("texts", serde_json::to_string(&g.texts))?;
        let photos = json("photos", serde_json::to_string(&g.photos))?;
        if g.photos.len() > GUIDE_PHOTOS_MAX
            || g.photos
                .iter()
                .any(|p| !blobs::is_sha256_hex(&p.sha256) || !blobs::is_sha256_hex(&p.thumb_sha256))
        {
            return Err(Error::bad_reply(200, "a guide's photos are not photos"));
        }
        conn.execute(
            "INSERT INTO guides (id, revision, texts, published_at, seq, photos)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (id) DO UPDATE SET revision = excluded.revision, texts = excluded.texts,
                 published_at = excluded.published_at, seq = excluded.seq, photos = excluded.photos
             WHERE excluded.revision >= guides.revision",
            params![
                g.id,
                i64::try_from(g.revision).unwrap_or(i64::MAX),
                texts,
                g.published_at,
                i64::try_from(g.seq).unwrap_or(i64::MAX),
                photos
            ],
        )?;
        for photo in &g.photos {
            // The thumbnail's size is not sent; the image's is a fair bound.
            for sha in [&photo.sha256, &photo.thumb_sha256] {
                blobs::record_known(conn, sha, photo.bytes, now)?;
            }
        }
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
        photos: serde_json::from_str(&r.get::<_, String>(5)?).unwrap_or_default(),
    })
}

impl Core {
    /// Publishes `drafts` from an expert's device, online, one guide a
    /// request; what each publish did. A photo line may name a photo file
    /// by its path (`![A full box](/home/chen/box.jpg)`): each file goes
    /// through the photo pipeline and is uploaded first, and the line then
    /// shows the guide's photo. Every draft and photo is checked before
    /// anything is sent. The devices of every farm get the guides at their
    /// next sync, this one too.
    pub async fn publish_guides(&self, drafts: &[GuideDraft]) -> Result<Vec<GuidePublished>> {
        self.require(Capability::PublishGuides)?;
        let mut ready = Vec::with_capacity(drafts.len());
        for draft in drafts {
            ready.push(self.with_photos(draft)?);
        }
        let client = self.hub_client(std::time::Duration::from_secs(30))?;
        let mut out = Vec::with_capacity(ready.len());
        for (draft, new) in ready {
            for photo in &new {
                for blob in photo.blobs() {
                    crate::hub::upload(&client, &blob.sha256, &blob.jpeg).await?;
                }
            }
            let call = farmlive_protocol::api::guides::PUBLISH.call_for(draft.id.as_str());
            let body = PublishGuide {
                texts: draft.texts,
                photos: draft.photos,
            };
            out.push(client.call(call, &body).await?);
        }
        Ok(out)
    }

    /// `draft` with its photo files through the pipeline (kept here, to
    /// upload) and its photo lines numbered, checked; and the new photos.
    fn with_photos(
        &self,
        draft: &GuideDraft,
    ) -> Result<(GuideDraft, Vec<crate::photos::NewPhoto>)> {
        let invalid = |e: farmlive_protocol::guides::GuideError| {
            Error::InvalidArgument(format!("guide {}: {e}", draft.id))
        };
        let mut files: Vec<&str> = Vec::new();
        for text in &draft.texts {
            for file in photo_files(&text.body) {
                if !files.contains(&file) {
                    files.push(file);
                }
            }
        }
        if draft.photos.len() + files.len() > GUIDE_PHOTOS_MAX {
            return Err(invalid(
                farmlive_protocol::guides::GuideError::TooManyPhotos,
            ));
        }
        let mut new = Vec::with_capacity(files.len());
        for file in &files {
            let bytes = self.read_photo_file(Path::new(file))?;
            let mut photo = self.process_photos(&[bytes.as_slice()]).map_err(|e| {
                Error::InvalidArgument(format!("guide {}: photo {file}: {e}", draft.id))
            })?;
            new.append(&mut photo);
        }
        self.store_photos(&new)?;
        let first = draft.photos.len();
        let mut out = draft.clone();
        out.photos.extend(new.iter().map(|p| p.photo_ref()));
        for text in &mut out.texts {
            text.body = rewrite_photo_files(&text.body, |f| {
                files
                    .iter()
                    .position(|x| *x == f)
                    .map(|i| numbered(first + i))
            })
            .map_err(invalid)?;
        }
        Ok((out.checked().map_err(invalid)?, new))
    }

    /// The guides this device has synced, in `lang` (else English), by
    /// title; readable offline.
    pub fn guides(&self, lang: Lang) -> Result<Vec<GuideView>> {
        let conn = self.store.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT id, revision, texts, published_at, seq, photos FROM guides ORDER BY id",
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
                "SELECT id, revision, texts, published_at, seq, photos FROM guides WHERE id = ?1",
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
