//! The RTMP fuzz target's corpus, run as a test (issue 10), and property
//! tests of the decoders of what an ingest sends back (RTMP) and of FLV.
//!
//! The corpus (`fuzz/corpus/server_bytes/`) holds real nginx-rtmp replies
//! recorded on loopback (see its README); `cargo fuzz run server_bytes`
//! grows it, and every file in it runs here on each test run.

#![allow(clippy::unwrap_used)]

use farmlive_live::flv::{FlvTag, TagKind, encode_tag, file_header, parse_tags};
use farmlive_live::rtmp::parse_server_bytes;
use proptest::prelude::*;
use std::path::PathBuf;

fn corpus() -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/server_bytes");
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "bin"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    assert!(
        files.len() >= 3,
        "the corpus is missing from {}",
        dir.display()
    );
    files
}

#[test]
fn every_corpus_file_and_every_prefix_of_it_parses_without_panic() {
    for (name, bytes) in corpus() {
        let events = parse_server_bytes(&bytes);
        if name == "nginx-farmlive-accepted.session.bin" {
            // Past the handshake, nginx's answers to our own publisher must
            // decode into events (publishing started, pongs), or this test
            // would pass with a parser that reads nothing. (Recordings of
            // ffmpeg's conversation answer other transaction ids.)
            assert!(events > 0, "{name}: a real server reply must give events");
        }
        for cut in (0..bytes.len()).step_by(7) {
            parse_server_bytes(&bytes[..cut]);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_bytes_from_a_server_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        parse_server_bytes(&bytes);
    }

    #[test]
    fn mutated_real_replies_never_panic(
        pick in any::<prop::sample::Index>(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..24),
        cut in any::<prop::sample::Index>(),
    ) {
        let files = corpus();
        let mut bytes = files[pick.index(files.len())].1.clone();
        if bytes.is_empty() {
            return Ok(());
        }
        for (at, value) in edits {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        let keep = cut.index(bytes.len() + 1);
        parse_server_bytes(&bytes[..keep]);
        parse_server_bytes(&bytes);
    }

    #[test]
    fn any_bytes_as_flv_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let _ = parse_tags(&bytes);
        let mut with_header = file_header(true, true).to_vec();
        with_header.extend_from_slice(&bytes);
        let _ = parse_tags(&with_header);
    }

    #[test]
    fn flv_tags_read_back_as_written(tags in prop::collection::vec(
            (prop::sample::select(vec![TagKind::Audio, TagKind::Video, TagKind::Script]),
             any::<u32>(), prop::collection::vec(any::<u8>(), 0..300)), 0..8)) {
        let mut file = file_header(true, true).to_vec();
        for (kind, ts, body) in &tags {
            let tag = FlvTag { kind: *kind, timestamp_ms: *ts, keyframe: false, header: false, body: body.clone().into() };
            file.extend_from_slice(&encode_tag(&tag));
        }
        let read = parse_tags(&file).unwrap();
        prop_assert_eq!(read.len(), tags.len());
        for (got, (_, ts, body)) in read.iter().zip(&tags) {
            prop_assert_eq!(got.timestamp_ms, *ts);
            prop_assert_eq!(&got.body, body);
        }
    }
}
