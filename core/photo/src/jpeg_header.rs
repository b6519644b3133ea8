//! A small JPEG marker walker: reads the frame header and the EXIF segment without
//! decoding anything, and checks that the stream really reaches its EOI marker.
//!
//! Why our own: the limits must be checked *before* the decoder allocates anything,
//! and a file cut short must be refused even if a decoder would happily render the
//! missing part as grey. Walking the markers is a linear scan with no allocation
//! beyond the small component list.

use std::ops::Range;

use crate::PhotoError;

/// One colour component of the frame (identifier and sampling factors).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Component {
    pub h: u8,
    pub v: u8,
}

/// What the walker learned from a complete, structurally valid JPEG.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JpegHeader {
    pub width: u16,
    pub height: u16,
    pub components: Vec<Component>,
    pub progressive: bool,
    /// Byte range of the first EXIF payload (starting at the TIFF header).
    pub exif: Option<Range<usize>>,
}

impl JpegHeader {
    /// Estimate of jpeg-decoder's peak memory when its output is `out_w`×`out_h`:
    /// per-component planes plus the interleaved output, and for progressive files
    /// the full-resolution coefficient buffer (2 bytes per coefficient), which
    /// DCT scaling does not shrink.
    pub fn decode_memory_estimate(&self, out_w: u32, out_h: u32) -> u64 {
        let n = self.components.len() as u64;
        let out_pixels = u64::from(out_w) * u64::from(out_h);
        let mut total = out_pixels * n * 2;
        if self.progressive {
            let hmax = u64::from(
                self.components
                    .iter()
                    .map(|c| c.h)
                    .max()
                    .unwrap_or(1)
                    .max(1),
            );
            let vmax = u64::from(
                self.components
                    .iter()
                    .map(|c| c.v)
                    .max()
                    .unwrap_or(1)
                    .max(1),
            );
            let (w, h) = (u64::from(self.width), u64::from(self.height));
            for c in &self.components {
                let cw = (w * u64::from(c.h)).div_ceil(hmax).div_ceil(8) + 1;
                let ch = (h * u64::from(c.v)).div_ceil(vmax).div_ceil(8) + 1;
                total += cw * ch * 64 * 2;
            }
        }
        total
    }
}

fn u16_at(bytes: &[u8], pos: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*bytes.get(pos)?, *bytes.get(pos + 1)?]))
}

fn truncated(what: &str) -> PhotoError {
    PhotoError::damaged(format!("JPEG ends early ({what}); no EOI marker"))
}

/// Walks the whole JPEG: segment headers, entropy-coded scans, up to the EOI marker.
///
/// Refuses (as [`PhotoError::Damaged`]) a stream that ends before EOI, a scan before
/// the frame header, or a malformed segment length; refuses JPEG variants that the
/// decoder cannot read as [`PhotoError::Unsupported`]. Bytes after EOI (phone makers
/// append depth maps and MPF images there) are ignored.
pub(crate) fn parse(bytes: &[u8]) -> Result<JpegHeader, PhotoError> {
    if bytes.get(..2) != Some(&[0xFF, 0xD8]) {
        return Err(PhotoError::NotAPhoto);
    }
    let mut pos = 2;
    let mut frame: Option<JpegHeader> = None;
    let mut exif: Option<Range<usize>> = None;
    let mut scans = 0u32;

    loop {
        // Find the next marker. Like libjpeg, tolerate stray bytes between segments.
        let ff = bytes
            .get(pos..)
            .and_then(|rest| rest.iter().position(|&b| b == 0xFF))
            .ok_or_else(|| truncated("looking for a marker"))?;
        pos += ff;
        while bytes.get(pos) == Some(&0xFF) {
            pos += 1; // fill bytes
        }
        let marker = *bytes.get(pos).ok_or_else(|| truncated("in a marker"))?;
        pos += 1;
        match marker {
            0x00 => continue, // stuffed byte outside a scan: tolerate like libjpeg
            0xD9 => break,    // EOI
            0x01 | 0xD0..=0xD7 => continue, // standalone markers
            0xD8 => return Err(PhotoError::damaged("second SOI before EOI")),
            _ => {}
        }
        let len = usize::from(u16_at(bytes, pos).ok_or_else(|| truncated("segment length"))?);
        if len < 2 {
            return Err(PhotoError::damaged("segment length below 2"));
        }
        let body = pos + 2..pos + len;
        let data = bytes
            .get(body.clone())
            .ok_or_else(|| truncated("inside a segment"))?;
        match marker {
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                if frame.is_some() {
                    return Err(PhotoError::unsupported("multi-frame (hierarchical) JPEG"));
                }
                frame = Some(parse_sof(marker, data)?);
            }
            0xE1 if exif.is_none() && data.starts_with(b"Exif\0\0") => {
                exif = Some(body.start + 6..body.end);
            }
            0xDA => {
                if frame.is_none() {
                    return Err(PhotoError::damaged("scan before frame header"));
                }
                scans += 1;
                pos = skip_entropy_coded(bytes, body.end)?;
                continue;
            }
            _ => {}
        }
        pos = body.end;
    }

    let mut header = frame.ok_or_else(|| PhotoError::damaged("no frame header"))?;
    if scans == 0 {
        return Err(PhotoError::damaged("no image data (no scan)"));
    }
    header.exif = exif;
    Ok(header)
}

/// Returns the position of the first marker that ends the entropy-coded data
/// starting at `pos` (i.e. the index of its `0xFF`), skipping stuffed `FF 00`,
/// restart markers and fill bytes.
fn skip_entropy_coded(bytes: &[u8], mut pos: usize) -> Result<usize, PhotoError> {
    loop {
        let ff = bytes
            .get(pos..)
            .and_then(|rest| rest.iter().position(|&b| b == 0xFF))
            .ok_or_else(|| truncated("inside the image data"))?;
        pos += ff;
        let mut next = pos + 1;
        while bytes.get(next) == Some(&0xFF) {
            next += 1;
        }
        match bytes.get(next) {
            None => return Err(truncated("inside the image data")),
            Some(0x00) | Some(0xD0..=0xD7) => pos = next + 1,
            Some(_) => return Ok(next - 1),
        }
    }
}

fn parse_sof(marker: u8, data: &[u8]) -> Result<JpegHeader, PhotoError> {
    match marker {
        0xC3 => return Err(PhotoError::unsupported("lossless JPEG")),
        0xC5..=0xC7 | 0xCD..=0xCF => {
            return Err(PhotoError::unsupported("hierarchical JPEG"));
        }
        0xC9..=0xCB => return Err(PhotoError::unsupported("arithmetic-coded JPEG")),
        _ => {}
    }
    let precision = *data
        .first()
        .ok_or_else(|| PhotoError::damaged("short SOF"))?;
    let height = u16_at(data, 1).ok_or_else(|| PhotoError::damaged("short SOF"))?;
    let width = u16_at(data, 3).ok_or_else(|| PhotoError::damaged("short SOF"))?;
    let count = usize::from(
        *data
            .get(5)
            .ok_or_else(|| PhotoError::damaged("short SOF"))?,
    );
    if precision != 8 {
        return Err(PhotoError::unsupported(format!("{precision}-bit JPEG")));
    }
    if height == 0 {
        return Err(PhotoError::unsupported(
            "JPEG with height defined later (DNL)",
        ));
    }
    if width == 0 {
        return Err(PhotoError::damaged("zero width in frame header"));
    }
    if !matches!(count, 1 | 3 | 4) {
        return Err(PhotoError::unsupported(format!(
            "JPEG with {count} colour channels"
        )));
    }
    let mut components = Vec::with_capacity(count);
    for i in 0..count {
        let c = data
            .get(6 + 3 * i..9 + 3 * i)
            .ok_or_else(|| PhotoError::damaged("short SOF component list"))?;
        let (h, v) = (c[1] >> 4, c[1] & 0x0F);
        if !(1..=4).contains(&h) || !(1..=4).contains(&v) {
            return Err(PhotoError::damaged("bad sampling factors"));
        }
        components.push(Component { h, v });
    }
    Ok(JpegHeader {
        width,
        height,
        components,
        progressive: matches!(marker, 0xC2 | 0xC6 | 0xCA | 0xCE),
        exif: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SOI, SOF0 (w×h, 3 components), SOS, a few data bytes with stuffing and RST, EOI.
    fn tiny(w: u16, h: u16, with_eoi: bool) -> Vec<u8> {
        let mut v = vec![0xFF, 0xD8];
        v.extend([0xFF, 0xE1, 0, 12]);
        v.extend(b"Exif\0\0MM\0*");
        v.extend([0xFF, 0xC0, 0, 17, 8]);
        v.extend(h.to_be_bytes());
        v.extend(w.to_be_bytes());
        v.extend([3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
        v.extend([0xFF, 0xDA, 0, 12, 3, 1, 0, 2, 0x11, 3, 0x11, 0, 63, 0]);
        v.extend([0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0xFF, 0xFF]);
        if with_eoi {
            v.extend([0xD9]);
        }
        v
    }

    #[test]
    fn reads_frame_and_exif_and_needs_eoi() {
        let h = parse(&tiny(640, 480, true)).expect("valid");
        assert_eq!((h.width, h.height, h.components.len()), (640, 480, 3));
        assert_eq!(h.components[0], Component { h: 2, v: 2 });
        let bytes = tiny(640, 480, true);
        let exif = h.exif.expect("exif");
        assert_eq!(&bytes[exif], b"MM\0*");
        assert!(matches!(
            parse(&tiny(640, 480, false)),
            Err(PhotoError::Damaged { .. })
        ));
    }

    #[test]
    fn every_prefix_is_refused_without_panic() {
        let full = tiny(100, 100, true);
        for cut in 0..full.len() {
            assert!(
                parse(&full[..cut]).is_err(),
                "prefix of {cut} bytes accepted"
            );
        }
    }

    #[test]
    fn progressive_memory_counts_full_resolution_coefficients() {
        let mut h = parse(&tiny(8000, 6000, true)).expect("valid");
        let baseline = h.decode_memory_estimate(1000, 750);
        h.progressive = true;
        let progressive = h.decode_memory_estimate(1000, 750);
        // 4:2:0 → 1.5 coefficients per pixel, 2 bytes each.
        assert!(progressive - baseline >= 8000 * 6000 * 3);
    }

    mod properties {
        use super::super::parse;
        use super::tiny;
        use proptest::prelude::*;

        fn real_photo() -> Vec<u8> {
            let path = concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../testdata/photos/phone-12mp-exif-rotated.jpg"
            );
            std::fs::read(path).unwrap()
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]

            /// Any bytes after a JPEG start marker: a header or an error,
            /// never a panic, and dimensions only from a frame header.
            #[test]
            fn any_bytes_walk_to_a_header_or_an_error(body in prop::collection::vec(any::<u8>(), 0..2048)) {
                let mut bytes = vec![0xFF, 0xD8];
                bytes.extend(body);
                if let Ok(h) = parse(&bytes) {
                    prop_assert!(!h.components.is_empty());
                }
            }

            #[test]
            fn mutated_headers_never_panic(
                edits in prop::collection::vec((0usize..4096, any::<u8>()), 1..16),
                cut in any::<prop::sample::Index>(),
                small in any::<bool>(),
            ) {
                let mut bytes = if small { tiny(640, 480, true) } else { real_photo() };
                for (at, value) in edits {
                    let i = at % bytes.len();
                    bytes[i] = value;
                }
                let _ = parse(&bytes);
                let _ = parse(&bytes[..cut.index(bytes.len() + 1)]);
            }
        }
    }
}
