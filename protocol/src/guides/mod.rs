//! Guides: the programme's free courses, short texts (how to light a live
//! show, how to pack fruit for a three-day truck, how to price on air)
//! that every device syncs and reads offline. A guide has an id (a slug)
//! and a text per language; publishing it again raises its revision, and
//! devices pull guides by the hub's guide sequence, as they pull changes.
//!
//! A guide's source is one Markdown file per language, `<id>.<lang>.md`,
//! its first line `# Title` and the body after: what operators import
//! (`farmlive hub guides import DIR`) and what the hub ships built in.
//! Photos ([`photos`]) come with guides published from an expert's device.

use crate::Lang;
use crate::photo_ref::PhotoRef;
use serde::{Deserialize, Serialize};

mod blocks;
mod photos;
pub use blocks::{GuideBlock, blocks};
pub use photos::{
    GUIDE_PHOTOS_MAX, numbered, photo_files, photo_line, photo_number, rewrite_photo_files,
};

/// Most guides in one page of `GET /v1/guides`.
pub const GUIDES_PAGE_MAX: u32 = 50;
/// Longest title, in characters.
pub const TITLE_MAX: usize = 120;
/// Longest body, in characters (a few screens).
pub const BODY_MAX: usize = 20_000;

/// A guide's text in one language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuideText {
    /// `en` or `zh` ([`lang_code`]).
    pub lang: String,
    /// One line.
    pub title: String,
    /// Paragraphs separated by blank lines; lines starting `- ` are list
    /// items, `## ` a heading, and `![caption](photo:N)` the guide's N-th
    /// photo (what the apps render; anything else is plain text).
    pub body: String,
}

/// A guide as published: its id and its texts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuideDraft {
    /// Lower-case letters, digits and `-`, 3 to 64 of them.
    pub id: String,
    /// One text per language, at least one.
    pub texts: Vec<GuideText>,
    /// The photos its texts show (`photo:1` is the first), uploaded first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub photos: Vec<PhotoRef>,
}

/// A guide as the hub holds and devices sync it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Guide {
    /// The guide's id.
    pub id: String,
    /// 1 when first published, one more each time it is published again.
    pub revision: u64,
    /// Its texts.
    pub texts: Vec<GuideText>,
    /// The photos its texts show.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub photos: Vec<PhotoRef>,
    /// When this revision was published.
    pub published_at: crate::UnixMillis,
    /// Its place in the hub's guide sequence: a device asks for guides
    /// after the highest it has seen.
    pub seq: u64,
}

/// `GET /v1/guides?after=SEQ&limit=N`: guides published after `after`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuidesPage {
    /// In sequence order.
    pub guides: Vec<Guide>,
    /// Where to ask from next time.
    pub next: u64,
    /// True if more wait.
    pub more: bool,
}

/// `PUT /v1/guides/{id}`: a guide's texts, one per language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishGuide {
    /// At least one; `en` and/or `zh`.
    pub texts: Vec<GuideText>,
    /// The photos the texts show, each uploaded by an expert's device
    /// before the publish.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub photos: Vec<PhotoRef>,
}

/// The reply to a publish: the guide's revision now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuidePublished {
    /// The guide.
    pub id: String,
    /// Its revision now.
    pub revision: u64,
    /// False if it was already published with these texts.
    pub changed: bool,
}

/// Why a guide cannot be published.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GuideError {
    /// The id is not a slug.
    #[error(
        "a guide's id is 3 to 64 lower-case letters, digits or '-', not {0:?} (e.g. pack-for-trucks)"
    )]
    BadId(String),
    /// No text, or two in one language.
    #[error("a guide needs one text per language (en, zh), at least one")]
    Texts,
    /// A language FarmLive does not speak.
    #[error("{0:?} is not a language guides are written in: en or zh")]
    BadLang(String),
    /// A title empty, too long, or on several lines.
    #[error("a guide's title is one line of 1 to {TITLE_MAX} characters")]
    BadTitle,
    /// A body empty or too long.
    #[error("a guide's body is 1 to {BODY_MAX} characters")]
    BadBody,
    /// A source file without its `# Title` line.
    #[error("a guide's file starts with its title as '# Title'")]
    NoTitle,
    /// More photos than [`GUIDE_PHOTOS_MAX`].
    #[error("a guide shows at most {GUIDE_PHOTOS_MAX} photos")]
    TooManyPhotos,
    /// A photo line that names a number the guide has no photo for.
    #[error("a photo line shows photo {0}, which the guide does not have")]
    NoSuchPhoto(usize),
    /// A photo no text shows.
    #[error("photo {0} of the guide is shown by none of its texts")]
    PhotoUnused(usize),
    /// A photo line naming a file: photos are published from an expert's
    /// device (`farmlive expert publish-guides`), which uploads them.
    #[error(
        "the photo line for {0:?} names a file; guides with photos are published from an expert's device (farmlive expert publish-guides), which uploads them"
    )]
    PhotoFile(String),
    /// A source file name that is not `<id>.<lang>.md`.
    #[error("{0:?} is not a guide's file name: <id>.<lang>.md, e.g. pack-for-trucks.zh.md")]
    BadFileName(String),
}

/// The code guides use for `lang`.
pub fn lang_code(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "en",
        Lang::Zh => "zh",
    }
}

fn lang_of(code: &str) -> Option<Lang> {
    Lang::ALL.into_iter().find(|l| lang_code(*l) == code)
}

/// Whether `id` is a guide id: 3 to 64 of `a-z`, `0-9`, `-`, not starting
/// or ending with `-`.
pub fn is_guide_id(id: &str) -> bool {
    (3..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
        && !id.ends_with('-')
}

impl GuideDraft {
    /// Checks the draft and returns it tidied: titles and bodies trimmed,
    /// texts in language order, every photo line naming one of its photos
    /// and every photo shown.
    pub fn checked(self) -> Result<GuideDraft, GuideError> {
        let draft = self.checked_but_photos()?;
        photos::check_photo_lines(&draft.texts, draft.photos.len())?;
        Ok(draft)
    }

    /// [`GuideDraft::checked`] but for the photo lines, which may still
    /// name files: an expert's source before its photos are uploaded.
    pub fn checked_but_photos(mut self) -> Result<GuideDraft, GuideError> {
        if !is_guide_id(&self.id) {
            return Err(GuideError::BadId(self.id));
        }
        if self.texts.is_empty() {
            return Err(GuideError::Texts);
        }
        for text in &mut self.texts {
            if lang_of(&text.lang).is_none() {
                return Err(GuideError::BadLang(text.lang.clone()));
            }
            text.title = text.title.trim().to_owned();
            text.body = text.body.trim().replace("\r\n", "\n");
            let title_chars = text.title.chars().count();
            if title_chars == 0 || title_chars > TITLE_MAX || text.title.contains('\n') {
                return Err(GuideError::BadTitle);
            }
            let body_chars = text.body.chars().count();
            if body_chars == 0 || body_chars > BODY_MAX {
                return Err(GuideError::BadBody);
            }
        }
        self.texts.sort_by(|a, b| a.lang.cmp(&b.lang));
        if self.texts.windows(2).any(|w| w[0].lang == w[1].lang) {
            return Err(GuideError::Texts);
        }
        Ok(self)
    }
}

impl Guide {
    /// Its text in `lang`, else in English, else its first.
    pub fn text(&self, lang: Lang) -> Option<&GuideText> {
        let find = |code: &str| self.texts.iter().find(|t| t.lang == code);
        find(lang_code(lang))
            .or_else(|| find(lang_code(Lang::En)))
            .or_else(|| self.texts.first())
    }
}

/// A guide's text from its source file `name` (`<id>.<lang>.md`) holding
/// `source`: the id and the text (checked when the draft is).
pub fn parse_guide_file(name: &str, source: &str) -> Result<(String, GuideText), GuideError> {
    let bad_name = || GuideError::BadFileName(name.to_owned());
    let stem = name.strip_suffix(".md").ok_or_else(bad_name)?;
    let (id, lang) = stem.rsplit_once('.').ok_or_else(bad_name)?;
    if !is_guide_id(id) {
        return Err(GuideError::BadId(id.to_owned()));
    }
    lang_of(lang).ok_or_else(|| GuideError::BadLang(lang.to_owned()))?;
    let source = source.trim_start_matches('\u{feff}').trim_start();
    let (first, body) = source.split_once('\n').unwrap_or((source, ""));
    let title = first.strip_prefix("# ").ok_or(GuideError::NoTitle)?;
    Ok((
        id.to_owned(),
        GuideText {
            lang: lang.to_owned(),
            title: title.trim().to_owned(),
            body: body.trim().to_owned(),
        },
    ))
}

/// Groups source files (`(name, contents)`) into checked drafts, by id in
/// id order. Files that are not guides' (`README.md`, say) are an error,
/// named, rather than skipped unseen. A photo line naming a file is an
/// error here (see [`sources_from_files`]).
pub fn drafts_from_files<'a>(
    files: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<Vec<GuideDraft>, (String, GuideError)> {
    group_files(files, GuideDraft::checked)
}

/// [`drafts_from_files`] for an expert's sources, whose photo lines may
/// name photo files: publishing uploads them and checks each draft whole.
pub fn sources_from_files<'a>(
    files: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<Vec<GuideDraft>, (String, GuideError)> {
    group_files(files, GuideDraft::checked_but_photos)
}

fn group_files<'a>(
    files: impl IntoIterator<Item = (&'a str, &'a str)>,
    check: fn(GuideDraft) -> Result<GuideDraft, GuideError>,
) -> Result<Vec<GuideDraft>, (String, GuideError)> {
    let mut by_id: std::collections::BTreeMap<String, Vec<GuideText>> = Default::default();
    for (name, source) in files {
        let (id, text) = parse_guide_file(name, source).map_err(|e| (name.to_owned(), e))?;
        by_id.entry(id).or_default().push(text);
    }
    by_id
        .into_iter()
        .map(|(id, texts)| {
            check(GuideDraft {
                id: id.clone(),
                texts,
                photos: Vec::new(),
            })
            .map_err(|e| (id, e))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(lang: &str, title: &str, body: &str) -> GuideText {
        GuideText {
            lang: lang.into(),
            title: title.into(),
            body: body.into(),
        }
    }

    #[test]
    fn a_guide_is_read_from_its_files_and_checked() {
        let drafts = drafts_from_files([
            ("pack-for-trucks.zh.md", "# 装箱\n\n正文。\n"),
            ("pack-for-trucks.en.md", "\u{feff}# Packing \n\nBody.\r\n"),
            ("light-a-show.en.md", "# Light\nText"),
        ])
        .unwrap();
        assert_eq!(drafts.len(), 2);
        assert_eq!(drafts[0].id, "light-a-show");
        assert_eq!(
            drafts[1].texts,
            [text("en", "Packing", "Body."), text("zh", "装箱", "正文。")]
        );
    }

    #[test]
    fn what_is_not_a_guide_is_refused_saying_why() {
        let one = |name: &str, src: &str| drafts_from_files([(name, src)]).unwrap_err().1;
        assert_eq!(
            one("README.md", "# x\ny"),
            GuideError::BadFileName("README.md".into())
        );
        assert_eq!(one("a.en.md", "# x\ny"), GuideError::BadId("a".into()));
        assert_eq!(one("abc.fr.md", "# x\ny"), GuideError::BadLang("fr".into()));
        assert_eq!(one("abc.en.md", "Title\nbody"), GuideError::NoTitle);
        assert_eq!(one("abc.en.md", "# Title\n"), GuideError::BadBody);
        let long = format!("# {}\nbody", "t".repeat(TITLE_MAX + 1));
        assert_eq!(one("abc.en.md", &long), GuideError::BadTitle);
        let draft = GuideDraft {
            id: "abc".into(),
            texts: vec![text("en", "a", "b"), text("en", "c", "d")],
            photos: vec![],
        };
        assert_eq!(draft.checked(), Err(GuideError::Texts));
        for bad in ["-abc", "abc-", "ab", "a_b", "ABC", "a/b"] {
            assert!(!is_guide_id(bad), "{bad}");
        }
    }

    #[test]
    fn a_reader_gets_their_language_else_english() {
        let guide = Guide {
            id: "abc".into(),
            revision: 1,
            texts: vec![text("en", "E", "e"), text("zh", "中", "文")],
            photos: vec![],
            published_at: 0,
            seq: 1,
        };
        assert_eq!(guide.text(Lang::Zh).unwrap().title, "中");
        let english_only = Guide {
            texts: vec![text("en", "E", "e")],
            ..guide
        };
        assert_eq!(english_only.text(Lang::Zh).unwrap().title, "E");
    }
}
