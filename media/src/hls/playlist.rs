//! HLS media playlists (RFC 8216): the live one, a sliding window of the
//! newest segments, and the replay (VOD), every segment and an end. Plus
//! the segment file names, which the hub also checks requests against.

use std::collections::VecDeque;

/// One segment as a playlist lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SegmentEntry {
    /// Its media sequence number; names the file ([`segment_name`]).
    pub sequence: u64,
    /// How long it plays, ms.
    pub duration_ms: u64,
}

/// The file name of segment `sequence`: `seg000042.ts`.
pub fn segment_name(sequence: u64) -> String {
    format!("seg{sequence:06}.ts")
}

/// The sequence number a segment file name stands for, if `name` is
/// exactly what [`segment_name`] makes (so nothing else, no path, passes).
pub fn parse_segment_name(name: &str) -> Option<u64> {
    let digits = name.strip_prefix("seg")?.strip_suffix(".ts")?;
    if digits.is_empty() || digits.len() > 20 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sequence = digits.parse().ok()?;
    (segment_name(sequence) == name).then_some(sequence)
}

/// `EXT-X-TARGETDURATION`: whole seconds no segment's duration, rounded
/// to the nearest second, exceeds (RFC 8216 4.3.3.1), and at least the
/// segmenter's target.
pub fn target_duration(segments: &[SegmentEntry], target_ms: u64) -> u64 {
    let longest = segments.iter().map(|s| s.duration_ms).max().unwrap_or(0);
    (longest.saturating_add(500) / 1_000)
        .max(target_ms.div_ceil(1_000))
        .max(1)
}

fn header(out: &mut String, segments: &[SegmentEntry], target_ms: u64) {
    let first = segments.first().map_or(0, |s| s.sequence);
    out.push_str("#EXTM3U\n#EXT-X-VERSION:3\n");
    out.push_str(&format!(
        "#EXT-X-TARGETDURATION:{}\n",
        target_duration(segments, target_ms)
    ));
    out.push_str(&format!("#EXT-X-MEDIA-SEQUENCE:{first}\n"));
    out.push_str("#EXT-X-INDEPENDENT-SEGMENTS\n");
}

fn entries(out: &mut String, segments: &[SegmentEntry]) {
    let mut previous: Option<u64> = None;
    for s in segments {
        // Numbers run on within one recording; a jump is where a show
        // moved to another writer (another hub process), whose timestamps
        // start afresh: players must be told (RFC 8216 4.3.2.3).
        if previous.is_some_and(|p| p.checked_add(1) != Some(s.sequence)) {
            out.push_str("#EXT-X-DISCONTINUITY\n");
        }
        previous = Some(s.sequence);
        out.push_str(&format!(
            "#EXTINF:{}.{:03},\n{}\n",
            s.duration_ms / 1_000,
            s.duration_ms % 1_000,
            segment_name(s.sequence)
        ));
    }
}

/// The live playlist of `window` (the newest segments, oldest first).
/// `ended`: the show is over, and players stop reloading (`EXT-X-ENDLIST`).
pub fn live_playlist(window: &[SegmentEntry], target_ms: u64, ended: bool) -> String {
    let mut out = String::with_capacity(200 + 40 * window.len());
    header(&mut out, window, target_ms);
    entries(&mut out, window);
    if ended {
        out.push_str("#EXT-X-ENDLIST\n");
    }
    out
}

/// The replay: every recorded segment, a VOD playlist that ends.
pub fn vod_playlist(segments: &[SegmentEntry], target_ms: u64) -> String {
    let mut out = String::with_capacity(200 + 40 * segments.len());
    header(&mut out, segments, target_ms);
    out.push_str("#EXT-X-PLAYLIST-TYPE:VOD\n");
    entries(&mut out, segments);
    out.push_str("#EXT-X-ENDLIST\n");
    out
}

/// The segments of a playlist [`vod_playlist`] or [`live_playlist`] wrote,
/// in its order: each segment line with the `#EXTINF` duration before it.
/// `None` if `text` is not such a playlist (no `#EXTM3U` first, a segment
/// without its duration, or a line naming anything but a segment).
pub fn parse_playlist(text: &str) -> Option<Vec<SegmentEntry>> {
    let mut lines = text.lines();
    if lines.next()? != "#EXTM3U" {
        return None;
    }
    let mut out = Vec::new();
    let mut duration_ms = None;
    for line in lines.map(str::trim).filter(|l| !l.is_empty()) {
        if let Some(extinf) = line.strip_prefix("#EXTINF:") {
            let seconds = extinf.split(',').next()?;
            let (whole, fraction) = seconds.split_once('.').unwrap_or((seconds, "0"));
            let fraction = format!("{fraction:0<3}");
            let ms = whole
                .parse::<u64>()
                .ok()?
                .checked_mul(1_000)?
                .checked_add(fraction.get(..3)?.parse::<u64>().ok()?)?;
            duration_ms = Some(ms);
        } else if !line.starts_with('#') {
            out.push(SegmentEntry {
                sequence: parse_segment_name(line)?,
                duration_ms: duration_ms.take()?,
            });
        }
    }
    Some(out)
}

/// The recording of a show written in parts (by several writers): every
/// segment of `a` and of `b`, once each, in sequence order. Where both
/// list a sequence, `a`'s entry stays.
pub fn merge_recordings(a: &[SegmentEntry], b: &[SegmentEntry]) -> Vec<SegmentEntry> {
    let mut by_sequence = std::collections::BTreeMap::new();
    for s in b.iter().chain(a) {
        by_sequence.insert(s.sequence, *s);
    }
    by_sequence.into_values().collect()
}

/// The live playlist's sliding window: the newest `size` segments.
#[derive(Debug, Clone)]
pub struct LiveWindow {
    size: usize,
    segments: VecDeque<SegmentEntry>,
}

impl LiveWindow {
    /// A window of at most `size` segments (at least 1).
    pub fn new(size: usize) -> LiveWindow {
        LiveWindow {
            size: size.max(1),
            segments: VecDeque::new(),
        }
    }

    /// Adds the newest segment; returns the one that slid out, if any.
    pub fn push(&mut self, segment: SegmentEntry) -> Option<SegmentEntry> {
        self.segments.push_back(segment);
        (self.segments.len() > self.size)
            .then(|| self.segments.pop_front())
            .flatten()
    }

    /// The segments in the window, oldest first.
    pub fn segments(&self) -> Vec<SegmentEntry> {
        self.segments.iter().copied().collect()
    }

    /// The live playlist of the window (see [`live_playlist`]).
    pub fn playlist(&self, target_ms: u64, ended: bool) -> String {
        live_playlist(&self.segments(), target_ms, ended)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(sequence: u64, duration_ms: u64) -> SegmentEntry {
        SegmentEntry {
            sequence,
            duration_ms,
        }
    }

    #[test]
    fn a_written_playlist_parses_back_and_parts_merge_with_a_discontinuity() {
        let first = [seg(0, 1_000), seg(1, 2_040)];
        let text = vod_playlist(&first, 1_000);
        assert_eq!(parse_playlist(&text), Some(first.to_vec()));
        // The show went on through another writer, numbered past a gap.
        let second = [seg(1_003, 1_500), seg(1_004, 999)];
        let merged = merge_recordings(&second, &first);
        assert_eq!(merged, [first.to_vec(), second.to_vec()].concat());
        let text = vod_playlist(&merged, 1_000);
        assert_eq!(text.matches("#EXT-X-DISCONTINUITY").count(), 1, "{text}");
        assert!(
            text.contains("seg000001.ts\n#EXT-X-DISCONTINUITY\n#EXTINF:1.500,\nseg001003.ts"),
            "{text}"
        );
        assert_eq!(parse_playlist(&text), Some(merged));
        // What a writer did not make is refused, not half read.
        for bad in [
            "",
            "#EXTINF:1.0,\nseg000000.ts\n",
            "#EXTM3U\nseg000000.ts\n",
            "#EXTM3U\n#EXTINF:1.0,\n../etc/passwd\n",
            "#EXTM3U\n#EXTINF:x,\nseg000000.ts\n",
        ] {
            assert_eq!(parse_playlist(bad), None, "{bad:?}");
        }
        assert_eq!(
            parse_playlist("#EXTM3U\n#EXTINF:2.5,\nseg000009.ts\n"),
            Some(vec![seg(9, 2_500)])
        );
    }

    #[test]
    fn the_live_playlist_lists_the_window_from_its_media_sequence() {
        let text = live_playlist(&[seg(7, 1_000), seg(8, 1_040)], 1_000, false);
        assert_eq!(
            text,
            "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:7\n\
             #EXT-X-INDEPENDENT-SEGMENTS\n#EXTINF:1.000,\nseg000007.ts\n#EXTINF:1.040,\nseg000008.ts\n"
        );
        assert!(live_playlist(&[seg(7, 1_000)], 1_000, true).ends_with("#EXT-X-ENDLIST\n"));
    }

    #[test]
    fn the_replay_lists_everything_and_ends() {
        let text = vod_playlist(&[seg(0, 2_000), seg(1, 2_520), seg(2, 480)], 2_000);
        assert!(text.contains("#EXT-X-TARGETDURATION:3\n"), "{text}");
        assert!(text.contains("#EXT-X-MEDIA-SEQUENCE:0\n"));
        assert!(text.contains("#EXT-X-PLAYLIST-TYPE:VOD\n"));
        assert!(text.contains("#EXTINF:0.480,\nseg000002.ts\n"));
        assert!(text.ends_with("#EXTINF:0.480,\nseg000002.ts\n#EXT-X-ENDLIST\n"));
        assert_eq!(text.matches("#EXTINF").count(), 3);
    }

    #[test]
    fn the_target_duration_covers_every_rounded_segment() {
        assert_eq!(target_duration(&[], 1_000), 1);
        assert_eq!(target_duration(&[seg(0, 1_499)], 1_000), 1);
        assert_eq!(target_duration(&[seg(0, 1_500)], 1_000), 2);
        assert_eq!(target_duration(&[seg(0, 400)], 2_000), 2);
        assert_eq!(target_duration(&[seg(0, 6_200), seg(1, 100)], 1_000), 6);
    }

    #[test]
    fn the_window_slides_and_the_media_sequence_rises() {
        let mut window = LiveWindow::new(3);
        let mut slid = Vec::new();
        let mut sequences = Vec::new();
        for n in 0..10 {
            slid.extend(window.push(seg(n, 1_000)));
            assert!(window.segments().len() <= 3);
            let text = window.playlist(1_000, false);
            let media_sequence: u64 = text
                .lines()
                .find_map(|l| l.strip_prefix("#EXT-X-MEDIA-SEQUENCE:"))
                .and_then(|v| v.parse().ok())
                .unwrap();
            sequences.push(media_sequence);
        }
        assert_eq!(sequences, vec![0, 0, 0, 1, 2, 3, 4, 5, 6, 7]);
        assert_eq!(
            slid.iter().map(|s| s.sequence).collect::<Vec<_>>(),
            (0..7).collect::<Vec<_>>()
        );
    }

    #[test]
    fn only_canonical_segment_names_parse() {
        assert_eq!(parse_segment_name("seg000042.ts"), Some(42));
        assert_eq!(
            parse_segment_name(&segment_name(12_345_678)),
            Some(12_345_678)
        );
        for bad in [
            "seg42.ts",
            "seg0000042.ts",
            "seg../../x.ts",
            "seg000042.ts/",
            "../seg000042.ts",
            "seg000042.TS",
            "seg+00042.ts",
            "seg.ts",
            "live.m3u8",
            "seg99999999999999999999999.ts",
        ] {
            assert_eq!(parse_segment_name(bad), None, "{bad}");
        }
    }
}
