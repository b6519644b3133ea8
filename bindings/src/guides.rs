//! Guides for the apps' "Learn" screen: the programme's courses (how to
//! light a live show, pack fruit for a three-day truck, price on air),
//! synced from the hub and read offline.

use crate::error::Result;
use crate::facade::{FarmLive, check_text};
use farmlive_core::protocol::Lang;

/// A guide in the reader's language (see [`FarmLive::guides`]).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Guide {
    /// Its id, for [`FarmLive::guide`].
    pub id: String,
    /// Its revision on this device.
    pub revision: u64,
    /// The language of the text (the one asked for, else English).
    pub lang: String,
    /// Its title.
    pub title: String,
    /// Its body: paragraphs separated by blank lines, lines starting
    /// `- ` are list items, `## ` a heading, and `![caption](photo:N)` the
    /// N-th of `photos`.
    pub body: String,
    /// Its photos, in order (`photo:1` is the first).
    pub photos: Vec<GuidePhoto>,
    /// Its body laid out for reading: what a screen shows, in order.
    pub blocks: Vec<GuideBlock>,
    /// When this revision was published (UTC ms).
    pub published_at_ms: i64,
}

/// A guide's photo.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct GuidePhoto {
    /// Its number in the guide's photo lines (from 1).
    pub number: u32,
    /// SHA-256 of the image; its id.
    pub sha256: String,
    /// Image width, pixels.
    pub width: u32,
    /// Image height, pixels.
    pub height: u32,
    /// The image file on this device; `None` until a sync fetches it.
    pub path: Option<String>,
}

/// One block of a guide's body (see `Guide::blocks`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum GuideBlock {
    /// A section heading.
    Heading {
        /// Its text.
        text: String,
    },
    /// A paragraph; its lines joined by `\n`.
    Paragraph {
        /// Its text.
        text: String,
    },
    /// One item of a list.
    Item {
        /// Its text.
        text: String,
    },
    /// One of the guide's photos, with its caption.
    Photo {
        /// Its caption (may be empty).
        caption: String,
        /// The photo.
        photo: GuidePhoto,
    },
}

impl Guide {
    fn new(g: farmlive_core::GuideView, core: &farmlive_core::Core) -> Guide {
        let photos: Vec<GuidePhoto> = g
            .photos
            .iter()
            .zip(1u32..)
            .map(|(p, number)| GuidePhoto {
                number,
                sha256: p.sha256.clone(),
                width: p.width,
                height: p.height,
                path: core
                    .photo_path(&p.sha256)
                    .ok()
                    .map(|path| path.display().to_string()),
            })
            .collect();
        let blocks = farmlive_core::protocol::guides::blocks(&g.body)
            .into_iter()
            .filter_map(|b| {
                use farmlive_core::protocol::guides::GuideBlock as B;
                Some(match b {
                    B::Heading(text) => GuideBlock::Heading { text },
                    B::Paragraph(text) => GuideBlock::Paragraph { text },
                    B::Item(text) => GuideBlock::Item { text },
                    // A number the guide has no photo for (a hub that
                    // checked nothing) shows nothing.
                    B::Photo { number, caption } => GuideBlock::Photo {
                        caption,
                        photo: photos.get(number.checked_sub(1)?)?.clone(),
                    },
                })
            })
            .collect();
        Guide {
            blocks,
            id: g.id,
            revision: g.revision,
            lang: g.lang,
            title: g.title,
            body: g.body,
            photos,
            published_at_ms: g.published_at,
        }
    }
}

#[uniffi::export]
impl FarmLive {
    /// Every guide this device has synced, by title, in `lang` (`zh-CN`
    /// or `en`; a guide not written in it comes in English). Empty until
    /// the first sync; works offline after.
    pub fn guides(&self, lang: String) -> Result<Vec<Guide>> {
        check_text("language", &lang)?;
        let lang = Lang::from_tag(&lang);
        Ok(self
            .core
            .guides(lang)?
            .into_iter()
            .map(|g| Guide::new(g, &self.core))
            .collect())
    }

    /// One guide to read, in `lang`; `None` if this device has not synced it.
    pub fn guide(&self, id: String, lang: String) -> Result<Option<Guide>> {
        check_text("guide id", &id)?;
        check_text("language", &lang)?;
        let lang = Lang::from_tag(&lang);
        Ok(self
            .core
            .guide(&id, lang)?
            .map(|g| Guide::new(g, &self.core)))
    }
}
