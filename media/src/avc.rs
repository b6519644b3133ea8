//! H.264 as FLV carries it, made into what MPEG-TS carries.
//!
//! FLV (and MP4) hold H.264 as AVCC: each NAL unit prefixed by its length,
//! and the parameter sets (SPS, PPS) once, in the sequence header's
//! `AVCDecoderConfigurationRecord` (avcC). MPEG-TS holds Annex B: NAL units
//! after `00 00 00 01` start codes, each access unit opened by an access
//! unit delimiter, and since a segment must decode on its own, the
//! parameter sets again before every IDR picture.

use crate::error::{MediaError, need};

/// The video codec id of H.264 in an FLV video tag.
pub const CODEC_AVC: u8 = 7;
/// NAL unit type of an IDR slice.
pub const NAL_IDR: u8 = 5;
/// NAL unit type of a sequence parameter set.
pub const NAL_SPS: u8 = 7;
/// NAL unit type of a picture parameter set.
pub const NAL_PPS: u8 = 8;
/// NAL unit type of an access unit delimiter.
pub const NAL_AUD: u8 = 9;

const START_CODE: [u8; 4] = [0, 0, 0, 1];
/// An access unit delimiter saying "any slice type may follow".
const AUD: [u8; 6] = [0, 0, 0, 1, NAL_AUD, 0xF0];

/// What an FLV video tag body holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VideoPacket<'a> {
    /// The sequence header: an avcC record ([`AvcConfig::parse`]).
    Config(&'a [u8]),
    /// One picture.
    Frame {
        /// An IDR picture (FLV frame type 1).
        keyframe: bool,
        /// Presentation time minus decode time, ms (B-frames make it positive).
        composition_ms: i32,
        /// Length-prefixed NAL units.
        nalus: &'a [u8],
    },
    /// Carries no picture: the end-of-sequence marker, or a video
    /// info/command frame (FLV frame type 5).
    Nothing,
}

/// Reads an FLV video tag body: `[frame type << 4 | codec id, AVCPacketType,
/// composition time (3 bytes, signed), payload]`. Codecs other than H.264
/// are [`MediaError::Unsupported`].
pub fn parse_video_body(body: &[u8]) -> Result<VideoPacket<'_>, MediaError> {
    need("video tag", body, 1)?;
    let frame_type = body[0] >> 4;
    let codec = body[0] & 0x0f;
    if frame_type == 5 {
        return Ok(VideoPacket::Nothing);
    }
    if frame_type & 0x08 != 0 {
        return Err(MediaError::Unsupported(
            "enhanced RTMP video (HEVC, AV1, VP9)".into(),
        ));
    }
    if codec != CODEC_AVC {
        return Err(MediaError::Unsupported(format!("FLV video codec {codec}")));
    }
    need("AVC video tag", body, 5)?;
    let raw = u32::from_be_bytes([0, body[2], body[3], body[4]]);
    // A signed 24-bit number.
    let composition_ms = ((raw << 8) as i32) >> 8;
    let payload = &body[5..];
    match body[1] {
        0 => Ok(VideoPacket::Config(payload)),
        1 => Ok(VideoPacket::Frame {
            keyframe: frame_type == 1,
            composition_ms,
            nalus: payload,
        }),
        2 => Ok(VideoPacket::Nothing),
        _ => Err(MediaError::Invalid("unknown AVC packet type")),
    }
}

/// An `AVCDecoderConfigurationRecord`: what a decoder needs before the
/// first picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvcConfig {
    /// `profile_idc` (66 baseline, 77 main, 100 high, ...).
    pub profile: u8,
    /// The constraint flags byte.
    pub compatibility: u8,
    /// `level_idc` (31 is level 3.1).
    pub level: u8,
    /// Bytes of each NAL unit's length prefix in frames: 1, 2 or 4.
    pub nal_length_size: u8,
    /// Sequence parameter sets (NAL units, no prefix), at least one.
    pub sps: Vec<Vec<u8>>,
    /// Picture parameter sets (NAL units, no prefix), at least one.
    pub pps: Vec<Vec<u8>>,
}

impl AvcConfig {
    /// Parses an avcC record (the payload of a video sequence header).
    pub fn parse(record: &[u8]) -> Result<AvcConfig, MediaError> {
        need("avcC record", record, 6)?;
        if record[0] != 1 {
            return Err(MediaError::Invalid("avcC record version is not 1"));
        }
        let nal_length_size = (record[4] & 0x03) + 1;
        if nal_length_size == 3 {
            return Err(MediaError::Invalid("avcC NAL length size of 3 bytes"));
        }
        let mut at = 5;
        let sps_count = usize::from(record[at] & 0x1f);
        at += 1;
        let sps = read_sets(record, &mut at, sps_count, NAL_SPS)?;
        need("avcC record", record, at + 1)?;
        let pps_count = usize::from(record[at]);
        at += 1;
        let pps = read_sets(record, &mut at, pps_count, NAL_PPS)?;
        if sps.is_empty() || pps.is_empty() {
            return Err(MediaError::Invalid("avcC record without SPS or PPS"));
        }
        Ok(AvcConfig {
            profile: record[1],
            compatibility: record[2],
            level: record[3],
            nal_length_size,
            sps,
            pps,
        })
    }

    /// Writes one picture's AVCC NAL units to `out` as an Annex B access
    /// unit: an access unit delimiter first; the SPS and PPS before an IDR
    /// picture (or any `keyframe`) unless it carries its own; the NAL units
    /// with start codes (access unit delimiters of its own dropped).
    /// Returns true if the picture holds an IDR slice. On an error `out`
    /// is left as it was.
    pub fn annex_b(
        &self,
        nalus: &[u8],
        keyframe: bool,
        out: &mut Vec<u8>,
    ) -> Result<bool, MediaError> {
        let units = split_nalus(nalus, self.nal_length_size)?;
        let kind = |nal: &[u8]| nal[0] & 0x1f;
        let idr = units.iter().any(|n| kind(n) == NAL_IDR);
        let has_sps = units.iter().any(|n| kind(n) == NAL_SPS);
        out.reserve(nalus.len() + AUD.len() + 64);
        out.extend_from_slice(&AUD);
        if (idr || keyframe) && !has_sps {
            for set in self.sps.iter().chain(&self.pps) {
                out.extend_from_slice(&START_CODE);
                out.extend_from_slice(set);
            }
        }
        for nal in units.iter().filter(|n| kind(n) != NAL_AUD) {
            out.extend_from_slice(&START_CODE);
            out.extend_from_slice(nal);
        }
        Ok(idr)
    }
}

/// Reads `count` parameter sets, each a 2-byte length and a NAL unit of `nal_type`.
fn read_sets(
    record: &[u8],
    at: &mut usize,
    count: usize,
    nal_type: u8,
) -> Result<Vec<Vec<u8>>, MediaError> {
    let mut sets = Vec::with_capacity(count);
    for _ in 0..count {
        need("avcC record", record, *at + 2)?;
        let len = usize::from(u16::from_be_bytes([record[*at], record[*at + 1]]));
        *at += 2;
        need("avcC parameter set", record, *at + len)?;
        let set = &record[*at..*at + len];
        if set.first().map(|b| b & 0x1f) != Some(nal_type) {
            return Err(MediaError::Invalid(
                "avcC parameter set of the wrong NAL type",
            ));
        }
        sets.push(set.to_vec());
        *at += len;
    }
    Ok(sets)
}

/// Splits length-prefixed NAL units. Every unit must be whole and non-empty.
pub fn split_nalus(bytes: &[u8], length_size: u8) -> Result<Vec<&[u8]>, MediaError> {
    let size = usize::from(length_size);
    if !matches!(size, 1 | 2 | 4) {
        return Err(MediaError::Invalid("NAL length size must be 1, 2 or 4"));
    }
    let mut units = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        need("NAL unit length", rest, size)?;
        let len = rest[..size]
            .iter()
            .fold(0usize, |acc, b| acc << 8 | usize::from(*b));
        rest = &rest[size..];
        if len == 0 {
            return Err(MediaError::Invalid("empty NAL unit"));
        }
        need("NAL unit", rest, len)?;
        units.push(&rest[..len]);
        rest = &rest[len..];
    }
    if units.is_empty() {
        return Err(MediaError::Invalid("a picture without NAL units"));
    }
    Ok(units)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SPS: &[u8] = &[0x67, 0x42, 0xc0, 0x1e, 0xda, 0x02];
    const PPS: &[u8] = &[0x68, 0xce, 0x3c, 0x80];

    /// An avcC record as the device's muxer writes it.
    pub(crate) fn record() -> Vec<u8> {
        let mut r = vec![1, 0x42, 0xc0, 0x1e, 0xff, 0xe1];
        r.extend_from_slice(&(SPS.len() as u16).to_be_bytes());
        r.extend_from_slice(SPS);
        r.push(1);
        r.extend_from_slice(&(PPS.len() as u16).to_be_bytes());
        r.extend_from_slice(PPS);
        r
    }

    fn avcc(nals: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        for nal in nals {
            out.extend_from_slice(&(nal.len() as u32).to_be_bytes());
            out.extend_from_slice(nal);
        }
        out
    }

    #[test]
    fn the_record_yields_its_parameter_sets_and_length_size() {
        let config = AvcConfig::parse(&record()).unwrap();
        assert_eq!((config.profile, config.level), (0x42, 0x1e));
        assert_eq!(config.nal_length_size, 4);
        assert_eq!(config.sps, vec![SPS.to_vec()]);
        assert_eq!(config.pps, vec![PPS.to_vec()]);
    }

    #[test]
    fn an_idr_picture_gets_a_delimiter_and_the_parameter_sets() {
        let config = AvcConfig::parse(&record()).unwrap();
        let idr = [0x65, 0x88, 0x84];
        let mut out = Vec::new();
        assert!(config.annex_b(&avcc(&[&idr]), true, &mut out).unwrap());
        let mut want = AUD.to_vec();
        for nal in [SPS, PPS, &idr] {
            want.extend_from_slice(&START_CODE);
            want.extend_from_slice(nal);
        }
        assert_eq!(out, want);
    }

    #[test]
    fn an_inter_picture_gets_only_the_delimiter_and_its_own_delimiter_is_dropped() {
        let config = AvcConfig::parse(&record()).unwrap();
        let p = [0x41, 0x9a, 0x02];
        let mut out = Vec::new();
        let idr = config
            .annex_b(&avcc(&[&[NAL_AUD, 0xf0], &p]), false, &mut out)
            .unwrap();
        assert!(!idr);
        let mut want = AUD.to_vec();
        want.extend_from_slice(&START_CODE);
        want.extend_from_slice(&p);
        assert_eq!(out, want);
    }

    #[test]
    fn a_keyframe_with_its_own_sps_is_not_given_a_second_one() {
        let config = AvcConfig::parse(&record()).unwrap();
        let mut out = Vec::new();
        config
            .annex_b(&avcc(&[SPS, PPS, &[0x65, 1]]), true, &mut out)
            .unwrap();
        assert_eq!(out.windows(SPS.len()).filter(|w| *w == SPS).count(), 1);
    }

    #[test]
    fn video_bodies_say_what_they_hold() {
        let seq = [0x17, 0, 0, 0, 0, 1, 2];
        assert_eq!(parse_video_body(&seq), Ok(VideoPacket::Config(&[1, 2])));
        // Composition time -40 ms as a signed 24-bit number.
        let frame = [0x27, 1, 0xff, 0xff, 0xd8, 9];
        assert_eq!(
            parse_video_body(&frame),
            Ok(VideoPacket::Frame {
                keyframe: false,
                composition_ms: -40,
                nalus: &[9]
            })
        );
        let frame = [0x17, 1, 0, 0, 80, 9];
        assert!(matches!(
            parse_video_body(&frame),
            Ok(VideoPacket::Frame {
                keyframe: true,
                composition_ms: 80,
                ..
            })
        ));
        assert_eq!(
            parse_video_body(&[0x17, 2, 0, 0, 0]),
            Ok(VideoPacket::Nothing)
        );
        assert!(matches!(
            parse_video_body(&[0x12, 1, 0, 0, 0]),
            Err(MediaError::Unsupported(_))
        ));
        assert!(matches!(
            parse_video_body(&[0x17, 1, 0]),
            Err(MediaError::Truncated { .. })
        ));
        assert!(parse_video_body(&[]).is_err());
    }

    #[test]
    fn broken_records_and_frames_are_refused_with_a_reason() {
        let good = record();
        for cut in 0..good.len() {
            assert!(AvcConfig::parse(&good[..cut]).is_err(), "cut at {cut}");
        }
        let mut v2 = good.clone();
        v2[0] = 2;
        assert!(AvcConfig::parse(&v2).is_err());
        let mut three = good.clone();
        three[4] = 0xfe;
        assert!(AvcConfig::parse(&three).is_err());
        let config = AvcConfig::parse(&good).unwrap();
        let mut out = vec![7];
        // Length says 9 bytes, 2 follow.
        let err = config.annex_b(&[0, 0, 0, 9, 0x65, 1], true, &mut out);
        assert!(matches!(err, Err(MediaError::Truncated { .. })));
        assert!(config.annex_b(&[0, 0, 0, 0], true, &mut out).is_err());
        assert!(config.annex_b(&[], true, &mut out).is_err());
        assert_eq!(out, vec![7], "untouched on error");
    }

    proptest! {
        #[test]
        fn hostile_video_never_panics(body in proptest::collection::vec(any::<u8>(), 0..64),
                                      size in 0u8..6) {
            let _ = parse_video_body(&body);
            let _ = AvcConfig::parse(&body);
            let _ = split_nalus(&body, size);
            if let Ok(config) = AvcConfig::parse(&record()) {
                let mut out = Vec::new();
                let _ = config.annex_b(&body, true, &mut out);
            }
        }
    }
}
