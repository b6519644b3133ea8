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
    /// `- ` are list items and `## ` a heading.
    pub body: String,
    /// When this revision was published (UTC ms).
    pub published_at_ms: i64,
}

impl From<farmlive_core::GuideView> for Guide {
    fn from(g: farmlive_core::GuideView) -> Guide {
        Guide {
            id: g.id,
            revision: g.revision,
            lang: g.lang,
            title: g.title,
            body: g.body,
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
            .map(Guide::from)
            .collect())
    }

    /// One guide to read, in `lang`; `None` if this device has not synced it.
    pub fn guide(&self, id: String, lang: String) -> Result<Option<Guide>> {
        check_text("guide id", &id)?;
        check_text("language", &lang)?;
        let lang = Lang::from_tag(&lang);
        Ok(self.core.guide(&id, lang)?.map(Guide::from))
    }
}
