//! The segmenter on made-up streams: where it cuts, what each segment
//! starts with, timestamps, and what it does with broken or odd input.

use super::*;
use crate::ts::{AUDIO_PID, PACKET_BYTES, VIDEO_PID, read_timestamp};
use bytes::Bytes;
use proptest::prelude::*;

const SPS: &[u8] = &[0x67, 0x42, 0xc0, 0x1e, 0xda, 0x02];
const PPS: &[u8] = &[0x68, 0xce, 0x3c, 0x80];

fn avc_header() -> FlvTag {
    let mut body = vec![0x17, 0, 0, 0, 0, 1, 0x42, 0xc0, 0x1e, 0xff, 0xe1];
    body.extend_from_slice(&(SPS.len() as u16).to_be_bytes());
    body.extend_from_slice(SPS);
    body.push(1);
    body.extend_from_slice(&(PPS.len() as u16).to_be_bytes());
    body.extend_from_slice(PPS);
    FlvTag::received(TagKind::Video, 0, Bytes::from(body))
}

fn aac_header(ts: u32) -> FlvTag {
    FlvTag::received(
        TagKind::Audio,
        ts,
        Bytes::from_static(&[0xAF, 0, 0x12, 0x10]),
    )
}

/// A picture of `size` bytes; composition time `cts` ms.
fn picture(ts: u32, keyframe: bool, cts: u32, size: usize) -> FlvTag {
    let nal_type = if keyframe { 0x65 } else { 0x41 };
    let mut body = vec![if keyframe { 0x17 } else { 0x27 }, 1];
    body.extend_from_slice(&cts.to_be_bytes()[1..]);
    body.extend_from_slice(&(size as u32 + 1).to_be_bytes());
    body.push(nal_type);
    body.resize(body.len() + size, 0xAB);
    FlvTag::received(TagKind::Video, ts, Bytes::from(body))
}

fn sound(ts: u32) -> FlvTag {
    FlvTag::received(
        TagKind::Audio,
        ts,
        Bytes::from_static(&[0xAF, 1, 0x21, 0x10, 0x04]),
    )
}

/// 25 fps with a keyframe every `gop` pictures and AAC frames between,
/// starting at `from` ms, `frames` pictures long.
fn stream(from: u32, frames: u32, gop: u32) -> Vec<FlvTag> {
    let mut tags = Vec::new();
    let mut next_audio = from;
    for n in 0..frames {
        let ts = from + n * 40;
        while next_audio <= ts {
            tags.push(sound(next_audio));
            next_audio += 23;
        }
        tags.push(picture(ts, n % gop == 0, 0, 300));
    }
    tags
}

fn run(seg: &mut Segmenter, tags: &[FlvTag]) -> Vec<Segment> {
    let mut out: Vec<Segment> = tags.iter().filter_map(|t| seg.push(t).unwrap()).collect();
    out.extend(seg.finish());
    out
}

fn pid(p: &[u8]) -> u16 {
    u16::from_be_bytes([p[1] & 0x1F, p[2]])
}

fn payload(p: &[u8]) -> &[u8] {
    if p[3] & 0x20 != 0 {
        &p[5 + usize::from(p[4])..]
    } else {
        &p[4..]
    }
}

/// (PTS, DTS) of every PES packet on `wanted`, in 90 kHz ticks.
fn pes_times(bytes: &[u8], wanted: u16) -> Vec<(u64, u64)> {
    bytes
        .chunks(PACKET_BYTES)
        .filter(|p| pid(p) == wanted && p[1] & 0x40 != 0)
        .map(|p| {
            let pes = payload(p);
            let pts = read_timestamp(pes[9..14].try_into().unwrap());
            let dts = if pes[7] & 0x40 != 0 {
                read_timestamp(pes[14..19].try_into().unwrap())
            } else {
                pts
            };
            (pts, dts)
        })
        .collect()
}

fn assert_starts_with_tables_and_a_keyframe(segment: &Segment) {
    assert_eq!(segment.bytes.len() % PACKET_BYTES, 0);
    let packets: Vec<&[u8]> = segment.bytes.chunks(PACKET_BYTES).collect();
    assert_eq!(pid(packets[0]), 0, "PAT first");
    assert_eq!(pid(packets[1]), crate::ts::PMT_PID, "PMT second");
    let first_video = packets[2];
    assert_eq!(pid(first_video), VIDEO_PID, "then the picture");
    assert_ne!(first_video[5] & 0x40, 0, "random access");
    let pes = payload(first_video);
    let es = &pes[9 + usize::from(pes[8])..];
    // AUD, SPS, PPS, IDR.
    assert_eq!(&es[..6], &[0, 0, 0, 1, 9, 0xF0]);
    assert_eq!(&es[6..10], &[0, 0, 0, 1]);
    assert_eq!(es[10], 0x67);
}

#[test]
fn segments_are_cut_at_the_first_keyframe_after_the_target() {
    // Keyframes every 12 pictures (480 ms): with a 1 s target the cut comes
    // at the third keyframe after a segment's start, 1.44 s in.
    let mut seg = Segmenter::new(SegmenterOptions::low_latency());
    let mut tags = vec![avc_header(), aac_header(0)];
    tags.extend(stream(0, 150, 12));
    let segments = run(&mut seg, &tags);
    let durations: Vec<u64> = segments.iter().map(|s| s.duration_ms).collect();
    assert_eq!(durations, vec![1_440, 1_440, 1_440, 1_440, 240]);
    let starts: Vec<u64> = segments.iter().map(|s| s.start_ms).collect();
    assert_eq!(starts, vec![0, 1_440, 2_880, 4_320, 5_760]);
    for s in &segments {
        assert_starts_with_tables_and_a_keyframe(s);
    }
    // Two-second segments: the cut waits for the keyframe at 2.4 s.
    let mut seg = Segmenter::new(SegmenterOptions::two_seconds());
    let durations: Vec<u64> = run(&mut seg, &tags).iter().map(|s| s.duration_ms).collect();
    assert_eq!(durations, vec![2_400, 2_400, 1_200]);
}

#[test]
fn nothing_starts_before_the_first_keyframe() {
    let mut seg = Segmenter::new(SegmenterOptions::low_latency());
    let mut tags = vec![avc_header(), aac_header(0)];
    // Joined just after the first keyframe: the next one is at 1 s.
    tags.extend(stream(0, 50, 25).into_iter().skip(3));
    let segments = run(&mut seg, &tags);
    // The timeline starts at the first tag (40 ms), so the keyframe of 1 s
    // is at 960 ms; audio before it is dropped.
    assert_eq!(segments[0].start_ms, 960);
    let audio = pes_times(&segments[0].bytes, AUDIO_PID);
    assert!(audio[0].0 >= (960 + TIMESTAMP_OFFSET_MS) * 90);
    assert_starts_with_tables_and_a_keyframe(&segments[0]);
}

#[test]
fn pes_timestamps_are_90khz_from_the_tag_and_its_composition_time() {
    let mut seg = Segmenter::new(SegmenterOptions::low_latency());
    let tags = [
        avc_header(),
        aac_header(0),
        picture(0, true, 80, 100),
        sound(10),
        picture(40, false, 120, 100),
        picture(80, false, 0, 100),
    ];
    let segments = run(&mut seg, &tags);
    let video = pes_times(&segments[0].bytes, VIDEO_PID);
    let at = |ms: u64| (ms + TIMESTAMP_OFFSET_MS) * 90;
    assert_eq!(
        video,
        vec![(at(80), at(0)), (at(160), at(40)), (at(80), at(80))]
    );
    assert_eq!(
        pes_times(&segments[0].bytes, AUDIO_PID),
        vec![(at(10), at(10))]
    );
    // The last picture lasts as long as the one before it.
    assert_eq!(segments[0].duration_ms, 120);
}

#[test]
fn a_publisher_that_reconnects_continues_the_timeline() {
    let mut seg = Segmenter::new(SegmenterOptions::low_latency());
    let mut tags = vec![avc_header(), aac_header(0)];
    tags.extend(stream(0, 100, 25));
    // The new session starts at 0 again, headers first.
    tags.extend([avc_header(), aac_header(0)]);
    tags.extend(stream(0, 100, 25));
    let segments = run(&mut seg, &tags);
    let starts: Vec<u64> = segments.iter().map(|s| s.start_ms).collect();
    // One picture's time after the old session's last picture (3.96 s).
    assert_eq!(
        starts,
        vec![0, 1_000, 2_000, 3_000, 4_000, 5_000, 6_000, 7_000]
    );
    let mut last_dts = 0;
    for s in &segments {
        for (_, dts) in pes_times(&s.bytes, VIDEO_PID) {
            assert!(
                dts > last_dts || last_dts == 0,
                "DTS rises: {dts} after {last_dts}"
            );
            last_dts = dts;
        }
    }
}

#[test]
fn a_broken_tag_is_refused_and_changes_nothing() {
    let good = {
        let mut tags = vec![avc_header(), aac_header(0)];
        tags.extend(stream(0, 60, 25));
        tags
    };
    let mut seg = Segmenter::new(SegmenterOptions::low_latency());
    let want = run(&mut seg, &good);

    let mut seg = Segmenter::new(SegmenterOptions::low_latency());
    let mut got = Vec::new();
    let hostile = [
        FlvTag::received(
            TagKind::Video,
            5,
            Bytes::from_static(&[0x17, 1, 0, 0, 0, 0, 0, 0, 9, 0x65]),
        ),
        FlvTag::received(
            TagKind::Video,
            5,
            Bytes::from_static(&[0x17, 0, 0, 0, 0, 2]),
        ),
        FlvTag::received(TagKind::Video, 5, Bytes::from_static(&[0x1C, 1, 0, 0, 0])),
        FlvTag::received(
            TagKind::Audio,
            5,
            Bytes::from_static(&[0xAF, 0, 0x17, 0x80]),
        ),
        FlvTag::received(TagKind::Audio, 5, Bytes::from_static(&[0x2F, 1, 1])),
        FlvTag::received(TagKind::Audio, 5, Bytes::new()),
    ];
    for (n, tag) in good.iter().enumerate() {
        if n == 30 {
            for bad in &hostile {
                assert!(seg.push(bad).is_err(), "{bad:?}");
            }
        }
        got.extend(seg.push(tag).unwrap());
    }
    got.extend(seg.finish());
    assert_eq!(got, want);
}

#[test]
fn frames_before_their_sequence_header_are_refused() {
    let mut seg = Segmenter::new(SegmenterOptions::low_latency());
    assert_eq!(
        seg.push(&picture(0, true, 0, 10)),
        Err(MediaError::MissingConfig("video"))
    );
    assert_eq!(seg.push(&sound(0)), Err(MediaError::MissingConfig("audio")));
    assert_eq!(seg.finish(), None);
}

#[test]
fn a_stream_without_keyframes_is_bounded_in_memory() {
    let options = SegmenterOptions {
        max_segment_bytes: 10_000,
        ..SegmenterOptions::low_latency()
    };
    let mut seg = Segmenter::new(options);
    let mut tags = vec![avc_header(), aac_header(0)];
    // One keyframe, then 10 s of inter pictures, then a keyframe.
    tags.extend(stream(0, 250, 1_000));
    tags.push(picture(10_000, true, 0, 300));
    let segments = run(&mut seg, &tags);
    assert_eq!(segments.len(), 2);
    assert!(segments[0].bytes.len() <= 10_000);
    assert_eq!(segments[1].start_ms, 10_000);
    assert_starts_with_tables_and_a_keyframe(&segments[1]);
}

#[test]
fn audio_configured_late_joins_at_the_next_segment() {
    let mut seg = Segmenter::new(SegmenterOptions::low_latency());
    let mut tags = vec![avc_header()];
    let mut rest = stream(0, 50, 25);
    let second_half = rest.split_off(rest.len() / 3);
    tags.extend(rest.into_iter().filter(|t| t.kind == TagKind::Video));
    tags.push(aac_header(400));
    tags.extend(second_half);
    let segments = run(&mut seg, &tags);
    assert!(pes_times(&segments[0].bytes, AUDIO_PID).is_empty());
    assert!(!pes_times(&segments[1].bytes, AUDIO_PID).is_empty());
}

#[test]
fn a_gap_closes_the_segment_and_waits_for_a_keyframe() {
    let mut seg = Segmenter::new(SegmenterOptions::low_latency());
    let mut out = Vec::new();
    for tag in [
        avc_header(),
        picture(0, true, 0, 10),
        picture(40, false, 0, 10),
    ] {
        out.extend(seg.push(&tag).unwrap());
    }
    let closed = seg.gap().unwrap();
    assert_eq!((closed.start_ms, closed.duration_ms), (0, 80));
    assert_eq!(seg.push(&picture(80, false, 0, 10)), Ok(None));
    assert_eq!(seg.finish(), None, "nothing opened without a keyframe");
    seg.push(&picture(120, true, 0, 10)).unwrap();
    assert_eq!(seg.finish().unwrap().start_ms, 120);
}

fn any_tag() -> impl Strategy<Value = FlvTag> {
    let kind = prop_oneof![
        Just(TagKind::Video),
        Just(TagKind::Audio),
        Just(TagKind::Script)
    ];
    (
        kind,
        0u32..100_000,
        proptest::collection::vec(any::<u8>(), 0..40),
    )
        .prop_map(|(k, ts, body)| FlvTag::received(k, ts, Bytes::from(body)))
}

proptest! {
    #[test]
    fn hostile_streams_never_panic_and_give_whole_packets(
        tags in proptest::collection::vec(any_tag(), 0..60),
        real_after in 0usize..60,
    ) {
        let mut seg = Segmenter::new(SegmenterOptions::low_latency());
        let mut segments = Vec::new();
        for (n, tag) in tags.iter().enumerate() {
            if n == real_after {
                for t in [avc_header(), aac_header(0)] {
                    let _ = seg.push(&t);
                }
            }
            if let Ok(Some(s)) = seg.push(tag) {
                segments.push(s);
            }
        }
        segments.extend(seg.finish());
        for s in &segments {
            prop_assert_eq!(s.bytes.len() % PACKET_BYTES, 0);
            prop_assert!(s.duration_ms >= 1);
        }
    }
}
