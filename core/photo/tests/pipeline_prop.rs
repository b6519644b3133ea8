//! Property test of the whole photo pipeline on hostile bytes (issue 10):
//! damaged real photos and arbitrary bytes give a photo or a clear error,
//! never a panic, and never an output beyond the listing size.

#![allow(clippy::unwrap_used)]

use farmlive_photo::{PipelineOptions, process};
use proptest::prelude::*;

fn photo(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../../testdata/photos/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

proptest! {
    // Each case may decode a whole 4 MP photo: few cases, many edits each.
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn damaged_real_photos_give_a_photo_or_an_error(
        name in prop::sample::select(vec!["cups-2560x1600.jpg", "leaf-2560x1600.jpg"]),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..32),
        head_only in any::<bool>(),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut bytes = photo(name);
        let span = if head_only { bytes.len().min(2048) } else { bytes.len() };
        for (at, value) in edits {
            let i = at.index(span);
            bytes[i] = value;
        }
        let keep = cut.index(bytes.len() + 1).max(bytes.len() / 2);
        let options = PipelineOptions::default();
        for input in [&bytes[..], &bytes[..keep]] {
            if let Ok(out) = process(input, &options) {
                prop_assert!(out.listing.width.max(out.listing.height) <= 1280);
            }
        }
    }

    #[test]
    fn arbitrary_bytes_are_refused_cleanly(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        prop_assert!(process(&bytes, &PipelineOptions::default()).is_err());
    }
}
