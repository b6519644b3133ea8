//! A sans-I/O FLV muxer: encoded frames in, FLV tags out. The same tags go to
//! an FLV file (with [`file_header`] and [`encode_tag`]) and, as message
//! payloads, to RTMP. No clock: timestamps are given by the caller and only
//! ever kept monotonic here.

use crate::encode::EncodedVideo;
use bytes::Bytes;

pub use farmlive_media::flv::{FlvTag, ParsedTag, TagKind, encode_tag, file_header, parse_tags};

/// The stream's description, written as onMetaData.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamInfo {
    /// Picture width.
    pub width: u32,
    /// Picture height.
    pub height: u32,
    /// Frames per second.
    pub fps: u32,
    /// Video bitrate in kbit/s.
    pub video_kbps: u32,
    /// Audio bitrate in kbit/s, or `None` for no audio.
    pub audio_kbps: Option<u32>,
}

/// Turns encoded frames into FLV tags.
#[derive(Debug)]
pub struct FlvMuxer {
    info: StreamInfo,
    avc_config: Option<Bytes>,
    aac_config: Option<Bytes>,
    last_ts: u32,
}

impl FlvMuxer {
    /// A muxer for a stream so described.
    pub fn new(info: StreamInfo) -> FlvMuxer {
        FlvMuxer {
            info,
            avc_config: None,
            aac_config: None,
            last_ts: 0,
        }
    }

    fn stamp(&mut self, ms: u64) -> u32 {
        let ts = (ms.min(u32::MAX as u64) as u32).max(self.last_ts);
        self.last_ts = ts;
        ts
    }

    /// The last timestamp handed out.
    pub fn last_timestamp(&self) -> u32 {
        self.last_ts
    }

    /// Sets the AAC AudioSpecificConfig; returns the audio sequence header tag.
    pub fn set_audio_config(&mut self, asc: &[u8]) -> FlvTag {
        let mut body = vec![0xAF, 0x00];
        body.extend_from_slice(asc);
        let body = Bytes::from(body);
        self.aac_config = Some(body.clone());
        FlvTag {
            kind: TagKind::Audio,
            timestamp_ms: self.last_ts,
            body,
            keyframe: false,
            header: true,
        }
    }

    /// One AAC frame at `ms`.
    pub fn audio(&mut self, ms: u64, frame: &[u8]) -> FlvTag {
        let mut body = Vec::with_capacity(frame.len() + 2);
        body.extend_from_slice(&[0xAF, 0x01]);
        body.extend_from_slice(frame);
        FlvTag {
            kind: TagKind::Audio,
            timestamp_ms: self.stamp(ms),
            body: body.into(),
            keyframe: false,
            header: false,
        }
    }

    /// One picture at `ms`. If it carries new SPS/PPS, the AVC sequence header
    /// tag comes first.
    pub fn video(&mut self, ms: u64, frame: &EncodedVideo) -> Vec<FlvTag> {
        let ts = self.stamp(ms);
        let mut tags = Vec::with_capacity(2);
        let sps = frame.nals.iter().find(|n| n[0] & 0x1f == 7);
        let pps = frame.nals.iter().find(|n| n[0] & 0x1f == 8);
        if let (Some(sps), Some(pps)) = (sps, pps)
            && sps.len() >= 4
        {
            let mut body = vec![0x17, 0, 0, 0, 0, 1, sps[1], sps[2], sps[3], 0xFF, 0xE1];
            body.extend_from_slice(&(sps.len() as u16).to_be_bytes());
            body.extend_from_slice(sps);
            body.push(1);
            body.extend_from_slice(&(pps.len() as u16).to_be_bytes());
            body.extend_from_slice(pps);
            let body = Bytes::from(body);
            if self.avc_config.as_ref() != Some(&body) {
                self.avc_config = Some(body.clone());
                tags.push(FlvTag {
                    kind: TagKind::Video,
                    timestamp_ms: ts,
                    body,
                    keyframe: true,
                    header: true,
                });
            }
        }
        let size: usize = frame.nals.iter().map(|n| n.len() + 4).sum();
        let mut body = Vec::with_capacity(size + 5);
        body.extend_from_slice(&[if frame.keyframe { 0x17 } else { 0x27 }, 1, 0, 0, 0]);
        for nal in &frame.nals {
            if matches!(nal[0] & 0x1f, 7..=9) {
                continue;
            }
            body.extend_from_slice(&(nal.len() as u32).to_be_bytes());
            body.extend_from_slice(nal);
        }
        tags.push(FlvTag {
            kind: TagKind::Video,
            timestamp_ms: ts,
            body: body.into(),
            keyframe: frame.keyframe,
            header: false,
        });
        tags
    }

    /// onMetaData as an FLV script tag.
    pub fn metadata_tag(&self) -> FlvTag {
        let mut body = Vec::with_capacity(256);
        amf_string(&mut body, "onMetaData");
        let mut props: Vec<(&str, AmfVal)> = vec![
            ("width", AmfVal::Num(self.info.width as f64)),
            ("height", AmfVal::Num(self.info.height as f64)),
            ("framerate", AmfVal::Num(self.info.fps as f64)),
            ("videocodecid", AmfVal::Num(7.0)),
            ("videodatarate", AmfVal::Num(self.info.video_kbps as f64)),
        ];
        if let Some(kbps) = self.info.audio_kbps {
            props.extend([
                ("audiocodecid", AmfVal::Num(10.0)),
                ("audiodatarate", AmfVal::Num(kbps as f64)),
                (
                    "audiosamplerate",
                    AmfVal::Num(crate::audio::SAMPLE_RATE as f64),
                ),
                ("audiosamplesize", AmfVal::Num(16.0)),
                ("stereo", AmfVal::Bool(true)),
            ]);
        }
        props.push(("encoder", AmfVal::Str("FarmLive")));
        body.push(8);
        body.extend_from_slice(&(props.len() as u32).to_be_bytes());
        for (k, v) in props {
            body.extend_from_slice(&(k.len() as u16).to_be_bytes());
            body.extend_from_slice(k.as_bytes());
            match v {
                AmfVal::Num(n) => {
                    body.push(0);
                    body.extend_from_slice(&n.to_be_bytes());
                }
                AmfVal::Bool(b) => body.extend_from_slice(&[1, b as u8]),
                AmfVal::Str(s) => amf_string(&mut body, s),
            }
        }
        body.extend_from_slice(&[0, 0, 9]);
        FlvTag {
            kind: TagKind::Script,
            timestamp_ms: 0,
            body: body.into(),
            keyframe: false,
            header: true,
        }
    }

    /// The stream's description, for RTMP's metadata message.
    pub fn info(&self) -> &StreamInfo {
        &self.info
    }

    /// The sequence headers known so far (video, then audio), stamped with the
    /// last timestamp: what a reconnected ingest must get before any frame.
    pub fn sequence_headers(&self) -> Vec<FlvTag> {
        let mut tags = Vec::new();
        for (body, kind) in [
            (&self.avc_config, TagKind::Video),
            (&self.aac_config, TagKind::Audio),
        ] {
            if let Some(body) = body {
                tags.push(FlvTag {
                    kind,
                    timestamp_ms: self.last_ts,
                    body: body.clone(),
                    keyframe: kind == TagKind::Video,
                    header: true,
                });
            }
        }
        tags
    }
}

enum AmfVal {
    Num(f64),
    Bool(bool),
    Str(&'static str),
}

fn amf_string(out: &mut Vec<u8>, s: &str) {
    out.push(2);
    out.extend_from_slice(&(s.len() as u16).to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> StreamInfo {
        StreamInfo {
            width: 640,
            height: 360,
            fps: 30,
            video_kbps: 1000,
            audio_kbps: Some(128),
        }
    }

    fn idr() -> EncodedVideo {
        EncodedVideo {
            nals: vec![
                vec![0x67, 0x42, 0xC0, 0x1E, 9],
                vec![0x68, 0xCE],
                vec![0x65, 1, 2, 3],
            ],
            keyframe: true,
        }
    }

    #[test]
    fn avc_sequence_header_layout_and_avcc_frames() {
        let mut m = FlvMuxer::new(info());
        let tags = m.video(0, &idr());
        assert_eq!(tags.len(), 2);
        assert!(tags[0].header);
        assert_eq!(
            &tags[0].body[..],
            &[
                0x17, 0, 0, 0, 0, 1, 0x42, 0xC0, 0x1E, 0xFF, 0xE1, 0, 5, 0x67, 0x42, 0xC0, 0x1E, 9,
                1, 0, 2, 0x68, 0xCE
            ]
        );
        assert_eq!(
            &tags[1].body[..],
            &[0x17, 1, 0, 0, 0, 0, 0, 0, 4, 0x65, 1, 2, 3]
        );
        // same parameter sets again: no second sequence header
        assert_eq!(m.video(33, &idr()).len(), 1);
        let p = EncodedVideo {
            nals: vec![vec![0x41, 7]],
            keyframe: false,
        };
        assert_eq!(
            &m.video(66, &p)[0].body[..],
            &[0x27, 1, 0, 0, 0, 0, 0, 0, 2, 0x41, 7]
        );
    }

    #[test]
    fn timestamps_never_go_back_and_headers_are_resent() {
        let mut m = FlvMuxer::new(info());
        let asc = m.set_audio_config(&[0x12, 0x10]);
        assert_eq!(&asc.body[..], &[0xAF, 0, 0x12, 0x10]);
        m.video(100, &idr());
        let a = m.audio(90, &[1, 2]);
        assert_eq!(a.timestamp_ms, 100);
        assert_eq!(&a.body[..], &[0xAF, 1, 1, 2]);
        assert_eq!(m.audio(123, &[3]).timestamp_ms, 123);
        let again = m.sequence_headers();
        assert_eq!(again.len(), 2);
        assert!(again.iter().all(|t| t.header && t.timestamp_ms == 123));
    }

    #[test]
    fn a_file_reads_back() {
        let mut m = FlvMuxer::new(info());
        let mut file = file_header(true, true).to_vec();
        file.extend(encode_tag(&m.metadata_tag()));
        for t in m.video(0x0123_4567, &idr()) {
            file.extend(encode_tag(&t));
        }
        let tags = parse_tags(&file).unwrap();
        assert_eq!(tags.len(), 3);
        assert_eq!(tags[0].kind, 18);
        assert_eq!(tags[2].timestamp_ms, 0x0123_4567);
        assert!(String::from_utf8_lossy(&tags[0].body).contains("onMetaData"));
        // The metadata is valid AMF0 for an independent decoder.
        let mut cursor = std::io::Cursor::new(tags[0].body.clone());
        let values = rml_amf0::deserialize(&mut cursor).unwrap();
        assert_eq!(values.len(), 2);
        assert!(parse_tags(b"nope").is_none());
    }
}
