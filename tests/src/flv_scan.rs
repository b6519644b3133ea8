//! HTTP-FLV read as it arrives, without keeping it: a response head, then
//! a chunked (or close-delimited) body, then FLV tags of which only the
//! header and first two body bytes are looked at. Sans I/O: bytes in, tag
//! summaries out. What a thousand benchmark viewers run, so it copies no
//! media and allocates nothing per tag.

/// One FLV tag as a viewer counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TagSeen {
    /// 8 audio, 9 video, 18 script.
    pub kind: u8,
    /// The tag's timestamp (ms).
    pub timestamp_ms: u32,
    /// Body size in bytes.
    pub size: u32,
    /// A video picture (AVC NAL units), not a sequence header.
    pub video_frame: bool,
    /// A video keyframe (picture or sequence header).
    pub keyframe: bool,
}

/// Why a stream could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanError {
    /// The response was not `200`.
    Status(String),
    /// The response head was malformed or too long.
    Head,
    /// A chunk size line was malformed.
    Chunk,
    /// The body did not start with an FLV header.
    NotFlv,
}

/// Decodes `Transfer-Encoding: chunked`, handing out the data in place.
#[derive(Debug, Default)]
struct Chunked {
    /// Bytes of the current chunk still to come (0: a size line is next).
    left: usize,
    /// The size line read so far.
    line: Vec<u8>,
    /// CRLF bytes to skip after a chunk's data.
    crlf: u8,
    done: bool,
}

impl Chunked {
    fn feed(&mut self, mut input: &[u8], out: &mut impl FnMut(&[u8])) -> Result<(), ScanError> {
        while !input.is_empty() && !self.done {
            if self.crlf > 0 {
                self.crlf -= 1;
                input = &input[1..];
            } else if self.left > 0 {
                let n = self.left.min(input.len());
                out(&input[..n]);
                self.left -= n;
                input = &input[n..];
                if self.left == 0 {
                    self.crlf = 2;
                }
            } else {
                let Some(end) = input.iter().position(|&b| b == b'\n') else {
                    self.line.extend_from_slice(input);
                    if self.line.len() > 64 {
                        return Err(ScanError::Chunk);
                    }
                    return Ok(());
                };
                self.line.extend_from_slice(&input[..end]);
                input = &input[end + 1..];
                let text = std::str::from_utf8(&self.line).map_err(|_| ScanError::Chunk)?;
                let size = text.split(';').next().unwrap_or("").trim();
                let size = usize::from_str_radix(size, 16).map_err(|_| ScanError::Chunk)?;
                self.line.clear();
                if size == 0 {
                    self.done = true;
                } else {
                    self.left = size;
                }
            }
        }
        Ok(())
    }
}

/// Where the FLV reader is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FlvState {
    /// The 9-byte file header and the first previous-tag-size (13 bytes).
    FileHeader,
    /// A tag's 11-byte header and up to two body bytes.
    TagHead,
    /// Body bytes and the previous-tag-size to skip.
    Skip(usize),
}

/// FLV tags from a byte stream, keeping at most 13 bytes.
#[derive(Debug)]
pub struct FlvScanner {
    state: FlvState,
    buf: [u8; 13],
    have: usize,
}

impl Default for FlvScanner {
    fn default() -> Self {
        FlvScanner {
            state: FlvState::FileHeader,
            buf: [0; 13],
            have: 0,
        }
    }
}

impl FlvScanner {
    /// Bytes of the tag head this tag needs: the 11-byte header and as many
    /// body bytes (up to 2) as the body has.
    fn head_len(&self) -> usize {
        if self.have < 11 {
            return 11;
        }
        let size = u32::from_be_bytes([0, self.buf[1], self.buf[2], self.buf[3]]) as usize;
        11 + size.min(2)
    }

    /// Reads `input`, calling `seen` for every tag whose head is complete.
    pub fn feed(
        &mut self,
        mut input: &[u8],
        seen: &mut impl FnMut(TagSeen),
    ) -> Result<(), ScanError> {
        while !input.is_empty() {
            match self.state {
                FlvState::Skip(left) => {
                    let n = left.min(input.len());
                    input = &input[n..];
                    self.state = if left == n {
                        FlvState::TagHead
                    } else {
                        FlvState::Skip(left - n)
                    };
                }
                FlvState::FileHeader => {
                    let n = (13 - self.have).min(input.len());
                    self.buf[self.have..self.have + n].copy_from_slice(&input[..n]);
                    self.have += n;
                    input = &input[n..];
                    if self.have == 13 {
                        if &self.buf[..3] != b"FLV" {
                            return Err(ScanError::NotFlv);
                        }
                        self.have = 0;
                        self.state = FlvState::TagHead;
                    }
                }
                FlvState::TagHead => {
                    let want = self.head_len();
                    let n = (want - self.have).min(input.len());
                    self.buf[self.have..self.have + n].copy_from_slice(&input[..n]);
                    self.have += n;
                    input = &input[n..];
                    // The size is known once 11 bytes are in: ask again.
                    if self.have == want && self.head_len() == want {
                        let b = &self.buf;
                        let size = u32::from_be_bytes([0, b[1], b[2], b[3]]);
                        let timestamp_ms = u32::from_be_bytes([b[7], b[4], b[5], b[6]]);
                        let kind = b[0] & 0x1f;
                        let (first, second) =
                            ((size > 0).then_some(b[11]), (size > 1).then_some(b[12]));
                        let keyframe = kind == 9 && first.is_some_and(|f| f >> 4 == 1);
                        let video_frame = kind == 9 && second == Some(1);
                        seen(TagSeen {
                            kind,
                            timestamp_ms,
                            size,
                            video_frame,
                            keyframe,
                        });
                        let taken = want - 11;
                        self.have = 0;
                        self.state = FlvState::Skip(size as usize - taken + 4);
                    }
                }
            }
        }
        Ok(())
    }
}

/// How the body after the head is delimited.
#[derive(Debug)]
enum Body {
    Head(Vec<u8>),
    Chunked(Chunked),
    UntilClose,
}

/// An HTTP-FLV response read as it arrives: the head, the body's framing,
/// and the FLV tags inside.
#[derive(Debug)]
pub struct HttpFlvScanner {
    body: Body,
    flv: FlvScanner,
}

impl Default for HttpFlvScanner {
    fn default() -> Self {
        HttpFlvScanner {
            body: Body::Head(Vec::new()),
            flv: FlvScanner::default(),
        }
    }
}

/// The longest response head accepted.
const MAX_HEAD: usize = 8 << 10;

impl HttpFlvScanner {
    /// Reads `input` (bytes as they came off the socket), calling `seen`
    /// for every tag.
    pub fn feed(&mut self, input: &[u8], seen: &mut impl FnMut(TagSeen)) -> Result<(), ScanError> {
        let mut input = input;
        if let Body::Head(head) = &mut self.body {
            let start = head.len().saturating_sub(3);
            head.extend_from_slice(input);
            let Some(end) = head[start..].windows(4).position(|w| w == b"\r\n\r\n") else {
                return if head.len() > MAX_HEAD {
                    Err(ScanError::Head)
                } else {
                    Ok(())
                };
            };
            let end = start + end + 4;
            let text = String::from_utf8_lossy(&head[..end]).to_ascii_lowercase();
            let status = text.lines().next().unwrap_or("").to_owned();
            if status.split_whitespace().nth(1) != Some("200") {
                return Err(ScanError::Status(status));
            }
            let chunked = text
                .lines()
                .any(|l| l.starts_with("transfer-encoding:") && l.contains("chunked"));
            let consumed_before = head.len() - input.len();
            let rest = end - consumed_before;
            input = &input[rest..];
            self.body = if chunked {
                Body::Chunked(Chunked::default())
            } else {
                Body::UntilClose
            };
        }
        let flv = &mut self.flv;
        match &mut self.body {
            Body::Head(_) => Ok(()),
            Body::UntilClose => flv.feed(input, seen),
            Body::Chunked(chunked) => {
                let mut failed = None;
                chunked.feed(input, &mut |data| {
                    if failed.is_none() {
                        failed = flv.feed(data, seen).err();
                    }
                })?;
                failed.map_or(Ok(()), Err)
            }
        }
    }

    /// True once a chunked body has ended (the last chunk came).
    pub fn ended(&self) -> bool {
        matches!(&self.body, Body::Chunked(c) if c.done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use farmlive_media::flv::{FlvTag, TagKind, encode_tag, file_header};

    /// A tag as the tests compare it: kind, timestamp, picture, keyframe.
    type Seen = (u8, u32, bool, bool);

    fn stream() -> (Vec<u8>, Vec<Seen>) {
        let mut bytes = file_header(true, true).to_vec();
        let tags = [
            (TagKind::Video, 0, vec![0x17, 0, 0, 0, 0], true),
            (TagKind::Audio, 0, vec![0xaf, 0, 0x12], true),
            (
                TagKind::Video,
                0,
                vec![0x17, 1, 0, 0, 0, 0x65, 1, 2, 3],
                false,
            ),
            (TagKind::Audio, 23, vec![0xaf, 1, 9, 9, 9], false),
            (TagKind::Video, 33, vec![0x27, 1, 0, 0, 0, 0x41], false),
            (
                TagKind::Video,
                16_777_300,
                vec![0x27, 1, 0, 0, 0, 0x41],
                false,
            ),
        ];
        let mut expect = Vec::new();
        for (kind, ts, body, header) in tags {
            let tag = FlvTag {
                kind,
                timestamp_ms: ts,
                keyframe: body[0] >> 4 == 1,
                header,
                body: body.clone().into(),
            };
            bytes.extend(encode_tag(&tag));
            let frame = kind == TagKind::Video && !header;
            expect.push((
                kind.code(),
                ts,
                frame,
                kind == TagKind::Video && body[0] >> 4 == 1,
            ));
        }
        (bytes, expect)
    }

    fn chunked(body: &[u8], sizes: &[usize]) -> Vec<u8> {
        let mut out =
            b"HTTP/1.1 200 OK\r\ncontent-type: video/x-flv\r\ntransfer-encoding: chunked\r\n\r\n"
                .to_vec();
        let mut rest = body;
        let mut i = 0;
        while !rest.is_empty() {
            let n = sizes[i % sizes.len()].min(rest.len());
            out.extend(format!("{n:x}\r\n").bytes());
            out.extend(&rest[..n]);
            out.extend(b"\r\n");
            rest = &rest[n..];
            i += 1;
        }
        out.extend(b"0\r\n\r\n");
        out
    }

    fn scan(wire: &[u8], piece: usize) -> (Vec<Seen>, bool) {
        let mut s = HttpFlvScanner::default();
        let mut got = Vec::new();
        for p in wire.chunks(piece) {
            s.feed(p, &mut |t| {
                got.push((t.kind, t.timestamp_ms, t.video_frame, t.keyframe))
            })
            .unwrap();
        }
        (got, s.ended())
    }

    #[test]
    fn tags_are_seen_whatever_the_chunking_and_the_reads() {
        let (body, expect) = stream();
        for sizes in [vec![1], vec![7, 3], vec![4096], vec![11, 1, 2]] {
            let wire = chunked(&body, &sizes);
            for piece in [1, 2, 5, 13, 64, wire.len()] {
                let (got, ended) = scan(&wire, piece);
                assert_eq!(got, expect, "chunks {sizes:?}, reads of {piece}");
                assert!(ended, "the last chunk was seen");
            }
        }
    }

    #[test]
    fn a_close_delimited_body_is_read_too() {
        let (body, expect) = stream();
        let mut wire = b"HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n".to_vec();
        wire.extend(&body);
        let (got, ended) = scan(&wire, 3);
        assert_eq!(got, expect);
        assert!(!ended);
    }

    #[test]
    fn a_refusal_or_a_body_that_is_not_flv_is_an_error() {
        let mut s = HttpFlvScanner::default();
        let err = s.feed(b"HTTP/1.1 404 Not Found\r\n\r\n", &mut |_| {});
        assert!(matches!(err, Err(ScanError::Status(s)) if s.contains("404")));
        let mut s = HttpFlvScanner::default();
        let err = s.feed(
            b"HTTP/1.1 200 OK\r\n\r\n<html>not a video</html>",
            &mut |_| {},
        );
        assert_eq!(err, Err(ScanError::NotFlv));
        let mut s = HttpFlvScanner::default();
        let err = s.feed(
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n",
            &mut |_| {},
        );
        assert_eq!(err, Err(ScanError::Chunk));
    }
}
