//! The relay without sockets or clocks: time is passed in.

use super::*;
use farmlive_media::flv::{ParsedTag, TagKind, parse_tags};
use std::sync::{Arc, Mutex};

fn tag(kind: TagKind, ts: u32, body: &[u8]) -> FlvTag {
    FlvTag::received(kind, ts, Bytes::copy_from_slice(body))
}
fn metadata() -> FlvTag {
    tag(
        TagKind::Script,
        0,
        b"\x02\x00\x0aonMetaData\x08\0\0\0\0\0\0\x09",
    )
}
fn video_header(v: u8) -> FlvTag {
    tag(TagKind::Video, 0, &[0x17, 0, 0, 0, 0, 1, 0x42, 0, v])
}
fn audio_header() -> FlvTag {
    tag(TagKind::Audio, 0, &[0xaf, 0, 0x12, 0x10])
}
fn keyframe(ts: u32) -> FlvTag {
    tag(TagKind::Video, ts, &[0x17, 1, 0, 0, 0, 9, 9, 9])
}
fn inter(ts: u32) -> FlvTag {
    tag(TagKind::Video, ts, &[0x27, 1, 0, 0, 0, 7])
}
fn audio(ts: u32) -> FlvTag {
    tag(TagKind::Audio, ts, &[0xaf, 1, 3])
}

fn limits() -> RelayLimits {
    RelayLimits {
        queue_bytes: 1 << 20,
        queue_tags: 30,
        queue_ms: 60_000,
        gop_bytes: 1 << 20,
        gop_tags: 100,
        stall: Duration::from_secs(5),
    }
}

/// Pushes the headers, then `gops` GOPs of one keyframe, 9 pictures and 10
/// audio frames each (40 ms apart), from `start` ms.
fn publish(relay: &mut Relay, now: Instant, start: u32, gops: u32) {
    for t in [metadata(), video_header(1), audio_header()] {
        relay.push(t.at(start), now);
    }
    for g in 0..gops {
        for i in 0..10 {
            let ts = start + (g * 10 + i) * 40;
            relay.push(if i == 0 { keyframe(ts) } else { inter(ts) }, now);
            relay.push(audio(ts + 5), now);
        }
    }
}

/// What a viewer took, as FLV tags (the bytes must start with the header).
fn parse(chunks: &[Bytes]) -> Vec<ParsedTag> {
    let all: Vec<u8> = chunks.iter().flat_map(|c| c.iter().copied()).collect();
    parse_tags(&all).expect("an FLV header first")
}

fn take(relay: &mut Relay, id: ViewerId) -> Vec<Bytes> {
    match relay.take(id) {
        Take::Data(d) => d,
        other => panic!("expected data, got {other:?}"),
    }
}

fn is_keyframe(t: &ParsedTag) -> bool {
    t.kind == 9 && t.body[0] == 0x17 && t.body[1] == 1
}

fn monotonic(tags: &[ParsedTag]) -> bool {
    tags.windows(2)
        .all(|w| w[0].timestamp_ms <= w[1].timestamp_ms)
}

#[test]
fn a_new_viewer_starts_with_the_headers_and_the_last_keyframe() {
    let now = Instant::now();
    let mut relay = Relay::new(limits());
    publish(&mut relay, now, 1_000, 2);
    relay.push(inter(1_800), now);
    let v = relay.add_viewer(now);
    let tags = parse(&take(&mut relay, v));
    let kinds: Vec<u8> = tags.iter().map(|t| t.kind).collect();
    assert_eq!(
        &kinds[..3],
        &[18, 9, 8],
        "metadata, video and audio headers"
    );
    assert_eq!(tags[1].body[1], 0, "the AVC sequence header");
    assert!(is_keyframe(&tags[3]), "then the last keyframe at once");
    assert_eq!(tags[3].timestamp_ms, 1_400, "the second GOP's keyframe");
    assert!(tags[..3].iter().all(|t| t.timestamp_ms == 1_400));
    assert_eq!(
        tags.len(),
        3 + 20 + 1,
        "the whole GOP cache and the newest picture"
    );
    assert!(monotonic(&tags));
    assert_eq!(relay.take(v), Take::Wait);
    relay.push(audio(1_850), now);
    let more = take(&mut relay, v);
    assert_eq!(more.len(), 1);
}

#[test]
fn a_viewer_before_the_first_keyframe_waits_for_it() {
    let now = Instant::now();
    let mut relay = Relay::new(limits());
    let v = relay.add_viewer(now);
    for t in [video_header(1), audio_header(), audio(0), inter(0)] {
        relay.push(t, now);
    }
    assert_eq!(relay.take(v), Take::Wait, "nothing before a keyframe");
    relay.push(keyframe(40), now);
    let chunks = take(&mut relay, v);
    assert_eq!(&chunks[0][..5], b"FLV\x01\x05", "audio and video flagged");
    let tags = parse(&chunks);
    assert_eq!(tags.len(), 3);
    assert!(is_keyframe(&tags[2]));
}

#[test]
fn a_slow_viewer_skips_to_a_keyframe_while_a_fast_one_gets_everything() {
    let now = Instant::now();
    let mut relay = Relay::new(limits());
    let fast = relay.add_viewer(now);
    let slow = relay.add_viewer(now);
    let mut fast_got = Vec::new();
    let mut slow_got = Vec::new();
    for t in [metadata(), video_header(1), audio_header()] {
        relay.push(t, now);
    }
    for g in 0..6u32 {
        for i in 0..10u32 {
            let ts = (g * 10 + i) * 40;
            relay.push(if i == 0 { keyframe(ts) } else { inter(ts) }, now);
            relay.push(audio(ts + 5), now);
            fast_got.extend(take(&mut relay, fast));
            // The slow one reads once every two GOPs: past its bound.
            if i == 3 && g % 2 == 0 {
                if let Take::Data(d) = relay.take(slow) {
                    slow_got.extend(d);
                }
            }
        }
    }
    let fast_tags = parse(&fast_got);
    assert_eq!(fast_tags.len(), 3 + 120, "every header and frame");
    assert_eq!(relay.viewer_stats(fast).map(|s| s.skips), Some(0));
    let stats = relay.viewer_stats(slow).expect("still there");
    assert!(stats.skips >= 1, "{stats:?}");
    assert!(stats.queued_tags <= 30);
    let slow_tags = parse(&slow_got);
    assert!(monotonic(&slow_tags), "timestamps never go back");
    assert!(slow_tags.len() < fast_tags.len());
    // After each gap, the slow viewer resumes at a keyframe, never mid-GOP.
    let mut resumed = 0;
    for i in 1..slow_tags.len() {
        let gap = slow_tags[i].timestamp_ms - slow_tags[i - 1].timestamp_ms;
        if gap > 45 {
            let picture = slow_tags[i..]
                .iter()
                .find(|t| t.kind == 9 && t.body[1] == 1)
                .expect("a picture after the gap");
            assert!(
                is_keyframe(picture),
                "resumed at {} mid-GOP",
                picture.timestamp_ms
            );
            resumed += 1;
        }
    }
    assert!(resumed >= 2, "resumed {resumed} times");
}

#[test]
fn a_stalled_viewer_is_dropped_and_the_others_go_on() {
    let t0 = Instant::now();
    let mut relay = Relay::new(limits());
    publish(&mut relay, t0, 0, 1);
    let stuck = relay.add_viewer(t0);
    let reader = relay.add_viewer(t0);
    let mut dropped = Vec::new();
    for s in 1..=8u32 {
        let now = t0 + Duration::from_secs(u64::from(s));
        dropped.extend(relay.push(audio(400 + s * 20), now));
        assert!(matches!(relay.take(reader), Take::Data(_)));
    }
    assert_eq!(dropped, vec![stuck], "dropped once, after 5 s");
    assert_eq!(relay.take(stuck), Take::End(End::Stalled));
    assert_eq!(relay.viewer_stats(stuck).map(|s| s.queued_tags), Some(0));
    assert_eq!(relay.viewer_count(), 1);
    relay.remove_viewer(stuck);
    assert_eq!(relay.take(stuck), Take::End(End::Gone));
}

#[test]
fn a_quiet_stream_does_not_count_as_a_stall() {
    let t0 = Instant::now();
    let mut relay = Relay::new(limits());
    publish(&mut relay, t0, 0, 1);
    let v = relay.add_viewer(t0);
    take(&mut relay, v);
    // The publisher pauses for a minute (a phone reconnecting).
    let later = t0 + Duration::from_secs(60);
    assert!(relay.push(audio(500), later).is_empty());
    assert!(matches!(relay.take(v), Take::Data(_)));
}

#[test]
fn the_publisher_never_waits_and_queues_stay_bounded() {
    let now = Instant::now();
    let mut relay = Relay::new(limits());
    let viewers: Vec<ViewerId> = (0..200).map(|_| relay.add_viewer(now)).collect();
    publish(&mut relay, now, 0, 100);
    for v in viewers {
        let s = relay.viewer_stats(v).expect("viewer");
        assert!(s.queued_tags <= 30 && s.queued_bytes <= 1 << 20, "{s:?}");
    }
}

#[test]
fn every_viewer_gets_the_same_bytes_not_a_copy() {
    let now = Instant::now();
    let mut relay = Relay::new(limits());
    let (a, b) = (relay.add_viewer(now), relay.add_viewer(now));
    publish(&mut relay, now, 0, 1);
    let (ta, tb) = (take(&mut relay, a), take(&mut relay, b));
    let last = |d: &[Bytes]| d.last().map(|b| b.as_ptr());
    assert_eq!(last(&ta), last(&tb), "one allocation per tag");
}

#[test]
fn a_new_publisher_resends_headers_and_keeps_time_going_forward() {
    let now = Instant::now();
    let mut relay = Relay::new(limits());
    publish(&mut relay, now, 0, 2);
    let v = relay.add_viewer(now);
    let mut got = take(&mut relay, v);
    relay.publisher_started();
    relay.push(inter(0), now);
    assert_eq!(relay.take(v), Take::Wait, "nothing before the new keyframe");
    for t in [video_header(2), audio_header(), keyframe(0), audio(5)] {
        relay.push(t, now);
    }
    got.extend(take(&mut relay, v));
    let tags = parse(&got);
    assert!(monotonic(&tags));
    let n = tags.len();
    assert_eq!(tags[n - 4].body[8], 2, "the new video header again");
    assert_eq!(tags[n - 3].kind, 8, "and the audio header");
    assert!(is_keyframe(&tags[n - 2]));
    assert_eq!(
        tags[n - 2].timestamp_ms,
        765,
        "continues from the last tag out"
    );
}

#[test]
fn metadata_mid_stream_does_not_move_the_clock() {
    let now = Instant::now();
    let mut relay = Relay::new(limits());
    publish(&mut relay, now, 10_000, 1);
    let v = relay.add_viewer(now);
    take(&mut relay, v);
    relay.push(metadata(), now);
    relay.push(inter(10_400), now);
    const HEADER: [u8; 13] = farmlive_media::flv::file_header(true, true);
    let mut chunks = vec![Bytes::from_static(&HEADER)];
    chunks.extend(take(&mut relay, v));
    let tags = parse(&chunks);
    assert_eq!(tags.len(), 2);
    assert_eq!(tags[0].kind, 18);
    assert_eq!(
        tags[0].timestamp_ms, 10_365,
        "stamped with the last time out"
    );
    assert_eq!(
        tags[1].timestamp_ms, 10_400,
        "the pictures' clock is unchanged"
    );
}

#[test]
fn a_header_lost_in_a_skip_is_sent_again_at_the_keyframe() {
    let now = Instant::now();
    let mut relay = Relay::new(limits());
    publish(&mut relay, now, 0, 1);
    let v = relay.add_viewer(now);
    let mut got = take(&mut relay, v);
    // A new video header goes into the queue, then the viewer falls behind.
    relay.push(video_header(7).at(400), now);
    for i in 0..40 {
        relay.push(inter(400 + i * 10), now);
    }
    assert_eq!(relay.viewer_stats(v).map(|s| s.skips), Some(1));
    relay.push(keyframe(900), now);
    got.extend(take(&mut relay, v));
    let tags = parse(&got);
    let resumed = tags
        .iter()
        .position(|t| t.timestamp_ms == 900)
        .expect("resumed");
    assert_eq!(tags[resumed].kind, 18, "metadata first again");
    assert_eq!(
        tags[resumed + 1].body[8],
        7,
        "the new video header, not lost"
    );
    assert!(is_keyframe(&tags[resumed + 3]));
    assert!(monotonic(&tags));
}

#[derive(Default)]
struct Seen {
    tags: Vec<(u8, u32)>,
    changes: u32,
    closed: bool,
}

struct Recorder(Arc<Mutex<Seen>>);

impl TagSink for Recorder {
    fn tag(&mut self, tag: &FlvTag) {
        let mut seen = self.0.lock().expect("lock");
        seen.tags.push((tag.kind.code(), tag.timestamp_ms));
    }
    fn publisher_changed(&mut self) {
        self.0.lock().expect("lock").changes += 1;
    }
    fn close(&mut self) {
        self.0.lock().expect("lock").closed = true;
    }
}

#[test]
fn a_sink_sees_every_tag_and_is_never_dropped() {
    let t0 = Instant::now();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let mut relay = Relay::new(limits());
    relay.add_sink(Box::new(Recorder(seen.clone())));
    publish(&mut relay, t0, 0, 5);
    relay.publisher_started();
    publish(&mut relay, t0 + Duration::from_secs(60), 0, 1);
    let v = relay.add_viewer(t0);
    relay.close();
    assert!(matches!(relay.take(v), Take::Data(_)), "queued data first");
    assert_eq!(relay.take(v), Take::End(End::Closed));
    relay.push(audio(9_999), t0);
    let seen = seen.lock().expect("lock");
    assert_eq!(seen.tags.len(), 3 + 100 + 3 + 20);
    assert!(seen.tags.windows(2).all(|w| w[0].1 <= w[1].1));
    assert_eq!((seen.changes, seen.closed), (1, true));
}

#[test]
fn a_bounded_take_gives_whole_tags_and_leaves_the_rest_queued() {
    let now = Instant::now();
    let mut relay = Relay::new(limits());
    publish(&mut relay, now, 0, 1);
    let v = relay.add_viewer(now);
    let before = relay.viewer_stats(v).expect("there");
    // Too small for any tag: still one (the FLV file header) goes.
    let Take::Data(one) = relay.take_upto(v, 1) else {
        panic!("data")
    };
    assert_eq!(one.len(), 1);
    let Take::Data(some) = relay.take_upto(v, 100) else {
        panic!("data")
    };
    let taken: usize = some.iter().map(Bytes::len).sum();
    assert!(taken <= 100 && !some.is_empty(), "{taken} bytes");
    let after = relay.viewer_stats(v).expect("there");
    assert_eq!(after.queued_tags, before.queued_tags - 1 - some.len());
    assert_eq!(
        after.queued_bytes,
        before.queued_bytes - one[0].len() - taken
    );
    // The rest, in order, is the stream a whole take would have given.
    let rest = take(&mut relay, v);
    let tags = parse(&[one, some, rest].concat());
    assert_eq!(tags.len(), 3 + 20, "the headers and the GOP, nothing lost");
    assert!(monotonic(&tags));
}

#[test]
fn a_viewer_slower_than_the_stream_stays_within_the_queue_bound_of_live() {
    // A driver that takes only what its socket can soon send (one tag a
    // tick here, half of what is pushed) keeps the backlog in the relay,
    // so its media-time bound holds the viewer's lag.
    let now = Instant::now();
    let mut relay = Relay::new(RelayLimits {
        queue_ms: 1_000,
        queue_tags: 1_000,
        ..limits()
    });
    let slow = relay.add_viewer(now);
    for t in [metadata(), video_header(1), audio_header()] {
        relay.push(t, now);
    }
    let mut got = Vec::new();
    let mut worst_lag = 0;
    for i in 0..300u32 {
        let ts = i * 40;
        relay.push(if i % 10 == 0 { keyframe(ts) } else { inter(ts) }, now);
        relay.push(audio(ts + 5), now);
        if let Take::Data(d) = relay.take_upto(slow, 1) {
            got.extend(d);
        }
        if let Some(newest) = parse(&got).last().filter(|t| t.kind == 9) {
            worst_lag = worst_lag.max(ts - newest.timestamp_ms);
        }
    }
    let stats = relay.viewer_stats(slow).expect("there");
    assert!(stats.skips >= 3, "{stats:?}");
    assert!(
        worst_lag <= 1_000 + 40,
        "lag {worst_lag} ms past the 1 s bound"
    );
    let tags = parse(&got);
    assert!(monotonic(&tags));
}
