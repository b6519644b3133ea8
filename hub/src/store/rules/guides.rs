//! Guides, for both stores: what publishing a draft does to the stored
//! guide, and the three guides every hub ships with (`hub/guides/`,
//! written for this project in Chinese and English).

use super::photos::check_sha;
use crate::error::{HubError, Result};
use farmlive_protocol::guides::{GuideDraft, GuideText, drafts_from_files};
use farmlive_protocol::ops::PhotoRef;

/// What one publish did to a guide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// The guide.
    pub id: String,
    /// Its revision now.
    pub revision: u64,
    /// False if it was already published with these texts (or, for a
    /// built-in guide, already there): nothing was written.
    pub changed: bool,
}

/// A guide as a store holds it, for [`publish_each`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StoredGuide {
    /// Its revision.
    pub revision: u64,
    /// Its texts.
    pub texts: Vec<GuideText>,
    /// Its photos.
    pub photos: Vec<PhotoRef>,
}

/// The revision publishing `draft` writes over `stored` (if the guide
/// exists), or `None` when nothing is to be written: the same texts and
/// photos again, or `only_new` and the guide exists (built-in guides never
/// replace what an operator or expert published).
pub(crate) fn next_revision(
    stored: Option<&StoredGuide>,
    draft: &GuideDraft,
    only_new: bool,
) -> Option<u64> {
    match stored {
        None => Some(1),
        Some(_) if only_new => None,
        Some(g) if g.texts == draft.texts && g.photos == draft.photos => None,
        Some(g) => Some(g.revision + 1),
    }
}

/// The blobs (image and thumbnail) of a guide's photos.
pub(crate) fn photo_blobs(photos: &[PhotoRef]) -> impl Iterator<Item = &str> {
    photos
        .iter()
        .flat_map(|p| [p.sha256.as_str(), p.thumb_sha256.as_str()])
}

/// Publishes `drafts` over a store: `stored` reads a guide, `attachable`
/// says whether the experts hold a complete photo blob (uploaded from an
/// expert's device), `write` writes a draft at a revision (in the caller's
/// transaction). What each publish did, in the drafts' order; a photo not
/// uploaded refuses the whole call.
pub(crate) fn publish_each(
    drafts: &[GuideDraft],
    only_new: bool,
    mut stored: impl FnMut(&str) -> Result<Option<StoredGuide>>,
    mut attachable: impl FnMut(&str) -> Result<bool>,
    mut write: impl FnMut(&GuideDraft, u64) -> Result<()>,
) -> Result<Vec<Published>> {
    let mut out = Vec::with_capacity(drafts.len());
    for draft in drafts {
        let existing = stored(&draft.id)?;
        let current = existing.as_ref().map_or(0, |g| g.revision);
        let published = match next_revision(existing.as_ref(), draft, only_new) {
            Some(revision) => {
                for sha in photo_blobs(&draft.photos) {
                    check_sha(sha).map_err(|_| bad_photo())?;
                    if !attachable(sha)? {
                        return Err(HubError::Conflict(
                            "blob_missing",
                            "a photo of the guide has not finished uploading; upload it first"
                                .into(),
                        ));
                    }
                }
                write(draft, revision)?;
                Published {
                    id: draft.id.clone(),
                    revision,
                    changed: true,
                }
            }
            None => Published {
                id: draft.id.clone(),
                revision: current,
                changed: false,
            },
        };
        out.push(published);
    }
    Ok(out)
}

fn bad_photo() -> HubError {
    HubError::bad_request("invalid", "a guide's photo is named by its SHA-256")
}

/// The stored form of a guide's texts.
pub(crate) fn texts_json(texts: &[GuideText]) -> String {
    serde_json::to_string(texts).unwrap_or_else(|_| "[]".into())
}

/// A guide's texts from their stored form (none if unreadable: a row no
/// hub wrote).
pub(crate) fn texts_of(json: &str) -> Vec<GuideText> {
    serde_json::from_str(json).unwrap_or_default()
}

/// The stored form of a guide's photos.
pub(crate) fn photos_json(photos: &[PhotoRef]) -> String {
    serde_json::to_string(photos).unwrap_or_else(|_| "[]".into())
}

/// A guide's photos from their stored form.
pub(crate) fn photos_of(json: &str) -> Vec<PhotoRef> {
    serde_json::from_str(json).unwrap_or_default()
}

/// The sources of the guides every hub ships with.
const BUILT_IN: &[(&str, &str)] = &[
    (
        "light-a-live-show.en.md",
        include_str!("../../../guides/light-a-live-show.en.md"),
    ),
    (
        "light-a-live-show.zh.md",
        include_str!("../../../guides/light-a-live-show.zh.md"),
    ),
    (
        "pack-fruit-for-trucks.en.md",
        include_str!("../../../guides/pack-fruit-for-trucks.en.md"),
    ),
    (
        "pack-fruit-for-trucks.zh.md",
        include_str!("../../../guides/pack-fruit-for-trucks.zh.md"),
    ),
    (
        "price-on-air.en.md",
        include_str!("../../../guides/price-on-air.en.md"),
    ),
    (
        "price-on-air.zh.md",
        include_str!("../../../guides/price-on-air.zh.md"),
    ),
];

/// The guides every hub ships with, checked.
pub fn built_in() -> Vec<GuideDraft> {
    // Checked by a test below: a broken built-in guide fails the build's
    // tests, never a hub's start.
    drafts_from_files(BUILT_IN.iter().copied()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_built_in_guides_read_in_both_languages() {
        let drafts = drafts_from_files(BUILT_IN.iter().copied()).expect("built-in guides parse");
        let ids: Vec<&str> = drafts.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(
            ids,
            ["light-a-live-show", "pack-fruit-for-trucks", "price-on-air"]
        );
        for d in &drafts {
            let langs: Vec<&str> = d.texts.iter().map(|t| t.lang.as_str()).collect();
            assert_eq!(langs, ["en", "zh"], "{}", d.id);
        }
        assert_eq!(built_in(), drafts);
    }

    #[test]
    fn publishing_again_raises_the_revision_only_for_new_texts() {
        let draft = built_in().remove(0);
        assert_eq!(next_revision(None, &draft, false), Some(1));
        assert_eq!(next_revision(None, &draft, true), Some(1));
        let same = StoredGuide {
            revision: 3,
            texts: draft.texts.clone(),
            photos: vec![],
        };
        assert_eq!(next_revision(Some(&same), &draft, false), None);
        let mut other = same.clone();
        other.texts[0].body.push_str("\n\nMore.");
        assert_eq!(next_revision(Some(&other), &draft, false), Some(4));
        assert_eq!(next_revision(Some(&other), &draft, true), None);
        let photo = PhotoRef {
            sha256: "a".repeat(64),
            thumb_sha256: "b".repeat(64),
            width: 1600,
            height: 1000,
            bytes: 200_000,
        };
        let with_photo = StoredGuide {
            photos: vec![photo],
            ..same
        };
        assert_eq!(
            next_revision(Some(&with_photo), &draft, false),
            Some(4),
            "a photo taken out is a new revision"
        );
    }

    #[test]
    fn a_photo_not_uploaded_publishes_nothing() {
        let mut draft = built_in().remove(0);
        draft.photos = vec![PhotoRef {
            sha256: "a".repeat(64),
            thumb_sha256: "b".repeat(64),
            width: 1600,
            height: 1000,
            bytes: 200_000,
        }];
        let mut written = 0;
        let refused = publish_each(
            &[draft],
            false,
            |_| Ok(None),
            |sha| Ok(sha.starts_with('a')),
            |_, _| {
                written += 1;
                Ok(())
            },
        );
        assert!(
            matches!(refused, Err(HubError::Conflict("blob_missing", _))),
            "{refused:?}"
        );
        assert_eq!(written, 0);
    }
}
