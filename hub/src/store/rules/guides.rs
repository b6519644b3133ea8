//! Guides, for both stores: what publishing a draft does to the stored
//! guide, and the three guides every hub ships with (`hub/guides/`,
//! written for this project in Chinese and English).

use farmlive_protocol::guides::{GuideDraft, GuideText, drafts_from_files};

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

/// The revision publishing `draft` writes over `stored` (its revision and
/// texts, if the guide exists), or `None` when nothing is to be written:
/// the same texts again, or `only_new` and the guide exists (built-in
/// guides never replace what an operator or expert published).
pub(crate) fn next_revision(
    stored: Option<(u64, Vec<GuideText>)>,
    draft: &GuideDraft,
    only_new: bool,
) -> Option<u64> {
    match stored {
        None => Some(1),
        Some(_) if only_new => None,
        Some((_, texts)) if texts == draft.texts => None,
        Some((revision, _)) => Some(revision + 1),
    }
}

/// Publishes `drafts` over a store: `stored` reads a guide's revision and
/// texts, `write` writes a draft at a revision (in the caller's
/// transaction). What each publish did, in the drafts' order.
pub(crate) fn publish_each(
    drafts: &[GuideDraft],
    only_new: bool,
    mut stored: impl FnMut(&str) -> crate::error::Result<Option<(u64, Vec<GuideText>)>>,
    mut write: impl FnMut(&GuideDraft, u64) -> crate::error::Result<()>,
) -> crate::error::Result<Vec<Published>> {
    let mut out = Vec::with_capacity(drafts.len());
    for draft in drafts {
        let existing = stored(&draft.id)?;
        let current = existing.as_ref().map_or(0, |(revision, _)| *revision);
        let published = match next_revision(existing, draft, only_new) {
            Some(revision) => {
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

/// The stored form of a guide's texts.
pub(crate) fn texts_json(texts: &[GuideText]) -> String {
    serde_json::to_string(texts).unwrap_or_else(|_| "[]".into())
}

/// A guide's texts from their stored form (none if unreadable: a row no
/// hub wrote).
pub(crate) fn texts_of(json: &str) -> Vec<GuideText> {
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
        let same = Some((3, draft.texts.clone()));
        assert_eq!(next_revision(same.clone(), &draft, false), None);
        let mut other = draft.texts.clone();
        other[0].body.push_str("\n\nMore.");
        assert_eq!(
            next_revision(Some((3, other.clone())), &draft, false),
            Some(4)
        );
        assert_eq!(next_revision(Some((3, other)), &draft, true), None);
    }
}
