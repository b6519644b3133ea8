//! FLV tags: the unit RTMP carries and an FLV file stores. A tag is a kind,
//! a timestamp and a body; [`FlvTag::received`] reads the flags a relay needs
//! (keyframe, sequence header) from the body's first bytes.

use bytes::Bytes;

/// What a tag carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagKind {
    /// AMF0 script data (onMetaData).
    Script,
    /// AAC.
    Audio,
    /// H.264.
    Video,
}

impl TagKind {
    /// The tag type byte of the FLV format (8, 9 or 18).
    pub fn code(self) -> u8 {
        match self {
            TagKind::Audio => 8,
            TagKind::Video => 9,
            TagKind::Script => 18,
        }
    }

    /// The kind of an FLV tag type byte, if it is one of the three.
    pub fn from_code(code: u8) -> Option<TagKind> {
        match code {
            8 => Some(TagKind::Audio),
            9 => Some(TagKind::Video),
            18 => Some(TagKind::Script),
            _ => None,
        }
    }
}

/// One FLV tag: its kind, timestamp and body (what follows the 11-byte tag header).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlvTag {
    /// Audio, video or script.
    pub kind: TagKind,
    /// Milliseconds since the start of the stream.
    pub timestamp_ms: u32,
    /// The tag body.
    pub body: Bytes,
    /// An IDR picture.
    pub keyframe: bool,
    /// A sequence header or metadata: never dropped, re-sent on reconnect.
    pub header: bool,
}

/// The FLV file header (signature, version, flags) and the first PreviousTagSize.
pub const fn file_header(audio: bool, video: bool) -> [u8; 13] {
    let flags = (audio as u8) << 2 | video as u8;
    [b'F', b'L', b'V', 1, flags, 0, 0, 0, 9, 0, 0, 0, 0]
}

/// A tag as it is written in a file: header, body, PreviousTagSize.
pub fn encode_tag(tag: &FlvTag) -> Vec<u8> {
    let len = tag.body.len() as u32;
    let ts = tag.timestamp_ms;
    let mut out = Vec::with_capacity(15 + tag.body.len());
    out.push(tag.kind.code());
    out.extend_from_slice(&len.to_be_bytes()[1..]);
    out.extend_from_slice(&ts.to_be_bytes()[1..]);
    out.push((ts >> 24) as u8);
    out.extend_from_slice(&[0, 0, 0]);
    out.extend_from_slice(&tag.body);
    out.extend_from_slice(&(len + 11).to_be_bytes());
    out
}

/// One tag read back from FLV bytes (for tests and tools).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedTag {
    /// 8 audio, 9 video, 18 script.
    pub kind: u8,
    /// Milliseconds.
    pub timestamp_ms: u32,
    /// The body.
    pub body: Vec<u8>,
}

/// Reads the tags of an FLV file; stops at the first incomplete tag. `None` if
/// the bytes do not start with an FLV header.
pub fn parse_tags(bytes: &[u8]) -> Option<Vec<ParsedTag>> {
    if bytes.len() < 9 || &bytes[..3] != b"FLV" {
        return None;
    }
    let mut at = u32::from_be_bytes([bytes[5], bytes[6], bytes[7], bytes[8]]) as usize + 4;
    let mut tags = Vec::new();
    while at + 11 <= bytes.len() {
        let h = &bytes[at..at + 11];
        let len = u32::from_be_bytes([0, h[1], h[2], h[3]]) as usize;
        let ts = u32::from_be_bytes([h[7], h[4], h[5], h[6]]);
        if at + 11 + len + 4 > bytes.len() {
            break;
        }
        tags.push(ParsedTag {
            kind: h[0] & 0x1f,
            timestamp_ms: ts,
            body: bytes[at + 11..at + 11 + len].to_vec(),
        });
        at += 11 + len + 4;
    }
    Some(tags)
}

impl ParsedTag {
    /// The tag as a relay receives it ([`FlvTag::received`]); `None` for a
    /// tag type FLV does not define.
    pub fn to_tag(&self) -> Option<FlvTag> {
        let kind = TagKind::from_code(self.kind)?;
        Some(FlvTag::received(
            kind,
            self.timestamp_ms,
            Bytes::copy_from_slice(&self.body),
        ))
    }
}

impl FlvTag {
    /// A tag as a publisher sent it (over RTMP): the flags are read from the
    /// body. Video: frame type 1 is a keyframe, AVC packet type 0 is the
    /// sequence header (avcC). Audio: AAC packet type 0 is the
    /// AudioSpecificConfig. Script data (onMetaData) counts as a header.
    pub fn received(kind: TagKind, timestamp_ms: u32, body: Bytes) -> FlvTag {
        let (keyframe, header) = match kind {
            TagKind::Video => {
                let keyframe = body.first().is_some_and(|b| b >> 4 == 1);
                let avc = body.first().is_some_and(|b| b & 0x0f == 7);
                (keyframe, avc && body.get(1) == Some(&0))
            }
            TagKind::Audio => {
                let aac = body.first().is_some_and(|b| b >> 4 == 10);
                (false, aac && body.get(1) == Some(&0))
            }
            TagKind::Script => (false, true),
        };
        FlvTag {
            kind,
            timestamp_ms,
            body,
            keyframe,
            header,
        }
    }
}

/// A tag encoded once for every reader: `wire` is the tag as an FLV file
/// holds it (header, body, PreviousTagSize) and `tag.body` is a view into
/// the same allocation, so a relay hands the same bytes to every viewer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedTag {
    /// The tag (its body shares `wire`'s bytes).
    pub tag: FlvTag,
    /// The encoded tag.
    pub wire: Bytes,
}

impl SharedTag {
    /// Encodes `tag` once.
    pub fn new(tag: FlvTag) -> SharedTag {
        let len = tag.body.len();
        let wire = Bytes::from(encode_tag(&tag));
        let body = wire.slice(11..11 + len);
        SharedTag {
            tag: FlvTag { body, ..tag },
            wire,
        }
    }

    /// Encoded bytes in all.
    pub fn len(&self) -> usize {
        self.wire.len()
    }

    /// True if the tag has no bytes at all (never: a tag has a header).
    pub fn is_empty(&self) -> bool {
        self.wire.is_empty()
    }
}

impl FlvTag {
    /// The same tag at another timestamp (the body is shared, not copied).
    pub fn at(&self, timestamp_ms: u32) -> FlvTag {
        FlvTag {
            timestamp_ms,
            ..self.clone()
        }
    }
}

/// A value in script data (AMF0), as onMetaData carries them.
#[derive(Debug, Clone, PartialEq)]
pub enum ScriptValue {
    /// A number.
    Number(f64),
    /// A boolean.
    Bool(bool),
    /// A string (at most 65,535 bytes are written).
    Text(String),
}

fn amf_string(out: &mut Vec<u8>, s: &str) {
    let bytes = &s.as_bytes()[..s.len().min(u16::MAX as usize)];
    out.extend_from_slice(&(bytes.len() as u16).to_be_bytes());
    out.extend_from_slice(bytes);
}

/// A script-data tag body: the AMF0 string `name` (e.g. `onMetaData`) and
/// an ECMA array of `props`, as FLV files and players expect.
pub fn script_body(name: &str, props: &[(&str, ScriptValue)]) -> Bytes {
    let mut out = Vec::with_capacity(64 + props.len() * 24);
    out.push(2);
    amf_string(&mut out, name);
    out.push(8);
    out.extend_from_slice(&(props.len() as u32).to_be_bytes());
    for (key, value) in props {
        amf_string(&mut out, key);
        match value {
            ScriptValue::Number(n) => {
                out.push(0);
                out.extend_from_slice(&n.to_be_bytes());
            }
            ScriptValue::Bool(b) => out.extend_from_slice(&[1, u8::from(*b)]),
            ScriptValue::Text(s) => {
                out.push(2);
                amf_string(&mut out, s);
            }
        }
    }
    out.extend_from_slice(&[0, 0, 9]);
    Bytes::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn received_tags_read_their_flags_from_the_body() {
        let seq = FlvTag::received(
            TagKind::Video,
            0,
            Bytes::from_static(&[0x17, 0, 0, 0, 0, 1]),
        );
        assert!(seq.keyframe && seq.header);
        let idr = FlvTag::received(TagKind::Video, 40, Bytes::from_static(&[0x17, 1, 0, 0, 0]));
        assert!(idr.keyframe && !idr.header);
        let inter = FlvTag::received(TagKind::Video, 80, Bytes::from_static(&[0x27, 1, 0, 0, 0]));
        assert!(!inter.keyframe && !inter.header);
        let asc = FlvTag::received(
            TagKind::Audio,
            0,
            Bytes::from_static(&[0xaf, 0, 0x12, 0x10]),
        );
        assert!(asc.header && !asc.keyframe);
        let aac = FlvTag::received(TagKind::Audio, 23, Bytes::from_static(&[0xaf, 1, 0x21]));
        assert!(!aac.header);
        let empty = FlvTag::received(TagKind::Video, 0, Bytes::new());
        assert!(!empty.keyframe && !empty.header);
    }

    #[test]
    fn a_tag_written_is_read_back() {
        let tag = FlvTag::received(
            TagKind::Video,
            0x0123_4567,
            Bytes::from_static(&[0x27, 1, 9]),
        );
        let mut file = file_header(false, true).to_vec();
        file.extend(encode_tag(&tag));
        let tags = parse_tags(&file).expect("an FLV header");
        assert_eq!(tags.len(), 1);
        assert_eq!(tags[0].kind, 9);
        assert_eq!(tags[0].timestamp_ms, 0x0123_4567);
        assert_eq!(tags[0].body, vec![0x27, 1, 9]);
        assert_eq!(tags[0].to_tag(), Some(tag));
        for kind in [TagKind::Audio, TagKind::Video, TagKind::Script] {
            assert_eq!(TagKind::from_code(kind.code()), Some(kind));
        }
        assert_eq!(TagKind::from_code(7), None);
    }

    #[test]
    fn a_shared_tag_is_encoded_once_and_its_body_points_into_it() {
        let tag = FlvTag::received(TagKind::Audio, 77, Bytes::from_static(&[0xaf, 1, 5, 6]));
        let shared = SharedTag::new(tag.clone());
        assert_eq!(shared.tag, tag);
        assert_eq!(&shared.wire[..], &encode_tag(&tag)[..]);
        let wire = shared.wire.as_ptr() as usize;
        let body = shared.tag.body.as_ptr() as usize;
        assert_eq!(body, wire + 11, "the body is a view of the wire bytes");
        assert_eq!(tag.at(99).timestamp_ms, 99);
        assert_eq!(tag.at(99).body, tag.body);
    }

    #[test]
    fn script_data_is_an_amf0_name_and_ecma_array() {
        let body = script_body(
            "onMetaData",
            &[
                ("width", ScriptValue::Number(320.0)),
                ("stereo", ScriptValue::Bool(true)),
                ("encoder", ScriptValue::Text("x".into())),
            ],
        );
        let mut want = vec![2, 0, 10];
        want.extend_from_slice(b"onMetaData");
        want.extend_from_slice(&[8, 0, 0, 0, 3, 0, 5]);
        want.extend_from_slice(b"width");
        want.push(0);
        want.extend_from_slice(&320f64.to_be_bytes());
        want.extend_from_slice(&[0, 6]);
        want.extend_from_slice(b"stereo");
        want.extend_from_slice(&[1, 1, 0, 7]);
        want.extend_from_slice(b"encoder");
        want.extend_from_slice(&[2, 0, 1, b'x', 0, 0, 9]);
        assert_eq!(&body[..], &want[..]);
    }
}
